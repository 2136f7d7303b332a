/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-spice-admin-hook: what libvirt runs, for every domain and every
 * lifecycle step.  Plain libc so it costs about one fork+exec: it answers
 * the common cases itself (an operation we ignore, a domain without our
 * metadata) and hands everything else, stdin included, to the worker
 * beside it, which loads GLib and libxml2 and does the real work. */
#define _GNU_SOURCE
#include "vsa-hook-table.h"
#include "vsa-namespace.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define WORKER_NAME "virt-spice-admin-hook-worker"
/* The worker refuses anything over 4 MiB; one byte more tells it so. */
#define KEEP_MAX (4 * 1024 * 1024 + 1)

static char input[KEEP_MAX];

/* Reads all of stdin (so libvirt's writer never sees EPIPE), keeping at
 * most KEEP_MAX bytes. */
static size_t
read_stdin_bounded (void)
{
  static char discard[65536];
  size_t len = 0;

  for (;;)
    {
      char *dst = len < KEEP_MAX ? input + len : discard;
      size_t room = len < KEEP_MAX ? KEEP_MAX - len : sizeof discard;
      ssize_t n = read (STDIN_FILENO, dst, room);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return len < KEEP_MAX ? len : KEEP_MAX;
      len += (size_t) n;
    }
}

static int
write_all (int fd, const char *data, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      data += n;
      len -= (size_t) n;
    }
  return 0;
}

/* The worker gets the same bytes on stdin, from an anonymous file. */
static int
replace_stdin (size_t len)
{
  int fd = memfd_create ("domain-xml", MFD_CLOEXEC);

  if (fd < 0 || write_all (fd, input, len) < 0 || lseek (fd, 0, SEEK_SET) < 0 ||
      dup2 (fd, STDIN_FILENO) < 0)
    return -1;
  close (fd);
  return 0;
}

/* Beside the real file of this program, wherever qemu.d's link points. */
static int
worker_path (char *buf, size_t size)
{
  char self[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);

  if (n < 0)
    return -1;
  self[n] = '\0';
  if ((size_t) snprintf (buf, size, "%s/%s", dirname (self), WORKER_NAME) >= size)
    return -1;
  return 0;
}

int
main (int argc, char **argv)
{
  const char *domain = argc > 1 ? argv[1] : "";
  int may_refuse;
  VsaHookPhase phase = vsa_hook_phase_for (argc > 2 ? argv[2] : "", argc > 3 ? argv[3] : "",
                                           &may_refuse);
  size_t len = read_stdin_bounded ();
  char worker[PATH_MAX];

  if (phase == VSA_HOOK_IGNORE || phase == VSA_HOOK_FILTER)
    return 0;
  /* Input without our namespace cannot carry our policy. */
  if (len == 0 || (len < KEEP_MAX && memmem (input, len, VSA_METADATA_NS,
                                             strlen (VSA_METADATA_NS)) == NULL))
    return 0;

  if (replace_stdin (len) == 0 && worker_path (worker, sizeof worker) == 0)
    execv (worker, argv);
  if (!may_refuse)
    return 0;
  fprintf (stderr, "virt-spice-admin: refusing to start VM '%s': cannot run the hook worker "
                   "(%s); reinstall virt-spice-admin\n", domain, strerror (errno));
  return 1;
}
