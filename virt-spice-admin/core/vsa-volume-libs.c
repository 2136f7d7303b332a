/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-volume-libs.h"
#include "vsa-error.h"

#include <dlfcn.h>

static VsaCryptLib crypt_lib;
static VsaLvmLib lvm_lib;
static char *load_error; /* set once with the libraries: why they are unusable */

typedef struct {
  const char *name;
  gsize offset;
} LibSymbol;

#define CRYPT_SYMBOL(fn) { #fn, G_STRUCT_OFFSET (VsaCryptLib, fn) }
#define LVM_SYMBOL(fn) { #fn, G_STRUCT_OFFSET (VsaLvmLib, fn) }

static const LibSymbol crypt_symbols[] = {
  CRYPT_SYMBOL (crypt_init), CRYPT_SYMBOL (crypt_init_by_name), CRYPT_SYMBOL (crypt_free),
  CRYPT_SYMBOL (crypt_load), CRYPT_SYMBOL (crypt_set_log_callback), CRYPT_SYMBOL (crypt_format),
  CRYPT_SYMBOL (crypt_keyslot_add_by_volume_key), CRYPT_SYMBOL (crypt_header_backup),
  CRYPT_SYMBOL (crypt_token_status),
  CRYPT_SYMBOL (crypt_get_type), CRYPT_SYMBOL (crypt_token_luks2_keyring_get),
  CRYPT_SYMBOL (crypt_activate_by_token), CRYPT_SYMBOL (crypt_status),
  CRYPT_SYMBOL (crypt_activate_by_keyfile_device_offset), CRYPT_SYMBOL (crypt_get_device_name),
  CRYPT_SYMBOL (crypt_deactivate_by_name),
};

static const LibSymbol lvm_symbols[] = {
  LVM_SYMBOL (lvm2_log_fn), LVM_SYMBOL (lvm2_init), LVM_SYMBOL (lvm2_log_level),
  LVM_SYMBOL (lvm2_run), LVM_SYMBOL (lvm2_exit),
};

/* Fills TABLE from SONAME; NULL on success, else why not. */
static char *
load_library (const char *soname, const LibSymbol *symbols, gsize n_symbols, gpointer table)
{
  void *handle = dlopen (soname, RTLD_NOW | RTLD_LOCAL);

  if (handle == NULL)
    return g_strdup_printf ("cannot load %s (%s); install the package that ships it", soname,
                            dlerror ());
  for (gsize i = 0; i < n_symbols; i++)
    {
      void *fn = dlsym (handle, symbols[i].name);

      if (fn == NULL)
        return g_strdup_printf ("%s has no %s; install a newer version", soname, symbols[i].name);
      G_STRUCT_MEMBER (void *, table, symbols[i].offset) = fn;
    }
  return NULL; /* never closed: the functions stay in use until exit */
}

gboolean
vsa_volume_libs_load (GError **error)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      load_error = load_library (VSA_CRYPTSETUP_SONAME, crypt_symbols,
                                 G_N_ELEMENTS (crypt_symbols), &crypt_lib);
      if (load_error == NULL)
        load_error = load_library (VSA_LVM2CMD_SONAME, lvm_symbols, G_N_ELEMENTS (lvm_symbols),
                                   &lvm_lib);
      g_once_init_leave (&done, 1);
    }
  if (load_error == NULL)
    return TRUE;
  g_set_error_literal (error, VSA_ERROR, VSA_ERROR_FAILED, load_error);
  return FALSE;
}

const VsaCryptLib *
vsa_crypt_lib (void)
{
  g_assert (crypt_lib.crypt_init != NULL); /* an entry point forgot vsa_volume_libs_load() */
  return &crypt_lib;
}

const VsaLvmLib *
vsa_lvm_lib (void)
{
  g_assert (lvm_lib.lvm2_run != NULL);
  return &lvm_lib;
}
