/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "vsa-context.h"
#include "vsa-policy.h"

G_BEGIN_DECLS

gboolean vsa_live_apply_policy (VsaContext *ctx, virDomain *dom, const VsaPolicy *policy,
                                GError **error);

G_END_DECLS
