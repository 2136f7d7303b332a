/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The console broker's sshd side (a Match block and a root-owned key file
 * per console user, the console shell for each) and its systemd units,
 * from the VMs' persistent definitions: the one path `broker install`
 * and `apply` share. */
#pragma once

#include <glib.h>

#include "vsa-context.h"

G_BEGIN_DECLS

typedef struct {
  GPtrArray *files;     /* VsaRenderedFile *: the drop-in, the key files, the units */
  GPtrArray *to_change; /* char *: the users whose shell becomes the console shell */
  guint accounts;       /* console users */
} VsaBrokerPlan;

void vsa_broker_plan_free (VsaBrokerPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaBrokerPlan, vsa_broker_plan_free)

/* What `broker install` installs for DOCS (xmlDoc *, every VM of the
 * host): every user with a console key, rendered, her account checked
 * (a login shell other than nologin/false is refused); nothing written. */
VsaBrokerPlan *vsa_broker_plan (VsaContext *ctx, GPtrArray *docs, GError **error);
/* Every file in place with its content, root's, its mode; no shell to change. */
gboolean vsa_broker_plan_current (const VsaBrokerPlan *plan);
/* `sshd -t` with the rendered drop-in. */
gboolean vsa_broker_plan_check (VsaContext *ctx, const VsaBrokerPlan *plan, GError **error);
/* Shells, then the files; on failure the shells are put back.  Then the
 * key files of users without a console key go (RET_STALE: how many). */
gboolean vsa_broker_plan_install (VsaContext *ctx, const VsaBrokerPlan *plan, guint *ret_stale,
                                  GError **error);

gboolean vsa_broker_install (VsaContext *ctx, GError **error);

G_END_DECLS
