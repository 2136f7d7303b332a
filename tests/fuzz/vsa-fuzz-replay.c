/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replays files through a fuzz target without libFuzzer, so the
 * committed corpus (and every crash ever found) is a regression test in
 * the ordinary gcc build.  Usage: fuzz-replay-TARGET PATH... (files or
 * directories); TAP, one case per file.  An invariant that breaks
 * aborts, and the test fails. */
#include "vsa-fuzz.h"

#include <stdio.h>

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) files = vsa_fuzz_collect_files (argv + 1, argc - 1);
  int failed = 0;

  printf ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *data = NULL;
      gsize len = 0;
      g_autoptr (GError) error = NULL;

      fflush (stdout);
      if (!g_file_get_contents (path, &data, &len, &error))
        {
          printf ("not ok %u - %s: %s\n", i + 1, path, error->message);
          failed = 1;
          continue;
        }
      LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
      printf ("ok %u - %s\n", i + 1, path);
    }
  return failed;
}
