/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-journal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A value with a line break would need the protocol's binary form; our
 * values are names, addresses and one-line messages, so flatten them. */
static void
append_field (GString *s, const char *key, const char *value)
{
  g_autofree char *flat = g_strdelimit (g_strdup (value), "\n", ' ');

  g_string_append_printf (s, "%s=%s\n", key, flat);
}

/* The datagram journald's native protocol expects. */
char *
vsa_journal_format (int priority, const char *message, const VsaJournalField *fields)
{
  g_autoptr (GString) s = g_string_new (NULL);
  char number[16];

  g_snprintf (number, sizeof number, "%d", priority);
  append_field (s, "MESSAGE", message);
  append_field (s, "PRIORITY", number);
  append_field (s, "SYSLOG_IDENTIFIER", "virt-spice-admin");
  for (gsize i = 0; fields && fields[i].key; i++)
    if (fields[i].value)
      append_field (s, fields[i].key, fields[i].value);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
send_datagram (const char *socket_path, const char *data)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;
  ssize_t sent;

  if (socket_path == NULL || strlen (socket_path) >= sizeof addr.sun_path)
    return FALSE;
  strcpy (addr.sun_path, socket_path);
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  sent = sendto (fd, data, strlen (data), MSG_NOSIGNAL, (struct sockaddr *) &addr, sizeof addr);
  close (fd);
  return sent == (ssize_t) strlen (data);
}

/* stderr: "MESSAGE (VSA_VM=... VSA_USER=...)", one line. */
static void
print_line (int priority, const char *message, const VsaJournalField *fields)
{
  g_autoptr (GString) s = g_string_new (NULL);
  gboolean first = TRUE;

  g_string_append_printf (s, "<%d>%s", priority, message);
  for (gsize i = 0; fields && fields[i].key; i++)
    if (fields[i].value)
      {
        g_string_append_printf (s, "%s%s=%s", first ? " (" : " ", fields[i].key, fields[i].value);
        first = FALSE;
      }
  if (!first)
    g_string_append_c (s, ')');
  g_strdelimit (s->str, "\n", ' ');
  fprintf (stderr, "%s\n", s->str);
}

void
vsa_journal_send (const char *socket_path, int priority, const char *message,
                  const VsaJournalField *fields)
{
  g_autofree char *record = vsa_journal_format (priority, message, fields);

  if (!send_datagram (socket_path, record))
    print_line (priority, message, fields);
}
