/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `broker install`: every user with a broker key (over all VMs) gets an
 * sshd Match block, a root-owned key file and the console shell; the
 * broker and the session journal get their systemd units.  sshd checks
 * the drop-in first; on any failure nothing is installed and no shell
 * changed. */
#include "vsa-accounts.h"
#include "vsa-broker-install.h"
#include "vsa-broker-render.h"
#include "vsa-cli.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-inventory.h"
#include "vsa-libvirt.h"
#include "vsa-sshd.h"
#include "vsa-staged-files.h"
#include "vsa-tunnel-files.h"
#include "vsa-xml.h"

#include <string.h>
#include <unistd.h>

static void
add_unique (GPtrArray *list, const char *value)
{
  if (!g_ptr_array_find_with_equal_func (list, value, g_str_equal, NULL))
    g_ptr_array_add (list, g_strdup (value));
}

static VsaBrokerAccount *
account_for (GHashTable *accounts, const char *user)
{
  VsaBrokerAccount *account = g_hash_table_lookup (accounts, user);

  if (account == NULL)
    {
      account = vsa_broker_account_new (user);
      g_hash_table_insert (accounts, account->user, account);
    }
  return account;
}

/* One key per user: the key line of her account holds all her VMs. */
static gboolean
add_key (VsaBrokerAccount *account, const VsaBrokerUser *broker_user, const char *vm,
         GError **error)
{
  if (account->key && !vsa_ssh_key_same (account->key, broker_user->key))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
                   "user '%s' has one console key for VM '%s' and another for VM '%s'; give both "
                   "the same key with 'virt-spice-admin assign VM %s --ssh-key PUBFILE'; nothing "
                   "was installed", account->user, account->key_vm, vm, account->user);
      return FALSE;
    }
  if (account->key == NULL)
    {
      account->key = vsa_ssh_key_new (broker_user->key->type, broker_user->key->blob,
                                      broker_user->key->comment);
      account->key_vm = g_strdup (vm);
    }
  return TRUE;
}

static gboolean
collect_doc (xmlDoc *doc, GHashTable *accounts, GError **error)
{
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_tunnel_route_free);
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *vm = vsa_domain_name (doc);

  if (!vsa_policy_from_domain (doc, &policy, error))
    return FALSE;
  if (policy == NULL || !vsa_tunnel_routes_from_domain (doc, routes, notes, error))
    return policy == NULL;
  for (guint i = 0; i < policy->broker_users->len; i++)
    {
      const VsaBrokerUser *broker_user = g_ptr_array_index (policy->broker_users, i);
      const VsaAccess *access = vsa_policy_find_access (policy, broker_user->user);
      VsaBrokerAccount *account;

      if (broker_user->key == NULL || access == NULL)
        continue;
      account = account_for (accounts, broker_user->user);
      if (!add_key (account, broker_user, vm, error))
        return FALSE;
      add_unique (account->vms, vm);
      for (guint j = 0; j < access->clients->len; j++)
        add_unique (account->clients, g_ptr_array_index (access->clients, j));
    }
  /* Tunnels of broker users stay usable: the broker's Match block comes
   * first for them (sshd takes each setting from the first match). */
  for (guint i = 0; i < routes->len; i++)
    {
      const VsaTunnelRoute *route = g_ptr_array_index (routes, i);
      VsaBrokerAccount *account = g_hash_table_lookup (accounts, route->user);

      if (account)
        add_unique (account->destinations, route->destination);
    }
  return TRUE;
}

static int
compare_accounts (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(VsaBrokerAccount *const *) a)->user, (*(VsaBrokerAccount *const *) b)->user);
}

/* Every account with a key, sorted by user.  Tunnels of VMs listed
 * after a user's first broker VM are collected in a second pass. */
static GPtrArray *
collect_accounts (GPtrArray *docs, GError **error)
{
  g_autoptr (GHashTable) accounts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                           (GDestroyNotify) vsa_broker_account_free);
  g_autoptr (GPtrArray) sorted = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_broker_account_free);
  gboolean ok = TRUE;

  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; ok && i < docs->len; i++)
      ok = collect_doc (g_ptr_array_index (docs, i), accounts, error);
  if (!ok)
    return NULL;
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, accounts);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      {
        g_ptr_array_add (sorted, value);
        g_hash_table_iter_steal (&iter);
      }
  }
  g_ptr_array_sort (sorted, compare_accounts);
  return g_steal_pointer (&sorted);
}

static gboolean
shell_is_replaceable (const char *shell, const char *console_shell)
{
  return g_str_has_suffix (shell, "/nologin") || g_str_has_suffix (shell, "/false") ||
         g_strcmp0 (shell, console_shell) == 0;
}

/* A login shell would run the user's startup files before the forced
 * command (bash: ~/.bashrc), an escape; nologin and false run nothing,
 * so they are safe to replace with the console shell. */
static gboolean
check_account (VsaContext *ctx, const VsaBrokerAccount *broker_account, GPtrArray *to_change,
               GError **error)
{
  g_auto (VsaAccount) account = { 0 };

  if (!vsa_account_lookup (broker_account->user, &account, error))
    return FALSE;
  if (!account.exists)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "console user '%s' has no local account; create it with 'useradd --shell "
                   "/usr/sbin/nologin %s'; nothing was installed", broker_account->user,
                   broker_account->user);
      return FALSE;
    }
  if (account.uid == 0 || !shell_is_replaceable (account.shell, ctx->config->console_shell))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "console user '%s' has %s%s; run 'usermod -s /usr/sbin/nologin %s' (broker "
                   "install then gives it the console shell); nothing was installed",
                   broker_account->user, account.uid == 0 ? "UID 0 and the shell " : "the login shell ",
                   account.shell, broker_account->user);
      return FALSE;
    }
  if (g_strcmp0 (account.shell, ctx->config->console_shell) != 0)
    g_ptr_array_add (to_change, g_strdup (broker_account->user));
  return TRUE;
}

static gboolean
check_console_shell (const char *path, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE) || g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
                   "the console shell %s is not an executable file; install virt-spice-admin's "
                   "console-shell there or set console-shell; nothing was installed", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
stage_files (GPtrArray *files, GError **error)
{
  g_autoptr (VsaStagedFiles) staged = vsa_staged_files_new ();

  /* The drop-in (files[0]) last: its blocks never name missing keys. */
  for (guint k = 1; k <= files->len; k++)
    {
      const VsaRenderedFile *file = g_ptr_array_index (files, k % files->len);
      g_autofree char *dir = g_path_get_dirname (file->path);

      if (!vsa_dir_ensure (dir, 0755, error) ||
          !vsa_staged_files_add (staged, file->path, file->content, 0, 0, file->mode, error))
        return FALSE;
    }
  return vsa_staged_files_commit (staged, error);
}

/* Shells first, put back if the files cannot be installed. */
static gboolean
install (VsaContext *ctx, GPtrArray *files, GPtrArray *to_change, GHashTable *old_shells,
         GError **error)
{
  guint changed = 0;

  for (; changed < to_change->len; changed++)
    if (!vsa_account_set_shell (g_ptr_array_index (to_change, changed), ctx->config->console_shell, error))
      break;
  if (changed == to_change->len && stage_files (files, error))
    return TRUE;
  for (guint i = 0; i < changed; i++)
    {
      const char *user = g_ptr_array_index (to_change, i);
      vsa_account_set_shell (user, g_hash_table_lookup (old_shells, user), NULL);
    }
  g_prefix_error (error, "nothing was installed: ");
  return FALSE;
}

static GHashTable *
current_shells (GPtrArray *users)
{
  GHashTable *shells = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < users->len; i++)
    {
      g_auto (VsaAccount) account = { 0 };

      if (vsa_account_lookup (g_ptr_array_index (users, i), &account, NULL) && account.exists)
        g_hash_table_insert (shells, g_strdup (g_ptr_array_index (users, i)), g_strdup (account.shell));
    }
  return shells;
}

void
vsa_broker_plan_free (VsaBrokerPlan *plan)
{
  if (plan == NULL)
    return;
  g_clear_pointer (&plan->files, g_ptr_array_unref);
  g_clear_pointer (&plan->to_change, g_ptr_array_unref);
  g_free (plan);
}

VsaBrokerPlan *
vsa_broker_plan (VsaContext *ctx, GPtrArray *docs, GError **error)
{
  g_autoptr (VsaBrokerPlan) plan = g_new0 (VsaBrokerPlan, 1);
  g_autoptr (GPtrArray) accounts = NULL;
  VsaBrokerRenderOptions opts;

  if ((accounts = collect_accounts (docs, error)) == NULL ||
      !check_console_shell (ctx->config->console_shell, error))
    return NULL;
  opts = (VsaBrokerRenderOptions) { ctx->config->sshd_drop_in_dir,
    ctx->config->broker_authorized_keys_dir, ctx->config->tunnel_authorized_keys_dir,
    ctx->config->broker_command, ctx->config->systemd_unit_dir };
  if ((plan->files = vsa_broker_render (accounts, &opts, error)) == NULL)
    return NULL;
  plan->to_change = g_ptr_array_new_with_free_func (g_free);
  plan->accounts = accounts->len;
  for (guint i = 0; i < accounts->len; i++)
    if (!check_account (ctx, g_ptr_array_index (accounts, i), plan->to_change, error))
      return NULL;
  return g_steal_pointer (&plan);
}

/* As stage_files puts them: root's. */
gboolean
vsa_broker_plan_current (const VsaBrokerPlan *plan)
{
  return plan->to_change->len == 0 && vsa_tunnel_files_current (plan->files);
}

gboolean
vsa_broker_plan_check (VsaContext *ctx, const VsaBrokerPlan *plan, GError **error)
{
  return vsa_sshd_check_rendered (ctx->config->sshd_binary, ctx->config->sshd_config, plan->files,
                                  error);
}

gboolean
vsa_broker_plan_install (VsaContext *ctx, const VsaBrokerPlan *plan, guint *ret_stale,
                         GError **error)
{
  g_autoptr (GHashTable) old_shells = current_shells (plan->to_change);

  if (!install (ctx, plan->files, plan->to_change, old_shells, error))
    return FALSE;
  /* One directory for both kinds of keys would lose the tunnels'. */
  *ret_stale = g_strcmp0 (ctx->config->broker_authorized_keys_dir,
                          ctx->config->tunnel_authorized_keys_dir) == 0
                 ? 0 : vsa_key_files_remove_stale (ctx->config->broker_authorized_keys_dir,
                                                   plan->files);
  return TRUE;
}

gboolean
vsa_broker_install (VsaContext *ctx, GError **error)
{
  g_autoptr (GPtrArray) vms = NULL;
  g_autoptr (GPtrArray) docs = g_ptr_array_new ();
  g_autoptr (VsaBrokerPlan) plan = NULL;
  guint stale = 0;

  if (!vsa_context_connect (ctx, error) ||
      (vms = vsa_inventory_collect (ctx->conn, NULL, 0, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < vms->len; i++)
    g_ptr_array_add (docs, ((VsaVmRecord *) g_ptr_array_index (vms, i))->config_doc);
  if ((plan = vsa_broker_plan (ctx, docs, error)) == NULL || !vsa_broker_plan_check (ctx, plan, error))
    return FALSE;
  if (ctx->dry_run)
    {
      vsa_cli_print_checked_files (ctx, plan->files);
      return TRUE;
    }
  if (!vsa_broker_plan_install (ctx, plan, &stale, error))
    return FALSE;
  vsa_context_note (ctx, "installed %s for %u console user(s) and the broker's units in %s%s; "
                    "reload sshd and run 'systemctl daemon-reload && systemctl enable --now "
                    "virt-spice-admin-broker virt-spice-admin-watch'",
                    ((VsaRenderedFile *) g_ptr_array_index (plan->files, 0))->path, plan->accounts,
                    ctx->config->systemd_unit_dir, stale ? ", removed stale keys" : "");
  return TRUE;
}
