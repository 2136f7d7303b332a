/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Console passwords: generated from the kernel CSPRNG, read from stdin,
 * wiped when freed. */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef char VsaSecret;

VsaSecret *vsa_secret_generate_password (GError **error);
VsaSecret *vsa_secret_read_line (FILE *stream, const char *what, GError **error);
void vsa_secret_free (VsaSecret *secret);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaSecret, vsa_secret_free)

G_END_DECLS
