/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *vsa_unified_diff (const char *old_text, const char *new_text, const char *old_label,
                        const char *new_label, GError **error);

G_END_DECLS
