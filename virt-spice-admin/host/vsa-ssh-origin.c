/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Why two holders and not the socket's owner: the kernel's socket table
 * (/proc/net/tcp, or inet_diag) names the uid that created a socket, and
 * sshd's connection socket is always root's, whoever logged in.  Who the
 * connection serves shows only in the processes holding it: OpenSSH's
 * privileged monitor ("sshd: alice [priv]", root) and the session
 * process it forks ("sshd: alice@notty", alice), both descendants of the
 * listener and ancestors of the forced command.  A user can run an sshd
 * of her own, but never as root; she cannot become a descendant of
 * someone else's session.  PID reuse gains nothing: a reused PID passes
 * only inside a session of the same user, from the same connection. */
#include "vsa-ssh-origin.h"
#include "vsa-error.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_ANCESTORS 32

typedef struct {
  struct in6_addr address; /* IPv4 as ::ffff:a.b.c.d */
  guint port;
} Endpoint;

static gboolean
parse_endpoint (const char *address, const char *port, Endpoint *ret)
{
  struct in_addr v4;
  guint64 value;

  memset (ret, 0, sizeof *ret);
  if (!g_ascii_string_to_unsigned (port, 10, 1, 65535, &value, NULL))
    return FALSE;
  ret->port = (guint) value;
  if (inet_pton (AF_INET, address, &v4) == 1)
    {
      ret->address.s6_addr[10] = ret->address.s6_addr[11] = 0xff;
      memcpy (&ret->address.s6_addr[12], &v4, 4);
      return TRUE;
    }
  return inet_pton (AF_INET6, address, &ret->address) == 1;
}

/* /proc/net/tcp{,6} print each 32-bit word of the address as the
 * host-order number it is in memory: 0100007F:0016 is 127.0.0.1:22. */
static gboolean
parse_proc_endpoint (const char *text, gboolean v6, Endpoint *ret)
{
  guint32 words[4];
  unsigned int port;

  memset (ret, 0, sizeof *ret);
  if (v6 ? sscanf (text, "%8x%8x%8x%8x:%x", &words[0], &words[1], &words[2], &words[3], &port) != 5
         : sscanf (text, "%8x:%x", &words[3], &port) != 2)
    return FALSE;
  if (v6)
    memcpy (ret->address.s6_addr, words, 16);
  else
    {
      ret->address.s6_addr[10] = ret->address.s6_addr[11] = 0xff;
      memcpy (&ret->address.s6_addr[12], &words[3], 4);
    }
  ret->port = port;
  return TRUE;
}

static gboolean
same_endpoint (const Endpoint *a, const Endpoint *b)
{
  return a->port == b->port && memcmp (&a->address, &b->address, sizeof a->address) == 0;
}

/* The inode of the established socket LOCAL <- REMOTE in PID's network
 * namespace, or 0. */
static guint64
find_socket (pid_t pid, const Endpoint *local, const Endpoint *remote)
{
  for (int v6 = 0; v6 <= 1; v6++)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d/net/tcp%s", (int) pid, v6 ? "6" : "");
      g_autofree char *text = NULL;
      g_auto (GStrv) lines = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 1; lines[i]; i++)
        {
          char local_text[64], remote_text[64];
          unsigned int state;
          guint64 inode;
          Endpoint l, r;

          if (sscanf (lines[i], "%*s %63s %63s %x %*s %*s %*s %*s %*s %" G_GUINT64_FORMAT,
                      local_text, remote_text, &state, &inode) == 4 &&
              state == 1 /* TCP_ESTABLISHED */ && parse_proc_endpoint (local_text, v6, &l) &&
              parse_proc_endpoint (remote_text, v6, &r) && same_endpoint (&l, local) &&
              same_endpoint (&r, remote))
            return inode;
        }
    }
  return 0;
}

static gboolean
holds_socket (pid_t pid, guint64 inode)
{
  g_autofree char *dir_path = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autofree char *wanted = g_strdup_printf ("socket:[%" G_GUINT64_FORMAT "]", inode);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (g_strcmp0 (target, wanted) == 0)
        return TRUE;
    }
  return FALSE;
}

/* PID's parent and real uid from /proc/PID/status. */
static gboolean
read_status (pid_t pid, pid_t *ret_ppid, uid_t *ret_uid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  const char *ppid, *uid;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (ppid = strstr (text, "\nPPid:\t")) == NULL ||
      (uid = strstr (text, "\nUid:\t")) == NULL)
    return FALSE;
  *ret_ppid = (pid_t) strtol (ppid + 7, NULL, 10);
  *ret_uid = (uid_t) strtoul (uid + 6, NULL, 10);
  return TRUE;
}

/* An sshd binary replaced by an upgrade shows as "PATH (deleted)". */
static gboolean
runs_sshd (pid_t pid, const char *sshd_binary)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/exe", (int) pid);
  g_autofree char *exe = g_file_read_link (path, NULL);
  gsize len = strlen (sshd_binary);

  return exe && strncmp (exe, sshd_binary, len) == 0 &&
         (exe[len] == '\0' || g_str_equal (exe + len, " (deleted)"));
}

static gboolean
ancestors_hold (pid_t pid, uid_t uid, guint64 inode, const char *sshd_binary)
{
  gboolean user_session = FALSE;

  for (int depth = 0; depth < MAX_ANCESTORS && pid > 1; depth++)
    {
      pid_t ppid = 0;
      uid_t owner = 0;

      if (!read_status (pid, &ppid, &owner))
        return FALSE;
      if (runs_sshd (pid, sshd_binary) && holds_socket (pid, inode))
        {
          if (owner == uid && uid != 0)
            user_session = TRUE;
          else if (owner == 0)
            return user_session;
        }
      pid = ppid;
    }
  return FALSE;
}

gboolean
vsa_ssh_origin_verify (pid_t pid, uid_t uid, const char *ssh_connection, const char *sshd_binary,
                       GError **error)
{
  g_auto (GStrv) fields = g_strsplit (ssh_connection ? ssh_connection : "", " ", -1);
  Endpoint client, server;
  guint64 inode;

  if (g_strv_length (fields) == 4 && parse_endpoint (fields[0], fields[1], &client) &&
      parse_endpoint (fields[2], fields[3], &server) &&
      (inode = find_socket (pid, &server, &client)) != 0 &&
      ancestors_hold (pid, uid, inode, sshd_binary))
    return TRUE;
  g_set_error_literal (error, VSA_ERROR, VSA_ERROR_INSECURE,
                       "this request comes from no SSH session of yours (SSH_CONNECTION names "
                       "no connection your sshd holds); ask with 'ssh USER@SERVER console VM'");
  return FALSE;
}
