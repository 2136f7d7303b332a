/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parts of apply that live in sshd (the tunnels, the console
 * broker): sshd runs where the host runs, so only the hosts on this
 * machine are rendered, together (one sshd), from every console apply
 * just converged, and installed only when some file differs.  A host
 * reached over the network installs its own there, and libvirt's test
 * driver runs no sshd at all: a checked row says so. */
#include "vsa-apply-private.h"

char *
vsa_apply_host_server (VsaContext *ctx, const VsaManifestHost *host)
{
  const char *uri = host->uri ? host->uri : vsa_context_uri (ctx);
  g_autoptr (GUri) parsed = NULL;
  const char *server;

  if (g_str_has_prefix (uri, "test:"))
    return NULL;
  parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  server = parsed ? g_uri_get_host (parsed) : NULL;
  return g_strdup (server ? server : "");
}

/* NULL: the host's sshd is this machine's; else why not. */
static char *
elsewhere (VsaContext *ctx, const VsaManifestHost *host, const VsaApplySshdPart *part)
{
  g_autofree char *server = vsa_apply_host_server (ctx, host);

  if (server == NULL)
    return g_strdup_printf ("libvirt's test driver runs no sshd ('%s' shows its files)",
                            part->render);
  if (*server != '\0')
    return g_strdup_printf ("its sshd is not this machine's; run 'virt-spice-admin %s' there",
                            part->install);
  return NULL;
}

/* The hosts on this machine (one sshd) are rendered together; a host
 * elsewhere whose consoles want the part gets a checked row. */
static char *
local_hosts (VsaContext *ctx, const VsaManifest *manifest, GPtrArray *consoles,
             const VsaApplySshdPart *part, VsaApplyReport *report, GPtrArray *ret_docs,
             gboolean *ret_wanted)
{
  g_autoptr (GString) local = g_string_new (NULL);

  *ret_wanted = FALSE;
  for (guint i = 0; i < manifest->hosts->len; i++)
    {
      VsaManifestHost *host = g_ptr_array_index (manifest->hosts, i);
      GPtrArray *host_consoles = g_ptr_array_index (consoles, i);
      g_autofree char *why = elsewhere (ctx, host, part);

      if (why != NULL)
        {
          if (part->wanted (host_consoles))
            vsa_apply_report_row (part->rows, report, host->name, NULL, VSA_APPLY_CHECKED,
                                  g_steal_pointer (&why), NULL);
          continue;
        }
      if (host_consoles == NULL)
        {
          /* What it wants is unknown: a render without it would take
           * its users' keys away. */
          vsa_apply_report_row (part->rows, report, host->name, NULL, VSA_APPLY_FAILED,
                                g_strdup_printf ("the host could not be read; %s of this machine "
                                                 "were left as they are", part->what), NULL);
          return NULL;
        }
      g_string_append_printf (local, "%s%s", local->len ? "," : "", host->name);
      *ret_wanted |= part->wanted (host_consoles);
      for (guint j = 0; j < host_consoles->len; j++)
        g_ptr_array_add (ret_docs, ((VsaApplyConsole *) g_ptr_array_index (host_consoles, j))->doc);
    }
  return local->len ? g_string_free (g_steal_pointer (&local), FALSE) : NULL;
}

void
vsa_apply_sshd_part (VsaContext *ctx, const VsaManifest *manifest, GPtrArray *consoles,
                     const VsaApplySshdPart *part, VsaApplyReport *report)
{
  g_autoptr (GPtrArray) docs = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *drop_in = NULL;
  g_autofree char *local = NULL;
  gboolean wanted;
  char *detail = NULL;
  VsaApplyOutcome outcome;

  local = local_hosts (ctx, manifest, consoles, part, report, docs, &wanted);
  drop_in = g_build_filename (ctx->config->sshd_drop_in_dir, part->drop_in_name, NULL);
  if (local == NULL || (!wanted && !g_file_test (drop_in, G_FILE_TEST_EXISTS)))
    return;
  outcome = part->converge (ctx, docs, &detail, &error);
  vsa_apply_report_row (part->rows, report, local, NULL, outcome,
                        outcome == VSA_APPLY_FAILED ? g_strdup (error->message) : detail, NULL);
}
