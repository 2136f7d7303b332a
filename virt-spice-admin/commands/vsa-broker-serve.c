/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-broker-serve.h"
#include "vsa-broker-socket.h"
#include "vsa-broker.h"
#include "vsa-error.h"
#include "vsa-firewall.h"
#include "vsa-journal.h"
#include "vsa-libvirt.h"
#include "vsa-sessions.h"
#include "vsa-ssh-origin.h"
#include "vsa-ticket.h"
#include "vsa-time.h"

#include <libvirt/virterror.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* One request as the broker sees it. */
typedef struct {
  VsaContext *ctx;
  VsaBrokerRequest request;
  char *user;          /* from SO_PEERCRED */
  char *client;        /* from SSH_CONNECTION */
  virDomain *dom;
  VsaPolicy *policy;
  xmlDoc *doc;
  gboolean running;
  VsaTicketRecord *last_ticket;
  char *holder;
  char *holder_since;
} Request;

static void
request_clear (Request *r)
{
  vsa_broker_request_clear (&r->request);
  g_free (r->user);
  g_free (r->client);
  g_clear_pointer (&r->dom, virDomainFree);
  g_clear_pointer (&r->policy, vsa_policy_free);
  g_clear_pointer (&r->doc, xmlFreeDoc);
  g_clear_pointer (&r->last_ticket, vsa_ticket_record_free);
  g_free (r->holder);
  g_free (r->holder_since);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Request, request_clear)

static void
journal (Request *r, int priority, const char *event, const char *reason, const char *message,
         const char *expires)
{
  VsaJournalField fields[] = {
    { "VSA_EVENT", event },
    { "VSA_VM", r->request.vm },
    { "VSA_USER", r->user },
    { "VSA_CLIENT", r->client },
    { "VSA_REASON", reason },
    { "VSA_HOLDER", r->holder },
    { "VSA_EXPIRES", expires },
    { NULL, NULL },
  };

  vsa_journal_send (r->ctx->config->journal_socket, priority, message, fields);
}

/* libvirtd may have restarted since the last request. */
static gboolean
ensure_connection (VsaContext *ctx, GError **error)
{
  if (ctx->conn && virConnectIsAlive (ctx->conn) != 1)
    g_clear_pointer (&ctx->conn, virConnectClose);
  return vsa_context_connect (ctx, error) != NULL;
}

/* An unknown VM looks like one not assigned: a user learns nothing about
 * VMs that are not hers. */
static gboolean
load_vm (Request *r, GError **error)
{
  if (!ensure_connection (r->ctx, error))
    return FALSE;
  r->dom = virDomainLookupByName (r->ctx->conn, r->request.vm);
  /* A connection that died since it was last used fails only now:
   * reconnect once. */
  if (r->dom == NULL && virGetLastErrorCode () != VIR_ERR_NO_DOMAIN)
    {
      g_clear_pointer (&r->ctx->conn, virConnectClose);
      if (!ensure_connection (r->ctx, error))
        return FALSE;
      r->dom = virDomainLookupByName (r->ctx->conn, r->request.vm);
    }
  if (r->dom == NULL && virGetLastErrorCode () != VIR_ERR_NO_DOMAIN)
    return vsa_libvirt_set_error (error, "cannot look VM '%s' up", r->request.vm);
  if (r->dom == NULL)
    return TRUE;
  r->running = virDomainIsActive (r->dom) == 1;
  r->doc = vsa_libvirt_get_doc (r->dom, r->running ? VIR_DOMAIN_XML_SECURE : VIR_DOMAIN_XML_INACTIVE,
                                error);
  return r->doc != NULL && vsa_policy_from_domain (r->doc, &r->policy, error);
}

/* Who holds the console: the session journal knows; without it, the
 * last ticket is the best guess (qemu refuses a ticket while anyone is
 * connected, see issue_password). */
static void
find_holder (Request *r)
{
  g_autoptr (VsaSessionTable) table = vsa_session_table_load (r->ctx->config->state_dir, NULL);
  VsaSession *session = table ? vsa_session_table_holder (table, r->request.vm) : NULL;

  r->last_ticket = vsa_ticket_record_load (r->ctx->config->state_dir, r->request.vm, NULL);
  if (session && session->user)
    {
      r->holder = g_strdup (session->user);
      r->holder_since = vsa_format_utc (session->since);
    }
}

static char *
ticket_holder_message (Request *r)
{
  g_autofree char *since = r->last_ticket ? vsa_format_utc (r->last_ticket->issued) : NULL;

  if (r->last_ticket == NULL || r->last_ticket->user == NULL)
    return g_strdup_printf ("VM '%s' is in use by another user; try again later", r->request.vm);
  return g_strdup_printf ("VM '%s' is in use by %s since %s; try again later", r->request.vm,
                          r->last_ticket->user, since);
}

/* qemu's own check of the one seat: connected=fail refuses while a
 * client is on.  If the last ticket was the asker's own, it is her old
 * session, which her new one may replace. */
static gboolean
set_password (Request *r, VsaTicket *t, VsaBrokerVerdict verdict, char **ret_refusal,
              GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gboolean own = r->last_ticket && g_strcmp0 (r->last_ticket->user, r->user) == 0;
  const char *connected = verdict == VSA_BROKER_ISSUE_TAKE_OVER ? "disconnect"
                          : (r->holder || own) ? "keep" : "fail";

  if (vsa_ticket_issue_password (r->dom, t, connected, &local_error))
    return TRUE;
  if (!g_str_equal (connected, "fail"))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_clear_pointer (&t->password, vsa_secret_free);
  *ret_refusal = ticket_holder_message (r);
  return TRUE;
}

static gboolean
save_ticket (Request *r, const VsaTicket *t, gint64 now, GError **error)
{
  VsaTicketRecord record = {
    r->request.vm, r->user, (char *) vsa_auth_mode_to_string (t->auth), r->client,
    now, now + r->ctx->config->ticket_validity_seconds,
  };

  return vsa_ticket_record_save (r->ctx->config->state_dir, &record, error);
}

/* Binding first: when the password exists, only the asker can use it. */
static char *
issue (Request *r, VsaBrokerVerdict verdict, char **ret_refusal, GError **error)
{
  const VsaConfig *config = r->ctx->config;
  g_auto (VsaTicket) t = { .vm = r->request.vm, .user = r->user, .host = config->server_name };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  char *vv;

  if (!vsa_ticket_from_doc (r->doc, r->policy, &t, error))
    return NULL;
  vsa_ticket_set_lifetime (&t, config->ticket_validity_seconds);
  if (config->firewall &&
      !vsa_firewall_bind (config, t.live.tls_port, r->client,
                          r->last_ticket ? r->last_ticket->client : NULL,
                          config->ticket_validity_seconds, error))
    return NULL;
  if (t.auth == VSA_AUTH_PASSWORD && !set_password (r, &t, verdict, ret_refusal, error))
    return NULL;
  if (*ret_refusal)
    return NULL;
  if ((vv = vsa_ticket_render_vv (config, &t, error)) == NULL ||
      !save_ticket (r, &t, now, error))
    {
      if (t.password)
        vsa_ticket_set_live_graphics (r->dom, t.old_graphics, NULL);
      g_free (vv);
      return NULL;
    }
  return vv;
}

static char *
refused (Request *r, const char *reason, const char *message)
{
  journal (r, VSA_JOURNAL_WARNING, "refused", reason, message, NULL);
  return vsa_broker_answer_format (NULL, message);
}

static char *
decide_and_issue (Request *r)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *refusal = NULL;
  g_autofree char *vv = NULL;
  g_autofree char *expires = NULL;
  const char *reason = NULL;
  VsaBrokerAsk ask = { r->request.vm, r->user, r->client, r->running, r->request.take_over };
  g_autoptr (GDateTime) now = vsa_time_now_in_zone (r->ctx->config->time_zone);
  VsaBrokerVerdict verdict;

  find_holder (r);
  ask.holder = r->holder;
  ask.holder_since = r->holder_since;
  ask.now = now;
  verdict = vsa_broker_decide (r->policy, &ask, &reason, &message);
  if (verdict == VSA_BROKER_REFUSE)
    return refused (r, reason, message);
  vv = issue (r, verdict, &refusal, &error);
  if (refusal)
    return refused (r, "in-use", refusal);
  if (vv == NULL)
    {
      journal (r, VSA_JOURNAL_ERR, "failed", "error", error->message, NULL);
      return vsa_broker_answer_format (NULL, "the console could not be prepared; the administrator "
                                             "finds why in the journal");
    }
  expires = vsa_format_utc (g_get_real_time () / G_USEC_PER_SEC + r->ctx->config->ticket_validity_seconds);
  journal (r, VSA_JOURNAL_NOTICE, verdict == VSA_BROKER_ISSUE_TAKE_OVER ? "take-over" : "issued",
           NULL, verdict == VSA_BROKER_ISSUE_TAKE_OVER ? "console ticket issued, taking over"
                                                       : "console ticket issued", expires);
  return vsa_broker_answer_format (vv, NULL);
}

static char *
answer (VsaContext *ctx, const VsaPeer *peer, const char *text, gsize len)
{
  g_auto (Request) r = { .ctx = ctx };
  g_autoptr (GError) error = NULL;

  if ((r.user = vsa_peer_user_name (peer->uid, &error)) == NULL ||
      !vsa_broker_request_parse (text, len, &r.request, &error) ||
      (r.client = vsa_ssh_connection_client (r.request.ssh_connection, &error)) == NULL)
    return refused (&r, "request", error->message);
  if (!vsa_ssh_origin_verify (peer->pid, peer->uid, r.request.ssh_connection,
                              ctx->config->sshd_binary, &error))
    return refused (&r, "origin", error->message);
  if (!load_vm (&r, &error))
    {
      journal (&r, VSA_JOURNAL_ERR, "failed", "error", error->message, NULL);
      return vsa_broker_answer_format (NULL, "the console broker cannot reach libvirt; try again later");
    }
  return decide_and_issue (&r);
}

static void
serve_one (VsaContext *ctx, int fd, const VsaPeer *peer)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *reply = NULL;
  gsize len = 0;

  text = vsa_broker_socket_receive (fd, VSA_BROKER_MESSAGE_MAX, &len, &error);
  reply = text ? answer (ctx, peer, text, len)
               : vsa_broker_answer_format (NULL, error->message);
  if (!vsa_broker_socket_send (fd, reply, strlen (reply), &error) && error)
    vsa_journal_send (ctx->config->journal_socket, VSA_JOURNAL_WARNING, error->message, NULL);
  /* The .vv held a password: do not leave it in freed memory. */
  memset (reply, 0, strlen (reply));
}

gboolean
vsa_broker_serve (VsaContext *ctx, GError **error)
{
  int listen_fd = vsa_broker_socket_listen (ctx->config->broker_socket, error);

  if (listen_fd < 0)
    return FALSE;
  /* A client or libvirtd gone mid-write is an error to report, not a
   * reason to die. */
  signal (SIGPIPE, SIG_IGN);
  vsa_journal_send (ctx->config->journal_socket, VSA_JOURNAL_INFO, "console broker listening",
                    (VsaJournalField[]) { { "VSA_SOCKET", ctx->config->broker_socket }, { NULL, NULL } });
  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      VsaPeer peer;
      int fd = vsa_broker_socket_accept (listen_fd, &peer, &local_error);

      /* Out of descriptors or memory: wait instead of spinning. */
      if (fd < 0)
        {
          g_usleep (G_USEC_PER_SEC / 10);
          continue;
        }
      serve_one (ctx, fd, &peer);
      close (fd);
    }
}
