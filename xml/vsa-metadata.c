/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-metadata.h"
#include "vsa-error.h"
#include "vsa-namespace.h"
#include "vsa-schema.h"
#include "vsa-xml.h"

/* Generated at build time from vsa-console.rng (see meson.build). */
extern const char vsa_console_schema_text[];

const char *
vsa_metadata_schema (void)
{
  return vsa_console_schema_text;
}

/* The element alone as a document, the schema's start.  Copies keep
 * their line numbers, so messages point into the domain XML. */
static gboolean
validate_schema (xmlNode *console, GError **error)
{
  g_autoptr (xmlDoc) doc = xmlNewDoc (BAD_CAST "1.0");

  xmlDocSetRootElement (doc, xmlDocCopyNode (console, doc, 1));
  return vsa_schema_validate (doc, vsa_console_schema_text, "vsa-console.rng", "metadata", error);
}

/* The schema cannot say that two <vsa:access> elements grant the same
 * (user, client) pair; one of them is a hand edit gone wrong. */
static gboolean
refuse_repeated_access (xmlNode *console, GError **error)
{
  for (xmlNode *n = console->children; n; n = n->next)
    {
      g_autofree char *user = NULL;
      g_autofree char *client = NULL;

      if (!vsa_xml_is_element_ns (n, VSA_METADATA_NS, "access"))
        continue;
      user = vsa_xml_get (n, "user");
      client = vsa_xml_get (n, "client");
      for (xmlNode *m = console->children; m != n; m = m->next)
        if (vsa_xml_is_element_ns (m, VSA_METADATA_NS, "access") &&
            vsa_xml_attr_equals (m, "user", user) && vsa_xml_attr_equals (m, "client", client))
          {
            g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                         "metadata: line %ld: element access repeats user '%s'%s%s%s of line %ld; "
                         "remove one", xmlGetLineNo (n), user, client ? " with client '" : "",
                         client ? client : "", client ? "'" : "", xmlGetLineNo (m));
            return FALSE;
          }
    }
  return TRUE;
}

gboolean
vsa_metadata_validate (xmlNode *console, GError **error)
{
  return validate_schema (console, error) && refuse_repeated_access (console, error);
}
