/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-edit.h"
#include "vsa-diff.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-libvirt.h"
#include "vsa-spice.h"
#include "vsa-xml.h"

#include <string.h>

void
vsa_edit_free (VsaEdit *edit)
{
  if (edit == NULL)
    return;
  vsa_lock_release (edit->lock);
  g_free (edit->name);
  if (edit->conn)
    virConnectClose (edit->conn);
  /* The XML may hold the console password. */
  if (edit->old_xml)
    memset (edit->old_xml, 0, strlen (edit->old_xml));
  g_free (edit->old_xml);
  g_free (edit->old_canonical);
  g_free (edit->new_canonical);
  g_clear_pointer (&edit->doc, xmlFreeDoc);
  vsa_policy_free (edit->old_policy);
  vsa_policy_free (edit->policy);
  g_free (edit);
}

/* Written back only when it changed: an untouched policy keeps its XML. */
static void
write_policy (VsaEdit *edit)
{
  g_autofree char *before = edit->old_policy ? vsa_policy_serialize (edit->old_policy) : NULL;
  g_autofree char *after = edit->policy ? vsa_policy_serialize (edit->policy) : NULL;

  if (after != NULL && g_strcmp0 (before, after) != 0)
    vsa_policy_to_domain (edit->doc, edit->policy);
}

/* Locks the VM first: two runs changing it at once would each define
 * their own transform of the same old XML, and one change would be lost. */
VsaEdit *
vsa_edit_prepare (VsaContext *ctx, virDomain *dom, VsaEditTransform transform,
                  gpointer user_data, GError **error)
{
  g_autoptr (VsaEdit) edit = g_new0 (VsaEdit, 1);

  edit->name = g_strdup (virDomainGetName (dom));
  edit->lock = vsa_lock_acquire (ctx->config->state_dir, edit->name,
                                 ctx->config->lock_timeout_ms, error);
  if (edit->lock == NULL)
    return NULL;
  /* `apply` edits domains of several hosts through one context. */
  edit->conn = virDomainGetConnect (dom);
  virConnectRef (edit->conn);
  edit->old_xml = vsa_libvirt_get_xml (dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE, error);
  if (edit->old_xml == NULL)
    return NULL;
  edit->doc = vsa_xml_parse (edit->old_xml, strlen (edit->old_xml), "domain XML", error);
  if (edit->doc == NULL || !vsa_policy_from_domain (edit->doc, &edit->old_policy, error))
    return NULL;
  edit->old_canonical = vsa_xml_serialize (edit->doc);
  edit->policy = vsa_policy_copy (edit->old_policy);
  if (!transform (edit->doc, &edit->policy, user_data, error))
    return NULL;
  write_policy (edit);
  edit->new_canonical = vsa_xml_serialize (edit->doc);
  edit->changed = strcmp (edit->old_canonical, edit->new_canonical) != 0;
  return g_steal_pointer (&edit);
}

/* Passwords never reach a terminal through a diff: both sides show a
 * placeholder, a different one when the password changed. */
static char *
redact_passwd (const char *xml, const char *other_xml, const char *mask_same,
               const char *mask_changed)
{
  g_autoptr (xmlDoc) doc = vsa_xml_parse (xml, strlen (xml), "domain XML", NULL);
  g_autoptr (xmlDoc) other = vsa_xml_parse (other_xml, strlen (other_xml), "domain XML", NULL);
  xmlNode *graphics;
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;

  g_assert (doc != NULL && other != NULL); /* both are our own serializations */
  graphics = vsa_spice_find_graphics (doc);
  mine = vsa_xml_get (graphics, "passwd");
  if (mine == NULL)
    return g_strdup (xml);
  theirs = vsa_xml_get (vsa_spice_find_graphics (other), "passwd");
  vsa_xml_set (graphics, "passwd", g_strcmp0 (mine, theirs) == 0 ? mask_same : mask_changed);
  memset (mine, 0, strlen (mine));
  if (theirs)
    memset (theirs, 0, strlen (theirs));
  return vsa_xml_serialize (doc);
}

char *
vsa_edit_diff (VsaEdit *edit, GError **error)
{
  g_autofree char *old_redacted = redact_passwd (edit->old_canonical, edit->new_canonical,
                                                 "(hidden)", "(hidden)");
  g_autofree char *new_redacted = redact_passwd (edit->new_canonical, edit->old_canonical,
                                                 "(hidden)", "(hidden, changed)");
  g_autofree char *old_label = g_strdup_printf ("%s.xml (current)", edit->name);
  g_autofree char *new_label = g_strdup_printf ("%s.xml (new)", edit->name);

  return vsa_unified_diff (old_redacted, new_redacted, old_label, new_label, error);
}

/* What --dry-run shows: the diff, or a note that nothing would change. */
gboolean
vsa_edit_print_diff (VsaContext *ctx, VsaEdit *edit, GError **error)
{
  g_autofree char *diff = NULL;

  if (!edit->changed)
    {
      vsa_context_note (ctx, "VM '%s': no change", edit->name);
      return TRUE;
    }
  diff = vsa_edit_diff (edit, error);
  if (diff == NULL)
    return FALSE;
  fputs (diff, ctx->out);
  return TRUE;
}

static gboolean
save_backup (VsaContext *ctx, VsaEdit *edit, GError **error)
{
  g_autofree char *dir = g_build_filename (ctx->config->state_dir, "backups", edit->name, NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
  g_autofree char *file = g_strdup_printf ("%s.%06d.xml", stamp, g_date_time_get_microsecond (now));
  g_autofree char *path = g_build_filename (dir, file, NULL);

  if (!vsa_dir_ensure (dir, 0700, error))
    return FALSE;
  return vsa_file_write_atomic (path, edit->old_xml, strlen (edit->old_xml), 0600, error);
}

gboolean
vsa_edit_commit (VsaContext *ctx, VsaEdit *edit, GError **error)
{
  if (!edit->changed)
    return TRUE;
  if (!save_backup (ctx, edit, error))
    {
      g_prefix_error (error, "not changed: ");
      return FALSE;
    }
  return vsa_libvirt_define (edit->conn, edit->new_canonical, error);
}

/* --dry-run prints the diff and changes nothing; otherwise commit.  The
 * edit stays the caller's: its final policy and document. */
VsaEdit *
vsa_edit_run (VsaContext *ctx, virDomain *dom, VsaEditTransform transform, gpointer user_data,
              GError **error)
{
  g_autoptr (VsaEdit) edit = vsa_edit_prepare (ctx, dom, transform, user_data, error);

  if (edit == NULL)
    return NULL;
  if (ctx->dry_run)
    return vsa_edit_print_diff (ctx, edit, error) ? g_steal_pointer (&edit) : NULL;
  if (!vsa_edit_commit (ctx, edit, error))
    return NULL;
  vsa_context_note (ctx, edit->changed ? "VM '%s': updated" : "VM '%s': already as requested",
                    edit->name);
  return g_steal_pointer (&edit);
}
