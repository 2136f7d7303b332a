/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host-wide settings: one GKeyFile, every path overridable so tests can
 * run under a temporary root. */
#pragma once

#include <glib.h>
#include "vsa-client-render.h"
#include "vsa-nft.h"
#include "vsa-address.h"
#include "vsa-policy.h"

G_BEGIN_DECLS

#define VSA_CONFIG_DEFAULT_PATH "/etc/virt-spice-admin/virt-spice-admin.conf"
#define VSA_CONFIG_ENV "VIRT_SPICE_ADMIN_CONFIG"

typedef struct {
  char *path;            /* the file read; NULL when all defaults */
  int tls_port_min;
  int tls_port_max;
  char *listen;
  char *state_dir;
  VsaAuthMode auth_mode;
  char *ca_file;
  char *qemu_group;
  char *key_dir;                  /* keyfiles made by `volume format`, KEY-DIR/VG/LV.key */
  char *luks_pbkdf;               /* argon2id, argon2i or pbkdf2 */
  /* export (server side) */
  char *server_name;          /* NULL: clients use each VM's listen address */
  char *server_subject;       /* NULL: no host-subject in .vv files */
  /* client host side */
  char *client_group;
  char *client_prefix;
  char *client_remote_viewer;
  char *client_launcher;     /* virt-spice-admin-client-open, which sudo runs as root */
  VsaFirewallKind client_firewall;
  gboolean client_nopasswd;
  /* SSH tunnels (`tunnel render|install`) */
  char *sshd_binary;                /* validates with `sshd -t` */
  char *sshd_config;                /* the main sshd_config the validation includes */
  char *sshd_drop_in_dir;           /* gets virt-spice-admin.conf */
  char *tunnel_authorized_keys_dir; /* one file per tunnel user, named after the user */
  char *tunnel_wait_command;        /* ForceCommand of tunnel accounts */
  guint luks_pbkdf_time_ms;       /* benchmarked unlock time of a new key slot */
  guint luks_pbkdf_iterations;    /* 0: benchmark; N: fixed cost, no benchmark (tests) */
  gboolean deactivate_lv_on_close;
  guint volume_open_jobs;         /* volumes unlocked at once; 0: one per CPU */
  char *libvirt_config_dir;
  char *sasl_dir;
  char *libvirt_qemu_conf;
  char *server_cert;
  gint64 ticket_max_seconds;
  guint lock_timeout_ms;
  gboolean firewall;               /* install per-VM nftables elements */
  char *firewall_table;            /* our own table, family inet */
  int firewall_priority;           /* of its input base chain */
  VsaNftRejectMode firewall_reject;
  char *firewall_log_prefix;       /* "": no log rule */
  VsaNetworkBounds client_networks; /* the widest client networks allowed unasked */
  /* the console broker */
  char *broker_socket;             /* its UNIX socket */
  gint64 ticket_validity_seconds;  /* a broker ticket's life, at most 120 s */
  char *broker_command;            /* ForceCommand of broker accounts */
  char *console_shell;             /* the shell of broker accounts */
  char *broker_authorized_keys_dir;
  guint broker_ssh_port;           /* the sshd port clients ask the broker on */
  char *broker_host_key;           /* sshd's public host key, which clients pin */
  char *systemd_unit_dir;          /* where `broker install` puts its units */
  char *journal_socket;            /* journald's native socket */
  char *time_zone;                 /* of access windows; "": the host's local zone */
  char *schedule_timer;            /* the schedule timer's link when enabled (audit) */
} VsaConfig;

VsaConfig *vsa_config_new_defaults (void);
VsaConfig *vsa_config_load (const char *explicit_path, GError **error);
gboolean vsa_config_load_data (VsaConfig *config, const char *data, gsize len,
                               const char *path, GError **error);
void vsa_config_free (VsaConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaConfig, vsa_config_free)


G_END_DECLS
