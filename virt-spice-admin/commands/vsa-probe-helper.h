/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI's side of the probe: runs the engine (vsa-probe.h) in the
 * virt-spice-admin-probe helper, so the CLI itself never loads
 * spice-client-glib.  Same contract as vsa_probe_console(); the password
 * travels on a pipe, never in argv or the environment. */
#pragma once

#include "vsa-probe.h"

G_BEGIN_DECLS

#define VSA_PROBE_HELPER_NAME "virt-spice-admin-probe"

/* Beside the running program first (a build tree), then the libexec
 * directory the CLI was configured with; free with g_free(). */
char *vsa_probe_helper_path (void);

gboolean vsa_probe_in_helper (const VsaProbeRequest *req,
                              VsaProbeOutcome       *ret_outcome,
                              char                 **ret_detail,
                              GError               **error);

G_END_DECLS
