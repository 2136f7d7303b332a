/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *vsa_tls_subject_for_spice (const char *pem_path, GError **error);

G_END_DECLS
