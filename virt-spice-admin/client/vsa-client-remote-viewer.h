/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* remote-viewer owned root:GROUP 0750, so only sudo (which grants GROUP
 * with the pinned arguments) can start it; the users who must never be in
 * GROUP; and the launcher sudo runs as root, which must be root's alone. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "vsa-client-host.h"

G_BEGIN_DECLS

#define VSA_REMOTE_VIEWER_MODE 0750

gboolean vsa_client_uses_statoverride (const VsaClientHost *host);
gboolean vsa_client_lock_remote_viewer (const VsaClientHost *host, gid_t gid, GPtrArray *notes,
                                        GError **error);
void vsa_client_check_remote_viewer (const VsaClientHost *host, GPtrArray *drifts);
GPtrArray *vsa_client_group_members (const VsaClientHost *host);
char *vsa_client_launcher_problem (const VsaClientHost *host);

G_END_DECLS
