/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-sessions.h"
#include "vsa-error.h"
#include "vsa-file.h"

#include <json-glib/json-glib.h>
#include <string.h>

char *
vsa_format_utc (gint64 unix_seconds)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (unix_seconds);

  return t ? g_date_time_format (t, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("");
}

static gint64
parse_utc (const char *text)
{
  g_autoptr (GDateTime) t = text ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return t ? g_date_time_to_unix (t) : 0;
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_time (JsonBuilder *b, const char *name, gint64 value)
{
  g_autofree char *text = value ? vsa_format_utc (value) : NULL;

  add_string (b, name, text);
}

static char *
builder_text (JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

/* Missing: NULL with no error. */
static JsonObject *
load_object (const char *path, JsonParser *parser, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  if (!json_parser_load_from_file (parser, path, &local_error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "%s is damaged (%s); remove it",
                   path, local_error ? local_error->message : "not a JSON object");
      return NULL;
    }
  return json_node_get_object (root);
}

static char *
member_string (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  return node && JSON_NODE_HOLDS_VALUE (node) ? g_strdup (json_node_get_string (node)) : NULL;
}

static gint64
member_time (JsonObject *obj, const char *name)
{
  g_autofree char *text = member_string (obj, name);

  return parse_utc (text);
}

/* --- tickets -------------------------------------------------------------- */

void
vsa_ticket_record_free (VsaTicketRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->vm);
  g_free (record->user);
  g_free (record->mode);
  g_free (record->client);
  g_free (record);
}

static char *
ticket_path (const char *state_dir, const char *vm)
{
  g_autofree char *name = g_strconcat (vm, ".json", NULL);

  return g_build_filename (state_dir, "broker", "tickets", name, NULL);
}

gboolean
vsa_ticket_record_save (const char *state_dir, const VsaTicketRecord *record, GError **error)
{
  g_autofree char *path = ticket_path (state_dir, record->vm);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  add_string (b, "vm", record->vm);
  add_string (b, "user", record->user);
  add_string (b, "mode", record->mode);
  add_string (b, "client", record->client);
  add_time (b, "issued", record->issued);
  add_time (b, "expires", record->expires);
  json_builder_end_object (b);
  text = builder_text (b);
  return vsa_dir_ensure (dir, 0700, error) &&
         vsa_file_write_atomic (path, text, strlen (text), 0600, error);
}

VsaTicketRecord *
vsa_ticket_record_load (const char *state_dir, const char *vm, GError **error)
{
  g_autofree char *path = ticket_path (state_dir, vm);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *obj = load_object (path, parser, error);
  VsaTicketRecord *record;

  if (obj == NULL)
    return NULL;
  record = g_new0 (VsaTicketRecord, 1);
  record->vm = g_strdup (vm);
  record->user = member_string (obj, "user");
  record->mode = member_string (obj, "mode");
  record->client = member_string (obj, "client");
  record->issued = member_time (obj, "issued");
  record->expires = member_time (obj, "expires");
  return record;
}

/* --- sessions ------------------------------------------------------------- */

static void
session_free (VsaSession *session)
{
  g_free (session->vm);
  g_free (session->user);
  g_free (session->user_source);
  g_free (session->client);
  g_array_unref (session->ports);
  g_free (session);
}

void
vsa_session_table_free (VsaSessionTable *table)
{
  if (table == NULL)
    return;
  g_ptr_array_unref (table->sessions);
  g_free (table);
}

static VsaSessionTable *
table_new (void)
{
  VsaSessionTable *table = g_new0 (VsaSessionTable, 1);

  table->sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) session_free);
  return table;
}

static char *
sessions_path (const char *state_dir)
{
  return g_build_filename (state_dir, "sessions.json", NULL);
}

static VsaSession *
session_from_json (JsonObject *obj)
{
  VsaSession *session = g_new0 (VsaSession, 1);
  JsonArray *ports = json_object_has_member (obj, "channels")
    ? json_object_get_array_member (obj, "channels") : NULL;

  session->vm = member_string (obj, "vm");
  session->user = member_string (obj, "user");
  session->user_source = member_string (obj, "user_source");
  session->client = member_string (obj, "client");
  session->since = member_time (obj, "since");
  session->until = member_time (obj, "until");
  session->allowed = json_object_get_boolean_member_with_default (obj, "allowed", FALSE);
  session->ports = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint i = 0; ports && i < json_array_get_length (ports); i++)
    {
      int port = (int) json_array_get_int_element (ports, i);
      g_array_append_val (session->ports, port);
    }
  return session;
}

VsaSessionTable *
vsa_session_table_load (const char *state_dir, GError **error)
{
  g_autofree char *path = sessions_path (state_dir);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  JsonObject *obj = load_object (path, parser, &local_error);
  g_autoptr (VsaSessionTable) table = table_new ();
  JsonArray *list;

  if (local_error)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  list = obj && json_object_has_member (obj, "sessions")
    ? json_object_get_array_member (obj, "sessions") : NULL;
  for (guint i = 0; list && i < json_array_get_length (list); i++)
    {
      JsonObject *item = json_array_get_object_element (list, i);

      if (item && json_object_has_member (item, "vm") && json_object_has_member (item, "client"))
        g_ptr_array_add (table->sessions, session_from_json (item));
    }
  return g_steal_pointer (&table);
}

static void
session_to_json (JsonBuilder *b, const VsaSession *session)
{
  json_builder_begin_object (b);
  add_string (b, "vm", session->vm);
  add_string (b, "user", session->user);
  add_string (b, "user_source", session->user_source);
  add_string (b, "client", session->client);
  add_time (b, "since", session->since);
  add_time (b, "until", session->until);
  json_builder_set_member_name (b, "allowed");
  json_builder_add_boolean_value (b, session->allowed);
  json_builder_set_member_name (b, "channels");
  json_builder_begin_array (b);
  for (guint i = 0; i < session->ports->len; i++)
    json_builder_add_int_value (b, g_array_index (session->ports, int, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
}

gboolean
vsa_session_table_save (const VsaSessionTable *table, const char *state_dir, GError **error)
{
  g_autofree char *path = sessions_path (state_dir);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sessions");
  json_builder_begin_array (b);
  for (guint i = 0; i < table->sessions->len; i++)
    session_to_json (b, g_ptr_array_index (table->sessions, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  text = builder_text (b);
  return vsa_dir_ensure (state_dir, 0755, error) &&
         vsa_file_write_atomic (path, text, strlen (text), 0600, error);
}

VsaSession *
vsa_session_table_find_open (const VsaSessionTable *table, const char *vm, const char *client)
{
  for (guint i = 0; i < table->sessions->len; i++)
    {
      VsaSession *s = g_ptr_array_index (table->sessions, i);

      if (s->until == 0 && g_strcmp0 (s->vm, vm) == 0 && g_strcmp0 (s->client, client) == 0)
        return s;
    }
  return NULL;
}

/* The most recent open session on VM: the one seat's holder. */
VsaSession *
vsa_session_table_holder (const VsaSessionTable *table, const char *vm)
{
  for (guint i = table->sessions->len; i > 0; i--)
    {
      VsaSession *s = g_ptr_array_index (table->sessions, i - 1);

      if (s->until == 0 && g_strcmp0 (s->vm, vm) == 0)
        return s;
    }
  return NULL;
}

VsaSession *
vsa_session_table_open (VsaSessionTable *table, const char *vm, const char *client,
                        const char *user, const char *user_source, gboolean allowed, gint64 now)
{
  VsaSession *session = g_new0 (VsaSession, 1);

  session->vm = g_strdup (vm);
  session->client = g_strdup (client);
  session->user = g_strdup (user);
  session->user_source = g_strdup (user_source);
  session->allowed = allowed;
  session->since = now;
  session->ports = g_array_new (FALSE, FALSE, sizeof (int));
  g_ptr_array_add (table->sessions, session);
  return session;
}

void
vsa_session_end (VsaSession *session, gint64 now)
{
  session->until = now;
  g_array_set_size (session->ports, 0);
}

guint
vsa_session_table_end_vm (VsaSessionTable *table, const char *vm, gint64 now)
{
  guint ended = 0;

  for (guint i = 0; i < table->sessions->len; i++)
    {
      VsaSession *s = g_ptr_array_index (table->sessions, i);

      if (s->until == 0 && g_strcmp0 (s->vm, vm) == 0)
        {
          vsa_session_end (s, now);
          ended++;
        }
    }
  return ended;
}

/* Open sessions stay; of the ended ones the newest are kept. */
void
vsa_session_table_trim (VsaSessionTable *table)
{
  guint ended = 0;

  for (guint i = table->sessions->len; i > 0; i--)
    {
      VsaSession *s = g_ptr_array_index (table->sessions, i - 1);

      if (s->until != 0 && ++ended > VSA_SESSIONS_HISTORY_MAX)
        g_ptr_array_remove_index (table->sessions, i - 1);
    }
}
