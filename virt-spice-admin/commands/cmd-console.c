/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `console VM [--take-over]`: what a broker account runs (sshd's
 * ForceCommand, through the console shell).  Asks the broker on its
 * socket; the broker learns who asks from the kernel and answers with a
 * .vv, printed on stdout, or a refusal: one line, exit 1.  Under sshd's
 * ForceCommand the words come from SSH_ORIGINAL_COMMAND. */
#include "vsa-broker-socket.h"
#include "vsa-broker.h"
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"

#include <string.h>

static gboolean
request_from_command_line (GStrv args, gboolean take_over, VsaBrokerRequest *request,
                           GError **error)
{
  const char *original = g_getenv ("SSH_ORIGINAL_COMMAND");

  if (args[0] != NULL)
    {
      if (!vsa_validate_vm_name (args[0], error))
        return FALSE;
      request->vm = g_strdup (args[0]);
      request->take_over = take_over;
      return TRUE;
    }
  if (original == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "usage: ssh USER@SERVER console VM [--take-over]");
      return FALSE;
    }
  return vsa_console_command_parse (original, &request->vm, &request->take_over, error);
}

static gboolean
run_console (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  g_auto (VsaBrokerRequest) request = { 0 };
  g_autofree char *text = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *vv = NULL;
  g_autofree char *refusal = NULL;
  gsize len = 0;

  if (!request_from_command_line (inv->args, vsa_invocation_flag (inv, "take-over"), &request, error))
    return FALSE;
  request.ssh_connection = g_strdup (g_getenv ("SSH_CONNECTION"));
  text = vsa_broker_request_format (&request);
  answer = vsa_broker_socket_ask (ctx->config->broker_socket, text, VSA_BROKER_ANSWER_MAX, &len, error);
  if (answer == NULL || !vsa_broker_answer_parse (answer, len, &vv, &refusal, error))
    return FALSE;
  memset (answer, 0, len);
  if (refusal)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INSECURE, "%s", refusal);
      return FALSE;
    }
  fputs (vv, ctx->out);
  fflush (ctx->out);
  memset (vv, 0, strlen (vv));
  return TRUE;
}

static const GOptionEntry console_options[] = {
  VSA_OPTION_FLAG ("take-over", "Take the console over from the user connected now (if the policy allows you)"),
  VSA_OPTION_END
};

/* No NEEDS_DOMAIN: the user cannot read the VM; the broker looks it up. */
const VsaCommand vsa_command_console = VSA_COMMAND_LEAF ("console", run_console, "[VM] [--take-over]", 0, 1, VSA_COMMAND_PLAIN, console_options,
  "Ask the broker for a one-time .vv (what 'ssh USER@SERVER console VM' runs)",
  "Asks the console broker for a one-time connection to VM's console and\n"
  "prints the remote-viewer file (.vv) on stdout.  Run over SSH as\n"
  "'ssh USER@SERVER console VM': who asks is the account, where from is\n"
  "the SSH client's address, which must be one of yours.  Without VM the\n"
  "request is read from SSH_ORIGINAL_COMMAND (sshd's ForceCommand).  A\n"
  "refusal is one line on stderr, exit status 1.");
