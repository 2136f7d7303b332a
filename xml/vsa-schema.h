/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Validation against a RelaxNG schema compiled into the binary (see
 * build-aux/embed-text.py), so a document is checked the same way
 * wherever the binary runs, with no schema file to find or lose. */
#pragma once

#include <glib.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* TRUE when DOC matches the schema SCHEMA_TEXT.  Otherwise one line:
 * "WHAT: line N: <libxml2's message> (see the schema SCHEMA_NAME)"; the
 * message names the element (and the attribute) at fault. */
gboolean vsa_schema_validate (xmlDoc *doc, const char *schema_text, const char *schema_name,
                              const char *what, GError **error);

/* The same against SCHEMA, compiled by the caller (who read it from a
 * file: libvirt's domain schema, cli/vsa-domain-schema.c).  A compiled
 * schema is only read here: threads may share it, each validation has
 * its own context. */
gboolean vsa_schema_validate_compiled (xmlDoc *doc, xmlRelaxNG *schema, const char *schema_name,
                                       const char *what, GError **error);

G_END_DECLS
