/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vsa_parse_duration (const char *text, gint64 *ret_seconds, GError **error);
GDateTime *vsa_parse_time (const char *text, GError **error);
char *vsa_format_libvirt_time (GDateTime *time);
char *vsa_valid_to_from_duration (const char *duration, GError **error);
gboolean vsa_time_zone_check (const char *name, GError **error);
GDateTime *vsa_time_now_in_zone (const char *name);

G_END_DECLS
