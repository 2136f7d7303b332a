/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The server firewall as nft script text: pure rendering, no I/O, so the
 * exact text every transaction sends can be golden-tested and fuzzed.
 * virt-spice-admin/core/vsa-firewall.c runs it through libnftables.
 *
 * One table of our own (family inet).  Each packet to a managed TLS port
 * costs one lookup in a set keyed by (client address . port), whatever the
 * number of VMs:
 *
 *   chain input  (base chain, hook input)  tcp dport @ports jump guard
 *   chain guard  iif lo accept                      (SSH tunnels, probes)
 *                tcp dport @bound ip saddr . tcp dport != @tickets4 goto refuse
 *                tcp dport @bound ip6 saddr . tcp dport != @tickets6 goto refuse
 *                                                 (a broker ticket is live)
 *                ip  saddr . tcp dport @clients4 accept   (hash: addresses)
 *                ip6 saddr . tcp dport @clients6 accept
 *                ip  saddr . tcp dport @nets4 accept      (intervals: prefixes)
 *                ip6 saddr . tcp dport @nets6 accept
 *                goto refuse
 *   chain refuse update @rejected { tcp dport }           (per-port counter)
 *                [log prefix "..."] reject with tcp reset | drop
 */
#pragma once

#include <glib.h>

#include "vsa-policy.h"

G_BEGIN_DECLS

#define VSA_NFT_TABLE_DEFAULT "virt_spice_admin"
#define VSA_NFT_PRIORITY_DEFAULT (-10)

typedef enum {
  VSA_NFT_REJECT_RESET, /* answer with a TCP reset: clients fail at once */
  VSA_NFT_REJECT_DROP,  /* say nothing: clients time out */
} VsaNftRejectMode;

typedef struct {
  const char *table;       /* validated with vsa_nft_validate_table_name() */
  int priority;            /* of the input base chain */
  VsaNftRejectMode reject;
  const char *log_prefix;  /* NULL or "": no log rule */
} VsaNftSettings;

typedef enum {
  VSA_NFT_IPV4,
  VSA_NFT_IPV6,
} VsaNftFamily;

/* One allowed client: an address or a network prefix, in canonical form
 * (host bits cleared, a full-length prefix written as a plain address),
 * which is also how `nft list` prints it back. */
typedef struct {
  VsaNftFamily family;
  guint prefix_len;  /* 32 or 128 for a single address */
  guint8 bytes[16];  /* the address, host bits cleared */
  char *text;
} VsaNftClient;

void vsa_nft_client_free (VsaNftClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaNftClient, vsa_nft_client_free)

/* What one running VM needs: its TLS port and its distinct clients. */
typedef struct {
  int port;
  GPtrArray *clients; /* VsaNftClient *, first occurrence order, no duplicates,
                       * no network inside another */
} VsaNftVm;

void vsa_nft_vm_free (VsaNftVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaNftVm, vsa_nft_vm_free)

gboolean vsa_nft_validate_table_name (const char *name, GError **error);
gboolean vsa_nft_validate_log_prefix (const char *prefix, GError **error);
gboolean vsa_nft_validate_priority (int priority, GError **error);
gboolean vsa_nft_reject_mode_from_string (const char *text, VsaNftRejectMode *ret_mode,
                                          GError **error);
const char *vsa_nft_reject_mode_to_string (VsaNftRejectMode mode);

VsaNftClient *vsa_nft_client_parse (const char *text, GError **error);
gboolean vsa_nft_validate_client (const char *text, GError **error);

VsaNftVm *vsa_nft_vm_new (int port, GError **error);
gboolean vsa_nft_vm_add_client (VsaNftVm *vm, const char *text, GError **error);
/* NOW: leave out the users whose access windows are closed then (their
 * entries are still checked); NULL: every user. */
VsaNftVm *vsa_nft_vm_from_policy (const VsaPolicy *policy, int port, GDateTime *now,
                                  GError **error);
void vsa_nft_find_refused_clients (const VsaPolicy *policy, GPtrArray *problems);

char *vsa_nft_render_add_vm (const VsaNftSettings *settings, const VsaNftVm *vm);
char *vsa_nft_render_add_elements (const VsaNftSettings *settings, const VsaNftVm *vm);
char *vsa_nft_render_remove_vm (const VsaNftSettings *settings, const VsaNftVm *vm);
char *vsa_nft_render_replace_vm (const VsaNftSettings *settings, const VsaNftVm *vm,
                                 const VsaNftVm *installed);
char *vsa_nft_render_sync (const VsaNftSettings *settings, GPtrArray *vms);
char *vsa_nft_render_flush (const VsaNftSettings *settings);
char *vsa_nft_render_bind (const VsaNftSettings *settings, int port, const VsaNftClient *client,
                           const VsaNftClient *previous, gint64 seconds);
gboolean vsa_nft_client_contains (const VsaNftClient *net, const VsaNftClient *address);

G_END_DECLS
