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
  g_clear_pointer (&record->dom, virDomainFree);
  g_clear_pointer (&record->config_doc, xmlFreeDoc);
  g_clear_pointer (&record->live_doc, xmlFreeDoc);
  vsa_policy_free (record->policy);
  vsa_policy_free (record->live_policy);
  vsa_spice_info_clear (&record->spice);
  g_free (record->unreadable);
  g_free (record);
}

static gboolean
read_config (virDomain *dom, VsaVmRecord *record, VsaInventoryFlags flags, GError **error)
{
  unsigned int xml_flags = VIR_DOMAIN_XML_INACTIVE |
                           (flags & VSA_INVENTORY_SECRETS ? VIR_DOMAIN_XML_SECURE : 0);

  record->config_doc = vsa_libvirt_get_doc (dom, xml_flags, error);
  return record->config_doc != NULL &&
         vsa_policy_from_domain (record->config_doc, &record->policy, error) &&
         vsa_spice_describe (record->config_doc, &record->spice, error);
}

static gboolean
read_live (virDomain *dom, VsaVmRecord *record, GError **error)
{
  g_auto (VsaSpiceInfo) live = { 0 };

  record->live_doc = vsa_libvirt_get_doc (dom, 0, error);
  if (record->live_doc == NULL ||
      !vsa_policy_from_domain (record->live_doc, &record->live_policy, error) ||
      !vsa_spice_describe (record->live_doc, &live, error))
    return FALSE;
  record->live_tls_port = live.tls_port;
  return TRUE;
}

/* NULL: a shut-off domain the flags leave out.  On an error the record
 * holds what could be read; a live XML that cannot be read says so. */
static VsaVmRecord *
read_record (virDomain *dom, VsaInventoryFlags flags, GError **error)
{
  g_autoptr (VsaVmRecord) record = g_new0 (VsaVmRecord, 1);
  gboolean running_only = (flags & VSA_INVENTORY_RUNNING_ONLY) != 0;

  record->name = g_strdup (virDomainGetName (dom));
  /* The id came with the listing or the lookup (-1: shut off): what
   * virDomainIsActive would answer, without one more call per domain. */
  record->running = virDomainGetID (dom) != (unsigned int) -1;
  virDomainRef (dom);
  record->dom = dom;
  if (running_only && !record->running)
    return NULL;
  if (running_only || read_config (dom, record, flags, error))
    {
      if (record->running && (flags & (VSA_INVENTORY_LIVE | VSA_INVENTORY_RUNNING_ONLY)) &&
          !read_live (dom, record, error))
        g_prefix_error (error, "the running VM's live XML: ");
    }
  return g_steal_pointer (&record);
}

static gint
compare_by_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(VsaVmRecord *const *) a)->name, (*(VsaVmRecord *const *) b)->name);
}

/* Adds DOM's record; FALSE (with an error naming it) when it cannot be
 * read, unless BEST_EFFORT: then with what could be read and why the
 * rest could not, so one broken domain never hides the others. */
static gboolean
add_record (GPtrArray *records, virDomain *dom, VsaInventoryFlags flags, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (VsaVmRecord) record = read_record (dom, flags, &local_error);

  if (local_error != NULL && !(flags & VSA_INVENTORY_BEST_EFFORT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "VM '%s': ",
                                  virDomainGetName (dom));
      return FALSE;
    }
  if (record == NULL)
    return TRUE;
  if (local_error != NULL)
    record->unreadable = g_strdup (local_error->message);
  g_ptr_array_add (records, g_steal_pointer (&record));
  return TRUE;
}

/* The ONLY ones, looked up by name: naming one VM of many reads that one
 * (a listing would bring every domain over the connection). */
static gboolean
collect_named (virConnect *conn, char **only, VsaInventoryFlags flags, GPtrArray *records,
               GError **error)
{
  for (guint i = 0; only[i]; i++)
    {
      g_autoptr (virDomain) dom = NULL;

      if (g_strv_contains ((const char *const *) only + i + 1, only[i]))
        continue; /* named twice: reported once, at its last mention */
      if ((dom = vsa_libvirt_lookup (conn, only[i], error)) == NULL ||
          !add_record (records, dom, flags, error))
        return FALSE;
    }
  return TRUE;
}

/* A domain named in KNOWN gets a record with its name only: the caller
 * has its definition already, and reading it again would cost a dump. */
static gboolean
collect_all (virConnect *conn, GHashTable *known, VsaInventoryFlags flags, GPtrArray *records,
             GError **error)
{
  virDomainPtr *domains = NULL;
  int n = virConnectListAllDomains (conn, &domains, 0);
  gboolean ok = TRUE;

  if (n < 0)
    return vsa_libvirt_set_error (error, "cannot list the domains");
  for (int i = 0; i < n; i++)
    {
      const char *name = virDomainGetName (domains[i]);

      if (ok && known != NULL && g_hash_table_contains (known, name))
        {
          VsaVmRecord *record = g_new0 (VsaVmRecord, 1);

          record->name = g_strdup (name);
          g_ptr_array_add (records, record);
        }
      else if (ok)
        ok = add_record (records, domains[i], flags, error);
      virDomainFree (domains[i]);
    }
  free (domains);
  return ok;
}

/* All domains (or the ONLY ones, each of which must exist), by name.  A
 * domain whose XML cannot be read is an error naming it (BEST_EFFORT: a
 * record with `unreadable` set). */
GPtrArray *
vsa_inventory_collect (virConnect *conn, char **only, VsaInventoryFlags flags, GError **error)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_vm_record_free);
  gboolean named = only != NULL && only[0] != NULL;

  if (!(named ? collect_named (conn, only, flags, records, error)
              : collect_all (conn, NULL, flags, records, error)))
    return NULL;
  g_ptr_array_sort (records, compare_by_name);
  return g_steal_pointer (&records);
}

/* Every domain, by name, those in KNOWN (a set of names) as a name only. */
GPtrArray *
vsa_inventory_collect_except (virConnect *conn, GHashTable *known, VsaInventoryFlags flags,
                              GError **error)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_vm_record_free);

  if (!collect_all (conn, known, flags, records, error))
    return NULL;
  g_ptr_array_sort (records, compare_by_name);
  return g_steal_pointer (&records);
}

/* How many RECORDS are unreadable; *RET_NAMES (if not NULL) their names,
 * comma-separated, for the one-line error that sets the exit status. */
guint
vsa_inventory_count_unreadable (GPtrArray *records, char **ret_names)
{
  g_autoptr (GString) names = g_string_new (NULL);
  guint n = 0;

  for (guint i = 0; i < records->len; i++)
    {
      VsaVmRecord *vm = g_ptr_array_index (records, i);

      if (vm->unreadable == NULL)
        continue;
      g_string_append_printf (names, "%s%s", n++ ? ", " : "", vm->name);
    }
  if (ret_names)
    *ret_names = g_string_free (g_steal_pointer (&names), FALSE);
  return n;
}

static void
free_domain (gpointer dom)
{
  virDomainFree (dom);
}

/* Every graphics port any other domain configures or (when running)
 * really uses, mapped to that domain's name; *RET_DOMAINS (if not NULL)
 * every domain listed, by name, for a caller that goes on to edit them.  A domain that cannot be
 * read holds no port here: libvirt refuses a clash at start anyway. */
GHashTable *
vsa_inventory_ports_in_use (virConnect *conn, const char *except, GHashTable **ret_domains,
                            GError **error)
{
  g_autoptr (GPtrArray) vms = vsa_inventory_collect (conn, NULL, VSA_INVENTORY_LIVE |
                                                     VSA_INVENTORY_BEST_EFFORT, error);
  g_autoptr (GHashTable) used = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  g_autoptr (GHashTable) domains = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          free_domain);

  if (vms == NULL)
    return NULL;
  for (guint i = 0; i < vms->len; i++)
    {
      VsaVmRecord *vm = g_ptr_array_index (vms, i);
      g_autoptr (GArray) ports = g_array_new (FALSE, FALSE, sizeof (int));

      if (vm->dom != NULL)
        g_hash_table_insert (domains, g_strdup (vm->name), g_steal_pointer (&vm->dom));
      if (g_strcmp0 (vm->name, except) == 0)
        continue;
      if (vm->config_doc != NULL)
        vsa_domain_collect_graphics_ports (vm->config_doc, ports);
      if (vm->live_doc != NULL)
        vsa_domain_collect_graphics_ports (vm->live_doc, ports);
      for (guint j = 0; j < ports->len; j++)
        g_hash_table_replace (used, GINT_TO_POINTER (g_array_index (ports, int, j)),
                              g_strdup (vm->name));
    }
  if (ret_domains != NULL)
    *ret_domains = g_steal_pointer (&domains);
  return g_steal_pointer (&used);
}
