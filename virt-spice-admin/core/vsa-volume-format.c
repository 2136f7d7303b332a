/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `volume format`: LUKS2 on a logical volume, with a new random keyfile,
 * an existing one or a passphrase, and a header backup. */
#include "vsa-volume.h"
#include "vsa-block.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-luks.h"
#include "vsa-lvm.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* The article's parameters: cryptsetup luksFormat --hash=sha512
 * --key-size=512 --cipher=aes-xts-plain64. */
#define LUKS_CIPHER "aes"
#define LUKS_CIPHER_MODE "xts-plain64"
#define LUKS_KEY_BYTES (512 / 8)
#define LUKS_HASH "sha512"
/* A new keyfile holds as many random bytes as the volume key. */
#define KEYFILE_BYTES 64
/* cryptsetup's own limit for a keyfile read whole. */
#define KEYFILE_MAX_BYTES (8 * 1024 * 1024)
/* argon2 memory cost when benchmarking: libcryptsetup's default, which
 * it lowers to half the RAM on small hosts. */
#define ARGON2_MAX_MEMORY_KB (1024 * 1024)
#define ARGON2_MIN_MEMORY_KB 32

void
vsa_format_result_clear (VsaFormatResult *result)
{
  g_clear_pointer (&result->device, g_free);
  g_clear_pointer (&result->keyfile, g_free);
  g_clear_pointer (&result->header_backup, g_free);
}

/* A directory only root may enter: created, or tightened if it exists. */
static gboolean
ensure_private_dir (const char *path, GError **error)
{
  if (!vsa_dir_ensure (path, 0700, error))
    return FALSE;
  if (chmod (path, 0700) != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot make '%s' private (0700): %s",
                   path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
refuse_signature (const char *device, gboolean force, GError **error)
{
  g_autofree char *type = NULL;

  if (!vsa_block_find_signature (device, &type, error))
    return FALSE;
  if (type == NULL || force)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
               "%s already carries a %s signature; nothing was changed "
               "(--force overwrites it and destroys its data)", device, type);
  return FALSE;
}

/* Key material that must pass through memory: wiped when freed. */
typedef struct {
  char *bytes;
  gsize len;
} KeyBuffer;

static void
key_buffer_clear (KeyBuffer *key)
{
  if (key->bytes)
    crypt_safe_memzero (key->bytes, key->len);
  g_clear_pointer (&key->bytes, g_free);
  key->len = 0;
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KeyBuffer, key_buffer_clear)

static gboolean
read_keyfile (const char *path, KeyBuffer *key, GError **error)
{
  if (vsa_file_read_bounded (path, "keyfile", KEYFILE_MAX_BYTES, &key->bytes, &key->len, NULL) &&
      key->len > 0)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "keyfile '%s' must be a non-empty regular file of at most 8 MiB", path);
  return FALSE;
}

static gboolean
generate_key (KeyBuffer *key, GError **error)
{
  key->bytes = g_malloc (KEYFILE_BYTES);
  key->len = KEYFILE_BYTES;
  if (getrandom (key->bytes, key->len, 0) != (ssize_t) key->len)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "cannot read the kernel random generator: %s", g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* The new keyfile is written beside its final name and moved there only
 * once the header holds it: a failed format leaves the old key alone. */
static char *
write_new_keyfile (const VsaConfig *config, const char *lv, gboolean force, KeyBuffer *key,
                   GError **error)
{
  g_autofree char *path = vsa_volume_default_keyfile (config, lv);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *pending = g_strconcat (path, ".new", NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS) && !force)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
                   "keyfile '%s' already exists; reuse it with --keyfile %s, "
                   "or --force to replace it", path, path);
      return NULL;
    }
  if (!ensure_private_dir (config->key_dir, error) || !ensure_private_dir (dir, error) ||
      !generate_key (key, error) ||
      !vsa_file_write_atomic (pending, key->bytes, key->len, 0400, error))
    return NULL;
  return g_steal_pointer (&pending);
}

static void
pbkdf_settings (const VsaConfig *config, struct crypt_pbkdf_type *pbkdf)
{
  gboolean argon2 = !g_str_equal (config->luks_pbkdf, CRYPT_KDF_PBKDF2);

  memset (pbkdf, 0, sizeof *pbkdf);
  pbkdf->type = config->luks_pbkdf;
  pbkdf->hash = LUKS_HASH;
  pbkdf->time_ms = config->luks_pbkdf_time_ms;
  if (argon2)
    {
      pbkdf->max_memory_kb = ARGON2_MAX_MEMORY_KB;
      pbkdf->parallel_threads = 4;
    }
  if (config->luks_pbkdf_iterations > 0)
    {
      pbkdf->flags = CRYPT_PBKDF_NO_BENCHMARK;
      pbkdf->iterations = config->luks_pbkdf_iterations;
      pbkdf->max_memory_kb = argon2 ? ARGON2_MIN_MEMORY_KB : 0;
      pbkdf->parallel_threads = argon2 ? 1 : 0;
    }
}

static gboolean
write_luks_header (const VsaConfig *config, const char *device, const KeyBuffer *key,
                   GError **error)
{
  g_autoptr (GString) messages = g_string_new (NULL);
  g_autoptr (VsaCryptDevice) cd = vsa_luks_open_device (device, messages, error);
  struct crypt_pbkdf_type pbkdf;
  struct crypt_params_luks2 params = { 0 };
  int rc;

  if (cd == NULL)
    return FALSE;
  pbkdf_settings (config, &pbkdf);
  params.pbkdf = &pbkdf;
  rc = crypt_format (cd, CRYPT_LUKS2, LUKS_CIPHER, LUKS_CIPHER_MODE, NULL, NULL,
                     LUKS_KEY_BYTES, &params);
  if (rc < 0)
    return vsa_luks_failed (error, "LUKS2 format of", device, rc, messages);
  rc = crypt_keyslot_add_by_volume_key (cd, CRYPT_ANY_SLOT, NULL, 0, key->bytes, key->len);
  if (rc < 0)
    return vsa_luks_failed (error, "adding the key slot to", device, rc, messages);
  return TRUE;
}

/* libcryptsetup refuses to overwrite a backup and creates it 0400; write
 * beside the old one, then set 0600 and replace. */
static char *
backup_header (const VsaConfig *config, const char *lv, const char *device, GError **error)
{
  g_autofree char *path = vsa_volume_header_backup_path (config, lv);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *pending = g_strconcat (path, ".new", NULL);
  g_autofree char *root = g_build_filename (config->state_dir, "luks-headers", NULL);
  g_autoptr (GString) messages = g_string_new (NULL);
  g_autoptr (VsaCryptDevice) cd = NULL;
  int rc;

  if (!ensure_private_dir (root, error) || !ensure_private_dir (dir, error) ||
      (cd = vsa_luks_load (device, lv, messages, error)) == NULL)
    return NULL;
  unlink (pending);
  rc = crypt_header_backup (cd, CRYPT_LUKS2, pending);
  if (rc < 0)
    {
      vsa_luks_failed (error, "header backup of", device, rc, messages);
      return NULL;
    }
  if (chmod (pending, 0600) != 0 || rename (pending, path) != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot store header backup '%s': %s",
                   path, g_strerror (errno));
      unlink (pending);
      return NULL;
    }
  return g_steal_pointer (&path);
}

static gboolean
gather_key (const VsaConfig *config, const VsaFormatRequest *request, KeyBuffer *key,
            char **ret_pending_keyfile, GError **error)
{
  *ret_pending_keyfile = NULL;
  if (request->passphrase != NULL)
    {
      key->bytes = g_strdup (request->passphrase);
      key->len = strlen (request->passphrase);
      return TRUE;
    }
  if (request->keyfile != NULL)
    return vsa_validate_keyfile_path (request->keyfile, error) &&
           read_keyfile (request->keyfile, key, error);
  *ret_pending_keyfile = write_new_keyfile (config, request->lv, request->force, key, error);
  return *ret_pending_keyfile != NULL;
}

static gboolean
format_device (const VsaConfig *config, const VsaFormatRequest *request, const char *device,
               VsaFormatResult *result, GError **error)
{
  g_auto (KeyBuffer) key = { 0 };
  g_autofree char *pending = NULL;
  gboolean formatted;

  if (!refuse_signature (device, request->force, error) ||
      !gather_key (config, request, &key, &pending, error))
    return FALSE;
  formatted = (!request->force || vsa_block_wipe_signatures (device, error)) &&
              write_luks_header (config, device, &key, error);
  key_buffer_clear (&key);
  if (pending != NULL)
    {
      result->keyfile = g_strndup (pending, strlen (pending) - strlen (".new"));
      result->keyfile_created = formatted;
      if (!formatted)
        unlink (pending);
      else if (rename (pending, result->keyfile) != 0)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                       "%s is formatted but its new key is still in '%s' (%s); move it to '%s'",
                       device, pending, g_strerror (errno), result->keyfile);
          return FALSE;
        }
    }
  else if (request->keyfile != NULL)
    result->keyfile = g_strdup (request->keyfile);
  if (!formatted)
    return FALSE;
  result->header_backup = backup_header (config, request->lv, device, error);
  if (result->header_backup == NULL)
    g_prefix_error (error, "%s is formatted, but: ", device);
  return result->header_backup != NULL;
}

/* The LV is activated for the format if it was not, and left as found. */
gboolean
vsa_volume_format (const VsaConfig *config, const VsaFormatRequest *request,
                   VsaFormatResult *ret_result, GError **error)
{
  gboolean activated = FALSE;
  gboolean ok;

  memset (ret_result, 0, sizeof *ret_result);
  if (!vsa_validate_lv_path (request->lv, error))
    return FALSE;
  ret_result->device = request->device ? g_strdup (request->device)
                                       : vsa_volume_lv_device (request->lv);
  if (request->device == NULL && !vsa_lvm_is_active (request->lv))
    {
      if (!vsa_lvm_activate (request->lv, error))
        return FALSE;
      activated = TRUE;
    }
  ok = format_device (config, request, ret_result->device, ret_result, error);
  if (activated && !ok)
    vsa_lvm_deactivate (request->lv, NULL);
  else if (activated && !vsa_lvm_deactivate (request->lv, error))
    {
      g_prefix_error (error, "%s is formatted, but: ", ret_result->device);
      return FALSE;
    }
  return ok;
}
