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
  g_free (vm->broker_host);
  g_free (vm->broker_host_key);
  g_free (vm);
}

void
vsa_client_vm_set_broker (VsaClientVm *vm, const char *host, int port, const char *host_key)
{
  char *new_host = g_strdup (host);
  char *new_host_key = g_strdup (host_key);

  g_free (vm->broker_host);
  g_free (vm->broker_host_key);
  vm->broker_host = new_host;
  vm->broker_port = port;
  vm->broker_host_key = new_host_key;
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
validate_vm (const VsaClientVm *vm, GError **error)
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
  if (vm->policy->broker_users->len > 0 && vm->broker_port == 0 && vm->broker_host_key == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s': users ask the console broker but the policy names none "
                   "(<broker host port host-key>); export it again", vm->name);
      return FALSE;
    }
  if ((vm->broker_port != 0 || vm->broker_host_key != NULL) &&
      !vsa_client_validate_broker (vm->broker_host, vm->broker_port, vm->broker_host_key, error))
    {
      g_prefix_error (error, "VM '%s': ", vm->name);
      return FALSE;
    }
  return TRUE;
}

/* The broker is reached by its server's name, its host key pinned. */
gboolean
vsa_client_validate_broker (const char *host, int port, const char *host_key, GError **error)
{
  g_auto (GStrv) words = g_strsplit (host_key ? host_key : "", " ", -1);

  if (host == NULL || port < 1 || port > 65535)
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
  return vsa_validate_client (host, error);
}

gboolean
vsa_client_grant_uses_broker (const VsaClientGrant *grant)
{
  return grant->vm->broker_port > 0 && vsa_policy_find_broker_user (grant->vm->policy, grant->user);
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

/* One sshd, one host key: two VMs naming the same broker with different
 * keys would leave the client's known-hosts file ambiguous. */
static gboolean
validate_broker_keys (const VsaClientPolicy *policy, GError **error)
{
  g_autoptr (GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < policy->vms->len; i++)
    {
      VsaClientVm *vm = g_ptr_array_index (policy->vms, i);
      g_autofree char *broker = NULL;
      const char *known;

      if (vm->broker_port == 0)
        continue;
      broker = g_strdup_printf ("%s port %d", vm->broker_host, vm->broker_port);
      known = g_hash_table_lookup (keys, broker);
      if (known && !g_str_equal (known, vm->broker_host_key))
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "VM '%s' pins another sshd host key for the broker at %s than an "
                       "earlier VM; export it again", vm->name, broker);
          return FALSE;
        }
      g_hash_table_insert (keys, g_steal_pointer (&broker), vm->broker_host_key);
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
  if (!vsa_validate_ca_pem (policy->ca_pem, error))
    return FALSE;
  for (guint i = 0; i < policy->vms->len; i++)
    if (!validate_vm (g_ptr_array_index (policy->vms, i), error))
      return FALSE;
  return validate_unique_vms (policy, error) && validate_broker_keys (policy, error);
}

/* What clients put in the URI: the server's name, else the VM's address.
 * A VM behind a broker is on the broker's server, whose name that broker
 * writes into the .vv it hands out (the launcher checks the two agree). */
const char *
vsa_client_vm_host (const VsaClientPolicy *policy, const VsaClientVm *vm)
{
  if (vm->broker_host)
    return vm->broker_host;
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

