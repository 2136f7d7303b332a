/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who may tunnel to which VM with which key, read from one domain's
 * policy and resolved against its SPICE settings (the address and port
 * sshd forwards to).  Pure: domain XML in, routes and notes out. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vsa-ssh-key.h"

G_BEGIN_DECLS

/* One (VM, user) tunnel, resolved against the VM's SPICE settings. */
typedef struct {
  char *vm;
  char *user;
  char *from;         /* NULL: any client address */
  VsaSshKey *key;
  char *destination;  /* what the user may forward to: "127.0.0.1:20001", "[::1]:20001" */
} VsaTunnelRoute;

void vsa_tunnel_route_free (VsaTunnelRoute *route);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaTunnelRoute, vsa_tunnel_route_free)

gboolean vsa_tunnel_routes_from_domain (xmlDoc *doc, GPtrArray *routes, GPtrArray *notes,
                                        GError **error);

G_END_DECLS
