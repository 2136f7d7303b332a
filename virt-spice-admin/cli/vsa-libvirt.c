/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-libvirt.h"
#include "vsa-error.h"
#include "vsa-policy.h"
#include "vsa-spice.h"
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

char *
vsa_libvirt_get_xml (virDomain *dom, unsigned int flags, GError **error)
{
  char *raw = virDomainGetXMLDesc (dom, flags);
  char *copy;

  if (raw == NULL)
    {
      vsa_libvirt_set_error (error, "cannot read the XML of VM '%s'", virDomainGetName (dom));
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
  int active = virDomainIsActive (dom);

  if (active < 0)
    return vsa_libvirt_set_error (error, "cannot tell whether VM '%s' is running",
                                  virDomainGetName (dom));
  return active == 1;
}

gboolean
vsa_libvirt_define (virConnect *conn, const char *xml, GError **error)
{
  g_autoptr (virDomain) dom = virDomainDefineXMLFlags (conn, xml, VIR_DOMAIN_DEFINE_VALIDATE);

  if (dom == NULL)
    return vsa_libvirt_set_error (error, "libvirt refused the new domain XML; nothing was changed");
  return TRUE;
}

static void
collect_ports_of (virDomain *dom, unsigned int flags, GArray *ports)
{
  g_autoptr (xmlDoc) doc = vsa_libvirt_get_doc (dom, flags, NULL);

  if (doc != NULL)
    vsa_domain_collect_graphics_ports (doc, ports);
}

/* Every graphics port any other domain configures or (when running)
 * really uses, mapped to that domain's name. */
GHashTable *
vsa_libvirt_ports_in_use (virConnect *conn, virDomain *except, GError **error)
{
  g_autoptr (GHashTable) used = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  virDomainPtr *domains = NULL;
  unsigned char except_uuid[VIR_UUID_BUFLEN] = { 0 };
  int n = virConnectListAllDomains (conn, &domains, 0);

  if (n < 0)
    {
      vsa_libvirt_set_error (error, "cannot list the domains to find free ports");
      return NULL;
    }
  if (except)
    virDomainGetUUID (except, except_uuid);

  for (int i = 0; i < n; i++)
    {
      unsigned char uuid[VIR_UUID_BUFLEN];
      g_autoptr (GArray) ports = g_array_new (FALSE, FALSE, sizeof (int));

      virDomainGetUUID (domains[i], uuid);
      if (except == NULL || memcmp (uuid, except_uuid, sizeof uuid) != 0)
        {
          collect_ports_of (domains[i], VIR_DOMAIN_XML_INACTIVE, ports);
          if (virDomainIsActive (domains[i]) == 1)
            collect_ports_of (domains[i], 0, ports);
          for (guint j = 0; j < ports->len; j++)
            g_hash_table_replace (used, GINT_TO_POINTER (g_array_index (ports, int, j)),
                                  g_strdup (virDomainGetName (domains[i])));
        }
      virDomainFree (domains[i]);
    }
  free (domains);
  return g_steal_pointer (&used);
}

static void
free_domain (gpointer dom)
{
  virDomainFree (dom);
}

static int
compare_domain_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (virDomainGetName (*(virDomain **) a), virDomainGetName (*(virDomain **) b));
}

/* Every domain on the connection, sorted by name so listings and exports
 * do not depend on libvirt's order. */
GPtrArray *
vsa_libvirt_list_domains (virConnect *conn, GError **error)
{
  virDomainPtr *domains = NULL;
  int n = virConnectListAllDomains (conn, &domains, 0);
  GPtrArray *list;

  if (n < 0)
    {
      vsa_libvirt_set_error (error, "cannot list the domains");
      return NULL;
    }
  list = g_ptr_array_new_with_free_func (free_domain);
  for (int i = 0; i < n; i++)
    g_ptr_array_add (list, domains[i]);
  free (domains);
  g_ptr_array_sort (list, compare_domain_names);
  return list;
}
