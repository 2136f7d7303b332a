/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-hook-plan.h"
#include "vsa-error.h"
#include "vsa-spice.h"
#include "vsa-xml.h"

#include <string.h>

/* libvirt's qemu hook calls (docs/hooks.rst).  A failing prepare, start
 * or started stops the guest; stopped/release cannot abort anything; a
 * failing reconnect makes libvirtd kill the running qemu. */
static const struct {
  const char *operation;
  const char *sub_operation;
  VsaHookPhase phase;
  gboolean may_refuse;
} hook_table[] = {
  { "prepare", "begin", VSA_HOOK_PREPARE, TRUE },
  { "release", "end", VSA_HOOK_RELEASE, FALSE },
  { "reconnect", "begin", VSA_HOOK_RECONNECT, FALSE },
  { "migrate", "begin", VSA_HOOK_FILTER, FALSE },
  { "restore", "begin", VSA_HOOK_FILTER, FALSE },
};

VsaHookPhase
vsa_hook_phase_for (const char *operation, const char *sub_operation, gboolean *ret_may_refuse)
{
  for (gsize i = 0; i < G_N_ELEMENTS (hook_table); i++)
    if (g_strcmp0 (operation, hook_table[i].operation) == 0 &&
        g_strcmp0 (sub_operation, hook_table[i].sub_operation) == 0)
      {
        *ret_may_refuse = hook_table[i].may_refuse;
        return hook_table[i].phase;
      }
  *ret_may_refuse = FALSE;
  return VSA_HOOK_IGNORE;
}

void
vsa_hook_plan_free (VsaHookPlan *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->domain);
  vsa_policy_free (plan->policy);
  g_ptr_array_unref (plan->volumes);
  g_ptr_array_unref (plan->refusals);
  g_free (plan);
}

/* Returns NULL + error only when the input cannot be judged (malformed or
 * hostile XML); the caller decides what that means for the phase. */
/* persistent_xml: the domain's saved definition (may be NULL); libvirt
 * leaves the password out of the XML it gives hooks. */
VsaHookPlan *
vsa_hook_plan_build (const char *domain, const char *operation, const char *sub_operation,
                     const char *xml, gsize len, const char *persistent_xml, GError **error)
{
  g_autoptr (VsaHookPlan) plan = g_new0 (VsaHookPlan, 1);
  g_autoptr (xmlDoc) doc = NULL;

  plan->domain = g_strdup (domain ? domain : "");
  plan->refusals = g_ptr_array_new_with_free_func (g_free);
  plan->volumes = g_ptr_array_new ();
  plan->phase = vsa_hook_phase_for (operation, sub_operation, &plan->may_refuse);
  /* Filters must echo nothing; ignored operations need no XML at all. */
  if (plan->phase == VSA_HOOK_IGNORE || plan->phase == VSA_HOOK_FILTER)
    return g_steal_pointer (&plan);
  /* Fast path for the many domains we do not manage: no parse at all.
   * Input without our namespace cannot carry our policy. */
  if (len == 0 || xml == NULL ||
      (len <= VSA_XML_MAX_SIZE && g_strstr_len (xml, (gssize) len, VSA_METADATA_NS) == NULL))
    return g_steal_pointer (&plan);

  doc = vsa_xml_parse (xml, len, "domain XML on stdin", error);
  if (doc == NULL || !vsa_policy_from_domain (doc, &plan->policy, error))
    return NULL;
  plan->managed = plan->policy != NULL;
  if (plan->managed)
    {
      g_ptr_array_unref (plan->volumes);
      plan->volumes = g_ptr_array_ref (plan->policy->volumes);
    }
  if (plan->managed && plan->phase == VSA_HOOK_PREPARE)
    {
      g_autoptr (xmlDoc) secrets = persistent_xml
        ? vsa_xml_parse (persistent_xml, strlen (persistent_xml), "persistent domain XML", NULL)
        : NULL;
      g_autoptr (GPtrArray) problems = vsa_spice_find_insecurities (doc, plan->policy->auth, secrets);

      for (guint i = 0; i < problems->len; i++)
        g_ptr_array_add (plan->refusals, g_strdup (g_ptr_array_index (problems, i)));
    }
  return g_steal_pointer (&plan);
}

/* One line, as libvirt shows it to the `virsh start` user. */
char *
vsa_hook_refusal_line (const VsaHookPlan *plan)
{
  g_autoptr (GString) s = g_string_new (NULL);

  g_string_append_printf (s, "virt-spice-admin: refusing to start VM '%s': ", plan->domain);
  for (guint i = 0; i < plan->refusals->len; i++)
    g_string_append_printf (s, "%s%s", i ? "; " : "", (char *) g_ptr_array_index (plan->refusals, i));
  g_string_append_printf (s, "; run 'virt-spice-admin secure %s' to restore its console policy",
                          plan->domain);
  return g_string_free (g_steal_pointer (&s), FALSE);
}
