/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every subcommand has this shape (one cmd-NAME.c each) and is one row of
 * the table in main.c. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "vsa-context.h"

G_BEGIN_DECLS

typedef gboolean (*VsaCommandFunc) (VsaContext *ctx, int argc, char **argv, GError **error);

typedef struct {
  const char *name;
  VsaCommandFunc run;
  const char *summary;
} VsaCommand;

#define VSA_EXIT_CODES_HELP \
  "Exit status:\n" \
  "  0  success (for show/probe: the answer was obtained)\n" \
  "  1  error: the operation was refused or failed; nothing was changed\n" \
  "  2  usage error: unknown command or option, wrong arguments\n" \
  "  3  probe: the console refused the credential\n" \
  "  4  probe: TLS failed\n" \
  "  5  probe: no connection (refused or timed out)\n"

gboolean vsa_cli_parse (VsaContext *ctx, GOptionEntry *entries, const char *parameters,
                        const char *description, int argc, char **argv, guint min_args,
                        guint max_args, GStrv *ret_args, GError **error);
gboolean vsa_cli_parse_until_operands (VsaContext *ctx, GOptionEntry *entries,
                                       const char *parameters, const char *description,
                                       int argc, char **argv, guint min_args, GStrv *ret_args,
                                       GError **error);
gboolean vsa_cli_load_config (VsaContext *ctx, GError **error);
void vsa_cli_print_json (VsaContext *ctx, JsonBuilder *b);
void vsa_cli_note_qemu_passthrough_taint (VsaContext *ctx);
void vsa_cli_json_add_users (JsonBuilder *b, const VsaPolicy *policy);
void vsa_cli_json_add_string_or_null (JsonBuilder *b, const char *name, const char *value);
void vsa_cli_print_list (VsaContext *ctx, const char *json_member, GPtrArray *values);
gboolean vsa_cli_parse_tls_port (const char *text, int *ret_port, GError **error);

gboolean vsa_cmd_apply (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_secure (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_password (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_audit (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_status_report (VsaContext *ctx, char **only, GError **error);
gboolean vsa_cmd_status (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_show (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_probe (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_qemu_arg (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_qemu_env (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_assign (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_ticket (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_unassign (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_firewall (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_volume (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_tunnel (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_export (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_client (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_broker (VsaContext *ctx, int argc, char **argv, GError **error);
gboolean vsa_cmd_console (VsaContext *ctx, int argc, char **argv, GError **error);

G_END_DECLS
