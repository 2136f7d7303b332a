/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The console broker's UNIX stream socket: one request, one answer, then
 * the connection closes.  The broker learns who asks from the kernel
 * (SO_PEERCRED), never from what the client sends. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Who is at the other end, as the kernel says. */
typedef struct {
  pid_t pid;
  uid_t uid;
  gid_t gid;
} VsaPeer;

int vsa_broker_socket_listen (const char *path, GError **error);
int vsa_broker_socket_accept (int listen_fd, VsaPeer *ret_peer, GError **error);
char *vsa_broker_socket_receive (int fd, gsize max, gsize *ret_len, GError **error);
gboolean vsa_broker_socket_send (int fd, const char *data, gsize len, GError **error);
char *vsa_broker_socket_ask (const char *path, const char *request, gsize max, gsize *ret_len,
                             GError **error);
char *vsa_peer_user_name (uid_t uid, GError **error);

G_END_DECLS
