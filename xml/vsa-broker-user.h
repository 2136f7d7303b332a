/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the console broker knows of one user of a VM beyond the access
 * rows: the public key her `ssh USER@SERVER console VM` logs in with
 * (one per user) and whether she may take the console over from another
 * user.  Stored in the policy element as
 *   <vsa:broker user="alice" take-over="yes" type="ssh-ed25519"
 *               key="AAAAC3Nza..." comment="alice@laptop"/>
 * (take-over and the key each optional) and checked as strictly when
 * read back as when first given. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vsa-ssh-key.h"

G_BEGIN_DECLS

typedef struct {
  char *user;
  VsaSshKey *key;     /* NULL: no broker key (yet) */
  gboolean take_over;
} VsaBrokerUser;

VsaBrokerUser *vsa_broker_user_new (const char *user);
VsaBrokerUser *vsa_broker_user_copy (const VsaBrokerUser *broker_user);
void vsa_broker_user_free (VsaBrokerUser *broker_user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaBrokerUser, vsa_broker_user_free)

VsaBrokerUser *vsa_broker_user_from_element (xmlNode *node, GError **error);
void vsa_broker_user_to_element (const VsaBrokerUser *broker_user, xmlNode *console, xmlNs *ns);

G_END_DECLS
