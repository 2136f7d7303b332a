/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The firewall's nft text, without a kernel: golden files for every kind
 * of transaction, and the parsing of client addresses.
 *
 * tests/data/nft/CASE.in is a key file:
 *   [firewall]  operation = add|remove|replace|sync|flush, and optionally
 *               table, priority, reject, log-prefix (defaults otherwise)
 *   [vm NAME]   port, clients (';'-separated), one group per VM
 *   [installed] port, clients: what the kernel holds (replace only)
 * Its rendering must equal CASE.out (VSA_TEST_REGENERATE_OUTPUT=1
 * rewrites it).  A case is its name in golden_cases[]. */
#include "vsa-error.h"
#include "vsa-nft.h"
#include "vsa-test-util.h"
#include "vsa-window.h"

#include <string.h>

static VsaNftVm *
vm_from_group (GKeyFile *kf, const char *group)
{
  g_autoptr (GError) error = NULL;
  int port = g_key_file_get_integer (kf, group, "port", &error);
  g_auto (GStrv) clients = g_key_file_get_string_list (kf, group, "clients", NULL, NULL);
  g_autoptr (VsaNftVm) vm = NULL;

  g_assert_no_error (error);
  vm = vsa_nft_vm_new (port, &error);
  g_assert_no_error (error);
  for (int i = 0; clients && clients[i]; i++)
    {
      vsa_nft_vm_add_client (vm, clients[i], &error);
      g_assert_no_error (error);
    }
  return g_steal_pointer (&vm);
}

static char *
string_or (GKeyFile *kf, const char *key, const char *fallback)
{
  char *value = g_key_file_get_string (kf, "firewall", key, NULL);

  return value ? value : g_strdup (fallback);
}

/* [ticket] port, client, previous (optional), seconds. */
static char *
render_bind_case (GKeyFile *kf, const VsaNftSettings *st)
{
  g_autofree char *client_text = g_key_file_get_string (kf, "ticket", "client", NULL);
  g_autofree char *previous_text = g_key_file_get_string (kf, "ticket", "previous", NULL);
  g_autoptr (VsaNftClient) client = vsa_nft_client_parse (client_text, NULL);
  g_autoptr (VsaNftClient) previous = previous_text ? vsa_nft_client_parse (previous_text, NULL) : NULL;

  g_assert_nonnull (client);
  return vsa_nft_render_bind (st, g_key_file_get_integer (kf, "ticket", "port", NULL), client,
                              previous, g_key_file_get_int64 (kf, "ticket", "seconds", NULL));
}

static char *
render_case (GKeyFile *kf)
{
  g_autofree char *operation = string_or (kf, "operation", "");
  g_autofree char *table = string_or (kf, "table", VSA_NFT_TABLE_DEFAULT);
  g_autofree char *reject = string_or (kf, "reject", "reset");
  g_autofree char *log_prefix = string_or (kf, "log-prefix", "");
  g_autoptr (GPtrArray) vms = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_nft_vm_free);
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  g_autoptr (VsaNftVm) installed = NULL;
  VsaNftSettings st = { table, VSA_NFT_PRIORITY_DEFAULT, VSA_NFT_REJECT_RESET, log_prefix };

  if (g_key_file_has_key (kf, "firewall", "priority", NULL))
    st.priority = g_key_file_get_integer (kf, "firewall", "priority", NULL);
  g_assert_true (vsa_nft_reject_mode_from_string (reject, &st.reject, NULL));
  for (int i = 0; groups[i]; i++)
    if (g_str_has_prefix (groups[i], "vm "))
      g_ptr_array_add (vms, vm_from_group (kf, groups[i]));
  if (g_key_file_has_group (kf, "installed"))
    installed = vm_from_group (kf, "installed");

  if (g_strcmp0 (operation, "add") == 0)
    return vsa_nft_render_add_vm (&st, g_ptr_array_index (vms, 0));
  if (g_strcmp0 (operation, "add-elements") == 0)
    return vsa_nft_render_add_elements (&st, g_ptr_array_index (vms, 0));
  if (g_strcmp0 (operation, "remove") == 0)
    return vsa_nft_render_remove_vm (&st, g_ptr_array_index (vms, 0));
  if (g_strcmp0 (operation, "replace") == 0)
    return vsa_nft_render_replace_vm (&st, g_ptr_array_index (vms, 0), installed);
  if (g_strcmp0 (operation, "sync") == 0)
    return vsa_nft_render_sync (&st, vms);
  if (g_strcmp0 (operation, "flush") == 0)
    return vsa_nft_render_flush (&st);
  if (g_strcmp0 (operation, "bind") == 0)
    return render_bind_case (kf, &st);
  g_error ("unknown operation '%s'", operation);
}

static void
run_golden (gconstpointer data)
{
  const char *name = *(const char *const *) data;
  g_autofree char *in_path = vsa_test_case_path ("nft", name, ".in");
  g_autofree char *out_path = vsa_test_case_path ("nft", name, ".out");
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *actual = NULL;

  g_key_file_load_from_file (kf, in_path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  actual = render_case (kf);
  vsa_test_assert_golden (actual, out_path);
}

/* The cases: tests/data/nft/NAME.in and NAME.out. */
static const char *const golden_cases[] = {
  "bind-ticket", "bind-take-over", "add-one-client", "add-no-clients",
  "add-mixed-families-and-prefixes", "add-drop-with-log", "add-custom-table-priority",
  "add-elements-only",
  "remove", "replace-drops-stale-clients", "replace-nothing-installed", "sync-two-vms",
  "sync-no-vms", "flush",
};

/* ------------------------------------------------------------------ */

typedef struct {
  const char *input;
  const char *canonical; /* NULL: must be refused */
} ClientCase;

static void
test_client_forms (void)
{
  static const ClientCase cases[] = {
    { "10.231.0.2", "10.231.0.2" },
    { "10.231.0.2/32", "10.231.0.2" },
    { "192.168.7.9/24", "192.168.7.0/24" },
    { "10.127.1.1/10", "10.64.0.0/10" },
    { "2001:db8:ffff::1/33", "2001:db8:8000::/33" },
    { "0.0.0.0/0", "0.0.0.0/0" },
    { "2001:DB8:0:0::1", "2001:db8::1" },
    { "2001:db8::77/32", "2001:db8::/32" },
    { "fe80::1/128", "fe80::1" },
    { "::ffff:10.0.0.1", "10.0.0.1" },  /* IPv4-mapped: the IPv4 host sends IPv4 packets */
    { "client.example.org", NULL },
    { "localhost", NULL },
    { "10.0.0.1/33", NULL },
    { "10.0.0.1/", NULL },
    { "10.0.0.1/-1", NULL },
    { "2001:db8::/129", NULL },
    { "10.0.0.256", NULL },
    { "", NULL },
    { " 10.0.0.1", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VsaNftClient) client = vsa_nft_client_parse (cases[i].input, &error);

      if (cases[i].canonical == NULL)
        {
          g_assert_null (client);
          g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpstr (client->text, ==, cases[i].canonical);
    }
}

static void
test_host_name_refused_with_reason (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (vsa_nft_validate_client ("charlie-pc.lan", &error));
  g_assert_nonnull (strstr (error->message, "'charlie-pc.lan'"));
  g_assert_nonnull (strstr (error->message, "host names are refused"));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_policy_clients_deduplicated (void)
{
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  const char *users[][3] = { { "alice", "10.0.0.2", "10.0.0.3" }, { "bob", "10.0.0.2/32", "10.0.0.3" } };
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaNftVm) vm = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (users); i++)
    {
      VsaAccess *access = vsa_access_new (users[i][0]);

      g_ptr_array_add (access->clients, g_strdup (users[i][1]));
      g_ptr_array_add (access->clients, g_strdup (users[i][2]));
      g_ptr_array_add (policy->access, access);
    }
  vm = vsa_nft_vm_from_policy (policy, 20901, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vm->clients->len, ==, 2);
}

/* At an instant, only the users whose windows are open are admitted;
 * the others' entries are still checked (a bad one is an error). */
static void
test_policy_windows_admit_open_users (void)
{
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  g_autoptr (GTimeZone) zone = g_time_zone_new_identifier ("Europe/Berlin");
  /* 2026-06-01 is a Monday. */
  g_autoptr (GDateTime) monday = g_date_time_new (zone, 2026, 6, 1, 10, 0, 0);
  g_autoptr (VsaWindowSet) mon_tue = vsa_window_set_parse ("Mon-Tue", NULL);
  g_autoptr (VsaWindowSet) wed_thu = vsa_window_set_parse ("Wed-Thu", NULL);
  const char *const maggie[] = { "10.0.0.2", NULL };
  const char *const anne[] = { "10.0.0.3", NULL };
  const char *const bad[] = { "anne-laptop", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaNftVm) now = NULL;
  g_autoptr (VsaNftVm) all = NULL;
  g_autoptr (VsaNftVm) refused = NULL;

  vsa_policy_assign (policy, "maggie", maggie);
  vsa_policy_assign (policy, "anne", anne);
  vsa_policy_set_when (policy, "maggie", mon_tue);
  vsa_policy_set_when (policy, "anne", wed_thu);
  now = vsa_nft_vm_from_policy (policy, 20901, monday, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (now->clients->len, ==, 1);
  g_assert_cmpstr (((VsaNftClient *) g_ptr_array_index (now->clients, 0))->text, ==, "10.0.0.2");
  all = vsa_nft_vm_from_policy (policy, 20901, NULL, &error);
  g_assert_cmpuint (all->clients->len, ==, 2);
  vsa_policy_assign (policy, "anne", bad);
  refused = vsa_nft_vm_from_policy (policy, 20901, monday, &error);
  g_assert_null (refused);
  g_assert_nonnull (strstr (error->message, "user 'anne': client 'anne-laptop'"));
}

/* The kernel's interval sets refuse a network that overlaps one they
 * hold ("File exists"): of nested networks only the outer one stays,
 * whichever comes first; single addresses are left alone. */
static void
test_nested_networks_merged (void)
{
  static const char *const added[] = { "10.1.0.0/16", "10.1.2.3", "10.0.0.0/8", "10.1.5.0/24",
                                       "fd00:1::/32", "fd00::/8", "192.168.0.0/24", "192.168.1.0/24",
                                       "192.168.0.0/24" };
  static const char *const kept[] = { "10.1.2.3", "10.0.0.0/8", "fd00::/8", "192.168.0.0/24",
                                      "192.168.1.0/24" };
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaNftVm) vm = vsa_nft_vm_new (20901, &error);

  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (added); i++)
    {
      g_assert_true (vsa_nft_vm_add_client (vm, added[i], &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (vm->clients->len, ==, G_N_ELEMENTS (kept));
  for (gsize i = 0; i < G_N_ELEMENTS (kept); i++)
    g_assert_cmpstr (((VsaNftClient *) g_ptr_array_index (vm->clients, i))->text, ==, kept[i]);
}

static void
test_policy_host_name_names_user (void)
{
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  VsaAccess *access = vsa_access_new ("ralph");
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaNftVm) vm = NULL;

  g_ptr_array_add (access->clients, g_strdup ("ralph-laptop"));
  g_ptr_array_add (policy->access, access);
  vm = vsa_nft_vm_from_policy (policy, 20901, NULL, &error);
  g_assert_null (vm);
  g_assert_nonnull (strstr (error->message, "user 'ralph': client 'ralph-laptop'"));
}

static void
test_port_must_be_fixed (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (vsa_nft_vm_new (-1, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (vsa_nft_vm_new (65536, &error));
  g_clear_error (&error);
  g_assert_null (vsa_nft_vm_new (0, &error));
}

static void
test_table_names (void)
{
  const char *good[] = { "virt_spice_admin", "_t", "T1" };
  const char *bad[] = { "", "1table", "my-table", "a b", "t;flush ruleset",
                        "a234567890123456789012345678901234567890123456789012345678901234x" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (vsa_nft_validate_table_name (good[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (vsa_nft_validate_table_name (bad[i], NULL));
}

static void
test_log_prefixes (void)
{
  g_autofree char *long_prefix = g_strnfill (127, 'x');

  g_assert_true (vsa_nft_validate_log_prefix ("", NULL));
  g_assert_true (vsa_nft_validate_log_prefix ("vsa-reject:", NULL));
  g_assert_false (vsa_nft_validate_log_prefix ("a\"; flush ruleset; \"", NULL));
  g_assert_false (vsa_nft_validate_log_prefix ("back\\slash", NULL));
  g_assert_false (vsa_nft_validate_log_prefix ("new\nline", NULL));
  /* nft reads $NAME in a quoted prefix as a variable (found by fuzzing). */
  g_assert_false (vsa_nft_validate_log_prefix ("03$ ", NULL));
  g_assert_false (vsa_nft_validate_log_prefix ("$ruleset", NULL));
  g_assert_false (vsa_nft_validate_log_prefix (long_prefix, NULL));
}

static void
test_reject_modes (void)
{
  VsaNftRejectMode mode = VSA_NFT_REJECT_RESET;
  g_autoptr (GError) error = NULL;

  g_assert_true (vsa_nft_reject_mode_from_string ("drop", &mode, NULL));
  g_assert_cmpint (mode, ==, VSA_NFT_REJECT_DROP);
  g_assert_cmpstr (vsa_nft_reject_mode_to_string (mode), ==, "drop");
  g_assert_false (vsa_nft_reject_mode_from_string ("icmp", &mode, &error));
  g_assert_nonnull (strstr (error->message, "use 'reset' or 'drop'"));
}

static const VsaTestEntry nft_tests[] = {
  VSA_TEST_CASES ("/nft/golden", golden_cases, run_golden),
  VSA_TEST ("/nft/client/forms", test_client_forms),
  VSA_TEST ("/nft/client/host-name-refused-with-reason", test_host_name_refused_with_reason),
  VSA_TEST ("/nft/policy/clients-deduplicated", test_policy_clients_deduplicated),
  VSA_TEST ("/nft/policy/windows-admit-open-users", test_policy_windows_admit_open_users),
  VSA_TEST ("/nft/policy/nested-networks-merged", test_nested_networks_merged),
  VSA_TEST ("/nft/policy/host-name-names-user", test_policy_host_name_names_user),
  VSA_TEST ("/nft/port-must-be-fixed", test_port_must_be_fixed),
  VSA_TEST ("/nft/settings/table-names", test_table_names),
  VSA_TEST ("/nft/settings/log-prefixes", test_log_prefixes),
  VSA_TEST ("/nft/settings/reject-modes", test_reject_modes),
};

VSA_TEST_MAIN (nft_tests)
