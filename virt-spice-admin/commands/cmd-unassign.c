/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `unassign VM USER`: the user may no longer open the VM's console.  In
 * sasl mode the credential leaves the VM's database first, so a failure
 * later can only deny access, never keep it. */
#include "vsa-cli.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-live.h"
#include "vsa-sasl.h"

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

gboolean
vsa_cmd_unassign (VsaContext *ctx, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  g_auto (GStrv) args = NULL;
  g_auto (UnassignRequest) req = { 0 };
  g_autoptr (virDomain) dom = NULL;
  g_autoptr (VsaEdit) edit = NULL;

  if (!vsa_cli_parse (ctx, entries, "VM USER",
                      "Removes USER from the VM's policy; in sasl mode also deletes USER's\n"
                      "credential from the VM's SASL database, which takes effect for the\n"
                      "next connection without a restart.  Removing the last user leaves a\n"
                      "VM nobody can open.",
                      argc, argv, 2, 2, &args, error) ||
      !vsa_cli_load_config (ctx, error) || !vsa_validate_vm_name (args[0], error) ||
      !vsa_validate_user_name (args[1], error))
    return FALSE;
  req.vm = args[0];
  req.user = args[1];
  if (!vsa_context_connect (ctx, error) ||
      (dom = vsa_libvirt_lookup (ctx->conn, args[0], error)) == NULL)
    return FALSE;
  edit = vsa_edit_prepare (ctx, dom, unassign_transform, &req, error);
  if (edit == NULL)
    {
      g_prefix_error (error, "VM '%s': ", args[0]);
      return FALSE;
    }
  if (ctx->dry_run)
    return vsa_edit_print_diff (ctx, edit, error);
  if ((req.sasl_dir && !vsa_sasl_delete_user (ctx->config, req.sasl_dir, req.user, error)) ||
      !vsa_edit_commit (ctx, edit, error) || !vsa_live_apply_policy (ctx, dom, req.policy, error))
    {
      g_prefix_error (error, "VM '%s': ", args[0]);
      return FALSE;
    }
  vsa_context_note (ctx, "VM '%s': user '%s' unassigned%s", req.vm, req.user,
                    req.users_left == 0 ? "; nobody can open its console now" : "");
  return TRUE;
}
