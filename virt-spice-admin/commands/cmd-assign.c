/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `assign VM USER [--client ADDR]... [--password-stdin|--generate]
 * [--ssh-key PUBFILE] [--take-over]`: the
 * user may open the VM's console (from those clients).  In sasl mode the
 * user's credential goes into the VM's own SASL database, so it opens
 * this VM and no other; in password mode the VM's password is the
 * credential and only the metadata changes.  --ssh-key records the key
 * the user's console requests log in with (the console broker), and
 * --take-over lets the user take the console from another user. */
#include "vsa-cli.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-live.h"
#include "vsa-nft.h"
#include "vsa-sasl.h"
#include "vsa-sshd.h"
#include "vsa-secret.h"

#include <string.h>

typedef struct {
  const VsaConfig *config;
  const char *vm;
  const char *user;
  const char *const *clients;
  const VsaSshKey *key;   /* NULL: keep the user's console key */
  gboolean take_over;
  /* results */
  VsaAuthMode auth;
  char *sasl_dir;
  VsaPolicy *policy;
} AssignRequest;

static void
assign_request_clear (AssignRequest *req)
{
  g_clear_pointer (&req->sasl_dir, g_free);
  g_clear_pointer (&req->policy, vsa_policy_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AssignRequest, assign_request_clear)

static gboolean
assign_transform (xmlDoc *doc, gpointer user_data, GError **error)
{
  AssignRequest *req = user_data;
  g_autoptr (VsaPolicy) policy = NULL;

  if (!vsa_policy_from_domain (doc, &policy, error))
    return FALSE;
  if (policy == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the VM is not managed yet; run 'virt-spice-admin secure %s' first", req->vm);
      return FALSE;
    }
  req->auth = policy->auth;
  vsa_policy_assign (policy, req->user, req->clients);
  if (req->key || req->take_over)
    {
      VsaBrokerUser *broker_user = vsa_policy_ensure_broker_user (policy, req->user);

      if (req->key)
        {
          vsa_ssh_key_free (broker_user->key);
          broker_user->key = vsa_ssh_key_new (req->key->type, req->key->blob, req->key->comment);
        }
      broker_user->take_over |= req->take_over;
    }
  if (policy->auth == VSA_AUTH_SASL)
    {
      req->sasl_dir = vsa_sasl_vm_dir (req->config, req->vm);
      if (!vsa_policy_bind_sasl (doc, policy, req->sasl_dir, error))
        return FALSE;
    }
  vsa_policy_to_domain (doc, policy);
  g_clear_pointer (&req->policy, vsa_policy_free);
  req->policy = g_steal_pointer (&policy);
  return TRUE;
}

/* SASL secrets are typed by people: any printable text, bounded. */
static gboolean
validate_sasl_password (const char *password, GError **error)
{
  gsize len = strlen (password);

  for (const char *p = password; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      len = 0;
  if (len == 0 || len > 256)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "password: must be 1 to 256 printable characters; use --generate");
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_request (const VsaConfig *config, const char *vm, const char *user, char **clients,
                  gboolean from_stdin, gboolean generate, gboolean with_key, GError **error)
{
  if (from_stdin && generate)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "--password-stdin and --generate exclude each other");
      return FALSE;
    }
  if (!vsa_validate_vm_name (vm, error) || !vsa_validate_user_name (user, error))
    return FALSE;
  /* A console key names an sshd Match block and a key file. */
  if (with_key && !vsa_validate_tunnel_user (user, error))
    return FALSE;
  for (guint i = 0; clients && clients[i]; i++)
    {
      if (!vsa_validate_client (clients[i], error))
        return FALSE;
      /* The server firewall admits addresses; a name would lock the user out. */
      if (config->firewall && !vsa_nft_validate_client (clients[i], error))
        {
          g_prefix_error (error, "with firewall = true, give client addresses: ");
          return FALSE;
        }
    }
  return TRUE;
}

/* Where the credential must come from, given the VM's mode. */
static gboolean
check_credential_source (VsaContext *ctx, AssignRequest *req, const VsaSecret *secret,
                         GError **error)
{
  if (req->auth == VSA_AUTH_PASSWORD)
    {
      if (secret == NULL)
        return TRUE;
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s' uses password mode: its SPICE password is the credential (see "
                   "'virt-spice-admin password'); drop --password-stdin/--generate", req->vm);
      return FALSE;
    }
  if (!vsa_sasl_check_libvirt_enabled (ctx->config, error))
    return FALSE;
  if (secret == NULL && !vsa_sasl_user_exists (req->sasl_dir, req->user))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "user '%s' has no SASL credential for VM '%s' yet; give --password-stdin or --generate",
                   req->user, req->vm);
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_cmd_assign (VsaContext *ctx, int argc, char **argv, GError **error)
{
  g_auto (GStrv) clients = NULL;
  gboolean from_stdin = FALSE, generate = FALSE, take_over = FALSE;
  g_autofree char *key_file = NULL;
  g_autoptr (VsaSshKey) key = NULL;
  GOptionEntry entries[] = {
    { "client", 0, 0, G_OPTION_ARG_STRING_ARRAY, &clients, "Client host (address or name) the user connects from; repeatable", "ADDR" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &from_stdin, "sasl mode: read the user's password from stdin", NULL },
    { "generate", 0, 0, G_OPTION_ARG_NONE, &generate, "sasl mode: generate the user's password and print it", NULL },
    { "ssh-key", 0, 0, G_OPTION_ARG_FILENAME, &key_file, "The user's public key (.pub) for console requests over SSH (one per user)", "PUBFILE" },
    { "take-over", 0, 0, G_OPTION_ARG_NONE, &take_over, "The user may take the console over from another user", NULL },
    { NULL }
  };
  g_auto (GStrv) args = NULL;
  g_auto (AssignRequest) req = { 0 };
  g_autoptr (VsaSecret) secret = NULL;
  g_autoptr (virDomain) dom = NULL;
  g_autoptr (VsaEdit) edit = NULL;
  gboolean had_credential;

  if (!vsa_cli_parse (ctx, entries, "VM USER [OPTIONS]",
                      "Records USER (and the client hosts) in the VM's policy.\n"
                      "sasl mode: USER's credential is stored in the VM's own SASL database\n"
                      "(created on first use), so it opens this VM and no other.  A new user\n"
                      "needs --password-stdin or --generate.\n"
                      "password mode: the VM's SPICE password is the credential.\n"
                      "--ssh-key: the key USER's 'ssh USER@SERVER console VM' logs in with\n"
                      "(see 'virt-spice-admin broker install').",
                      argc, argv, 2, 2, &args, error) ||
      !vsa_cli_load_config (ctx, error) ||
      !validate_request (ctx->config, args[0], args[1], clients, from_stdin, generate,
                         key_file != NULL, error) ||
      (key_file && (key = vsa_ssh_key_read_file (key_file, error)) == NULL))
    return FALSE;
  if (from_stdin)
    secret = vsa_secret_read_line (ctx->in, "password", error);
  else if (generate)
    secret = vsa_secret_generate_password (error);
  if ((from_stdin || generate) && (secret == NULL || !validate_sasl_password (secret, error)))
    return FALSE;

  req.config = ctx->config;
  req.vm = args[0];
  req.user = args[1];
  req.clients = (const char *const *) clients;
  req.key = key;
  req.take_over = take_over;
  if (!vsa_context_connect (ctx, error) ||
      (dom = vsa_libvirt_lookup (ctx->conn, args[0], error)) == NULL)
    return FALSE;
  edit = vsa_edit_prepare (ctx, dom, assign_transform, &req, error);
  if (edit == NULL || !check_credential_source (ctx, &req, secret, error))
    {
      g_prefix_error (error, "VM '%s': ", args[0]);
      return FALSE;
    }
  if (ctx->dry_run)
    return vsa_edit_print_diff (ctx, edit, error);

  had_credential = req.auth == VSA_AUTH_SASL && vsa_sasl_user_exists (req.sasl_dir, req.user);
  if (req.auth == VSA_AUTH_SASL &&
      (!vsa_sasl_ensure_vm_dir (ctx->config, req.vm, error) ||
       (secret && !vsa_sasl_set_password (ctx->config, req.sasl_dir, req.user, secret, error))))
    return FALSE;
  if (!vsa_edit_commit (ctx, edit, error))
    {
      /* Leave no credential behind for a user the policy does not list. */
      if (secret && !had_credential)
        vsa_sasl_delete_user (ctx->config, req.sasl_dir, req.user, NULL);
      g_prefix_error (error, "VM '%s': ", args[0]);
      return FALSE;
    }
  if (generate)
    fprintf (ctx->out, "%s\n", secret);
  if (!vsa_live_apply_policy (ctx, dom, req.policy, error))
    {
      g_prefix_error (error, "VM '%s': ", args[0]);
      return FALSE;
    }
  vsa_context_note (ctx, "VM '%s': user '%s' assigned%s", req.vm, req.user,
                    req.auth == VSA_AUTH_SASL ? " (own SASL credential)" : "");
  return TRUE;
}
