/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-client-export.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-qemu.h"
#include "vsa-spice.h"

static gboolean
read_ca (const VsaConfig *config, char **ret_pem, GError **error)
{
  g_autofree char *pem = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!vsa_file_read_bounded (config->ca_file, "the CA certificate", VSA_FILE_TEXT_MAX, &pem,
                              NULL, &local_error))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND, "%s; set ca-file in the configuration",
                   local_error->message);
      return FALSE;
    }
  if (!vsa_validate_ca_pem (pem, error))
    {
      g_prefix_error (error, "%s: ", config->ca_file);
      return FALSE;
    }
  *ret_pem = g_steal_pointer (&pem);
  return TRUE;
}

VsaClientPolicy *
vsa_client_export_start (const VsaConfig *config, GError **error)
{
  g_autoptr (VsaClientPolicy) policy = vsa_client_policy_new ();

  if (!read_ca (config, &policy->ca_pem, error))
    return NULL;
  policy->server_name = g_strdup (config->server_name);
  policy->server_subject = g_strdup (config->server_subject);
  /* Clients evaluate the windows in the server's zone when it names one. */
  policy->time_zone = *config->time_zone ? g_strdup (config->time_zone) : NULL;
  return g_steal_pointer (&policy);
}

/* The accesses this export shows: with CLIENT only that client. */
static gboolean
copy_access (const char *client, const VsaPolicy *from, VsaClientVm *vm)
{
  gboolean any = FALSE;

  for (guint i = 0; i < from->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (from->access, i);

      for (guint j = 0; j < access->clients->len; j++)
        {
          const char *address = g_ptr_array_index (access->clients, j);
          const char *clients[] = { address, NULL };

          if (client && !vsa_client_matches (address, client))
            continue;
          VsaBrokerUser *broker_user = vsa_policy_find_broker_user (from, access->user);

          vsa_policy_assign (vm->policy, access->user, clients);
          vsa_policy_set_when (vm->policy, access->user, access->when);
          if (broker_user && broker_user->key)
            vsa_policy_ensure_broker_user (vm->policy, access->user);
          any = TRUE;
        }
    }
  return any;
}

static gboolean
check_reachable (const char *name, const char *listen, int tls_port, GError **error)
{
  g_autofree char *address = vsa_inet_canonical (listen, NULL);

  if (tls_port <= 0 || address == NULL || g_strcmp0 (listen, "0.0.0.0") == 0 ||
      g_strcmp0 (listen, "::") == 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s' has no fixed TLS port on one listen address, so clients cannot "
                   "be pinned to it; run 'virt-spice-admin secure %s --listen ADDR'", name, name);
      return FALSE;
    }
  return TRUE;
}

VsaClientVm *
vsa_client_export_vm (const char *name, const VsaPolicy *policy, const char *listen, int tls_port,
                      const char *client, const char *password, GError **error)
{
  g_autoptr (VsaClientVm) vm = NULL;
  g_autofree char *address = NULL;
  gboolean has_access;

  if (!check_reachable (name, listen, tls_port, error))
    return NULL;
  address = vsa_inet_canonical (listen, NULL);
  vm = vsa_client_vm_new (name, address, tls_port, policy->auth);
  has_access = copy_access (client, policy, vm);
  if (password && has_access && policy->auth == VSA_AUTH_PASSWORD)
    vm->password = g_strdup (password);
  return g_steal_pointer (&vm);
}

VsaClientVm *
vsa_client_export_unreadable_vm (const char *name, xmlDoc *config_doc)
{
  g_auto (VsaSpiceInfo) spice = { 0 };
  g_autofree char *sasl_env = NULL;
  g_autofree char *address = NULL;

  if (config_doc == NULL || !vsa_spice_describe (config_doc, &spice, NULL) || !spice.has_spice ||
      !check_reachable (name, spice.listen, spice.tls_port, NULL))
    return NULL;
  sasl_env = vsa_qemu_env_get (config_doc, "SASL_CONF_PATH");
  address = vsa_inet_canonical (spice.listen, NULL);
  return vsa_client_vm_new (name, address, spice.tls_port,
                            sasl_env ? VSA_AUTH_SASL : VSA_AUTH_PASSWORD);
}

/* This machine's console broker as clients reach it: the server's name,
 * the sshd port and sshd's host key to pin ("TYPE BASE64"). */
gboolean
vsa_client_export_local_broker (const VsaConfig *config, char **ret_host, int *ret_port,
                                char **ret_host_key, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (VsaSshKey) key = NULL;
  gsize len = 0;

  if (config->server_name == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
                   "users ask the console broker, so clients need the server's name; "
                   "set server-name in the configuration");
      return FALSE;
    }
  if (!vsa_file_read_bounded (config->broker_host_key, "sshd's host key", VSA_SSH_KEY_FILE_MAX,
                              &text, &len, error) ||
      (key = vsa_ssh_key_parse (text, len, error)) == NULL)
    {
      g_prefix_error (error, "broker-host-key: ");
      return FALSE;
    }
  *ret_host = g_strdup (config->server_name);
  *ret_port = (int) config->broker_ssh_port;
  *ret_host_key = g_strdup_printf ("%s %s", key->type, key->blob);
  return TRUE;
}

/* Users with a broker key ask `ssh USER@SERVER console VM`: each VM
 * they may open names this machine's broker. */
gboolean
vsa_client_export_finish (const VsaConfig *config, VsaClientPolicy *policy, GError **error)
{
  g_autofree char *host = NULL;
  g_autofree char *host_key = NULL;
  int port = 0;

  for (guint i = 0; i < policy->vms->len; i++)
    {
      VsaClientVm *vm = g_ptr_array_index (policy->vms, i);

      if (vm->policy->broker_users->len == 0)
        continue;
      if (host == NULL &&
          !vsa_client_export_local_broker (config, &host, &port, &host_key, error))
        return FALSE;
      vsa_client_vm_set_broker (vm, host, port, host_key);
    }
  return TRUE;
}
