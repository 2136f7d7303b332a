/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Access windows on a client host: the per-UID firewall admits a user's
 * console only while her window is open.  The rules are rendered for the
 * state at one instant (in the windows' zone) and rendered
 * again at every boundary by `client sync`, as the server's `schedule
 * sync` does with its set elements; nftables `meta hour` is evaluated in
 * UTC, so rules matching time would shift at every offset change. */
#pragma once

#include "vsa-client-policy.h"

G_BEGIN_DECLS

/* The grants of GRANTS (VsaClientGrant) whose window is open at NOW (a
 * new array of the same elements). */
GArray *vsa_client_grants_open_now (GArray *grants, GDateTime *now);

/* TRUE when some grant has a window other than always. */
gboolean vsa_client_grants_have_windows (GArray *grants);

/* Comment lines ("# ...\n") naming each windowed grant, whether it is
 * admitted now and until when; "" when no grant has a window.  The text
 * changes only at a boundary, so a synced file does not drift between. */
char *vsa_client_windows_comment (GArray *grants, GDateTime *now);

/* The next instant a window of GRANTS opens or closes (in NOW's zone),
 * or NULL when none ever does. */
GDateTime *vsa_client_windows_next (GArray *grants, GDateTime *now);

G_END_DECLS
