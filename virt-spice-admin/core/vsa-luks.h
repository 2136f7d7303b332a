/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libcryptsetup as the volume code (vsa-volume*.c) uses it.  Library code
 * never prints: libcryptsetup's messages are dropped, or kept per device
 * for the one-line error. */
#pragma once

#include <glib.h>
#include <libcryptsetup.h>

G_BEGIN_DECLS

typedef struct crypt_device VsaCryptDevice;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaCryptDevice, crypt_free)

void vsa_luks_quiet (void);
VsaCryptDevice *vsa_luks_open_device (const char *device, GString *messages, GError **error);
VsaCryptDevice *vsa_luks_load (const char *device, const char *lv, GString *messages,
                               GError **error);
gboolean vsa_luks_failed (GError **error, const char *what, const char *device, int rc,
                          GString *messages);
gboolean vsa_luks_set_busy_error (GError **error, const char *device);
/* Opens NAME (NULL: only checks that the token unlocks DEVICE) with the
 * key a LUKS2 token hands libcryptsetup (vsa-volume-token.c). */
gboolean vsa_luks_activate_by_token (const char *device, const char *lv, const char *name,
                                     const char *token, GError **error);

G_END_DECLS
