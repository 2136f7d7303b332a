/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `show VM`: the VM's console settings as the configuration holds them. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-nft.h"
#include "vsa-spice.h"
#include "vsa-xml.h"

#include <json-glib/json-glib.h>
#include <string.h>

typedef struct {
  const char *name;
  gboolean running;
  VsaPolicy *policy;          /* NULL: not managed */
  VsaSpiceInfo spice;
  GPtrArray *problems;
  gboolean password_expired;
  GDateTime *now; /* in the windows' zone */
} ShowReport;

static void
show_report_clear (ShowReport *r)
{
  g_clear_pointer (&r->policy, vsa_policy_free);
  vsa_spice_info_clear (&r->spice);
  g_clear_pointer (&r->problems, g_ptr_array_unref);
  g_clear_pointer (&r->now, g_date_time_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ShowReport, show_report_clear)

static gboolean
password_expired (const char *valid_to)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) until = valid_to ? g_date_time_new_from_iso8601 (valid_to, utc) : NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  return until != NULL && g_date_time_compare (until, now) <= 0;
}

static const char *
mode_text (const ShowReport *r)
{
  if (!r->spice.has_spice)
    return r->spice.has_vnc ? "vnc (not SPICE)" : "no graphics";
  return r->policy ? vsa_auth_mode_to_string (r->policy->auth) : "unmanaged";
}

static void
print_json (VsaContext *ctx, const ShowReport *r, gboolean show_password)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  vsa_cli_json_add_string_or_null (b, "vm", r->name);
  vsa_cli_json_add_string_or_null (b, "state", r->running ? "running" : "shut off");
  vsa_cli_json_add_boolean (b, "managed", r->policy != NULL);
  vsa_cli_json_add_string_or_null (b, "mode", mode_text (r));
  vsa_cli_json_add_string_or_null (b, "listen", r->spice.listen);
  vsa_cli_json_add_int (b, "tls_port", r->spice.tls_port);
  vsa_cli_json_add_int (b, "plain_port", r->spice.port);
  vsa_cli_json_add_string_or_null (b, "default_mode", r->spice.default_mode);
  vsa_cli_json_add_boolean (b, "password_set", r->spice.password != NULL);
  vsa_cli_json_add_string_or_null (b, "password_valid_to", r->spice.password_valid_to);
  vsa_cli_json_add_boolean (b, "password_expired", r->password_expired);
  if (show_password)
    vsa_cli_json_add_string_or_null (b, "password", r->spice.password);
  vsa_cli_json_add_users (b, r->policy, r->now);
  vsa_cli_json_add_boolean (b, "secure", r->problems->len == 0);
  vsa_cli_json_add_string_array (b, "problems", r->problems);
  json_builder_end_object (b);

  vsa_cli_print_json (ctx, b);
}

static char *
port_text (int port)
{
  if (port == 0)
    return g_strdup ("none");
  if (port < 0)
    return g_strdup ("auto (chosen at start)");
  return g_strdup_printf ("%d", port);
}

/* "alice (from ADDR), maggie [Mon-Tue: closed until Mon 00:00]". */
static char *
users_text (const VsaPolicy *policy, GDateTime *now)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; policy && i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);

      g_string_append_printf (s, "%s%s", s->len ? ", " : "", access->user);
      for (guint j = 0; j < access->clients->len; j++)
        g_string_append_printf (s, "%s%s", j ? "," : " (from ",
                                (char *) g_ptr_array_index (access->clients, j));
      if (access->clients->len)
        g_string_append_c (s, ')');
      if (!vsa_window_set_is_always (access->when))
        {
          g_autofree char *when = vsa_window_set_to_string (access->when);
          g_autofree char *state = vsa_cli_window_state (access->when, now);

          g_string_append_printf (s, " [%s: %s]", when, state);
        }
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
print_text (VsaContext *ctx, const ShowReport *r, gboolean show_password)
{
  g_autofree char *tls = port_text (r->spice.tls_port);
  g_autofree char *plain = port_text (r->spice.port);
  g_autofree char *users = users_text (r->policy, r->now);
  g_autoptr (GString) problems = g_string_new (NULL);
  const char *password;

  if (r->spice.password == NULL)
    password = "none";
  else
    password = r->password_expired ? "set (expired)" : "set";
  fprintf (ctx->out, "VM:            %s\n", r->name);
  fprintf (ctx->out, "State:         %s\n", r->running ? "running" : "shut off");
  fprintf (ctx->out, "Mode:          %s\n", mode_text (r));
  fprintf (ctx->out, "Listen:        %s\n", r->spice.listen ? r->spice.listen : "(none)");
  fprintf (ctx->out, "TLS port:      %s\n", tls);
  fprintf (ctx->out, "Plain port:    %s\n", plain);
  fprintf (ctx->out, "Default mode:  %s\n", r->spice.default_mode ? r->spice.default_mode : "any");
  fprintf (ctx->out, "Password:      %s\n", show_password && r->spice.password ? r->spice.password : password);
  fprintf (ctx->out, "Expires:       %s\n",
           r->spice.password_valid_to ? r->spice.password_valid_to : "never");
  fprintf (ctx->out, "Users:         %s\n", *users ? users : "(none)");
  for (guint i = 0; i < r->problems->len; i++)
    g_string_append_printf (problems, "%s%s", i ? "; " : "no: ",
                            (char *) g_ptr_array_index (r->problems, i));
  fprintf (ctx->out, "Secure:        %s\n", problems->len ? problems->str : "yes");
}

static gboolean
run_show (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  gboolean show_password = vsa_invocation_flag (inv, "show-password");
  g_autoptr (xmlDoc) doc = NULL;
  g_auto (ShowReport) report = { 0 };
  VsaAuthMode auth;

  /* The secure flag is needed only to read the password itself. */
  doc = vsa_libvirt_get_doc (inv->dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE, error);
  if (doc == NULL)
    return FALSE;

  report.name = inv->vm;
  report.running = virDomainIsActive (inv->dom) == 1;
  report.now = vsa_cli_window_now (ctx);
  if (!vsa_policy_from_domain (doc, &report.policy, error) ||
      !vsa_spice_describe (doc, &report.spice, error))
    return FALSE;
  auth = report.policy ? report.policy->auth : ctx->config->auth_mode;
  report.problems = vsa_spice_find_insecurities (doc, auth, NULL);
  if (report.policy && ctx->config->firewall)
    vsa_nft_find_refused_clients (report.policy, report.problems);
  report.password_expired = password_expired (report.spice.password_valid_to);

  if (ctx->json)
    print_json (ctx, &report, show_password);
  else
    print_text (ctx, &report, show_password);
  return TRUE;
}

static const GOptionEntry show_options[] = {
  VSA_OPTION_FLAG ("show-password", "Include the SPICE password"),
  VSA_OPTION_END
};

const VsaCommand vsa_command_show = VSA_COMMAND_LEAF ("show", run_show, "VM", 1, 1, VSA_COMMAND_NEEDS_DOMAIN, show_options,
  "Show a VM's console settings",
  "Shows the VM's console settings from its persistent configuration:\n"
  "mode, listen address, ports, password state and expiry, users, and\n"
  "whether the console is secure (and if not, why).");
