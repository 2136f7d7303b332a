/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The console broker's pure parts: the socket protocol both ways, what
 * sshd hands the console command, the decision in every refusal order,
 * the <vsa:broker> element, and the sshd/unit files `broker install`
 * renders (golden: tests/data/broker/two-users.out). */
#include "vsa-broker-render.h"
#include "vsa-broker.h"
#include "vsa-error.h"
#include "vsa-policy.h"
#include "vsa-test-util.h"
#include "vsa-xml.h"

#include <string.h>

#define KEY_A "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
#define KEY_B "AAAAC3NzaC1lZDI1NTE5AAAAIB2ehfHZ0mbpbEV2t4dJLYxBgX3NrUGwhWaI0D4hjusr"

static void
test_request_round_trip (void)
{
  VsaBrokerRequest request = { "debianx", TRUE, "10.0.0.2 50000 10.0.0.1 22" };
  g_autofree char *text = vsa_broker_request_format (&request);
  g_auto (VsaBrokerRequest) back = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (vsa_broker_request_parse (text, strlen (text), &back, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (back.vm, ==, "debianx");
  g_assert_true (back.take_over);
  g_assert_cmpstr (back.ssh_connection, ==, "10.0.0.2 50000 10.0.0.1 22");
}

static const char *const bad_requests[] = {
  "VSA-CONSOLE 2\nvm x\n", "VSA-CONSOLE 1\n", "VSA-CONSOLE 1\nvm a\nvm b\n",
  "VSA-CONSOLE 1\nvm a\nuser root\n", "VSA-CONSOLE 1\nvm a\ntake-over maybe\n",
  "VSA-CONSOLE 1\nvm a/b\n",
};

/* DATA points at one of bad_requests. */
static void
test_request_refused (gconstpointer data)
{
  const char *text = *(const char *const *) data;
  g_auto (VsaBrokerRequest) back = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_false (vsa_broker_request_parse (text, strlen (text), &back, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
}

static void
test_answer_round_trip (void)
{
  g_autofree char *issued = vsa_broker_answer_format ("[virt-viewer]\ntype=spice\n", NULL);
  g_autofree char *refused = vsa_broker_answer_format (NULL, "in use\nby bob");
  g_autofree char *vv = NULL;
  g_autofree char *refusal = NULL;

  g_assert_true (vsa_broker_answer_parse (issued, strlen (issued), &vv, &refusal, NULL));
  g_assert_cmpstr (vv, ==, "[virt-viewer]\ntype=spice\n");
  g_assert_null (refusal);
  g_clear_pointer (&vv, g_free);
  g_assert_true (vsa_broker_answer_parse (refused, strlen (refused), &vv, &refusal, NULL));
  g_assert_null (vv);
  g_assert_cmpstr (refusal, ==, "in use by bob");
  g_clear_pointer (&refusal, g_free);
  g_assert_false (vsa_broker_answer_parse ("junk", 4, &vv, &refusal, NULL));
}

static void
test_ssh_connection (void)
{
  g_autofree char *v4 = vsa_ssh_connection_client ("10.0.0.2 50000 10.0.0.1 22", NULL);
  g_autofree char *v6 = vsa_ssh_connection_client ("2001:DB8::2 50000 2001:db8::1 22", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (v4, ==, "10.0.0.2");
  g_assert_cmpstr (v6, ==, "2001:db8::2");
  g_assert_null (vsa_ssh_connection_client (NULL, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_null (vsa_ssh_connection_client ("10.0.0.0/8 1 2 3", NULL));
  g_assert_null (vsa_ssh_connection_client ("host.example 1 2 3", NULL));
  g_assert_null (vsa_ssh_connection_client ("10.0.0.2 1 2", NULL));
}

static void
test_console_command (void)
{
  static const char *const refused[] = {
    "", "console", "id", "console a b", "console --take-over", "console vm --take-over --take-over",
    "console vm; id", "console -x vm", "sftp", "console vm/../x",
  };
  g_autofree char *vm = NULL;
  gboolean take_over = FALSE;

  g_assert_true (vsa_console_command_parse ("console debianx", &vm, &take_over, NULL));
  g_assert_cmpstr (vm, ==, "debianx");
  g_assert_false (take_over);
  g_clear_pointer (&vm, g_free);
  g_assert_true (vsa_console_command_parse ("  console --take-over\tdebianx ", &vm, &take_over, NULL));
  g_assert_cmpstr (vm, ==, "debianx");
  g_assert_true (take_over);
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *v = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_false (vsa_console_command_parse (refused[i], &v, &take_over, &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_USAGE);
    }
}

static VsaPolicy *
office_policy (void)
{
  VsaPolicy *policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  const char *alice[] = { "10.0.0.2", "192.168.7.0/24", "laptop.example", NULL };
  const char *bob[] = { "10.0.0.3", NULL };

  vsa_policy_assign (policy, "alice", alice);
  vsa_policy_assign (policy, "bob", bob);
  vsa_policy_ensure_broker_user (policy, "bob")->take_over = TRUE;
  return policy;
}

typedef struct {
  const char *label;
  VsaBrokerAsk ask;
  VsaBrokerVerdict verdict;
  const char *reason;
  const char *message;
} DecideCase;

static const DecideCase decide_cases[] = {
  { "issue", { "vm", "alice", "10.0.0.2", TRUE }, VSA_BROKER_ISSUE, NULL, NULL },
  { "issue-from-network", { "vm", "alice", "192.168.7.9", TRUE }, VSA_BROKER_ISSUE, NULL, NULL },
  { "own-session", { "vm", "alice", "10.0.0.2", TRUE, FALSE, "alice", "T" }, VSA_BROKER_ISSUE, NULL, NULL },
  { "not-assigned", { "vm", "mallory", "10.0.0.2", TRUE }, VSA_BROKER_REFUSE, "not-assigned",
    "VM 'vm' is not assigned to mallory; ask the administrator" },
  /* An unassigned user learns nothing of the VM's state. */
  { "not-assigned-off", { "vm", "mallory", "10.0.0.9", FALSE }, VSA_BROKER_REFUSE, "not-assigned", NULL },
  { "address", { "vm", "alice", "10.0.0.3", TRUE }, VSA_BROKER_REFUSE, "address",
    "alice may open VM 'vm' only from 10.0.0.2, 192.168.7.0/24, laptop.example, not from 10.0.0.3" },
  { "not-running", { "vm", "alice", "10.0.0.2", FALSE }, VSA_BROKER_REFUSE, "not-running",
    "VM 'vm' is not running; ask the administrator to start it" },
  { "in-use", { "vm", "alice", "10.0.0.2", TRUE, FALSE, "bob", "2026-12-02T06:00:00Z" }, VSA_BROKER_REFUSE,
    "in-use", "VM 'vm' is in use by bob since 2026-12-02T06:00:00Z; try again later" },
  { "take-over-not-allowed", { "vm", "alice", "10.0.0.2", TRUE, TRUE, "bob", "T" }, VSA_BROKER_REFUSE,
    "in-use", "VM 'vm' is in use by bob since T; you may not take it over" },
  { "take-over", { "vm", "bob", "10.0.0.3", TRUE, TRUE, "alice", "T" }, VSA_BROKER_ISSUE_TAKE_OVER, NULL, NULL },
  { "take-over-not-asked", { "vm", "bob", "10.0.0.3", TRUE, FALSE, "alice", "T" }, VSA_BROKER_REFUSE, "in-use", NULL },
};

static void
test_decide (gconstpointer data)
{
  const DecideCase *c = data;
  g_autoptr (VsaPolicy) policy = office_policy ();
  g_autofree char *message = NULL;
  const char *reason = NULL;

  g_assert_cmpint (vsa_broker_decide (policy, &c->ask, &reason, &message), ==, c->verdict);
  g_assert_cmpstr (reason, ==, c->reason);
  if (c->message)
    g_assert_cmpstr (message, ==, c->message);
  g_assert_true ((message != NULL) == (c->verdict == VSA_BROKER_REFUSE));
}

/* Access windows: maggie's Mon-Tue is closed on a Wednesday and open on
 * a Monday; the refusal says when it opens. */
static void
test_decide_window (void)
{
  g_autoptr (VsaPolicy) policy = office_policy ();
  g_autoptr (VsaWindowSet) when = vsa_window_set_parse ("Mon-Tue", NULL);
  g_autoptr (GDateTime) wednesday = g_date_time_new_utc (2026, 12, 2, 10, 2, 0);
  g_autoptr (GDateTime) monday = g_date_time_new_utc (2026, 11, 30, 10, 2, 0);
  VsaBrokerAsk ask = { "vm2", "alice", "10.0.0.2", TRUE };
  g_autofree char *message = NULL;
  const char *reason = NULL;

  g_assert_nonnull (when);
  g_assert_true (vsa_policy_set_when (policy, "alice", when));
  ask.now = wednesday;
  g_assert_cmpint (vsa_broker_decide (policy, &ask, &reason, &message), ==, VSA_BROKER_REFUSE);
  g_assert_cmpstr (reason, ==, "window");
  g_assert_cmpstr (message, ==, "VM 'vm2' opens for alice Mon-Tue; it is Wed 10:02");
  g_clear_pointer (&message, g_free);
  ask.now = monday;
  g_assert_cmpint (vsa_broker_decide (policy, &ask, &reason, &message), ==, VSA_BROKER_ISSUE);
}

static void
test_user_of_client (void)
{
  g_autoptr (VsaPolicy) policy = office_policy ();

  g_assert_cmpstr (vsa_policy_user_of_client (policy, "192.168.7.200"), ==, "alice");
  g_assert_cmpstr (vsa_policy_user_of_client (policy, "10.0.0.3"), ==, "bob");
  g_assert_null (vsa_policy_user_of_client (policy, "10.0.0.4"));
  g_assert_null (vsa_policy_user_of_client (policy, "laptop.example"));
  g_assert_false (vsa_policy_client_allowed (policy, "bob", "10.0.0.2"));
}

/* <vsa:broker> survives the metadata round trip; a damaged one is refused. */
static void
test_broker_element (void)
{
  g_autoptr (VsaPolicy) policy = office_policy ();
  VsaBrokerUser *alice = vsa_policy_ensure_broker_user (policy, "alice");
  g_autoptr (xmlDoc) doc = vsa_xml_parse ("<domain><name>vm</name></domain>", 32, "domain", NULL);
  g_autoptr (VsaPolicy) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) parts = NULL;
  g_autofree char *damaged = NULL;
  g_autoptr (xmlDoc) bad = NULL;

  alice->key = vsa_ssh_key_new ("ssh-ed25519", KEY_A, "alice@laptop");
  vsa_policy_to_domain (doc, policy);
  g_assert_true (vsa_policy_from_domain (doc, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (vsa_policy_find_broker_user (back, "alice")->key->blob, ==, KEY_A);
  g_assert_false (vsa_policy_find_broker_user (back, "alice")->take_over);
  g_assert_true (vsa_policy_find_broker_user (back, "bob")->take_over);
  g_assert_null (vsa_policy_find_broker_user (back, "bob")->key);
  /* the edit transaction's copy keeps them (it once did not) */
  {
    g_autoptr (VsaPolicy) copy = vsa_policy_copy (back);

    g_assert_cmpstr (vsa_policy_find_broker_user (copy, "alice")->key->blob, ==, KEY_A);
    g_assert_true (vsa_policy_find_broker_user (copy, "bob")->take_over);
  }
  /* unassign takes the console key along */
  g_assert_true (vsa_policy_unassign (back, "alice"));
  g_assert_null (vsa_policy_find_broker_user (back, "alice"));

  text = vsa_xml_serialize (doc);
  parts = g_strsplit (text, "take-over=\"yes\"", -1);
  damaged = g_strjoinv ("take-over=\"maybe\"", parts);
  bad = vsa_xml_parse (damaged, strlen (damaged), "domain", NULL);
  g_clear_pointer (&back, vsa_policy_free);
  g_assert_false (vsa_policy_from_domain (bad, &back, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
}

static VsaBrokerAccount *
account (const char *user, const char *blob, const char *vm, const char *client,
         const char *destination)
{
  VsaBrokerAccount *a = vsa_broker_account_new (user);

  a->key = vsa_ssh_key_new ("ssh-ed25519", blob, NULL);
  g_ptr_array_add (a->vms, g_strdup (vm));
  g_ptr_array_add (a->clients, g_strdup (client));
  if (destination)
    g_ptr_array_add (a->destinations, g_strdup (destination));
  return a;
}

static void
test_render_golden (void)
{
  g_autoptr (GPtrArray) accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_broker_account_free);
  VsaBrokerRenderOptions opts = { "/etc/ssh/sshd_config.d", "/etc/ssh/vsa/console_keys",
                                  "/etc/ssh/vsa/authorized_keys", "/usr/bin/virt-spice-admin console",
                                  "/etc/systemd/system" };
  g_autoptr (GPtrArray) files = NULL;
  g_autofree char *text = NULL;
  g_autofree char *golden = vsa_test_data_path ("broker", "two-users.out", NULL);
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (accounts, account ("alice", KEY_A, "debianx", "192.168.2.22", NULL));
  g_ptr_array_add (accounts, account ("bob", KEY_B, "leaptest", "laptop.example", "127.0.0.1:20002"));
  files = vsa_broker_render (accounts, &opts, &error);
  g_assert_no_error (error);
  text = vsa_rendered_files_to_text (files);
  vsa_test_assert_golden (text, golden);
}

static const VsaTestEntry broker_logic_tests[] = {
  VSA_TEST ("/broker/request/round-trip", test_request_round_trip),
  VSA_TEST_NUMBERED ("/broker/request/refused", bad_requests, test_request_refused),
  VSA_TEST ("/broker/answer/round-trip", test_answer_round_trip),
  VSA_TEST ("/broker/ssh-connection", test_ssh_connection),
  VSA_TEST ("/broker/console-command", test_console_command),
  VSA_TEST_CASES ("/broker/decide", decide_cases, test_decide),
  VSA_TEST ("/broker/decide-window", test_decide_window),
  VSA_TEST ("/broker/user-of-client", test_user_of_client),
  VSA_TEST ("/broker/element", test_broker_element),
  VSA_TEST ("/broker/render/two-users", test_render_golden),
};

VSA_TEST_MAIN (broker_logic_tests)
