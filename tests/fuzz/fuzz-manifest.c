/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The apply manifest (vsa_manifest_parse).  Input: the document.  The
 * library has no writer (apply never writes manifests), so this target
 * has its own, from the model: a manifest that parsed, written back,
 * must parse to the same model. */
#include "vsa-fuzz.h"
#include "vsa-manifest.h"
#include "vsa-xml.h"

#include <string.h>

static void
set_optional (xmlNode *node, const char *attr, const char *value)
{
  if (value != NULL)
    vsa_xml_set (node, attr, value);
}

static const VsaBrokerUser *
broker_user_of (const VsaManifestVm *vm, const char *user)
{
  for (guint i = 0; i < vm->broker_users->len; i++)
    if (g_str_equal (((VsaBrokerUser *) g_ptr_array_index (vm->broker_users, i))->user, user))
      return g_ptr_array_index (vm->broker_users, i);
  return NULL;
}

/* Users with their windows, console keys and take-over rights. */
static void
write_access (xmlNode *parent, xmlNs *ns, const VsaManifestVm *vm)
{
  for (guint i = 0; i < vm->access->len; i++)
    {
      VsaAccess *a = g_ptr_array_index (vm->access, i);
      const VsaBrokerUser *broker_user = broker_user_of (vm, a->user);
      xmlNode *user = xmlNewChild (parent, ns, BAD_CAST "user", NULL);
      g_autofree char *when = vsa_window_set_is_always (a->when) ? NULL
                                                                 : vsa_window_set_to_string (a->when);
      g_autofree char *key = broker_user && broker_user->key
                             ? vsa_ssh_key_to_line (broker_user->key) : NULL;

      vsa_xml_set (user, "name", a->user);
      set_optional (user, "when", when);
      set_optional (user, "ssh-key", key);
      if (broker_user && broker_user->take_over)
        vsa_xml_set (user, "take-over", "yes");
      for (guint j = 0; j < a->clients->len; j++)
        vsa_xml_set (xmlNewChild (user, ns, BAD_CAST "client", NULL), "address",
                     g_ptr_array_index (a->clients, j));
    }
}

static void
write_vm_children (xmlNode *node, xmlNs *ns, const VsaManifestVm *vm)
{
  if (vm->password_valid_for || vm->password_connected)
    {
      xmlNode *password = xmlNewChild (node, ns, BAD_CAST "password", NULL);
      set_optional (password, "valid-for", vm->password_valid_for);
      set_optional (password, "connected", vm->password_connected);
    }
  write_access (node, ns, vm);
  for (guint i = 0; i < vm->tunnels->len; i++)
    {
      VsaManifestTunnel *t = g_ptr_array_index (vm->tunnels, i);
      xmlNode *tunnel = xmlNewChild (node, ns, BAD_CAST "tunnel", NULL);

      vsa_xml_set (tunnel, "user", t->user);
      vsa_xml_set (tunnel, "ssh-key", t->ssh_key);
      set_optional (tunnel, "from", t->from);
    }
  for (guint i = 0; i < vm->volumes->len; i++)
    {
      VsaManifestVolume *v = g_ptr_array_index (vm->volumes, i);
      xmlNode *volume = xmlNewChild (node, ns, BAD_CAST "volume", NULL);

      vsa_xml_set (volume, "lv", v->volume->lv);
      vsa_xml_set (volume, "name", v->volume->name);
      set_optional (volume, "keyfile", v->volume->keyfile);
      set_optional (volume, "token", v->volume->token);
      set_optional (volume, "target", v->target);
    }
  for (guint i = 0; i < vm->qemu_env->len; i++)
    {
      VsaManifestEnv *e = g_ptr_array_index (vm->qemu_env, i);
      xmlNode *env = xmlNewChild (node, ns, BAD_CAST "qemu-env", NULL);

      vsa_xml_set (env, "name", e->name);
      set_optional (env, "value", e->value);
    }
  for (guint i = 0; i < vm->qemu_args->len; i++)
    {
      char **args = g_ptr_array_index (vm->qemu_args, i);
      xmlNode *run = xmlNewChild (node, ns, BAD_CAST "qemu-args", NULL);

      for (guint j = 0; args[j]; j++)
        vsa_xml_set (xmlNewChild (run, ns, BAD_CAST "arg", NULL), "value", args[j]);
    }
}

static void
write_vm (xmlNode *host, xmlNs *ns, const VsaManifestVm *vm)
{
  xmlNode *node = xmlNewChild (host, ns, BAD_CAST "vm", NULL);
  g_autofree char *port = vm->tls_port ? g_strdup_printf ("%d", vm->tls_port) : NULL;

  vsa_xml_set (node, "name", vm->name);
  vsa_xml_set (node, "auth", vsa_auth_mode_to_string (vm->auth));
  set_optional (node, "listen", vm->listen);
  set_optional (node, "tls-port", port);
  if (vm->replace_vnc)
    vsa_xml_set (node, "replace-vnc", "yes");
  set_optional (node, "compression", vm->compression);
  write_vm_children (node, ns, vm);
}

static char *
write_manifest (const VsaManifest *manifest)
{
  g_autoptr (xmlDoc) doc = xmlNewDoc (BAD_CAST "1.0");
  xmlNode *root = xmlNewNode (NULL, BAD_CAST "manifest");
  xmlNs *ns = xmlNewNs (root, BAD_CAST VSA_MANIFEST_NS, NULL);

  xmlSetNs (root, ns);
  xmlDocSetRootElement (doc, root);
  for (guint i = 0; i < manifest->hosts->len; i++)
    {
      VsaManifestHost *h = g_ptr_array_index (manifest->hosts, i);
      xmlNode *host = xmlNewChild (root, ns, BAD_CAST "host", NULL);

      vsa_xml_set (host, "name", h->name);
      set_optional (host, "uri", h->uri);
      for (guint j = 0; j < h->vms->len; j++)
        write_vm (host, ns, g_ptr_array_index (h->vms, j));
    }
  for (guint i = 0; i < manifest->client_hosts->len; i++)
    {
      VsaManifestClientHost *c = g_ptr_array_index (manifest->client_hosts, i);
      xmlNode *client = xmlNewChild (root, ns, BAD_CAST "client-host", NULL);

      vsa_xml_set (client, "name", c->name);
      vsa_xml_set (client, "address", c->address);
      vsa_xml_set (client, "rules", c->rules);
      for (guint j = 0; j < c->users->len; j++)
        vsa_xml_set (xmlNewChild (client, ns, BAD_CAST "user", NULL), "name",
                     g_ptr_array_index (c->users, j));
    }
  return vsa_xml_serialize (doc);
}

/* What apply acts on, checked again with the commands' validators. */
static void
check_vm (const VsaManifestVm *vm)
{
  VSA_FUZZ_ASSERT (vsa_validate_vm_name (vm->name, NULL), "a VM name its validator refuses", vm->name);
  VSA_FUZZ_ASSERT (vm->tls_port >= 0 && vm->tls_port <= 65535, "a TLS port out of range", vm->name);
  for (guint i = 0; i < vm->access->len; i++)
    VSA_FUZZ_ASSERT (vsa_validate_user_name (((VsaAccess *) g_ptr_array_index (vm->access, i))->user, NULL),
                     "a user name its validator refuses", vm->name);
  for (guint i = 0; i < vm->tunnels->len; i++)
    VSA_FUZZ_ASSERT (vsa_validate_tunnel_user (((VsaManifestTunnel *) g_ptr_array_index (vm->tunnels, i))->user, NULL),
                     "a tunnel user that 'tunnel add' refuses", vm->name);
  for (guint i = 0; i < vm->broker_users->len; i++)
    {
      const VsaBrokerUser *broker_user = g_ptr_array_index (vm->broker_users, i);

      VSA_FUZZ_ASSERT (vsa_validate_tunnel_user (broker_user->user, NULL),
                       "a console user that 'assign --ssh-key' refuses", vm->name);
      VSA_FUZZ_ASSERT (vsa_access_find (vm->access, broker_user->user) != NULL,
                       "a console key of a user the VM does not list", vm->name);
      VSA_FUZZ_ASSERT (broker_user->key != NULL || broker_user->take_over,
                       "a console entry with neither key nor take-over", vm->name);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaManifest) manifest = vsa_manifest_parse ((const char *) data, size, "fuzz", &error);
  g_autoptr (VsaManifest) again = NULL;
  g_autofree char *written = NULL;
  g_autofree char *rewritten = NULL;

  if (manifest == NULL)
    {
      vsa_fuzz_check_error (error);
      return 0;
    }
  for (guint i = 0; i < manifest->hosts->len; i++)
    {
      VsaManifestHost *host = g_ptr_array_index (manifest->hosts, i);

      for (guint j = 0; j < host->vms->len; j++)
        check_vm (g_ptr_array_index (host->vms, j));
    }
  written = write_manifest (manifest);
  again = vsa_manifest_parse (written, strlen (written), "round trip", &error);
  VSA_FUZZ_ASSERT (again != NULL, "a written manifest is refused when read back",
                   error ? error->message : written);
  rewritten = write_manifest (again);
  VSA_FUZZ_ASSERT (g_str_equal (written, rewritten), "manifest changed in a round trip", written);
  return 0;
}
