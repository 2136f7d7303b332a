/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `sessions [VM] [--all]`: who is connected to which console now, from
 * the session journal's table (see `watch`), with the user's access
 * window and whether it is open now; --all adds the ended sessions with
 * their end. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-inventory.h"
#include "vsa-names.h"
#include "vsa-sessions.h"

/* The user's windows as the VM's policy now says (the live one of a
 * running VM), or NULL: no such VM or user any more. */
static const VsaWindowSet *
session_when (GHashTable *vms, const VsaSession *session)
{
  const VsaVmRecord *vm = g_hash_table_lookup (vms, session->vm);
  const VsaPolicy *policy = vm ? (vm->live_policy ? vm->live_policy : vm->policy) : NULL;
  const VsaAccess *access = policy && session->user ? vsa_policy_find_access (policy, session->user)
                                                    : NULL;

  return access ? access->when : NULL;
}

/* "always", "Mon-Tue: closed until Mon 00:00", or "-". */
static char *
window_text (GHashTable *vms, const VsaSession *session, GDateTime *now)
{
  const VsaWindowSet *when = session_when (vms, session);
  g_autofree char *spec = NULL;
  g_autofree char *state = NULL;

  if (when == NULL)
    return g_strdup ("-");
  if (vsa_window_set_is_always (when))
    return g_strdup ("always");
  spec = vsa_window_set_to_string (when);
  state = vsa_cli_window_state (when, now);
  return g_strdup_printf ("%s: %s", spec, state);
}

static gboolean
wanted (const VsaSession *session, const char *vm, gboolean all)
{
  return (vm == NULL || g_strcmp0 (session->vm, vm) == 0) && (all || session->until == 0);
}

static void
print_json (VsaContext *ctx, const VsaSessionTable *table, const char *vm, gboolean all,
            GHashTable *vms, GDateTime *now)
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
      const VsaWindowSet *when = session_when (vms, s);
      g_autofree char *spec = when ? vsa_window_set_to_string (when) : NULL;

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
      vsa_cli_json_add_string_or_null (b, "when", spec);
      json_builder_set_member_name (b, "window_open");
      if (when)
        json_builder_add_boolean_value (b, vsa_window_set_is_open (when, now, NULL));
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  vsa_cli_print_json (ctx, b);
}

static void
print_table (VsaContext *ctx, const VsaSessionTable *table, const char *vm, gboolean all,
             GHashTable *vms, GDateTime *now)
{
  fprintf (ctx->out, "%-20s %-12s %-11s %-39s %-20s %s%s\n", "VM", "USER", "FROM", "CLIENT", "SINCE",
           all ? "UNTIL                " : "", "WINDOW");
  for (guint i = 0; i < table->sessions->len; i++)
    {
      const VsaSession *s = g_ptr_array_index (table->sessions, i);
      g_autofree char *since = vsa_format_utc (s->since);
      g_autofree char *ended = s->until ? vsa_format_utc (s->until) : g_strdup ("-");
      g_autofree char *until = all ? g_strdup_printf ("%-20s ", ended) : g_strdup ("");
      g_autofree char *window = NULL;

      if (!wanted (s, vm, all))
        continue;
      window = window_text (vms, s, now);
      fprintf (ctx->out, "%-20s %-12s %-11s %-39s %-20s %s%s\n", s->vm, s->user ? s->user : "-",
               s->allowed ? s->user_source : "NOT-ALLOWED", s->client, since, until, window);
    }
}

/* Every VM's record by name, for the users' windows. */
static GHashTable *
records_by_name (GPtrArray *records)
{
  GHashTable *vms = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < records->len; i++)
    {
      VsaVmRecord *record = g_ptr_array_index (records, i);
      g_hash_table_insert (vms, record->name, record);
    }
  return vms;
}

static gboolean
run_sessions (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  const char *vm = inv->args[0];
  g_autoptr (VsaSessionTable) table = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GHashTable) vms = NULL;
  g_autoptr (GDateTime) now = vsa_cli_window_now (ctx);

  if ((vm && !vsa_validate_vm_name (vm, error)) ||
      (table = vsa_session_table_load (ctx->config->state_dir, error)) == NULL ||
      !vsa_context_connect (ctx, error) ||
      (records = vsa_inventory_collect (ctx->conn, NULL, VSA_INVENTORY_LIVE | VSA_INVENTORY_BEST_EFFORT,
                                        error)) == NULL)
    return FALSE;
  vms = records_by_name (records);
  if (ctx->json)
    print_json (ctx, table, vm, vsa_invocation_flag (inv, "all"), vms, now);
  else
    print_table (ctx, table, vm, vsa_invocation_flag (inv, "all"), vms, now);
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
  "and since when, and the user's access window with its state now.\n"
  "--all adds ended sessions with their end.");
