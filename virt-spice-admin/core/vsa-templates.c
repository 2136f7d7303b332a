/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-templates.h"
#include "vsa-templates-resources.h"

#include <gio/gio.h>

#define TEMPLATE_PREFIX "/org/virt-spice-admin/templates/"

/* Compiled-in resources live in static storage and glib-compile-resources
 * terminates each with a NUL, so the text stays valid for the process's
 * life; the cache only saves the lookups. */
const char *
vsa_templates_lookup (const char *name)
{
  G_LOCK_DEFINE_STATIC (cache);
  static GHashTable *cache;
  g_autofree char *path = g_strconcat (TEMPLATE_PREFIX, name, NULL);
  GBytes *bytes;

  /* apply's host workers render too. */
  G_LOCK (cache);
  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  bytes = g_hash_table_lookup (cache, name);
  if (bytes == NULL)
    {
      bytes = g_resource_lookup_data (vsa_templates_get_resource (), path,
                                      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      if (bytes != NULL)
        g_hash_table_insert (cache, g_strdup (name), bytes);
    }
  G_UNLOCK (cache);
  return bytes ? g_bytes_get_data (bytes, NULL) : NULL;
}
