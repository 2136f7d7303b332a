/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Changes to the server firewall: one VM's elements in, out or replaced,
 * the whole table rebuilt or deleted, each one atomic transaction; and
 * what a policy asks of it. */
#include "vsa-firewall.h"
#include "vsa-firewall-run.h"
#include "vsa-error.h"
#include "vsa-time.h"

void
vsa_firewall_settings_from_config (const VsaConfig *config, VsaNftSettings *ret_settings)
{
  ret_settings->table = config->firewall_table;
  ret_settings->priority = config->firewall_priority;
  ret_settings->reject = config->firewall_reject;
  ret_settings->log_prefix = config->firewall_log_prefix;
}

static gboolean
apply (const VsaNftSettings *settings, const char *what, const char *script, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (vsa_firewall_run_script (script, &local_error))
    return TRUE;
  return vsa_firewall_fail (error, settings, what, local_error);
}

/* WINDOWS: admit only the users whose access windows are open now (add,
 * update); without, every user's entries (remove takes out all of them). */
static VsaNftVm *
vm_for (const VsaConfig *config, const char *vm_name, const VsaPolicy *policy, int port,
        gboolean windows, GError **error)
{
  g_autoptr (GDateTime) now = windows ? vsa_time_now_in_zone (config->time_zone) : NULL;
  VsaNftVm *vm = vsa_nft_vm_from_policy (policy, port, now, error);

  if (vm == NULL)
    g_prefix_error (error, "firewall: VM '%s': ", vm_name);
  return vm;
}

typedef char *(*VmRenderer) (const VsaNftSettings *settings, const VsaNftVm *vm);

/* One VM's elements in or out, as one transaction.  add/remove/update are
 * no-ops when the configuration turns the firewall off, so callers (hook,
 * assign) need not ask first. */
static gboolean
change_vm (const VsaConfig *config, const char *vm_name, const VsaPolicy *policy, int port,
           VmRenderer render, const char *verb, GError **error)
{
  VsaNftSettings settings;
  g_autoptr (VsaNftVm) vm = NULL;
  g_autofree char *script = NULL;
  g_autofree char *what = NULL;

  if (!config->firewall)
    return TRUE;
  vsa_firewall_settings_from_config (config, &settings);
  if ((vm = vm_for (config, vm_name, policy, port, render != vsa_nft_render_remove_vm,
                    error)) == NULL)
    return FALSE;
  script = render (&settings, vm);
  what = g_strdup_printf ("%s the rules of VM '%s' (port %d)", verb, vm_name, port);
  return apply (&settings, what, script, error);
}

/* A start nearly always finds the table: its elements alone are the
 * transaction (see vsa_nft_render_add_elements).  When that fails (no
 * table, a set missing: the first start since boot, a flushed ruleset),
 * the table is built with them, rules included, as `firewall sync` does. */
gboolean
vsa_firewall_add_vm (const VsaConfig *config, const char *vm_name, const VsaPolicy *policy,
                     int port, GError **error)
{
  g_autoptr (GError) quick_error = NULL;

  if (change_vm (config, vm_name, policy, port, vsa_nft_render_add_elements, "add", &quick_error))
    return TRUE;
  return change_vm (config, vm_name, policy, port, vsa_nft_render_add_vm, "add", error);
}

/* Safe to repeat and after a failed add: see render_remove_elements(). */
gboolean
vsa_firewall_remove_vm (const VsaConfig *config, const char *vm_name, const VsaPolicy *policy,
                        int port, GError **error)
{
  return change_vm (config, vm_name, policy, port, vsa_nft_render_remove_vm, "remove", error);
}

/* For `assign`/`unassign` on a running VM: the port's clients become
 * exactly the policy's, whatever the table held for it before. */
gboolean
vsa_firewall_update_vm (const VsaConfig *config, const char *vm_name, const VsaPolicy *policy,
                        int port, GError **error)
{
  VsaNftSettings settings;
  g_autoptr (VsaNftVm) vm = NULL;
  g_autoptr (VsaNftVm) installed = NULL;
  g_autoptr (VsaFirewallState) state = NULL;
  g_autofree char *script = NULL;
  g_autofree char *what = NULL;
  VsaFirewallPort *current;

  if (!config->firewall)
    return TRUE;
  vsa_firewall_settings_from_config (config, &settings);
  if ((vm = vm_for (config, vm_name, policy, port, TRUE, error)) == NULL ||
      (state = vsa_firewall_read_state (config, error)) == NULL)
    return FALSE;
  current = g_hash_table_lookup (state->ports, GINT_TO_POINTER (port));
  installed = current ? vsa_firewall_port_to_vm (current) : NULL;
  script = vsa_nft_render_replace_vm (&settings, vm, installed);
  what = g_strdup_printf ("update the rules of VM '%s' (port %d)", vm_name, port);
  return apply (&settings, what, script, error);
}

/* vms: VsaNftVm *, every running managed VM. */
gboolean
vsa_firewall_sync (const VsaConfig *config, GPtrArray *vms, GError **error)
{
  VsaNftSettings settings;
  g_autofree char *script = NULL;

  vsa_firewall_settings_from_config (config, &settings);
  script = vsa_nft_render_sync (&settings, vms);
  return apply (&settings, "rebuild the rules", script, error);
}

/* The broker's ticket binding (see vsa_nft_render_bind); PREVIOUS: the
 * address of the port's last ticket, or NULL. */
gboolean
vsa_firewall_bind (const VsaConfig *config, int port, const char *client, const char *previous,
                   gint64 seconds, GError **error)
{
  VsaNftSettings settings;
  g_autoptr (VsaNftClient) address = vsa_nft_client_parse (client, error);
  g_autoptr (VsaNftClient) before = previous ? vsa_nft_client_parse (previous, NULL) : NULL;
  g_autofree char *script = NULL;
  g_autofree char *what = NULL;

  if (address == NULL)
    return FALSE;
  vsa_firewall_settings_from_config (config, &settings);
  script = vsa_nft_render_bind (&settings, port, address, before, seconds);
  what = g_strdup_printf ("bind port %d to %s", port, address->text);
  return apply (&settings, what, script, error);
}

gboolean
vsa_firewall_flush (const VsaConfig *config, GError **error)
{
  VsaNftSettings settings;
  g_autofree char *script = NULL;

  vsa_firewall_settings_from_config (config, &settings);
  script = vsa_nft_render_flush (&settings);
  return apply (&settings, "delete the table", script, error);
}

/* What the policy asks the firewall for on PORT.  Invalid clients are left
 * out, not fatal: the port stays guarded with the rest (fail closed), and
 * *ret_invalid says why (or stays NULL). */
VsaNftVm *
vsa_firewall_wanted (const VsaPolicy *policy, int port, GDateTime *now, char **ret_invalid)
{
  VsaNftVm *wanted = vsa_nft_vm_new (port > 0 ? port : 1, NULL);

  *ret_invalid = NULL;
  for (guint i = 0; policy && i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);

      /* Outside the user's windows her addresses are not admitted. */
      if (now && !vsa_window_set_is_open (access->when, now, NULL))
        continue;
      for (guint j = 0; j < access->clients->len; j++)
        {
          g_autoptr (GError) error = NULL;

          if (!vsa_nft_vm_add_client (wanted, g_ptr_array_index (access->clients, j), &error) &&
              *ret_invalid == NULL)
            *ret_invalid = g_strdup_printf ("user '%s': %s", access->user, error->message);
        }
    }
  return wanted;
}

/* How the kernel's elements for one running VM compare with what its
 * policy asks: "ok" (guarded with exactly the policy's clients),
 * "missing", "drift", "invalid-client", "disabled", "no-tls-port". */
const char *
vsa_firewall_port_state (const VsaNftVm *wanted, int port, gboolean has_invalid,
                         const VsaFirewallPort *installed, gboolean enabled)
{
  if (port <= 0)
    return "no-tls-port";
  if (!enabled)
    return "disabled";
  if (installed == NULL || !installed->guarded)
    return "missing";
  if (installed->clients->len != wanted->clients->len)
    return "drift";
  for (guint i = 0; i < installed->clients->len; i++)
    {
      g_autoptr (VsaNftClient) c = vsa_nft_client_parse (g_ptr_array_index (installed->clients, i), NULL);
      gboolean found = FALSE;

      for (guint j = 0; c && j < wanted->clients->len; j++)
        found |= g_strcmp0 (((VsaNftClient *) g_ptr_array_index (wanted->clients, j))->text, c->text) == 0;
      if (!found)
        return "drift";
    }
  return has_invalid ? "invalid-client" : "ok";
}
