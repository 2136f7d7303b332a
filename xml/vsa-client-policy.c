/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-client-policy.h"
#include "vsa-address.h"
#include "vsa-error.h"
#include "vsa-spice.h"
#include "vsa-ssh-key.h"
#include "vsa-xml.h"

#include <arpa/inet.h>
#include <string.h>

VsaClientPolicy *
vsa_client_policy_new (void)
{
  VsaClientPolicy *policy = g_new0 (VsaClientPolicy, 1);

  policy->vms = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_client_vm_free);
  return policy;
}

void
vsa_client_policy_free (VsaClientPolicy *policy)
{
  if (policy == NULL)
    return;
  g_free (policy->server_name);
  g_free (policy->server_subject);
  g_free (policy->time_zone);
  g_free (policy->ca_pem);
  g_free (policy->broker_host_key);
  g_ptr_array_unref (policy->vms);
  g_free (policy);
}

VsaClientVm *
vsa_client_vm_new (const char *name, const char *address, int tls_port, VsaAuthMode auth)
{
  VsaClientVm *vm = g_new0 (VsaClientVm, 1);

  vm->name = g_strdup (name);
  vm->address = g_strdup (address);
  vm->tls_port = tls_port;
  vm->policy = vsa_policy_new (auth);
  return vm;
}

void
vsa_client_vm_free (VsaClientVm *vm)
{
  if (vm == NULL)
    return;
  g_free (vm->name);
  g_free (vm->address);
  if (vm->password)
    memset (vm->password, 0, strlen (vm->password));
  g_free (vm->password);
  vsa_policy_free (vm->policy);
  g_free (vm);
}

void
vsa_client_policy_add_vm (VsaClientPolicy *policy, VsaClientVm *vm)
{
  g_ptr_array_add (policy->vms, vm);
}

/* The address as inet_ntop writes it, so the firewall, the drift check
 * (which reads nft's own rendering) and the renderers agree byte for
 * byte; NULL for anything that is not an address literal. */
char *
vsa_inet_canonical (const char *text, int *ret_family)
{
  guint8 bytes[16];
  char buf[INET6_ADDRSTRLEN];
  int family;

  if (!vsa_inet_parse (text, &family, bytes) ||
      inet_ntop (family, bytes, buf, sizeof buf) == NULL)
    return NULL;
  if (ret_family)
    *ret_family = family;
  return g_strdup (buf);
}

/* The CA travels into .vv files and onto client disks: PEM text only. */
gboolean
vsa_validate_ca_pem (const char *pem, GError **error)
{
  gsize len = pem ? strlen (pem) : 0;

  if (len == 0 || len > VSA_CLIENT_CA_MAX ||
      !g_str_has_prefix (pem, "-----BEGIN CERTIFICATE-----") ||
      strstr (pem, "-----END CERTIFICATE-----") == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "CA certificate is not a PEM certificate (up to %d bytes); check ca-file",
                   VSA_CLIENT_CA_MAX);
      return FALSE;
    }
  for (const char *p = pem; *p; p++)
    if ((*p < 0x20 && *p != '\n' && *p != '\r') || *p >= 0x7f)
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "CA certificate holds characters PEM never has; check ca-file");
        return FALSE;
      }
  return TRUE;
}

/* Certificate subjects as spice-gtk takes them ("O=Example,CN=srv"). */
static gboolean
validate_subject (const char *subject, GError **error)
{
  gsize len = strlen (subject);

  for (const char *p = subject; *p; p++)
    if (*p < 0x20 || *p >= 0x7f)
      len = 0;
  if (len == 0 || len > 1024 || strchr (subject, '=') == NULL)
    {
      g_autofree char *shown = g_strescape (subject, NULL);
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "server subject '%s' is not a certificate subject such as 'O=Example,CN=mysrv'",
                   shown);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_vm (const VsaClientVm *vm, gboolean broker, GError **error)
{
  g_autofree char *canonical = vsa_inet_canonical (vm->address, NULL);

  if (!vsa_validate_vm_name (vm->name, error))
    return FALSE;
  if (canonical == NULL || g_strcmp0 (canonical, vm->address) != 0)
    {
      g_autofree char *shown = g_strescape (vm->address ? vm->address : "", NULL);
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s': address '%s' is not a canonical IPv4 or IPv6 address",
                   vm->name, shown);
      return FALSE;
    }
  if (vm->tls_port < 1 || vm->tls_port > 65535)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s': TLS port %d is not a TCP port", vm->name, vm->tls_port);
      return FALSE;
    }
  if (vm->password && vm->policy->auth != VSA_AUTH_PASSWORD)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s': a password only belongs to a VM in password mode", vm->name);
      return FALSE;
    }
  if (vm->password && !vsa_spice_validate_password (vm->password, error))
    {
      g_prefix_error (error, "VM '%s': ", vm->name);
      return FALSE;
    }
  for (guint i = 0; i < vm->policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (vm->policy->access, i);

      if (!vsa_validate_user_name (access->user, error))
        return FALSE;
      for (guint j = 0; j < access->clients->len; j++)
        if (!vsa_validate_client (g_ptr_array_index (access->clients, j), error))
          return FALSE;
    }
  if (vm->policy->broker_users->len > 0 && !broker)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s': users ask the console broker but the policy names none "
                   "(<broker port host-key>); export it again", vm->name);
      return FALSE;
    }
  return TRUE;
}

/* The broker is reached by the server's name, its host key pinned. */
static gboolean
validate_broker (const VsaClientPolicy *policy, GError **error)
{
  g_auto (GStrv) words = g_strsplit (policy->broker_host_key ? policy->broker_host_key : "", " ", -1);

  if (policy->broker_port == 0 && policy->broker_host_key == NULL)
    return TRUE;
  if (policy->server_name == NULL || policy->broker_port < 1 || policy->broker_port > 65535)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the console broker needs the server's name and an sshd port (1-65535); "
                   "set server-name on the server and export again");
      return FALSE;
    }
  if (g_strv_length (words) != 2)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the broker's sshd host key is not 'TYPE BASE64'; export the policy again");
      return FALSE;
    }
  if (!vsa_ssh_key_validate (words[0], words[1], NULL, error))
    {
      g_prefix_error (error, "the broker's sshd host key: ");
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_client_grant_uses_broker (const VsaClientPolicy *policy, const VsaClientGrant *grant)
{
  return policy->broker_port > 0 && vsa_policy_find_broker_user (grant->vm->policy, grant->user);
}

static gboolean
validate_unique_vms (const VsaClientPolicy *policy, GError **error)
{
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) endpoints = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < policy->vms->len; i++)
    {
      VsaClientVm *vm = g_ptr_array_index (policy->vms, i);
      char *endpoint = g_strdup_printf ("%s port %d", vm->address, vm->tls_port);

      if (!g_hash_table_add (names, vm->name))
        {
          g_free (endpoint);
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "VM '%s' appears twice in the policy; export it again", vm->name);
          return FALSE;
        }
      if (!g_hash_table_add (endpoints, endpoint))
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "VM '%s' shares %s with another VM; give each VM its own TLS port",
                       vm->name, endpoint);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
vsa_client_policy_validate (const VsaClientPolicy *policy, GError **error)
{
  if (policy->server_name && !vsa_validate_client (policy->server_name, error))
    {
      g_prefix_error (error, "server name: ");
      return FALSE;
    }
  if (policy->server_subject && !validate_subject (policy->server_subject, error))
    return FALSE;
  if (!vsa_validate_ca_pem (policy->ca_pem, error) || !validate_broker (policy, error))
    return FALSE;
  for (guint i = 0; i < policy->vms->len; i++)
    if (!validate_vm (g_ptr_array_index (policy->vms, i), policy->broker_port > 0, error))
      return FALSE;
  return validate_unique_vms (policy, error);
}

/* What clients put in the URI: the server's name, else the VM's address. */
const char *
vsa_client_vm_host (const VsaClientPolicy *policy, const VsaClientVm *vm)
{
  return policy->server_name ? policy->server_name : vm->address;
}

/* Host names are case-insensitive; addresses compare canonically. */
gboolean
vsa_client_matches (const char *a, const char *b)
{
  g_autofree char *ca = vsa_inet_canonical (a, NULL);
  g_autofree char *cb = vsa_inet_canonical (b, NULL);

  if (ca && cb)
    return g_strcmp0 (ca, cb) == 0;
  return a && b && g_ascii_strcasecmp (a, b) == 0;
}

static gboolean
access_lists_client (const VsaAccess *access, const char *client)
{
  for (guint i = 0; i < access->clients->len; i++)
    if (vsa_client_matches (g_ptr_array_index (access->clients, i), client))
      return TRUE;
  return FALSE;
}

/* Every (user, VM) pair whose access names CLIENT, in policy order.  An
 * access without clients names no client host, so no client renders it. */
GArray *
vsa_client_policy_grants (const VsaClientPolicy *policy, const char *client)
{
  GArray *grants = g_array_new (FALSE, FALSE, sizeof (VsaClientGrant));

  for (guint i = 0; i < policy->vms->len; i++)
    {
      const VsaClientVm *vm = g_ptr_array_index (policy->vms, i);

      for (guint j = 0; j < vm->policy->access->len; j++)
        {
          VsaAccess *access = g_ptr_array_index (vm->policy->access, j);
          VsaClientGrant grant = { access->user, vm };

          if (access_lists_client (access, client))
            g_array_append_val (grants, grant);
        }
    }
  return grants;
}

/* For g_ptr_array_sort() of strings (GLib 2.74 has no sort_values). */
int
vsa_compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* The distinct users of GRANTS, sorted, so rendered files do not depend
 * on the order VMs were listed in. */
GPtrArray *
vsa_client_policy_users (GArray *grants)
{
  GPtrArray *users = g_ptr_array_new ();

  for (guint i = 0; i < grants->len; i++)
    {
      const char *user = g_array_index (grants, VsaClientGrant, i).user;

      if (!g_ptr_array_find_with_equal_func (users, user, g_str_equal, NULL))
        g_ptr_array_add (users, (gpointer) user);
    }
  g_ptr_array_sort (users, vsa_compare_strings);
  return users;
}

/* --- XML ---------------------------------------------------------------- */

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
  if (policy->broker_port > 0)
    {
      xmlNode *broker = xmlNewChild (root, ns, BAD_CAST "broker", NULL);
      g_autofree char *port = g_strdup_printf ("%d", policy->broker_port);

      vsa_xml_set (broker, "port", port);
      vsa_xml_set (broker, "host-key", policy->broker_host_key);
    }
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

static gboolean
parse_child (xmlNode *node, VsaClientPolicy *policy, GError **error)
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
  if (is_element (node, "broker") && policy->broker_port == 0)
    {
      g_autofree char *port = vsa_xml_get (node, "port");

      policy->broker_host_key = vsa_xml_get (node, "host-key");
      if (!parse_port (port, &policy->broker_port))
        policy->broker_port = -1; /* validate_broker says why */
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

/* Parsed, then validated as a whole: a policy that fails any check is
 * refused entirely, so nothing is rendered from half of it. */
VsaClientPolicy *
vsa_client_policy_from_xml (const char *text, gsize len, const char *what, GError **error)
{
  g_autoptr (xmlDoc) doc = vsa_xml_parse (text, len, what, error);
  g_autoptr (VsaClientPolicy) policy = vsa_client_policy_new ();
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
    if (n->type == XML_ELEMENT_NODE && !parse_child (n, policy, error))
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
