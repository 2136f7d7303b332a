/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-command.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"

#include <string.h>

/* One option's value; GOption writes into it through arg_data. */
typedef union {
  gboolean flag;
  char *string;
  char **strings;
  int number;
} OptionValue;

/* An int option nobody gave keeps this, so its getter returns the default. */
#define UNSET_INT G_MININT

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

static gboolean
is_string_arg (GOptionArg arg)
{
  return arg == G_OPTION_ARG_STRING || arg == G_OPTION_ARG_FILENAME;
}

static gboolean
is_array_arg (GOptionArg arg)
{
  return arg == G_OPTION_ARG_STRING_ARRAY || arg == G_OPTION_ARG_FILENAME_ARRAY;
}

static void
invocation_clear (VsaInvocation *inv)
{
  OptionValue *values = inv->values;

  for (guint i = 0; inv->entries && inv->entries[i].long_name; i++)
    {
      if (is_string_arg (inv->entries[i].arg))
        g_free (values[i].string);
      else if (is_array_arg (inv->entries[i].arg))
        g_strfreev (values[i].strings);
    }
  g_clear_pointer (&inv->entries, g_free);
  g_clear_pointer (&inv->values, g_free);
  g_clear_pointer (&inv->args, g_strfreev);
  g_clear_pointer (&inv->dom, virDomainFree);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VsaInvocation, invocation_clear)

/* The row's options, each bound to a value of its own. */
static void
bind_options (VsaInvocation *inv)
{
  const GOptionEntry *options = inv->command->options;
  guint n = 0;
  OptionValue *values;

  while (options && options[n].long_name)
    n++;
  inv->entries = g_new0 (GOptionEntry, n + 1);
  values = g_new0 (OptionValue, n + 1);
  for (guint i = 0; i < n; i++)
    {
      inv->entries[i] = options[i];
      inv->entries[i].arg_data = &values[i];
      if (options[i].arg == G_OPTION_ARG_INT)
        values[i].number = UNSET_INT;
    }
  inv->values = values;
}

static OptionValue *
find_value (VsaInvocation *inv, const char *name, GOptionArg arg)
{
  for (guint i = 0; inv->entries[i].long_name; i++)
    if (g_str_equal (inv->entries[i].long_name, name))
      {
        g_assert (inv->entries[i].arg == arg ||
                  (is_string_arg (arg) && is_string_arg (inv->entries[i].arg)) ||
                  (is_array_arg (arg) && is_array_arg (inv->entries[i].arg)));
        return &((OptionValue *) inv->values)[i];
      }
  g_error ("command '%s' has no option --%s", inv->command->name, name);
}

gboolean
vsa_invocation_flag (VsaInvocation *inv, const char *name)
{
  return find_value (inv, name, G_OPTION_ARG_NONE)->flag;
}

const char *
vsa_invocation_string (VsaInvocation *inv, const char *name)
{
  return find_value (inv, name, G_OPTION_ARG_STRING)->string;
}

char **
vsa_invocation_strings (VsaInvocation *inv, const char *name)
{
  return find_value (inv, name, G_OPTION_ARG_STRING_ARRAY)->strings;
}

int
vsa_invocation_int (VsaInvocation *inv, const char *name, int fallback)
{
  int value = find_value (inv, name, G_OPTION_ARG_INT)->number;

  return value == UNSET_INT ? fallback : value;
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

/* Given after the command, they win over the same options before it. */
static void
replace_string (char **target, char **value)
{
  if (*value == NULL)
    return;
  g_free (*target);
  *target = g_steal_pointer (value);
}

/* "secure VM [OPTIONS]": the command's words and its operands. */
static char *
usage_line (VsaContext *ctx, const VsaCommand *command)
{
  gboolean operands = command->usage != NULL && command->usage[0] != '\0';

  return g_strconcat (ctx->command, operands ? " " : "", operands ? command->usage : "", NULL);
}

static gboolean
usage_error (VsaContext *ctx, const VsaCommand *command, GError **error)
{
  g_autofree char *usage = usage_line (ctx, command);

  g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
               "usage: virt-spice-admin %s (see 'virt-spice-admin %s --help')",
               usage, ctx->command);
  return FALSE;
}

/* The operands GOption left, without the end-of-options marker that
 * RAW_OPERANDS rows keep in place. */
static char **
take_operands (const VsaCommand *command, char **args)
{
  g_autoptr (GStrvBuilder) kept = g_strv_builder_new ();
  gboolean dropped_marker = !(command->flags & VSA_COMMAND_RAW_OPERANDS);
  guint n = 0;

  for (guint i = 1; args[i]; i++)
    {
      if (!dropped_marker && n >= 1 && g_str_equal (args[i], "--"))
        {
          dropped_marker = TRUE;
          continue;
        }
      g_strv_builder_add (kept, args[i]);
      n++;
    }
  return g_strv_builder_end (kept);
}

static gboolean
parse_command_line (VsaContext *ctx, VsaInvocation *inv, int argc, char **argv, GError **error)
{
  const VsaCommand *command = inv->command;
  g_autofree char *params = usage_line (ctx, command);
  g_autoptr (GOptionContext) octx = g_option_context_new (params);
  g_autofree char *description = g_strconcat (command->description ? command->description : "",
                                              command->description ? "\n\n" : "",
                                              VSA_EXIT_CODES_HELP, NULL);
  g_auto (GStrv) args = g_new0 (char *, argc + 2);
  g_auto (GlobalStrings) strings = { 0 };
  guint n_args;

  /* argv[0] is the command; GOption expects a program name there. */
  args[0] = g_strdup ("virt-spice-admin");
  for (int i = 1; i < argc; i++)
    args[i] = g_strdup (argv[i]);
  bind_options (inv);
  g_option_context_add_main_entries (octx, inv->entries, NULL);
  add_global_entries (octx, ctx, &strings);
  g_option_context_set_description (octx, description);
  g_option_context_set_strict_posix (octx, (command->flags & VSA_COMMAND_RAW_OPERANDS) != 0);
  if (!g_option_context_parse_strv (octx, &args, error))
    return FALSE;
  replace_string (&ctx->uri, &strings.uri);
  replace_string (&ctx->config_path, &strings.config_path);
  inv->args = take_operands (command, args);
  n_args = g_strv_length (inv->args);
  if (n_args < command->min_args || n_args > command->max_args)
    return usage_error (ctx, command, error);
  return TRUE;
}

static gboolean
load_config (VsaContext *ctx, GError **error)
{
  if (ctx->config == NULL)
    ctx->config = vsa_config_load (ctx->config_path, error);
  return ctx->config != NULL;
}

static gboolean
open_domain (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  if (!(inv->command->flags & VSA_COMMAND_NEEDS_DOMAIN) || inv->args[0] == NULL)
    return TRUE;
  inv->vm = inv->args[0];
  return vsa_context_connect (ctx, error) != NULL &&
         (inv->dom = vsa_libvirt_lookup (ctx->conn, inv->vm, error)) != NULL;
}

/* Once: an error that already starts with the VM keeps its words. */
static void
prefix_vm (VsaInvocation *inv, GError **error)
{
  g_autofree char *prefix = NULL;

  if (error == NULL || *error == NULL || inv->vm == NULL ||
      !(inv->command->flags & VSA_COMMAND_WRITES) ||
      g_error_matches (*error, VSA_ERROR, VSA_ERROR_USAGE))
    return;
  prefix = g_strdup_printf ("VM '%s'", inv->vm);
  if (!g_str_has_prefix ((*error)->message, prefix))
    g_prefix_error (error, "%s: ", prefix);
}

static gboolean
run_leaf (VsaContext *ctx, const VsaCommand *command, int argc, char **argv, GError **error)
{
  g_auto (VsaInvocation) inv = { .command = command };
  g_autoptr (GError) local_error = NULL;

  if (!parse_command_line (ctx, &inv, argc, argv, error) || !load_config (ctx, error) ||
      !open_domain (ctx, &inv, error))
    return FALSE;
  if (command->run (ctx, &inv, &local_error))
    return TRUE;
  prefix_vm (&inv, &local_error);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

const VsaCommand *
vsa_command_find (const VsaCommand *const *table, const char *name)
{
  for (guint i = 0; name && table[i]; i++)
    if (g_str_equal (table[i]->name, name))
      return table[i];
  return NULL;
}

/* "  NAME  SUMMARY" lines, the names padded to the longest plus two. */
void
vsa_command_append_table (GString *s, const VsaCommand *const *table)
{
  int width = 0;

  for (guint i = 0; table[i]; i++)
    width = MAX (width, (int) strlen (table[i]->name) + 2);
  for (guint i = 0; table[i]; i++)
    g_string_append_printf (s, "  %-*s %s\n", width, table[i]->name, table[i]->summary);
}

static void
print_group_help (VsaContext *ctx, const VsaCommand *group)
{
  g_autoptr (GString) s = g_string_new (NULL);

  g_string_append_printf (s, "Usage:\n  virt-spice-admin %s SUBCOMMAND [ARGS...]\n\n%s\n\n"
                             "Subcommands:\n", group->name, group->description);
  vsa_command_append_table (s, group->subcommands);
  g_string_append_printf (s, "\nRun 'virt-spice-admin %s SUBCOMMAND --help' for its options.\n",
                          group->name);
  fputs (s->str, ctx->out);
}

static char *
subcommand_names (const VsaCommand *group)
{
  g_autoptr (GString) s = g_string_new (NULL);
  const VsaCommand *const *rows = group->subcommands;

  for (guint i = 0; rows[i]; i++)
    g_string_append_printf (s, "%s%s", i == 0 ? "" : rows[i + 1] ? ", " : " or ", rows[i]->name);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
run_group (VsaContext *ctx, const VsaCommand *group, int argc, char **argv, GError **error)
{
  const char *name = argc > 1 ? argv[1] : NULL;
  const VsaCommand *sub = vsa_command_find (group->subcommands, name);
  g_autofree char *names = NULL;

  if (sub != NULL)
    {
      g_free (ctx->command);
      ctx->command = g_strdup_printf ("%s %s", group->name, sub->name);
      return run_leaf (ctx, sub, argc - 1, argv + 1, error);
    }
  if (g_strcmp0 (name, "--help") == 0 || g_strcmp0 (name, "-h") == 0)
    {
      print_group_help (ctx, group);
      return TRUE;
    }
  names = subcommand_names (group);
  if (name == NULL)
    g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                 "%s needs a subcommand; use %s (see 'virt-spice-admin %s --help')",
                 group->name, names, group->name);
  else
    g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                 "unknown %s subcommand '%s'; use %s (see 'virt-spice-admin %s --help')",
                 group->name, name, names, group->name);
  return FALSE;
}

/* ARGV[0] is COMMAND's name; a group's ARGV[1] names its subcommand. */
gboolean
vsa_command_dispatch (VsaContext *ctx, const VsaCommand *command, int argc, char **argv,
                      GError **error)
{
  g_free (ctx->command);
  ctx->command = g_strdup (command->name);
  if (command->subcommands != NULL)
    return run_group (ctx, command, argc, argv, error);
  return run_leaf (ctx, command, argc, argv, error);
}
