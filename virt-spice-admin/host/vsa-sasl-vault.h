/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Access windows in sasl mode: a user's credential is in the VM's own
 * database (which qemu reads) only while her window is open.  Every
 * credential of the VM's users is kept in the vault, a database of the
 * same form in STATE-DIR/sasl-vault/VM/ (directory 0700, file 0600, root
 * only); the VM's database is rebuilt from it with the closed users left
 * out.  Credentials are never read out: whole databases are copied and
 * users deleted, so no secret passes through this code. */
#pragma once

#include <glib.h>

#include "vsa-config.h"
#include "vsa-policy.h"

G_BEGIN_DECLS

char *vsa_sasl_vault_dir (const VsaConfig *config, const char *vm);
gboolean vsa_sasl_vault_exists (const VsaConfig *config, const char *vm);
gboolean vsa_sasl_vault_has_user (const VsaConfig *config, const char *vm, const char *user);
gboolean vsa_sasl_vault_set_password (const VsaConfig *config, const char *vm, const char *user,
                                      const char *password, GError **error);
gboolean vsa_sasl_vault_delete_user (const VsaConfig *config, const char *vm, const char *user,
                                     GError **error);
/* A user's credential for VM: stored in (removed from) the VM's database
 * VM_DIR and, once VM has a vault, the vault too. */
gboolean vsa_sasl_store_credential (const VsaConfig *config, const char *vm, const char *vm_dir,
                                    const char *user, const char *password, GError **error);
gboolean vsa_sasl_remove_credential (const VsaConfig *config, const char *vm, const char *vm_dir,
                                     const char *user, GError **error);
/* Makes VM's database hold exactly the credentials of POLICY's users
 * whose windows are open at NOW.  *RET_CHANGES (if given) gets one line
 * per user put in or taken out; nothing is written when nothing changes,
 * or with DRY_RUN. */
gboolean vsa_sasl_vault_sync (const VsaConfig *config, const char *vm, const VsaPolicy *policy,
                              GDateTime *now, gboolean dry_run, GPtrArray *ret_changes,
                              GError **error);

G_END_DECLS
