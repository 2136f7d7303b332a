/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rendered files are written to a staging tree and checked by the tools
 * that will read them (visudo, nft, iptables-restore, bash, systemd);
 * nothing is installed unless every one of them accepts its file. */
#include "vsa-client-host.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-run.h"
#include "vsa-xml.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

gboolean
vsa_client_write_tree (GPtrArray *files, const char *root, GError **error)
{
  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);
      g_autofree char *path = vsa_client_absolute_path (root, file->path);
      g_autofree char *dir = g_path_get_dirname (path);

      if (file->kind == VSA_CLIENT_FILE_DIR)
        {
          if (!vsa_dir_ensure (path, file->mode, error))
            return FALSE;
          continue;
        }
      if (!vsa_dir_ensure (dir, 0755, error) ||
          !vsa_file_write_atomic (path, file->content, strlen (file->content), file->mode, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
validate_vv (const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *type = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!vsa_file_read_bounded (path, "connection file", VSA_FILE_TEXT_MAX, &text, &len, error) ||
      !g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, error))
    return FALSE;
  type = g_key_file_get_string (kf, "virt-viewer", "type", NULL);
  ca = g_key_file_get_string (kf, "virt-viewer", "ca", NULL);
  if (g_strcmp0 (type, "spice") != 0 || ca == NULL || !vsa_validate_ca_pem (ca, NULL))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "%s does not read back as a SPICE connection file with its CA", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_policy_copy (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (VsaClientPolicy) policy = NULL;

  if (!vsa_file_read_bounded (path, "the client policy copy", VSA_XML_MAX_SIZE, &text, &len, error))
    return FALSE;
  policy = vsa_client_policy_from_xml (text, len, path, error);
  return policy != NULL;
}

static gboolean
validate_file (const VsaClientFile *file, const char *path, GError **error)
{
  switch (file->kind)
    {
    case VSA_CLIENT_FILE_SUDOERS:
      return vsa_run ((const char *const[]) { "visudo", "-c", "-q", "-f", path, NULL }, NULL, error);
    case VSA_CLIENT_FILE_NFT:
      return vsa_run ((const char *const[]) { "nft", "-c", "-f", path, NULL }, NULL, error);
    case VSA_CLIENT_FILE_IPTABLES:
      return vsa_run ((const char *const[]) { "iptables-restore", "--test", "--noflush", path, NULL }, NULL, error);
    case VSA_CLIENT_FILE_IP6TABLES:
      return vsa_run ((const char *const[]) { "ip6tables-restore", "--test", "--noflush", path, NULL }, NULL, error);
    case VSA_CLIENT_FILE_LAUNCHER:
      return vsa_run ((const char *const[]) { "bash", "-n", path, NULL }, NULL, error);
    case VSA_CLIENT_FILE_VV:
      return validate_vv (path, error);
    case VSA_CLIENT_FILE_POLICY:
      return validate_policy_copy (path, error);
    case VSA_CLIENT_FILE_KNOWN_HOSTS:
      return vsa_run ((const char *const[]) { "ssh-keygen", "-l", "-f", path, NULL }, NULL, error);
    case VSA_CLIENT_FILE_UNIT: /* all units at once, below */
    case VSA_CLIENT_FILE_DIR:
      return TRUE;
    }
  return TRUE;
}

/* systemd-analyze only warns about unknown keys: any output is a failure.
 * Skipped (and said so by the caller's note) where systemd is absent. */
static gboolean
validate_units (GPtrArray *files, const char *root, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  if (!vsa_tool_exists ("systemd-analyze"))
    return TRUE;
  g_ptr_array_add (argv, g_strdup ("systemd-analyze"));
  g_ptr_array_add (argv, g_strdup ("verify"));
  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);
      if (file->kind == VSA_CLIENT_FILE_UNIT)
        g_ptr_array_add (argv, vsa_client_absolute_path (root, file->path));
    }
  if (argv->len == 2) /* no unit in FILES (client sync validates the firewall alone) */
    return TRUE;
  g_ptr_array_add (argv, NULL);
  return vsa_run_silent ((const char *const *) argv->pdata, error);
}

gboolean
vsa_client_validate_tree (GPtrArray *files, const char *root, GError **error)
{
  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);
      g_autofree char *path = vsa_client_absolute_path (root, file->path);

      if (!validate_file (file, path, error))
        {
          g_prefix_error (error, "rendered %s is invalid: ", file->path);
          return FALSE;
        }
    }
  if (!validate_units (files, root, error))
    {
      g_prefix_error (error, "rendered systemd units are invalid: ");
      return FALSE;
    }
  return TRUE;
}

static void
remove_tree (const char *root)
{
  g_autoptr (GError) error = NULL;
  const char *argv[] = { "rm", "-rf", "--one-file-system", "--", root, NULL };

  vsa_run (argv, NULL, &error);
}

/* A private scratch tree, removed again whatever the outcome. */
gboolean
vsa_client_stage_and_validate (GPtrArray *files, GError **error)
{
  g_autofree char *root = g_dir_make_tmp ("vsa-client-XXXXXX", error);
  gboolean ok;

  if (root == NULL)
    return FALSE;
  ok = vsa_client_write_tree (files, root, error) && vsa_client_validate_tree (files, root, error);
  remove_tree (root);
  return ok;
}

static gboolean
file_is_current (const char *path, const VsaClientFile *file)
{
  g_autofree char *content = NULL;
  GStatBuf st;

  return g_lstat (path, &st) == 0 && S_ISREG (st.st_mode) &&
         (st.st_mode & 07777) == file->mode &&
         vsa_file_read_bounded (path, "a bundle file", VSA_FILE_TEXT_MAX, &content, NULL, NULL) &&
         g_str_equal (content, file->content);
}

/* Regular files under DIR that the bundle no longer has (a removed
 * user's .vv, say): removed (counted) so that a shipped copy of the tree
 * does not keep them.  DIR is the bundle's own directory. */
static gboolean
is_rendered (GHashTable *rendered, const char *path)
{
  g_autofree char *canonical = g_canonicalize_filename (path, NULL);

  return g_hash_table_contains (rendered, canonical);
}

static guint
remove_stale (const char *dir, GHashTable *rendered, gboolean write)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint removed = 0;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      if (g_lstat (path, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        removed += remove_stale (path, rendered, write);
      else if (S_ISREG (st.st_mode) && !is_rendered (rendered, path) &&
               (!write || g_unlink (path) == 0))
        removed++;
    }
  return removed;
}

/* Like vsa_client_write_tree, but a file whose content and mode are
 * already right is not touched (a bundle directory that `apply` keeps
 * converging: unchanged files keep their times), and files it no longer
 * has are removed.  Without WRITE, only counts (--dry-run). */
gboolean
vsa_client_sync_tree (GPtrArray *files, const char *root, gboolean write, guint *ret_changed,
                      guint *ret_removed, GError **error)
{
  g_autoptr (GHashTable) rendered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  *ret_changed = 0;
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = vsa_client_absolute_path (
        root, ((VsaClientFile *) g_ptr_array_index (files, i))->path);

      g_hash_table_add (rendered, g_canonicalize_filename (path, NULL));
    }
  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);
      g_autofree char *path = vsa_client_absolute_path (root, file->path);
      g_autofree char *dir = g_path_get_dirname (path);

      if (file->kind == VSA_CLIENT_FILE_DIR)
        {
          if (!g_file_test (path, G_FILE_TEST_IS_DIR))
            (*ret_changed)++;
          if (write && !vsa_dir_ensure (path, file->mode, error))
            return FALSE;
          continue;
        }
      if (file_is_current (path, file))
        continue;
      (*ret_changed)++;
      if (write && (!vsa_dir_ensure (dir, 0755, error) ||
          !vsa_file_write_atomic (path, file->content, strlen (file->content), file->mode, error)))
        return FALSE;
    }
  *ret_removed = remove_stale (root, rendered, write);
  return TRUE;
}
