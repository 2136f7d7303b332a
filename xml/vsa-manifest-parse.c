/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manifest as a whole: schema first, then hosts with their VMs and
 * the checks across VMs of one host, then client hosts, which refer to the
 * users the VMs declare. */
#include "vsa-manifest-error.h"
#include "vsa-manifest-vm.h"
#include "vsa-address.h"
#include "vsa-schema.h"
#include "vsa-ssh-key.h"
#include "vsa-xml.h"

#include <string.h>

static const char *
first_shared_lv (const VsaManifestVm *vm, const VsaManifestVm *other)
{
  for (guint i = 0; i < vm->volumes->len; i++)
    {
      const VsaVolume *mine = ((VsaManifestVolume *) g_ptr_array_index (vm->volumes, i))->volume;

      for (guint j = 0; j < other->volumes->len; j++)
        if (g_str_equal (mine->lv, ((VsaManifestVolume *) g_ptr_array_index (other->volumes, j))->volume->lv))
          return mine->lv;
    }
  return NULL;
}

/* A user's console key of VM that OTHER gives another key, or NULL. */
static const VsaBrokerUser *
first_other_key (const VsaManifestVm *vm, const VsaManifestVm *other)
{
  for (guint i = 0; i < vm->broker_users->len; i++)
    {
      const VsaBrokerUser *mine = g_ptr_array_index (vm->broker_users, i);

      for (guint j = 0; mine->key && j < other->broker_users->len; j++)
        {
          const VsaBrokerUser *theirs = g_ptr_array_index (other->broker_users, j);

          if (g_str_equal (mine->user, theirs->user) && theirs->key &&
              !vsa_ssh_key_same (mine->key, theirs->key))
            return mine;
        }
    }
  return NULL;
}

/* Within one host: a VM once, an explicit port and a logical volume for
 * one VM only, one console key per user (`broker install` writes one key
 * line per user for all her VMs). */
static gboolean
check_vm_against_host (const VsaManifestParse *st, xmlNode *node, const VsaManifestHost *host,
                       const VsaManifestVm *vm, GError **error)
{
  /* VM is the last one added. */
  for (guint i = 0; i + 1 < host->vms->len; i++)
    {
      const VsaManifestVm *other = g_ptr_array_index (host->vms, i);
      const VsaBrokerUser *other_key;
      const char *shared_lv;

      if (g_str_equal (other->name, vm->name))
        return vsa_manifest_fail_at (st, node, error,
                                     "VM '%s' is declared twice for host '%s' (first at line %ld)",
                                     vm->name, host->name, other->line);
      if (vm->tls_port != 0 && other->tls_port == vm->tls_port)
        return vsa_manifest_fail_at (st, node, error,
                                     "TLS port %d of VM '%s' is also given to VM '%s'; "
                                     "pick another or use auto",
                                     vm->tls_port, vm->name, other->name);
      other_key = first_other_key (vm, other);
      if (other_key)
        return vsa_manifest_fail_at (st, node, error,
                                     "user '%s' has one console key for VM '%s' and another for "
                                     "VM '%s'; give both the same ssh-key",
                                     other_key->user, other->name, vm->name);
      shared_lv = first_shared_lv (vm, other);
      if (shared_lv)
        return vsa_manifest_fail_at (st, node, error,
                                     "logical volume %s is given to VM '%s' and VM '%s'; "
                                     "a volume belongs to one VM",
                                     shared_lv, vm->name, other->name);
    }
  return TRUE;
}

static gboolean
check_host_unique (const VsaManifestParse *st, xmlNode *node, const VsaManifest *manifest,
                   const VsaManifestHost *host, GError **error)
{
  for (guint i = 0; i < manifest->hosts->len; i++)
    {
      const VsaManifestHost *other = g_ptr_array_index (manifest->hosts, i);

      if (g_str_equal (other->name, host->name))
        return vsa_manifest_fail_at (st, node, error,
                                     "host '%s' is declared twice; merge the two", host->name);
      if (g_strcmp0 (other->uri, host->uri) == 0)
        return vsa_manifest_fail_at (st, node, error,
                                     "hosts '%s' and '%s' have the same %s; merge the two",
                                     other->name, host->name,
                                     host->uri ? "uri" : "default URI (no uri)");
    }
  return TRUE;
}

/* The schema checked the attributes' form; the key is parsed as the
 * broker's clients will pin it. */
static gboolean
parse_broker (const VsaManifestParse *st, xmlNode *node, VsaManifestHost *host, GError **error)
{
  g_autofree char *text = vsa_xml_get (node, "host-key");
  g_autofree char *port = vsa_xml_get (node, "port");
  g_autoptr (VsaSshKey) key = vsa_ssh_key_parse (text, strlen (text), error);

  if (key == NULL)
    {
      g_prefix_error (error, "%s: line %ld: host '%s': <broker host-key>: ", st->what,
                      xmlGetLineNo (node), host->name);
      return FALSE;
    }
  host->broker_host_key = g_strdup_printf ("%s %s", key->type, key->blob);
  host->broker_host = vsa_xml_get (node, "host");
  host->broker_port = port ? (int) g_ascii_strtoll (port, NULL, 10) : 22;
  return TRUE;
}

static VsaManifestHost *
parse_host (const VsaManifestParse *st, xmlNode *node, const VsaManifest *manifest, GError **error)
{
  g_autoptr (VsaManifestHost) host = vsa_manifest_host_new ();

  host->name = vsa_xml_get (node, "name");
  host->uri = vsa_xml_get (node, "uri");
  host->line = xmlGetLineNo (node);
  if (!check_host_unique (st, node, manifest, host, error))
    return NULL;
  for (xmlNode *n = node->children; n; n = n->next)
    {
      VsaManifestVm *vm;

      if (vsa_manifest_is_element (n, "broker") && !parse_broker (st, n, host, error))
        return NULL;
      if (!vsa_manifest_is_element (n, "vm"))
        continue;
      if ((vm = vsa_manifest_parse_vm (st, n, error)) == NULL)
        return NULL;
      g_ptr_array_add (host->vms, vm);
      if (!check_vm_against_host (st, n, host, vm, error))
        return NULL;
    }
  return g_steal_pointer (&host);
}

static gboolean
user_is_assigned (const VsaManifest *manifest, const char *user)
{
  for (guint i = 0; i < manifest->hosts->len; i++)
    {
      VsaManifestHost *host = g_ptr_array_index (manifest->hosts, i);

      for (guint j = 0; j < host->vms->len; j++)
        {
          VsaManifestVm *vm = g_ptr_array_index (host->vms, j);

          if (vsa_access_find (vm->access, user) != NULL)
            return TRUE;
        }
    }
  return FALSE;
}

/* The user's UID on the client host: its firewall matches numbers, and
 * apply renders the bundle on the server, where the account may differ. */
static gboolean
parse_uid (const VsaManifestParse *st, xmlNode *n, VsaManifestClientHost *client,
           const char *user, GError **error)
{
  g_autofree char *text = vsa_xml_get (n, "uid");
  guint64 uid;

  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT32 - 1, &uid, NULL))
    return vsa_manifest_fail_at (st, n, error, "uid '%s' of user '%s' is not a UID from 1 to "
                                 "4294967294", text, user);
  g_hash_table_insert (client->uids, g_strdup (user), GUINT_TO_POINTER ((guint) uid));
  return TRUE;
}

static gboolean
parse_client_users (const VsaManifestParse *st, xmlNode *node, const VsaManifest *manifest,
                    VsaManifestClientHost *client, GError **error)
{
  for (xmlNode *n = node->children; n; n = n->next)
    {
      g_autofree char *user = NULL;

      if (!vsa_manifest_is_element (n, "user"))
        continue;
      user = vsa_xml_get (n, "name");
      if (!vsa_validate_user_name (user, error))
        return vsa_manifest_prefix_at (st, n, error);
      if (vsa_manifest_strings_contain (client->users, user))
        return vsa_manifest_fail_at (st, n, error, "user '%s' is listed twice for client host '%s'",
                                     user, client->name);
      if (!user_is_assigned (manifest, user))
        return vsa_manifest_fail_at (st, n, error,
                                     "user '%s' of client host '%s' has no VM in this manifest; "
                                     "add <user name='%s'/> to a VM or remove it here",
                                     user, client->name, user);
      if (!parse_uid (st, n, client, user, error))
        return FALSE;
      g_ptr_array_add (client->users, g_steal_pointer (&user));
    }
  return TRUE;
}

static gboolean
check_client_host (const VsaManifestParse *st, xmlNode *node, const VsaManifest *manifest,
                   const VsaManifestClientHost *client, GError **error)
{
  if (!vsa_validate_client (client->name, error) || !vsa_validate_client (client->address, error))
    return vsa_manifest_prefix_at (st, node, error);
  for (guint i = 0; i < manifest->client_hosts->len; i++)
    if (g_str_equal (((VsaManifestClientHost *) g_ptr_array_index (manifest->client_hosts, i))->name,
                     client->name))
      return vsa_manifest_fail_at (st, node, error,
                                   "client host '%s' is declared twice; merge the two",
                                   client->name);
  return TRUE;
}

static VsaManifestClientHost *
parse_client_host (const VsaManifestParse *st, xmlNode *node, const VsaManifest *manifest,
                   GError **error)
{
  g_autoptr (VsaManifestClientHost) client = vsa_manifest_client_host_new ();

  client->name = vsa_xml_get (node, "name");
  client->address = vsa_xml_get (node, "address");
  client->rules = vsa_xml_get (node, "rules");
  if (client->rules == NULL)
    client->rules = g_strdup ("nft");
  client->line = xmlGetLineNo (node);
  if (!check_client_host (st, node, manifest, client, error) ||
      !parse_client_users (st, node, manifest, client, error))
    return NULL;
  return g_steal_pointer (&client);
}

typedef gpointer (*ParseElement) (const VsaManifestParse *st, xmlNode *node,
                                  const VsaManifest *manifest, GError **error);

/* Each child NAME of PARENT, parsed with PARSE (which sees what is parsed
 * so far), into ITEMS. */
static gboolean
parse_each (const VsaManifestParse *st, xmlNode *parent, const char *name, ParseElement parse,
            VsaManifest *manifest, GPtrArray *items, GError **error)
{
  for (xmlNode *n = parent->children; n; n = n->next)
    {
      gpointer item;

      if (!vsa_manifest_is_element (n, name))
        continue;
      if ((item = parse (st, n, manifest, error)) == NULL)
        return FALSE;
      g_ptr_array_add (items, item);
    }
  return TRUE;
}

/* Hosts first: client hosts refer to the users the VMs declare. */
static gboolean
build_manifest (const VsaManifestParse *st, xmlNode *root, VsaManifest *manifest, GError **error)
{
  return parse_each (st, root, "host", (ParseElement) parse_host, manifest, manifest->hosts,
                     error) &&
         parse_each (st, root, "client-host", (ParseElement) parse_client_host, manifest,
                     manifest->client_hosts, error);
}

VsaManifest *
vsa_manifest_parse (const char *text, gsize len, const char *what, GError **error)
{
  g_autoptr (xmlDoc) doc = vsa_xml_parse (text, len, what, error);
  g_autoptr (VsaManifest) manifest = NULL;
  VsaManifestParse st = { what };

  if (doc == NULL ||
      !vsa_schema_validate (doc, vsa_manifest_schema (), "vsa-manifest.rng", what, error))
    return NULL;
  manifest = vsa_manifest_new ();
  if (!build_manifest (&st, xmlDocGetRootElement (doc), manifest, error))
    return NULL;
  return g_steal_pointer (&manifest);
}
