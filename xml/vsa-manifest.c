/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-manifest.h"
#include "vsa-ssh-key.h"
#include "vsa-tunnel.h"
#include "vsa-address.h"
#include "vsa-disk.h"
#include "vsa-error.h"
#include "vsa-qemu.h"
#include "vsa-xml.h"

#include <libxml/relaxng.h>
#include <string.h>

/* Generated at build time from vsa-manifest.rng (see meson.build). */
extern const char vsa_manifest_schema_text[];

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlRelaxNGParserCtxt, xmlRelaxNGFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlRelaxNG, xmlRelaxNGFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlRelaxNGValidCtxt, xmlRelaxNGFreeValidCtxt)

const char *
vsa_manifest_schema (void)
{
  return vsa_manifest_schema_text;
}

/* --- the model ----------------------------------------------------------- */

static void
env_free (VsaManifestEnv *env)
{
  g_free (env->name);
  g_free (env->value);
  g_free (env);
}

static void
volume_free (VsaManifestVolume *volume)
{
  vsa_volume_free (volume->volume);
  g_free (volume->target);
  g_free (volume);
}

static void
tunnel_free (VsaManifestTunnel *tunnel)
{
  g_free (tunnel->user);
  g_free (tunnel->ssh_key);
  g_free (tunnel->from);
  g_free (tunnel);
}

static void
vm_free (VsaManifestVm *vm)
{
  g_free (vm->name);
  g_free (vm->listen);
  g_free (vm->compression);
  g_free (vm->password_valid_for);
  g_free (vm->password_connected);
  g_ptr_array_unref (vm->access);
  g_ptr_array_unref (vm->tunnels);
  g_ptr_array_unref (vm->volumes);
  g_ptr_array_unref (vm->qemu_env);
  g_ptr_array_unref (vm->qemu_args);
  g_free (vm);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaManifestVm, vm_free)

static VsaManifestVm *
vm_new (void)
{
  VsaManifestVm *vm = g_new0 (VsaManifestVm, 1);

  vm->access = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_access_free);
  vm->tunnels = g_ptr_array_new_with_free_func ((GDestroyNotify) tunnel_free);
  vm->volumes = g_ptr_array_new_with_free_func ((GDestroyNotify) volume_free);
  vm->qemu_env = g_ptr_array_new_with_free_func ((GDestroyNotify) env_free);
  vm->qemu_args = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  return vm;
}

static void
host_free (VsaManifestHost *host)
{
  g_free (host->name);
  g_free (host->uri);
  g_ptr_array_unref (host->vms);
  g_free (host);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaManifestHost, host_free)

static void
client_host_free (VsaManifestClientHost *client)
{
  g_free (client->name);
  g_free (client->address);
  g_free (client->rules);
  g_ptr_array_unref (client->users);
  g_free (client);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaManifestClientHost, client_host_free)

void
vsa_manifest_free (VsaManifest *manifest)
{
  if (manifest == NULL)
    return;
  g_ptr_array_unref (manifest->hosts);
  g_ptr_array_unref (manifest->client_hosts);
  g_free (manifest);
}

guint
vsa_manifest_count_vms (const VsaManifest *manifest)
{
  guint n = 0;

  for (guint i = 0; i < manifest->hosts->len; i++)
    n += ((VsaManifestHost *) g_ptr_array_index (manifest->hosts, i))->vms->len;
  return n;
}

/* --- errors with line numbers ------------------------------------------ */

typedef struct {
  const char *what; /* the file name, for messages */
} ParseState;

static gboolean
fail_at (const ParseState *st, xmlNode *node, GError **error, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

static gboolean
fail_at (const ParseState *st, xmlNode *node, GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "%s: line %ld: %s", st->what,
               xmlGetLineNo (node), message);
  return FALSE;
}

/* A validator's message, placed at NODE. */
static gboolean
prefix_at (const ParseState *st, xmlNode *node, GError **error)
{
  g_prefix_error (error, "%s: line %ld: ", st->what, xmlGetLineNo (node));
  return FALSE;
}

/* --- schema ------------------------------------------------------------- */

typedef struct {
  char *message;
  long line;
  guint count;
} SchemaErrors;

/* libxml2 reports the innermost mismatch first, often without a line;
 * the errors after it (the enclosing elements) carry the node. */
static void
collect_schema_error (void *user_data, xmlErrorPtr xerr)
{
  SchemaErrors *errors = user_data;
  long line = xerr->line;

  if (line == 0 && xerr->node)
    line = xmlGetLineNo ((xmlNode *) xerr->node);
  if (errors->count++ == 0)
    errors->message = g_strchomp (g_strdup (xerr->message ? xerr->message : "invalid"));
  if (errors->line == 0)
    errors->line = line;
}

static xmlRelaxNG *
load_schema (void)
{
  const char *text = vsa_manifest_schema ();
  g_autoptr (xmlRelaxNGParserCtxt) ctxt = xmlRelaxNGNewMemParserCtxt (text, (int) strlen (text));

  return xmlRelaxNGParse (ctxt);
}

static gboolean
validate_schema (xmlDoc *doc, const ParseState *st, GError **error)
{
  g_autoptr (xmlRelaxNG) schema = load_schema ();
  g_autoptr (xmlRelaxNGValidCtxt) valid = NULL;
  SchemaErrors errors = { 0 };
  g_autofree char *message = NULL;

  g_assert (schema != NULL); /* our own schema, compiled in */
  valid = xmlRelaxNGNewValidCtxt (schema);
  xmlRelaxNGSetValidStructuredErrors (valid, collect_schema_error, &errors);
  if (xmlRelaxNGValidateDoc (valid, doc) == 0)
    return TRUE;
  message = errors.message;
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "%s: line %ld: %s (see the schema vsa-manifest.rng)", st->what, errors.line,
               message ? message : "does not match the manifest schema");
  return FALSE;
}

/* --- elements ------------------------------------------------------------ */

static gboolean
is_manifest_element (xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns &&
         g_strcmp0 ((const char *) node->ns->href, VSA_MANIFEST_NS) == 0 &&
         g_strcmp0 ((const char *) node->name, name) == 0;
}

static gboolean
contains_string (GPtrArray *strings, const char *value)
{
  return g_ptr_array_find_with_equal_func (strings, value, g_str_equal, NULL);
}

static gboolean
parse_user (const ParseState *st, xmlNode *node, VsaManifestVm *vm, GError **error)
{
  g_autofree char *name = vsa_xml_get (node, "name");
  VsaAccess *access;

  if (!vsa_validate_user_name (name, error))
    return prefix_at (st, node, error);
  for (guint i = 0; i < vm->access->len; i++)
    if (g_str_equal (((VsaAccess *) g_ptr_array_index (vm->access, i))->user, name))
      return fail_at (st, node, error, "user '%s' is listed twice for VM '%s'; merge the two",
                      name, vm->name);
  access = vsa_access_new (name);
  g_ptr_array_add (vm->access, access);
  for (xmlNode *n = node->children; n; n = n->next)
    {
      g_autofree char *address = NULL;

      if (!is_manifest_element (n, "client"))
        continue;
      address = vsa_xml_get (n, "address");
      if (!vsa_validate_client (address, error))
        return prefix_at (st, n, error);
      if (contains_string (access->clients, address))
        return fail_at (st, n, error, "client '%s' is listed twice for user '%s'", address, name);
      g_ptr_array_add (access->clients, g_steal_pointer (&address));
    }
  return TRUE;
}

static gboolean
parse_tunnel (const ParseState *st, xmlNode *node, VsaManifestVm *vm, GError **error)
{
  g_autofree char *user = vsa_xml_get (node, "user");
  g_autofree char *key_text = vsa_xml_get (node, "ssh-key");
  g_autofree char *from = vsa_xml_get (node, "from");
  g_autoptr (VsaSshKey) key = NULL;
  VsaManifestTunnel *tunnel;

  if ((key = vsa_ssh_key_parse (key_text, strlen (key_text), error)) == NULL ||
      (from && !vsa_validate_ssh_from (from, error)))
    return prefix_at (st, node, error);
  for (guint i = 0; i < vm->tunnels->len; i++)
    if (g_str_equal (((VsaManifestTunnel *) g_ptr_array_index (vm->tunnels, i))->user, user))
      return fail_at (st, node, error, "user '%s' has two tunnels to VM '%s'; keep one",
                      user, vm->name);
  tunnel = g_new0 (VsaManifestTunnel, 1);
  tunnel->user = g_steal_pointer (&user);
  tunnel->ssh_key = g_steal_pointer (&key_text);
  tunnel->from = g_steal_pointer (&from);
  tunnel->line = xmlGetLineNo (node);
  g_ptr_array_add (vm->tunnels, tunnel);
  return TRUE;
}

static gboolean
check_volume_unique (const ParseState *st, xmlNode *node, const VsaManifestVm *vm,
                     const VsaVolume *volume, GError **error)
{
  for (guint i = 0; i < vm->volumes->len; i++)
    {
      const VsaVolume *other = ((VsaManifestVolume *) g_ptr_array_index (vm->volumes, i))->volume;

      if (g_str_equal (other->name, volume->name) || g_str_equal (other->lv, volume->lv))
        return fail_at (st, node, error,
                        "volume '%s' (%s) repeats the mapping or logical volume of '%s' (%s)",
                        volume->name, volume->lv, other->name, other->lv);
    }
  return TRUE;
}

static gboolean
parse_volume (const ParseState *st, xmlNode *node, VsaManifestVm *vm, GError **error)
{
  g_autofree char *lv = vsa_xml_get (node, "lv");
  g_autofree char *name = vsa_xml_get (node, "name");
  g_autofree char *keyfile = vsa_xml_get (node, "keyfile");
  g_autofree char *token = vsa_xml_get (node, "token");
  g_autofree char *target = vsa_xml_get (node, "target");
  VsaManifestVolume *volume;

  if (!vsa_validate_lv_path (lv, error) || !vsa_validate_mapping_name (name, error) ||
      (keyfile && !vsa_validate_keyfile_path (keyfile, error)) ||
      (token && !vsa_validate_token (token, error)) ||
      (target && !vsa_validate_disk_target (target, error)))
    return prefix_at (st, node, error);
  if (keyfile && token)
    return fail_at (st, node, error, "volume '%s' names a keyfile and a token; give one", name);
  volume = g_new0 (VsaManifestVolume, 1);
  volume->volume = vsa_volume_new (lv, name, keyfile, token);
  volume->target = g_steal_pointer (&target);
  if (!check_volume_unique (st, node, vm, volume->volume, error))
    {
      volume_free (volume);
      return FALSE;
    }
  g_ptr_array_add (vm->volumes, volume);
  return TRUE;
}

/* SASL_CONF_PATH is the VM's SASL binding: the console logic owns it. */
static gboolean
parse_qemu_env (const ParseState *st, xmlNode *node, VsaManifestVm *vm, GError **error)
{
  VsaManifestEnv *env = g_new0 (VsaManifestEnv, 1);

  env->name = vsa_xml_get (node, "name");
  env->value = vsa_xml_get (node, "value");
  g_ptr_array_add (vm->qemu_env, env);
  if (!vsa_qemu_validate_env_name (env->name, error))
    return prefix_at (st, node, error);
  if (g_str_equal (env->name, "SASL_CONF_PATH"))
    return fail_at (st, node, error, "SASL_CONF_PATH is set by auth='sasl'; remove this <qemu-env>");
  for (guint i = 0; i + 1 < vm->qemu_env->len; i++)
    if (g_str_equal (((VsaManifestEnv *) g_ptr_array_index (vm->qemu_env, i))->name, env->name))
      return fail_at (st, node, error, "qemu-env '%s' is set twice for VM '%s'; keep one",
                      env->name, vm->name);
  return TRUE;
}

static gboolean
parse_qemu_args (xmlNode *node, VsaManifestVm *vm)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);

  for (xmlNode *n = node->children; n; n = n->next)
    if (is_manifest_element (n, "arg"))
      g_ptr_array_add (args, vsa_xml_get (n, "value"));
  g_ptr_array_add (args, NULL);
  g_ptr_array_add (vm->qemu_args, g_ptr_array_steal (args, NULL));
  return TRUE;
}

static gboolean
parse_password (const ParseState *st, xmlNode *node, VsaManifestVm *vm, GError **error)
{
  if (vm->auth == VSA_AUTH_SASL)
    return fail_at (st, node, error,
                    "VM '%s' uses auth='sasl': its users have their own credentials; remove "
                    "<password> or use auth='password'", vm->name);
  vm->password_valid_for = vsa_xml_get (node, "valid-for");
  vm->password_connected = vsa_xml_get (node, "connected");
  return TRUE;
}

static gboolean
parse_vm_child (const ParseState *st, xmlNode *n, VsaManifestVm *vm, GError **error)
{
  if (is_manifest_element (n, "password"))
    return parse_password (st, n, vm, error);
  if (is_manifest_element (n, "user"))
    return parse_user (st, n, vm, error);
  if (is_manifest_element (n, "tunnel"))
    return parse_tunnel (st, n, vm, error);
  if (is_manifest_element (n, "volume"))
    return parse_volume (st, n, vm, error);
  if (is_manifest_element (n, "qemu-env"))
    return parse_qemu_env (st, n, vm, error);
  if (is_manifest_element (n, "qemu-args"))
    return parse_qemu_args (n, vm);
  return TRUE;
}

/* A tunnel is a way in for a user the VM already admits. */
static gboolean
check_tunnel_users (const ParseState *st, xmlNode *node, const VsaManifestVm *vm,
                    GError **error)
{
  for (guint i = 0; i < vm->tunnels->len; i++)
    {
      VsaManifestTunnel *tunnel = g_ptr_array_index (vm->tunnels, i);
      gboolean assigned = FALSE;

      for (guint j = 0; j < vm->access->len; j++)
        assigned |= g_str_equal (((VsaAccess *) g_ptr_array_index (vm->access, j))->user,
                                 tunnel->user);
      if (!assigned)
        return fail_at (st, node, error,
                        "VM '%s': the tunnel of user '%s' (line %ld) needs <user name='%s'/> "
                        "in the same VM", vm->name, tunnel->user, tunnel->line, tunnel->user);
    }
  return TRUE;
}

static gboolean
parse_vm_attributes (const ParseState *st, xmlNode *node, VsaManifestVm *vm, GError **error)
{
  g_autofree char *auth = vsa_xml_get (node, "auth");
  g_autofree char *port = vsa_xml_get (node, "tls-port");

  vm->name = vsa_xml_get (node, "name");
  vm->line = xmlGetLineNo (node);
  vm->listen = vsa_xml_get (node, "listen");
  vm->compression = vsa_xml_get (node, "compression");
  vm->replace_vnc = vsa_xml_attr_equals (node, "replace-vnc", "yes");
  if (port && !g_str_equal (port, "auto"))
    vm->tls_port = (int) g_ascii_strtoll (port, NULL, 10); /* the schema checked the range */
  if (!vsa_validate_vm_name (vm->name, error) ||
      !vsa_auth_mode_from_string (auth, &vm->auth, error) ||
      (vm->listen && !vsa_validate_listen_address (vm->listen, error)))
    return prefix_at (st, node, error);
  return TRUE;
}

static VsaManifestVm *
parse_vm (const ParseState *st, xmlNode *node, GError **error)
{
  g_autoptr (VsaManifestVm) vm = vm_new ();

  if (!parse_vm_attributes (st, node, vm, error))
    return NULL;
  for (xmlNode *n = node->children; n; n = n->next)
    if (!parse_vm_child (st, n, vm, error))
      return NULL;
  if (!check_tunnel_users (st, node, vm, error))
    return NULL;
  return g_steal_pointer (&vm);
}

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

/* Within one host: a VM once, an explicit port and a logical volume for
 * one VM only. */
static gboolean
check_vm_against_host (const ParseState *st, xmlNode *node, const VsaManifestHost *host,
                       const VsaManifestVm *vm, GError **error)
{
  /* VM is the last one added. */
  for (guint i = 0; i + 1 < host->vms->len; i++)
    {
      const VsaManifestVm *other = g_ptr_array_index (host->vms, i);
      const char *shared_lv;

      if (g_str_equal (other->name, vm->name))
        return fail_at (st, node, error, "VM '%s' is declared twice for host '%s' (first at line %ld)",
                        vm->name, host->name, other->line);
      if (vm->tls_port != 0 && other->tls_port == vm->tls_port)
        return fail_at (st, node, error, "TLS port %d of VM '%s' is also given to VM '%s'; "
                        "pick another or use auto", vm->tls_port, vm->name, other->name);
      shared_lv = first_shared_lv (vm, other);
      if (shared_lv)
        return fail_at (st, node, error, "logical volume %s is given to VM '%s' and VM '%s'; "
                        "a volume belongs to one VM", shared_lv, vm->name, other->name);
    }
  return TRUE;
}

static gboolean
check_host_unique (const ParseState *st, xmlNode *node, const VsaManifest *manifest,
                   const VsaManifestHost *host, GError **error)
{
  for (guint i = 0; i < manifest->hosts->len; i++)
    {
      const VsaManifestHost *other = g_ptr_array_index (manifest->hosts, i);

      if (g_str_equal (other->name, host->name))
        return fail_at (st, node, error, "host '%s' is declared twice; merge the two", host->name);
      if (g_strcmp0 (other->uri, host->uri) == 0)
        return fail_at (st, node, error, "hosts '%s' and '%s' have the same %s; merge the two",
                        other->name, host->name, host->uri ? "uri" : "default URI (no uri)");
    }
  return TRUE;
}

static VsaManifestHost *
parse_host (const ParseState *st, xmlNode *node, const VsaManifest *manifest, GError **error)
{
  g_autoptr (VsaManifestHost) host = g_new0 (VsaManifestHost, 1);

  host->name = vsa_xml_get (node, "name");
  host->uri = vsa_xml_get (node, "uri");
  host->line = xmlGetLineNo (node);
  host->vms = g_ptr_array_new_with_free_func ((GDestroyNotify) vm_free);
  if (!check_host_unique (st, node, manifest, host, error))
    return NULL;
  for (xmlNode *n = node->children; n; n = n->next)
    {
      VsaManifestVm *vm;

      if (!is_manifest_element (n, "vm"))
        continue;
      if ((vm = parse_vm (st, n, error)) == NULL)
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

          for (guint k = 0; k < vm->access->len; k++)
            if (g_str_equal (((VsaAccess *) g_ptr_array_index (vm->access, k))->user, user))
              return TRUE;
        }
    }
  return FALSE;
}

static gboolean
parse_client_users (const ParseState *st, xmlNode *node, const VsaManifest *manifest,
                    VsaManifestClientHost *client, GError **error)
{
  for (xmlNode *n = node->children; n; n = n->next)
    {
      g_autofree char *user = NULL;

      if (!is_manifest_element (n, "user"))
        continue;
      user = vsa_xml_get (n, "name");
      if (!vsa_validate_user_name (user, error))
        return prefix_at (st, n, error);
      if (contains_string (client->users, user))
        return fail_at (st, n, error, "user '%s' is listed twice for client host '%s'",
                        user, client->name);
      if (!user_is_assigned (manifest, user))
        return fail_at (st, n, error, "user '%s' of client host '%s' has no VM in this manifest; "
                        "add <user name='%s'/> to a VM or remove it here", user, client->name, user);
      g_ptr_array_add (client->users, g_steal_pointer (&user));
    }
  return TRUE;
}

static gboolean
check_client_host (const ParseState *st, xmlNode *node, const VsaManifest *manifest,
                   const VsaManifestClientHost *client, GError **error)
{
  if (!vsa_validate_client (client->name, error) || !vsa_validate_client (client->address, error))
    return prefix_at (st, node, error);
  for (guint i = 0; i < manifest->client_hosts->len; i++)
    if (g_str_equal (((VsaManifestClientHost *) g_ptr_array_index (manifest->client_hosts, i))->name,
                     client->name))
      return fail_at (st, node, error, "client host '%s' is declared twice; merge the two",
                      client->name);
  return TRUE;
}

static VsaManifestClientHost *
parse_client_host (const ParseState *st, xmlNode *node, const VsaManifest *manifest,
                   GError **error)
{
  g_autoptr (VsaManifestClientHost) client = g_new0 (VsaManifestClientHost, 1);

  client->name = vsa_xml_get (node, "name");
  client->address = vsa_xml_get (node, "address");
  client->rules = vsa_xml_get (node, "rules");
  if (client->rules == NULL)
    client->rules = g_strdup ("nft");
  client->line = xmlGetLineNo (node);
  client->users = g_ptr_array_new_with_free_func (g_free);
  if (!check_client_host (st, node, manifest, client, error) ||
      !parse_client_users (st, node, manifest, client, error))
    return NULL;
  return g_steal_pointer (&client);
}

/* Hosts first: client hosts refer to the users the VMs declare. */
static gboolean
build_manifest (const ParseState *st, xmlNode *root, VsaManifest *manifest, GError **error)
{
  for (xmlNode *n = root->children; n; n = n->next)
    {
      VsaManifestHost *host;

      if (!is_manifest_element (n, "host"))
        continue;
      if ((host = parse_host (st, n, manifest, error)) == NULL)
        return FALSE;
      g_ptr_array_add (manifest->hosts, host);
    }
  for (xmlNode *n = root->children; n; n = n->next)
    {
      VsaManifestClientHost *client;

      if (!is_manifest_element (n, "client-host"))
        continue;
      if ((client = parse_client_host (st, n, manifest, error)) == NULL)
        return FALSE;
      g_ptr_array_add (manifest->client_hosts, client);
    }
  return TRUE;
}

VsaManifest *
vsa_manifest_parse (const char *text, gsize len, const char *what, GError **error)
{
  g_autoptr (xmlDoc) doc = vsa_xml_parse (text, len, what, error);
  g_autoptr (VsaManifest) manifest = NULL;
  ParseState st = { what };

  if (doc == NULL || !validate_schema (doc, &st, error))
    return NULL;
  manifest = g_new0 (VsaManifest, 1);
  manifest->hosts = g_ptr_array_new_with_free_func ((GDestroyNotify) host_free);
  manifest->client_hosts = g_ptr_array_new_with_free_func ((GDestroyNotify) client_host_free);
  if (!build_manifest (&st, xmlDocGetRootElement (doc), manifest, error))
    return NULL;
  return g_steal_pointer (&manifest);
}
