/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-define-check.h"
#include "vsa-xml.h"

#include <string.h>

static const char *const neutral_graphics_attributes[] = {
  "passwd", "passwdValidTo", "connected", NULL
};

/* Indentation is no content: a policy written into a domain that had no
 * <metadata> may or may not bring its own. */
static void
remove_blank_text (xmlNode *node)
{
  xmlNode *next;

  for (xmlNode *n = node->children; n; n = next)
    {
      next = n->next;
      if (n->type == XML_TEXT_NODE && xmlIsBlankNode (n))
        vsa_xml_remove_node (n);
      else if (n->type == XML_ELEMENT_NODE)
        remove_blank_text (n);
    }
}

/* DOC serialized without what the schema does not look at. */
static char *
schema_relevant_text (xmlDoc *doc)
{
  g_autoptr (xmlDoc) copy = xmlCopyDoc (doc, 1);
  xmlNode *root = copy ? xmlDocGetRootElement (copy) : NULL;
  xmlNode *metadata = root ? vsa_xml_child (root, "metadata") : NULL;
  xmlNode *devices = root ? vsa_xml_child (root, "devices") : NULL;

  if (root == NULL)
    return NULL;
  if (metadata)
    vsa_xml_remove_node (metadata);
  for (xmlNode *n = devices ? devices->children : NULL; n; n = n->next)
    if (vsa_xml_is_element (n, "graphics") && vsa_xml_attr_equals (n, "type", "spice"))
      for (guint i = 0; neutral_graphics_attributes[i]; i++)
        vsa_xml_unset (n, neutral_graphics_attributes[i]);
  remove_blank_text (root);
  return vsa_xml_serialize (copy);
}

gboolean
vsa_define_change_is_schema_neutral (xmlDoc *old_doc, xmlDoc *new_doc)
{
  g_autofree char *before = schema_relevant_text (old_doc);
  g_autofree char *after = schema_relevant_text (new_doc);

  return before != NULL && after != NULL && strcmp (before, after) == 0;
}
