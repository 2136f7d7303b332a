/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's qemu.conf, read the way libvirt does for the few scalar keys
 * we care about (spice_tls, spice_sasl, spice_*_dir): KEY = VALUE, '#'
 * comments, strings in double quotes; the last assignment wins. */
#include "vsa-libvirt-conf.h"
#include "vsa-file.h"

#include <string.h>

static char *
unquote (char *value)
{
  gsize len = strlen (value);

  if (len >= 2 && value[0] == '"' && value[len - 1] == '"')
    return g_strndup (value + 1, len - 2);
  return g_strdup (value);
}

/* NULL when the file or the key is absent. */
char *
vsa_libvirt_conf_value (const char *path, const char *key)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  char *found = NULL;

  if (!vsa_file_read_bounded (path, "libvirt configuration", VSA_FILE_TEXT_MAX, &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *line = lines[i];
      char *hash = strchr (line, '#');
      char *eq;

      if (hash)
        *hash = '\0';
      eq = strchr (line, '=');
      if (eq == NULL)
        continue;
      *eq = '\0';
      if (g_strcmp0 (g_strstrip (line), key) != 0)
        continue;
      g_free (found);
      found = unquote (g_strstrip (eq + 1));
    }
  return found;
}
