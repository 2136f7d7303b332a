/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `schedule sync`: the state the access windows ask for now, on every
 * managed VM.  sasl mode: a user's credential is in the VM's database
 * only inside her window (the vault keeps it otherwise); running VMs: the
 * server firewall admits her client addresses only inside her window,
 * and since the guard chain checks every packet, taking her admission
 * out ends a session still open at the window's end; in password mode a
 * fresh live password with connected='disconnect' ends it too.  The timer
 * virt-spice-admin-schedule.timer runs it every minute, at boot and on
 * clock or zone changes; a run with nothing to change writes nothing.
 *
 * Why elements at the boundaries and not nftables time matching (meta
 * day/hour): the kernel evaluates `hour` in UTC while nft converts local
 * times when the rules load, so such rules go wrong at every offset change
 * until reloaded, and a window crossing midnight after conversion is
 * refused; windows in wall-clock time from one pure function, applied
 * here, have neither problem and are what the broker and audit see. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-firewall.h"
#include "vsa-file.h"
#include "vsa-inventory.h"
#include "vsa-libvirt.h"
#include "vsa-sasl-vault.h"
#include "vsa-secret.h"
#include "vsa-spice.h"
#include "vsa-xml.h"

#include <string.h>

/* The instant of the last sync: windows that closed since then end the
 * sessions of password-mode VMs. */
static char *
last_sync_path (const VsaConfig *config)
{
  return g_build_filename (config->state_dir, "schedule-last-sync", NULL);
}

static GDateTime *
read_last_sync (const VsaConfig *config, GDateTime *now)
{
  g_autofree char *path = last_sync_path (config);
  g_autofree char *text = NULL;
  gint64 seconds;

  if (!g_file_get_contents (path, &text, NULL, NULL) ||
      !g_ascii_string_to_signed (g_strstrip (text), 10, 0, G_MAXINT64, &seconds, NULL))
    return NULL;
  {
    g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (seconds);

    return g_date_time_to_timezone (utc, g_date_time_get_timezone (now));
  }
}

static gboolean
write_last_sync (const VsaConfig *config, GDateTime *now, GError **error)
{
  g_autofree char *path = last_sync_path (config);
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT "\n", g_date_time_to_unix (now));

  return vsa_dir_ensure (config->state_dir, 0755, error) &&
         vsa_file_write_atomic (path, text, strlen (text), 0644, error);
}

/* The first user of POLICY whose window was open at THEN and is closed
 * at NOW, or NULL. */
static const char *
window_closed_since (const VsaPolicy *policy, GDateTime *then, GDateTime *now)
{
  for (guint i = 0; then && i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);

      if (vsa_window_set_is_open (access->when, then, NULL) &&
          !vsa_window_set_is_open (access->when, now, NULL))
        return access->user;
    }
  return NULL;
}

/* A fresh random password on the running VM only, disconnecting the open
 * session; nobody knows it, so the next user needs a new one (a ticket,
 * or `password --live`).  The persistent password is left as it is. */
static gboolean
disconnect_sessions (VsaContext *ctx, const VsaVmRecord *vm, GError **error)
{
  g_autoptr (virDomain) dom = vsa_libvirt_lookup (ctx->conn, vm->name, error);
  g_autoptr (xmlDoc) doc = dom ? vsa_libvirt_get_doc (dom, VIR_DOMAIN_XML_SECURE, error) : NULL;
  g_autoptr (VsaSecret) password = doc ? vsa_secret_generate_password (error) : NULL;
  g_autofree char *graphics = NULL;

  if (password == NULL || !vsa_spice_set_password (doc, password, NULL, "disconnect", error))
    return FALSE;
  graphics = vsa_xml_serialize_node (doc, vsa_spice_find_graphics (doc));
  if (virDomainUpdateDeviceFlags (dom, graphics, VIR_DOMAIN_AFFECT_LIVE) < 0)
    return vsa_libvirt_set_error (error, "cannot change the password of the running VM");
  return TRUE;
}

static gboolean
sync_password_sessions (VsaContext *ctx, const VsaVmRecord *vm, GDateTime *last, GDateTime *now,
                        GPtrArray *changes, GError **error)
{
  const char *user;

  if (!vm->running || !vm->live_policy || vm->live_policy->auth != VSA_AUTH_PASSWORD ||
      (user = window_closed_since (vm->live_policy, last, now)) == NULL)
    return TRUE;
  g_ptr_array_add (changes, g_strdup_printf ("VM %s: fresh live password, sessions "
                                             "disconnected (the window of %s closed)",
                                             vm->name, user));
  if (ctx->dry_run || disconnect_sessions (ctx, vm, error))
    return TRUE;
  g_prefix_error (error, "VM '%s': ", vm->name);
  return FALSE;
}

/* The running VM's elements follow its live policy's open users. */
static gboolean
sync_firewall (VsaContext *ctx, const VsaVmRecord *vm, VsaFirewallState *state, GDateTime *now,
               GPtrArray *changes, GError **error)
{
  g_autofree char *invalid = NULL;
  g_autoptr (VsaNftVm) wanted = NULL;
  const char *verdict;

  if (!ctx->config->firewall || !vm->running || vm->live_tls_port <= 0 || !vm->live_policy)
    return TRUE;
  wanted = vsa_firewall_wanted (vm->live_policy, vm->live_tls_port, now, &invalid);
  verdict = vsa_firewall_port_state (wanted, vm->live_tls_port, invalid != NULL,
                                     g_hash_table_lookup (state->ports,
                                                          GINT_TO_POINTER (vm->live_tls_port)),
                                     TRUE);
  if (g_strcmp0 (verdict, "drift") != 0 && g_strcmp0 (verdict, "missing") != 0)
    return TRUE;
  g_ptr_array_add (changes, g_strdup_printf ("VM %s: firewall admits the open users' clients "
                                             "(was %s)", vm->name, verdict));
  return ctx->dry_run ||
         vsa_firewall_update_vm (ctx->config, vm->name, vm->live_policy, vm->live_tls_port,
                                 error);
}

/* The earliest boundary of POLICY's windows after NOW into *NEXT. */
static void
note_next_boundary (const VsaPolicy *policy, GDateTime *now, GDateTime **next)
{
  for (guint i = 0; i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);
      g_autoptr (GDateTime) boundary = NULL;

      vsa_window_set_is_open (access->when, now, &boundary);
      if (boundary && (*next == NULL || g_date_time_compare (boundary, *next) < 0))
        {
          g_clear_pointer (next, g_date_time_unref);
          *next = g_steal_pointer (&boundary);
        }
    }
}

static void
print_result (VsaContext *ctx, GPtrArray *changes, GDateTime *next)
{
  g_autofree char *at = next ? vsa_window_format_instant (next) : NULL;
  g_autofree char *iso = next ? g_date_time_format_iso8601 (next) : NULL;

  for (guint i = 0; i < changes->len; i++)
    fprintf (ctx->out, "%s%s\n", ctx->dry_run ? "would change: " : "",
             (char *) g_ptr_array_index (changes, i));
  if (changes->len == 0)
    fprintf (ctx->out, "nothing to change\n");
  if (next)
    fprintf (ctx->out, "next boundary: %s (%s)\n", at, iso);
  else
    fprintf (ctx->out, "no boundary ahead\n");
}

static gboolean
schedule_sync (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  g_autoptr (GDateTime) now = vsa_cli_window_now (ctx);
  g_autoptr (GDateTime) next = NULL;
  g_autoptr (GPtrArray) vms = NULL;
  g_autoptr (GPtrArray) changes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (VsaFirewallState) state = NULL;
  g_autoptr (GDateTime) last = read_last_sync (ctx->config, now);

  if (!vsa_context_connect (ctx, error) ||
      (vms = vsa_inventory_collect (ctx->conn, NULL, VSA_INVENTORY_LIVE, error)) == NULL)
    return FALSE;
  if (ctx->config->firewall && (state = vsa_firewall_read_state (ctx->config, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < vms->len; i++)
    {
      const VsaVmRecord *vm = g_ptr_array_index (vms, i);

      if (vm->policy == NULL)
        continue;
      if (!vsa_sasl_vault_sync (ctx->config, vm->name, vm->policy, now, ctx->dry_run, changes,
                                error) ||
          !sync_firewall (ctx, vm, state, now, changes, error) ||
          !sync_password_sessions (ctx, vm, last, now, changes, error))
        return FALSE;
      note_next_boundary (vm->policy, now, &next);
    }
  print_result (ctx, changes, next);
  return ctx->dry_run || write_last_sync (ctx->config, now, error);
}

static const VsaCommand schedule_sync_command = VSA_COMMAND_LEAF ("sync", schedule_sync, "", 0, 0, VSA_COMMAND_PLAIN, NULL,
  "Put databases and firewall in the state the windows ask for now",
  "For every managed VM: in sasl mode, the VM's SASL database holds the\n"
  "credentials of the users whose windows are open now and no other (the\n"
  "others wait, root-only, in STATE-DIR/sasl-vault/VM); for a running VM, the\n"
  "server firewall admits only the open users' client addresses, which also\n"
  "ends a session still open when its window closed; in password mode a\n"
  "fresh live password with connected='disconnect' ends it too (the\n"
  "persistent password is unchanged).  Prints each change and\n"
  "the next boundary; changes nothing when nothing is due.  --dry-run prints\n"
  "the changes only.  virt-spice-admin-schedule.timer runs it every minute.\n\n"
  "Example:\n"
  "  virt-spice-admin schedule sync");

const VsaCommand vsa_command_schedule = VSA_COMMAND_GROUP ("schedule",
  "Access windows: sync",
  "Access windows (assign --when) are enforced by `schedule sync`, which\n"
  "virt-spice-admin-schedule.timer runs at every minute, at boot and after\n"
  "a clock or time-zone change.",
  &schedule_sync_command);
