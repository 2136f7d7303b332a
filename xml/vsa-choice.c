/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-choice.h"
#include "vsa-error.h"

/* Every word-valued option (config keys, command options, metadata
 * attributes) is parsed here, so each refusal reads the same way:
 * "WHAT 'TEXT' is unknown; use 'a', 'b' or 'c'". */
gboolean
vsa_choice_parse (const char *what, const char *text, const char *const *choices,
                  gsize n_choices, gsize *ret_index, GError **error)
{
  g_autoptr (GString) list = NULL;

  for (gsize i = 0; i < n_choices; i++)
    if (g_strcmp0 (text, choices[i]) == 0)
      {
        if (ret_index)
          *ret_index = i;
        return TRUE;
      }
  list = g_string_new (NULL);
  for (gsize i = 0; i < n_choices; i++)
    {
      if (i > 0)
        g_string_append (list, i + 1 == n_choices ? " or " : ", ");
      g_string_append_printf (list, "'%s'", choices[i]);
    }
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "%s '%s' is unknown; use %s", what,
               text ? text : "", list->str);
  return FALSE;
}
