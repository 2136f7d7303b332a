/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sshd renderer from fuzzed names and addresses: refused, or rendered
 * within its escaping rules (checked in vsa-fuzz-render.c).  The real
 * validator runs on the corpus afterwards (render-check), not here. */
#include "vsa-fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return vsa_fuzz_render_one (vsa_fuzz_render_sshd, data, size);
}
