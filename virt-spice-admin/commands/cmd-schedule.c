/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `schedule sync`: the state the access windows ask for now, on every
 * managed VM.  sasl mode: a user's credential is in the VM's database
 * only inside her window (the vault keeps it otherwise); running VMs: the
 * server firewall admits her client addresses only inside her window,
 * and since the guard chain checks every packet, taking her admission
 * out ends a session still open at the window's end.  The timer
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
#include "vsa-inventory.h"
#include "vsa-sasl-vault.h"

#include <string.h>

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

  if (!vsa_context_connect (ctx, error) ||
      (vms = vsa_inventory_collect (ctx->conn, NULL, error)) == NULL)
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
          !sync_firewall (ctx, vm, state, now, changes, error))
        return FALSE;
      note_next_boundary (vm->policy, now, &next);
    }
  print_result (ctx, changes, next);
  return TRUE;
}

static const VsaCommand schedule_sync_command = {
  .name = "sync",
  .run = schedule_sync,
  .usage = "",
  .summary = "Put databases and firewall in the state the windows ask for now",
  .description = "For every managed VM: in sasl mode, the VM's SASL database holds the\n"
                 "credentials of the users whose windows are open now and no other (the\n"
                 "others wait, root-only, in STATE-DIR/sasl-vault/VM); for a running VM, the\n"
                 "server firewall admits only the open users' client addresses, which also\n"
                 "ends a session still open when its window closed.  Prints each change and\n"
                 "the next boundary; changes nothing when nothing is due.  --dry-run prints\n"
                 "the changes only.  virt-spice-admin-schedule.timer runs it every minute.\n\n"
                 "Example:\n"
                 "  virt-spice-admin schedule sync",
};

static const VsaCommand *const schedule_commands[] = { &schedule_sync_command, NULL };

const VsaCommand vsa_command_schedule = {
  .name = "schedule",
  .summary = "Access windows: sync",
  .description = "Access windows (assign --when) are enforced by `schedule sync`, which\n"
                 "virt-spice-admin-schedule.timer runs at every minute, at boot and after\n"
                 "a clock or time-zone change.",
  .subcommands = schedule_commands,
};
