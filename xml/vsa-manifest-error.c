/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-manifest-error.h"
#include "vsa-error.h"
#include "vsa-xml.h"

gboolean
vsa_manifest_fail_at (const VsaManifestParse *st, xmlNode *node, GError **error,
                      const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "%s: line %ld: %s", st->what,
               xmlGetLineNo (node), message);
  return FALSE;
}

/* A validator's message, placed at NODE. */
gboolean
vsa_manifest_prefix_at (const VsaManifestParse *st, xmlNode *node, GError **error)
{
  g_prefix_error (error, "%s: line %ld: ", st->what, xmlGetLineNo (node));
  return FALSE;
}

gboolean
vsa_manifest_is_element (xmlNode *node, const char *name)
{
  return vsa_xml_is_element_ns (node, VSA_MANIFEST_NS, name);
}

gboolean
vsa_manifest_strings_contain (GPtrArray *strings, const char *value)
{
  return g_ptr_array_find_with_equal_func (strings, value, g_str_equal, NULL);
}
