/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where the gate finds the resident hook server.  Plain libc: the gate
 * links this. */
#pragma once

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/* The abstract socket's name is this prefix and the directory the programs
 * live in (systemd: ListenSequentialPacket=@virt-spice-admin-hookd:DIR),
 * so a gate only ever talks to the server of its own installation: a
 * test's build beside a package, two prefixes on one host. */
#define VSA_HOOK_SERVER_PREFIX "virt-spice-admin-hookd:"

/* The directory of the running program (its real file, links resolved):
 * 0, or -1 with errno set. */
int vsa_hook_program_dir (char *buf, size_t size);

/* The server address for programs in DIR: 0, or -1 if DIR is too long
 * for a socket name. */
int vsa_hook_server_address (const char *dir, struct sockaddr_un *ret_addr, socklen_t *ret_len);
