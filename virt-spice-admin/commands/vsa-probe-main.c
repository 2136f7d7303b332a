/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-spice-admin-probe: the probe engine as a program of its own, so
 * that only `probe` loads spice-client-glib and GStreamer (about 60
 * shared libraries) and every other command starts without them.
 *
 *   virt-spice-admin-probe --host H --tls-port N --ca-file F
 *                          [--host-subject S] [--user U] [--timeout-ms T]
 *                          [--password-stdin]
 *
 * The password comes on stdin (one line), never in argv or the
 * environment, where other users could read it.  Prints one line,
 * "OUTCOME DETAIL", and exits 0 when the attempt was made; an unusable
 * request is one line on stderr and exit status 1.  Not for users: the
 * CLI runs it (vsa-probe-helper.c). */
#include "vsa-probe.h"

#include "vsa-error.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

/* Ticket passwords are at most 60 bytes, SASL ones rarely longer. */
#define PASSWORD_MAX 4096

typedef struct {
  char *host;
  int tls_port;
  char *ca_file;
  char *host_subject;
  char *username;
  int timeout_ms;
  gboolean password_stdin;
} HelperOptions;

static void
helper_options_clear (HelperOptions *o)
{
  g_free (o->host);
  g_free (o->ca_file);
  g_free (o->host_subject);
  g_free (o->username);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HelperOptions, helper_options_clear)

static gboolean
parse_options (int argc, char **argv, HelperOptions *o, GError **error)
{
  GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &o->host, "Address to connect to", "ADDR" },
    { "tls-port", 0, 0, G_OPTION_ARG_INT, &o->tls_port, "SPICE TLS port", "N" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &o->ca_file, "CA certificate(s), PEM", "FILE" },
    { "host-subject", 0, 0, G_OPTION_ARG_STRING, &o->host_subject, "Expected certificate subject", "S" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &o->username, "SASL user name", "NAME" },
    { "timeout-ms", 0, 0, G_OPTION_ARG_INT, &o->timeout_ms, "Give up after T ms", "T" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &o->password_stdin, "Read the password from stdin", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) octx = g_option_context_new (NULL);

  g_option_context_set_summary (octx, "Probe one SPICE console (run by virt-spice-admin probe).");
  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, error))
    return FALSE;
  if (argc > 1 || o->timeout_ms < 0)
    {
      g_set_error_literal (error, VSA_ERROR, VSA_ERROR_USAGE,
                           "unexpected arguments; see --help");
      return FALSE;
    }
  return TRUE;
}

/* One line of stdin, in a buffer the caller wipes. */
static gboolean
read_password (char *buf, gsize size, GError **error)
{
  gsize len;

  if (fgets (buf, (int) size, stdin) == NULL)
    {
      g_set_error_literal (error, VSA_ERROR, VSA_ERROR_INVALID,
                           "no password on stdin");
      return FALSE;
    }
  len = strlen (buf);
  if (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  else if (len == size - 1)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the password on stdin is longer than %d bytes", PASSWORD_MAX - 2);
      return FALSE;
    }
  return TRUE;
}

/* spice-client-glib reports failures itself (GSpice/Spice domains); the
 * outcome already says it in one line, so keep them off stderr unless
 * G_MESSAGES_DEBUG asks for them. */
static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0 &&
        (g_strcmp0 (fields[i].value, "GSpice") == 0 || g_strcmp0 (fields[i].value, "Spice") == 0) &&
        g_getenv ("G_MESSAGES_DEBUG") == NULL)
      return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
run (int argc, char **argv, GError **error)
{
  g_auto (HelperOptions) o = { 0 };
  char password[PASSWORD_MAX];
  g_autofree char *detail = NULL;
  VsaProbeOutcome outcome;
  gboolean ok;
  VsaProbeRequest req = { 0 };

  if (!parse_options (argc, argv, &o, error))
    return FALSE;
  if (o.password_stdin && !read_password (password, sizeof password, error))
    {
      explicit_bzero (password, sizeof password);
      return FALSE;
    }
  req.host = o.host;
  req.tls_port = o.tls_port;
  req.ca_file = o.ca_file;
  req.host_subject = o.host_subject;
  req.username = o.username;
  req.password = o.password_stdin ? password : NULL;
  req.timeout_ms = (guint) o.timeout_ms;
  ok = vsa_probe_console (&req, &outcome, &detail, error);
  explicit_bzero (password, sizeof password);
  if (!ok)
    return FALSE;
  printf ("%s %s\n", vsa_probe_outcome_to_string (outcome), detail ? detail : "");
  return fflush (stdout) == 0;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  setlocale (LC_ALL, "");
  g_log_set_writer_func (write_log, NULL, NULL);
  if (!run (argc, argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  return 0;
}
