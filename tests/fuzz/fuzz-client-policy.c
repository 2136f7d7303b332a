/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The exported client policy (vsa_client_policy_from_xml), which a
 * client host reads from a file it was handed.  Input: the document. */
#include "vsa-fuzz.h"
#include "vsa-client-policy.h"

#include <string.h>

/* Refused, or written out and read back to the same text. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaClientPolicy) policy = vsa_client_policy_from_xml ((const char *) data, size,
                                                                   "fuzz", &error);
  g_autoptr (VsaClientPolicy) again = NULL;
  g_autofree char *written = NULL;
  g_autofree char *rewritten = NULL;

  if (policy == NULL)
    {
      vsa_fuzz_check_error (error);
      return 0;
    }
  VSA_FUZZ_ASSERT (vsa_client_policy_validate (policy, &error),
                   "a parsed client policy fails validation", error ? error->message : NULL);
  written = vsa_client_policy_to_xml (policy);
  again = vsa_client_policy_from_xml (written, strlen (written), "round trip", &error);
  VSA_FUZZ_ASSERT (again != NULL, "a written client policy is refused when read back",
                   error ? error->message : written);
  rewritten = vsa_client_policy_to_xml (again);
  VSA_FUZZ_ASSERT (g_str_equal (written, rewritten), "client policy changed in a round trip",
                   written);
  return 0;
}
