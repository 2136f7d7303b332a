/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-firewall.h"
#include "vsa-error.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include <nftables/libnftables.h>
#include <string.h>

void
vsa_firewall_settings_from_config (const VsaConfig *config, VsaNftSettings *ret_settings)
{
  ret_settings->table = config->firewall_table;
  ret_settings->priority = config->firewall_priority;
  ret_settings->reject = config->firewall_reject;
  ret_settings->log_prefix = config->firewall_log_prefix;
}

/* nft reports "LOCATION: Error: WHAT" followed by the offending command and
 * a caret line; keep WHAT of the first error, so messages stay one line. */
static char *
first_nft_error (const char *buffer)
{
  const char *start = buffer ? strstr (buffer, "Error: ") : NULL;
  const char *end;

  if (start == NULL)
    return buffer && *buffer ? g_strstrip (g_strdup (buffer)) : g_strdup ("unknown nftables error");
  start += strlen ("Error: ");
  end = strchr (start, '\n');
  return end ? g_strndup (start, (gsize) (end - start)) : g_strdup (start);
}

/* libnftables calls exit() when it cannot open its netlink socket (a
 * kernel without nf_tables, user-mode Linux): probe first, so the hook
 * gets an error to report instead of dying in the middle of a release. */
static gboolean
check_netfilter_netlink (GError **error)
{
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

  if (fd < 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "this kernel offers no nftables (netfilter netlink: %s); "
                   "set firewall = false or load nf_tables", g_strerror (errno));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* One context for the whole process, never freed: closing its netlink
 * socket makes the kernel wait for an RCU grace period (10-20 ms here),
 * many times what a transaction costs; process exit pays it once. */
static struct nft_ctx *
shared_context (GError **error)
{
  static struct nft_ctx *ctx;

  if (ctx == NULL && !check_netfilter_netlink (error))
    return NULL;
  if (ctx == NULL)
    ctx = nft_ctx_new (NFT_CTX_DEFAULT);
  if (ctx == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot create an nftables context");
      return NULL;
    }
  nft_ctx_buffer_output (ctx);
  nft_ctx_buffer_error (ctx);
  return ctx;
}

/* Runs COMMANDS (any number) as one netlink batch: the kernel applies all
 * of them or nothing.  With json, returns nft's JSON output; else "". */
static char *
run_commands (const char *commands, gboolean json, GError **error)
{
  struct nft_ctx *ctx = shared_context (error);
  g_autofree char *why = NULL;
  int status;

  if (ctx == NULL)
    return NULL;
  nft_ctx_output_set_flags (ctx, json ? NFT_CTX_OUTPUT_JSON : 0);
  status = nft_run_cmd_from_buffer (ctx, commands);
  /* Reading the buffers also empties them for the next call. */
  if (status == 0)
    {
      const char *output = nft_ctx_get_output_buffer (ctx);
      nft_ctx_get_error_buffer (ctx);
      return g_strdup (json && output ? output : "");
    }
  nft_ctx_get_output_buffer (ctx);
  why = first_nft_error (nft_ctx_get_error_buffer (ctx));
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "%s", why);
  return NULL;
}

gboolean
vsa_firewall_run_script (const char *script, GError **error)
{
  g_autofree char *output = run_commands (script, FALSE, error);

  return output != NULL;
}

static char *
run_json_query (const char *command, GError **error)
{
  return run_commands (command, TRUE, error);
}

static gboolean
fail_change (GError **error, const VsaNftSettings *settings, const char *what, GError *cause)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
               "firewall: cannot %s in nftables table 'inet %s': %s (needs root and a kernel "
               "with nf_tables; or set 'firewall = false' in the configuration)",
               what, settings->table, cause->message);
  return FALSE;
}

static gboolean
apply (const VsaNftSettings *settings, const char *what, const char *script, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (vsa_firewall_run_script (script, &local_error))
    return TRUE;
  return fail_change (error, settings, what, local_error);
}

static VsaNftVm *
vm_for (const char *vm_name, const VsaPolicy *policy, int port, GError **error)
{
  VsaNftVm *vm = vsa_nft_vm_from_policy (policy, port, error);

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
  if ((vm = vm_for (vm_name, policy, port, error)) == NULL)
    return FALSE;
  script = render (&settings, vm);
  what = g_strdup_printf ("%s the rules of VM '%s' (port %d)", verb, vm_name, port);
  return apply (&settings, what, script, error);
}

gboolean
vsa_firewall_add_vm (const VsaConfig *config, const char *vm_name, const VsaPolicy *policy,
                     int port, GError **error)
{
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
  if ((vm = vm_for (vm_name, policy, port, error)) == NULL ||
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

/* ------------------------------------------------------------------ */
/* Reading the table back (JSON from libnftables)                      */

static void
firewall_port_free (VsaFirewallPort *port)
{
  g_ptr_array_unref (port->clients);
  g_free (port);
}

void
vsa_firewall_state_free (VsaFirewallState *state)
{
  if (state == NULL)
    return;
  g_hash_table_unref (state->ports);
  g_free (state);
}

static VsaFirewallState *
state_new (void)
{
  VsaFirewallState *state = g_new0 (VsaFirewallState, 1);

  state->ports = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) firewall_port_free);
  return state;
}

static VsaFirewallPort *
state_port (VsaFirewallState *state, gint64 number)
{
  VsaFirewallPort *port = g_hash_table_lookup (state->ports, GINT_TO_POINTER ((int) number));

  if (port == NULL)
    {
      port = g_new0 (VsaFirewallPort, 1);
      port->port = (int) number;
      port->clients = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (state->ports, GINT_TO_POINTER (port->port), port);
    }
  return port;
}

/* Elements with extra attributes come wrapped as {"elem": {"val": X}}. */
static JsonNode *
element_value (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node) && json_object_has_member (json_node_get_object (node), "elem"))
    {
      JsonObject *elem = json_object_get_object_member (json_node_get_object (node), "elem");

      return elem && json_object_has_member (elem, "val") ? json_object_get_member (elem, "val") : node;
    }
  return node;
}

/* An address as nft prints it: "10.0.0.2", {"prefix": {"addr", "len"}}
 * or {"range": [from, to]}. */
static char *
address_text (JsonNode *node)
{
  JsonObject *obj;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  obj = json_node_get_object (node);
  if (json_object_has_member (obj, "prefix"))
    {
      JsonObject *prefix = json_object_get_object_member (obj, "prefix");

      return g_strdup_printf ("%s/%" G_GINT64_FORMAT, json_object_get_string_member (prefix, "addr"),
                              json_object_get_int_member (prefix, "len"));
    }
  if (json_object_has_member (obj, "range"))
    {
      JsonArray *range = json_object_get_array_member (obj, "range");

      if (json_array_get_length (range) == 2)
        return g_strdup_printf ("%s-%s", json_array_get_string_element (range, 0),
                                json_array_get_string_element (range, 1));
    }
  return NULL;
}

static gboolean
is_integer (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

static void
read_client_element (VsaFirewallState *state, JsonNode *node)
{
  JsonNode *value = element_value (node);
  JsonArray *concat;
  g_autofree char *address = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (value) ||
      !json_object_has_member (json_node_get_object (value), "concat"))
    return;
  concat = json_object_get_array_member (json_node_get_object (value), "concat");
  if (json_array_get_length (concat) != 2 || !is_integer (json_array_get_element (concat, 1)))
    return;
  address = address_text (json_array_get_element (concat, 0));
  if (address != NULL)
    g_ptr_array_add (state_port (state, json_array_get_int_element (concat, 1))->clients,
                     g_steal_pointer (&address));
}

static void
read_port_element (VsaFirewallState *state, JsonNode *node)
{
  JsonNode *value = element_value (node);

  if (is_integer (value))
    state_port (state, json_node_get_int (value))->guarded = TRUE;
}

/* The rejected set's elements carry the port's counter. */
static void
read_rejected_element (VsaFirewallState *state, JsonNode *node)
{
  JsonObject *elem;
  JsonNode *value;
  VsaFirewallPort *entry;

  if (!JSON_NODE_HOLDS_OBJECT (node) || !json_object_has_member (json_node_get_object (node), "elem"))
    {
      if (is_integer (node))
        state_port (state, json_node_get_int (node))->has_counter = TRUE;
      return;
    }
  elem = json_object_get_object_member (json_node_get_object (node), "elem");
  value = elem ? json_object_get_member (elem, "val") : NULL;
  if (value == NULL || !is_integer (value))
    return;
  entry = state_port (state, json_node_get_int (value));
  entry->has_counter = TRUE;
  if (json_object_has_member (elem, "counter"))
    entry->rejected_packets = (guint64) json_object_get_int_member_with_default (
      json_object_get_object_member (elem, "counter"), "packets", 0);
}

static void
read_set (VsaFirewallState *state, JsonObject *set)
{
  const char *name = json_object_get_string_member_with_default (set, "name", "");
  JsonArray *elements = json_object_has_member (set, "elem")
    ? json_object_get_array_member (set, "elem") : NULL;

  for (guint i = 0; elements && i < json_array_get_length (elements); i++)
    {
      JsonNode *element = json_array_get_element (elements, i);

      if (g_strcmp0 (name, "ports") == 0)
        read_port_element (state, element);
      else if (g_strcmp0 (name, "rejected") == 0)
        read_rejected_element (state, element);
      else if (g_str_has_prefix (name, "clients") || g_str_has_prefix (name, "nets"))
        read_client_element (state, element);
    }
}

static gboolean
belongs_to (JsonObject *obj, const char *table)
{
  return g_strcmp0 (json_object_get_string_member_with_default (obj, "family", ""), "inet") == 0 &&
         g_strcmp0 (json_object_get_string_member_with_default (obj, "table", ""), table) == 0;
}

/* json: the output of `list table inet TABLE` with JSON output on. */
VsaFirewallState *
vsa_firewall_state_from_json (const char *table, const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (VsaFirewallState) state = state_new ();
  JsonNode *root;
  JsonArray *items;

  if (!json_parser_load_from_data (parser, json, -1, error))
    {
      g_prefix_error (error, "firewall: cannot read nftables' JSON listing: ");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "nftables"))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "firewall: nftables' JSON listing has no \"nftables\" array");
      return NULL;
    }
  items = json_object_get_array_member (json_node_get_object (root), "nftables");
  for (guint i = 0; items && i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      JsonObject *obj;

      if (item == NULL)
        continue;
      if (json_object_has_member (item, "table") &&
          (obj = json_object_get_object_member (item, "table")) != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (obj, "name", ""), table) == 0)
        state->table_exists = TRUE;
      else if (json_object_has_member (item, "set") &&
               (obj = json_object_get_object_member (item, "set")) != NULL && belongs_to (obj, table))
        read_set (state, obj);
    }
  return g_steal_pointer (&state);
}

static gboolean
table_exists (const char *table, gboolean *ret_exists, GError **error)
{
  g_autofree char *json = run_json_query ("list tables inet", error);
  g_autoptr (VsaFirewallState) state = NULL;

  if (json == NULL)
    return FALSE;
  state = vsa_firewall_state_from_json (table, json, error);
  if (state == NULL)
    return FALSE;
  *ret_exists = state->table_exists;
  return TRUE;
}

/* A missing table is a state (nothing installed), not an error. */
VsaFirewallState *
vsa_firewall_read_state (const VsaConfig *config, GError **error)
{
  g_autofree char *command = NULL;
  g_autofree char *json = NULL;
  g_autoptr (GError) local_error = NULL;
  VsaNftSettings settings;
  gboolean exists = FALSE;

  vsa_firewall_settings_from_config (config, &settings);
  if (!table_exists (settings.table, &exists, &local_error))
    {
      fail_change (error, &settings, "read", local_error);
      return NULL;
    }
  if (!exists)
    return state_new ();
  command = g_strdup_printf ("list table inet %s", settings.table);
  json = run_json_query (command, &local_error);
  if (json == NULL)
    {
      fail_change (error, &settings, "read", local_error);
      return NULL;
    }
  return vsa_firewall_state_from_json (settings.table, json, error);
}

/* The installed clients of one port, as a VM description (for replacing). */
VsaNftVm *
vsa_firewall_port_to_vm (const VsaFirewallPort *port)
{
  g_autoptr (VsaNftVm) vm = vsa_nft_vm_new (port->port, NULL);

  if (vm == NULL)
    return NULL;
  for (guint i = 0; i < port->clients->len; i++)
    vsa_nft_vm_add_client (vm, g_ptr_array_index (port->clients, i), NULL);
  return g_steal_pointer (&vm);
}

/* What the policy asks the firewall for on PORT.  Invalid clients are left
 * out, not fatal: the port stays guarded with the rest (fail closed), and
 * *ret_invalid says why (or stays NULL). */
VsaNftVm *
vsa_firewall_wanted (const VsaPolicy *policy, int port, char **ret_invalid)
{
  VsaNftVm *wanted = vsa_nft_vm_new (port > 0 ? port : 1, NULL);

  *ret_invalid = NULL;
  for (guint i = 0; policy && i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);

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
