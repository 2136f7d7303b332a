/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-template.h"
#include "vsa-error.h"

#include <string.h>

static gboolean
is_name_char (char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Length of the placeholder name at P ("NAME@..."), 0 if P does not
 * start one: a lone '@' (bash's ${a[@]}) stays literal text. */
static gsize
placeholder_length (const char *p)
{
  gsize n = 0;

  while (is_name_char (p[n]))
    n++;
  return n > 0 && p[n] == '@' ? n : 0;
}

static const char *
find_value (const char *const *vars, const char *name, gsize len)
{
  for (gsize i = 0; vars[i] && vars[i + 1]; i += 2)
    if (strlen (vars[i]) == len && strncmp (vars[i], name, len) == 0)
      return vars[i + 1];
  return NULL;
}

const char *
vsa_template_text (VsaTemplateLookup lookup, const char *name, GError **error)
{
  const char *text = lookup (name);

  if (text == NULL)
    g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                 "template '%s' is missing from this build; reinstall virt-spice-admin", name);
  return text;
}

char *
vsa_template_expand (VsaTemplateLookup lookup, const char *name, const char *const *vars,
                     GError **error)
{
  const char *text = vsa_template_text (lookup, name, error);

  return text ? vsa_template_fill (text, name, vars, error) : NULL;
}

/* A placeholder without a value is a bug between template and renderer;
 * it fails loudly instead of shipping a half-filled file. */
char *
vsa_template_fill (const char *text, const char *name, const char *const *vars, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      gsize len = *p == '@' ? placeholder_length (p + 1) : 0;
      const char *value;

      if (len == 0)
        {
          g_string_append_c (out, *p);
          continue;
        }
      value = find_value (vars, p + 1, len);
      if (value == NULL)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                       "template '%s': no value for @%.*s@", name, (int) len, p + 1);
          return NULL;
        }
      g_string_append (out, value);
      p += len + 1;
      /* A placeholder alone on its line stands for whole lines: a value
       * ending in a newline (or empty, and the line goes away) takes the
       * place of the line's own newline. */
      if ((p - len - 1 == text || p[-(gssize) len - 2] == '\n') && p[1] == '\n' &&
          (*value == '\0' || g_str_has_suffix (value, "\n")))
        p++;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
