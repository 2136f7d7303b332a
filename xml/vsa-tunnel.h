/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One SSH tunnel of a VM's policy: USER may forward to this VM's SPICE
 * port with KEY (from FROM only, when given).  Stored in the policy
 * element as
 *   <vsa:tunnel user="alice" from="192.168.2.0/24" type="ssh-ed25519"
 *               key="AAAAC3Nza..." comment="alice@laptop"/>
 * and checked as strictly when read back as when first given. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vsa-ssh-key.h"

G_BEGIN_DECLS

typedef struct {
  char *user;
  char *from;     /* address or CIDR network the client must come from, or NULL */
  VsaSshKey *key;
} VsaTunnel;

VsaTunnel *vsa_tunnel_new (const char *user, const VsaSshKey *key, const char *from);
void vsa_tunnel_free (VsaTunnel *tunnel);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaTunnel, vsa_tunnel_free)

gboolean vsa_validate_tunnel_user (const char *user, GError **error);
gboolean vsa_validate_ssh_from (const char *from, GError **error);

VsaTunnel *vsa_tunnel_from_element (xmlNode *node, GError **error);
/* The key of a <vsa:tunnel> or <vsa:broker>: NODE's type, key and comment
 * attributes, validated.  With none of them *RET_KEY is NULL, which only
 * an element whose key is optional (REQUIRED false) may be. */
gboolean vsa_tunnel_key_from_element (xmlNode *node, gboolean required, VsaSshKey **ret_key,
                                      GError **error);
void vsa_tunnel_key_to_element (const VsaSshKey *key, xmlNode *node);
void vsa_tunnel_to_element (const VsaTunnel *tunnel, xmlNode *console, xmlNs *ns);

G_END_DECLS
