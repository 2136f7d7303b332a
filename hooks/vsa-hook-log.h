/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Set to a file path to append the hook's log lines there instead of the
 * journal/syslog (tests, debugging). */
#define VSA_HOOK_LOG_ENV "VIRT_SPICE_ADMIN_HOOK_LOG"

void vsa_hook_log_init (void);
void vsa_hook_log (GLogLevelFlags level, const char *domain, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

G_END_DECLS
