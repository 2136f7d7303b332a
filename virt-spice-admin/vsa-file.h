/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

gboolean vsa_file_write_atomic (const char *path, const char *data, gsize len, mode_t mode,
                                GError **error);
gboolean vsa_file_write_atomic_owned (const char *path, const char *data, gsize len, mode_t mode,
                                      uid_t uid, gid_t gid, GError **error);
gboolean vsa_dir_ensure (const char *path, mode_t mode, GError **error);

G_END_DECLS
