/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The console broker's pure parts: the request and answer on its UNIX
 * socket, what sshd tells the console command (SSH_CONNECTION,
 * SSH_ORIGINAL_COMMAND), and the decision itself.  No I/O: the socket,
 * the kernel's peer credentials and libvirt are the callers' business.
 *
 * Request (the console command, as the user; at most
 * VSA_BROKER_MESSAGE_MAX bytes, then it shuts down its writing side):
 *   VSA-CONSOLE 1
 *   vm NAME
 *   take-over yes|no
 *   ssh-connection CLIENT-ADDR CLIENT-PORT SERVER-ADDR SERVER-PORT
 * Answer (the broker):
 *   VSA-CONSOLE 1 issued            VSA-CONSOLE 1 refused
 *   <empty line>                    message ONE LINE
 *   the .vv file
 * Who asks is never part of the request: the broker reads it from the
 * kernel (SO_PEERCRED). */
#pragma once

#include <glib.h>

#include "vsa-policy.h"

G_BEGIN_DECLS

#define VSA_BROKER_MESSAGE_MAX 4096
/* An answer holds a .vv with an inlined CA certificate. */
#define VSA_BROKER_ANSWER_MAX (256 * 1024)

typedef struct {
  char *vm;
  gboolean take_over;
  char *ssh_connection;
} VsaBrokerRequest;

void vsa_broker_request_clear (VsaBrokerRequest *request);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VsaBrokerRequest, vsa_broker_request_clear)

char *vsa_broker_request_format (const VsaBrokerRequest *request);
gboolean vsa_broker_request_parse (const char *text, gsize len, VsaBrokerRequest *ret_request,
                                   GError **error);

char *vsa_broker_answer_format (const char *vv, const char *refusal);
gboolean vsa_broker_answer_parse (const char *text, gsize len, char **ret_vv,
                                  char **ret_refusal, GError **error);

char *vsa_ssh_connection_client (const char *ssh_connection, GError **error);
gboolean vsa_console_command_parse (const char *command, char **ret_vm, gboolean *ret_take_over,
                                    GError **error);

/* One console request, with what the broker found out. */
typedef struct {
  const char *vm;
  const char *user;          /* from SO_PEERCRED */
  const char *client;        /* from SSH_CONNECTION */
  gboolean running;
  gboolean take_over;        /* asked for */
  const char *holder;        /* the user connected now, or NULL */
  const char *holder_since;  /* when that session began, for the message */
  GDateTime *now;            /* in the windows' zone; NULL: windows not checked */
} VsaBrokerAsk;

typedef enum {
  VSA_BROKER_ISSUE,            /* a ticket; nobody else is connected */
  VSA_BROKER_ISSUE_TAKE_OVER,  /* a ticket that disconnects the holder */
  VSA_BROKER_REFUSE,
} VsaBrokerVerdict;

VsaBrokerVerdict vsa_broker_decide (const VsaPolicy *policy, const VsaBrokerAsk *ask,
                                    const char **ret_reason, char **ret_message);
gboolean vsa_policy_client_allowed (const VsaPolicy *policy, const char *user,
                                    const char *address);
const char *vsa_policy_user_of_client (const VsaPolicy *policy, const char *address);

G_END_DECLS
