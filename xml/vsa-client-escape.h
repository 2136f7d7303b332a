/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Escaping for the formats the client renderers write.  Each function
 * either produces text the target parser reads back as exactly the input,
 * or refuses with an error naming what cannot be expressed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vsa_validate_safe_path (const char *path, const char *what, GError **error);
gboolean vsa_validate_program_path (const char *path, const char *what, GError **error);
gboolean vsa_validate_sudoers_name (const char *name, const char *what, GError **error);
char *vsa_sudoers_escape_arg (const char *arg, GError **error);
char *vsa_file_name_encode (const char *name);

G_END_DECLS
