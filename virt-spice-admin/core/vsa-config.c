/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration keys are one table (config_keys[] below): group,
 * key, value type, field of VsaConfig, default, one line of doc.  Each
 * value type has one parser; defaults go through the same parsers, so a
 * default is always a value the file could hold.  The annotated example
 * configuration and the man page document every key of the table
 * (tests/docs/test-docs-sync.py). */
#include "vsa-config.h"
#include "vsa-choice.h"
#include "vsa-client-escape.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-time.h"

#include <errno.h>
#include <string.h>

#define GROUP "defaults"

typedef struct ConfigKey ConfigKey;

/* Parses TEXT into SLOT, the key's field of VsaConfig.  Validates first
 * and only then replaces, so a refused value leaves the previous one. */
typedef gboolean (*ValueParser) (const ConfigKey *key, const char *text, void *slot,
                                 GError **error);

typedef struct {
  ValueParser parse;
  gboolean owns_string; /* the field is a char * the config frees */
} ValueType;

struct ConfigKey {
  const char *group;
  const char *name;
  const ValueType *type;
  gsize offset;
  const char *fallback; /* the default, as the file would write it; NULL: unset */
  const char *doc;
  /* What some value types need besides the text: */
  gboolean (*check) (const char *text, GError **error);             /* strings, groups */
  gboolean (*check_path) (const char *path, const char *what, GError **error); /* paths */
  const char *const *choices;                                       /* words, NULL-ended */
  const char *what;                                                 /* words: their name */
  guint64 min, max;                                                 /* counts */
  gsize offset_last;                                                /* port ranges: LAST */
};

#define SLOT(config, offset) ((void *) ((char *) (config) + (offset)))

static void
replace_string (char **slot, const char *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

/* --- one parser per value type ----------------------------------------- */

/* A string, checked by the key's own validator when it has one. */
static gboolean
parse_string (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  if (key->check && !key->check (text, error))
    return FALSE;
  replace_string (slot, text);
  return TRUE;
}

/* As parse_string, but empty means unset (NULL). */
static gboolean
parse_optional_string (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  if (!parse_string (key, text, slot, error))
    return FALSE;
  if (*text == '\0')
    g_clear_pointer ((char **) slot, g_free);
  return TRUE;
}

/* An absolute path; the key's validator (what it may be written into)
 * speaks first. */
static gboolean
parse_path (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  if (key->check_path && !key->check_path (text, key->name, error))
    return FALSE;
  if (!g_path_is_absolute (text))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not an absolute path", text);
      return FALSE;
    }
  replace_string (slot, text);
  return TRUE;
}

/* A group name as getgrnam() takes it; existence is checked where used. */
static gboolean
parse_group (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
  gsize len = strlen (text);

  if (key->check && !key->check (text, error))
    return FALSE;
  if (len == 0 || len > 32 || strspn (text, allowed) != len || text[0] == '-')
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not a valid group name", text);
      return FALSE;
    }
  replace_string (slot, text);
  return TRUE;
}

/* One of the key's words, kept as the word. */
static gboolean
parse_word (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  if (!vsa_choice_parse (key->what, text, key->choices, g_strv_length ((char **) key->choices),
                         NULL, error))
    return FALSE;
  replace_string (slot, text);
  return TRUE;
}

/* GKeyFile's own boolean words, nothing looser: a typo must not silently
 * turn the firewall off. */
static gboolean
parse_boolean (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  if (!g_str_equal (text, "true") && !g_str_equal (text, "false"))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not a boolean; use true or false",
                   text);
      return FALSE;
    }
  *(gboolean *) slot = g_str_equal (text, "true");
  return TRUE;
}

/* A whole number from the key's MIN to MAX. */
static gboolean
parse_count (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, key->min, key->max, &value, NULL))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "'%s' is not a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                   text, key->min, key->max);
      return FALSE;
    }
  *(guint *) slot = (guint) value;
  return TRUE;
}

/* nftables' base chain priority: any int the kernel accepts. */
static gboolean
parse_priority (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  gint64 value;

  if (!g_ascii_string_to_signed (text, 10, G_MININT, G_MAXINT, &value, NULL))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not an integer", text);
      return FALSE;
    }
  if (!vsa_nft_validate_priority ((int) value, error))
    return FALSE;
  *(int *) slot = (int) value;
  return TRUE;
}

/* "90s", "15m", "1h30m" (vsa_parse_duration), in seconds; from MIN to
 * MAX seconds when the key sets MAX. */
static gboolean
parse_duration (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  gint64 seconds;

  if (!vsa_parse_duration (text, &seconds, error))
    return FALSE;
  if (key->max && (seconds < (gint64) key->min || seconds > (gint64) key->max))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is not from %" G_GUINT64_FORMAT
                   "s to %" G_GUINT64_FORMAT "s", text, key->min, key->max);
      return FALSE;
    }
  *(gint64 *) slot = seconds;
  return TRUE;
}

/* A duration of at most an hour, kept in milliseconds. */
static gboolean
parse_timeout (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  gint64 seconds;

  if (!vsa_parse_duration (text, &seconds, error))
    return FALSE;
  if (seconds > 3600)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "'%s' is more than an hour", text);
      return FALSE;
    }
  *(guint *) slot = (guint) seconds * 1000;
  return TRUE;
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

/* FIRST-LAST: FIRST goes into the key's field, LAST into OFFSET_LAST. */
static gboolean
parse_port_range (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, "-", 2);
  int *first = slot;
  int *last = (int *) ((char *) slot - key->offset + key->offset_last);
  int min, max;

  if (g_strv_length (parts) != 2 || !parse_port (g_strstrip (parts[0]), &min) ||
      !parse_port (g_strstrip (parts[1]), &max) || min > max)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "'%s' is not a port range; write FIRST-LAST with 1 <= FIRST <= LAST <= 65535",
                   text);
      return FALSE;
    }
  *first = min;
  *last = max;
  return TRUE;
}

/* The enumerations keep their names beside their types in xml/. */
static gboolean
parse_auth_mode (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  return vsa_auth_mode_from_string (text, slot, error);
}

static gboolean
parse_client_firewall (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  return vsa_firewall_kind_from_string (text, slot, error);
}

static gboolean
parse_reject_mode (const ConfigKey *key, const char *text, void *slot, GError **error)
{
  return vsa_nft_reject_mode_from_string (text, slot, error);
}

static const ValueType STRING = { parse_string, TRUE };
static const ValueType OPTIONAL_STRING = { parse_optional_string, TRUE };
static const ValueType PATH = { parse_path, TRUE };
static const ValueType GROUP_NAME = { parse_group, TRUE };
static const ValueType WORD = { parse_word, TRUE };
static const ValueType BOOLEAN = { parse_boolean, FALSE };
static const ValueType COUNT = { parse_count, FALSE };
static const ValueType PRIORITY = { parse_priority, FALSE };
static const ValueType DURATION = { parse_duration, FALSE };
static const ValueType TIMEOUT = { parse_timeout, FALSE };
static const ValueType PORT_RANGE = { parse_port_range, FALSE };
static const ValueType AUTH_MODE = { parse_auth_mode, FALSE };
static const ValueType CLIENT_FIREWALL = { parse_client_firewall, FALSE };
static const ValueType REJECT_MODE = { parse_reject_mode, FALSE };

/* --- what some keys check besides their type --------------------------- */

/* Paths that end up in sshd_config lines (Include, AuthorizedKeysFile)
 * are single tokens there: no blanks, quotes, comments or %-tokens. */
static gboolean
check_sshd_token (const char *text, const char *what, GError **error)
{
  for (const char *p = text; *p; p++)
    if ((guchar) *p <= 0x20 || *p == 0x7f || strchr ("\"'#%\\", *p) != NULL)
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "'%s' cannot be written into sshd_config: no blanks, quotes, '#' or '%%'",
                     text);
        return FALSE;
      }
  return TRUE;
}

/* The client group is written into sudoers rules: no alias look-alikes. */
static gboolean
check_sudoers_group (const char *text, GError **error)
{
  return vsa_validate_sudoers_name (text, "group name", error);
}

static const char *const luks_pbkdfs[] = { "argon2id", "argon2i", "pbkdf2", NULL };

/* Empty: the host's local zone. */
static gboolean
check_time_zone (const char *text, GError **error)
{
  return *text == '\0' || vsa_time_zone_check (text, error);
}

/* --- the keys ------------------------------------------------------------ */

#define FIELD(name) G_STRUCT_OFFSET (VsaConfig, name)

static const ConfigKey config_keys[] = {
  { GROUP, "tls-port-range", &PORT_RANGE, FIELD (tls_port_min), "20001-20999",
    "TLS ports given to consoles", .offset_last = FIELD (tls_port_max) },
  { GROUP, "listen", &STRING, FIELD (listen), "127.0.0.1",
    "address SPICE listens on", .check = vsa_validate_listen_address },
  { GROUP, "state-dir", &PATH, FIELD (state_dir), "/var/lib/virt-spice-admin",
    "backups, locks, LUKS header backups" },
  { GROUP, "auth-mode", &AUTH_MODE, FIELD (auth_mode), "password",
    "how `secure` protects a console: password or sasl" },
  { GROUP, "ca-file", &PATH, FIELD (ca_file), "/etc/pki/libvirt-spice/ca-cert.pem",
    "CA certificate clients verify the console with" },
  { GROUP, "qemu-group", &GROUP_NAME, FIELD (qemu_group), "libvirt-qemu",
    "group qemu runs as (reads the SASL files)" },
  { GROUP, "libvirt-config-dir", &PATH, FIELD (libvirt_config_dir), "/etc/libvirt/qemu",
    "libvirt's saved domain definitions (the hook reads passwords there)" },
  { GROUP, "sasl-dir", &PATH, FIELD (sasl_dir), "/etc/virt-spice-admin/sasl",
    "per-VM SASL configurations" },
  { GROUP, "libvirt-qemu-conf", &PATH, FIELD (libvirt_qemu_conf), "/etc/libvirt/qemu.conf",
    "libvirt's qemu.conf, which audit reads" },
  { GROUP, "server-cert", &PATH, FIELD (server_cert), "/etc/pki/libvirt-spice/server-cert.pem",
    "SPICE server certificate" },
  { GROUP, "ticket-max-validity", &DURATION, FIELD (ticket_max_seconds), "1h",
    "longest validity a ticket may ask for" },
  { GROUP, "lock-timeout", &TIMEOUT, FIELD (lock_timeout_ms), "60s",
    "how long to wait for another run changing the same VM" },
  { GROUP, "firewall", &BOOLEAN, FIELD (firewall), "true",
    "install per-VM nftables elements" },
  { GROUP, "firewall-table", &STRING, FIELD (firewall_table), VSA_NFT_TABLE_DEFAULT,
    "the project's own nftables table (family inet)", .check = vsa_nft_validate_table_name },
  { GROUP, "firewall-priority", &PRIORITY, FIELD (firewall_priority), "-10",
    "priority of its input base chain" },
  { GROUP, "firewall-reject", &REJECT_MODE, FIELD (firewall_reject), "reset",
    "what unassigned clients get: reset or drop" },
  { GROUP, "firewall-log-prefix", &STRING, FIELD (firewall_log_prefix), "",
    "log prefix of rejected packets; empty: no log rule", .check = vsa_nft_validate_log_prefix },
  { GROUP, "client-min-prefix-ipv4", &COUNT, FIELD (client_networks.min_prefix_ipv4), "8",
    "widest IPv4 client network (/N) assign and apply take unasked", .min = 0, .max = 32 },
  { GROUP, "client-min-prefix-ipv6", &COUNT, FIELD (client_networks.min_prefix_ipv6), "32",
    "widest IPv6 client network (/N) assign and apply take unasked", .min = 0, .max = 128 },
  { GROUP, "time-zone", &STRING, FIELD (time_zone), "",
    "zone of access windows; empty: the host's local zone", .check = check_time_zone },
  { GROUP, "schedule-timer", &PATH, FIELD (schedule_timer),
    "/etc/systemd/system/timers.target.wants/virt-spice-admin-schedule.timer",
    "the schedule timer's link when enabled (audit checks it)" },
  { GROUP, "key-dir", &PATH, FIELD (key_dir), "/etc/virt-spice-admin/keys",
    "keyfiles `volume format` makes" },
  { GROUP, "luks-pbkdf", &WORD, FIELD (luks_pbkdf), "argon2id",
    "PBKDF of new key slots", .choices = luks_pbkdfs, .what = "LUKS2 PBKDF" },
  { GROUP, "luks-pbkdf-time-ms", &COUNT, FIELD (luks_pbkdf_time_ms), "2000",
    "benchmarked unlock time of a new key slot", .min = 1, .max = 60000 },
  /* 0 or at least libcryptsetup's minimum (pbkdf2: 1000, argon2: 4). */
  { GROUP, "luks-pbkdf-iterations", &COUNT, FIELD (luks_pbkdf_iterations), "0",
    "fixed PBKDF cost, no benchmark; 0: benchmark", .min = 0, .max = G_MAXUINT32 },
  { GROUP, "deactivate-lv-on-close", &BOOLEAN, FIELD (deactivate_lv_on_close), "true",
    "deactivate a volume's LV when the VM stops" },
  { GROUP, "volume-open-jobs", &COUNT, FIELD (volume_open_jobs), "0",
    "volumes unlocked at once (one process each); 0: one per CPU", .min = 0, .max = 64 },
  { GROUP, "sshd-binary", &PATH, FIELD (sshd_binary), "/usr/sbin/sshd",
    "sshd that validates tunnel configuration (sshd -t)" },
  { GROUP, "sshd-config", &PATH, FIELD (sshd_config), "/etc/ssh/sshd_config",
    "main sshd_config the validation includes", .check_path = check_sshd_token },
  { GROUP, "sshd-drop-in-dir", &PATH, FIELD (sshd_drop_in_dir), "/etc/ssh/sshd_config.d",
    "where the tunnel drop-in goes", .check_path = check_sshd_token },
  { GROUP, "tunnel-authorized-keys-dir", &PATH, FIELD (tunnel_authorized_keys_dir),
    "/etc/ssh/virt-spice-admin/authorized_keys", "one key file per tunnel user",
    .check_path = check_sshd_token },
  { GROUP, "tunnel-wait-command", &STRING, FIELD (tunnel_wait_command), "/bin/sleep infinity",
    "ForceCommand of tunnel accounts", .check = vsa_validate_plain_command },
  /* A DNS name or an address literal: it goes into URIs and .vv files. */
  { GROUP, "server-name", &STRING, FIELD (server_name), NULL,
    "name clients connect to; unset: each VM's listen address", .check = vsa_validate_client },
  { GROUP, "server-subject", &OPTIONAL_STRING, FIELD (server_subject), "",
    "host-subject of .vv files; empty: none", .check = vsa_validate_certificate_subject },
  { GROUP, "client-group", &GROUP_NAME, FIELD (client_group), "spice-viewer",
    "group remote-viewer is restricted to on clients", .check = check_sudoers_group },
  { GROUP, "client-prefix", &PATH, FIELD (client_prefix), "/",
    "root the client files are installed under", .check_path = vsa_validate_safe_path },
  { GROUP, "client-remote-viewer", &PATH, FIELD (client_remote_viewer), "/usr/bin/remote-viewer",
    "remote-viewer on clients", .check_path = vsa_validate_program_path },
  { GROUP, "client-launcher", &PATH, FIELD (client_launcher), VSA_LIBEXECDIR "/virt-spice-admin-client-open",
    "the root-run launcher sudo runs to open a user's own .vv", .check_path = vsa_validate_program_path },
  { GROUP, "client-firewall", &CLIENT_FIREWALL, FIELD (client_firewall), "nft",
    "client rules for nft or iptables" },
  { GROUP, "client-nopasswd", &BOOLEAN, FIELD (client_nopasswd), "true",
    "the pinned launcher rules need no password (users may have none)" },
  { GROUP, "broker-socket", &PATH, FIELD (broker_socket), "/run/virt-spice-admin/broker.sock",
    "the console broker's UNIX socket" },
  { GROUP, "ticket-validity", &DURATION, FIELD (ticket_validity_seconds), "30s",
    "life of a broker ticket and its address binding", .min = 1, .max = 120 },
  { GROUP, "broker-command", &STRING, FIELD (broker_command), "/usr/bin/virt-spice-admin console",
    "ForceCommand of console accounts", .check = vsa_validate_plain_command },
  { GROUP, "console-shell", &PATH, FIELD (console_shell), VSA_LIBEXECDIR "/virt-spice-admin/console-shell",
    "login shell of console accounts", .check_path = vsa_validate_program_path },
  { GROUP, "broker-authorized-keys-dir", &PATH, FIELD (broker_authorized_keys_dir),
    "/etc/ssh/virt-spice-admin/console_keys", "one key file per console user",
    .check_path = check_sshd_token },
  { GROUP, "broker-ssh-port", &COUNT, FIELD (broker_ssh_port), "22",
    "sshd port clients' spice-connect asks the broker on", .min = 1, .max = 65535 },
  { GROUP, "broker-host-key", &PATH, FIELD (broker_host_key), "/etc/ssh/ssh_host_ed25519_key.pub",
    "sshd's public host key, pinned by clients' spice-connect" },
  { GROUP, "systemd-unit-dir", &PATH, FIELD (systemd_unit_dir), "/etc/systemd/system",
    "where `broker install` puts its units" },
  { GROUP, "journal-socket", &PATH, FIELD (journal_socket), "/run/systemd/journal/socket",
    "journald's native socket (else records go to stderr)" },
};

static const ConfigKey *
find_key (const char *group, const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (config_keys); i++)
    if (g_str_equal (config_keys[i].group, group) && g_str_equal (config_keys[i].name, name))
      return &config_keys[i];
  return NULL;
}

static gboolean
group_is_known (const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS (config_keys); i++)
    if (g_str_equal (config_keys[i].group, group))
      return TRUE;
  return FALSE;
}

/* The defaults are table rows like any other: a default the parser
 * refuses is a bug that every test run shows. */
VsaConfig *
vsa_config_new_defaults (void)
{
  VsaConfig *config = g_new0 (VsaConfig, 1);

  for (gsize i = 0; i < G_N_ELEMENTS (config_keys); i++)
    {
      const ConfigKey *key = &config_keys[i];
      g_autoptr (GError) error = NULL;

      if (key->fallback && !key->type->parse (key, key->fallback, SLOT (config, key->offset), &error))
        g_error ("default of configuration key '%s': %s", key->name, error->message);
    }
  return config;
}

void
vsa_config_free (VsaConfig *config)
{
  if (config == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (config_keys); i++)
    if (config_keys[i].type->owns_string)
      g_free (*(char **) SLOT (config, config_keys[i].offset));
  g_free (config->path);
  g_free (config);
}

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
           const char *group, const char *name, GError **error)
{
  g_autofree char *value = NULL;
  g_autoptr (GError) local_error = NULL;
  int line = find_line (data, group, name);
  const ConfigKey *key = find_key (group, name);

  if (key == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
                   "%s:%d: unknown key '%s' in [%s]; see the annotated example configuration",
                   path, line, name, group);
      return FALSE;
    }
  value = g_key_file_get_string (kf, group, name, &local_error);
  if (value == NULL ||
      !key->type->parse (key, g_strstrip (value), SLOT (config, key->offset), &local_error))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG, "%s:%d: key '%s': %s",
                   path, line, name, local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_config_load_data (VsaConfig *config, const char *data, gsize len, const char *path,
                      GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG, "%s: %s", path, local_error->message);
      return FALSE;
    }
  groups = g_key_file_get_groups (kf, NULL);
  for (int i = 0; groups[i]; i++)
    if (!group_is_known (groups[i]))
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
                     "%s:%d: unknown group [%s]; settings belong in [%s]",
                     path, find_line (data, groups[i], NULL), groups[i], GROUP);
        return FALSE;
      }
  /* A file without settings leaves the defaults, and names no file. */
  if (groups[0] == NULL)
    return TRUE;
  for (int i = 0; groups[i]; i++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[i], NULL, NULL);

      for (int j = 0; keys[j]; j++)
        if (!apply_key (config, kf, data, path, groups[i], keys[j], error))
          return FALSE;
    }
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
  if (!vsa_file_read_bounded (path, "configuration", VSA_FILE_TEXT_MAX, &data, &len,
                              &local_error))
    {
      if (!required && g_error_matches (local_error, VSA_ERROR, VSA_ERROR_NOT_FOUND))
        return g_steal_pointer (&config);
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG, "%s", local_error->message);
      return NULL;
    }
  if (!vsa_config_load_data (config, data, len, path, error))
    return NULL;
  return g_steal_pointer (&config);
}
