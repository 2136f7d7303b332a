/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rows of the top-level command table (main.c); each is defined in
 * its cmd-NAME.c beside its handler, options and help. */
#pragma once

#include "vsa-command.h"

G_BEGIN_DECLS

extern const VsaCommand vsa_command_setup;
extern const VsaCommand vsa_command_secure;
extern const VsaCommand vsa_command_password;
extern const VsaCommand vsa_command_audit;
extern const VsaCommand vsa_command_status;
extern const VsaCommand vsa_command_show;
extern const VsaCommand vsa_command_probe;
extern const VsaCommand vsa_command_ticket;
extern const VsaCommand vsa_command_assign;
extern const VsaCommand vsa_command_unassign;
extern const VsaCommand vsa_command_qemu_arg;
extern const VsaCommand vsa_command_qemu_env;
extern const VsaCommand vsa_command_firewall;
extern const VsaCommand vsa_command_schedule;
extern const VsaCommand vsa_command_volume;
extern const VsaCommand vsa_command_tunnel;
extern const VsaCommand vsa_command_export;
extern const VsaCommand vsa_command_client;
extern const VsaCommand vsa_command_apply;
extern const VsaCommand vsa_command_broker;
extern const VsaCommand vsa_command_console;
extern const VsaCommand vsa_command_watch;
extern const VsaCommand vsa_command_sessions;

/* The status table of the context's connection (also `apply --status`). */
gboolean vsa_status_report (VsaContext *ctx, char **only, GError **error);

G_END_DECLS
