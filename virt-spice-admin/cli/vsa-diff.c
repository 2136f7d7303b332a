/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unified diffs come from GNU diff (diffutils is Essential in Debian, so
 * always present), rather than a hand-written Myers implementation. */
#include "vsa-diff.h"
#include "vsa-error.h"
#include "vsa-file.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

static void
remove_tmpdir (char *dir)
{
  g_autofree char *a = g_build_filename (dir, "old.xml", NULL);
  g_autofree char *b = g_build_filename (dir, "new.xml", NULL);

  g_unlink (a);
  g_unlink (b);
  g_rmdir (dir);
  g_free (dir);
}

typedef char VsaTmpDir;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaTmpDir, remove_tmpdir)

char *
vsa_unified_diff (const char *old_text, const char *new_text, const char *old_label,
                  const char *new_label, GError **error)
{
  g_autoptr (VsaTmpDir) dir = g_dir_make_tmp ("vsa-diff-XXXXXX", error);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  if (dir == NULL)
    return NULL;
  a = g_build_filename (dir, "old.xml", NULL);
  b = g_build_filename (dir, "new.xml", NULL);
  if (!g_file_set_contents_full (a, old_text, -1, G_FILE_SET_CONTENTS_NONE, 0600, error) ||
      !g_file_set_contents_full (b, new_text, -1, G_FILE_SET_CONTENTS_NONE, 0600, error))
    return NULL;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error,
                           "diff", "-u", "--label", old_label, "--label", new_label, a, b, NULL);
  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, error))
    return NULL;
  status = g_subprocess_get_exit_status (proc);
  /* diff: 0 same, 1 different, 2 trouble. */
  if (status > 1)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "diff failed: %s", g_strchomp (err));
      return NULL;
    }
  return g_steal_pointer (&out);
}
