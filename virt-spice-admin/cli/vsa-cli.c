/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-cli.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-tunnel-render.h"
#include "vsa-xml.h"
#include "vsa-time.h"

#include <json-glib/json-glib.h>

/* "auto" is 0; anything else must be a TCP port. */
gboolean
vsa_cli_parse_tls_port (const char *text, int *ret_port, GError **error)
{
  gint64 value;

  if (text == NULL || g_strcmp0 (text, "auto") == 0)
    {
      *ret_port = 0;
      return TRUE;
    }
  if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value, NULL) ||
      value < 1 || value > 65535)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "TLS port '%s' is not a TCP port; use 1-65535 or auto", text);
      return FALSE;
    }
  *ret_port = (int) value;
  return TRUE;
}

/* The finished builder's value, pretty-printed on the results stream. */
void
vsa_cli_print_json (VsaContext *ctx, JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = NULL;

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  fprintf (ctx->out, "%s\n", text);
}

/* One value per line, or {"MEMBER": [...]} with --json. */
void
vsa_cli_print_list (VsaContext *ctx, const char *json_member, GPtrArray *values)
{
  g_autoptr (JsonBuilder) b = NULL;

  if (!ctx->json)
    {
      for (guint i = 0; i < values->len; i++)
        fprintf (ctx->out, "%s\n", (char *) g_ptr_array_index (values, i));
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  vsa_cli_json_add_string_array (b, json_member, values);
  json_builder_end_object (b);
  vsa_cli_print_json (ctx, b);
}

/* qemu-arg and qemu-env: the edit, and whenever it added passthrough a
 * note, so the admin learns of libvirt's taint before a bug report does. */
gboolean
vsa_cli_edit_qemu_passthrough (VsaContext *ctx, virDomain *dom, VsaEditTransform transform,
                               gpointer user_data, gboolean adds, GError **error)
{
  g_autoptr (VsaEdit) edit = vsa_edit_run (ctx, dom, transform, user_data, error);

  if (edit == NULL)
    return FALSE;
  if (edit->changed && adds)
    vsa_context_note (ctx, "note: libvirt marks a domain with qemu:commandline passthrough as "
                           "tainted (custom-argv); support may ask you to remove it");
  return TRUE;
}

/* qemu-arg list and qemu-env list: LIST of the persistent definition. */
gboolean
vsa_cli_print_qemu_passthrough (VsaContext *ctx, virDomain *dom, GPtrArray *(*list) (xmlDoc *doc),
                                const char *json_member, GError **error)
{
  g_autoptr (xmlDoc) doc = vsa_libvirt_get_doc (dom, VIR_DOMAIN_XML_INACTIVE, error);
  g_autoptr (GPtrArray) values = doc ? list (doc) : NULL;

  if (values == NULL)
    return FALSE;
  vsa_cli_print_list (ctx, json_member, values);
  return TRUE;
}

/* An absent value is a JSON null, not "" and not a missing member, so
 * every --json document keeps the same members (docs/status-json.md). */
void
vsa_cli_json_add_string_or_null (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/* One member of the object being built: NAME and its value. */
void
vsa_cli_json_add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

void
vsa_cli_json_add_boolean (JsonBuilder *b, const char *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

void
vsa_cli_json_add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

/* NAME: [VALUES...] (char *; NULL: empty). */
void
vsa_cli_json_add_string_array (JsonBuilder *b, const char *name, GPtrArray *values)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; values && i < values->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (values, i));
  json_builder_end_array (b);
}

/* Now, in the zone the access windows are meant in. */
GDateTime *
vsa_cli_window_now (const VsaContext *ctx)
{
  return vsa_time_now_in_zone (ctx->config->time_zone);
}

/* "open until Wed 00:00", "closed until Mon 00:00", "never opens". */
char *
vsa_cli_window_state (const VsaWindowSet *when, GDateTime *now)
{
  g_autoptr (GDateTime) next = NULL;
  gboolean open = vsa_window_set_is_open (when, now, &next);
  g_autofree char *at = next ? vsa_window_format_instant (next) : NULL;

  if (at)
    return g_strdup_printf ("%s until %s", open ? "open" : "closed", at);
  return g_strdup (open ? "open" : "never opens");
}

/* Each user: clients, windows (canonical) and, at NOW, whether they are
 * open and until when (ISO 8601 with the zone's offset; null: for good). */
void
vsa_cli_json_add_users (JsonBuilder *b, const VsaPolicy *policy, GDateTime *now)
{
  json_builder_set_member_name (b, "users");
  json_builder_begin_array (b);
  for (guint i = 0; policy && i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);
      g_autofree char *when = vsa_window_set_to_string (access->when);
      g_autoptr (GDateTime) next = NULL;
      gboolean open = vsa_window_set_is_open (access->when, now, &next);
      g_autofree char *until = next ? g_date_time_format_iso8601 (next) : NULL;

      json_builder_begin_object (b);
      vsa_cli_json_add_string (b, "user", access->user);
      vsa_cli_json_add_string_array (b, "clients", access->clients);
      vsa_cli_json_add_string (b, "when", when);
      vsa_cli_json_add_boolean (b, "open", open);
      vsa_cli_json_add_string_or_null (b, "until", until);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* An install's --dry-run: the files it would write, each under its
 * header, once sshd has accepted them. */
void
vsa_cli_print_checked_files (VsaContext *ctx, GPtrArray *files)
{
  g_autofree char *text = vsa_rendered_files_to_text (files);

  fputs (text, ctx->out);
  vsa_context_note (ctx, "sshd accepts this configuration; --dry-run: nothing was installed");
}
