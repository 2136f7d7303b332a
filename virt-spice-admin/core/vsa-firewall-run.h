/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnftables as the firewall code (vsa-firewall*.c) uses it: one
 * context per process, every call one netlink batch, errors one line. */
#pragma once

#include <glib.h>

#include "vsa-nft.h"

G_BEGIN_DECLS

char *vsa_firewall_run_json (const char *command, GError **error);
gboolean vsa_firewall_fail (GError **error, const VsaNftSettings *settings, const char *what,
                            GError *cause);

G_END_DECLS
