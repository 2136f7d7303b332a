/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-tunnel-install.h"
#include "vsa-accounts.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-staged-files.h"
#include "vsa-tunnel-render.h"

/* Shells that run no startup file and no command: nologin and false. */
static gboolean
runs_nothing (const char *shell)
{
  static const char *const shells[] = { "/usr/sbin/nologin", "/sbin/nologin", "/bin/false",
                                        "/usr/bin/false" };

  for (gsize i = 0; i < G_N_ELEMENTS (shells); i++)
    if (g_strcmp0 (shell, shells[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
check_existing (const char *user, const VsaAccount *account, GPtrArray *ret_notes,
                GError **error)
{
  if (account->uid == 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "tunnel user '%s' has UID 0; tunnels need unprivileged accounts; nothing "
                   "was installed", user);
      return FALSE;
    }
  if (!runs_nothing (account->shell))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INSECURE,
                   "tunnel user '%s' has the login shell %s, which runs startup files before "
                   "sshd's forced command; give it one that runs nothing: usermod -s "
                   "/usr/sbin/nologin %s; nothing was installed", user, account->shell, user);
      return FALSE;
    }
  if (account->password_locked)
    g_ptr_array_add (ret_notes, g_strdup_printf (
      "tunnel user '%s' has a locked password ('!'); an sshd with UsePAM no refuses its keys "
      "too: 'usermod -p \"*\" %s' keeps it key-only", user, user));
  return TRUE;
}

/* Every tunnel user must be an unprivileged local account with a shell
 * that runs nothing, or be created (CREATE_USERS); RET_MISSING lists
 * those to create. */
gboolean
vsa_tunnel_check_accounts (GPtrArray *files, gboolean create_users, GPtrArray *ret_missing,
                           GPtrArray *ret_notes, GError **error)
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
      else if (!check_existing (file->owner, &account, ret_notes, error))
        return FALSE;
    }
  return TRUE;
}

/* A user's keys: root's, readable by the user's primary group (sshd reads
 * them with the user's ids), writable by root only. */
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
         vsa_staged_files_add (staged, file->path, file->content, 0,
                               file->owner ? account.gid : 0, file->mode, error);
}

/* The keys first, the drop-in (files[0]) last: a Match block never points
 * at keys that are not there yet. */
gboolean
vsa_tunnel_install_files (GPtrArray *files, GError **error)
{
  g_autoptr (VsaStagedFiles) staged = vsa_staged_files_new ();

  for (guint i = 1; i < files->len; i++)
    if (!stage_file (staged, g_ptr_array_index (files, i), error))
      return FALSE;
  return stage_file (staged, g_ptr_array_index (files, 0), error) &&
         vsa_staged_files_commit (staged, error);
}
