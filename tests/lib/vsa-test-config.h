/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vsa-config.h"

G_BEGIN_DECLS

VsaConfig *vsa_test_config_new (const char *root);

G_END_DECLS
