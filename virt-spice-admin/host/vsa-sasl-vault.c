/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-sasl-vault.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-sasl.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

char *
vsa_sasl_vault_dir (const VsaConfig *config, const char *vm)
{
  return g_build_filename (config->state_dir, "sasl-vault", vm, NULL);
}

gboolean
vsa_sasl_vault_exists (const VsaConfig *config, const char *vm)
{
  g_autofree char *dir = vsa_sasl_vault_dir (config, vm);
  g_autofree char *db = vsa_sasl_db_path (dir);

  return g_file_test (db, G_FILE_TEST_EXISTS);
}

gboolean
vsa_sasl_vault_has_user (const VsaConfig *config, const char *vm, const char *user)
{
  g_autofree char *dir = vsa_sasl_vault_dir (config, vm);

  return vsa_sasl_user_exists (dir, user);
}

static gboolean
ensure_private_dir (const VsaConfig *config, const char *dir, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (dir);

  if (!vsa_dir_ensure (config->state_dir, 0755, error) || !vsa_dir_ensure (parent, 0700, error) ||
      !vsa_dir_ensure (dir, 0700, error))
    return FALSE;
  if (chmod (parent, 0700) != 0 || chmod (dir, 0700) != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot make '%s' private: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* libsasl2 writes the database as the qemu group reads it; the vault's
 * stays root's alone. */
static gboolean
make_root_only (const char *db, GError **error)
{
  if (chown (db, 0, 0) != 0 || chmod (db, 0600) != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot make '%s' root-only: %s", db,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
copy_db (const char *from_dir, const char *to_dir, GError **error)
{
  g_autofree char *from = vsa_sasl_db_path (from_dir);
  g_autofree char *to = vsa_sasl_db_path (to_dir);
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (from, &data, &len, error))
    return FALSE;
  return vsa_file_write_atomic_owned (to, data, len, 0600, 0, 0, error);
}

gboolean
vsa_sasl_vault_set_password (const VsaConfig *config, const char *vm, const char *user,
                             const char *password, GError **error)
{
  g_autofree char *dir = vsa_sasl_vault_dir (config, vm);
  g_autofree char *db = vsa_sasl_db_path (dir);

  return ensure_private_dir (config, dir, error) &&
         vsa_sasl_set_password (config, dir, user, password, error) && make_root_only (db, error);
}

gboolean
vsa_sasl_vault_delete_user (const VsaConfig *config, const char *vm, const char *user,
                            GError **error)
{
  g_autofree char *dir = vsa_sasl_vault_dir (config, vm);
  g_autofree char *db = vsa_sasl_db_path (dir);

  if (!g_file_test (db, G_FILE_TEST_EXISTS))
    return TRUE;
  return vsa_sasl_delete_user (config, dir, user, error) && make_root_only (db, error);
}

gboolean
vsa_sasl_store_credential (const VsaConfig *config, const char *vm, const char *vm_dir,
                           const char *user, const char *password, GError **error)
{
  return vsa_sasl_set_password (config, vm_dir, user, password, error) &&
         (!vsa_sasl_vault_exists (config, vm) ||
          vsa_sasl_vault_set_password (config, vm, user, password, error));
}

gboolean
vsa_sasl_remove_credential (const VsaConfig *config, const char *vm, const char *vm_dir,
                            const char *user, GError **error)
{
  return vsa_sasl_delete_user (config, vm_dir, user, error) &&
         vsa_sasl_vault_delete_user (config, vm, user, error);
}

/* The first time windows matter for VM, every credential it has moves
 * into the vault. */
static gboolean
seed_vault (const VsaConfig *config, const char *vm, const char *vm_dir, GError **error)
{
  g_autofree char *dir = vsa_sasl_vault_dir (config, vm);
  g_autofree char *vm_db = vsa_sasl_db_path (vm_dir);

  if (vsa_sasl_vault_exists (config, vm) || !g_file_test (vm_db, G_FILE_TEST_EXISTS))
    return TRUE;
  return ensure_private_dir (config, dir, error) && copy_db (vm_dir, dir, error);
}

static gboolean
policy_has_windows (const VsaPolicy *policy)
{
  for (guint i = 0; i < policy->access->len; i++)
    if (!vsa_window_set_is_always (((VsaAccess *) g_ptr_array_index (policy->access, i))->when))
      return TRUE;
  return FALSE;
}

/* Whether VM's database already holds exactly the open users of the
 * vault; CHANGES gets what must change. */
static gboolean
database_as_wanted (const char *vm_dir, const char *vault, const VsaPolicy *policy,
                    GDateTime *now, GPtrArray *changes)
{
  gboolean as_wanted = TRUE;

  for (guint i = 0; i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);
      gboolean open = vsa_window_set_is_open (access->when, now, NULL);
      gboolean in_vault = vsa_sasl_user_exists (vault, access->user);
      gboolean wanted = open && in_vault;

      if (wanted == vsa_sasl_user_exists (vm_dir, access->user))
        continue;
      as_wanted = FALSE;
      if (!in_vault && !open)
        g_ptr_array_add (changes, g_strdup_printf ("%s: credential removed (not in the vault: "
                                                   "set it again with assign --password-stdin)",
                                                   access->user));
      else
        g_ptr_array_add (changes, g_strdup_printf ("%s: credential %s", access->user,
                                                   wanted ? "put in (window open)"
                                                          : "taken out (window closed)"));
    }
  return as_wanted;
}

/* A copy of the vault without the closed and the unassigned users,
 * made in a private staging directory, then installed for qemu. */
static gboolean
rebuild_database (const VsaConfig *config, const char *vm, const char *vm_dir,
                  const VsaPolicy *policy, GDateTime *now, GError **error)
{
  g_autofree char *vault = vsa_sasl_vault_dir (config, vm);
  g_autofree char *stage = g_strconcat (vault, ".stage", NULL);
  g_autofree char *stage_db = vsa_sasl_db_path (stage);
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!ensure_private_dir (config, stage, error) || !copy_db (vault, stage, error))
    return FALSE;
  for (guint i = 0; i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);

      if (!vsa_window_set_is_open (access->when, now, NULL) &&
          !vsa_sasl_delete_user (config, stage, access->user, error))
        return FALSE;
    }
  if (!g_file_get_contents (stage_db, &data, &len, error))
    return FALSE;
  g_unlink (stage_db);
  return vsa_sasl_install_db (config, vm_dir, data, len, error);
}

gboolean
vsa_sasl_vault_sync (const VsaConfig *config, const char *vm, const VsaPolicy *policy,
                     GDateTime *now, gboolean dry_run, GPtrArray *ret_changes, GError **error)
{
  g_autofree char *vault = vsa_sasl_vault_dir (config, vm);
  g_autoptr (GPtrArray) changes = g_ptr_array_new_with_free_func (g_free);

  if (policy->auth != VSA_AUTH_SASL || policy->sasl_dir == NULL)
    return TRUE;
  /* Without windows the VM's own database is the only one, as before. */
  if (!policy_has_windows (policy) && !vsa_sasl_vault_exists (config, vm))
    return TRUE;
  if (!dry_run && !seed_vault (config, vm, policy->sasl_dir, error))
    return FALSE;
  /* Not seeded yet (dry run): the VM's database stands for the vault. */
  if (database_as_wanted (policy->sasl_dir,
                          vsa_sasl_vault_exists (config, vm) ? vault : policy->sasl_dir,
                          policy, now, changes))
    return TRUE;
  if (!dry_run && !rebuild_database (config, vm, policy->sasl_dir, policy, now, error))
    {
      g_prefix_error (error, "VM '%s': ", vm);
      return FALSE;
    }
  for (guint i = 0; ret_changes && i < changes->len; i++)
    g_ptr_array_add (ret_changes, g_strdup_printf ("VM %s: %s", vm,
                                                   (char *) g_ptr_array_index (changes, i)));
  return TRUE;
}
