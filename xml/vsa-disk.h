/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Encrypted volumes in the domain XML: the <disk type='block'> on
 * /dev/mapper/NAME that the guest sees, kept in step with the
 * <vsa:volume> entry the hook opens before start. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vsa-policy.h"

G_BEGIN_DECLS

#define VSA_MAPPER_DIR "/dev/mapper"

gboolean vsa_validate_disk_target (const char *target, GError **error);
char *vsa_disk_target_of_volume (xmlDoc *doc, const char *name);
gboolean vsa_disk_attach_volume (xmlDoc *doc, VsaPolicy **policy, const VsaVolume *volume,
                                 const char *target, VsaAuthMode default_auth, GError **error);
gboolean vsa_disk_detach_volume (xmlDoc *doc, VsaPolicy *policy, const char *name,
                                 GError **error);

G_END_DECLS
