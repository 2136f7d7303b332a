/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-client-escape.h"
#include "vsa-error.h"

#include <string.h>

#define SAFE_PATH_CHARS \
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-"

/* Paths end up in sudoers rules, systemd units and shell scripts; with
 * only these characters no format needs quoting, so none can go wrong. */
gboolean
vsa_validate_safe_path (const char *path, const char *what, GError **error)
{
  gsize len = path ? strlen (path) : 0;

  if (len == 0 || len > 1024 || path[0] != '/' ||
      strspn (path, SAFE_PATH_CHARS) != len || strstr (path, "/../") != NULL ||
      g_str_has_suffix (path, "/.."))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s '%s' cannot be written safely into sudoers, units and scripts: "
                   "use an absolute path of A-Z a-z 0-9 / . _ + - without '..'",
                   what, path ? path : "");
      return FALSE;
    }
  return TRUE;
}

/* A program: a safe path whose last part names a file.  "/" or "/usr/"
 * would make sudoers say "Defaults!/" and visudo reject the whole file
 * (found by fuzz-sudoers). */
gboolean
vsa_validate_program_path (const char *path, const char *what, GError **error)
{
  const char *last;

  if (!vsa_validate_safe_path (path, what, error))
    return FALSE;
  last = strrchr (path, '/') + 1;
  if (*last == '\0' || g_str_equal (last, ".") || g_str_equal (last, ".."))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s '%s' must name a program, not a directory", what, path);
      return FALSE;
    }
  return TRUE;
}

/* Upper-case words are aliases to sudoers (and ALL is everyone): a user
 * or group spelled like one would widen the rule, so refuse them. */
gboolean
vsa_validate_sudoers_name (const char *name, const char *what, GError **error)
{
  gsize len = strlen (name);

  if (len > 0 && name[0] >= 'A' && name[0] <= 'Z' &&
      strspn (name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == len)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s '%s' reads as an alias or ALL in sudoers and cannot be pinned safely; "
                   "rename it (lower-case letters)", what, name);
      return FALSE;
    }
  return TRUE;
}

/* sudo compares a rule's arguments with fnmatch() against the user's
 * arguments joined by spaces.  Verified with sudo 1.9.13: these need a
 * backslash to be literal (',' ':' '=' '!' end or change the rule, '#'
 * starts a comment, '*' '?' '[' ']' are wildcards); a backslash itself
 * and white space cannot be expressed exactly, so they are refused. */
char *
vsa_sudoers_escape_arg (const char *arg, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (const char *p = arg; *p; p++)
    {
      if (*p <= ' ' || *p >= 0x7f || *p == '\\')
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "argument '%s' cannot be pinned exactly in sudoers (white space, "
                       "backslash, control or non-ASCII characters)", arg);
          return NULL;
        }
      if (strchr (",:=!#*?[]", *p) != NULL)
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* VM names may hold anything but '/': file names keep the plain
 * characters and write every other byte as %XX, so two names never share
 * a file and the result is safe for sudoers and shell alike. */
char *
vsa_file_name_encode (const char *name)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (const char *p = name; *p; p++)
    {
      guchar c = (guchar) *p;

      if (g_ascii_isalnum (c) || c == '_' || c == '+' || c == '-' || (c == '.' && p != name))
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, "%%%02X", c);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
