/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-file.h"
#include "vsa-error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
set_errno_error (GError **error, const char *action, const char *path, int saved_errno)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot %s '%s': %s",
               action, path, g_strerror (saved_errno));
  return FALSE;
}

/* All of DATA, across short writes and signals. */
gboolean
vsa_fd_write_all (int fd, const char *data, gsize len)
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

gboolean
vsa_file_fsync_directory (const char *dir, GError **error)
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

/* ".BASE.vsa-PID-": a writer killed between creating its temporary file
 * and the rename (SIGKILL, power loss) leaves one behind; the next writer
 * into the same directory removes every such file whose process is gone,
 * whatever its base name: backups are named by time, so no later writer
 * ever has the same base name as a dead one's. A directory that may never
 * be written again (a VM's backups, once it has converged) is swept by
 * whoever next holds it (vsa_edit_prepare). */
static char *
temp_prefix (const char *base, pid_t pid)
{
  return g_strdup_printf (".%s.vsa-%ld-", base, (long) pid);
}

/* The writer's pid in a name ".BASE.vsa-PID-XXXXXX", or 0. */
static pid_t
temp_writer (const char *name)
{
  const char *mark = name[0] == '.' ? g_strrstr (name, ".vsa-") : NULL;
  const char *dash;
  char *end = NULL;
  gint64 pid;

  if (mark == NULL || mark == name)
    return 0;
  pid = g_ascii_strtoll (mark + strlen (".vsa-"), &end, 10);
  dash = end;
  if (pid <= 0 || pid > G_MAXINT32 || dash == NULL || *dash != '-' || strlen (dash + 1) != 6)
    return 0;
  return (pid_t) pid;
}

void
vsa_file_remove_stale_temps (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      pid_t pid = temp_writer (name);

      if (pid > 0 && kill (pid, 0) != 0 && errno == ESRCH)
        {
          g_autofree char *stale = g_build_filename (dir, name, NULL);
          g_unlink (stale);
        }
    }
}

/* A new temporary file beside PATH (so the rename stays on one file
 * system), created exclusively with MODE. */
int
vsa_file_create_temp (const char *path, mode_t mode, char **ret_temp_path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *prefix = temp_prefix (base, getpid ());
  g_autofree char *tmp = g_strdup_printf ("%s/%sXXXXXX", dir, prefix);
  int fd;

  vsa_file_remove_stale_temps (dir);
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0)
    {
      set_errno_error (error, "create a temporary file in", dir, errno);
      return -1;
    }
  *ret_temp_path = g_steal_pointer (&tmp);
  return fd;
}

/* Owner and group are set on the temporary file too, before the rename:
 * a group-readable file never exists with the wrong group. -1 keeps the
 * creator's. */
gboolean
vsa_file_write_atomic_owned (const char *path, const char *data, gsize len, mode_t mode,
                             uid_t uid, gid_t gid, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = NULL;
  int fd = vsa_file_create_temp (path, mode, &tmp, error);
  int saved_errno;

  if (fd < 0)
    return FALSE;
  if (fchown (fd, uid, gid) != 0 || fchmod (fd, mode) != 0 ||
      !vsa_fd_write_all (fd, data, len) ||
      fsync (fd) != 0)
    {
      saved_errno = errno;
      close (fd);
      g_unlink (tmp);
      return set_errno_error (error, "write", path, saved_errno);
    }
  if (close (fd) != 0 || rename (tmp, path) != 0)
    {
      saved_errno = errno;
      g_unlink (tmp);
      return set_errno_error (error, "replace", path, saved_errno);
    }
  return vsa_file_fsync_directory (dir, error);
}

gboolean
vsa_dir_ensure (const char *path, mode_t mode, GError **error)
{
  if (g_mkdir_with_parents (path, (int) mode) != 0)
    return set_errno_error (error, "create directory", path, errno);
  return TRUE;
}

/* The lock file goes with the lock: unlinked while still held, so a
 * waiter that then gets the flock sees its file is no longer the one at
 * the path and opens again (vsa_lock_acquire). */
void
vsa_lock_release (VsaLock *lock)
{
  if (lock == NULL)
    return;
  g_unlink (lock->path);
  close (lock->fd); /* drops the flock */
  g_free (lock->path);
  g_free (lock);
}

/* Who holds it, as the holder wrote it ("?" if unreadable). */
static char *
lock_holder (int fd)
{
  char buf[32] = { 0 };
  ssize_t n = pread (fd, buf, sizeof buf - 1, 0);

  return n > 0 ? g_strstrip (g_strdup (buf)) : g_strdup ("?");
}

/* Waits up to TIMEOUT_MS (polling: flock has no timed wait), then gives
 * up with the holder's pid, so a stuck run is diagnosed, not waited for
 * forever. */
/* Whether FD is still the file at PATH (its holder did not remove it
 * between our open and our flock). */
static gboolean
lock_is_current (int fd, const char *path)
{
  struct stat held, named;

  return fstat (fd, &held) == 0 && stat (path, &named) == 0 && held.st_dev == named.st_dev &&
         held.st_ino == named.st_ino;
}

static gboolean
lock_refuse (int fd, GError **error)
{
  g_autofree char *holder = lock_holder (fd);

  close (fd);
  /* Callers name the VM ("VM 'X': ..."). */
  g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
               "it is being changed by another virt-spice-admin (pid %s); "
               "wait for it and try again", holder);
  return FALSE;
}

/* Waits up to TIMEOUT_MS (polling: flock has no timed wait), then gives
 * up with the holder's pid, so a stuck run is diagnosed, not waited for
 * forever. */
VsaLock *
vsa_lock_acquire (const char *state_dir, const char *name, guint timeout_ms, GError **error)
{
  g_autofree char *dir = g_build_filename (state_dir, "locks", NULL);
  g_autofree char *file = g_strconcat (name, ".lock", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *pid = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  VsaLock *lock;
  int fd = -1;

  if (!vsa_dir_ensure (dir, 0700, error))
    return NULL;
  for (;;)
    {
      fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0)
        {
          set_errno_error (error, "open lock", path, errno);
          return NULL;
        }
      while (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          if ((errno != EWOULDBLOCK && errno != EINTR) || g_get_monotonic_time () >= deadline)
            {
              lock_refuse (fd, error);
              return NULL;
            }
          g_usleep (50 * 1000);
        }
      if (lock_is_current (fd, path))
        break;
      close (fd);
    }
  pid = g_strdup_printf ("%ld\n", (long) getpid ());
  if (ftruncate (fd, 0) != 0 || pwrite (fd, pid, strlen (pid), 0) < 0)
    {
      /* The pid is only a hint for the message above; the lock holds. */
    }
  lock = g_new0 (VsaLock, 1);
  lock->fd = fd;
  lock->path = g_steal_pointer (&path);
  return lock;
}

/* Sized from fstat (files in /proc say 0, so it grows when needed), never
 * past LIMIT + 1 bytes: the one byte more tells a file over the limit. */
static gboolean
read_fd_bounded (int fd, gsize size_hint, gsize limit, char **ret_data, gsize *ret_len)
{
  gsize capacity = MIN (size_hint, limit) + 1;
  g_autofree char *data = g_malloc (capacity + 1);
  gsize len = 0;

  while (len <= limit)
    {
      ssize_t n;

      if (len == capacity)
        {
          capacity = MIN (capacity * 2, limit + 1);
          data = g_realloc (data, capacity + 1);
        }
      n = read (fd, data + len, capacity - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      len += (gsize) n;
    }
  data[len] = '\0';
  *ret_len = len;
  *ret_data = g_steal_pointer (&data);
  return TRUE;
}

/* "4 MiB", "64 KiB" or "4096 bytes": plain ASCII for one-line errors. */
static char *
limit_text (gsize limit)
{
  if (limit >= 1024 * 1024 && limit % (1024 * 1024) == 0)
    return g_strdup_printf ("%" G_GSIZE_FORMAT " MiB", limit / (1024 * 1024));
  if (limit >= 1024 && limit % 1024 == 0)
    return g_strdup_printf ("%" G_GSIZE_FORMAT " KiB", limit / 1024);
  return g_strdup_printf ("%" G_GSIZE_FORMAT " bytes", limit);
}

static gboolean
set_read_error (GError **error, int code, const char *what, const char *path, const char *why)
{
  g_set_error (error, VSA_ERROR, code, "cannot read %s '%s': %s", what, path, why);
  return FALSE;
}

/* The one way this tool reads a whole file: regular files only (a FIFO,
 * a device such as /dev/zero or a directory is refused before a byte is
 * read), at most LIMIT bytes, NUL-terminated.  WHAT names the file in
 * the one-line error ("manifest"); a missing file is VSA_ERROR_NOT_FOUND. */
gboolean
vsa_file_read_bounded (const char *path, const char *what, gsize limit, char **ret_data,
                       gsize *ret_len, GError **error)
{
  g_autofree char *data = NULL;
  g_autofree char *limit_str = NULL;
  g_autofree char *too_big = NULL;
  struct stat st;
  gsize len = 0;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  int saved_errno;

  if (fd < 0)
    return set_read_error (error, errno == ENOENT ? VSA_ERROR_NOT_FOUND : VSA_ERROR_FAILED,
                           what, path, g_strerror (errno));
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return set_read_error (error, VSA_ERROR_INVALID, what, path, "not a regular file; name a file");
    }
  if (!read_fd_bounded (fd, (gsize) st.st_size, limit, &data, &len))
    {
      saved_errno = errno;
      close (fd);
      return set_read_error (error, VSA_ERROR_FAILED, what, path, g_strerror (saved_errno));
    }
  close (fd);
  if (len > limit)
    {
      limit_str = limit_text (limit);
      too_big = g_strdup_printf ("it is over the %s limit", limit_str);
      return set_read_error (error, VSA_ERROR_INVALID, what, path, too_big);
    }
  *ret_data = g_steal_pointer (&data);
  if (ret_len)
    *ret_len = len;
  return TRUE;
}
