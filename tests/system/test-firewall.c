/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The firewall against the real kernel through libnftables.  The program
 * first moves itself into a network namespace of its own (unshare), so it
 * sees an empty ruleset and never touches the host's: it needs root. */
#define _GNU_SOURCE
#include "vsa-config.h"
#include "vsa-error.h"
#include "vsa-firewall.h"
#include "vsa-nft.h"
#include "vsa-test-util.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

static VsaConfig *
test_config (void)
{
  VsaConfig *config = vsa_config_new_defaults ();

  g_free (config->firewall_table);
  config->firewall_table = g_strdup ("vsa_test");
  return config;
}

static VsaPolicy *
policy_with (const char *first_client, ...)
{
  VsaPolicy *policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  VsaAccess *access = vsa_access_new ("alice");
  va_list args;

  va_start (args, first_client);
  for (const char *c = first_client; c; c = va_arg (args, const char *))
    g_ptr_array_add (access->clients, g_strdup (c));
  va_end (args);
  g_ptr_array_add (policy->access, access);
  return policy;
}

static void
run_or_die (const char *script)
{
  g_autoptr (GError) error = NULL;

  vsa_firewall_run_script (script, &error);
  g_assert_no_error (error);
}

static void
reset_ruleset (void)
{
  run_or_die ("flush ruleset");
}

static VsaFirewallState *
read_state (const VsaConfig *config)
{
  g_autoptr (GError) error = NULL;
  VsaFirewallState *state = vsa_firewall_read_state (config, &error);

  g_assert_no_error (error);
  return state;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* The port's clients as one sorted, comma-separated string; NULL when
 * the table holds nothing at all for the port. */
static char *
clients_of (const VsaConfig *config, int port)
{
  g_autoptr (VsaFirewallState) state = read_state (config);
  VsaFirewallPort *entry = g_hash_table_lookup (state->ports, GINT_TO_POINTER (port));
  g_autoptr (GPtrArray) sorted = NULL;

  if (entry == NULL)
    return NULL;
  g_assert_true (entry->guarded);
  g_assert_true (entry->has_counter);
  sorted = g_ptr_array_new ();
  for (guint i = 0; i < entry->clients->len; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (entry->clients, i));
  g_ptr_array_sort (sorted, compare_strings);
  g_ptr_array_add (sorted, NULL);
  return g_strjoinv (",", (char **) sorted->pdata);
}

static guint
port_count (const VsaConfig *config)
{
  g_autoptr (VsaFirewallState) state = read_state (config);

  return g_hash_table_size (state->ports);
}

static void
add_vm (const VsaConfig *config, const char *name, const VsaPolicy *policy, int port)
{
  g_autoptr (GError) error = NULL;

  vsa_firewall_add_vm (config, name, policy, port, &error);
  g_assert_no_error (error);
}

static void
test_add_installs_port_clients_counter (void)
{
  g_autoptr (VsaConfig) config = test_config ();
  g_autoptr (VsaPolicy) policy = policy_with ("10.231.0.2", "2001:db8::/32", "192.168.4.7/24", NULL);
  g_autofree char *clients = NULL;

  reset_ruleset ();
  add_vm (config, "debianx", policy, 20901);
  clients = clients_of (config, 20901);
  g_assert_cmpstr (clients, ==, "10.231.0.2,192.168.4.0/24,2001:db8::/32");
}

static void
test_add_twice_is_idempotent (void)
{
  g_autoptr (VsaConfig) config = test_config ();
  g_autoptr (VsaPolicy) policy = policy_with ("10.231.0.2", "10.0.0.0/8", NULL);
  g_autofree char *clients = NULL;

  reset_ruleset ();
  add_vm (config, "debianx", policy, 20901);
  add_vm (config, "debianx", policy, 20901);
  clients = clients_of (config, 20901);
  g_assert_cmpstr (clients, ==, "10.0.0.0/8,10.231.0.2");
  g_assert_cmpuint (port_count (config), ==, 1);
}

static void
test_remove_leaves_nothing_and_repeats (void)
{
  g_autoptr (VsaConfig) config = test_config ();
  g_autoptr (VsaPolicy) policy = policy_with ("10.231.0.2", "fd00::/8", NULL);
  g_autoptr (VsaPolicy) other = policy_with ("10.231.0.3", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *kept = NULL;

  reset_ruleset ();
  add_vm (config, "debianx", policy, 20901);
  add_vm (config, "leaptest", other, 20902);
  for (int i = 0; i < 2; i++)
    {
      vsa_firewall_remove_vm (config, "debianx", policy, 20901, &error);
      g_assert_no_error (error);
    }
  g_assert_null (clients_of (config, 20901));
  kept = clients_of (config, 20902);
  g_assert_cmpstr (kept, ==, "10.231.0.3");
}

static void
test_remove_without_table_succeeds (void)
{
  g_autoptr (VsaConfig) config = test_config ();
  g_autoptr (VsaPolicy) policy = policy_with ("10.231.0.2", NULL);
  g_autoptr (GError) error = NULL;

  reset_ruleset ();
  vsa_firewall_remove_vm (config, "debianx", policy, 20901, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (port_count (config), ==, 0);
}

static void
test_update_makes_clients_exactly_the_policy (void)
{
  g_autoptr (VsaConfig) config = test_config ();
  g_autoptr (VsaPolicy) before = policy_with ("10.231.0.2", "10.231.0.3", "10.9.0.0/16", NULL);
  g_autoptr (VsaPolicy) after = policy_with ("10.231.0.2", "10.231.0.4", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *clients = NULL;

  reset_ruleset ();
  add_vm (config, "debianx", before, 20901);
  vsa_firewall_update_vm (config, "debianx", after, 20901, &error);
  g_assert_no_error (error);
  clients = clients_of (config, 20901);
  g_assert_cmpstr (clients, ==, "10.231.0.2,10.231.0.4");
}

static void
test_update_of_uninstalled_vm_adds_it (void)
{
  g_autoptr (VsaConfig) config = test_config ();
  g_autoptr (VsaPolicy) policy = policy_with ("10.231.0.2", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *clients = NULL;

  reset_ruleset ();
  vsa_firewall_update_vm (config, "debianx", policy, 20901, &error);
  g_assert_no_error (error);
  clients = clients_of (config, 20901);
  g_assert_cmpstr (clients, ==, "10.231.0.2");
}

static void
test_sync_restores_exactly_the_given_vms (void)
{
  g_autoptr (VsaConfig) config = test_config ();
  g_autoptr (VsaPolicy) stale = policy_with ("10.1.1.1", NULL);
  g_autoptr (GPtrArray) vms = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_nft_vm_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaNftVm) a = vsa_nft_vm_new (20901, NULL);
  g_autoptr (VsaNftVm) b = vsa_nft_vm_new (20902, NULL);
  g_autofree char *clients_a = NULL;
  g_autofree char *clients_b = NULL;

  reset_ruleset ();
  add_vm (config, "gone", stale, 20950);
  vsa_nft_vm_add_client (a, "10.231.0.2", NULL);
  vsa_nft_vm_add_client (b, "10.231.0.3", NULL);
  vsa_nft_vm_add_client (b, "fd00::/8", NULL);
  g_ptr_array_add (vms, g_steal_pointer (&a));
  g_ptr_array_add (vms, g_steal_pointer (&b));
  vsa_firewall_sync (config, vms, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (port_count (config), ==, 2);
  clients_a = clients_of (config, 20901);
  clients_b = clients_of (config, 20902);
  g_assert_cmpstr (clients_a, ==, "10.231.0.2");
  g_assert_cmpstr (clients_b, ==, "10.231.0.3,fd00::/8");

  /* after someone's `nft flush ruleset` */
  reset_ruleset ();
  g_assert_cmpuint (port_count (config), ==, 0);
  vsa_firewall_sync (config, vms, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (port_count (config), ==, 2);
}

static void
test_flush_removes_only_our_table (void)
{
  g_autoptr (VsaConfig) config = test_config ();
  g_autoptr (VsaPolicy) policy = policy_with ("10.231.0.2", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaFirewallState) state = NULL;
  g_autoptr (VsaConfig) other = test_config ();

  reset_ruleset ();
  run_or_die ("add table inet somebody_else\n"
              "add chain inet somebody_else input { type filter hook input priority 0; policy accept; }\n"
              "add rule inet somebody_else input tcp dport 22 accept\n");
  add_vm (config, "debianx", policy, 20901);
  vsa_firewall_flush (config, &error);
  g_assert_no_error (error);
  state = read_state (config);
  g_assert_false (state->table_exists);
  g_free (other->firewall_table);
  other->firewall_table = g_strdup ("somebody_else");
  g_clear_pointer (&state, vsa_firewall_state_free);
  state = read_state (other);
  g_assert_true (state->table_exists);
  /* flushing twice (nothing left) is fine too */
  vsa_firewall_flush (config, &error);
  g_assert_no_error (error);
}

static void
test_disabled_firewall_changes_nothing (void)
{
  g_autoptr (VsaConfig) config = test_config ();
  g_autoptr (VsaPolicy) policy = policy_with ("10.231.0.2", NULL);
  g_autoptr (VsaFirewallState) state = NULL;

  reset_ruleset ();
  config->firewall = FALSE;
  add_vm (config, "debianx", policy, 20901);
  state = read_state (config);
  g_assert_false (state->table_exists);
}

static void
test_host_name_client_fails_in_one_line (void)
{
  g_autoptr (VsaConfig) config = test_config ();
  g_autoptr (VsaPolicy) policy = policy_with ("10.231.0.2", "charlie-pc.lan", NULL);
  g_autoptr (GError) error = NULL;

  reset_ruleset ();
  g_assert_false (vsa_firewall_add_vm (config, "debianx", policy, 20901, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "firewall: VM 'debianx': user 'alice': client 'charlie-pc.lan'"));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_cmpuint (port_count (config), ==, 0);
}

/* A kernel refusal names the VM, the table and nft's reason, in one line,
 * and the transaction leaves nothing half-done. */
static void
test_kernel_refusal_reported_in_one_line (void)
{
  g_autoptr (VsaConfig) config = test_config ();
  g_autoptr (VsaPolicy) policy = policy_with ("10.231.0.2", NULL);
  g_autoptr (GError) error = NULL;

  reset_ruleset ();
  run_or_die ("add table inet vsa_test\nadd set inet vsa_test ports { type ipv4_addr; }\n");
  g_assert_false (vsa_firewall_add_vm (config, "debianx", policy, 20901, &error));
  g_assert_nonnull (strstr (error->message, "firewall: cannot add the rules of VM 'debianx' (port 20901) in nftables table 'inet vsa_test': "));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_cmpuint (port_count (config), ==, 0);
}

/* Each golden transaction is accepted by the kernel as it is, even on an
 * empty ruleset (removals included).  The one exception is the start that
 * finds the table in place and adds elements only: its precondition is the
 * table a sync leaves, so it runs on that (and must fail on nothing, which
 * is why the hook falls back to the whole transaction then). */
static void
test_goldens_accepted_by_kernel (void)
{
  g_autofree char *dir_path = vsa_test_data_path ("nft", NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *script = NULL;
      g_autoptr (GError) error = NULL;

      if (!g_str_has_suffix (name, ".out"))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      script = vsa_test_read (path);
      reset_ruleset ();
      if (strstr (script, "add table") == NULL)
        {
          g_autofree char *base_path = g_build_filename (dir_path, "sync-no-vms.out", NULL);
          g_autofree char *base = vsa_test_read (base_path);

          g_assert_false (vsa_firewall_run_script (script, NULL));
          if (!vsa_firewall_run_script (base, &error))
            g_error ("sync-no-vms.out: %s", error->message);
        }
      if (!vsa_firewall_run_script (script, &error))
        g_error ("%s: %s", name, error->message);
      n++;
    }
  g_assert_cmpuint (n, >=, 10);
}

static void
test_state_from_json_forms (void)
{
  const char *json =
    "{\"nftables\": [{\"metainfo\": {\"json_schema_version\": 1}},"
    " {\"table\": {\"family\": \"inet\", \"name\": \"t\"}},"
    " {\"set\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"rejected\", \"elem\": ["
    "   {\"elem\": {\"val\": 20901, \"counter\": {\"packets\": 7, \"bytes\": 420}}}]}},"
    " {\"set\": {\"family\": \"inet\", \"table\": \"x\", \"name\": \"rejected\", \"elem\": ["
    "   {\"elem\": {\"val\": 20902, \"counter\": {\"packets\": 9, \"bytes\": 540}}}]}},"
    " {\"set\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"ports\", \"elem\": [20901, {\"elem\": {\"val\": 20903}}]}},"
    " {\"set\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"nets4\", \"elem\": ["
    "   {\"concat\": [{\"prefix\": {\"addr\": \"10.0.0.0\", \"len\": 8}}, 20901]},"
    "   {\"concat\": [{\"range\": [\"10.1.0.1\", \"10.1.0.9\"]}, 20901]},"
    "   {\"concat\": [\"10.231.0.2\", 20903]}]}}]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaFirewallState) state = vsa_firewall_state_from_json ("t", json, &error);
  VsaFirewallPort *p1, *p3;

  g_assert_no_error (error);
  g_assert_true (state->table_exists);
  g_assert_cmpuint (g_hash_table_size (state->ports), ==, 2);
  p1 = g_hash_table_lookup (state->ports, GINT_TO_POINTER (20901));
  p3 = g_hash_table_lookup (state->ports, GINT_TO_POINTER (20903));
  g_assert_true (p1->guarded && p1->has_counter);
  g_assert_cmpuint (p1->rejected_packets, ==, 7);
  g_assert_cmpuint (p1->clients->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (p1->clients, 0), ==, "10.0.0.0/8");
  g_assert_cmpstr (g_ptr_array_index (p1->clients, 1), ==, "10.1.0.1-10.1.0.9");
  g_assert_true (p3->guarded && !p3->has_counter);
  g_assert_cmpstr (g_ptr_array_index (p3->clients, 0), ==, "10.231.0.2");
}

static void
test_state_from_bad_json_is_an_error (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (vsa_firewall_state_from_json ("t", "{\"tables\": []}", &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_null (vsa_firewall_state_from_json ("t", "{not json", &error));
  g_assert_nonnull (error);
}

static const VsaTestEntry firewall_tests[] = {
  VSA_TEST ("/firewall/add-installs-port-clients-counter", test_add_installs_port_clients_counter),
  VSA_TEST ("/firewall/add-twice-is-idempotent", test_add_twice_is_idempotent),
  VSA_TEST ("/firewall/remove-leaves-nothing-and-repeats", test_remove_leaves_nothing_and_repeats),
  VSA_TEST ("/firewall/remove-without-table-succeeds", test_remove_without_table_succeeds),
  VSA_TEST ("/firewall/update-makes-clients-exactly-the-policy", test_update_makes_clients_exactly_the_policy),
  VSA_TEST ("/firewall/update-of-uninstalled-vm-adds-it", test_update_of_uninstalled_vm_adds_it),
  VSA_TEST ("/firewall/sync-restores-exactly-the-given-vms", test_sync_restores_exactly_the_given_vms),
  VSA_TEST ("/firewall/flush-removes-only-our-table", test_flush_removes_only_our_table),
  VSA_TEST ("/firewall/disabled-firewall-changes-nothing", test_disabled_firewall_changes_nothing),
  VSA_TEST ("/firewall/host-name-client-fails-in-one-line", test_host_name_client_fails_in_one_line),
  VSA_TEST ("/firewall/kernel-refusal-reported-in-one-line", test_kernel_refusal_reported_in_one_line),
  VSA_TEST ("/firewall/goldens-accepted-by-kernel", test_goldens_accepted_by_kernel),
  VSA_TEST ("/firewall/state-from-json-forms", test_state_from_json_forms),
  VSA_TEST ("/firewall/state-from-bad-json-is-an-error", test_state_from_bad_json_is_an_error),
};

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (unshare (CLONE_NEWNET) != 0)
    g_error ("cannot create a private network namespace (%s): this test needs root",
             g_strerror (errno));

  VSA_TEST_ADD (firewall_tests);
  return g_test_run ();
}
