/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Opening and closing a VM's encrypted volumes (LV activation, the
 * mapping), with rollback; paths and state the CLI shows. */
#include "vsa-volume.h"
#include "vsa-block.h"
#include "vsa-error.h"
#include "vsa-volume-libs.h"
#include "vsa-luks.h"
#include "vsa-lvm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>


char *
vsa_volume_lv_device (const char *lv)
{
  return g_build_filename ("/dev", lv, NULL);
}

char *
vsa_volume_default_keyfile (const VsaConfig *config, const char *lv)
{
  g_autofree char *file = g_strconcat (lv, ".key", NULL);

  return g_build_filename (config->key_dir, file, NULL);
}

/* attach and apply refer to keyfiles `volume format` made (or the admin
 * named): a missing one would only show at the VM's next start. */
gboolean
vsa_volume_check_keyfile (const char *keyfile, const char *lv, GError **error)
{
  if (g_file_test (keyfile, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
               "keyfile '%s' does not exist; run 'virt-spice-admin volume format %s' or name an "
               "existing keyfile", keyfile, lv);
  return FALSE;
}

char *
vsa_volume_header_backup_path (const VsaConfig *config, const char *lv)
{
  g_autofree char *file = g_strconcat (lv, ".img", NULL);

  return g_build_filename (config->state_dir, "luks-headers", file, NULL);
}

/* "open", "closed", or "busy" (open and in use, e.g. by a running guest). */
const char *
vsa_volume_state (const VsaVolume *volume)
{
  if (!vsa_volume_libs_load (NULL))
    return "unknown";
  vsa_luks_quiet ();
  switch (VSA_CRYPT (crypt_status) (NULL, volume->name))
    {
    case CRYPT_ACTIVE:
      return "open";
    case CRYPT_BUSY:
      return "in use";
    case CRYPT_INACTIVE:
      return "closed";
    case CRYPT_INVALID:
    default:
      return "unknown";
    }
}

/* --- open and close ---------------------------------------------------- */

/* Opened and closed at once: libcryptsetup reads the key itself later,
 * but "cannot read" must be told apart from "wrong key". */
static gboolean
check_keyfile_readable (const char *keyfile, GError **error)
{
  int fd = open (keyfile, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "cannot read keyfile '%s': %s",
                   keyfile, g_strerror (errno));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* NAME NULL: only check that the key opens a slot (cryptsetup's
 * --test-passphrase); otherwise create the mapping. */
static gboolean
activate_by_keyfile (const char *device, const char *lv, const char *name,
                     const char *keyfile, GError **error)
{
  g_autoptr (GString) messages = g_string_new (NULL);
  g_autoptr (VsaCryptDevice) cd = NULL;
  int rc;

  if (!check_keyfile_readable (keyfile, error) ||
      (cd = vsa_luks_load (device, lv, messages, error)) == NULL)
    return FALSE;
  rc = VSA_CRYPT (crypt_activate_by_keyfile_device_offset) (cd, name, CRYPT_ANY_SLOT, keyfile, 0, 0, 0);
  if (rc >= 0)
    return TRUE;
  if (rc == -EPERM)
    g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                 "wrong key: keyfile '%s' opens no key slot of %s", keyfile, device);
  else if (rc == -EBUSY)
    vsa_luks_set_busy_error (error, device);
  else
    vsa_luks_failed (error, "opening", device, rc, messages);
  return FALSE;
}

gboolean
vsa_volume_check_key (const char *device, const char *keyfile, GError **error)
{
  return activate_by_keyfile (device, NULL, NULL, keyfile, error);
}
static gboolean
activate_volume (const VsaVolume *volume, const char *device, GError **error)
{
  if (volume->token != NULL)
    return vsa_luks_activate_by_token (device, volume->lv, volume->name, volume->token, error);
  return activate_by_keyfile (device, volume->lv, volume->name, volume->keyfile, error);
}

static gboolean
mapping_is_active (const char *name)
{
  crypt_status_info status;

  vsa_luks_quiet ();
  status = VSA_CRYPT (crypt_status) (NULL, name);
  return status == CRYPT_ACTIVE || status == CRYPT_BUSY;
}

/* An open mapping of that name is ours only if it sits on the LV. */
static gboolean
mapping_is_on_lv (const VsaVolume *volume, GError **error)
{
  g_autoptr (VsaCryptDevice) cd = NULL;
  g_autofree char *lv_device = vsa_volume_lv_device (volume->lv);
  const char *underlying;

  vsa_luks_quiet ();
  if (VSA_CRYPT (crypt_init_by_name) (&cd, volume->name) < 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "mapping '%s' exists but libcryptsetup cannot read it; check 'dmsetup table %s'",
                   volume->name, volume->name);
      return FALSE;
    }
  underlying = VSA_CRYPT (crypt_get_device_name) (cd);
  if (underlying && vsa_block_same_device (underlying, lv_device))
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
               "mapping '%s' is already open on %s, not on %s; close it or rename the volume",
               volume->name, underlying ? underlying : "another device", lv_device);
  return FALSE;
}

gboolean
vsa_volume_open (const VsaVolume *volume, VsaOpenOutcome *ret_outcome, GError **error)
{
  g_autofree char *device = NULL;

  memset (ret_outcome, 0, sizeof *ret_outcome);
  if (!vsa_validate_volume (volume, error) || !vsa_volume_libs_load (error))
    return FALSE;
  if (mapping_is_active (volume->name))
    return mapping_is_on_lv (volume, error);
  if (volume->keyfile != NULL && !check_keyfile_readable (volume->keyfile, error))
    return FALSE;
  if (!vsa_lvm_is_active (volume->lv))
    {
      if (!vsa_lvm_activate (volume->lv, error))
        return FALSE;
      ret_outcome->lv_activated = TRUE;
    }
  device = vsa_volume_lv_device (volume->lv);
  if (!activate_volume (volume, device, error))
    {
      /* Leave the LV as it was; the open's own error is what matters. */
      if (ret_outcome->lv_activated)
        ret_outcome->lv_activated = !vsa_lvm_deactivate (volume->lv, NULL);
      return FALSE;
    }
  ret_outcome->mapping_opened = TRUE;
  return TRUE;
}

static gboolean
close_mapping (const VsaVolume *volume, GError **error)
{
  g_autofree char *mapper = g_build_filename ("/dev/mapper", volume->name, NULL);
  int rc;

  if (!vsa_volume_libs_load (error))
    return FALSE;
  if (!mapping_is_active (volume->name))
    return TRUE;
  if (!mapping_is_on_lv (volume, error))
    return FALSE;
  rc = VSA_CRYPT (crypt_deactivate_by_name) (NULL, volume->name, 0);
  if (rc == -EBUSY)
    {
      g_autofree char *users = vsa_block_describe_users (mapper);
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
                   "mapping '%s' is still in use by %s; left open, logical volume %s stays active",
                   volume->name, users, volume->lv);
      return FALSE;
    }
  if (rc < 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot close mapping '%s': %s",
                   volume->name, g_strerror (-rc));
      return FALSE;
    }
  return TRUE;
}

/* Already closed and already inactive are success. */
gboolean
vsa_volume_close (const VsaVolume *volume, gboolean deactivate_lv, GError **error)
{
  if (!vsa_validate_lv_path (volume->lv, error) ||
      !vsa_validate_mapping_name (volume->name, error) || !close_mapping (volume, error))
    return FALSE;
  if (deactivate_lv && vsa_lvm_is_active (volume->lv))
    return vsa_lvm_deactivate (volume->lv, error);
  return TRUE;
}

/* Undoes exactly what OUTCOME says one open did. */
gboolean
vsa_volume_undo_open (const VsaVolume *volume, const VsaOpenOutcome *outcome, GError **error)
{
  if (outcome->mapping_opened && !close_mapping (volume, error))
    return FALSE;
  return !outcome->lv_activated || vsa_lvm_deactivate (volume->lv, error);
}

/* Newest first, every one attempted; the errors are joined in one line. */
gboolean
vsa_volumes_close_all (const VsaConfig *config, GPtrArray *volumes, GError **error)
{
  g_autoptr (GString) failures = g_string_new (NULL);

  for (guint i = volumes->len; i-- > 0;)
    {
      VsaVolume *volume = g_ptr_array_index (volumes, i);
      g_autoptr (GError) local_error = NULL;

      if (!vsa_volume_close (volume, config->deactivate_lv_on_close, &local_error))
        g_string_append_printf (failures, "%svolume '%s' (%s): %s", failures->len ? "; " : "",
                                volume->name, volume->lv, local_error->message);
    }
  if (failures->len == 0)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT, "%s", failures->str);
  return FALSE;
}
