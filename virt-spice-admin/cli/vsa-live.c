/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A policy change reaches a running VM at once: its live metadata (which
 * the hook reads at release to remove exactly what it installed) and its
 * firewall elements.  A shut-off VM needs nothing: the hook applies the
 * policy at its next start. */
#include "vsa-live.h"
#include "vsa-error.h"
#include "vsa-firewall.h"
#include "vsa-libvirt.h"
#include "vsa-spice.h"
#include "vsa-xml.h"

static int
live_tls_port (virDomain *dom, GError **error)
{
  g_autoptr (xmlDoc) doc = vsa_libvirt_get_doc (dom, 0, error);
  g_auto (VsaSpiceInfo) info = { 0 };

  if (doc == NULL || !vsa_spice_describe (doc, &info, error))
    return -1;
  return info.tls_port;
}

gboolean
vsa_live_apply_policy (VsaContext *ctx, virDomain *dom, const VsaPolicy *policy, GError **error)
{
  g_autofree char *element = NULL;
  int port;

  if (virDomainIsActive (dom) != 1)
    return TRUE;
  element = vsa_policy_serialize (policy);
  if (virDomainSetMetadata (dom, VIR_DOMAIN_METADATA_ELEMENT, element, VSA_METADATA_PREFIX,
                            VSA_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE) < 0)
    return vsa_libvirt_set_error (error, "the configuration changed, but the running VM's "
                                  "metadata could not be updated");
  port = live_tls_port (dom, error);
  if (port < 0)
    return FALSE;
  if (!ctx->config->firewall || port == 0)
    return TRUE;
  if (!vsa_firewall_update_vm (ctx->config, virDomainGetName (dom), policy, port, error))
    {
      g_prefix_error (error, "the configuration changed, but the firewall of the running VM "
                             "did not (run 'virt-spice-admin firewall sync'): ");
      return FALSE;
    }
  return TRUE;
}
