/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the policy logic: configuration, durations, port choice,
 * passwords, names, and the metadata model against its RelaxNG schema. */
#include "vsa-choice.h"
#include "vsa-config.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-metadata.h"
#include "vsa-nft.h"
#include "vsa-policy.h"
#include "vsa-secret.h"
#include "vsa-spice.h"
#include "vsa-test-util.h"
#include "vsa-time.h"
#include "vsa-vv.h"
#include "vsa-xml.h"

#include <glib/gstdio.h>
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
  g_assert_cmpstr (config->key_dir, ==, "/etc/virt-spice-admin/keys");
  g_assert_cmpstr (config->luks_pbkdf, ==, "argon2id");
  g_assert_cmpuint (config->luks_pbkdf_time_ms, ==, 2000);
  g_assert_cmpuint (config->luks_pbkdf_iterations, ==, 0);
  g_assert_true (config->deactivate_lv_on_close);
  g_assert_cmpstr (config->ca_file, ==, "/etc/pki/libvirt-spice/ca-cert.pem");
  g_assert_true (config->firewall);
  g_assert_cmpstr (config->firewall_table, ==, "virt_spice_admin");
  g_assert_cmpint (config->firewall_priority, ==, -10);
  g_assert_cmpint (config->firewall_reject, ==, VSA_NFT_REJECT_RESET);
  g_assert_cmpstr (config->firewall_log_prefix, ==, "");
  g_assert_cmpstr (config->time_zone, ==, "");
}

static void
test_config_all_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) config = load_config (
    "# comment\n[defaults]\ntls-port-range = 30000-30010\nlisten=::1\n"
    "state-dir=/tmp/st\nauth-mode=sasl\nca-file=/tmp/ca.pem\nqemu-group=kvm\n"
    "libvirt-config-dir=/run/libvirt/qemu\n"
    "firewall=false\nfirewall-table=spice_guard\nfirewall-priority=5\n"
    "firewall-reject=drop\nfirewall-log-prefix=vsa-rejected:\ntime-zone=Europe/Berlin\n"
    "key-dir=/tmp/keys\nluks-pbkdf=pbkdf2\n"
    "luks-pbkdf-time-ms=1\nluks-pbkdf-iterations=1000\ndeactivate-lv-on-close=false\n", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (config->key_dir, ==, "/tmp/keys");
  g_assert_cmpstr (config->luks_pbkdf, ==, "pbkdf2");
  g_assert_cmpuint (config->luks_pbkdf_time_ms, ==, 1);
  g_assert_cmpuint (config->luks_pbkdf_iterations, ==, 1000);
  g_assert_false (config->deactivate_lv_on_close);
  g_assert_cmpint (config->tls_port_min, ==, 30000);
  g_assert_cmpint (config->tls_port_max, ==, 30010);
  g_assert_cmpstr (config->listen, ==, "::1");
  g_assert_cmpstr (config->state_dir, ==, "/tmp/st");
  g_assert_cmpint (config->auth_mode, ==, VSA_AUTH_SASL);
  g_assert_cmpstr (config->ca_file, ==, "/tmp/ca.pem");
  g_assert_cmpstr (config->qemu_group, ==, "kvm");
  g_assert_cmpstr (config->libvirt_config_dir, ==, "/run/libvirt/qemu");
  g_assert_false (config->firewall);
  g_assert_cmpstr (config->firewall_table, ==, "spice_guard");
  g_assert_cmpint (config->firewall_priority, ==, 5);
  g_assert_cmpint (config->firewall_reject, ==, VSA_NFT_REJECT_DROP);
  g_assert_cmpstr (config->firewall_log_prefix, ==, "vsa-rejected:");
  g_assert_cmpstr (config->time_zone, ==, "Europe/Berlin");
}

static void
test_config_tunnel_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) defaults = vsa_config_new_defaults ();
  g_autoptr (VsaConfig) config = load_config (
    "[defaults]\nsshd-binary=/opt/sbin/sshd\nsshd-config=/srv/ssh/sshd_config\n"
    "sshd-drop-in-dir=/srv/ssh/sshd_config.d\ntunnel-authorized-keys-dir=/srv/ssh/keys\n"
    "tunnel-wait-command=/usr/bin/sleep 3600\n", &error);

  g_assert_cmpstr (defaults->sshd_binary, ==, "/usr/sbin/sshd");
  g_assert_cmpstr (defaults->sshd_config, ==, "/etc/ssh/sshd_config");
  g_assert_cmpstr (defaults->sshd_drop_in_dir, ==, "/etc/ssh/sshd_config.d");
  g_assert_cmpstr (defaults->tunnel_authorized_keys_dir, ==, "/etc/ssh/virt-spice-admin/authorized_keys");
  g_assert_cmpstr (defaults->tunnel_wait_command, ==, "/bin/sleep infinity");
  g_assert_no_error (error);
  g_assert_cmpstr (config->sshd_binary, ==, "/opt/sbin/sshd");
  g_assert_cmpstr (config->sshd_config, ==, "/srv/ssh/sshd_config");
  g_assert_cmpstr (config->sshd_drop_in_dir, ==, "/srv/ssh/sshd_config.d");
  g_assert_cmpstr (config->tunnel_authorized_keys_dir, ==, "/srv/ssh/keys");
  g_assert_cmpstr (config->tunnel_wait_command, ==, "/usr/bin/sleep 3600");
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
    "client-nopasswd = false\n", &error);

  g_assert_no_error (error);
  g_assert_null (defaults->server_name);
  g_assert_null (defaults->server_subject);
  g_assert_cmpstr (defaults->client_group, ==, "spice-viewer");
  g_assert_cmpstr (defaults->client_prefix, ==, "/");
  g_assert_cmpstr (defaults->client_remote_viewer, ==, "/usr/bin/remote-viewer");
  g_assert_cmpint (defaults->client_firewall, ==, VSA_FIREWALL_NFT);
  g_assert_true (defaults->client_nopasswd);
  g_assert_cmpstr (config->server_name, ==, "mysrv.example");
  g_assert_cmpstr (config->server_subject, ==, "O=Example,CN=mysrv.example");
  g_assert_cmpstr (config->client_group, ==, "spicegrp");
  g_assert_cmpstr (config->client_prefix, ==, "/tmp/client-root");
  g_assert_cmpstr (config->client_remote_viewer, ==, "/opt/rv/bin/remote-viewer");
  g_assert_cmpint (config->client_firewall, ==, VSA_FIREWALL_IPTABLES);
  g_assert_false (config->client_nopasswd);
}

static void
test_config_example_file_loads (void)
{
  g_autofree char *path = vsa_test_data_path ("..", "..", "docs", "examples", "virt-spice-admin.conf", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaConfig) config = vsa_config_load (path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (config->tls_port_min, ==, 20001);
  g_assert_true (config->firewall);
  g_assert_cmpstr (config->firewall_table, ==, "virt_spice_admin");
  g_assert_cmpstr (config->firewall_log_prefix, ==, "");
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
  { "[defaults]\nserver-name = my srv\n", "/etc/vsa.conf:2: key 'server-name': client 'my srv' is neither" },
  { "[defaults]\nclient-group = ALL\n", "/etc/vsa.conf:2: key 'client-group': group name 'ALL' reads as an alias" },
  { "[defaults]\nclient-prefix = /tmp/a b\n", "/etc/vsa.conf:2: key 'client-prefix': client-prefix '/tmp/a b' cannot be written safely" },
  { "[defaults]\nclient-remote-viewer = relative/rv\n", "/etc/vsa.conf:2: key 'client-remote-viewer'" },
  { "[defaults]\nclient-firewall = pf\n", "/etc/vsa.conf:2: key 'client-firewall': firewall 'pf' is unknown" },
  { "[defaults]\nclient-nopasswd = yes\n", "/etc/vsa.conf:2: key 'client-nopasswd': 'yes' is not a boolean" },
  { "[defaults]\nsshd-binary = sshd\n", "/etc/vsa.conf:2: key 'sshd-binary': 'sshd' is not an absolute path" },
  { "[defaults]\ntunnel-authorized-keys-dir = /etc/ssh/my keys\n", "/etc/vsa.conf:2: key 'tunnel-authorized-keys-dir': '/etc/ssh/my keys' cannot be written into sshd_config" },
  { "[defaults]\nsshd-config = /etc/ssh/%h\n", "/etc/vsa.conf:2: key 'sshd-config'" },
  { "[defaults]\nsshd-drop-in-dir = /etc/ssh/d#x\n", "/etc/vsa.conf:2: key 'sshd-drop-in-dir'" },
  { "[defaults]\ntunnel-wait-command = sleep infinity\n", "/etc/vsa.conf:2: key 'tunnel-wait-command': 'sleep infinity' must be an absolute program path" },
  { "[defaults]\ntunnel-wait-command = /bin/sleep 1; /bin/sh\n", "/etc/vsa.conf:2: key 'tunnel-wait-command'" },
  { "[defaults]\nlisten=127.0.0.1\n[extra]\nfoo=1\n", "/etc/vsa.conf:3: unknown group [extra]" },
  { "not a key file\n", "/etc/vsa.conf:" },
  { "[defaults]\nqemu-group = -bad group\n", "/etc/vsa.conf:2: key 'qemu-group'" },
  { "[defaults]\nfirewall = yes\n", "/etc/vsa.conf:2: key 'firewall': 'yes' is not a boolean; use true or false" },
  { "[defaults]\nfirewall-table = my-table\n", "/etc/vsa.conf:2: key 'firewall-table': firewall table name 'my-table' is not usable" },
  { "[defaults]\nfirewall-priority = high\n", "/etc/vsa.conf:2: key 'firewall-priority': 'high' is not an integer" },
  { "[defaults]\nfirewall-priority = -5000\n", "/etc/vsa.conf:2: key 'firewall-priority': firewall priority -5000 is out of range" },
  { "[defaults]\nfirewall-reject = icmp\n", "/etc/vsa.conf:2: key 'firewall-reject': firewall reject mode 'icmp' is unknown" },
  { "[defaults]\ntime-zone = Europe/Atlantis\n", "/etc/vsa.conf:2: key 'time-zone': time zone 'Europe/Atlantis' is unknown; give a tzdata name" },
  { "[defaults]\nfirewall-log-prefix = a\"b\n", "/etc/vsa.conf:2: key 'firewall-log-prefix': firewall log prefix must not contain quotes" },
  { "[defaults]\nclient-remote-viewer = /usr/bin/\n", "/etc/vsa.conf:2: key 'client-remote-viewer': client-remote-viewer '/usr/bin/' must name a program, not a directory" },
  { "[defaults]\nkey-dir = keys\n", "/etc/vsa.conf:2: key 'key-dir': 'keys' is not an absolute path" },
  { "[defaults]\nluks-pbkdf = md5\n", "/etc/vsa.conf:2: key 'luks-pbkdf': LUKS2 PBKDF 'md5' is unknown; use 'argon2id', 'argon2i' or 'pbkdf2'" },
  { "[defaults]\nluks-pbkdf-time-ms = 0\n", "/etc/vsa.conf:2: key 'luks-pbkdf-time-ms': '0' is not a whole number from 1" },
  { "[defaults]\nluks-pbkdf-iterations = -1\n", "/etc/vsa.conf:2: key 'luks-pbkdf-iterations'" },
  { "[defaults]\ndeactivate-lv-on-close = yes\n", "/etc/vsa.conf:2: key 'deactivate-lv-on-close': 'yes' is not a boolean; use true or false" },
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

static void
test_volume_names (void)
{
  static const char *const good_lvs[] = { "volgrp4/lvimap_hd0", "vg/lv", "vg.1/a+b-c_d", "VG/.lv" };
  static const char *const bad_lvs[] = { "", "lv", "/lv", "vg/", "vg/a/b", "vg/..", "../lv", "-vg/lv",
                                         "vg/-lv", "vg/l v", "vg/lv;rm", "vg/$(x)", "vg/lv'", "vg/l\nv" };
  static const char *const good_names[] = { "cr_imap_encr", "a", "cr-0.data+1" };
  static const char *const bad_names[] = { "", ".", "..", ".hidden", "-x", "a/b", "a b", "x;y", "x`y`",
                                           "control\n" };

  for (gsize i = 0; i < G_N_ELEMENTS (good_lvs); i++)
    g_assert_true (vsa_validate_lv_path (good_lvs[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad_lvs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (vsa_validate_lv_path (bad_lvs[i], &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
      g_assert_null (strchr (error->message + strlen (error->message) - 1, '\n'));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (good_names); i++)
    g_assert_true (vsa_validate_mapping_name (good_names[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (vsa_validate_mapping_name (bad_names[i], &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
    }
  g_assert_true (vsa_validate_keyfile_path ("/etc/virt-spice-admin/keys/vg/lv.key", NULL));
  g_assert_false (vsa_validate_keyfile_path ("keys/lv.key", NULL));
  g_assert_false (vsa_validate_keyfile_path ("/etc/../root/key", NULL));
  g_assert_false (vsa_validate_keyfile_path ("/etc/key\n", NULL));
}

static void
test_token_names (void)
{
  static const struct {
    const char *token;
    int id;
  } good[] = { { "any", -1 }, { "0", 0 }, { "7", 7 }, { "10", 10 }, { "31", 31 } };
  static const char *const bad[] = { "", "ANY", "all", "-1", "32", "99", "07", "+1", " 1", "1 ",
                                     "0x1", "1e1", "foo" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      int id = -2;

      g_assert_true (vsa_validate_token (good[i].token, NULL));
      g_assert_true (vsa_token_to_id (good[i].token, &id));
      g_assert_cmpint (id, ==, good[i].id);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      int id;

      g_assert_false (vsa_token_to_id (bad[i], &id));
      g_assert_false (vsa_validate_token (bad[i], &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "use 'any' or a LUKS2 token id 0..31"));
    }
  g_assert_false (vsa_validate_token (NULL, NULL));
}

/* An IPv4 client written IPv4-mapped (::ffff:a.b.c.d, as a dual-stack
 * socket shows it) sends IPv4 packets: the firewall must hold it in the
 * IPv4 set, where those packets are looked up. */
static void
test_mapped_ipv4_client_goes_to_ipv4 (void)
{
  static const struct { const char *input; VsaNftFamily family; const char *canonical; } cases[] = {
    { "::ffff:192.168.2.22", VSA_NFT_IPV4, "192.168.2.22" },
    { "::FFFF:c0a8:216", VSA_NFT_IPV4, "192.168.2.22" },
    { "::ffff:192.168.2.0/120", VSA_NFT_IPV4, "192.168.2.0/24" },
    { "::ffff:0:0/95", VSA_NFT_IPV6, "::fffe:0:0/95" },  /* wider than the mapped range */
    { "::192.168.2.22", VSA_NFT_IPV6, "::192.168.2.22" },    /* IPv4-compatible: not mapped */
    { "fd00::ffff:192.168.2.22", VSA_NFT_IPV6, "fd00::ffff:c0a8:216" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VsaNftClient) client = vsa_nft_client_parse (cases[i].input, &error);

      g_assert_no_error (error);
      g_assert_cmpint (client->family, ==, cases[i].family);
      g_assert_cmpstr (client->text, ==, cases[i].canonical);
    }
}

static void
test_mapped_ipv4_client_in_ipv4_set (void)
{
  static const VsaNftSettings settings = { VSA_NFT_TABLE_DEFAULT, VSA_NFT_PRIORITY_DEFAULT,
                                           VSA_NFT_REJECT_RESET, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaNftVm) vm = vsa_nft_vm_new (20001, &error);
  g_autofree char *script = NULL;

  g_assert_no_error (error);
  g_assert_true (vsa_nft_vm_add_client (vm, "192.168.2.22", &error));
  g_assert_true (vsa_nft_vm_add_client (vm, "::ffff:192.168.2.22", &error)); /* the same host */
  g_assert_true (vsa_nft_vm_add_client (vm, "::ffff:10.1.2.3", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (vm->clients->len, ==, 2);
  script = vsa_nft_render_add_vm (&settings, vm);
  g_assert_nonnull (strstr (script, "add element inet virt_spice_admin clients4 { 192.168.2.22 . 20001, 10.1.2.3 . 20001 }"));
  g_assert_null (strstr (script, "element inet virt_spice_admin clients6"));
  g_assert_null (strstr (script, "ffff"));
}

/* Hand-edited client entries: what the hook refuses, the CLI and audit
 * see too.  A dotted all-digit name is a mistyped address, never a host
 * name; a port does not belong in a client. */
static void
test_client_entries_the_hook_refuses (void)
{
  static const char *const good[] = { "192.168.2.22", "fd00::22", "192.168.2.0/24", "office.lan",
                                      "pc1.example", "1pc.example", "a" };
  static const char *const bad[] = { "999.1.1.1", "1.2.3", "127.0.0.1:99999", "[::1]:20001",
                                     "10.0.0.1/33", "evil.example.", "" };
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  g_autoptr (GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (vsa_validate_client (good[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (vsa_validate_client (bad[i], &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
    }

  /* With the firewall on the hook also refuses host names: the same
   * parse as vsa_nft_vm_from_policy, one line per entry. */
  vsa_policy_assign (policy, "alice", (const char *const[]) { "evil.example", "192.168.2.22", NULL });
  vsa_policy_assign (policy, "bob", (const char *const[]) { "::ffff:192.168.2.23", "office.lan", NULL });
  vsa_nft_find_refused_clients (policy, refused);
  g_assert_cmpuint (refused->len, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (refused, 0),
                                   "user 'alice': client 'evil.example' is not an IPv4 or IPv6 address"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (refused, 1),
                                   "user 'bob': client 'office.lan' is not an IPv4 or IPv6 address"));
  g_assert_null (vsa_nft_vm_from_policy (policy, 20001, NULL, NULL));
}

static xmlDoc *
parse_text (const char *text)
{
  g_autoptr (GError) error = NULL;
  xmlDoc *doc = vsa_xml_parse (text, strlen (text), "test", &error);

  g_assert_no_error (error);
  return doc;
}

/* The schema the binary carries (xml/vsa-console.rng, compiled in). */
static gboolean
valid_against_schema (xmlNode *console)
{
  return vsa_metadata_validate (console, NULL);
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
  VsaAccess *alice = vsa_access_new ("alice");
  VsaAccess *bob = vsa_access_new ("bob");

  g_assert_false (vsa_policy_is_managed (doc));
  g_ptr_array_add (alice->clients, g_strdup ("192.168.2.22"));
  g_ptr_array_add (alice->clients, g_strdup ("fd00::22"));
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
test_policy_volumes_keep_order (void)
{
  g_autoptr (xmlDoc) doc = parse_text ("<domain type='kvm'><name>x</name></domain>");
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  g_autoptr (VsaPolicy) back = NULL;
  g_autoptr (GError) error = NULL;
  static const char *const names[] = { "cr_z", "cr_a", "cr_m" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *lv = g_strdup_printf ("vg/lv_%s", names[i]);
      g_ptr_array_add (policy->volumes, vsa_volume_new (lv, names[i], "/etc/keys/k", NULL));
    }
  vsa_policy_to_domain (doc, policy);
  g_assert_true (valid_against_schema (console_of (doc)));
  g_assert_true (vsa_policy_from_domain (doc, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back->volumes->len, ==, 3);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      VsaVolume *volume = g_ptr_array_index (back->volumes, i);
      g_assert_cmpstr (volume->name, ==, names[i]);
      g_assert_cmpstr (volume->keyfile, ==, "/etc/keys/k");
      g_assert_null (volume->token);
    }
  g_assert_cmpstr (vsa_policy_find_volume (back, "cr_a")->lv, ==, "vg/lv_cr_a");
  g_assert_null (vsa_policy_find_volume (back, "cr_b"));
}

/* A token volume names no key: the attribute is token, never keyfile. */
static void
test_policy_token_volumes_round_trip (void)
{
  g_autoptr (xmlDoc) doc = parse_text ("<domain type='kvm'><name>x</name></domain>");
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  g_autoptr (VsaPolicy) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  VsaVolume *any, *second, *keyed;

  g_ptr_array_add (policy->volumes, vsa_volume_new ("vg/a", "cr_a", NULL, "any"));
  g_ptr_array_add (policy->volumes, vsa_volume_new ("vg/b", "cr_b", NULL, "31"));
  g_ptr_array_add (policy->volumes, vsa_volume_new ("vg/c", "cr_c", "/k/c", NULL));
  vsa_policy_to_domain (doc, policy);
  g_assert_true (valid_against_schema (console_of (doc)));
  xml = vsa_xml_serialize (doc);
  g_assert_nonnull (strstr (xml, "<vsa:volume lv=\"vg/a\" name=\"cr_a\" token=\"any\"/>"));
  g_assert_nonnull (strstr (xml, "<vsa:volume lv=\"vg/b\" name=\"cr_b\" token=\"31\"/>"));
  g_assert_true (vsa_policy_from_domain (doc, &back, &error));
  g_assert_no_error (error);
  any = g_ptr_array_index (back->volumes, 0);
  second = g_ptr_array_index (back->volumes, 1);
  keyed = g_ptr_array_index (back->volumes, 2);
  g_assert_cmpstr (any->token, ==, "any");
  g_assert_null (any->keyfile);
  g_assert_cmpstr (second->token, ==, "31");
  g_assert_cmpstr (keyed->keyfile, ==, "/k/c");
  g_assert_null (keyed->token);
}

static void
test_policy_access_and_volumes_mix (void)
{
  g_autoptr (xmlDoc) doc = parse_text (
    "<domain><metadata><vsa:console xmlns:vsa='" VSA_METADATA_NS "'>"
    "<vsa:volume lv='vg/a' name='cr_a' keyfile='/k/a'/><vsa:access user='alice'/>"
    "<vsa:volume lv='vg/b' name='cr_b' keyfile='/k/b'/></vsa:console></metadata></domain>");
  g_autoptr (VsaPolicy) policy = NULL;

  g_assert_true (valid_against_schema (console_of (doc)));
  g_assert_true (vsa_policy_from_domain (doc, &policy, NULL));
  g_assert_cmpuint (policy->access->len, ==, 1);
  g_assert_cmpuint (policy->volumes->len, ==, 2);
}

typedef struct {
  const char *element;
  const char *message;
} BadVolume;

static const BadVolume bad_volumes[] = {
  { "<vsa:volume lv='vg/lv;reboot' name='cr' keyfile='/k'/>", "line 2: <vsa:volume>: logical volume name 'lv;reboot' is not valid" },
  { "<vsa:volume lv='vg/lv' name='../../dev/sda' keyfile='/k'/>", "line 2: <vsa:volume>: mapping name '../../dev/sda' is not valid" },
  { "<vsa:volume lv='vg/lv' name='cr'/>", "line 2: <vsa:volume>: volume 'cr' needs a key source: keyfile=\"/absolute/path\" or token=\"any\" or a token id 0..31" },
  { "<vsa:volume lv='vg/lv' name='cr' keyfile='/k' token='0'/>", "line 2: <vsa:volume>: volume 'cr' has both a keyfile and a token; keep exactly one" },
  { "<vsa:volume lv='vg/lv' name='cr' token='32'/>", "line 2: <vsa:volume>: token '32' is not valid: use 'any' or a LUKS2 token id 0..31" },
  { "<vsa:volume lv='vg/lv' name='cr' token='foo'/>", "line 2: <vsa:volume>: token 'foo' is not valid" },
  { "<vsa:volume lv='vg/lv' name='cr' token='007'/>", "line 2: <vsa:volume>: token '007' is not valid" },
  { "<vsa:volume lv='vg/lv' name='cr' token=''/>", "line 2: <vsa:volume>: token '' is not valid" },
  { "<vsa:volume name='cr' keyfile='/k'/>", "line 2: <vsa:volume>: logical volume '' must be written VG/LV" },
  { "<vsa:volume lv='vg/lv' name='cr' keyfile='/k'/><vsa:volume lv='vg/lv2' name='cr' keyfile='/k'/>",
    "line 2: <vsa:volume> 'cr' (vg/lv2) repeats the mapping or logical volume of 'cr' (vg/lv)" },
};

static void
test_policy_rejects_bad_volume (gconstpointer data)
{
  const BadVolume *bad = data;
  g_autofree char *text = g_strdup_printf (
    "<domain><metadata><vsa:console xmlns:vsa='" VSA_METADATA_NS "'>\n%s</vsa:console></metadata></domain>",
    bad->element);
  g_autoptr (xmlDoc) doc = parse_text (text);
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (vsa_policy_from_domain (doc, &policy, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  vsa_test_assert_message_has (error, bad->message);
  g_assert_null (policy);
  /* The duplicate is a rule of the model, not of the grammar. */
  if (strstr (bad->message, "repeats") == NULL)
    g_assert_false (valid_against_schema (console_of (doc)));
}

#define ALICE_KEY "AAAAC3NzaC1lZDI1NTE5AAAAIOePNsBpR00K8g0TMvcxJPKl/EZQBOB/5NMY4kagXxqD"

static void
test_policy_tunnels_round_trip_matches_schema (void)
{
  g_autoptr (xmlDoc) doc = parse_text ("<domain type='kvm'><name>x</name></domain>");
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  g_autoptr (VsaPolicy) back = NULL;
  g_autoptr (VsaSshKey) key = vsa_ssh_key_new ("ssh-ed25519", ALICE_KEY, "alice@office");
  g_autoptr (VsaSshKey) bare = vsa_ssh_key_new ("ssh-ed25519", ALICE_KEY, NULL);
  g_autoptr (GError) error = NULL;
  VsaTunnel *tunnel;

  vsa_policy_assign (policy, "alice", NULL);
  vsa_policy_set_tunnel (policy, "alice", key, "192.168.2.0/24");
  vsa_policy_set_tunnel (policy, "bob", bare, NULL);
  vsa_policy_set_tunnel (policy, "alice", key, "fd00::/8"); /* replaces, keeps the order */
  vsa_policy_to_domain (doc, policy);
  g_assert_true (valid_against_schema (console_of (doc)));

  g_assert_true (vsa_policy_from_domain (doc, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back->tunnels->len, ==, 2);
  tunnel = g_ptr_array_index (back->tunnels, 0);
  g_assert_cmpstr (tunnel->user, ==, "alice");
  g_assert_cmpstr (tunnel->from, ==, "fd00::/8");
  g_assert_cmpstr (tunnel->key->comment, ==, "alice@office");
  tunnel = g_ptr_array_index (back->tunnels, 1);
  g_assert_cmpstr (tunnel->user, ==, "bob");
  g_assert_null (tunnel->from);
  g_assert_null (tunnel->key->comment);

  g_assert_true (vsa_policy_remove_tunnel (back, "bob"));
  g_assert_false (vsa_policy_remove_tunnel (back, "bob"));
  g_assert_cmpuint (back->tunnels->len, ==, 1);
}

static void
test_policy_refuses_bad_tunnel (void)
{
  static const struct { const char *element; const char *message_part; } bad[] = {
    { "<vsa:tunnel user='root' type='ssh-ed25519' key='" ALICE_KEY "'/>", "user 'root' cannot have a tunnel" },
    { "<vsa:tunnel user='alice' from='10.1.2.3/8' type='ssh-ed25519' key='" ALICE_KEY "'/>", "bits set past the /8 prefix" },
    { "<vsa:tunnel user='alice' type='ssh-ed25519' key='" ALICE_KEY "' comment='a\"b'/>", "quotes" },
    { "<vsa:tunnel user='alice' type='ssh-dss' key='" ALICE_KEY "'/>", "not supported" },
    { "<vsa:tunnel user='alice' type='ssh-ed25519'/>", "not valid base64" },
    { "<vsa:tunnel user='alice' type='ssh-ed25519' key='" ALICE_KEY "'/><vsa:tunnel user='alice' type='ssh-ed25519' key='" ALICE_KEY "'/>", "a second <vsa:tunnel> for user 'alice'" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf (
        "<domain><metadata><vsa:console xmlns:vsa='" VSA_METADATA_NS "'>\n%s</vsa:console>"
        "</metadata></domain>", bad[i].element);
      g_autoptr (xmlDoc) doc = parse_text (text);
      g_autoptr (VsaPolicy) policy = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_false (vsa_policy_from_domain (doc, &policy, &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, "metadata: line 2: ") ||
          strstr (error->message, bad[i].message_part) == NULL)
        g_error ("'%s' lacks 'metadata: line 2: ...%s'", error->message, bad[i].message_part);
    }
}

/* Windows ride on every access entry of their user, canonical, and are
 * in the schema; an always-open user carries none. */
static void
test_policy_windows_round_trip_matches_schema (void)
{
  g_autoptr (xmlDoc) doc = parse_text ("<domain type='kvm'><name>x</name></domain>");
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  g_autoptr (VsaPolicy) back = NULL;
  g_autoptr (VsaWindowSet) evenings = vsa_window_set_parse ("mon-fri 18:00-23:00", NULL);
  g_autoptr (GError) error = NULL;
  const char *const clients[] = { "192.168.2.22", "192.168.2.23", NULL };
  g_autofree char *serialized = NULL;
  g_autofree char *when = NULL;

  vsa_policy_assign (policy, "boss", clients);
  vsa_policy_assign (policy, "charlie", NULL);
  g_assert_true (vsa_policy_set_when (policy, "boss", evenings));
  g_assert_false (vsa_policy_set_when (policy, "nobody", evenings));
  vsa_policy_to_domain (doc, policy);
  g_assert_true (valid_against_schema (console_of (doc)));
  serialized = vsa_policy_serialize (policy);
  g_assert_nonnull (strstr (serialized, "<access user=\"boss\" client=\"192.168.2.23\" "
                                        "when=\"Mon-Fri 18:00-23:00\"/>"));
  g_assert_nonnull (strstr (serialized, "<access user=\"charlie\"/>"));

  g_assert_true (vsa_policy_from_domain (doc, &back, &error));
  g_assert_no_error (error);
  when = vsa_window_set_to_string (vsa_policy_find_access (back, "boss")->when);
  g_assert_cmpstr (when, ==, "Mon-Fri 18:00-23:00");
  g_assert_true (vsa_window_set_is_always (vsa_policy_find_access (back, "charlie")->when));
}

static void
test_policy_refuses_bad_windows (void)
{
  static const struct { const char *elements; const char *message; } bad[] = {
    { "<vsa:access user='maggie' when='Mon-Fry'/>",
      "metadata: line 2: user maggie: bad window 'Mon-Fry': 'Mon-Fry' is not a day" },
    { "<vsa:access user='maggie' client='192.168.2.22' when='Mon-Tue'/>\n"
      "<vsa:access user='maggie' client='192.168.2.23'/>",
      "metadata: line 3: user maggie: when='always' differs from its first entry's 'Mon-Tue'; "
      "give every entry of a user the same when" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf (
        "<domain><metadata><vsa:console xmlns:vsa='" VSA_METADATA_NS "'>\n%s</vsa:console>"
        "</metadata></domain>", bad[i].elements);
      g_autoptr (xmlDoc) doc = parse_text (text);
      g_autoptr (VsaPolicy) policy = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_false (vsa_policy_from_domain (doc, &policy, &error));
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, bad[i].message))
        g_error ("'%s' does not start with '%s'", error->message, bad[i].message);
    }
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

/* Hand edits outside vsa-console.rng: each one is refused with one line
 * naming the element and the line of the domain XML it is on, before
 * anything (the hook at prepare, the CLI, audit) acts on the policy. */
typedef struct {
  const char *label;
  const char *elements;   /* the console's content, from line 5 of the domain XML */
  const char *message;    /* the whole error */
} HostileMetadata;

static const HostileMetadata hostile_metadata[] = {
  { "unknown-attribute", "<vsa:access user='alice' client='192.168.2.22' colour='red'/>",
    "metadata: line 5: Invalid attribute colour for element access (see the schema vsa-console.rng)" },
  { "client-typo", "<vsa:access user='alice'/>\n<vsa:access user='alice' clinet='192.168.2.22'/>",
    "metadata: line 6: Invalid attribute clinet for element access (see the schema vsa-console.rng)" },
  { "stray-text", "<vsa:access user='alice'/>\nallow everyone",
    "metadata: line 4: Element console has extra content: text (see the schema vsa-console.rng)" },
  { "text-in-access", "<vsa:access user='alice'>192.168.2.22</vsa:access>",
    "metadata: line 5: Element access has extra content: text (see the schema vsa-console.rng)" },
  { "nested-access", "<vsa:access user='alice'>\n<vsa:access user='bob'/>\n</vsa:access>",
    "metadata: line 6: Element access has extra content: access (see the schema vsa-console.rng)" },
  { "duplicate-access", "<vsa:access user='alice' client='192.168.2.22'/>\n"
    "<vsa:access user='alice' client='192.168.2.22'/>",
    "metadata: line 6: element access repeats user 'alice' with client '192.168.2.22' of line 5; "
    "remove one" },
  { "duplicate-user", "<vsa:access user='bob'/>\n<vsa:access user='alice'/>\n<vsa:access user='alice'/>",
    "metadata: line 7: element access repeats user 'alice' of line 6; remove one" },
  { "second-sasl", "<vsa:sasl dir='/a'/>\n<vsa:sasl dir='/b'/>",
    "metadata: line 6: a second <vsa:sasl>; a VM has one SASL directory, keep one" },
  { "unknown-volume-attribute", "<vsa:volume lv='vg/lv' name='cr' keyfile='/k' cipher='null'/>",
    "metadata: line 5: Invalid attribute cipher for element volume (see the schema vsa-console.rng)" },
};

static void
test_policy_refuses_hostile_metadata (gconstpointer data)
{
  const HostileMetadata *bad = data;
  g_autofree char *text = g_strdup_printf (
    "<domain>\n<name>x</name>\n<metadata>\n<vsa:console xmlns:vsa='" VSA_METADATA_NS "' "
    "auth='password'>\n%s</vsa:console>\n</metadata>\n</domain>", bad->elements);
  g_autoptr (xmlDoc) doc = parse_text (text);
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (vsa_policy_from_domain (doc, &policy, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, bad->message);
  g_assert_null (policy);
}

/* The same documents without the fault are accepted: the refusals above
 * are for the fault, not for the shape of the test document. */
static void
test_policy_accepts_metadata_in_schema (void)
{
  g_autoptr (xmlDoc) doc = parse_text (
    "<domain>\n<metadata>\n<vsa:console xmlns:vsa='" VSA_METADATA_NS "' auth='sasl'>\n"
    "  <vsa:sasl dir='/a'/>\n  <vsa:access user='alice' client='192.168.2.22'/>\n"
    "  <vsa:access user='alice' client='fd00::22'/>\n  <vsa:access user='bob'/>\n"
    "  <vsa:volume lv='vg/lv' name='cr' keyfile='/k'/>\n</vsa:console>\n</metadata>\n</domain>");
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (vsa_policy_from_domain (doc, &policy, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (policy->access->len, ==, 2);
  g_assert_cmpuint (((VsaAccess *) g_ptr_array_index (policy->access, 0))->clients->len, ==, 2);
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

#define TEST_CA "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTEST\n-----END CERTIFICATE-----\n"

static void
test_vv_password_mode (void)
{
  VsaVvFile vv = { NULL, "debianx", "192.168.2.10", 20001, "O=MySRV,CN=mysrv.office.example", TEST_CA,
                   NULL, "Xq7vT2mK9pL4sR8wZ3nB6cD1", TRUE };
  g_autofree char *text = vsa_vv_render (&vv);
  g_autofree char *path = vsa_test_data_path ("vv", "password-mode.vv", NULL);

  vsa_test_assert_golden (text, path);
}

static void
test_vv_sasl_mode_has_user_not_password (void)
{
  VsaVvFile vv = { NULL, "leaptest", "fd00::10", 20002, "O=MySRV,CN=mysrv.office.example", TEST_CA,
                   "bob", NULL, FALSE };
  g_autofree char *text = vsa_vv_render (&vv);
  g_autofree char *path = vsa_test_data_path ("vv", "sasl-mode.vv", NULL);

  vsa_test_assert_golden (text, path);
  g_assert_null (strstr (text, "password"));
}

/* --prune: users and clients the manifest does not list go, the rest
 * stays in its order. */
static void
test_policy_retain_access_prunes_pairs (void)
{
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  g_autoptr (GPtrArray) wanted = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_access_free);
  g_autoptr (GPtrArray) removed = NULL;
  const char *alice_clients[] = { "10.0.0.1", "10.0.0.2", NULL };
  VsaAccess *alice;

  vsa_policy_assign (policy, "alice", alice_clients);
  vsa_policy_assign (policy, "mallory", NULL);
  vsa_policy_assign (policy, "bob", NULL);
  alice = vsa_access_new ("alice");
  g_ptr_array_add (alice->clients, g_strdup ("10.0.0.2"));
  g_ptr_array_add (wanted, alice);
  g_ptr_array_add (wanted, vsa_access_new ("bob"));
  g_ptr_array_add (wanted, vsa_access_new ("carol")); /* wanted but absent: not added here */

  removed = vsa_policy_retain_access (policy, wanted);
  g_assert_cmpuint (removed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (removed, 0), ==, "mallory");
  g_assert_cmpuint (policy->access->len, ==, 2);
  alice = vsa_policy_find_access (policy, "alice");
  g_assert_cmpuint (alice->clients->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (alice->clients, 0), ==, "10.0.0.2");
  g_assert_nonnull (vsa_policy_find_access (policy, "bob"));
  g_assert_null (vsa_policy_find_access (policy, "carol"));
}

static VsaBrokerUser *
broker_user (const char *user, const char *comment, gboolean take_over)
{
  VsaBrokerUser *entry = vsa_broker_user_new (user);

  entry->take_over = take_over;
  if (comment)
    entry->key = vsa_ssh_key_new ("ssh-ed25519",
                                  "AAAAC3NzaC1lZDI1NTE5AAAAIOePNsBpR00K8g0TMvcxJPKl/EZQBOB/5NMY4kagXxqD",
                                  comment);
  return entry;
}

/* assign's and apply's one path: a key replaces the user's, take-over
 * only adds; nothing given records nothing. */
static void
test_policy_set_broker_user (void)
{
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  g_autoptr (VsaBrokerUser) first = broker_user ("alice", "first", FALSE);
  g_autoptr (VsaBrokerUser) second = broker_user ("alice", "second", FALSE);
  VsaBrokerUser *alice;

  vsa_policy_set_broker_user (policy, "bob", NULL, FALSE);
  g_assert_cmpuint (policy->broker_users->len, ==, 0);
  vsa_policy_set_broker_user (policy, "alice", first->key, TRUE);
  vsa_policy_set_broker_user (policy, "alice", second->key, FALSE);
  alice = vsa_policy_find_broker_user (policy, "alice");
  g_assert_cmpstr (alice->key->comment, ==, "second");
  g_assert_true (alice->take_over);
  vsa_policy_set_broker_user (policy, "alice", NULL, FALSE);
  g_assert_cmpstr (alice->key->comment, ==, "second");
}

/* apply --prune: keys and take-over rights WANTED does not give go, an
 * entry left with neither goes, what WANTED gives stays. */
static void
test_policy_retain_broker_users (void)
{
  g_autoptr (VsaPolicy) policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  g_autoptr (GPtrArray) wanted = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_broker_user_free);
  VsaBrokerUser *alice, *bob;

  g_ptr_array_add (policy->broker_users, broker_user ("alice", "alice@office", TRUE));
  g_ptr_array_add (policy->broker_users, broker_user ("bob", "bob@office", TRUE));
  g_ptr_array_add (policy->broker_users, broker_user ("mallory", "mallory@x", TRUE));
  g_ptr_array_add (policy->broker_users, broker_user ("carol", NULL, TRUE));
  g_ptr_array_add (wanted, broker_user ("alice", "alice@office", TRUE));
  g_ptr_array_add (wanted, broker_user ("bob", NULL, TRUE));     /* her key goes */
  g_ptr_array_add (wanted, broker_user ("carol", "carol@x", FALSE)); /* not added here */

  g_assert_cmpuint (vsa_policy_retain_broker_users (policy, wanted), ==, 3);
  g_assert_cmpuint (policy->broker_users->len, ==, 2);
  alice = vsa_policy_find_broker_user (policy, "alice");
  g_assert_cmpstr (alice->key->comment, ==, "alice@office");
  g_assert_true (alice->take_over);
  bob = vsa_policy_find_broker_user (policy, "bob");
  g_assert_null (bob->key);
  g_assert_true (bob->take_over);
  g_assert_null (vsa_policy_find_broker_user (policy, "mallory"));
  g_assert_null (vsa_policy_find_broker_user (policy, "carol"));
  g_assert_cmpuint (vsa_policy_retain_broker_users (policy, wanted), ==, 0);
}

/* A writer killed before its rename leaves ".NAME.vsa-PID-XXXXXX"; the
 * next write into the directory removes it when PID is gone, whatever
 * NAME (backups are named by time), never a live writer's. */
static void
test_atomic_write_removes_stale_temps (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("vsa-atomic-XXXXXX", &error);
  g_autofree char *target = g_build_filename (dir, "policy.xml", NULL);
  g_autofree char *dead = g_build_filename (dir, ".policy.xml.vsa-999999999-AbCdEf", NULL);
  g_autofree char *alive = g_strdup_printf ("%s/.policy.xml.vsa-%d-XyZ123", dir, (int) getppid ());
  g_autofree char *other = g_build_filename (dir, ".other.xml.vsa-999999999-AbCdEf", NULL);
  g_autofree char *alive_other = g_strdup_printf ("%s/.other.xml.vsa-%d-XyZ123", dir, (int) getppid ());
  g_autofree char *content = NULL;
  g_autoptr (GDir) d = NULL;
  struct stat st;
  guint entries = 0;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (dead, "half", -1, NULL));
  g_assert_true (g_file_set_contents (alive, "in flight", -1, NULL));
  g_assert_true (g_file_set_contents (other, "another name, dead writer", -1, NULL));
  g_assert_true (g_file_set_contents (alive_other, "another name, live writer", -1, NULL));
  g_assert_true (vsa_file_write_atomic (target, "new\n", 4, 0640, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (dead, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (alive, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (alive_other, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (target, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "new\n");
  g_assert_cmpint (g_stat (target, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d))
    entries++;
  g_assert_cmpuint (entries, ==, 3); /* target and the live writers' temps */
  g_unlink (alive);
  g_unlink (alive_other);
  g_unlink (target);
  g_rmdir (dir);
}

static void
test_lock_excludes_and_names_holder (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("vsa-lock-XXXXXX", &error);
  g_autoptr (VsaLock) first = vsa_lock_acquire (dir, "debianx", 100, &error);
  g_autoptr (VsaLock) second = NULL;
  g_autoptr (VsaLock) other_vm = NULL;
  g_autofree char *expected = g_strdup_printf ("(pid %d)", (int) getpid ());
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

  g_assert_no_error (error);
  g_assert_nonnull (first);
  second = vsa_lock_acquire (dir, "debianx", 100, &error);
  g_assert_null (second);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, expected));
  g_clear_error (&error);
  other_vm = vsa_lock_acquire (dir, "leaptest", 100, &error);
  g_assert_no_error (error);
  g_clear_pointer (&first, vsa_lock_release);
  second = vsa_lock_acquire (dir, "debianx", 100, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* The one parser behind every word-valued option: the index of the match,
 * and a refusal that lists every choice in order. */
static void
test_choice_parse (void)
{
  static const char *const one[] = { "only" };
  static const char *const three[] = { "keep", "disconnect", "fail" };
  g_autoptr (GError) error = NULL;
  gsize i = 99;

  g_assert_true (VSA_CHOICE_PARSE ("policy", "fail", three, &i, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (i, ==, 2);
  g_assert_true (VSA_CHOICE_PARSE ("policy", "keep", three, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (VSA_CHOICE_PARSE ("policy", "Keep", three, &i, &error));
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "policy 'Keep' is unknown; use 'keep', 'disconnect' or 'fail'");
  g_assert_cmpuint (i, ==, 2);
  g_clear_error (&error);

  g_assert_false (VSA_CHOICE_PARSE ("mode", NULL, one, &i, &error));
  g_assert_cmpstr (error->message, ==, "mode '' is unknown; use 'only'");
  g_clear_error (&error);

  g_assert_false (vsa_choice_parse ("mode", "x", three, 2, &i, &error));
  g_assert_cmpstr (error->message, ==, "mode 'x' is unknown; use 'keep' or 'disconnect'");
}

static const VsaTestEntry policy_tests[] = {
  VSA_TEST ("/choice/parse", test_choice_parse),
  VSA_TEST ("/config/defaults", test_config_defaults),
  VSA_TEST ("/config/all-keys", test_config_all_keys),
  VSA_TEST ("/config/example-file-loads", test_config_example_file_loads),
  VSA_TEST ("/config/tunnel-keys", test_config_tunnel_keys),
  VSA_TEST ("/config/client-keys", test_config_client_keys),
  VSA_TEST_NUMBERED ("/config/rejects", bad_configs, test_config_rejects),
  VSA_TEST ("/config/explicit-missing-file", test_config_explicit_missing_file),
  VSA_TEST ("/config/env-overrides-default", test_config_env_overrides_default),
  VSA_TEST ("/time/duration-parses", test_duration_parses),
  VSA_TEST ("/time/converts-to-utc", test_time_converts_to_utc),
  VSA_TEST ("/ports/auto-picks-lowest-free", test_port_auto_picks_lowest_free),
  VSA_TEST ("/ports/explicit-checks", test_port_explicit_checks),
  VSA_TEST ("/secret/generated-passwords", test_generated_passwords),
  VSA_TEST ("/names/vm", test_vm_names),
  VSA_TEST ("/names/volumes", test_volume_names),
  VSA_TEST ("/names/tokens", test_token_names),
  VSA_TEST ("/names/client-entries-the-hook-refuses", test_client_entries_the_hook_refuses),
  VSA_TEST ("/names/mapped-ipv4-client-goes-to-ipv4", test_mapped_ipv4_client_goes_to_ipv4),
  VSA_TEST ("/names/mapped-ipv4-client-in-ipv4-set", test_mapped_ipv4_client_in_ipv4_set),
  VSA_TEST ("/policy/round-trip-matches-schema", test_policy_round_trip_matches_schema),
  VSA_TEST ("/policy/tunnels-round-trip-matches-schema", test_policy_tunnels_round_trip_matches_schema),
  VSA_TEST ("/policy/refuses-bad-tunnel", test_policy_refuses_bad_tunnel),
  VSA_TEST ("/policy/windows-round-trip-matches-schema", test_policy_windows_round_trip_matches_schema),
  VSA_TEST ("/policy/refuses-bad-windows", test_policy_refuses_bad_windows),
  VSA_TEST ("/policy/rejects-unknown-element", test_policy_rejects_unknown_element),
  VSA_TEST ("/policy/volumes-keep-order", test_policy_volumes_keep_order),
  VSA_TEST ("/policy/token-volumes-round-trip", test_policy_token_volumes_round_trip),
  VSA_TEST ("/policy/access-and-volumes-mix", test_policy_access_and_volumes_mix),
  VSA_TEST_NUMBERED ("/policy/rejects-bad-volume", bad_volumes, test_policy_rejects_bad_volume),
  VSA_TEST_CASES ("/policy/refuses-hostile-metadata", hostile_metadata, test_policy_refuses_hostile_metadata),
  VSA_TEST ("/policy/accepts-metadata-in-schema", test_policy_accepts_metadata_in_schema),
  VSA_TEST ("/policy/other-metadata-untouched", test_policy_other_metadata_untouched),
  VSA_TEST ("/xml/parse-refuses-doctype", test_xml_parse_refuses_doctype),
  VSA_TEST ("/xml/parse-reports-line", test_xml_parse_reports_line),
  VSA_TEST ("/file/atomic-write-removes-stale-temps", test_atomic_write_removes_stale_temps),
  VSA_TEST ("/file/lock-excludes-and-names-holder", test_lock_excludes_and_names_holder),
  VSA_TEST ("/vv/password-mode", test_vv_password_mode),
  VSA_TEST ("/policy/retain-access-prunes-pairs", test_policy_retain_access_prunes_pairs),
  VSA_TEST ("/policy/set-broker-user", test_policy_set_broker_user),
  VSA_TEST ("/policy/retain-broker-users", test_policy_retain_broker_users),
  VSA_TEST ("/vv/sasl-mode-has-user-not-password", test_vv_sasl_mode_has_user_not_password),
};

VSA_TEST_MAIN (policy_tests)
