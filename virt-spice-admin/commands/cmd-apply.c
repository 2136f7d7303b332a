/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `apply MANIFEST [--prune] [--generate-passwords] [--allow-wide-network] [--client-dir DIR]
 * [--jobs N]`: converge every VM the manifest names and render every
 * client host's bundle (vsa-apply*.c), then print one line per VM and
 * client host and a summary, or JSON.  Exit status 1 when any failed. */
#include "vsa-apply.h"
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-xml.h"

#include <json-glib/json-glib.h>

static VsaManifest *
load_manifest (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;

  if (!vsa_file_read_bounded (path, "manifest", VSA_XML_MAX_SIZE, &text, &len, error))
    return NULL;
  return vsa_manifest_parse (text, len, path, error);
}

/* "WHAT NAME: OUTCOME[: DETAIL]", NAME the row's hosts or client host. */
static void
print_rows (VsaContext *ctx, const char *what, GPtrArray *rows, gboolean by_host)
{
  for (guint i = 0; i < rows->len; i++)
    {
      VsaApplyVmReport *row = g_ptr_array_index (rows, i);

      fprintf (ctx->out, "%s %s: %s%s%s\n", what, by_host ? row->host : row->vm,
               vsa_apply_outcome_to_string (row->outcome), row->detail ? ": " : "",
               row->detail ? row->detail : "");
    }
}

static void
print_text (VsaContext *ctx, const VsaApplyReport *report)
{
  for (guint i = 0; i < report->vms->len; i++)
    {
      VsaApplyVmReport *vm = g_ptr_array_index (report->vms, i);

      if (vm->diff)
        fputs (vm->diff, ctx->out);
      fprintf (ctx->out, "%s/%s: %s%s%s\n", vm->host, vm->vm,
               vsa_apply_outcome_to_string (vm->outcome), vm->detail ? ": " : "",
               vm->detail ? vm->detail : "");
    }
  print_rows (ctx, "client host", report->client_hosts, FALSE);
  print_rows (ctx, "tunnels of", report->tunnels, TRUE);
  print_rows (ctx, "console broker of", report->broker, TRUE);
  for (guint i = 0; i < report->credentials->len; i++)
    {
      VsaApplyCredential *c = g_ptr_array_index (report->credentials, i);

      fprintf (ctx->out, "%s/%s: SASL password of %s: %s\n", c->host, c->vm, c->user, c->password);
    }
  fprintf (ctx->out, "%u changed, %u unchanged, %u failed", report->changed,
           report->unchanged, report->failed);
  if (report->unknown > 0)
    fprintf (ctx->out, ", %u unknown", report->unknown);
  fputc ('\n', ctx->out);
}

static void
build_vm_rows (JsonBuilder *b, const VsaApplyReport *report)
{
  json_builder_set_member_name (b, "vms");
  json_builder_begin_array (b);
  for (guint i = 0; i < report->vms->len; i++)
    {
      VsaApplyVmReport *vm = g_ptr_array_index (report->vms, i);
      gboolean failed = vm->outcome == VSA_APPLY_FAILED || vm->outcome == VSA_APPLY_UNKNOWN;

      json_builder_begin_object (b);
      vsa_cli_json_add_string_or_null (b, "host", vm->host);
      vsa_cli_json_add_string_or_null (b, "vm", vm->vm);
      vsa_cli_json_add_string_or_null (b, "status", vsa_apply_outcome_to_string (vm->outcome));
      vsa_cli_json_add_string_or_null (b, "detail", failed ? NULL : vm->detail);
      vsa_cli_json_add_string_or_null (b, "error", failed ? vm->detail : NULL);
      vsa_cli_json_add_string_or_null (b, "diff", vm->diff);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* Client hosts, the tunnels' and the console broker's sshd side: one
 * object per row. */
static void
build_rows (JsonBuilder *b, const char *member, const char *key, GPtrArray *rows,
            gboolean by_host)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++)
    {
      VsaApplyVmReport *row = g_ptr_array_index (rows, i);
      gboolean failed = row->outcome == VSA_APPLY_FAILED;

      json_builder_begin_object (b);
      vsa_cli_json_add_string_or_null (b, key, by_host ? row->host : row->vm);
      vsa_cli_json_add_string_or_null (b, "status", vsa_apply_outcome_to_string (row->outcome));
      vsa_cli_json_add_string_or_null (b, "detail", failed ? NULL : row->detail);
      vsa_cli_json_add_string_or_null (b, "error", failed ? row->detail : NULL);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
build_credentials (JsonBuilder *b, const VsaApplyReport *report)
{
  json_builder_set_member_name (b, "credentials");
  json_builder_begin_array (b);
  for (guint i = 0; i < report->credentials->len; i++)
    {
      VsaApplyCredential *c = g_ptr_array_index (report->credentials, i);

      json_builder_begin_object (b);
      vsa_cli_json_add_string_or_null (b, "host", c->host);
      vsa_cli_json_add_string_or_null (b, "vm", c->vm);
      vsa_cli_json_add_string_or_null (b, "user", c->user);
      vsa_cli_json_add_string_or_null (b, "password", c->password);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
print_json (VsaContext *ctx, const VsaApplyReport *report)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  vsa_cli_json_add_boolean (b, "dry_run", ctx->dry_run);
  build_vm_rows (b, report);
  build_rows (b, "client_hosts", "name", report->client_hosts, FALSE);
  build_rows (b, "tunnels", "hosts", report->tunnels, TRUE);
  build_rows (b, "broker", "hosts", report->broker, TRUE);
  build_credentials (b, report);
  vsa_cli_json_add_int (b, "changed", report->changed);
  vsa_cli_json_add_int (b, "unchanged", report->unchanged);
  vsa_cli_json_add_int (b, "failed", report->failed);
  vsa_cli_json_add_int (b, "unknown", report->unknown);
  json_builder_end_object (b);
  vsa_cli_print_json (ctx, b);
}

/* Each line says what its part is now; this one only counts. */
static void
set_summary_error (const VsaApplyReport *report, GError **error)
{
  guint others = report->client_hosts->len + report->tunnels->len + report->broker->len;
  guint parts = report->vms->len + others;
  const char *what = others > 0 ? "parts (VMs, client hosts, tunnels, console broker)" : "VMs";

  if (report->unknown == 0)
    g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                 "%u of %u %s failed and were left unchanged; see their lines above",
                 report->failed, parts, what);
  else if (report->failed == 0)
    g_set_error (error, VSA_ERROR, VSA_ERROR_UNCONFIRMED,
                 "%u of %u %s unknown; see their lines above", report->unknown, parts, what);
  else
    g_set_error (error, VSA_ERROR, VSA_ERROR_UNCONFIRMED,
                 "%u of %u %s failed (left unchanged), %u unknown; see their lines above",
                 report->failed, parts, what, report->unknown);
}

static gboolean
run_apply (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  int jobs = vsa_invocation_int (inv, "jobs", 0);
  VsaApplyOptions opts = {
    vsa_invocation_flag (inv, "prune"), vsa_invocation_flag (inv, "generate-passwords"),
    vsa_invocation_string (inv, "client-dir"), (guint) MAX (jobs, 0),
  };
  gboolean status = vsa_invocation_flag (inv, "status");
  g_autoptr (VsaManifest) manifest = NULL;
  g_autoptr (VsaApplyReport) report = vsa_apply_report_new ();

  if ((manifest = load_manifest (inv->args[0], error)) == NULL ||
      !vsa_apply_check_manifest (ctx->config, manifest, inv->args[0],
                                 vsa_invocation_flag (inv, "allow-wide-network"), error))
    return FALSE;
  if (jobs < 0 || jobs > 64)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "--jobs %d: give a number of hosts to converge at once, 1 to 64", jobs);
      return FALSE;
    }
  if (status && ctx->json)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "--status prints a table; run 'status --json' separately for JSON");
      return FALSE;
    }
  /* Many defines: libvirt's schema compiled once here, not by libvirtd
   * for each of them (vsa-domain-schema.h). */
  ctx->schema_in_process = TRUE;
  vsa_apply_manifest (ctx, manifest, &opts, report);
  if (ctx->json)
    print_json (ctx, report);
  else
    print_text (ctx, report);
  if (ctx->dry_run)
    vsa_context_note (ctx, "dry run: nothing was changed");
  if (status)
    {
      fputc ('\n', ctx->out);
      if (!vsa_status_report (ctx, NULL, error))
        return FALSE;
    }
  if (report->failed == 0 && report->unknown == 0)
    return TRUE;
  set_summary_error (report, error);
  return FALSE;
}

static const GOptionEntry apply_options[] = {
  VSA_OPTION_FLAG ("status", "Then print the status table of the -c host (same connection)"),
  VSA_OPTION_FLAG ("prune", "Remove users and clients of the named VMs that the manifest does not list"),
  VSA_OPTION_FLAG ("generate-passwords", "Give new SASL users a generated password, printed once"),
  VSA_OPTION_FLAG ("allow-wide-network", "Take client networks wider than client-min-prefix-ipv4/-ipv6"),
  VSA_OPTION (FILENAME, "client-dir", "DIR", "Write each client host's lock-down to DIR/NAME (only files that differ)"),
  { "jobs", 'j', 0, G_OPTION_ARG_INT, NULL, "Converge at most N hosts at once (default: one per host, at most 8)", "N" },
  VSA_OPTION_END
};

const VsaCommand vsa_command_apply = VSA_COMMAND_LEAF ("apply", run_apply, "MANIFEST [--dry-run] [--prune] [--generate-passwords] [--allow-wide-network] [--client-dir DIR] [--jobs N]", 1, 1, VSA_COMMAND_PLAIN, apply_options,
  "Converge many VMs to a manifest (--dry-run shows diffs)",
  "Converges every VM the manifest names (see docs/examples/office.xml and\n"
  "the schema vsa-manifest.rng), the hosts in parallel (one connection and\n"
  "one worker each, --jobs at a time): each VM in one define, so a VM that\n"
  "fails is left as it was while the others go on.  Then renders and\n"
  "validates each client host's lock-down, written to --client-dir DIR/NAME.\n"
  "Prints one line per VM and client host (changed, unchanged, failed:\n"
  "REASON) and \"N changed, N unchanged, N failed\".  --dry-run prints each\n"
  "domain's unified diff instead and changes nothing.  A SASL user without\n"
  "a credential fails its VM unless --generate-passwords.  A define\n"
  "libvirt does not confirm (libvirtd gone before it replied) is checked\n"
  "by reading the VM again, on a new connection if needed: changed, failed\n"
  "(the old definition is in place) or unknown (\", N unknown\" in the\n"
  "summary).  A client network wider than client-min-prefix-ipv4 (/8) or\n"
  "-ipv6 (/32) refuses the whole manifest unless --allow-wide-network.\n"
  "man virt-spice-admin(1), APPLY, says what each part of a manifest becomes.");
