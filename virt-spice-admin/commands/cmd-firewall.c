/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `firewall status [VM] | sync | flush`: what the server firewall holds
 * compared with what the running VMs' metadata asks for; rebuild it from
 * those VMs; or delete the project's table.  The elements themselves are
 * installed by the hook (prepare/release/reconnect) and by assign. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-firewall.h"
#include "vsa-inventory.h"
#include "vsa-libvirt.h"
#include "vsa-spice.h"
#include "vsa-xml.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* One running managed VM as its live XML describes it. */
typedef struct {
  char *name;
  int port;              /* TLS port; <= 0: none */
  VsaNftVm *wanted;      /* the policy's clients (valid ones only) */
  char *invalid;         /* why some client could not be used, or NULL */
} RunningVm;

static void
running_vm_free (RunningVm *vm)
{
  g_free (vm->name);
  vsa_nft_vm_free (vm->wanted);
  g_free (vm->invalid);
  g_free (vm);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RunningVm, running_vm_free)

static RunningVm *
running_vm_new (const VsaVmRecord *record, GDateTime *now)
{
  RunningVm *vm = g_new0 (RunningVm, 1);

  vm->name = g_strdup (record->name);
  vm->port = record->live_tls_port;
  vm->wanted = vsa_firewall_wanted (record->live_policy, vm->port, now, &vm->invalid);
  return vm;
}

/* Every running managed VM (or just ONLY), by name, as its live XML
 * describes it. */
static GPtrArray *
list_running_managed (virConnect *conn, const char *only, GDateTime *now, GError **error)
{
  char *names[] = { (char *) only, NULL };
  g_autoptr (GPtrArray) records = vsa_inventory_collect (conn, only ? names : NULL,
                                                         VSA_INVENTORY_RUNNING_ONLY, error);
  g_autoptr (GPtrArray) vms = g_ptr_array_new_with_free_func ((GDestroyNotify) running_vm_free);

  if (records == NULL)
    return NULL;
  for (guint i = 0; i < records->len; i++)
    {
      const VsaVmRecord *record = g_ptr_array_index (records, i);

      if (record->live_policy != NULL)
        g_ptr_array_add (vms, running_vm_new (record, now));
    }
  return g_steal_pointer (&vms);
}

/* ------------------------------------------------------------------ */
/* status                                                              */

static const char *
vm_state (const RunningVm *vm, const VsaFirewallPort *installed, gboolean enabled)
{
  return vsa_firewall_port_state (vm->wanted, vm->port, vm->invalid != NULL, installed, enabled);
}

static char *
join_clients (GPtrArray *clients, gboolean nft_form)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; clients && i < clients->len; i++)
    {
      gpointer item = g_ptr_array_index (clients, i);
      g_string_append_printf (s, "%s%s", i ? "," : "",
                              nft_form ? (const char *) item : ((VsaNftClient *) item)->text);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
add_client_array (JsonBuilder *b, const char *member, GPtrArray *clients, gboolean nft_form)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; clients && i < clients->len; i++)
    {
      gpointer item = g_ptr_array_index (clients, i);
      json_builder_add_string_value (b, nft_form ? (const char *) item : ((VsaNftClient *) item)->text);
    }
  json_builder_end_array (b);
}

static void
add_vm_json (JsonBuilder *b, const RunningVm *vm, const VsaFirewallPort *installed, gboolean enabled)
{
  json_builder_begin_object (b);
  vsa_cli_json_add_string (b, "vm", vm->name);
  vsa_cli_json_add_int (b, "tls_port", vm->port);
  add_client_array (b, "allowed_clients", vm->wanted->clients, FALSE);
  add_client_array (b, "installed_clients", installed ? installed->clients : NULL, TRUE);
  vsa_cli_json_add_int (b, "rejected_packets", installed ? (gint64) installed->rejected_packets : 0);
  vsa_cli_json_add_string (b, "state", vm_state (vm, installed, enabled));
  vsa_cli_json_add_string_or_null (b, "problem", vm->invalid);
  json_builder_end_object (b);
}

static void
add_stray_json (JsonBuilder *b, const VsaFirewallPort *port)
{
  json_builder_begin_object (b);
  vsa_cli_json_add_int (b, "tls_port", port->port);
  add_client_array (b, "installed_clients", port->clients, TRUE);
  vsa_cli_json_add_int (b, "rejected_packets", (gint64) port->rejected_packets);
  json_builder_end_object (b);
}

static gint
compare_ports (gconstpointer a, gconstpointer b)
{
  return (*(VsaFirewallPort *const *) a)->port - (*(VsaFirewallPort *const *) b)->port;
}

/* Installed ports no running managed VM (of those listed) owns. */
static GPtrArray *
find_strays (VsaFirewallState *state, GPtrArray *vms)
{
  GPtrArray *strays = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, state->ports);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      VsaFirewallPort *port = value;
      gboolean owned = FALSE;

      for (guint i = 0; i < vms->len; i++)
        owned |= ((RunningVm *) g_ptr_array_index (vms, i))->port == port->port;
      if (!owned)
        g_ptr_array_add (strays, port);
    }
  g_ptr_array_sort (strays, compare_ports);
  return strays;
}

static void
print_status_json (VsaContext *ctx, GPtrArray *vms, VsaFirewallState *state, GPtrArray *strays)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const VsaConfig *config = ctx->config;

  json_builder_begin_object (b);
  vsa_cli_json_add_boolean (b, "enabled", config->firewall);
  vsa_cli_json_add_string (b, "table", config->firewall_table);
  vsa_cli_json_add_boolean (b, "table_exists", state->table_exists);
  vsa_cli_json_add_string (b, "reject", vsa_nft_reject_mode_to_string (config->firewall_reject));
  json_builder_set_member_name (b, "vms");
  json_builder_begin_array (b);
  for (guint i = 0; i < vms->len; i++)
    {
      RunningVm *vm = g_ptr_array_index (vms, i);
      add_vm_json (b, vm, g_hash_table_lookup (state->ports, GINT_TO_POINTER (vm->port)), config->firewall);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "stray_ports");
  json_builder_begin_array (b);
  for (guint i = 0; i < strays->len; i++)
    add_stray_json (b, g_ptr_array_index (strays, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  vsa_cli_print_json (ctx, b);
}

static void
print_status_text (VsaContext *ctx, GPtrArray *vms, VsaFirewallState *state, GPtrArray *strays)
{
  const VsaConfig *config = ctx->config;

  fprintf (ctx->out, "Firewall: %s, table inet %s %s, reject: %s\n",
           config->firewall ? "enabled" : "disabled (firewall = false)", config->firewall_table,
           state->table_exists ? "present" : "absent", vsa_nft_reject_mode_to_string (config->firewall_reject));
  fprintf (ctx->out, "%-20s %-6s %-10s %-15s %s\n", "VM", "PORT", "REJECTED", "STATE", "ALLOWED CLIENTS (+ loopback)");
  for (guint i = 0; i < vms->len; i++)
    {
      RunningVm *vm = g_ptr_array_index (vms, i);
      VsaFirewallPort *installed = g_hash_table_lookup (state->ports, GINT_TO_POINTER (vm->port));
      g_autofree char *wanted = join_clients (vm->wanted->clients, FALSE);
      g_autofree char *have = installed ? join_clients (installed->clients, TRUE) : g_strdup ("");
      const char *st = vm_state (vm, installed, config->firewall);

      fprintf (ctx->out, "%-20s %-6d %-10" G_GUINT64_FORMAT " %-15s %s", vm->name, vm->port,
               installed ? installed->rejected_packets : 0, st, *wanted ? wanted : "(none)");
      if (g_strcmp0 (st, "drift") == 0)
        fprintf (ctx->out, " (installed: %s)", *have ? have : "none");
      fputc ('\n', ctx->out);
      if (vm->invalid)
        fprintf (ctx->out, "%-20s %s\n", "", vm->invalid);
    }
  for (guint i = 0; i < strays->len; i++)
    {
      VsaFirewallPort *port = g_ptr_array_index (strays, i);
      g_autofree char *have = join_clients (port->clients, TRUE);

      fprintf (ctx->out, "%-20s %-6d %-10" G_GUINT64_FORMAT " %-15s %s\n", "(no running VM)", port->port,
               port->rejected_packets, "stray", *have ? have : "(none)");
    }
}

static gboolean
firewall_status (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  const char *only = inv->vm;
  g_autoptr (GPtrArray) vms = NULL;
  g_autoptr (VsaFirewallState) state = NULL;
  g_autoptr (GPtrArray) strays = NULL;
  g_autoptr (GDateTime) now = vsa_cli_window_now (ctx);

  if (!vsa_context_connect (ctx, error) ||
      (vms = list_running_managed (ctx->conn, only, now, error)) == NULL ||
      (state = vsa_firewall_read_state (ctx->config, error)) == NULL)
    return FALSE;
  /* For one VM, other VMs' ports are not strays. */
  strays = only ? g_ptr_array_new () : find_strays (state, vms);
  if (ctx->json)
    print_status_json (ctx, vms, state, strays);
  else
    print_status_text (ctx, vms, state, strays);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* sync, flush                                                         */

static gboolean
firewall_sync (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  g_autoptr (GPtrArray) vms = NULL;
  g_autoptr (GPtrArray) wanted = g_ptr_array_new ();
  g_autoptr (GString) problems = g_string_new (NULL);
  g_autoptr (GDateTime) now = vsa_cli_window_now (ctx);

  if (!ctx->config->firewall)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
                   "the firewall is disabled (firewall = false in %s); enable it first, or "
                   "remove the table with 'virt-spice-admin firewall flush'",
                   ctx->config->path ? ctx->config->path : VSA_CONFIG_DEFAULT_PATH);
      return FALSE;
    }
  if (!vsa_context_connect (ctx, error) ||
      (vms = list_running_managed (ctx->conn, NULL, now, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < vms->len; i++)
    {
      RunningVm *vm = g_ptr_array_index (vms, i);

      if (vm->port > 0)
        g_ptr_array_add (wanted, vm->wanted);
      else
        vsa_context_note (ctx, "VM '%s' has no TLS port: nothing to guard", vm->name);
      if (vm->invalid)
        g_string_append_printf (problems, "%sVM '%s': %s", problems->len ? "; " : "", vm->name, vm->invalid);
    }
  if (ctx->dry_run)
    {
      VsaNftSettings settings;
      g_autofree char *script = NULL;

      vsa_firewall_settings_from_config (ctx->config, &settings);
      script = vsa_nft_render_sync (&settings, wanted);
      fputs (script, ctx->out);
      return TRUE;
    }
  if (!vsa_firewall_sync (ctx->config, wanted, error))
    return FALSE;
  vsa_context_note (ctx, "firewall: table inet %s rebuilt for %u running VM%s",
                    ctx->config->firewall_table, wanted->len, wanted->len == 1 ? "" : "s");
  if (problems->len > 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s (these clients were left out, the ports are guarded); fix the VMs' metadata "
                   "and run 'virt-spice-admin firewall sync' again", problems->str);
      return FALSE;
    }
  return TRUE;
}

static gboolean
firewall_flush (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  if (ctx->dry_run)
    {
      VsaNftSettings settings;
      g_autofree char *script = NULL;

      vsa_firewall_settings_from_config (ctx->config, &settings);
      script = vsa_nft_render_flush (&settings);
      fputs (script, ctx->out);
      return TRUE;
    }
  if (!vsa_firewall_flush (ctx->config, error))
    return FALSE;
  vsa_context_note (ctx, "firewall: table inet %s deleted; running VMs' TLS ports are open to "
                    "every client until 'virt-spice-admin firewall sync' or their next start",
                    ctx->config->firewall_table);
  return TRUE;
}

static const VsaCommand firewall_status_command = VSA_COMMAND_LEAF ("status", firewall_status, "[VM]", 0, 1, VSA_COMMAND_NEEDS_DOMAIN, NULL,
  "Per running managed VM: port, clients, rejected packets, state",
  "Per running managed VM: port, allowed clients, packets rejected, and\n"
  "state: ok, missing (not installed), drift (installed clients differ),\n"
  "invalid-client; plus stray ports no running VM owns.  --json for scripts.\n\n"
  "Example:\n"
  "  virt-spice-admin firewall status debianx");

static const VsaCommand firewall_sync_command = VSA_COMMAND_LEAF ("sync", firewall_sync, "", 0, 0, VSA_COMMAND_PLAIN, NULL,
  "Rebuild the table from every running managed VM's XML",
  "Rebuilds the table from every running managed VM's XML in one\n"
  "transaction (after a host firewall reload, `nft flush ruleset`, or a\n"
  "change of firewall-priority); counters restart.  --dry-run prints the\n"
  "nft transaction instead.\n\n"
  "Example:\n"
  "  nft flush ruleset; virt-spice-admin firewall sync");

static const VsaCommand firewall_flush_command = VSA_COMMAND_LEAF ("flush", firewall_flush, "", 0, 0, VSA_COMMAND_PLAIN, NULL,
  "Delete the project's table (and nothing else)",
  "Deletes the project's nftables table (firewall-table) and nothing else.");

const VsaCommand vsa_command_firewall = VSA_COMMAND_GROUP ("firewall",
  "Server firewall: status [VM], sync, flush",
  "Each managed VM's TLS port accepts only the clients its metadata assigns\n"
  "(<vsa:access client=ADDRESS>) and the host itself (loopback: SSH tunnels);\n"
  "other connections get a TCP reset (or are dropped: firewall-reject) and\n"
  "are counted.  The libvirt hook adds a VM's elements before qemu starts and\n"
  "removes them when it stops; everything lives in one nftables table of our\n"
  "own (firewall-table), never touching other rules.",
  &firewall_status_command, &firewall_sync_command, &firewall_flush_command);
