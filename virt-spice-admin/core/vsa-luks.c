/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the volume code shares about libcryptsetup: a quiet library, a
 * device handle whose messages are kept for the error, one-line
 * failures. */
#include "vsa-luks.h"
#include "vsa-block.h"
#include "vsa-error.h"

#include <errno.h>
#include <string.h>

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

void
vsa_luks_quiet (void)
{
  crypt_set_log_callback (NULL, drop_crypt_message, NULL);
}

VsaCryptDevice *
vsa_luks_open_device (const char *device, GString *messages, GError **error)
{
  g_autoptr (VsaCryptDevice) cd = NULL;
  int rc;

  vsa_luks_quiet ();
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

VsaCryptDevice *
vsa_luks_load (const char *device, const char *lv, GString *messages, GError **error)
{
  g_autoptr (VsaCryptDevice) cd = vsa_luks_open_device (device, messages, error);

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

gboolean
vsa_luks_failed (GError **error, const char *what, const char *device, int rc, GString *messages)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "%s %s failed: %s", what, device,
               messages->len ? messages->str : g_strerror (-rc));
  return FALSE;
}

gboolean
vsa_luks_set_busy_error (GError **error, const char *device)
{
  g_autofree char *users = vsa_block_describe_users (device);

  g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT, "device %s is busy (used by %s)", device,
               users);
  return FALSE;
}
