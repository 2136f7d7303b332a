/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `qemu-arg add|remove VM [--] ARG... | list VM`: libvirt's <qemu:arg>
 * passthrough, for what the domain XML cannot say. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-qemu.h"
#include "vsa-xml.h"

typedef struct {
  gboolean remove;
  const char *const *args;
} QemuArgRequest;

static gboolean
qemu_arg_transform (xmlDoc *doc, VsaPolicy **policy, gpointer user_data, GError **error)
{
  QemuArgRequest *req = user_data;

  return req->remove ? vsa_qemu_args_remove (doc, req->args, error)
                     : vsa_qemu_args_add (doc, req->args, error);
}

static gboolean
edit_args (VsaContext *ctx, VsaInvocation *inv, gboolean remove, GError **error)
{
  QemuArgRequest req = { remove, (const char *const *) inv->args + 1 };

  return vsa_cli_edit_qemu_passthrough (ctx, inv->dom, qemu_arg_transform, &req, !remove, error);
}

static gboolean
run_add (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  return edit_args (ctx, inv, FALSE, error);
}

static gboolean
run_remove (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  return edit_args (ctx, inv, TRUE, error);
}

static gboolean
run_list (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  return vsa_cli_print_qemu_passthrough (ctx, inv->dom, vsa_qemu_args_list, "args", error);
}

static const VsaCommand qemu_arg_add = VSA_COMMAND_LEAF ("add", run_add, "VM [--] ARG...", 2, G_MAXUINT, VSA_COMMAND_CHANGES_VM | VSA_COMMAND_RAW_OPERANDS, NULL,
  "Append arguments to the VM's <qemu:commandline>",
  "Appends the arguments as <qemu:arg> entries, in their order, declaring\n"
  "xmlns:qemu on <domain> when needed; adding a run that is already there\n"
  "changes nothing.  Options go before VM; everything after VM is an ARG.\n"
  "libvirt marks a domain using qemu passthrough as tainted.");

static const VsaCommand qemu_arg_remove = VSA_COMMAND_LEAF ("remove", run_remove, "VM [--] ARG...", 2, G_MAXUINT, VSA_COMMAND_CHANGES_VM | VSA_COMMAND_RAW_OPERANDS, NULL,
  "Remove a run of arguments from it",
  "Removes the run of <qemu:arg> entries equal to the arguments.  Options\n"
  "go before VM; everything after VM is an ARG.");

static const VsaCommand qemu_arg_list = VSA_COMMAND_LEAF ("list", run_list, "VM", 1, 1, VSA_COMMAND_NEEDS_DOMAIN, NULL,
  "List them, one per line (--json: {\"args\": [...]})",
  "Lists the VM's <qemu:arg> entries in their order.");

const VsaCommand vsa_command_qemu_arg = VSA_COMMAND_GROUP ("qemu-arg",
  "Add, remove or list <qemu:arg> passthrough",
  "libvirt's <qemu:arg> passthrough in the VM's <qemu:commandline>, for\n"
  "what the domain XML cannot say.",
  &qemu_arg_add, &qemu_arg_remove, &qemu_arg_list);
