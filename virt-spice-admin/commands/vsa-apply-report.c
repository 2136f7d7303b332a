/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* apply's report: one row per VM (what it is now), per set of tunnels, per
 * console broker and per client host, the SASL credentials generated, and the counts the
 * summary line prints. */
#include "vsa-apply-private.h"
#include "vsa-error.h"

static void
vm_report_free (VsaApplyVmReport *vm)
{
  g_free (vm->host);
  g_free (vm->vm);
  g_free (vm->detail);
  g_free (vm->diff);
  g_free (vm);
}

void
vsa_apply_credential_free (VsaApplyCredential *credential)
{
  g_free (credential->host);
  g_free (credential->vm);
  g_free (credential->user);
  vsa_secret_free (credential->password);
  g_free (credential);
}

VsaApplyReport *
vsa_apply_report_new (void)
{
  VsaApplyReport *report = g_new0 (VsaApplyReport, 1);

  report->vms = g_ptr_array_new_with_free_func ((GDestroyNotify) vm_report_free);
  report->client_hosts = g_ptr_array_new_with_free_func ((GDestroyNotify) vm_report_free);
  report->tunnels = g_ptr_array_new_with_free_func ((GDestroyNotify) vm_report_free);
  report->broker = g_ptr_array_new_with_free_func ((GDestroyNotify) vm_report_free);
  report->credentials = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_apply_credential_free);
  return report;
}

void
vsa_apply_report_free (VsaApplyReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->vms);
  g_ptr_array_unref (report->client_hosts);
  g_ptr_array_unref (report->tunnels);
  g_ptr_array_unref (report->broker);
  g_ptr_array_unref (report->credentials);
  g_free (report);
}

const char *
vsa_apply_outcome_to_string (VsaApplyOutcome outcome)
{
  static const char *const names[] = {
    [VSA_APPLY_CHANGED] = "changed", [VSA_APPLY_UNCHANGED] = "unchanged",
    [VSA_APPLY_FAILED] = "failed", [VSA_APPLY_UNKNOWN] = "unknown",
    [VSA_APPLY_CHECKED] = "checked",
  };

  return names[outcome];
}

/* A checked client host (no --client-dir) counts as neither: nothing was
 * compared with anything. */
void
vsa_apply_report_row (GPtrArray *rows, VsaApplyReport *report, const char *host,
                      const char *name, VsaApplyOutcome outcome, char *detail, char *diff)
{
  VsaApplyVmReport *row = g_new0 (VsaApplyVmReport, 1);

  row->host = g_strdup (host);
  row->vm = g_strdup (name);
  row->outcome = outcome;
  row->detail = detail;
  row->diff = diff;
  g_ptr_array_add (rows, row);
  report->changed += outcome == VSA_APPLY_CHANGED;
  report->unchanged += outcome == VSA_APPLY_UNCHANGED;
  report->failed += outcome == VSA_APPLY_FAILED;
  report->unknown += outcome == VSA_APPLY_UNKNOWN;
}

void
vsa_apply_report_add (VsaApplyReport *report, const char *host, const char *vm,
                      VsaApplyOutcome outcome, char *detail, char *diff)
{
  vsa_apply_report_row (report->vms, report, host, vm, outcome, detail, diff);
}

/* A define libvirt never answered and that could not be checked after is
 * neither a change nor a failure: the VM's line says "unknown". */
void
vsa_apply_report_failure (VsaApplyReport *report, const char *host, const char *vm, const GError *error)
{
  vsa_apply_report_add (report, host, vm,
                        g_error_matches (error, VSA_ERROR, VSA_ERROR_UNCONFIRMED) ? VSA_APPLY_UNKNOWN
                                                                                 : VSA_APPLY_FAILED,
                        g_strdup (error->message), NULL);
}

/* FROM's rows after INTO's: a host's report joins the others in manifest
 * order, whenever its worker finished. */
void
vsa_apply_report_merge (VsaApplyReport *into, VsaApplyReport *from)
{
  g_ptr_array_extend_and_steal (into->vms, g_steal_pointer (&from->vms));
  g_ptr_array_extend_and_steal (into->credentials, g_steal_pointer (&from->credentials));
  from->vms = g_ptr_array_new ();
  from->credentials = g_ptr_array_new ();
  into->changed += from->changed;
  into->unchanged += from->unchanged;
  into->failed += from->failed;
  into->unknown += from->unknown;
}
