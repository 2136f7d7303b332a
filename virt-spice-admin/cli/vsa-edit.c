/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-edit.h"
#include "vsa-define-check.h"
#include "vsa-diff.h"
#include "vsa-domain-schema.h"
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
  if (edit->dom)
    virDomainFree (edit->dom);
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
  g_free (edit->backup);
  g_free (edit);
}

/* A serialized domain: it holds the console password, wiped when freed. */
typedef char DomainText;

static void
domain_text_free (DomainText *text)
{
  if (text)
    memset (text, 0, strlen (text));
  g_free (text);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DomainText, domain_text_free)

/* DOC, as read with its policy READ_POLICY, through TRANSFORM; the
 * policy is written back only when it changed (an untouched policy keeps
 * its XML).  *RET_POLICY: the resulting policy. */
static gboolean
transform_doc (xmlDoc *doc, const VsaPolicy *read_policy, VsaEditTransform transform,
               gpointer user_data, VsaPolicy **ret_policy, GError **error)
{
  g_autoptr (VsaPolicy) policy = vsa_policy_copy (read_policy);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (!transform (doc, &policy, user_data, error))
    return FALSE;
  before = read_policy ? vsa_policy_serialize (read_policy) : NULL;
  after = policy ? vsa_policy_serialize (policy) : NULL;
  if (after != NULL && g_strcmp0 (before, after) != 0)
    vsa_policy_to_domain (doc, policy);
  *ret_policy = g_steal_pointer (&policy);
  return TRUE;
}

static char *
backup_dir (VsaContext *ctx, const char *name)
{
  return g_build_filename (ctx->config->state_dir, "backups", name, NULL);
}

/* Locks the VM first: two runs changing it at once would each define
 * their own transform of the same old XML, and one change would be lost.
 * Under the lock, what a run killed while saving this VM's backup left
 * is swept, whether or not this edit changes anything: once the VM has
 * converged, no later backup would ever be written beside it. */
VsaEdit *
vsa_edit_prepare (VsaContext *ctx, virDomain *dom, VsaEditTransform transform,
                  gpointer user_data, GError **error)
{
  g_autoptr (VsaEdit) edit = g_new0 (VsaEdit, 1);
  g_autoptr (xmlDoc) before = NULL;
  g_autofree char *dir = NULL;

  edit->name = g_strdup (virDomainGetName (dom));
  edit->lock = vsa_lock_acquire (ctx->config->state_dir, edit->name,
                                 ctx->config->lock_timeout_ms, error);
  if (edit->lock == NULL)
    return NULL;
  dir = backup_dir (ctx, edit->name);
  vsa_file_remove_stale_temps (dir);
  /* `apply` edits domains of several hosts through one context. */
  edit->conn = virDomainGetConnect (dom);
  virConnectRef (edit->conn);
  edit->dom = dom;
  virDomainRef (dom);
  edit->transform = transform;
  edit->user_data = user_data;
  edit->old_xml = vsa_libvirt_get_xml (dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE, error);
  if (edit->old_xml == NULL)
    return NULL;
  edit->doc = vsa_xml_parse (edit->old_xml, strlen (edit->old_xml), "domain XML", error);
  if (edit->doc == NULL || !vsa_policy_from_domain (edit->doc, &edit->old_policy, error))
    return NULL;
  edit->old_canonical = vsa_xml_serialize (edit->doc);
  before = xmlCopyDoc (edit->doc, 1);
  if (!transform_doc (edit->doc, edit->old_policy, transform, user_data, &edit->policy, error))
    return NULL;
  edit->new_canonical = vsa_xml_serialize (edit->doc);
  edit->changed = strcmp (edit->old_canonical, edit->new_canonical) != 0;
  edit->validate = !vsa_define_change_is_schema_neutral (before, edit->doc);
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
  g_autofree char *dir = backup_dir (ctx, edit->name);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
  g_autofree char *file = g_strdup_printf ("%s.%06d.xml", stamp, g_date_time_get_microsecond (now));
  g_autofree char *path = g_build_filename (dir, file, NULL);

  if (!vsa_dir_ensure (dir, 0700, error) ||
      !vsa_file_write_atomic (path, edit->old_xml, strlen (edit->old_xml), 0600, error))
    return FALSE;
  g_free (edit->backup);
  edit->backup = g_steal_pointer (&path);
  return TRUE;
}

/* The domain as libvirt has it now: on the edit's connection while it
 * lives, else on a new one (libvirtd was restarted), which the edit then
 * keeps for what follows the commit. */
static xmlDoc *
reread (VsaEdit *edit, GError **error)
{
  if (virConnectIsAlive (edit->conn) != 1)
    {
      virConnect *fresh = vsa_libvirt_reopen (edit->conn, error);

      if (fresh == NULL)
        return NULL;
      g_clear_pointer (&edit->dom, virDomainFree);
      virConnectClose (edit->conn);
      edit->conn = fresh;
    }
  if (edit->dom == NULL && (edit->dom = vsa_libvirt_lookup (edit->conn, edit->name, error)) == NULL)
    return NULL;
  return vsa_libvirt_get_doc (edit->dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE, error);
}

/* DOC is what the edit asked for when the transform finds nothing left to
 * do in it (the test `apply` and `secure` pass: a second run changes
 * nothing).  A transform that refuses a second run makes it unknown. */
static gboolean
is_as_requested (VsaEdit *edit, xmlDoc *doc, const char *now)
{
  g_autoptr (VsaPolicy) read_policy = NULL;
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (DomainText) again = NULL;

  if (!vsa_policy_from_domain (doc, &read_policy, NULL) ||
      !transform_doc (doc, read_policy, edit->transform, edit->user_data, &policy, NULL))
    return FALSE;
  again = vsa_xml_serialize (doc);
  return strcmp (again, now) == 0;
}

/* After a define that failed or went unanswered: which definition the
 * domain has now.  UNKNOWN sets ERROR to why. */
VsaDefineState
vsa_edit_recheck (VsaEdit *edit, GError **error)
{
  g_autoptr (xmlDoc) doc = reread (edit, error);
  g_autoptr (DomainText) now = NULL;

  if (doc == NULL)
    return VSA_DEFINE_UNKNOWN;
  now = vsa_xml_serialize (doc);
  if (strcmp (now, edit->old_canonical) == 0)
    return VSA_DEFINE_UNCHANGED;
  if (is_as_requested (edit, doc, now))
    return VSA_DEFINE_CHANGED;
  g_set_error (error, VSA_ERROR, VSA_ERROR_UNCONFIRMED,
               "its definition is now neither the old one nor the one requested");
  return VSA_DEFINE_UNKNOWN;
}

/* What a failed define left, as read again: never assumed. */
static gboolean
report_failed_define (VsaContext *ctx, VsaEdit *edit, const GError *define_error, GError **error)
{
  g_autoptr (GError) reread_error = NULL;

  switch (vsa_edit_recheck (edit, &reread_error))
    {
    case VSA_DEFINE_CHANGED:
      edit->reply_lost = TRUE;
      vsa_context_note (ctx, "VM '%s': %s; read again: the new definition is in place",
                        edit->name, define_error->message);
      return TRUE;
    case VSA_DEFINE_UNCHANGED:
      g_set_error (error, define_error->domain, define_error->code,
                   "%s; read again: the old definition is in place, nothing was changed",
                   define_error->message);
      return FALSE;
    case VSA_DEFINE_UNKNOWN:
    default:
      g_set_error (error, VSA_ERROR, VSA_ERROR_UNCONFIRMED,
                   "%s; whether the new definition is in place is unknown (%s): look with "
                   "'virt-spice-admin show %s'; the old XML is in %s", define_error->message,
                   reread_error->message, edit->name, edit->backup);
      return FALSE;
    }
}

/* Whether libvirtd must validate the define: not when the edit needs no
 * validation, nor when it was validated here against the same schema
 * (vsa-domain-schema.h). */
static gboolean
validate_in_process (VsaContext *ctx, VsaEdit *edit, gboolean *ret_libvirt_validates,
                     GError **error)
{
  *ret_libvirt_validates = edit->validate;
  if (!edit->validate || !ctx->schema_in_process || !vsa_domain_schema_serves (edit->conn))
    return TRUE;
  *ret_libvirt_validates = FALSE;
  return vsa_domain_schema_validate (edit->new_canonical, error);
}

gboolean
vsa_edit_commit (VsaContext *ctx, VsaEdit *edit, GError **error)
{
  g_autoptr (GError) define_error = NULL;
  gboolean running = TRUE;
  gboolean libvirt_validates;

  if (!edit->changed)
    return TRUE;
  if (!validate_in_process (ctx, edit, &libvirt_validates, error) ||
      !save_backup (ctx, edit, error))
    {
      g_prefix_error (error, "not changed: ");
      return FALSE;
    }
  if (vsa_libvirt_define (edit->conn, edit->new_canonical, libvirt_validates, &running,
                          &define_error))
    {
      edit->defined_shut_off = !running;
      return TRUE;
    }
  return report_failed_define (ctx, edit, define_error, error);
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
