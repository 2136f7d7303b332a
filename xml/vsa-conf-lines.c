/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Setting scalar keys of a "KEY = VALUE" file in place: libvirt's
 * qemu.conf, and our own GKeyFile configuration as `setup` writes it from
 * the annotated example.  The file is the administrator's: every other
 * line, comment and blank line stays as it is.  libvirt reads the last assignment of a key, so the last active one
 * is the one changed; a key that is only present as a commented template
 * ("#spice_tls = 1", as in the stock file) gets its active line right
 * below that comment, where an administrator would look for it; anything
 * else is appended at the end. */
#include "vsa-conf-lines.h"

#include <string.h>

/* KEY of an assignment line "  KEY = VALUE" (after an optional '#' when
 * COMMENTED), or NULL. */
static char *
assignment_key (const char *line, gboolean commented)
{
  const char *p = line;
  const char *start;

  while (*p == ' ' || *p == '\t')
    p++;
  if (commented)
    {
      if (*p != '#')
        return NULL;
      p++;
      while (*p == ' ' || *p == '\t')
        p++;
    }
  start = p;
  while (g_ascii_isalnum (*p) || *p == '_' || *p == '-')
    p++;
  if (p == start)
    return NULL;
  {
    const char *end = p;

    while (*p == ' ' || *p == '\t')
      p++;
    if (*p != '=')
      return NULL;
    return g_strndup (start, (gsize) (end - start));
  }
}

static int
find_line (char **lines, const char *key, gboolean commented)
{
  int found = -1;

  for (int i = 0; lines[i]; i++)
    {
      g_autofree char *line_key = assignment_key (lines[i], commented);

      if (g_strcmp0 (line_key, key) == 0)
        found = i;
    }
  return found;
}

static char *
value_of_line (const char *line)
{
  const char *eq = strchr (line, '=');
  g_autofree char *value = g_strdup (eq + 1);
  char *hash;

  /* A '#' inside a quoted string is part of the value. */
  hash = value[strspn (value, " \t")] == '"' ? NULL : strchr (value, '#');
  if (hash)
    *hash = '\0';
  return g_strdup (g_strstrip (value));
}

char *
vsa_conf_lines_get (const char *text, const char *key)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  int i = find_line (lines, key, FALSE);

  return i < 0 ? NULL : value_of_line (lines[i]);
}

char *
vsa_conf_lines_unquote (const char *value)
{
  gsize len = strlen (value);

  if (len >= 2 && value[0] == '"' && value[len - 1] == '"')
    return g_strndup (value + 1, len - 2);
  return g_strdup (value);
}

char *
vsa_conf_lines_quote (const char *value)
{
  return g_strdup_printf ("\"%s\"", value);
}

/* Inserts LINE before index AT (AT may be the length: append). */
static GStrv
insert_line (char **lines, guint at, const char *line)
{
  guint n = g_strv_length (lines);
  GStrv out = g_new0 (char *, n + 2);

  for (guint i = 0, j = 0; i <= n; i++)
    {
      if (i == at)
        out[j++] = g_strdup (line);
      if (i < n)
        out[j++] = g_strdup (lines[i]);
    }
  return out;
}

gboolean
vsa_conf_lines_set (char **text, const char *key, const char *value)
{
  g_auto (GStrv) lines = g_strsplit (*text, "\n", -1);
  g_autofree char *line = g_strdup_printf ("%s = %s", key, value);
  guint n = g_strv_length (lines);
  gboolean ends_with_newline = n > 0 && lines[n - 1][0] == '\0';
  int active = find_line (lines, key, FALSE);
  g_auto (GStrv) edited = NULL;

  if (active >= 0)
    {
      g_autofree char *current = value_of_line (lines[active]);

      if (g_strcmp0 (current, value) == 0)
        return FALSE;
      g_free (lines[active]);
      lines[active] = g_steal_pointer (&line);
      g_free (*text);
      *text = g_strjoinv ("\n", lines);
      return TRUE;
    }
  {
    int template = find_line (lines, key, TRUE);
    guint at = template >= 0 ? (guint) template + 1 : (ends_with_newline ? n - 1 : n);

    edited = insert_line (lines, at, line);
    if (!ends_with_newline && template < 0)
      {
        /* The file had no final newline: keep the old last line intact and
         * end the new one with a newline. */
        g_free (edited[n]);
        edited[n] = g_strconcat (line, "\n", NULL);
      }
  }
  g_free (*text);
  *text = g_strjoinv ("\n", edited);
  return TRUE;
}
