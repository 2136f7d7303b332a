/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `secure VM`: make the VM's SPICE console TLS-only, with an explicit
 * listen address, a fixed TLS port and a credential. */
#include "vsa-choice.h"
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-console.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-inventory.h"
#include "vsa-libvirt.h"
#include "vsa-sasl.h"
#include "vsa-secret.h"
#include "vsa-spice.h"
#include "vsa-time.h"
#include "vsa-xml.h"

#include <json-glib/json-glib.h>

typedef struct {
  VsaConfig *config;
  const char *vm;
  GHashTable *used_ports;
  int requested_port;
  const char *listen;
  const char *compression;
  gboolean replace_vnc;
  VsaPasswordAction password_action;
  VsaSecret *new_password;
  char *valid_to;
  /* results */
  VsaConsoleResult console;
  char *sasl_dir;
} SecureRequest;

static void
secure_request_clear (SecureRequest *req)
{
  g_clear_pointer (&req->used_ports, g_hash_table_unref);
  g_clear_pointer (&req->new_password, vsa_secret_free);
  g_clear_pointer (&req->valid_to, g_free);
  vsa_console_result_clear (&req->console);
  g_clear_pointer (&req->sasl_dir, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SecureRequest, secure_request_clear)

/* No --password: keep the current one, else generate. */
static gboolean
parse_password_action (const char *text, VsaPasswordAction *ret_action, GError **error)
{
  static const char *const names[] = { "generate", "stdin", "keep", "none" };
  static const VsaPasswordAction actions[] = {
    VSA_PASSWORD_NEW, VSA_PASSWORD_NEW, VSA_PASSWORD_KEEP, VSA_PASSWORD_NONE,
  };
  G_STATIC_ASSERT (G_N_ELEMENTS (names) == G_N_ELEMENTS (actions));
  gsize i;

  *ret_action = VSA_PASSWORD_KEEP_OR_NEW;
  if (text == NULL)
    return TRUE;
  if (!VSA_CHOICE_PARSE ("--password", text, names, &i, error))
    return FALSE;
  *ret_action = actions[i];
  return TRUE;
}

/* The VM keeps its auth mode (the configured one when it is new); the
 * console logic itself is shared with `apply` (vsa_console_converge). */
static gboolean
secure_transform (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  SecureRequest *req = user_data;
  VsaConsoleSpec spec = {
    .auth = req->config->auth_mode,
    .requested_port = req->requested_port,
    .port_min = req->config->tls_port_min,
    .port_max = req->config->tls_port_max,
    .used_ports = req->used_ports,
    .listen = req->listen,
    .default_listen = req->config->listen,
    .compression = req->compression,
    .replace_vnc = req->replace_vnc,
    .password = req->password_action,
    .new_password = req->new_password,
    .valid_to = req->valid_to,
    .renew_valid_to = req->valid_to != NULL,
    .sasl_dir = req->sasl_dir,
  };

  vsa_console_result_clear (&req->console);
  return vsa_console_converge (doc, policy, &spec, &req->console, error);
}

static void
print_result (VsaContext *ctx, const char *vm, SecureRequest *req, gboolean changed,
              gboolean show)
{
  if (ctx->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      vsa_cli_json_add_string (b, "vm", vm);
      vsa_cli_json_add_boolean (b, "changed", changed);
      vsa_cli_json_add_boolean (b, "dry_run", ctx->dry_run);
      vsa_cli_json_add_string (b, "listen", req->console.listen);
      vsa_cli_json_add_int (b, "tls_port", req->console.tls_port);
      vsa_cli_json_add_boolean (b, "password_changed", req->console.password_changed);
      if (show && req->console.new_password_used)
        {
          vsa_cli_json_add_string (b, "password", req->new_password);
        }
      json_builder_end_object (b);
      vsa_cli_print_json (ctx, b);
      return;
    }
  if (ctx->dry_run)
    return;
  vsa_context_note (ctx, "VM '%s': SPICE is TLS-only on %s, TLS port %d%s", vm,
                    req->console.listen, req->console.tls_port,
                    req->console.password_changed && !show ? "; new password set (not shown; see --show)" : "");
  if (show && req->console.new_password_used)
    fprintf (ctx->out, "%s\n", req->new_password);
}

static const GOptionEntry secure_options[] = {
  VSA_OPTION (STRING, "tls-port", "N|auto", "TLS port, or auto (default: keep, else lowest free in tls-port-range)"),
  VSA_OPTION (STRING, "listen", "ADDR", "Listen address (default: keep, else the configured listen)"),
  VSA_OPTION (STRING, "password", "MODE", "Password: generate, stdin, keep or none (default: keep, else generate)"),
  VSA_OPTION (STRING, "valid-for", "DURATION", "Password expires after DURATION (e.g. 30d)"),
  VSA_OPTION (STRING, "compression", "MODE", "Image compression: auto_glz, auto_lz, quic, glz, lz, off"),
  VSA_OPTION_FLAG ("replace-vnc", "Replace VNC graphics instead of refusing"),
  VSA_OPTION_FLAG ("show", "Print a newly set password on stdout"),
  VSA_OPTION_END
};

/* Everything from the command line, checked before the VM is touched. */
static gboolean
read_request (VsaContext *ctx, VsaInvocation *inv, SecureRequest *req, GError **error)
{
  const char *password_text = vsa_invocation_string (inv, "password");
  const char *valid_for = vsa_invocation_string (inv, "valid-for");

  req->config = ctx->config;
  req->vm = inv->vm;
  req->listen = vsa_invocation_string (inv, "listen");
  req->compression = vsa_invocation_string (inv, "compression");
  req->replace_vnc = vsa_invocation_flag (inv, "replace-vnc");
  if (!vsa_cli_parse_tls_port (vsa_invocation_string (inv, "tls-port"), &req->requested_port, error) ||
      (req->listen && !vsa_validate_listen_address (req->listen, error)) ||
      (req->compression && !vsa_spice_validate_compression (req->compression, error)) ||
      !parse_password_action (password_text, &req->password_action, error))
    return FALSE;
  if (valid_for && (req->valid_to = vsa_valid_to_from_duration (valid_for, error)) == NULL)
    return FALSE;
  if (g_strcmp0 (password_text, "stdin") == 0)
    req->new_password = vsa_secret_read_line (ctx->in, "password", error);
  else if (req->password_action == VSA_PASSWORD_NEW || req->password_action == VSA_PASSWORD_KEEP_OR_NEW)
    req->new_password = vsa_secret_generate_password (error);
  if (((req->password_action == VSA_PASSWORD_NEW || req->password_action == VSA_PASSWORD_KEEP_OR_NEW) &&
       req->new_password == NULL) ||
      (req->new_password && !vsa_spice_validate_password (req->new_password, error)))
    return FALSE;
  req->used_ports = vsa_inventory_ports_in_use (ctx->conn, inv->vm, NULL, error);
  return req->used_ports != NULL;
}

static gboolean
run_secure (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  gboolean show = vsa_invocation_flag (inv, "show");
  g_auto (SecureRequest) req = { 0 };
  g_autoptr (VsaEdit) edit = NULL;
  gboolean password_changed, new_password_used;

  if (!read_request (ctx, inv, &req, error))
    return FALSE;
  req.sasl_dir = vsa_sasl_vm_dir (ctx->config, inv->vm);
  edit = vsa_edit_prepare (ctx, inv->dom, secure_transform, &req, error);
  if (edit == NULL ||
      (req.console.auth == VSA_AUTH_SASL && !vsa_sasl_check_libvirt_enabled (ctx->config, error)))
    return FALSE;
  if (ctx->dry_run)
    {
      if (!vsa_edit_print_diff (ctx, edit, error))
        return FALSE;
      print_result (ctx, inv->vm, &req, edit->changed, FALSE);
      return TRUE;
    }
  password_changed = req.console.password_changed;
  new_password_used = req.console.new_password_used;
  if ((req.console.auth == VSA_AUTH_SASL && !vsa_sasl_ensure_vm_dir (ctx->config, req.vm, error)) ||
      !vsa_edit_commit (ctx, edit, error))
    return FALSE;
  /* A lost reply ran the transform again on the new definition (which
   * keeps the password): what this run did is what it chose before. */
  req.console.password_changed = password_changed;
  req.console.new_password_used = new_password_used;
  print_result (ctx, inv->vm, &req, edit->changed, show);
  return TRUE;
}

const VsaCommand vsa_command_secure = VSA_COMMAND_LEAF ("secure", run_secure, "VM [OPTIONS]", 1, 1, VSA_COMMAND_CHANGES_VM, secure_options,
  "Make a VM's SPICE console TLS-only with a credential",
  "Makes the VM's SPICE console TLS-only: tlsPort set, no plain port,\n"
  "autoport='no', defaultMode='secure', one explicit <listen type='address'>.\n"
  "A VM without SPICE gets it (with a qxl video device if it has none).\n"
  "Running it again changes nothing.");
