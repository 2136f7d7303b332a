/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tunnel add|remove|render|install`: a VM's console through `ssh -L`,
 * for exactly the users and keys its policy lists.  add and remove
 * record (VM, user, key) in the VM's metadata; render turns the tunnels
 * of every VM into one sshd drop-in (a Match User block per user) and an
 * authorized_keys file per user; install checks them with the real sshd
 * and puts them in place together, or installs nothing. */
#include "vsa-accounts.h"
#include "vsa-cli.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-libvirt.h"
#include "vsa-sshd.h"
#include "vsa-staged-files.h"
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
  GPtrArray *notes;     /* results: remarks on the VM's listen address */
} TunnelEdit;

static gboolean
require_policy (xmlDoc *doc, const char *vm, VsaPolicy **ret_policy, GError **error)
{
  if (!vsa_policy_from_domain (doc, ret_policy, error))
    return FALSE;
  if (*ret_policy == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the VM is not managed yet; run 'virt-spice-admin secure %s' first", vm);
      return FALSE;
    }
  return TRUE;
}

/* Adding also resolves the tunnel against the VM's graphics, so a VM
 * without a fixed TLS port or listen address is refused now, not at
 * render time. */
static gboolean
add_transform (xmlDoc *doc, gpointer user_data, GError **error)
{
  TunnelEdit *req = user_data;
  g_autoptr (VsaPolicy) policy = NULL;
  g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_tunnel_route_free);

  if (!require_policy (doc, req->vm, &policy, error))
    return FALSE;
  vsa_policy_set_tunnel (policy, req->user, req->key, req->from);
  vsa_policy_to_domain (doc, policy);
  return vsa_tunnel_routes_from_domain (doc, routes, req->notes, error);
}

static gboolean
remove_transform (xmlDoc *doc, gpointer user_data, GError **error)
{
  TunnelEdit *req = user_data;
  g_autoptr (VsaPolicy) policy = NULL;

  if (!require_policy (doc, req->vm, &policy, error))
    return FALSE;
  if (!vsa_policy_remove_tunnel (policy, req->user))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "user '%s' has no tunnel to this VM; see 'virt-spice-admin tunnel render'",
                   req->user);
      return FALSE;
    }
  vsa_policy_to_domain (doc, policy);
  return TRUE;
}

static void
print_notes (VsaContext *ctx, GPtrArray *notes)
{
  for (guint i = 0; i < notes->len; i++)
    vsa_context_note (ctx, "note: %s", (const char *) g_ptr_array_index (notes, i));
}

/* Shared by add and remove: the edit transaction on one VM. */
static gboolean
edit_tunnel (VsaContext *ctx, TunnelEdit *req, VsaDomainTransform transform, GError **error)
{
  g_autoptr (virDomain) dom = NULL;
  g_autoptr (VsaEdit) edit = NULL;

  if (!vsa_context_connect (ctx, error) ||
      (dom = vsa_libvirt_lookup (ctx->conn, req->vm, error)) == NULL)
    return FALSE;
  edit = vsa_edit_prepare (ctx, dom, transform, req, error);
  if (edit != NULL && ctx->dry_run)
    return vsa_edit_print_diff (ctx, edit, error);
  if (edit == NULL || !vsa_edit_commit (ctx, edit, error))
    {
      g_prefix_error (error, "VM '%s': ", req->vm);
      return FALSE;
    }
  return TRUE;
}

static gboolean
tunnel_add (VsaContext *ctx, int argc, char **argv, GError **error)
{
  g_autofree char *key_file = NULL;
  g_autofree char *from = NULL;
  GOptionEntry entries[] = {
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key_file, "The user's public key (.pub file); required", "PUBKEYFILE" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, "Accept the key only from this address or network (CIDR)", "ADDR" },
    { NULL }
  };
  g_auto (GStrv) args = NULL;
  g_autoptr (VsaSshKey) key = NULL;
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  TunnelEdit req = { 0 };

  if (!vsa_cli_parse (ctx, entries, "VM USER --key PUBKEYFILE [--from ADDR]",
                      "Lets USER reach the VM's SPICE console with 'ssh -N -L' using this key\n"
                      "(one key per user and VM; adding again replaces it).  Takes effect\n"
                      "with 'virt-spice-admin tunnel install'.  The VM should listen on\n"
                      "loopback only, so that the tunnel is the only way in.",
                      argc, argv, 2, 2, &args, error) ||
      !vsa_cli_load_config (ctx, error))
    return FALSE;
  if (key_file == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "tunnel add needs --key PUBKEYFILE (the user's .pub file)");
      return FALSE;
    }
  if (!vsa_validate_vm_name (args[0], error) || !vsa_validate_tunnel_user (args[1], error) ||
      (from != NULL && !vsa_validate_ssh_from (from, error)) ||
      (key = vsa_ssh_key_read_file (key_file, error)) == NULL)
    return FALSE;

  req = (TunnelEdit) { args[0], args[1], from, key, notes };
  if (!edit_tunnel (ctx, &req, add_transform, error))
    return FALSE;
  print_notes (ctx, notes);
  if (!ctx->dry_run)
    vsa_context_note (ctx, "VM '%s': tunnel for user '%s' recorded; apply it with "
                      "'virt-spice-admin tunnel install'", req.vm, req.user);
  return TRUE;
}

static gboolean
tunnel_remove (VsaContext *ctx, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  g_auto (GStrv) args = NULL;
  TunnelEdit req = { 0 };

  if (!vsa_cli_parse (ctx, entries, "VM USER",
                      "Removes USER's tunnel to the VM from its policy.  Takes effect with\n"
                      "'virt-spice-admin tunnel install'.",
                      argc, argv, 2, 2, &args, error) ||
      !vsa_cli_load_config (ctx, error) || !vsa_validate_vm_name (args[0], error) ||
      !vsa_validate_tunnel_user (args[1], error))
    return FALSE;
  req = (TunnelEdit) { args[0], args[1], NULL, NULL, NULL };
  if (!edit_tunnel (ctx, &req, remove_transform, error))
    return FALSE;
  if (!ctx->dry_run)
    vsa_context_note (ctx, "VM '%s': tunnel for user '%s' removed; apply it with "
                      "'virt-spice-admin tunnel install'", req.vm, req.user);
  return TRUE;
}

/* --- render ---------------------------------------------------------------- */

static gboolean
collect_domain_routes (virDomain *dom, GPtrArray *routes, GPtrArray *notes, GError **error)
{
  g_autoptr (xmlDoc) doc = vsa_libvirt_get_doc (dom, VIR_DOMAIN_XML_INACTIVE, error);

  return doc != NULL && vsa_tunnel_routes_from_domain (doc, routes, notes, error);
}

/* Every VM's tunnels: the persistent definitions decide what is allowed. */
static GPtrArray *
collect_routes (VsaContext *ctx, GError **error)
{
  g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_tunnel_route_free);
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  virDomainPtr *domains = NULL;
  gboolean ok = TRUE;
  int n;

  if (!vsa_context_connect (ctx, error))
    return NULL;
  n = virConnectListAllDomains (ctx->conn, &domains, 0);
  if (n < 0)
    {
      vsa_libvirt_set_error (error, "cannot list the VMs to collect their tunnels");
      return NULL;
    }
  for (int i = 0; i < n; i++)
    {
      ok = ok && collect_domain_routes (domains[i], routes, notes, error);
      virDomainFree (domains[i]);
    }
  free (domains);
  if (!ok)
    return NULL;
  print_notes (ctx, notes);
  return g_steal_pointer (&routes);
}

static GPtrArray *
render_files (VsaContext *ctx, GError **error)
{
  g_autoptr (GPtrArray) routes = collect_routes (ctx, error);
  VsaTunnelRenderOptions opts = {
    ctx->config->sshd_drop_in_dir,
    ctx->config->tunnel_authorized_keys_dir,
    ctx->config->tunnel_wait_command,
  };

  return routes ? vsa_tunnel_render (routes, &opts, error) : NULL;
}

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
tunnel_render (VsaContext *ctx, int argc, char **argv, GError **error)
{
  g_autofree char *dest = NULL;
  GOptionEntry entries[] = {
    { "dest", 0, 0, G_OPTION_ARG_FILENAME, &dest, "Write the files under DIR (DIR/etc/ssh/...) instead of printing them", "DIR" },
    { NULL }
  };
  g_auto (GStrv) args = NULL;
  g_autoptr (GPtrArray) files = NULL;
  g_autofree char *text = NULL;

  if (!vsa_cli_parse (ctx, entries, "[--dest DIR]",
                      "Renders the tunnels of every VM: the sshd drop-in (one Match User\n"
                      "block per user) and each user's authorized_keys file.  Prints them,\n"
                      "each under a '# ==> PATH (owner, mode) <==' line, or writes them\n"
                      "below DIR at their paths.  Installs nothing.",
                      argc, argv, 0, 0, &args, error) ||
      !vsa_cli_load_config (ctx, error) || (files = render_files (ctx, error)) == NULL)
    return FALSE;
  if (dest != NULL)
    return write_staging_tree (dest, files, error);
  text = vsa_rendered_files_to_text (files);
  fputs (text, ctx->out);
  return TRUE;
}

/* --- install --------------------------------------------------------------- */

static void
note_account_details (VsaContext *ctx, const char *user, const VsaAccount *account)
{
  if (!g_str_has_suffix (account->shell, "/nologin") && !g_str_has_suffix (account->shell, "/false"))
    vsa_context_note (ctx, "note: tunnel user '%s' has the login shell %s; sshd only lets it "
                      "wait (ForceCommand), but /usr/sbin/nologin is safer", user, account->shell);
  if (account->password_locked)
    vsa_context_note (ctx, "note: tunnel user '%s' has a locked password ('!'); an sshd with "
                      "UsePAM no refuses its keys too: 'usermod -p \"*\" %s' keeps it key-only",
                      user, user);
}

/* Every tunnel user must be an unprivileged local account, or be created
 * (--create-user); RET_MISSING lists those to create. */
static gboolean
check_accounts (VsaContext *ctx, GPtrArray *files, gboolean create_users,
                GPtrArray *ret_missing, GError **error)
{
  for (guint i = 0; i < files->len; i++)
    {
      const VsaRenderedFile *file = g_ptr_array_index (files, i);
      g_auto (VsaAccount) account = { 0 };

      if (file->owner == NULL)
        continue;
      if (!vsa_account_lookup (file->owner, &account, error))
        return FALSE;
      if (!account.exists && !create_users)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                       "tunnel user '%s' has no local account; create it (no shell, key only) "
                       "or give --create-user; nothing was installed", file->owner);
          return FALSE;
        }
      if (!account.exists)
        g_ptr_array_add (ret_missing, g_strdup (file->owner));
      else if (account.uid == 0)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "tunnel user '%s' has UID 0; tunnels need unprivileged accounts; nothing "
                       "was installed", file->owner);
          return FALSE;
        }
      else
        note_account_details (ctx, file->owner, &account);
    }
  return TRUE;
}

/* Created accounts are deleted again unless the install succeeds. */
typedef struct {
  GPtrArray *created;
  gboolean keep;
} CreatedAccounts;

static void
created_accounts_clear (CreatedAccounts *accounts)
{
  for (guint i = 0; !accounts->keep && accounts->created && i < accounts->created->len; i++)
    vsa_account_delete (g_ptr_array_index (accounts->created, i));
  g_clear_pointer (&accounts->created, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CreatedAccounts, created_accounts_clear)

static gboolean
create_accounts (GPtrArray *missing, CreatedAccounts *accounts, GError **error)
{
  accounts->created = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < missing->len; i++)
    {
      const char *user = g_ptr_array_index (missing, i);

      if (!vsa_account_create_tunnel_user (user, error))
        return FALSE;
      g_ptr_array_add (accounts->created, g_strdup (user));
    }
  return TRUE;
}

static gboolean
stage_file (VsaStagedFiles *staged, const VsaRenderedFile *file, GError **error)
{
  g_auto (VsaAccount) account = { 0 };
  g_autofree char *dir = g_path_get_dirname (file->path);

  if (file->owner && !vsa_account_lookup (file->owner, &account, error))
    return FALSE;
  if (file->owner && !account.exists)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "user '%s' vanished during the install; nothing was installed", file->owner);
      return FALSE;
    }
  return vsa_dir_ensure (dir, 0755, error) &&
         vsa_staged_files_add (staged, file->path, file->content, file->owner ? account.uid : 0,
                               file->owner ? account.gid : 0, file->mode, error);
}

/* The keys first, the drop-in (files[0]) last: a Match block never points
 * at keys that are not there yet. */
static gboolean
install_files (GPtrArray *files, GError **error)
{
  g_autoptr (VsaStagedFiles) staged = vsa_staged_files_new ();

  for (guint i = 1; i < files->len; i++)
    if (!stage_file (staged, g_ptr_array_index (files, i), error))
      return FALSE;
  return stage_file (staged, g_ptr_array_index (files, 0), error) &&
         vsa_staged_files_commit (staged, error);
}

static gboolean
is_rendered_owner (GPtrArray *files, const char *name)
{
  for (guint i = 0; i < files->len; i++)
    if (g_strcmp0 (((VsaRenderedFile *) g_ptr_array_index (files, i))->owner, name) == 0)
      return TRUE;
  return FALSE;
}

/* Keys of users who no longer have a tunnel.  Only regular files named
 * like tunnel users are touched: the directory is ours, but be careful. */
static guint
remove_stale_keys (const char *dir, GPtrArray *files)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint removed = 0;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      if (!is_rendered_owner (files, name) && vsa_validate_tunnel_user (name, NULL) &&
          g_lstat (path, &st) == 0 && S_ISREG (st.st_mode) && g_unlink (path) == 0)
        removed++;
    }
  return removed;
}

static gboolean
tunnel_install (VsaContext *ctx, int argc, char **argv, GError **error)
{
  gboolean create_users = FALSE;
  GOptionEntry entries[] = {
    { "create-user", 0, 0, G_OPTION_ARG_NONE, &create_users, "Create missing tunnel users as no-login, key-only accounts", NULL },
    { NULL }
  };
  g_auto (GStrv) args = NULL;
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  g_auto (CreatedAccounts) created = { 0 };
  const VsaRenderedFile *drop_in;
  g_autofree char *stale = NULL;

  if (!vsa_cli_parse (ctx, entries, "[--create-user]",
                      "Renders the tunnels of every VM (see 'tunnel render'), checks the\n"
                      "sshd drop-in with 'sshd -t' together with the host's sshd_config, and\n"
                      "installs the drop-in and every user's authorized_keys (owned by the\n"
                      "user, mode 0600) at once; removes the keys of users without tunnels.\n"
                      "If anything fails, nothing is installed.  With --dry-run: check and\n"
                      "print only.  sshd reads the drop-in when it is reloaded.",
                      argc, argv, 0, 0, &args, error) ||
      !vsa_cli_load_config (ctx, error) || (files = render_files (ctx, error)) == NULL ||
      !check_accounts (ctx, files, create_users, missing, error))
    return FALSE;
  drop_in = g_ptr_array_index (files, 0);
  if (!vsa_sshd_check_drop_in (ctx->config->sshd_binary, ctx->config->sshd_config,
                               drop_in->content, error))
    {
      g_prefix_error (error, "nothing was installed: ");
      return FALSE;
    }
  if (ctx->dry_run)
    {
      g_autofree char *text = vsa_rendered_files_to_text (files);

      fputs (text, ctx->out);
      vsa_context_note (ctx, "sshd accepts this configuration; --dry-run: nothing was installed");
      return TRUE;
    }
  if (!create_accounts (missing, &created, error) || !install_files (files, error))
    return FALSE;
  created.keep = TRUE;
  stale = g_strdup_printf ("%u", remove_stale_keys (ctx->config->tunnel_authorized_keys_dir, files));
  vsa_context_note (ctx, "installed %s and %u authorized_keys file(s), removed %s stale one(s); "
                    "reload sshd (e.g. 'systemctl reload ssh') so that it reads the new Match blocks",
                    drop_in->path, files->len - 1, stale);
  return TRUE;
}

/* --- dispatch -------------------------------------------------------------- */

static const struct {
  const char *name;
  const char *command; /* for usage lines and help */
  VsaCommandFunc run;
} actions[] = {
  { "add", "tunnel add", tunnel_add },
  { "remove", "tunnel remove", tunnel_remove },
  { "render", "tunnel render", tunnel_render },
  { "install", "tunnel install", tunnel_install },
};

#define TUNNEL_USAGE "add VM USER --key PUBKEYFILE [--from ADDR] | remove VM USER | render [--dest DIR] | install [--create-user]"

static gboolean
tunnel_help (VsaContext *ctx, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  g_auto (GStrv) args = NULL;

  /* GOption prints --help and exits; anything else is a usage error. */
  if (!vsa_cli_parse (ctx, entries, TUNNEL_USAGE,
                      "SSH tunnels to VM consoles: each user may forward to the SPICE ports\n"
                      "of the VMs that list a tunnel for the user, with the listed key,\n"
                      "and do nothing else over SSH.  Run 'virt-spice-admin tunnel ACTION\n"
                      "--help' for an action's options.",
                      argc, argv, 0, 0, &args, error))
    return FALSE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
               "usage: virt-spice-admin tunnel " TUNNEL_USAGE);
  return FALSE;
}

gboolean
vsa_cmd_tunnel (VsaContext *ctx, int argc, char **argv, GError **error)
{
  const char *action = argc > 1 ? argv[1] : NULL;

  for (gsize i = 0; action && i < G_N_ELEMENTS (actions); i++)
    if (g_str_equal (action, actions[i].name))
      {
        ctx->command = actions[i].command;
        return actions[i].run (ctx, argc - 1, argv + 1, error);
      }
  if (action && action[0] != '-')
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "unknown tunnel action '%s'; use add, remove, render or install", action);
      return FALSE;
    }
  return tunnel_help (ctx, argc, argv, error);
}
