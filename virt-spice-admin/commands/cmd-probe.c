/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `probe VM`: connect to the VM's console over TLS with spice-client-glib
 * and report whether it opened, refused the credential, failed TLS, or
 * could not be reached.  Exit status 0, 3, 4 or 5 accordingly. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-probe-helper.h"
#include "vsa-secret.h"
#include "vsa-spice.h"
#include "vsa-xml.h"

#include <json-glib/json-glib.h>
#include <string.h>

typedef struct {
  VsaAuthMode auth;
  VsaSpiceInfo spice;
} ProbeTarget;

static void
probe_target_clear (ProbeTarget *t)
{
  vsa_spice_info_clear (&t->spice);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ProbeTarget, probe_target_clear)

/* The running VM's XML has the ports qemu really uses. */
static gboolean
read_target (VsaContext *ctx, virDomain *dom, ProbeTarget *ret_target, GError **error)
{
  gboolean running = virDomainIsActive (dom) == 1;
  unsigned int flags = VIR_DOMAIN_XML_SECURE | (running ? 0 : VIR_DOMAIN_XML_INACTIVE);
  g_autoptr (xmlDoc) doc = vsa_libvirt_get_doc (dom, flags, error);
  g_autoptr (VsaPolicy) policy = NULL;

  if (doc == NULL || !vsa_policy_from_domain (doc, &policy, error) ||
      !vsa_spice_describe (doc, &ret_target->spice, error))
    return FALSE;
  ret_target->auth = policy ? policy->auth : ctx->config->auth_mode;
  if (ret_target->spice.tls_port <= 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s' has no SPICE TLS port%s; run 'virt-spice-admin secure %s'",
                   virDomainGetName (dom), running ? "" : " configured",
                   virDomainGetName (dom));
      return FALSE;
    }
  return TRUE;
}

/* A wildcard listen is reachable on loopback. */
static const char *
probe_host (const char *override, const char *listen)
{
  if (override)
    return override;
  if (listen == NULL || g_strcmp0 (listen, "0.0.0.0") == 0)
    return "127.0.0.1";
  if (g_strcmp0 (listen, "::") == 0)
    return "::1";
  return listen;
}

static void
print_outcome (VsaContext *ctx, const char *vm, const char *host, int port,
               VsaProbeOutcome outcome, const char *detail)
{
  if (ctx->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      vsa_cli_json_add_string (b, "vm", vm);
      vsa_cli_json_add_string (b, "host", host);
      vsa_cli_json_add_int (b, "tls_port", port);
      vsa_cli_json_add_string (b, "outcome", vsa_probe_outcome_to_string (outcome));
      vsa_cli_json_add_string (b, "detail", detail ? detail : "");
      json_builder_end_object (b);
      vsa_cli_print_json (ctx, b);
      return;
    }
  fprintf (ctx->out, "%s: %s (%s)\n", vm, vsa_probe_outcome_to_string (outcome),
           detail ? detail : "");
}

/* The password typed for this probe (NULL: none) after checking the options. */
static gboolean
read_options (VsaContext *ctx, VsaInvocation *inv, int *ret_port, VsaSecret **ret_password,
              GError **error)
{
  int timeout = vsa_invocation_int (inv, "timeout", 10);
  const char *port = vsa_invocation_string (inv, "port");
  guint64 port_number;

  if (timeout < 1 || timeout > 300)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "--timeout %d is out of range; use 1 to 300 seconds", timeout);
      return FALSE;
    }
  /* A string, not an int option: every int is a possible value of an int
   * option, so none could mean "not given". */
  if (port && !g_ascii_string_to_unsigned (port, 10, 1, 65535, &port_number, NULL))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "--port %s is not a TCP port; use 1-65535", port);
      return FALSE;
    }
  *ret_port = port ? (int) port_number : 0;
  if (vsa_invocation_flag (inv, "password-stdin") &&
      (*ret_password = vsa_secret_read_line (ctx->in, "password", error)) == NULL)
    return FALSE;
  return TRUE;
}

static gboolean
run_probe (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  const char *user = vsa_invocation_string (inv, "user");
  int port; /* 0: the VM's own */
  g_auto (ProbeTarget) target = { 0 };
  g_autoptr (VsaSecret) password = NULL;
  g_autofree char *detail = NULL;
  VsaProbeRequest req = { 0 };
  VsaProbeOutcome outcome;

  if (!read_options (ctx, inv, &port, &password, error) || !read_target (ctx, inv->dom, &target, error))
    return FALSE;
  if (target.auth == VSA_AUTH_SASL && (user == NULL || password == NULL))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "VM '%s' uses SASL: give --user NAME and the password on stdin with --password-stdin",
                   inv->vm);
      return FALSE;
    }

  req.host = probe_host (vsa_invocation_string (inv, "host"), target.spice.listen);
  req.tls_port = port ? port : target.spice.tls_port;
  req.ca_file = ctx->config->ca_file;
  req.username = user;
  req.password = password ? password : target.spice.password;
  req.timeout_ms = (guint) vsa_invocation_int (inv, "timeout", 10) * 1000;
  if (!vsa_probe_in_helper (&req, &outcome, &detail, error))
    return FALSE;
  print_outcome (ctx, inv->vm, req.host, req.tls_port, outcome, detail);
  return vsa_probe_outcome_to_error (outcome, detail, error);
}

static const GOptionEntry probe_options[] = {
  VSA_OPTION (STRING, "user", "NAME", "SASL user name (sasl mode)"),
  VSA_OPTION_FLAG ("password-stdin", "Read the password from stdin (default in password mode: the VM's own)"),
  VSA_OPTION (INT, "timeout", "S", "Give up after S seconds (default 10)"),
  VSA_OPTION (STRING, "host", "ADDR", "Connect to ADDR instead of the listen address"),
  VSA_OPTION (STRING, "port", "N", "Connect to TLS port N instead of the VM's (e.g. the local end of an SSH tunnel)"),
  VSA_OPTION_END
};

const VsaCommand vsa_command_probe = VSA_COMMAND_LEAF ("probe", run_probe, "VM [OPTIONS]", 1, 1, VSA_COMMAND_NEEDS_DOMAIN, probe_options,
  "Connect to a VM's console and report what happens",
  "Connects to the VM's SPICE console over TLS (CA: ca-file from the\n"
  "configuration) as a real client would, and reports one of: opened,\n"
  "auth-refused, tls-error, connect-error.  In password mode it uses\n"
  "the VM's password unless --password-stdin gives another.");
