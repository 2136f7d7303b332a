/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `client render|install|check --policy FILE --client NAME`: on a client
 * host, turn the exported policy into the lock-down of the Spice VIII
 * article (sudo-pinned remote-viewer, per-UID firewall, launcher, .vv
 * files, units), install it, or report drift from it.  Reads only the
 * policy file and the configuration: never libvirt. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-client-host.h"
#include "vsa-error.h"

typedef struct {
  const char *policy;
  const char *client;
  const char *dest;
  const char *firewall;
} ClientOptions;

static ClientOptions
client_options (VsaInvocation *inv)
{
  return (ClientOptions) {
    vsa_invocation_string (inv, "policy"), vsa_invocation_string (inv, "client"),
    vsa_invocation_string (inv, "dest"), vsa_invocation_string (inv, "firewall"),
  };
}

static gboolean
require (const char *value, const char *option, const char *action, GError **error)
{
  if (value != NULL)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "client %s needs %s (see 'virt-spice-admin client --help')",
               action, option);
  return FALSE;
}

static VsaClientHost *
load_host (VsaContext *ctx, const ClientOptions *o, const char *action, GError **error)
{
  g_autoptr (VsaClientHost) host = NULL;
  VsaFirewallKind firewall = VSA_FIREWALL_NFT;

  if (o->dest != NULL && !g_str_equal (action, "render"))
    {
      require (NULL, "no --dest (that is for render)", action, error);
      return NULL;
    }
  if (!require (o->policy, "--policy FILE", action, error) ||
      !require (o->client, "--client NAME", action, error) ||
      (o->firewall && !vsa_firewall_kind_from_string (o->firewall, &firewall, error)))
    return NULL;
  host = vsa_client_host_load (ctx->config, o->policy, o->client, error);
  if (host != NULL && o->firewall)
    host->firewall = firewall;
  return g_steal_pointer (&host);
}

/* The rendered list holds the .vv directories too (they have modes of
 * their own): count them apart. */
/* Rendered and validated in a scratch tree first: DIR gets nothing
 * unless every file passed its tool. */
static gboolean
client_render (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  ClientOptions options = client_options (inv);
  const ClientOptions *o = &options;
  g_autoptr (VsaClientHost) host = NULL;
  g_autoptr (GPtrArray) files = NULL;

  if (!require (o->dest, "--dest DIR", "render", error) ||
      (host = load_host (ctx, o, "render", error)) == NULL ||
      (files = vsa_client_host_render (host, error)) == NULL ||
      !vsa_client_stage_and_validate (files, error) ||
      !vsa_client_write_tree (files, o->dest, error))
    return FALSE;
  vsa_context_note (ctx, "client '%s': %u files and %u directories rendered under %s and validated",
                    o->client, vsa_client_files_count (files, FALSE), vsa_client_files_count (files, TRUE),
                    o->dest);
  return TRUE;
}

static gboolean
client_install (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  ClientOptions options = client_options (inv);
  const ClientOptions *o = &options;
  g_autoptr (VsaClientHost) host = NULL;
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);

  if ((host = load_host (ctx, o, "install", error)) == NULL ||
      (files = vsa_client_host_render (host, error)) == NULL ||
      !vsa_client_stage_and_validate (files, error) ||
      !vsa_client_install (host, files, notes, error))
    return FALSE;
  for (guint i = 0; i < notes->len; i++)
    vsa_context_note (ctx, "%s", (char *) g_ptr_array_index (notes, i));
  vsa_context_note (ctx, "client '%s': lock-down installed under %s", o->client, host->prefix);
  return TRUE;
}

static gboolean
client_check (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  ClientOptions options = client_options (inv);
  const ClientOptions *o = &options;
  g_autoptr (VsaClientHost) host = NULL;
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GPtrArray) drifts = NULL;

  if ((host = load_host (ctx, o, "check", error)) == NULL ||
      (files = vsa_client_host_render (host, error)) == NULL)
    return FALSE;
  drifts = vsa_client_check (host, files);
  vsa_cli_print_list (ctx, "drifts", drifts);
  if (drifts->len == 0)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_INSECURE,
               "client '%s' drifted from its policy in %u place%s; restore it with "
               "'virt-spice-admin client install --policy %s --client %s'",
               o->client, drifts->len, drifts->len == 1 ? "" : "s", o->policy, o->client);
  return FALSE;
}

static const GOptionEntry client_options_entries[] = {
  VSA_OPTION (FILENAME, "policy", "FILE", "Client policy from 'virt-spice-admin export'"),
  VSA_OPTION (STRING, "client", "NAME", "This host's name in the policy (the --client of assign)"),
  VSA_OPTION (FILENAME, "dest", "DIR", "render: staging root to write"),
  VSA_OPTION (STRING, "firewall", "KIND", "nft (default: client-firewall) or iptables"),
  VSA_OPTION_END
};

static const VsaCommand client_render_command = VSA_COMMAND_LEAF ("render", client_render, "--policy FILE --client NAME --dest DIR", 0, 0, VSA_COMMAND_PLAIN, client_options_entries,
  "Write the client's files under DIR, each validated by its tool",
  "Writes the client's files under DIR, each validated by its tool\n"
  "(visudo, nft/iptables-restore, bash -n, systemd-analyze); DIR gets\n"
  "nothing unless every file passed.");

static const VsaCommand client_install_command = VSA_COMMAND_LEAF ("install", client_install, "--policy FILE --client NAME", 0, 0, VSA_COMMAND_PLAIN, client_options_entries,
  "(root) Install the lock-down; nothing if a check fails",
  "(root) Creates the group, restricts remote-viewer to it\n"
  "(dpkg-statoverride where dpkg owns it), installs the files atomically,\n"
  "loads the firewall; nothing if a check fails.");

static const VsaCommand client_check_command = VSA_COMMAND_LEAF ("check", client_check, "--policy FILE --client NAME", 0, 0, VSA_COMMAND_PLAIN, client_options_entries,
  "Report drift (one line each); exit 1 if there is any",
  "Reports drift from the policy, one line each, and exits 1 if there is any.");

const VsaCommand vsa_command_client = VSA_COMMAND_GROUP ("client",
  "On a client host: render, install or check its lock-down",
  "On a client host: turn the policy 'virt-spice-admin export' wrote into\n"
  "the host's lock-down (sudo-pinned remote-viewer, per-UID firewall,\n"
  "launcher, .vv files, units), install it, or report drift from it.\n"
  "Reads only the policy file and the configuration, never libvirt.",
  &client_render_command, &client_install_command, &client_check_command);
