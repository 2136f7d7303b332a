/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `volume SUBCOMMAND`: encrypted guest disks.  format prepares a logical
 * volume (LUKS2), attach/detach edit the domain (disk + metadata, so
 * --dry-run shows the diff), open/close run the hook's own code on the
 * VM's volumes, list shows them. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-disk.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-inventory.h"
#include "vsa-libvirt.h"
#include "vsa-volume.h"
#include "vsa-xml.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* --- format ------------------------------------------------------------ */

static void
print_format_result (VsaContext *ctx, const char *lv, const VsaFormatResult *result)
{
  g_autoptr (JsonBuilder) b = NULL;

  if (!ctx->json)
    {
      vsa_context_note (ctx, "%s: LUKS2 (aes-xts-plain64, 512-bit key, sha512, %s); key: %s%s; "
                        "header backup: %s", result->device, ctx->config->luks_pbkdf,
                        result->keyfile ? result->keyfile : "the passphrase",
                        result->keyfile_created ? " (new)" : "", result->header_backup);
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  vsa_cli_json_add_string_or_null (b, "lv", lv);
  vsa_cli_json_add_string_or_null (b, "device", result->device);
  vsa_cli_json_add_string_or_null (b, "keyfile", result->keyfile);
  vsa_cli_json_add_boolean (b, "keyfile_created", result->keyfile_created);
  vsa_cli_json_add_string_or_null (b, "header_backup", result->header_backup);
  json_builder_end_object (b);
  vsa_cli_print_json (ctx, b);
}

static gboolean
volume_format (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  const char *lv = inv->args[0];
  const char *keyfile = vsa_invocation_string (inv, "keyfile");
  gboolean passphrase_stdin = vsa_invocation_flag (inv, "passphrase-stdin");
  g_autoptr (VsaSecret) passphrase = NULL;
  g_auto (VsaFormatResult) result = { 0 };
  VsaFormatRequest request = { 0 };

  if (!vsa_validate_lv_path (lv, error))
    return FALSE;
  if (keyfile && passphrase_stdin)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "--keyfile and --passphrase-stdin exclude each other; give one");
      return FALSE;
    }
  if (keyfile && !vsa_validate_keyfile_path (keyfile, error))
    return FALSE;
  if (ctx->dry_run)
    {
      vsa_context_note (ctx, "dry run: would format /dev/%s as LUKS2; nothing was changed", lv);
      return TRUE;
    }
  if (passphrase_stdin && (passphrase = vsa_secret_read_line (ctx->in, "passphrase", error)) == NULL)
    return FALSE;
  request.lv = lv;
  request.keyfile = keyfile;
  request.passphrase = passphrase;
  request.force = vsa_invocation_flag (inv, "force");
  if (!vsa_volume_format (ctx->config, &request, &result, error))
    return FALSE;
  print_format_result (ctx, lv, &result);
  return TRUE;
}

static const GOptionEntry format_options[] = {
  VSA_OPTION (FILENAME, "keyfile", "PATH", "Use this existing keyfile (default: a new one under key-dir)"),
  VSA_OPTION_FLAG ("passphrase-stdin", "Read a passphrase from standard input instead"),
  VSA_OPTION_FLAG ("force", "Overwrite an existing signature or keyfile (destroys data)"),
  VSA_OPTION_END
};

static const VsaCommand volume_format_command = VSA_COMMAND_LEAF ("format", volume_format, "VG/LV", 1, 1, VSA_COMMAND_PLAIN, format_options,
  "Make a logical volume LUKS2 (new keyfile, header backup)",
  "Formats the logical volume as LUKS2 with aes-xts-plain64, a 512-bit key\n"
  "and sha512 (PBKDF: luks-pbkdf, luks-pbkdf-time-ms).  The key is a new\n"
  "random keyfile KEY-DIR/VG/LV.key (0400, directory 0700), --keyfile, or a\n"
  "passphrase on standard input.  The header is backed up to\n"
  "STATE-DIR/luks-headers/VG/LV.img (0600).  A volume with any signature\n"
  "(LUKS, filesystem, RAID...) is refused unless --force.");

/* --- attach / detach ---------------------------------------------------- */

typedef struct {
  VsaVolume volume;
  const char *target;
  VsaAuthMode default_auth;
} AttachRequest;

static gboolean
attach_transform (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  AttachRequest *req = user_data;

  return vsa_disk_attach_volume (doc, policy, &req->volume, req->target, req->default_auth, error);
}

/* The header can be read only where the LV is active; elsewhere (another
 * host, an inactive LV) the hook's open is the first check. */
static gboolean
check_token_in_header (VsaContext *ctx, const char *lv, const char *token, GError **error)
{
  g_autofree char *device = vsa_volume_lv_device (lv);

  if (g_file_test (device, G_FILE_TEST_EXISTS))
    return vsa_volume_check_token_present (device, token, error);
  vsa_context_note (ctx, "%s is not here (logical volume inactive or on another host); "
                    "token %s of its LUKS header is not checked", device, token);
  return TRUE;
}

/* Exactly one key source: --token, else --keyfile or its default. */
static gboolean
check_key_source (VsaContext *ctx, const VsaVolume *volume, GError **error)
{
  if (volume->token != NULL)
    return check_token_in_header (ctx, volume->lv, volume->token, error);
  return vsa_volume_check_keyfile (volume->keyfile, volume->lv, error);
}

/* The volume the options describe, checked before the VM is touched. */
static gboolean
read_attach_request (VsaContext *ctx, VsaInvocation *inv, AttachRequest *req,
                     char **ret_default_keyfile, GError **error)
{
  const char *name = vsa_invocation_string (inv, "name");
  const char *keyfile = vsa_invocation_string (inv, "keyfile");
  const char *token = vsa_invocation_string (inv, "token");

  if (name == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "volume attach needs --name NAME (the mapping under /dev/mapper)");
      return FALSE;
    }
  if (keyfile && token)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "--keyfile and --token exclude each other; give one");
      return FALSE;
    }
  *ret_default_keyfile = vsa_volume_default_keyfile (ctx->config, inv->args[1]);
  req->volume.lv = inv->args[1];
  /* A borrowed view: AttachRequest never frees its volume's strings. */
  req->volume.name = (char *) name;
  req->volume.keyfile = token ? NULL : keyfile ? (char *) keyfile : *ret_default_keyfile;
  req->volume.token = (char *) token;
  req->target = vsa_invocation_string (inv, "target");
  req->default_auth = ctx->config->auth_mode;
  return vsa_validate_volume (&req->volume, error) &&
         (req->target == NULL || vsa_validate_disk_target (req->target, error)) &&
         check_key_source (ctx, &req->volume, error);
}

static gboolean
volume_attach (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  AttachRequest req = { 0 };
  g_autofree char *default_keyfile = NULL;
  g_autoptr (VsaEdit) edit = NULL;
  g_autofree char *target = NULL;

  if (!read_attach_request (ctx, inv, &req, &default_keyfile, error) ||
      (edit = vsa_edit_run (ctx, inv->dom, attach_transform, &req, error)) == NULL)
    return FALSE;
  target = vsa_disk_target_of_volume (edit->doc, req.volume.name);
  if (!ctx->dry_run)
    vsa_context_note (ctx, "VM '%s': volume '%s' (%s) is disk %s; opened before each start%s",
                      inv->vm, req.volume.name, req.volume.lv, target,
                      virDomainIsActive (edit->dom) == 1 ? " (from the next start on)" : "");
  return TRUE;
}

static const GOptionEntry attach_options[] = {
  VSA_OPTION (STRING, "name", "NAME", "Mapping name: the guest disk is /dev/mapper/NAME (required)"),
  VSA_OPTION (STRING, "target", "vdX", "Guest disk name (default: the first free vdX)"),
  VSA_OPTION (FILENAME, "keyfile", "PATH", "Keyfile the hook opens it with (default: KEY-DIR/VG/LV.key)"),
  VSA_OPTION (STRING, "token", "any|N", "Open it with this LUKS2 token of its header instead: its id 0..31, or any"),
  VSA_OPTION_END
};

static const VsaCommand volume_attach_command = VSA_COMMAND_LEAF ("attach", volume_attach, "VM VG/LV --name NAME [--target vdX] [--keyfile PATH | --token any|N]", 2, 2, VSA_COMMAND_CHANGES_VM, attach_options,
  "Add a formatted volume to a VM as a virtio disk",
  "Adds the formatted logical volume to the VM as a virtio disk\n"
  "<disk type='block'> on /dev/mapper/NAME (raw, cache='none', io='native')\n"
  "and records it in the VM's metadata; the hook opens it before every\n"
  "start and closes it after.  Running it again changes nothing.\n"
  "The key is a keyfile (default KEY-DIR/VG/LV.key) or, with --token, a\n"
  "LUKS2 token of the volume's header (e.g. luks2-keyring: a user key in\n"
  "root's kernel keyring); a header without that token is refused.");

static gboolean
detach_transform (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  const char *name = user_data;
  g_autofree char *target = vsa_disk_target_of_volume (doc, name);

  if (target == NULL && vsa_policy_find_volume (*policy, name) == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "no volume '%s'; see 'virt-spice-admin volume list'", name);
      return FALSE;
    }
  return vsa_disk_detach_volume (doc, *policy, name, error);
}

static gboolean
volume_detach (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  g_autoptr (VsaEdit) edit = NULL;

  return vsa_validate_mapping_name (inv->args[1], error) &&
         (edit = vsa_edit_run (ctx, inv->dom, detach_transform, inv->args[1], error)) != NULL;
}

static const VsaCommand volume_detach_command = VSA_COMMAND_LEAF ("detach", volume_detach, "VM NAME", 2, 2, VSA_COMMAND_CHANGES_VM, NULL,
  "Remove a volume from a VM",
  "Removes volume NAME's disk and metadata entry from the VM.  The\n"
  "logical volume and its key are kept; an open mapping stays open until\n"
  "'volume close' (run it before detaching, while the VM is shut off).");

/* --- open / close / list ------------------------------------------------ */

/* The VM's volumes from its persistent definition: what the next start
 * (and so the hook) will use. */
static VsaPolicy *
load_domain_policy (VsaContext *ctx, virDomain *dom, GError **error)
{
  g_autoptr (xmlDoc) doc = vsa_libvirt_get_doc (dom, VIR_DOMAIN_XML_INACTIVE, error);
  g_autoptr (VsaPolicy) policy = NULL;

  if (doc == NULL || !vsa_policy_from_domain (doc, &policy, error))
    return NULL;
  if (policy == NULL)
    policy = vsa_policy_new (ctx->config->auth_mode);
  return g_steal_pointer (&policy);
}

typedef gboolean (*VolumesAction) (VsaContext *ctx, VsaPolicy *policy, GError **error);

static gboolean
run_on_volumes (VsaContext *ctx, VsaInvocation *inv, VolumesAction action, const char *done,
                GError **error)
{
  g_autoptr (VsaPolicy) policy = load_domain_policy (ctx, inv->dom, error);

  if (policy == NULL)
    return FALSE;
  if (policy->volumes->len == 0)
    {
      vsa_context_note (ctx, "VM '%s' has no encrypted volumes", inv->vm);
      return TRUE;
    }
  if (!action (ctx, policy, error))
    return FALSE;
  vsa_context_note (ctx, "VM '%s': %u volume(s) %s", inv->vm, policy->volumes->len, done);
  return TRUE;
}

static gboolean
open_action (VsaContext *ctx, VsaPolicy *policy, GError **error)
{
  return vsa_volumes_open_all (policy->volumes, error);
}

static gboolean
close_action (VsaContext *ctx, VsaPolicy *policy, GError **error)
{
  return vsa_volumes_close_all (ctx->config, policy->volumes, error);
}

static gboolean
volume_open (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  return run_on_volumes (ctx, inv, open_action, "open", error);
}

static gboolean
volume_close (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  return run_on_volumes (ctx, inv, close_action, "closed", error);
}

static const VsaCommand volume_open_command = VSA_COMMAND_LEAF ("open", volume_open, "VM", 1, 1, VSA_COMMAND_CHANGES_VM, NULL,
  "Open a VM's volumes, as the hook does before start",
  "Opens the VM's volumes as the hook does before a start: activates each\n"
  "logical volume and opens its LUKS mapping with its keyfile or token, in\n"
  "metadata order; on a failure closes again what it opened.");

static const VsaCommand volume_close_command = VSA_COMMAND_LEAF ("close", volume_close, "VM", 1, 1, VSA_COMMAND_CHANGES_VM, NULL,
  "Close a VM's volumes, as the hook does after stop",
  "Closes the VM's volumes as the hook does after it stops: each LUKS\n"
  "mapping, then its logical volume (deactivate-lv-on-close).  A mapping\n"
  "still in use stays open and is reported with what uses it.");

typedef struct {
  char *vm;
  VsaVolume *volume;
  char *target;
} ListRow;

static void
list_row_free (ListRow *row)
{
  g_free (row->vm);
  vsa_volume_free (row->volume);
  g_free (row->target);
  g_free (row);
}

static void
add_rows (const VsaVmRecord *vm, GPtrArray *rows)
{
  for (guint i = 0; vm->policy && i < vm->policy->volumes->len; i++)
    {
      VsaVolume *volume = g_ptr_array_index (vm->policy->volumes, i);
      ListRow *row = g_new0 (ListRow, 1);

      row->vm = g_strdup (vm->name);
      row->volume = vsa_volume_new (volume->lv, volume->name, volume->keyfile, volume->token);
      row->target = vsa_disk_target_of_volume (vm->config_doc, volume->name);
      g_ptr_array_add (rows, row);
    }
}

static void
print_rows (VsaContext *ctx, GPtrArray *rows)
{
  g_autoptr (JsonBuilder) b = NULL;

  if (!ctx->json)
    {
      fprintf (ctx->out, "%-16s %-16s %-24s %-6s %-8s %s\n", "VM", "NAME", "LV", "TARGET", "STATE", "KEY");
      for (guint i = 0; i < rows->len; i++)
        {
          ListRow *r = g_ptr_array_index (rows, i);
          g_autofree char *key = r->volume->token ? g_strconcat ("token ", r->volume->token, NULL)
                                                  : g_strdup (r->volume->keyfile);

          fprintf (ctx->out, "%-16s %-16s %-24s %-6s %-8s %s\n", r->vm, r->volume->name,
                   r->volume->lv, r->target ? r->target : "-", vsa_volume_state (r->volume), key);
        }
      return;
    }
  b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++)
    {
      ListRow *r = g_ptr_array_index (rows, i);

      json_builder_begin_object (b);
      vsa_cli_json_add_string_or_null (b, "vm", r->vm);
      vsa_cli_json_add_string_or_null (b, "name", r->volume->name);
      vsa_cli_json_add_string_or_null (b, "lv", r->volume->lv);
      vsa_cli_json_add_string_or_null (b, "target", r->target);
      vsa_cli_json_add_string_or_null (b, "state", vsa_volume_state (r->volume));
      vsa_cli_json_add_string_or_null (b, "keyfile", r->volume->keyfile);
      vsa_cli_json_add_string_or_null (b, "token", r->volume->token);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  vsa_cli_print_json (ctx, b);
}

static gboolean
volume_list (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) list_row_free);
  g_autoptr (GPtrArray) vms = NULL;

  if (!vsa_context_connect (ctx, error) ||
      (vms = vsa_inventory_collect (ctx->conn, inv->args, 0, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < vms->len; i++)
    add_rows (g_ptr_array_index (vms, i), rows);
  print_rows (ctx, rows);
  return TRUE;
}

static const VsaCommand volume_list_command = VSA_COMMAND_LEAF ("list", volume_list, "[VM]", 0, 1, VSA_COMMAND_NEEDS_DOMAIN, NULL,
  "List the volumes of one VM or of all",
  "Lists the encrypted volumes of VM (or of every VM): mapping name,\n"
  "logical volume, guest disk, whether the mapping is open here, and its\n"
  "key: a keyfile or a LUKS2 token.");

const VsaCommand vsa_command_volume = VSA_COMMAND_GROUP ("volume",
  "Encrypted disks: format, attach, detach, open, close, list",
  "Encrypted guest disks: LUKS2 on raw LVM logical volumes.",
  &volume_format_command, &volume_attach_command, &volume_detach_command, &volume_open_command, &volume_close_command, &volume_list_command);
