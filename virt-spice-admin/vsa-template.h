/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fills the text templates of templates/ (compiled in as a GResource).
 * Pure: no file is read, nothing is printed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *name;  /* NAME of @NAME@ */
  const char *value;
} VsaTemplateValue;

char *vsa_template_render (const char *template_name, const VsaTemplateValue *values,
                           GError **error);

G_END_DECLS
