/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `sessions [VM] [--all]`: who is connected to which console now, from
 * the session journal's table (see `watch`); --all adds the ended
 * sessions with their end. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-names.h"
#include "vsa-sessions.h"

static gboolean
wanted (const VsaSession *session, const char *vm, gboolean all)
{
  return (vm == NULL || g_strcmp0 (session->vm, vm) == 0) && (all || session->until == 0);
}

static void
print_json (VsaContext *ctx, const VsaSessionTable *table, const char *vm, gboolean all)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sessions");
  json_builder_begin_array (b);
  for (guint i = 0; i < table->sessions->len; i++)
    {
      const VsaSession *s = g_ptr_array_index (table->sessions, i);
      g_autofree char *since = vsa_format_utc (s->since);
      g_autofree char *until = s->until ? vsa_format_utc (s->until) : NULL;

      if (!wanted (s, vm, all))
        continue;
      json_builder_begin_object (b);
      vsa_cli_json_add_string (b, "vm", s->vm);
      vsa_cli_json_add_string_or_null (b, "user", s->user);
      vsa_cli_json_add_string (b, "user_source", s->user_source);
      vsa_cli_json_add_string (b, "client", s->client);
      vsa_cli_json_add_string (b, "since", since);
      vsa_cli_json_add_string_or_null (b, "until", until);
      vsa_cli_json_add_boolean (b, "connected", s->until == 0);
      vsa_cli_json_add_boolean (b, "allowed", s->allowed);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  vsa_cli_print_json (ctx, b);
}

static void
print_table (VsaContext *ctx, const VsaSessionTable *table, const char *vm, gboolean all)
{
  fprintf (ctx->out, "%-20s %-12s %-11s %-39s %-20s%s\n", "VM", "USER", "FROM", "CLIENT", "SINCE",
           all ? " UNTIL" : "");
  for (guint i = 0; i < table->sessions->len; i++)
    {
      const VsaSession *s = g_ptr_array_index (table->sessions, i);
      g_autofree char *since = vsa_format_utc (s->since);
      g_autofree char *until = s->until ? vsa_format_utc (s->until) : g_strdup ("-");

      if (!wanted (s, vm, all))
        continue;
      fprintf (ctx->out, "%-20s %-12s %-11s %-39s %-20s%s%s\n", s->vm, s->user ? s->user : "-",
               s->allowed ? s->user_source : "NOT-ALLOWED", s->client, since, all ? " " : "",
               all ? until : "");
    }
}

static gboolean
run_sessions (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  const char *vm = inv->args[0];
  g_autoptr (VsaSessionTable) table = NULL;

  if ((vm && !vsa_validate_vm_name (vm, error)) ||
      (table = vsa_session_table_load (ctx->config->state_dir, error)) == NULL)
    return FALSE;
  if (ctx->json)
    print_json (ctx, table, vm, vsa_invocation_flag (inv, "all"));
  else
    print_table (ctx, table, vm, vsa_invocation_flag (inv, "all"));
  return TRUE;
}

static const GOptionEntry sessions_options[] = {
  VSA_OPTION_FLAG ("all", "Also the ended sessions, with their end"),
  VSA_OPTION_END
};

const VsaCommand vsa_command_sessions = VSA_COMMAND_LEAF ("sessions", run_sessions, "[VM] [--all]", 0, 1, VSA_COMMAND_PLAIN, sessions_options,
  "Who is connected to which console now (--all: and before)",
  "Prints the session journal's table (see 'watch'): VM, user, where\n"
  "the user name comes from (ticket: the broker issued this address a\n"
  "ticket; assignment: the policy lists the address), client address\n"
  "and since when.  --all adds ended sessions with their end.");
