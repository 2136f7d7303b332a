/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Address literals and networks: IPv4/IPv6 literals only (no I/O, no
 * name resolution), shared by the configuration, the console transforms,
 * the manifest checks, the firewall's clients and the tunnels' from=. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vsa_validate_listen_address (const char *address, GError **error);
gboolean vsa_listen_is_wildcard (const char *address);

gboolean vsa_inet_parse (const char *address, int *ret_family, guint8 ret_bytes[16]);
guint vsa_inet_family_bits (int family);
gboolean vsa_inet_parse_prefix_length (const char *text, int family, guint *ret_len);
void vsa_inet_clear_host_bits (guint8 bytes[16], int family, guint prefix_len);
gboolean vsa_inet_host_bits_are_zero (const guint8 bytes[16], int family, guint prefix_len);

typedef enum {
  VSA_INET_NETWORK_OK,
  VSA_INET_NETWORK_BAD_ADDRESS,
  VSA_INET_NETWORK_BAD_PREFIX,  /* the address parses, the /N does not */
} VsaInetNetworkStatus;

/* IPv4-mapped IPv6 (::ffff:a.b.c.d) comes back as IPv4: see vsa-address.c. */
VsaInetNetworkStatus vsa_inet_parse_network (const char *text, int *ret_family,
                                             guint8 ret_bytes[16], guint *ret_prefix_len);
char *vsa_inet_network_unmapped (const char *text);

G_END_DECLS
