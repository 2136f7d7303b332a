/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* apply's tunnels, the sshd side: the VMs' policies already hold them
 * (vsa-apply.c); here the drop-in and the keys are rendered from every
 * console of the hosts on this machine, through the path `tunnel install`
 * takes, and installed only when some file differs.  sshd runs where the
 * host runs: a host reached over the network installs its own with
 * `tunnel install`, and libvirt's test driver runs no sshd at all. */
#include "vsa-apply-private.h"
#include "vsa-tunnel-render.h"
#include "vsa-tunnel-files.h"

#include <string.h>

static const char *
host_uri (VsaContext *ctx, const VsaManifestHost *host)
{
  return host->uri ? host->uri : vsa_context_uri (ctx);
}

/* NULL: the host's sshd is this machine's; else why not. */
static const char *
elsewhere (const char *uri)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  const char *server = parsed ? g_uri_get_host (parsed) : NULL;

  if (g_str_has_prefix (uri, "test:"))
    return "libvirt's test driver runs no sshd ('tunnel render' shows its files)";
  if (server != NULL && *server != '\0')
    return "its sshd is not this machine's; run 'virt-spice-admin tunnel install' there";
  return NULL;
}

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

static void
report_tunnels (VsaApplyReport *report, const char *hosts, VsaApplyOutcome outcome, char *detail)
{
  vsa_apply_report_row (report->tunnels, report, hosts, NULL, outcome, detail, NULL);
}

/* One render for the hosts on this machine (one sshd), when any of their
 * VMs has a tunnel or the drop-in is there to be emptied. */
void
vsa_apply_tunnels (VsaContext *ctx, const VsaManifest *manifest, GPtrArray *consoles,
                   VsaApplyReport *report)
{
  g_autoptr (GPtrArray) docs = g_ptr_array_new ();
  gboolean any_tunnel = FALSE;
  g_autoptr (GString) local = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *drop_in = NULL;
  char *detail = NULL;
  VsaApplyOutcome outcome;

  for (guint i = 0; i < manifest->hosts->len; i++)
    {
      VsaManifestHost *host = g_ptr_array_index (manifest->hosts, i);
      GPtrArray *host_consoles = g_ptr_array_index (consoles, i);
      const char *why = elsewhere (host_uri (ctx, host));

      if (why != NULL && has_tunnels (host_consoles))
        report_tunnels (report, host->name, VSA_APPLY_CHECKED, g_strdup (why));
      if (why != NULL)
        continue;
      if (host_consoles == NULL)
        {
          /* Its tunnels are unknown: a render without them would take
           * their users' keys away. */
          report_tunnels (report, host->name, VSA_APPLY_FAILED,
                          g_strdup ("the host could not be read; the tunnels of this machine "
                                    "were left as they are"));
          return;
        }
      g_string_append_printf (local, "%s%s", local->len ? "," : "", host->name);
      any_tunnel |= has_tunnels (host_consoles);
      for (guint j = 0; j < host_consoles->len; j++)
        g_ptr_array_add (docs, ((VsaApplyConsole *) g_ptr_array_index (host_consoles, j))->doc);
    }
  drop_in = g_build_filename (ctx->config->sshd_drop_in_dir, VSA_SSHD_DROP_IN_NAME, NULL);
  if (local->len == 0 || (!any_tunnel && !g_file_test (drop_in, G_FILE_TEST_EXISTS)))
    return;
  outcome = converge_files (ctx, docs, &detail, &error);
  report_tunnels (report, local->str, outcome, outcome == VSA_APPLY_FAILED
                                                  ? g_strdup (error->message) : detail);
}
