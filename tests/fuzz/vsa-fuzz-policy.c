/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The metadata invariant shared by the metadata and hook-plan targets:
 * a policy that parsed writes back into a domain and parses again to
 * the same policy. */
#include "vsa-fuzz-policy.h"
#include "vsa-fuzz.h"
#include "vsa-xml.h"

#include <string.h>

static VsaPolicy *
reparse (const char *xml)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (xmlDoc) doc = vsa_xml_parse (xml, strlen (xml), "round trip", &error);
  VsaPolicy *policy = NULL;

  VSA_FUZZ_ASSERT (doc != NULL, "a written policy does not parse as XML", xml);
  if (!vsa_policy_from_domain (doc, &policy, &error))
    vsa_fuzz_fail ("a written policy is refused when read back", error->message);
  VSA_FUZZ_ASSERT (policy != NULL, "a written policy reads back as unmanaged", xml);
  return policy;
}

void
vsa_fuzz_check_policy (const VsaPolicy *policy)
{
  g_autoptr (xmlDoc) doc = xmlNewDoc (BAD_CAST "1.0");
  g_autofree char *xml = NULL;
  g_autofree char *before = vsa_policy_serialize (policy);
  g_autofree char *after = NULL;
  g_autoptr (VsaPolicy) again = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < policy->volumes->len; i++)
    VSA_FUZZ_ASSERT (vsa_validate_volume (g_ptr_array_index (policy->volumes, i), &error),
                     "a parsed volume fails its own validator", before);
  xmlDocSetRootElement (doc, xmlNewNode (NULL, BAD_CAST "domain"));
  vsa_policy_to_domain (doc, policy);
  xml = vsa_xml_serialize (doc);
  again = reparse (xml);
  after = vsa_policy_serialize (again);
  VSA_FUZZ_ASSERT (g_str_equal (before, after), "policy changed in a write/read round trip", xml);
}
