/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `client render|install|check --policy FILE --client NAME`: on a client
 * host, turn the exported policy into the lock-down of the Spice VIII
 * article (sudo-pinned remote-viewer, per-UID firewall, launcher, .vv
 * files, units), install it, or report drift from it.  Reads only the
 * policy file and the configuration: never libvirt. */
#include "vsa-cli.h"
#include "vsa-client-host.h"
#include "vsa-error.h"

typedef struct {
  char *policy;
  char *client;
  char *dest;
  char *firewall;
} ClientOptions;

static void
client_options_clear (ClientOptions *o)
{
  g_clear_pointer (&o->policy, g_free);
  g_clear_pointer (&o->client, g_free);
  g_clear_pointer (&o->dest, g_free);
  g_clear_pointer (&o->firewall, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ClientOptions, client_options_clear)

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

  if (!require (o->policy, "--policy FILE", action, error) ||
      !require (o->client, "--client NAME", action, error) ||
      (o->firewall && !vsa_firewall_kind_from_string (o->firewall, &firewall, error)) ||
      !vsa_cli_load_config (ctx, error))
    return NULL;
  host = vsa_client_host_load (ctx->config, o->policy, o->client, error);
  if (host != NULL && o->firewall)
    host->firewall = firewall;
  return g_steal_pointer (&host);
}

/* Rendered and validated in a scratch tree first: DIR gets nothing
 * unless every file passed its tool. */
static gboolean
client_render (VsaContext *ctx, const ClientOptions *o, GError **error)
{
  g_autoptr (VsaClientHost) host = NULL;
  g_autoptr (GPtrArray) files = NULL;

  if (!require (o->dest, "--dest DIR", "render", error) ||
      (host = load_host (ctx, o, "render", error)) == NULL ||
      (files = vsa_client_host_render (host, error)) == NULL ||
      !vsa_client_stage_and_validate (files, error) ||
      !vsa_client_write_tree (files, o->dest, error))
    return FALSE;
  vsa_context_note (ctx, "client '%s': %u files rendered under %s and validated",
                    o->client, files->len, o->dest);
  return TRUE;
}

static gboolean
client_install (VsaContext *ctx, const ClientOptions *o, GError **error)
{
  g_autoptr (VsaClientHost) host = NULL;
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);

  if (o->dest)
    return require (NULL, "no --dest (that is for render)", "install", error);
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
client_check (VsaContext *ctx, const ClientOptions *o, GError **error)
{
  g_autoptr (VsaClientHost) host = NULL;
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GPtrArray) drifts = NULL;

  if (o->dest)
    return require (NULL, "no --dest (that is for render)", "check", error);
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

static const struct {
  const char *name;
  gboolean (*run) (VsaContext *ctx, const ClientOptions *o, GError **error);
} actions[] = {
  { "render", client_render },
  { "install", client_install },
  { "check", client_check },
};

gboolean
vsa_cmd_client (VsaContext *ctx, int argc, char **argv, GError **error)
{
  g_auto (ClientOptions) o = { 0 };
  GOptionEntry entries[] = {
    { "policy", 0, 0, G_OPTION_ARG_FILENAME, &o.policy, "Client policy from 'virt-spice-admin export'", "FILE" },
    { "client", 0, 0, G_OPTION_ARG_STRING, &o.client, "This host's name in the policy (the --client of assign)", "NAME" },
    { "dest", 0, 0, G_OPTION_ARG_FILENAME, &o.dest, "render: staging root to write", "DIR" },
    { "firewall", 0, 0, G_OPTION_ARG_STRING, &o.firewall, "nft (default: client-firewall) or iptables", "KIND" },
    { NULL }
  };
  g_auto (GStrv) args = NULL;

  if (!vsa_cli_parse (ctx, entries, "render|install|check --policy FILE --client NAME [--dest DIR]",
                      "render   writes the client's files under DIR, each validated by its tool\n"
                      "         (visudo, nft/iptables-restore, bash -n, systemd-analyze)\n"
                      "install  (root) creates the group, restricts remote-viewer to it\n"
                      "         (dpkg-statoverride where dpkg owns it), installs the files\n"
                      "         atomically, loads the firewall; nothing if a check fails\n"
                      "check    reports drift (one line each) and exits 1 if there is any",
                      argc, argv, 1, 1, &args, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (actions); i++)
    if (g_strcmp0 (args[0], actions[i].name) == 0)
      return actions[i].run (ctx, &o, error);
  g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "unknown client action '%s'; use render, install or check",
               args[0]);
  return FALSE;
}
