/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-broker.h"
#include "vsa-error.h"
#include "vsa-names.h"
#include "vsa-nft.h"

#include <string.h>

#define MAGIC "VSA-CONSOLE 1"

void
vsa_broker_request_clear (VsaBrokerRequest *request)
{
  g_clear_pointer (&request->vm, g_free);
  g_clear_pointer (&request->ssh_connection, g_free);
}

/* Values are names and addresses, validated before they get here. */
char *
vsa_broker_request_format (const VsaBrokerRequest *request)
{
  return g_strdup_printf (MAGIC "\nvm %s\ntake-over %s\nssh-connection %s\n", request->vm,
                          request->take_over ? "yes" : "no",
                          request->ssh_connection ? request->ssh_connection : "");
}

static gboolean
bad_request (GError **error, const char *why)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "malformed console request (%s); use 'virt-spice-admin console VM'", why);
  return FALSE;
}

/* Every line is "KEY VALUE" with one known key, each at most once. */
static gboolean
parse_request_line (const char *line, VsaBrokerRequest *request, gboolean *seen_take_over,
                    GError **error)
{
  const char *space = strchr (line, ' ');
  g_autofree char *key = space ? g_strndup (line, (gsize) (space - line)) : g_strdup (line);
  const char *value = space ? space + 1 : "";

  if (g_str_equal (key, "vm") && request->vm == NULL)
    {
      if (!vsa_validate_vm_name (value, error))
        return FALSE;
      request->vm = g_strdup (value);
    }
  else if (g_str_equal (key, "take-over") && !*seen_take_over &&
           (g_str_equal (value, "yes") || g_str_equal (value, "no")))
    {
      request->take_over = g_str_equal (value, "yes");
      *seen_take_over = TRUE;
    }
  else if (g_str_equal (key, "ssh-connection") && request->ssh_connection == NULL)
    request->ssh_connection = g_strdup (value);
  else
    return bad_request (error, "unknown or repeated line");
  return TRUE;
}

gboolean
vsa_broker_request_parse (const char *text, gsize len, VsaBrokerRequest *ret_request,
                          GError **error)
{
  g_auto (VsaBrokerRequest) request = { 0 };
  g_auto (GStrv) lines = NULL;
  gboolean seen_take_over = FALSE;

  if (len > VSA_BROKER_MESSAGE_MAX || memchr (text, '\0', len) != NULL ||
      !g_utf8_validate (text, (gssize) len, NULL))
    return bad_request (error, "too long or not text");
  {
    g_autofree char *copy = g_strndup (text, len);
    lines = g_strsplit (copy, "\n", -1);
  }
  if (g_strcmp0 (lines[0], MAGIC) != 0)
    return bad_request (error, "wrong protocol");
  for (guint i = 1; lines[i]; i++)
    {
      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;
      if (!parse_request_line (lines[i], &request, &seen_take_over, error))
        return FALSE;
    }
  if (request.vm == NULL)
    return bad_request (error, "no VM");
  *ret_request = request;
  request = (VsaBrokerRequest) { 0 };
  return TRUE;
}

/* The refusal is one line by construction: line breaks become spaces. */
char *
vsa_broker_answer_format (const char *vv, const char *refusal)
{
  g_autofree char *line = NULL;

  if (refusal == NULL)
    return g_strdup_printf (MAGIC " issued\n\n%s", vv);
  line = g_strdelimit (g_strdup (refusal), "\r\n", ' ');
  return g_strdup_printf (MAGIC " refused\nmessage %s\n", line);
}

gboolean
vsa_broker_answer_parse (const char *text, gsize len, char **ret_vv, char **ret_refusal,
                         GError **error)
{
  static const char issued[] = MAGIC " issued\n\n";
  static const char refused[] = MAGIC " refused\nmessage ";
  g_autofree char *copy = g_strndup (text, len);

  *ret_vv = *ret_refusal = NULL;
  if (g_str_has_prefix (copy, issued))
    {
      *ret_vv = g_strdup (copy + strlen (issued));
      return TRUE;
    }
  if (g_str_has_prefix (copy, refused))
    {
      *ret_refusal = g_strdup (copy + strlen (refused));
      g_strchomp (*ret_refusal);
      g_strdelimit (*ret_refusal, "\n", ' ');
      return TRUE;
    }
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
               "the console broker gave no answer one can read; ask the administrator to "
               "look at 'virt-spice-admin broker serve'");
  return FALSE;
}

/* sshd sets "CLIENT-ADDR CLIENT-PORT SERVER-ADDR SERVER-PORT". */
char *
vsa_ssh_connection_client (const char *ssh_connection, GError **error)
{
  g_auto (GStrv) fields = g_strsplit (ssh_connection ? ssh_connection : "", " ", -1);
  g_autoptr (VsaNftClient) client = NULL;

  if (g_strv_length (fields) != 4 ||
      (client = vsa_nft_client_parse (fields[0], NULL)) == NULL ||
      strchr (client->text, '/') != NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "no SSH client address (SSH_CONNECTION); ask for a console with "
                   "'ssh USER@SERVER console VM'");
      return NULL;
    }
  return g_strdup (client->text);
}

/* What the user typed after `ssh USER@SERVER`: "console VM [--take-over]"
 * and nothing else. */
gboolean
vsa_console_command_parse (const char *command, char **ret_vm, gboolean *ret_take_over,
                           GError **error)
{
  g_auto (GStrv) words = g_strsplit_set (command ? command : "", " \t", -1);
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();
  const char *vm = NULL;
  gboolean take_over = FALSE, bad = FALSE;

  for (guint i = 0; words[i]; i++)
    if (words[i][0] != '\0')
      g_ptr_array_add (kept, words[i]);
  for (guint i = 1; i < kept->len; i++)
    {
      const char *word = g_ptr_array_index (kept, i);

      if (g_str_equal (word, "--take-over") && !take_over)
        take_over = TRUE;
      else if (vm == NULL && word[0] != '-')
        vm = word;
      else
        bad = TRUE;
    }
  if (bad || kept->len < 2 || g_strcmp0 (g_ptr_array_index (kept, 0), "console") != 0 ||
      vm == NULL || !vsa_validate_vm_name (vm, NULL))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "this account runs only 'console VM [--take-over]'");
      return FALSE;
    }
  *ret_vm = g_strdup (vm);
  *ret_take_over = take_over;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The decision                                                        */

static gboolean
access_admits (const VsaAccess *access, const VsaNftClient *address)
{
  for (guint i = 0; i < access->clients->len; i++)
    {
      /* Host names cannot be compared with an address: they never match. */
      g_autoptr (VsaNftClient) net = vsa_nft_client_parse (g_ptr_array_index (access->clients, i), NULL);

      if (net && vsa_nft_client_contains (net, address))
        return TRUE;
    }
  return FALSE;
}

gboolean
vsa_policy_client_allowed (const VsaPolicy *policy, const char *user, const char *address)
{
  const VsaAccess *access = policy ? vsa_policy_find_access (policy, user) : NULL;
  g_autoptr (VsaNftClient) parsed = vsa_nft_client_parse (address, NULL);

  return access && parsed && access_admits (access, parsed);
}

/* The first user whose assignment admits ADDRESS, or NULL. */
const char *
vsa_policy_user_of_client (const VsaPolicy *policy, const char *address)
{
  g_autoptr (VsaNftClient) parsed = vsa_nft_client_parse (address, NULL);

  for (guint i = 0; policy && parsed && i < policy->access->len; i++)
    {
      const VsaAccess *access = g_ptr_array_index (policy->access, i);

      if (access_admits (access, parsed))
        return access->user;
    }
  return NULL;
}

static char *
clients_text (const VsaAccess *access)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new ();

  for (guint i = 0; i < access->clients->len; i++)
    g_ptr_array_add (list, g_ptr_array_index (access->clients, i));
  g_ptr_array_add (list, NULL);
  return list->len > 1 ? g_strjoinv (", ", (char **) list->pdata) : g_strdup ("no address");
}

static VsaBrokerVerdict
refuse (const char **ret_reason, const char *reason, char **ret_message, char *message)
{
  *ret_reason = reason;
  *ret_message = message;
  return VSA_BROKER_REFUSE;
}

/* "VM 'vm2' opens for maggie Mon-Tue; it is Wed 10:02", or NULL when
 * the user's windows are open now. */
static char *
window_refusal (const VsaAccess *access, const VsaBrokerAsk *ask)
{
  g_autofree char *windows = NULL;
  g_autofree char *at = NULL;

  if (ask->now == NULL || access->when == NULL || vsa_window_set_is_open (access->when, ask->now, NULL))
    return NULL;
  windows = vsa_window_set_to_string (access->when);
  at = vsa_window_format_instant (ask->now);
  return g_strdup_printf ("VM '%s' opens for %s %s; it is %s", ask->vm, ask->user, windows, at);
}

/* In this order, so a refusal tells an unassigned user nothing about the
 * VM's state or its users. */
VsaBrokerVerdict
vsa_broker_decide (const VsaPolicy *policy, const VsaBrokerAsk *ask, const char **ret_reason,
                   char **ret_message)
{
  const VsaAccess *access = policy ? vsa_policy_find_access (policy, ask->user) : NULL;
  const VsaBrokerUser *broker_user = policy ? vsa_policy_find_broker_user (policy, ask->user) : NULL;
  g_autofree char *allowed = NULL;
  g_autofree char *closed = NULL;

  *ret_reason = NULL;
  *ret_message = NULL;
  if (access == NULL)
    return refuse (ret_reason, "not-assigned", ret_message, g_strdup_printf (
      "VM '%s' is not assigned to %s; ask the administrator", ask->vm, ask->user));
  if (!vsa_policy_client_allowed (policy, ask->user, ask->client))
    {
      allowed = clients_text (access);
      return refuse (ret_reason, "address", ret_message, g_strdup_printf (
        "%s may open VM '%s' only from %s, not from %s", ask->user, ask->vm, allowed, ask->client));
    }
  if ((closed = window_refusal (access, ask)) != NULL)
    return refuse (ret_reason, "window", ret_message, g_steal_pointer (&closed));
  if (!ask->running)
    return refuse (ret_reason, "not-running", ret_message, g_strdup_printf (
      "VM '%s' is not running; ask the administrator to start it", ask->vm));
  if (ask->holder == NULL || g_strcmp0 (ask->holder, ask->user) == 0)
    return VSA_BROKER_ISSUE;
  if (ask->take_over && broker_user && broker_user->take_over)
    return VSA_BROKER_ISSUE_TAKE_OVER;
  return refuse (ret_reason, "in-use", ret_message, g_strdup_printf (
    "VM '%s' is in use by %s since %s%s", ask->vm, ask->holder,
    ask->holder_since ? ask->holder_since : "an unknown time",
    ask->take_over ? "; you may not take it over" : "; try again later"));
}
