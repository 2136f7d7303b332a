/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the gate and the resident hook server agree on: where the server
 * listens, what a request may carry, how long a call may take.  Plain
 * libc: the gate links this. */
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

/* A request's argv holds at most this many strings (libvirt passes 4). */
#define VSA_HOOK_ARGV_MAX 8

/* Seconds the gate gives a call, from this variable (libvirt runs hooks
 * with a clean environment, so it is for tests and debugging). */
#define VSA_HOOK_TIMEOUT_ENV "VIRT_SPICE_ADMIN_HOOK_TIMEOUT"

/* The environment settings a request carries (when set in the gate's),
 * the timeout last; the server refuses any other. */
#define VSA_HOOK_N_REQUEST_KEYS 3
extern const char *const vsa_hook_request_keys[VSA_HOOK_N_REQUEST_KEYS];

/* TEXT (the timeout variable's value, or NULL) as seconds: 1 to 3600, or
 * the default of 90: a minute and a half is generous for a PBKDF and still
 * short of leaving `virsh start` hanging. */
long vsa_hook_timeout_seconds (const char *text);
