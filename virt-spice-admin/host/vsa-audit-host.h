/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "vsa-audit.h"
#include "vsa-config.h"

G_BEGIN_DECLS

void vsa_audit_libvirt_conf (const VsaConfig *config, GPtrArray *findings);
void vsa_audit_sasl_file (const char *path, GPtrArray *findings);
void vsa_audit_file_mode (const VsaConfig *config, const char *path, gboolean group_qemu,
                          guint max_mode, gboolean must_exist, GPtrArray *findings);

G_END_DECLS
