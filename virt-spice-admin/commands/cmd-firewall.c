/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `firewall status [VM] | sync | flush`: what the server firewall holds
 * compared with what the running VMs' metadata asks for; rebuild it from
 * those VMs; or delete the project's table.  The elements themselves are
 * installed by the hook (prepare/release/reconnect) and by assign. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-firewall.h"
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

/* NULL without error: the domain is not managed (no policy). */
static RunningVm *
describe_running (virDomain *dom, GDateTime *now, GError **error)
{
  g_autofree char *xml = vsa_libvirt_get_xml (dom, 0, error);
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VsaPolicy) policy = NULL;
  g_auto (VsaSpiceInfo) spice = { 0 };
  g_autoptr (RunningVm) vm = g_new0 (RunningVm, 1);

  if (xml == NULL || (doc = vsa_xml_parse (xml, strlen (xml), "domain XML", error)) == NULL ||
      !vsa_policy_from_domain (doc, &policy, error) || !vsa_spice_describe (doc, &spice, error))
    {
      g_prefix_error (error, "VM '%s': ", virDomainGetName (dom));
      return NULL;
    }
  if (policy == NULL)
    return NULL;
  vm->name = g_strdup (virDomainGetName (dom));
  vm->port = spice.tls_port;
  vm->wanted = vsa_firewall_wanted (policy, vm->port, now, &vm->invalid);
  return g_steal_pointer (&vm);
}

static gint
compare_by_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(RunningVm *const *) a)->name, (*(RunningVm *const *) b)->name);
}

/* Every running managed VM (or just ONLY), sorted by name. */
static GPtrArray *
list_running_managed (virConnect *conn, const char *only, GDateTime *now, GError **error)
{
  g_autoptr (GPtrArray) vms = g_ptr_array_new_with_free_func ((GDestroyNotify) running_vm_free);
  virDomainPtr *domains = NULL;
  int n = virConnectListAllDomains (conn, &domains, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  gboolean ok = TRUE;

  if (n < 0)
    {
      vsa_libvirt_set_error (error, "cannot list the running VMs");
      return NULL;
    }
  for (int i = 0; i < n; i++)
    {
      if (ok && (only == NULL || g_strcmp0 (virDomainGetName (domains[i]), only) == 0))
        {
          g_autoptr (GError) local_error = NULL;
          RunningVm *vm = describe_running (domains[i], now, &local_error);

          if (vm != NULL)
            g_ptr_array_add (vms, vm);
          else if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              ok = FALSE;
            }
        }
      virDomainFree (domains[i]);
    }
  free (domains);
  if (!ok)
    return NULL;
  g_ptr_array_sort (vms, compare_by_name);
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
  json_builder_set_member_name (b, "vm");
  json_builder_add_string_value (b, vm->name);
  json_builder_set_member_name (b, "tls_port");
  json_builder_add_int_value (b, vm->port);
  add_client_array (b, "allowed_clients", vm->wanted->clients, FALSE);
  add_client_array (b, "installed_clients", installed ? installed->clients : NULL, TRUE);
  json_builder_set_member_name (b, "rejected_packets");
  json_builder_add_int_value (b, installed ? (gint64) installed->rejected_packets : 0);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, vm_state (vm, installed, enabled));
  vsa_cli_json_add_string_or_null (b, "problem", vm->invalid);
  json_builder_end_object (b);
}

static void
add_stray_json (JsonBuilder *b, const VsaFirewallPort *port)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "tls_port");
  json_builder_add_int_value (b, port->port);
  add_client_array (b, "installed_clients", port->clients, TRUE);
  json_builder_set_member_name (b, "rejected_packets");
  json_builder_add_int_value (b, (gint64) port->rejected_packets);
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
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, config->firewall);
  json_builder_set_member_name (b, "table");
  json_builder_add_string_value (b, config->firewall_table);
  json_builder_set_member_name (b, "table_exists");
  json_builder_add_boolean_value (b, state->table_exists);
  json_builder_set_member_name (b, "reject");
  json_builder_add_string_value (b, vsa_nft_reject_mode_to_string (config->firewall_reject));
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

static const VsaCommand firewall_status_command = {
  .name = "status",
  .run = firewall_status,
  .usage = "[VM]",
  .summary = "Per running managed VM: port, clients, rejected packets, state",
  .description = "Per running managed VM: port, allowed clients, packets rejected, and\n"
                 "state: ok, missing (not installed), drift (installed clients differ),\n"
                 "invalid-client; plus stray ports no running VM owns.  --json for scripts.\n\n"
                 "Example:\n"
                 "  virt-spice-admin firewall status debianx",
  .min_args = 0,
  .max_args = 1,
  .flags = VSA_COMMAND_NEEDS_DOMAIN,
};

static const VsaCommand firewall_sync_command = {
  .name = "sync",
  .run = firewall_sync,
  .usage = "",
  .summary = "Rebuild the table from every running managed VM's XML",
  .description = "Rebuilds the table from every running managed VM's XML in one\n"
                 "transaction (after a host firewall reload, `nft flush ruleset`, or a\n"
                 "change of firewall-priority); counters restart.  --dry-run prints the\n"
                 "nft transaction instead.\n\n"
                 "Example:\n"
                 "  nft flush ruleset; virt-spice-admin firewall sync",
};

static const VsaCommand firewall_flush_command = {
  .name = "flush",
  .run = firewall_flush,
  .usage = "",
  .summary = "Delete the project's table (and nothing else)",
  .description = "Deletes the project's nftables table (firewall-table) and nothing else.",
};

static const VsaCommand *const firewall_commands[] = {
  &firewall_status_command, &firewall_sync_command, &firewall_flush_command, NULL
};

const VsaCommand vsa_command_firewall = {
  .name = "firewall",
  .summary = "Server firewall: status [VM], sync, flush",
  .description = "Each managed VM's TLS port accepts only the clients its metadata assigns\n"
                 "(<vsa:access client=ADDRESS>) and the host itself (loopback: SSH tunnels);\n"
                 "other connections get a TCP reset (or are dropped: firewall-reject) and\n"
                 "are counted.  The libvirt hook adds a VM's elements before qemu starts and\n"
                 "removes them when it stops; everything lives in one nftables table of our\n"
                 "own (firewall-table), never touching other rules.",
  .subcommands = firewall_commands,
};
