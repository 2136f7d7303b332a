/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-sasl.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-libvirt-conf.h"

#include <errno.h>
#include <grp.h>
#include <sasl/sasl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_NAME "sasldb2"

char *
vsa_sasl_vm_dir (const VsaConfig *config, const char *vm)
{
  return g_build_filename (config->sasl_dir, vm, NULL);
}

char *
vsa_sasl_db_path (const char *vm_dir)
{
  return g_build_filename (vm_dir, DB_NAME, NULL);
}

/* SASL for SPICE is a libvirt-wide switch; without it qemu never asks for
 * a SASL login and our per-VM databases would be ignored. */
gboolean
vsa_sasl_check_libvirt_enabled (const VsaConfig *config, GError **error)
{
  g_autofree char *value = vsa_libvirt_conf_value (config->libvirt_qemu_conf, "spice_sasl");

  if (g_strcmp0 (value, "1") == 0)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
               "auth-mode sasl needs SPICE SASL enabled in libvirt: add the line 'spice_sasl = 1' "
               "to %s and restart libvirtd", config->libvirt_qemu_conf);
  return FALSE;
}

static gboolean
lookup_group (const VsaConfig *config, gid_t *ret_gid, GError **error)
{
  struct group grp, *gr = NULL;
  char buf[4096];

  /* Reentrant: apply's host workers look it up at the same time. */
  if (getgrnam_r (config->qemu_group, &grp, buf, sizeof buf, &gr) != 0 || gr == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
                   "group '%s' does not exist; set qemu-group to the group qemu runs as",
                   config->qemu_group);
      return FALSE;
    }
  *ret_gid = gr->gr_gid;
  return TRUE;
}

/* root:QEMU-GROUP MODE: qemu reads it, nobody else does. */
static gboolean
own_for_qemu (const char *path, gid_t gid, mode_t mode, GError **error)
{
  if (chown (path, 0, gid) != 0 || chmod (path, mode) != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot set owner and mode of '%s': %s",
                   path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_sasl_ensure_vm_dir (const VsaConfig *config, const char *vm, GError **error)
{
  g_autofree char *dir = vsa_sasl_vm_dir (config, vm);
  g_autofree char *conf = g_build_filename (dir, "qemu.conf", NULL);
  g_autofree char *db = vsa_sasl_db_path (dir);
  g_autofree char *text = g_strdup_printf (
    "# SASL for the SPICE console of VM %s, written by virt-spice-admin.\n"
    "# qemu finds it through SASL_CONF_PATH in the domain XML.\n"
    "mech_list: " VSA_SASL_MECH_LIST "\n"
    "sasldb_path: %s\n", vm, db);
  gid_t gid;

  return lookup_group (config, &gid, error) &&
         vsa_dir_ensure (config->sasl_dir, 0755, error) &&
         vsa_dir_ensure (dir, 0750, error) &&
         own_for_qemu (dir, gid, 0750, error) &&
         vsa_file_write_atomic (conf, text, strlen (text), 0640, error) &&
         own_for_qemu (conf, gid, 0640, error);
}

/* libsasl2 reads its options through callbacks; the database is chosen
 * per call, so the path lives here while one operation runs. */
/* libsasl2 reads the database path through a process-wide callback, so
 * one database is open at a time: apply's host workers take turns. */
G_LOCK_DEFINE_STATIC (sasl_db);
static const char *current_db_path;

static int
sasl_get_option (void *context, const char *plugin, const char *option, const char **result,
                 unsigned *len)
{
  (void) context;
  (void) plugin;
  if (g_strcmp0 (option, "sasldb_path") == 0)
    *result = current_db_path;
  else if (g_strcmp0 (option, "mech_list") == 0)
    *result = VSA_SASL_MECH_LIST;
  else if (g_strcmp0 (option, "auxprop_plugin") == 0)
    *result = "sasldb";
  else
    return SASL_FAIL;
  if (len)
    *len = (unsigned) strlen (*result);
  return SASL_OK;
}

static gboolean
sasl_init_once (GError **error)
{
  static sasl_callback_t callbacks[] = {
    { SASL_CB_GETOPT, (int (*) (void)) (void (*) (void)) sasl_get_option, NULL },
    { SASL_CB_LIST_END, NULL, NULL },
  };
  static int result = -1;

  if (result == -1)
    result = sasl_server_init (callbacks, "virt-spice-admin");
  if (result != SASL_OK)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot initialise libsasl2: %s",
                   sasl_errstring (result, NULL, NULL));
      return FALSE;
    }
  return TRUE;
}

/* Server name and realm NULL, exactly as spice-server opens its SASL
 * session, so the entry lands in the realm qemu will look in and users
 * type only their name. */
static sasl_conn_t *
open_conn (const char *db, GError **error)
{
  sasl_conn_t *conn = NULL;
  int rc;

  if (!sasl_init_once (error))
    return NULL;
  current_db_path = db;
  rc = sasl_server_new ("spice", NULL, NULL, NULL, NULL, NULL, 0, &conn);
  if (rc != SASL_OK)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot open SASL database '%s': %s",
                   db, sasl_errstring (rc, NULL, NULL));
      return NULL;
    }
  return conn;
}

static void
conn_free (sasl_conn_t *conn)
{
  sasl_dispose (&conn);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sasl_conn_t, conn_free)

static gboolean
finish_db (const VsaConfig *config, const char *db, GError **error)
{
  gid_t gid;

  current_db_path = NULL;
  return lookup_group (config, &gid, error) && own_for_qemu (db, gid, 0640, error);
}

static gboolean
set_password_locked (const VsaConfig *config, const char *vm_dir, const char *user,
                     const char *password, GError **error)
{
  g_autofree char *db = vsa_sasl_db_path (vm_dir);
  g_autoptr (sasl_conn_t) conn = open_conn (db, error);
  int rc;

  if (conn == NULL)
    return FALSE;
  rc = sasl_setpass (conn, user, password, (unsigned) strlen (password), NULL, 0, SASL_SET_CREATE);
  if (rc == SASL_NOCHANGE || rc == SASL_BADPARAM)
    {
      /* The user exists: replace the password. */
      rc = sasl_setpass (conn, user, password, (unsigned) strlen (password), NULL, 0, 0);
    }
  if (rc != SASL_OK)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "cannot store the SASL credential of '%s' in '%s': %s", user, db,
                   sasl_errdetail (conn));
      current_db_path = NULL;
      return FALSE;
    }
  return finish_db (config, db, error);
}

static gboolean
delete_user_locked (const VsaConfig *config, const char *vm_dir, const char *user,
                    GError **error)
{
  g_autofree char *db = vsa_sasl_db_path (vm_dir);
  g_autoptr (sasl_conn_t) conn = NULL;
  int rc;

  if (!g_file_test (db, G_FILE_TEST_EXISTS))
    return TRUE;
  conn = open_conn (db, error);
  if (conn == NULL)
    return FALSE;
  /* SASL_SET_DISABLE with no password deletes the user's secrets from
   * every mechanism and the auxprop store (libsasl2 refuses a NULL
   * password without it). */
  rc = sasl_setpass (conn, user, NULL, 0, NULL, 0, SASL_SET_DISABLE);
  if (rc != SASL_OK && rc != SASL_NOUSER)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "cannot remove the SASL credential of '%s' from '%s': %s", user, db,
                   sasl_errdetail (conn));
      current_db_path = NULL;
      return FALSE;
    }
  return finish_db (config, db, error);
}

static gboolean
user_exists_locked (const char *vm_dir, const char *user)
{
  g_autofree char *db = vsa_sasl_db_path (vm_dir);
  g_autoptr (sasl_conn_t) conn = NULL;
  int rc;

  if (!g_file_test (db, G_FILE_TEST_EXISTS) || (conn = open_conn (db, NULL)) == NULL)
    return FALSE;
  rc = sasl_user_exists (conn, NULL, NULL, user);
  current_db_path = NULL;
  return rc == SASL_OK;
}

gboolean
vsa_sasl_set_password (const VsaConfig *config, const char *vm_dir, const char *user,
                       const char *password, GError **error)
{
  gboolean result;

  G_LOCK (sasl_db);
  result = set_password_locked (config, vm_dir, user, password, error);
  G_UNLOCK (sasl_db);
  return result;
}

gboolean
vsa_sasl_delete_user (const VsaConfig *config, const char *vm_dir, const char *user,
                      GError **error)
{
  gboolean result;

  G_LOCK (sasl_db);
  result = delete_user_locked (config, vm_dir, user, error);
  G_UNLOCK (sasl_db);
  return result;
}

gboolean
vsa_sasl_user_exists (const char *vm_dir, const char *user)
{
  gboolean result;

  G_LOCK (sasl_db);
  result = user_exists_locked (vm_dir, user);
  G_UNLOCK (sasl_db);
  return result;
}

/* Replaces VM_DIR's database with DATA (a whole sasldb file) atomically,
 * owned and moded as qemu reads it. */
gboolean
vsa_sasl_install_db (const VsaConfig *config, const char *vm_dir, const char *data, gsize len,
                     GError **error)
{
  g_autofree char *db = vsa_sasl_db_path (vm_dir);
  gid_t gid;

  return lookup_group (config, &gid, error) &&
         vsa_file_write_atomic_owned (db, data, len, 0640, 0, gid, error);
}
