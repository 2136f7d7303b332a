/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-cli.h"
#include "vsa-error.h"

#include <json-glib/json-glib.h>

/* The string values of the global options given after the command.  They
 * are parsed into these, not into the context: GOption overwrites a string
 * target without freeing it, so `-c A show vm -c B` would leak A. */
typedef struct {
  char *uri;
  char *config_path;
} GlobalStrings;

static void
global_strings_clear (GlobalStrings *g)
{
  g_clear_pointer (&g->uri, g_free);
  g_clear_pointer (&g->config_path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GlobalStrings, global_strings_clear)

/* Given after the command, they win over the same options before it. */
static void
replace_string (char **target, char **value)
{
  if (*value == NULL)
    return;
  g_free (*target);
  *target = g_steal_pointer (value);
}

/* The global flags are accepted after the command too, so both
 * `virt-spice-admin --json show vm` and `virt-spice-admin show vm --json`
 * work, and every command's --help lists them. */
static void
add_global_entries (GOptionContext *octx, VsaContext *ctx, GlobalStrings *strings)
{
  GOptionEntry entries[] = {
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &strings->uri, "libvirt URI", "URI" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &strings->config_path, "Configuration file", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctx->json, "Print results as JSON", NULL },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &ctx->dry_run, "Show the XML diff, change nothing", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &ctx->quiet, "Print no notes", NULL },
    { NULL }
  };

  g_option_context_add_main_entries (octx, entries, NULL);
}

static gboolean
parse_command_line (VsaContext *ctx, GOptionEntry *entries, const char *parameters,
                    const char *description, int argc, char **argv, guint min_args,
                    guint max_args, gboolean strict_posix, GStrv *ret_args, GError **error)
{
  g_autofree char *params = g_strdup_printf ("%s %s", ctx->command, parameters);
  g_autoptr (GOptionContext) octx = g_option_context_new (params);
  g_autofree char *full_description = g_strconcat (description ? description : "",
                                                   description ? "\n\n" : "",
                                                   VSA_EXIT_CODES_HELP, NULL);
  g_auto (GStrv) args = g_new0 (char *, argc + 2);
  g_auto (GlobalStrings) strings = { 0 };
  guint n_args;

  /* argv[0] is the command; GOption expects a program name there. */
  args[0] = g_strdup ("virt-spice-admin");
  for (int i = 1; i < argc; i++)
    args[i] = g_strdup (argv[i]);

  g_option_context_add_main_entries (octx, entries, NULL);
  add_global_entries (octx, ctx, &strings);
  g_option_context_set_description (octx, full_description);
  g_option_context_set_strict_posix (octx, strict_posix);
  if (!g_option_context_parse_strv (octx, &args, error))
    return FALSE;
  replace_string (&ctx->uri, &strings.uri);
  replace_string (&ctx->config_path, &strings.config_path);

  n_args = g_strv_length (args) - 1;
  if (n_args < min_args || n_args > max_args)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "usage: virt-spice-admin %s %s (see 'virt-spice-admin %s --help')",
                   ctx->command, parameters, ctx->command);
      return FALSE;
    }
  *ret_args = g_strdupv (args + 1);
  return TRUE;
}

gboolean
vsa_cli_parse (VsaContext *ctx, GOptionEntry *entries, const char *parameters,
               const char *description, int argc, char **argv, guint min_args, guint max_args,
               GStrv *ret_args, GError **error)
{
  return parse_command_line (ctx, entries, parameters, description, argc, argv, min_args,
                             max_args, FALSE, ret_args, error);
}

/* Options only before the first operand: everything after it is passed
 * through untouched (qemu arguments start with '-').  The first "--"
 * after the two leading operands (VM, action) is the usual end-of-options
 * marker and is dropped. */
gboolean
vsa_cli_parse_until_operands (VsaContext *ctx, GOptionEntry *entries, const char *parameters,
                              const char *description, int argc, char **argv, guint min_args,
                              GStrv *ret_args, GError **error)
{
  g_auto (GStrv) args = NULL;
  g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);
  gboolean dropped_marker = FALSE;

  if (!parse_command_line (ctx, entries, parameters, description, argc, argv, 0, G_MAXUINT,
                           TRUE, &args, error))
    return FALSE;
  for (guint i = 0; args[i]; i++)
    {
      if (!dropped_marker && kept->len >= 2 && g_strcmp0 (args[i], "--") == 0)
        {
          dropped_marker = TRUE;
          continue;
        }
      g_ptr_array_add (kept, g_strdup (args[i]));
    }
  if (kept->len < min_args)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "usage: virt-spice-admin %s %s (see 'virt-spice-admin %s --help')",
                   ctx->command, parameters, ctx->command);
      return FALSE;
    }
  g_ptr_array_add (kept, NULL);
  *ret_args = (GStrv) g_ptr_array_steal (kept, NULL);
  return TRUE;
}

gboolean
vsa_cli_load_config (VsaContext *ctx, GError **error)
{
  if (ctx->config != NULL)
    return TRUE;
  ctx->config = vsa_config_load (ctx->config_path, error);
  return ctx->config != NULL;
}

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
  json_builder_set_member_name (b, json_member);
  json_builder_begin_array (b);
  for (guint i = 0; i < values->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (values, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  vsa_cli_print_json (ctx, b);
}

/* "users": [{"user": NAME, "clients": [...]}], as show and status print it. */
/* Said by qemu-arg and qemu-env whenever they add passthrough, so the
 * admin learns of the taint before a bug report does. */
void
vsa_cli_note_qemu_passthrough_taint (VsaContext *ctx)
{
  vsa_context_note (ctx, "note: libvirt marks a domain with qemu:commandline passthrough as "
                         "tainted (custom-argv); support may ask you to remove it");
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

void
vsa_cli_json_add_users (JsonBuilder *b, const VsaPolicy *policy)
{
  json_builder_set_member_name (b, "users");
  json_builder_begin_array (b);
  for (guint i = 0; policy && i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "user");
      json_builder_add_string_value (b, access->user);
      json_builder_set_member_name (b, "clients");
      json_builder_begin_array (b);
      for (guint j = 0; j < access->clients->len; j++)
        json_builder_add_string_value (b, g_ptr_array_index (access->clients, j));
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}
