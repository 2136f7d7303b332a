/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-client-windows.h"
#include "vsa-window.h"

static const VsaWindowSet *
grant_when (const VsaClientGrant *grant)
{
  const VsaAccess *access = vsa_policy_find_access (grant->vm->policy, grant->user);

  return access->when;
}

GArray *
vsa_client_grants_open_now (GArray *grants, GDateTime *now)
{
  GArray *open = g_array_new (FALSE, FALSE, sizeof (VsaClientGrant));

  for (guint i = 0; i < grants->len; i++)
    {
      VsaClientGrant *grant = &g_array_index (grants, VsaClientGrant, i);

      if (vsa_window_set_is_open (grant_when (grant), now, NULL))
        g_array_append_val (open, *grant);
    }
  return open;
}

gboolean
vsa_client_grants_have_windows (GArray *grants)
{
  for (guint i = 0; i < grants->len; i++)
    if (!vsa_window_set_is_always (grant_when (&g_array_index (grants, VsaClientGrant, i))))
      return TRUE;
  return FALSE;
}

char *
vsa_client_windows_comment (GArray *grants, GDateTime *now)
{
  g_autoptr (GString) text = g_string_new (NULL);

  if (!vsa_client_grants_have_windows (grants))
    return g_strdup ("");
  g_string_append (text, "#\n# Access windows ('virt-spice-admin client sync' renders this file\n"
                         "# again at each boundary):\n");
  for (guint i = 0; i < grants->len; i++)
    {
      VsaClientGrant *grant = &g_array_index (grants, VsaClientGrant, i);
      const VsaWindowSet *when = grant_when (grant);
      g_autoptr (GDateTime) next = NULL;
      g_autofree char *spec = vsa_window_set_to_string (when);
      gboolean open;
      g_autofree char *until = NULL;

      if (vsa_window_set_is_always (when))
        continue;
      open = vsa_window_set_is_open (when, now, &next);
      until = next ? vsa_window_format_instant (next) : NULL;
      g_string_append_printf (text, "#   %s -> %s (%s): %s%s%s\n", grant->user, grant->vm->name,
                              *spec ? spec : "never", open ? "admitted" : "refused",
                              until ? " until " : " (the window never opens)", until ? until : "");
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

GDateTime *
vsa_client_windows_next (GArray *grants, GDateTime *now)
{
  GDateTime *earliest = NULL;

  for (guint i = 0; i < grants->len; i++)
    {
      GDateTime *next = NULL;

      vsa_window_set_is_open (grant_when (&g_array_index (grants, VsaClientGrant, i)), now, &next);
      if (next && (earliest == NULL || g_date_time_compare (next, earliest) < 0))
        {
          g_clear_pointer (&earliest, g_date_time_unref);
          earliest = next;
        }
      else if (next)
        g_date_time_unref (next);
    }
  return earliest;
}
