/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unlocking by LUKS2 token: the token's handler (luks2-keyring: the
 * kernel keyring) hands the key to libcryptsetup, so it never passes
 * through this program.  Errors tell a missing token, plugin or key
 * from a wrong one. */
#include "vsa-volume.h"
#include "vsa-error.h"
#include "vsa-luks.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

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
      return vsa_luks_set_busy_error (error, device);
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
      return vsa_luks_failed (error, "opening by token", device, rc, messages);
    }
}

/* As activate_by_keyfile (vsa-volume.c), with the key from a LUKS2 token: its handler
 * (luks2-keyring: the kernel keyring) hands it to libcryptsetup
 * directly, so it never passes through this program. */
gboolean
vsa_luks_activate_by_token (const char *device, const char *lv, const char *name, const char *token,
                   GError **error)
{
  g_autoptr (GString) messages = g_string_new (NULL);
  g_autoptr (VsaCryptDevice) cd = NULL;
  int id;
  int rc;

  if (!vsa_validate_token (token, error) || !vsa_token_to_id (token, &id) ||
      (cd = vsa_luks_load (device, lv, messages, error)) == NULL ||
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
  return vsa_luks_activate_by_token (device, NULL, NULL, token, error);
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
         (cd = vsa_luks_load (device, NULL, messages, error)) != NULL &&
         check_token_usable (cd, device, id, error);
}
