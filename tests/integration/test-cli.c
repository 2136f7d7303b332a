/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Integration tests: the real command functions against libvirt's test
 * driver, in process (a test:/// connection lives as long as the process,
 * so an edit can be re-read).  Every refusal is checked to leave the
 * domains byte-identical and write no backup. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-client-policy.h"
#include "vsa-disk.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-libvirt.h"
#include "vsa-policy.h"
#include "vsa-qemu.h"
#include "vsa-sasl.h"
#include "vsa-sasl-vault.h"
#include "vsa-sessions.h"
#include "vsa-spice.h"
#include "vsa-test-config.h"
#include "vsa-test-util.h"
#include "vsa-volume.h"
#include "vsa-xml.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  VsaContext *ctx;
  char *state_dir;
  char *out;
  size_t out_len;
  char *err;
  size_t err_len;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autofree char *host = vsa_test_data_path ("..", "..", "docs", "examples", "host.xml", NULL);
  g_autoptr (GError) error = NULL;

  fx->ctx = vsa_context_new ();
  fx->ctx->uri = g_strdup_printf ("test://%s", host);
  fx->state_dir = g_dir_make_tmp ("vsa-test-XXXXXX", &error);
  g_assert_no_error (error);
  fx->ctx->config = vsa_test_config_new (fx->state_dir);
  /* The test driver's "running" VMs must not reach the host's nftables;
   * the firewall is proven in tests/system/test-firewall.c and e2e. */
  fx->ctx->config->firewall = FALSE;
  g_free (fx->ctx->config->state_dir);
  fx->ctx->config->state_dir = g_strdup (fx->state_dir);
  fx->ctx->out = open_memstream (&fx->out, &fx->out_len);
  fx->ctx->err = open_memstream (&fx->err, &fx->err_len);
  fx->ctx->in = NULL;
  g_assert_nonnull (vsa_context_connect (fx->ctx, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", fx->state_dir);

  fclose (fx->ctx->out);
  fclose (fx->ctx->err);
  if (fx->ctx->in)
    fclose (fx->ctx->in);
  vsa_context_free (fx->ctx);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (fx->state_dir);
  g_free (fx->out);
  g_free (fx->err);
}

/* Runs one command with a fresh option state, as main() would. */
static gboolean
run_argv (Fixture *fx, const VsaCommand *command, const char *stdin_text, char **argv, GError **error)
{
  fx->ctx->json = FALSE;
  fx->ctx->dry_run = FALSE;
  fx->ctx->quiet = FALSE;
  if (fx->ctx->in)
    fclose (fx->ctx->in);
  fx->ctx->in = stdin_text ? fmemopen ((void *) stdin_text, strlen (stdin_text), "r")
                           : fopen ("/dev/null", "r");
  fflush (fx->ctx->out);
  fx->out_len = 0;
  rewind (fx->ctx->out);
  return vsa_command_dispatch (fx->ctx, command, (int) g_strv_length (argv), argv, error);
}

static gboolean
run_cmd (Fixture *fx, const VsaCommand *command, const char *stdin_text, GError **error, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  va_list args;
  gboolean ok;

  va_start (args, error);
  for (const char *a = va_arg (args, const char *); a; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  ok = run_argv (fx, command, stdin_text, (char **) argv->pdata, error);
  fflush (fx->ctx->out);
  fflush (fx->ctx->err);
  return ok;
}

#define RUN_OK(fx, fn, in, ...)                                         \
  do {                                                                  \
    g_autoptr (GError) run_error = NULL;                                \
    gboolean run_ok = run_cmd (fx, fn, in, &run_error, __VA_ARGS__, NULL); \
    g_assert_no_error (run_error);                                      \
    g_assert_true (run_ok);                                             \
  } while (0)

static char *
domain_xml (Fixture *fx, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (virDomain) dom = vsa_libvirt_lookup (fx->ctx->conn, name, &error);
  char *xml;

  g_assert_no_error (error);
  xml = vsa_libvirt_get_xml (dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE, &error);
  g_assert_no_error (error);
  return xml;
}

static xmlDoc *
domain_doc (Fixture *fx, const char *name)
{
  g_autofree char *xml = domain_xml (fx, name);
  g_autoptr (GError) error = NULL;
  xmlDoc *doc = vsa_xml_parse (xml, strlen (xml), name, &error);

  g_assert_no_error (error);
  return doc;
}

static guint
count_backups (Fixture *fx, const char *name)
{
  g_autofree char *dir = g_build_filename (fx->state_dir, "backups", name, NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static void
test_secure_makes_console_tls_only (Fixture *fx, gconstpointer data)
{
  g_autofree char *before = domain_xml (fx, "debianx");
  g_autoptr (xmlDoc) doc = NULL;
  g_auto (VsaSpiceInfo) info = { 0 };
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *backup_dir = g_build_filename (fx->state_dir, "backups", "debianx", NULL);
  g_autoptr (GDir) dir = NULL;
  g_autofree char *backup_path = NULL;
  g_autofree char *backup = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  struct stat st;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  doc = domain_doc (fx, "debianx");
  g_assert_true (vsa_spice_describe (doc, &info, &error));
  g_assert_cmpint (info.tls_port, ==, 20001);
  g_assert_cmpint (info.port, ==, 0);
  g_assert_false (info.autoport);
  g_assert_cmpstr (info.default_mode, ==, "secure");
  g_assert_cmpstr (info.listen_type, ==, "address");
  g_assert_cmpstr (info.listen, ==, "127.0.0.1"); /* the wildcard was narrowed */
  g_assert_cmpuint (strlen (info.password), ==, 24);
  g_assert_true (vsa_policy_from_domain (doc, &policy, &error));
  g_assert_nonnull (policy);
  g_assert_cmpint (policy->auth, ==, VSA_AUTH_PASSWORD);
  problems = vsa_spice_find_insecurities (doc, VSA_AUTH_PASSWORD, NULL);
  g_assert_cmpuint (problems->len, ==, 0);

  /* The previous XML is kept, private. */
  dir = g_dir_open (backup_dir, 0, &error);
  g_assert_no_error (error);
  backup_path = g_build_filename (backup_dir, g_dir_read_name (dir), NULL);
  backup = vsa_test_read (backup_path);
  g_assert_cmpstr (backup, ==, before);
  g_assert_cmpint (g_stat (backup_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  /* The password is never printed unless asked for. */
  g_assert_null (strstr (fx->out ? fx->out : "", info.password));
  g_assert_null (strstr (fx->err ? fx->err : "", info.password));
}

static void
test_secure_twice_changes_nothing (Fixture *fx, gconstpointer data)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  first = domain_xml (fx, "debianx");
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  second = domain_xml (fx, "debianx");
  g_assert_cmpstr (first, ==, second);
  g_assert_cmpuint (count_backups (fx, "debianx"), ==, 1);
}

/* A run killed while writing a VM's backup leaves its temporary file in
 * that VM's backup directory. Once the VM has converged no backup is
 * written there again, so the next edit holding the VM's lock sweeps it
 * even when it changes nothing; a live writer's file stays. */
static void
test_unchanged_edit_sweeps_killed_backup (Fixture *fx, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (fx->state_dir, "backups", "debianx", NULL);
  g_autofree char *dead = g_strdup_printf ("%s/.20261203T120000.000001.xml.vsa-%ld-Ab12Cd", dir,
                                           (long) vsa_test_dead_pid ());
  g_autofree char *live = g_strdup_printf ("%s/.20261203T120000.000002.xml.vsa-%ld-Ab12Cd", dir,
                                           (long) getpid ());

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  g_assert_true (g_file_set_contents (dead, "<domain", -1, NULL));
  g_assert_true (g_file_set_contents (live, "<domain", -1, NULL));
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  g_assert_false (g_file_test (dead, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (live, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_backups (fx, "debianx"), ==, 2); /* the first run's backup, the live file */
}

static int
tls_port_of (Fixture *fx, const char *name)
{
  g_autoptr (xmlDoc) doc = domain_doc (fx, name);
  g_auto (VsaSpiceInfo) info = { 0 };

  g_assert_true (vsa_spice_describe (doc, &info, NULL));
  return info.tls_port;
}

static void
test_secure_auto_port_skips_used (Fixture *fx, gconstpointer data)
{
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "leaptest", "--tls-port", "auto");
  g_assert_cmpint (tls_port_of (fx, "debianx"), ==, 20001);
  g_assert_cmpint (tls_port_of (fx, "leaptest"), ==, 20002);
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "imap", "--replace-vnc");
  g_assert_cmpint (tls_port_of (fx, "imap"), ==, 20003);
}

static void
test_secure_taken_port_names_owner (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx", "--tls-port", "20005");
  before = domain_xml (fx, "leaptest");
  g_assert_false (run_cmd (fx, &vsa_command_secure, NULL, &error, "secure", "leaptest",
                           "--tls-port", "20005", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "'debianx'"));
  after = domain_xml (fx, "leaptest");
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (count_backups (fx, "leaptest"), ==, 0);
}

static void
test_secure_dry_run_prints_diff_only (Fixture *fx, gconstpointer data)
{
  g_autofree char *before = domain_xml (fx, "debianx");
  g_autofree char *after = NULL;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  ok = run_cmd (fx, &vsa_command_secure, NULL, &error, "secure", "debianx", "--dry-run", NULL);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_nonnull (strstr (fx->out, "--- debianx.xml (current)"));
  g_assert_nonnull (strstr (fx->out, "+    <graphics type=\"spice\" autoport=\"no\" listen=\"127.0.0.1\" tlsPort=\"20001\" defaultMode=\"secure\" passwd=\"(hidden, changed)\">"));
  after = domain_xml (fx, "debianx");
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (count_backups (fx, "debianx"), ==, 0);
}

static void
test_secure_vnc_needs_replace_flag (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = domain_xml (fx, "imap");
  g_autofree char *after = NULL;
  g_autoptr (xmlDoc) doc = NULL;
  g_auto (VsaSpiceInfo) info = { 0 };

  g_assert_false (run_cmd (fx, &vsa_command_secure, NULL, &error, "secure", "imap", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "--replace-vnc"));
  after = domain_xml (fx, "imap");
  g_assert_cmpstr (before, ==, after);

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "imap", "--replace-vnc");
  doc = domain_doc (fx, "imap");
  g_assert_true (vsa_spice_describe (doc, &info, NULL));
  g_assert_true (info.has_spice);
  g_assert_false (info.has_vnc);
}

static void
test_password_from_stdin_with_expiry (Fixture *fx, gconstpointer data)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_auto (VsaSpiceInfo) info = { 0 };

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  RUN_OK (fx, &vsa_command_password, "Charlie-Books-2026\n", "password", "debianx", "--stdin",
          "--valid-to", "2030-06-01T12:00:00+02:00", "--connected", "keep");
  doc = domain_doc (fx, "debianx");
  g_assert_true (vsa_spice_describe (doc, &info, NULL));
  g_assert_cmpstr (info.password, ==, "Charlie-Books-2026");
  g_assert_cmpstr (info.password_valid_to, ==, "2030-06-01T10:00:00");
  g_assert_cmpstr (info.connected, ==, "keep");
  g_assert_null (strstr (fx->err, "Charlie-Books-2026"));
}

static void
test_password_show_prints_generated (Fixture *fx, gconstpointer data)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_auto (VsaSpiceInfo) info = { 0 };
  g_autofree char *printed = NULL;

  RUN_OK (fx, &vsa_command_password, NULL, "password", "leaptest", "--show", "--valid-for", "1h");
  printed = g_strndup (fx->out, fx->out_len);
  doc = domain_doc (fx, "leaptest");
  g_assert_true (vsa_spice_describe (doc, &info, NULL));
  g_assert_cmpstr (g_strchomp (printed), ==, info.password);
  g_assert_nonnull (info.password_valid_to);
}

static void
test_password_live_refused_when_shut_off (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = domain_xml (fx, "leaptest");
  g_autofree char *after = NULL;

  g_assert_false (run_cmd (fx, &vsa_command_password, NULL, &error, "password", "leaptest", "--live", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not running"));
  after = domain_xml (fx, "leaptest");
  g_assert_cmpstr (before, ==, after);
}

/* The test driver cannot change a running VM's graphics: the refusal must
 * come before the configuration is touched (live first, then config). */
static void
test_password_live_refusal_leaves_config (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = domain_xml (fx, "debianx");
  g_autofree char *after = NULL;

  g_assert_false (run_cmd (fx, &vsa_command_password, NULL, &error, "password", "debianx", "--live", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_LIBVIRT);
  g_assert_nonnull (strstr (error->message, "cannot change the password of the running VM"));
  after = domain_xml (fx, "debianx");
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (count_backups (fx, "debianx"), ==, 0);
}

static void
test_show_json (Fixture *fx, gconstpointer data)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *o;
  g_autofree char *text = NULL;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx", "--tls-port", "20100");
  RUN_OK (fx, &vsa_command_show, NULL, "show", "debianx", "--json");
  text = g_strndup (fx->out, fx->out_len);
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "vm"), ==, "debianx");
  g_assert_cmpstr (json_object_get_string_member (o, "mode"), ==, "password");
  g_assert_cmpint (json_object_get_int_member (o, "tls_port"), ==, 20100);
  g_assert_cmpint (json_object_get_int_member (o, "plain_port"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "listen"), ==, "127.0.0.1");
  g_assert_true (json_object_get_boolean_member (o, "password_set"));
  g_assert_true (json_object_get_boolean_member (o, "secure"));
  g_assert_false (json_object_has_member (o, "password"));
}

static void
test_show_text_reports_insecure (Fixture *fx, gconstpointer data)
{
  RUN_OK (fx, &vsa_command_show, NULL, "show", "debianx");
  g_assert_nonnull (strstr (fx->out, "Plain port:    5900"));
  g_assert_nonnull (strstr (fx->out, "Secure:        no: a plain (unencrypted) SPICE port"));
}

/* -c and --config after the command replace the ones before it (here: the
 * fixture's URI), which the sanitizer and valgrind builds check is freed. */
static void
test_global_options_after_command (Fixture *fx, gconstpointer data)
{
  g_autofree char *uri = g_strdup (fx->ctx->uri);
  g_autofree char *config_path = g_build_filename (fx->state_dir, "none.conf", NULL);

  fx->ctx->config_path = g_strdup ("/nonexistent/before.conf");
  RUN_OK (fx, &vsa_command_show, NULL, "show", "debianx", "-c", uri, "--config", config_path);
  g_assert_cmpstr (fx->ctx->uri, ==, uri);
  g_assert_true (fx->ctx->uri != uri);
  g_assert_cmpstr (fx->ctx->config_path, ==, config_path);
}

static VsaPolicy *
policy_of (Fixture *fx, const char *name)
{
  g_autoptr (xmlDoc) doc = domain_doc (fx, name);
  g_autoptr (GError) error = NULL;
  VsaPolicy *policy = NULL;

  g_assert_true (vsa_policy_from_domain (doc, &policy, &error));
  g_assert_no_error (error);
  g_assert_nonnull (policy);
  return policy;
}

static void
test_assign_password_mode_records_user (Fixture *fx, gconstpointer data)
{
  g_autoptr (VsaPolicy) policy = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  VsaAccess *alice;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "alice", "--client", "192.168.2.22",
          "--client", "alice-laptop.office.example");
  first = domain_xml (fx, "debianx");
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "alice", "--client", "192.168.2.22");
  second = domain_xml (fx, "debianx");
  g_assert_cmpstr (first, ==, second); /* assigning again changes nothing */
  g_assert_cmpuint (count_backups (fx, "debianx"), ==, 2);

  policy = policy_of (fx, "debianx");
  g_assert_cmpuint (policy->access->len, ==, 1);
  alice = g_ptr_array_index (policy->access, 0);
  g_assert_cmpstr (alice->user, ==, "alice");
  g_assert_cmpuint (alice->clients->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (alice->clients, 1), ==, "alice-laptop.office.example");

  /* debianx runs: its live metadata follows at once (the hook reads it). */
  {
    g_autoptr (virDomain) dom = vsa_libvirt_lookup (fx->ctx->conn, "debianx", NULL);
    g_autoptr (xmlDoc) live = vsa_libvirt_get_doc (dom, 0, NULL);
    g_autoptr (VsaPolicy) live_policy = NULL;

    g_assert_true (vsa_policy_from_domain (live, &live_policy, NULL));
    g_assert_nonnull (live_policy);
    g_assert_nonnull (vsa_policy_find_access (live_policy, "alice"));
  }

  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "bob");
  RUN_OK (fx, &vsa_command_unassign, NULL, "unassign", "debianx", "alice");
  g_clear_pointer (&policy, vsa_policy_free);
  policy = policy_of (fx, "debianx");
  g_assert_cmpuint (policy->access->len, ==, 1);
  g_assert_cmpstr (((VsaAccess *) g_ptr_array_index (policy->access, 0))->user, ==, "bob");
}

static guint
count_substring (const char *text, const char *needle)
{
  guint count = 0;

  for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
    count++;
  return count;
}

/* --when: the windows add up, are stored canonically on every access
 * entry of the user, stay when assign runs again without --when, and
 * --when always lifts them. */
static void
test_assign_when_stores_windows (Fixture *fx, gconstpointer data)
{
  g_autoptr (VsaPolicy) policy = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *when = NULL;
  g_autofree char *again = NULL;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "maggie", "--client", "192.168.2.22",
          "--client", "192.168.2.23", "--when", "Mon", "--when", "tue; Sat 09:00-12:00");
  xml = domain_xml (fx, "debianx");
  g_assert_cmpuint (count_substring (xml, "when=\"Mon-Tue; Sat 09:00-12:00\""), ==, 2);
  policy = policy_of (fx, "debianx");
  when = vsa_window_set_to_string (vsa_policy_find_access (policy, "maggie")->when);
  g_assert_cmpstr (when, ==, "Mon-Tue; Sat 09:00-12:00");

  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "maggie", "--client", "192.168.2.22");
  again = domain_xml (fx, "debianx");
  g_assert_cmpstr (again, ==, xml);

  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "maggie", "--when", "always");
  g_free (xml);
  xml = domain_xml (fx, "debianx");
  g_assert_null (strstr (xml, "when="));
}

/* sasl mode against the test driver: the domain side is libvirt's, the
 * SASL side is a real libsasl2 database in a temporary directory. */
static void
use_sasl_mode (Fixture *fx, gboolean libvirt_enabled)
{
  VsaConfig *config = fx->ctx->config;
  g_autofree char *qemu_conf = g_build_filename (fx->state_dir, "libvirt-qemu.conf", NULL);

  g_assert_true (g_file_set_contents (qemu_conf, libvirt_enabled ? "spice_tls = 1\n  spice_sasl = 1 # on\n"
                                                                 : "#spice_sasl = 1\n", -1, NULL));
  config->auth_mode = VSA_AUTH_SASL;
  g_free (config->sasl_dir);
  config->sasl_dir = g_build_filename (fx->state_dir, "sasl", NULL);
  g_free (config->qemu_group);
  config->qemu_group = g_strdup ("root");
  g_free (config->libvirt_qemu_conf);
  config->libvirt_qemu_conf = g_steal_pointer (&qemu_conf);
}

static void
test_assign_sasl_mode_keeps_own_database (Fixture *fx, gconstpointer data)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VsaPolicy) policy = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *leaptest_dir = NULL;
  g_autofree char *env = NULL;
  g_autofree char *db = NULL;
  g_autofree char *printed = NULL;
  g_auto (VsaSpiceInfo) info = { 0 };
  struct stat st;

  use_sasl_mode (fx, TRUE);
  dir = vsa_sasl_vm_dir (fx->ctx->config, "debianx");
  /* The test driver drops the qemu: namespace on define (only the qemu
   * driver knows it), so the env is checked in the diff here and on the
   * real libvirtd in tests/e2e/test-sasl-matrix.sh. */
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx", "--dry-run");
  env = g_strdup_printf ("+    <qemu:env name=\"SASL_CONF_PATH\" value=\"%s\"/>", dir);
  g_assert_nonnull (strstr (fx->out, env));
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  doc = domain_doc (fx, "debianx");
  g_assert_true (vsa_spice_describe (doc, &info, NULL));
  g_assert_null (info.password);
  g_assert_false (vsa_sasl_user_exists (dir, "alice"));

  RUN_OK (fx, &vsa_command_assign, "Alice-pw-2026\n", "assign", "debianx", "alice", "--password-stdin");
  g_assert_true (vsa_sasl_user_exists (dir, "alice"));
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "leaptest");
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "leaptest", "bob", "--generate");
  printed = g_strndup (fx->out, fx->out_len);
  g_assert_cmpuint (strlen (g_strchomp (printed)), ==, 24);
  g_assert_false (vsa_sasl_user_exists (dir, "bob")); /* bob's is leaptest's database */
  leaptest_dir = vsa_sasl_vm_dir (fx->ctx->config, "leaptest");
  g_assert_true (vsa_sasl_user_exists (leaptest_dir, "bob"));

  db = vsa_sasl_db_path (dir);
  g_assert_cmpint (g_stat (db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0750);
  policy = policy_of (fx, "debianx");
  g_assert_cmpstr (policy->sasl_dir, ==, dir);

  RUN_OK (fx, &vsa_command_unassign, NULL, "unassign", "debianx", "alice");
  g_assert_false (vsa_sasl_user_exists (dir, "alice"));
}

/* The windows' zone UTC, and windows computed from the real clock: OPEN
 * covers today and tomorrow, CLOSED is only the day after tomorrow, so
 * both hold even if the test runs across midnight. */
static void
windows_around_now (Fixture *fx, char **ret_open, char **ret_closed)
{
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  int today = g_date_time_get_day_of_week (now) - 1;

  g_free (fx->ctx->config->time_zone);
  fx->ctx->config->time_zone = g_strdup ("UTC");

  *ret_open = g_strdup_printf ("%s-%s", days[today], days[(today + 1) % 7]);
  *ret_closed = g_strdup (days[(today + 2) % 7]);
}

/* The same, in sasl mode. */
static void
sasl_windows_around_now (Fixture *fx, char **ret_open, char **ret_closed)
{
  use_sasl_mode (fx, TRUE);
  windows_around_now (fx, ret_open, ret_closed);
}

/* sasl mode with windows: a closed user's credential leaves the VM's
 * database for the root-only vault and comes back, the same, when her
 * window opens; schedule sync repairs a database out of step and
 * changes nothing when nothing is due. */
static void
test_schedule_sync_sasl_follows_windows (Fixture *fx, gconstpointer data)
{
  g_autofree char *open = NULL;
  g_autofree char *closed = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *vault = NULL;
  g_autofree char *vault_db = NULL;
  g_autofree char *audit = NULL;
  struct stat st;

  sasl_windows_around_now (fx, &open, &closed);
  dir = vsa_sasl_vm_dir (fx->ctx->config, "debianx");
  vault = vsa_sasl_vault_dir (fx->ctx->config, "debianx");
  vault_db = vsa_sasl_db_path (vault);
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  RUN_OK (fx, &vsa_command_assign, "Maggie-pw-2026\n", "assign", "debianx", "maggie",
          "--password-stdin", "--when", closed);
  RUN_OK (fx, &vsa_command_assign, "Anne-pw-2026\n", "assign", "debianx", "anne",
          "--password-stdin", "--when", open);
  g_assert_false (vsa_sasl_user_exists (dir, "maggie"));
  g_assert_true (vsa_sasl_user_exists (vault, "maggie"));
  g_assert_true (vsa_sasl_user_exists (dir, "anne"));
  g_assert_true (vsa_sasl_user_exists (vault, "anne"));
  g_assert_cmpint (g_stat (vault_db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (vault, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  RUN_OK (fx, &vsa_command_schedule, NULL, "schedule", "sync");
  g_assert_nonnull (strstr (fx->out, "nothing to change\nnext boundary: "));

  /* A database out of step (maggie's credential put back by hand). */
  g_assert_true (vsa_sasl_set_password (fx->ctx->config, dir, "maggie", "x", NULL));
  RUN_OK (fx, &vsa_command_schedule, NULL, "schedule", "sync", "--dry-run");
  g_assert_nonnull (strstr (fx->out, "would change: VM debianx: maggie: credential taken out "
                                     "(window closed)\n"));
  g_assert_true (vsa_sasl_user_exists (dir, "maggie"));
  RUN_OK (fx, &vsa_command_schedule, NULL, "schedule", "sync");
  g_assert_nonnull (strstr (fx->out, "VM debianx: maggie: credential taken out (window closed)\n"));
  g_assert_false (vsa_sasl_user_exists (dir, "maggie"));
  g_assert_true (vsa_sasl_user_exists (dir, "anne"));

  /* audit: a credential outside its window, and no schedule timer. */
  g_free (fx->ctx->config->schedule_timer);
  fx->ctx->config->schedule_timer = g_build_filename (fx->state_dir, "schedule.timer", NULL);
  g_assert_true (vsa_sasl_set_password (fx->ctx->config, dir, "maggie", "x", NULL));
  g_assert_false (run_cmd (fx, &vsa_command_audit, NULL, NULL, "audit", "debianx", NULL));
  g_assert_nonnull (strstr (fx->out, "VSA-W01  VM debianx: its SASL database disagrees with the "
                                     "access windows: maggie: credential taken out (window closed)"));
  g_assert_nonnull (strstr (fx->out, "VSA-W02  host: access windows are in use but the schedule "
                                     "timer is not enabled"));
  RUN_OK (fx, &vsa_command_schedule, NULL, "schedule", "sync");
  g_assert_true (g_file_set_contents (fx->ctx->config->schedule_timer, "", 0, NULL));
  run_cmd (fx, &vsa_command_audit, NULL, NULL, "audit", "debianx", NULL);
  audit = g_strndup (fx->out, fx->out_len);
  g_assert_null (strstr (audit, "VSA-W0"));
  g_assert_nonnull (strstr (audit, "VSA-C05")); /* the test driver drops SASL_CONF_PATH */

  /* Her window opens: the vault's credential is back. */
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "maggie", "--when", open);
  g_assert_true (vsa_sasl_user_exists (dir, "maggie"));
  RUN_OK (fx, &vsa_command_unassign, NULL, "unassign", "debianx", "maggie");
  g_assert_false (vsa_sasl_user_exists (vault, "maggie"));
  g_assert_false (vsa_sasl_user_exists (dir, "maggie"));
}

static void
test_assign_sasl_needs_libvirt_switch (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = domain_xml (fx, "debianx");
  g_autofree char *after = NULL;

  use_sasl_mode (fx, FALSE);
  g_assert_false (run_cmd (fx, &vsa_command_secure, NULL, &error, "secure", "debianx", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "add the line 'spice_sasl = 1' to"));
  after = domain_xml (fx, "debianx");
  g_assert_cmpstr (before, ==, after);
  g_assert_false (g_file_test (fx->ctx->config->sasl_dir, G_FILE_TEST_EXISTS));
}

/* With the server firewall on, a client must be an address: a host name
 * would lock the user out at the next start.  Refused before anything. */
static void
test_assign_client_name_refused_with_firewall (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "leaptest");
  before = domain_xml (fx, "leaptest");
  fx->ctx->config->firewall = TRUE;
  g_assert_false (run_cmd (fx, &vsa_command_assign, NULL, &error, "assign", "leaptest", "alice",
                           "--client", "laptop.office.example", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "with firewall = true, give client addresses"));
  after = domain_xml (fx, "leaptest");
  g_assert_cmpstr (before, ==, after);
}

/* A wildcard client network admits every host (issue 23, item 4): refused
 * unless asked for, within the configured bound; audit reports it. */
static void
test_assign_wide_network_needs_flag (Fixture *fx, gconstpointer data)
{
  static const char *const wide[] = { "0.0.0.0/0", "::/0", "::ffff:0.0.0.0/96", "10.0.0.0/7",
                                      "2001:db8::/31", NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *qemu_conf = g_build_filename (fx->state_dir, "qemu.conf", NULL);

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "leaptest");
  before = domain_xml (fx, "leaptest");
  for (guint i = 0; wide[i]; i++)
    {
      g_assert_false (run_cmd (fx, &vsa_command_assign, NULL, &error, "assign", "leaptest", "alice",
                               "--client", wide[i], NULL));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "is wider than /"));
      g_assert_nonnull (strstr (error->message, "or --allow-wide-network if that is meant"));
      g_clear_error (&error);
    }
  after = domain_xml (fx, "leaptest");
  g_assert_cmpstr (before, ==, after);
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "leaptest", "bob", "--client", "10.0.0.0/8");
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "leaptest", "alice", "--client", "0.0.0.0/0",
          "--allow-wide-network");

  g_assert_true (g_file_set_contents (qemu_conf, "spice_tls = 1\n", -1, NULL));
  g_free (fx->ctx->config->libvirt_qemu_conf);
  fx->ctx->config->libvirt_qemu_conf = g_strdup (qemu_conf);
  g_assert_false (run_cmd (fx, &vsa_command_audit, NULL, &error, "audit", "leaptest", NULL));
  g_assert_nonnull (strstr (fx->out, "medium VSA-C12  VM leaptest: user alice may connect from "
                                     "0.0.0.0/0, wider than /8 (client-min-prefix-ipv4)\n"));
  g_assert_null (strstr (fx->out, "user bob"));
  g_clear_error (&error);

  /* The bound is configuration: /0 allows everything. */
  fx->ctx->config->client_networks.min_prefix_ipv6 = 0;
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "leaptest", "carol", "--client", "::/0");
}

static void
test_assign_credential_refused_in_password_mode (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  before = domain_xml (fx, "debianx");
  g_assert_false (run_cmd (fx, &vsa_command_assign, NULL, &error, "assign", "debianx", "alice", "--generate", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "uses password mode"));
  after = domain_xml (fx, "debianx");
  g_assert_cmpstr (before, ==, after);
}

/* The test driver drops qemu: elements on define, so the commands are
 * checked through their --dry-run diffs here; tests/e2e/test-qemu-
 * passthrough.sh proves them on the real libvirtd. */
static void
test_qemu_passthrough_commands (Fixture *fx, gconstpointer data)
{
  RUN_OK (fx, &vsa_command_qemu_arg, NULL, "qemu-arg", "add", "--dry-run", "debianx", "--", "-device", "virtio-rng-pci");
  g_assert_nonnull (strstr (fx->out, "-<domain type=\"test\">\n+<domain xmlns:qemu=\"http://libvirt.org/schemas/domain/qemu/1.0\" type=\"test\">"));
  g_assert_nonnull (strstr (fx->out, "+  <qemu:commandline>\n+    <qemu:arg value=\"-device\"/>\n+    <qemu:arg value=\"virtio-rng-pci\"/>\n+  </qemu:commandline>\n"));
  RUN_OK (fx, &vsa_command_qemu_env, NULL, "qemu-env", "set", "debianx", "SPICE_DEBUG_LEVEL=1", "--dry-run");
  g_assert_nonnull (strstr (fx->out, "+    <qemu:env name=\"SPICE_DEBUG_LEVEL\" value=\"1\"/>\n"));
  RUN_OK (fx, &vsa_command_qemu_arg, NULL, "qemu-arg", "list", "debianx");
  g_assert_cmpuint (fx->out_len, ==, 0);
}

/* --- SSH tunnels -------------------------------------------------------- */

static char *
key_path (const char *name)
{
  return vsa_test_data_path ("tunnel", "keys", name, NULL);
}

/* debianx and leaptest secured (TLS ports 20001, 20002 on 127.0.0.1);
 * alice tunnels to both with one key, bob to debianx from the office LAN:
 * the situation of tests/data/tunnel/two-users. */
static void
add_two_users (Fixture *fx)
{
  g_autofree char *alice = key_path ("alice.pub");
  g_autofree char *bob = key_path ("bob.pub");

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "leaptest");
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "add", "debianx", "alice", "--key", alice);
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "add", "debianx", "bob", "--key", bob, "--from", "192.168.2.0/24");
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "add", "leaptest", "alice", "--key", alice);
}

static void
test_tunnel_render_prints_policy_of_all_vms (Fixture *fx, gconstpointer data)
{
  g_autofree char *golden = vsa_test_data_path ("tunnel", "two-users.out.txt", NULL);
  g_autofree char *expected = vsa_test_read (golden);
  g_autofree char *printed = NULL;

  add_two_users (fx);
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "render");
  printed = g_strndup (fx->out, fx->out_len);
  g_assert_cmpstr (printed, ==, expected);
}

static void
test_tunnel_add_again_replaces_key (Fixture *fx, gconstpointer data)
{
  g_autofree char *alice2 = key_path ("alice2.pub");
  g_autoptr (VsaPolicy) policy = NULL;
  VsaTunnel *tunnel;

  add_two_users (fx);
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "add", "debianx", "alice", "--key", alice2);
  policy = policy_of (fx, "debianx");
  g_assert_cmpuint (policy->tunnels->len, ==, 2);
  tunnel = vsa_policy_find_tunnel (policy, "alice");
  g_assert_cmpstr (tunnel->key->comment, ==, "alice2@office");
  g_assert_null (tunnel->from);
  g_assert_nonnull (strstr (fx->err, "apply it with 'virt-spice-admin tunnel install'"));
}

static void
test_tunnel_render_dest_writes_tree (Fixture *fx, gconstpointer data)
{
  g_autofree char *dest = g_build_filename (fx->state_dir, "stage", NULL);
  g_autofree char *drop_in = g_build_filename (dest, "etc/ssh/sshd_config.d/virt-spice-admin.conf", NULL);
  g_autofree char *bob = g_build_filename (dest, "etc/ssh/virt-spice-admin/authorized_keys/bob", NULL);
  g_autofree char *bob_keys = NULL;
  struct stat st;

  add_two_users (fx);
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "render", "--dest", dest);
  g_assert_cmpuint (fx->out_len, ==, 0);
  g_assert_cmpint (g_stat (drop_in, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);
  g_assert_cmpint (g_stat (bob, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  bob_keys = vsa_test_read (bob);
  g_assert_nonnull (strstr (bob_keys, "\nrestrict,port-forwarding,permitopen=\"127.0.0.1:20001\",from=\"192.168.2.0/24\" ssh-ed25519 "));
}

static void
test_tunnel_remove_takes_user_out (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  add_two_users (fx);
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "remove", "debianx", "bob");
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "render");
  g_assert_null (strstr (fx->out, "bob"));
  g_assert_nonnull (strstr (fx->out, "Match User alice\n"));

  before = domain_xml (fx, "debianx");
  g_assert_false (run_cmd (fx, &vsa_command_tunnel, NULL, &error, "tunnel", "remove", "debianx", "bob", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "VM 'debianx': user 'bob' has no tunnel to this VM"));
  after = domain_xml (fx, "debianx");
  g_assert_cmpstr (before, ==, after);
}

static void
test_tunnel_add_dry_run_prints_diff_only (Fixture *fx, gconstpointer data)
{
  g_autofree char *alice = key_path ("alice.pub");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  before = domain_xml (fx, "debianx");
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "add", "debianx", "alice", "--key", alice, "--dry-run");
  g_assert_nonnull (strstr (fx->out, "+      <vsa:tunnel user=\"alice\" type=\"ssh-ed25519\" key=\"AAAAC3NzaC1lZDI1NTE5AAAAIOePNsBpR00K8g0TMvcxJPKl/EZQBOB/5NMY4kagXxqD\" comment=\"alice@office\"/>"));
  after = domain_xml (fx, "debianx");
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (count_backups (fx, "debianx"), ==, 1); /* secure's only */
}

static void
test_tunnel_add_notes_lan_listen (Fixture *fx, gconstpointer data)
{
  g_autofree char *alice = key_path ("alice.pub");

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx", "--listen", "192.168.2.10");
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "add", "debianx", "alice", "--key", alice);
  g_assert_nonnull (strstr (fx->err, "note: VM 'debianx' listens on 192.168.2.10, not on loopback: its console is reachable without the tunnel; run 'virt-spice-admin secure debianx --listen 127.0.0.1'"));
}

/* Install into directories under the fixture's state directory. */
static void
use_tunnel_dirs (Fixture *fx, const char *sshd_binary)
{
  VsaConfig *config = fx->ctx->config;

  g_free (config->sshd_drop_in_dir);
  config->sshd_drop_in_dir = g_build_filename (fx->state_dir, "sshd_config.d", NULL);
  g_free (config->tunnel_authorized_keys_dir);
  config->tunnel_authorized_keys_dir = g_build_filename (fx->state_dir, "keys", NULL);
  g_free (config->sshd_binary);
  config->sshd_binary = g_strdup (sshd_binary);
}

static void
test_tunnel_install_refuses_missing_account (Fixture *fx, gconstpointer data)
{
  g_autofree char *key = key_path ("bob.pub");
  g_autoptr (GError) error = NULL;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "add", "debianx", "vsa-no-such-user", "--key", key);
  use_tunnel_dirs (fx, "/usr/sbin/sshd");
  g_assert_false (run_cmd (fx, &vsa_command_tunnel, NULL, &error, "tunnel", "install", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "tunnel user 'vsa-no-such-user' has no local account; create it (no shell, key only) or give --create-user; nothing was installed");
  g_assert_false (g_file_test (fx->ctx->config->sshd_drop_in_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (fx->ctx->config->tunnel_authorized_keys_dir, G_FILE_TEST_EXISTS));
}

/* The check comes before any account or file: /bin/false plays an sshd
 * that rejects the configuration. */
static void
test_tunnel_install_failed_check_changes_nothing (Fixture *fx, gconstpointer data)
{
  g_autofree char *key = key_path ("bob.pub");
  g_autoptr (GError) error = NULL;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "add", "debianx", "vsa-no-such-user", "--key", key);
  use_tunnel_dirs (fx, "/bin/false");
  g_assert_false (run_cmd (fx, &vsa_command_tunnel, NULL, &error, "tunnel", "install", "--create-user", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "nothing was installed: sshd rejects /etc/ssh/sshd_config with the new tunnel drop-in"));
  g_assert_null (getpwnam ("vsa-no-such-user"));
  g_assert_false (g_file_test (fx->ctx->config->sshd_drop_in_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (fx->ctx->config->tunnel_authorized_keys_dir, G_FILE_TEST_EXISTS));
}


/* audit on the test driver: the example host is insecure (exit 1, stable
 * IDs); once every console is secured it is clean (exit 0).  Host checks
 * read a qemu.conf made here; the firewall is off in this fixture. */
static void
test_audit_finds_then_clean (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *qemu_conf = g_build_filename (fx->state_dir, "qemu.conf", NULL);

  g_assert_true (g_file_set_contents (qemu_conf, "spice_tls = 1\n", -1, NULL));
  g_free (fx->ctx->config->libvirt_qemu_conf);
  fx->ctx->config->libvirt_qemu_conf = g_strdup (qemu_conf);
  g_assert_false (run_cmd (fx, &vsa_command_audit, NULL, &error, "audit", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INSECURE);
  g_assert_cmpint (vsa_error_exit_status (error), ==, 1);
  g_assert_nonnull (strstr (fx->out, "VSA-C10  VM debianx: SPICE console not managed"));
  g_clear_error (&error);

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "leaptest");
  RUN_OK (fx, &vsa_command_password, NULL, "password", "leaptest", "--valid-for", "2d");
  g_assert_false (run_cmd (fx, &vsa_command_audit, NULL, &error, "audit", "leaptest", NULL));
  g_assert_nonnull (strstr (fx->out, "low    VSA-C07  VM leaptest: the SPICE password expires soon"));
  g_clear_error (&error);
  RUN_OK (fx, &vsa_command_password, NULL, "password", "leaptest");
  if (!run_cmd (fx, &vsa_command_audit, NULL, &error, "audit", "--json", NULL))
    g_error ("audit not clean: %s", fx->out);
  g_assert_true (g_str_has_prefix (fx->out, "{\n  \"findings\" : []\n}\n"));

  g_assert_true (g_file_set_contents (qemu_conf, "spice_tls = 0\n", -1, NULL));
  g_assert_false (run_cmd (fx, &vsa_command_audit, NULL, &error, "audit", NULL));
  g_assert_nonnull (strstr (fx->out, "VSA-H01  libvirt: SPICE TLS is not enabled"));
}

static void
test_status_lists_every_domain (Fixture *fx, gconstpointer data)
{
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx", "--tls-port", "20007");
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "alice", "--client", "192.168.2.22");
  RUN_OK (fx, &vsa_command_status, NULL, "status");
  g_assert_true (g_str_has_prefix (fx->out, "VM        STATE     AUTH"));
  g_assert_nonnull (strstr (fx->out, "debianx   running   password   127.0.0.1  20007  none   alice  192.168.2.22  -        off       never"));
  g_assert_nonnull (strstr (fx->out, "imap      shut off  vnc"));
  RUN_OK (fx, &vsa_command_status, NULL, "status", "leaptest", "--json");
  g_assert_nonnull (strstr (fx->out, "\"name\" : \"leaptest\""));
  g_assert_null (strstr (fx->out, "debianx"));
}

/* Metadata put there by hand that does not parse (issue 23, item 2):
 * AFFECT is the definition, the running VM's live XML, or both. */
static void
corrupt_metadata (Fixture *fx, const char *name, unsigned int affect)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (virDomain) dom = vsa_libvirt_lookup (fx->ctx->conn, name, &error);

  g_assert_no_error (error);
  g_assert_cmpint (virDomainSetMetadata (dom, VIR_DOMAIN_METADATA_ELEMENT,
                                         "<console auth='passw0rd'/>", VSA_METADATA_PREFIX,
                                         VSA_METADATA_NS, affect), ==, 0);
}

/* One unreadable VM is one row; every other VM is still reported, and the
 * exit status says so. */
static void
test_status_unreadable_vm_is_one_row (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx", "--tls-port", "20007");
  corrupt_metadata (fx, "leaptest", VIR_DOMAIN_AFFECT_CONFIG);
  g_assert_false (run_cmd (fx, &vsa_command_status, NULL, &error, "status", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_cmpint (vsa_error_exit_status (error), ==, 1);
  g_assert_cmpstr (error->message, ==, "1 VM could not be read (leaptest); its row says why, "
                                       "the other VMs are reported");
  g_assert_nonnull (strstr (fx->out, "debianx   running     password  127.0.0.1  20007  none   -      -        -        off       never\n"));
  g_assert_nonnull (strstr (fx->out, "imap      shut off    vnc"));
  g_assert_nonnull (strstr (fx->out, "leaptest  unreadable  -         -          -      -      -      -        -        -         -\n"));
  g_assert_true (g_regex_match_simple ("\nleaptest: unreadable: metadata: line [0-9]+: auth mode "
                                       "'passw0rd' is unknown; use 'password' or 'sasl'\n", fx->out, 0, 0));
  g_clear_error (&error);

  g_assert_false (run_cmd (fx, &vsa_command_status, NULL, &error, "status", "--json", NULL));
  g_assert_true (g_regex_match_simple ("\"name\" : \"leaptest\",\n      \"state\" : \"unreadable\",\n"
                                       "      \"error\" : \"metadata: line [0-9]+: auth mode 'passw0rd'",
                                       fx->out, 0, 0));
  g_assert_nonnull (strstr (fx->out, "\"name\" : \"debianx\",\n      \"state\" : \"running\",\n"
                                     "      \"error\" : null,"));
  g_assert_nonnull (strstr (fx->out, "\"tls_port\" : 20007"));
}

/* The running VM's live metadata is read too: broken there, the VM is
 * unreadable although its definition is fine. */
static void
test_status_unreadable_live_metadata (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  corrupt_metadata (fx, "debianx", VIR_DOMAIN_AFFECT_LIVE);
  g_assert_false (run_cmd (fx, &vsa_command_status, NULL, &error, "status", NULL));
  g_assert_nonnull (strstr (fx->out, "debianx: unreadable: the running VM's live XML: metadata:"));
  g_assert_nonnull (strstr (fx->out, "leaptest  shut off"));
}

/* The documented VSA-C00, once for the broken VM (definition or live
 * XML); the other VMs' findings are all there. */
static void
test_audit_unreadable_vm_is_one_finding (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *qemu_conf = g_build_filename (fx->state_dir, "qemu.conf", NULL);

  g_assert_true (g_file_set_contents (qemu_conf, "spice_tls = 1\n", -1, NULL));
  g_free (fx->ctx->config->libvirt_qemu_conf);
  fx->ctx->config->libvirt_qemu_conf = g_strdup (qemu_conf);
  corrupt_metadata (fx, "leaptest", VIR_DOMAIN_AFFECT_CONFIG);
  g_assert_false (run_cmd (fx, &vsa_command_audit, NULL, &error, "audit", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INSECURE);
  g_assert_cmpstr (error->message, ==, "audit found 2 problems");
  g_assert_true (g_regex_match_simple ("high   VSA-C00  VM leaptest: metadata: line [0-9]+: auth mode "
                                       "'passw0rd' is unknown", fx->out, 0, 0));
  g_assert_nonnull (strstr (fx->out, "VSA-C10  VM debianx: SPICE console not managed"));
  g_clear_error (&error);

  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  corrupt_metadata (fx, "debianx", VIR_DOMAIN_AFFECT_LIVE);
  g_assert_false (run_cmd (fx, &vsa_command_audit, NULL, &error, "audit", NULL));
  g_assert_cmpstr (error->message, ==, "audit found 2 problems");
  g_assert_nonnull (strstr (fx->out, "high   VSA-C00  VM debianx: the running VM's live XML: metadata:"));
  g_assert_nonnull (strstr (fx->out, "high   VSA-C00  VM leaptest:"));
}

/* VSA-W03: the session journal holds maggie's session to the running
 * debianx open; audit reports it while her window is closed, not while
 * it is open, and not once the session has ended. */
static void
test_audit_session_outside_window (Fixture *fx, gconstpointer data)
{
  g_autofree char *open = NULL;
  g_autofree char *closed = NULL;
  g_autoptr (VsaSessionTable) table = vsa_session_table_load (fx->state_dir, NULL);
  g_autoptr (GError) error = NULL;
  VsaSession *session;

  g_free (fx->ctx->config->schedule_timer);
  fx->ctx->config->schedule_timer = g_build_filename (fx->state_dir, "schedule.timer", NULL);
  windows_around_now (fx, &open, &closed);
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "maggie", "--client", "192.168.2.22",
          "--when", closed);
  g_assert_nonnull (table);
  session = vsa_session_table_open (table, "debianx", "192.168.2.22", "maggie", "ticket", TRUE,
                                    g_get_real_time () / G_USEC_PER_SEC - 60);
  g_assert_true (vsa_session_table_save (table, fx->state_dir, &error));
  g_assert_no_error (error);

  g_assert_false (run_cmd (fx, &vsa_command_audit, NULL, NULL, "audit", "debianx", NULL));
  g_assert_true (g_regex_match_simple ("high   VSA-W03  VM debianx: maggie's console session from "
                                       "192\\.168\\.2\\.22, open since [-0-9]+T[0-9:]+Z, is outside "
                                       "the user's window [A-Za-z]+ \\(it is [A-Z][a-z][a-z] [0-9:]+\\)\n",
                                       fx->out, 0, 0));
  g_assert_nonnull (strstr (fx->out, "fix: virt-spice-admin schedule sync (it cuts the session)"));
  /* sessions shows her window and that it is closed now. */
  {
    g_autofree char *column = g_strdup_printf (" %s: closed until ", closed);

    RUN_OK (fx, &vsa_command_sessions, NULL, "sessions");
    g_assert_nonnull (strstr (fx->out, "WINDOW\n"));
    g_assert_nonnull (strstr (fx->out, column));
    RUN_OK (fx, &vsa_command_sessions, NULL, "sessions", "--json");
    g_assert_nonnull (strstr (fx->out, "\"window_open\" : false"));
  }

  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "maggie", "--when", open);
  run_cmd (fx, &vsa_command_audit, NULL, NULL, "audit", "debianx", NULL);
  g_assert_null (strstr (fx->out, "VSA-W03"));

  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "maggie", "--when", closed);
  vsa_session_end (session, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_true (vsa_session_table_save (table, fx->state_dir, &error));
  run_cmd (fx, &vsa_command_audit, NULL, NULL, "audit", "debianx", NULL);
  g_assert_null (strstr (fx->out, "VSA-W03"));
}

/* VSA-W04: assign refuses a window that can never open, but virsh edit
 * can store one.  Audit names the user and the window (not a bare
 * VSA-C00) and still audits the other VMs. */
static void
test_audit_stored_window_never_opens (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (virDomain) dom = vsa_libvirt_lookup (fx->ctx->conn, "leaptest", &error);
  static const char *const stored[] = { "Mon 10:00-10:00", "Funday" };

  g_assert_no_error (error);
  g_assert_false (run_cmd (fx, &vsa_command_assign, NULL, &error, "assign", "leaptest", "maggie",
                           "--when", stored[0], NULL));
  g_assert_nonnull (strstr (error->message, "is an empty time range"));
  g_clear_error (&error);
  for (gsize i = 0; i < G_N_ELEMENTS (stored); i++)
    {
      g_autofree char *metadata = g_strdup_printf ("<console auth='password'><access user='maggie' "
                                                   "client='192.168.2.22' when='%s'/></console>",
                                                   stored[i]);

      g_assert_cmpint (virDomainSetMetadata (dom, VIR_DOMAIN_METADATA_ELEMENT, metadata,
                                             VSA_METADATA_PREFIX, VSA_METADATA_NS,
                                             VIR_DOMAIN_AFFECT_CONFIG), ==, 0);
      g_assert_false (run_cmd (fx, &vsa_command_audit, NULL, &error, "audit", NULL));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INSECURE);
      g_clear_error (&error);
      g_assert_true (g_regex_match_simple ("high   VSA-W04  VM leaptest: metadata: line [0-9]+: user "
                                           "maggie: the stored window '[^']+' never opens: bad "
                                           "window", fx->out, 0, 0));
      g_assert_nonnull (strstr (fx->out, stored[i]));
      g_assert_null (strstr (fx->out, "VSA-C00"));
      g_assert_nonnull (strstr (fx->out, "VM debianx: SPICE console not managed"));
    }
}

/* --- export -------------------------------------------------------------- */

static VsaClientPolicy *
export_policy (Fixture *fx, const char *const *extra)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  VsaClientPolicy *policy;

  g_ptr_array_add (argv, (gpointer) "export");
  for (guint i = 0; extra[i]; i++)
    g_ptr_array_add (argv, (gpointer) extra[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (run_argv (fx, &vsa_command_export, NULL, (char **) argv->pdata, &error));
  g_assert_no_error (error);
  fflush (fx->ctx->out);
  policy = vsa_client_policy_from_xml (fx->out, fx->out_len, "export", &error);
  g_assert_no_error (error);
  return policy;
}

static VsaClientVm *
find_vm (VsaClientPolicy *policy, const char *name)
{
  for (guint i = 0; i < policy->vms->len; i++)
    {
      VsaClientVm *vm = g_ptr_array_index (policy->vms, i);
      if (g_str_equal (vm->name, name))
        return vm;
    }
  return NULL;
}

static void
prepare_two_consoles (Fixture *fx)
{
  g_free (fx->ctx->config->ca_file);
  fx->ctx->config->ca_file = vsa_test_data_path ("client", "ca-cert.pem", NULL);
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx", "--listen", "192.168.2.2", "--tls-port", "20002");
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "leaptest", "--listen", "192.168.2.2", "--tls-port", "20004");
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "alice", "--client", "192.168.2.22");
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "leaptest", "bob", "--client", "192.168.2.30",
          "--when", "Mon-Fri 18:00-23:00");
}

/* Every managed console is listed (the client refuses the ones it is not
 * given); only the named client's users; no password unless asked. */
static void
test_export_for_one_client (Fixture *fx, gconstpointer data)
{
  static const char *const for_lap[] = { "--client", "192.168.2.22", NULL };
  static const char *const with_passwords[] = { "--client", "192.168.2.22", "--include-passwords", NULL };
  g_autoptr (VsaClientPolicy) policy = NULL;
  g_autoptr (VsaClientPolicy) secret = NULL;
  VsaClientVm *debianx, *leaptest;

  prepare_two_consoles (fx);
  policy = export_policy (fx, for_lap);
  g_assert_cmpuint (policy->vms->len, ==, 2); /* imap is not managed */
  debianx = find_vm (policy, "debianx");
  leaptest = find_vm (policy, "leaptest");
  g_assert_cmpstr (debianx->address, ==, "192.168.2.2");
  g_assert_cmpint (debianx->tls_port, ==, 20002);
  g_assert_cmpuint (debianx->policy->access->len, ==, 1);
  g_assert_nonnull (vsa_policy_find_access (debianx->policy, "alice"));
  g_assert_cmpuint (leaptest->policy->access->len, ==, 0);
  g_assert_null (debianx->password);
  g_assert_null (strstr (fx->out, "password="));

  secret = export_policy (fx, with_passwords);
  g_assert_cmpuint (strlen (find_vm (secret, "debianx")->password), ==, 24);
  g_assert_null (find_vm (secret, "leaptest")->password); /* not this client's */
}

/* Client hosts get the windows: an exported user carries them, an
 * unrestricted one carries none. */
static void
test_export_carries_windows (Fixture *fx, gconstpointer data)
{
  static const char *const everyone[] = { NULL };
  g_autoptr (VsaClientPolicy) policy = NULL;
  g_autofree char *bob_when = NULL;

  prepare_two_consoles (fx);
  policy = export_policy (fx, everyone);
  g_assert_nonnull (strstr (fx->out, "<access user=\"bob\" client=\"192.168.2.30\" "
                                     "when=\"Mon-Fri 18:00-23:00\"/>"));
  bob_when = vsa_window_set_to_string (
    vsa_policy_find_access (find_vm (policy, "leaptest")->policy, "bob")->when);
  g_assert_cmpstr (bob_when, ==, "Mon-Fri 18:00-23:00");
  g_assert_true (vsa_window_set_is_always (
    vsa_policy_find_access (find_vm (policy, "debianx")->policy, "alice")->when));
}

/* A user with a broker key asks the broker: her access says so and the
 * VM names the broker (host, port, sshd host key); without server-name
 * the client could not reach it, so export refuses in one line. */
static void
test_export_names_the_broker (Fixture *fx, gconstpointer data)
{
  static const char *const for_lap[] = { "--client", "192.168.2.22", NULL };
  g_autofree char *bob_pub = vsa_test_data_path ("tunnel", "keys", "bob.pub", NULL);
  g_autofree char *host_key = vsa_test_data_path ("tunnel", "keys", "ed25519.pub", NULL);
  g_autoptr (VsaClientPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;

  prepare_two_consoles (fx);
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "debianx", "alice", "--client", "192.168.2.22",
          "--ssh-key", bob_pub);
  g_assert_false (run_argv (fx, &vsa_command_export, NULL,
                            (char **) (const char *[]) { "export", NULL }, &error));
  g_assert_nonnull (strstr (error->message, "set server-name in the configuration"));
  fx->ctx->config->server_name = g_strdup ("mysrv.example");
  g_free (fx->ctx->config->broker_host_key);
  fx->ctx->config->broker_host_key = g_strdup (host_key);
  fx->ctx->config->broker_ssh_port = 2222;
  policy = export_policy (fx, for_lap);
  g_assert_nonnull (strstr (fx->out, "<broker host=\"mysrv.example\" port=\"2222\" host-key=\"ssh-ed25519 AAAA"));
  g_assert_nonnull (strstr (fx->out, "<access user=\"alice\" client=\"192.168.2.22\" broker=\"yes\"/>"));
  g_assert_cmpint (find_vm (policy, "debianx")->broker_port, ==, 2222);
  g_assert_nonnull (vsa_policy_find_broker_user (find_vm (policy, "debianx")->policy, "alice"));
}

static void
test_export_refuses_unpinnable_console (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_free (fx->ctx->config->ca_file);
  fx->ctx->config->ca_file = vsa_test_data_path ("client", "ca-cert.pem", NULL);
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx", "--listen", "::");
  g_assert_false (run_argv (fx, &vsa_command_export, NULL, (char **) (const char *[]) { "export", NULL }, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "run 'virt-spice-admin secure debianx --listen ADDR'"));
}

/* Fail closed: a VM whose policy cannot be read keeps its console in the
 * export with nobody allowed; the other VMs are exported as usual. */
static void
test_export_unreadable_vm_has_no_users (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaClientPolicy) policy = NULL;
  VsaClientVm *leaptest;

  prepare_two_consoles (fx);
  corrupt_metadata (fx, "leaptest", VIR_DOMAIN_AFFECT_CONFIG);
  g_assert_false (run_argv (fx, &vsa_command_export, NULL, (char **) (const char *[]) { "export", NULL }, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "1 VM could not be read (leaptest), so no user of it is "
                                       "exported; repair the metadata and export again");
  fflush (fx->ctx->out);
  fflush (fx->ctx->err);
  g_assert_nonnull (strstr (fx->err, "VM 'leaptest' exported with no users, so client hosts refuse its console"));
  g_clear_error (&error);
  policy = vsa_client_policy_from_xml (fx->out, fx->out_len, "export", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (policy->vms->len, ==, 2);
  g_assert_nonnull (vsa_policy_find_access (find_vm (policy, "debianx")->policy, "alice"));
  leaptest = find_vm (policy, "leaptest");
  g_assert_cmpint (leaptest->tls_port, ==, 20004);
  g_assert_cmpuint (leaptest->policy->access->len, ==, 0);
}

/* Another run holding the VM's lock: this one waits, gives up naming it,
 * and changes nothing. */
static void
test_edit_waits_for_lock_then_refuses (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaLock) held = vsa_lock_acquire (fx->state_dir, "debianx", 100, &error);
  g_autofree char *before = domain_xml (fx, "debianx");
  g_autofree char *after = NULL;

  g_assert_no_error (error);
  fx->ctx->config->lock_timeout_ms = 300;
  g_assert_false (run_cmd (fx, &vsa_command_secure, NULL, &error, "secure", "debianx", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "is being changed by another virt-spice-admin"));
  after = domain_xml (fx, "debianx");
  g_assert_cmpstr (before, ==, after);
  g_clear_error (&error);
  g_clear_pointer (&held, vsa_lock_release);
  RUN_OK (fx, &vsa_command_secure, NULL, "secure", "debianx");
}

/* --- a define whose reply is lost (issue 23, item 3) -------------------- */

/* An idempotent edit, as every command's is: alice from one client. */
static gboolean
assign_alice (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  const char *clients[] = { "192.168.2.22", NULL };

  if (*policy == NULL)
    *policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  vsa_policy_assign (*policy, "alice", clients);
  return TRUE;
}

/* Memory in a unit libvirt does not know: the define is refused. */
static gboolean
break_memory_unit (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  vsa_xml_set (vsa_xml_child (xmlDocGetRootElement (doc), "memory"), "unit", "parsecs");
  return TRUE;
}

static VsaEdit *
prepare_edit (Fixture *fx, const char *name, VsaEditTransform transform)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (virDomain) dom = vsa_libvirt_lookup (fx->ctx->conn, name, &error);
  VsaEdit *edit;

  g_assert_no_error (error);
  edit = vsa_edit_prepare (fx->ctx, dom, transform, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (edit->changed);
  return edit;
}

/* libvirtd saved the new definition, its reply never came: the domain
 * read again is the requested one. */
static void
test_edit_recheck_sees_new_definition (Fixture *fx, gconstpointer data)
{
  g_autoptr (VsaEdit) edit = prepare_edit (fx, "leaptest", assign_alice);
  g_autoptr (GError) error = NULL;

  g_assert_true (vsa_libvirt_define (fx->ctx->conn, edit->new_canonical, TRUE, NULL, &error));
  g_assert_cmpint (vsa_edit_recheck (edit, &error), ==, VSA_DEFINE_CHANGED);
  g_assert_no_error (error);
}

/* ... it never saved it: the old definition is there. */
static void
test_edit_recheck_sees_old_definition (Fixture *fx, gconstpointer data)
{
  g_autoptr (VsaEdit) edit = prepare_edit (fx, "leaptest", assign_alice);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (vsa_edit_recheck (edit, &error), ==, VSA_DEFINE_UNCHANGED);
  g_assert_no_error (error);
}

/* ... someone else defined another change, or the domain is gone: it
 * cannot tell, and says why. */
static void
test_edit_recheck_cannot_tell (Fixture *fx, gconstpointer data)
{
  g_autoptr (VsaEdit) edit = prepare_edit (fx, "leaptest", assign_alice);
  g_autoptr (VsaEdit) gone = prepare_edit (fx, "debianx", assign_alice);
  g_autoptr (virDomain) dom = vsa_libvirt_lookup (fx->ctx->conn, "debianx", NULL);
  g_autoptr (xmlDoc) other = domain_doc (fx, "leaptest");
  g_autofree char *other_xml = NULL;
  g_autoptr (GError) error = NULL;

  xmlNodeSetContent (vsa_xml_child (xmlDocGetRootElement (other), "vcpu"), BAD_CAST "2");
  other_xml = vsa_xml_serialize (other);
  g_assert_true (vsa_libvirt_define (fx->ctx->conn, other_xml, TRUE, NULL, &error));
  g_assert_cmpint (vsa_edit_recheck (edit, &error), ==, VSA_DEFINE_UNKNOWN);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_UNCONFIRMED);
  g_assert_cmpstr (error->message, ==, "its definition is now neither the old one nor the one requested");
  g_clear_error (&error);

  g_assert_cmpint (virDomainDestroy (dom), ==, 0);
  g_assert_cmpint (virDomainUndefine (dom), ==, 0);
  g_assert_cmpint (vsa_edit_recheck (gone, &error), ==, VSA_DEFINE_UNKNOWN);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, "cannot read the XML of VM 'debianx': "));
  g_assert_nonnull (strstr (error->message, "no domain with matching uuid"));
}

/* A refused define is read again too: the claim that nothing changed is
 * checked, not assumed. */
static void
test_edit_refused_define_is_checked (Fixture *fx, gconstpointer data)
{
  g_autoptr (VsaEdit) edit = prepare_edit (fx, "leaptest", break_memory_unit);
  g_autofree char *before = domain_xml (fx, "leaptest");
  g_autofree char *after = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (vsa_edit_commit (fx->ctx, edit, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_LIBVIRT);
  g_assert_true (g_str_has_prefix (error->message, "libvirt refused the new domain XML: "));
  g_assert_true (g_str_has_suffix (error->message, "; read again: the old definition is in place, "
                                                   "nothing was changed"));
  g_assert_false (edit->reply_lost);
  after = domain_xml (fx, "leaptest");
  g_assert_cmpstr (before, ==, after);
}

/* --- bad input: one error, nothing changed ----------------------------- */

typedef struct {
  const char *label;
  const VsaCommand *command;
  const char *args[12];
  const char *stdin_text;
  int code;
  const char *message_part;
  const char *key_text; /* written to a file that an "@KEY@" argument names */
} BadInput;

#define GOOD_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOePNsBpR00K8g0TMvcxJPKl/EZQBOB/5NMY4kagXxqD alice@office\n"
#define ED25519_BLOB "AAAAC3NzaC1lZDI1NTE5AAAAIOePNsBpR00K8g0TMvcxJPKl/EZQBOB/5NMY4kagXxqD"
#define TUNNEL_ADD(vm, user) &vsa_command_tunnel, { "tunnel", "add", vm, user, "--key", "@KEY@"

static const BadInput bad_inputs[] = {
  { "unknown-vm", &vsa_command_secure, { "secure", "nosuchvm" }, NULL, VSA_ERROR_NOT_FOUND, "'nosuchvm' not found" },
  { "vm-name-path", &vsa_command_secure, { "secure", "../etc/passwd" }, NULL, VSA_ERROR_INVALID, "must not start with '.' or contain '/'" },
  { "port-zero", &vsa_command_secure, { "secure", "debianx", "--tls-port", "0" }, NULL, VSA_ERROR_INVALID, "not a TCP port" },
  { "port-too-big", &vsa_command_secure, { "secure", "debianx", "--tls-port", "70000" }, NULL, VSA_ERROR_INVALID, "not a TCP port" },
  { "port-not-number", &vsa_command_secure, { "secure", "debianx", "--tls-port", "20001x" }, NULL, VSA_ERROR_INVALID, "not a TCP port" },
  { "port-outside-range", &vsa_command_secure, { "secure", "debianx", "--tls-port", "5901" }, NULL, VSA_ERROR_INVALID, "outside the configured range 20001-20999" },
  { "listen-not-address", &vsa_command_secure, { "secure", "debianx", "--listen", "myhost.example" }, NULL, VSA_ERROR_INVALID, "not an IPv4 or IPv6" },
  { "listen-bad-ipv4", &vsa_command_secure, { "secure", "debianx", "--listen", "300.1.1.1" }, NULL, VSA_ERROR_INVALID, "not an IPv4 or IPv6" },
  { "password-mode", &vsa_command_secure, { "secure", "debianx", "--password", "maybe" }, NULL, VSA_ERROR_INVALID, "--password 'maybe' is unknown; use 'generate', 'stdin', 'keep' or 'none'" },
  { "compression", &vsa_command_secure, { "secure", "debianx", "--compression", "zip" }, NULL, VSA_ERROR_INVALID, "compression 'zip'" },
  { "secure-duration", &vsa_command_secure, { "secure", "debianx", "--valid-for", "soon" }, NULL, VSA_ERROR_INVALID, "duration 'soon'" },
  { "secure-stdin-space", &vsa_command_secure, { "secure", "debianx", "--password", "stdin" }, "two words\n", VSA_ERROR_INVALID, "printable ASCII" },
  { "secure-no-vm", &vsa_command_secure, { "secure" }, NULL, VSA_ERROR_USAGE, "usage:" },
  { "secure-two-vms", &vsa_command_secure, { "secure", "debianx", "leaptest" }, NULL, VSA_ERROR_USAGE, "usage:" },
  { "duration-unit", &vsa_command_password, { "password", "debianx", "--valid-for", "3x" }, NULL, VSA_ERROR_INVALID, "duration '3x'" },
  { "duration-zero", &vsa_command_password, { "password", "debianx", "--valid-for", "0" }, NULL, VSA_ERROR_INVALID, "duration '0'" },
  { "duration-huge", &vsa_command_password, { "password", "debianx", "--valid-for", "99999999999d" }, NULL, VSA_ERROR_INVALID, "longer than ten years" },
  { "valid-to-garbage", &vsa_command_password, { "password", "debianx", "--valid-to", "next tuesday" }, NULL, VSA_ERROR_INVALID, "time 'next tuesday'" },
  { "password-space", &vsa_command_password, { "password", "debianx", "--stdin" }, "two words\n", VSA_ERROR_INVALID, "printable ASCII" },
  { "password-control", &vsa_command_password, { "password", "debianx", "--stdin" }, "tab\there\n", VSA_ERROR_INVALID, "printable ASCII" },
  { "password-too-long", &vsa_command_password, { "password", "debianx", "--stdin" }, "0123456789012345678901234567890123456789012345678901234567890\n", VSA_ERROR_INVALID, "1 to 60 characters" },
  { "password-empty", &vsa_command_password, { "password", "debianx", "--stdin" }, "\n", VSA_ERROR_INVALID, "empty" },
  { "password-no-stdin", &vsa_command_password, { "password", "debianx", "--stdin" }, "", VSA_ERROR_INVALID, "nothing on standard input" },
  { "connected-policy", &vsa_command_password, { "password", "debianx", "--connected", "sometimes" }, NULL, VSA_ERROR_INVALID, "connected policy 'sometimes' is unknown; use 'keep', 'disconnect' or 'fail'" },
  { "generate-and-stdin", &vsa_command_password, { "password", "debianx", "--generate", "--stdin" }, NULL, VSA_ERROR_USAGE, "exclude each other" },
  { "valid-for-and-to", &vsa_command_password, { "password", "debianx", "--valid-for", "1h", "--valid-to", "2030-01-01T00:00:00" }, NULL, VSA_ERROR_USAGE, "exclude each other" },
  { "password-no-spice", &vsa_command_password, { "password", "imap" }, NULL, VSA_ERROR_NOT_FOUND, "no SPICE graphics" },
  { "status-unknown-vm", &vsa_command_status, { "status", "debianx", "ghost" }, NULL, VSA_ERROR_NOT_FOUND, "'ghost' not found" },
  { "audit-unknown-vm", &vsa_command_audit, { "audit", "ghost" }, NULL, VSA_ERROR_NOT_FOUND, "'ghost' not found" },
  { "show-unknown-vm", &vsa_command_show, { "show", "ghost" }, NULL, VSA_ERROR_NOT_FOUND, "'ghost' not found" },
  /* /etc/passwd: any existing regular file stands for a keyfile here. */
  { "volume-no-subcommand", &vsa_command_volume, { "volume" }, NULL, VSA_ERROR_USAGE, "volume needs a subcommand" },
  { "volume-unknown-subcommand", &vsa_command_volume, { "volume", "mount" }, NULL, VSA_ERROR_USAGE, "unknown volume subcommand 'mount'" },
  { "volume-attach-no-name", &vsa_command_volume, { "volume", "attach", "debianx", "vg/lv" }, NULL, VSA_ERROR_USAGE, "needs --name NAME" },
  { "volume-attach-bad-lv", &vsa_command_volume, { "volume", "attach", "debianx", "vg/lv$(reboot)", "--name", "cr" }, NULL, VSA_ERROR_INVALID, "logical volume name 'lv$(reboot)' is not valid" },
  { "volume-attach-bad-name", &vsa_command_volume, { "volume", "attach", "debianx", "vg/lv", "--name", "../sda" }, NULL, VSA_ERROR_INVALID, "mapping name '../sda' is not valid" },
  { "volume-attach-bad-target", &vsa_command_volume, { "volume", "attach", "debianx", "vg/lv", "--name", "cr", "--target", "sda", "--keyfile", "/etc/passwd" }, NULL, VSA_ERROR_INVALID, "disk target 'sda' is not a virtio disk name" },
  { "volume-attach-target-taken", &vsa_command_volume, { "volume", "attach", "debianx", "vg/lv", "--name", "cr", "--target", "vda", "--keyfile", "/etc/passwd" }, NULL, VSA_ERROR_CONFLICT, "disk target vda is taken by /var/lib/libvirt/images/debianx.qcow2" },
  { "volume-attach-no-keyfile", &vsa_command_volume, { "volume", "attach", "debianx", "vg/lv", "--name", "cr" }, NULL, VSA_ERROR_NOT_FOUND, "does not exist; run 'virt-spice-admin volume format vg/lv'" },
  { "volume-attach-unknown-vm", &vsa_command_volume, { "volume", "attach", "ghost", "vg/lv", "--name", "cr", "--keyfile", "/etc/passwd" }, NULL, VSA_ERROR_NOT_FOUND, "'ghost' not found" },
  { "volume-detach-unknown", &vsa_command_volume, { "volume", "detach", "debianx", "cr_none" }, NULL, VSA_ERROR_NOT_FOUND, "no volume 'cr_none'" },
  { "volume-format-two-key-sources", &vsa_command_volume, { "volume", "format", "vg/lv", "--keyfile", "/etc/passwd", "--passphrase-stdin" }, NULL, VSA_ERROR_USAGE, "exclude each other" },
  { "volume-format-bad-lv", &vsa_command_volume, { "volume", "format", "vg" }, NULL, VSA_ERROR_INVALID, "must be written VG/LV" },
  { "volume-attach-token-99", &vsa_command_volume, { "volume", "attach", "debianx", "vg/lv", "--name", "cr", "--token", "99" }, NULL, VSA_ERROR_INVALID, "token '99' is not valid: use 'any' or a LUKS2 token id 0..31" },
  { "volume-attach-token-foo", &vsa_command_volume, { "volume", "attach", "debianx", "vg/lv", "--name", "cr", "--token", "foo" }, NULL, VSA_ERROR_INVALID, "token 'foo' is not valid" },
  { "volume-attach-token-empty", &vsa_command_volume, { "volume", "attach", "debianx", "vg/lv", "--name", "cr", "--token", "" }, NULL, VSA_ERROR_INVALID, "token '' is not valid" },
  { "volume-attach-keyfile-and-token", &vsa_command_volume, { "volume", "attach", "debianx", "vg/lv", "--name", "cr", "--keyfile", "/etc/passwd", "--token", "0" }, NULL, VSA_ERROR_USAGE, "--keyfile and --token exclude each other" },
  { "volume-open-unknown-vm", &vsa_command_volume, { "volume", "open", "ghost" }, NULL, VSA_ERROR_NOT_FOUND, "'ghost' not found" },
  { "assign-user-space", &vsa_command_assign, { "assign", "debianx", "al ice" }, NULL, VSA_ERROR_INVALID, "not a portable user name" },
  { "assign-user-dash", &vsa_command_assign, { "assign", "debianx", "-root" }, NULL, VSA_ERROR_USAGE, "" },
  { "assign-user-sudoers-meta", &vsa_command_assign, { "assign", "debianx", "alice,ALL" }, NULL, VSA_ERROR_INVALID, "not a portable user name" },
  { "assign-user-too-long", &vsa_command_assign, { "assign", "debianx", "abcdefghijklmnopqrstuvwxyz0123456" }, NULL, VSA_ERROR_INVALID, "not a portable user name" },
  { "assign-client-shell-meta", &vsa_command_assign, { "assign", "debianx", "alice", "--client", "10.0.0.1;reboot" }, NULL, VSA_ERROR_INVALID, "client '10.0.0.1;reboot'" },
  { "assign-client-quote", &vsa_command_assign, { "assign", "debianx", "alice", "--client", "a'b" }, NULL, VSA_ERROR_INVALID, "neither an IP address nor a host name" },
  { "assign-unmanaged", &vsa_command_assign, { "assign", "debianx", "alice" }, NULL, VSA_ERROR_INVALID, "run 'virt-spice-admin secure debianx' first" },
  { "assign-both-sources", &vsa_command_assign, { "assign", "debianx", "alice", "--generate", "--password-stdin" }, NULL, VSA_ERROR_USAGE, "exclude each other" },
  { "assign-when-bad-day", &vsa_command_assign, { "assign", "debianx", "alice", "--when", "Mon-Fry" }, NULL, VSA_ERROR_INVALID, "--when: bad window 'Mon-Fry': 'Mon-Fry' is not a day" },
  { "assign-when-bad-time", &vsa_command_assign, { "assign", "debianx", "alice", "--when", "Mon 18:00-25:00" }, NULL, VSA_ERROR_INVALID, "'18:00-25:00' is not a time range HH:MM-HH:MM; accepted: always," },
  { "assign-unknown-vm", &vsa_command_assign, { "assign", "ghost", "alice" }, NULL, VSA_ERROR_NOT_FOUND, "'ghost' not found" },
  { "unassign-not-assigned", &vsa_command_unassign, { "unassign", "debianx", "carol" }, NULL, VSA_ERROR_NOT_FOUND, "'carol' is not assigned" },
  { "qemu-arg-unknown-action", &vsa_command_qemu_arg, { "qemu-arg", "append", "debianx", "-x" }, NULL, VSA_ERROR_USAGE, "unknown qemu-arg subcommand 'append'; use add, remove or list" },
  { "qemu-arg-no-arg", &vsa_command_qemu_arg, { "qemu-arg", "add", "debianx" }, NULL, VSA_ERROR_USAGE, "usage: virt-spice-admin qemu-arg add VM [--] ARG..." },
  { "qemu-arg-newline", &vsa_command_qemu_arg, { "qemu-arg", "add", "debianx", "-x\n-y" }, NULL, VSA_ERROR_INVALID, "not one line" },
  { "qemu-env-bad-name", &vsa_command_qemu_env, { "qemu-env", "set", "debianx", "A-B=1" }, NULL, VSA_ERROR_INVALID, "'A-B' is not valid" },
 { "export-client-meta", &vsa_command_export, { "export", "--client", "a;b" }, NULL, VSA_ERROR_INVALID, "client 'a;b' is neither" },
  { "export-no-ca", &vsa_command_export, { "export" }, NULL, VSA_ERROR_NOT_FOUND, "cannot read the CA certificate" },
  { "export-operand", &vsa_command_export, { "export", "debianx" }, NULL, VSA_ERROR_USAGE, "usage:" },
  { "client-unknown-action", &vsa_command_client, { "client", "deploy", "--policy", "/nonexistent" }, NULL, VSA_ERROR_USAGE, "use render, install, check or sync" },
  { "client-no-policy", &vsa_command_client, { "client", "check", "--client", "lap" }, NULL, VSA_ERROR_USAGE, "needs --policy FILE" },
  { "client-missing-policy", &vsa_command_client, { "client", "check", "--policy", "/nonexistent/p.xml", "--client", "lap" }, NULL, VSA_ERROR_NOT_FOUND, "cannot read the client policy" },
  { "client-render-no-dest", &vsa_command_client, { "client", "render", "--policy", "/nonexistent/p.xml", "--client", "lap" }, NULL, VSA_ERROR_USAGE, "needs --dest DIR" },
  { "client-bad-firewall", &vsa_command_client, { "client", "check", "--policy", "/dev/null", "--client", "lap", "--firewall", "pf" }, NULL, VSA_ERROR_INVALID, "firewall 'pf' is unknown" },
  { "qemu-env-unset-value", &vsa_command_qemu_env, { "qemu-env", "unset", "debianx", "A=1" }, NULL, VSA_ERROR_USAGE, "takes a NAME" },
  /* --valid-for replaces a default: under the sanitizer and valgrind builds
   * this also proves the default is not leaked. */
  { "ticket-valid-for-too-long", &vsa_command_ticket, { "ticket", "debianx", "--valid-for", "2h" }, NULL, VSA_ERROR_INVALID, "ticket duration 2h is beyond the maximum of 3600 seconds" },
  { "probe-port-zero", &vsa_command_probe, { "probe", "debianx", "--port", "0" }, NULL, VSA_ERROR_INVALID, "--port 0 is not a TCP port" },
  { "probe-port-too-big", &vsa_command_probe, { "probe", "debianx", "--port", "70000" }, NULL, VSA_ERROR_INVALID, "--port 70000 is not a TCP port" },
  { "tunnel-no-action", &vsa_command_tunnel, { "tunnel" }, NULL, VSA_ERROR_USAGE, "tunnel needs a subcommand; use add, remove, render or install" },
  { "tunnel-unknown-action", &vsa_command_tunnel, { "tunnel", "open", "debianx" }, NULL, VSA_ERROR_USAGE, "unknown tunnel subcommand 'open'" },
  { "tunnel-add-no-key", &vsa_command_tunnel, { "tunnel", "add", "debianx", "alice" }, NULL, VSA_ERROR_USAGE, "tunnel add needs --key PUBKEYFILE" },
  { "tunnel-add-no-user", &vsa_command_tunnel, { "tunnel", "add", "debianx", "--key", "@KEY@" }, NULL, VSA_ERROR_USAGE, "usage: virt-spice-admin tunnel add VM USER", GOOD_KEY },
  { "tunnel-user-root", TUNNEL_ADD ("debianx", "root") }, NULL, VSA_ERROR_INVALID, "user 'root' cannot have a tunnel", GOOD_KEY },
  { "tunnel-user-dotdot", TUNNEL_ADD ("debianx", "..") }, NULL, VSA_ERROR_INVALID, "user '..' cannot have a tunnel", GOOD_KEY },
  { "tunnel-user-space", TUNNEL_ADD ("debianx", "al ice") }, NULL, VSA_ERROR_INVALID, "user name 'al ice' is not a portable user name", GOOD_KEY },
  { "tunnel-user-match-list", TUNNEL_ADD ("debianx", "alice,bob") }, NULL, VSA_ERROR_INVALID, "is not a portable user name", GOOD_KEY },
  { "tunnel-user-wildcard", TUNNEL_ADD ("debianx", "a*") }, NULL, VSA_ERROR_INVALID, "is not a portable user name", GOOD_KEY },
  { "tunnel-user-newline", TUNNEL_ADD ("debianx", "alice\nMatch") }, NULL, VSA_ERROR_INVALID, "is not a portable user name", GOOD_KEY },
  { "tunnel-from-host-bits", TUNNEL_ADD ("debianx", "alice"), "--from", "192.168.2.1/24" }, NULL, VSA_ERROR_INVALID, "from '192.168.2.1/24' has bits set past the /24 prefix", GOOD_KEY },
  { "tunnel-from-host-name", TUNNEL_ADD ("debianx", "alice"), "--from", "office.example" }, NULL, VSA_ERROR_INVALID, "from 'office.example' is not an IP address", GOOD_KEY },
  { "tunnel-from-pattern", TUNNEL_ADD ("debianx", "alice"), "--from", "192.168.2.*" }, NULL, VSA_ERROR_INVALID, "is not an IP address", GOOD_KEY },
  { "tunnel-from-quote", TUNNEL_ADD ("debianx", "alice"), "--from", "1.2.3.4\",command=\"sh" }, NULL, VSA_ERROR_INVALID, "is not an IP address", GOOD_KEY },
  { "tunnel-key-missing", &vsa_command_tunnel, { "tunnel", "add", "debianx", "alice", "--key", "/nonexistent/alice.pub" }, NULL, VSA_ERROR_INVALID, "public key file '/nonexistent/alice.pub' is not a readable file" },
  { "tunnel-key-options", TUNNEL_ADD ("debianx", "alice") }, NULL, VSA_ERROR_INVALID, "starts with authorized_keys options", "command=\"/bin/sh\" " GOOD_KEY },
  { "tunnel-key-type", TUNNEL_ADD ("debianx", "alice") }, NULL, VSA_ERROR_INVALID, "key type 'ssh-dss' is not supported", "ssh-dss " ED25519_BLOB "\n" },
  { "tunnel-key-type-mismatch", TUNNEL_ADD ("debianx", "alice") }, NULL, VSA_ERROR_INVALID, "the key data is a 'ssh-ed25519' key but the line says 'ecdsa-sha2-nistp256'", "ecdsa-sha2-nistp256 " ED25519_BLOB "\n" },
  { "tunnel-key-base64", TUNNEL_ADD ("debianx", "alice") }, NULL, VSA_ERROR_INVALID, "the key data is not valid base64", "ssh-ed25519 AAAAC3Nza!C1lZDI1NTE5\n" },
  { "tunnel-key-truncated", TUNNEL_ADD ("debianx", "alice") }, NULL, VSA_ERROR_INVALID, "the ssh-ed25519 key data is malformed (the public point is not 32 bytes)", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOePNsBpR00K8g0TMvcxJPKl/EZQBOB/5NMY4kag\n" },
  { "tunnel-key-private", TUNNEL_ADD ("debianx", "alice") }, NULL, VSA_ERROR_INVALID, "this is a private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n" },
  { "tunnel-key-two", TUNNEL_ADD ("debianx", "alice") }, NULL, VSA_ERROR_INVALID, "more than one key", GOOD_KEY GOOD_KEY },
  { "tunnel-key-comment-quote", TUNNEL_ADD ("debianx", "alice") }, NULL, VSA_ERROR_INVALID, "quotes or backslashes", "ssh-ed25519 " ED25519_BLOB " alice\"x\n" },
  { "tunnel-key-empty", TUNNEL_ADD ("debianx", "alice") }, NULL, VSA_ERROR_INVALID, "a public key file holds one line", "" },
  { "tunnel-add-unmanaged", TUNNEL_ADD ("debianx", "alice") }, NULL, VSA_ERROR_INVALID, "VM 'debianx': the VM is not managed yet; run 'virt-spice-admin secure debianx' first", GOOD_KEY },
  { "tunnel-add-unknown-vm", TUNNEL_ADD ("ghost", "alice") }, NULL, VSA_ERROR_NOT_FOUND, "'ghost' not found", GOOD_KEY },
  { "tunnel-remove-unmanaged", &vsa_command_tunnel, { "tunnel", "remove", "debianx", "alice" }, NULL, VSA_ERROR_INVALID, "not managed yet" },
  { "tunnel-render-operand", &vsa_command_tunnel, { "tunnel", "render", "debianx" }, NULL, VSA_ERROR_USAGE, "usage: virt-spice-admin tunnel render" },
};

static void
test_bad_input (Fixture *fx, gconstpointer data)
{
  const BadInput *bad = data;
  static const char *const vms[] = { "debianx", "leaptest", "imap" };
  g_auto (GStrv) before = g_new0 (char *, G_N_ELEMENTS (vms) + 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *key_file = g_build_filename (fx->state_dir, "key.pub", NULL);
  const char *args[G_N_ELEMENTS (bad->args)] = { NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (vms); i++)
    before[i] = domain_xml (fx, vms[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (bad->args); i++)
    args[i] = g_strcmp0 (bad->args[i], "@KEY@") == 0 ? key_file : bad->args[i];
  if (bad->key_text)
    g_assert_true (g_file_set_contents (key_file, bad->key_text, -1, NULL));
  g_assert_false (run_argv (fx, bad->command, bad->stdin_text, (char **) args, &error));
  /* Usage errors come from GOption too; what counts is exit status 2. */
  if (bad->code == VSA_ERROR_USAGE)
    g_assert_cmpint (vsa_error_exit_status (error), ==, 2);
  else
    g_assert_error (error, VSA_ERROR, bad->code);
  vsa_test_assert_message_has (error, bad->message_part);
  g_assert_null (strchr (error->message, '\n'));
  for (gsize i = 0; i < G_N_ELEMENTS (vms); i++)
    {
      g_autofree char *after = domain_xml (fx, vms[i]);
      g_assert_cmpstr (before[i], ==, after);
      g_assert_cmpuint (count_backups (fx, vms[i]), ==, 0);
    }
}

/* --- volume -------------------------------------------------------------- */

/* The keyfile `volume format` would have made, under the fixture's key-dir. */
static void
make_default_keyfile (Fixture *fx, const char *lv)
{
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;

  g_free (fx->ctx->config->key_dir);
  fx->ctx->config->key_dir = g_build_filename (fx->state_dir, "keys", NULL);
  path = vsa_volume_default_keyfile (fx->ctx->config, lv);
  dir = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "key", -1, NULL));
}

static void
test_volume_attach_adds_disk_and_metadata (Fixture *fx, gconstpointer data)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VsaPolicy) policy = NULL;
  g_autofree char *target = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  VsaVolume *volume;

  make_default_keyfile (fx, "volgrp4/lvimap_hd0");
  RUN_OK (fx, &vsa_command_volume, NULL, "volume", "attach", "debianx", "volgrp4/lvimap_hd0", "--name", "cr_imap");
  first = domain_xml (fx, "debianx");
  doc = domain_doc (fx, "debianx");
  target = vsa_disk_target_of_volume (doc, "cr_imap");
  g_assert_cmpstr (target, ==, "vdb"); /* vda is the system disk */
  g_assert_true (vsa_policy_from_domain (doc, &policy, NULL));
  g_assert_cmpuint (policy->volumes->len, ==, 1);
  volume = g_ptr_array_index (policy->volumes, 0);
  g_assert_cmpstr (volume->lv, ==, "volgrp4/lvimap_hd0");
  g_assert_true (g_str_has_suffix (volume->keyfile, "/keys/volgrp4/lvimap_hd0.key"));
  g_assert_nonnull (strstr (fx->err, "volume 'cr_imap' (volgrp4/lvimap_hd0) is disk vdb"));

  RUN_OK (fx, &vsa_command_volume, NULL, "volume", "attach", "debianx", "volgrp4/lvimap_hd0", "--name", "cr_imap");
  second = domain_xml (fx, "debianx");
  g_assert_cmpstr (first, ==, second);
  g_assert_cmpuint (count_backups (fx, "debianx"), ==, 1);
}

static void
test_volume_attach_dry_run_prints_diff_only (Fixture *fx, gconstpointer data)
{
  g_autofree char *before = domain_xml (fx, "leaptest");
  g_autofree char *after = NULL;

  RUN_OK (fx, &vsa_command_volume, NULL, "volume", "attach", "leaptest", "vg/data", "--name", "cr_data",
          "--target", "vdc", "--keyfile", "/etc/passwd", "--dry-run");
  g_assert_nonnull (strstr (fx->out, "+      <source dev=\"/dev/mapper/cr_data\"/>"));
  g_assert_nonnull (strstr (fx->out, "+      <target dev=\"vdc\" bus=\"virtio\"/>"));
  g_assert_nonnull (strstr (fx->out, "+      <vsa:volume lv=\"vg/data\" name=\"cr_data\" keyfile=\"/etc/passwd\"/>"));
  after = domain_xml (fx, "leaptest");
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (count_backups (fx, "leaptest"), ==, 0);
}

static void
test_volume_list_and_detach (Fixture *fx, gconstpointer data)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VsaPolicy) policy = NULL;
  JsonArray *rows;
  JsonObject *row;

  make_default_keyfile (fx, "vg/a");
  make_default_keyfile (fx, "vg/b");
  RUN_OK (fx, &vsa_command_volume, NULL, "volume", "attach", "imap", "vg/a", "--name", "cr_a");
  RUN_OK (fx, &vsa_command_volume, NULL, "volume", "attach", "imap", "vg/b", "--name", "cr_b");
  RUN_OK (fx, &vsa_command_volume, NULL, "volume", "list", "--json");
  g_assert_true (json_parser_load_from_data (parser, fx->out, (gssize) fx->out_len, NULL));
  rows = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (rows), ==, 2);
  row = json_array_get_object_element (rows, 1);
  g_assert_cmpstr (json_object_get_string_member (row, "vm"), ==, "imap");
  g_assert_cmpstr (json_object_get_string_member (row, "name"), ==, "cr_b");
  g_assert_cmpstr (json_object_get_string_member (row, "lv"), ==, "vg/b");
  g_assert_cmpstr (json_object_get_string_member (row, "target"), ==, "vdb");

  RUN_OK (fx, &vsa_command_volume, NULL, "volume", "detach", "imap", "cr_a");
  doc = domain_doc (fx, "imap");
  g_assert_null (vsa_disk_target_of_volume (doc, "cr_a"));
  g_assert_true (vsa_policy_from_domain (doc, &policy, NULL));
  g_assert_cmpuint (policy->volumes->len, ==, 1);
  RUN_OK (fx, &vsa_command_volume, NULL, "volume", "list", "imap");
  g_assert_nonnull (strstr (fx->out, "cr_b"));
  g_assert_null (strstr (fx->out, "cr_a"));
}

/* The test driver's volumes exist nowhere: the header cannot be read,
 * which is said, and the token recorded with no keyfile. */
static void
test_volume_attach_token_records_no_keyfile (Fixture *fx, gconstpointer data)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VsaPolicy) policy = NULL;
  g_autofree char *xml = NULL;
  VsaVolume *volume;
  JsonObject *row;

  RUN_OK (fx, &vsa_command_volume, NULL, "volume", "attach", "imap", "vsa-no-such-vg/data", "--name", "cr_data",
          "--token", "any");
  g_assert_nonnull (strstr (fx->err, "/dev/vsa-no-such-vg/data is not here (logical volume inactive or on "
                                     "another host); token any of its LUKS header is not checked"));
  xml = domain_xml (fx, "imap");
  g_assert_nonnull (strstr (xml, "<vsa:volume lv=\"vsa-no-such-vg/data\" name=\"cr_data\" token=\"any\"/>"));
  doc = domain_doc (fx, "imap");
  g_assert_true (vsa_policy_from_domain (doc, &policy, NULL));
  volume = vsa_policy_find_volume (policy, "cr_data");
  g_assert_cmpstr (volume->token, ==, "any");
  g_assert_null (volume->keyfile);

  RUN_OK (fx, &vsa_command_volume, NULL, "volume", "list", "imap");
  g_assert_nonnull (strstr (fx->out, " KEY\n"));
  g_assert_nonnull (strstr (fx->out, " token any\n"));
  RUN_OK (fx, &vsa_command_volume, NULL, "volume", "list", "imap", "--json");
  g_assert_true (json_parser_load_from_data (parser, fx->out, (gssize) fx->out_len, NULL));
  row = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpstr (json_object_get_string_member (row, "token"), ==, "any");
  g_assert_true (json_object_get_null_member (row, "keyfile"));
}

static void
test_unreachable_uri (void)
{
  g_autoptr (VsaContext) ctx = vsa_context_new ();
  g_autoptr (GError) error = NULL;
  const char *argv[] = { "show", "debianx", NULL };

  ctx->uri = g_strdup ("qemu+unix:///system?socket=/nonexistent/libvirt-sock");
  ctx->config = vsa_config_new_defaults ();
  g_assert_false (vsa_command_dispatch (ctx, &vsa_command_show, 2, (char **) argv, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_LIBVIRT);
  g_assert_nonnull (strstr (error->message, "cannot connect to libvirt at"));
}

static void
test_firewall_unknown_action_is_usage_error (Fixture *fx, gconstpointer data)
{
  static const char *const actions[][3] = { { "firewall", "open", NULL }, { "firewall", "sync", "debianx" },
                                             { "firewall", NULL, NULL } };
  static const char *const messages[] = {
    "unknown firewall subcommand 'open'; use status, sync or flush (see 'virt-spice-admin firewall --help')",
    "usage: virt-spice-admin firewall sync (see 'virt-spice-admin firewall sync --help')",
    "firewall needs a subcommand; use status, sync or flush (see 'virt-spice-admin firewall --help')",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (run_argv (fx, &vsa_command_firewall, NULL, (char **) actions[i], &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_USAGE);
      g_assert_cmpstr (error->message, ==, messages[i]);
    }
}

/* --dry-run shows the one transaction and sends nothing to the kernel. */
static void
test_firewall_flush_dry_run_prints_transaction (Fixture *fx, gconstpointer data)
{
  RUN_OK (fx, &vsa_command_firewall, NULL, "firewall", "flush", "--dry-run");
  g_assert_cmpstr (fx->out, ==, "add table inet virt_spice_admin\ndelete table inet virt_spice_admin\n");
}

static void
test_firewall_sync_refused_when_disabled (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fx->ctx->config->firewall = FALSE;
  g_assert_false (run_cmd (fx, &vsa_command_firewall, NULL, &error, "firewall", "sync", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "the firewall is disabled (firewall = false"));
  g_assert_null (strchr (error->message, '\n'));
}

/* --- apply ----------------------------------------------------------------- */

#define MANIFEST_HEAD "<manifest xmlns='http://virt-spice-admin.org/xmlns/manifest/1.0'>\n"

/* The manifest as a file in the fixture's state directory. */
static char *
write_manifest (Fixture *fx, const char *body)
{
  g_autofree char *text = g_strconcat (MANIFEST_HEAD, body, "\n</manifest>\n", NULL);
  char *path = g_build_filename (fx->state_dir, "manifest.xml", NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static const char office_body[] =
  "<host name='mysrv'>\n"
  "  <vm name='debianx' auth='password' tls-port='20001'><user name='charlie'/></vm>\n"
  "  <vm name='leaptest' auth='password'><user name='ralph'><client address='192.168.2.23'/></user></vm>\n"
  "  <vm name='imap' auth='password' replace-vnc='yes'><user name='maggie' when='Mon,Tue'/>"
  "<user name='anne' when='Wed-Thu'/></vm>\n"
  "</host>";

static gboolean
run_apply (Fixture *fx, const char *manifest, const char *flag, GError **error)
{
  return run_cmd (fx, &vsa_command_apply, NULL, error, "apply", manifest, flag, NULL);
}

/* MANIFEST is refused as a whole with an error ending in MESSAGE_END;
 * the first VM, which it would have changed, is byte-identical. */
static void
assert_apply_refused_unchanged (Fixture *fx, const char *manifest, const char *message_end)
{
  g_autofree char *before = domain_xml (fx, "debianx");
  g_autofree char *after = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (run_apply (fx, manifest, NULL, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  if (!g_str_has_suffix (error->message, message_end))
    g_error ("unexpected error: %s", error->message);
  after = domain_xml (fx, "debianx");
  g_assert_cmpstr (before, ==, after);
}

static void
test_apply_twice_second_changes_nothing (Fixture *fx, gconstpointer data)
{
  g_autofree char *manifest = write_manifest (fx, office_body);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (run_apply (fx, manifest, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (fx->out, "mysrv/debianx: changed: password, TLS port 20001 on 127.0.0.1, new password\n"));
  g_assert_nonnull (strstr (fx->out, "3 changed, 0 unchanged, 0 failed\n"));
  g_assert_cmpint (tls_port_of (fx, "leaptest"), ==, 20002);
  g_assert_cmpint (tls_port_of (fx, "imap"), ==, 20003);
  policy = policy_of (fx, "imap");
  g_assert_cmpuint (policy->access->len, ==, 2);
  first = domain_xml (fx, "debianx");

  g_assert_true (run_apply (fx, manifest, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (fx->out, "mysrv/imap: unchanged\n"));
  g_assert_nonnull (strstr (fx->out, "0 changed, 3 unchanged, 0 failed\n"));
  second = domain_xml (fx, "debianx");
  g_assert_cmpstr (first, ==, second);
  g_assert_cmpuint (count_backups (fx, "debianx"), ==, 1);
}

/* The manifest's windows are the VM's: a changed when= changes the
 * metadata, an absent one lifts the window. */
static void
test_apply_converges_windows (Fixture *fx, gconstpointer data)
{
  g_autofree char *manifest = write_manifest (fx, office_body);
  g_autofree char *later = NULL;
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *maggie = NULL;
  g_autofree char *anne = NULL;

  g_assert_true (run_apply (fx, manifest, NULL, &error));
  policy = policy_of (fx, "imap");
  maggie = vsa_window_set_to_string (vsa_policy_find_access (policy, "maggie")->when);
  g_assert_cmpstr (maggie, ==, "Mon-Tue");
  /* write_manifest rewrites the same file. */
  later = write_manifest (fx, "<host name='mysrv'><vm name='imap' auth='password' replace-vnc='yes'>"
                              "<user name='maggie' when='Mon 08:00-12:00'/><user name='anne'/></vm></host>");
  g_assert_true (run_apply (fx, later, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (fx->out, "mysrv/imap: changed"));
  g_clear_pointer (&policy, vsa_policy_free);
  g_clear_pointer (&maggie, g_free);
  policy = policy_of (fx, "imap");
  maggie = vsa_window_set_to_string (vsa_policy_find_access (policy, "maggie")->when);
  anne = vsa_window_set_to_string (vsa_policy_find_access (policy, "anne")->when);
  g_assert_cmpstr (maggie, ==, "Mon 08:00-12:00");
  g_assert_cmpstr (anne, ==, "always");
}

static void
test_apply_dry_run_changes_nothing (Fixture *fx, gconstpointer data)
{
  static const char *const vms[] = { "debianx", "leaptest", "imap" };
  g_autofree char *manifest = write_manifest (fx, office_body);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) before = g_new0 (char *, G_N_ELEMENTS (vms) + 1);

  for (gsize i = 0; i < G_N_ELEMENTS (vms); i++)
    before[i] = domain_xml (fx, vms[i]);
  g_assert_true (run_apply (fx, manifest, "--dry-run", &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (fx->out, "--- leaptest.xml (current)\n+++ leaptest.xml (new)\n"));
  g_assert_nonnull (strstr (fx->out, "+    <graphics type=\"spice\" tlsPort=\"20003\""));
  g_assert_nonnull (strstr (fx->out, "3 changed, 0 unchanged, 0 failed\n"));
  g_assert_nonnull (strstr (fx->err, "dry run: nothing was changed"));
  for (gsize i = 0; i < G_N_ELEMENTS (vms); i++)
    {
      g_autofree char *after = domain_xml (fx, vms[i]);

      g_assert_cmpstr (before[i], ==, after);
      g_assert_cmpuint (count_backups (fx, vms[i]), ==, 0);
    }
}

/* imap (VNC, no replace-vnc) and an unknown VM fail; the others converge. */
static void
test_apply_failed_vm_left_untouched (Fixture *fx, gconstpointer data)
{
  g_autofree char *manifest = write_manifest (fx,
    "<host name='mysrv'>\n"
    "  <vm name='debianx' auth='password'/>\n"
    "  <vm name='imap' auth='password'><user name='alice'/></vm>\n"
    "  <vm name='ghost' auth='password'/>\n"
    "  <vm name='leaptest' auth='password'/>\n"
    "</host>");
  g_autofree char *imap_before = domain_xml (fx, "imap");
  g_autofree char *imap_after = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (run_apply (fx, manifest, NULL, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_FAILED);
  g_assert_cmpint (vsa_error_exit_status (error), ==, 1);
  g_assert_nonnull (strstr (error->message, "2 of 4 VMs failed"));
  g_assert_nonnull (strstr (fx->out, "mysrv/imap: failed: the VM has VNC graphics"));
  g_assert_nonnull (strstr (fx->out, "mysrv/ghost: failed: VM 'ghost' not found on this connection"));
  g_assert_nonnull (strstr (fx->out, "2 changed, 0 unchanged, 2 failed\n"));
  imap_after = domain_xml (fx, "imap");
  g_assert_cmpstr (imap_before, ==, imap_after);
  g_assert_cmpuint (count_backups (fx, "imap"), ==, 0);
  g_assert_cmpint (tls_port_of (fx, "debianx"), ==, 20001);
  g_assert_cmpint (tls_port_of (fx, "leaptest"), ==, 20002);
}

static void
test_apply_prune_removes_extra_assignment (Fixture *fx, gconstpointer data)
{
  g_autofree char *both = write_manifest (fx,
    "<host name='mysrv'><vm name='leaptest' auth='password'>\n"
    "  <user name='alice'><client address='10.0.0.1'/><client address='10.0.0.2'/></user>\n"
    "  <user name='bob'/></vm></host>");
  g_autofree char *alice_only = NULL;
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;
  VsaAccess *alice;

  g_assert_true (run_apply (fx, both, NULL, &error));
  g_free (write_manifest (fx,
    "<host name='mysrv'><vm name='leaptest' auth='password'>\n"
    "  <user name='alice'><client address='10.0.0.2'/></user></vm></host>"));
  alice_only = g_build_filename (fx->state_dir, "manifest.xml", NULL);
  g_assert_true (run_apply (fx, alice_only, NULL, &error));
  g_assert_nonnull (strstr (fx->out, "mysrv/leaptest: unchanged\n")); /* without --prune: kept */
  g_assert_true (run_apply (fx, alice_only, "--prune", &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (fx->out, "mysrv/leaptest: changed: password, TLS port 20001 on 127.0.0.1, 1 user pruned\n"));
  policy = policy_of (fx, "leaptest");
  g_assert_cmpuint (policy->access->len, ==, 1);
  alice = g_ptr_array_index (policy->access, 0);
  g_assert_cmpstr (alice->user, ==, "alice");
  g_assert_cmpuint (alice->clients->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (alice->clients, 0), ==, "10.0.0.2");
}

#define CHARLIE_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGEt8M5kTCoOGk3e1vcof2BMWFpntYLbgtcH+vbgBGIK charlie@laptop"

/* Tunnels converge like assignments: recorded once, unchanged the second
 * time, and with --prune a tunnel the manifest does not list goes. */
static void
test_apply_converges_tunnels (Fixture *fx, gconstpointer data)
{
  g_autofree char *manifest = write_manifest (fx,
    "<host name='mysrv'><vm name='leaptest' auth='password'>\n"
    "  <user name='charlie'/>\n"
    "  <tunnel user='charlie' from='192.168.2.0/24' ssh-key='" CHARLIE_KEY "'/></vm></host>");
  g_autofree char *alice_key = vsa_test_data_path ("tunnel", "keys", "alice.pub", NULL);
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;
  VsaTunnel *tunnel;

  g_assert_true (run_apply (fx, manifest, NULL, &error));
  g_assert_no_error (error);
  policy = policy_of (fx, "leaptest");
  tunnel = vsa_policy_find_tunnel (policy, "charlie");
  g_assert_nonnull (tunnel);
  g_assert_cmpstr (tunnel->from, ==, "192.168.2.0/24");
  g_assert_cmpstr (tunnel->key->comment, ==, "charlie@laptop");
  g_assert_true (run_apply (fx, manifest, NULL, &error));
  g_assert_nonnull (strstr (fx->out, "mysrv/leaptest: unchanged\n"));

  RUN_OK (fx, &vsa_command_tunnel, NULL, "tunnel", "add", "leaptest", "charlie", "--key", alice_key);
  g_assert_true (run_apply (fx, manifest, "--prune", &error));
  g_clear_pointer (&policy, vsa_policy_free);
  policy = policy_of (fx, "leaptest");
  g_assert_cmpuint (policy->tunnels->len, ==, 1);
  g_assert_cmpstr (vsa_policy_find_tunnel (policy, "charlie")->key->comment, ==, "charlie@laptop");
}

/* sasl mode, a window closed now: apply takes the new credential out of
 * the VM's database into the vault at once (as assign does), and the
 * next run finds it there instead of asking for a new one. */
static void
test_apply_sasl_closed_window_credential_in_vault (Fixture *fx, gconstpointer data)
{
  g_autofree char *open = NULL;
  g_autofree char *closed = NULL;
  g_autofree char *body = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *vault = NULL;
  g_autoptr (GError) error = NULL;

  sasl_windows_around_now (fx, &open, &closed);
  body = g_strdup_printf ("<host name='mysrv'><vm name='leaptest' auth='sasl'>"
                          "<user name='maggie' when='%s'/><user name='anne' when='%s'/></vm></host>",
                          closed, open);
  manifest = write_manifest (fx, body);
  dir = vsa_sasl_vm_dir (fx->ctx->config, "leaptest");
  vault = vsa_sasl_vault_dir (fx->ctx->config, "leaptest");
  g_assert_true (run_apply (fx, manifest, "--generate-passwords", &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (fx->out, ", 2 new SASL credentials\n"));
  g_assert_false (vsa_sasl_user_exists (dir, "maggie"));
  g_assert_true (vsa_sasl_user_exists (vault, "maggie"));
  g_assert_true (vsa_sasl_user_exists (dir, "anne"));
  g_assert_true (run_apply (fx, manifest, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (strstr (fx->out, "new SASL credential"));
  g_assert_false (vsa_sasl_user_exists (dir, "maggie"));
}

/* apply --json: the console broker's row, every member present. */
static void
assert_json_broker_checked (Fixture *fx, const char *manifest)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *root;
  JsonArray *rows;
  JsonObject *row;

  g_assert_true (run_cmd (fx, &vsa_command_apply, NULL, &error, "apply", manifest, "--json", NULL));
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, fx->out, (gssize) fx->out_len, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "tunnels")), ==, 0);
  rows = json_object_get_array_member (root, "broker");
  g_assert_cmpuint (json_array_get_length (rows), ==, 1);
  row = json_array_get_object_element (rows, 0);
  g_assert_cmpstr (json_object_get_string_member (row, "hosts"), ==, "mysrv");
  g_assert_cmpstr (json_object_get_string_member (row, "status"), ==, "checked");
  g_assert_nonnull (strstr (json_object_get_string_member (row, "detail"), "broker install"));
  g_assert_true (json_object_get_null_member (row, "error"));
  g_assert_cmpint (json_object_get_int_member (root, "changed"), ==, 0);
}

#define MAGGIE_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILYcPGdckKARw1DqtvIiuHHdNQBf5E2xzTihTVWqqfZi maggie@laptop"

/* The console broker's keys and take-over rights converge as `assign
 * --ssh-key --take-over` records them: after apply, assign with the same
 * key changes nothing; a second run changes nothing; without --prune a
 * key the manifest does not give stays, with --prune it goes (--dry-run
 * first: nothing changes). */
static void
test_apply_converges_broker_users (Fixture *fx, gconstpointer data)
{
  g_autofree char *manifest = write_manifest (fx,
    "<host name='mysrv'><vm name='leaptest' auth='password'>\n"
    "  <user name='maggie' take-over='yes' ssh-key='" MAGGIE_KEY "'/>\n"
    "  <user name='ralph'/></vm></host>");
  g_autofree char *maggie_pub = g_build_filename (fx->state_dir, "maggie.pub", NULL);
  g_autofree char *bob_pub = vsa_test_data_path ("tunnel", "keys", "bob.pub", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;
  const VsaBrokerUser *maggie;

  g_assert_true (run_apply (fx, manifest, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (fx->out, ", console keys changed\n"));
  /* The test driver runs no sshd: the row says where the files come from. */
  g_assert_nonnull (strstr (fx->out, "console broker of mysrv: checked: libvirt's test driver runs "
                                     "no sshd ('broker install --dry-run' shows its files)\n"));
  g_assert_true (run_apply (fx, manifest, NULL, &error));
  g_assert_nonnull (strstr (fx->out, "mysrv/leaptest: unchanged\n"));
  policy = policy_of (fx, "leaptest");
  maggie = vsa_policy_find_broker_user (policy, "maggie");
  g_assert_true (maggie->take_over);
  g_assert_cmpstr (maggie->key->comment, ==, "maggie@laptop");
  g_assert_null (vsa_policy_find_broker_user (policy, "ralph"));
  before = domain_xml (fx, "leaptest");
  g_assert_true (g_file_set_contents (maggie_pub, MAGGIE_KEY "\n", -1, NULL));
  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "leaptest", "maggie", "--ssh-key", maggie_pub,
          "--take-over");
  after = domain_xml (fx, "leaptest");
  g_assert_cmpstr (before, ==, after);
  g_clear_pointer (&before, g_free);
  g_clear_pointer (&after, g_free);

  RUN_OK (fx, &vsa_command_assign, NULL, "assign", "leaptest", "ralph", "--ssh-key", bob_pub,
          "--take-over");
  g_assert_true (run_apply (fx, manifest, NULL, &error));
  g_assert_nonnull (strstr (fx->out, "mysrv/leaptest: unchanged\n")); /* without --prune: kept */
  before = domain_xml (fx, "leaptest");
  g_assert_true (run_cmd (fx, &vsa_command_apply, NULL, &error, "apply", manifest, "--prune",
                          "--dry-run", NULL));
  g_assert_nonnull (strstr (fx->out, "mysrv/leaptest: changed: password, TLS port 20001 on "
                                     "127.0.0.1, console keys changed\n"));
  after = domain_xml (fx, "leaptest");
  g_assert_cmpstr (before, ==, after);
  g_assert_true (run_apply (fx, manifest, "--prune", &error));
  g_assert_no_error (error);
  g_clear_pointer (&policy, vsa_policy_free);
  policy = policy_of (fx, "leaptest");
  g_assert_null (vsa_policy_find_broker_user (policy, "ralph"));
  g_assert_nonnull (vsa_policy_find_broker_user (policy, "maggie"));
  g_assert_true (run_apply (fx, manifest, "--prune", &error));
  g_assert_nonnull (strstr (fx->out, "mysrv/leaptest: unchanged\n"));
  assert_json_broker_checked (fx, manifest);
}

/* apply's client bundle for a user with a console key is the broker's,
 * as `export` + `client render` make it: the manifest's <broker> names
 * the test driver's broker (no machine, so it must), maggie's row asks it,
 * its host key is pinned and she has no .vv; ralph (no key) keeps his. */
#define BROKER_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDxqmHbXew2JeylIQOH9TMXIgmTCIWBWnrZAQT/Zfvd5"
static const char bundle_body[] =
  "<host name='mysrv'>%s<vm name='leaptest' auth='password'>\n"
  "  <user name='maggie' ssh-key='" MAGGIE_KEY "'><client address='192.168.2.25'/></user>\n"
  "  <user name='ralph'><client address='192.168.2.25'/></user></vm></host>\n"
  "<client-host name='lap' address='192.168.2.25'><user name='maggie' uid='1000'/>"
  "<user name='ralph' uid='1001'/></client-host>";

static void
test_apply_bundle_asks_the_broker (Fixture *fx, gconstpointer data)
{
  g_autofree char *body = g_strdup_printf (bundle_body, "<broker host='mysrv.example' port='2222' "
                                           "host-key='" BROKER_KEY " root@mysrv'/>");
  g_autofree char *manifest = write_manifest (fx, body);
  g_autofree char *dir = g_build_filename (fx->state_dir, "clients", NULL);
  g_autofree char *client = g_build_filename (dir, "lap", "etc", "virt-spice-admin", "client", NULL);
  g_autofree char *known_hosts = g_build_filename (client, "ssh_known_hosts", NULL);
  g_autofree char *launcher = g_build_filename (dir, "lap", "usr", "local", "bin", "spice-connect", NULL);
  g_autofree char *maggie_vv = g_build_filename (client, "vv", "maggie", NULL);
  g_autofree char *ralph_vv = g_build_filename (client, "vv", "ralph", "leaptest.vv", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  g_free (fx->ctx->config->ca_file);
  fx->ctx->config->ca_file = vsa_test_data_path ("client", "ca-cert.pem", NULL);
  g_assert_true (run_cmd (fx, &vsa_command_apply, NULL, &error, "apply", manifest, "--client-dir",
                          dir, NULL));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (fx->out, "client host lap: changed: "));
  g_assert_true (g_file_get_contents (known_hosts, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "[mysrv.example]:2222 " BROKER_KEY "\n");
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (launcher, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\t'maggie' 'leaptest' '' 'mysrv.example' 20001 'mysrv.example' 2222\n"));
  g_assert_false (g_file_test (maggie_vv, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (ralph_vv, G_FILE_TEST_IS_REGULAR));
}

/* A host that is not this machine (here the test driver) and names no
 * <broker>: the client host fails in one line saying what to add; the
 * VMs converge. */
static void
test_apply_bundle_needs_remote_broker (Fixture *fx, gconstpointer data)
{
  g_autofree char *body = g_strdup_printf (bundle_body, "");
  g_autofree char *manifest = write_manifest (fx, body);
  g_autofree char *dir = g_build_filename (fx->state_dir, "clients", NULL);
  g_autoptr (GError) error = NULL;

  g_free (fx->ctx->config->ca_file);
  fx->ctx->config->ca_file = vsa_test_data_path ("client", "ca-cert.pem", NULL);
  g_assert_false (run_cmd (fx, &vsa_command_apply, NULL, &error, "apply", manifest, "--client-dir",
                           dir, NULL));
  g_assert_nonnull (strstr (fx->out, "mysrv/leaptest: changed: "));
  g_assert_nonnull (strstr (fx->out, "client host lap: failed: VM 'leaptest' on host 'mysrv' has "
                                     "users with a console key, and that host is not this machine; "
                                     "add <broker host-key=\"...\"/> with its sshd's public host "
                                     "key to <host name=\"mysrv\"> in the manifest\n"));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* The running VM takes the policy apply defined, every part of it: the
 * live update gets the edit's final policy, whatever step changed it. */
static void
test_apply_live_policy_is_the_defined_one (Fixture *fx, gconstpointer data)
{
  g_autofree char *manifest = write_manifest (fx,
    "<host name='mysrv'><vm name='debianx' auth='password'>\n"
    "  <user name='charlie'/>\n"
    "  <tunnel user='charlie' ssh-key='" CHARLIE_KEY "'/></vm></host>");
  g_autoptr (GError) error = NULL;
  g_autoptr (virDomain) dom = vsa_libvirt_lookup (fx->ctx->conn, "debianx", &error);
  g_autoptr (xmlDoc) live = NULL;
  g_autoptr (VsaPolicy) policy = NULL;

  g_assert_no_error (error);
  g_assert_true (virDomainIsActive (dom) == 1);
  g_assert_true (run_apply (fx, manifest, NULL, &error));
  g_assert_no_error (error);
  live = vsa_libvirt_get_doc (dom, 0, &error);
  g_assert_no_error (error);
  g_assert_true (vsa_policy_from_domain (live, &policy, &error));
  g_assert_nonnull (policy);
  g_assert_nonnull (vsa_policy_find_access (policy, "charlie"));
  g_assert_nonnull (vsa_policy_find_tunnel (policy, "charlie"));
}

static void
test_apply_schema_error_names_line (Fixture *fx, gconstpointer data)
{
  g_autofree char *manifest = write_manifest (fx,
    "<host name='mysrv'>\n"
    "  <vm name='debianx' auth='password'/>\n"
    "  <vm name='leaptest' auth='pasword'/>\n"
    "</host>");
  g_autofree char *before = domain_xml (fx, "debianx");
  g_autofree char *after = NULL;
  g_autofree char *where = g_strdup_printf ("%s: line 4: ", manifest);
  g_autoptr (GError) error = NULL;

  g_assert_false (run_apply (fx, manifest, NULL, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, where));
  g_assert_null (strchr (error->message, '\n'));
  after = domain_xml (fx, "debianx");
  g_assert_cmpstr (before, ==, after);
}

/* A mistake against the configuration stops the whole manifest. */
static void
test_apply_port_outside_range_changes_nothing (Fixture *fx, gconstpointer data)
{
  g_autofree char *manifest = write_manifest (fx,
    "<host name='mysrv'>\n"
    "  <vm name='debianx' auth='password'/>\n"
    "  <vm name='leaptest' auth='password' tls-port='5900'/>\n"
    "</host>");

  assert_apply_refused_unchanged (fx, manifest, "line 4: VM 'leaptest': TLS port 5900 is outside "
                                  "tls-port-range 20001-20999; pick one inside it or use auto");
}

/* The same bound for a manifest: the whole manifest is refused before any
 * VM changes, unless apply --allow-wide-network. */
static void
test_apply_wide_network_needs_flag (Fixture *fx, gconstpointer data)
{
  g_autofree char *manifest = write_manifest (fx,
    "<host name='mysrv'>\n"
    "  <vm name='debianx' auth='password'><user name='charlie'><client address='10.1.2.3'/></user></vm>\n"
    "  <vm name='leaptest' auth='password'><user name='ralph'><client address='::/0'/></user></vm>\n"
    "</host>");
  g_autoptr (GError) error = NULL;

  assert_apply_refused_unchanged (fx, manifest, "line 4: VM 'leaptest': client network '::/0' is "
                                  "wider than /32 (client-min-prefix-ipv6): it admits hosts nobody "
                                  "named; give a narrower network, or apply --allow-wide-network "
                                  "if that is meant");
  g_assert_true (run_apply (fx, manifest, "--allow-wide-network", &error));
  g_assert_no_error (error);
}

/* A host's uri equal to the -c URI shares its connection (the test
 * driver's state lives in it); a VM on another host's connection is
 * looked up there. */
static void
test_apply_host_uris (Fixture *fx, gconstpointer data)
{
  g_autofree char *body = g_strdup_printf (
    "<host name='mysrv' uri='%s'><vm name='debianx' auth='password'/></host>\n"
    "<host name='other' uri='test:///default'><vm name='debianx' auth='password'/></host>",
    fx->ctx->uri);
  g_autofree char *manifest = write_manifest (fx, body);
  g_autoptr (GError) error = NULL;

  g_assert_false (run_apply (fx, manifest, NULL, &error));
  g_assert_nonnull (strstr (fx->out, "mysrv/debianx: changed"));
  g_assert_nonnull (strstr (fx->out, "other/debianx: failed: VM 'debianx' not found"));
  g_assert_cmpint (tls_port_of (fx, "debianx"), ==, 20001);
}

/* SASL: no credential in the manifest; a new user fails its VM unless
 * --generate-passwords, which prints the credential once. */
static void
test_apply_sasl_generates_credentials_on_request (Fixture *fx, gconstpointer data)
{
  g_autofree char *manifest = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *before = domain_xml (fx, "leaptest");
  g_autofree char *after = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonObject *row;
  JsonObject *credential;

  use_sasl_mode (fx, TRUE);
  manifest = write_manifest (fx, "<host name='mysrv'><vm name='leaptest' auth='sasl'><user name='alice'/></vm></host>");
  dir = vsa_sasl_vm_dir (fx->ctx->config, "leaptest");
  g_assert_false (run_apply (fx, manifest, NULL, &error));
  g_assert_nonnull (strstr (fx->out, "mysrv/leaptest: failed: user 'alice' has no SASL credential for this VM yet; rerun with --generate-passwords"));
  after = domain_xml (fx, "leaptest");
  g_assert_cmpstr (before, ==, after);
  g_clear_error (&error);

  g_assert_true (run_cmd (fx, &vsa_command_apply, NULL, &error, "apply", manifest, "--generate-passwords", "--json", NULL));
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, fx->out, (gssize) fx->out_len, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "changed"), ==, 1);
  /* Every member is there, null when it has no value. */
  row = json_array_get_object_element (json_object_get_array_member (root, "vms"), 0);
  g_assert_cmpstr (json_object_get_string_member (row, "status"), ==, "changed");
  g_assert_true (json_object_get_null_member (row, "error"));
  g_assert_true (json_object_get_null_member (row, "diff"));
  g_assert_nonnull (json_object_get_string_member (row, "detail"));
  credential = json_array_get_object_element (json_object_get_array_member (root, "credentials"), 0);
  g_assert_cmpstr (json_object_get_string_member (credential, "user"), ==, "alice");
  g_assert_cmpuint (strlen (json_object_get_string_member (credential, "password")), ==, 24);
  g_assert_true (vsa_sasl_user_exists (dir, "alice"));

  /* The credential is made once.  (The test driver drops the qemu:
   * SASL_CONF_PATH on define, so the domain itself never settles here;
   * tests/e2e/test-apply.sh shows 0 changes on the real libvirtd.) */
  g_assert_true (run_apply (fx, manifest, "--generate-passwords", &error));
  g_assert_true (g_str_has_prefix (fx->out, "mysrv/leaptest: changed: sasl, TLS port 20001 on 127.0.0.1\n1 changed"));
}

/* A changing command's errors name the VM once; usage errors do not. */
static void
test_dispatch_vm_prefix_once (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (run_cmd (fx, &vsa_command_secure, NULL, &error, "secure", "debianx", "--tls-port", "0", NULL));
  g_assert_cmpstr (error->message, ==, "VM 'debianx': TLS port '0' is not a TCP port; use 1-65535 or auto");
  g_clear_error (&error);
  g_assert_false (run_cmd (fx, &vsa_command_password, NULL, &error, "password", "leaptest", "--live", NULL));
  g_assert_true (g_str_has_prefix (error->message, "VM 'leaptest' is not running;"));
  g_clear_error (&error);
  g_assert_false (run_cmd (fx, &vsa_command_password, NULL, &error, "password", "debianx", "--generate", "--stdin", NULL));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_USAGE);
  g_assert_cmpstr (error->message, ==, "--generate and --stdin exclude each other");
}

/* A group's --help is its rows: name and summary each. */
static void
test_dispatch_group_help_from_rows (Fixture *fx, gconstpointer data)
{
  RUN_OK (fx, &vsa_command_qemu_env, NULL, "qemu-env", "--help");
  g_assert_nonnull (strstr (fx->out, "Usage:\n  virt-spice-admin qemu-env SUBCOMMAND [ARGS...]\n"));
  g_assert_nonnull (strstr (fx->out, "Subcommands:\n  set     Set a variable of qemu's environment\n"
                                     "  unset   Remove a variable\n"));
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  vsa_libvirt_init ();

  ADD ("/cli/secure/makes-console-tls-only", test_secure_makes_console_tls_only);
  ADD ("/cli/secure/twice-changes-nothing", test_secure_twice_changes_nothing);
  ADD ("/cli/secure/unchanged-edit-sweeps-killed-backup", test_unchanged_edit_sweeps_killed_backup);
  ADD ("/cli/secure/auto-port-skips-used", test_secure_auto_port_skips_used);
  ADD ("/cli/secure/taken-port-names-owner", test_secure_taken_port_names_owner);
  ADD ("/cli/secure/dry-run-prints-diff-only", test_secure_dry_run_prints_diff_only);
  ADD ("/cli/secure/vnc-needs-replace-flag", test_secure_vnc_needs_replace_flag);
  ADD ("/cli/password/stdin-with-expiry", test_password_from_stdin_with_expiry);
  ADD ("/cli/password/show-prints-generated", test_password_show_prints_generated);
  ADD ("/cli/password/live-refused-when-shut-off", test_password_live_refused_when_shut_off);
  ADD ("/cli/password/live-refusal-leaves-config", test_password_live_refusal_leaves_config);
  ADD ("/cli/show/json", test_show_json);
  ADD ("/cli/edit/waits-for-lock-then-refuses", test_edit_waits_for_lock_then_refuses);
  ADD ("/cli/edit/recheck-sees-new-definition", test_edit_recheck_sees_new_definition);
  ADD ("/cli/edit/recheck-sees-old-definition", test_edit_recheck_sees_old_definition);
  ADD ("/cli/edit/recheck-cannot-tell", test_edit_recheck_cannot_tell);
  ADD ("/cli/edit/refused-define-is-checked", test_edit_refused_define_is_checked);
  ADD ("/cli/audit/finds-then-clean", test_audit_finds_then_clean);
  ADD ("/cli/status/lists-every-domain", test_status_lists_every_domain);
  ADD ("/cli/status/unreadable-vm-is-one-row", test_status_unreadable_vm_is_one_row);
  ADD ("/cli/status/unreadable-live-metadata", test_status_unreadable_live_metadata);
  ADD ("/cli/audit/unreadable-vm-is-one-finding", test_audit_unreadable_vm_is_one_finding);
  ADD ("/cli/audit/session-outside-window", test_audit_session_outside_window);
  ADD ("/cli/audit/stored-window-never-opens", test_audit_stored_window_never_opens);
  ADD ("/cli/assign/password-mode-records-user", test_assign_password_mode_records_user);
  ADD ("/cli/assign/when-stores-windows", test_assign_when_stores_windows);
  ADD ("/cli/assign/sasl-mode-keeps-own-database", test_assign_sasl_mode_keeps_own_database);
  ADD ("/cli/schedule/sync-sasl-follows-windows", test_schedule_sync_sasl_follows_windows);
  ADD ("/cli/assign/sasl-needs-libvirt-switch", test_assign_sasl_needs_libvirt_switch);
  ADD ("/cli/assign/credential-refused-in-password-mode", test_assign_credential_refused_in_password_mode);
  ADD ("/cli/assign/client-name-refused-with-firewall", test_assign_client_name_refused_with_firewall);
  ADD ("/cli/assign/wide-network-needs-flag", test_assign_wide_network_needs_flag);
  ADD ("/cli/qemu/passthrough-commands", test_qemu_passthrough_commands);
  ADD ("/cli/show/text-reports-insecure", test_show_text_reports_insecure);
  ADD ("/cli/show/global-options-after-command", test_global_options_after_command);
  ADD ("/cli/tunnel/render-prints-policy-of-all-vms", test_tunnel_render_prints_policy_of_all_vms);
  ADD ("/cli/tunnel/add-again-replaces-key", test_tunnel_add_again_replaces_key);
  ADD ("/cli/tunnel/render-dest-writes-tree", test_tunnel_render_dest_writes_tree);
  ADD ("/cli/tunnel/remove-takes-user-out", test_tunnel_remove_takes_user_out);
  ADD ("/cli/tunnel/add-dry-run-prints-diff-only", test_tunnel_add_dry_run_prints_diff_only);
  ADD ("/cli/tunnel/add-notes-lan-listen", test_tunnel_add_notes_lan_listen);
  ADD ("/cli/tunnel/install-refuses-missing-account", test_tunnel_install_refuses_missing_account);
  ADD ("/cli/tunnel/install-failed-check-changes-nothing", test_tunnel_install_failed_check_changes_nothing);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_inputs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/bad-input/%s", bad_inputs[i].label);
      g_test_add (path, Fixture, &bad_inputs[i], fixture_setup, test_bad_input, fixture_teardown);
    }
  g_test_add_func ("/cli/bad-input/unreachable-uri", test_unreachable_uri);
  ADD ("/cli/firewall/unknown-action-is-usage-error", test_firewall_unknown_action_is_usage_error);
  ADD ("/cli/firewall/flush-dry-run-prints-transaction", test_firewall_flush_dry_run_prints_transaction);
  ADD ("/cli/firewall/sync-refused-when-disabled", test_firewall_sync_refused_when_disabled);
  ADD ("/cli/export/for-one-client", test_export_for_one_client);
  ADD ("/cli/export/carries-windows", test_export_carries_windows);
  ADD ("/cli/export/names-the-broker", test_export_names_the_broker);
  ADD ("/cli/export/refuses-unpinnable-console", test_export_refuses_unpinnable_console);
  ADD ("/cli/export/unreadable-vm-has-no-users", test_export_unreadable_vm_has_no_users);
  ADD ("/cli/volume/attach-adds-disk-and-metadata", test_volume_attach_adds_disk_and_metadata);
  ADD ("/cli/volume/attach-dry-run-prints-diff-only", test_volume_attach_dry_run_prints_diff_only);
  ADD ("/cli/volume/list-and-detach", test_volume_list_and_detach);
  ADD ("/cli/volume/attach-token-records-no-keyfile", test_volume_attach_token_records_no_keyfile);
  ADD ("/cli/apply/twice-second-changes-nothing", test_apply_twice_second_changes_nothing);
  ADD ("/cli/apply/wide-network-needs-flag", test_apply_wide_network_needs_flag);
  ADD ("/cli/apply/dry-run-changes-nothing", test_apply_dry_run_changes_nothing);
  ADD ("/cli/apply/failed-vm-left-untouched", test_apply_failed_vm_left_untouched);
  ADD ("/cli/apply/converges-windows", test_apply_converges_windows);
  ADD ("/cli/apply/prune-removes-extra-assignment", test_apply_prune_removes_extra_assignment);
  ADD ("/cli/apply/converges-tunnels", test_apply_converges_tunnels);
  ADD ("/cli/apply/converges-broker-users", test_apply_converges_broker_users);
  ADD ("/cli/apply/bundle-asks-the-broker", test_apply_bundle_asks_the_broker);
  ADD ("/cli/apply/bundle-needs-remote-broker", test_apply_bundle_needs_remote_broker);
  ADD ("/cli/apply/sasl-closed-window-credential-in-vault", test_apply_sasl_closed_window_credential_in_vault);
  ADD ("/cli/apply/schema-error-names-line", test_apply_schema_error_names_line);
  ADD ("/cli/apply/port-outside-range-changes-nothing", test_apply_port_outside_range_changes_nothing);
  ADD ("/cli/apply/host-uris", test_apply_host_uris);
  ADD ("/cli/apply/sasl-generates-credentials-on-request", test_apply_sasl_generates_credentials_on_request);
  ADD ("/cli/apply/live-policy-is-the-defined-one", test_apply_live_policy_is_the_defined_one);
  ADD ("/cli/dispatch/vm-prefix-once", test_dispatch_vm_prefix_once);
  ADD ("/cli/dispatch/group-help-from-rows", test_dispatch_group_help_from_rows);
  return g_test_run ();
}
