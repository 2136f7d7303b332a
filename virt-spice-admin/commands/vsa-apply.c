/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-apply-private.h"
#include "vsa-console.h"
#include "vsa-disk.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-inventory.h"
#include "vsa-libvirt.h"
#include "vsa-live.h"
#include "vsa-nft.h"
#include "vsa-qemu.h"
#include "vsa-sasl.h"
#include "vsa-ssh-key.h"
#include "vsa-tunnel.h"
#include "vsa-time.h"
#include "vsa-volume.h"
#include "vsa-sasl-vault.h"

#include <string.h>

/* --- the consoles the client hosts see ------------------------------------ */

VsaApplyConsole *
vsa_apply_console_new (const char *name, const VsaPolicy *policy, const char *listen,
                       int tls_port, xmlDoc *doc)
{
  VsaApplyConsole *console = g_new0 (VsaApplyConsole, 1);

  console->name = g_strdup (name);
  console->policy = vsa_policy_copy (policy);
  console->listen = g_strdup (listen);
  console->tls_port = tls_port;
  console->doc = xmlCopyDoc (doc, 1);
  return console;
}

void
vsa_apply_console_free (VsaApplyConsole *console)
{
  g_free (console->name);
  vsa_policy_free (console->policy);
  g_free (console->listen);
  xmlFreeDoc (console->doc);
  g_free (console);
}

/* --- checks against the configuration, before anything changes ----------- */

static gboolean
check_vm_against_config (const VsaConfig *config, const VsaManifestVm *vm, gboolean allow_wide,
                         GError **error)
{
  gint64 seconds;

  if (vm->tls_port != 0 && (vm->tls_port < config->tls_port_min || vm->tls_port > config->tls_port_max))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "TLS port %d is outside tls-port-range %d-%d; pick one inside it or use auto",
                   vm->tls_port, config->tls_port_min, config->tls_port_max);
      return FALSE;
    }
  if (vm->password_valid_for && !vsa_parse_duration (vm->password_valid_for, &seconds, error))
    return FALSE;
  for (guint i = 0; i < vm->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (vm->access, i);

      for (guint j = 0; j < access->clients->len; j++)
        {
          const char *client = g_ptr_array_index (access->clients, j);

          if (config->firewall && !vsa_nft_validate_client (client, error))
            {
              g_prefix_error (error, "with firewall = true, give client addresses: ");
              return FALSE;
            }
          if (!vsa_check_client_network_width (client, &config->client_networks, allow_wide,
                                               "apply --allow-wide-network", error))
            return FALSE;
        }
    }
  return TRUE;
}

/* What depends on the configuration (port range, firewall) is checked for
 * the whole manifest first: a mistake there changes no VM at all. */
gboolean
vsa_apply_check_manifest (const VsaConfig *config, const VsaManifest *manifest,
                          const char *what, gboolean allow_wide, GError **error)
{
  for (guint i = 0; i < manifest->hosts->len; i++)
    {
      VsaManifestHost *host = g_ptr_array_index (manifest->hosts, i);

      for (guint j = 0; j < host->vms->len; j++)
        {
          VsaManifestVm *vm = g_ptr_array_index (host->vms, j);

          if (!check_vm_against_config (config, vm, allow_wide, error))
            {
              g_prefix_error (error, "%s: line %ld: VM '%s': ", what, vm->line, vm->name);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* --- one VM: the transform ---------------------------------------------- */

typedef struct {
  const VsaConfig *config;
  const VsaManifestVm *vm;
  const VsaApplyOptions *opts;
  GHashTable *used_ports;   /* by other domains */
  char *sasl_dir;
  VsaSecret *new_password;  /* password mode: used if the VM has no current one */
  char *valid_to;
  char *now;
  GPtrArray *keyfiles;      /* char *, per manifest volume: resolved */
  VsaConsoleResult console; /* what the console step chose (port, listen, password) */
} VmRequest;

static void
vm_request_clear (VmRequest *req)
{
  g_clear_pointer (&req->used_ports, g_hash_table_unref);
  g_clear_pointer (&req->sasl_dir, g_free);
  g_clear_pointer (&req->new_password, vsa_secret_free);
  g_clear_pointer (&req->valid_to, g_free);
  g_clear_pointer (&req->now, g_free);
  g_clear_pointer (&req->keyfiles, g_ptr_array_unref);
  vsa_console_result_clear (&req->console);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VmRequest, vm_request_clear)

static gboolean
converge_console (xmlDoc *doc, VsaPolicy **policy, VmRequest *req, GError **error)
{
  VsaConsoleSpec spec = {
    .set_auth = TRUE,
    .auth = req->vm->auth,
    .requested_port = req->vm->tls_port,
    .port_min = req->config->tls_port_min,
    .port_max = req->config->tls_port_max,
    .used_ports = req->used_ports,
    .listen = req->vm->listen,
    .default_listen = req->config->listen,
    .compression = req->vm->compression,
    .replace_vnc = req->vm->replace_vnc,
    .password = VSA_PASSWORD_KEEP_OR_NEW,
    .new_password = req->new_password,
    .valid_to = req->valid_to,
    .expired_before = req->now,
    .connected = req->vm->password_connected,
    .sasl_dir = req->sasl_dir,
  };

  vsa_console_result_clear (&req->console);
  return vsa_console_converge (doc, policy, &spec, &req->console, error);
}

/* A NULL-terminated view of CLIENTS (the strings stay theirs).  Copied one
 * by one: an empty GPtrArray's pdata is NULL, and memcpy from NULL is
 * undefined even for zero bytes (UBSan reports it). */
static const char **
client_list (const GPtrArray *clients)
{
  const char **list = g_new0 (const char *, clients->len + 1);

  for (guint i = 0; i < clients->len; i++)
    list[i] = g_ptr_array_index (clients, i);
  return list;
}

/* Users and clients: the manifest's are added; with --prune the others go. */
static void
converge_access (VsaPolicy *policy, const VmRequest *req)
{
  for (guint i = 0; i < req->vm->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (req->vm->access, i);
      g_autofree const char **clients = client_list (access->clients);

      vsa_policy_assign (policy, access->user, clients);
      vsa_policy_set_when (policy, access->user, access->when);
    }
  if (req->opts->prune)
    g_ptr_array_unref (vsa_policy_retain_access (policy, req->vm->access));
}

static gboolean
converge_volumes (xmlDoc *doc, VsaPolicy **policy, const VmRequest *req, GError **error)
{
  for (guint i = 0; i < req->vm->volumes->len; i++)
    {
      VsaManifestVolume *wanted = g_ptr_array_index (req->vm->volumes, i);
      VsaVolume volume = { wanted->volume->lv, wanted->volume->name,
                           g_ptr_array_index (req->keyfiles, i), wanted->volume->token };

      if (!vsa_disk_attach_volume (doc, policy, &volume, wanted->target, req->vm->auth, error))
        {
          g_prefix_error (error, "volume '%s': ", volume.name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
converge_qemu (xmlDoc *doc, const VmRequest *req, GError **error)
{
  for (guint i = 0; i < req->vm->qemu_args->len; i++)
    if (!vsa_qemu_args_add (doc, g_ptr_array_index (req->vm->qemu_args, i), error))
      return FALSE;
  for (guint i = 0; i < req->vm->qemu_env->len; i++)
    {
      VsaManifestEnv *env = g_ptr_array_index (req->vm->qemu_env, i);

      if (!vsa_qemu_env_set (doc, env->name, env->value, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_listed_tunnel (const VmRequest *req, const char *user)
{
  for (guint j = 0; j < req->vm->tunnels->len; j++)
    if (g_str_equal (((VsaManifestTunnel *) g_ptr_array_index (req->vm->tunnels, j))->user, user))
      return TRUE;
  return FALSE;
}

/* The tunnels' policy side; `tunnel install` renders the sshd files. */
static gboolean
converge_tunnels (VsaPolicy *policy, const VmRequest *req, GError **error)
{
  for (guint i = 0; i < req->vm->tunnels->len; i++)
    {
      VsaManifestTunnel *tunnel = g_ptr_array_index (req->vm->tunnels, i);
      g_autoptr (VsaSshKey) key = vsa_ssh_key_parse (tunnel->ssh_key, strlen (tunnel->ssh_key), error);

      if (key == NULL)
        return FALSE;
      vsa_policy_set_tunnel (policy, tunnel->user, key, tunnel->from);
    }
  /* --prune: a tunnel the manifest does not list goes like an assignment. */
  for (guint i = policy->tunnels->len; req->opts->prune && i > 0; i--)
    if (!is_listed_tunnel (req, ((VsaTunnel *) g_ptr_array_index (policy->tunnels, i - 1))->user))
      g_ptr_array_remove_index (policy->tunnels, i - 1);
  return TRUE;
}

/* The console broker's keys and take-over rights, recorded as `assign
 * --ssh-key --take-over` records them; --prune takes away those the
 * manifest does not give, as it does users and tunnels. */
static void
converge_broker_users (VsaPolicy *policy, const VmRequest *req)
{
  for (guint i = 0; i < req->vm->broker_users->len; i++)
    {
      const VsaBrokerUser *wanted = g_ptr_array_index (req->vm->broker_users, i);

      vsa_policy_set_broker_user (policy, wanted->user, wanted->key, wanted->take_over);
    }
  if (req->opts->prune)
    vsa_policy_retain_broker_users (policy, req->vm->broker_users);
}

/* Every part on one document and one policy: the VM gets one define or
 * none.  It is managed in the manifest's mode from the start, so no step
 * depends on another having run before it. */
static gboolean
converge_vm_transform (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  VmRequest *req = user_data;

  if (*policy == NULL)
    *policy = vsa_policy_new (req->vm->auth);
  converge_access (*policy, req);
  converge_broker_users (*policy, req);
  return converge_console (doc, policy, req, error) &&
         converge_volumes (doc, policy, req, error) && converge_qemu (doc, req, error) &&
         converge_tunnels (*policy, req, error);
}

/* --- one VM: inputs, SASL credentials, commit ---------------------------- */

/* The host's ports without those of VM itself. */
static GHashTable *
ports_of_others (GHashTable *host_ports, const char *vm)
{
  GHashTable *others = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  GHashTableIter iter;
  gpointer port, owner;

  g_hash_table_iter_init (&iter, host_ports);
  while (g_hash_table_iter_next (&iter, &port, &owner))
    if (g_strcmp0 (owner, vm) != 0)
      g_hash_table_insert (others, port, g_strdup (owner));
  return others;
}

static gboolean
prepare_inputs (const VsaConfig *config, VmRequest *req, GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  req->sasl_dir = vsa_sasl_vm_dir (config, req->vm->name);
  req->now = vsa_format_libvirt_time (now);
  if (req->vm->password_valid_for &&
      (req->valid_to = vsa_valid_to_from_duration (req->vm->password_valid_for, error)) == NULL)
    return FALSE;
  if (req->vm->auth == VSA_AUTH_PASSWORD &&
      (req->new_password = vsa_secret_generate_password (error)) == NULL)
    return FALSE;
  req->keyfiles = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < req->vm->volumes->len; i++)
    {
      VsaVolume *volume = ((VsaManifestVolume *) g_ptr_array_index (req->vm->volumes, i))->volume;
      char *keyfile = NULL;

      /* A token volume has no keyfile; the hook checks the token at start. */
      if (volume->token == NULL)
        keyfile = volume->keyfile ? g_strdup (volume->keyfile)
                                  : vsa_volume_default_keyfile (config, volume->lv);
      g_ptr_array_add (req->keyfiles, keyfile);
      if (keyfile && !vsa_volume_check_keyfile (keyfile, volume->lv, error))
        return FALSE;
    }
  return TRUE;
}

/* The users of a SASL VM that have no credential in its database yet
 * (none in password mode: the VM's password is the credential). */
static GPtrArray *
users_without_credential (VmRequest *req)
{
  GPtrArray *users = g_ptr_array_new ();

  for (guint i = 0; req->vm->auth == VSA_AUTH_SASL && i < req->vm->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (req->vm->access, i);

      /* Outside her window the credential waits in the vault. */
      if (!vsa_sasl_user_exists (req->sasl_dir, access->user) &&
          !vsa_sasl_vault_has_user (req->config, req->vm->name, access->user))
        g_ptr_array_add (users, access->user);
    }
  return users;
}

/* The manifest never holds a password: a new SASL user gets a generated
 * one only when asked (it is printed once), never silently. */
static gboolean
check_sasl_credentials (VsaContext *ctx, VmRequest *req, GPtrArray *new_users, GError **error)
{
  if (req->vm->auth != VSA_AUTH_SASL)
    return TRUE;
  if (!vsa_sasl_check_libvirt_enabled (ctx->config, error))
    return FALSE;
  if (new_users->len == 0 || req->opts->generate_passwords)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "user '%s' has no SASL credential for this VM yet; rerun with --generate-passwords "
               "or run 'virt-spice-admin assign %s %s --password-stdin' first",
               (char *) g_ptr_array_index (new_users, 0), req->vm->name,
               (char *) g_ptr_array_index (new_users, 0));
  return FALSE;
}

static void
forget_credentials (VsaContext *ctx, VmRequest *req, GPtrArray *credentials)
{
  for (guint i = 0; i < credentials->len; i++)
    vsa_sasl_remove_credential (ctx->config, req->vm->name, req->sasl_dir,
                                ((VsaApplyCredential *) g_ptr_array_index (credentials, i))->user,
                                NULL);
}

static gboolean
create_credentials (VsaContext *ctx, const char *host, VmRequest *req, GPtrArray *new_users,
                    GPtrArray *ret_credentials, GError **error)
{
  for (guint i = 0; i < new_users->len; i++)
    {
      VsaApplyCredential *credential = g_new0 (VsaApplyCredential, 1);

      credential->host = g_strdup (host);
      credential->vm = g_strdup (req->vm->name);
      credential->user = g_strdup (g_ptr_array_index (new_users, i));
      g_ptr_array_add (ret_credentials, credential);
      credential->password = vsa_secret_generate_password (error);
      if (credential->password == NULL ||
          !vsa_sasl_store_credential (ctx->config, req->vm->name, req->sasl_dir,
                                      credential->user, credential->password, error))
        return FALSE;
    }
  return TRUE;
}

/* SASL side first, as assign and unassign do: pruned users lose their
 * credential before the policy changes (a failure can only deny), new
 * ones are removed again if the define fails. */
static gboolean
commit_vm (VsaContext *ctx, const char *host, VsaEdit *edit, VmRequest *req,
           GPtrArray *new_users, GPtrArray *removed_users, GPtrArray *ret_credentials,
           GError **error)
{
  gboolean sasl = req->vm->auth == VSA_AUTH_SASL;
  g_autoptr (GDateTime) now = vsa_time_now_in_zone (ctx->config->time_zone);

  if (sasl && !vsa_sasl_ensure_vm_dir (ctx->config, req->vm->name, error))
    return FALSE;
  for (guint i = 0; sasl && i < removed_users->len; i++)
    if (!vsa_sasl_remove_credential (ctx->config, req->vm->name, req->sasl_dir,
                                     g_ptr_array_index (removed_users, i), error))
      return FALSE;
  if ((sasl && !create_credentials (ctx, host, req, new_users, ret_credentials, error)) ||
      !vsa_edit_commit (ctx, edit, error))
    {
      forget_credentials (ctx, req, ret_credentials);
      return FALSE;
    }
  /* As after assign: a closed window takes the credential out of the
   * VM's database now, not at the next schedule sync. */
  if (sasl && !vsa_sasl_vault_sync (ctx->config, req->vm->name, edit->policy, now, FALSE, NULL,
                                    error))
    return FALSE;
  return !edit->changed || vsa_live_apply_policy (ctx, edit->dom, edit->policy, error);
}

/* The users the edit took away (--prune), in the order they were listed. */
static GPtrArray *
removed_users (const VsaEdit *edit)
{
  GPtrArray *users = g_ptr_array_new ();

  for (guint i = 0; edit->old_policy && i < edit->old_policy->access->len; i++)
    {
      const char *user = ((VsaAccess *) g_ptr_array_index (edit->old_policy->access, i))->user;

      if (vsa_policy_find_access (edit->policy, user) == NULL)
        g_ptr_array_add (users, (gpointer) user);
    }
  return users;
}

/* Whether USER's console key in A and in B differ (NULL: no policy). */
static gboolean
console_key_differs (const VsaPolicy *a, const VsaPolicy *b, const char *user)
{
  const VsaBrokerUser *in_a = a ? vsa_policy_find_broker_user (a, user) : NULL;
  const VsaBrokerUser *in_b = b ? vsa_policy_find_broker_user (b, user) : NULL;
  g_autofree char *line_a = in_a && in_a->key ? vsa_ssh_key_to_line (in_a->key) : NULL;
  g_autofree char *line_b = in_b && in_b->key ? vsa_ssh_key_to_line (in_b->key) : NULL;

  return g_strcmp0 (line_a, line_b) != 0;
}

/* The console keys live in sshd's files, which `broker install` writes
 * from every VM's policy: a changed key is not in use before it runs. */
static gboolean
console_keys_changed (const VsaEdit *edit)
{
  const VsaPolicy *policies[] = { edit->old_policy, edit->policy };

  for (guint p = 0; p < G_N_ELEMENTS (policies); p++)
    for (guint i = 0; policies[p] && i < policies[p]->broker_users->len; i++)
      if (console_key_differs (edit->old_policy, edit->policy,
                               ((VsaBrokerUser *) g_ptr_array_index (policies[p]->broker_users, i))->user))
        return TRUE;
  return FALSE;
}

static char *
describe_change (const VmRequest *req, guint new_credentials, guint pruned, gboolean keys_changed)
{
  g_autoptr (GString) s = g_string_new (NULL);

  g_string_append_printf (s, "%s, TLS port %d on %s", vsa_auth_mode_to_string (req->console.auth),
                          req->console.tls_port, req->console.listen);
  if (req->console.password_changed)
    g_string_append (s, req->vm->auth == VSA_AUTH_SASL ? ", password removed" : ", new password");
  if (new_credentials > 0)
    g_string_append_printf (s, ", %u new SASL credential%s", new_credentials, new_credentials == 1 ? "" : "s");
  if (pruned > 0)
    g_string_append_printf (s, ", %u user%s pruned", pruned, pruned == 1 ? "" : "s");
  if (keys_changed)
    g_string_append (s, ", console keys changed (run 'virt-spice-admin broker install')");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Later VMs of the host must not be given this VM's port. */
static void
record_port (GHashTable *host_ports, const char *vm, int port)
{
  GHashTableIter iter;
  gpointer owner;

  g_hash_table_iter_init (&iter, host_ports);
  while (g_hash_table_iter_next (&iter, NULL, &owner))
    if (g_strcmp0 (owner, vm) == 0)
      g_hash_table_iter_remove (&iter);
  g_hash_table_insert (host_ports, GINT_TO_POINTER (port), g_strdup (vm));
}

gboolean
vsa_apply_vm (VsaContext *ctx, virConnect *conn, const char *host, const VsaManifestVm *vm,
              const VsaApplyOptions *opts, GHashTable *host_ports, VsaApplyReport *report,
              GPtrArray *consoles, GError **error)
{
  g_auto (VmRequest) req = { ctx->config, vm, opts };
  g_autoptr (virDomain) dom = NULL;
  g_autoptr (VsaEdit) edit = NULL;
  g_autoptr (GPtrArray) new_users = NULL;
  g_autoptr (GPtrArray) pruned = NULL;
  g_autoptr (GPtrArray) credentials = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_apply_credential_free);
  g_autofree char *diff = NULL;
  g_autofree char *detail = NULL;
  gboolean changed;

  req.used_ports = ports_of_others (host_ports, vm->name);
  if ((dom = vsa_libvirt_lookup (conn, vm->name, error)) == NULL ||
      !prepare_inputs (ctx->config, &req, error) ||
      (edit = vsa_edit_prepare (ctx, dom, converge_vm_transform, &req, error)) == NULL)
    return FALSE;
  new_users = users_without_credential (&req);
  pruned = removed_users (edit);
  if (!check_sasl_credentials (ctx, &req, new_users, error))
    return FALSE;
  changed = edit->changed || new_users->len > 0;
  /* Described before the commit: a lost reply runs the transform again. */
  detail = changed ? describe_change (&req, new_users->len, pruned->len,
                                     console_keys_changed (edit)) : NULL;
  if (ctx->dry_run && edit->changed && (diff = vsa_edit_diff (edit, error)) == NULL)
    return FALSE;
  if (!ctx->dry_run &&
      !commit_vm (ctx, host, edit, &req, new_users, pruned, credentials, error))
    return FALSE;
  if (edit->reply_lost)
    {
      char *checked = g_strconcat (detail, " (libvirt's reply to the define was lost; read "
                                   "again, the new definition is in place)", NULL);

      g_free (detail);
      detail = checked;
    }
  record_port (host_ports, vm->name, req.console.tls_port);
  g_ptr_array_add (consoles, vsa_apply_console_new (vm->name, edit->policy, req.console.listen,
                                                    req.console.tls_port, edit->doc));
  g_ptr_array_extend_and_steal (report->credentials, g_steal_pointer (&credentials));
  vsa_apply_report_add (report, host, vm->name, changed ? VSA_APPLY_CHANGED : VSA_APPLY_UNCHANGED,
                        g_steal_pointer (&detail), g_steal_pointer (&diff));
  return TRUE;
}
