/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-disk.h"
#include "vsa-error.h"
#include "vsa-xml.h"

#include <string.h>

/* virtio disks are vda..vdz, then vdaa..vdzz; we only ever pick the first
 * 26 ourselves, but accept what libvirt accepts when asked for. */
gboolean
vsa_validate_disk_target (const char *target, GError **error)
{
  gsize len = target ? strlen (target) : 0;

  if ((len == 3 || len == 4) && g_str_has_prefix (target, "vd") &&
      strspn (target + 2, "abcdefghijklmnopqrstuvwxyz") == len - 2)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "disk target '%s' is not a virtio disk name; use vda, vdb, ...",
               target ? target : "");
  return FALSE;
}

static char *
mapper_path (const char *name)
{
  return g_build_filename (VSA_MAPPER_DIR, name, NULL);
}

static xmlNode *
find_volume_disk (xmlNode *devices, const char *name)
{
  g_autofree char *path = mapper_path (name);

  for (xmlNode *n = devices ? devices->children : NULL; n; n = n->next)
    if (vsa_xml_is_element (n, "disk") &&
        vsa_xml_attr_equals (vsa_xml_child (n, "source"), "dev", path))
      return n;
  return NULL;
}

static xmlNode *
find_disk_with_target (xmlNode *devices, const char *target)
{
  for (xmlNode *n = devices->children; n; n = n->next)
    if (vsa_xml_is_element (n, "disk") &&
        vsa_xml_attr_equals (vsa_xml_child (n, "target"), "dev", target))
      return n;
  return NULL;
}

char *
vsa_disk_target_of_volume (xmlDoc *doc, const char *name)
{
  xmlNode *devices = vsa_xml_child (xmlDocGetRootElement (doc), "devices");

  return vsa_xml_get (vsa_xml_child (find_volume_disk (devices, name), "target"), "dev");
}

static char *
pick_free_target (xmlNode *devices, GError **error)
{
  for (char letter = 'a'; letter <= 'z'; letter++)
    {
      g_autofree char *target = g_strdup_printf ("vd%c", letter);

      if (find_disk_with_target (devices, target) == NULL)
        return g_steal_pointer (&target);
    }
  g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
               "every disk target vda..vdz is taken; give a free one with --target");
  return NULL;
}

static xmlNode *
new_volume_disk (const char *name, const char *target)
{
  g_autofree char *path = mapper_path (name);
  xmlNode *disk = xmlNewNode (NULL, BAD_CAST "disk");
  xmlNode *driver = xmlNewChild (disk, NULL, BAD_CAST "driver", NULL);
  xmlNode *source = xmlNewChild (disk, NULL, BAD_CAST "source", NULL);
  xmlNode *target_node = xmlNewChild (disk, NULL, BAD_CAST "target", NULL);

  vsa_xml_set (disk, "type", "block");
  vsa_xml_set (disk, "device", "disk");
  /* The article's settings: raw data, no host page cache, native AIO. */
  vsa_xml_set (driver, "name", "qemu");
  vsa_xml_set (driver, "type", "raw");
  vsa_xml_set (driver, "cache", "none");
  vsa_xml_set (driver, "io", "native");
  vsa_xml_set (source, "dev", path);
  vsa_xml_set (target_node, "dev", target);
  vsa_xml_set (target_node, "bus", "virtio");
  return disk;
}

/* After the last disk, else after <emulator>, else first: where an
 * administrator would write it (libvirt orders devices itself anyway). */
static void
insert_disk (xmlNode *devices, xmlNode *disk)
{
  xmlNode *anchor = NULL;

  for (xmlNode *n = devices->children; n; n = n->next)
    if (vsa_xml_is_element (n, "disk") || (anchor == NULL && vsa_xml_is_element (n, "emulator")))
      anchor = n;
  if (anchor)
    xmlAddNextSibling (anchor, disk);
  else if (devices->children)
    xmlAddPrevSibling (devices->children, disk);
  else
    xmlAddChild (devices, disk);
}

static gboolean
ensure_disk (xmlNode *devices, const char *name, const char *target, GError **error)
{
  xmlNode *disk = find_volume_disk (devices, name);
  g_autofree char *current = vsa_xml_get (vsa_xml_child (disk, "target"), "dev");
  g_autofree char *chosen = NULL;
  xmlNode *holder;

  if (disk != NULL)
    {
      if (target == NULL || g_strcmp0 (current, target) == 0)
        return TRUE;
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
                   "volume '%s' is already attached as %s; detach it first to move it to %s",
                   name, current ? current : "(no target)", target);
      return FALSE;
    }
  if (target != NULL)
    {
      holder = find_disk_with_target (devices, target);
      if (holder != NULL)
        {
          g_autofree char *source = vsa_xml_get (vsa_xml_child (holder, "source"), "dev");
          g_autofree char *file = vsa_xml_get (vsa_xml_child (holder, "source"), "file");

          g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
                       "disk target %s is taken by %s; pick another --target or leave it out",
                       target, source ? source : file ? file : "another disk");
          return FALSE;
        }
      chosen = g_strdup (target);
    }
  else if ((chosen = pick_free_target (devices, error)) == NULL)
    return FALSE;
  insert_disk (devices, new_volume_disk (name, chosen));
  return TRUE;
}

/* One mapping per logical volume and one volume per mapping: two names
 * for one LV would open it twice. */
static gboolean
ensure_metadata_entry (VsaPolicy *policy, const VsaVolume *volume, GError **error)
{
  for (guint i = 0; i < policy->volumes->len; i++)
    {
      VsaVolume *entry = g_ptr_array_index (policy->volumes, i);
      gboolean same_name = g_str_equal (entry->name, volume->name);
      gboolean same_lv = g_str_equal (entry->lv, volume->lv);

      if (same_name && same_lv)
        {
          /* The new key source replaces the old one (keyfile or token). */
          g_free (entry->keyfile);
          g_free (entry->token);
          entry->keyfile = g_strdup (volume->keyfile);
          entry->token = g_strdup (volume->token);
          return TRUE;
        }
      if (same_name || same_lv)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
                       "this VM already has volume '%s' on %s; detach it first",
                       entry->name, entry->lv);
          return FALSE;
        }
    }
  g_ptr_array_add (policy->volumes,
                   vsa_volume_new (volume->lv, volume->name, volume->keyfile, volume->token));
  return TRUE;
}

/* Adds the disk and the entry of *POLICY (made with DEFAULT_AUTH when NULL:
 * the domain becomes managed); what is already there is kept, so running
 * it twice changes nothing.  TARGET NULL: the first free vdX.  The caller
 * writes the policy to the domain. */
gboolean
vsa_disk_attach_volume (xmlDoc *doc, VsaPolicy **policy, const VsaVolume *volume,
                        const char *target, VsaAuthMode default_auth, GError **error)
{
  xmlNode *devices;

  if (!vsa_validate_volume (volume, error) ||
      (target && !vsa_validate_disk_target (target, error)) ||
      (devices = vsa_xml_devices (doc, error)) == NULL)
    return FALSE;
  if (*policy == NULL)
    *policy = vsa_policy_new (default_auth);
  return ensure_metadata_entry (*policy, volume, error) &&
         ensure_disk (devices, volume->name, target, error);
}

/* Removes the disk and the entry of POLICY (NULL: unmanaged); a volume that
 * is not there is no change (the CLI reports an unknown name first). */
gboolean
vsa_disk_detach_volume (xmlDoc *doc, VsaPolicy *policy, const char *name, GError **error)
{
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlNode *devices = vsa_xml_child (root, "devices");
  xmlNode *disk;

  if (!vsa_validate_mapping_name (name, error))
    return FALSE;
  while ((disk = find_volume_disk (devices, name)) != NULL)
    vsa_xml_remove_node (disk);
  if (policy != NULL && vsa_policy_find_volume (policy, name) != NULL)
    g_ptr_array_remove (policy->volumes, vsa_policy_find_volume (policy, name));
  return TRUE;
}
