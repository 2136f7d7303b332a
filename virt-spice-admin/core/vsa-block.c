/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-block.h"
#include "vsa-error.h"
#include "vsa-file.h"

#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* One line per mount: generous for a host with many containers. */
#define MOUNTINFO_MAX (16 * VSA_FILE_TEXT_MAX)

typedef struct blkid_struct_probe VsaBlkidProbe;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaBlkidProbe, blkid_free_probe)

static VsaBlkidProbe *
new_probe (const char *device, int fd, GError **error)
{
  g_autoptr (VsaBlkidProbe) probe = blkid_new_probe ();

  if (probe == NULL || blkid_probe_set_device (probe, fd, 0, 0) != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "cannot probe '%s' for signatures (libblkid failed)", device);
      return NULL;
    }
  blkid_probe_enable_superblocks (probe, 1);
  blkid_probe_set_superblocks_flags (probe, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_MAGIC);
  blkid_probe_enable_partitions (probe, 1);
  blkid_probe_set_partitions_flags (probe, BLKID_PARTS_MAGIC);
  return g_steal_pointer (&probe);
}

static int
open_device (const char *device, int flags, GError **error)
{
  int fd = open (device, flags | O_CLOEXEC);

  if (fd < 0)
    g_set_error (error, VSA_ERROR, errno == ENOENT ? VSA_ERROR_NOT_FOUND : VSA_ERROR_FAILED,
                 "cannot open device '%s': %s", device, g_strerror (errno));
  return fd;
}

/* *ret_type: the first filesystem, RAID, LUKS... or partition-table type
 * found, NULL when the device looks blank.  Ambivalent results (two
 * signatures) count as found: neither is safe to overwrite. */
gboolean
vsa_block_find_signature (const char *device, char **ret_type, GError **error)
{
  int fd = open_device (device, O_RDONLY, error);
  g_autoptr (VsaBlkidProbe) probe = NULL;
  const char *type = NULL;
  int rc;

  *ret_type = NULL;
  if (fd < 0)
    return FALSE;
  probe = new_probe (device, fd, error);
  if (probe == NULL)
    {
      close (fd);
      return FALSE;
    }
  rc = blkid_do_safeprobe (probe);
  if (rc == 0 && blkid_probe_lookup_value (probe, "TYPE", &type, NULL) != 0 &&
      blkid_probe_lookup_value (probe, "PTTYPE", &type, NULL) != 0)
    type = "unknown";
  if (rc == -2)
    type = "several (ambivalent)";
  close (fd);
  if (rc == -1)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot read signatures of '%s'", device);
      return FALSE;
    }
  *ret_type = g_strdup (type);
  return TRUE;
}

/* Like `wipefs -a`: erases every magic string libblkid knows, so no old
 * filesystem or RAID signature survives beside the new LUKS header. */
gboolean
vsa_block_wipe_signatures (const char *device, GError **error)
{
  int fd = open_device (device, O_RDWR, error);
  g_autoptr (VsaBlkidProbe) probe = NULL;
  gboolean ok = TRUE;

  if (fd < 0)
    return FALSE;
  probe = new_probe (device, fd, error);
  while (probe != NULL && ok && blkid_do_probe (probe) == 0)
    ok = blkid_do_wipe (probe, 0) == 0;
  if (probe != NULL && ok)
    ok = fsync (fd) == 0;
  close (fd);
  if (probe == NULL)
    return FALSE;
  if (!ok)
    g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot wipe the old signatures of '%s'",
                 device);
  return ok;
}

gboolean
vsa_block_same_device (const char *path_a, const char *path_b)
{
  struct stat a, b;

  return stat (path_a, &a) == 0 && stat (path_b, &b) == 0 && S_ISBLK (a.st_mode) &&
         S_ISBLK (b.st_mode) && a.st_rdev == b.st_rdev;
}

static void
append_holders (GString *users, dev_t dev)
{
  g_autofree char *dir_path = g_strdup_printf ("/sys/dev/block/%u:%u/holders", major (dev), minor (dev));
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    g_string_append_printf (users, "%sdevice %s", users->len ? ", " : "", name);
}

static gboolean
process_holds (const char *pid, dev_t dev)
{
  g_autofree char *fd_dir_path = g_build_filename ("/proc", pid, "fd", NULL);
  g_autoptr (GDir) fd_dir = g_dir_open (fd_dir_path, 0, NULL);
  const char *fd;

  while (fd_dir && (fd = g_dir_read_name (fd_dir)) != NULL)
    {
      g_autofree char *link = g_build_filename (fd_dir_path, fd, NULL);
      struct stat st;

      if (stat (link, &st) == 0 && S_ISBLK (st.st_mode) && st.st_rdev == dev)
        return TRUE;
    }
  return FALSE;
}

static void
append_processes (GString *users, dev_t dev)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *pid;

  while (proc && (pid = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *comm_path = NULL;
      g_autofree char *comm = NULL;

      if (!g_ascii_isdigit (pid[0]) || !process_holds (pid, dev))
        continue;
      comm_path = g_build_filename ("/proc", pid, "comm", NULL);
      vsa_file_read_bounded (comm_path, "process name", VSA_FILE_TEXT_MAX, &comm, NULL, NULL);
      g_string_append_printf (users, "%sprocess %s (%s)", users->len ? ", " : "", pid,
                              comm ? g_strstrip (comm) : "?");
    }
}

static void
append_mounts (GString *users, dev_t dev)
{
  g_autofree char *mountinfo = NULL;
  g_autofree char *wanted = g_strdup_printf ("%u:%u", major (dev), minor (dev));
  g_auto (GStrv) lines = NULL;

  if (!vsa_file_read_bounded ("/proc/self/mountinfo", "mount table", MOUNTINFO_MAX, &mountinfo, NULL, NULL))
    return;
  lines = g_strsplit (mountinfo, "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], " ", 6);

      if (g_strv_length (fields) >= 5 && g_str_equal (fields[2], wanted))
        g_string_append_printf (users, "%smount on %s", users->len ? ", " : "", fields[4]);
    }
}

/* For an error message: who keeps DEVICE busy (stacked devices, mounts,
 * processes with it open).  Never NULL. */
char *
vsa_block_describe_users (const char *device)
{
  g_autoptr (GString) users = g_string_new (NULL);
  struct stat st;

  if (stat (device, &st) != 0 || !S_ISBLK (st.st_mode))
    return g_strdup ("an unknown user");
  append_holders (users, st.st_rdev);
  append_mounts (users, st.st_rdev);
  append_processes (users, st.st_rdev);
  if (users->len == 0)
    g_string_append (users, "an unknown user (the kernel counts it open)");
  return g_string_free (g_steal_pointer (&users), FALSE);
}
