/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-lvm.h"
#include "vsa-error.h"
#include "vsa-volume-libs.h"
#include "vsa-policy.h"

#include <lvm2cmd.h>
#include <string.h>

/* lvm2_log_fn() takes no user data, so the messages of the one command
 * running collect here.  LVM adds flag bits above the level. */
#define LVM_LEVEL_MASK 0x0f

static GString *lvm_messages;

static void
collect_lvm_message (int level, const char *file, int line, int dm_errno, const char *message)
{
  if (lvm_messages == NULL || message == NULL || *message == '\0' ||
      (level & LVM_LEVEL_MASK) > LVM2_LOG_ERROR)
    return;
  g_string_append_printf (lvm_messages, "%s%s", lvm_messages->len ? "; " : "", message);
}

/* VG and LV names are validated to LVM's alphabet, so the command line
 * lvm2_run() splits on spaces cannot be changed by a name. */
static gboolean
run_lvm (const char *command, const char *lv, GError **error)
{
  g_autofree char *cmdline = g_strdup_printf ("%s %s", command, lv);
  g_autoptr (GString) messages = g_string_new (NULL);
  void *handle;
  int rc;

  if (!vsa_volume_libs_load (error))
    return FALSE;
  VSA_LVM (lvm2_log_fn) (collect_lvm_message);
  handle = VSA_LVM (lvm2_init) ();
  if (handle == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "cannot initialise the LVM library; check /etc/lvm/lvm.conf");
      return FALSE;
    }
  VSA_LVM (lvm2_log_level) (handle, LVM2_LOG_SUPPRESS);
  lvm_messages = messages;
  rc = VSA_LVM (lvm2_run) (handle, cmdline);
  lvm_messages = NULL;
  VSA_LVM (lvm2_exit) (handle);
  if (rc == LVM2_COMMAND_SUCCEEDED)
    return TRUE;
  if (strstr (messages->str, "not found") || strstr (messages->str, "Failed to find"))
    g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                 "logical volume %s not found (LVM: %s); create it or fix the VM's volume entry",
                 lv, messages->str);
  else
    g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "'%s' failed (LVM: %s)", cmdline,
                 messages->len ? messages->str : "no message");
  return FALSE;
}

/* Active means its device node exists: LVM (or udev) creates /dev/VG/LV
 * on activation and removes it on deactivation. */
gboolean
vsa_lvm_is_active (const char *lv)
{
  g_autofree char *path = g_build_filename ("/dev", lv, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

gboolean
vsa_lvm_activate (const char *lv, GError **error)
{
  if (!vsa_validate_lv_path (lv, error) || !run_lvm ("lvchange -ay", lv, error))
    return FALSE;
  if (!vsa_lvm_is_active (lv))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "LVM reported logical volume %s active but /dev/%s is missing; "
                   "check activation/volume_list in lvm.conf", lv, lv);
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_lvm_deactivate (const char *lv, GError **error)
{
  return vsa_validate_lv_path (lv, error) && run_lvm ("lvchange -an", lv, error);
}
