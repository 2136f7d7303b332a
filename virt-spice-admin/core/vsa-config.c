/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-config.h"
#include "vsa-choice.h"
#include "vsa-client-escape.h"
#include "vsa-error.h"
#include "vsa-time.h"

#include <errno.h>
#include <string.h>

#define GROUP "defaults"

VsaConfig *
vsa_config_new_defaults (void)
{
  VsaConfig *config = g_new0 (VsaConfig, 1);

  config->tls_port_min = 20001;
  config->tls_port_max = 20999;
  config->listen = g_strdup ("127.0.0.1");
  config->state_dir = g_strdup ("/var/lib/virt-spice-admin");
  config->auth_mode = VSA_AUTH_PASSWORD;
  config->ca_file = g_strdup ("/etc/pki/libvirt-spice/ca-cert.pem");
  config->qemu_group = g_strdup ("libvirt-qemu");
  config->key_dir = g_strdup ("/etc/virt-spice-admin/keys");
  config->luks_pbkdf = g_strdup ("argon2id");
  config->client_group = g_strdup ("spice-viewer");
  config->client_prefix = g_strdup ("/");
  config->client_remote_viewer = g_strdup ("/usr/bin/remote-viewer");
  config->client_firewall = VSA_FIREWALL_NFT;
  config->sshd_binary = g_strdup ("/usr/sbin/sshd");
  config->sshd_config = g_strdup ("/etc/ssh/sshd_config");
  config->sshd_drop_in_dir = g_strdup ("/etc/ssh/sshd_config.d");
  config->tunnel_authorized_keys_dir = g_strdup ("/etc/ssh/virt-spice-admin/authorized_keys");
  config->tunnel_wait_command = g_strdup ("/bin/sleep infinity");
  config->luks_pbkdf_time_ms = 2000;
  config->luks_pbkdf_iterations = 0;
  config->deactivate_lv_on_close = TRUE;
  config->libvirt_config_dir = g_strdup ("/etc/libvirt/qemu");
  config->sasl_dir = g_strdup ("/etc/virt-spice-admin/sasl");
  config->libvirt_qemu_conf = g_strdup ("/etc/libvirt/qemu.conf");
  config->server_cert = g_strdup ("/etc/pki/libvirt-spice/server-cert.pem");
  config->ticket_max_seconds = 3600;
  config->lock_timeout_ms = 60 * 1000;
  config->firewall = TRUE;
  config->firewall_table = g_strdup (VSA_NFT_TABLE_DEFAULT);
  config->firewall_priority = VSA_NFT_PRIORITY_DEFAULT;
  config->firewall_reject = VSA_NFT_REJECT_RESET;
  config->firewall_log_prefix = g_strdup ("");
  config->broker_socket = g_strdup ("/run/virt-spice-admin/broker.sock");
  config->ticket_validity_seconds = 30;
  config->broker_command = g_strdup ("/usr/bin/virt-spice-admin console");
  config->console_shell = g_strdup (VSA_CONSOLE_SHELL_PATH);
  config->broker_authorized_keys_dir = g_strdup ("/etc/ssh/virt-spice-admin/console_keys");
  config->systemd_unit_dir = g_strdup ("/etc/systemd/system");
  config->journal_socket = g_strdup ("/run/systemd/journal/socket");
  return config;
}

void
vsa_config_free (VsaConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_free (config->listen);
  g_free (config->state_dir);
  g_free (config->ca_file);
  g_free (config->qemu_group);
  g_free (config->libvirt_config_dir);
  g_free (config->sasl_dir);
  g_free (config->libvirt_qemu_conf);
  g_free (config->server_cert);
  g_free (config->firewall_table);
  g_free (config->firewall_log_prefix);
  g_free (config->broker_socket);
  g_free (config->broker_command);
  g_free (config->console_shell);
  g_free (config->broker_authorized_keys_dir);
  g_free (config->systemd_unit_dir);
  g_free (config->journal_socket);
  g_free (config->key_dir);
  g_free (config->luks_pbkdf);
  g_free (config->server_name);
  g_free (config->server_subject);
  g_free (config->client_group);
  g_free (config->client_prefix);
  g_free (config->client_remote_viewer);
  g_free (config->sshd_binary);
  g_free (config->sshd_config);
  g_free (config->sshd_drop_in_dir);
  g_free (config->tunnel_authorized_keys_dir);
  g_free (config->tunnel_wait_command);
  g_free (config);
}

/* Setters validate first and only then replace, so a refused value
 * leaves the previous one in place. */
static void
replace_string (char **slot, const char *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

static gboolean
parse_port (const char *text, int *ret_port)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, 65535, &value, NULL))
    return FALSE;
  *ret_port = (int) value;
  return TRUE;
}

gboolean
vsa_parse_port_range (const char *text, int *ret_min, int *ret_max, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, "-", 2);
  int min, max;

  if (g_strv_length (parts) != 2 || !parse_port (g_strstrip (parts[0]), &min) ||
      !parse_port (g_strstrip (parts[1]), &max) || min > max)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "'%s' is not a port range; write FIRST-LAST with 1 <= FIRST <= LAST <= 65535",
                   text);
      return FALSE;
    }
  *ret_min = min;
  *ret_max = max;
  return TRUE;
}

static gboolean
parse_absolute_path (const char *text, char **slot, GError **error)
{
  if (!g_path_is_absolute (text))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not an absolute path", text);
      return FALSE;
    }
  replace_string (slot, text);
  return TRUE;
}

static gboolean
set_tls_port_range (VsaConfig *c, const char *v, GError **e)
{
  return vsa_parse_port_range (v, &c->tls_port_min, &c->tls_port_max, e);
}

static gboolean
set_listen (VsaConfig *c, const char *v, GError **e)
{
  if (!vsa_validate_listen_address (v, e))
    return FALSE;
  replace_string (&c->listen, v);
  return TRUE;
}

static gboolean
set_state_dir (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->state_dir, e);
}

static gboolean
set_auth_mode (VsaConfig *c, const char *v, GError **e)
{
  return vsa_auth_mode_from_string (v, &c->auth_mode, e);
}

static gboolean
set_ca_file (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->ca_file, e);
}

/* A group name as getgrnam() takes it; existence is checked where used. */
static gboolean
parse_group_name (const char *v, char **slot, GError **e)
{
  if (*v == '\0' || strlen (v) > 32 || strspn (v, "abcdefghijklmnopqrstuvwxyz"
                                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen (v) ||
      v[0] == '-')
    {
      g_set_error (e, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not a valid group name", v);
      return FALSE;
    }
  replace_string (slot, v);
  return TRUE;
}

static gboolean
set_qemu_group (VsaConfig *c, const char *v, GError **e)
{
  return parse_group_name (v, &c->qemu_group, e);
}

static gboolean
set_libvirt_config_dir (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->libvirt_config_dir, e);
}

static gboolean
set_sasl_dir (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->sasl_dir, e);
}

static gboolean
set_libvirt_qemu_conf (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->libvirt_qemu_conf, e);
}

static gboolean
set_server_cert (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->server_cert, e);
}

static gboolean
set_lock_timeout (VsaConfig *c, const char *v, GError **e)
{
  gint64 seconds;

  if (!vsa_parse_duration (v, &seconds, e))
    return FALSE;
  if (seconds > 3600)
    {
      g_set_error (e, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is more than an hour", v);
      return FALSE;
    }
  c->lock_timeout_ms = (guint) seconds * 1000;
  return TRUE;
}

static gboolean
set_ticket_max_validity (VsaConfig *c, const char *v, GError **e)
{
  return vsa_parse_duration (v, &c->ticket_max_seconds, e);
}

/* Proxmox VE uses about 30 s, oVirt 120 s: longer only widens the
 * window in which a copied .vv works. */
static gboolean
set_ticket_validity (VsaConfig *c, const char *v, GError **e)
{
  gint64 seconds;

  if (!vsa_parse_duration (v, &seconds, e))
    return FALSE;
  if (seconds < 1 || seconds > 120)
    {
      g_set_error (e, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not between 1 second and 120 seconds", v);
      return FALSE;
    }
  c->ticket_validity_seconds = seconds;
  return TRUE;
}

static gboolean
set_broker_socket (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->broker_socket, e);
}

/* An absolute program and plain words: sshd hands it to the console
 * shell, which runs exactly these words. */
static gboolean
set_broker_command (VsaConfig *c, const char *v, GError **e)
{
  for (const char *p = v; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/._- =", *p) == NULL)
      {
        g_set_error (e, VSA_ERROR, VSA_ERROR_INVALID,
                     "'%s' may hold only an absolute path and plain words (letters, digits, / . _ - =)", v);
        return FALSE;
      }
  if (v[0] != '/')
    {
      g_set_error (e, VSA_ERROR, VSA_ERROR_INVALID, "'%s' must start with an absolute path", v);
      return FALSE;
    }
  replace_string (&c->broker_command, v);
  return TRUE;
}

static gboolean
set_console_shell (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->console_shell, e);
}

static gboolean
set_broker_authorized_keys_dir (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->broker_authorized_keys_dir, e);
}

static gboolean
set_systemd_unit_dir (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->systemd_unit_dir, e);
}

static gboolean
set_journal_socket (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->journal_socket, e);
}

/* GKeyFile's own boolean words, nothing looser: a typo must not silently
 * turn the firewall off. */
static gboolean
set_firewall (VsaConfig *c, const char *v, GError **e)
{
  if (g_strcmp0 (v, "true") != 0 && g_strcmp0 (v, "false") != 0)
    {
      g_set_error (e, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not a boolean; use true or false", v);
      return FALSE;
    }
  c->firewall = g_strcmp0 (v, "true") == 0;
  return TRUE;
}

static gboolean
set_firewall_table (VsaConfig *c, const char *v, GError **e)
{
  if (!vsa_nft_validate_table_name (v, e))
    return FALSE;
  replace_string (&c->firewall_table, v);
  return TRUE;
}

static gboolean
set_firewall_priority (VsaConfig *c, const char *v, GError **e)
{
  gint64 value;

  if (!g_ascii_string_to_signed (v, 10, G_MININT, G_MAXINT, &value, NULL))
    {
      g_set_error (e, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not an integer", v);
      return FALSE;
    }
  if (!vsa_nft_validate_priority ((int) value, e))
    return FALSE;
  c->firewall_priority = (int) value;
  return TRUE;
}

static gboolean
set_firewall_reject (VsaConfig *c, const char *v, GError **e)
{
  return vsa_nft_reject_mode_from_string (v, &c->firewall_reject, e);
}

static gboolean
set_firewall_log_prefix (VsaConfig *c, const char *v, GError **e)
{
  if (!vsa_nft_validate_log_prefix (v, e))
    return FALSE;
  replace_string (&c->firewall_log_prefix, v);
  return TRUE;
}

static gboolean
set_key_dir (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->key_dir, e);
}

static gboolean
set_luks_pbkdf (VsaConfig *c, const char *v, GError **e)
{
  static const char *const pbkdfs[] = { "argon2id", "argon2i", "pbkdf2" };

  if (!VSA_CHOICE_PARSE ("LUKS2 PBKDF", v, pbkdfs, NULL, e))
    return FALSE;
  replace_string (&c->luks_pbkdf, v);
  return TRUE;
}

static gboolean
parse_count (const char *text, guint64 min, guint64 max, guint *ret_value, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "'%s' is not a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                   text, min, max);
      return FALSE;
    }
  *ret_value = (guint) value;
  return TRUE;
}

static gboolean
set_luks_pbkdf_time_ms (VsaConfig *c, const char *v, GError **e)
{
  return parse_count (v, 1, 60000, &c->luks_pbkdf_time_ms, e);
}

/* 0 or at least libcryptsetup's minimum (pbkdf2: 1000, argon2: 4). */
static gboolean
set_luks_pbkdf_iterations (VsaConfig *c, const char *v, GError **e)
{
  return parse_count (v, 0, G_MAXUINT32, &c->luks_pbkdf_iterations, e);
}

static gboolean
set_deactivate_lv_on_close (VsaConfig *c, const char *v, GError **e)
{
  if (g_str_equal (v, "true") || g_str_equal (v, "false"))
    {
      c->deactivate_lv_on_close = g_str_equal (v, "true");
      return TRUE;
    }
  g_set_error (e, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not true or false", v);
  return FALSE;
}

static gboolean
set_sshd_binary (VsaConfig *c, const char *v, GError **e)
{
  return parse_absolute_path (v, &c->sshd_binary, e);
}

/* Paths that end up in sshd_config lines (Include, AuthorizedKeysFile)
 * are single tokens there: no blanks, quotes, comments or %-tokens. */
static gboolean
parse_sshd_path (const char *text, char **slot, GError **error)
{
  for (const char *p = text; *p; p++)
    if ((guchar) *p <= 0x20 || *p == 0x7f || strchr ("\"'#%\\", *p) != NULL)
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "'%s' cannot be written into sshd_config: no blanks, quotes, '#' or '%%'",
                     text);
        return FALSE;
      }
  return parse_absolute_path (text, slot, error);
}

static gboolean
set_sshd_config (VsaConfig *c, const char *v, GError **e)
{
  return parse_sshd_path (v, &c->sshd_config, e);
}

static gboolean
set_sshd_drop_in_dir (VsaConfig *c, const char *v, GError **e)
{
  return parse_sshd_path (v, &c->sshd_drop_in_dir, e);
}

static gboolean
set_tunnel_authorized_keys_dir (VsaConfig *c, const char *v, GError **e)
{
  return parse_sshd_path (v, &c->tunnel_authorized_keys_dir, e);
}

/* sshd runs ForceCommand through the account's shell, so keep it to an
 * absolute program and plain words: nothing a shell would interpret. */
static gboolean
set_tunnel_wait_command (VsaConfig *c, const char *v, GError **e)
{
  static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:=+ ";

  if (v[0] != '/' || strspn (v, plain) != strlen (v))
    {
      g_set_error (e, VSA_ERROR, VSA_ERROR_INVALID,
                   "'%s' must be an absolute program path and plain words "
                   "(letters, digits, / . _ - : = + and spaces)", v);
      return FALSE;
    }
  replace_string (&c->tunnel_wait_command, v);
  return TRUE;
}

/* A DNS name or an address literal: it goes into URIs and .vv files. */
static gboolean
set_server_name (VsaConfig *c, const char *v, GError **e)
{
  if (!vsa_validate_client (v, e))
    return FALSE;
  replace_string (&c->server_name, v);
  return TRUE;
}

static gboolean
set_server_subject (VsaConfig *c, const char *v, GError **e)
{
  for (const char *p = v; *p; p++)
    if (*p < 0x20 || *p >= 0x7f)
      {
        g_set_error (e, VSA_ERROR, VSA_ERROR_INVALID,
                     "a certificate subject is printable ASCII, such as 'O=Example,CN=mysrv'");
        return FALSE;
      }
  g_free (c->server_subject);
  c->server_subject = *v ? g_strdup (v) : NULL;
  return TRUE;
}

/* The client group is written into sudoers rules: no alias look-alikes. */
static gboolean
set_client_group (VsaConfig *c, const char *v, GError **e)
{
  return vsa_validate_sudoers_name (v, "group name", e) && parse_group_name (v, &c->client_group, e);
}

static gboolean
set_client_prefix (VsaConfig *c, const char *v, GError **e)
{
  return vsa_validate_safe_path (v, "client-prefix", e) && parse_absolute_path (v, &c->client_prefix, e);
}

static gboolean
set_client_remote_viewer (VsaConfig *c, const char *v, GError **e)
{
  return vsa_validate_program_path (v, "client-remote-viewer", e) &&
         parse_absolute_path (v, &c->client_remote_viewer, e);
}

static gboolean
set_client_firewall (VsaConfig *c, const char *v, GError **e)
{
  return vsa_firewall_kind_from_string (v, &c->client_firewall, e);
}

static gboolean
set_client_nopasswd (VsaConfig *c, const char *v, GError **e)
{
  if (g_strcmp0 (v, "true") == 0 || g_strcmp0 (v, "false") == 0)
    {
      c->client_nopasswd = g_strcmp0 (v, "true") == 0;
      return TRUE;
    }
  g_set_error (e, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not a boolean; use true or false", v);
  return FALSE;
}

/* Every key the [defaults] group knows; the example config documents each. */
static const struct {
  const char *key;
  gboolean (*set) (VsaConfig *config, const char *value, GError **error);
} config_keys[] = {
  { "tls-port-range", set_tls_port_range },
  { "listen", set_listen },
  { "state-dir", set_state_dir },
  { "auth-mode", set_auth_mode },
  { "ca-file", set_ca_file },
  { "qemu-group", set_qemu_group },
  { "libvirt-config-dir", set_libvirt_config_dir },
  { "key-dir", set_key_dir },
  { "luks-pbkdf", set_luks_pbkdf },
  { "server-name", set_server_name },
  { "server-subject", set_server_subject },
  { "client-group", set_client_group },
  { "client-prefix", set_client_prefix },
  { "client-remote-viewer", set_client_remote_viewer },
  { "client-firewall", set_client_firewall },
  { "client-nopasswd", set_client_nopasswd },
  { "sshd-binary", set_sshd_binary },
  { "sshd-config", set_sshd_config },
  { "sshd-drop-in-dir", set_sshd_drop_in_dir },
  { "tunnel-authorized-keys-dir", set_tunnel_authorized_keys_dir },
  { "tunnel-wait-command", set_tunnel_wait_command },
  { "luks-pbkdf-time-ms", set_luks_pbkdf_time_ms },
  { "luks-pbkdf-iterations", set_luks_pbkdf_iterations },
  { "deactivate-lv-on-close", set_deactivate_lv_on_close },
  { "sasl-dir", set_sasl_dir },
  { "libvirt-qemu-conf", set_libvirt_qemu_conf },
  { "server-cert", set_server_cert },
  { "ticket-max-validity", set_ticket_max_validity },
  { "lock-timeout", set_lock_timeout },
  { "firewall", set_firewall },
  { "firewall-table", set_firewall_table },
  { "firewall-priority", set_firewall_priority },
  { "firewall-reject", set_firewall_reject },
  { "firewall-log-prefix", set_firewall_log_prefix },
  { "broker-socket", set_broker_socket },
  { "ticket-validity", set_ticket_validity },
  { "broker-command", set_broker_command },
  { "console-shell", set_console_shell },
  { "broker-authorized-keys-dir", set_broker_authorized_keys_dir },
  { "systemd-unit-dir", set_systemd_unit_dir },
  { "journal-socket", set_journal_socket },
};

/* GKeyFile forgets line numbers; find them again so errors can point at
 * the line an administrator has to fix. */
static int
find_line (const char *data, const char *group, const char *key)
{
  g_auto (GStrv) lines = g_strsplit (data, "\n", -1);
  gboolean in_group = FALSE;

  for (int i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (line[0] == '[')
        {
          g_autofree char *header = g_strdup_printf ("[%s]", group);
          in_group = g_strcmp0 (line, header) == 0;
          if (key == NULL && in_group)
            return i + 1;
          continue;
        }
      if (in_group && key && g_str_has_prefix (line, key))
        {
          const char *rest = line + strlen (key);
          while (*rest == ' ' || *rest == '\t')
            rest++;
          if (*rest == '=')
            return i + 1;
        }
    }
  return 0;
}

static gboolean
apply_key (VsaConfig *config, GKeyFile *kf, const char *data, const char *path,
           const char *key, GError **error)
{
  g_autofree char *value = NULL;
  g_autoptr (GError) local_error = NULL;
  int line = find_line (data, GROUP, key);

  for (gsize i = 0; i < G_N_ELEMENTS (config_keys); i++)
    {
      if (g_strcmp0 (key, config_keys[i].key) != 0)
        continue;
      value = g_key_file_get_string (kf, GROUP, key, &local_error);
      if (value == NULL || !config_keys[i].set (config, g_strstrip (value), &local_error))
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG, "%s:%d: key '%s': %s",
                       path, line, key, local_error->message);
          return FALSE;
        }
      return TRUE;
    }
  g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
               "%s:%d: unknown key '%s' in [%s]; see the annotated example configuration",
               path, line, key, GROUP);
  return FALSE;
}

gboolean
vsa_config_load_data (VsaConfig *config, const char *data, gsize len, const char *path,
                      GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) groups = NULL;
  g_auto (GStrv) keys = NULL;

  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG, "%s: %s", path, local_error->message);
      return FALSE;
    }
  groups = g_key_file_get_groups (kf, NULL);
  for (int i = 0; groups[i]; i++)
    if (g_strcmp0 (groups[i], GROUP) != 0)
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
                     "%s:%d: unknown group [%s]; settings belong in [%s]",
                     path, find_line (data, groups[i], NULL), groups[i], GROUP);
        return FALSE;
      }
  if (!g_key_file_has_group (kf, GROUP))
    return TRUE;
  keys = g_key_file_get_keys (kf, GROUP, NULL, NULL);
  for (int i = 0; keys[i]; i++)
    if (!apply_key (config, kf, data, path, keys[i], error))
      return FALSE;
  replace_string (&config->path, path);
  return TRUE;
}

/* explicit_path: --config; else $VIRT_SPICE_ADMIN_CONFIG; else the default,
 * whose absence means "all defaults".  A file named explicitly must exist. */
VsaConfig *
vsa_config_load (const char *explicit_path, GError **error)
{
  g_autoptr (VsaConfig) config = vsa_config_new_defaults ();
  const char *env = g_getenv (VSA_CONFIG_ENV);
  const char *path = explicit_path ? explicit_path : (env && *env ? env : NULL);
  gboolean required = path != NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;

  if (path == NULL)
    path = VSA_CONFIG_DEFAULT_PATH;
  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      if (!required && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&config);
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
                   "cannot read configuration: %s", local_error->message);
      return NULL;
    }
  if (!vsa_config_load_data (config, data, len, path, error))
    return NULL;
  return g_steal_pointer (&config);
}
