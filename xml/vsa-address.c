/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-address.h"
#include "vsa-error.h"

#include <arpa/inet.h>
#include <string.h>

/* Only literal addresses: a host name would be resolved by qemu at start,
 * outside the policy's control. */
/* inet_pton rather than GInetAddress: the hook links this file, and
 * loading gio would double the hook's start-up time. */
static gboolean
parse_inet (const char *address, int *ret_family, guint8 ret_bytes[16])
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

  if (!parse_inet (address, &family, bytes))
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

  if (!parse_inet (address, &family, bytes))
    return FALSE;
  return memcmp (bytes, zeros, family == AF_INET ? 4 : 16) == 0;
}
