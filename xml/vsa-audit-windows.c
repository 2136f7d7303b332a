/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VSA-W04: a stored access window that can never open.  `assign` and
 * `apply` refuse such a window (an empty time range, an unknown day), but
 * the metadata can be edited by hand (virsh edit).  The policy decoder
 * refuses it too, so the hook will not start the VM and every command
 * calls the VM unreadable; audit names the user and the window instead of
 * a bare VSA-C00, and goes on with the other VMs. */
#include "vsa-audit.h"
#include "vsa-namespace.h"
#include "vsa-window.h"
#include "vsa-xml.h"

#include <string.h>

static xmlNode *
stored_console (xmlDoc *doc)
{
  return vsa_xml_child_ns (vsa_xml_child (xmlDocGetRootElement (doc), "metadata"), VSA_METADATA_NS,
                           VSA_METADATA_ELEMENT);
}

/* The finding for one stored when=, or FALSE when it opens.  *RET_WHY
 * gets the decoder's reason (what VSA-C00 would have said). */
static gboolean
window_never_opens (const char *spec, GDateTime *now, char **ret_why)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaWindowSet) set = vsa_window_set_parse (spec, &error);

  if (set == NULL)
    {
      *ret_why = g_strdup (error->message);
      return TRUE;
    }
  if (vsa_window_set_can_open (set, now))
    return FALSE;
  *ret_why = g_strdup ("it has no window at all");
  return TRUE;
}

gboolean
vsa_audit_stored_windows (const char *name, xmlDoc *doc, GDateTime *now, const char *decode_error,
                          GPtrArray *findings)
{
  xmlNode *console = stored_console (doc);
  g_autofree char *object = g_strdup_printf ("VM %s", name);
  gboolean explains = FALSE;

  for (xmlNode *n = console ? console->children : NULL; n; n = n->next)
    {
      g_autofree char *user = NULL;
      g_autofree char *spec = NULL;
      g_autofree char *why = NULL;
      g_autofree char *fix = NULL;

      if (!vsa_xml_is_element_ns (n, VSA_METADATA_NS, "access") ||
          (spec = vsa_xml_get (n, "when")) == NULL || !window_never_opens (spec, now, &why))
        continue;
      explains = explains || (decode_error && g_str_has_suffix (decode_error, why));
      /* The accepted forms are in the fix; the message keeps the reason. */
      if (g_str_has_suffix (why, "; accepted: " VSA_WINDOW_FORMS))
        why[strlen (why) - strlen ("; accepted: " VSA_WINDOW_FORMS)] = '\0';
      user = vsa_xml_get (n, "user");
      fix = g_strdup_printf ("virsh edit %s: give %s a when= that opens (%s), or remove it",
                             name, user ? user : "the user", VSA_WINDOW_FORMS);
      vsa_findings_add (findings, "VSA-W04", VSA_SEVERITY_HIGH, object, fix,
                        "metadata: line %ld: user %s: the stored window '%s' never opens: %s; "
                        "the VM cannot start and is unreadable until it is fixed",
                        xmlGetLineNo (n), user ? user : "?", spec, why);
    }
  return explains;
}
