/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-address.h"
#include "vsa-error.h"

#include <arpa/inet.h>
#include <string.h>

/* Only literal addresses: a host name would be resolved by qemu at start,
 * outside the policy's control. */
/* inet_pton rather than GInetAddress: the hook links this file, and
 * loading gio would double the hook's start-up time. */
gboolean
vsa_inet_parse (const char *address, int *ret_family, guint8 ret_bytes[16])
{
  if (address && inet_pton (AF_INET, address, ret_bytes) == 1)
    {
      *ret_family = AF_INET;
      return TRUE;
    }
  if (address && inet_pton (AF_INET6, address, ret_bytes) == 1)
    {
      *ret_family = AF_INET6;
      return TRUE;
    }
  return FALSE;
}

gboolean
vsa_validate_listen_address (const char *address, GError **error)
{
  int family;
  guint8 bytes[16];

  if (!vsa_inet_parse (address, &family, bytes))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "listen address '%s' is not an IPv4 or IPv6 address literal", address);
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_listen_is_wildcard (const char *address)
{
  static const guint8 zeros[16] = { 0 };
  int family;
  guint8 bytes[16];

  if (!vsa_inet_parse (address, &family, bytes))
    return FALSE;
  return memcmp (bytes, zeros, family == AF_INET ? 4 : 16) == 0;
}

guint
vsa_inet_family_bits (int family)
{
  return family == AF_INET ? 32 : 128;
}

/* The N of "ADDRESS/N": decimal, 0 to the family's width. */
gboolean
vsa_inet_parse_prefix_length (const char *text, int family, guint *ret_len)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, vsa_inet_family_bits (family), &value, NULL))
    return FALSE;
  *ret_len = (guint) value;
  return TRUE;
}

/* Zeroes every bit past the first PREFIX_LEN: what a network address is. */
void
vsa_inet_clear_host_bits (guint8 bytes[16], int family, guint prefix_len)
{
  for (guint i = 0; i < vsa_inet_family_bits (family) / 8; i++)
    {
      guint bit = i * 8;

      if (bit >= prefix_len)
        bytes[i] = 0;
      else if (bit + 8 > prefix_len)
        bytes[i] &= (guint8) (0xff << (8 - (prefix_len - bit)));
    }
}

gboolean
vsa_inet_host_bits_are_zero (const guint8 bytes[16], int family, guint prefix_len)
{
  guint8 network[16];

  memcpy (network, bytes, 16);
  vsa_inet_clear_host_bits (network, family, prefix_len);
  return memcmp (network, bytes, vsa_inet_family_bits (family) / 8) == 0;
}

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 2.5.5.2) is how
 * a dual-stack socket shows an IPv4 peer, so it is what an administrator
 * copies from a log.  That peer still sends IPv4 packets: netfilter sees
 * a.b.c.d, never the mapped form, so in the IPv6 set it would never match
 * and lock its user out without a word.  Its meaning is unambiguous, so it
 * is normalised to the IPv4 address (a prefix of /96 or longer to the IPv4
 * prefix 96 bits shorter) instead of refused.  A shorter prefix covers
 * more than the mapped range and stays IPv6. */
static void
unmap_ipv4 (int *family, guint8 bytes[16], guint *prefix_len)
{
  static const guint8 mapped[12] = { [10] = 0xff, [11] = 0xff };

  if (*family != AF_INET6 || *prefix_len < 96 || memcmp (bytes, mapped, sizeof mapped) != 0)
    return;
  memmove (bytes, bytes + 12, 4);
  memset (bytes + 4, 0, 12);
  *family = AF_INET;
  *prefix_len -= 96;
}

/* "ADDRESS" or "ADDRESS/N", IPv4 or IPv6; *ret_prefix_len is N, or the
 * family's width without one.  The one parser behind the firewall's
 * clients, the policy's client check and the tunnels' from=. */
VsaInetNetworkStatus
vsa_inet_parse_network (const char *text, int *ret_family, guint8 ret_bytes[16],
                        guint *ret_prefix_len)
{
  const char *slash = text ? strchr (text, '/') : NULL;
  g_autofree char *address = text ? g_strndup (text, slash ? (gsize) (slash - text) : strlen (text))
                                  : NULL;

  memset (ret_bytes, 0, 16);
  if (!vsa_inet_parse (address, ret_family, ret_bytes))
    return VSA_INET_NETWORK_BAD_ADDRESS;
  *ret_prefix_len = vsa_inet_family_bits (*ret_family);
  if (slash && !vsa_inet_parse_prefix_length (slash + 1, *ret_family, ret_prefix_len))
    return VSA_INET_NETWORK_BAD_PREFIX;
  unmap_ipv4 (ret_family, ret_bytes, ret_prefix_len);
  return VSA_INET_NETWORK_OK;
}

/* TEXT as sshd must see it: an IPv4-mapped address or network written as
 * the IPv4 one (sshd, too, compares an IPv4 peer as IPv4, so from=
 * "::ffff:a.b.c.d" would never match); anything else unchanged. */
char *
vsa_inet_network_unmapped (const char *text)
{
  guint8 bytes[16];
  char address[INET_ADDRSTRLEN];
  guint prefix_len;
  int family;

  if (text == NULL || strchr (text, ':') == NULL ||
      vsa_inet_parse_network (text, &family, bytes, &prefix_len) != VSA_INET_NETWORK_OK ||
      family != AF_INET || inet_ntop (AF_INET, bytes, address, sizeof address) == NULL)
    return g_strdup (text);
  return strchr (text, '/') ? g_strdup_printf ("%s/%u", address, prefix_len) : g_strdup (address);
}
