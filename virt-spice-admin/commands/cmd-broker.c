/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `broker serve|install`: the console broker in the foreground, and the
 * sshd configuration, console shell and systemd units it needs. */
#include "vsa-broker-install.h"
#include "vsa-broker-serve.h"
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"

#include <unistd.h>

static gboolean
broker_serve (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  if (geteuid () != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the console broker must run as root (it reads who asks from the kernel "
                   "and changes VMs and the firewall); start it with sudo or its unit");
      return FALSE;
    }
  return vsa_broker_serve (ctx, error);
}

static const VsaCommand broker_serve_command = VSA_COMMAND_LEAF ("serve", broker_serve, "", 0, 0, VSA_COMMAND_PLAIN, NULL,
  "Run the console broker in the foreground",
  "Runs the console broker in the foreground (what its systemd unit\n"
  "runs): answers 'virt-spice-admin console' requests on the socket\n"
  "named by broker-socket, one at a time, and journals each decision.\n"
  "Needs root: it sets passwords on running VMs and binds their ports\n"
  "in the firewall.");

static gboolean
broker_install (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  return vsa_broker_install (ctx, error);
}

static const VsaCommand broker_install_command = VSA_COMMAND_LEAF ("install", broker_install, "", 0, 0, VSA_COMMAND_PLAIN, NULL,
  "Install the sshd Match blocks, console shell and units",
  "Renders and installs what the console broker needs: an sshd Match\n"
  "block per user with a console key (key only, no terminal, no\n"
  "forwarding beyond the user's tunnels, ForceCommand console), the\n"
  "root-owned key files, the console shell as those users' shell (only\n"
  "replacing nologin or false), and the broker's systemd units.  The\n"
  "drop-in is checked with 'sshd -t' first; on any failure nothing is\n"
  "installed.  With --dry-run: check and print only.");

const VsaCommand vsa_command_broker = VSA_COMMAND_GROUP ("broker",
  "Console broker: serve, install (sshd, console shell, units)",
  "The console broker: users ask over SSH ('ssh USER@SERVER console VM')\n"
  "and get a one-time .vv for their own address.",
  &broker_serve_command, &broker_install_command);
