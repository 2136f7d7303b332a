/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The session journal (`watch`): follows libvirt's graphics and
 * lifecycle events of every domain, keeps the session table
 * (host/vsa-sessions.h) and writes one journal record per event.  SPICE
 * events carry no user name, so the user is the one the broker issued
 * the address a ticket for, or else the one whose assignment lists the
 * address; each record says which.  Reconnects when libvirtd restarts. */
#pragma once

#include <glib.h>

#include "vsa-context.h"

G_BEGIN_DECLS

gboolean vsa_watch_run (VsaContext *ctx, GError **error);

G_END_DECLS
