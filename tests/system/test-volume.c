/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The volume library on this host's kernel, which has no device-mapper:
 * real libcryptsetup on a loop device (format, key checks, refusals,
 * header backup and restore, LUKS2 tokens with the key in the real
 * kernel keyring) and real LVM metadata through liblvm2cmd (missing and
 * unactivatable logical volumes).  Activation itself is tested under
 * user-mode Linux (tests/uml/).  Needs root, losetup and keyctl. */
#include "vsa-config.h"
#include "vsa-error.h"
#include "vsa-policy.h"
#include "vsa-volume.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libcryptsetup.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LV "vsa-test/lv0"
#define IMAGE_BYTES (40 * 1024 * 1024)

typedef struct {
  char *dir;
  char *image;
  char *loop;
  VsaConfig *config;
  GPtrArray *keyring_keys; /* serials of the kernel keyring keys this test added */
} Fixture;

static char *
run (const char *command_line)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_spawn_command_line_sync (command_line, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("'%s' failed: %s", command_line, err);
  return g_strstrip (out);
}

static char *
make_loop_device (const char *dir, const char *name)
{
  g_autofree char *image = g_build_filename (dir, name, NULL);
  g_autofree char *command = NULL;
  int fd = open (image, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, IMAGE_BYTES), ==, 0);
  close (fd);
  command = g_strdup_printf ("losetup --find --show %s", image);
  return run (command);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (geteuid (), ==, 0); /* losetup and block devices need root */
  fx->dir = g_dir_make_tmp ("vsa-volume-XXXXXX", &error);
  g_assert_no_error (error);
  fx->loop = make_loop_device (fx->dir, "disk.img");
  fx->config = vsa_config_new_defaults ();
  g_free (fx->config->key_dir);
  fx->config->key_dir = g_build_filename (fx->dir, "keys", NULL);
  g_free (fx->config->state_dir);
  fx->config->state_dir = g_build_filename (fx->dir, "state", NULL);
  /* Fast PBKDF, as cryptsetup's test suite does. */
  g_free (fx->config->luks_pbkdf);
  fx->config->luks_pbkdf = g_strdup ("pbkdf2");
  fx->config->luks_pbkdf_iterations = 1000;
  fx->keyring_keys = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_autofree char *detach = g_strdup_printf ("losetup -d %s", fx->loop);
  g_autofree char *remove = g_strdup_printf ("rm -rf %s", fx->dir);

  /* root's user keyring outlives the test: take back what it added. */
  for (guint i = 0; i < fx->keyring_keys->len; i++)
    {
      g_autofree char *invalidate = g_strdup_printf ("keyctl invalidate %s",
                                                     (char *) g_ptr_array_index (fx->keyring_keys, i));
      g_free (run (invalidate));
    }
  g_ptr_array_unref (fx->keyring_keys);
  g_free (run (detach));
  g_free (run (remove));
  vsa_config_free (fx->config);
  g_free (fx->loop);
  g_free (fx->dir);
}

static void
assert_one_line_error (const GError *error, int code, const char *part)
{
  g_assert_error (error, VSA_ERROR, code);
  g_assert_null (strchr (error->message, '\n'));
  if (strstr (error->message, part) == NULL)
    g_error ("'%s' does not contain '%s'", error->message, part);
}

static gboolean
format (Fixture *fx, const VsaFormatRequest *request, VsaFormatResult *result, GError **error)
{
  return vsa_volume_format (fx->config, request, result, error);
}

static char *
write_keyfile (Fixture *fx, const char *name, const char *content)
{
  char *path = g_build_filename (fx->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, content, -1, NULL));
  return path;
}

static char *
signature_of (const char *device)
{
  g_autofree char *command = g_strdup_printf ("blkid -p -o value -s TYPE %s", device);
  g_autofree char *out = NULL;
  int status;

  g_spawn_command_line_sync (command, &out, NULL, &status, NULL);
  return g_strstrip (g_steal_pointer (&out));
}

static char *
luks_uuid (const char *device)
{
  struct crypt_device *cd = NULL;
  char *uuid;

  g_assert_cmpint (crypt_init (&cd, device), ==, 0);
  g_assert_cmpint (crypt_load (cd, CRYPT_LUKS2, NULL), ==, 0);
  uuid = g_strdup (crypt_get_uuid (cd));
  crypt_free (cd);
  return uuid;
}

static void
assert_mode (const char *path, mode_t mode)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, mode);
  g_assert_cmpint (st.st_uid, ==, 0);
}

static void
test_format_new_keyfile (Fixture *fx, gconstpointer data)
{
  VsaFormatRequest request = { .lv = LV, .device = fx->loop };
  g_auto (VsaFormatResult) result = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *key_dir = g_build_filename (fx->config->key_dir, "vsa-test", NULL);
  g_autofree char *content = NULL;
  g_autofree char *pending = NULL;
  gsize len = 0;

  g_assert_true (format (fx, &request, &result, &error));
  g_assert_no_error (error);
  g_assert_true (result.keyfile_created);
  g_assert_true (g_str_has_suffix (result.keyfile, "/keys/vsa-test/lv0.key"));
  assert_mode (result.keyfile, 0400);
  assert_mode (key_dir, 0700);
  assert_mode (fx->config->key_dir, 0700);
  g_assert_true (g_file_get_contents (result.keyfile, &content, &len, NULL));
  g_assert_cmpuint (len, ==, 64);
  g_assert_true (g_str_has_suffix (result.header_backup, "/state/luks-headers/vsa-test/lv0.img"));
  assert_mode (result.header_backup, 0600);
  pending = g_strconcat (result.keyfile, ".new", NULL);
  g_assert_false (g_file_test (pending, G_FILE_TEST_EXISTS));
}

/* The article's parameters, read back from the header. */
static void
test_format_uses_article_parameters (Fixture *fx, gconstpointer data)
{
  VsaFormatRequest request = { .lv = LV, .device = fx->loop };
  g_auto (VsaFormatResult) result = { 0 };
  struct crypt_device *cd = NULL;
  struct crypt_pbkdf_type pbkdf = { 0 };

  g_assert_true (format (fx, &request, &result, NULL));
  g_assert_cmpint (crypt_init (&cd, fx->loop), ==, 0);
  g_assert_cmpint (crypt_load (cd, CRYPT_LUKS2, NULL), ==, 0);
  g_assert_cmpstr (crypt_get_type (cd), ==, CRYPT_LUKS2);
  g_assert_cmpstr (crypt_get_cipher (cd), ==, "aes");
  g_assert_cmpstr (crypt_get_cipher_mode (cd), ==, "xts-plain64");
  g_assert_cmpint (crypt_get_volume_key_size (cd), ==, 64);
  g_assert_cmpint (crypt_keyslot_get_pbkdf (cd, 0, &pbkdf), ==, 0);
  g_assert_cmpstr (pbkdf.type, ==, "pbkdf2");
  g_assert_cmpstr (pbkdf.hash, ==, "sha512");
  g_assert_cmpuint (pbkdf.iterations, ==, 1000);
  crypt_free (cd);
}

/* Production's default, with the cost fixed low only for the test. */
static void
test_format_argon2id (Fixture *fx, gconstpointer data)
{
  VsaFormatRequest request = { .lv = LV, .device = fx->loop };
  g_auto (VsaFormatResult) result = { 0 };
  struct crypt_device *cd = NULL;
  struct crypt_pbkdf_type pbkdf = { 0 };

  g_free (fx->config->luks_pbkdf);
  fx->config->luks_pbkdf = g_strdup ("argon2id");
  fx->config->luks_pbkdf_iterations = 4;
  g_assert_true (format (fx, &request, &result, NULL));
  g_assert_true (vsa_volume_check_key (fx->loop, result.keyfile, NULL));
  g_assert_cmpint (crypt_init (&cd, fx->loop), ==, 0);
  g_assert_cmpint (crypt_load (cd, CRYPT_LUKS2, NULL), ==, 0);
  g_assert_cmpint (crypt_keyslot_get_pbkdf (cd, 0, &pbkdf), ==, 0);
  g_assert_cmpstr (pbkdf.type, ==, "argon2id");
  crypt_free (cd);
}

static void
test_key_verifies (Fixture *fx, gconstpointer data)
{
  VsaFormatRequest request = { .lv = LV, .device = fx->loop };
  g_auto (VsaFormatResult) result = { 0 };
  g_autofree char *wrong = write_keyfile (fx, "wrong.key", "not the key");
  g_autofree char *missing = g_build_filename (fx->dir, "missing.key", NULL);
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;

  g_assert_true (format (fx, &request, &result, NULL));
  g_assert_true (vsa_volume_check_key (fx->loop, result.keyfile, NULL));
  g_assert_false (vsa_volume_check_key (fx->loop, wrong, &e1));
  assert_one_line_error (e1, VSA_ERROR_INVALID, "wrong key: keyfile '");
  g_assert_false (vsa_volume_check_key (fx->loop, missing, &e2));
  assert_one_line_error (e2, VSA_ERROR_INVALID, "cannot read keyfile '");
}

static void
test_refuses_second_format (Fixture *fx, gconstpointer data)
{
  VsaFormatRequest request = { .lv = LV, .device = fx->loop };
  g_auto (VsaFormatResult) first = { 0 };
  g_auto (VsaFormatResult) second = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *uuid_after = NULL;
  g_autofree char *key = NULL;
  g_autofree char *key_after = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *backup_after = NULL;
  gsize backup_len, backup_after_len;

  g_assert_true (format (fx, &request, &first, NULL));
  uuid = luks_uuid (fx->loop);
  g_file_get_contents (first.keyfile, &key, NULL, NULL);
  g_file_get_contents (first.header_backup, &backup, &backup_len, NULL);

  /* Even with its own key as the key source. */
  request.keyfile = first.keyfile;
  g_assert_false (format (fx, &request, &second, &error));
  assert_one_line_error (error, VSA_ERROR_CONFLICT, "already carries a crypto_LUKS signature");

  uuid_after = luks_uuid (fx->loop);
  g_file_get_contents (first.keyfile, &key_after, NULL, NULL);
  g_file_get_contents (first.header_backup, &backup_after, &backup_after_len, NULL);
  g_assert_cmpstr (uuid_after, ==, uuid);
  g_assert_cmpmem (key_after, 64, key, 64);
  g_assert_cmpmem (backup_after, backup_after_len, backup, backup_len);
  g_assert_true (vsa_volume_check_key (fx->loop, first.keyfile, NULL));
}

static void
test_refuses_other_signature_unless_forced (Fixture *fx, gconstpointer data)
{
  VsaFormatRequest request = { .lv = LV, .device = fx->loop };
  g_auto (VsaFormatResult) refused = { 0 };
  g_auto (VsaFormatResult) forced = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *mkswap = g_strdup_printf ("mkswap %s", fx->loop);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *keys = g_build_filename (fx->config->key_dir, NULL);

  g_free (run (mkswap));
  g_assert_false (format (fx, &request, &refused, &error));
  assert_one_line_error (error, VSA_ERROR_CONFLICT, "already carries a swap signature; nothing was changed");
  before = signature_of (fx->loop);
  g_assert_cmpstr (before, ==, "swap");
  g_assert_false (g_file_test (keys, G_FILE_TEST_EXISTS));

  request.force = TRUE;
  g_assert_true (format (fx, &request, &forced, NULL));
  after = signature_of (fx->loop);
  g_assert_cmpstr (after, ==, "crypto_LUKS");
}

static void
test_existing_keyfile_not_replaced (Fixture *fx, gconstpointer data)
{
  VsaFormatRequest request = { .lv = LV, .device = fx->loop };
  g_auto (VsaFormatResult) result = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *path = vsa_volume_default_keyfile (fx->config, LV);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *content = NULL;
  g_autofree char *sig = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "old key", -1, NULL));
  g_assert_false (format (fx, &request, &result, &error));
  assert_one_line_error (error, VSA_ERROR_CONFLICT, "already exists; reuse it with --keyfile");
  g_file_get_contents (path, &content, NULL, NULL);
  g_assert_cmpstr (content, ==, "old key");
  sig = signature_of (fx->loop);
  g_assert_cmpstr (sig, ==, "");
}

static void
test_format_passphrase (Fixture *fx, gconstpointer data)
{
  const char *passphrase = "correct horse battery staple";
  VsaFormatRequest request = { .lv = LV, .device = fx->loop, .passphrase = passphrase };
  g_auto (VsaFormatResult) result = { 0 };
  struct crypt_device *cd = NULL;

  g_assert_true (format (fx, &request, &result, NULL));
  g_assert_null (result.keyfile);
  g_assert_false (g_file_test (fx->config->key_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpint (crypt_init (&cd, fx->loop), ==, 0);
  g_assert_cmpint (crypt_load (cd, CRYPT_LUKS2, NULL), ==, 0);
  g_assert_cmpint (crypt_activate_by_passphrase (cd, NULL, CRYPT_ANY_SLOT, passphrase,
                                                 strlen (passphrase), 0), >=, 0);
  g_assert_cmpint (crypt_activate_by_passphrase (cd, NULL, CRYPT_ANY_SLOT, "wrong", 5, 0), ==, -EPERM);
  crypt_free (cd);
}

static void
test_header_backup_restores (Fixture *fx, gconstpointer data)
{
  VsaFormatRequest request = { .lv = LV, .device = fx->loop };
  g_auto (VsaFormatResult) result = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *uuid_after = NULL;
  g_autofree char *zero = g_strdup_printf ("dd if=/dev/zero of=%s bs=1M count=16 conv=fsync status=none",
                                           fx->loop);
  struct crypt_device *cd = NULL;

  g_assert_true (format (fx, &request, &result, NULL));
  uuid = luks_uuid (fx->loop);
  g_free (run (zero));
  g_assert_false (vsa_volume_check_key (fx->loop, result.keyfile, &error));
  assert_one_line_error (error, VSA_ERROR_INVALID, "has no LUKS header");

  g_assert_cmpint (crypt_init (&cd, fx->loop), ==, 0);
  g_assert_cmpint (crypt_header_restore (cd, CRYPT_LUKS2, result.header_backup), ==, 0);
  crypt_free (cd);
  g_assert_true (vsa_volume_check_key (fx->loop, result.keyfile, NULL));
  uuid_after = luks_uuid (fx->loop);
  g_assert_cmpstr (uuid_after, ==, uuid);
}

static void
assert_nothing_made (Fixture *fx)
{
  g_autofree char *sig = signature_of (fx->loop);

  g_assert_cmpstr (sig, ==, "");
  g_assert_false (g_file_test (fx->config->key_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (fx->config->state_dir, G_FILE_TEST_EXISTS));
}

static void
test_bad_inputs_change_nothing (Fixture *fx, gconstpointer data)
{
  g_autofree char *missing_key = g_build_filename (fx->dir, "missing.key", NULL);
  g_autofree char *empty_key = write_keyfile (fx, "empty.key", "");
  const struct {
    VsaFormatRequest request;
    int code;
    const char *message;
  } cases[] = {
    { { .lv = LV, .device = fx->loop, .keyfile = missing_key }, VSA_ERROR_INVALID, "must be a non-empty regular file" },
    { { .lv = LV, .device = fx->loop, .keyfile = empty_key }, VSA_ERROR_INVALID, "must be a non-empty regular file" },
    { { .lv = LV, .device = fx->loop, .keyfile = "relative.key" }, VSA_ERROR_INVALID, "must be an absolute path" },
    { { .lv = LV, .device = fx->loop, .keyfile = fx->dir }, VSA_ERROR_INVALID, "must be a non-empty regular file" },
    { { .lv = LV, .device = "/dev/vsa-test-no-such-device" }, VSA_ERROR_NOT_FOUND, "cannot open device '/dev/vsa-test-no-such-device'" },
    { { .lv = "vsa-test/../lv0", .device = fx->loop }, VSA_ERROR_INVALID, "logical volume name '../lv0' is not valid" },
    { { .lv = "lv0", .device = fx->loop }, VSA_ERROR_INVALID, "must be written VG/LV" },
    { { .lv = "vsa-test/lv0;halt", .device = fx->loop }, VSA_ERROR_INVALID, "'lv0;halt' is not valid" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (VsaFormatResult) result = { 0 };
      g_autoptr (GError) error = NULL;

      g_assert_false (format (fx, &cases[i].request, &result, &error));
      assert_one_line_error (error, cases[i].code, cases[i].message);
      assert_nothing_made (fx);
    }
}

/* --- LUKS2 tokens: luks2-keyring and the real kernel keyring ---------- */

/* As 'cryptsetup token add --key-description DESCRIPTION --key-slot 0'. */
static int
add_keyring_token (const char *device, const char *description)
{
  struct crypt_device *cd = NULL;
  const struct crypt_token_params_luks2_keyring params = { description };
  int id;

  g_assert_cmpint (crypt_init (&cd, device), ==, 0);
  g_assert_cmpint (crypt_load (cd, CRYPT_LUKS2, NULL), ==, 0);
  id = crypt_token_luks2_keyring_set (cd, CRYPT_ANY_TOKEN, &params);
  g_assert_cmpint (id, >=, 0);
  g_assert_cmpint (crypt_token_assign_keyslot (cd, id, 0), ==, id);
  crypt_free (cd);
  return id;
}

static void
set_token_json (const char *device, int id, const char *json)
{
  struct crypt_device *cd = NULL;

  g_assert_cmpint (crypt_init (&cd, device), ==, 0);
  g_assert_cmpint (crypt_load (cd, CRYPT_LUKS2, NULL), ==, 0);
  g_assert_cmpint (crypt_token_json_set (cd, id, json), ==, id);
  crypt_free (cd);
}

/* A description no other test run uses. */
static char *
keyring_description (Fixture *fx)
{
  g_autofree char *base = g_path_get_basename (fx->dir);

  return g_strdup_printf ("virt-spice-admin-test:%s", base);
}

/* keyctl padd user DESCRIPTION @u < FILE: the user key a luks2-keyring
 * token names, holding the key bytes as they are. */
static void
put_user_key (Fixture *fx, const char *description, const char *file)
{
  g_autofree char *command = g_strdup_printf ("sh -c 'keyctl padd user %s @u < %s'",
                                              description, file);

  g_ptr_array_add (fx->keyring_keys, run (command));
}

static void
format_with_keyfile (Fixture *fx, VsaFormatResult *result)
{
  VsaFormatRequest request = { .lv = LV, .device = fx->loop };

  g_assert_true (format (fx, &request, result, NULL));
}

static void
test_token_keyring_key_unlocks (Fixture *fx, gconstpointer data)
{
  g_auto (VsaFormatResult) result = { 0 };
  g_autofree char *description = keyring_description (fx);
  g_autoptr (GError) error = NULL;

  format_with_keyfile (fx, &result);
  g_assert_cmpint (add_keyring_token (fx->loop, description), ==, 0);
  put_user_key (fx, description, result.keyfile);
  g_assert_true (vsa_volume_check_token (fx->loop, "0", &error));
  g_assert_no_error (error);
  g_assert_true (vsa_volume_check_token (fx->loop, "any", &error));
  g_assert_no_error (error);
}

static void
test_token_without_keyring_key_fails_clearly (Fixture *fx, gconstpointer data)
{
  g_auto (VsaFormatResult) result = { 0 };
  g_autofree char *description = keyring_description (fx);
  g_autofree char *expected = NULL;
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;

  format_with_keyfile (fx, &result);
  add_keyring_token (fx->loop, description);
  expected = g_strdup_printf ("token 0 of %s could not unlock it: missing key material: no user "
                              "key '%s' in the kernel keyrings this process searches (token 0, "
                              "luks2-keyring); add it, e.g. 'keyctl padd user %s @u'", fx->loop,
                              description, description);
  g_assert_false (vsa_volume_check_token (fx->loop, "0", &e1));
  assert_one_line_error (e1, VSA_ERROR_INVALID, expected);
  g_assert_false (vsa_volume_check_token (fx->loop, "any", &e2));
  assert_one_line_error (e2, VSA_ERROR_INVALID, "any token of ");
  assert_one_line_error (e2, VSA_ERROR_INVALID, "missing key material: no user key '");
}

static void
test_token_wrong_keyring_key_fails_clearly (Fixture *fx, gconstpointer data)
{
  g_auto (VsaFormatResult) result = { 0 };
  g_autofree char *description = keyring_description (fx);
  g_autofree char *wrong = write_keyfile (fx, "wrong.key", "not the key");
  g_autoptr (GError) error = NULL;

  format_with_keyfile (fx, &result);
  add_keyring_token (fx->loop, description);
  put_user_key (fx, description, wrong);
  g_assert_false (vsa_volume_check_token (fx->loop, "0", &error));
  assert_one_line_error (error, VSA_ERROR_INVALID, "could not unlock it: wrong key material: user key '");
  g_assert_null (strstr (error->message, "not the key"));
}

static void
test_token_absent_from_header (Fixture *fx, gconstpointer data)
{
  g_auto (VsaFormatResult) result = { 0 };
  g_autofree char *description = keyring_description (fx);
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (GError) e3 = NULL;

  format_with_keyfile (fx, &result);
  g_assert_false (vsa_volume_check_token (fx->loop, "any", &e1));
  assert_one_line_error (e1, VSA_ERROR_NOT_FOUND, "has no token; add one (e.g. 'cryptsetup token add");
  g_assert_false (vsa_volume_check_token_present (fx->loop, "0", &e2));
  assert_one_line_error (e2, VSA_ERROR_NOT_FOUND, "has no token 0; add one");
  add_keyring_token (fx->loop, description);
  g_assert_false (vsa_volume_check_token (fx->loop, "5", &e3));
  assert_one_line_error (e3, VSA_ERROR_NOT_FOUND, "has no token 5;");
}

/* attach checks the header only: the key may arrive just before start. */
static void
test_token_present_needs_no_key (Fixture *fx, gconstpointer data)
{
  g_auto (VsaFormatResult) result = { 0 };
  g_autofree char *description = keyring_description (fx);

  format_with_keyfile (fx, &result);
  add_keyring_token (fx->loop, description);
  g_assert_true (vsa_volume_check_token_present (fx->loop, "0", NULL));
  g_assert_true (vsa_volume_check_token_present (fx->loop, "any", NULL));
}

static void
test_token_plugin_missing (Fixture *fx, gconstpointer data)
{
  g_auto (VsaFormatResult) result = { 0 };
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (GError) e3 = NULL;

  format_with_keyfile (fx, &result);
  set_token_json (fx->loop, 3, "{\"type\":\"vsa-test-no-such-plugin\",\"keyslots\":[\"0\"]}");
  g_assert_false (vsa_volume_check_token (fx->loop, "3", &e1));
  assert_one_line_error (e1, VSA_ERROR_NOT_FOUND, "token 3 of ");
  assert_one_line_error (e1, VSA_ERROR_NOT_FOUND, "is of type 'vsa-test-no-such-plugin', for which no token plugin is installed here");
  g_assert_false (vsa_volume_check_token (fx->loop, "any", &e2));
  assert_one_line_error (e2, VSA_ERROR_NOT_FOUND, "no token plugin is installed here");
  g_assert_false (vsa_volume_check_token_present (fx->loop, "3", &e3));
  assert_one_line_error (e3, VSA_ERROR_NOT_FOUND, "no token plugin is installed here");
}

static void
test_token_assigned_to_no_key_slot (Fixture *fx, gconstpointer data)
{
  g_auto (VsaFormatResult) result = { 0 };
  g_autofree char *description = keyring_description (fx);
  g_autofree char *json = g_strdup_printf ("{\"type\":\"luks2-keyring\",\"keyslots\":[],"
                                           "\"key_description\":\"%s\"}", description);
  g_autoptr (GError) error = NULL;

  format_with_keyfile (fx, &result);
  set_token_json (fx->loop, 0, json);
  put_user_key (fx, description, result.keyfile);
  g_assert_false (vsa_volume_check_token (fx->loop, "0", &error));
  assert_one_line_error (error, VSA_ERROR_INVALID, "is assigned to no usable key slot");
}

static void
test_token_on_luks1 (Fixture *fx, gconstpointer data)
{
  g_autofree char *key = write_keyfile (fx, "luks1.key", "luks1 key");
  g_autofree char *command = g_strdup_printf ("cryptsetup luksFormat -q --type luks1 "
                                              "--pbkdf-force-iterations 1000 %s %s", fx->loop, key);
  g_autoptr (GError) error = NULL;

  g_free (run (command));
  g_assert_false (vsa_volume_check_token (fx->loop, "any", &error));
  assert_one_line_error (error, VSA_ERROR_INVALID, "is LUKS1, which has no tokens; use a keyfile");
}

static void
test_open_bad_names_refused (Fixture *fx, gconstpointer data)
{
  static const struct {
    VsaVolume volume;
    const char *message;
  } bad[] = {
    { { "vg/lv", "../sda", "/k" }, "mapping name '../sda' is not valid" },
    { { "vg/lv lv2", "cr", "/k" }, "logical volume name 'lv lv2' is not valid" },
    { { "vg/lv", "cr", "relative" }, "keyfile 'relative' must be an absolute path" },
    { { "vg/lv", "cr", NULL, "32" }, "token '32' is not valid: use 'any' or a LUKS2 token id 0..31" },
    { { "vg/lv", "cr", "/k", "0" }, "volume 'cr' has both a keyfile and a token" },
    { { "vg/lv", "cr", NULL, NULL }, "volume 'cr' needs a key source" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e1 = NULL;
      g_autoptr (GError) e2 = NULL;
      VsaOpenOutcome outcome;

      g_assert_false (vsa_volume_open (&bad[i].volume, &outcome, &e1));
      assert_one_line_error (e1, VSA_ERROR_INVALID, bad[i].message);
      g_assert_false (outcome.lv_activated || outcome.mapping_opened);
      if (i < 2)
        {
          g_assert_false (vsa_volume_close (&bad[i].volume, TRUE, &e2));
          assert_one_line_error (e2, VSA_ERROR_INVALID, bad[i].message);
        }
    }
}

/* --- LVM metadata through liblvm2cmd ----------------------------------- */

typedef struct {
  Fixture base;
  char *pv;
  char *vg;
} LvmFixture;

static void
lvm_setup (LvmFixture *fx, gconstpointer data)
{
  g_autofree char *conf_dir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *lvm_conf = NULL;
  g_autofree char *create = NULL;

  fixture_setup (&fx->base, data);
  fx->pv = make_loop_device (fx->base.dir, "pv.img");
  fx->vg = g_strdup_printf ("vsa-test-%d", (int) getpid ());
  /* A private LVM configuration that sees only the test's loop device. */
  conf_dir = g_build_filename (fx->base.dir, "lvm", NULL);
  g_assert_cmpint (g_mkdir_with_parents (conf_dir, 0700), ==, 0);
  lvm_conf = g_build_filename (conf_dir, "lvm.conf", NULL);
  conf = g_strdup_printf ("devices { filter = [ \"a|^%s$|\", \"r|.*|\" ] obtain_device_list_from_udev = 0 "
                          "use_devicesfile = 0 }\n"
                          "activation { udev_sync = 0 udev_rules = 0 }\n"
                          "backup { backup = 0 archive = 0 }\n", fx->pv);
  g_assert_true (g_file_set_contents (lvm_conf, conf, -1, NULL));
  g_setenv ("LVM_SYSTEM_DIR", conf_dir, TRUE);
  g_setenv ("LVM_SUPPRESS_FD_WARNINGS", "1", TRUE);
  create = g_strdup_printf ("sh -c 'pvcreate -q %s && vgcreate -q %s %s && "
                            "lvcreate -q --driverloaded n -an -Zn -n lv0 -L 24M %s'",
                            fx->pv, fx->vg, fx->pv, fx->vg);
  g_free (run (create));
}

static void
lvm_teardown (LvmFixture *fx, gconstpointer data)
{
  g_autofree char *remove = g_strdup_printf ("sh -c 'vgremove -q -f %s && pvremove -q %s && losetup -d %s'",
                                             fx->vg, fx->pv, fx->pv);

  g_free (run (remove));
  g_unsetenv ("LVM_SYSTEM_DIR");
  fixture_teardown (&fx->base, data);
  g_free (fx->pv);
  g_free (fx->vg);
}

static void
test_open_missing_lv (LvmFixture *fx, gconstpointer data)
{
  g_autofree char *lv = g_strdup_printf ("%s/no-such-lv", fx->vg);
  g_autofree char *keyfile = write_keyfile (&fx->base, "k", "key");
  VsaVolume volume = { lv, "vsa-test-cr", keyfile };
  g_autofree char *expected = g_strdup_printf ("logical volume %s not found (LVM: ", lv);
  g_autoptr (GError) error = NULL;
  VsaOpenOutcome outcome;

  g_assert_false (vsa_volume_open (&volume, &outcome, &error));
  assert_one_line_error (error, VSA_ERROR_NOT_FOUND, expected);
  g_assert_false (outcome.lv_activated || outcome.mapping_opened);
}

static void
test_open_missing_vg (LvmFixture *fx, gconstpointer data)
{
  g_autofree char *keyfile = write_keyfile (&fx->base, "k", "key");
  VsaVolume volume = { "vsa-test-no-such-vg/lv0", "vsa-test-cr", keyfile };
  g_autoptr (GError) error = NULL;
  VsaOpenOutcome outcome;

  g_assert_false (vsa_volume_open (&volume, &outcome, &error));
  assert_one_line_error (error, VSA_ERROR_NOT_FOUND, "logical volume vsa-test-no-such-vg/lv0 not found");
}

/* The LV exists, but this kernel cannot activate it: one line with LVM's
 * reason, and the LV stays inactive. */
static void
test_open_without_device_mapper (LvmFixture *fx, gconstpointer data)
{
  g_autofree char *lv = g_strdup_printf ("%s/lv0", fx->vg);
  g_autofree char *keyfile = write_keyfile (&fx->base, "k", "key");
  g_autofree char *lvs = g_strdup_printf ("lvs --noheadings -o lv_active %s", lv);
  g_autofree char *active = NULL;
  VsaVolume volume = { lv, "vsa-test-cr", keyfile };
  g_autoptr (GError) error = NULL;
  VsaOpenOutcome outcome;

  g_assert_false (vsa_volume_open (&volume, &outcome, &error));
  assert_one_line_error (error, VSA_ERROR_FAILED, "'lvchange -ay ");
  g_assert_nonnull (strstr (error->message, "device-mapper"));
  active = run (lvs);
  g_assert_cmpstr (active, ==, "");
}

static void
test_close_of_closed_volume_succeeds (LvmFixture *fx, gconstpointer data)
{
  g_autofree char *lv = g_strdup_printf ("%s/lv0", fx->vg);
  VsaVolume volume = { lv, "vsa-test-cr", "/nonexistent.key" };
  g_autoptr (GError) error = NULL;

  g_assert_true (vsa_volume_close (&volume, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (vsa_volume_close (&volume, TRUE, &error));
}

static void
test_missing_keyfile_checked_before_lvm (LvmFixture *fx, gconstpointer data)
{
  g_autofree char *lv = g_strdup_printf ("%s/lv0", fx->vg);
  VsaVolume volume = { lv, "vsa-test-cr", "/nonexistent/vsa-test.key" };
  g_autoptr (GError) error = NULL;
  VsaOpenOutcome outcome;

  g_assert_false (vsa_volume_open (&volume, &outcome, &error));
  assert_one_line_error (error, VSA_ERROR_INVALID, "cannot read keyfile '/nonexistent/vsa-test.key'");
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
#define ADD_LVM(path, fn) g_test_add (path, LvmFixture, NULL, lvm_setup, fn, lvm_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/volume/format/new-keyfile-0400-in-0700-dir", test_format_new_keyfile);
  ADD ("/volume/format/article-parameters", test_format_uses_article_parameters);
  ADD ("/volume/format/argon2id", test_format_argon2id);
  ADD ("/volume/format/passphrase", test_format_passphrase);
  ADD ("/volume/format/key-verifies", test_key_verifies);
  ADD ("/volume/format/refuses-second-format", test_refuses_second_format);
  ADD ("/volume/format/refuses-other-signature-unless-forced", test_refuses_other_signature_unless_forced);
  ADD ("/volume/format/existing-keyfile-not-replaced", test_existing_keyfile_not_replaced);
  ADD ("/volume/format/header-backup-restores", test_header_backup_restores);
  ADD ("/volume/format/bad-inputs-change-nothing", test_bad_inputs_change_nothing);
  ADD ("/volume/token/keyring-key-unlocks", test_token_keyring_key_unlocks);
  ADD ("/volume/token/without-keyring-key-fails-clearly", test_token_without_keyring_key_fails_clearly);
  ADD ("/volume/token/wrong-keyring-key-fails-clearly", test_token_wrong_keyring_key_fails_clearly);
  ADD ("/volume/token/absent-from-header", test_token_absent_from_header);
  ADD ("/volume/token/present-needs-no-key", test_token_present_needs_no_key);
  ADD ("/volume/token/plugin-missing", test_token_plugin_missing);
  ADD ("/volume/token/assigned-to-no-key-slot", test_token_assigned_to_no_key_slot);
  ADD ("/volume/token/luks1-has-none", test_token_on_luks1);
  ADD ("/volume/open/bad-names-refused", test_open_bad_names_refused);
  ADD_LVM ("/volume/lvm/open-missing-lv", test_open_missing_lv);
  ADD_LVM ("/volume/lvm/open-missing-vg", test_open_missing_vg);
  ADD_LVM ("/volume/lvm/open-without-device-mapper", test_open_without_device_mapper);
  ADD_LVM ("/volume/lvm/close-of-closed-volume-succeeds", test_close_of_closed_volume_succeeds);
  ADD_LVM ("/volume/lvm/missing-keyfile-checked-before-lvm", test_missing_keyfile_checked_before_lvm);
  return g_test_run ();
}
