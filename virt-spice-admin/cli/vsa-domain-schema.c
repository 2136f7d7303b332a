/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-domain-schema.h"
#include "vsa-error.h"
#include "vsa-schema.h"
#include "vsa-xml.h"

#include <libxml/relaxng.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlRelaxNGParserCtxt, xmlRelaxNGFreeParserCtxt)

const char *
vsa_domain_schema_path (void)
{
  return VSA_LIBVIRT_SCHEMA_DIR "/domain.rng";
}

/* libvirt's own rule for a remote connection: a server in the URI or a
 * transport such as +ssh or +tcp.  qemu:///system, qemu+unix:///system
 * and test:///default are served on this machine. */
gboolean
vsa_domain_schema_uri_is_local (const char *uri)
{
  g_autoptr (GUri) parsed = uri ? g_uri_parse (uri, G_URI_FLAGS_NON_DNS, NULL) : NULL;
  const char *plus;

  if (parsed == NULL || (g_uri_get_host (parsed) && *g_uri_get_host (parsed)))
    return FALSE;
  plus = strchr (g_uri_get_scheme (parsed), '+');
  return plus == NULL || strcmp (plus + 1, "unix") == 0;
}

gboolean
vsa_domain_schema_serves (virConnect *conn)
{
  g_autofree char *uri = virConnectGetURI (conn);

  return vsa_domain_schema_uri_is_local (uri) && g_file_test (vsa_domain_schema_path (), G_FILE_TEST_IS_REGULAR);
}

/* The parser's complaints are about libvirt's file, not the domain: only
 * whether it compiled is reported. */
static void
ignore_error (void *user_data, xmlErrorPtr xerr)
{
}

/* Compiled once; a failure is remembered too (the file does not change
 * during a run), so every domain gets the same one-line answer. */
static xmlRelaxNG *
compiled_schema (GError **error)
{
  static gsize done;
  static xmlRelaxNG *schema;

  if (g_once_init_enter (&done))
    {
      g_autoptr (xmlRelaxNGParserCtxt) ctxt = xmlRelaxNGNewParserCtxt (vsa_domain_schema_path ());

      xmlRelaxNGSetParserStructuredErrors (ctxt, ignore_error, NULL);
      schema = xmlRelaxNGParse (ctxt);
      g_once_init_leave (&done, 1);
    }
  if (schema == NULL)
    g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                 "libvirt's domain schema %s does not compile: reinstall libvirt0",
                 vsa_domain_schema_path ());
  return schema;
}

gboolean
vsa_domain_schema_validate (const char *xml, GError **error)
{
  xmlRelaxNG *schema = compiled_schema (error);
  g_autoptr (xmlDoc) doc = NULL;

  if (schema == NULL)
    return FALSE;
  /* What is checked is exactly what libvirt will be sent. */
  doc = vsa_xml_parse (xml, strlen (xml), "the new domain XML", error);
  return doc != NULL &&
         vsa_schema_validate_compiled (doc, schema, vsa_domain_schema_path (),
                                       "the new domain XML", error);
}
