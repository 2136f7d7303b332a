/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The renderers' text templates (templates/ in the source tree) are
 * plain text with @NAME@ placeholders, filled from NAME, VALUE pairs.
 * Values go in verbatim: each renderer escapes for its own format. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Returns the text of the template NAME (e.g. "sudoers"), or NULL. */
typedef const char *(*VsaTemplateLookup) (const char *name);

char *vsa_template_expand (VsaTemplateLookup lookup, const char *name,
                           const char *const *vars, GError **error);

G_END_DECLS
