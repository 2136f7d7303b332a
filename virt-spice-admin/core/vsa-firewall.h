/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The server firewall, applied through libnftables (no `nft` process):
 * every change is one atomic transaction on the project's own table (see
 * xml/vsa-nft.h for its layout).  libvirt-free, so the hook links it.
 * Needs CAP_NET_ADMIN in the network namespace it changes. */
#pragma once

#include <glib.h>

#include "vsa-config.h"
#include "vsa-nft.h"
#include "vsa-policy.h"

G_BEGIN_DECLS

/* What the kernel holds for one port of our table. */
typedef struct {
  int port;
  gboolean guarded;           /* in the ports set: the guard chain applies */
  GPtrArray *clients;         /* char *, as nft lists them (canonical) */
  gboolean has_counter;       /* in the rejected set */
  guint64 rejected_packets;
} VsaFirewallPort;

typedef struct {
  gboolean table_exists;
  GHashTable *ports;          /* GINT_TO_POINTER (port) -> VsaFirewallPort * */
} VsaFirewallState;

void vsa_firewall_state_free (VsaFirewallState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaFirewallState, vsa_firewall_state_free)

void vsa_firewall_settings_from_config (const VsaConfig *config, VsaNftSettings *ret_settings);
gboolean vsa_firewall_run_script (const char *script, GError **error);

gboolean vsa_firewall_add_vm (const VsaConfig *config, const char *vm_name,
                              const VsaPolicy *policy, int port, GError **error);
gboolean vsa_firewall_remove_vm (const VsaConfig *config, const char *vm_name,
                                 const VsaPolicy *policy, int port, GError **error);
gboolean vsa_firewall_update_vm (const VsaConfig *config, const char *vm_name,
                                 const VsaPolicy *policy, int port, GError **error);
gboolean vsa_firewall_sync (const VsaConfig *config, GPtrArray *vms, GError **error);
gboolean vsa_firewall_flush (const VsaConfig *config, GError **error);
gboolean vsa_firewall_bind (const VsaConfig *config, int port, const char *client,
                            const char *previous, gint64 seconds, GError **error);

VsaNftVm *vsa_firewall_wanted (const VsaPolicy *policy, int port, GDateTime *now,
                               char **ret_invalid);
const char *vsa_firewall_port_state (const VsaNftVm *wanted, int port, gboolean has_invalid,
                                     const VsaFirewallPort *installed, gboolean enabled);
VsaFirewallState *vsa_firewall_read_state (const VsaConfig *config, GError **error);
VsaFirewallState *vsa_firewall_state_from_json (const char *table, const char *json,
                                                GError **error);
VsaNftVm *vsa_firewall_port_to_vm (const VsaFirewallPort *port);

/* In a child forked by a process that has used the firewall (the hook
 * server): the next call opens a netlink socket of the child's own. */
void vsa_firewall_run_forget_context (void);

G_END_DECLS
