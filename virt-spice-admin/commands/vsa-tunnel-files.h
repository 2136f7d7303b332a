/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sshd side of the tunnels (one drop-in with a Match User block per
 * user, an authorized_keys file per user), rendered from domain
 * definitions, checked with the real sshd and installed together: the one
 * path `tunnel render|install` and `apply` share. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vsa-context.h"

G_BEGIN_DECLS

/* From DOCS (xmlDoc *, the persistent definitions): files[0] is the drop-in. */
GPtrArray *vsa_tunnel_files_render (VsaContext *ctx, GPtrArray *docs, GError **error);
/* From every domain of the context's connection. */
GPtrArray *vsa_tunnel_files_render_host (VsaContext *ctx, GError **error);

/* Every file already in place with this content, owner and mode. */
gboolean vsa_tunnel_files_current (GPtrArray *files);

/* Accounts (missing ones go to RET_MISSING with CREATE_USERS, else an
 * error) and `sshd -t` of the drop-in: nothing is written. */
gboolean vsa_tunnel_files_check (VsaContext *ctx, GPtrArray *files, gboolean create_users,
                                 GPtrArray *ret_missing, GError **error);

/* Creates MISSING, installs FILES (keys first, the drop-in last) and
 * removes the keys of users who have no tunnel any more. */
gboolean vsa_tunnel_files_install (GPtrArray *files, GPtrArray *missing, const char *keys_dir,
                                   guint *ret_stale, GError **error);

/* Removes the key files in DIR that FILES (the rendered ones) does not
 * have: the keys of users who have none any more.  How many went. */
guint vsa_key_files_remove_stale (const char *dir, GPtrArray *files);

G_END_DECLS
