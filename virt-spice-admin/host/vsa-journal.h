/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Structured records for the journal: the broker's decisions and the
 * session journal's events, one record each with fields a query can
 * select on (journalctl VSA_VM=debianx VSA_USER=alice).  Sent with
 * journald's native protocol to journal-socket; without a journal there,
 * one line on stderr instead.  Never give a secret as a field. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* syslog priorities */
#define VSA_JOURNAL_ERR 3
#define VSA_JOURNAL_WARNING 4
#define VSA_JOURNAL_NOTICE 5
#define VSA_JOURNAL_INFO 6

typedef struct {
  const char *key;    /* VSA_VM, VSA_USER, ...: [A-Z0-9_], not starting with '_' */
  const char *value;  /* NULL: the field is left out */
} VsaJournalField;

/* fields: terminated by a { NULL } entry. */
void vsa_journal_send (const char *socket_path, int priority, const char *message,
                       const VsaJournalField *fields);
char *vsa_journal_format (int priority, const char *message, const VsaJournalField *fields);

G_END_DECLS
