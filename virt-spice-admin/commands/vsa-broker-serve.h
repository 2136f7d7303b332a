/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The console broker (`broker serve`): answers console requests on its
 * UNIX socket one at a time, so two requests for one VM never race.
 * Each answer is a decision (xml/vsa-broker.c) carried out on libvirt,
 * the firewall and the state directory, and journalled. */
#pragma once

#include <glib.h>

#include "vsa-context.h"

G_BEGIN_DECLS

gboolean vsa_broker_serve (VsaContext *ctx, GError **error);

G_END_DECLS
