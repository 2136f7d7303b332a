/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `password VM`: set the VM's SPICE password, with an optional expiry,
 * in its configuration and (--live) in the running VM at once. */
#include "vsa-cli.h"
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

static gboolean
password_transform (xmlDoc *doc, gpointer user_data, GError **error)
{
  PasswordRequest *req = user_data;
  g_autoptr (VsaPolicy) policy = NULL;

  if (!vsa_policy_from_domain (doc, &policy, error))
    return FALSE;
  if (policy && policy->auth == VSA_AUTH_SASL)
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

  if (doc == NULL)
    return NULL;
  if (!use_old_password && !password_transform (doc, req, error))
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
      json_builder_set_member_name (b, "vm");
      json_builder_add_string_value (b, vm);
      json_builder_set_member_name (b, "dry_run");
      json_builder_add_boolean_value (b, ctx->dry_run);
      json_builder_set_member_name (b, "live");
      json_builder_add_boolean_value (b, live);
      vsa_cli_json_add_string_or_null (b, "valid_to", req->valid_to);
      if (show)
        {
          json_builder_set_member_name (b, "password");
          json_builder_add_string_value (b, req->password);
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

gboolean
vsa_cmd_password (VsaContext *ctx, int argc, char **argv, GError **error)
{
  gboolean generate = FALSE, from_stdin = FALSE, live = FALSE, show = FALSE;
  g_autofree char *valid_for = NULL;
  g_autofree char *valid_to_text = NULL;
  g_autofree char *connected = NULL;
  GOptionEntry entries[] = {
    { "generate", 0, 0, G_OPTION_ARG_NONE, &generate, "Generate a random password (the default)", NULL },
    { "stdin", 0, 0, G_OPTION_ARG_NONE, &from_stdin, "Read the password from the first line of stdin", NULL },
    { "valid-for", 0, 0, G_OPTION_ARG_STRING, &valid_for, "Expire after DURATION (e.g. 90s, 8h, 30d)", "DURATION" },
    { "valid-to", 0, 0, G_OPTION_ARG_STRING, &valid_to_text, "Expire at TIME (ISO 8601, UTC unless a zone is given)", "TIME" },
    { "connected", 0, 0, G_OPTION_ARG_STRING, &connected, "Open sessions on change: keep, disconnect or fail", "POLICY" },
    { "live", 0, 0, G_OPTION_ARG_NONE, &live, "Also change the running VM now (no restart)", NULL },
    { "show", 0, 0, G_OPTION_ARG_NONE, &show, "Print the new password on stdout", NULL },
    { NULL }
  };
  g_auto (GStrv) args = NULL;
  g_autoptr (VsaSecret) password = NULL;
  g_autofree char *valid_to = NULL;
  g_autoptr (virDomain) dom = NULL;
  g_autoptr (VsaEdit) edit = NULL;
  g_autofree char *new_graphics = NULL;
  g_autofree char *old_graphics = NULL;
  PasswordRequest req = { 0 };

  if (!vsa_cli_parse (ctx, entries, "VM [OPTIONS]",
                      "Sets the VM's SPICE password.  A generated password comes from the\n"
                      "kernel CSPRNG (142 bits) and is printed only with --show.\n"
                      "With --live the running VM takes it at once through libvirt.",
                      argc, argv, 1, 1, &args, error) ||
      !vsa_cli_load_config (ctx, error))
    return FALSE;
  if (generate && from_stdin)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "--generate and --stdin exclude each other");
      return FALSE;
    }
  if (valid_for && valid_to_text)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "--valid-for and --valid-to exclude each other");
      return FALSE;
    }
  if (!vsa_validate_vm_name (args[0], error) ||
      (connected && !vsa_spice_validate_connected (connected, error)))
    return FALSE;
  if (valid_for && (valid_to = vsa_valid_to_from_duration (valid_for, error)) == NULL)
    return FALSE;
  if (valid_to_text)
    {
      g_autoptr (GDateTime) when = vsa_parse_time (valid_to_text, error);

      if (when == NULL)
        return FALSE;
      valid_to = vsa_format_libvirt_time (when);
    }
  password = from_stdin ? vsa_secret_read_line (ctx->in, "password", error)
                        : vsa_secret_generate_password (error);
  if (password == NULL || !vsa_spice_validate_password (password, error))
    return FALSE;

  if (!vsa_context_connect (ctx, error) ||
      (dom = vsa_libvirt_lookup (ctx->conn, args[0], error)) == NULL)
    return FALSE;
  if (live && !vsa_libvirt_is_active (dom, error))
    {
      if (error && *error == NULL)
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "VM '%s' is not running; drop --live to change only its configuration",
                     args[0]);
      return FALSE;
    }

  req.password = password;
  req.valid_to = valid_to;
  req.connected = connected;
  edit = vsa_edit_prepare (ctx, dom, password_transform, &req, error);
  if (edit == NULL)
    {
      g_prefix_error (error, "VM '%s': ", args[0]);
      return FALSE;
    }
  if (ctx->dry_run)
    {
      if (!vsa_edit_print_diff (ctx, edit, error))
        return FALSE;
      if (live)
        vsa_context_note (ctx, "VM '%s': --live would also change the running VM", args[0]);
      print_result (ctx, args[0], &req, live, FALSE);
      return TRUE;
    }

  /* Live first: if libvirt refuses it, nothing has changed yet.  If the
   * configuration then fails, put the old password back in the VM. */
  if (live)
    {
      old_graphics = live_graphics_xml (dom, &req, TRUE, error);
      new_graphics = old_graphics ? live_graphics_xml (dom, &req, FALSE, error) : NULL;
      if (new_graphics == NULL || !update_live (dom, new_graphics, error))
        {
          g_prefix_error (error, "VM '%s': ", args[0]);
          return FALSE;
        }
    }
  if (!vsa_edit_commit (ctx, edit, error))
    {
      if (live)
        update_live (dom, old_graphics, NULL);
      g_prefix_error (error, "VM '%s': ", args[0]);
      return FALSE;
    }
  print_result (ctx, args[0], &req, live, show);
  return TRUE;
}
