/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy's console broker users (<vsa:broker>): kept apart from
 * vsa-policy.c, which parses and writes the metadata. */
#include "vsa-policy.h"
#include "vsa-error.h"

/* One <vsa:broker> element into POLICY: at most one per user. */
gboolean
vsa_policy_parse_broker_user (VsaPolicy *policy, xmlNode *node, GError **error)
{
  g_autoptr (VsaBrokerUser) broker_user = vsa_broker_user_from_element (node, error);

  if (broker_user == NULL)
    return FALSE;
  if (vsa_policy_find_broker_user (policy, broker_user->user) != NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "metadata: line %ld: a second <vsa:broker> for user '%s'; keep one",
                   xmlGetLineNo (node), broker_user->user);
      return FALSE;
    }
  g_ptr_array_add (policy->broker_users, g_steal_pointer (&broker_user));
  return TRUE;
}

VsaBrokerUser *
vsa_policy_find_broker_user (const VsaPolicy *policy, const char *user)
{
  for (guint i = 0; i < policy->broker_users->len; i++)
    {
      VsaBrokerUser *broker_user = g_ptr_array_index (policy->broker_users, i);

      if (g_strcmp0 (broker_user->user, user) == 0)
        return broker_user;
    }
  return NULL;
}

VsaBrokerUser *
vsa_policy_ensure_broker_user (VsaPolicy *policy, const char *user)
{
  VsaBrokerUser *broker_user = vsa_policy_find_broker_user (policy, user);

  if (broker_user == NULL)
    {
      broker_user = vsa_broker_user_new (user);
      g_ptr_array_add (policy->broker_users, broker_user);
    }
  return broker_user;
}
