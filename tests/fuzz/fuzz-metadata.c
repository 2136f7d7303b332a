/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The metadata parser: domain XML in, the console policy out
 * (vsa_policy_from_domain).  Input: one domain XML document. */
#include "vsa-fuzz.h"
#include "vsa-fuzz-policy.h"
#include "vsa-xml.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (xmlDoc) doc = vsa_xml_parse ((const char *) data, size, "fuzz", &error);
  g_autoptr (VsaPolicy) policy = NULL;

  if (doc == NULL)
    {
      vsa_fuzz_check_error (error);
      return 0;
    }
  if (!vsa_policy_from_domain (doc, &policy, &error))
    {
      vsa_fuzz_check_error (error);
      return 0;
    }
  VSA_FUZZ_ASSERT (vsa_policy_is_managed (doc) == (policy != NULL),
                   "managed and parsed disagree", NULL);
  if (policy != NULL)
    vsa_fuzz_check_policy (policy);
  return 0;
}
