/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `broker serve|install`: the console broker in the foreground, and the
 * sshd configuration, console shell and systemd units it needs. */
#include "vsa-broker-install.h"
#include "vsa-broker-serve.h"
#include "vsa-cli.h"
#include "vsa-error.h"

#include <unistd.h>

static gboolean
broker_serve (VsaContext *ctx, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  g_auto (GStrv) args = NULL;

  if (!vsa_cli_parse (ctx, entries, "",
                      "Runs the console broker in the foreground (what its systemd unit\n"
                      "runs): answers 'virt-spice-admin console' requests on the socket\n"
                      "named by broker-socket.  Needs root: it sets passwords on running\n"
                      "VMs and binds their ports in the firewall.",
                      argc, argv, 0, 0, &args, error) ||
      !vsa_cli_load_config (ctx, error))
    return FALSE;
  if (geteuid () != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the console broker must run as root (it reads who asks from the kernel "
                   "and changes VMs and the firewall); start it with sudo or its unit");
      return FALSE;
    }
  return vsa_broker_serve (ctx, error);
}

static const struct {
  const char *name;
  const char *command;
  VsaCommandFunc run;
} actions[] = {
  { "serve", "broker serve", broker_serve },
  { "install", "broker install", vsa_broker_install },
};

#define BROKER_USAGE "serve | install"

gboolean
vsa_cmd_broker (VsaContext *ctx, int argc, char **argv, GError **error)
{
  const char *action = argc > 1 ? argv[1] : NULL;
  GOptionEntry entries[] = { { NULL } };
  g_auto (GStrv) args = NULL;

  for (gsize i = 0; action && i < G_N_ELEMENTS (actions); i++)
    if (g_str_equal (action, actions[i].name))
      {
        ctx->command = actions[i].command;
        return actions[i].run (ctx, argc - 1, argv + 1, error);
      }
  if (action && action[0] != '-')
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "unknown broker action '%s'; use serve or install", action);
      return FALSE;
    }
  if (!vsa_cli_parse (ctx, entries, BROKER_USAGE,
                      "The console broker: users ask over SSH ('ssh USER@SERVER console VM')\n"
                      "and get a one-time .vv for their own address.  Run 'virt-spice-admin\n"
                      "broker ACTION --help' for an action's options.",
                      argc, argv, 0, 0, &args, error))
    return FALSE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "usage: virt-spice-admin broker " BROKER_USAGE);
  return FALSE;
}
