/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client policy a server gives its client hosts (xml/vsa-client-policy):
 * built by `export` from one host's domains and by `apply` from every
 * host of a manifest, one console at a time, the same way. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vsa-client-policy.h"
#include "vsa-config.h"

G_BEGIN_DECLS

/* The policy's server part (name, subject, CA from the configuration),
 * without consoles yet. */
VsaClientPolicy *vsa_client_export_start (const VsaConfig *config, GError **error);

/* One managed console: POLICY and where it listens (LISTEN, TLS_PORT).
 * With CLIENT, only the accesses from that client; PASSWORD goes in only
 * when given (--include-passwords) and some access remains. */
VsaClientVm *vsa_client_export_vm (const char *name, const VsaPolicy *policy, const char *listen,
                                   int tls_port, const char *client, const char *password,
                                   GError **error);

/* Fail closed: the console of a VM whose policy cannot be read stays in
 * with nobody allowed, so every client host refuses it to everyone.  Its
 * auth mode is the one its XML (CONFIG_DOC) shows: it matters only for a
 * user's .vv, and there is none.  NULL when not even the console can be
 * pinned (no XML, no SPICE, no fixed TLS port on one address). */
VsaClientVm *vsa_client_export_unreadable_vm (const char *name, xmlDoc *config_doc);

/* After the consoles: each VM some user asks the broker for names this
 * machine's broker (vsa_client_export_local_broker). */
gboolean vsa_client_export_finish (const VsaConfig *config, VsaClientPolicy *policy,
                                   GError **error);
gboolean vsa_client_export_local_broker (const VsaConfig *config, char **ret_host, int *ret_port,
                                         char **ret_host_key, GError **error);

G_END_DECLS
