/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading our table back: libnftables' JSON listing into the ports,
 * clients and reject counters the kernel holds. */
#include "vsa-firewall.h"
#include "vsa-firewall-run.h"
#include "vsa-error.h"

#include <json-glib/json-glib.h>

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
  g_autofree char *json = vsa_firewall_run_json ("list tables inet", error);
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
      vsa_firewall_fail (error, &settings, "read", local_error);
      return NULL;
    }
  if (!exists)
    return state_new ();
  command = g_strdup_printf ("list table inet %s", settings.table);
  json = vsa_firewall_run_json (command, &local_error);
  if (json == NULL)
    {
      vsa_firewall_fail (error, &settings, "read", local_error);
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
