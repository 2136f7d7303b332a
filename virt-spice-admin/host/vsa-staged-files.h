/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Several files that replace their targets together.  Each is first
 * written to a temporary file beside its target, with its final owner and
 * mode, and synced; only then are they renamed into place, in the order
 * they were added.  Until the commit no target has changed, and freeing
 * an uncommitted set removes the temporaries. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct VsaStagedFiles VsaStagedFiles;

VsaStagedFiles *vsa_staged_files_new (void);
void vsa_staged_files_free (VsaStagedFiles *staged);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaStagedFiles, vsa_staged_files_free)

/* uid/gid (uid_t) -1: keep the caller's. */
gboolean vsa_staged_files_add (VsaStagedFiles *staged, const char *path, const char *content,
                               uid_t uid, gid_t gid, mode_t mode, GError **error);
gboolean vsa_staged_files_commit (VsaStagedFiles *staged, GError **error);

G_END_DECLS
