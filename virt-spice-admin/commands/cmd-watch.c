/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `watch`: the session journal in the foreground (what its systemd unit
 * runs); see vsa-watch.h. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-watch.h"

static gboolean
run_watch (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  return vsa_watch_run (ctx, error);
}

const VsaCommand vsa_command_watch = VSA_COMMAND_LEAF ("watch", run_watch, "", 0, 0, VSA_COMMAND_PLAIN, NULL,
  "The session journal: record console connects and disconnects",
  "Follows libvirt's graphics and lifecycle events of every VM in the\n"
  "foreground, reconnecting when libvirtd restarts.  Each console\n"
  "connect and disconnect becomes one journal record (VSA_VM, VSA_USER,\n"
  "VSA_USER_SOURCE: ticket or assignment, VSA_CLIENT, VSA_EVENT) and an\n"
  "entry of the table 'sessions' prints.  A session from an address no\n"
  "policy allows is logged at error priority and reported by 'audit'.");
