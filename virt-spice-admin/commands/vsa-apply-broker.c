/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* apply's console broker, the sshd side: the VMs' policies already hold
 * the users' console keys (vsa-apply.c); here the broker's drop-in, key
 * files and units are rendered from every console of the hosts on this
 * machine (vsa-apply-sshd.c) through the path `broker install` takes:
 * the same login-shell rule, the same `sshd -t`, the same install (the
 * console shell for each user, then the files), only when some file or
 * shell differs.  The units come along: they are part of what makes the
 * keys usable, they follow the configuration (broker-command), and an
 * unchanged unit is not rewritten; enabling them stays the
 * administrator's (as after `broker install`). */
#include "vsa-apply-private.h"
#include "vsa-broker-install.h"
#include "vsa-broker-render.h"

static gboolean
has_console_keys (GPtrArray *consoles)
{
  for (guint i = 0; consoles && i < consoles->len; i++)
    {
      const VsaPolicy *policy = ((VsaApplyConsole *) g_ptr_array_index (consoles, i))->policy;

      for (guint j = 0; j < policy->broker_users->len; j++)
        if (((VsaBrokerUser *) g_ptr_array_index (policy->broker_users, j))->key != NULL)
          return TRUE;
    }
  return FALSE;
}

static char *
describe (VsaContext *ctx, const VsaBrokerPlan *plan, guint stale)
{
  g_autoptr (GString) s = g_string_new (ctx->dry_run ? "would install " : "installed ");

  g_string_append_printf (s, "%s, %u key file(s) and the broker's units",
                          ((VsaRenderedFile *) g_ptr_array_index (plan->files, 0))->path,
                          plan->accounts);
  for (guint i = 0; i < plan->to_change->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "; the console shell for ",
                            (const char *) g_ptr_array_index (plan->to_change, i));
  if (stale > 0)
    g_string_append (s, "; removed stale keys");
  if (!ctx->dry_run)
    g_string_append (s, "; reload sshd");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static VsaApplyOutcome
converge_broker (VsaContext *ctx, GPtrArray *docs, char **ret_detail, GError **error)
{
  g_autoptr (VsaBrokerPlan) plan = vsa_broker_plan (ctx, docs, error);
  guint stale = 0;

  if (plan == NULL)
    return VSA_APPLY_FAILED;
  if (vsa_broker_plan_current (plan))
    return VSA_APPLY_UNCHANGED;
  if (!vsa_broker_plan_check (ctx, plan, error) ||
      (!ctx->dry_run && !vsa_broker_plan_install (ctx, plan, &stale, error)))
    return VSA_APPLY_FAILED;
  *ret_detail = describe (ctx, plan, stale);
  return VSA_APPLY_CHANGED;
}

/* One render for the hosts on this machine, when any of their VMs has a
 * console key or the drop-in is there to be emptied. */
void
vsa_apply_broker (VsaContext *ctx, const VsaManifest *manifest, GPtrArray *consoles,
                  VsaApplyReport *report)
{
  const VsaApplySshdPart part = { report->broker, "broker install", "broker install --dry-run",
                                  "the console broker's files", VSA_SSHD_BROKER_DROP_IN_NAME,
                                  has_console_keys, converge_broker };

  vsa_apply_sshd_part (ctx, manifest, consoles, &part, report);
}
