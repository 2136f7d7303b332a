/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-inventory.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-xml.h"

void
vsa_vm_record_free (VsaVmRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->name);
  g_clear_pointer (&record->config_doc, xmlFreeDoc);
  g_clear_pointer (&record->live_doc, xmlFreeDoc);
  vsa_policy_free (record->policy);
  vsa_policy_free (record->live_policy);
  vsa_spice_info_clear (&record->spice);
  g_free (record);
}

static VsaVmRecord *
read_record (virDomain *dom, GError **error)
{
  g_autoptr (VsaVmRecord) record = g_new0 (VsaVmRecord, 1);
  g_auto (VsaSpiceInfo) live = { 0 };

  record->name = g_strdup (virDomainGetName (dom));
  record->running = virDomainIsActive (dom) == 1;
  record->config_doc = vsa_libvirt_get_doc (dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE, error);
  if (record->config_doc == NULL ||
      !vsa_policy_from_domain (record->config_doc, &record->policy, error) ||
      !vsa_spice_describe (record->config_doc, &record->spice, error))
    return NULL;
  if (record->running)
    {
      record->live_doc = vsa_libvirt_get_doc (dom, 0, error);
      if (record->live_doc == NULL ||
          !vsa_policy_from_domain (record->live_doc, &record->live_policy, error) ||
          !vsa_spice_describe (record->live_doc, &live, error))
        return NULL;
      record->live_tls_port = live.tls_port;
    }
  return g_steal_pointer (&record);
}

static gint
compare_by_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(VsaVmRecord *const *) a)->name, (*(VsaVmRecord *const *) b)->name);
}

static gboolean
check_names_exist (GPtrArray *records, char **only, GError **error)
{
  for (guint i = 0; only && only[i]; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < records->len && !found; j++)
        found = g_strcmp0 (((VsaVmRecord *) g_ptr_array_index (records, j))->name, only[i]) == 0;
      if (!found)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                       "VM '%s' not found on this connection; list the VMs with 'virsh list --all'",
                       only[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* All domains (or the ONLY ones, each of which must exist), by name.  A
 * domain whose XML cannot be read is an error naming it. */
GPtrArray *
vsa_inventory_collect (virConnect *conn, char **only, GError **error)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_vm_record_free);
  virDomainPtr *domains = NULL;
  int n = virConnectListAllDomains (conn, &domains, 0);
  gboolean ok = TRUE;

  if (n < 0)
    {
      vsa_libvirt_set_error (error, "cannot list the domains");
      return NULL;
    }
  for (int i = 0; i < n; i++)
    {
      const char *name = virDomainGetName (domains[i]);

      if (ok && (only == NULL || only[0] == NULL || g_strv_contains ((const char *const *) only, name)))
        {
          VsaVmRecord *record = read_record (domains[i], error);

          if (record == NULL)
            {
              g_prefix_error (error, "VM '%s': ", name);
              ok = FALSE;
            }
          else
            g_ptr_array_add (records, record);
        }
      virDomainFree (domains[i]);
    }
  free (domains);
  if (!ok || !check_names_exist (records, only, error))
    return NULL;
  g_ptr_array_sort (records, compare_by_name);
  return g_steal_pointer (&records);
}
