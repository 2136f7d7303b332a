/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libcryptsetup and liblvm2cmd, loaded on first use.  Linked normally they
 * cost every run of the CLI and of the hook worker about 20 shared
 * libraries (OpenSSL, argon2, json-c, device-mapper, libsystemd, ...),
 * most of the worker's start-up for a VM without volumes.  Each volume
 * entry point loads them with vsa_volume_libs_load() (one clear error if
 * they are missing); the calls below it go through VSA_CRYPT/VSA_LVM. */
#pragma once

#include <glib.h>
#include <libcryptsetup.h>
#include <lvm2cmd.h>

G_BEGIN_DECLS

/* Each member has the type of the function it holds, from the library's
 * own header, so a mismatch does not compile. */
#define VSA_LIB_FN(fn) __typeof__ (fn) *fn

typedef struct {
  VSA_LIB_FN (crypt_init);
  VSA_LIB_FN (crypt_init_by_name);
  VSA_LIB_FN (crypt_free);
  VSA_LIB_FN (crypt_load);
  VSA_LIB_FN (crypt_set_log_callback);
  VSA_LIB_FN (crypt_format);
  VSA_LIB_FN (crypt_keyslot_add_by_volume_key);
  VSA_LIB_FN (crypt_header_backup);
  VSA_LIB_FN (crypt_token_status);
  VSA_LIB_FN (crypt_get_type);
  VSA_LIB_FN (crypt_token_luks2_keyring_get);
  VSA_LIB_FN (crypt_activate_by_token);
  VSA_LIB_FN (crypt_status);
  VSA_LIB_FN (crypt_activate_by_keyfile_device_offset);
  VSA_LIB_FN (crypt_get_device_name);
  VSA_LIB_FN (crypt_deactivate_by_name);
} VsaCryptLib;

typedef struct {
  VSA_LIB_FN (lvm2_log_fn);
  VSA_LIB_FN (lvm2_init);
  VSA_LIB_FN (lvm2_log_level);
  VSA_LIB_FN (lvm2_run);
  VSA_LIB_FN (lvm2_exit);
} VsaLvmLib;

/* Loads both (once; safe from several threads).  FALSE: a library or one
 * of its functions is missing, and the error says which. */
gboolean vsa_volume_libs_load (GError **error);

/* After a successful vsa_volume_libs_load(). */
const VsaCryptLib *vsa_crypt_lib (void);
const VsaLvmLib *vsa_lvm_lib (void);

#define VSA_CRYPT(fn) (vsa_crypt_lib ()->fn)
#define VSA_LVM(fn) (vsa_lvm_lib ()->fn)

G_END_DECLS
