/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client host side of the console policy: load the exported policy,
 * render the lock-down for this host, validate every file with the real
 * tool, install it, and find drift.  Never talks to libvirt: it runs on
 * client laptops that only have the policy file. */
#pragma once

#include <glib.h>

#include "vsa-client-render.h"
#include "vsa-config.h"

G_BEGIN_DECLS

typedef struct {
  VsaClientPolicy *policy;
  char *client;
  char *prefix;
  char *group;
  char *remote_viewer;
  char *launcher;
  char *program;
  char *config_path;
  gboolean nopasswd;
  VsaFirewallKind firewall;
  GHashTable *uids;  /* user -> uid, for the users this client grants */
  GDateTime *now;    /* when the host was loaded, in the windows' zone */
} VsaClientHost;

VsaClientHost *vsa_client_host_new (const VsaConfig *config, VsaClientPolicy *policy,
                                    const char *client, GError **error);
VsaClientHost *vsa_client_host_load (const VsaConfig *config, const char *policy_path,
                                     const char *client, GError **error);
void vsa_client_host_free (VsaClientHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaClientHost, vsa_client_host_free)

void vsa_client_host_render_options (const VsaClientHost *host, VsaClientRenderOptions *ret_opts);
GPtrArray *vsa_client_host_render (const VsaClientHost *host, GError **error);
char *vsa_client_host_path (const VsaClientHost *host, const VsaClientFile *file);

gboolean vsa_client_write_tree (GPtrArray *files, const char *root, GError **error);
gboolean vsa_client_validate_tree (GPtrArray *files, const char *root, GError **error);
gboolean vsa_client_stage_and_validate (GPtrArray *files, GError **error);
gboolean vsa_client_sync_tree (GPtrArray *files, const char *root, gboolean write,
                               guint *ret_changed, guint *ret_removed, GError **error);

gboolean vsa_client_install (const VsaClientHost *host, GPtrArray *files, GPtrArray *notes,
                             GError **error);
gboolean vsa_client_sync (const VsaClientHost *host, GPtrArray *files, gboolean *ret_changed,
                          GError **error);
GPtrArray *vsa_client_check (const VsaClientHost *host, GPtrArray *files);
void vsa_client_check_setid_files (const VsaClientHost *host, GPtrArray *drifts);

G_END_DECLS
