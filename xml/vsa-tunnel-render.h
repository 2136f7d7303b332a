/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SSH tunnel policy of a host as files: from the routes of every VM
 * (vsa-tunnel-route.h) to one sshd drop-in with a Match block per user
 * and one authorized_keys file per user.  Pure: routes and the templates'
 * text in, file contents out; reading the templates and writing the files
 * is the caller's job. */
#pragma once

#include <glib.h>

#include "vsa-tunnel-route.h"

G_BEGIN_DECLS

#define VSA_SSHD_DROP_IN_NAME "virt-spice-admin.conf"

typedef struct {
  char *path;     /* where it is installed */
  char *owner;    /* the tunnel user whose keys these are (root owns the file, her
                   * group reads it); NULL: root's own file */
  guint mode;
  char *content;
} VsaRenderedFile;

void vsa_rendered_file_free (VsaRenderedFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaRenderedFile, vsa_rendered_file_free)

/* The text of the templates (templates/ in the source tree) the files
 * are made of. */
typedef struct {
  const char *drop_in;      /* sshd-tunnels.conf */
  const char *match_block;  /* sshd-tunnel-match.conf */
  const char *refuse_block; /* sshd-tunnel-refuse.conf: logins from outside from= */
  const char *keys_file;    /* tunnel-authorized-keys */
  const char *key_line;     /* tunnel-authorized-keys-line */
} VsaTunnelTemplates;

typedef struct {
  const char *drop_in_dir;          /* sshd-drop-in-dir */
  const char *authorized_keys_dir;  /* tunnel-authorized-keys-dir */
  const char *wait_command;         /* tunnel-wait-command */
  VsaTunnelTemplates templates;
} VsaTunnelRenderOptions;

GPtrArray *vsa_tunnel_render (GPtrArray *routes, const VsaTunnelRenderOptions *opts,
                              GError **error);
char *vsa_rendered_files_to_text (GPtrArray *files);

G_END_DECLS
