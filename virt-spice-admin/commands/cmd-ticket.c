/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `ticket VM`: a short-lived console credential and a ready .vv file, as
 * Proxmox VE and oVirt hand out.  Password mode: a fresh random password
 * on the running VM only (the persistent configuration keeps its own),
 * expiring after DURATION, open sessions kept.  SASL mode: no password;
 * the .vv names the user. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-libvirt.h"
#include "vsa-secret.h"
#include "vsa-spice.h"
#include "vsa-time.h"
#include "vsa-ticket.h"
#include "vsa-xml.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

/* The running VM's console, its policy, and the user's assignment. */
static gboolean
read_running_vm (virDomain *dom, VsaTicket *t, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VsaPolicy) policy = NULL;

  if (!vsa_libvirt_is_active (dom, error))
    {
      if (error && *error == NULL)
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "VM '%s' is not running; a ticket is for a running console, start it first",
                     t->vm);
      return FALSE;
    }
  doc = vsa_libvirt_get_doc (dom, VIR_DOMAIN_XML_SECURE, error);
  if (doc == NULL || !vsa_policy_from_domain (doc, &policy, error))
    return FALSE;
  if (policy && t->user && vsa_policy_find_access (policy, t->user) == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "user '%s' is not assigned to VM '%s'; see 'virt-spice-admin assign'",
                   t->user, t->vm);
      return FALSE;
    }
  return vsa_ticket_from_doc (doc, policy, t, error);
}

/* Refuse an unwritable destination before the VM is touched. */
static gboolean
check_destination (const char *path, GError **error)
{
  g_autofree char *dir = NULL;

  if (path == NULL || g_strcmp0 (path, "-") == 0)
    return TRUE;
  dir = g_path_get_dirname (path);
  if (access (dir, W_OK) != 0 || g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "cannot write the connection file '%s': %s; choose another --vv path",
                   path, g_file_test (path, G_FILE_TEST_IS_DIR) ? "it is a directory" : g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_vv (VsaContext *ctx, const char *path, const char *text, GError **error)
{
  if (g_strcmp0 (path, "-") == 0)
    {
      fputs (text, ctx->out);
      return TRUE;
    }
  return vsa_file_write_atomic (path, text, strlen (text), 0600, error);
}

/* The password reaches remote-viewer through the 0600 file, never argv. */
static gboolean
launch_viewer (const char *vv_path, GError **error)
{
  g_autoptr (GSubprocess) viewer = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, error,
                                                     "remote-viewer", vv_path, NULL);

  return viewer != NULL && g_subprocess_wait_check (viewer, NULL, error);
}

static void
print_ticket (VsaContext *ctx, VsaTicket *t, const char *vv_path, gboolean show)
{
  if (ctx->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      vsa_cli_json_add_string (b, "vm", t->vm);
      vsa_cli_json_add_string (b, "mode", vsa_auth_mode_to_string (t->auth));
      vsa_cli_json_add_string_or_null (b, "valid_to", t->password ? t->valid_to : NULL);
      vsa_cli_json_add_string_or_null (b, "vv", vv_path);
      if (show && t->password)
        {
          vsa_cli_json_add_string (b, "password", t->password);
        }
      json_builder_end_object (b);
      vsa_cli_print_json (ctx, b);
      return;
    }
  if (t->password)
    vsa_context_note (ctx, "VM '%s': ticket valid until %s UTC", t->vm, t->valid_to);
  if (show && t->password)
    fprintf (ctx->out, "%s\n", t->password);
}

static gboolean
validate_options (VsaContext *ctx, VsaTicket *t, const char *valid_for, const char *vv_path,
                  gboolean launch, GError **error)
{
  gint64 seconds;

  if ((t->user && !vsa_validate_user_name (t->user, error)) ||
      (t->host && !vsa_validate_listen_address (t->host, error)) ||
      !vsa_parse_duration (valid_for, &seconds, error))
    return FALSE;
  if (seconds > ctx->config->ticket_max_seconds)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "ticket duration %s is beyond the maximum of %" G_GINT64_FORMAT
                   " seconds (ticket-max-validity); ask for less", valid_for,
                   ctx->config->ticket_max_seconds);
      return FALSE;
    }
  if (launch && g_strcmp0 (vv_path, "-") == 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "--launch needs a file, not --vv -");
      return FALSE;
    }
  vsa_ticket_set_lifetime (t, seconds);
  return check_destination (vv_path, error);
}

/* --launch without --vv: a private file remote-viewer deletes itself. */
static gboolean
launch (const char *vv_path, const char *tmp_dir, GError **error)
{
  gboolean launched = launch_viewer (vv_path, error);

  /* remote-viewer deletes the file itself (delete-this-file); make sure
   * no ticket is left behind if it did not run. */
  if (tmp_dir)
    {
      g_unlink (vv_path);
      g_rmdir (tmp_dir);
    }
  return launched;
}

static gboolean
run_ticket (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  const char *valid_for = vsa_invocation_string (inv, "valid-for");
  gboolean launch_it = vsa_invocation_flag (inv, "launch");
  g_autofree char *vv_path = g_strdup (vsa_invocation_string (inv, "vv"));
  g_auto (VsaTicket) t = { 0 };
  g_autofree char *vv_text = NULL;
  g_autofree char *tmp_dir = NULL;

  t.vm = inv->vm;
  t.user = vsa_invocation_string (inv, "user");
  t.host = vsa_invocation_string (inv, "host");
  if (!validate_options (ctx, &t, valid_for ? valid_for : "60s", vv_path, launch_it, error) ||
      !read_running_vm (inv->dom, &t, error))
    return FALSE;
  if (ctx->dry_run)
    {
      vsa_context_note (ctx, "VM '%s': would issue a %s ticket valid until %s UTC", t.vm,
                        vsa_auth_mode_to_string (t.auth), t.valid_to);
      return TRUE;
    }
  if (launch_it && vv_path == NULL)
    {
      if ((tmp_dir = g_dir_make_tmp ("vsa-ticket-XXXXXX", error)) == NULL)
        return FALSE;
      vv_path = g_build_filename (tmp_dir, "console.vv", NULL);
    }

  if (t.auth == VSA_AUTH_PASSWORD && !vsa_ticket_issue_password (inv->dom, &t, "keep", error))
    return FALSE;
  if (vv_path && ((vv_text = vsa_ticket_render_vv (ctx->config, &t, error)) == NULL ||
                  !write_vv (ctx, vv_path, vv_text, error)))
    {
      /* The ticket is useless without its file: put the old one back. */
      if (t.auth == VSA_AUTH_PASSWORD)
        vsa_ticket_set_live_graphics (inv->dom, t.old_graphics, NULL);
      return FALSE;
    }
  print_ticket (ctx, &t, g_strcmp0 (vv_path, "-") == 0 ? NULL : vv_path,
                vsa_invocation_flag (inv, "show"));
  return !launch_it || launch (vv_path, tmp_dir, error);
}

static const GOptionEntry ticket_options[] = {
  VSA_OPTION (STRING, "user", "USER", "The ticket is for USER (must be assigned to the VM)"),
  VSA_OPTION (STRING, "valid-for", "DURATION", "VsaTicket lifetime (default 60s, at most ticket-max-validity)"),
  VSA_OPTION (FILENAME, "vv", "FILE", "Write a remote-viewer file (mode 0600), or - for stdout"),
  VSA_OPTION_FLAG ("launch", "Run remote-viewer on the file"),
  VSA_OPTION (STRING, "host", "ADDR", "Address users connect to (default: the listen address)"),
  VSA_OPTION_FLAG ("show", "Print the ticket on stdout"),
  VSA_OPTION_END
};

const VsaCommand vsa_command_ticket = VSA_COMMAND_LEAF ("ticket", run_ticket, "VM [OPTIONS]", 1, 1, VSA_COMMAND_NEEDS_DOMAIN, ticket_options,
  "Issue a one-time console ticket and .vv file",
  "Issues a one-time console ticket.  Password mode: a new random\n"
  "password on the running VM only, expiring after DURATION, open\n"
  "sessions kept; the previous ticket stops working.  SASL mode: no\n"
  "password, the .vv carries the user name.  The ticket is printed only\n"
  "into the .vv or with --show.");
