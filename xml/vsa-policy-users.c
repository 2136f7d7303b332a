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

/* Records USER's console key (KEY NULL: keep hers) and, when TAKE_OVER,
 * her right to take the console over; never takes a right away.  What
 * `assign --ssh-key/--take-over` and apply's <user ssh-key= take-over=>
 * both do. */
void
vsa_policy_set_broker_user (VsaPolicy *policy, const char *user, const VsaSshKey *key,
                            gboolean take_over)
{
  VsaBrokerUser *broker_user;

  if (key == NULL && !take_over)
    return;
  broker_user = vsa_policy_ensure_broker_user (policy, user);
  if (key)
    {
      vsa_ssh_key_free (broker_user->key);
      broker_user->key = vsa_ssh_key_new (key->type, key->blob, key->comment);
    }
  broker_user->take_over |= take_over;
}

/* Drops every console key and take-over right that WANTED (VsaBrokerUser *)
 * does not give the same user, and the entries left with neither: what is
 * left is at most WANTED.  Returns how many entries changed. */
guint
vsa_policy_retain_broker_users (VsaPolicy *policy, GPtrArray *wanted)
{
  guint changed = 0;

  for (guint i = policy->broker_users->len; i > 0; i--)
    {
      VsaBrokerUser *broker_user = g_ptr_array_index (policy->broker_users, i - 1);
      const VsaBrokerUser *keep = NULL;
      gboolean drop_key, drop_take_over;

      for (guint j = 0; keep == NULL && j < wanted->len; j++)
        if (g_str_equal (((VsaBrokerUser *) g_ptr_array_index (wanted, j))->user, broker_user->user))
          keep = g_ptr_array_index (wanted, j);
      drop_key = broker_user->key && (keep == NULL || keep->key == NULL);
      drop_take_over = broker_user->take_over && (keep == NULL || !keep->take_over);
      if (!drop_key && !drop_take_over)
        continue;
      changed++;
      if (drop_key)
        g_clear_pointer (&broker_user->key, vsa_ssh_key_free);
      if (drop_take_over)
        broker_user->take_over = FALSE;
      if (broker_user->key == NULL && !broker_user->take_over)
        g_ptr_array_remove_index (policy->broker_users, i - 1);
    }
  return changed;
}
