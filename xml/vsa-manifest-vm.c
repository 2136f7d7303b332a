/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One <vm> of the manifest: its attributes, users with their clients,
 * tunnels, volumes, qemu settings and password policy, each checked as it
 * is read. */
#include "vsa-manifest-vm.h"
#include "vsa-manifest-error.h"
#include "vsa-ssh-key.h"
#include "vsa-tunnel.h"
#include "vsa-address.h"
#include "vsa-disk.h"
#include "vsa-qemu.h"
#include "vsa-xml.h"

#include <string.h>

/* ssh-key= and take-over= of a <user>: the console broker's, checked as
 * `assign --ssh-key` checks them (the user names an sshd Match block and
 * a key file, so the tunnel users' name rule; the key parsed strictly). */
static gboolean
parse_broker_user (const VsaManifestParse *st, xmlNode *node, const char *name,
                   VsaManifestVm *vm, GError **error)
{
  g_autofree char *key_text = vsa_xml_get (node, "ssh-key");
  gboolean take_over = vsa_xml_attr_equals (node, "take-over", "yes");
  g_autoptr (VsaBrokerUser) broker_user = NULL;

  if (key_text == NULL && !take_over)
    return TRUE;
  broker_user = vsa_broker_user_new (name);
  broker_user->take_over = take_over;
  if (!vsa_validate_tunnel_user (name, error) ||
      (key_text && (broker_user->key = vsa_ssh_key_parse (key_text, strlen (key_text), error)) == NULL))
    return vsa_manifest_prefix_at (st, node, error);
  g_ptr_array_add (vm->broker_users, g_steal_pointer (&broker_user));
  return TRUE;
}

static gboolean
parse_user (const VsaManifestParse *st, xmlNode *node, VsaManifestVm *vm, GError **error)
{
  g_autofree char *name = vsa_xml_get (node, "name");
  g_autofree char *spec = vsa_xml_get (node, "when");
  g_autoptr (VsaWindowSet) when = NULL;
  VsaAccess *access;

  if (!vsa_validate_user_name (name, error))
    return vsa_manifest_prefix_at (st, node, error);
  /* Absent: always, so apply lifts windows the manifest no longer names. */
  when = spec ? vsa_window_set_parse (spec, error) : vsa_window_set_new_always ();
  if (when == NULL)
    return vsa_manifest_prefix_at (st, node, error);
  if (vsa_access_find (vm->access, name) != NULL)
    return vsa_manifest_fail_at (st, node, error,
                                 "user '%s' is listed twice for VM '%s'; merge the two",
                                 name, vm->name);
  if (!parse_broker_user (st, node, name, vm, error))
    return FALSE;
  access = vsa_access_new (name);
  g_ptr_array_add (vm->access, access);
  vsa_window_set_free (access->when);
  access->when = g_steal_pointer (&when);
  for (xmlNode *n = node->children; n; n = n->next)
    {
      g_autofree char *address = NULL;

      if (!vsa_manifest_is_element (n, "client"))
        continue;
      address = vsa_xml_get (n, "address");
      if (!vsa_validate_client (address, error))
        return vsa_manifest_prefix_at (st, n, error);
      if (vsa_manifest_strings_contain (access->clients, address))
        return vsa_manifest_fail_at (st, n, error,
                                     "client '%s' is listed twice for user '%s'", address, name);
      g_ptr_array_add (access->clients, g_steal_pointer (&address));
    }
  return TRUE;
}

static gboolean
parse_tunnel (const VsaManifestParse *st, xmlNode *node, VsaManifestVm *vm, GError **error)
{
  g_autofree char *user = vsa_xml_get (node, "user");
  g_autofree char *key_text = vsa_xml_get (node, "ssh-key");
  g_autofree char *from = vsa_xml_get (node, "from");
  g_autoptr (VsaSshKey) key = NULL;
  VsaManifestTunnel *tunnel;

  if (!vsa_validate_tunnel_user (user, error) ||
      (key = vsa_ssh_key_parse (key_text, strlen (key_text), error)) == NULL ||
      (from && !vsa_validate_ssh_from (from, error)))
    return vsa_manifest_prefix_at (st, node, error);
  for (guint i = 0; i < vm->tunnels->len; i++)
    if (g_str_equal (((VsaManifestTunnel *) g_ptr_array_index (vm->tunnels, i))->user, user))
      return vsa_manifest_fail_at (st, node, error,
                                   "user '%s' has two tunnels to VM '%s'; keep one",
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
check_volume_unique (const VsaManifestParse *st, xmlNode *node, const VsaManifestVm *vm,
                     const VsaVolume *volume, GError **error)
{
  for (guint i = 0; i < vm->volumes->len; i++)
    {
      const VsaVolume *other = ((VsaManifestVolume *) g_ptr_array_index (vm->volumes, i))->volume;

      if (g_str_equal (other->name, volume->name) || g_str_equal (other->lv, volume->lv))
        return vsa_manifest_fail_at (st, node, error,
                                     "volume '%s' (%s) repeats the mapping or logical "
                                     "volume of '%s' (%s)",
                                     volume->name, volume->lv, other->name, other->lv);
    }
  return TRUE;
}

static gboolean
parse_volume (const VsaManifestParse *st, xmlNode *node, VsaManifestVm *vm, GError **error)
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
    return vsa_manifest_prefix_at (st, node, error);
  if (keyfile && token)
    return vsa_manifest_fail_at (st, node, error,
                                 "volume '%s' names a keyfile and a token; give one", name);
  volume = g_new0 (VsaManifestVolume, 1);
  volume->volume = vsa_volume_new (lv, name, keyfile, token);
  volume->target = g_steal_pointer (&target);
  if (!check_volume_unique (st, node, vm, volume->volume, error))
    {
      vsa_manifest_volume_free (volume);
      return FALSE;
    }
  g_ptr_array_add (vm->volumes, volume);
  return TRUE;
}

/* SASL_CONF_PATH is the VM's SASL binding: the console logic owns it. */
static gboolean
parse_qemu_env (const VsaManifestParse *st, xmlNode *node, VsaManifestVm *vm, GError **error)
{
  VsaManifestEnv *env = g_new0 (VsaManifestEnv, 1);

  env->name = vsa_xml_get (node, "name");
  env->value = vsa_xml_get (node, "value");
  g_ptr_array_add (vm->qemu_env, env);
  if (!vsa_qemu_validate_env_name (env->name, error))
    return vsa_manifest_prefix_at (st, node, error);
  if (g_str_equal (env->name, "SASL_CONF_PATH"))
    return vsa_manifest_fail_at (st, node, error,
                                 "SASL_CONF_PATH is set by auth='sasl'; remove this <qemu-env>");
  for (guint i = 0; i + 1 < vm->qemu_env->len; i++)
    if (g_str_equal (((VsaManifestEnv *) g_ptr_array_index (vm->qemu_env, i))->name, env->name))
      return vsa_manifest_fail_at (st, node, error,
                                   "qemu-env '%s' is set twice for VM '%s'; keep one",
                                   env->name, vm->name);
  return TRUE;
}

static gboolean
parse_qemu_args (xmlNode *node, VsaManifestVm *vm)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);

  for (xmlNode *n = node->children; n; n = n->next)
    if (vsa_manifest_is_element (n, "arg"))
      g_ptr_array_add (args, vsa_xml_get (n, "value"));
  g_ptr_array_add (args, NULL);
  g_ptr_array_add (vm->qemu_args, g_ptr_array_steal (args, NULL));
  return TRUE;
}

static gboolean
parse_password (const VsaManifestParse *st, xmlNode *node, VsaManifestVm *vm, GError **error)
{
  if (vm->auth == VSA_AUTH_SASL)
    return vsa_manifest_fail_at (st, node, error,
                                 "VM '%s' uses auth='sasl': its users have their own "
                                 "credentials; remove <password> or use auth='password'",
                                 vm->name);
  vm->password_valid_for = vsa_xml_get (node, "valid-for");
  vm->password_connected = vsa_xml_get (node, "connected");
  return TRUE;
}

static gboolean
parse_vm_child (const VsaManifestParse *st, xmlNode *n, VsaManifestVm *vm, GError **error)
{
  if (vsa_manifest_is_element (n, "password"))
    return parse_password (st, n, vm, error);
  if (vsa_manifest_is_element (n, "user"))
    return parse_user (st, n, vm, error);
  if (vsa_manifest_is_element (n, "tunnel"))
    return parse_tunnel (st, n, vm, error);
  if (vsa_manifest_is_element (n, "volume"))
    return parse_volume (st, n, vm, error);
  if (vsa_manifest_is_element (n, "qemu-env"))
    return parse_qemu_env (st, n, vm, error);
  if (vsa_manifest_is_element (n, "qemu-args"))
    return parse_qemu_args (n, vm);
  return TRUE;
}

/* A tunnel is a way in for a user the VM already admits. */
static gboolean
check_tunnel_users (const VsaManifestParse *st, xmlNode *node, const VsaManifestVm *vm,
                    GError **error)
{
  for (guint i = 0; i < vm->tunnels->len; i++)
    {
      VsaManifestTunnel *tunnel = g_ptr_array_index (vm->tunnels, i);

      if (vsa_access_find (vm->access, tunnel->user) == NULL)
        return vsa_manifest_fail_at (st, node, error,
                                     "VM '%s': the tunnel of user '%s' (line %ld) needs "
                                     "<user name='%s'/> in the same VM",
                                     vm->name, tunnel->user, tunnel->line, tunnel->user);
    }
  return TRUE;
}

static gboolean
parse_vm_attributes (const VsaManifestParse *st, xmlNode *node, VsaManifestVm *vm, GError **error)
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
    return vsa_manifest_prefix_at (st, node, error);
  return TRUE;
}

VsaManifestVm *
vsa_manifest_parse_vm (const VsaManifestParse *st, xmlNode *node, GError **error)
{
  g_autoptr (VsaManifestVm) vm = vsa_manifest_vm_new ();

  if (!parse_vm_attributes (st, node, vm, error))
    return NULL;
  for (xmlNode *n = node->children; n; n = n->next)
    if (!parse_vm_child (st, n, vm, error))
      return NULL;
  if (!check_tunnel_users (st, node, vm, error))
    return NULL;
  return g_steal_pointer (&vm);
}
