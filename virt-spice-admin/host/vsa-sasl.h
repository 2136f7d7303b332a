/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-VM SASL: libvirt's spice_sasl is global (one /etc/sasl2/qemu.conf,
 * one database for all VMs), so each managed VM gets its own directory
 * with a qemu.conf and sasldb, pointed to by SASL_CONF_PATH in qemu's
 * environment.  A user's credential then opens only the VMs it is in. */
#pragma once

#include <glib.h>

#include "vsa-config.h"

G_BEGIN_DECLS

/* Strong mechanisms only; PLAIN is safe because TLS is enforced. */
#define VSA_SASL_MECH_LIST "scram-sha-256 plain"

char *vsa_sasl_vm_dir (const VsaConfig *config, const char *vm);
char *vsa_sasl_db_path (const char *vm_dir);
gboolean vsa_sasl_check_libvirt_enabled (const VsaConfig *config, GError **error);
gboolean vsa_sasl_ensure_vm_dir (const VsaConfig *config, const char *vm, GError **error);
gboolean vsa_sasl_set_password (const VsaConfig *config, const char *vm_dir, const char *user,
                                const char *password, GError **error);
gboolean vsa_sasl_delete_user (const VsaConfig *config, const char *vm_dir, const char *user,
                               GError **error);
gboolean vsa_sasl_user_exists (const char *vm_dir, const char *user);
gboolean vsa_sasl_install_db (const VsaConfig *config, const char *vm_dir, const char *data,
                              gsize len, GError **error);

G_END_DECLS
