/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Encrypted guest disks: LUKS2 on raw LVM logical volumes, through
 * libcryptsetup and liblvm2cmd (never the cryptsetup or lvm programs).
 * Shared by the CLI and the hook, so it must not use libvirt.  Keys stay
 * in files that libcryptsetup reads itself, or come from a LUKS2 token
 * whose handler hands them to libcryptsetup; what must pass through
 * memory (a new key, a passphrase) is wiped right after use and never
 * logged. */
#pragma once

#include <glib.h>

#include "vsa-config.h"
#include "vsa-policy.h"
#include "vsa-secret.h"

G_BEGIN_DECLS

/* What `volume format` does.  LV names the key and the header backup;
 * DEVICE, when set, is formatted instead of /dev/VG/LV (tests use a loop
 * device).  Key source: PASSPHRASE, else the existing KEYFILE, else a new
 * random keyfile KEY-DIR/VG/LV.key. */
typedef struct {
  const char *lv;
  const char *device;
  const char *keyfile;
  const VsaSecret *passphrase;
  gboolean force;
} VsaFormatRequest;

typedef struct {
  char *device;
  char *keyfile;        /* the keyfile made or used; NULL with a passphrase */
  gboolean keyfile_created;
  char *header_backup;
} VsaFormatResult;

void vsa_format_result_clear (VsaFormatResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VsaFormatResult, vsa_format_result_clear)

/* What one open changed, so a failed start can undo exactly that. */
typedef struct {
  gboolean lv_activated;
  gboolean mapping_opened;
} VsaOpenOutcome;

char *vsa_volume_lv_device (const char *lv);
char *vsa_volume_default_keyfile (const VsaConfig *config, const char *lv);
gboolean vsa_volume_check_keyfile (const char *keyfile, const char *lv, GError **error);
char *vsa_volume_header_backup_path (const VsaConfig *config, const char *lv);
const char *vsa_volume_state (const VsaVolume *volume);

gboolean vsa_volume_format (const VsaConfig *config, const VsaFormatRequest *request,
                            VsaFormatResult *ret_result, GError **error);
gboolean vsa_volume_check_key (const char *device, const char *keyfile, GError **error);
gboolean vsa_volume_check_token (const char *device, const char *token, GError **error);
gboolean vsa_volume_check_token_present (const char *device, const char *token, GError **error);
gboolean vsa_volume_open (const VsaVolume *volume, VsaOpenOutcome *ret_outcome, GError **error);
gboolean vsa_volume_close (const VsaVolume *volume, gboolean deactivate_lv, GError **error);
gboolean vsa_volume_undo_open (const VsaVolume *volume, const VsaOpenOutcome *outcome,
                               GError **error);
gboolean vsa_volumes_open_all (const VsaConfig *config, GPtrArray *volumes, GError **error);
gboolean vsa_volumes_close_all (const VsaConfig *config, GPtrArray *volumes, GError **error);

G_END_DECLS
