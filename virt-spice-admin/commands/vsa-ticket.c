/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-ticket.h"
#include "vsa-address.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-libvirt.h"
#include "vsa-time.h"
#include "vsa-tls.h"
#include "vsa-vv.h"
#include "vsa-xml.h"

#include <string.h>

void
vsa_ticket_clear (VsaTicket *t)
{
  vsa_spice_info_clear (&t->live);
  if (t->old_graphics)
    memset (t->old_graphics, 0, strlen (t->old_graphics));
  g_clear_pointer (&t->old_graphics, g_free);
  g_clear_pointer (&t->password, vsa_secret_free);
  g_clear_pointer (&t->valid_to, g_free);
}

/* DOC: the running VM's XML with its secrets (VIR_DOMAIN_XML_SECURE). */
gboolean
vsa_ticket_from_doc (xmlDoc *doc, const VsaPolicy *policy, VsaTicket *t, GError **error)
{
  if (!vsa_spice_describe (doc, &t->live, error))
    return FALSE;
  if (policy == NULL || t->live.tls_port <= 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s' has no managed TLS console; run 'virt-spice-admin secure %s' and restart it",
                   t->vm, t->vm);
      return FALSE;
    }
  t->auth = policy->auth;
  t->old_graphics = vsa_xml_serialize_node (doc, vsa_spice_find_graphics (doc));
  return TRUE;
}

void
vsa_ticket_set_lifetime (VsaTicket *t, gint64 seconds)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) until = g_date_time_add_seconds (now, (gdouble) seconds);

  g_free (t->valid_to);
  t->valid_to = vsa_format_libvirt_time (until);
}

gboolean
vsa_ticket_set_live_graphics (virDomain *dom, const char *xml, GError **error)
{
  if (virDomainUpdateDeviceFlags (dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
    return vsa_libvirt_set_error (error, "cannot set the ticket on the running VM");
  return TRUE;
}

/* CONNECTED is qemu's choice for a client already connected: "keep" it,
 * "disconnect" it (take-over), or "fail" (refuse while anyone is on). */
gboolean
vsa_ticket_issue_password (virDomain *dom, VsaTicket *t, const char *connected, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autofree char *graphics = NULL;

  t->password = vsa_secret_generate_password (error);
  if (t->password == NULL)
    return FALSE;
  doc = vsa_xml_parse (t->old_graphics, strlen (t->old_graphics), "graphics", error);
  if (doc == NULL)
    return FALSE;
  /* A lone <graphics> is not a domain: set the attributes directly. */
  vsa_xml_set (xmlDocGetRootElement (doc), "passwd", t->password);
  vsa_xml_set (xmlDocGetRootElement (doc), "passwdValidTo", t->valid_to);
  vsa_xml_set (xmlDocGetRootElement (doc), "connected", connected);
  graphics = vsa_xml_serialize_node (doc, xmlDocGetRootElement (doc));
  return vsa_ticket_set_live_graphics (dom, graphics, error);
}

static char *
read_ca (const VsaConfig *config, GError **error)
{
  char *pem = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!vsa_file_read_bounded (config->ca_file, "the CA certificate (ca-file)", VSA_FILE_TEXT_MAX,
                              &pem, NULL, &local_error))
    g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG, "%s", local_error->message);
  return pem;
}

char *
vsa_ticket_render_vv (const VsaConfig *config, const VsaTicket *t, GError **error)
{
  g_autofree char *ca = read_ca (config, error);
  g_autofree char *subject = ca ? vsa_tls_subject_for_spice (config->server_cert, error) : NULL;
  const char *host = t->host ? t->host : t->live.listen;
  VsaVvFile vv = { 0 };

  if (subject == NULL)
    return NULL;
  if (host == NULL || vsa_listen_is_wildcard (host))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s' listens on all addresses; name the address users connect to "
                   "(--host, or server-name in the configuration)", t->vm);
      return NULL;
    }
  vv.title = t->vm;
  vv.host = host;
  vv.tls_port = t->live.tls_port;
  vv.host_subject = subject;
  vv.ca_pem = ca;
  vv.username = t->auth == VSA_AUTH_SASL ? t->user : NULL;
  vv.password = t->password;
  vv.delete_this_file = TRUE;
  return vsa_vv_render (&vv);
}
