/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What commands share: JSON and list output, the taint note, port parsing. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "vsa-command.h"
#include "vsa-context.h"
#include "vsa-edit.h"

G_BEGIN_DECLS

void vsa_cli_print_json (VsaContext *ctx, JsonBuilder *b);
gboolean vsa_cli_edit_qemu_passthrough (VsaContext *ctx, virDomain *dom, VsaEditTransform transform,
                                        gpointer user_data, gboolean adds, GError **error);
gboolean vsa_cli_print_qemu_passthrough (VsaContext *ctx, virDomain *dom,
                                         GPtrArray *(*list) (xmlDoc *doc),
                                         const char *json_member, GError **error);
void vsa_cli_json_add_users (JsonBuilder *b, const VsaPolicy *policy, GDateTime *now);
GDateTime *vsa_cli_window_now (const VsaContext *ctx);
char *vsa_cli_window_state (const VsaWindowSet *when, GDateTime *now);
void vsa_cli_json_add_string_or_null (JsonBuilder *b, const char *name, const char *value);
void vsa_cli_json_add_string (JsonBuilder *b, const char *name, const char *value);
void vsa_cli_json_add_boolean (JsonBuilder *b, const char *name, gboolean value);
void vsa_cli_json_add_int (JsonBuilder *b, const char *name, gint64 value);
void vsa_cli_json_add_string_array (JsonBuilder *b, const char *name, GPtrArray *values);
void vsa_cli_print_list (VsaContext *ctx, const char *json_member, GPtrArray *values);
gboolean vsa_cli_parse_tls_port (const char *text, int *ret_port, GError **error);
void vsa_cli_print_checked_files (VsaContext *ctx, GPtrArray *files);

G_END_DECLS
