/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-template.h"
#include "vsa-error.h"
#include "vsa-templates.h"

#include <gio/gio.h>
#include <string.h>

#define PLACEHOLDER_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"

static GBytes *
load_template (const char *name, GError **error)
{
  g_autofree char *path = g_strconcat ("/org/virt-spice-admin/templates/", name, NULL);
  g_autoptr (GError) local_error = NULL;
  GBytes *bytes = g_resource_lookup_data (vsa_templates_get_resource (), path,
                                          G_RESOURCE_LOOKUP_FLAGS_NONE, &local_error);

  if (bytes == NULL)
    g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "template '%s' is not built in: %s",
                 name, local_error->message);
  return bytes;
}

static const char *
lookup_value (const VsaTemplateValue *values, const char *name, gsize name_len)
{
  for (const VsaTemplateValue *v = values; v->name; v++)
    if (strlen (v->name) == name_len && strncmp (v->name, name, name_len) == 0)
      return v->value;
  return NULL;
}

/* The length of "@NAME@" at P, or 0 when P does not start a placeholder. */
static gsize
placeholder_length (const char *p)
{
  gsize name_len;

  if (p[0] != '@')
    return 0;
  name_len = strspn (p + 1, PLACEHOLDER_CHARS);
  return name_len > 0 && p[1 + name_len] == '@' ? name_len + 2 : 0;
}

/* A placeholder alone on its line stands for whole lines: its value
 * ends in a newline (or is empty, and the line goes away). */
static gboolean
is_block_placeholder (const char *text, const char *p, gsize len, const char *value)
{
  gsize value_len = strlen (value);

  return (p == text || p[-1] == '\n') && p[len] == '\n' &&
         (value_len == 0 || value[value_len - 1] == '\n');
}

/* Replaces every @NAME@ with the value VALUES gives it; a template naming
 * a value the caller did not give is a programming error, reported. */
char *
vsa_template_render (const char *template_name, const VsaTemplateValue *values, GError **error)
{
  g_autoptr (GBytes) bytes = load_template (template_name, error);
  g_autoptr (GString) out = NULL;
  const char *text;

  if (bytes == NULL)
    return NULL;
  text = g_bytes_get_data (bytes, NULL); /* GResource data is NUL-terminated */
  out = g_string_sized_new (g_bytes_get_size (bytes) * 2);
  for (const char *p = text; *p;)
    {
      gsize len = placeholder_length (p);
      const char *value = len ? lookup_value (values, p + 1, len - 2) : NULL;

      if (len == 0)
        {
          g_string_append_c (out, *p++);
          continue;
        }
      if (value == NULL)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "template '%s': no value for %.*s",
                       template_name, (int) len, p);
          return NULL;
        }
      g_string_append (out, value);
      p += len + (is_block_placeholder (text, p, len, value) ? 1 : 0);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
