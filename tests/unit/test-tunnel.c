/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SSH tunnel policy: public keys and addresses accepted or refused,
 * and golden tests of the rendered sshd drop-in and authorized_keys files:
 * tests/data/tunnel/CASE.in.xml (a <domains> list of domain XML) renders
 * to CASE.out.txt, in the format `tunnel render` prints, followed by the
 * notes when there are any.  One DO_TEST line per case. */
#include "vsa-config.h"
#include "vsa-error.h"
#include "vsa-ssh-key.h"
#include "vsa-sshd.h"
#include "vsa-test-util.h"
#include "vsa-tunnel-render.h"
#include "vsa-tunnel.h"
#include "vsa-xml.h"

#include <string.h>

/* --- public keys ----------------------------------------------------------- */

static const struct {
  const char *file;
  const char *type;
  const char *comment;
} good_keys[] = {
  { "ed25519.pub", "ssh-ed25519", "ed25519@test" },
  { "ecdsa-p256.pub", "ecdsa-sha2-nistp256", "ecdsab256@test" },
  { "ecdsa-p384.pub", "ecdsa-sha2-nistp384", "ecdsab384@test" },
  { "ecdsa-p521.pub", "ecdsa-sha2-nistp521", "ecdsab521@test" },
  { "rsa-2048.pub", "ssh-rsa", "rsab2048@test" },
  { "sk-ed25519.pub", "sk-ssh-ed25519@openssh.com", "sk@test" },
  { "sk-ecdsa-p256.pub", "sk-ecdsa-sha2-nistp256@openssh.com", "sk2@test" },
};

static void
test_key_accepts_every_supported_type (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (good_keys); i++)
    {
      g_autofree char *path = vsa_test_data_path ("tunnel", "keys", good_keys[i].file, NULL);
      g_autofree char *text = vsa_test_read (path);
      g_autoptr (GError) error = NULL;
      g_autoptr (VsaSshKey) key = vsa_ssh_key_parse (text, strlen (text), &error);
      g_autofree char *line = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (key->type, ==, good_keys[i].type);
      g_assert_cmpstr (key->comment, ==, good_keys[i].comment);
      line = vsa_ssh_key_to_line (key);
      g_assert_cmpstr (line, ==, g_strchomp (text)); /* canonical as ssh-keygen wrote it */
    }
}

static void
test_key_tolerates_blank_lines_and_tabs (void)
{
  const char *text = "# alice's laptop\n\nssh-ed25519\tAAAAC3NzaC1lZDI1NTE5AAAAIOePNsBpR00K8g0TMvcxJPKl/EZQBOB/5NMY4kagXxqD\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaSshKey) key = vsa_ssh_key_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (key->type, ==, "ssh-ed25519");
  g_assert_null (key->comment);
}

#define ED25519_BLOB "AAAAC3NzaC1lZDI1NTE5AAAAIOePNsBpR00K8g0TMvcxJPKl/EZQBOB/5NMY4kagXxqD"

typedef struct {
  const char *label;
  const char *text;
  const char *message_part;
} BadKey;

static const BadKey bad_keys[] = {
  { "empty", "", "one line of text" },
  { "comments-only", "# nothing\n\n", "no public key" },
  { "two-keys", "ssh-ed25519 " ED25519_BLOB " a\nssh-ed25519 " ED25519_BLOB " b\n", "more than one key" },
  { "options-restrict", "restrict,command=\"/bin/sh\" ssh-ed25519 " ED25519_BLOB, "starts with authorized_keys options" },
  { "options-from", "from=\"*\" ssh-ed25519 " ED25519_BLOB, "starts with authorized_keys options" },
  { "options-no-pty", "no-pty ssh-ed25519 " ED25519_BLOB, "starts with authorized_keys options" },
  { "dss", "ssh-dss AAAAB3NzaC1kc3MAAACBAP", "key type 'ssh-dss' is not supported" },
  { "certificate", "ssh-ed25519-cert-v01@openssh.com AAAA", "is a certificate" },
  { "private-key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "this is a private key" },
  { "no-blob", "ssh-ed25519", "not valid base64" },
  { "blob-bad-chars", "ssh-ed25519 AAAA!!!!", "not valid base64" },
  { "blob-bad-length", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOePNsBpR00K8g0TMvcxJPKl/EZQBOB/5NMY4kagXxq", "not valid base64" },
  { "blob-inner-padding", "ssh-ed25519 AAAA=AAA", "not valid base64" },
  { "blob-noncanonical-padding", "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", "not valid base64" },
  { "type-mismatch", "ssh-rsa " ED25519_BLOB, "is a 'ssh-ed25519' key but the line says 'ssh-rsa'" },
  { "ed25519-short", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAHwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "the public point is not 32 bytes" },
  { "ed25519-extra", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "extra bytes after the key" },
  { "length-overflow", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAD6AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "the public point is not 32 bytes" },
  { "ecdsa-compressed", "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "not an uncompressed point" },
  { "ecdsa-curve-mismatch", "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAzODQAAABBBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "the curve name does not match" },
  { "comment-quote", "ssh-ed25519 " ED25519_BLOB " alice\"@x", "quotes or backslashes" },
  { "comment-control", "ssh-ed25519 " ED25519_BLOB " alice\x01", "control characters" },
  { "comment-not-utf8", "ssh-ed25519 " ED25519_BLOB " al\xffice", "UTF-8" },
};

static void
test_key_refused (gconstpointer data)
{
  const BadKey *bad = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaSshKey) key = vsa_ssh_key_parse (bad->text, strlen (bad->text), &error);

  g_assert_null (key);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  vsa_test_assert_message_has (error, bad->message_part);
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_key_refuses_embedded_nul (void)
{
  static const char text[] = "ssh-ed25519 " ED25519_BLOB "\0 evil";
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaSshKey) key = vsa_ssh_key_parse (text, sizeof text - 1, &error);

  g_assert_null (key);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
}

static void
test_key_refuses_weak_rsa (void)
{
  g_autofree char *path = vsa_test_data_path ("tunnel", "keys", "rsa-1024.pub", NULL);
  g_autofree char *text = vsa_test_read (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaSshKey) key = vsa_ssh_key_parse (text, strlen (text), &error);

  g_assert_null (key);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "the ssh-rsa key has 1024 bits"));
}

/* --- users and origins ----------------------------------------------------- */

static void
test_tunnel_user_names (void)
{
  static const char *const good[] = { "alice", "bob.smith", "tunnel_1", "Charlie" };
  static const char *const bad[] = { "root", ".hidden", "..", "al ice", "-x", "a,b", "a/b", "" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (vsa_validate_tunnel_user (good[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (vsa_validate_tunnel_user (bad[i], &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
    }
}

static void
test_ssh_from_addresses (void)
{
  static const char *const good[] = { "192.168.2.22", "192.168.2.0/24", "10.0.0.0/8", "0.0.0.0/0",
                                      "::1", "fd00::/8", "fd00:0:0:2::/64", "192.168.2.22/32",
                                      "10.64.0.0/10", "fd00:8000::/17" };
  static const struct { const char *from; const char *message_part; } bad[] = {
    { "192.168.2.1/24", "bits set past the /24 prefix" },
    { "fd00::1/64", "bits set past the /64 prefix" },
    { "10.96.0.0/10", "bits set past the /10 prefix" },
    { "fd00:c000::/17", "bits set past the /17 prefix" },
    { "192.168.2.0/33", "not an IP address" },
    { "1.2.3.4/", "not an IP address" },
    { "1.2.3.4/x", "not an IP address" },
    { "office.example", "not an IP address" },
    { "10.0.0.1;reboot", "not an IP address" },
    { "192.168.2.*", "not an IP address" },
    { "", "not an IP address" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (vsa_validate_ssh_from (good[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (vsa_validate_ssh_from (bad[i].from, &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, bad[i].message_part));
    }
}

/* --- rendering (golden) ---------------------------------------------------- */

/* Each <domain> child of the case's <domains> root, as its own document. */
static GPtrArray *
load_domains (const char *path)
{
  g_autofree char *text = vsa_test_read (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (xmlDoc) list = vsa_xml_parse (text, strlen (text), path, &error);
  GPtrArray *docs = g_ptr_array_new_with_free_func ((GDestroyNotify) xmlFreeDoc);

  g_assert_no_error (error);
  for (xmlNode *n = xmlDocGetRootElement (list)->children; n; n = n->next)
    if (vsa_xml_is_element (n, "domain"))
      {
        xmlDoc *doc = xmlNewDoc (BAD_CAST "1.0");

        xmlDocSetRootElement (doc, xmlDocCopyNode (n, doc, 1));
        g_ptr_array_add (docs, doc);
      }
  return docs;
}

static char *
render_case (const char *in_path, GError **error)
{
  g_autoptr (GPtrArray) docs = load_domains (in_path);
  g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_tunnel_route_free);
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (VsaConfig) config = vsa_config_new_defaults ();
  VsaTunnelRenderOptions opts = { config->sshd_drop_in_dir, config->tunnel_authorized_keys_dir,
                                  config->tunnel_wait_command };
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GString) text = NULL;
  g_autofree char *listing = NULL;

  g_assert_true (vsa_sshd_tunnel_templates (&opts.templates, NULL));
  for (guint i = 0; i < docs->len; i++)
    if (!vsa_tunnel_routes_from_domain (g_ptr_array_index (docs, i), routes, notes, error))
      return NULL;
  files = vsa_tunnel_render (routes, &opts, error);
  if (files == NULL)
    return NULL;
  listing = vsa_rendered_files_to_text (files);
  text = g_string_new (listing);
  if (notes->len)
    g_string_append (text, "\n--- notes\n");
  for (guint i = 0; i < notes->len; i++)
    g_string_append_printf (text, "%s\n", (char *) g_ptr_array_index (notes, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The renderer reads no template of its own: what the caller passes in is
 * what comes out, and a placeholder it cannot fill is an error. */
static VsaTunnelRoute *
route_new (const char *vm, const char *user, const char *destination)
{
  g_autofree char *path = vsa_test_data_path ("tunnel", "keys", "ed25519.pub", NULL);
  g_autofree char *text = vsa_test_read (path);
  VsaTunnelRoute *route = g_new0 (VsaTunnelRoute, 1);

  route->vm = g_strdup (vm);
  route->user = g_strdup (user);
  route->key = vsa_ssh_key_parse (text, strlen (text), NULL);
  route->destination = g_strdup (destination);
  g_assert_nonnull (route->key);
  return route;
}

static void
test_render_uses_given_templates (void)
{
  g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_tunnel_route_free);
  VsaTunnelRenderOptions opts = { "/d", "/k", "/bin/wait",
                                  { .drop_in = "drop-in @AUTHORIZED_KEYS_DIR@\n@MATCH_BLOCKS@",
                                    .match_block = "match @USER@ @PERMIT_OPEN@ @WAIT_COMMAND@ (@VMS@)\n",
                                    .refuse_block = "refuse @USER@ from !@NETWORKS@\n",
                                    .keys_file = "keys of @USER@\n@KEY_LINES@",
                                    .key_line = "@PERMIT_OPEN@@FROM@\n" } };
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  g_ptr_array_add (routes, route_new ("vm2", "bob", "127.0.0.1:20002"));
  g_ptr_array_add (routes, route_new ("vm1", "bob", "127.0.0.1:20001"));
  files = vsa_tunnel_render (routes, &opts, &error);
  g_assert_no_error (error);
  text = vsa_rendered_files_to_text (files);
  g_assert_cmpstr (text, ==,
                   "# ==> /d/virt-spice-admin.conf (owner root, mode 0644) <==\n"
                   "drop-in /k\n"
                   "match bob 127.0.0.1:20001 127.0.0.1:20002 /bin/wait "
                   "(vm1 (127.0.0.1:20001), vm2 (127.0.0.1:20002))\n"
                   "\n# ==> /k/bob (owner root, group bob's, mode 0640) <==\n"
                   "keys of bob\n"
                   "permitopen=\"127.0.0.1:20001\",permitopen=\"127.0.0.1:20002\"\n");

  opts.templates.key_line = "@PERMIT_OPEN@ @NO_SUCH_VALUE@\n";
  g_clear_pointer (&files, g_ptr_array_unref);
  files = vsa_tunnel_render (routes, &opts, &error);
  g_assert_null (files);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "template 'tunnel-authorized-keys-line': no value for @NO_SUCH_VALUE@");
}

typedef struct {
  const char *name;
  int expected_error;     /* 0: must render */
  const char *message_part;
} RenderCase;

static void
run_render (gconstpointer data)
{
  const RenderCase *tc = data;
  g_autofree char *in_path = vsa_test_case_path ("tunnel", tc->name, ".in.xml");
  g_autofree char *out_path = vsa_test_case_path ("tunnel", tc->name, ".out.txt");
  g_autoptr (GError) error = NULL;
  g_autofree char *actual = render_case (in_path, &error);

  if (tc->expected_error)
    {
      g_assert_error (error, VSA_ERROR, tc->expected_error);
      g_assert_null (actual);
      vsa_test_assert_message_has (error, tc->message_part);
      return;
    }
  g_assert_no_error (error);
  vsa_test_assert_golden (actual, out_path);
}

static const RenderCase render_cases[] = {
  { "two-users", 0, NULL },
  { "two-keys", 0, NULL },
  { "two-networks", 0, NULL },
  { "no-tunnels", 0, NULL },
  { "listen-ipv6", 0, NULL },
  { "listen-not-loopback", 0, NULL },
  { "from-ipv4-mapped", 0, NULL },
  { "key-from-conflict", VSA_ERROR_CONFLICT,
    "user 'alice' has one key for VMs 'debianx' (from anywhere) and 'leaptest' (from 10.0.0.0/8)" },
  { "no-tls-port", VSA_ERROR_INVALID,
    "VM 'leaptest' has a tunnel but no fixed SPICE TLS port" },
  { "tls-port-out-of-range", VSA_ERROR_INVALID,
    "VM 'leaptest' has a tunnel but no fixed SPICE TLS port (1-65535)" },
  { "vm-name-line-break", VSA_ERROR_INVALID,
    "VM name must not contain control characters" },
  { "tampered-key", VSA_ERROR_INVALID,
    "VM 'debianx': metadata: line 7: <vsa:tunnel>: the key data is a 'ssh-ed25519' key but the line says 'ssh-rsa'" },
};

static const VsaTestEntry tunnel_tests[] = {
  VSA_TEST ("/tunnel/key/accepts-every-supported-type", test_key_accepts_every_supported_type),
  VSA_TEST ("/tunnel/key/tolerates-blank-lines-and-tabs", test_key_tolerates_blank_lines_and_tabs),
  VSA_TEST ("/tunnel/key/refuses-embedded-nul", test_key_refuses_embedded_nul),
  VSA_TEST ("/tunnel/key/refuses-weak-rsa", test_key_refuses_weak_rsa),
  VSA_TEST_CASES ("/tunnel/key/refuses", bad_keys, test_key_refused),
  VSA_TEST ("/tunnel/user-names", test_tunnel_user_names),
  VSA_TEST ("/tunnel/from-addresses", test_ssh_from_addresses),
  VSA_TEST ("/tunnel/render/uses-given-templates", test_render_uses_given_templates),
  VSA_TEST_CASES ("/tunnel/render", render_cases, run_render),
};

VSA_TEST_MAIN (tunnel_tests)
