/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running the system's own tools (visudo, nft, iptables-restore, ...):
 * always an argv, never a shell string; the tool's first error line goes
 * into the GError so the user sees what it objected to. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vsa_run (const char *const *argv, char **ret_stdout, GError **error);
gboolean vsa_run_silent (const char *const *argv, GError **error);
gboolean vsa_run_status (const char *const *argv, int *ret_status, GError **error);
gboolean vsa_tool_exists (const char *name);

G_END_DECLS
