/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What commands share: JSON and list output, the taint note, port parsing. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "vsa-command.h"
#include "vsa-context.h"

G_BEGIN_DECLS

void vsa_cli_print_json (VsaContext *ctx, JsonBuilder *b);
void vsa_cli_note_qemu_passthrough_taint (VsaContext *ctx);
void vsa_cli_json_add_users (JsonBuilder *b, const VsaPolicy *policy, GDateTime *now);
GDateTime *vsa_cli_window_now (const VsaContext *ctx);
char *vsa_cli_window_state (const VsaWindowSet *when, GDateTime *now);
void vsa_cli_json_add_string_or_null (JsonBuilder *b, const char *name, const char *value);
void vsa_cli_print_list (VsaContext *ctx, const char *json_member, GPtrArray *values);
gboolean vsa_cli_parse_tls_port (const char *text, int *ret_port, GError **error);

G_END_DECLS
