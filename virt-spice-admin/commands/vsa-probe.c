/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-probe.h"

#include <string.h>

#include <spice-client.h>

#include "vsa-error.h"
#include "vsa-file.h"

/* How often the teardown re-checks whether a timed-out main channel got
 * its socket; spice-client-glib has no notification for that. */
#define TEARDOWN_POLL_MS 20

/* spice-client-glib 0.42 declares no autoptr cleanup for its types; an
 * alias of our own cannot clash with one it may add later. */
typedef SpiceSession VsaSpiceSession;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaSpiceSession, g_object_unref)

typedef struct {
  const char      *where;          /* "host:port", for the detail */
  gboolean         have_username;
  SpiceChannel    *main_channel;   /* weak pointer, no reference */
  gulong           event_handler;

  gboolean         decided;        /* outcome/detail are final */
  VsaProbeOutcome  outcome;
  char            *detail;
  gboolean         timed_out;

  gboolean         main_finished;  /* its coroutine exited (error seen) */
  gboolean         disconnected;   /* session "disconnected" was emitted */
} ProbeState;

const char *
vsa_probe_outcome_to_string (VsaProbeOutcome outcome)
{
  switch (outcome)
    {
    case VSA_PROBE_OPENED:
      return "opened";
    case VSA_PROBE_AUTH_REFUSED:
      return "auth-refused";
    case VSA_PROBE_TLS_ERROR:
      return "tls-error";
    case VSA_PROBE_CONNECT_ERROR:
      return "connect-error";
    default:
      return "unknown";
    }
}

gboolean
vsa_probe_outcome_to_error (VsaProbeOutcome outcome,
                            const char     *detail,
                            GError        **error)
{
  VsaErrorCode code;

  switch (outcome)
    {
    case VSA_PROBE_OPENED:
      return TRUE;
    case VSA_PROBE_AUTH_REFUSED:
      code = VSA_ERROR_PROBE_AUTH;
      break;
    case VSA_PROBE_TLS_ERROR:
      code = VSA_ERROR_PROBE_TLS;
      break;
    case VSA_PROBE_CONNECT_ERROR:
    default:
      code = VSA_ERROR_PROBE_CONNECT;
      break;
    }

  g_set_error_literal (error, VSA_ERROR, code,
                       detail != NULL ? detail
                                      : vsa_probe_outcome_to_string (outcome));
  return FALSE;
}

/* The detail must stay on one line even when it quotes a message coming
 * from GIO, OpenSSL or SASL. */
static char *
one_line (const char *text)
{
  char *copy = g_strdup (text);

  for (char *p = copy; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      *p = ' ';
  return copy;
}

static gboolean
host_is_plausible (const char *host)
{
  if (host == NULL || *host == '\0' || !g_utf8_validate (host, -1, NULL))
    return FALSE;

  /* Rejecting blanks and control characters keeps the detail on one line
   * and catches URI mistakes early; everything else is left to the
   * resolver. */
  for (const char *p = host; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p) || g_ascii_isspace (*p) || *p == '/'
        || *p == '[' || *p == ']')
      return FALSE;

  /* GIO would parse "name:port" as a port override and silently probe
   * another port than tls_port, so a colon is only fine in IPv6. */
  if (strchr (host, ':') != NULL && !g_hostname_is_ip_address (host))
    return FALSE;
  return TRUE;
}

/* spice-client-glib silently falls back to the system trust store when the
 * CA data holds no usable certificate, which would turn a mistyped CA file
 * into a probe against a different trust anchor.  So require at least one
 * PEM certificate block whose body decodes to a DER SEQUENCE. */
static gboolean
pem_has_certificate (const char *pem)
{
  static const char begin[] = "-----BEGIN CERTIFICATE-----";
  static const char end[] = "-----END CERTIFICATE-----";
  const char *p = pem;

  while ((p = strstr (p, begin)) != NULL)
    {
      const char *body = p + strlen (begin);
      const char *stop = strstr (body, end);
      g_autofree char *b64 = NULL;
      g_autofree guchar *der = NULL;
      gsize der_len = 0;

      if (stop == NULL)
        return FALSE;
      b64 = g_strndup (body, stop - body);
      der = g_base64_decode (g_strstrip (b64), &der_len);
      if (der_len > 16 && der[0] == 0x30)
        return TRUE;
      p = stop + strlen (end);
    }
  return FALSE;
}

static gboolean
check_request (const VsaProbeRequest *req,
               GByteArray           **ret_ca,
               GError               **error)
{
  g_autofree char *pem = NULL;
  gsize pem_len = 0;
  g_autoptr(GError) local_error = NULL;

  if (!host_is_plausible (req->host))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "Invalid or missing console host '%s'",
                   req->host != NULL ? req->host : "");
      return FALSE;
    }
  if (req->tls_port <= 0 || req->tls_port > G_MAXUINT16)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "Invalid TLS port %d", req->tls_port);
      return FALSE;
    }
  if (req->ca_file == NULL || *req->ca_file == '\0')
    {
      g_set_error_literal (error, VSA_ERROR, VSA_ERROR_INVALID,
                           "A CA certificate file is required");
      return FALSE;
    }
  if (!vsa_file_read_bounded (req->ca_file, "CA file", VSA_FILE_TEXT_MAX, &pem, &pem_len,
                              &local_error))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "%s", local_error->message);
      return FALSE;
    }
  if (!pem_has_certificate (pem))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "CA file '%s' contains no PEM certificate", req->ca_file);
      return FALSE;
    }
  if (req->host_subject != NULL && *req->host_subject == '\0')
    {
      g_set_error_literal (error, VSA_ERROR, VSA_ERROR_INVALID,
                           "Empty certificate subject");
      return FALSE;
    }
  /* Without a user name the server can only be expected to use ticket
   * authentication, where spice-client-glib refuses longer passwords
   * locally and would report that as a refused authentication. */
  if (req->username == NULL && req->password != NULL
      && strlen (req->password) > SPICE_MAX_PASSWORD_LENGTH)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "Ticket passwords are limited to %d bytes",
                   SPICE_MAX_PASSWORD_LENGTH);
      return FALSE;
    }

  /* Handing spice the bytes just validated (instead of the file name) means
   * it cannot read something else, or fail and fall back to the system
   * store, if the file changes in between. */
  *ret_ca = g_byte_array_new_take ((guint8 *) g_steal_pointer (&pem), pem_len);
  return TRUE;
}

static void
decide (ProbeState     *state,
        VsaProbeOutcome outcome,
        const char     *what,
        const GError   *why)
{
  g_autofree char *reason = NULL;

  if (state->decided)
    return;

  if (why != NULL && why->message != NULL && *why->message != '\0')
    reason = one_line (why->message);

  state->decided = TRUE;
  state->outcome = outcome;
  state->detail = reason != NULL
    ? g_strdup_printf ("%s: %s: %s", state->where, what, reason)
    : g_strdup_printf ("%s: %s", state->where, what);
}

static void
on_main_channel_event (SpiceChannel     *channel,
                       SpiceChannelEvent event,
                       gpointer          user_data)
{
  ProbeState *state = user_data;
  /* Only valid while the event is being emitted: spice clears it after. */
  const GError *why = spice_channel_get_error (channel);

  switch (event)
    {
    case SPICE_CHANNEL_OPENED:
      decide (state, VSA_PROBE_OPENED, "console opened", NULL);
      /* The channel is emitting this from its connection coroutine, which
       * resumes once we return.  Disconnecting now makes it stop before it
       * reads the channel list, so no display/input channels get created
       * only to be torn down again. */
      spice_channel_disconnect (channel, SPICE_CHANNEL_NONE);
      break;
    case SPICE_CHANNEL_ERROR_AUTH:
      state->main_finished = TRUE;
      /* With SASL the codes only say which fields the mechanism asked
       * for, and every failure reads "Authentication failed"; a name asked
       * for but never given is the one case worth spelling out. */
      if (!state->have_username && why != NULL
          && why->domain == SPICE_CLIENT_ERROR
          && (why->code == SPICE_CLIENT_ERROR_AUTH_NEEDS_USERNAME
              || why->code == SPICE_CLIENT_ERROR_AUTH_NEEDS_PASSWORD_AND_USERNAME))
        decide (state, VSA_PROBE_AUTH_REFUSED,
                "authentication refused: the server uses SASL and no user "
                "name was given", NULL);
      else
        decide (state, VSA_PROBE_AUTH_REFUSED, "authentication refused", why);
      break;
    case SPICE_CHANNEL_ERROR_TLS:
      state->main_finished = TRUE;
      decide (state, VSA_PROBE_TLS_ERROR,
              "TLS handshake or certificate verification failed", why);
      break;
    case SPICE_CHANNEL_ERROR_CONNECT:
      state->main_finished = TRUE;
      decide (state, VSA_PROBE_CONNECT_ERROR, "could not connect", why);
      break;
    case SPICE_CHANNEL_ERROR_LINK:
      state->main_finished = TRUE;
      decide (state, VSA_PROBE_CONNECT_ERROR,
              "SPICE link handshake failed", why);
      break;
    case SPICE_CHANNEL_ERROR_IO:
      state->main_finished = TRUE;
      decide (state, VSA_PROBE_CONNECT_ERROR, "I/O error", why);
      break;
    case SPICE_CHANNEL_CLOSED:
      state->main_finished = TRUE;
      decide (state, VSA_PROBE_CONNECT_ERROR,
              "connection closed by the server", why);
      break;
    case SPICE_CHANNEL_NONE:
    case SPICE_CHANNEL_SWITCHING:
    default:
      /* Not a verdict: migration/host switching only happen after open. */
      break;
    }
}

static void
on_channel_new (SpiceSession *session,
                SpiceChannel *channel,
                gpointer      user_data)
{
  ProbeState *state = user_data;

  (void) session;

  /* The main channel alone decides whether the console can be opened. */
  if (!SPICE_IS_MAIN_CHANNEL (channel) || state->main_channel != NULL)
    return;

  state->main_channel = channel;
  g_object_add_weak_pointer (G_OBJECT (channel),
                             (gpointer *) &state->main_channel);
  state->event_handler = g_signal_connect (channel, "channel-event",
                                           G_CALLBACK (on_main_channel_event),
                                           state);
}

static void
on_session_disconnected (SpiceSession *session,
                         gpointer      user_data)
{
  ProbeState *state = user_data;

  (void) session;
  state->disconnected = TRUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  ProbeState *state = user_data;

  state->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_poll_tick (gpointer user_data)
{
  (void) user_data;
  /* Only here to wake the blocking iteration up. */
  return G_SOURCE_CONTINUE;
}

static GSocket *
main_channel_socket (ProbeState *state)
{
  GSocket *sock = NULL;

  if (state->main_channel != NULL)
    g_object_get (state->main_channel, "socket", &sock, NULL);
  return sock;
}

/* After a timeout the main channel may still be waiting somewhere the
 * library cannot interrupt:
 *  - in its TCP connect, which is not cancellable; destroying the channel
 *    then lets the connect complete against a cleared session, so wait for
 *    the socket (or the failure) first;
 *  - in the TLS handshake, which ignores spice_channel_disconnect(); shutting
 *    the socket down makes that handshake fail at once.
 * Shutdown (not close) leaves the descriptor to its owner, so it cannot be
 * reused under the library's feet. */
static void
unblock_main_channel (ProbeState   *state,
                      GMainContext *context)
{
  g_autoptr(GSource) tick = NULL;
  g_autoptr(GSocket) sock = NULL;

  if (state->main_channel == NULL || state->main_finished)
    return;

  tick = g_timeout_source_new (TEARDOWN_POLL_MS);
  g_source_set_callback (tick, on_poll_tick, NULL, NULL);
  g_source_attach (tick, context);

  while (state->main_channel != NULL && !state->main_finished
         && (sock = main_channel_socket (state)) == NULL)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (tick);

  if (sock != NULL && !state->main_finished)
    g_socket_shutdown (sock, TRUE, TRUE, NULL);
}

static SpiceSession *
new_session (const VsaProbeRequest *req,
             GByteArray            *ca)
{
  g_autofree char *port = g_strdup_printf ("%d", req->tls_port);
  /* Marking every channel secure makes spice go straight to the TLS port;
   * with "port" left unset there is no plain-text port to fall back to. */
  const char *secure_channels[] = { "all", NULL };
  SpiceSession *session = spice_session_new ();

  g_object_set (session,
                "host", req->host,
                "tls-port", port,
                "ca", ca,
                "secure-channels", secure_channels,
                /* Keep the probe minimal: no audio, USB or smartcard. */
                "enable-audio", FALSE,
                "enable-usbredir", FALSE,
                "enable-smartcard", FALSE,
                NULL);
  /* Setting cert-subject makes spice check the subject instead of the host
   * name, which is what a host_subject is for. */
  if (req->host_subject != NULL)
    g_object_set (session, "cert-subject", req->host_subject, NULL);
  if (req->username != NULL)
    g_object_set (session, "username", req->username, NULL);
  if (req->password != NULL)
    g_object_set (session, "password", req->password, NULL);

  return session;
}

static char *
format_where (const VsaProbeRequest *req)
{
  if (strchr (req->host, ':') != NULL)
    return g_strdup_printf ("[%s]:%d", req->host, req->tls_port);
  return g_strdup_printf ("%s:%d", req->host, req->tls_port);
}

/* See the header: spice mixes the global default context and the
 * thread-default one, so they have to be the same context, and we have
 * to be able to iterate it. */
static gboolean
acquire_default_context (GMainContext *context,
                         GError      **error)
{
  GMainContext *thread_context = g_main_context_get_thread_default ();

  if (thread_context != NULL && thread_context != context)
    {
      g_set_error_literal (error, VSA_ERROR, VSA_ERROR_FAILED,
                           "Console probe cannot run with a thread-default "
                           "main context pushed");
      return FALSE;
    }
  if (!g_main_context_acquire (context))
    {
      g_set_error_literal (error, VSA_ERROR, VSA_ERROR_FAILED,
                           "Console probe must run in the thread owning the "
                           "default main context");
      return FALSE;
    }
  return TRUE;
}

/* Wait for every channel to be finalized, so no spice source, coroutine
 * or socket outlives the probe.  This terminates: by now the main
 * channel's coroutine has either exited (error outcomes), been told to
 * stop where it checks for it (opened), or had its socket shut down
 * under it (timeout). */
static void
wait_for_disconnect (ProbeState   *state,
                     SpiceSession *session,
                     GMainContext *context)
{
  spice_session_disconnect (session);
  while (!state->disconnected)
    g_main_context_iteration (context, TRUE);

  if (state->main_channel != NULL)
    {
      /* Not expected after "disconnected", but our handler must never
       * outlive the stack frame it points into. */
      g_signal_handler_disconnect (state->main_channel, state->event_handler);
      g_object_remove_weak_pointer (G_OBJECT (state->main_channel),
                                    (gpointer *) &state->main_channel);
    }
}

gboolean
vsa_probe_console (const VsaProbeRequest *req,
                   VsaProbeOutcome       *ret_outcome,
                   char                 **ret_detail,
                   GError               **error)
{
  GMainContext *context = g_main_context_default ();
  g_autoptr(GByteArray) ca = NULL;
  g_autoptr(VsaSpiceSession) session = NULL;
  g_autoptr(GSource) timer = NULL;
  g_autofree char *where = NULL;
  guint timeout_ms;
  ProbeState state = { 0 };
  gulong new_handler, disc_handler;

  g_return_val_if_fail (req != NULL, FALSE);
  g_return_val_if_fail (ret_outcome != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_request (req, &ca, error) || !acquire_default_context (context, error))
    return FALSE;

  timeout_ms = req->timeout_ms != 0 ? req->timeout_ms
                                    : VSA_PROBE_DEFAULT_TIMEOUT_MS;
  where = format_where (req);
  state.where = where;
  state.have_username = req->username != NULL;

  session = new_session (req, ca);
  new_handler = g_signal_connect (session, "channel-new",
                                  G_CALLBACK (on_channel_new), &state);
  disc_handler = g_signal_connect (session, "disconnected",
                                   G_CALLBACK (on_session_disconnected),
                                   &state);

  timer = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timer, on_timeout, &state, NULL);
  g_source_attach (timer, context);

  if (!spice_session_connect (session))
    decide (&state, VSA_PROBE_CONNECT_ERROR,
            "spice-client-glib could not start the connection", NULL);

  while (!state.decided && !state.timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timer);

  if (!state.decided)
    {
      g_autofree char *what = g_strdup_printf ("timed out after %u ms",
                                               timeout_ms);
      decide (&state, VSA_PROBE_CONNECT_ERROR, what, NULL);
      unblock_main_channel (&state, context);
    }

  wait_for_disconnect (&state, session, context);
  g_signal_handler_disconnect (session, new_handler);
  g_signal_handler_disconnect (session, disc_handler);
  g_main_context_release (context);

  *ret_outcome = state.outcome;
  if (ret_detail != NULL)
    *ret_detail = g_steal_pointer (&state.detail);
  g_free (state.detail);
  return TRUE;
}
