/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `audit [VM...]`: insecure or drifted configuration, each finding with a
 * stable ID, a severity, the object and the fix (docs/audit.md).  Exit
 * status 1 when anything is found, 0 when clean: cron and the shipped
 * systemd timer act on it. */
#include "vsa-audit-host.h"
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-sessions.h"
#include "vsa-firewall.h"
#include "vsa-inventory.h"
#include "vsa-libvirt-conf.h"
#include "vsa-sasl-vault.h"
#include "vsa-volume.h"
#include "vsa-time.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* Expiring within a week is worth a warning. */
#define EXPIRY_WARNING_SECONDS (7 * 24 * 3600)

static void
audit_secrets (const VsaConfig *config, const VsaVmRecord *vm, GPtrArray *findings)
{
  const VsaPolicy *policy = vm->policy;

  if (policy->sasl_dir)
    {
      g_autofree char *conf = g_build_filename (policy->sasl_dir, "qemu.conf", NULL);
      g_autofree char *db = g_build_filename (policy->sasl_dir, "sasldb2", NULL);

      vsa_audit_file_mode (config, policy->sasl_dir, TRUE, 0750, TRUE, findings);
      vsa_audit_file_mode (config, conf, TRUE, 0640, TRUE, findings);
      vsa_audit_file_mode (config, db, TRUE, 0640, FALSE, findings);
      vsa_audit_sasl_file (conf, findings);
    }
  for (guint i = 0; i < policy->volumes->len; i++)
    {
      VsaVolume *volume = g_ptr_array_index (policy->volumes, i);
      g_autofree char *backup = vsa_volume_header_backup_path (config, volume->lv);

      if (volume->keyfile)
        vsa_audit_file_mode (config, volume->keyfile, FALSE, 0400, TRUE, findings);
      vsa_audit_file_mode (config, backup, FALSE, 0600, FALSE, findings);
    }
}

static void
audit_running (const VsaConfig *config, const VsaVmRecord *vm, VsaFirewallState *state,
               gboolean state_read, GPtrArray *findings)
{
  g_autofree char *object = g_strdup_printf ("VM %s", vm->name);
  g_autoptr (VsaNftVm) wanted = NULL;
  g_autoptr (GDateTime) now = NULL;
  g_autofree char *invalid = NULL;
  const char *verdict;

  for (guint i = 0; i < vm->policy->volumes->len; i++)
    {
      VsaVolume *volume = g_ptr_array_index (vm->policy->volumes, i);

      if (g_strcmp0 (vsa_volume_state (volume), "closed") == 0)
        vsa_findings_add (findings, "VSA-V01", VSA_SEVERITY_MEDIUM, object,
                          "restart the VM so the hook opens it",
                          "running, but its volume %s is closed", volume->name);
    }
  if (!config->firewall || vm->live_tls_port <= 0)
    return;
  if (!state_read)
    {
      vsa_findings_add (findings, "VSA-F00", VSA_SEVERITY_MEDIUM, object,
                        "check nftables, then virt-spice-admin firewall sync",
                        "cannot read the firewall");
      return;
    }
  now = vsa_time_now_in_zone (config->time_zone);
  wanted = vsa_firewall_wanted (vm->live_policy, vm->live_tls_port, now, &invalid);
  verdict = vsa_firewall_port_state (wanted, vm->live_tls_port, invalid != NULL,
                                     g_hash_table_lookup (state->ports, GINT_TO_POINTER (vm->live_tls_port)),
                                     TRUE);
  if (g_strcmp0 (verdict, "missing") == 0)
    vsa_findings_add (findings, "VSA-F01", VSA_SEVERITY_HIGH, object, "virt-spice-admin firewall sync",
                      "running, but its firewall elements for port %d are missing: any client can connect",
                      vm->live_tls_port);
  else if (g_strcmp0 (verdict, "ok") != 0)
    vsa_findings_add (findings, "VSA-F02", VSA_SEVERITY_MEDIUM, object, "virt-spice-admin firewall sync",
                      "its firewall elements differ from its policy (%s)%s%s", verdict,
                      invalid ? ": " : "", invalid ? invalid : "");
}

static gboolean
has_finding_since (GPtrArray *findings, guint from, const char *id)
{
  for (guint i = from; i < findings->len; i++)
    if (g_str_equal (((VsaFinding *) g_ptr_array_index (findings, i))->id, id))
      return TRUE;
  return FALSE;
}

/* A VM that cannot be read is one VSA-C00 finding: the domain check
 * reports it for bad metadata in the definition; anything else the walk
 * could not read (the XML itself, the running VM's live metadata) is
 * reported here.  Its other checks wait until it can be read. */
static gboolean
audit_readable (const VsaVmRecord *vm, const VsaAuditSettings *settings, GPtrArray *findings)
{
  g_autofree char *object = g_strdup_printf ("VM %s", vm->name);
  guint before = findings->len;

  if (vm->config_doc != NULL)
    vsa_audit_domain (vm->name, vm->config_doc, settings, findings);
  if (vm->unreadable == NULL)
    return TRUE;
  if (!has_finding_since (findings, before, "VSA-C00"))
    vsa_findings_add (findings, "VSA-C00", VSA_SEVERITY_HIGH, object,
                      "fix the metadata with virt-spice-admin, or virsh edit", "%s", vm->unreadable);
  return FALSE;
}

/* The session journal's record of connections no policy admits: open
 * ones, and those of the last day (an intrusion is worth a look even
 * once it has ended). */
static void
audit_sessions (const VsaSessionTable *table, const char *vm, GPtrArray *findings)
{
  gint64 since = g_get_real_time () / G_USEC_PER_SEC - 24 * 3600;

  for (guint i = 0; table && i < table->sessions->len; i++)
    {
      const VsaSession *s = g_ptr_array_index (table->sessions, i);
      g_autofree char *when = vsa_format_utc (s->since);

      if (s->allowed || g_strcmp0 (s->vm, vm) != 0 || (s->until != 0 && s->until < since))
        continue;
      vsa_findings_add (findings, "VSA-S01", VSA_SEVERITY_HIGH, vm,
                        "find out who it was: journalctl VSA_EVENT=connected VSA_VM=VM",
                        "a console session from %s, an address no policy allows, %s at %s",
                        s->client, s->until ? "began" : "is open since", when);
    }
}

/* Windows take effect through schedule sync: a SASL database the windows
 * disagree with means a credential works outside its window (or not
 * inside it).  Sets *USES_WINDOWS when a user of VM has windows. */
static void
audit_windows (const VsaConfig *config, const VsaVmRecord *vm, GDateTime *now,
               gboolean *uses_windows, GPtrArray *findings)
{
  g_autofree char *object = g_strdup_printf ("VM %s", vm->name);
  g_autofree char *prefix = g_strdup_printf ("VM %s: ", vm->name);
  g_autoptr (GPtrArray) due = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < vm->policy->access->len; i++)
    if (!vsa_window_set_is_always (((VsaAccess *) g_ptr_array_index (vm->policy->access, i))->when))
      *uses_windows = TRUE;
  if (!vsa_sasl_vault_sync (config, vm->name, vm->policy, now, TRUE, due, NULL))
    return;
  for (guint i = 0; i < due->len; i++)
    {
      const char *change = g_ptr_array_index (due, i);

      vsa_findings_add (findings, "VSA-W01", VSA_SEVERITY_HIGH, object,
                        "virt-spice-admin schedule sync",
                        "its SASL database disagrees with the access windows: %s",
                        g_str_has_prefix (change, prefix) ? change + strlen (prefix) : change);
    }
}

static void
audit_schedule_timer (const VsaConfig *config, GPtrArray *findings)
{
  if (g_file_test (config->schedule_timer, G_FILE_TEST_EXISTS))
    return;
  vsa_findings_add (findings, "VSA-W02", VSA_SEVERITY_MEDIUM, "host",
                    "systemctl enable --now virt-spice-admin-schedule.timer",
                    "access windows are in use but the schedule timer is not enabled (no %s): "
                    "windows open and close only when schedule sync runs", config->schedule_timer);
}

static GPtrArray *
run_audit (VsaContext *ctx, GPtrArray *vms)
{
  GPtrArray *findings = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_finding_free);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *sasl = vsa_libvirt_conf_value (ctx->config->libvirt_qemu_conf, "spice_sasl");
  g_autofree char *sasl_dir = vsa_libvirt_conf_value (ctx->config->libvirt_qemu_conf, "spice_sasl_dir");
  g_autofree char *global_sasl = g_build_filename (sasl_dir ? sasl_dir : "/etc/sasl2", "qemu.conf", NULL);
  g_autofree char *server_dir = g_path_get_dirname (ctx->config->server_cert);
  g_autofree char *server_key = g_build_filename (server_dir, "server-key.pem", NULL);
  g_autoptr (VsaFirewallState) state = NULL;
  g_autoptr (VsaSessionTable) sessions = vsa_session_table_load (ctx->config->state_dir, NULL);
  g_autoptr (GDateTime) window_now = vsa_cli_window_now (ctx);
  gboolean uses_windows = FALSE;
  VsaAuditSettings settings = { ctx->config->listen, g_strcmp0 (sasl, "1") == 0, now,
                                EXPIRY_WARNING_SECONDS, ctx->config->firewall,
                                &ctx->config->client_networks };

  vsa_audit_libvirt_conf (ctx->config, findings);
  if (settings.libvirt_sasl)
    vsa_audit_sasl_file (global_sasl, findings);
  vsa_audit_file_mode (ctx->config, server_key, TRUE, 0640, FALSE, findings);
  if (ctx->config->firewall)
    state = vsa_firewall_read_state (ctx->config, NULL);
  for (guint i = 0; i < vms->len; i++)
    {
      VsaVmRecord *vm = g_ptr_array_index (vms, i);

      audit_sessions (sessions, vm->name, findings);
      if (!audit_readable (vm, &settings, findings) || vm->policy == NULL)
        continue;
      audit_secrets (ctx->config, vm, findings);
      audit_windows (ctx->config, vm, window_now, &uses_windows, findings);
      if (vm->running)
        audit_running (ctx->config, vm, state, state != NULL, findings);
    }
  if (uses_windows)
    audit_schedule_timer (ctx->config, findings);
  return findings;
}

static void
print_findings (VsaContext *ctx, GPtrArray *findings)
{
  guint counts[3] = { 0 };

  for (guint i = 0; i < findings->len; i++)
    counts[((VsaFinding *) g_ptr_array_index (findings, i))->severity]++;
  if (ctx->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "findings");
      json_builder_begin_array (b);
      for (guint i = 0; i < findings->len; i++)
        {
          VsaFinding *f = g_ptr_array_index (findings, i);

          json_builder_begin_object (b);
          vsa_cli_json_add_string (b, "id", f->id);
          vsa_cli_json_add_string (b, "severity", vsa_severity_to_string (f->severity));
          vsa_cli_json_add_string (b, "object", f->object);
          vsa_cli_json_add_string (b, "message", f->message);
          vsa_cli_json_add_string (b, "fix", f->fix);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      vsa_cli_print_json (ctx, b);
      return;
    }
  for (guint i = 0; i < findings->len; i++)
    {
      VsaFinding *f = g_ptr_array_index (findings, i);

      fprintf (ctx->out, "%-6s %s  %s: %s\n       fix: %s\n", vsa_severity_to_string (f->severity),
               f->id, f->object, f->message, f->fix);
    }
  fprintf (ctx->out, "%u finding%s: %u high, %u medium, %u low\n", findings->len,
           findings->len == 1 ? "" : "s", counts[VSA_SEVERITY_HIGH], counts[VSA_SEVERITY_MEDIUM],
           counts[VSA_SEVERITY_LOW]);
}

static gboolean
run_audit_command (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  g_autoptr (GPtrArray) vms = NULL;
  g_autoptr (GPtrArray) findings = NULL;

  if (!vsa_context_connect (ctx, error) ||
      (vms = vsa_inventory_collect (ctx->conn, inv->args, VSA_INVENTORY_SECRETS |
                                    VSA_INVENTORY_LIVE | VSA_INVENTORY_BEST_EFFORT, error)) == NULL)
    return FALSE;
  findings = run_audit (ctx, vms);
  print_findings (ctx, findings);
  if (findings->len == 0)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_INSECURE, "audit found %u problem%s", findings->len,
               findings->len == 1 ? "" : "s");
  return FALSE;
}

const VsaCommand vsa_command_audit = VSA_COMMAND_LEAF ("audit", run_audit_command, "[VM...]", 0, G_MAXUINT, VSA_COMMAND_PLAIN, NULL,
  "Find insecure or drifted configuration (exit 1 if any)",
  "Finds insecure or drifted configuration: plain SPICE ports, insecure\n"
  "channels, wildcard listens, missing or expiring credentials, VMs that\n"
  "would fall back to libvirt's global SASL database, weak SASL mechanisms,\n"
  "wrong owners or modes of SASL databases, keyfiles, header backups and\n"
  "the TLS key, missing firewall elements of running VMs, SASL databases\n"
  "out of step with the access windows, windows without the schedule\n"
  "timer, client networks wider than client-min-prefix-ipv4/-ipv6, and\n"
  "metadata that disagrees with the XML.  A VM that cannot be read is one\n"
  "finding (VSA-C00) and the others are still audited.  Exits 1 when it\n"
  "finds anything, 0 when clean.  Finding IDs are stable (docs/audit.md).");
