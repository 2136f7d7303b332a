/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-spice-admin-hookd: the hook worker kept resident, so a managed
 * domain's hook call does not pay for loading GLib, libxml2 and
 * libnftables, compiling the policy schema and opening an nftables
 * context each time (most of a worker's run).  The gate (hook-gate.c)
 * tries it first and execs the worker when it does not answer, so the
 * server is an accelerator, never a requirement.
 *
 * One request per connection on a SOCK_SEQPACKET socket: one message of
 * NUL-terminated strings, argv, an empty string, then KEY=VALUE settings
 * of the gate's environment, with three descriptors: the domain XML, the
 * gate's stderr pipe and its status pipe.  Only root may ask, and the gate
 * checks the server is root too.  The policy check and the firewall run
 * here, one request after the other; work on devices (encrypted volumes:
 * seconds of key derivation, a device that may hang) goes on in a forked
 * child, so no request waits behind another's volumes.
 *
 * The gate bounds every call; a request still running well after the
 * gate's deadline ends this process (SIGALRM), and the next call finds
 * the socket again through systemd or falls back to the worker.  With no
 * request for a minute the server exits; systemd starts it again. */
#define _GNU_SOURCE
#include "vsa-firewall.h"
#include "vsa-hook-protocol.h"
#include "vsa-hook-log.h"
#include "vsa-hook-work.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define IDLE_EXIT_MS (60 * 1000)
#define REQUEST_MAX 65536
#define N_REQUEST_FDS 3
/* Beyond the gate's own deadline: the gate has answered by then. */
#define ALARM_GRACE_S 5

typedef struct {
  char text[REQUEST_MAX];
  char *argv[VSA_HOOK_ARGV_MAX + 1];
  int argc;
  const char *settings[VSA_HOOK_N_REQUEST_KEYS]; /* NULL: not set */
  int fds[N_REQUEST_FDS];                              /* xml, stderr, status */
  int n_fds;
} Request;

static int listen_fd = -1;
static gboolean in_child;

/* systemd's socket (LISTEN_FDS, from fd 3) or one of our own. */
static int
open_listen_socket (void)
{
  const char *pid = getenv ("LISTEN_PID");
  const char *fds = getenv ("LISTEN_FDS");
  char dir[4096];
  struct sockaddr_un addr;
  socklen_t len;
  int fd;

  if (pid && fds && strtol (pid, NULL, 10) == getpid () && strcmp (fds, "1") == 0)
    {
      unsetenv ("LISTEN_PID");
      unsetenv ("LISTEN_FDS");
      fcntl (3, F_SETFD, FD_CLOEXEC);
      return 3;
    }
  if (vsa_hook_program_dir (dir, sizeof dir) < 0 || vsa_hook_server_address (dir, &addr, &len) < 0)
    return -1;
  fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, len) < 0 || listen (fd, 64) < 0)
    {
      fprintf (stderr, "virt-spice-admin-hookd: cannot listen on @%s: %s\n", addr.sun_path + 1,
               g_strerror (errno));
      return -1;
    }
  return fd;
}

static gboolean
peer_is_root (int fd)
{
  struct ucred cred;
  socklen_t len = sizeof cred;

  return getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == 0;
}

static gboolean
receive_message (int conn, Request *req, size_t *ret_len)
{
  union {
    char buf[CMSG_SPACE (sizeof (int) * N_REQUEST_FDS)];
    struct cmsghdr align;
  } control;
  struct iovec iov = { req->text, sizeof req->text };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  ssize_t n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);

  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); n >= 0 && c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int count = (int) ((c->cmsg_len - CMSG_LEN (0)) / sizeof (int));

        for (int i = 0; i < count && req->n_fds < N_REQUEST_FDS; i++)
          memcpy (&req->fds[req->n_fds++], CMSG_DATA (c) + i * sizeof (int), sizeof (int));
      }
  *ret_len = n > 0 ? (size_t) n : 0;
  return n > 0 && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) && req->n_fds == N_REQUEST_FDS;
}

static gboolean
take_setting (Request *req, const char *entry)
{
  for (gsize k = 0; k < VSA_HOOK_N_REQUEST_KEYS; k++)
    {
      size_t len = strlen (vsa_hook_request_keys[k]);

      if (strncmp (entry, vsa_hook_request_keys[k], len) == 0 && entry[len] == '=')
        {
          req->settings[k] = entry + len + 1;
          return TRUE;
        }
    }
  return FALSE;
}

/* argv strings, "", settings; everything NUL-terminated. */
static gboolean
parse_request (Request *req, size_t len)
{
  gboolean in_settings = FALSE;

  if (len == 0 || req->text[len - 1] != '\0')
    return FALSE;
  for (size_t at = 0; at < len; at += strlen (req->text + at) + 1)
    {
      char *entry = req->text + at;

      if (!in_settings && *entry == '\0')
        in_settings = TRUE;
      else if (in_settings && !take_setting (req, entry))
        return FALSE;
      else if (!in_settings && req->argc < VSA_HOOK_ARGV_MAX)
        req->argv[req->argc++] = entry;
      else if (!in_settings)
        return FALSE;
    }
  return in_settings && req->argc >= 1;
}

static void
apply_settings (const Request *req)
{
  for (gsize k = 0; k < VSA_HOOK_N_REQUEST_KEYS; k++)
    if (req->settings[k])
      setenv (vsa_hook_request_keys[k], req->settings[k], 1);
    else
      unsetenv (vsa_hook_request_keys[k]);
}

static unsigned int
alarm_seconds (const Request *req)
{
  return (unsigned int) vsa_hook_timeout_seconds (req->settings[VSA_HOOK_N_REQUEST_KEYS - 1]) +
         ALARM_GRACE_S;
}

static Request *current;

/* The volumes' work goes on in a child with its own nftables socket; the
 * server drops its copies of the request's descriptors and goes on. */
static gboolean
detach_to_child (void)
{
  pid_t pid = fork ();

  if (pid != 0)
    return FALSE; /* fork failed: no answer, and the gate runs the worker */
  in_child = TRUE;
  close (listen_fd);
  signal (SIGCHLD, SIG_DFL); /* the volume code waits for its tools */
  vsa_firewall_run_forget_context ();
  alarm (alarm_seconds (current));
  return TRUE;
}

static void
send_status (int fd, int status)
{
  unsigned char byte = (unsigned char) status;

  if (write (fd, &byte, 1) != 1)
    return;
}

/* The request's XML as stdin and its pipe as stderr, for the work's
 * plain reads and writes; ours again afterwards. */
static void
serve_request (Request *req, int saved_stderr, int null_fd)
{
  g_autoptr (GByteArray) input = NULL;
  int status;

  apply_settings (req);
  dup2 (req->fds[1], STDERR_FILENO);
  input = vsa_hook_work_read_input (req->fds[0]);
  current = req;
  alarm (alarm_seconds (req));
  status = vsa_hook_work_run (req->argc, req->argv, input, detach_to_child);
  alarm (0);
  if (status != VSA_HOOK_DETACHED)
    send_status (req->fds[2], status);
  if (in_child)
    {
      /* The gate has its answer at the end of stderr: do not make it wait
       * for the exit, where closing the nftables socket takes the kernel
       * an RCU grace period. */
      close (STDERR_FILENO);
      close (req->fds[1]);
      _exit (status);
    }
  dup2 (saved_stderr, STDERR_FILENO);
  dup2 (null_fd, STDIN_FILENO);
}

static void
handle_connection (int conn, int saved_stderr, int null_fd)
{
  static Request req;
  size_t len = 0;

  memset (&req, 0, sizeof req);
  if (!peer_is_root (conn))
    vsa_hook_log (G_LOG_LEVEL_WARNING, "-", "server: refused a request from a process not run by root");
  else if (!receive_message (conn, &req, &len) || !parse_request (&req, len))
    vsa_hook_log (G_LOG_LEVEL_WARNING, "-", "server: refused a malformed request");
  else
    serve_request (&req, saved_stderr, null_fd);
  for (int i = 0; i < req.n_fds; i++)
    close (req.fds[i]);
}

int
main (int argc, char **argv)
{
  int saved_stderr = dup (STDERR_FILENO);
  int null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);

  if (argc > 1)
    {
      fprintf (stderr, "usage: %s (no arguments; see virt-spice-admin-hookd(8))\n", argv[0]);
      return 2;
    }
  if (saved_stderr < 0 || null_fd < 0 || (listen_fd = open_listen_socket ()) < 0)
    return 1;
  fcntl (saved_stderr, F_SETFD, FD_CLOEXEC);
  dup2 (null_fd, STDIN_FILENO);
  signal (SIGPIPE, SIG_IGN);  /* a gate that went away */
  signal (SIGCHLD, SIG_IGN);  /* detached children reap themselves */
  vsa_hook_log_init ();
  for (;;)
    {
      struct pollfd p = { listen_fd, POLLIN, 0 };
      int conn;

      if (poll (&p, 1, IDLE_EXIT_MS) == 0)
        return 0;
      conn = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (conn < 0)
        continue;
      handle_connection (conn, saved_stderr, null_fd);
      close (conn);
    }
}
