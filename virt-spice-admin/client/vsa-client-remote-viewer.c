/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-client-remote-viewer.h"
#include "vsa-error.h"
#include "vsa-run.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

/* dpkg resets a packaged file's owner and mode at every upgrade unless a
 * statoverride records them: use one whenever dpkg owns the file. */
gboolean
vsa_client_uses_statoverride (const VsaClientHost *host)
{
  const char *const argv[] = { "dpkg-query", "-S", host->remote_viewer, NULL };
  int status = 1;

  return vsa_tool_exists ("dpkg-statoverride") && vsa_run_status (argv, &status, NULL) &&
         status == 0;
}

/* "root GROUP 750 PATH" as dpkg-statoverride --list prints it, or NULL. */
static char *
current_statoverride (const VsaClientHost *host)
{
  const char *const argv[] = { "dpkg-statoverride", "--list", host->remote_viewer, NULL };
  g_autofree char *out = NULL;

  if (!vsa_run (argv, &out, NULL))
    return NULL;
  return g_strstrip (g_steal_pointer (&out));
}

static char *
wanted_statoverride (const VsaClientHost *host)
{
  return g_strdup_printf ("root %s %o %s", host->group, VSA_REMOTE_VIEWER_MODE, host->remote_viewer);
}

static gboolean
apply_statoverride (const VsaClientHost *host, GError **error)
{
  g_autofree char *current = current_statoverride (host);
  g_autofree char *wanted = wanted_statoverride (host);
  g_autofree char *mode = g_strdup_printf ("%o", VSA_REMOTE_VIEWER_MODE);
  const char *const remove[] = { "dpkg-statoverride", "--remove", host->remote_viewer, NULL };
  const char *const add[] = { "dpkg-statoverride", "--update", "--add", "root", host->group,
                              mode, host->remote_viewer, NULL };

  if (g_strcmp0 (current, wanted) == 0)
    return TRUE;
  if (current != NULL && !vsa_run (remove, NULL, error))
    return FALSE;
  return vsa_run (add, NULL, error);
}

static gboolean
apply_mode (const VsaClientHost *host, gid_t gid, GError **error)
{
  if (chown (host->remote_viewer, 0, gid) != 0 || chmod (host->remote_viewer, VSA_REMOTE_VIEWER_MODE) != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot restrict '%s': %s; is remote-viewer "
                   "installed (apt-get install virt-viewer)?", host->remote_viewer, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_client_lock_remote_viewer (const VsaClientHost *host, gid_t gid, GPtrArray *notes,
                               GError **error)
{
  if (vsa_client_uses_statoverride (host))
    {
      if (!apply_statoverride (host, error))
        return FALSE;
      g_ptr_array_add (notes, g_strdup_printf ("%s: root:%s %o, kept across upgrades by "
                                               "dpkg-statoverride", host->remote_viewer,
                                               host->group, VSA_REMOTE_VIEWER_MODE));
    }
  /* Also directly: --update does nothing when the override already existed. */
  return apply_mode (host, gid, error);
}

static char *
describe_owner (const struct stat *st)
{
  struct passwd *pw = getpwuid (st->st_uid);
  struct group *gr = getgrgid (st->st_gid);
  g_autofree char *user = pw ? g_strdup (pw->pw_name) : g_strdup_printf ("%u", (guint) st->st_uid);
  g_autofree char *group = gr ? g_strdup (gr->gr_name) : g_strdup_printf ("%u", (guint) st->st_gid);

  return g_strdup_printf ("%s:%s %o", user, group, (guint) (st->st_mode & 07777));
}

void
vsa_client_check_remote_viewer (const VsaClientHost *host, GPtrArray *drifts)
{
  struct group *gr = getgrnam (host->group);
  struct stat st;

  if (stat (host->remote_viewer, &st) != 0)
    {
      g_ptr_array_add (drifts, g_strdup_printf ("%s is missing", host->remote_viewer));
      return;
    }
  if (gr == NULL || st.st_uid != 0 || st.st_gid != gr->gr_gid ||
      (st.st_mode & 07777) != VSA_REMOTE_VIEWER_MODE)
    {
      g_autofree char *actual = describe_owner (&st);
      g_ptr_array_add (drifts, g_strdup_printf ("%s is %s, not root:%s %o: anyone may run it "
                                                "with any arguments", host->remote_viewer, actual,
                                                host->group, VSA_REMOTE_VIEWER_MODE));
    }
  if (vsa_client_uses_statoverride (host))
    {
      g_autofree char *current = current_statoverride (host);
      g_autofree char *wanted = wanted_statoverride (host);

      if (g_strcmp0 (current, wanted) != 0)
        g_ptr_array_add (drifts, g_strdup_printf ("dpkg-statoverride does not hold '%s' (has: %s): "
                                                  "the next upgrade resets it", wanted,
                                                  current ? current : "nothing"));
    }
}

/* Every local user in GROUP, assigned on this host or not: listed in the
 * group, or with it as primary group.  One line each, with the fix. */
GPtrArray *
vsa_client_group_members (const VsaClientHost *host)
{
  GPtrArray *members = g_ptr_array_new_with_free_func (g_free);
  struct group *gr = getgrnam (host->group);
  g_auto (GStrv) listed = gr ? g_strdupv (gr->gr_mem) : NULL;
  gid_t gid = gr ? gr->gr_gid : (gid_t) -1;
  struct passwd *pw;

  for (guint i = 0; listed && listed[i]; i++)
    g_ptr_array_add (members, g_strdup_printf ("user '%s' is a member of group '%s' and could run "
                                               "remote-viewer with any arguments; remove them: "
                                               "gpasswd -d %s %s", listed[i], host->group,
                                               listed[i], host->group));
  setpwent ();
  while (gr && (pw = getpwent ()) != NULL)
    if (pw->pw_gid == gid)
      g_ptr_array_add (members, g_strdup_printf ("user '%s' has group '%s' as primary group and "
                                                 "could run remote-viewer with any arguments; give "
                                                 "them another: usermod -g GROUP %s",
                                                 pw->pw_name, host->group, pw->pw_name));
  endpwent ();
  return members;
}

/* Root's alone: owner root, writable by nobody else, and so is every
 * directory above it (or another user could swap it); a sticky directory
 * such as /tmp lets nobody rename what root owns in it. */
static gboolean
root_only (const char *path, struct stat *st)
{
  return stat (path, st) == 0 && st->st_uid == 0 &&
         ((st->st_mode & 022) == 0 || (S_ISDIR (st->st_mode) && (st->st_mode & S_ISVTX)));
}

/* What is wrong with the launcher sudo runs as root, or NULL. */
char *
vsa_client_launcher_problem (const VsaClientHost *host)
{
  g_autofree char *dir = g_path_get_dirname (host->launcher);
  struct stat st;

  if (stat (host->launcher, &st) != 0 || !S_ISREG (st.st_mode))
    return g_strdup_printf ("launcher %s is missing; install virt-spice-admin-client-open there or "
                            "set client-launcher", host->launcher);
  if (st.st_uid != 0 || (st.st_mode & 022) != 0)
    return g_strdup_printf ("launcher %s is not root's alone (owner %u, mode %o) but sudo runs it "
                            "as root: chown root %s; chmod go-w %s", host->launcher,
                            (guint) st.st_uid, (guint) (st.st_mode & 07777), host->launcher,
                            host->launcher);
  for (;;)
    {
      g_autofree char *parent = g_path_get_dirname (dir);

      if (!root_only (dir, &st))
        return g_strdup_printf ("directory %s above launcher %s is not root's alone: chown root %s; "
                                "chmod go-w %s", dir, host->launcher, dir, dir);
      if (g_strcmp0 (parent, dir) == 0)
        return NULL;
      g_free (dir);
      dir = g_steal_pointer (&parent);
    }
}
