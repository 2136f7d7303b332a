/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who may open a VM's console: users, their client addresses and their
 * access windows (the VsaAccess part of the policy model). */
#include "vsa-policy.h"

VsaAccess *
vsa_access_new (const char *user)
{
  VsaAccess *access = g_new0 (VsaAccess, 1);

  access->user = g_strdup (user);
  access->clients = g_ptr_array_new_with_free_func (g_free);
  access->when = vsa_window_set_new_always ();
  return access;
}

void
vsa_access_free (VsaAccess *access)
{
  g_free (access->user);
  g_ptr_array_unref (access->clients);
  vsa_window_set_free (access->when);
  g_free (access);
}

/* USER's entry in ACCESS (VsaAccess *), or NULL. */
VsaAccess *
vsa_access_find (GPtrArray *access, const char *user)
{
  for (guint i = 0; i < access->len; i++)
    {
      VsaAccess *entry = g_ptr_array_index (access, i);

      if (g_strcmp0 (entry->user, user) == 0)
        return entry;
    }
  return NULL;
}

VsaAccess *
vsa_policy_find_access (const VsaPolicy *policy, const char *user)
{
  return vsa_access_find (policy->access, user);
}

/* Adds USER (if new) and any CLIENTS it does not list yet. */
void
vsa_policy_assign (VsaPolicy *policy, const char *user, const char *const *clients)
{
  VsaAccess *access = vsa_policy_find_access (policy, user);

  if (access == NULL)
    {
      access = vsa_access_new (user);
      g_ptr_array_add (policy->access, access);
    }
  for (guint i = 0; clients && clients[i]; i++)
    if (!g_ptr_array_find_with_equal_func (access->clients, clients[i], g_str_equal, NULL))
      g_ptr_array_add (access->clients, g_strdup (clients[i]));
}

/* FALSE when USER was not assigned. */
gboolean
vsa_policy_unassign (VsaPolicy *policy, const char *user)
{
  VsaAccess *access = vsa_policy_find_access (policy, user);
  VsaBrokerUser *broker_user = vsa_policy_find_broker_user (policy, user);

  /* The console key goes with the assignment: no console without one. */
  if (broker_user != NULL)
    g_ptr_array_remove (policy->broker_users, broker_user);
  return access != NULL && g_ptr_array_remove (policy->access, access);
}

/* Replaces USER's windows; FALSE when USER is not assigned. */
gboolean
vsa_policy_set_when (VsaPolicy *policy, const char *user, const VsaWindowSet *when)
{
  VsaAccess *access = vsa_policy_find_access (policy, user);

  if (access == NULL)
    return FALSE;
  vsa_window_set_free (access->when);
  access->when = vsa_window_set_copy (when);
  return TRUE;
}

static gboolean
wanted_pair (GPtrArray *wanted, const char *user, const char *client)
{
  for (guint i = 0; i < wanted->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (wanted, i);

      if (g_strcmp0 (access->user, user) == 0)
        return client == NULL ||
               g_ptr_array_find_with_equal_func (access->clients, client, g_str_equal, NULL);
    }
  return FALSE;
}

/* Drops every user WANTED (VsaAccess *) does not list, and every client
 * of a listed user that WANTED does not list for that user: what is left
 * is at most WANTED.  Returns the users removed (char *, in order). */
GPtrArray *
vsa_policy_retain_access (VsaPolicy *policy, GPtrArray *wanted)
{
  g_autoptr (GPtrArray) removed_users = g_ptr_array_new_with_free_func (g_free);

  for (guint i = policy->access->len; i > 0; i--)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i - 1);

      if (!wanted_pair (wanted, access->user, NULL))
        {
          g_ptr_array_insert (removed_users, 0, g_strdup (access->user));
          g_ptr_array_remove_index (policy->access, i - 1);
          continue;
        }
      for (guint j = access->clients->len; j > 0; j--)
        if (!wanted_pair (wanted, access->user, g_ptr_array_index (access->clients, j - 1)))
          g_ptr_array_remove_index (access->clients, j - 1);
    }
  return g_steal_pointer (&removed_users);
}
