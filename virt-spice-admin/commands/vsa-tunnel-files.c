/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-tunnel-files.h"
#include "vsa-accounts.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-inventory.h"
#include "vsa-sshd.h"
#include "vsa-staged-files.h"
#include "vsa-tunnel-render.h"
#include "vsa-xml.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static void
print_notes (VsaContext *ctx, GPtrArray *notes)
{
  for (guint i = 0; i < notes->len; i++)
    vsa_context_note (ctx, "note: %s", (const char *) g_ptr_array_index (notes, i));
}

/* The persistent definitions decide what is allowed. */
GPtrArray *
vsa_tunnel_files_render (VsaContext *ctx, GPtrArray *docs, GError **error)
{
  g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_tunnel_route_free);
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  VsaTunnelRenderOptions opts = {
    ctx->config->sshd_drop_in_dir,
    ctx->config->tunnel_authorized_keys_dir,
    ctx->config->tunnel_wait_command,
  };

  for (guint i = 0; i < docs->len; i++)
    if (!vsa_tunnel_routes_from_domain (g_ptr_array_index (docs, i), routes, notes, error))
      return NULL;
  print_notes (ctx, notes);
  if (!vsa_sshd_tunnel_templates (&opts.templates, error))
    return NULL;
  return vsa_tunnel_render (routes, &opts, error);
}

GPtrArray *
vsa_tunnel_files_render_host (VsaContext *ctx, GError **error)
{
  g_autoptr (GPtrArray) vms = NULL;
  g_autoptr (GPtrArray) docs = g_ptr_array_new ();

  if (!vsa_context_connect (ctx, error) ||
      (vms = vsa_inventory_collect (ctx->conn, NULL, 0, error)) == NULL)
    return NULL;
  for (guint i = 0; i < vms->len; i++)
    g_ptr_array_add (docs, ((VsaVmRecord *) g_ptr_array_index (vms, i))->config_doc);
  return vsa_tunnel_files_render (ctx, docs, error);
}

static gboolean
file_is_current (const VsaRenderedFile *file)
{
  g_auto (VsaAccount) account = { 0 };
  g_autofree char *content = NULL;
  GStatBuf st;
  uid_t uid = 0;

  if (file->owner && (!vsa_account_lookup (file->owner, &account, NULL) || !account.exists))
    return FALSE;
  if (file->owner)
    uid = account.uid;
  return g_lstat (file->path, &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == uid &&
         (st.st_mode & 07777) == (mode_t) file->mode &&
         vsa_file_read_bounded (file->path, "a tunnel file", VSA_FILE_TEXT_MAX, &content, NULL, NULL) &&
         g_str_equal (content, file->content);
}

gboolean
vsa_tunnel_files_current (GPtrArray *files)
{
  for (guint i = 0; i < files->len; i++)
    if (!file_is_current (g_ptr_array_index (files, i)))
      return FALSE;
  return TRUE;
}

static void
note_account_details (VsaContext *ctx, const char *user, const VsaAccount *account)
{
  if (!g_str_has_suffix (account->shell, "/nologin") && !g_str_has_suffix (account->shell, "/false"))
    vsa_context_note (ctx, "note: tunnel user '%s' has the login shell %s; sshd only lets it "
                      "wait (ForceCommand), but /usr/sbin/nologin is safer", user, account->shell);
  if (account->password_locked)
    vsa_context_note (ctx, "note: tunnel user '%s' has a locked password ('!'); an sshd with "
                      "UsePAM no refuses its keys too: 'usermod -p \"*\" %s' keeps it key-only",
                      user, user);
}

/* Every tunnel user must be an unprivileged local account, or be created
 * (--create-user); RET_MISSING lists those to create. */
static gboolean
check_accounts (VsaContext *ctx, GPtrArray *files, gboolean create_users,
                GPtrArray *ret_missing, GError **error)
{
  for (guint i = 0; i < files->len; i++)
    {
      const VsaRenderedFile *file = g_ptr_array_index (files, i);
      g_auto (VsaAccount) account = { 0 };

      if (file->owner == NULL)
        continue;
      if (!vsa_account_lookup (file->owner, &account, error))
        return FALSE;
      if (!account.exists && !create_users)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                       "tunnel user '%s' has no local account; create it (no shell, key only) "
                       "or give --create-user; nothing was installed", file->owner);
          return FALSE;
        }
      if (!account.exists)
        g_ptr_array_add (ret_missing, g_strdup (file->owner));
      else if (account.uid == 0)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "tunnel user '%s' has UID 0; tunnels need unprivileged accounts; nothing "
                       "was installed", file->owner);
          return FALSE;
        }
      else
        note_account_details (ctx, file->owner, &account);
    }
  return TRUE;
}

/* Created accounts are deleted again unless the install succeeds. */
typedef struct {
  GPtrArray *created;
  gboolean keep;
} CreatedAccounts;

static void
created_accounts_clear (CreatedAccounts *accounts)
{
  for (guint i = 0; !accounts->keep && accounts->created && i < accounts->created->len; i++)
    vsa_account_delete (g_ptr_array_index (accounts->created, i));
  g_clear_pointer (&accounts->created, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CreatedAccounts, created_accounts_clear)

static gboolean
create_accounts (GPtrArray *missing, CreatedAccounts *accounts, GError **error)
{
  accounts->created = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < missing->len; i++)
    {
      const char *user = g_ptr_array_index (missing, i);

      if (!vsa_account_create_tunnel_user (user, error))
        return FALSE;
      g_ptr_array_add (accounts->created, g_strdup (user));
    }
  return TRUE;
}

static gboolean
stage_file (VsaStagedFiles *staged, const VsaRenderedFile *file, GError **error)
{
  g_auto (VsaAccount) account = { 0 };
  g_autofree char *dir = g_path_get_dirname (file->path);

  if (file->owner && !vsa_account_lookup (file->owner, &account, error))
    return FALSE;
  if (file->owner && !account.exists)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "user '%s' vanished during the install; nothing was installed", file->owner);
      return FALSE;
    }
  return vsa_dir_ensure (dir, 0755, error) &&
         vsa_staged_files_add (staged, file->path, file->content, file->owner ? account.uid : 0,
                               file->owner ? account.gid : 0, file->mode, error);
}

/* The keys first, the drop-in (files[0]) last: a Match block never points
 * at keys that are not there yet. */
static gboolean
install_files (GPtrArray *files, GError **error)
{
  g_autoptr (VsaStagedFiles) staged = vsa_staged_files_new ();

  for (guint i = 1; i < files->len; i++)
    if (!stage_file (staged, g_ptr_array_index (files, i), error))
      return FALSE;
  return stage_file (staged, g_ptr_array_index (files, 0), error) &&
         vsa_staged_files_commit (staged, error);
}

static gboolean
is_rendered_owner (GPtrArray *files, const char *name)
{
  for (guint i = 0; i < files->len; i++)
    if (g_strcmp0 (((VsaRenderedFile *) g_ptr_array_index (files, i))->owner, name) == 0)
      return TRUE;
  return FALSE;
}

/* Keys of users who no longer have a tunnel.  Only regular files named
 * like tunnel users are touched: the directory is ours, but be careful. */
static guint
remove_stale_keys (const char *dir, GPtrArray *files)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint removed = 0;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      if (!is_rendered_owner (files, name) && vsa_validate_tunnel_user (name, NULL) &&
          g_lstat (path, &st) == 0 && S_ISREG (st.st_mode) && g_unlink (path) == 0)
        removed++;
    }
  return removed;
}


gboolean
vsa_tunnel_files_check (VsaContext *ctx, GPtrArray *files, gboolean create_users,
                        GPtrArray *ret_missing, GError **error)
{
  const VsaRenderedFile *drop_in = g_ptr_array_index (files, 0);

  if (!check_accounts (ctx, files, create_users, ret_missing, error))
    return FALSE;
  if (!vsa_sshd_check_drop_in (ctx->config->sshd_binary, ctx->config->sshd_config,
                               drop_in->content, error))
    {
      g_prefix_error (error, "nothing was installed: ");
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_tunnel_files_install (GPtrArray *files, GPtrArray *missing, const char *keys_dir,
                          guint *ret_stale, GError **error)
{
  g_auto (CreatedAccounts) created = { 0 };

  if (!create_accounts (missing, &created, error) || !install_files (files, error))
    return FALSE;
  created.keep = TRUE;
  *ret_stale = remove_stale_keys (keys_dir, files);
  return TRUE;
}
