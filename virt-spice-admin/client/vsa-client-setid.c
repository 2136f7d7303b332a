/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Set-ID files of the viewer group where users write: a program run with
 * the group (remote-viewer through sudo, and any module it loads) can
 * leave a setgid copy of itself behind, which keeps the group after the
 * sudo rule is gone.  The group reads nothing any more, but such a file is
 * still an attack in progress: `client check` names each one.
 *
 * The roots are those users can write to, under client-prefix (so a test
 * scans its own tree): home, tmp, var/tmp, dev/shm.  Each is walked on its
 * own file system without following symbolic links. */
#include "vsa-client-host.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCAN_DEPTH_MAX 64 /* one descriptor per level */

static const char *const scan_roots[] = { "home", "tmp", "var/tmp", "dev/shm" };

typedef struct {
  gid_t gid;
  const char *group;
  dev_t dev;
  GPtrArray *drifts;
} Scan;

static void
report (const Scan *scan, const char *path, const struct stat *st)
{
  struct passwd *pw = getpwuid (st->st_uid);
  g_autofree char *owner = pw ? g_strdup (pw->pw_name) : g_strdup_printf ("%u", (guint) st->st_uid);

  g_ptr_array_add (scan->drifts,
                   g_strdup_printf ("%s is set-%s-ID with group %s (owner %s, mode %o): it runs with "
                                    "the viewer group; remove it: rm %s", path,
                                    (st->st_mode & S_ISGID) ? "group" : "user", scan->group, owner,
                                    (guint) (st->st_mode & 07777), path));
}

static void
scan_dir (const Scan *scan, int fd, const char *path, guint depth)
{
  DIR *dir = fdopendir (fd);
  struct dirent *entry;

  if (dir == NULL)
    {
      close (fd);
      return;
    }
  while ((entry = readdir (dir)) != NULL)
    {
      g_autofree char *child = NULL;
      struct stat st;
      int child_fd;

      if (g_str_equal (entry->d_name, ".") || g_str_equal (entry->d_name, "..") ||
          fstatat (dirfd (dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != scan->dev)
        continue;
      child = g_build_filename (path, entry->d_name, NULL);
      if (S_ISREG (st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID)) && st.st_gid == scan->gid)
        report (scan, child, &st);
      if (!S_ISDIR (st.st_mode) || depth >= SCAN_DEPTH_MAX)
        continue;
      child_fd = openat (dirfd (dir), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child_fd >= 0)
        scan_dir (scan, child_fd, child, depth + 1);
    }
  closedir (dir);
}

void
vsa_client_check_setid_files (const VsaClientHost *host, GPtrArray *drifts)
{
  struct group *gr = getgrnam (host->group);
  Scan scan = { gr ? gr->gr_gid : (gid_t) -1, host->group, 0, drifts };

  for (gsize i = 0; gr && i < G_N_ELEMENTS (scan_roots); i++)
    {
      g_autofree char *root = vsa_client_absolute_path (host->prefix, scan_roots[i]);
      int fd = open (root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      struct stat st;

      if (fd < 0)
        continue;
      if (fstat (fd, &st) != 0)
        {
          close (fd);
          continue;
        }
      scan.dev = st.st_dev;
      scan_dir (&scan, fd, root, 0);
    }
}
