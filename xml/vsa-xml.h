/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Safe parsing, canonical serialization and small tree helpers shared by
 * every domain-XML transform.  No I/O beyond the buffers handed in. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <libxml/parser.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlParserCtxt, xmlFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlBuffer, xmlBufferFree)

/* Largest document we accept: libvirt domain XML is a few KiB; anything
 * near this is hostile or broken. */
#define VSA_XML_MAX_SIZE (4 * 1024 * 1024)

/* The libvirt qemu command-line namespace. */
#define VSA_QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

xmlDoc *vsa_xml_parse (const char *text, gsize len, const char *what, GError **error);
char *vsa_xml_serialize (xmlDoc *doc);
char *vsa_xml_serialize_node (xmlDoc *doc, xmlNode *node);

xmlNode *vsa_xml_child (xmlNode *parent, const char *name);
xmlNode *vsa_xml_child_ns (xmlNode *parent, const char *ns_uri, const char *name);
xmlNode *vsa_xml_ensure_child (xmlNode *parent, const char *name);
gboolean vsa_xml_is_element (xmlNode *node, const char *name);
gboolean vsa_xml_is_element_ns (xmlNode *node, const char *ns_uri, const char *name);
char *vsa_xml_get (xmlNode *node, const char *attr);
gboolean vsa_xml_attr_equals (xmlNode *node, const char *attr, const char *value);
void vsa_xml_set (xmlNode *node, const char *attr, const char *value);
void vsa_xml_unset (xmlNode *node, const char *attr);
void vsa_xml_remove_node (xmlNode *node);
xmlNode *vsa_xml_devices (xmlDoc *doc, GError **error);
char *vsa_domain_uuid (xmlDoc *doc);
char *vsa_domain_name (xmlDoc *doc);

G_END_DECLS
