/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-audit.h"
#include "vsa-nft.h"
#include "vsa-policy.h"
#include "vsa-qemu.h"
#include "vsa-spice.h"
#include "vsa-xml.h"

#include <string.h>

void
vsa_finding_free (VsaFinding *finding)
{
  g_free (finding->object);
  g_free (finding->message);
  g_free (finding->fix);
  g_free (finding);
}

const char *
vsa_severity_to_string (VsaSeverity severity)
{
  static const char *const names[] = { "low", "medium", "high" };

  return names[severity];
}

void
vsa_findings_add (GPtrArray *findings, const char *id, VsaSeverity severity, const char *object,
                  const char *fix, const char *format, ...)
{
  VsaFinding *finding = g_new0 (VsaFinding, 1);
  va_list args;

  finding->id = id;
  finding->severity = severity;
  finding->object = g_strdup (object);
  finding->fix = g_strdup (fix);
  va_start (args, format);
  finding->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (findings, finding);
}

static gboolean
is_wildcard (const char *address)
{
  return g_strcmp0 (address, "0.0.0.0") == 0 || g_strcmp0 (address, "::") == 0;
}

/* The console itself: the same rules the hook enforces at start, plus
 * what only matters over time (expiry) or to an auditor (wildcards). */
static void
audit_console (const char *name, const char *object, const char *fix, const VsaSpiceInfo *spice,
               const VsaAuditSettings *settings, GPtrArray *findings)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) until = NULL;
  g_autofree char *renew = g_strdup_printf ("virt-spice-admin password %s --live", name);

  if (spice->port == VSA_PORT_INVALID)
    vsa_findings_add (findings, "VSA-C01", VSA_SEVERITY_HIGH, object, fix,
                      "a plain (unencrypted) SPICE port attribute is set (not a valid port)");
  else if (spice->port != 0)
    vsa_findings_add (findings, "VSA-C01", VSA_SEVERITY_HIGH, object, fix,
                      "a plain (unencrypted) SPICE port is configured (port %d)", spice->port);
  if (g_strcmp0 (spice->default_mode, "secure") != 0 || spice->has_insecure_channel)
    vsa_findings_add (findings, "VSA-C02", VSA_SEVERITY_HIGH, object, fix,
                      "SPICE channels may run unencrypted (defaultMode '%s'%s)",
                      spice->default_mode ? spice->default_mode : "any",
                      spice->has_insecure_channel ? ", a channel forced insecure" : "");
  if (spice->autoport)
    vsa_findings_add (findings, "VSA-C03", VSA_SEVERITY_MEDIUM, object, fix,
                      "autoport='yes': libvirt picks the ports at each start");
  if (spice->listen == NULL)
    vsa_findings_add (findings, "VSA-C04", VSA_SEVERITY_MEDIUM, object, fix,
                      "no explicit listen address");
  else if (is_wildcard (spice->listen) && !is_wildcard (settings->configured_listen))
    vsa_findings_add (findings, "VSA-C04", VSA_SEVERITY_MEDIUM, object, fix,
                      "listens on all addresses (%s) although %s is configured",
                      spice->listen, settings->configured_listen);
  if (spice->password_valid_to)
    until = g_date_time_new_from_iso8601 (spice->password_valid_to, utc);
  if (until && g_date_time_compare (until, settings->now) <= 0)
    vsa_findings_add (findings, "VSA-C06", VSA_SEVERITY_HIGH, object, renew,
                      "the SPICE password expired at %s UTC", spice->password_valid_to);
  else if (until && g_date_time_difference (until, settings->now) / G_TIME_SPAN_SECOND <
                        settings->expiry_warning_seconds)
    vsa_findings_add (findings, "VSA-C07", VSA_SEVERITY_LOW, object, renew,
                      "the SPICE password expires soon (%s UTC)", spice->password_valid_to);
}

static gboolean
has_mapper_disk (xmlDoc *doc, const char *mapping)
{
  g_autofree char *want = g_strconcat ("/dev/mapper/", mapping, NULL);
  xmlNode *devices = vsa_xml_child (xmlDocGetRootElement (doc), "devices");

  for (xmlNode *n = devices ? devices->children : NULL; n; n = n->next)
    if (vsa_xml_is_element (n, "disk") &&
        vsa_xml_attr_equals (vsa_xml_child (n, "source"), "dev", want))
      return TRUE;
  return FALSE;
}

/* Client entries the hook would refuse at the next start (a host name
 * typed into the metadata by hand): the same check as the hook's. */
static void
audit_clients (const char *name, const char *object, const VsaPolicy *policy,
               GPtrArray *findings)
{
  g_autoptr (GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *fix = g_strdup_printf ("virt-spice-admin unassign %s USER, then assign %s USER "
                                          "--client ADDRESS", name, name);

  vsa_nft_find_refused_clients (policy, refused);
  for (guint i = 0; i < refused->len; i++)
    vsa_findings_add (findings, "VSA-C11", VSA_SEVERITY_HIGH, object, fix,
                      "the hook will refuse to start it: %s", (char *) g_ptr_array_index (refused, i));
}

/* Client networks wider than the configured bounds: assign and apply
 * refuse them unless told to, and one put there anyway admits hosts
 * nobody named (0.0.0.0/0: every IPv4 host). */
static void
audit_wide_networks (const char *name, const char *object, const VsaPolicy *policy,
                     const VsaNetworkBounds *bounds, GPtrArray *findings)
{
  for (guint i = 0; i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);

      for (guint j = 0; j < access->clients->len; j++)
        {
          const char *client = g_ptr_array_index (access->clients, j);
          g_autofree char *fix = NULL;
          guint min_prefix;
          const char *key;

          if (!vsa_client_network_is_wide (client, bounds, &min_prefix, &key))
            continue;
          fix = g_strdup_printf ("virt-spice-admin unassign %s %s, then assign %s %s --client "
                                 "NETWORK no wider than /%u", name, access->user, name,
                                 access->user, min_prefix);
          vsa_findings_add (findings, "VSA-C12", VSA_SEVERITY_MEDIUM, object, fix,
                            "user %s may connect from %s, wider than /%u (%s)", access->user,
                            client, min_prefix, key);
        }
    }
}

/* The credential the policy relies on, and metadata that no longer
 * matches the rest of the XML (a `virsh edit` behind our back). */
static void
audit_policy (const char *name, const char *object, const char *fix, xmlDoc *doc,
              const VsaPolicy *policy, const VsaSpiceInfo *spice,
              const VsaAuditSettings *settings, GPtrArray *findings)
{
  g_autofree char *sasl_env = vsa_qemu_env_get (doc, "SASL_CONF_PATH");

  if (policy->auth == VSA_AUTH_PASSWORD && (spice->password == NULL || *spice->password == '\0'))
    vsa_findings_add (findings, "VSA-C05", VSA_SEVERITY_HIGH, object, fix,
                      "password mode but no SPICE password is set");
  if (policy->auth == VSA_AUTH_SASL && sasl_env == NULL)
    vsa_findings_add (findings, "VSA-C05", VSA_SEVERITY_HIGH, object, fix,
                      "sasl mode but no per-VM SASL configuration (SASL_CONF_PATH)");
  if (settings->libvirt_sasl && sasl_env == NULL)
    vsa_findings_add (findings, "VSA-C08", VSA_SEVERITY_HIGH, object, fix,
                      "libvirt's SPICE SASL is on but this VM has no SASL configuration of its "
                      "own: every user in the global database can open it");
  if (policy->sasl_dir && g_strcmp0 (policy->sasl_dir, sasl_env) != 0)
    vsa_findings_add (findings, "VSA-C09", VSA_SEVERITY_MEDIUM, object, fix,
                      "metadata names SASL dir %s but qemu gets SASL_CONF_PATH=%s",
                      policy->sasl_dir, sasl_env ? sasl_env : "(none)");
  for (guint i = 0; i < policy->volumes->len; i++)
    {
      VsaVolume *volume = g_ptr_array_index (policy->volumes, i);

      if (!has_mapper_disk (doc, volume->name))
        vsa_findings_add (findings, "VSA-C09", VSA_SEVERITY_MEDIUM, object,
                          "re-attach it (virt-spice-admin volume attach) or detach it from the policy",
                          "volume %s (%s) is in the policy but /dev/mapper/%s is not attached",
                          volume->name, volume->lv, volume->name);
    }
  if (settings->firewall)
    audit_clients (name, object, policy, findings);
  if (settings->client_networks)
    audit_wide_networks (name, object, policy, settings->client_networks, findings);
}

void
vsa_audit_domain (const char *name, xmlDoc *doc, const VsaAuditSettings *settings,
                  GPtrArray *findings)
{
  g_autofree char *object = g_strdup_printf ("VM %s", name);
  g_autofree char *fix = g_strdup_printf ("virt-spice-admin secure %s", name);
  g_autoptr (VsaPolicy) policy = NULL;
  g_auto (VsaSpiceInfo) spice = { 0 };
  g_autoptr (GError) error = NULL;

  if (!vsa_policy_from_domain (doc, &policy, &error))
    {
      if (vsa_audit_stored_windows (name, doc, settings->now, error->message, findings))
        return;
      vsa_findings_add (findings, "VSA-C00", VSA_SEVERITY_HIGH, object,
                        "fix the metadata with virt-spice-admin, or virsh edit", "%s", error->message);
      return;
    }
  if (!vsa_spice_describe (doc, &spice, NULL) || !spice.has_spice)
    return;
  if (policy == NULL)
    {
      g_autoptr (GPtrArray) unmanaged = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_finding_free);

      audit_console (name, object, fix, &spice, settings, unmanaged);
      if (unmanaged->len > 0)
        vsa_findings_add (findings, "VSA-C10", VSA_SEVERITY_MEDIUM, object, fix,
                          "SPICE console not managed by virt-spice-admin and not secure (%s)",
                          ((VsaFinding *) g_ptr_array_index (unmanaged, 0))->message);
      return;
    }
  audit_console (name, object, fix, &spice, settings, findings);
  audit_policy (name, object, fix, doc, policy, &spice, settings, findings);
}
