/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Inside the manifest parser: every error names FILE: line N. */
#pragma once

#include "vsa-manifest.h"

G_BEGIN_DECLS

typedef struct {
  const char *what; /* the file name, for messages */
} VsaManifestParse;

gboolean vsa_manifest_fail_at (const VsaManifestParse *st, xmlNode *node, GError **error,
                               const char *format, ...) G_GNUC_PRINTF (4, 5);
/* A validator's message, placed at NODE. */
gboolean vsa_manifest_prefix_at (const VsaManifestParse *st, xmlNode *node, GError **error);
gboolean vsa_manifest_is_element (xmlNode *node, const char *name);
gboolean vsa_manifest_strings_contain (GPtrArray *strings, const char *value);

G_END_DECLS
