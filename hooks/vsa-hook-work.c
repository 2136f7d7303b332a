/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the hook does for a managed domain, shared by the worker the gate
 * execs (hook-main.c) and the resident server (hook-server.c).
 * argv = DOMAIN OPERATION SUB-OPERATION EXTRA, the domain XML in INPUT.
 * It decides with the pure plan from xml/ and acts; it never calls the
 * libvirt API (libvirtd is waiting for it: a call back would deadlock)
 * and does not even link libvirt.
 *
 * prepare: check the console policy, install the VM's firewall elements
 * (before qemu exists), open its encrypted volumes; anything failing
 * undoes what this run did and refuses the start.  release: remove the
 * elements and close the volumes.  reconnect: re-ensure the elements.
 *
 * Exit status follows libvirt's contract: 1 refuses a start at prepare;
 * release and reconnect always exit 0 (reconnect failing would make
 * libvirtd kill the running guest); migrate/restore print nothing, which
 * tells libvirt the XML is unchanged. */
#include "vsa-hook-work.h"
#include "vsa-config.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-firewall.h"
#include "vsa-hook-log.h"
#include "vsa-hook-plan.h"
#include "vsa-hook-table.h"
#include "vsa-volume.h"
#include "vsa-xml.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads all of FD (so libvirt's writer never sees EPIPE) but keeps at
 * most one byte more than the parser accepts. */
GByteArray *
vsa_hook_work_read_input (int fd)
{
  GByteArray *data = g_byte_array_new ();
  guint8 buf[65536];
  ssize_t n;

  while ((n = read (fd, buf, sizeof buf)) != 0)
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

  if (!vsa_validate_vm_name (domain, NULL))
    return NULL;
  file = g_strconcat (domain, ".xml", NULL);
  path = g_build_filename (config->libvirt_config_dir, file, NULL);
  if (!vsa_file_read_bounded (path, "persistent domain XML", VSA_XML_MAX_SIZE, &text, NULL, NULL))
    return NULL;
  return text;
}

/* One line on stderr (libvirt shows it to whoever ran `virsh start`) and
 * the same line in the log. */
static int
refuse_start (const char *domain, const char *reason)
{
  g_autofree char *line = vsa_hook_refusal_line_for (domain, reason);

  vsa_hook_log (G_LOG_LEVEL_WARNING, domain, "%s", line);
  fprintf (stderr, "%s\n", line);
  return 1;
}

/* Firewall elements first (cheap to undo), so the TLS port is never
 * reachable from an unassigned client, not even for a moment; then the
 * volumes.  A failure undoes what this run did. */
static int
run_prepare (VsaHookPlan *plan, const VsaConfig *config)
{
  g_autoptr (GError) error = NULL;

  if (plan->refusals->len > 0)
    {
      g_autofree char *reason = vsa_hook_refusal_reason (plan);

      return refuse_start (plan->domain, reason);
    }
  if (!vsa_firewall_add_vm (config, plan->domain, plan->policy, plan->tls_port, &error))
    return refuse_start (plan->domain, error->message);
  if (!vsa_volumes_open_all (config, plan->volumes, &error))
    {
      g_autoptr (GError) undo_error = NULL;

      if (!vsa_firewall_remove_vm (config, plan->domain, plan->policy, plan->tls_port, &undo_error))
        vsa_hook_log (G_LOG_LEVEL_WARNING, plan->domain, "prepare: undoing the firewall: %s",
                      undo_error->message);
      return refuse_start (plan->domain, error->message);
    }
  vsa_hook_log (G_LOG_LEVEL_INFO, plan->domain,
                "prepare: console policy verified%s; %u encrypted volume(s) open",
                config->firewall ? ", firewall elements installed" : "", plan->volumes->len);
  return 0;
}

/* Nothing here can stop anything: log a failure and let libvirt go on.
 * Removing what is gone is success, so a second release, or one after a
 * refused prepare, is harmless; `firewall status` and `volume list` show
 * what was left behind. */
static int
run_release (VsaHookPlan *plan, const VsaConfig *config)
{
  g_autoptr (GError) fw_error = NULL;
  g_autoptr (GError) vol_error = NULL;

  if (plan->tls_port > 0 &&
      !vsa_firewall_remove_vm (config, plan->domain, plan->policy, plan->tls_port, &fw_error))
    vsa_hook_log (G_LOG_LEVEL_WARNING, plan->domain,
                  "release: %s; run 'virt-spice-admin firewall sync' to repair", fw_error->message);
  if (!vsa_volumes_close_all (config, plan->volumes, &vol_error))
    vsa_hook_log (G_LOG_LEVEL_WARNING, plan->domain, "release: %s", vol_error->message);
  vsa_hook_log (G_LOG_LEVEL_INFO, plan->domain, "release: %u encrypted volume(s) %s; firewall %s",
                plan->volumes->len, vol_error ? "NOT all closed" : "closed",
                !config->firewall ? "off" : fw_error ? "elements NOT removed" : "elements removed");
  return 0;
}

/* libvirtd restarted with the VM running: its elements may be gone (a
 * firewall reload).  A non-zero exit would make libvirtd kill the running
 * guest, so a failure is logged and reported by `firewall status`. */
static int
run_reconnect (VsaHookPlan *plan, const VsaConfig *config)
{
  g_autoptr (GError) error = NULL;

  if (!vsa_firewall_add_vm (config, plan->domain, plan->policy, plan->tls_port, &error))
    vsa_hook_log (G_LOG_LEVEL_WARNING, plan->domain,
                  "reconnect: %s; the VM keeps running without them: run "
                  "'virt-spice-admin firewall sync'", error->message);
  else
    vsa_hook_log (G_LOG_LEVEL_INFO, plan->domain, "reconnect: firewall elements re-ensured");
  return 0;
}

/* The default path or $VIRT_SPICE_ADMIN_CONFIG.  At prepare a broken file
 * refuses the start (it may name another firewall table or key dir); for
 * the undo steps the defaults are better than nothing. */
static VsaConfig *
load_config (const char *domain, gboolean may_refuse, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  VsaConfig *config = vsa_config_load (NULL, &local_error);

  if (config != NULL)
    return config;
  if (may_refuse)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "fix the virt-spice-admin configuration: ");
      return NULL;
    }
  vsa_hook_log (G_LOG_LEVEL_WARNING, domain, "%s; using the defaults", local_error->message);
  return vsa_config_new_defaults ();
}

/* The plan's phase decides everything here: it is computed once, with
 * the one namespace search, before the configuration is even read. */
int
vsa_hook_work_run (int argc, char **argv, GByteArray *input, VsaHookDetach detach)
{
  const char *domain = argc > 1 ? argv[1] : "";
  const char *operation = argc > 2 ? argv[2] : "";
  const char *sub_operation = argc > 3 ? argv[3] : "";
  g_autofree char *persistent = NULL;
  g_autoptr (VsaHookPlan) plan = NULL;
  g_autoptr (VsaConfig) config = NULL;
  g_autoptr (GError) error = NULL;

  plan = vsa_hook_plan_new (domain, operation, sub_operation, (const char *) input->data,
                            input->len);
  if (!plan->to_judge)
    return 0;

  config = load_config (domain, plan->may_refuse, &error);
  if (config == NULL)
    return refuse_start (domain, error->message);
  if (plan->phase == VSA_HOOK_PREPARE)
    persistent = read_persistent_xml (config, domain);
  if (!vsa_hook_plan_judge (plan, (const char *) input->data, input->len, persistent, &error))
    {
      vsa_hook_log (G_LOG_LEVEL_WARNING, domain, "%s %s: %s", operation, sub_operation,
                    error->message);
      return plan->may_refuse ? refuse_start (domain, error->message) : 0;
    }
  if (!plan->managed)
    return 0;
  /* Devices take seconds and may hang: not in a resident server. */
  if (detach && plan->volumes->len > 0 && !detach ())
    return VSA_HOOK_DETACHED;

  switch (plan->phase)
    {
    case VSA_HOOK_PREPARE:
      return run_prepare (plan, config);
    case VSA_HOOK_RELEASE:
      return run_release (plan, config);
    case VSA_HOOK_RECONNECT:
      return run_reconnect (plan, config);
    case VSA_HOOK_IGNORE:
    case VSA_HOOK_FILTER:
      break;
    }
  return 0;
}
