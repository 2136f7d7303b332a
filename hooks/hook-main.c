/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-spice-admin-hook: libvirt's qemu hook (installed in
 * /etc/libvirt/hooks/qemu.d/).  argv = DOMAIN OPERATION SUB-OPERATION
 * EXTRA, the domain XML on stdin.  It decides with the pure plan from
 * xml/ and acts; it never calls the libvirt API (libvirtd is waiting for
 * it: a call back would deadlock) and does not even link libvirt.
 *
 * At prepare it also opens the VM's encrypted volumes (LV, then LUKS
 * mapping) in metadata order, and closes them again at release.
 *
 * Exit status follows libvirt's contract: 1 refuses a start at prepare;
 * release and reconnect always exit 0 (reconnect failing would make
 * libvirtd kill the running guest); migrate/restore print nothing, which
 * tells libvirt the XML is unchanged. */
#include "vsa-config.h"
#include "vsa-error.h"
#include "vsa-hook-log.h"
#include "vsa-hook-plan.h"
#include "vsa-volume.h"
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
read_persistent_xml (const VsaConfig *config, const char *domain)
{
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

/* One line on stderr: libvirt shows it to whoever ran `virsh start`. */
static int
refuse_start (const char *domain, const char *line)
{
  vsa_hook_log (G_LOG_LEVEL_WARNING, domain, "%s", line);
  fprintf (stderr, "%s\n", line);
  return 1;
}

static int
run_prepare (VsaHookPlan *plan)
{
  g_autoptr (GError) error = NULL;

  if (plan->refusals->len > 0)
    {
      g_autofree char *line = vsa_hook_refusal_line (plan);
      return refuse_start (plan->domain, line);
    }
  /* Last, so a refused policy never leaves volumes open. */
  if (!vsa_volumes_open_all (plan->volumes, &error))
    {
      g_autofree char *line = g_strdup_printf ("virt-spice-admin: refusing to start VM '%s': %s",
                                               plan->domain, error->message);
      return refuse_start (plan->domain, line);
    }
  vsa_hook_log (G_LOG_LEVEL_INFO, plan->domain,
                "prepare: console policy verified; %u encrypted volume(s) open", plan->volumes->len);
  return 0;
}

/* Nothing can be aborted any more: log what stays open and succeed.
 * Closing what is already closed is success, so a second release, or one
 * after a refused prepare, is harmless. */
static int
run_release (VsaHookPlan *plan, const VsaConfig *config)
{
  g_autoptr (GError) error = NULL;

  if (plan->volumes->len == 0)
    {
      vsa_hook_log (G_LOG_LEVEL_INFO, plan->domain, "release: nothing left to undo");
      return 0;
    }
  if (!vsa_volumes_close_all (config, plan->volumes, &error))
    vsa_hook_log (G_LOG_LEVEL_WARNING, plan->domain, "release: %s", error->message);
  else
    vsa_hook_log (G_LOG_LEVEL_INFO, plan->domain, "release: %u encrypted volume(s) closed",
                  plan->volumes->len);
  return 0;
}

/* The default path or $VIRT_SPICE_ADMIN_CONFIG.  An unreadable file is
 * logged and the defaults used: the policy itself is in the domain XML. */
static VsaConfig *
load_config (const char *domain)
{
  g_autoptr (GError) error = NULL;
  VsaConfig *config = vsa_config_load (NULL, &error);

  if (config != NULL)
    return config;
  vsa_hook_log (G_LOG_LEVEL_WARNING, domain, "%s; using the defaults", error->message);
  return vsa_config_new_defaults ();
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
  g_autoptr (VsaConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  gboolean ours;

  vsa_hook_log_init ();
  input = read_stdin_bounded ();
  if (phase == VSA_HOOK_IGNORE || phase == VSA_HOOK_FILTER)
    return 0;

  ours = g_strstr_len ((const char *) input->data, input->len, VSA_METADATA_NS) != NULL;
  if (ours)
    config = load_config (domain);
  if (phase == VSA_HOOK_PREPARE && ours)
    persistent = read_persistent_xml (config, domain);
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
      return run_release (plan, config);
    case VSA_HOOK_RECONNECT:
      vsa_hook_log (G_LOG_LEVEL_INFO, plan->domain, "reconnect: nothing to re-ensure");
      return 0;
    case VSA_HOOK_IGNORE:
    case VSA_HOOK_FILTER:
      break;
    }
  return 0;
}
