/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

gboolean vsa_file_write_atomic (const char *path, const char *data, gsize len, mode_t mode,
                                GError **error);
gboolean vsa_file_write_atomic_owned (const char *path, const char *data, gsize len, mode_t mode,
                                      uid_t uid, gid_t gid, GError **error);
void vsa_file_remove_stale_temps (const char *dir);
int vsa_file_create_temp (const char *path, mode_t mode, char **ret_temp_path, GError **error);
gboolean vsa_file_fsync_directory (const char *dir, GError **error);

/* Nothing read as text (configuration, certificates, qemu.conf) comes
 * near this; a bigger file is a mistake or an attack. */
#define VSA_FILE_TEXT_MAX (1024 * 1024)

gboolean vsa_file_read_bounded (const char *path, const char *what, gsize limit, char **ret_data,
                                gsize *ret_len, GError **error);
/* An exclusive lock on STATE-DIR/locks/NAME.lock (flock), held until
 * released, when the file is removed: serialises concurrent runs that
 * change the same VM. */
typedef struct {
  int fd;
  char *path; /* removed on release */
} VsaLock;

VsaLock *vsa_lock_acquire (const char *state_dir, const char *name, guint timeout_ms,
                           GError **error);
void vsa_lock_release (VsaLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaLock, vsa_lock_release)

gboolean vsa_dir_ensure (const char *path, mode_t mode, GError **error);

gboolean vsa_fd_write_all (int fd, const char *data, gsize len);

G_END_DECLS
