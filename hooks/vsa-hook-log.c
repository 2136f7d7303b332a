/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hook's log goes to the journal (or syslog), never to stderr: libvirt
 * shows a failing hook's whole stderr to the user, which must stay one
 * line.  Callers never pass secrets; the XML itself is never logged. */
#include "vsa-hook-log.h"

#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

#define LOG_DOMAIN "virt-spice-admin-hook"

static int
syslog_priority (GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return LOG_ERR;
  if (level & G_LOG_LEVEL_WARNING)
    return LOG_WARNING;
  if (level & G_LOG_LEVEL_MESSAGE)
    return LOG_NOTICE;
  if (level & G_LOG_LEVEL_INFO)
    return LOG_INFO;
  return LOG_DEBUG;
}

static const char *
field (const GLogField *fields, gsize n_fields, const char *key)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, key) == 0 && fields[i].length < 0)
      return fields[i].value;
  return "";
}

static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *file = g_getenv (VSA_HOOK_LOG_ENV);
  const char *message = field (fields, n_fields, "MESSAGE");
  const char *domain = field (fields, n_fields, "VSA_DOMAIN");

  if (file && *file)
    {
      FILE *f = fopen (file, "ae");
      if (f == NULL)
        return G_LOG_WRITER_UNHANDLED;
      fprintf (f, "%s[%d]: %s: %s\n", LOG_DOMAIN, (int) getpid (), domain, message);
      fclose (f);
      return G_LOG_WRITER_HANDLED;
    }
  if (g_file_test ("/run/systemd/journal/socket", G_FILE_TEST_EXISTS))
    return g_log_writer_journald (level, fields, n_fields, user_data);
  syslog (syslog_priority (level), "%s: %s", domain, message);
  return G_LOG_WRITER_HANDLED;
}

void
vsa_hook_log_init (void)
{
  openlog (LOG_DOMAIN, LOG_PID, LOG_DAEMON);
  g_log_set_writer_func (write_log, NULL, NULL);
}

void
vsa_hook_log (GLogLevelFlags level, const char *domain, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* Plain string values; MESSAGE, the only format, must come last. */
  g_log_structured (LOG_DOMAIN, level, "VSA_DOMAIN", domain, "MESSAGE", "%s", message);
}
