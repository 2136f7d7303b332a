/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Questions about block devices: which signature one carries (libblkid),
 * whether two paths are one device, and who holds a device open. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vsa_block_find_signature (const char *device, char **ret_type, GError **error);
gboolean vsa_block_wipe_signatures (const char *device, GError **error);
gboolean vsa_block_same_device (const char *path_a, const char *path_b);
char *vsa_block_describe_users (const char *device);

G_END_DECLS
