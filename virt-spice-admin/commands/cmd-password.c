/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `password VM`: set the VM's SPICE password, with an optional expiry,
 * in its configuration and (--live) in the running VM at once. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-secret.h"
#include "vsa-spice.h"
#include "vsa-time.h"
#include "vsa-xml.h"

#include <json-glib/json-glib.h>
#include <string.h>

typedef struct {
  const char *password;
  const char *valid_to;
  const char *connected;
} PasswordRequest;

/* A SASL VM's users log in with their own credentials: it has no password. */
static gboolean
password_transform (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  PasswordRequest *req = user_data;

  if (*policy && (*policy)->auth == VSA_AUTH_SASL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "this VM uses SASL: its users log in with their own credentials; "
                   "manage them with 'assign'");
      return FALSE;
    }
  return vsa_spice_set_password (doc, req->password, req->valid_to, req->connected, error);
}

/* The running VM's graphics element with the new password, as
 * virDomainUpdateDeviceFlags wants it: identical but for passwd,
 * passwdValidTo and connected, or libvirt refuses the change. */
static char *
live_graphics_xml (virDomain *dom, PasswordRequest *req, gboolean use_old_password,
                   GError **error)
{
  g_autoptr (xmlDoc) doc = vsa_libvirt_get_doc (dom, VIR_DOMAIN_XML_SECURE, error);
  g_autoptr (VsaPolicy) policy = NULL;

  if (doc == NULL || !vsa_policy_from_domain (doc, &policy, error))
    return NULL;
  if (!use_old_password && !password_transform (doc, &policy, req, error))
    return NULL;
  if (vsa_spice_find_graphics (doc) == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "the running VM has no SPICE graphics; restart it after 'secure'");
      return NULL;
    }
  return vsa_xml_serialize_node (doc, vsa_spice_find_graphics (doc));
}

static gboolean
update_live (virDomain *dom, const char *graphics_xml, GError **error)
{
  if (virDomainUpdateDeviceFlags (dom, graphics_xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
    return vsa_libvirt_set_error (error, "cannot change the password of the running VM");
  return TRUE;
}

static void
print_result (VsaContext *ctx, const char *vm, PasswordRequest *req, gboolean live,
              gboolean show)
{
  if (ctx->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      vsa_cli_json_add_string (b, "vm", vm);
      vsa_cli_json_add_boolean (b, "dry_run", ctx->dry_run);
      vsa_cli_json_add_boolean (b, "live", live);
      vsa_cli_json_add_string_or_null (b, "valid_to", req->valid_to);
      if (show)
        {
          vsa_cli_json_add_string (b, "password", req->password);
        }
      json_builder_end_object (b);
      vsa_cli_print_json (ctx, b);
      return;
    }
  if (ctx->dry_run)
    return;
  vsa_context_note (ctx, "VM '%s': password set%s%s%s%s", vm,
                    req->valid_to ? ", valid until " : "", req->valid_to ? req->valid_to : "",
                    req->valid_to ? " UTC" : "", live ? ", running VM updated" : "");
  if (show)
    fprintf (ctx->out, "%s\n", req->password);
}

static const GOptionEntry password_options[] = {
  VSA_OPTION_FLAG ("generate", "Generate a random password (the default)"),
  VSA_OPTION_FLAG ("stdin", "Read the password from the first line of stdin"),
  VSA_OPTION (STRING, "valid-for", "DURATION", "Expire after DURATION (e.g. 90s, 8h, 30d)"),
  VSA_OPTION (STRING, "valid-to", "TIME", "Expire at TIME (ISO 8601, UTC unless a zone is given)"),
  VSA_OPTION (STRING, "connected", "POLICY", "Open sessions on change: keep, disconnect or fail"),
  VSA_OPTION_FLAG ("live", "Also change the running VM now (no restart)"),
  VSA_OPTION_FLAG ("show", "Print the new password on stdout"),
  VSA_OPTION_END
};

/* The expiry as libvirt writes it, from --valid-for or --valid-to. */
static gboolean
read_valid_to (VsaInvocation *inv, char **ret_valid_to, GError **error)
{
  const char *valid_for = vsa_invocation_string (inv, "valid-for");
  const char *valid_to = vsa_invocation_string (inv, "valid-to");
  g_autoptr (GDateTime) when = NULL;

  if (valid_for && valid_to)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "--valid-for and --valid-to exclude each other");
      return FALSE;
    }
  if (valid_for)
    return (*ret_valid_to = vsa_valid_to_from_duration (valid_for, error)) != NULL;
  if (valid_to == NULL)
    return TRUE;
  if ((when = vsa_parse_time (valid_to, error)) == NULL)
    return FALSE;
  if (g_date_time_to_unix (when) <= g_get_real_time () / G_USEC_PER_SEC)
    {
      /* As --valid-for 0s: a password that has already expired opens nothing. */
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "--valid-to '%s' is not in the future; give a later time or use --valid-for",
                   valid_to);
      return FALSE;
    }
  *ret_valid_to = vsa_format_libvirt_time (when);
  return TRUE;
}

static VsaSecret *
read_password (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  gboolean from_stdin = vsa_invocation_flag (inv, "stdin");
  g_autoptr (VsaSecret) password = NULL;

  if (vsa_invocation_flag (inv, "generate") && from_stdin)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "--generate and --stdin exclude each other");
      return NULL;
    }
  password = from_stdin ? vsa_secret_read_line (ctx->in, "password", error)
                        : vsa_secret_generate_password (error);
  if (password == NULL || !vsa_spice_validate_password (password, error))
    return NULL;
  return g_steal_pointer (&password);
}

/* Live first: if libvirt refuses it, nothing has changed yet.  If the
 * configuration then fails, put the old password back in the VM. */
static gboolean
commit (VsaContext *ctx, virDomain *dom, VsaEdit *edit, PasswordRequest *req, gboolean live,
        GError **error)
{
  g_autofree char *new_graphics = NULL;
  g_autofree char *old_graphics = NULL;

  if (live)
    {
      old_graphics = live_graphics_xml (dom, req, TRUE, error);
      new_graphics = old_graphics ? live_graphics_xml (dom, req, FALSE, error) : NULL;
      if (new_graphics == NULL || !update_live (dom, new_graphics, error))
        return FALSE;
    }
  if (vsa_edit_commit (ctx, edit, error))
    return TRUE;
  /* The edit's domain: on a new connection if libvirtd went away. */
  if (live)
    update_live (edit->dom, old_graphics, NULL);
  return FALSE;
}

static gboolean
run_password (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  gboolean live = vsa_invocation_flag (inv, "live");
  const char *connected = vsa_invocation_string (inv, "connected");
  g_autoptr (VsaSecret) password = NULL;
  g_autofree char *valid_to = NULL;
  g_autoptr (VsaEdit) edit = NULL;
  PasswordRequest req = { 0 };

  if ((password = read_password (ctx, inv, error)) == NULL ||
      (connected && !vsa_spice_validate_connected (connected, error)) ||
      !read_valid_to (inv, &valid_to, error))
    return FALSE;
  if (live && !vsa_libvirt_is_active (inv->dom, error))
    {
      if (error && *error == NULL)
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "VM '%s' is not running; drop --live to change only its configuration",
                     inv->vm);
      return FALSE;
    }
  req.password = password;
  req.valid_to = valid_to;
  req.connected = connected;
  if ((edit = vsa_edit_prepare (ctx, inv->dom, password_transform, &req, error)) == NULL)
    return FALSE;
  if (ctx->dry_run)
    {
      if (!vsa_edit_print_diff (ctx, edit, error))
        return FALSE;
      if (live)
        vsa_context_note (ctx, "VM '%s': --live would also change the running VM", inv->vm);
      print_result (ctx, inv->vm, &req, live, FALSE);
      return TRUE;
    }
  if (!commit (ctx, inv->dom, edit, &req, live, error))
    return FALSE;
  print_result (ctx, inv->vm, &req, live, vsa_invocation_flag (inv, "show"));
  return TRUE;
}

const VsaCommand vsa_command_password = VSA_COMMAND_LEAF ("password", run_password, "VM [OPTIONS]", 1, 1, VSA_COMMAND_CHANGES_VM, password_options,
  "Set a VM's SPICE password (generated, expiring, live)",
  "Sets the VM's SPICE password.  A generated password comes from the\n"
  "kernel CSPRNG (142 bits) and is printed only with --show.\n"
  "With --live the running VM takes it at once through libvirt.");
