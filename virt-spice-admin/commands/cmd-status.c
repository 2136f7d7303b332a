/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `status [VM...]`: one row per domain: state, auth mode, listen, TLS and
 * plain ports, users, clients, volumes, firewall, password expiry.  A
 * table for people, --json (schema in docs/status-json.md) for scripts.
 * A domain that cannot be read is one row in state "unreadable" with the
 * reason; the others are reported as usual and the exit status is 1. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-firewall.h"
#include "vsa-inventory.h"
#include "vsa-time.h"
#include "vsa-volume.h"

#include <json-glib/json-glib.h>
#include <string.h>

typedef struct {
  const VsaVmRecord *vm;
  const char *state;
  char *auth;
  char *tls_port;
  char *plain_port;
  char *users;
  char *clients;
  char *volumes;
  const char *firewall;
  char *expires;
  gboolean expired;
  GDateTime *now;  /* in the windows' zone */
} StatusRow;

static void
status_row_free (StatusRow *row)
{
  g_free (row->auth);
  g_free (row->tls_port);
  g_free (row->plain_port);
  g_free (row->users);
  g_free (row->clients);
  g_free (row->volumes);
  g_free (row->expires);
  g_date_time_unref (row->now);
  g_free (row);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StatusRow, status_row_free)

static char *
port_text (int port)
{
  if (port == 0)
    return g_strdup ("none");
  return port < 0 ? g_strdup ("auto") : g_strdup_printf ("%d", port);
}

static char *
auth_text (const VsaVmRecord *vm)
{
  if (!vm->spice.has_spice)
    return g_strdup (vm->spice.has_vnc ? "vnc" : "-");
  return g_strdup (vm->policy ? vsa_auth_mode_to_string (vm->policy->auth) : "unmanaged");
}

/* Users as "alice,maggie[Mon-Tue]": a window shows only when it is not
 * always; clients as "ADDR,ADDR". */
static char *
join_users (const VsaPolicy *policy, gboolean clients)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; policy && i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);

      g_autofree char *when = vsa_window_set_to_string (access->when);

      if (!clients)
        g_string_append_printf (s, "%s%s%s%s%s", s->len ? "," : "", access->user,
                                vsa_window_set_is_always (access->when) ? "" : "[",
                                vsa_window_set_is_always (access->when) ? "" : when,
                                vsa_window_set_is_always (access->when) ? "" : "]");
      for (guint j = 0; clients && j < access->clients->len; j++)
        g_string_append_printf (s, "%s%s", s->len ? "," : "",
                                (char *) g_ptr_array_index (access->clients, j));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static char *
volumes_text (const VsaPolicy *policy)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; policy && i < policy->volumes->len; i++)
    {
      VsaVolume *volume = g_ptr_array_index (policy->volumes, i);

      g_string_append_printf (s, "%s%s:%s", s->len ? "," : "", volume->name,
                              vsa_volume_state (volume));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* A running managed VM is checked against the kernel; anything else has
 * no elements to have. */
static const char *
firewall_text (const VsaConfig *config, const VsaVmRecord *vm, VsaFirewallState *state)
{
  g_autoptr (VsaNftVm) wanted = NULL;
  g_autoptr (GDateTime) now = NULL;
  g_autofree char *invalid = NULL;

  if (vm->policy == NULL || !vm->running)
    return "-";
  if (!config->firewall)
    return "off";
  /* Configured since the VM started: qemu still runs the old console. */
  if (vm->live_tls_port <= 0 && vm->spice.tls_port > 0)
    return "restart";
  if (state == NULL)
    return "unknown";
  now = vsa_time_now_in_zone (config->time_zone);
  wanted = vsa_firewall_wanted (vm->live_policy, vm->live_tls_port, now, &invalid);
  return vsa_firewall_port_state (wanted, vm->live_tls_port, invalid != NULL,
                                  g_hash_table_lookup (state->ports, GINT_TO_POINTER (vm->live_tls_port)),
                                  TRUE);
}

static const char *
state_text (const VsaVmRecord *vm)
{
  if (vm->unreadable)
    return "unreadable";
  return vm->running ? "running" : "shut off";
}

/* Nothing of an unreadable domain is shown but its name and why. */
static StatusRow *
make_unreadable_row (const VsaConfig *config, const VsaVmRecord *vm)
{
  StatusRow *row = g_new0 (StatusRow, 1);

  row->now = vsa_time_now_in_zone (config->time_zone);
  row->vm = vm;
  row->state = state_text (vm);
  row->auth = g_strdup ("-");
  row->tls_port = g_strdup ("-");
  row->plain_port = g_strdup ("-");
  row->users = g_strdup ("");
  row->clients = g_strdup ("");
  row->volumes = g_strdup ("");
  row->firewall = "-";
  row->expires = g_strdup ("-");
  return row;
}

static StatusRow *
make_row (const VsaConfig *config, const VsaVmRecord *vm, VsaFirewallState *state)
{
  StatusRow *row;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) until = vm->spice.password_valid_to
    ? g_date_time_new_from_iso8601 (vm->spice.password_valid_to, utc) : NULL;

  if (vm->unreadable)
    return make_unreadable_row (config, vm);
  row = g_new0 (StatusRow, 1);
  row->now = vsa_time_now_in_zone (config->time_zone);
  row->vm = vm;
  row->state = state_text (vm);
  row->auth = auth_text (vm);
  row->tls_port = port_text (vm->running && vm->live_tls_port ? vm->live_tls_port : vm->spice.tls_port);
  row->plain_port = port_text (vm->spice.autoport && vm->spice.port == 0 ? -1 : vm->spice.port);
  row->users = join_users (vm->policy, FALSE);
  row->clients = join_users (vm->policy, TRUE);
  row->volumes = volumes_text (vm->policy);
  row->firewall = firewall_text (config, vm, state);
  row->expired = until && g_date_time_compare (until, now) <= 0;
  if (vm->spice.password == NULL)
    row->expires = g_strdup ("-");
  else
    row->expires = g_strdup (row->expired ? "expired" : until ? vm->spice.password_valid_to : "never");
  return row;
}

/* The table's placeholders ("" and "-") are null in JSON. */
static void
add_str (JsonBuilder *b, const char *name, const char *value)
{
  gboolean placeholder = value == NULL || *value == '\0' || g_str_equal (value, "-");

  vsa_cli_json_add_string_or_null (b, name, placeholder ? NULL : value);
}

static void
add_null (JsonBuilder *b, const char *name)
{
  json_builder_set_member_name (b, name);
  json_builder_add_null_value (b);
}

static void
add_empty_array (JsonBuilder *b, const char *name)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  json_builder_end_array (b);
}

/* The same members as a readable row's: null, or empty lists. */
static void
add_unreadable_json (JsonBuilder *b, const VsaVmRecord *vm)
{
  static const char *const nulls[] = { "managed", "auth", "listen", "tls_port", "plain_port", NULL };
  static const char *const trailing_nulls[] = { "firewall", "password_valid_to", "password_expired", NULL };

  json_builder_begin_object (b);
  add_str (b, "name", vm->name);
  add_str (b, "state", state_text (vm));
  add_str (b, "error", vm->unreadable);
  for (guint i = 0; nulls[i]; i++)
    add_null (b, nulls[i]);
  add_empty_array (b, "users");
  add_empty_array (b, "volumes");
  for (guint i = 0; trailing_nulls[i]; i++)
    add_null (b, trailing_nulls[i]);
  json_builder_end_object (b);
}

static void
add_row_json (JsonBuilder *b, const StatusRow *row)
{
  const VsaPolicy *policy = row->vm->policy;

  if (row->vm->unreadable)
    {
      add_unreadable_json (b, row->vm);
      return;
    }
  json_builder_begin_object (b);
  add_str (b, "name", row->vm->name);
  add_str (b, "state", row->state);
  add_str (b, "error", NULL);
  vsa_cli_json_add_boolean (b, "managed", policy != NULL);
  add_str (b, "auth", row->auth);
  add_str (b, "listen", row->vm->spice.listen);
  vsa_cli_json_add_int (b, "tls_port", row->vm->running && row->vm->live_tls_port ? row->vm->live_tls_port : row->vm->spice.tls_port);
  vsa_cli_json_add_int (b, "plain_port", row->vm->spice.port);
  vsa_cli_json_add_users (b, policy, row->now);
  json_builder_set_member_name (b, "volumes");
  json_builder_begin_array (b);
  for (guint i = 0; policy && i < policy->volumes->len; i++)
    {
      VsaVolume *volume = g_ptr_array_index (policy->volumes, i);

      json_builder_begin_object (b);
      add_str (b, "name", volume->name);
      add_str (b, "lv", volume->lv);
      add_str (b, "state", vsa_volume_state (volume));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_str (b, "firewall", row->firewall);
  add_str (b, "password_valid_to", row->vm->spice.password_valid_to);
  vsa_cli_json_add_boolean (b, "password_expired", row->expired);
  json_builder_end_object (b);
}

static void
print_json (VsaContext *ctx, GPtrArray *rows)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "vms");
  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++)
    add_row_json (b, g_ptr_array_index (rows, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  vsa_cli_print_json (ctx, b);
}

#define N_COLUMNS 11

static void
row_cells (const StatusRow *row, const char *cells[N_COLUMNS])
{
  const char *values[N_COLUMNS] = {
    row->vm->name, row->state, row->auth,
    row->vm->spice.listen && !row->vm->unreadable ? row->vm->spice.listen : "-", row->tls_port, row->plain_port,
    *row->users ? row->users : "-", *row->clients ? row->clients : "-",
    *row->volumes ? row->volumes : "-", row->firewall, row->expires,
  };

  memcpy (cells, values, sizeof values);
}

/* Padded columns, the last one unpadded (no trailing blanks). */
static void
print_cells (VsaContext *ctx, const char *const cells[N_COLUMNS], const int width[N_COLUMNS])
{
  for (int c = 0; c + 1 < N_COLUMNS; c++)
    fprintf (ctx->out, "%-*s  ", width[c], cells[c]);
  fprintf (ctx->out, "%s\n", cells[N_COLUMNS - 1]);
}

static void
print_table (VsaContext *ctx, GPtrArray *rows)
{
  static const char *const headers[N_COLUMNS] = {
    "VM", "STATE", "AUTH", "LISTEN", "TLS", "PLAIN", "USERS", "CLIENTS", "VOLUMES", "FIREWALL", "PASSWORD",
  };
  int width[N_COLUMNS];
  const char *cells[N_COLUMNS];

  for (int c = 0; c < N_COLUMNS; c++)
    width[c] = (int) strlen (headers[c]);
  for (guint i = 0; i < rows->len; i++)
    {
      row_cells (g_ptr_array_index (rows, i), cells);
      for (int c = 0; c < N_COLUMNS; c++)
        width[c] = MAX (width[c], (int) strlen (cells[c]));
    }
  print_cells (ctx, headers, width);
  for (guint i = 0; i < rows->len; i++)
    {
      row_cells (g_ptr_array_index (rows, i), cells);
      print_cells (ctx, cells, width);
    }
  for (guint i = 0; i < rows->len; i++)
    {
      const VsaVmRecord *vm = ((StatusRow *) g_ptr_array_index (rows, i))->vm;

      if (vm->unreadable)
        fprintf (ctx->out, "%s: unreadable: %s\n", vm->name, vm->unreadable);
    }
}

/* The report is printed whole; the exit status then says a domain in it
 * could not be read, as audit's does for a finding. */
static gboolean
check_all_readable (GPtrArray *vms, GError **error)
{
  g_autofree char *names = NULL;
  guint n = vsa_inventory_count_unreadable (vms, &names);

  if (n == 0)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "%u VM%s could not be read (%s); %s why, the other VMs are reported", n,
               n == 1 ? "" : "s", names, n == 1 ? "its row says" : "their rows say");
  return FALSE;
}

static gboolean
any_running_managed (GPtrArray *vms)
{
  for (guint i = 0; i < vms->len; i++)
    {
      const VsaVmRecord *vm = g_ptr_array_index (vms, i);

      if (vm->running && vm->policy != NULL)
        return TRUE;
    }
  return FALSE;
}

/* The report for the context's connection; also `apply --status`, which
 * must show what it did on the same connection (the test driver forgets
 * everything when a connection closes). */
gboolean
vsa_status_report (VsaContext *ctx, char **only, GError **error)
{
  g_autoptr (GPtrArray) vms = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) status_row_free);
  g_autoptr (VsaFirewallState) firewall = NULL;

  if (!vsa_context_connect (ctx, error) ||
      (vms = vsa_inventory_collect (ctx->conn, only, VSA_INVENTORY_SECRETS | VSA_INVENTORY_LIVE |
                                    VSA_INVENTORY_BEST_EFFORT, error)) == NULL)
    return FALSE;
  /* One read of the kernel for all VMs, and none when no row needs it
   * (only a running managed VM has elements); without nftables the column
   * says "unknown" rather than failing the whole report. */
  if (ctx->config->firewall && any_running_managed (vms))
    firewall = vsa_firewall_read_state (ctx->config, NULL);
  for (guint i = 0; i < vms->len; i++)
    g_ptr_array_add (rows, make_row (ctx->config, g_ptr_array_index (vms, i), firewall));
  if (ctx->json)
    print_json (ctx, rows);
  else
    print_table (ctx, rows);
  return check_all_readable (vms, error);
}

static gboolean
run_status (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  return vsa_status_report (ctx, inv->args, error);
}

const VsaCommand vsa_command_status = VSA_COMMAND_LEAF ("status", run_status, "[VM...]", 0, G_MAXUINT, VSA_COMMAND_PLAIN, NULL,
  "One row per VM: ports, users, volumes, firewall",
  "One row per domain (or per VM named): state, auth mode, listen address,\n"
  "TLS port, plain port (should be none), users, clients, encrypted volumes\n"
  "(open/closed), firewall (ok, missing, drift, off), password expiry.\n"
  "A VM whose XML or metadata cannot be read is a row in state\n"
  "\"unreadable\" with the reason, and the exit status is 1.\n"
  "--json prints the schema documented in docs/status-json.md.");
