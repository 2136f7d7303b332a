/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy's deep copy (what an edit compares against) and its console
 * broker users: kept apart from vsa-policy.c, which parses and writes the
 * metadata. */
#include "vsa-policy.h"
#include "vsa-error.h"

/* A deep copy (NULL for NULL): the edit transaction keeps the policy it
 * read beside the one the command changes. */
VsaPolicy *
vsa_policy_copy (const VsaPolicy *policy)
{
  VsaPolicy *copy;

  if (policy == NULL)
    return NULL;
  copy = vsa_policy_new (policy->auth);
  copy->sasl_dir = g_strdup (policy->sasl_dir);
  for (guint i = 0; i < policy->access->len; i++)
    {
      const VsaAccess *access = g_ptr_array_index (policy->access, i);
      VsaAccess *access_copy = vsa_access_new (access->user);

      for (guint j = 0; j < access->clients->len; j++)
        g_ptr_array_add (access_copy->clients, g_strdup (g_ptr_array_index (access->clients, j)));
      g_ptr_array_add (copy->access, access_copy);
    }
  for (guint i = 0; i < policy->volumes->len; i++)
    {
      const VsaVolume *v = g_ptr_array_index (policy->volumes, i);

      g_ptr_array_add (copy->volumes, vsa_volume_new (v->lv, v->name, v->keyfile, v->token));
    }
  for (guint i = 0; i < policy->tunnels->len; i++)
    {
      const VsaTunnel *t = g_ptr_array_index (policy->tunnels, i);

      g_ptr_array_add (copy->tunnels, vsa_tunnel_new (t->user, t->key, t->from));
    }
  for (guint i = 0; i < policy->broker_users->len; i++)
    g_ptr_array_add (copy->broker_users,
                     vsa_broker_user_copy (g_ptr_array_index (policy->broker_users, i)));
  return copy;
}

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
