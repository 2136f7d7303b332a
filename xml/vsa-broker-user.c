/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-broker-user.h"
#include "vsa-error.h"
#include "vsa-tunnel.h"
#include "vsa-xml.h"

VsaBrokerUser *
vsa_broker_user_new (const char *user)
{
  VsaBrokerUser *broker_user = g_new0 (VsaBrokerUser, 1);

  broker_user->user = g_strdup (user);
  return broker_user;
}

VsaBrokerUser *
vsa_broker_user_copy (const VsaBrokerUser *broker_user)
{
  VsaBrokerUser *copy = vsa_broker_user_new (broker_user->user);

  copy->take_over = broker_user->take_over;
  if (broker_user->key)
    copy->key = vsa_ssh_key_new (broker_user->key->type, broker_user->key->blob,
                                 broker_user->key->comment);
  return copy;
}

void
vsa_broker_user_free (VsaBrokerUser *broker_user)
{
  if (broker_user == NULL)
    return;
  g_free (broker_user->user);
  vsa_ssh_key_free (broker_user->key);
  g_free (broker_user);
}

static gboolean
parse_yes_no (xmlNode *node, const char *name, gboolean *ret_value, GError **error)
{
  g_autofree char *text = vsa_xml_get (node, name);

  if (text == NULL || g_str_equal (text, "no"))
    *ret_value = FALSE;
  else if (g_str_equal (text, "yes"))
    *ret_value = TRUE;
  else
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "%s='%s' must be yes or no", name, text);
      return FALSE;
    }
  return TRUE;
}

/* The user names an sshd Match block and a key file, as a tunnel user
 * does: the same name rule. */
VsaBrokerUser *
vsa_broker_user_from_element (xmlNode *node, GError **error)
{
  g_autofree char *user = vsa_xml_get (node, "user");
  g_autoptr (VsaBrokerUser) broker_user = NULL;
  g_autoptr (VsaSshKey) key = NULL;
  gboolean take_over = FALSE;

  if (!vsa_validate_tunnel_user (user, error) ||
      !parse_yes_no (node, "take-over", &take_over, error) ||
      !vsa_tunnel_key_from_element (node, FALSE, &key, error))
    {
      g_prefix_error (error, "metadata: line %ld: <vsa:broker>: ", xmlGetLineNo (node));
      return NULL;
    }
  broker_user = vsa_broker_user_new (user);
  broker_user->take_over = take_over;
  broker_user->key = g_steal_pointer (&key);
  return g_steal_pointer (&broker_user);
}

void
vsa_broker_user_to_element (const VsaBrokerUser *broker_user, xmlNode *console, xmlNs *ns)
{
  xmlNode *node = xmlNewChild (console, ns, BAD_CAST "broker", NULL);

  vsa_xml_set (node, "user", broker_user->user);
  if (broker_user->take_over)
    vsa_xml_set (node, "take-over", "yes");
  if (broker_user->key)
    vsa_tunnel_key_to_element (broker_user->key, node);
}
