/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Golden tests of the client renderers: tests/data/client/policy.xml
 * rendered for client 192.168.2.22 with fixed user ids must equal the
 * tree under tests/data/client/golden-FIREWALL/, byte for byte; and the
 * policy parser and the renderers refuse what cannot be expressed safely,
 * each with one line naming the object. */
#include "vsa-client-escape.h"
#include "vsa-client-render.h"
#include "vsa-error.h"
#include "vsa-templates.h"
#include "vsa-test-util.h"
#include "vsa-xml.h"

#include <glib/gstdio.h>
#include <libxml/relaxng.h>
#include <string.h>

#define CLIENT "192.168.2.22"

/* The instant every render is made at: Monday 7 December 2026, 10:00 in
 * Berlin (the fixture's windows are meant there). */
static GDateTime *
fixed_now (const char *iso)
{
  g_autoptr (GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");

  return g_date_time_new_from_iso8601 (iso, berlin);
}

/* Monday 10:00, made once. */
static GDateTime *
monday_10 (void)
{
  static GDateTime *instant;

  if (instant == NULL)
    instant = fixed_now ("2026-12-07T10:00:00");
  return instant;
}

static VsaClientPolicy *
load_policy_text (const char *text, GError **error)
{
  return vsa_client_policy_from_xml (text, strlen (text), "policy.xml", error);
}

static VsaClientPolicy *
load_named_fixture (const char *name)
{
  g_autofree char *path = vsa_test_data_path ("client", name, NULL);
  g_autofree char *text = vsa_test_read (path);
  g_autoptr (GError) error = NULL;
  VsaClientPolicy *policy = load_policy_text (text, &error);

  g_assert_no_error (error);
  return policy;
}

static VsaClientPolicy *
load_fixture (void)
{
  return load_named_fixture ("policy.xml");
}

static GHashTable *
fixed_uids (void)
{
  GHashTable *uids = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (uids, (gpointer) "alice", GUINT_TO_POINTER (1001));
  g_hash_table_insert (uids, (gpointer) "bob", GUINT_TO_POINTER (1002));
  return uids;
}

static void
init_options (VsaClientRenderOptions *opts, const VsaClientPolicy *policy, GHashTable *uids,
              VsaFirewallKind firewall)
{
  memset (opts, 0, sizeof *opts);
  opts->policy = policy;
  opts->client = CLIENT;
  opts->prefix = "/";
  opts->group = "spice-viewer";
  opts->remote_viewer = "/usr/bin/remote-viewer";
  opts->launcher = "/usr/libexec/virt-spice-admin-client-open";
  opts->program = "/usr/bin/virt-spice-admin";
  opts->firewall = firewall;
  opts->nopasswd = firewall == VSA_FIREWALL_IPTABLES; /* both variants covered */
  opts->uids = uids;
  opts->templates = vsa_templates_lookup;
  opts->now = monday_10 ();
}

static void
assert_golden_file (const VsaClientFile *file, const char *golden_dir)
{
  g_autofree char *path = vsa_test_data_path ("client", golden_dir, file->path, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_strcmp0 (g_getenv ("VSA_TEST_REGENERATE_OUTPUT"), "1") == 0)
    g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  vsa_test_assert_golden (file->content, path);
}

/* Renders POLICY for CLIENT and compares every file with GOLDEN_DIR;
 * returns the rendered files (directories left out of the count). */
static GPtrArray *
render_against_golden (const VsaClientPolicy *policy, VsaFirewallKind firewall,
                       const char *golden_dir, guint *ret_n_files)
{
  g_autoptr (GHashTable) uids = fixed_uids ();
  g_autoptr (GError) error = NULL;
  VsaClientRenderOptions opts;
  GPtrArray *files;

  init_options (&opts, policy, uids, firewall);
  files = vsa_client_render (&opts, &error);
  g_assert_no_error (error);
  *ret_n_files = 0;
  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);

      if (file->kind == VSA_CLIENT_FILE_DIR)
        continue;
      assert_golden_file (file, golden_dir);
      (*ret_n_files)++;
    }
  return files;
}

static void
test_render_golden (gconstpointer data)
{
  VsaFirewallKind firewall = GPOINTER_TO_INT (data);
  g_autoptr (VsaClientPolicy) policy = load_fixture ();
  guint n_files = 0;
  g_autoptr (GPtrArray) files = render_against_golden (policy, firewall,
                                                       firewall == VSA_FIREWALL_NFT ? "golden-nft" : "golden-iptables",
                                                       &n_files);

  /* policy, 3 .vv, firewall (1 or 2), launcher, 3 units, sudoers */
  g_assert_cmpuint (n_files, ==, firewall == VSA_FIREWALL_NFT ? 10 : 11);
  /* The last file is sudoers: installed once all it relies on is there. */
  g_assert_cmpint (((VsaClientFile *) g_ptr_array_index (files, files->len - 1))->kind, ==,
                   VSA_CLIENT_FILE_SUDOERS);
}

static const VsaClientFile *
find_kind (GPtrArray *files, VsaClientFileKind kind, const char *path_part)
{
  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);
      if (file->kind == kind && (path_part == NULL || strstr (file->path, path_part)))
        return file;
    }
  g_assert_not_reached ();
}

static const VsaClientVm *
find_vm (const VsaClientPolicy *policy, const char *name)
{
  for (guint i = 0; i < policy->vms->len; i++)
    if (g_str_equal (((VsaClientVm *) g_ptr_array_index (policy->vms, i))->name, name))
      return g_ptr_array_index (policy->vms, i);
  g_assert_not_reached ();
}

/* policy-broker.xml, written before each <vm> named its broker (one
 * top-level <broker>): bob asks the broker for leaptest, so his launcher
 * row and sudo rule name its host and port (--stdin), the client gets the
 * broker's pinned host key, and no leaptest.vv.  Read again from what the
 * policy writes now (leaptest's own <broker>), it renders the same files
 * (the same goldens): clients that hold the old form keep working. */
static void
test_render_golden_broker (void)
{
  g_autoptr (VsaClientPolicy) policy = load_named_fixture ("policy-broker.xml");
  g_autoptr (GError) error = NULL;
  guint n_files = 0;
  g_autoptr (GPtrArray) files = render_against_golden (policy, VSA_FIREWALL_NFT, "golden-broker", &n_files);
  g_autofree char *xml = vsa_client_policy_to_xml (policy);
  g_autoptr (VsaClientPolicy) again = load_policy_text (xml, &error);
  g_autoptr (GPtrArray) files_again = NULL;
  const VsaClientVm *leaptest;

  for (guint i = 0; i < files->len; i++)
    g_assert_null (strstr (((VsaClientFile *) g_ptr_array_index (files, i))->path, "leaptest.vv"));
  /* policy, 2 .vv, known hosts, firewall, launcher, 3 units, sudoers */
  g_assert_cmpuint (n_files, ==, 10);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (xml, "<broker host=\"mysrv.example\" port=\"2222\" host-key=\"ssh-ed25519 "));
  leaptest = find_vm (again, "leaptest");
  g_assert_cmpint (leaptest->broker_port, ==, 2222);
  g_assert_cmpstr (leaptest->broker_host, ==, "mysrv.example");
  /* Only the VMs whose users ask the broker name it. */
  g_assert_cmpint (find_vm (again, "debianx")->broker_port, ==, 0);
  /* The policy file installed is the new form already, for both. */
  files_again = render_against_golden (again, VSA_FIREWALL_NFT, "golden-broker", &n_files);
  g_assert_cmpuint (files_again->len, ==, files->len);
}

/* policy-brokers.xml, as apply writes it for a manifest of two servers:
 * bob asks leaptest's broker on mysrv.example:2222 and the v6 VM's on
 * kvm2.example:22.  Each launcher row names its own broker, both host
 * keys are pinned (one line each), and the v6 VM's sudo rule pins the
 * host its broker puts in the .vv (kvm2.example). */
static void
test_render_golden_brokers (void)
{
  g_autoptr (VsaClientPolicy) policy = load_named_fixture ("policy-brokers.xml");
  guint n_files = 0;
  g_autoptr (GPtrArray) files = render_against_golden (policy, VSA_FIREWALL_NFT, "golden-brokers", &n_files);
  const VsaClientFile *known_hosts = find_kind (files, VSA_CLIENT_FILE_KNOWN_HOSTS, NULL);
  const VsaClientFile *launcher = find_kind (files, VSA_CLIENT_FILE_LAUNCHER, NULL);
  const VsaClientFile *sudoers = find_kind (files, VSA_CLIENT_FILE_SUDOERS, NULL);
  g_auto (GStrv) lines = g_strsplit (known_hosts->content, "\n", -1);

  g_assert_cmpuint (g_strv_length (lines), ==, 3); /* two lines and the end */
  g_assert_true (g_str_has_prefix (lines[0], "[mysrv.example]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDxq"));
  g_assert_true (g_str_has_prefix (lines[1], "kvm2.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB5m"));
  g_assert_nonnull (strstr (launcher->content, "'bob' 'v6 test, (office)' '' 'kvm2.example' 20008 'kvm2.example' 22\n"));
  g_assert_nonnull (strstr (launcher->content, "'bob' 'leaptest' '' 'mysrv.example' 20004 'mysrv.example' 2222\n"));
  g_assert_nonnull (strstr (sudoers->content, "kvm2.example 20008"));
  for (guint i = 0; i < files->len; i++)
    g_assert_null (strstr (((VsaClientFile *) g_ptr_array_index (files, i))->path, "bob/"));
  /* policy, 1 .vv (alice's debianx), known hosts, firewall, launcher, 3 units, sudoers */
  g_assert_cmpuint (n_files, ==, 9);
}

/* One sshd has one host key: two VMs naming one broker with two keys
 * would leave the known-hosts file ambiguous, so the policy is refused. */
static void
test_brokers_disagree_on_key (void)
{
  g_autoptr (VsaClientPolicy) policy = load_named_fixture ("policy-brokers.xml");
  VsaClientVm *v6 = (VsaClientVm *) find_vm (policy, "v6 test, (office)");
  g_autoptr (GError) error = NULL;

  vsa_client_vm_set_broker (v6, "mysrv.example", 2222, v6->broker_host_key);
  g_assert_false (vsa_client_policy_validate (policy, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "VM 'v6 test, (office)' pins another sshd host key for "
                                            "the broker at mysrv.example port 2222"));
}

/* Modes and owners are part of the security model, not decoration. */
static void
test_render_modes (void)
{
  g_autoptr (VsaClientPolicy) policy = load_fixture ();
  g_autoptr (GHashTable) uids = fixed_uids ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) files = NULL;
  VsaClientRenderOptions opts;
  const VsaClientFile *f;

  init_options (&opts, policy, uids, VSA_FIREWALL_NFT);
  files = vsa_client_render (&opts, &error);
  g_assert_no_error (error);
  f = find_kind (files, VSA_CLIENT_FILE_SUDOERS, NULL);
  g_assert_cmpuint (f->mode, ==, 0440);
  /* root:root 0600 in root:root 0700: readable by no group, only by the
   * launcher sudo runs as root for the file's own user. */
  f = find_kind (files, VSA_CLIENT_FILE_VV, "alice/debianx.vv");
  g_assert_cmpuint (f->mode, ==, 0600);
  g_assert_nonnull (strstr (f->content, "password=Xq7vT2mK9pL4sR8wZ3nB6cD1\n"));
  f = find_kind (files, VSA_CLIENT_FILE_VV, "bob/leaptest.vv");
  g_assert_null (strstr (f->content, "password=")); /* sasl: the user types it */
  f = find_kind (files, VSA_CLIENT_FILE_DIR, "vv/alice");
  g_assert_cmpuint (f->mode, ==, 0700);
  f = find_kind (files, VSA_CLIENT_FILE_POLICY, NULL);
  g_assert_cmpuint (f->mode, ==, 0600);
  f = find_kind (files, VSA_CLIENT_FILE_LAUNCHER, NULL);
  g_assert_cmpuint (f->mode, ==, 0755);
}

/* The export format round-trips and is valid against its schema. */
static void
test_policy_round_trip_and_schema (gconstpointer fixture)
{
  g_autoptr (VsaClientPolicy) policy = load_named_fixture (fixture);
  g_autofree char *xml = vsa_client_policy_to_xml (policy);
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaClientPolicy) again = load_policy_text (xml, &error);
  g_autofree char *xml_again = NULL;
  g_autofree char *rng = vsa_test_data_path ("..", "..", "xml", "vsa-client-policy.rng", NULL);
  xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewParserCtxt (rng);
  xmlRelaxNGPtr schema = xmlRelaxNGParse (pctxt);
  xmlRelaxNGValidCtxtPtr vctxt = xmlRelaxNGNewValidCtxt (schema);
  g_autoptr (xmlDoc) doc = vsa_xml_parse (xml, strlen (xml), "export", &error);

  g_assert_no_error (error);
  xml_again = vsa_client_policy_to_xml (again);
  g_assert_cmpstr (xml, ==, xml_again);
  g_assert_cmpint (xmlRelaxNGValidateDoc (vctxt, doc), ==, 0);
  xmlRelaxNGFreeValidCtxt (vctxt);
  xmlRelaxNGFree (schema);
  xmlRelaxNGFreeParserCtxt (pctxt);
}

/* --- refusals ------------------------------------------------------------ */

typedef struct {
  const char *label;
  const char *from;     /* replaced in the fixture policy ... */
  const char *to;       /* ... by this */
  const char *message;  /* part of the one-line error */
} BadPolicy;

static const BadPolicy bad_policies[] = {
  { "broker-user-without-broker", "user=\"bob\" client=\"192.168.2.22\"/>\n    <access user=\"alice\" client=\"mylap",
    "user=\"bob\" client=\"192.168.2.22\" broker=\"yes\"/>\n    <access user=\"alice\" client=\"mylap",
    "users ask the console broker but the policy names none" },
  { "broker-bad-host-key", "<ca>", "<broker port=\"22\" host-key=\"ssh-ed25519 not-base64\"/><ca>",
    "the broker's sshd host key: " },
  { "broker-no-server-name", "<server name=\"mysrv.example\"", "<broker port=\"22\" host-key=\"ssh-ed25519 AAAA\"/><server",
    "needs the server's name" },
  { "vm-broker-no-host", "tls-port=\"20004\" auth=\"sasl\">",
    "tls-port=\"20004\" auth=\"sasl\"><broker port=\"22\" host-key=\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDxqmHbXew2JeylIQOH9TMXIgmTCIWBWnrZAQT/Zfvd5\"/>",
    "VM 'leaptest': the console broker needs the server's name" },
  { "vm-broker-bad-host", "tls-port=\"20004\" auth=\"sasl\">",
    "tls-port=\"20004\" auth=\"sasl\"><broker host=\"a;b\" port=\"22\" host-key=\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDxqmHbXew2JeylIQOH9TMXIgmTCIWBWnrZAQT/Zfvd5\"/>",
    "client 'a;b' is neither" },
  { "vm-broker-twice", "tls-port=\"20004\" auth=\"sasl\">",
    "tls-port=\"20004\" auth=\"sasl\"><broker host=\"a\" port=\"22\" host-key=\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDxqmHbXew2JeylIQOH9TMXIgmTCIWBWnrZAQT/Zfvd5\"/><broker host=\"b\" port=\"22\" host-key=\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDxqmHbXew2JeylIQOH9TMXIgmTCIWBWnrZAQT/Zfvd5\"/>",
    "unexpected element <broker>" },
  { "doctype", "<client-policy ", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><client-policy ", "document type declarations are not allowed" },
  { "wrong-namespace", "xmlns/client-policy/1.0", "xmlns/console/1.0", "not a version 1 virt-spice-admin client policy" },
  { "wrong-version", "version=\"1\"", "version=\"2\"", "not a version 1" },
  { "unknown-element", "<vm name=\"imap\"", "<script/><vm name=\"imap\"", "unexpected element <script>" },
  { "user-sudoers-list", "user=\"alice\" client=\"192.168.2.22\"", "user=\"alice,ALL\" client=\"192.168.2.22\"", "'alice,ALL' is not a portable user name" },
  { "user-shell-meta", "user=\"alice\" client=\"192.168.2.22\"", "user=\"a$(id)\" client=\"192.168.2.22\"", "not a portable user name" },
  { "user-overlong", "user=\"alice\" client=\"192.168.2.22\"", "user=\"abcdefghijklmnopqrstuvwxyz0123456\" client=\"192.168.2.22\"", "not a portable user name" },
  { "user-nul-ish", "user=\"alice\" client=\"192.168.2.22\"", "user=\"al&#0;ice\" client=\"192.168.2.22\"", "policy.xml: line" },
  { "user-control", "user=\"alice\" client=\"192.168.2.22\"", "user=\"al&#10;ice\" client=\"192.168.2.22\"", "not a portable user name" },
  { "client-shell-meta", "client=\"192.168.2.30\"", "client=\"10.0.0.1;reboot\"", "client '10.0.0.1;reboot' is neither" },
  { "client-quote", "client=\"192.168.2.30\"", "client=\"a'b\"", "neither an IP address nor a host name" },
  { "vm-dotdot", "name=\"imap\"", "name=\"../imap\"", "must not start with '.' or contain '/'" },
  { "vm-slash", "name=\"imap\"", "name=\"a/b\"", "must not start with '.' or contain '/'" },
  { "vm-control", "name=\"imap\"", "name=\"im&#9;ap\"", "must not contain control characters" },
  { "vm-duplicate", "name=\"imap\"", "name=\"debianx\"", "VM 'debianx' appears twice" },
  { "endpoint-duplicate", "tls-port=\"20006\"", "tls-port=\"20002\"", "shares 192.168.2.2 port 20002" },
  { "address-name", "address=\"192.168.2.2\" tls-port=\"20006\"", "address=\"mysrv.example\" tls-port=\"20006\"", "'mysrv.example' is not a canonical IPv4 or IPv6" },
  { "address-not-canonical", "address=\"2001:db8::2\"", "address=\"2001:DB8:0::2\"", "not a canonical" },
  { "port-zero", "tls-port=\"20006\"", "tls-port=\"0\"", "<vm> needs name, address, tls-port" },
  { "port-too-big", "tls-port=\"20006\"", "tls-port=\"70000\"", "tls-port (1-65535)" },
  { "port-garbage", "tls-port=\"20006\"", "tls-port=\"20006 \"", "tls-port (1-65535)" },
  { "auth-unknown", "auth=\"password\">\n    <access user=\"carol\"", "auth=\"kerberos\">\n    <access user=\"carol\"", "auth (password or sasl)" },
  { "password-in-sasl", "tls-port=\"20004\" auth=\"sasl\"", "tls-port=\"20004\" auth=\"sasl\" password=\"abc\"", "only belongs to a VM in password mode" },
  { "password-space", "password=\"Xq7vT2mK9pL4sR8wZ3nB6cD1\"", "password=\"two words\"", "printable ASCII characters without spaces" },
  { "server-name-space", "name=\"mysrv.example\"", "name=\"my srv\"", "server name: client 'my srv' is neither" },
  { "server-subject-control", "subject=\"O=virt-spice-admin tests,CN=mysrv.example\"", "subject=\"CN=a&#10;b\"", "is not a certificate subject" },
  { "ca-not-pem", "<ca>-----BEGIN CERTIFICATE-----", "<ca>BEGIN", "CA certificate is not a PEM certificate" },
  { "ca-control", "<ca>-----BEGIN CERTIFICATE-----", "<ca>-----BEGIN CERTIFICATE-----&#127;", "characters PEM never has" },
};

static char *
replace_once (const char *text, const char *from, const char *to)
{
  const char *at = strstr (text, from);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

static void
test_bad_policy (gconstpointer data)
{
  const BadPolicy *bad = data;
  g_autofree char *path = vsa_test_data_path ("client", "policy.xml", NULL);
  g_autofree char *fixture = vsa_test_read (path);
  g_autofree char *text = replace_once (fixture, bad->from, bad->to);
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaClientPolicy) policy = load_policy_text (text, &error);

  g_assert_null (policy);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  vsa_test_assert_message_has (error, bad->message);
  g_assert_null (strchr (error->message, '\n'));
}

typedef struct {
  const char *label;
  const char *user_from; /* renamed in the policy (a portable name sudoers misreads) */
  const char *user_to;
  const char *prefix;
  const char *group;
  const char *remote_viewer;
  const char *client;
  const char *message;
} BadRender;

static const BadRender bad_renders[] = {
  { "user-ALL", "alice", "ALL", NULL, NULL, NULL, NULL, "user name 'ALL' reads as an alias or ALL in sudoers" },
  { "user-alias-like", "alice", "ADMINS_2", NULL, NULL, NULL, NULL, "user name 'ADMINS_2' reads as an alias" },
  { "group-ALL", NULL, NULL, NULL, "ALL", NULL, NULL, "group name 'ALL' reads as an alias" },
  { "group-list", NULL, NULL, NULL, "spice,wheel", NULL, NULL, "client group: user name 'spice,wheel' is not a portable" },
  { "prefix-space", NULL, NULL, "/tmp/a b", NULL, NULL, NULL, "install root '/tmp/a b' cannot be written safely" },
  { "prefix-dotdot", NULL, NULL, "/tmp/../etc", NULL, NULL, NULL, "install root '/tmp/../etc' cannot be written safely" },
  { "prefix-relative", NULL, NULL, "tmp/root", NULL, NULL, NULL, "install root 'tmp/root' cannot be written safely" },
  { "prefix-sudoers-meta", NULL, NULL, "/tmp/a,b", NULL, NULL, NULL, "cannot be written safely" },
  { "remote-viewer-shell-meta", NULL, NULL, NULL, NULL, "/usr/bin/remote-viewer;id", NULL, "remote-viewer path" },
  { "launcher-relative", NULL, NULL, NULL, NULL, NULL, NULL, "client launcher path" },
  { "client-unknown", NULL, NULL, NULL, NULL, NULL, "10.9.9.9", "no user is assigned to a console from client '10.9.9.9'" },
  { "client-meta", NULL, NULL, NULL, NULL, NULL, "a b", "client 'a b' is neither" },
  { "user-without-account", "alice", "dave", NULL, NULL, NULL, NULL, "user 'dave' has no account on this client host" },
};

static void
test_bad_render (gconstpointer data)
{
  const BadRender *bad = data;
  g_autofree char *path = vsa_test_data_path ("client", "policy.xml", NULL);
  g_autofree char *fixture = vsa_test_read (path);
  g_autofree char *text = NULL;
  g_autoptr (VsaClientPolicy) policy = NULL;
  g_autoptr (GHashTable) uids = fixed_uids ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) files = NULL;
  VsaClientRenderOptions opts;

  if (bad->user_from)
    {
      g_autofree char *from = g_strdup_printf ("user=\"%s\"", bad->user_from);
      g_autofree char *to = g_strdup_printf ("user=\"%s\"", bad->user_to);
      text = replace_once (fixture, from, to);
      if (g_strcmp0 (bad->user_to, "dave") != 0)
        g_hash_table_insert (uids, (gpointer) bad->user_to, GUINT_TO_POINTER (1003));
    }
  else
    text = g_strdup (fixture);
  policy = load_policy_text (text, &error);
  g_assert_no_error (error);
  init_options (&opts, policy, uids, VSA_FIREWALL_NFT);
  opts.prefix = bad->prefix ? bad->prefix : opts.prefix;
  opts.group = bad->group ? bad->group : opts.group;
  opts.remote_viewer = bad->remote_viewer ? bad->remote_viewer : opts.remote_viewer;
  opts.client = bad->client ? bad->client : opts.client;
  if (g_str_equal (bad->label, "launcher-relative"))
    opts.launcher = "libexec/virt-spice-admin-client-open";
  files = vsa_client_render (&opts, &error);
  g_assert_null (files);
  g_assert_nonnull (error);
  vsa_test_assert_message_has (error, bad->message);
  g_assert_null (strchr (error->message, '\n'));
}

/* --- access windows ------------------------------------------------------ */

/* The office of the articles, windowed (tests/data/client/windows/): at
 * each instant the firewall admits exactly the users whose window is
 * open, the file says so, and the drift check expects the same elements.
 * Golden: tests/data/client/windows/INSTANT/. */
typedef struct {
  const char *label;    /* golden directory */
  const char *instant;  /* ISO 8601, Berlin time */
  const char *allowed;  /* allowed4 elements, joined by ", " */
} WindowCase;

static const WindowCase window_cases[] = {
  /* charlie always; maggie Mon-Tue */
  { "mon-1000", "2026-12-07T10:00:00", "2001 . 192.168.2.2 . 20011, 2003 . 192.168.2.2 . 20012" },
  /* boss evenings on weekdays; anne Wed-Thu */
  { "wed-1900", "2026-12-09T19:00:00", "2001 . 192.168.2.2 . 20011, 2002 . 192.168.2.2 . 20011, 2004 . 192.168.2.2 . 20012" },
  /* only charlie at the weekend */
  { "sat-1200", "2026-12-12T12:00:00", "2001 . 192.168.2.2 . 20011" },
};

static GPtrArray *
render_windows (const WindowCase *c, VsaFirewallKind firewall, GHashTable *uids,
                VsaClientPolicy *policy, GDateTime *now)
{
  VsaClientRenderOptions opts;
  g_autoptr (GError) error = NULL;
  GPtrArray *files;

  init_options (&opts, policy, uids, firewall);
  opts.now = now;
  files = vsa_client_render (&opts, &error);
  g_assert_no_error (error);
  {
    g_autoptr (GPtrArray) allowed = vsa_client_nft_elements (&opts, "allowed4");
    g_ptr_array_add (allowed, NULL);
    g_autofree char *joined = g_strjoinv (", ", (char **) allowed->pdata);
    g_assert_cmpstr (joined, ==, c->allowed);
  }
  return files;
}

static void
test_render_windows (gconstpointer data)
{
  const WindowCase *c = data;
  g_autofree char *path = vsa_test_data_path ("client", "windows", "policy.xml", NULL);
  g_autofree char *text = vsa_test_read (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaClientPolicy) policy = load_policy_text (text, &error);
  g_autoptr (GHashTable) uids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GDateTime) now = fixed_now (c->instant);
  guint checked = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (policy->time_zone, ==, "Europe/Berlin");
  g_hash_table_insert (uids, (gpointer) "charlie", GUINT_TO_POINTER (2001));
  g_hash_table_insert (uids, (gpointer) "boss", GUINT_TO_POINTER (2002));
  g_hash_table_insert (uids, (gpointer) "maggie", GUINT_TO_POINTER (2003));
  g_hash_table_insert (uids, (gpointer) "anne", GUINT_TO_POINTER (2004));
  for (int firewall = VSA_FIREWALL_NFT; firewall <= VSA_FIREWALL_IPTABLES; firewall++)
    {
      g_autoptr (GPtrArray) files = render_windows (c, firewall, uids, policy, now);
      g_autofree char *dir = g_strdup_printf ("windows/%s", c->label);

      for (guint i = 0; i < files->len; i++)
        {
          VsaClientFile *file = g_ptr_array_index (files, i);

          if (file->kind == VSA_CLIENT_FILE_NFT || file->kind == VSA_CLIENT_FILE_IPTABLES ||
              (file->kind == VSA_CLIENT_FILE_UNIT && strstr (file->path, "-sync.")))
            {
              assert_golden_file (file, dir);
              checked++;
            }
        }
    }
  /* nft, iptables, and the sync service and timer with each */
  g_assert_cmpuint (checked, ==, 6);
}

/* Without windows no sync units are rendered: nothing would change. */
static void
test_render_no_windows_no_sync (void)
{
  g_autoptr (VsaClientPolicy) policy = load_fixture ();
  g_autoptr (GHashTable) uids = fixed_uids ();
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GError) error = NULL;
  VsaClientRenderOptions opts;

  init_options (&opts, policy, uids, VSA_FIREWALL_NFT);
  files = vsa_client_render (&opts, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < files->len; i++)
    g_assert_null (strstr (((VsaClientFile *) g_ptr_array_index (files, i))->path, "-sync."));
}

/* --- escaping -------------------------------------------------------------- */

static void
test_sudoers_escape (void)
{
  static const struct { const char *in; const char *out; } cases[] = {
    { "spice://mysrv.example?tls-port=20002", "spice\\://mysrv.example\\?tls-port\\=20002" },
    { "spice://[2001:db8::1]?tls-port=1", "spice\\://\\[2001\\:db8\\:\\:1\\]\\?tls-port\\=1" },
    { "/v/a,b!c#d*e", "/v/a\\,b\\!c\\#d\\*e" },
    { "/v/%28x%29.vv", "/v/%28x%29.vv" },
  };
  static const char *const refused[] = { "a b", "a\\b", "a\tb", "caf\xc3\xa9", "a\nb" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *out = vsa_sudoers_escape_arg (cases[i].in, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *out = vsa_sudoers_escape_arg (refused[i], &error);
      g_assert_null (out);
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
    }
}

static void
test_file_name_encode (void)
{
  static const struct { const char *in; const char *out; } cases[] = {
    { "debianx", "debianx" },
    { "v6 test, (office)", "v6%20test%2C%20%28office%29" },
    { "a%41", "a%2541" },      /* '%' itself is encoded: no two names share a file */
    { "x.y-z_1+2", "x.y-z_1+2" },
    { "caf\xc3\xa9", "caf%C3%A9" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = vsa_file_name_encode (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_template_missing_value (void)
{
  g_autoptr (GError) error = NULL;
  const char *vars[] = { "USER", "alice", NULL };
  g_autofree char *out = vsa_template_expand (vsa_templates_lookup, "sudoers-rule", vars, &error);

  g_assert_null (out);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "no value for @TAG@"));
}

static const VsaTestEntry client_render_tests[] = {
  VSA_TEST_DATA ("/client-render/golden/nft", GINT_TO_POINTER (VSA_FIREWALL_NFT), test_render_golden),
  VSA_TEST_DATA ("/client-render/golden/iptables", GINT_TO_POINTER (VSA_FIREWALL_IPTABLES), test_render_golden),
  VSA_TEST ("/client-render/golden/broker", test_render_golden_broker),
  VSA_TEST ("/client-render/golden/brokers", test_render_golden_brokers),
  VSA_TEST ("/client-render/brokers-disagree-on-key", test_brokers_disagree_on_key),
  VSA_TEST ("/client-render/modes-and-owners", test_render_modes),
  VSA_TEST_CASES ("/client-render/windows", window_cases, test_render_windows),
  VSA_TEST ("/client-render/windows/none-no-sync-units", test_render_no_windows_no_sync),
  VSA_TEST_DATA ("/client-render/policy-round-trip-and-schema", "policy.xml", test_policy_round_trip_and_schema),
  VSA_TEST_DATA ("/client-render/policy-round-trip-and-schema/windows", "windows/policy.xml",
                 test_policy_round_trip_and_schema),
  VSA_TEST_DATA ("/client-render/policy-round-trip-and-schema/broker", "policy-broker.xml",
                 test_policy_round_trip_and_schema),
  VSA_TEST_DATA ("/client-render/policy-round-trip-and-schema/brokers", "policy-brokers.xml",
                 test_policy_round_trip_and_schema),
  VSA_TEST ("/client-render/escape/sudoers", test_sudoers_escape),
  VSA_TEST ("/client-render/escape/file-name", test_file_name_encode),
  VSA_TEST ("/client-render/template/missing-value", test_template_missing_value),
  VSA_TEST_CASES ("/client-render/bad-policy", bad_policies, test_bad_policy),
  VSA_TEST_CASES ("/client-render/bad-render", bad_renders, test_bad_render),
};

VSA_TEST_MAIN (client_render_tests)
