/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The renderers' text templates (templates/ in the source tree) are
 * plain text with @NAME@ placeholders, filled from NAME, VALUE pairs.
 * Values go in verbatim: each renderer escapes for its own format. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Returns the text of the template NAME (e.g. "sudoers"), or NULL. */
typedef const char *(*VsaTemplateLookup) (const char *name);

/* The text of template NAME, or NULL and an error naming it. */
const char *vsa_template_text (VsaTemplateLookup lookup, const char *name, GError **error);
char *vsa_template_expand (VsaTemplateLookup lookup, const char *name,
                           const char *const *vars, GError **error);

/* Fills the template TEXT (called NAME in messages) with VARS. */
char *vsa_template_fill (const char *text, const char *name, const char *const *vars,
                         GError **error);

G_END_DECLS
