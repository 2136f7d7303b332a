/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SSH tunnel policy of a host as files: from the domains' policies
 * (who may tunnel to which VM with which key) to one sshd drop-in with a
 * Match block per user and one authorized_keys file per user.  Pure:
 * domain XML in, file contents out; writing them is the caller's job. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vsa-ssh-key.h"

G_BEGIN_DECLS

#define VSA_SSHD_DROP_IN_NAME "virt-spice-admin.conf"

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

typedef struct {
  char *path;     /* where it is installed */
  char *owner;    /* the tunnel user whose keys these are (root owns the file, her
                   * group reads it); NULL: root's own file */
  guint mode;
  char *content;
} VsaRenderedFile;

void vsa_rendered_file_free (VsaRenderedFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaRenderedFile, vsa_rendered_file_free)

typedef struct {
  const char *drop_in_dir;          /* sshd-drop-in-dir */
  const char *authorized_keys_dir;  /* tunnel-authorized-keys-dir */
  const char *wait_command;         /* tunnel-wait-command */
} VsaTunnelRenderOptions;

GPtrArray *vsa_tunnel_render (GPtrArray *routes, const VsaTunnelRenderOptions *opts,
                              GError **error);
char *vsa_rendered_files_to_text (GPtrArray *files);

G_END_DECLS
