/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-fuzz.h"
#include "vsa-client-policy.h"

/* PATH itself, or the files of directory PATH (not hidden ones), sorted:
 * reports number the same cases the same way from run to run. */
static void
collect (const char *path, GPtrArray *files)
{
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (path));
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, vsa_compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (files, g_strdup (g_ptr_array_index (names, i)));
}

GPtrArray *
vsa_fuzz_collect_files (char **paths, int n_paths)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; i < n_paths; i++)
    collect (paths[i], files);
  return files;
}
