/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Asks the host's real sshd about a configuration before it is used, and
 * hands the tunnel renderer the templates compiled into the binary. */
#pragma once

#include <glib.h>

#include "vsa-ssh-key.h"
#include "vsa-tunnel-render.h"

G_BEGIN_DECLS

/* The tunnel templates of this build (the GResource of templates/). */
gboolean vsa_sshd_tunnel_templates (VsaTunnelTemplates *ret_templates, GError **error);

gboolean vsa_sshd_check_drop_in (const char *sshd_binary, const char *sshd_config,
                                 const char *drop_in_content, GError **error);

VsaSshKey *vsa_ssh_key_read_file (const char *path, GError **error);
gboolean vsa_sshd_check_rendered (const char *sshd_binary, const char *sshd_config,
                                  GPtrArray *files, GError **error);

G_END_DECLS
