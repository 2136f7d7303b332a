/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OpenSSH public keys as a tunnel account's credential: parsed strictly,
 * because each one becomes a line of an authorized_keys file that sshd
 * trusts.  Pure: text in, text out. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest key file we read: a 16384-bit RSA key is under 3 KiB. */
#define VSA_SSH_KEY_FILE_MAX (64 * 1024)

typedef struct {
  char *type;    /* "ssh-ed25519", "ecdsa-sha2-nistp256", ... */
  char *blob;    /* the base64 key data, canonical */
  char *comment; /* NULL when the key has none */
} VsaSshKey;

VsaSshKey *vsa_ssh_key_new (const char *type, const char *blob, const char *comment);
void vsa_ssh_key_free (VsaSshKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaSshKey, vsa_ssh_key_free)

VsaSshKey *vsa_ssh_key_parse (const char *text, gsize len, GError **error);
gboolean vsa_ssh_key_validate (const char *type, const char *blob, const char *comment,
                               GError **error);
char *vsa_ssh_key_to_line (const VsaSshKey *key);
gboolean vsa_ssh_key_same (const VsaSshKey *a, const VsaSshKey *b);

G_END_DECLS
