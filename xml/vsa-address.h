/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Listen addresses: literal IPv4/IPv6 addresses only (no I/O, no name
 * resolution), shared by the configuration, the console transforms and
 * the manifest checks. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vsa_validate_listen_address (const char *address, GError **error);
gboolean vsa_listen_is_wildcard (const char *address);

G_END_DECLS
