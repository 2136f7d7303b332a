/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-tunnel-files.h"
#include "vsa-accounts.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-inventory.h"
#include "vsa-sshd.h"
#include "vsa-staged-files.h"
#include "vsa-tunnel-install.h"
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
  gid_t gid = 0;

  /* As vsa_tunnel_install_files puts it: root's, in the user's group. */
  if (file->owner && (!vsa_account_lookup (file->owner, &account, NULL) || !account.exists))
    return FALSE;
  if (file->owner)
    gid = account.gid;
  return g_lstat (file->path, &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == 0 &&
         st.st_gid == gid &&
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
is_rendered (GPtrArray *files, const char *path)
{
  for (guint i = 0; i < files->len; i++)
    if (g_str_equal (((VsaRenderedFile *) g_ptr_array_index (files, i))->path, path))
      return TRUE;
  return FALSE;
}

/* Only regular files named like a user who may have a key file are
 * touched: the directory is ours, but be careful. */
guint
vsa_key_files_remove_stale (const char *dir, GPtrArray *files)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint removed = 0;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      if (!is_rendered (files, path) && vsa_validate_tunnel_user (name, NULL) &&
          g_lstat (path, &st) == 0 && S_ISREG (st.st_mode) && g_unlink (path) == 0)
        removed++;
    }
  return removed;
}


gboolean
vsa_tunnel_files_check (VsaContext *ctx, GPtrArray *files, gboolean create_users,
                        GPtrArray *ret_missing, GError **error)
{
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);

  if (!vsa_tunnel_check_accounts (files, create_users, ret_missing, notes, error))
    return FALSE;
  print_notes (ctx, notes);
  return vsa_sshd_check_rendered (ctx->config->sshd_binary, ctx->config->sshd_config, files, error);
}

gboolean
vsa_tunnel_files_install (GPtrArray *files, GPtrArray *missing, const char *keys_dir,
                          guint *ret_stale, GError **error)
{
  g_auto (CreatedAccounts) created = { 0 };

  if (!create_accounts (missing, &created, error) || !vsa_tunnel_install_files (files, error))
    return FALSE;
  created.keep = TRUE;
  *ret_stale = vsa_key_files_remove_stale (keys_dir, files);
  return TRUE;
}
