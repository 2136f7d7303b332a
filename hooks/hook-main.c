/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-spice-admin-hook: libvirt's qemu hook (installed in
 * /etc/libvirt/hooks/qemu.d/).  argv = DOMAIN OPERATION SUB-OPERATION
 * EXTRA, the domain XML on stdin.  It decides with the pure plan from
 * xml/ and acts; it never calls the libvirt API (libvirtd is waiting for
 * it: a call back would deadlock) and does not even link libvirt.
 *
 * Exit status follows libvirt's contract: 1 refuses a start at prepare;
 * release and reconnect always exit 0 (reconnect failing would make
 * libvirtd kill the running guest); migrate/restore print nothing, which
 * tells libvirt the XML is unchanged. */
#include "vsa-config.h"
#include "vsa-error.h"
#include "vsa-firewall.h"
#include "vsa-hook-log.h"
#include "vsa-hook-plan.h"
#include "vsa-xml.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads all of stdin (so libvirt's writer never sees EPIPE) but keeps at
 * most one byte more than the parser accepts. */
static GByteArray *
read_stdin_bounded (void)
{
  GByteArray *data = g_byte_array_new ();
  guint8 buf[65536];
  ssize_t n;

  while ((n = read (STDIN_FILENO, buf, sizeof buf)) != 0)
    {
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (data->len <= VSA_XML_MAX_SIZE)
        g_byte_array_append (data, buf, (guint) MIN ((gsize) n, VSA_XML_MAX_SIZE + 1 - data->len));
    }
  return data;
}

/* The saved definition holds the password that stdin lacks. */
static char *
read_persistent_xml (const char *domain)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) config = vsa_config_load (NULL, &error);
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  char *text = NULL;
  gsize len = 0;

  if (config == NULL || !vsa_validate_vm_name (domain, NULL))
    return NULL;
  file = g_strconcat (domain, ".xml", NULL);
  path = g_build_filename (config->libvirt_config_dir, file, NULL);
  if (!g_file_get_contents (path, &text, &len, NULL) || len > VSA_XML_MAX_SIZE)
    {
      g_free (text);
      return NULL;
    }
  return text;
}

/* Refuses the start with one line on stderr (libvirt shows it to the
 * user) and the same line in the log. */
static int
refuse (const char *domain, const char *line)
{
  vsa_hook_log (G_LOG_LEVEL_WARNING, domain, "%s", line);
  fprintf (stderr, "%s\n", line);
  return 1;
}

/* The VM's firewall elements go in before qemu exists, so its TLS port
 * is never reachable from an unassigned client, not even for a moment. */
static int
run_prepare (VsaHookPlan *plan)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) config = NULL;

  if (plan->refusals->len > 0)
    {
      g_autofree char *line = vsa_hook_refusal_line (plan);
      return refuse (plan->domain, line);
    }
  config = vsa_config_load (NULL, &error);
  if (config == NULL ||
      !vsa_firewall_add_vm (config, plan->domain, plan->policy, plan->tls_port, &error))
    {
      g_autofree char *line = vsa_hook_refusal_line_for (plan->domain, error->message);
      return refuse (plan->domain, line);
    }
  vsa_hook_log (G_LOG_LEVEL_INFO, plan->domain, "prepare: console policy verified%s",
                config->firewall ? ", firewall elements installed" : "");
  return 0;
}

/* Nothing here can stop anything: log a failure and let libvirt go on;
 * `firewall status` shows what was left behind, `firewall sync` fixes it. */
static int
run_release (VsaHookPlan *plan)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) config = vsa_config_load (NULL, &error);

  if (plan->tls_port <= 0)
    {
      vsa_hook_log (G_LOG_LEVEL_INFO, plan->domain, "release: no TLS port, no firewall elements");
      return 0;
    }
  if (config == NULL ||
      !vsa_firewall_remove_vm (config, plan->domain, plan->policy, plan->tls_port, &error))
    vsa_hook_log (G_LOG_LEVEL_WARNING, plan->domain,
                  "release: %s; run 'virt-spice-admin firewall sync' to repair", error->message);
  else
    vsa_hook_log (G_LOG_LEVEL_INFO, plan->domain, "release: firewall elements removed");
  return 0;
}

/* libvirtd restarted with the VM running: its elements may be gone (a
 * firewall reload).  A non-zero exit here would make libvirtd kill the
 * running guest, so a failure is logged and reported by `firewall status`. */
static int
run_reconnect (VsaHookPlan *plan)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) config = vsa_config_load (NULL, &error);

  if (config == NULL ||
      !vsa_firewall_add_vm (config, plan->domain, plan->policy, plan->tls_port, &error))
    vsa_hook_log (G_LOG_LEVEL_WARNING, plan->domain,
                  "reconnect: %s; the VM keeps running without them: run "
                  "'virt-spice-admin firewall sync'", error->message);
  else
    vsa_hook_log (G_LOG_LEVEL_INFO, plan->domain, "reconnect: firewall elements re-ensured");
  return 0;
}

int
main (int argc, char **argv)
{
  const char *domain = argc > 1 ? argv[1] : "";
  const char *operation = argc > 2 ? argv[2] : "";
  const char *sub_operation = argc > 3 ? argv[3] : "";
  gboolean may_refuse;
  VsaHookPhase phase = vsa_hook_phase_for (operation, sub_operation, &may_refuse);
  g_autoptr (GByteArray) input = NULL;
  g_autofree char *persistent = NULL;
  g_autoptr (VsaHookPlan) plan = NULL;
  g_autoptr (GError) error = NULL;

  vsa_hook_log_init ();
  input = read_stdin_bounded ();
  if (phase == VSA_HOOK_IGNORE || phase == VSA_HOOK_FILTER)
    return 0;

  if (phase == VSA_HOOK_PREPARE && g_strstr_len ((const char *) input->data, input->len,
                                                 VSA_METADATA_NS) != NULL)
    persistent = read_persistent_xml (domain);
  plan = vsa_hook_plan_build (domain, operation, sub_operation, (const char *) input->data,
                              input->len, persistent, &error);
  if (plan == NULL)
    {
      vsa_hook_log (G_LOG_LEVEL_WARNING, domain, "%s %s: %s", operation, sub_operation,
                    error->message);
      if (!may_refuse)
        return 0;
      fprintf (stderr, "virt-spice-admin: refusing to start VM '%s': %s\n", domain, error->message);
      return 1;
    }
  if (!plan->managed)
    return 0;

  switch (plan->phase)
    {
    case VSA_HOOK_PREPARE:
      return run_prepare (plan);
    case VSA_HOOK_RELEASE:
      return run_release (plan);
    case VSA_HOOK_RECONNECT:
      return run_reconnect (plan);
    case VSA_HOOK_IGNORE:
    case VSA_HOOK_FILTER:
      break;
    }
  return 0;
}
