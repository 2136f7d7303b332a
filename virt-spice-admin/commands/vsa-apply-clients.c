/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* apply's client hosts: for each <client-host>, the client policy of
 * every console the manifest's hosts have (as `export --client ADDRESS`
 * builds it, each VM naming the console broker of its own host), checked against the users the client host lists, rendered
 * and validated exactly as `client render` does, and with --client-dir
 * written to DIR/NAME (only the files that differ).  Runs after the host
 * workers, in the main thread. */
#include "vsa-apply-private.h"
#include "vsa-client-export.h"
#include "vsa-client-host.h"
#include "vsa-error.h"

/* HOST's console broker as clients reach it: the manifest's <broker>,
 * else, for a host on this machine, the configuration (as export). */
static gboolean
host_broker (VsaContext *ctx, const VsaManifestHost *host, const char *vm, char **ret_host,
             int *ret_port, char **ret_host_key, GError **error)
{
  g_autofree char *server = vsa_apply_host_server (ctx, host);
  const char *name = host->broker_host;

  if (host->broker_host_key == NULL && server && *server == '\0')
    return vsa_client_export_local_broker (ctx->config, ret_host, ret_port, ret_host_key, error);
  if (host->broker_host_key == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s' on host '%s' has users with a console key, and that host is not "
                   "this machine; add <broker host-key=\"...\"/> with its sshd's public host key "
                   "to <host name=\"%s\"> in the manifest", vm, host->name, host->name);
      return FALSE;
    }
  if (name == NULL)
    name = server && *server ? server : ctx->config->server_name;
  if (name == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "host '%s': its <broker> needs host=\"NAME\", the name clients reach its "
                   "sshd by", host->name);
      return FALSE;
    }
  *ret_host = g_strdup (name);
  *ret_port = host->broker_port;
  *ret_host_key = g_strdup (host->broker_host_key);
  return TRUE;
}

/* HOST's consoles as seen from ADDRESS into POLICY, the VMs whose users
 * ask the broker naming HOST's broker. */
static gboolean
add_host_consoles (VsaContext *ctx, const VsaManifestHost *host, GPtrArray *consoles,
                   const char *address, VsaClientPolicy *policy, GError **error)
{
  g_autofree char *broker_host = NULL;
  g_autofree char *broker_key = NULL;
  int broker_port = 0;

  if (consoles == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "host '%s' could not be read, so its consoles are unknown; fix it first",
                   host->name);
      return FALSE;
    }
  for (guint j = 0; j < consoles->len; j++)
    {
      VsaApplyConsole *c = g_ptr_array_index (consoles, j);
      VsaClientVm *vm = vsa_client_export_vm (c->name, c->policy, c->listen, c->tls_port,
                                              address, NULL, error);

      if (vm == NULL)
        return FALSE;
      vsa_client_policy_add_vm (policy, vm);
      if (vm->policy->broker_users->len == 0)
        continue;
      if (broker_host == NULL &&
          !host_broker (ctx, host, c->name, &broker_host, &broker_port, &broker_key, error))
        return FALSE;
      vsa_client_vm_set_broker (vm, broker_host, broker_port, broker_key);
    }
  return TRUE;
}

/* The policy ADDRESS is given: every console, its accesses from ADDRESS;
 * a user with a console key asks the broker of her VM's host. */
static VsaClientPolicy *
build_policy (VsaContext *ctx, const VsaManifest *manifest, GPtrArray *consoles,
              const char *address, GError **error)
{
  g_autoptr (VsaClientPolicy) policy = vsa_client_export_start (ctx->config, error);

  for (guint i = 0; policy && i < consoles->len; i++)
    if (!add_host_consoles (ctx, g_ptr_array_index (manifest->hosts, i),
                            g_ptr_array_index (consoles, i), address, policy, error))
      return NULL;
  if (policy == NULL || !vsa_client_policy_validate (policy, error))
    return NULL;
  return g_steal_pointer (&policy);
}

static const char *
vm_granting (GArray *grants, const char *user)
{
  for (guint i = 0; i < grants->len; i++)
    if (g_str_equal (g_array_index (grants, VsaClientGrant, i).user, user))
      return g_array_index (grants, VsaClientGrant, i).vm->name;
  return NULL;
}

/* The client host's users are exactly those the VMs admit from its address. */
static gboolean
check_users (const VsaManifestClientHost *client, const VsaClientPolicy *policy, GError **error)
{
  g_autoptr (GArray) grants = vsa_client_policy_grants (policy, client->address);

  for (guint i = 0; i < client->users->len; i++)
    {
      const char *user = g_ptr_array_index (client->users, i);

      if (vm_granting (grants, user) == NULL)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "client host '%s' lists user '%s', but no VM admits %s from %s; add "
                       "<client address=\"%s\"/> to %s's <user> in a VM, or drop the user here",
                       client->name, user, user, client->address, client->address, user);
          return FALSE;
        }
    }
  for (guint i = 0; i < grants->len; i++)
    {
      VsaClientGrant *grant = &g_array_index (grants, VsaClientGrant, i);

      if (!g_ptr_array_find_with_equal_func (client->users, grant->user, g_str_equal, NULL))
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "VM '%s' admits user '%s' from %s, but client host '%s' does not list "
                       "%s; add <user name=\"%s\"/> to the client host or drop that client "
                       "from the VM", grant->vm->name, grant->user, client->address,
                       client->name, grant->user, grant->user);
          return FALSE;
        }
    }
  return TRUE;
}

/* The UIDs the manifest gives replace the local accounts' (resolved on
 * this server, where they may differ or be missing). */
static gboolean
use_manifest_uids (const VsaManifestClientHost *client, VsaClientHost *host, GError **error)
{
  for (guint i = 0; i < client->users->len; i++)
    {
      const char *user = g_ptr_array_index (client->users, i);
      gpointer uid;

      if (!g_hash_table_lookup_extended (client->uids, user, NULL, &uid))
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "client host '%s': user '%s' has no uid; give <user name=\"%s\" "
                       "uid=\"N\"/> with %s's UID on %s (its firewall matches it)",
                       client->name, user, user, user, client->name);
          return FALSE;
        }
      g_hash_table_insert (host->uids, g_strdup (user), uid);
    }
  return TRUE;
}

static VsaApplyOutcome
write_bundle (const VsaApplyOptions *opts, gboolean dry_run, const char *name, GPtrArray *files,
              char **ret_detail, GError **error)
{
  g_autofree char *root = NULL;
  guint changed = 0;
  guint removed = 0;

  if (opts->client_dir == NULL)
    {
      *ret_detail = g_strdup_printf ("%u files and %u directories rendered and validated, not "
                                     "written (give --client-dir DIR)",
                                     vsa_client_files_count (files, FALSE),
                                     vsa_client_files_count (files, TRUE));
      return VSA_APPLY_CHECKED;
    }
  root = g_build_filename (opts->client_dir, name, NULL);
  if (!vsa_client_sync_tree (files, root, !dry_run, &changed, &removed, error))
    return VSA_APPLY_FAILED;
  if (changed == 0 && removed == 0)
    return VSA_APPLY_UNCHANGED;
  /* CHANGED counts directories made as well as files written. */
  *ret_detail = g_strdup_printf ("%u of %u files and directories %s under %s%s", changed, files->len,
                                 dry_run ? "would be written" : "written", root,
                                 removed == 0 ? "" : dry_run ? ", stale files would be removed"
                                                             : ", stale files removed");
  return VSA_APPLY_CHANGED;
}

static VsaApplyOutcome
apply_client_host (VsaContext *ctx, const VsaManifest *manifest, const VsaApplyOptions *opts,
                   GPtrArray *consoles, const VsaManifestClientHost *client, char **ret_detail,
                   GError **error)
{
  g_autoptr (VsaClientPolicy) policy = build_policy (ctx, manifest, consoles,
                                                     client->address, error);
  g_autoptr (VsaClientHost) host = NULL;
  g_autoptr (GPtrArray) files = NULL;
  VsaFirewallKind firewall;

  if (policy == NULL || !check_users (client, policy, error) ||
      !vsa_firewall_kind_from_string (client->rules, &firewall, error) ||
      (host = vsa_client_host_new (ctx->config, g_steal_pointer (&policy), client->address,
                                   error)) == NULL)
    return VSA_APPLY_FAILED;
  host->firewall = firewall;
  g_hash_table_remove_all (host->uids);
  if (!use_manifest_uids (client, host, error) ||
      (files = vsa_client_host_render (host, error)) == NULL ||
      !vsa_client_stage_and_validate (files, error))
    return VSA_APPLY_FAILED;
  return write_bundle (opts, ctx->dry_run, client->name, files, ret_detail, error);
}

void
vsa_apply_client_hosts (VsaContext *ctx, const VsaManifest *manifest, const VsaApplyOptions *opts,
                        GPtrArray *consoles, VsaApplyReport *report)
{
  for (guint i = 0; i < manifest->client_hosts->len; i++)
    {
      VsaManifestClientHost *client = g_ptr_array_index (manifest->client_hosts, i);
      g_autoptr (GError) error = NULL;
      char *detail = NULL;
      VsaApplyOutcome outcome = apply_client_host (ctx, manifest, opts, consoles, client,
                                                   &detail, &error);

      if (outcome == VSA_APPLY_FAILED)
        detail = g_strdup (error->message);
      vsa_apply_report_row (report->client_hosts, report, NULL, client->name, outcome, detail,
                            NULL);
    }
}
