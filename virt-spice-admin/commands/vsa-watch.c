/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-watch.h"
#include "vsa-broker.h"
#include "vsa-error.h"
#include "vsa-journal.h"
#include "vsa-libvirt.h"
#include "vsa-sessions.h"
#include "vsa-xml.h"

#include <stdlib.h>
#include <signal.h>
#include <string.h>

/* A ticket's connection may link a little after the ticket's end was
 * computed (clock steps, a slow TLS handshake). */
#define TICKET_GRACE_SECONDS 5
#define RECONNECT_SECONDS 2

typedef struct {
  VsaContext *ctx;
  VsaSessionTable *table;
  gboolean closed;     /* libvirtd went away */
} Watch;

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
record (Watch *w, int priority, const char *event, const char *vm, const VsaSession *session,
        const char *client, const char *message)
{
  VsaJournalField fields[] = {
    { "VSA_EVENT", event },
    { "VSA_VM", vm },
    { "VSA_USER", session ? session->user : NULL },
    { "VSA_USER_SOURCE", session ? session->user_source : NULL },
    { "VSA_CLIENT", client },
    { NULL, NULL },
  };

  vsa_journal_send (w->ctx->config->journal_socket, priority, message, fields);
}

static void
save (Watch *w)
{
  g_autoptr (GError) error = NULL;

  vsa_session_table_trim (w->table);
  if (!vsa_session_table_save (w->table, w->ctx->config->state_dir, &error))
    record (w, VSA_JOURNAL_ERR, "state", NULL, NULL, NULL, error->message);
}

static gboolean
is_loopback (const char *address)
{
  return g_str_has_prefix (address, "127.") || g_str_equal (address, "::1");
}

/* Who this new session is, and whether any policy admits its address. */
static VsaSession *
open_session (Watch *w, virDomain *dom, const char *vm, const char *client)
{
  g_autoptr (VsaTicketRecord) ticket = vsa_ticket_record_load (w->ctx->config->state_dir, vm, NULL);
  g_autoptr (xmlDoc) doc = vsa_libvirt_get_doc (dom, 0, NULL);
  g_autoptr (VsaPolicy) policy = NULL;
  const char *user = NULL;
  gint64 now = now_seconds ();

  if (doc)
    vsa_policy_from_domain (doc, &policy, NULL);
  if (ticket && ticket->user && g_strcmp0 (ticket->client, client) == 0 &&
      now <= ticket->expires + TICKET_GRACE_SECONDS &&
      vsa_policy_client_allowed (policy, ticket->user, client))
    return vsa_session_table_open (w->table, vm, client, ticket->user, "ticket", TRUE, now);
  if ((user = vsa_policy_user_of_client (policy, client)) != NULL)
    return vsa_session_table_open (w->table, vm, client, user, "assignment", TRUE, now);
  /* SSH tunnels and local probes: the firewall admits loopback by design. */
  if (is_loopback (client))
    return vsa_session_table_open (w->table, vm, client, NULL, "loopback", TRUE, now);
  return vsa_session_table_open (w->table, vm, client, NULL, "none", FALSE, now);
}

static void
channel_up (Watch *w, virDomain *dom, const char *vm, const char *client, int port)
{
  VsaSession *session = vsa_session_table_find_open (w->table, vm, client);
  gboolean is_new = session == NULL;

  if (is_new)
    session = open_session (w, dom, vm, client);
  g_array_append_val (session->ports, port);
  if (!is_new)
    return;
  if (session->allowed)
    record (w, VSA_JOURNAL_NOTICE, "connected", vm, session, client,
            session->user ? "console session began" : "console session began (loopback)");
  else
    record (w, VSA_JOURNAL_ERR, "connected", vm, session, client,
            "console session from an address no policy allows");
  save (w);
}

static void
channel_down (Watch *w, const char *vm, const char *client, int port)
{
  VsaSession *session = vsa_session_table_find_open (w->table, vm, client);

  for (guint i = 0; session && i < session->ports->len; i++)
    if (g_array_index (session->ports, int, i) == port)
      {
        g_array_remove_index (session->ports, i);
        if (session->ports->len > 0)
          return;
        vsa_session_end (session, now_seconds ());
        record (w, VSA_JOURNAL_NOTICE, "disconnected", vm, session, client, "console session ended");
        save (w);
        return;
      }
  /* A connection that never authenticated (a refused ticket) or one
   * opened before watch started. */
  record (w, VSA_JOURNAL_INFO, "closed", vm, NULL, client, "console connection closed");
}

static int
on_graphics (virConnect *conn, virDomain *dom, int phase, const virDomainEventGraphicsAddress *local,
             const virDomainEventGraphicsAddress *remote, const char *scheme,
             const virDomainEventGraphicsSubject *subject, void *opaque)
{
  Watch *w = opaque;
  const char *vm = virDomainGetName (dom);
  int port = remote && remote->service ? atoi (remote->service) : 0;
  const char *client = remote && remote->node ? remote->node : "";

  if (phase == VIR_DOMAIN_EVENT_GRAPHICS_CONNECT)
    record (w, VSA_JOURNAL_INFO, "connect", vm, NULL, client, "console connection opened");
  else if (phase == VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE)
    channel_up (w, dom, vm, client, port);
  else if (phase == VIR_DOMAIN_EVENT_GRAPHICS_DISCONNECT)
    channel_down (w, vm, client, port);
  return 0;
}

static int
on_lifecycle (virConnect *conn, virDomain *dom, int event, int detail, void *opaque)
{
  Watch *w = opaque;
  const char *vm = virDomainGetName (dom);

  if (event == VIR_DOMAIN_EVENT_STARTED)
    record (w, VSA_JOURNAL_INFO, "started", vm, NULL, NULL, "VM started");
  if (event != VIR_DOMAIN_EVENT_STOPPED && event != VIR_DOMAIN_EVENT_CRASHED)
    return 0;
  record (w, VSA_JOURNAL_INFO, "stopped", vm, NULL, NULL, "VM stopped; its sessions ended");
  if (vsa_session_table_end_vm (w->table, vm, now_seconds ()) > 0)
    save (w);
  return 0;
}

static void
on_close (virConnect *conn, int reason, void *opaque)
{
  ((Watch *) opaque)->closed = TRUE;
}

/* Events missed while libvirtd was away: a VM no longer running has no
 * sessions. */
static void
reconcile (Watch *w, virConnect *conn)
{
  gboolean changed = FALSE;

  for (guint i = 0; i < w->table->sessions->len; i++)
    {
      VsaSession *s = g_ptr_array_index (w->table->sessions, i);
      g_autoptr (virDomain) dom = NULL;

      if (s->until != 0)
        continue;
      dom = virDomainLookupByName (conn, s->vm);
      if (dom == NULL || virDomainIsActive (dom) != 1)
        {
          vsa_session_end (s, now_seconds ());
          changed = TRUE;
        }
    }
  if (changed)
    save (w);
}

static gboolean
subscribe (Watch *w, virConnect *conn, GError **error)
{
  if (virConnectRegisterCloseCallback (conn, on_close, w, NULL) < 0 ||
      virConnectSetKeepAlive (conn, 5, 3) < 0 ||
      virConnectDomainEventRegisterAny (conn, NULL, VIR_DOMAIN_EVENT_ID_GRAPHICS,
                                        VIR_DOMAIN_EVENT_CALLBACK (on_graphics), w, NULL) < 0 ||
      virConnectDomainEventRegisterAny (conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                        VIR_DOMAIN_EVENT_CALLBACK (on_lifecycle), w, NULL) < 0)
    return vsa_libvirt_set_error (error, "cannot subscribe to libvirt's events");
  return TRUE;
}

/* One connection's life: subscribe, then run events until it closes. */
static void
follow (Watch *w)
{
  g_autoptr (GError) error = NULL;
  virConnect *conn = vsa_libvirt_open (vsa_context_uri (w->ctx), &error);

  if (conn == NULL)
    return;
  w->closed = FALSE;
  if (!subscribe (w, conn, &error))
    {
      record (w, VSA_JOURNAL_ERR, "watch", NULL, NULL, NULL, error->message);
      virConnectClose (conn);
      return;
    }
  reconcile (w, conn);
  record (w, VSA_JOURNAL_INFO, "watch", NULL, NULL, NULL, "following libvirt's console events");
  while (!w->closed)
    if (virEventRunDefaultImpl () < 0)
      break;
  virConnectUnregisterCloseCallback (conn, on_close);
  virConnectClose (conn);
  record (w, VSA_JOURNAL_WARNING, "watch", NULL, NULL, NULL,
          "lost the libvirt connection; reconnecting");
}

gboolean
vsa_watch_run (VsaContext *ctx, GError **error)
{
  g_autoptr (VsaSessionTable) table = vsa_session_table_load (ctx->config->state_dir, error);
  Watch w = { ctx, table, FALSE };

  if (table == NULL)
    return FALSE;
  signal (SIGPIPE, SIG_IGN);
  if (virEventRegisterDefaultImpl () < 0)
    return vsa_libvirt_set_error (error, "cannot start libvirt's event loop");
  for (;;)
    {
      follow (&w);
      g_usleep (RECONNECT_SECONDS * G_USEC_PER_SEC);
    }
}
