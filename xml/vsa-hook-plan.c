/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* memmem */
#include "vsa-hook-plan.h"
#include "vsa-error.h"
#include "vsa-spice.h"
#include "vsa-xml.h"

#include <string.h>

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

/* The firewall elements are keyed by the port qemu will listen on; the
 * XML libvirt hands the hook at prepare already has it (autoport is
 * refused for managed domains).  0 when there is none: at prepare the
 * policy check refuses such a domain anyway. */
static int
read_tls_port (xmlDoc *doc)
{
  g_auto (VsaSpiceInfo) info = { 0 };

  if (!vsa_spice_describe (doc, &info, NULL) || !info.has_spice)
    return 0;
  /* Not a port: none to guard (prepare refuses the start for it). */
  return info.tls_port == VSA_PORT_INVALID ? 0 : info.tls_port;
}

/* Whether INPUT may carry our policy: it names our namespace somewhere.
 * Every byte counts, NULs included (g_strstr_len would stop at the
 * first one): the gate (hook-gate.c) searches the same way, and stdin
 * with a NUL before the metadata must reach the parser, which refuses
 * it, instead of passing as an unmanaged domain. */
gboolean
vsa_hook_input_may_be_managed (const char *input, gsize len)
{
  return input != NULL && memmem (input, len, VSA_METADATA_NS, strlen (VSA_METADATA_NS)) != NULL;
}

static char *
domain_name (xmlDoc *doc)
{
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlNode *name = root ? vsa_xml_child (root, "name") : NULL;
  xmlChar *text = name ? xmlNodeGetContent (name) : NULL;
  char *copy = g_strdup (text ? (const char *) text : "");

  xmlFree (text);
  return copy;
}

/* libvirt names the domain in argv and describes it on stdin; the two must
 * agree, or the hook would act for one VM on another's policy (reconnect
 * adding the other VM's elements, prepare refusing for the wrong reason).
 * At prepare the saved definition, read by argv's name, must be the same
 * domain too (same UUID). */
static gboolean
check_identity (const char *domain, xmlDoc *doc, xmlDoc *saved, GError **error)
{
  g_autofree char *name = domain_name (doc);
  g_autofree char *uuid = vsa_domain_uuid (doc);
  g_autofree char *saved_uuid = saved ? vsa_domain_uuid (saved) : NULL;

  if (g_strcmp0 (name, domain) != 0)
    {
      /* Escaped: either may hold a newline, and the refusal is one line. */
      g_autofree char *shown_name = g_strescape (name, NULL);
      g_autofree char *shown_domain = g_strescape (domain, NULL);

      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the domain XML on stdin is VM '%s', not '%s' as libvirt's argument says; "
                   "acting on neither", shown_name, shown_domain);
      return FALSE;
    }
  if (saved_uuid && uuid && g_ascii_strcasecmp (saved_uuid, uuid) != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the domain XML on stdin has UUID %s, the saved definition of '%s' UUID %s; "
                   "acting on neither", uuid, domain, saved_uuid);
      return FALSE;
    }
  return TRUE;
}

/* Step one, from argv and the bytes alone: the phase (computed here and
 * nowhere else in the worker) and whether the input is worth parsing.
 * Input without our namespace cannot carry our policy: the many
 * unmanaged domains cost no parse.  Input over the parser's limit is
 * judged anyway (and refused): what was cut off may hold the namespace. */
VsaHookPlan *
vsa_hook_plan_new (const char *domain, const char *operation, const char *sub_operation,
                   const char *xml, gsize len)
{
  VsaHookPlan *plan = g_new0 (VsaHookPlan, 1);
  gboolean acts;

  plan->domain = g_strdup (domain ? domain : "");
  plan->refusals = g_ptr_array_new_with_free_func (g_free);
  plan->volumes = g_ptr_array_new ();
  plan->phase = vsa_hook_phase_for (operation, sub_operation, &plan->may_refuse);
  /* Filters must echo nothing; ignored operations need no XML at all. */
  acts = plan->phase != VSA_HOOK_IGNORE && plan->phase != VSA_HOOK_FILTER;
  plan->to_judge = acts && xml != NULL && len > 0 &&
                   (len > VSA_XML_MAX_SIZE || vsa_hook_input_may_be_managed (xml, len));
  return plan;
}

/* Step two: parse and decide.  FALSE + error only when the input cannot
 * be judged (malformed or hostile XML); the caller decides what that
 * means for the phase.  persistent_xml: the domain's saved definition
 * (may be NULL); libvirt leaves the password out of the XML it gives
 * hooks. */
gboolean
vsa_hook_plan_judge (VsaHookPlan *plan, const char *xml, gsize len, const char *persistent_xml,
                     GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (xmlDoc) secrets = NULL;

  if (!plan->to_judge)
    return TRUE;
  doc = vsa_xml_parse (xml, len, "domain XML on stdin", error);
  if (doc == NULL || !vsa_policy_from_domain (doc, &plan->policy, error))
    return FALSE;
  plan->managed = plan->policy != NULL;
  if (!plan->managed)
    return TRUE;
  if (plan->phase == VSA_HOOK_PREPARE && persistent_xml)
    secrets = vsa_xml_parse (persistent_xml, strlen (persistent_xml), "persistent domain XML", NULL);
  if (!check_identity (plan->domain, doc, secrets, error))
    return FALSE;
  plan->tls_port = read_tls_port (doc);
  g_ptr_array_unref (plan->volumes);
  plan->volumes = g_ptr_array_ref (plan->policy->volumes);
  if (plan->phase == VSA_HOOK_PREPARE)
    {
      g_autoptr (GPtrArray) problems = vsa_spice_find_insecurities (doc, plan->policy->auth, secrets);

      for (guint i = 0; i < problems->len; i++)
        g_ptr_array_add (plan->refusals, g_strdup (g_ptr_array_index (problems, i)));
    }
  return TRUE;
}

/* Both steps, for callers that have everything at once (tests, fuzzing). */
VsaHookPlan *
vsa_hook_plan_build (const char *domain, const char *operation, const char *sub_operation,
                     const char *xml, gsize len, const char *persistent_xml, GError **error)
{
  g_autoptr (VsaHookPlan) plan = vsa_hook_plan_new (domain, operation, sub_operation, xml, len);

  if (!vsa_hook_plan_judge (plan, xml, len, persistent_xml, error))
    return NULL;
  return g_steal_pointer (&plan);
}

/* Why the plan refuses the start, and what to do about it. */
char *
vsa_hook_refusal_reason (const VsaHookPlan *plan)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < plan->refusals->len; i++)
    g_string_append_printf (s, "%s%s", i ? "; " : "", (char *) g_ptr_array_index (plan->refusals, i));
  g_string_append_printf (s, "; run 'virt-spice-admin secure %s' to restore its console policy",
                          plan->domain);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* One line, as libvirt shows it to the `virsh start` user. */
char *
vsa_hook_refusal_line (const VsaHookPlan *plan)
{
  g_autofree char *reason = vsa_hook_refusal_reason (plan);

  return vsa_hook_refusal_line_for (plan->domain, reason);
}

/* The same one line for a refusal that comes from acting (the firewall)
 * rather than from the plan; REASON already says what to do. */
char *
vsa_hook_refusal_line_for (const char *domain, const char *reason)
{
  return g_strdup_printf ("virt-spice-admin: refusing to start VM '%s': %s", domain, reason);
}
