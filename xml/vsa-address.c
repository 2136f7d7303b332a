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
