/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Transforms of a domain's SPICE <graphics> element: TLS-only listening,
 * per-VM passwords, and the checks the hook and `show` apply. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vsa-policy.h"

G_BEGIN_DECLS

/* spice-server refuses longer tickets (SPICE_MAX_PASSWORD_LENGTH). */
#define VSA_SPICE_PASSWORD_MAX 60

typedef struct {
  int tls_port;             /* 1..65535, already chosen by the caller */
  const char *listen;       /* an address literal, already validated */
  const char *compression;  /* NULL: leave image compression alone */
  gboolean replace_vnc;     /* replace VNC graphics instead of refusing */
} VsaSpiceSecureOptions;

/* A port attribute that is not a number from -1 to 65535. */
#define VSA_PORT_INVALID (-2)

typedef struct {
  gboolean has_spice;
  gboolean has_vnc;
  int port;                 /* plain port, 0 if none, -1 if autoport, VSA_PORT_INVALID */
  int tls_port;             /* 0 if none, -1 if autoport, VSA_PORT_INVALID */
  gboolean autoport;
  char *default_mode;       /* NULL means libvirt's default: any */
  char *listen;             /* address of the first address listen, or NULL */
  char *listen_type;        /* type of the first <listen>, or NULL */
  char *password;           /* secret; only read by callers that asked to show it */
  char *password_valid_to;
  char *connected;
  char *compression;
  gboolean has_insecure_channel;
} VsaSpiceInfo;

void vsa_spice_info_clear (VsaSpiceInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VsaSpiceInfo, vsa_spice_info_clear)

xmlNode *vsa_spice_find_graphics (xmlDoc *doc);
gboolean vsa_spice_describe (xmlDoc *doc, VsaSpiceInfo *ret_info, GError **error);

gboolean vsa_spice_validate_compression (const char *mode, GError **error);
gboolean vsa_spice_make_secure (xmlDoc *doc, const VsaSpiceSecureOptions *opts, GError **error);

gboolean vsa_spice_validate_password (const char *password, GError **error);
gboolean vsa_spice_set_password (xmlDoc *doc, const char *password, const char *valid_to,
                                 const char *connected, GError **error);
gboolean vsa_spice_validate_connected (const char *connected, GError **error);

GPtrArray *vsa_spice_find_insecurities (xmlDoc *doc, VsaAuthMode auth, xmlDoc *secrets_doc);

/* Ports (plain, TLS, websocket) of every graphics element, as ints. */
void vsa_domain_collect_graphics_ports (xmlDoc *doc, GArray *ports);

gboolean vsa_tls_port_choose (int requested, int current, int range_min, int range_max,
                              GHashTable *used_by, int *ret_port, GError **error);

G_END_DECLS
