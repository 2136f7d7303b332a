/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `unassign VM USER`: the user may no longer open the VM's console.  In
 * sasl mode the credential leaves the VM's database first, so a failure
 * later can only deny access, never keep it. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-live.h"
#include "vsa-sasl.h"
#include "vsa-sasl-vault.h"

static gboolean
unassign_transform (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  char **args = user_data; /* VM USER */

  if (*policy == NULL || !vsa_policy_unassign (*policy, args[1]))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "user '%s' is not assigned to this VM; see 'virt-spice-admin show %s'",
                   args[1], args[0]);
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_unassign (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  const char *user = inv->args[1];
  g_autoptr (VsaEdit) edit = NULL;
  const char *sasl_dir;

  if (!vsa_validate_user_name (user, error) ||
      (edit = vsa_edit_prepare (ctx, inv->dom, unassign_transform, inv->args, error)) == NULL)
    return FALSE;
  if (ctx->dry_run)
    return vsa_edit_print_diff (ctx, edit, error);
  sasl_dir = edit->policy->sasl_dir;
  if ((sasl_dir && !vsa_sasl_remove_credential (ctx->config, inv->vm, sasl_dir, user, error)) ||
      !vsa_edit_commit (ctx, edit, error) ||
      !vsa_live_apply_policy (ctx, edit->dom, edit->policy, error))
    return FALSE;
  vsa_context_note (ctx, "VM '%s': user '%s' unassigned%s", inv->vm, user,
                    edit->policy->access->len == 0 ? "; nobody can open its console now" : "");
  return TRUE;
}

const VsaCommand vsa_command_unassign = VSA_COMMAND_LEAF ("unassign", run_unassign, "VM USER", 2, 2, VSA_COMMAND_CHANGES_VM, NULL,
  "Take a VM's console away from a user",
  "Removes USER from the VM's policy; in sasl mode also deletes USER's\n"
  "credential from the VM's SASL database, which takes effect for the\n"
  "next connection without a restart.  Removing the last user leaves a\n"
  "VM nobody can open.");
