/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the policy logic: configuration, durations, port choice,
 * passwords, names, and the metadata model against its RelaxNG schema. */
#include "vsa-config.h"
#include "vsa-error.h"
#include "vsa-policy.h"
#include "vsa-secret.h"
#include "vsa-spice.h"
#include "vsa-test-util.h"
#include "vsa-time.h"
#include "vsa-xml.h"

#include <glib/gstdio.h>
#include <libxml/relaxng.h>
#include <unistd.h>
#include <string.h>

static VsaConfig *
load_config (const char *text, GError **error)
{
  g_autoptr (VsaConfig) config = vsa_config_new_defaults ();

  if (!vsa_config_load_data (config, text, strlen (text), "/etc/vsa.conf", error))
    return NULL;
  return g_steal_pointer (&config);
}

static void
test_config_defaults (void)
{
  g_autoptr (VsaConfig) config = vsa_config_new_defaults ();

  g_assert_cmpint (config->tls_port_min, ==, 20001);
  g_assert_cmpint (config->tls_port_max, ==, 20999);
  g_assert_cmpstr (config->listen, ==, "127.0.0.1");
  g_assert_cmpstr (config->state_dir, ==, "/var/lib/virt-spice-admin");
  g_assert_cmpint (config->auth_mode, ==, VSA_AUTH_PASSWORD);
  g_assert_cmpstr (config->ca_file, ==, "/etc/pki/libvirt-spice/ca-cert.pem");
}

static void
test_config_all_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) config = load_config (
    "# comment\n[defaults]\ntls-port-range = 30000-30010\nlisten=::1\n"
    "state-dir=/tmp/st\nauth-mode=sasl\nca-file=/tmp/ca.pem\nqemu-group=kvm\n"
    "libvirt-config-dir=/run/libvirt/qemu\n", &error);

  g_assert_no_error (error);
  g_assert_cmpint (config->tls_port_min, ==, 30000);
  g_assert_cmpint (config->tls_port_max, ==, 30010);
  g_assert_cmpstr (config->listen, ==, "::1");
  g_assert_cmpstr (config->state_dir, ==, "/tmp/st");
  g_assert_cmpint (config->auth_mode, ==, VSA_AUTH_SASL);
  g_assert_cmpstr (config->ca_file, ==, "/tmp/ca.pem");
  g_assert_cmpstr (config->qemu_group, ==, "kvm");
  g_assert_cmpstr (config->libvirt_config_dir, ==, "/run/libvirt/qemu");
}

static void
test_config_client_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) defaults = vsa_config_new_defaults ();
  g_autoptr (VsaConfig) config = load_config (
    "[defaults]\nserver-name = mysrv.example\nserver-subject = O=Example,CN=mysrv.example\n"
    "client-group = spicegrp\nclient-prefix = /tmp/client-root\n"
    "client-remote-viewer = /opt/rv/bin/remote-viewer\nclient-firewall = iptables\n"
    "client-nopasswd = true\n", &error);

  g_assert_no_error (error);
  g_assert_null (defaults->server_name);
  g_assert_null (defaults->server_subject);
  g_assert_cmpstr (defaults->client_group, ==, "spice-viewer");
  g_assert_cmpstr (defaults->client_prefix, ==, "/");
  g_assert_cmpstr (defaults->client_remote_viewer, ==, "/usr/bin/remote-viewer");
  g_assert_cmpint (defaults->client_firewall, ==, VSA_FIREWALL_NFT);
  g_assert_false (defaults->client_nopasswd);
  g_assert_cmpstr (config->server_name, ==, "mysrv.example");
  g_assert_cmpstr (config->server_subject, ==, "O=Example,CN=mysrv.example");
  g_assert_cmpstr (config->client_group, ==, "spicegrp");
  g_assert_cmpstr (config->client_prefix, ==, "/tmp/client-root");
  g_assert_cmpstr (config->client_remote_viewer, ==, "/opt/rv/bin/remote-viewer");
  g_assert_cmpint (config->client_firewall, ==, VSA_FIREWALL_IPTABLES);
  g_assert_true (config->client_nopasswd);
}

static void
test_config_example_file_loads (void)
{
  g_autofree char *path = vsa_test_data_path ("..", "..", "docs", "examples", "virt-spice-admin.conf", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) config = vsa_config_load (path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (config->tls_port_min, ==, 20001);
}

typedef struct {
  const char *text;
  const char *message;
} BadConfig;

static const BadConfig bad_configs[] = {
  { "[defaults]\n\nlisten = 127.0.0.1\nport-range = 1-2\n", "/etc/vsa.conf:4: unknown key 'port-range'" },
  { "[defaults]\ntls-port-range = 20999-20001\n", "/etc/vsa.conf:2: key 'tls-port-range': '20999-20001' is not a port range" },
  { "[defaults]\ntls-port-range = 0-10\n", "/etc/vsa.conf:2: key 'tls-port-range'" },
  { "[defaults]\ntls-port-range = 1-70000\n", "/etc/vsa.conf:2: key 'tls-port-range'" },
  { "[defaults]\nlisten = localhost\n", "/etc/vsa.conf:2: key 'listen': listen address 'localhost' is not" },
  { "[defaults]\nstate-dir = relative/dir\n", "/etc/vsa.conf:2: key 'state-dir': 'relative/dir' is not an absolute path" },
  { "[defaults]\n\n\nauth-mode = kerberos\n", "/etc/vsa.conf:4: key 'auth-mode': auth mode 'kerberos' is unknown" },
  { "[defaults]\nlisten=127.0.0.1\n[extra]\nfoo=1\n", "/etc/vsa.conf:3: unknown group [extra]" },
  { "not a key file\n", "/etc/vsa.conf:" },
  { "[defaults]\nqemu-group = -bad group\n", "/etc/vsa.conf:2: key 'qemu-group'" },
  { "[defaults]\nserver-name = my srv\n", "/etc/vsa.conf:2: key 'server-name': client 'my srv' is neither" },
  { "[defaults]\nclient-group = ALL\n", "/etc/vsa.conf:2: key 'client-group': group name 'ALL' reads as an alias" },
  { "[defaults]\nclient-prefix = /tmp/a b\n", "/etc/vsa.conf:2: key 'client-prefix': client-prefix '/tmp/a b' cannot be written safely" },
  { "[defaults]\nclient-remote-viewer = relative/rv\n", "/etc/vsa.conf:2: key 'client-remote-viewer'" },
  { "[defaults]\nclient-firewall = pf\n", "/etc/vsa.conf:2: key 'client-firewall': firewall 'pf' is unknown" },
  { "[defaults]\nclient-nopasswd = yes\n", "/etc/vsa.conf:2: key 'client-nopasswd': 'yes' is not a boolean" },
};

static void
test_config_rejects (gconstpointer data)
{
  const BadConfig *bad = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) config = load_config (bad->text, &error);

  g_assert_null (config);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_CONFIG);
  if (!g_str_has_prefix (error->message, bad->message))
    g_error ("'%s' does not start with '%s'", error->message, bad->message);
}

static void
test_config_explicit_missing_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) config = vsa_config_load ("/nonexistent/vsa.conf", &error);

  g_assert_null (config);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_CONFIG);
}

static void
test_config_env_overrides_default (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (VsaConfig) config = NULL;
  int fd = g_file_open_tmp ("vsa-conf-XXXXXX", &path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (write (fd, "[defaults]\nlisten=10.0.0.1\n", 27), ==, 27);
  close (fd);
  g_setenv (VSA_CONFIG_ENV, path, TRUE);
  config = vsa_config_load (NULL, &error);
  g_unsetenv (VSA_CONFIG_ENV);
  g_unlink (path);
  g_assert_no_error (error);
  g_assert_cmpstr (config->listen, ==, "10.0.0.1");
  g_assert_cmpstr (config->path, ==, path);
}

static void
test_duration_parses (void)
{
  static const struct { const char *text; gint64 seconds; } cases[] = {
    { "90", 90 }, { "90s", 90 }, { "15m", 900 }, { "2h", 7200 }, { "7d", 604800 },
    { "2w", 1209600 }, { "1h30m", 5400 }, { "1d12h", 129600 },
  };
  static const char *const bad[] = { "", "x", "1y", "-5", "1.5h", "h", "0", "0s", "5 m", "99999999999999999999" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 seconds = 0;
      g_autoptr (GError) error = NULL;

      g_assert_true (vsa_parse_duration (cases[i].text, &seconds, &error));
      g_assert_no_error (error);
      g_assert_cmpint (seconds, ==, cases[i].seconds);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gint64 seconds = -1;
      g_autoptr (GError) error = NULL;

      g_assert_false (vsa_parse_duration (bad[i], &seconds, &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
      g_assert_cmpint (seconds, ==, -1);
    }
}

static void
test_time_converts_to_utc (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) t = vsa_parse_time ("2026-12-24T18:00:00+01:00", &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  text = vsa_format_libvirt_time (t);
  g_assert_cmpstr (text, ==, "2026-12-24T17:00:00");
}

static GHashTable *
used_ports (int first, ...)
{
  GHashTable *used = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  va_list args;

  va_start (args, first);
  for (int p = first; p != 0; p = va_arg (args, int))
    g_hash_table_insert (used, GINT_TO_POINTER (p), g_strdup_printf ("vm%d", p));
  va_end (args);
  return used;
}

static void
test_port_auto_picks_lowest_free (void)
{
  g_autoptr (GHashTable) used = used_ports (20001, 20002, 20004, 0);
  int port = 0;

  g_assert_true (vsa_tls_port_choose (0, 0, 20001, 20999, used, &port, NULL));
  g_assert_cmpint (port, ==, 20003);
  /* The VM's own valid port is kept: running twice changes nothing. */
  g_assert_true (vsa_tls_port_choose (0, 20500, 20001, 20999, used, &port, NULL));
  g_assert_cmpint (port, ==, 20500);
  /* Its own port, taken meanwhile by another domain, is given up. */
  g_assert_true (vsa_tls_port_choose (0, 20004, 20001, 20999, used, &port, NULL));
  g_assert_cmpint (port, ==, 20003);
  /* A port outside the range is not kept. */
  g_assert_true (vsa_tls_port_choose (0, 5901, 20001, 20999, used, &port, NULL));
  g_assert_cmpint (port, ==, 20003);
}

static void
test_port_explicit_checks (void)
{
  g_autoptr (GHashTable) used = used_ports (20002, 0);
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (GError) e3 = NULL;
  int port = 0;

  g_assert_false (vsa_tls_port_choose (20002, 0, 20001, 20999, used, &port, &e1));
  g_assert_error (e1, VSA_ERROR, VSA_ERROR_CONFLICT);
  g_assert_nonnull (strstr (e1->message, "'vm20002'"));
  g_assert_false (vsa_tls_port_choose (21000, 0, 20001, 20999, used, &port, &e2));
  g_assert_error (e2, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_true (vsa_tls_port_choose (20003, 20002, 20001, 20999, used, &port, NULL));
  g_assert_cmpint (port, ==, 20003);
  g_assert_false (vsa_tls_port_choose (0, 0, 20002, 20002, used, &port, &e3));
  g_assert_error (e3, VSA_ERROR, VSA_ERROR_CONFLICT);
  g_assert_nonnull (strstr (e3->message, "no free TLS port"));
}

static void
test_generated_passwords (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint counts[128] = { 0 };

  for (int i = 0; i < 2000; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VsaSecret) pw = vsa_secret_generate_password (&error);

      g_assert_no_error (error);
      g_assert_cmpuint (strlen (pw), ==, 24);
      g_assert_true (vsa_spice_validate_password (pw, NULL));
      for (const char *p = pw; *p; p++)
        {
          g_assert_true (g_ascii_isalnum (*p));
          counts[(guchar) *p]++;
        }
      g_assert_true (g_hash_table_add (seen, g_strdup (pw)));
    }
  /* 48000 symbols over 62: each appears ~774 times; a broken generator
   * (modulo bias, a stuck byte) would leave some far off. */
  for (const char *c = "AZaz09"; *c; c++)
    g_assert_cmpuint (counts[(guchar) *c], >, 500);
}

static void
test_vm_names (void)
{
  static const char *const good[] = { "debianx", "leap-15.5_test", "Büro-PC", "a" };
  static const char *const bad[] = { "", ".hidden", "a/b", "..", "tab\tname", "new\nline" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (vsa_validate_vm_name (good[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (vsa_validate_vm_name (bad[i], &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
    }
}

static xmlDoc *
parse_text (const char *text)
{
  g_autoptr (GError) error = NULL;
  xmlDoc *doc = vsa_xml_parse (text, strlen (text), "test", &error);

  g_assert_no_error (error);
  return doc;
}

static gboolean
valid_against_schema (xmlNode *console)
{
  g_autofree char *rng = vsa_test_data_path ("..", "..", "xml", "vsa-console.rng", NULL);
  xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewParserCtxt (rng);
  xmlRelaxNGPtr schema = xmlRelaxNGParse (pctxt);
  xmlRelaxNGValidCtxtPtr vctxt = xmlRelaxNGNewValidCtxt (schema);
  g_autoptr (xmlDoc) doc = xmlNewDoc (BAD_CAST "1.0");
  int rc;

  xmlDocSetRootElement (doc, xmlCopyNode (console, 1));
  rc = xmlRelaxNGValidateDoc (vctxt, doc);
  xmlRelaxNGFreeValidCtxt (vctxt);
  xmlRelaxNGFree (schema);
  xmlRelaxNGFreeParserCtxt (pctxt);
  return rc == 0;
}

static xmlNode *
console_of (xmlDoc *doc)
{
  return vsa_xml_child_ns (vsa_xml_child (xmlDocGetRootElement (doc), "metadata"),
                           VSA_METADATA_NS, VSA_METADATA_ELEMENT);
}

static void
test_policy_round_trip_matches_schema (void)
{
  g_autoptr (xmlDoc) doc = parse_text ("<domain type='kvm'><name>x</name></domain>");
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_SASL);
  g_autoptr (VsaPolicy) back = NULL;
  g_autoptr (GError) error = NULL;
  VsaAccess *alice = g_new0 (VsaAccess, 1);
  VsaAccess *bob = g_new0 (VsaAccess, 1);

  g_assert_false (vsa_policy_is_managed (doc));
  alice->user = g_strdup ("alice");
  alice->clients = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (alice->clients, g_strdup ("192.168.2.22"));
  g_ptr_array_add (alice->clients, g_strdup ("fd00::22"));
  bob->user = g_strdup ("bob");
  bob->clients = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (policy->access, alice);
  g_ptr_array_add (policy->access, bob);

  vsa_policy_to_domain (doc, policy);
  g_assert_true (vsa_policy_is_managed (doc));
  g_assert_true (valid_against_schema (console_of (doc)));

  g_assert_true (vsa_policy_from_domain (doc, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpint (back->auth, ==, VSA_AUTH_SASL);
  g_assert_cmpuint (back->access->len, ==, 2);
  alice = g_ptr_array_index (back->access, 0);
  g_assert_cmpstr (alice->user, ==, "alice");
  g_assert_cmpuint (alice->clients->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (alice->clients, 1), ==, "fd00::22");
}

static void
test_policy_rejects_unknown_element (void)
{
  g_autoptr (xmlDoc) doc = parse_text (
    "<domain><metadata><vsa:console xmlns:vsa='" VSA_METADATA_NS "'>\n"
    "<vsa:acess user='alice'/></vsa:console></metadata></domain>");
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (vsa_policy_from_domain (doc, &policy, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "line 2: unknown element <acess>"));
  g_assert_false (valid_against_schema (console_of (doc)));
}

static void
test_policy_other_metadata_untouched (void)
{
  g_autoptr (xmlDoc) doc = parse_text (
    "<domain><metadata><app:x xmlns:app='urn:app'>keep</app:x></metadata></domain>");
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  g_autofree char *out = NULL;

  vsa_policy_to_domain (doc, policy);
  vsa_policy_to_domain (doc, policy);
  out = vsa_xml_serialize (doc);
  g_assert_nonnull (strstr (out, "<app:x xmlns:app=\"urn:app\">keep</app:x>"));
  g_assert_null (strstr (strstr (out, "<vsa:console") + 1, "<vsa:console"));
}

static void
test_xml_parse_refuses_doctype (void)
{
  const char *xxe = "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain>&x;</domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (xmlDoc) doc = vsa_xml_parse (xxe, strlen (xxe), "stdin", &error);

  g_assert_null (doc);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "document type declarations are not allowed"));
}

static void
test_xml_parse_reports_line (void)
{
  const char *broken = "<domain>\n<name>x</name>\n<devices>\n</domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (xmlDoc) doc = vsa_xml_parse (broken, strlen (broken), "stdin", &error);

  g_assert_null (doc);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "stdin: line 4: "));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/defaults", test_config_defaults);
  g_test_add_func ("/config/all-keys", test_config_all_keys);
  g_test_add_func ("/config/example-file-loads", test_config_example_file_loads);
  g_test_add_func ("/config/client-keys", test_config_client_keys);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_configs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/config/rejects/%" G_GSIZE_FORMAT, i);
      g_test_add_data_func (path, &bad_configs[i], test_config_rejects);
    }
  g_test_add_func ("/config/explicit-missing-file", test_config_explicit_missing_file);
  g_test_add_func ("/config/env-overrides-default", test_config_env_overrides_default);
  g_test_add_func ("/time/duration-parses", test_duration_parses);
  g_test_add_func ("/time/converts-to-utc", test_time_converts_to_utc);
  g_test_add_func ("/ports/auto-picks-lowest-free", test_port_auto_picks_lowest_free);
  g_test_add_func ("/ports/explicit-checks", test_port_explicit_checks);
  g_test_add_func ("/secret/generated-passwords", test_generated_passwords);
  g_test_add_func ("/names/vm", test_vm_names);
  g_test_add_func ("/policy/round-trip-matches-schema", test_policy_round_trip_matches_schema);
  g_test_add_func ("/policy/rejects-unknown-element", test_policy_rejects_unknown_element);
  g_test_add_func ("/policy/other-metadata-untouched", test_policy_other_metadata_untouched);
  g_test_add_func ("/xml/parse-refuses-doctype", test_xml_parse_refuses_doctype);
  g_test_add_func ("/xml/parse-reports-line", test_xml_parse_reports_line);
  return g_test_run ();
}
