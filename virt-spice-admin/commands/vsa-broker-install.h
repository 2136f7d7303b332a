/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "vsa-context.h"

G_BEGIN_DECLS

gboolean vsa_broker_install (VsaContext *ctx, GError **error);

G_END_DECLS
