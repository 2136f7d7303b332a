/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-schema.h"
#include "vsa-error.h"

#include <libxml/relaxng.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlRelaxNGParserCtxt, xmlRelaxNGFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlRelaxNGValidCtxt, xmlRelaxNGFreeValidCtxt)

typedef struct {
  char *message;
  long line;
  guint count;
} SchemaErrors;

/* libxml2 reports the innermost mismatch first, often without a line;
 * the errors after it (the enclosing elements) carry the node. */
static void
collect_schema_error (void *user_data, xmlErrorPtr xerr)
{
  SchemaErrors *errors = user_data;
  long line = xerr->line;

  if (line == 0 && xerr->node)
    line = xmlGetLineNo ((xmlNode *) xerr->node);
  if (errors->count++ == 0)
    {
      errors->message = g_strchomp (g_strdup (xerr->message ? xerr->message : "invalid"));
      /* The refusal must stay one line (the hook's stderr is shown as is). */
      g_strdelimit (errors->message, "\r\n", ' ');
    }
  if (errors->line == 0)
    errors->line = line;
}

/* Errors while compiling the schema itself would be ours, not the
 * document's: they go nowhere and the caller asserts. */
static void
ignore_schema_error (void *user_data, xmlErrorPtr xerr)
{
}

static xmlRelaxNG *
compile_schema (const char *text)
{
  g_autoptr (xmlRelaxNGParserCtxt) ctxt = xmlRelaxNGNewMemParserCtxt (text, (int) strlen (text));

  xmlRelaxNGSetParserStructuredErrors (ctxt, ignore_schema_error, NULL);
  return xmlRelaxNGParse (ctxt);
}

/* Each schema is compiled once per process: audit and status decode the
 * policy of every VM.  Keyed by the text's address, which is static. */
static xmlRelaxNG *
schema_for (const char *text)
{
  static GHashTable *compiled;
  G_LOCK_DEFINE_STATIC (compiled);
  xmlRelaxNG *schema;

  G_LOCK (compiled);
  if (compiled == NULL)
    compiled = g_hash_table_new (g_direct_hash, g_direct_equal);
  schema = g_hash_table_lookup (compiled, text);
  if (schema == NULL)
    {
      schema = compile_schema (text);
      g_assert (schema != NULL); /* our own schema, compiled in */
      g_hash_table_insert (compiled, (gpointer) text, schema);
    }
  G_UNLOCK (compiled);
  return schema;
}

gboolean
vsa_schema_validate (xmlDoc *doc, const char *schema_text, const char *schema_name,
                     const char *what, GError **error)
{
  return vsa_schema_validate_compiled (doc, schema_for (schema_text), schema_name, what, error);
}

gboolean
vsa_schema_validate_compiled (xmlDoc *doc, xmlRelaxNG *schema, const char *schema_name,
                              const char *what, GError **error)
{
  g_autoptr (xmlRelaxNGValidCtxt) valid = xmlRelaxNGNewValidCtxt (schema);
  SchemaErrors errors = { 0 };
  g_autofree char *message = NULL;

  xmlRelaxNGSetValidStructuredErrors (valid, collect_schema_error, &errors);
  if (xmlRelaxNGValidateDoc (valid, doc) == 0)
    return TRUE;
  message = errors.message;
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "%s: line %ld: %s (see the schema %s)",
               what, errors.line, message ? message : "does not match the schema", schema_name);
  return FALSE;
}
