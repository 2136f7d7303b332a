/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-libvirt.h"
#include "vsa-error.h"
#include "vsa-policy.h"
#include "vsa-xml.h"

#include <libvirt/virterror.h>
#include <string.h>

static void
ignore_libvirt_error (void *opaque, virErrorPtr err)
{
  (void) opaque;
  (void) err;
}

/* libvirt prints every error to stderr by default; we report each one
 * once, in our own words, through GError. */
void
vsa_libvirt_init (void)
{
  virSetErrorFunc (NULL, ignore_libvirt_error);
}

/* Appends libvirt's last error message to FORMAT and always returns FALSE. */
gboolean
vsa_libvirt_set_error (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *prefix = NULL;
  const char *detail = virGetLastErrorMessage ();

  va_start (args, format);
  prefix = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, VSA_ERROR, VSA_ERROR_LIBVIRT, "%s: %s", prefix, detail);
  return FALSE;
}

virConnect *
vsa_libvirt_open (const char *uri, GError **error)
{
  virConnect *conn = virConnectOpen (uri);

  if (conn == NULL)
    vsa_libvirt_set_error (error, "cannot connect to libvirt at '%s' (is libvirtd running? "
                           "choose another URI with -c)", uri);
  return conn;
}

/* libvirtd restarted under systemd answers again within a few seconds. */
#define REOPEN_ATTEMPTS 10
#define REOPEN_INTERVAL_US (G_USEC_PER_SEC / 2)

/* A new connection to CONN's URI, for when CONN died (libvirtd killed or
 * restarted): a few tries while libvirtd comes back. */
virConnect *
vsa_libvirt_reopen (virConnect *conn, GError **error)
{
  char *uri = virConnectGetURI (conn);
  g_autofree char *text = g_strdup (uri ? uri : "");
  virConnect *fresh = NULL;

  free (uri);
  for (int attempt = 0; fresh == NULL && attempt < REOPEN_ATTEMPTS; attempt++)
    {
      if (attempt > 0)
        g_usleep (REOPEN_INTERVAL_US);
      fresh = virConnectOpen (text);
    }
  if (fresh == NULL)
    vsa_libvirt_set_error (error, "cannot connect to libvirt at '%s' again", text);
  return fresh;
}

virDomain *
vsa_libvirt_lookup (virConnect *conn, const char *name, GError **error)
{
  virDomain *dom;

  if (!vsa_validate_vm_name (name, error))
    return NULL;
  dom = virDomainLookupByName (conn, name);
  if (dom == NULL)
    {
      virErrorPtr err = virGetLastError ();

      if (err && err->code == VIR_ERR_NO_DOMAIN)
        g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                     "VM '%s' not found on this connection; list the VMs with 'virsh list --all'",
                     name);
      else
        vsa_libvirt_set_error (error, "cannot look up VM '%s'", name);
    }
  return dom;
}

/* The name is taken first: each libvirt call clears the last error. */
char *
vsa_libvirt_get_xml (virDomain *dom, unsigned int flags, GError **error)
{
  const char *name = virDomainGetName (dom);
  char *raw = virDomainGetXMLDesc (dom, flags);
  char *copy;

  if (raw == NULL)
    {
      /* NO_DOMAIN: undefined since DOM was looked up or listed. */
      g_set_error (error, VSA_ERROR,
                   virGetLastErrorCode () == VIR_ERR_NO_DOMAIN ? VSA_ERROR_NOT_FOUND
                                                               : VSA_ERROR_LIBVIRT,
                   "cannot read the XML of VM '%s': %s", name, virGetLastErrorMessage ());
      return NULL;
    }
  /* Move into GLib's allocator so callers can g_autofree it. */
  copy = g_strdup (raw);
  memset (raw, 0, strlen (raw));
  free (raw);
  return copy;
}

/* Parsed, and the text (which may hold the password) wiped at once. */
xmlDoc *
vsa_libvirt_get_doc (virDomain *dom, unsigned int flags, GError **error)
{
  g_autofree char *xml = vsa_libvirt_get_xml (dom, flags, error);
  xmlDoc *doc;

  if (xml == NULL)
    return NULL;
  doc = vsa_xml_parse (xml, strlen (xml), "domain XML", error);
  memset (xml, 0, strlen (xml));
  return doc;
}

gboolean
vsa_libvirt_is_active (virDomain *dom, GError **error)
{
  const char *name = virDomainGetName (dom);
  int active = virDomainIsActive (dom);

  if (active < 0)
    return vsa_libvirt_set_error (error, "cannot tell whether VM '%s' is running", name);
  return active == 1;
}

gboolean
vsa_libvirt_define (virConnect *conn, const char *xml, gboolean validate,
                    gboolean *ret_running, GError **error)
{
  g_autoptr (virDomain) dom = virDomainDefineXMLFlags (conn, xml,
                                                       validate ? VIR_DOMAIN_DEFINE_VALIDATE : 0);
  g_autofree char *detail = NULL;

  if (dom != NULL)
    {
      /* The reply carries the domain's id, -1 while it is shut off. */
      if (ret_running != NULL)
        *ret_running = virDomainGetID (dom) != (unsigned int) -1;
      return TRUE;
    }
  /* Taken first: asking whether the connection lives clears it. */
  detail = g_strdup (virGetLastErrorMessage ());
  /* libvirtd may have saved the new definition and died before replying. */
  g_set_error (error, VSA_ERROR, VSA_ERROR_LIBVIRT, "%s: %s",
               virConnectIsAlive (conn) == 1 ? "libvirt refused the new domain XML"
                                             : "the connection to libvirt broke before it answered the define",
               detail);
  return FALSE;
}

