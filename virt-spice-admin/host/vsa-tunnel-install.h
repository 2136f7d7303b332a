/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Putting rendered tunnel files in place (`tunnel install`): every tunnel
 * user must be an unprivileged account whose shell runs nothing (sshd runs
 * even its forced command through the shell, and bash reads ~/.bashrc
 * first), and its key file is root's, readable by the user's group but not
 * writable by the user (who could otherwise drop its from= and
 * permitopen=).  Anything wrong stops the install before a file moves. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vsa_tunnel_check_accounts (GPtrArray *files, gboolean create_users,
                                    GPtrArray *ret_missing, GPtrArray *ret_notes,
                                    GError **error);
gboolean vsa_tunnel_install_files (GPtrArray *files, GError **error);

G_END_DECLS
