/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `assign VM USER [--client ADDR]... [--when SPEC]... [--password-stdin|--generate]
 * [--ssh-key PUBFILE] [--take-over]`: the user may open the VM's console
 * (from those clients, inside those windows).  In sasl mode the
 * user's credential goes into the VM's own SASL database, so it opens
 * this VM and no other; in password mode the VM's password is the
 * credential and only the metadata changes.  --ssh-key records the key
 * the user's console requests log in with (the console broker), and
 * --take-over lets the user take the console from another user. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-live.h"
#include "vsa-nft.h"
#include "vsa-sasl.h"
#include "vsa-sasl-vault.h"
#include "vsa-sshd.h"
#include "vsa-secret.h"

#include <string.h>

typedef struct {
  const VsaConfig *config;
  const char *vm;
  const char *user;
  const char *const *clients;
  const VsaWindowSet *when; /* NULL: keep the user's windows (always if new) */
  const VsaSshKey *key;   /* NULL: keep the user's console key */
  gboolean take_over;
} AssignRequest;

static gboolean
assign_transform (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  AssignRequest *req = user_data;
  g_autofree char *sasl_dir = NULL;

  if (*policy == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the VM is not managed yet; run 'virt-spice-admin secure %s' first", req->vm);
      return FALSE;
    }
  vsa_policy_assign (*policy, req->user, req->clients);
  vsa_policy_set_broker_user (*policy, req->user, req->key, req->take_over);
  if (req->when)
    vsa_policy_set_when (*policy, req->user, req->when);
  if ((*policy)->auth != VSA_AUTH_SASL)
    return TRUE;
  sasl_dir = vsa_sasl_vm_dir (req->config, req->vm);
  return vsa_policy_bind_sasl (doc, *policy, sasl_dir, error);
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
validate_request (const VsaConfig *config, const char *user, char **clients,
                  gboolean allow_wide, gboolean from_stdin, gboolean generate, GError **error)
{
  if (from_stdin && generate)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "--password-stdin and --generate exclude each other");
      return FALSE;
    }
  if (!vsa_validate_user_name (user, error))
    return FALSE;
  for (guint i = 0; clients && clients[i]; i++)
    {
      if (!vsa_validate_client (clients[i], error) ||
          !vsa_check_client_network_width (clients[i], &config->client_networks, allow_wide,
                                           "--allow-wide-network", error))
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
check_credential_source (VsaContext *ctx, const VsaPolicy *policy, const char *vm,
                         const char *user, const VsaSecret *secret, GError **error)
{
  if (policy->auth == VSA_AUTH_PASSWORD)
    {
      if (secret == NULL)
        return TRUE;
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s' uses password mode: its SPICE password is the credential (see "
                   "'virt-spice-admin password'); drop --password-stdin/--generate", vm);
      return FALSE;
    }
  if (!vsa_sasl_check_libvirt_enabled (ctx->config, error))
    return FALSE;
  /* Outside her window the credential waits in the vault. */
  if (secret == NULL && !vsa_sasl_user_exists (policy->sasl_dir, user) &&
      !vsa_sasl_vault_has_user (ctx->config, vm, user))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "user '%s' has no SASL credential for VM '%s' yet; give --password-stdin or --generate",
                   user, vm);
      return FALSE;
    }
  return TRUE;
}

/* sasl mode: the credential goes in before the policy names the user, and
 * a new one is taken out again if the define fails. */
static gboolean
commit (VsaContext *ctx, VsaEdit *edit, const char *user, const VsaSecret *secret,
        GError **error)
{
  const VsaPolicy *policy = edit->policy;
  gboolean sasl = policy->auth == VSA_AUTH_SASL;
  gboolean had_credential = sasl && (vsa_sasl_user_exists (policy->sasl_dir, user) ||
                                     vsa_sasl_vault_has_user (ctx->config, edit->name, user));

  if (sasl && (!vsa_sasl_ensure_vm_dir (ctx->config, edit->name, error) ||
               (secret && !vsa_sasl_store_credential (ctx->config, edit->name, policy->sasl_dir,
                                                      user, secret, error))))
    return FALSE;
  if (vsa_edit_commit (ctx, edit, error))
    return TRUE;
  /* Leave no credential behind for a user the policy does not list. */
  if (secret && !had_credential)
    vsa_sasl_remove_credential (ctx->config, edit->name, policy->sasl_dir, user, NULL);
  return FALSE;
}

static const GOptionEntry assign_options[] = {
  VSA_OPTION (STRING_ARRAY, "client", "ADDR", "Client host (address or name) the user connects from; repeatable"),
  VSA_OPTION_FLAG ("allow-wide-network", "Take a --client network wider than client-min-prefix-ipv4/-ipv6"),
  VSA_OPTION_FLAG ("password-stdin", "sasl mode: read the user's password from stdin"),
  VSA_OPTION_FLAG ("generate", "sasl mode: generate the user's password and print it"),
  VSA_OPTION (STRING_ARRAY, "when", "SPEC", "Access window (Mon-Tue, Mon-Fri 18:00-23:00, always...); repeatable, they add up"),
  VSA_OPTION (FILENAME, "ssh-key", "PUBFILE", "The user's public key (.pub) for console requests over SSH (one per user)"),
  VSA_OPTION_FLAG ("take-over", "The user may take the console over from another user"),
  VSA_OPTION_END
};

/* The union of every --when, or NULL when none was given. */
static VsaWindowSet *
parse_windows (char **specs, GError **error)
{
  g_autoptr (VsaWindowSet) when = NULL;

  if (!specs || !specs[0])
    return NULL;
  when = vsa_window_set_new_never ();
  for (guint i = 0; specs[i]; i++)
    if (!vsa_window_set_add (when, specs[i], error))
      {
        g_prefix_error (error, "--when: ");
        return NULL;
      }
  return g_steal_pointer (&when);
}

/* The user's new SASL credential, or NULL (none given, or an error). */
static VsaSecret *
read_secret (VsaContext *ctx, gboolean from_stdin, gboolean generate, GError **error)
{
  g_autoptr (VsaSecret) secret = NULL;

  if (from_stdin)
    secret = vsa_secret_read_line (ctx->in, "password", error);
  else if (generate)
    secret = vsa_secret_generate_password (error);
  if (secret != NULL && !validate_sasl_password (secret, error))
    return NULL;
  return g_steal_pointer (&secret);
}

static gboolean
run_assign (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  char **clients = vsa_invocation_strings (inv, "client");
  gboolean from_stdin = vsa_invocation_flag (inv, "password-stdin");
  gboolean generate = vsa_invocation_flag (inv, "generate");
  char **specs = vsa_invocation_strings (inv, "when");
  const char *user = inv->args[1];
  g_autoptr (VsaWindowSet) when = NULL;
  const char *key_file = vsa_invocation_string (inv, "ssh-key");
  g_autoptr (VsaSshKey) key = NULL;
  AssignRequest req = { ctx->config, inv->vm, user, (const char *const *) clients, NULL, NULL,
                        vsa_invocation_flag (inv, "take-over") };
  g_autoptr (VsaSecret) secret = NULL;
  g_autoptr (VsaEdit) edit = NULL;
  g_autoptr (GDateTime) now = vsa_cli_window_now (ctx);
  g_autofree char *shown_when = NULL;

  if (!validate_request (ctx->config, user, clients, vsa_invocation_flag (inv, "allow-wide-network"),
                         from_stdin, generate, error) ||
      (key_file && (!vsa_validate_tunnel_user (user, error) ||
                    (key = vsa_ssh_key_read_file (key_file, error)) == NULL)))
    return FALSE;
  req.key = key;
  when = parse_windows (specs, error);
  if (specs && specs[0] && when == NULL)
    return FALSE;
  req.when = when;
  secret = read_secret (ctx, from_stdin, generate, error);
  if (((from_stdin || generate) && secret == NULL) ||
      (edit = vsa_edit_prepare (ctx, inv->dom, assign_transform, &req, error)) == NULL ||
      !check_credential_source (ctx, edit->policy, inv->vm, user, secret, error))
    return FALSE;
  if (ctx->dry_run)
    return vsa_edit_print_diff (ctx, edit, error);
  if (!commit (ctx, edit, user, secret, error))
    return FALSE;
  if (generate)
    fprintf (ctx->out, "%s\n", secret);
  /* A closed window takes the credential out of the VM's database now. */
  if (edit->policy->auth == VSA_AUTH_SASL &&
      !vsa_sasl_vault_sync (ctx->config, inv->vm, edit->policy, now, FALSE, NULL, error))
    return FALSE;
  if (!vsa_live_apply_policy (ctx, edit->dom, edit->policy, error))
    return FALSE;
  shown_when = when ? vsa_window_set_to_string (when) : NULL;
  vsa_context_note (ctx, "VM '%s': user '%s' assigned%s%s%s", inv->vm, user,
                    edit->policy->auth == VSA_AUTH_SASL ? " (own SASL credential)" : "",
                    when ? ", when " : "", when ? shown_when : "");
  return TRUE;
}

const VsaCommand vsa_command_assign = VSA_COMMAND_LEAF ("assign", run_assign, "VM USER [OPTIONS]", 2, 2, VSA_COMMAND_CHANGES_VM, assign_options,
  "Give a user (and client hosts) a VM's console",
  "Records USER (and the client hosts) in the VM's policy.\n"
  "sasl mode: USER's credential is stored in the VM's own SASL database\n"
  "(created on first use), so it opens this VM and no other.  A new user\n"
  "needs --password-stdin or --generate.  A --client network wider than\n"
  "client-min-prefix-ipv4 (/8) or -ipv6 (/32) is refused unless\n"
  "--allow-wide-network.\n"
  "password mode: the VM's SPICE password is the credential.\n"
  "--when replaces USER's access windows with the union of the given\n"
  "ones (host's local time, or the zone in the configuration); without\n"
  "it they stay as they were (always, for a new user).\n"
  
  "--ssh-key: the key USER's 'ssh USER@SERVER console VM' logs in with\n"
  "(one per user; see 'virt-spice-admin broker install'); --take-over:\n"
  "USER may take the console from another user.");
