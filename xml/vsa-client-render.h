/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Everything a client host needs to lock remote-viewer down to the
 * consoles assigned to its users, rendered from a client policy: a
 * sudoers drop-in pinning remote-viewer's arguments per user, a per-UID
 * firewall, .vv connection files, the spice-connect launcher and systemd
 * units.  Pure: no I/O; templates come in through a lookup function and
 * user ids through a table, so golden tests pin every byte. */
#pragma once

#include <glib.h>

#include "vsa-client-policy.h"
#include "vsa-template.h"

G_BEGIN_DECLS

typedef enum {
  VSA_FIREWALL_NFT,
  VSA_FIREWALL_IPTABLES,
} VsaFirewallKind;

gboolean vsa_firewall_kind_from_string (const char *text, VsaFirewallKind *ret_kind,
                                        GError **error);

/* What a rendered file is, so the service layer knows which real tool
 * validates it and how it is installed. */
typedef enum {
  VSA_CLIENT_FILE_DIR,
  VSA_CLIENT_FILE_SUDOERS,
  VSA_CLIENT_FILE_NFT,
  VSA_CLIENT_FILE_IPTABLES,
  VSA_CLIENT_FILE_IP6TABLES,
  VSA_CLIENT_FILE_LAUNCHER,
  VSA_CLIENT_FILE_VV,
  VSA_CLIENT_FILE_UNIT,
  VSA_CLIENT_FILE_POLICY,
  VSA_CLIENT_FILE_KNOWN_HOSTS,
} VsaClientFileKind;

typedef struct {
  VsaClientFileKind kind;
  char *path;            /* relative to the install root, e.g. "etc/sudoers.d/virt-spice-admin" */
  char *content;         /* NULL for directories */
  guint mode;            /* always owned root:root */
} VsaClientFile;

void vsa_client_file_free (VsaClientFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaClientFile, vsa_client_file_free)

typedef struct {
  const VsaClientPolicy *policy;
  const char *client;         /* this host's name in the policy (an --client of assign) */
  const char *prefix;         /* install root the files refer to: "/" on a real host */
  const char *group;          /* the group that alone may execute remote-viewer */
  const char *remote_viewer;  /* absolute path of remote-viewer */
  const char *launcher;       /* virt-spice-admin-client-open, run as root by sudo */
  const char *program;        /* absolute path of virt-spice-admin, for the check unit */
  const char *config_path;    /* configuration the check unit passes on, or NULL */
  gboolean nopasswd;          /* sudo without the user's password */
  VsaFirewallKind firewall;
  GHashTable *uids;           /* user name -> GUINT_TO_POINTER (uid) */
  GDateTime *now;             /* the instant access windows are evaluated at, in their zone */
  VsaTemplateLookup templates;
} VsaClientRenderOptions;

#define VSA_CLIENT_NFT_TABLE "vsa_client"
#define VSA_CLIENT_IPTABLES_CHAIN "VSA-CLIENT"
#define VSA_CLIENT_SUDOERS_PATH "etc/sudoers.d/virt-spice-admin"
#define VSA_CLIENT_CONF_DIR "etc/virt-spice-admin/client"
#define VSA_CLIENT_POLICY_PATH VSA_CLIENT_CONF_DIR "/policy.xml"
#define VSA_CLIENT_NFT_PATH VSA_CLIENT_CONF_DIR "/firewall.nft"
#define VSA_CLIENT_IPTABLES_PATH VSA_CLIENT_CONF_DIR "/iptables.rules"
#define VSA_CLIENT_IP6TABLES_PATH VSA_CLIENT_CONF_DIR "/ip6tables.rules"
#define VSA_CLIENT_VV_DIR VSA_CLIENT_CONF_DIR "/vv"
#define VSA_CLIENT_KNOWN_HOSTS_PATH VSA_CLIENT_CONF_DIR "/ssh_known_hosts"
#define VSA_CLIENT_LAUNCHER_PATH "usr/local/bin/spice-connect"
#define VSA_CLIENT_UNIT_DIR "etc/systemd/system"
#define VSA_CLIENT_FIREWALL_UNIT "virt-spice-admin-client-firewall.service"
#define VSA_CLIENT_CHECK_UNIT "virt-spice-admin-client-check.service"
#define VSA_CLIENT_CHECK_TIMER "virt-spice-admin-client-check.timer"
#define VSA_CLIENT_SYNC_UNIT "virt-spice-admin-client-sync.service"
#define VSA_CLIENT_SYNC_TIMER "virt-spice-admin-client-sync.timer"

gboolean vsa_client_render_validate_options (const VsaClientRenderOptions *opts, GError **error);
GPtrArray *vsa_client_render (const VsaClientRenderOptions *opts, GError **error);
char *vsa_client_absolute_path (const char *prefix, const char *relative);

/* The nft set elements the firewall must hold at opts->now, as nft prints them
 * ("UID . ADDRESS . PORT" / "ADDRESS . PORT"), for the drift check. */
GPtrArray *vsa_client_nft_elements (const VsaClientRenderOptions *opts, const char *set_name);

/* How many of FILES are directories (DIRECTORIES) or files (!DIRECTORIES). */
guint vsa_client_files_count (GPtrArray *files, gboolean directories);

/* For the renderer's own files (vsa-client-render.c, the firewall in
 * vsa-client-firewall-render.c). */
void vsa_client_add_file (GPtrArray *files, VsaClientFileKind kind, char *path, char *content,
                          guint mode);
guint vsa_client_uid_of (const VsaClientRenderOptions *opts, const char *user);
char *vsa_client_header_comment (const VsaClientRenderOptions *opts, const char *comment_start);
gboolean vsa_client_render_firewall (const VsaClientRenderOptions *opts, GArray *grants,
                                     GPtrArray *files, GError **error);

G_END_DECLS
