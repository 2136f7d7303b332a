/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A one-time console credential on a running VM and the .vv that carries
 * it: shared by `ticket` (the administrator's) and the console broker
 * (a user's, over SSH).  Password mode: a fresh random password on the
 * running VM only (the persistent configuration keeps its own).  SASL
 * mode: no password; the .vv names the user. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libxml/tree.h>

#include "vsa-config.h"
#include "vsa-policy.h"
#include "vsa-secret.h"
#include "vsa-spice.h"

G_BEGIN_DECLS

typedef struct {
  const char *vm;
  const char *user;
  const char *host;      /* where users connect; NULL: the listen address */
  VsaAuthMode auth;
  VsaSpiceInfo live;
  char *old_graphics;    /* the live <graphics>, to put back on failure */
  VsaSecret *password;
  char *valid_to;        /* libvirt's passwdValidTo */
} VsaTicket;

void vsa_ticket_clear (VsaTicket *t);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VsaTicket, vsa_ticket_clear)

gboolean vsa_ticket_from_doc (xmlDoc *doc, const VsaPolicy *policy, VsaTicket *t, GError **error);
void vsa_ticket_set_lifetime (VsaTicket *t, gint64 seconds);
gboolean vsa_ticket_issue_password (virDomain *dom, VsaTicket *t, const char *connected,
                                    GError **error);
gboolean vsa_ticket_set_live_graphics (virDomain *dom, const char *xml, GError **error);
char *vsa_ticket_render_vv (const VsaConfig *config, const VsaTicket *t, GError **error);

G_END_DECLS
