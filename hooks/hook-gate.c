/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-spice-admin-hook: what libvirt runs, for every domain and every
 * lifecycle step.  Plain libc so it costs about one fork+exec: it answers
 * the common cases itself (an operation we ignore, a domain without our
 * metadata) and hands everything else, stdin included, to the resident
 * server of its installation (hook-server.c) or, when that gives no
 * answer, to the worker beside it, which loads GLib and libxml2 and does
 * the real work.
 *
 * libvirtd waits for the hook, so the gate also bounds the worker's time:
 * a worker stuck on a device is killed after the timeout and the gate
 * answers for it (a refused start at prepare, success for the undo
 * steps).  The worker writes to a pipe of the gate, never to libvirtd's,
 * so even a worker that cannot die does not keep libvirtd waiting. */
#define _GNU_SOURCE
#include "vsa-hook-protocol.h"
#include "vsa-hook-table.h"
#include "vsa-namespace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
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
worker_path (const char *dir, char *buf, size_t size)
{
  if ((size_t) snprintf (buf, size, "%s/%s", dir, WORKER_NAME) >= size)
    return -1;
  return 0;
}

static long
timeout_ms (void)
{
  return vsa_hook_timeout_seconds (getenv (VSA_HOOK_TIMEOUT_ENV)) * 1000L;
}

static long
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
start_worker (const char *worker, char **argv, int err_fd, int status_fd)
{
  int null = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  char fd_text[16];

  /* Kept across exec: the worker's status comes back on it. */
  snprintf (fd_text, sizeof fd_text, "%d", status_fd);
  if (fcntl (status_fd, F_SETFD, 0) == 0)
    setenv (VSA_HOOK_STATUS_ENV, fd_text, 1);
  dup2 (err_fd, STDERR_FILENO);
  if (null >= 0)
    dup2 (null, STDOUT_FILENO);
  execv (worker, argv);
  dprintf (STDERR_FILENO, "cannot run the hook worker %s: %s\n", worker, strerror (errno));
  _exit (127);
}

/* Copies the worker's stderr to ours until it closes it or DEADLINE;
 * returns 0 at its end, -1 when time ran out. */
static int
relay_stderr (int fd, long deadline)
{
  char buf[4096];

  for (;;)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      long left = deadline - now_ms ();
      ssize_t n;

      if (left <= 0)
        return -1;
      if (poll (&p, 1, (int) left) <= 0)
        continue;
      n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return 0;
      if (write (STDERR_FILENO, buf, (size_t) n) < 0)
        return 0;
    }
}

/* The status the worker sent before exiting (it sends it, then closes
 * stderr, so after stderr's end it is there or never comes), or -1.  Its
 * exit is not waited for: closing its nftables socket takes the kernel an
 * RCU grace period, and the worker has nothing left to do. */
static int
reported_status (int fd)
{
  struct pollfd p = { fd, POLLIN, 0 };
  unsigned char byte;

  if (poll (&p, 1, 0) == 1 && read (fd, &byte, 1) == 1)
    return byte;
  return -1;
}

/* The worker's exit status, or -1 if it has not exited by DEADLINE. */
static int
wait_worker (pid_t pid, long deadline)
{
  int status;

  for (;;)
    {
      pid_t r = waitpid (pid, &status, WNOHANG);

      if (r == pid)
        return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
      if (r < 0 && errno != EINTR)
        return 1;
      if (now_ms () >= deadline)
        return -1;
      usleep (1000);
    }
}

static int
worker_timed_out (pid_t pid, const char *domain, const char *operation, int may_refuse,
                  long limit_ms)
{
  if (pid > 0)
    kill (pid, SIGKILL); /* not waited for: it may be stuck in the kernel */
  syslog (LOG_WARNING, "%s: %s: the hook %s did not finish within %ld s%s", domain, operation,
          pid > 0 ? "worker" : "server", limit_ms / 1000, pid > 0 ? " and was killed" : "");
  if (!may_refuse)
    return 0;
  fprintf (stderr, "virt-spice-admin: refusing to start VM '%s': the hook did not finish within "
                   "%ld s (a device may be stuck); see the system log\n", domain, limit_ms / 1000);
  return 1;
}

/* The request: argv, an empty string, the settings the work reads from
 * the environment (tests and debugging set them; libvirt does not). */
static size_t
server_request (char **argv, char *buf, size_t size)
{
  size_t len = 0;

  for (int i = 0; argv[i] && i < VSA_HOOK_ARGV_MAX; i++)
    len += (size_t) snprintf (buf + len, len < size ? size - len : 0, "%s%c", argv[i], 0);
  len += (size_t) snprintf (buf + len, len < size ? size - len : 0, "%c", 0);
  for (size_t k = 0; k < VSA_HOOK_N_REQUEST_KEYS; k++)
    if (getenv (vsa_hook_request_keys[k]))
      len += (size_t) snprintf (buf + len, len < size ? size - len : 0, "%s=%s%c",
                                vsa_hook_request_keys[k], getenv (vsa_hook_request_keys[k]), 0);
  return len < size ? len : 0;
}

/* Connected to the resident server of this installation, run by root
 * (anyone may bind an abstract name first; only root's is believed), or -1. */
static int
server_connect (const char *dir)
{
  struct sockaddr_un addr;
  socklen_t len;
  struct ucred cred;
  socklen_t cred_len = sizeof cred;
  int fd;

  if (vsa_hook_server_address (dir, &addr, &len) < 0 ||
      (fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
    return -1;
  if (connect (fd, (struct sockaddr *) &addr, len) == 0 &&
      getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0 && cred.uid == 0)
    return fd;
  if (cred_len == sizeof cred && cred.uid != 0)
    syslog (LOG_WARNING, "ignoring a hook server @%s run by uid %d, not root", addr.sun_path + 1,
            (int) cred.uid);
  close (fd);
  return -1;
}

static int
server_send (int fd, char **argv, int err_fd, int status_fd)
{
  static char request[65536];
  int fds[3] = { STDIN_FILENO, err_fd, status_fd };
  union {
    char buf[CMSG_SPACE (sizeof fds)];
    struct cmsghdr align;
  } control;
  struct iovec iov = { request, server_request (argv, request, sizeof request) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);

  if (iov.iov_len == 0)
    return -1;
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof fds);
  memcpy (CMSG_DATA (c), fds, sizeof fds);
  return sendmsg (fd, &msg, MSG_NOSIGNAL) == (ssize_t) iov.iov_len ? 0 : -1;
}

/* The resident server does the work when it runs (hook-server.c): its
 * answer, or -1 when it gave none (not running, refused, died), and the
 * worker is run instead; -2 when DEADLINE passed. */
static int
run_server (const char *dir, char **argv, long deadline)
{
  int err_pipe[2];
  int status_pipe[2];
  int fd = server_connect (dir);
  int status = -1;

  if (fd < 0)
    return -1;
  if (pipe2 (err_pipe, O_CLOEXEC) < 0)
    {
      close (fd);
      return -1;
    }
  if (pipe2 (status_pipe, O_CLOEXEC) == 0)
    {
      int sent = server_send (fd, argv, err_pipe[1], status_pipe[1]);

      close (status_pipe[1]);
      close (err_pipe[1]);
      if (sent == 0)
        status = relay_stderr (err_pipe[0], deadline) < 0 ? -2 : reported_status (status_pipe[0]);
      close (status_pipe[0]);
    }
  close (err_pipe[0]);
  close (fd);
  /* The worker reads the XML from its start again. */
  lseek (STDIN_FILENO, 0, SEEK_SET);
  return status;
}

/* Runs the worker with the deadline; its exit status is ours. */
static int
run_worker (const char *worker, char **argv, const char *domain, const char *operation,
            int may_refuse)
{
  long limit = timeout_ms ();
  long deadline = now_ms () + limit;
  int err_pipe[2];
  int status_pipe[2];
  pid_t pid;
  int status;

  if (pipe2 (err_pipe, O_CLOEXEC) < 0 || pipe2 (status_pipe, O_CLOEXEC) < 0 ||
      (pid = fork ()) < 0)
    return -1;
  if (pid == 0)
    start_worker (worker, argv, err_pipe[1], status_pipe[1]);
  close (err_pipe[1]);
  close (status_pipe[1]);
  if (relay_stderr (err_pipe[0], deadline) < 0)
    status = -1;
  else if ((status = reported_status (status_pipe[0])) < 0)
    status = wait_worker (pid, deadline);
  close (err_pipe[0]);
  close (status_pipe[0]);
  if (status < 0)
    return worker_timed_out (pid, domain, operation, may_refuse, limit);
  /* Undo steps never fail, whatever happened to the worker. */
  return may_refuse ? status : 0;
}

int
main (int argc, char **argv)
{
  const char *domain = argc > 1 ? argv[1] : "";
  const char *operation = argc > 2 ? argv[2] : "";
  int may_refuse;
  VsaHookPhase phase = vsa_hook_phase_for (operation, argc > 3 ? argv[3] : "", &may_refuse);
  size_t len = read_stdin_bounded ();
  char dir[PATH_MAX];
  char worker[PATH_MAX];
  int status;

  if (phase == VSA_HOOK_IGNORE || phase == VSA_HOOK_FILTER)
    return 0;
  /* Input without our namespace cannot carry our policy. */
  if (len == 0 || (len < KEEP_MAX && memmem (input, len, VSA_METADATA_NS,
                                             strlen (VSA_METADATA_NS)) == NULL))
    return 0;

  openlog ("virt-spice-admin-hook", LOG_PID, LOG_DAEMON);
  if (replace_stdin (len) == 0 && vsa_hook_program_dir (dir, sizeof dir) == 0)
    {
      status = run_server (dir, argv, now_ms () + timeout_ms ());
      if (status == -2)
        return worker_timed_out (0, domain, operation, may_refuse, timeout_ms ());
      if (status >= 0)
        return may_refuse ? status : 0;
      if (worker_path (dir, worker, sizeof worker) == 0 &&
          (status = run_worker (worker, argv, domain, operation, may_refuse)) >= 0)
        return status;
    }
  if (!may_refuse)
    return 0;
  fprintf (stderr, "virt-spice-admin: refusing to start VM '%s': cannot run the hook worker "
                   "(%s); reinstall virt-spice-admin\n", domain, strerror (errno));
  return 1;
}
