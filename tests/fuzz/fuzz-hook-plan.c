/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hook's decisions (vsa_hook_plan_build): argv and stdin in, a plan
 * out, no side effects.  Input: "OPERATION\0SUB-OPERATION\0STDIN", STDIN
 * being every byte after the second NUL (NULs included, as a hostile
 * stdin may hold them).  At prepare the stdin also serves as the
 * persistent XML, which the plan reads passwords from. */
#define _GNU_SOURCE /* memmem */
#include "vsa-fuzz.h"
#include "vsa-fuzz-policy.h"
#include "vsa-hook-plan.h"
#include "vsa-namespace.h"
#include "vsa-xml.h"

#include <string.h>

/* The next NUL-terminated part of the input, or "" past its end. */
static char *
take_part (const uint8_t **data, size_t *size)
{
  const uint8_t *nul = memchr (*data, '\0', *size);
  size_t len = nul ? (size_t) (nul - *data) : *size;
  char *part = g_strndup ((const char *) *data, len);

  *data += nul ? len + 1 : len;
  *size -= nul ? len + 1 : len;
  return part;
}

/* The gate (hook-gate.c) passes input naming our namespace on; if the
 * plan calls it unmanaged, the whole input must parse and hold no policy
 * (the namespace may appear elsewhere, in a description, say): nothing
 * the plan skipped may hide one. */
static void
check_really_unmanaged (const uint8_t *xml, size_t len)
{
  g_autoptr (xmlDoc) doc = vsa_xml_parse ((const char *) xml, len, "fuzz", NULL);

  VSA_FUZZ_ASSERT (doc != NULL, "unparsable stdin naming the namespace passed as unmanaged", NULL);
  VSA_FUZZ_ASSERT (!vsa_policy_is_managed (doc), "a managed domain passed as unmanaged", NULL);
}

static void
check_plan (const VsaHookPlan *plan, const uint8_t *xml, size_t len)
{
  gboolean mentions_ns = memmem (xml, len, VSA_METADATA_NS, strlen (VSA_METADATA_NS)) != NULL;

  VSA_FUZZ_ASSERT (plan->managed == (plan->policy != NULL), "managed without a policy", NULL);
  VSA_FUZZ_ASSERT (!plan->managed || mentions_ns, "managed without the namespace", NULL);
  if (!plan->managed && mentions_ns && plan->phase != VSA_HOOK_IGNORE &&
      plan->phase != VSA_HOOK_FILTER && len <= VSA_XML_MAX_SIZE)
    check_really_unmanaged (xml, len);
  VSA_FUZZ_ASSERT (plan->refusals->len == 0 || (plan->managed && plan->phase == VSA_HOOK_PREPARE),
                   "refusals outside a managed prepare", NULL);
  VSA_FUZZ_ASSERT (plan->managed || plan->volumes->len == 0, "volumes of an unmanaged VM", NULL);
  VSA_FUZZ_ASSERT (plan->tls_port >= -1 && plan->tls_port <= 65535 &&
                   (plan->tls_port != 0 || plan->refusals->len > 0 || plan->phase != VSA_HOOK_PREPARE ||
                    !plan->managed),
                   "a prepare without a usable TLS port and without a refusal", NULL);
  if (plan->refusals->len > 0)
    {
      g_autofree char *line = vsa_hook_refusal_line (plan);

      vsa_fuzz_check_one_line ("the hook's refusal is not one line", line);
    }
  if (plan->policy)
    vsa_fuzz_check_policy (plan->policy);
}

static void
run_plan (const char *operation, const char *sub_operation, const uint8_t *xml, size_t len,
          const char *persistent)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaHookPlan) plan = vsa_hook_plan_build ("fuzz", operation, sub_operation,
                                                      (const char *) xml, len, persistent, &error);

  if (plan == NULL)
    {
      vsa_fuzz_check_error (error);
      vsa_fuzz_check_one_line ("the hook's error is not one line", error->message);
      return;
    }
  check_plan (plan, xml, len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *operation = take_part (&data, &size);
  g_autofree char *sub_operation = take_part (&data, &size);
  g_autofree char *persistent = g_strndup ((const char *) data, size);

  run_plan (operation, sub_operation, data, size, NULL);
  run_plan (operation, sub_operation, data, size, persistent);
  return 0;
}
