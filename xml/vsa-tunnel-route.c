/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-tunnel-route.h"
#include "vsa-address.h"
#include "vsa-error.h"
#include "vsa-names.h"
#include "vsa-policy.h"
#include "vsa-spice.h"
#include "vsa-xml.h"

#include <arpa/inet.h>
#include <string.h>

void
vsa_tunnel_route_free (VsaTunnelRoute *route)
{
  if (route == NULL)
    return;
  g_free (route->vm);
  g_free (route->user);
  g_free (route->from);
  vsa_ssh_key_free (route->key);
  g_free (route->destination);
  g_free (route);
}

/* Where sshd (on the VM's host) reaches the console: the listen address
 * itself when it is loopback; a wildcard is reachable on loopback too.
 * Anything but loopback means the console does not need the tunnel, which
 * is worth a note: the tunnel policy only confines what goes through SSH. */
static char *
reachable_host (const char *vm, const char *listen, GPtrArray *notes, GError **error)
{
  guint8 bytes[16] = { 0 };
  static const guint8 any[16] = { 0 };
  static const guint8 v6_loopback[16] = { [15] = 1 };
  int family;
  gboolean v6;

  if (!vsa_inet_parse (listen, &family, bytes))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s' has a tunnel but no SPICE listen address literal; run "
                   "'virt-spice-admin secure %s --listen 127.0.0.1'", vm, vm);
      return NULL;
    }
  v6 = family == AF_INET6;
  if (v6 ? memcmp (bytes, v6_loopback, 16) == 0 : bytes[0] == 127)
    return g_strdup (listen);
  if (memcmp (bytes, any, v6 ? 16 : 4) == 0)
    {
      g_ptr_array_add (notes, g_strdup_printf (
        "VM '%s' listens on every address (%s): its console is reachable without the tunnel; "
        "run 'virt-spice-admin secure %s --listen %s'", vm, listen, vm, v6 ? "::1" : "127.0.0.1"));
      return g_strdup (v6 ? "::1" : "127.0.0.1");
    }
  g_ptr_array_add (notes, g_strdup_printf (
    "VM '%s' listens on %s, not on loopback: its console is reachable without the tunnel; "
    "run 'virt-spice-admin secure %s --listen 127.0.0.1'", vm, listen, vm));
  return g_strdup (listen);
}

/* "HOST:PORT" as permitopen and PermitOpen write it (IPv6 in brackets). */
static char *
tunnel_destination (const char *vm, const VsaSpiceInfo *spice, GPtrArray *notes, GError **error)
{
  g_autofree char *host = NULL;

  /* The domain XML is read as libvirt wrote it, without a range check:
   * a port past 65535 would reach PermitOpen and make sshd reject the
   * whole drop-in at install (found by fuzz-sshd). */
  if (spice->tls_port <= 0 || spice->tls_port > 65535)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s' has a tunnel but no fixed SPICE TLS port (1-65535); run "
                   "'virt-spice-admin secure %s'", vm, vm);
      return NULL;
    }
  host = reachable_host (vm, spice->listen, notes, error);
  if (host == NULL)
    return NULL;
  return strchr (host, ':') ? g_strdup_printf ("[%s]:%d", host, spice->tls_port)
                            : g_strdup_printf ("%s:%d", host, spice->tls_port);
}

/* Appends one route per tunnel of the domain's policy (none for an
 * unmanaged domain) and a note for each VM whose console is not on
 * loopback only. */
gboolean
vsa_tunnel_routes_from_domain (xmlDoc *doc, GPtrArray *routes, GPtrArray *notes, GError **error)
{
  g_autofree char *vm = vsa_domain_name (doc);
  g_autoptr (VsaPolicy) policy = NULL;
  g_auto (VsaSpiceInfo) spice = { 0 };
  g_autofree char *destination = NULL;

  if (!vsa_policy_from_domain (doc, &policy, error))
    {
      g_prefix_error (error, "VM '%s': ", vm);
      return FALSE;
    }
  if (policy == NULL || policy->tunnels->len == 0)
    return TRUE;
  /* The name goes into the drop-in's comments and the notes: a line
   * break there would write sshd configuration of its own. */
  if (!vsa_validate_vm_name (vm, error))
    return FALSE;
  if (!vsa_spice_describe (doc, &spice, error) ||
      (destination = tunnel_destination (vm, &spice, notes, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < policy->tunnels->len; i++)
    {
      const VsaTunnel *tunnel = g_ptr_array_index (policy->tunnels, i);
      VsaTunnelRoute *route = g_new0 (VsaTunnelRoute, 1);

      route->vm = g_strdup (vm);
      route->user = g_strdup (tunnel->user);
      route->from = vsa_inet_network_unmapped (tunnel->from);
      route->key = vsa_ssh_key_new (tunnel->key->type, tunnel->key->blob, tunnel->key->comment);
      route->destination = g_strdup (destination);
      g_ptr_array_add (routes, route);
    }
  return TRUE;
}
