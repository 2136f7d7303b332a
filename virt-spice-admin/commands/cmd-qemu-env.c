/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `qemu-env set VM NAME[=VALUE] | unset VM NAME | list VM`: libvirt's
 * <qemu:env> passthrough (how a VM gets its own SASL_CONF_PATH). */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-qemu.h"
#include "vsa-xml.h"

#include <string.h>

typedef struct {
  gboolean unset;
  char *name;
  const char *value;
} QemuEnvRequest;

static gboolean
qemu_env_transform (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  QemuEnvRequest *req = user_data;

  return req->unset ? vsa_qemu_env_unset (doc, req->name, error)
                    : vsa_qemu_env_set (doc, req->name, req->value, error);
}

/* ARGS[1] is NAME or NAME=VALUE. */
static gboolean
edit_env (VsaContext *ctx, VsaInvocation *inv, gboolean unset, GError **error)
{
  const char *eq = strchr (inv->args[1], '=');
  g_autofree char *name = eq ? g_strndup (inv->args[1], (gsize) (eq - inv->args[1]))
                             : g_strdup (inv->args[1]);
  QemuEnvRequest req = { unset, name, eq ? eq + 1 : NULL };

  if (!vsa_qemu_validate_env_name (name, error))
    return FALSE;
  if (unset && req.value)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "qemu-env unset takes a NAME, not NAME=VALUE");
      return FALSE;
    }
  return vsa_cli_edit_qemu_passthrough (ctx, inv->dom, qemu_env_transform, &req, !unset, error);
}

static gboolean
run_set (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  return edit_env (ctx, inv, FALSE, error);
}

static gboolean
run_unset (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  return edit_env (ctx, inv, TRUE, error);
}

static gboolean
run_list (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  return vsa_cli_print_qemu_passthrough (ctx, inv->dom, vsa_qemu_env_list, "env", error);
}

static const VsaCommand qemu_env_set = VSA_COMMAND_LEAF ("set", run_set, "VM NAME[=VALUE]", 2, 2, VSA_COMMAND_CHANGES_VM, NULL,
  "Set a variable of qemu's environment",
  "Sets NAME (to VALUE, or empty) in the VM's <qemu:commandline>,\n"
  "declaring xmlns:qemu on <domain> when needed.  libvirt marks a domain\n"
  "using qemu passthrough as tainted.");

static const VsaCommand qemu_env_unset = VSA_COMMAND_LEAF ("unset", run_unset, "VM NAME", 2, 2, VSA_COMMAND_CHANGES_VM, NULL,
  "Remove a variable",
  "Removes NAME's <qemu:env> entry from the VM.");

static const VsaCommand qemu_env_list = VSA_COMMAND_LEAF ("list", run_list, "VM", 1, 1, VSA_COMMAND_NEEDS_DOMAIN, NULL,
  "List them as NAME=VALUE (--json: {\"env\": [...]})",
  "Lists the VM's <qemu:env> entries.");

const VsaCommand vsa_command_qemu_env = VSA_COMMAND_GROUP ("qemu-env",
  "Set, unset or list <qemu:env> passthrough",
  "libvirt's <qemu:env> passthrough in the VM's <qemu:commandline>: the\n"
  "environment qemu starts with (how a VM gets its own SASL_CONF_PATH).",
  &qemu_env_set, &qemu_env_unset, &qemu_env_list);
