/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-file.h"
#include "vsa-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
set_errno_error (GError **error, const char *action, const char *path, int saved_errno)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot %s '%s': %s",
               action, path, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
write_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
fsync_directory (const char *dir, GError **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return set_errno_error (error, "open directory", dir, errno);
  ok = fsync (fd) == 0;
  if (!ok)
    set_errno_error (error, "sync directory", dir, errno);
  close (fd);
  return ok;
}

/* Temp file beside the target, final mode set and data synced before the
 * rename, directory synced after it: a crash leaves the old file or the
 * new one, never a mix, and never a file with looser permissions. */
gboolean
vsa_file_write_atomic (const char *path, const char *data, gsize len, mode_t mode,
                       GError **error)
{
  return vsa_file_write_atomic_owned (path, data, len, mode, (uid_t) -1, (gid_t) -1, error);
}

/* Owner and group are set on the temporary file too, before the rename:
 * a group-readable file never exists with the wrong group. -1 keeps the
 * creator's. */
gboolean
vsa_file_write_atomic_owned (const char *path, const char *data, gsize len, mode_t mode,
                             uid_t uid, gid_t gid, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, mode);
  int saved_errno;

  if (fd < 0)
    return set_errno_error (error, "create a temporary file in", dir, errno);
  if (fchown (fd, uid, gid) != 0 || fchmod (fd, mode) != 0 || !write_all (fd, data, len) ||
      fsync (fd) != 0)
    {
      saved_errno = errno;
      close (fd);
      g_unlink (tmp);
      return set_errno_error (error, "write", tmp, saved_errno);
    }
  if (close (fd) != 0 || rename (tmp, path) != 0)
    {
      saved_errno = errno;
      g_unlink (tmp);
      return set_errno_error (error, "replace", path, saved_errno);
    }
  return fsync_directory (dir, error);
}

gboolean
vsa_dir_ensure (const char *path, mode_t mode, GError **error)
{
  if (g_mkdir_with_parents (path, (int) mode) != 0)
    return set_errno_error (error, "create directory", path, errno);
  return TRUE;
}
