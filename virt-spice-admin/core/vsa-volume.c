/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-volume.h"
#include "vsa-block.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-lvm.h"

#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

typedef struct crypt_device VsaCryptDevice;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaCryptDevice, crypt_free)

/* Library code never prints: libcryptsetup would write its messages to
 * stderr without a callback.  Per-device messages are kept for errors;
 * the rest (calls without a device) are dropped. */
static void
drop_crypt_message (int level, const char *message, void *user_data)
{
}

static void
collect_crypt_message (int level, const char *message, void *user_data)
{
  GString *messages = user_data;
  g_autofree char *line = g_strstrip (g_strdup (message));

  if (level == CRYPT_LOG_ERROR && *line)
    g_string_append_printf (messages, "%s%s", messages->len ? "; " : "", line);
}

static void
quiet_libcryptsetup (void)
{
  crypt_set_log_callback (NULL, drop_crypt_message, NULL);
}

static VsaCryptDevice *
crypt_open_device (const char *device, GString *messages, GError **error)
{
  g_autoptr (VsaCryptDevice) cd = NULL;
  int rc;

  quiet_libcryptsetup ();
  rc = crypt_init (&cd, device);
  if (rc < 0)
    {
      g_set_error (error, VSA_ERROR, rc == -ENOENT ? VSA_ERROR_NOT_FOUND : VSA_ERROR_FAILED,
                   "cannot open device '%s': %s", device, g_strerror (-rc));
      return NULL;
    }
  crypt_set_log_callback (cd, collect_crypt_message, messages);
  return g_steal_pointer (&cd);
}

static VsaCryptDevice *
crypt_load_luks (const char *device, const char *lv, GString *messages, GError **error)
{
  g_autoptr (VsaCryptDevice) cd = crypt_open_device (device, messages, error);

  if (cd == NULL)
    return NULL;
  if (crypt_load (cd, CRYPT_LUKS, NULL) < 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s has no LUKS header; run 'virt-spice-admin volume format %s'",
                   device, lv ? lv : device);
      return NULL;
    }
  return g_steal_pointer (&cd);
}

void
vsa_format_result_clear (VsaFormatResult *result)
{
  g_clear_pointer (&result->device, g_free);
  g_clear_pointer (&result->keyfile, g_free);
  g_clear_pointer (&result->header_backup, g_free);
}

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
  quiet_libcryptsetup ();
  switch (crypt_status (NULL, volume->name))
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

/* --- format ------------------------------------------------------------ */

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
crypt_failed (GError **error, const char *what, const char *device, int rc, GString *messages)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "%s %s failed: %s", what, device,
               messages->len ? messages->str : g_strerror (-rc));
  return FALSE;
}

static gboolean
write_luks_header (const VsaConfig *config, const char *device, const KeyBuffer *key,
                   GError **error)
{
  g_autoptr (GString) messages = g_string_new (NULL);
  g_autoptr (VsaCryptDevice) cd = crypt_open_device (device, messages, error);
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
    return crypt_failed (error, "LUKS2 format of", device, rc, messages);
  rc = crypt_keyslot_add_by_volume_key (cd, CRYPT_ANY_SLOT, NULL, 0, key->bytes, key->len);
  if (rc < 0)
    return crypt_failed (error, "adding the key slot to", device, rc, messages);
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
      (cd = crypt_load_luks (device, lv, messages, error)) == NULL)
    return NULL;
  unlink (pending);
  rc = crypt_header_backup (cd, CRYPT_LUKS2, pending);
  if (rc < 0)
    {
      crypt_failed (error, "header backup of", device, rc, messages);
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

static gboolean
set_busy_error (GError **error, const char *device)
{
  g_autofree char *users = vsa_block_describe_users (device);

  g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT, "device %s is busy (used by %s)", device,
               users);
  return FALSE;
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
      (cd = crypt_load_luks (device, lv, messages, error)) == NULL)
    return FALSE;
  rc = crypt_activate_by_keyfile_device_offset (cd, name, CRYPT_ANY_SLOT, keyfile, 0, 0, 0);
  if (rc >= 0)
    return TRUE;
  if (rc == -EPERM)
    g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                 "wrong key: keyfile '%s' opens no key slot of %s", keyfile, device);
  else if (rc == -EBUSY)
    set_busy_error (error, device);
  else
    crypt_failed (error, "opening", device, rc, messages);
  return FALSE;
}

gboolean
vsa_volume_check_key (const char *device, const char *keyfile, GError **error)
{
  return activate_by_keyfile (device, NULL, NULL, keyfile, error);
}

/* --- LUKS2 tokens ------------------------------------------------------ */

#define KEYRING_TOKEN_TYPE "luks2-keyring"

static gboolean
token_is_active (crypt_token_info status)
{
  return status != CRYPT_TOKEN_INVALID && status != CRYPT_TOKEN_INACTIVE;
}

static gboolean
token_has_handler (crypt_token_info status)
{
  return status == CRYPT_TOKEN_INTERNAL || status == CRYPT_TOKEN_EXTERNAL;
}

/* "token 3" or "any token", for messages. */
static char *
token_label (int id)
{
  return id == CRYPT_ANY_TOKEN ? g_strdup ("any token") : g_strdup_printf ("token %d", id);
}

static gboolean
set_no_token_error (GError **error, const char *device, int id)
{
  g_autofree char *label = token_label (id);

  g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
               "the LUKS header of %s has no %s; add one (e.g. 'cryptsetup token add "
               "--key-description DESCRIPTION --key-slot 0 %s') or use a keyfile",
               device, id == CRYPT_ANY_TOKEN ? "token" : label, device);
  return FALSE;
}

static gboolean
set_no_plugin_error (GError **error, const char *device, int id, const char *type)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
               "token %d of %s is of type '%s', for which no token plugin is installed here; "
               "install libcryptsetup's plugin for '%s' or use another token", id, device, type,
               type);
  return FALSE;
}

/* One token: present in the header, and libcryptsetup has its handler. */
static gboolean
check_one_token (struct crypt_device *cd, const char *device, int id, GError **error)
{
  const char *type = NULL;
  crypt_token_info status = crypt_token_status (cd, id, &type);

  if (!token_is_active (status))
    return set_no_token_error (error, device, id);
  if (!token_has_handler (status))
    return set_no_plugin_error (error, device, id, type);
  return TRUE;
}

/* Any token: at least one present whose handler is here. */
static gboolean
check_any_token (struct crypt_device *cd, const char *device, GError **error)
{
  int first_unhandled = -1;
  const char *unhandled_type = NULL;

  for (int id = 0; id <= VSA_TOKEN_ID_MAX; id++)
    {
      const char *type = NULL;
      crypt_token_info status = crypt_token_status (cd, id, &type);

      if (token_has_handler (status))
        return TRUE;
      if (token_is_active (status) && first_unhandled < 0)
        {
          first_unhandled = id;
          unhandled_type = type;
        }
    }
  if (first_unhandled < 0)
    return set_no_token_error (error, device, CRYPT_ANY_TOKEN);
  return set_no_plugin_error (error, device, first_unhandled, unhandled_type);
}

static gboolean
check_token_usable (struct crypt_device *cd, const char *device, int id, GError **error)
{
  if (g_strcmp0 (crypt_get_type (cd), CRYPT_LUKS2) != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s is %s, which has no tokens; use a keyfile, or convert it with "
                   "'cryptsetup convert --type luks2 %s'", device, crypt_get_type (cd), device);
      return FALSE;
    }
  return id == CRYPT_ANY_TOKEN ? check_any_token (cd, device, error)
                               : check_one_token (cd, device, id, error);
}

/* The lookup the luks2-keyring handler itself makes (request_key(2)
 * without an upcall), only to tell missing key material from wrong.
 * Nothing is read from the key. */
static gboolean
kernel_keyring_has_user_key (const char *description)
{
  return syscall (SYS_request_key, "user", description, NULL, 0) >= 0;
}

/* The first luks2-keyring token ID stands for (ANY: the first in the
 * header), or -1. */
static int
keyring_token_of (struct crypt_device *cd, int id)
{
  for (int i = id == CRYPT_ANY_TOKEN ? 0 : id; i <= VSA_TOKEN_ID_MAX; i++)
    {
      const char *type = NULL;

      if (token_has_handler (crypt_token_status (cd, i, &type)) &&
          g_str_equal (type, KEYRING_TOKEN_TYPE))
        return i;
      if (id != CRYPT_ANY_TOKEN)
        break;
    }
  return -1;
}

/* The token ran but no key slot took what it gave.  For a keyring token
 * the key's description (never its content) says what to fix. */
static gboolean
set_unlock_error (GError **error, struct crypt_device *cd, const char *device, int id)
{
  g_autofree char *label = token_label (id);
  struct crypt_token_params_luks2_keyring params = { 0 };
  int keyring_id = keyring_token_of (cd, id);

  if (keyring_id < 0 || crypt_token_luks2_keyring_get (cd, keyring_id, &params) < 0 ||
      params.key_description == NULL)
    g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                 "%s of %s could not unlock it: wrong or missing key material", label, device);
  else if (!kernel_keyring_has_user_key (params.key_description))
    g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                 "%s of %s could not unlock it: missing key material: no user key '%s' in "
                 "the kernel keyrings this process searches (token %d, luks2-keyring); add "
                 "it, e.g. 'keyctl padd user %s @u'", label, device, params.key_description,
                 keyring_id, params.key_description);
  else
    g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                 "%s of %s could not unlock it: wrong key material: user key '%s' of the "
                 "kernel keyring opens no key slot assigned to token %d", label, device,
                 params.key_description, keyring_id);
  return FALSE;
}

static gboolean
set_token_error (GError **error, struct crypt_device *cd, const char *device, int id, int rc,
                 GString *messages)
{
  g_autofree char *label = token_label (id);

  switch (rc)
    {
    case -EPERM:
      return set_unlock_error (error, cd, device, id);
    case -EBUSY:
      return set_busy_error (error, device);
    case -ENOENT:
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s of %s is assigned to no usable key slot; assign one with "
                   "'cryptsetup token assign' (see 'cryptsetup luksDump %s')", label, device,
                   device);
      return FALSE;
    case -ENOANO:
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s of %s needs a PIN, which nobody can type at VM start; use a token "
                   "without PIN or a keyfile", label, device);
      return FALSE;
    case -EAGAIN:
    case -EOPNOTSUPP:
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "%s of %s cannot be used on this host: its plugin lacks the hardware or "
                   "support it needs%s%s", label, device, messages->len ? ": " : "",
                   messages->str);
      return FALSE;
    default:
      return crypt_failed (error, "opening by token", device, rc, messages);
    }
}

/* As activate_by_keyfile, with the key from a LUKS2 token: its handler
 * (luks2-keyring: the kernel keyring) hands it to libcryptsetup
 * directly, so it never passes through this program. */
static gboolean
activate_by_token (const char *device, const char *lv, const char *name, const char *token,
                   GError **error)
{
  g_autoptr (GString) messages = g_string_new (NULL);
  g_autoptr (VsaCryptDevice) cd = NULL;
  int id;
  int rc;

  if (!vsa_validate_token (token, error) || !vsa_token_to_id (token, &id) ||
      (cd = crypt_load_luks (device, lv, messages, error)) == NULL ||
      !check_token_usable (cd, device, id, error))
    return FALSE;
  rc = crypt_activate_by_token (cd, name, id, NULL, 0);
  if (rc >= 0)
    return TRUE;
  return set_token_error (error, cd, device, id, rc, messages);
}

gboolean
vsa_volume_check_token (const char *device, const char *token, GError **error)
{
  return activate_by_token (device, NULL, NULL, token, error);
}

/* For `volume attach`: the header names the token and its handler is
 * here.  Nothing is unlocked: the key may be provided only at start. */
gboolean
vsa_volume_check_token_present (const char *device, const char *token, GError **error)
{
  g_autoptr (GString) messages = g_string_new (NULL);
  g_autoptr (VsaCryptDevice) cd = NULL;
  int id;

  return vsa_validate_token (token, error) && vsa_token_to_id (token, &id) &&
         (cd = crypt_load_luks (device, NULL, messages, error)) != NULL &&
         check_token_usable (cd, device, id, error);
}

static gboolean
activate_volume (const VsaVolume *volume, const char *device, GError **error)
{
  if (volume->token != NULL)
    return activate_by_token (device, volume->lv, volume->name, volume->token, error);
  return activate_by_keyfile (device, volume->lv, volume->name, volume->keyfile, error);
}

static gboolean
mapping_is_active (const char *name)
{
  crypt_status_info status;

  quiet_libcryptsetup ();
  status = crypt_status (NULL, name);
  return status == CRYPT_ACTIVE || status == CRYPT_BUSY;
}

/* An open mapping of that name is ours only if it sits on the LV. */
static gboolean
mapping_is_on_lv (const VsaVolume *volume, GError **error)
{
  g_autoptr (VsaCryptDevice) cd = NULL;
  g_autofree char *lv_device = vsa_volume_lv_device (volume->lv);
  const char *underlying;

  quiet_libcryptsetup ();
  if (crypt_init_by_name (&cd, volume->name) < 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "mapping '%s' exists but libcryptsetup cannot read it; check 'dmsetup table %s'",
                   volume->name, volume->name);
      return FALSE;
    }
  underlying = crypt_get_device_name (cd);
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
  if (!vsa_validate_volume (volume, error))
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

  if (!mapping_is_active (volume->name))
    return TRUE;
  if (!mapping_is_on_lv (volume, error))
    return FALSE;
  rc = crypt_deactivate_by_name (NULL, volume->name, 0);
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

static void
prefix_volume (GError **error, const VsaVolume *volume)
{
  g_prefix_error (error, "volume '%s' (%s): ", volume->name, volume->lv);
}

/* Undoes exactly what OUTCOME says this run did. */
static gboolean
undo_open (const VsaVolume *volume, const VsaOpenOutcome *outcome, GError **error)
{
  if (outcome->mapping_opened && !close_mapping (volume, error))
    return FALSE;
  return !outcome->lv_activated || vsa_lvm_deactivate (volume->lv, error);
}

/* Keeps the one-line error: a failed rollback is added to its end. */
static void append_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
append_error (GError **error, const char *format, ...)
{
  g_autofree char *extra = NULL;
  g_autofree char *old = NULL;
  va_list args;

  if (error == NULL || *error == NULL)
    return;
  va_start (args, format);
  extra = g_strdup_vprintf (format, args);
  va_end (args);
  old = (*error)->message;
  (*error)->message = g_strconcat (old, extra, NULL);
}

static void
roll_back (GPtrArray *volumes, const VsaOpenOutcome *outcomes, guint count, GError **error)
{
  for (guint i = count; i-- > 0;)
    {
      VsaVolume *volume = g_ptr_array_index (volumes, i);
      g_autoptr (GError) undo_error = NULL;

      if (!undo_open (volume, &outcomes[i], &undo_error))
        append_error (error, "; rolling back volume '%s' failed too: %s", volume->name,
                      undo_error->message);
    }
}

/* In metadata order; on the first failure, closes what this call opened
 * (and deactivates the LVs it activated), newest first, and fails with
 * the first volume's error. */
gboolean
vsa_volumes_open_all (GPtrArray *volumes, GError **error)
{
  g_autofree VsaOpenOutcome *outcomes = g_new0 (VsaOpenOutcome, volumes->len + 1);

  for (guint i = 0; i < volumes->len; i++)
    {
      VsaVolume *volume = g_ptr_array_index (volumes, i);

      if (!vsa_volume_open (volume, &outcomes[i], error))
        {
          prefix_volume (error, volume);
          roll_back (volumes, outcomes, i, error);
          return FALSE;
        }
    }
  return TRUE;
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
