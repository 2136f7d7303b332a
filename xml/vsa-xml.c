/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-xml.h"
#include "vsa-error.h"

#include <string.h>
#include <libxml/xmlsave.h>

/* Domain XML never carries a DTD.  Refusing one before libxml2 sees it
 * rules out external entities and entity-expansion bombs whatever the
 * libxml2 version (2.9 has no XML_PARSE_NO_XXE). */
static gboolean
refuse_doctype (const char *text, gsize len, const char *what, GError **error)
{
  static const char *const markers[] = { "<!DOCTYPE", "<!ENTITY" };

  for (gsize i = 0; i < G_N_ELEMENTS (markers); i++)
    if (g_strstr_len (text, len, markers[i]) != NULL)
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "%s: document type declarations are not allowed in domain XML", what);
        return FALSE;
      }
  return TRUE;
}

xmlDoc *
vsa_xml_parse (const char *text, gsize len, const char *what, GError **error)
{
  g_autoptr (xmlParserCtxt) ctxt = NULL;
  xmlDoc *doc;

  if (len == 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "%s: empty document", what);
      return NULL;
    }
  if (len > VSA_XML_MAX_SIZE)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s: document is %" G_GSIZE_FORMAT " bytes, more than the %d byte limit",
                   what, len, VSA_XML_MAX_SIZE);
      return NULL;
    }
  if (!refuse_doctype (text, len, what, error))
    return NULL;

  ctxt = xmlNewParserCtxt ();
  if (ctxt == NULL)
    g_error ("out of memory");
  /* NONET: never fetch anything; no NOENT/DTDLOAD/HUGE: keep libxml2's
   * entity and depth limits.  NOBLANKS lets the serializer re-indent
   * consistently after a transform adds elements. */
  doc = xmlCtxtReadMemory (ctxt, text, (int) len, NULL, "UTF-8",
                           XML_PARSE_NONET | XML_PARSE_NOBLANKS |
                           XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL || !ctxt->wellFormed)
    {
      const xmlError *xerr = xmlCtxtGetLastError (ctxt);
      g_autofree char *msg = g_strdup (xerr && xerr->message ? xerr->message : "not well-formed\n");

      /* Some libxml2 messages span lines ("...encoding !\nBytes: 0xAA");
       * the hook's refusal must stay one line for libvirt to show. */
      g_strdelimit (g_strchomp (msg), "\r\n", ' ');
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "%s: line %d: %s",
                   what, xerr ? xerr->line : 0, msg);
      if (doc)
        xmlFreeDoc (doc);
      return NULL;
    }
  return doc;
}

static char *
buffer_to_string (xmlBuffer *buf)
{
  return g_strndup ((const char *) xmlBufferContent (buf), xmlBufferLength (buf));
}

/* Canonical form used everywhere (output, diffs, golden files): two-space
 * indentation, no XML declaration, trailing newline. */
char *
vsa_xml_serialize (xmlDoc *doc)
{
  g_autoptr (xmlBuffer) buf = xmlBufferCreate ();
  xmlSaveCtxt *save = xmlSaveToBuffer (buf, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);

  xmlSaveDoc (save, doc);
  xmlSaveClose (save);
  return buffer_to_string (buf);
}

char *
vsa_xml_serialize_node (xmlDoc *doc, xmlNode *node)
{
  g_autoptr (xmlBuffer) buf = xmlBufferCreate ();

  xmlNodeDump (buf, doc, node, 0, 1);
  return buffer_to_string (buf);
}

gboolean
vsa_xml_is_element (xmlNode *node, const char *name)
{
  return node && node->type == XML_ELEMENT_NODE && node->ns == NULL &&
         g_strcmp0 ((const char *) node->name, name) == 0;
}

/* First child element NAME in no namespace (libvirt's own elements). */
xmlNode *
vsa_xml_child (xmlNode *parent, const char *name)
{
  if (parent == NULL)
    return NULL;
  for (xmlNode *n = parent->children; n; n = n->next)
    if (vsa_xml_is_element (n, name))
      return n;
  return NULL;
}

/* Element NAME in the namespace NS_URI (ours, qemu's, the manifest's). */
gboolean
vsa_xml_is_element_ns (xmlNode *node, const char *ns_uri, const char *name)
{
  return node && node->type == XML_ELEMENT_NODE && node->ns &&
         g_strcmp0 ((const char *) node->ns->href, ns_uri) == 0 &&
         g_strcmp0 ((const char *) node->name, name) == 0;
}

xmlNode *
vsa_xml_child_ns (xmlNode *parent, const char *ns_uri, const char *name)
{
  if (parent == NULL)
    return NULL;
  for (xmlNode *n = parent->children; n; n = n->next)
    if (vsa_xml_is_element_ns (n, ns_uri, name))
      return n;
  return NULL;
}

xmlNode *
vsa_xml_ensure_child (xmlNode *parent, const char *name)
{
  xmlNode *child = vsa_xml_child (parent, name);

  if (child == NULL)
    child = xmlNewChild (parent, NULL, BAD_CAST name, NULL);
  return child;
}

/* GLib-allocated copy so callers can use g_autofree. */
char *
vsa_xml_get (xmlNode *node, const char *attr)
{
  xmlChar *value;
  char *copy;

  if (node == NULL)
    return NULL;
  value = xmlGetNoNsProp (node, BAD_CAST attr);
  if (value == NULL)
    return NULL;
  copy = g_strdup ((const char *) value);
  xmlFree (value);
  return copy;
}

gboolean
vsa_xml_attr_equals (xmlNode *node, const char *attr, const char *value)
{
  g_autofree char *actual = vsa_xml_get (node, attr);

  return g_strcmp0 (actual, value) == 0;
}

void
vsa_xml_set (xmlNode *node, const char *attr, const char *value)
{
  xmlSetProp (node, BAD_CAST attr, BAD_CAST value);
}

void
vsa_xml_unset (xmlNode *node, const char *attr)
{
  xmlUnsetProp (node, BAD_CAST attr);
}

void
vsa_xml_remove_node (xmlNode *node)
{
  xmlUnlinkNode (node);
  xmlFreeNode (node);
}

xmlNode *
vsa_xml_devices (xmlDoc *doc, GError **error)
{
  xmlNode *root = xmlDocGetRootElement (doc);

  if (!vsa_xml_is_element (root, "domain"))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "domain XML: root element is not <domain>");
      return NULL;
    }
  return vsa_xml_ensure_child (root, "devices");
}

/* The stripped text of the domain's child element NAME, or NULL. */
static char *
domain_child_text (xmlDoc *doc, const char *name)
{
  xmlNode *child = vsa_xml_child (xmlDocGetRootElement (doc), name);
  xmlChar *text;
  char *copy;

  if (child == NULL)
    return NULL;
  text = xmlNodeGetContent (child);
  copy = g_strstrip (g_strdup ((const char *) text));
  xmlFree (text);
  return copy;
}

char *
vsa_domain_uuid (xmlDoc *doc)
{
  return domain_child_text (doc, "uuid");
}

/* "" when there is none. */
char *
vsa_domain_name (xmlDoc *doc)
{
  char *name = domain_child_text (doc, "name");

  return name ? name : g_strdup ("");
}
