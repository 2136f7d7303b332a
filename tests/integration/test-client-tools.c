/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rendered client files checked by the real tools that will read
 * them (visudo, nft -c, iptables-restore --test, bash -n, systemd-analyze
 * verify), including names and hosts full of characters sudoers, the
 * shell and XML treat specially; a file a tool refuses stops everything.
 * Needs root (nft and iptables-restore check against the kernel). */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-client-host.h"
#include "vsa-error.h"
#include "vsa-templates.h"
#include "vsa-test-config.h"
#include "vsa-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* Every sudoers separator and wildcard, shell quote and XML special in a
 * VM name; an IPv6 server name (':' '[' ']' in the URI). */
static const char hostile_policy_vms[] =
  "  <vm name=\"a,b:c=d!e#f*g?h[i]j&quot;k'l$m;n&amp;o|p`q&lt;r&gt;s%t\" address=\"10.1.0.1\" tls-port=\"20011\" auth=\"sasl\">\n"
  "    <access user=\"alice\" client=\"lap-1.example\"/>\n"
  "  </vm>\n"
  "  <vm name=\"(x) y -- --help\" address=\"2001:db8::1\" tls-port=\"20012\" auth=\"password\" password=\"a$b'c&quot;d\">\n"
  "    <access user=\"bob.b-2_\" client=\"LAP-1.example\"/>\n"
  "  </vm>\n";

static VsaClientPolicy *
policy_with (const char *server, const char *vms)
{
  g_autofree char *ca_path = vsa_test_data_path ("client", "ca-cert.pem", NULL);
  g_autofree char *ca = vsa_test_read (ca_path);
  g_autofree char *text = g_strdup_printf (
    "<client-policy xmlns=\"" VSA_CLIENT_POLICY_NS "\" version=\"1\">\n"
    "  <server name=\"%s\"/>\n  <ca>%s</ca>\n%s</client-policy>\n", server, ca, vms);
  g_autoptr (GError) error = NULL;
  VsaClientPolicy *policy = vsa_client_policy_from_xml (text, strlen (text), "policy", &error);

  g_assert_no_error (error);
  return policy;
}

static GPtrArray *
render (const VsaClientPolicy *policy, const char *client, VsaFirewallKind firewall)
{
  g_autoptr (GHashTable) uids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  VsaClientRenderOptions opts = {
    .policy = policy, .client = client, .prefix = "/", .group = "spice-viewer",
    .remote_viewer = "/usr/bin/remote-viewer", .launcher = "/usr/libexec/virt-spice-admin-client-open",
    .program = "/bin/true",
    .firewall = firewall, .uids = uids, .templates = vsa_templates_lookup,
  };
  GPtrArray *files;

  g_hash_table_insert (uids, (gpointer) "alice", GUINT_TO_POINTER (1001));
  g_hash_table_insert (uids, (gpointer) "bob", GUINT_TO_POINTER (1002));
  g_hash_table_insert (uids, (gpointer) "bob.b-2_", GUINT_TO_POINTER (1003));
  files = vsa_client_render (&opts, &error);
  g_assert_no_error (error);
  return files;
}

static void
assert_tools_accept (GPtrArray *files)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (vsa_client_stage_and_validate (files, &error));
  g_assert_no_error (error);
}

static void
test_fixture_accepted (gconstpointer data)
{
  g_autofree char *path = vsa_test_data_path ("client", "policy.xml", NULL);
  g_autofree char *text = vsa_test_read (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaClientPolicy) policy = vsa_client_policy_from_xml (text, strlen (text), path, &error);
  g_autoptr (GPtrArray) files = render (policy, "192.168.2.22", GPOINTER_TO_INT (data));

  assert_tools_accept (files);
}

static void
test_hostile_names_accepted (gconstpointer data)
{
  g_autoptr (VsaClientPolicy) policy = policy_with ("2001:db8::1", hostile_policy_vms);
  g_autoptr (GPtrArray) files = render (policy, "lap-1.example", GPOINTER_TO_INT (data));
  const VsaClientFile *sudoers = g_ptr_array_index (files, files->len - 1);

  g_assert_cmpint (sudoers->kind, ==, VSA_CLIENT_FILE_SUDOERS);
  /* No rule runs remote-viewer on a bare URI (it would carry no CA). */
  g_assert_null (strstr (sudoers->content, "spice\\:"));
  /* Escaped for sudoers, so they match literally. */
  g_assert_nonnull (strstr (sudoers->content, "/vv/alice/a%2Cb%3Ac%3Dd%21e%23f%2Ag%3Fh%5Bi%5Dj%22k%27l%24m%3Bn%26o%7Cp%60q%3Cr%3Es%25t.vv"));
  assert_tools_accept (files);
}

/* A tool's refusal is an error naming the file, and stops validation. */
static void
test_tool_refusal_stops (gconstpointer data)
{
  const char *tool_kind = data;
  g_autoptr (VsaClientPolicy) policy = policy_with ("mysrv.example", hostile_policy_vms);
  g_autoptr (GPtrArray) files = render (policy, "lap-1.example", VSA_FIREWALL_NFT);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);
      gboolean hit = (g_str_equal (tool_kind, "visudo") && file->kind == VSA_CLIENT_FILE_SUDOERS) ||
                     (g_str_equal (tool_kind, "nft") && file->kind == VSA_CLIENT_FILE_NFT) ||
                     (g_str_equal (tool_kind, "bash") && file->kind == VSA_CLIENT_FILE_LAUNCHER) ||
                     (g_str_equal (tool_kind, "systemd-analyze") && file->kind == VSA_CLIENT_FILE_UNIT);
      if (hit)
        {
          g_autofree char *old = file->content;
          file->content = g_strconcat (old, "\nALL ALL=(ALL) ALL ) { [Service] Bogus=\n", NULL);
        }
    }
  g_assert_false (vsa_client_stage_and_validate (files, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_FAILED);
  if (strstr (error->message, tool_kind) == NULL)
    g_error ("'%s' does not name %s", error->message, tool_kind);
}

/* `client render` through the command: DEST gets the tree only when every
 * tool accepted it; a policy that cannot be expressed writes nothing. */
static void
test_cli_render (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("vsa-render-XXXXXX", &error);
  g_autofree char *dest = g_build_filename (dir, "root", NULL);
  g_autofree char *policy_path = g_build_filename (dir, "policy.xml", NULL);
  g_autoptr (VsaClientPolicy) policy = policy_with ("mysrv.example",
    "  <vm name=\"one\" address=\"10.1.0.1\" tls-port=\"20011\" auth=\"sasl\">\n"
    "    <access user=\"daemon\" client=\"lap\"/>\n  </vm>\n");
  g_autofree char *xml = vsa_client_policy_to_xml (policy);
  g_autoptr (VsaContext) ctx = vsa_context_new ();
  const char *argv[] = { "client", "render", "--policy", policy_path, "--client", "lap",
                         "--dest", dest, NULL };
  g_autofree char *sudoers = g_build_filename (dest, VSA_CLIENT_SUDOERS_PATH, NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autofree char *clear_dest = g_strdup_printf ("rm -rf '%s'", dest);
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (policy_path, xml, -1, NULL));
  ctx->config = vsa_test_config_new (dir);
  ctx->quiet = TRUE;
  g_assert_true (vsa_command_dispatch (ctx, &vsa_command_client, 8, (char **) argv, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (sudoers, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0440);

  g_assert_cmpint (system (clear_dest), ==, 0);
  g_free (ctx->config->client_prefix);
  ctx->config->client_prefix = g_strdup ("/tmp/a b");
  g_assert_false (vsa_command_dispatch (ctx, &vsa_command_client, 8, (char **) argv, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));
  g_assert_cmpint (system (cmd), ==, 0);
}

static const VsaTestEntry client_tools_tests[] = {
  VSA_TEST_DATA ("/client-tools/fixture/nft", GINT_TO_POINTER (VSA_FIREWALL_NFT), test_fixture_accepted),
  VSA_TEST_DATA ("/client-tools/fixture/iptables", GINT_TO_POINTER (VSA_FIREWALL_IPTABLES), test_fixture_accepted),
  VSA_TEST_DATA ("/client-tools/hostile-names/nft", GINT_TO_POINTER (VSA_FIREWALL_NFT), test_hostile_names_accepted),
  VSA_TEST_DATA ("/client-tools/hostile-names/iptables", GINT_TO_POINTER (VSA_FIREWALL_IPTABLES), test_hostile_names_accepted),
  VSA_TEST_DATA ("/client-tools/refusal/visudo", "visudo", test_tool_refusal_stops),
  VSA_TEST_DATA ("/client-tools/refusal/nft", "nft", test_tool_refusal_stops),
  VSA_TEST_DATA ("/client-tools/refusal/bash", "bash", test_tool_refusal_stops),
  VSA_TEST_DATA ("/client-tools/refusal/systemd-analyze", "systemd-analyze", test_tool_refusal_stops),
  VSA_TEST ("/client-tools/cli-render", test_cli_render),
};

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (geteuid () != 0)
    {
      /* A skip would count as a pass nowhere: fail, saying why. */
      g_printerr ("test-client-tools needs root (nft -c, iptables-restore --test)\n");
      return 1;
    }
  VSA_TEST_ADD (client_tools_tests);
  return g_test_run ();
}
