/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-staged-files.h"
#include "vsa-file.h"
#include "vsa-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  char *target;
  char *temporary;
} StagedFile;

struct VsaStagedFiles {
  GArray *files; /* StagedFile; temporary is NULL once renamed into place */
};

static void
staged_file_clear (StagedFile *file)
{
  g_free (file->target);
  g_free (file->temporary);
}

VsaStagedFiles *
vsa_staged_files_new (void)
{
  VsaStagedFiles *staged = g_new0 (VsaStagedFiles, 1);

  staged->files = g_array_new (FALSE, FALSE, sizeof (StagedFile));
  g_array_set_clear_func (staged->files, (GDestroyNotify) staged_file_clear);
  return staged;
}

void
vsa_staged_files_free (VsaStagedFiles *staged)
{
  if (staged == NULL)
    return;
  for (guint i = 0; i < staged->files->len; i++)
    {
      const char *temporary = g_array_index (staged->files, StagedFile, i).temporary;

      if (temporary != NULL)
        g_unlink (temporary);
    }
  g_array_unref (staged->files);
  g_free (staged);
}

static gboolean
set_errno_error (GError **error, const char *action, const char *path, int saved_errno,
                 const char *consequence)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot %s '%s': %s; %s",
               action, path, g_strerror (saved_errno), consequence);
  return FALSE;
}

/* Owner and mode before the data: the content is never readable by
 * anyone it is not meant for, not even for a moment. */
static gboolean
write_temporary (int fd, const char *content, uid_t uid, gid_t gid, mode_t mode)
{
  FILE *stream;
  gsize len = strlen (content);
  gboolean ok;

  if (fchown (fd, uid, gid) != 0 || fchmod (fd, mode) != 0)
    {
      int saved_errno = errno;
      close (fd);
      errno = saved_errno;
      return FALSE;
    }
  stream = fdopen (fd, "w");
  if (stream == NULL)
    {
      int saved_errno = errno;
      close (fd);
      errno = saved_errno;
      return FALSE;
    }
  ok = fwrite (content, 1, len, stream) == len && fflush (stream) == 0 && fsync (fd) == 0;
  return fclose (stream) == 0 && ok;
}

gboolean
vsa_staged_files_add (VsaStagedFiles *staged, const char *path, const char *content,
                      uid_t uid, gid_t gid, mode_t mode, GError **error)
{
  StagedFile file = { g_strdup (path), NULL };
  int fd = vsa_file_create_temp (path, 0600, &file.temporary, error);

  if (fd < 0)
    {
      staged_file_clear (&file);
      g_prefix_error (error, "nothing was installed: ");
      return FALSE;
    }
  g_array_append_val (staged->files, file);
  if (!write_temporary (fd, content, uid, gid, mode))
    return set_errno_error (error, "write", file.temporary, errno, "nothing was installed");
  return TRUE;
}

/* Renames cannot fail for lack of space or permission once the
 * temporaries exist beside their targets; should one fail anyway, the
 * files renamed before it stay and the error says which one did not. */
gboolean
vsa_staged_files_commit (VsaStagedFiles *staged, GError **error)
{
  for (guint i = 0; i < staged->files->len; i++)
    {
      StagedFile *file = &g_array_index (staged->files, StagedFile, i);
      g_autofree char *dir = g_path_get_dirname (file->target);

      if (rename (file->temporary, file->target) != 0)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                       "cannot replace '%s': %s; %u of %u files were installed before it",
                       file->target, g_strerror (errno), i, staged->files->len);
          return FALSE;
        }
      g_clear_pointer (&file->temporary, g_free); /* installed: nothing to remove */
      if (!vsa_file_fsync_directory (dir, error))
        {
          g_prefix_error (error, "the file is in place but may not survive a crash: ");
          return FALSE;
        }
    }
  return TRUE;
}
