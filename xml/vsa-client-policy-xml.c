/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client policy as XML (schema: vsa-client-policy.rng): written by
 * export and apply, read by the client, checked whole after parsing. */
#include "vsa-client-policy.h"
#include "vsa-error.h"
#include "vsa-xml.h"

static void
vm_to_xml (xmlNode *root, xmlNs *ns, const VsaClientVm *vm)
{
  xmlNode *node = xmlNewChild (root, ns, BAD_CAST "vm", NULL);
  g_autofree char *port = g_strdup_printf ("%d", vm->tls_port);

  vsa_xml_set (node, "name", vm->name);
  vsa_xml_set (node, "address", vm->address);
  vsa_xml_set (node, "tls-port", port);
  vsa_xml_set (node, "auth", vsa_auth_mode_to_string (vm->policy->auth));
  if (vm->password)
    vsa_xml_set (node, "password", vm->password);
  if (vm->broker_port > 0)
    {
      xmlNode *broker = xmlNewChild (node, ns, BAD_CAST "broker", NULL);
      g_autofree char *broker_port = g_strdup_printf ("%d", vm->broker_port);

      vsa_xml_set (broker, "host", vm->broker_host);
      vsa_xml_set (broker, "port", broker_port);
      vsa_xml_set (broker, "host-key", vm->broker_host_key);
    }
  for (guint i = 0; i < vm->policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (vm->policy->access, i);
      g_autofree char *when = vsa_window_set_to_string (access->when);

      for (guint j = 0; j < access->clients->len; j++)
        {
          xmlNode *a = xmlNewChild (node, ns, BAD_CAST "access", NULL);
          vsa_xml_set (a, "user", access->user);
          vsa_xml_set (a, "client", g_ptr_array_index (access->clients, j));
          if (!vsa_window_set_is_always (access->when))
            vsa_xml_set (a, "when", when);
          if (vsa_policy_find_broker_user (vm->policy, access->user))
            vsa_xml_set (a, "broker", "yes");
        }
    }
}

char *
vsa_client_policy_to_xml (const VsaClientPolicy *policy)
{
  g_autoptr (xmlDoc) doc = xmlNewDoc (BAD_CAST "1.0");
  xmlNode *root = xmlNewNode (NULL, BAD_CAST "client-policy");
  xmlNs *ns = xmlNewNs (root, BAD_CAST VSA_CLIENT_POLICY_NS, NULL);
  xmlNode *server;

  xmlSetNs (root, ns);
  xmlDocSetRootElement (doc, root);
  vsa_xml_set (root, "version", "1");
  server = xmlNewChild (root, ns, BAD_CAST "server", NULL);
  if (policy->server_name)
    vsa_xml_set (server, "name", policy->server_name);
  if (policy->server_subject)
    vsa_xml_set (server, "subject", policy->server_subject);
  if (policy->time_zone)
    vsa_xml_set (server, "time-zone", policy->time_zone);
  xmlNewTextChild (root, ns, BAD_CAST "ca", BAD_CAST policy->ca_pem);
  for (guint i = 0; i < policy->vms->len; i++)
    vm_to_xml (root, ns, g_ptr_array_index (policy->vms, i));
  return vsa_xml_serialize (doc);
}

static gboolean
is_element (xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns &&
         g_strcmp0 ((const char *) node->ns->href, VSA_CLIENT_POLICY_NS) == 0 &&
         g_strcmp0 ((const char *) node->name, name) == 0;
}

static gboolean
unexpected_element (xmlNode *node, GError **error)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "line %ld: unexpected element <%s>; export the policy again with this version",
               xmlGetLineNo (node), (const char *) node->name);
  return FALSE;
}

static gboolean
parse_port (const char *text, int *ret_port)
{
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, 65535, &value, NULL))
    return FALSE;
  *ret_port = (int) value;
  return TRUE;
}

static gboolean
parse_access (xmlNode *node, VsaClientVm *vm, GError **error)
{
  g_autofree char *user = vsa_xml_get (node, "user");
  g_autofree char *client = vsa_xml_get (node, "client");
  g_autofree char *spec = vsa_xml_get (node, "when");
  g_autofree char *broker = vsa_xml_get (node, "broker");
  g_autoptr (VsaWindowSet) when = NULL;
  const char *clients[] = { client, NULL };
  VsaAccess *known;

  if (!vsa_validate_user_name (user, error) || !vsa_validate_client (client, error) ||
      !(when = spec ? vsa_window_set_parse (spec, error) : vsa_window_set_new_always ()))
    {
      g_prefix_error (error, "line %ld: ", xmlGetLineNo (node));
      return FALSE;
    }
  known = vsa_policy_find_access (vm->policy, user);
  if (known && !vsa_window_set_equal (known->when, when))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "line %ld: user '%s' has other windows here than on its first entry",
                   xmlGetLineNo (node), user);
      return FALSE;
    }
  if (broker && !g_str_equal (broker, "yes"))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "line %ld: broker is 'yes' or absent",
                   xmlGetLineNo (node));
      return FALSE;
    }
  vsa_policy_assign (vm->policy, user, clients);
  vsa_policy_set_when (vm->policy, user, when);
  if (broker)
    vsa_policy_ensure_broker_user (vm->policy, user);
  return TRUE;
}

/* <broker host port host-key>; vsa_client_policy_validate says what is wrong. */
static void
parse_broker (xmlNode *node, VsaClientVm *vm)
{
  g_autofree char *host = vsa_xml_get (node, "host");
  g_autofree char *port_text = vsa_xml_get (node, "port");
  g_autofree char *host_key = vsa_xml_get (node, "host-key");
  int port = -1;

  parse_port (port_text, &port);
  vsa_client_vm_set_broker (vm, host, port, host_key);
}

static VsaClientVm *
parse_vm (xmlNode *node, GError **error)
{
  g_autofree char *name = vsa_xml_get (node, "name");
  g_autofree char *address = vsa_xml_get (node, "address");
  g_autofree char *port_text = vsa_xml_get (node, "tls-port");
  g_autofree char *auth_text = vsa_xml_get (node, "auth");
  g_autoptr (GError) local_error = NULL;
  VsaAuthMode auth;
  int port = 0;
  g_autoptr (VsaClientVm) vm = NULL;

  if (!vsa_auth_mode_from_string (auth_text, &auth, &local_error) ||
      !parse_port (port_text, &port))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "line %ld: <vm> needs name, address, tls-port (1-65535) and auth "
                   "(password or sasl)", xmlGetLineNo (node));
      return NULL;
    }
  vm = vsa_client_vm_new (name, address, port, auth);
  vm->password = vsa_xml_get (node, "password");
  for (xmlNode *n = node->children; n; n = n->next)
    {
      if (n->type != XML_ELEMENT_NODE)
        continue;
      if (is_element (n, "broker") && vm->broker_port == 0)
        {
          parse_broker (n, vm);
          continue;
        }
      if (!is_element (n, "access"))
        {
          unexpected_element (n, error);
          return NULL;
        }
      if (!parse_access (n, vm, error))
        return NULL;
    }
  return g_steal_pointer (&vm);
}

static char *
element_text (xmlNode *node)
{
  xmlChar *text = xmlNodeGetContent (node);
  char *copy = g_strdup ((const char *) text);

  xmlFree (text);
  return copy;
}

/* Policies written before each <vm> named its broker have one top-level
 * <broker port host-key> for the server's name; the clients that hold
 * them keep working: its VMs with broker users get that broker. */
typedef struct {
  gboolean seen;
  int port;
  char *host_key;
} VsaLegacyBroker;

static gboolean
parse_child (xmlNode *node, VsaClientPolicy *policy, VsaLegacyBroker *legacy, GError **error)
{
  VsaClientVm *vm;

  if (is_element (node, "server") && policy->server_name == NULL && policy->server_subject == NULL &&
      policy->time_zone == NULL)
    {
      policy->server_name = vsa_xml_get (node, "name");
      policy->server_subject = vsa_xml_get (node, "subject");
      policy->time_zone = vsa_xml_get (node, "time-zone");
      return TRUE;
    }
  if (is_element (node, "broker") && !legacy->seen)
    {
      g_autofree char *port = vsa_xml_get (node, "port");

      legacy->seen = TRUE;
      legacy->host_key = vsa_xml_get (node, "host-key");
      if (!parse_port (port, &legacy->port))
        legacy->port = -1; /* vsa_client_validate_broker says why */
      return TRUE;
    }
  if (is_element (node, "ca") && policy->ca_pem == NULL)
    {
      policy->ca_pem = element_text (node);
      return TRUE;
    }
  if (!is_element (node, "vm"))
    return unexpected_element (node, error);
  vm = parse_vm (node, error);
  if (vm == NULL)
    return FALSE;
  vsa_client_policy_add_vm (policy, vm);
  return TRUE;
}

static void
vsa_legacy_broker_clear (VsaLegacyBroker *legacy)
{
  g_free (legacy->host_key);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VsaLegacyBroker, vsa_legacy_broker_clear)

static gboolean
use_legacy_broker (VsaClientPolicy *policy, const VsaLegacyBroker *legacy, GError **error)
{
  if (!vsa_client_validate_broker (policy->server_name, legacy->port, legacy->host_key, error))
    return FALSE;
  for (guint i = 0; i < policy->vms->len; i++)
    {
      VsaClientVm *vm = g_ptr_array_index (policy->vms, i);

      if (vm->broker_port == 0 && vm->policy->broker_users->len > 0)
        vsa_client_vm_set_broker (vm, policy->server_name, legacy->port, legacy->host_key);
    }
  return TRUE;
}

/* Parsed, then validated as a whole: a policy that fails any check is
 * refused entirely, so nothing is rendered from half of it. */
VsaClientPolicy *
vsa_client_policy_from_xml (const char *text, gsize len, const char *what, GError **error)
{
  g_autoptr (xmlDoc) doc = vsa_xml_parse (text, len, what, error);
  g_autoptr (VsaClientPolicy) policy = vsa_client_policy_new ();
  g_auto (VsaLegacyBroker) legacy = { 0 };
  xmlNode *root;

  if (doc == NULL)
    return NULL;
  root = xmlDocGetRootElement (doc);
  if (!is_element (root, "client-policy") || !vsa_xml_attr_equals (root, "version", "1"))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s: not a version 1 virt-spice-admin client policy; create it with "
                   "'virt-spice-admin export'", what);
      return NULL;
    }
  for (xmlNode *n = root->children; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE && !parse_child (n, policy, &legacy, error))
      {
        g_prefix_error (error, "%s: ", what);
        return NULL;
      }
  if (legacy.seen && !use_legacy_broker (policy, &legacy, error))
    {
      g_prefix_error (error, "%s: ", what);
      return NULL;
    }
  if (!vsa_client_policy_validate (policy, error))
    {
      g_prefix_error (error, "%s: ", what);
      return NULL;
    }
  return g_steal_pointer (&policy);
}
