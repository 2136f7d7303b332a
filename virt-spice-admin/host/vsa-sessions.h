/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the console broker and the session journal remember, as files in
 * the state directory (root only):
 *   broker/tickets/VM.json  the VM's last ticket: user, client, issued,
 *                           expires, mode (never the password)
 *   sessions.json           the session journal's table: open sessions
 *                           and the most recent ended ones
 * `watch` writes the table, `sessions` prints it, the broker asks it who
 * holds a console, `audit` reports connections no policy allows. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VSA_SESSIONS_HISTORY_MAX 500

typedef struct {
  char *vm;
  char *user;      /* NULL: nobody the policy knows */
  char *mode;      /* "password" or "sasl" */
  char *client;
  gint64 issued;   /* unix seconds */
  gint64 expires;
} VsaTicketRecord;

void vsa_ticket_record_free (VsaTicketRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaTicketRecord, vsa_ticket_record_free)

gboolean vsa_ticket_record_save (const char *state_dir, const VsaTicketRecord *record,
                                 GError **error);
VsaTicketRecord *vsa_ticket_record_load (const char *state_dir, const char *vm, GError **error);

typedef struct {
  char *vm;
  char *user;         /* NULL when no policy names one */
  char *user_source;  /* "ticket", "assignment", "loopback" or "none" */
  char *client;
  gint64 since;
  gint64 until;       /* 0: still open */
  gboolean allowed;   /* FALSE: no policy admits this address */
  GArray *ports;      /* int: the client ports of its open channels */
} VsaSession;

typedef struct {
  GPtrArray *sessions; /* VsaSession *, oldest first */
} VsaSessionTable;

void vsa_session_table_free (VsaSessionTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaSessionTable, vsa_session_table_free)

VsaSessionTable *vsa_session_table_load (const char *state_dir, GError **error);
gboolean vsa_session_table_save (const VsaSessionTable *table, const char *state_dir,
                                 GError **error);
VsaSession *vsa_session_table_find_open (const VsaSessionTable *table, const char *vm,
                                         const char *client);
VsaSession *vsa_session_table_holder (const VsaSessionTable *table, const char *vm);
VsaSession *vsa_session_table_open (VsaSessionTable *table, const char *vm, const char *client,
                                    const char *user, const char *user_source, gboolean allowed,
                                    gint64 now);
void vsa_session_end (VsaSession *session, gint64 now);
guint vsa_session_table_end_vm (VsaSessionTable *table, const char *vm, gint64 now);
void vsa_session_table_trim (VsaSessionTable *table);

char *vsa_format_utc (gint64 unix_seconds);

G_END_DECLS
