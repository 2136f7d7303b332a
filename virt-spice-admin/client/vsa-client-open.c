/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-spice-admin-client-open -- REMOTE-VIEWER GROUP FILE
 * virt-spice-admin-client-open --stdin -- REMOTE-VIEWER GROUP HOST TLS-PORT
 * The root half of spice-connect.  sudo runs it as root with exactly the
 * arguments the sudoers rule pins for the calling user (her own .vv file,
 * or the host and port of one of her consoles, among them).
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
 * With --stdin the .vv is the one-time file the console broker sent her
 * (`ssh USER@SERVER console VM`), on a pipe from her spice-connect.  She
 * wrote what arrives there, so it is read only after the switch, by her,
 * and handed on only if it is a plain SPICE .vv (known keys only, no
 * proxy, no plain port) for the HOST and TLS-PORT her rule pins: a
 * crafted file opens nothing she could not open anyway.
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

/* What vsa_vv_render writes; anything else (proxy, port, usb-filter, an
 * [ovirt] group...) is refused. */
enum {
  VV_TYPE, VV_TITLE, VV_HOST, VV_TLS_PORT, VV_SECURE_CHANNELS, VV_HOST_SUBJECT, VV_CA,
  VV_USERNAME, VV_PASSWORD, VV_DELETE_THIS_FILE,
};
static const char *const vv_keys[] = {
  [VV_TYPE] = "type", [VV_TITLE] = "title", [VV_HOST] = "host", [VV_TLS_PORT] = "tls-port",
  [VV_SECURE_CHANNELS] = "secure-channels", [VV_HOST_SUBJECT] = "host-subject", [VV_CA] = "ca",
  [VV_USERNAME] = "username", [VV_PASSWORD] = "password",
  [VV_DELETE_THIS_FILE] = "delete-this-file", NULL,
};
#define VV_REQUIRED \
  ((1u << VV_TYPE) | (1u << VV_HOST) | (1u << VV_TLS_PORT) | (1u << VV_SECURE_CHANNELS))

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

static char *
read_stdin (size_t *ret_len)
{
  char *data = malloc (VV_MAX + 1);
  size_t len = 0;

  if (data == NULL)
    die ("out of memory");
  for (;;)
    {
      ssize_t n = read (STDIN_FILENO, data + len, VV_MAX + 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("cannot read the connection file from the broker: %s", strerror (errno));
      if (n == 0)
        break;
      len += (size_t) n;
      if (len > VV_MAX)
        die ("the connection file from the broker is over %d bytes; ask the administrator", VV_MAX);
    }
  if (len == 0)
    die ("the broker sent no connection file");
  data[len] = '\0';
  *ret_len = len;
  return data;
}

static int
key_index (const char *line, size_t key_len)
{
  for (int i = 0; vv_keys[i]; i++)
    if (strlen (vv_keys[i]) == key_len && strncmp (line, vv_keys[i], key_len) == 0)
      return i;
  return -1;
}

static int
value_is (const char *value, size_t len, const char *wanted)
{
  return len == strlen (wanted) && strncmp (value, wanted, len) == 0;
}

/* One [virt-viewer] group of known keys, each once; type spice, every
 * channel on TLS, to exactly HOST and TLS-PORT. */
static void
check_vv (const char *data, size_t len, const char *host, const char *tls_port)
{
  unsigned seen = 0;
  int in_group = 0;

  if (memchr (data, '\0', len) != NULL)
    die ("the connection file from the broker is not text");
  for (const char *line = data; line < data + len;)
    {
      const char *end = memchr (line, '\n', (size_t) (data + len - line));
      size_t line_len = end ? (size_t) (end - line) : (size_t) (data + len - line);
      const char *eq = memchr (line, '=', line_len);
      int key = eq ? key_index (line, (size_t) (eq - line)) : -1;
      const char *value = eq ? eq + 1 : NULL;
      size_t value_len = eq ? line_len - (size_t) (eq + 1 - line) : 0;

      if (line_len == 0 || line[0] == '#')
        ;
      else if (!in_group && value_is (line, line_len, "[virt-viewer]"))
        in_group = 1;
      else if (!in_group || key < 0 || (seen & (1u << key)))
        die ("the connection file from the broker has '%.*s', which a console .vv does not; refused",
             (int) (eq ? (size_t) (eq - line) : line_len > 40 ? 40 : line_len), line);
      else if ((key == VV_TYPE && !value_is (value, value_len, "spice")) ||
               (key == VV_HOST && !value_is (value, value_len, host)) ||
               (key == VV_TLS_PORT && !value_is (value, value_len, tls_port)) ||
               (key == VV_SECURE_CHANNELS && !value_is (value, value_len, "all")))
        die ("the connection file from the broker is not for %s port %s over TLS (%.*s); refused",
             host, tls_port, (int) (value_len > 80 ? 80 : value_len), value);
      else
        seen |= 1u << key;
      line = end ? end + 1 : data + len;
    }
  if ((seen & VV_REQUIRED) != VV_REQUIRED)
    die ("the connection file from the broker lacks type, host, tls-port or secure-channels; refused");
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

static void __attribute__ ((noreturn))
run_viewer (const struct passwd *pw, const char *viewer, char *data, size_t len)
{
  hand_over (data, len);
  set_session (pw);
  execv (viewer, (char *[]) { (char *) viewer, (char *) "--", (char *) "/dev/fd/3", NULL });
  die ("cannot run %s: %s", viewer, strerror (errno));
}

int
main (int argc, char **argv)
{
  struct passwd *pw;
  char *data;
  size_t len = 0;

  if (argc == 7 && strcmp (argv[1], "--stdin") == 0 && strcmp (argv[2], "--") == 0 &&
      argv[3][0] == '/')
    {
      pw = caller ();
      become (pw, argv[4]);
      data = read_stdin (&len);
      check_vv (data, len, argv[5], argv[6]);
      run_viewer (pw, argv[3], data, len);
    }
  if (argc != 5 || strcmp (argv[1], "--") != 0 || argv[2][0] != '/')
    die ("usage: virt-spice-admin-client-open [--stdin] -- REMOTE-VIEWER GROUP FILE|HOST TLS-PORT "
         "(through sudo; use spice-connect)");
  pw = caller ();
  check_path (argv[4], pw->pw_name);
  data = read_own_file (argv[4], &len);
  become (pw, argv[3]);
  run_viewer (pw, argv[2], data, len);
}
