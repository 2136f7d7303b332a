/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-spice-admin-hook-worker: the part of libvirt's qemu hook that does
 * the work (vsa-hook-work.c), exec'd by the gate (hook-gate.c) for managed
 * domains when the resident server (hook-server.c) does not answer.
 * argv = DOMAIN OPERATION SUB-OPERATION EXTRA, the domain XML on stdin. */
#include "vsa-hook-log.h"
#include "vsa-hook-table.h"
#include "vsa-hook-work.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* The gate learns the exit status on a pipe of its own (VSA_HOOK_STATUS_ENV
 * names its descriptor) before this process exits: exiting closes the
 * nftables netlink socket, and the kernel makes that wait for an RCU grace
 * period (10-20 ms, most of a managed prepare).  libvirtd need not wait for
 * it, so stderr is closed once the status is sent; the exit itself
 * finishes in the background.  -1: run by hand, no such pipe. */
static int
status_fd (void)
{
  const char *fd_text = g_getenv (VSA_HOOK_STATUS_ENV);
  guint64 fd;

  if (fd_text == NULL || !g_ascii_string_to_unsigned (fd_text, 10, 3, G_MAXINT, &fd, NULL) ||
      fcntl ((int) fd, F_SETFD, FD_CLOEXEC) < 0) /* not for the tools we run */
    return -1;
  return (int) fd;
}

static void
report_status (int fd, int status)
{
  unsigned char byte = (unsigned char) status;

  if (fd < 0)
    return;
  fflush (stderr);
  if (write (fd, &byte, 1) == 1)
    close (STDERR_FILENO);
  close (fd);
}

int
main (int argc, char **argv)
{
  int fd = status_fd ();
  g_autoptr (GByteArray) input = NULL;
  int status;

  vsa_hook_log_init ();
  input = vsa_hook_work_read_input (STDIN_FILENO);
  status = vsa_hook_work_run (argc, argv, input, NULL);

  report_status (fd, status);
  return status;
}
