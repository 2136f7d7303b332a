/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-spice-admin-client-open -- REMOTE-VIEWER GROUP FILE: the root half of
 * spice-connect.  sudo runs it as root with exactly the arguments the
 * sudoers rule pins for the calling user (her own .vv file among them).
 *
 * The .vv files are root:root 0600 in root-only directories, so no group
 * reads them.  This program reads the caller's own file, then becomes the
 * caller for good (her uid, her primary group, her own supplementary
 * groups plus GROUP, which only lets her execute remote-viewer;
 * no_new_privs), copies the file into a memfd she owns and runs
 * remote-viewer on /dev/fd/3.  Whatever code remote-viewer loads (a GTK
 * module from her settings.ini or her display's XSETTINGS) runs with
 * nothing another user's files would let it read.
 *
 * libc only, as small as it can be: it runs as root under sudo. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define VV_MAX (1024 * 1024) /* a CA bundle of a few certificates and some keys */
#define VV_FD 3
#define MAX_GROUPS 1024

static void __attribute__ ((noreturn, format (printf, 1, 2)))
die (const char *format, ...)
{
  va_list args;

  fputs ("spice-connect: ", stderr);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  exit (1);
}

/* sudo sets SUDO_UID itself (env_reset): the user who ran sudo. */
static struct passwd *
caller (void)
{
  const char *text = getenv ("SUDO_UID");
  char *end = NULL;
  unsigned long uid;
  struct passwd *pw;

  if (getuid () != 0 || geteuid () != 0 || text == NULL || *text == '\0')
    die ("virt-spice-admin-client-open runs only as root through sudo; use spice-connect");
  errno = 0;
  uid = strtoul (text, &end, 10);
  if (errno != 0 || *end != '\0' || uid == 0 || uid >= UINT_MAX)
    die ("SUDO_UID '%s' is not an unprivileged user id; use spice-connect as yourself", text);
  pw = getpwuid ((uid_t) uid);
  if (pw == NULL)
    die ("user id %lu has no account on this host", uid);
  return pw;
}

/* FILE must be DIR/USER/NAME.vv: the caller's own directory, whatever the
 * sudoers rule says.  Plain absolute path, no "." or ".." component. */
static void
check_path (const char *file, const char *user)
{
  const char *slash = strrchr (file, '/');
  size_t user_len = strlen (user);

  if (file[0] != '/' || strstr (file, "/./") || strstr (file, "/../") || strstr (file, "//") ||
      slash == NULL || strlen (slash) < 5 || strcmp (file + strlen (file) - 3, ".vv") != 0)
    die ("'%s' is not a connection file path", file);
  if ((size_t) (slash - file) <= user_len + 1 || slash[-(long) user_len - 1] != '/' ||
      strncmp (slash - user_len, user, user_len) != 0)
    die ("'%s' is not in the connection directory of %s", file, user);
}

/* Root-owned and writable by root only, so nobody but root put it there. */
static void
check_owner (const struct stat *st, const char *what, const char *path)
{
  if (st->st_uid != 0 || (st->st_mode & 022) != 0)
    die ("%s '%s' is not root's alone (owner %u, mode %o); run 'virt-spice-admin client install' again",
         what, path, (unsigned) st->st_uid, (unsigned) (st->st_mode & 07777));
}

static char *
read_own_file (const char *file, size_t *ret_len)
{
  char dir[PATH_MAX];
  struct stat st;
  char *data;
  size_t len = 0;
  int fd;

  snprintf (dir, sizeof dir, "%.*s", (int) (strrchr (file, '/') - file), file);
  if (stat (dir, &st) != 0 || !S_ISDIR (st.st_mode))
    die ("cannot open connection directory '%s': %s", dir, strerror (errno));
  check_owner (&st, "connection directory", dir);
  fd = open (file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 || fstat (fd, &st) != 0)
    die ("cannot open connection file '%s': %s", file, strerror (errno));
  if (!S_ISREG (st.st_mode) || st.st_size > VV_MAX)
    die ("'%s' is not a connection file (a regular file of at most %d bytes)", file, VV_MAX);
  check_owner (&st, "connection file", file);
  data = malloc ((size_t) st.st_size + 1);
  if (data == NULL)
    die ("out of memory");
  while (len < (size_t) st.st_size)
    {
      ssize_t n = read (fd, data + len, (size_t) st.st_size - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        die ("cannot read '%s': %s", file, n < 0 ? strerror (errno) : "file shrank");
      len += (size_t) n;
    }
  close (fd);
  *ret_len = len;
  return data;
}

/* Her own groups, and GROUP so that she may execute remote-viewer. */
static void
become (const struct passwd *pw, const char *group)
{
  struct group *gr = getgrnam (group);
  gid_t groups[MAX_GROUPS + 1];
  int n = MAX_GROUPS;
  uid_t r, e, s;

  if (gr == NULL)
    die ("group '%s' does not exist; run 'virt-spice-admin client install' again", group);
  if (getgrouplist (pw->pw_name, pw->pw_gid, groups, &n) < 0)
    die ("user %s is in more than %d groups", pw->pw_name, MAX_GROUPS);
  groups[n++] = gr->gr_gid;
  if (setgroups ((size_t) n, groups) != 0 ||
      setresgid (pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
      setresuid (pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
    die ("cannot become %s: %s", pw->pw_name, strerror (errno));
  if (getresuid (&r, &e, &s) != 0 || r != pw->pw_uid || e != pw->pw_uid || s != pw->pw_uid ||
      setuid (0) == 0)
    die ("could not drop root for %s", pw->pw_name);
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    die ("cannot set no_new_privs: %s", strerror (errno));
}

/* Created after the switch, so the memfd is hers: remote-viewer reopens
 * /dev/fd/3 by path, which the kernel checks against her. */
static void
hand_over (char *data, size_t len)
{
  int fd = memfd_create ("connection.vv", 0);
  size_t done = 0;

  if (fd < 0)
    die ("cannot create a memory file: %s", strerror (errno));
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        die ("cannot write the memory file: %s", strerror (errno));
      done += (size_t) n;
    }
  explicit_bzero (data, len);
  free (data);
  if (lseek (fd, 0, SEEK_SET) != 0 || (fd != VV_FD && (dup2 (fd, VV_FD) != VV_FD || close (fd) != 0)))
    die ("cannot pass the connection file on: %s", strerror (errno));
}

static void
set_session (const struct passwd *pw)
{
  if (setenv ("HOME", pw->pw_dir, 1) != 0 || setenv ("USER", pw->pw_name, 1) != 0 ||
      setenv ("LOGNAME", pw->pw_name, 1) != 0)
    die ("cannot set the environment: %s", strerror (errno));
  if (chdir (pw->pw_dir) != 0 && chdir ("/") != 0)
    die ("cannot change to '/': %s", strerror (errno));
}

int
main (int argc, char **argv)
{
  struct passwd *pw;
  char *data;
  size_t len = 0;

  if (argc != 5 || strcmp (argv[1], "--") != 0 || argv[2][0] != '/')
    die ("usage: virt-spice-admin-client-open -- REMOTE-VIEWER GROUP FILE (through sudo; use spice-connect)");
  pw = caller ();
  check_path (argv[4], pw->pw_name);
  data = read_own_file (argv[4], &len);
  become (pw, argv[3]);
  hand_over (data, len);
  set_session (pw);
  execv (argv[2], (char *[]) { argv[2], (char *) "--", (char *) "/dev/fd/3", NULL });
  die ("cannot run %s: %s", argv[2], strerror (errno));
}
