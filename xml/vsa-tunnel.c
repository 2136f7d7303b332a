/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-tunnel.h"
#include "vsa-address.h"
#include "vsa-error.h"
#include "vsa-names.h"
#include "vsa-xml.h"

#include <arpa/inet.h>
#include <string.h>

VsaTunnel *
vsa_tunnel_new (const char *user, const VsaSshKey *key, const char *from)
{
  VsaTunnel *tunnel = g_new0 (VsaTunnel, 1);

  tunnel->user = g_strdup (user);
  tunnel->from = g_strdup (from);
  tunnel->key = vsa_ssh_key_new (key->type, key->blob, key->comment);
  return tunnel;
}

void
vsa_tunnel_free (VsaTunnel *tunnel)
{
  if (tunnel == NULL)
    return;
  g_free (tunnel->user);
  g_free (tunnel->from);
  vsa_ssh_key_free (tunnel->key);
  g_free (tunnel);
}

/* A tunnel user names an sshd Match block and the file that holds the
 * user's keys, so on top of the portable-name rule: no leading '.' (no
 * "..", no hidden files) and never root, whose sessions nothing confines. */
gboolean
vsa_validate_tunnel_user (const char *user, GError **error)
{
  if (!vsa_validate_user_name (user, error))
    return FALSE;
  if (user[0] == '.' || g_str_equal (user, "root"))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "user '%s' cannot have a tunnel: use an unprivileged account whose name "
                   "does not start with '.'", user);
      return FALSE;
    }
  return TRUE;
}

/* One IPv4 or IPv6 address, or a network in CIDR notation.  Host names
 * and patterns are left out: sshd matches them only with UseDNS, and a
 * wildcard is easy to get wrong. */
gboolean
vsa_validate_ssh_from (const char *from, GError **error)
{
  guint8 bytes[16];
  int family;
  guint bits = 0;

  if (vsa_inet_parse_network (from, &family, bytes, &bits) != VSA_INET_NETWORK_OK)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "from '%s' is not an IP address or a network like 192.168.2.0/24",
                   from ? from : "");
      return FALSE;
    }
  /* sshd matches from="ADDR/BITS" only when the bits past the prefix are
   * zero; catch "192.168.2.1/24" here instead of at the user's login. */
  if (!vsa_inet_host_bits_are_zero (bytes, family, bits))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "from '%s' has bits set past the /%u prefix; write the network address",
                   from, bits);
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_tunnel_key_from_element (xmlNode *node, gboolean required, VsaSshKey **ret_key,
                             GError **error)
{
  g_autofree char *type = vsa_xml_get (node, "type");
  g_autofree char *blob = vsa_xml_get (node, "key");
  g_autofree char *comment = vsa_xml_get (node, "comment");

  *ret_key = NULL;
  if (!required && type == NULL && blob == NULL && comment == NULL)
    return TRUE;
  if (!vsa_ssh_key_validate (type, blob, comment, error))
    return FALSE;
  *ret_key = vsa_ssh_key_new (type, blob, comment);
  return TRUE;
}

void
vsa_tunnel_key_to_element (const VsaSshKey *key, xmlNode *node)
{
  vsa_xml_set (node, "type", key->type);
  vsa_xml_set (node, "key", key->blob);
  if (key->comment)
    vsa_xml_set (node, "comment", key->comment);
}

VsaTunnel *
vsa_tunnel_from_element (xmlNode *node, GError **error)
{
  g_autofree char *user = vsa_xml_get (node, "user");
  g_autofree char *from = vsa_xml_get (node, "from");
  g_autoptr (VsaSshKey) key = NULL;

  if (!vsa_validate_tunnel_user (user, error) ||
      (from != NULL && !vsa_validate_ssh_from (from, error)) ||
      !vsa_tunnel_key_from_element (node, TRUE, &key, error))
    {
      g_prefix_error (error, "metadata: line %ld: <vsa:tunnel>: ", xmlGetLineNo (node));
      return NULL;
    }
  return vsa_tunnel_new (user, key, from);
}

void
vsa_tunnel_to_element (const VsaTunnel *tunnel, xmlNode *console, xmlNs *ns)
{
  xmlNode *node = xmlNewChild (console, ns, BAD_CAST "tunnel", NULL);

  vsa_xml_set (node, "user", tunnel->user);
  if (tunnel->from)
    vsa_xml_set (node, "from", tunnel->from);
  vsa_tunnel_key_to_element (tunnel->key, node);
}
