/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* apply's tunnels, the sshd side: the VMs' policies already hold them
 * (vsa-apply.c); here the drop-in and the keys are rendered from every
 * console of the hosts on this machine (vsa-apply-sshd.c), through the
 * path `tunnel install` takes, and installed only when some file
 * differs. */
#include "vsa-apply-private.h"
#include "vsa-tunnel-render.h"
#include "vsa-tunnel-files.h"

static gboolean
has_tunnels (GPtrArray *consoles)
{
  for (guint i = 0; consoles && i < consoles->len; i++)
    if (((VsaApplyConsole *) g_ptr_array_index (consoles, i))->policy->tunnels->len > 0)
      return TRUE;
  return FALSE;
}

static VsaApplyOutcome
converge_files (VsaContext *ctx, GPtrArray *docs, char **ret_detail, GError **error)
{
  g_autoptr (GPtrArray) files = vsa_tunnel_files_render (ctx, docs, error);
  g_autoptr (GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  guint stale = 0;

  if (files == NULL)
    return VSA_APPLY_FAILED;
  if (vsa_tunnel_files_current (files))
    return VSA_APPLY_UNCHANGED;
  if (!vsa_tunnel_files_check (ctx, files, FALSE, missing, error))
    return VSA_APPLY_FAILED;
  if (!ctx->dry_run &&
      !vsa_tunnel_files_install (files, missing, ctx->config->tunnel_authorized_keys_dir, &stale,
                                 error))
    return VSA_APPLY_FAILED;
  *ret_detail = g_strdup_printf ("%s %s and %u authorized_keys file(s)%s%s",
                                 ctx->dry_run ? "would install" : "installed",
                                 ((VsaRenderedFile *) g_ptr_array_index (files, 0))->path,
                                 files->len - 1, stale ? ", removed stale keys" : "",
                                 ctx->dry_run ? "" : "; reload sshd");
  return VSA_APPLY_CHANGED;
}

/* One render for the hosts on this machine, when any of their VMs has a
 * tunnel or the drop-in is there to be emptied. */
void
vsa_apply_tunnels (VsaContext *ctx, const VsaManifest *manifest, GPtrArray *consoles,
                   VsaApplyReport *report)
{
  const VsaApplySshdPart part = { report->tunnels, "tunnel install", "tunnel render", "the tunnels",
                                  VSA_SSHD_DROP_IN_NAME, has_tunnels, converge_files };

  vsa_apply_sshd_part (ctx, manifest, consoles, &part, report);
}
