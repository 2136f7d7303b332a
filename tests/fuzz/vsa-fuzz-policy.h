/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vsa-policy.h"

G_BEGIN_DECLS

void vsa_fuzz_check_policy (const VsaPolicy *policy);

G_END_DECLS
