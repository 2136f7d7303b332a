/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Installing a validated rendering on the client host (as root), once no
 * one is in the viewer group and the launcher sudo runs as root is root's
 * alone: the group, the connection files, the firewall (loaded), remote-viewer's
 * ownership and mode (through dpkg-statoverride where dpkg owns it, so
 * upgrades keep them), and the sudoers rule last, once everything it
 * relies on is in place.  Every file goes in by temp file + rename. */
#include "vsa-client-host.h"
#include "vsa-client-remote-viewer.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-run.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
ensure_group (const char *group, gid_t *ret_gid, GError **error)
{
  struct group *gr = getgrnam (group);

  if (gr == NULL &&
      !vsa_run ((const char *const[]) { "groupadd", "--system", group, NULL }, NULL, error))
    return FALSE;
  gr = getgrnam (group);
  if (gr == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "group '%s' still does not exist after groupadd", group);
      return FALSE;
    }
  *ret_gid = gr->gr_gid;
  return TRUE;
}

static gboolean
install_dir (const char *path, const VsaClientFile *file, GError **error)
{
  if (!vsa_dir_ensure (path, file->mode, error))
    return FALSE;
  if (chown (path, 0, 0) != 0 || chmod (path, file->mode) != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot set owner and mode of '%s': %s",
                   path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
install_file (const VsaClientHost *host, const VsaClientFile *file, GError **error)
{
  g_autofree char *path = vsa_client_host_path (host, file);
  g_autofree char *dir = g_path_get_dirname (path);

  if (file->kind == VSA_CLIENT_FILE_DIR)
    return install_dir (path, file, error);
  return vsa_dir_ensure (dir, 0755, error) &&
         vsa_file_write_atomic_owned (path, file->content, strlen (file->content), file->mode,
                                      0, 0, error);
}

static const VsaClientFile *
find_file (GPtrArray *files, VsaClientFileKind kind)
{
  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);
      if (file->kind == kind)
        return file;
    }
  return NULL;
}

static gboolean
ensure_output_jump (const char *tool, GError **error)
{
  int status = 0;

  if (!vsa_run_status ((const char *const[]) { tool, "-C", "OUTPUT", "-j", VSA_CLIENT_IPTABLES_CHAIN, NULL },
                       &status, error))
    return FALSE;
  return status == 0 ||
         vsa_run ((const char *const[]) { tool, "-I", "OUTPUT", "1", "-j", VSA_CLIENT_IPTABLES_CHAIN, NULL },
                  NULL, error);
}

static gboolean
load_iptables (const VsaClientHost *host, GPtrArray *files, GError **error)
{
  g_autofree char *v4 = vsa_client_host_path (host, find_file (files, VSA_CLIENT_FILE_IPTABLES));
  g_autofree char *v6 = vsa_client_host_path (host, find_file (files, VSA_CLIENT_FILE_IP6TABLES));

  return vsa_run ((const char *const[]) { "iptables-restore", "--noflush", v4, NULL }, NULL, error) &&
         vsa_run ((const char *const[]) { "ip6tables-restore", "--noflush", v6, NULL }, NULL, error) &&
         ensure_output_jump ("iptables", error) && ensure_output_jump ("ip6tables", error);
}

static gboolean
load_firewall (const VsaClientHost *host, GPtrArray *files, GError **error)
{
  g_autofree char *nft = NULL;

  if (host->firewall == VSA_FIREWALL_IPTABLES)
    return load_iptables (host, files, error);
  nft = vsa_client_host_path (host, find_file (files, VSA_CLIENT_FILE_NFT));
  return vsa_run ((const char *const[]) { "nft", "-f", nft, NULL }, NULL, error);
}

/* Any member of the group, assigned here or not, could run remote-viewer
 * freely, past sudo; and sudo runs the launcher as root. */
static gboolean
refuse_insecure_host (const VsaClientHost *host, GError **error)
{
  g_autoptr (GPtrArray) members = vsa_client_group_members (host);
  g_autofree char *launcher = vsa_client_launcher_problem (host);

  if (members->len > 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INSECURE, "%s; nothing was installed",
                   (char *) g_ptr_array_index (members, 0));
      return FALSE;
    }
  if (launcher != NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INSECURE, "%s; nothing was installed", launcher);
      return FALSE;
    }
  return TRUE;
}

static gboolean
renders_unit (GPtrArray *files, const char *unit)
{
  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);
      if (file->kind == VSA_CLIENT_FILE_UNIT && g_str_has_suffix (file->path, unit))
        return TRUE;
    }
  return FALSE;
}

static void
enable_units (const VsaClientHost *host, GPtrArray *files, GPtrArray *notes)
{
  const char *const reload[] = { "systemctl", "daemon-reload", NULL };
  gboolean sync = renders_unit (files, VSA_CLIENT_SYNC_TIMER);
  const char *const enable[] = { "systemctl", "enable", "--now", VSA_CLIENT_FIREWALL_UNIT,
                                 VSA_CLIENT_CHECK_TIMER, sync ? VSA_CLIENT_SYNC_TIMER : NULL, NULL };
  g_autoptr (GError) error = NULL;

  if (g_strcmp0 (host->prefix, "/") != 0 || !g_file_test ("/run/systemd/system", G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (notes, g_strdup_printf ("systemd is not managing this root: enable "
                                               VSA_CLIENT_FIREWALL_UNIT "%s" VSA_CLIENT_CHECK_TIMER
                                               "%s where it does", sync ? ", " : " and ",
                                               sync ? " and " VSA_CLIENT_SYNC_TIMER : ""));
      return;
    }
  if (!vsa_run (reload, NULL, &error) || !vsa_run (enable, NULL, &error))
    g_ptr_array_add (notes, g_strdup_printf ("could not enable the units: %s", error->message));
}

gboolean
vsa_client_install (const VsaClientHost *host, GPtrArray *files, GPtrArray *notes,
                    GError **error)
{
  const VsaClientFile *sudoers = find_file (files, VSA_CLIENT_FILE_SUDOERS);
  gid_t gid = 0;

  if (geteuid () != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "client install changes system files and must run as root");
      return FALSE;
    }
  if (!refuse_insecure_host (host, error) || !ensure_group (host->group, &gid, error))
    return FALSE;
  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);
      if (file != sudoers && !install_file (host, file, error))
        return FALSE;
    }
  if (!load_firewall (host, files, error) ||
      !vsa_client_lock_remote_viewer (host, gid, notes, error) ||
      !install_file (host, sudoers, error))
    return FALSE;
  enable_units (host, files, notes);
  return TRUE;
}

static GPtrArray *
firewall_files (GPtrArray *files)
{
  GPtrArray *firewall = g_ptr_array_new ();

  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);

      if (file->kind == VSA_CLIENT_FILE_NFT || file->kind == VSA_CLIENT_FILE_IPTABLES ||
          file->kind == VSA_CLIENT_FILE_IP6TABLES)
        g_ptr_array_add (firewall, file);
    }
  return firewall;
}

/* At a window boundary the firewall files change: write the changed ones
 * and load them (one transaction); a run between boundaries changes
 * nothing.  Only the firewall is validated (by its tool) and touched, as
 * this runs every minute; only an installed lock-down is synced. */
gboolean
vsa_client_sync (const VsaClientHost *host, GPtrArray *files, gboolean *ret_changed,
                 GError **error)
{
  g_autoptr (GPtrArray) firewall = firewall_files (files);
  gboolean changed = FALSE;

  if (geteuid () != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "client sync loads the firewall and must run as root");
      return FALSE;
    }
  if (!vsa_client_stage_and_validate (firewall, error))
    return FALSE;
  for (guint i = 0; i < firewall->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (firewall, i);
      g_autofree char *path = vsa_client_host_path (host, file);
      g_autofree char *content = NULL;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                       "%s is missing: the lock-down of client '%s' is not installed; run "
                       "'virt-spice-admin client install' first", path, host->client);
          return FALSE;
        }
      if (vsa_file_read_bounded (path, "firewall file", strlen (file->content), &content, NULL, NULL) &&
          g_strcmp0 (content, file->content) == 0)
        continue;
      if (!install_file (host, file, error))
        return FALSE;
      changed = TRUE;
    }
  if (changed && !load_firewall (host, files, error))
    return FALSE;
  *ret_changed = changed;
  return TRUE;
}
