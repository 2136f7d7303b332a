/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manifest's model: constructors, destructors, counting, and the
 * schema it is checked against (the parser: vsa-manifest-parse.c). */
#include "vsa-manifest.h"

/* Generated at build time from vsa-manifest.rng (see meson.build). */
extern const char vsa_manifest_schema_text[];

const char *
vsa_manifest_schema (void)
{
  return vsa_manifest_schema_text;
}

static void
env_free (VsaManifestEnv *env)
{
  g_free (env->name);
  g_free (env->value);
  g_free (env);
}

void
vsa_manifest_volume_free (VsaManifestVolume *volume)
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

void
vsa_manifest_vm_free (VsaManifestVm *vm)
{
  g_free (vm->name);
  g_free (vm->listen);
  g_free (vm->compression);
  g_free (vm->password_valid_for);
  g_free (vm->password_connected);
  g_ptr_array_unref (vm->access);
  g_ptr_array_unref (vm->broker_users);
  g_ptr_array_unref (vm->tunnels);
  g_ptr_array_unref (vm->volumes);
  g_ptr_array_unref (vm->qemu_env);
  g_ptr_array_unref (vm->qemu_args);
  g_free (vm);
}

VsaManifestVm *
vsa_manifest_vm_new (void)
{
  VsaManifestVm *vm = g_new0 (VsaManifestVm, 1);

  vm->access = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_access_free);
  vm->broker_users = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_broker_user_free);
  vm->tunnels = g_ptr_array_new_with_free_func ((GDestroyNotify) tunnel_free);
  vm->volumes = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_manifest_volume_free);
  vm->qemu_env = g_ptr_array_new_with_free_func ((GDestroyNotify) env_free);
  vm->qemu_args = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  return vm;
}

void
vsa_manifest_host_free (VsaManifestHost *host)
{
  g_free (host->name);
  g_free (host->uri);
  g_free (host->broker_host);
  g_free (host->broker_host_key);
  g_ptr_array_unref (host->vms);
  g_free (host);
}

VsaManifestHost *
vsa_manifest_host_new (void)
{
  VsaManifestHost *host = g_new0 (VsaManifestHost, 1);

  host->vms = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_manifest_vm_free);
  return host;
}

void
vsa_manifest_client_host_free (VsaManifestClientHost *client)
{
  g_free (client->name);
  g_free (client->address);
  g_free (client->rules);
  g_ptr_array_unref (client->users);
  g_hash_table_unref (client->uids);
  g_free (client);
}

VsaManifestClientHost *
vsa_manifest_client_host_new (void)
{
  VsaManifestClientHost *client = g_new0 (VsaManifestClientHost, 1);

  client->users = g_ptr_array_new_with_free_func (g_free);
  client->uids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return client;
}

VsaManifest *
vsa_manifest_new (void)
{
  VsaManifest *manifest = g_new0 (VsaManifest, 1);

  manifest->hosts = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_manifest_host_free);
  manifest->client_hosts =
    g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_manifest_client_host_free);
  return manifest;
}

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
