/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tunnel add|remove|render|install`: a VM's console through `ssh -L`,
 * for exactly the users and keys its policy lists.  add and remove
 * record (VM, user, key) in the VM's metadata; render turns the tunnels
 * of every VM into one sshd drop-in (a Match User block per user) and an
 * authorized_keys file per user; install checks them with the real sshd
 * and puts them in place together, or installs nothing. */
#include "vsa-accounts.h"
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-inventory.h"
#include "vsa-libvirt.h"
#include "vsa-sshd.h"
#include "vsa-staged-files.h"
#include "vsa-tunnel-files.h"
#include "vsa-tunnel-render.h"
#include "vsa-xml.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

/* --- add / remove -------------------------------------------------------- */

typedef struct {
  const char *vm;
  const char *user;
  const char *from;
  const VsaSshKey *key; /* NULL: remove the user's tunnel */
} TunnelRequest;

static gboolean
require_policy (VsaPolicy *policy, const char *vm, GError **error)
{
  if (policy != NULL)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "the VM is not managed yet; run 'virt-spice-admin secure %s' first", vm);
  return FALSE;
}

static gboolean
add_transform (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  TunnelRequest *req = user_data;

  if (!require_policy (*policy, req->vm, error))
    return FALSE;
  vsa_policy_set_tunnel (*policy, req->user, req->key, req->from);
  return TRUE;
}

static gboolean
remove_transform (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  TunnelRequest *req = user_data;

  if (!require_policy (*policy, req->vm, error))
    return FALSE;
  if (!vsa_policy_remove_tunnel (*policy, req->user))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "user '%s' has no tunnel to this VM; see 'virt-spice-admin tunnel render'",
                   req->user);
      return FALSE;
    }
  return TRUE;
}

static void
print_notes (VsaContext *ctx, GPtrArray *notes)
{
  for (guint i = 0; i < notes->len; i++)
    vsa_context_note (ctx, "note: %s", (const char *) g_ptr_array_index (notes, i));
}

/* Adding also resolves the tunnels against the VM's new definition, so a
 * VM without a fixed TLS port or listen address is refused now, not at
 * render time; the remarks on its listen address are printed. */
static gboolean
check_routes (VsaContext *ctx, VsaEdit *edit, GError **error)
{
  g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_tunnel_route_free);
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);

  if (!vsa_tunnel_routes_from_domain (edit->doc, routes, notes, error))
    return FALSE;
  print_notes (ctx, notes);
  return TRUE;
}

/* Shared by add and remove: the edit transaction on one VM. */
static gboolean
edit_tunnel (VsaContext *ctx, virDomain *dom, TunnelRequest *req, VsaEditTransform transform,
             GError **error)
{
  g_autoptr (VsaEdit) edit = vsa_edit_prepare (ctx, dom, transform, req, error);

  if (edit == NULL || (req->key != NULL && !check_routes (ctx, edit, error)))
    return FALSE;
  if (ctx->dry_run)
    return vsa_edit_print_diff (ctx, edit, error);
  return vsa_edit_commit (ctx, edit, error);
}

static gboolean
tunnel_add (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  const char *key_file = vsa_invocation_string (inv, "key");
  const char *from = vsa_invocation_string (inv, "from");
  g_autoptr (VsaSshKey) key = NULL;
  TunnelRequest req = { 0 };

  if (key_file == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "tunnel add needs --key PUBKEYFILE (the user's .pub file)");
      return FALSE;
    }
  if (!vsa_validate_tunnel_user (inv->args[1], error) ||
      (from != NULL && !vsa_validate_ssh_from (from, error)) ||
      (key = vsa_ssh_key_read_file (key_file, error)) == NULL)
    return FALSE;

  req = (TunnelRequest) { inv->vm, inv->args[1], from, key };
  if (!edit_tunnel (ctx, inv->dom, &req, add_transform, error))
    return FALSE;
  if (!ctx->dry_run)
    vsa_context_note (ctx, "VM '%s': tunnel for user '%s' recorded; apply it with "
                      "'virt-spice-admin tunnel install'", req.vm, req.user);
  return TRUE;
}

static const GOptionEntry add_options[] = {
  VSA_OPTION (FILENAME, "key", "PUBKEYFILE", "The user's public key (.pub file); required"),
  VSA_OPTION (STRING, "from", "ADDR", "Accept the key only from this address or network (CIDR)"),
  VSA_OPTION_END
};

static const VsaCommand tunnel_add_command = VSA_COMMAND_LEAF ("add", tunnel_add, "VM USER --key PUBKEYFILE [--from ADDR]", 2, 2, VSA_COMMAND_CHANGES_VM, add_options,
  "Let a user reach a VM's console through ssh -L with a key",
  "Lets USER reach the VM's SPICE console with 'ssh -N -L' using this key\n"
  "(one key per user and VM; adding again replaces it).  Takes effect\n"
  "with 'virt-spice-admin tunnel install'.  The VM should listen on\n"
  "loopback only, so that the tunnel is the only way in.");

static gboolean
tunnel_remove (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  TunnelRequest req = { inv->vm, inv->args[1], NULL, NULL };

  if (!vsa_validate_tunnel_user (inv->args[1], error) ||
      !edit_tunnel (ctx, inv->dom, &req, remove_transform, error))
    return FALSE;
  if (!ctx->dry_run)
    vsa_context_note (ctx, "VM '%s': tunnel for user '%s' removed; apply it with "
                      "'virt-spice-admin tunnel install'", req.vm, req.user);
  return TRUE;
}

static const VsaCommand tunnel_remove_command = VSA_COMMAND_LEAF ("remove", tunnel_remove, "VM USER", 2, 2, VSA_COMMAND_CHANGES_VM, NULL,
  "Take a user's tunnel to a VM away",
  "Removes USER's tunnel to the VM from its policy.  Takes effect with\n"
  "'virt-spice-admin tunnel install'.");

/* --- render ---------------------------------------------------------------- */

/* DEST/PATH for every file, same modes, owned by whoever runs this: a
 * tree to inspect, diff or copy, not a live configuration. */
static gboolean
write_staging_tree (const char *dest, GPtrArray *files, GError **error)
{
  g_autoptr (VsaStagedFiles) staged = vsa_staged_files_new ();

  for (guint i = 0; i < files->len; i++)
    {
      const VsaRenderedFile *file = g_ptr_array_index (files, i);
      g_autofree char *path = g_build_filename (dest, file->path, NULL);
      g_autofree char *dir = g_path_get_dirname (path);

      if (!vsa_dir_ensure (dir, 0755, error) ||
          !vsa_staged_files_add (staged, path, file->content, (uid_t) -1, (gid_t) -1,
                                 file->mode, error))
        return FALSE;
    }
  return vsa_staged_files_commit (staged, error);
}

static gboolean
tunnel_render (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  const char *dest = vsa_invocation_string (inv, "dest");
  g_autoptr (GPtrArray) files = vsa_tunnel_files_render_host (ctx, error);
  g_autofree char *text = NULL;

  if (files == NULL)
    return FALSE;
  if (dest != NULL)
    return write_staging_tree (dest, files, error);
  text = vsa_rendered_files_to_text (files);
  fputs (text, ctx->out);
  return TRUE;
}

static const GOptionEntry render_options[] = {
  VSA_OPTION (FILENAME, "dest", "DIR", "Write the files under DIR (DIR/etc/ssh/...) instead of printing them"),
  VSA_OPTION_END
};

static const VsaCommand tunnel_render_command = VSA_COMMAND_LEAF ("render", tunnel_render, "[--dest DIR]", 0, 0, VSA_COMMAND_PLAIN, render_options,
  "Print (or write under DIR) the sshd drop-in and keys of every VM",
  "Renders the tunnels of every VM: the sshd drop-in (one Match User\n"
  "block per user) and each user's authorized_keys file.  Prints them,\n"
  "each under a '# ==> PATH (owner, mode) <==' line, or writes them\n"
  "below DIR at their paths.  Installs nothing.");

/* --- install --------------------------------------------------------------- */

static gboolean
tunnel_install (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  guint stale = 0;

  if ((files = vsa_tunnel_files_render_host (ctx, error)) == NULL ||
      !vsa_tunnel_files_check (ctx, files, vsa_invocation_flag (inv, "create-user"), missing, error))
    return FALSE;
  if (ctx->dry_run)
    {
      vsa_cli_print_checked_files (ctx, files);
      return TRUE;
    }
  if (!vsa_tunnel_files_install (files, missing, ctx->config->tunnel_authorized_keys_dir, &stale,
                                 error))
    return FALSE;
  vsa_context_note (ctx, "installed %s and %u authorized_keys file(s), removed %u stale one(s); "
                    "reload sshd (e.g. 'systemctl reload ssh') so that it reads the new Match blocks",
                    ((VsaRenderedFile *) g_ptr_array_index (files, 0))->path, files->len - 1, stale);
  return TRUE;
}

static const GOptionEntry install_options[] = {
  VSA_OPTION_FLAG ("create-user", "Create missing tunnel users as no-login, key-only accounts"),
  VSA_OPTION_END
};

static const VsaCommand tunnel_install_command = VSA_COMMAND_LEAF ("install", tunnel_install, "[--create-user]", 0, 0, VSA_COMMAND_PLAIN, install_options,
  "Check them with sshd -t and install them together",
  "Renders the tunnels of every VM (see 'tunnel render'), checks the\n"
  "sshd drop-in with 'sshd -t' together with the host's sshd_config, and\n"
  "installs the drop-in and every user's authorized_keys (root's, mode\n"
  "0640, readable by the user's group) at once; removes the keys of users\n"
  "without tunnels.  Refuses accounts whose shell runs startup files.\n"
  "If anything fails, nothing is installed.  With --dry-run: check and\n"
  "print only.  sshd reads the drop-in when it is reloaded.");

const VsaCommand vsa_command_tunnel = VSA_COMMAND_GROUP ("tunnel",
  "SSH tunnels to consoles: add, remove, render, install",
  "SSH tunnels to VM consoles: each user may forward to the SPICE ports\n"
  "of the VMs that list a tunnel for the user, with the listed key,\n"
  "and do nothing else over SSH.",
  &tunnel_add_command, &tunnel_remove_command, &tunnel_render_command, &tunnel_install_command);
