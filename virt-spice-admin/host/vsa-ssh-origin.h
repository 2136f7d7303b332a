/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Is SSH_CONNECTION true?  The console command passes on what sshd put
 * in its environment, but any process can set that variable.  The broker
 * believes it only when the kernel shows that very TCP connection
 * (client address:port to server address:port, established) held by two
 * of the asking process's ancestors: an sshd running as root (the
 * privileged monitor that accepted it, which no user can start) and an
 * sshd running as the asking user (the session sshd serves her).  So the
 * address is the one her own live SSH session comes from. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

gboolean vsa_ssh_origin_verify (pid_t pid, uid_t uid,
                                const char *ssh_connection, const char *sshd_binary,
                                GError **error);

G_END_DECLS
