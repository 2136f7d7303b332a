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

typedef struct {
  const char *vm;
  const char *user;
  /* results */
  char *sasl_dir;
  guint users_left;
  VsaPolicy *policy;
} UnassignRequest;

static void
unassign_request_clear (UnassignRequest *req)
{
  g_clear_pointer (&req->sasl_dir, g_free);
  g_clear_pointer (&req->policy, vsa_policy_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UnassignRequest, unassign_request_clear)

static gboolean
unassign_transform (xmlDoc *doc, gpointer user_data, GError **error)
{
  UnassignRequest *req = user_data;
  g_autoptr (VsaPolicy) policy = NULL;

  if (!vsa_policy_from_domain (doc, &policy, error))
    return FALSE;
  if (policy == NULL || !vsa_policy_unassign (policy, req->user))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "user '%s' is not assigned to this VM; see 'virt-spice-admin show %s'",
                   req->user, req->vm);
      return FALSE;
    }
  req->sasl_dir = g_strdup (policy->sasl_dir);
  req->users_left = policy->access->len;
  vsa_policy_to_domain (doc, policy);
  g_clear_pointer (&req->policy, vsa_policy_free);
  req->policy = g_steal_pointer (&policy);
  return TRUE;
}

static gboolean
run_unassign (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  g_auto (UnassignRequest) req = { 0 };
  g_autoptr (VsaEdit) edit = NULL;

  if (!vsa_validate_user_name (inv->args[1], error))
    return FALSE;
  req.vm = inv->vm;
  req.user = inv->args[1];
  edit = vsa_edit_prepare (ctx, inv->dom, unassign_transform, &req, error);
  if (edit == NULL)
    return FALSE;
  if (ctx->dry_run)
    return vsa_edit_print_diff (ctx, edit, error);
  if ((req.sasl_dir &&
       !vsa_sasl_remove_credential (ctx->config, req.vm, req.sasl_dir, req.user, error)) ||
      !vsa_edit_commit (ctx, edit, error) || !vsa_live_apply_policy (ctx, inv->dom, req.policy, error))
    return FALSE;
  vsa_context_note (ctx, "VM '%s': user '%s' unassigned%s", req.vm, req.user,
                    req.users_left == 0 ? "; nobody can open its console now" : "");
  return TRUE;
}

const VsaCommand vsa_command_unassign = {
  .name = "unassign",
  .run = run_unassign,
  .usage = "VM USER",
  .summary = "Take a VM's console away from a user",
  .description = "Removes USER from the VM's policy; in sasl mode also deletes USER's\n"
                 "credential from the VM's SASL database, which takes effect for the\n"
                 "next connection without a restart.  Removing the last user leaves a\n"
                 "VM nobody can open.",
  .min_args = 2,
  .max_args = 2,
  .flags = VSA_COMMAND_NEEDS_DOMAIN | VSA_COMMAND_WRITES,
};
