/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* struct ucred, accept4 */
#include "vsa-broker-socket.h"
#include "vsa-error.h"
#include "vsa-file.h"

#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A client that stalls must not hold up everyone else's request. */
#define IO_TIMEOUT_SECONDS 10

static gboolean
socket_error (GError **error, const char *what, const char *path)
{
  int saved = errno;

  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot %s the console broker's socket %s: %s",
               what, path, g_strerror (saved));
  return FALSE;
}

static gboolean
fill_address (struct sockaddr_un *addr, const char *path, GError **error)
{
  memset (addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (strlen (path) >= sizeof addr->sun_path)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
                   "broker-socket '%s' is longer than a UNIX socket path may be; choose a shorter one",
                   path);
      return FALSE;
    }
  strcpy (addr->sun_path, path);
  return TRUE;
}

static void
set_timeouts (int fd)
{
  struct timeval tv = { .tv_sec = IO_TIMEOUT_SECONDS };

  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Everyone may connect (mode 0666): the broker decides by the peer's UID
 * what, if anything, it answers. */
int
vsa_broker_socket_listen (const char *path, GError **error)
{
  struct sockaddr_un addr;
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (!fill_address (&addr, path, error) || !vsa_dir_ensure (dir, 0755, error))
    return -1;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      socket_error (error, "create", path);
      return -1;
    }
  /* A socket left by a broker that died; anything else is not ours. */
  {
    struct stat st;
    if (lstat (path, &st) == 0 && S_ISSOCK (st.st_mode))
      unlink (path);
  }
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0 || chmod (path, 0666) != 0 ||
      listen (fd, 16) != 0)
    {
      socket_error (error, "bind", path);
      close (fd);
      return -1;
    }
  return fd;
}

int
vsa_broker_socket_accept (int listen_fd, VsaPeer *ret_peer, GError **error)
{
  struct ucred cred;
  socklen_t len = sizeof cred;
  int fd;

  do
    fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    {
      socket_error (error, "accept on", "(listening)");
      return -1;
    }
  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    {
      socket_error (error, "read the peer of", "(connection)");
      close (fd);
      return -1;
    }
  ret_peer->pid = cred.pid;
  ret_peer->uid = cred.uid;
  ret_peer->gid = cred.gid;
  set_timeouts (fd);
  return fd;
}

/* Until the peer shuts down its side; more than MAX bytes is an error. */
char *
vsa_broker_socket_receive (int fd, gsize max, gsize *ret_len, GError **error)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  guint8 buffer[4096];

  for (;;)
    {
      ssize_t n = recv (fd, buffer, sizeof buffer, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          socket_error (error, "read from", "(connection)");
          return NULL;
        }
      if (n == 0)
        break;
      g_byte_array_append (data, buffer, (guint) n);
      if (data->len > max)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "a console broker message is longer than %" G_GSIZE_FORMAT " bytes", max);
          return NULL;
        }
    }
  *ret_len = data->len;
  g_byte_array_append (data, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (g_steal_pointer (&data), FALSE);
}

gboolean
vsa_broker_socket_send (int fd, const char *data, gsize len, GError **error)
{
  while (len > 0)
    {
      ssize_t n = send (fd, data, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return socket_error (error, "write to", "(connection)");
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* The console command's side: send, half-close, read the answer. */
char *
vsa_broker_socket_ask (const char *path, const char *request, gsize max, gsize *ret_len,
                       GError **error)
{
  struct sockaddr_un addr;
  int fd;
  char *answer;

  if (!fill_address (&addr, path, error))
    return NULL;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "the console broker is not running (%s: %s); ask the administrator to start "
                   "virt-spice-admin-broker.service", path, g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  set_timeouts (fd);
  if (!vsa_broker_socket_send (fd, request, strlen (request), error) || shutdown (fd, SHUT_WR) != 0)
    {
      close (fd);
      return NULL;
    }
  answer = vsa_broker_socket_receive (fd, max, ret_len, error);
  close (fd);
  return answer;
}

char *
vsa_peer_user_name (uid_t uid, GError **error)
{
  struct passwd pw, *found = NULL;
  char buffer[4096];

  if (getpwuid_r (uid, &pw, buffer, sizeof buffer, &found) != 0 || found == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "UID %u has no account name; console requests come from named accounts",
                   (unsigned) uid);
      return NULL;
    }
  return g_strdup (pw.pw_name);
}
