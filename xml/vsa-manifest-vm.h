/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Inside the manifest parser: one <vm> element. */
#pragma once

#include "vsa-manifest-error.h"

G_BEGIN_DECLS

/* The VM with its users, tunnels, volumes and qemu settings, each
 * checked as it is read; NULL and an error naming FILE: line N. */
VsaManifestVm *vsa_manifest_parse_vm (const VsaManifestParse *st, xmlNode *node, GError **error);

G_END_DECLS
