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

static const VsaCommand qemu_arg_add = {
  .name = "add",
  .run = run_add,
  .usage = "VM [--] ARG...",
  .summary = "Append arguments to the VM's <qemu:commandline>",
  .description = "Appends the arguments as <qemu:arg> entries, in their order, declaring\n"
                 "xmlns:qemu on <domain> when needed; adding a run that is already there\n"
                 "changes nothing.  Options go before VM; everything after VM is an ARG.\n"
                 "libvirt marks a domain using qemu passthrough as tainted.",
  .min_args = 2,
  .max_args = G_MAXUINT,
  .flags = VSA_COMMAND_NEEDS_DOMAIN | VSA_COMMAND_WRITES | VSA_COMMAND_RAW_OPERANDS,
};

static const VsaCommand qemu_arg_remove = {
  .name = "remove",
  .run = run_remove,
  .usage = "VM [--] ARG...",
  .summary = "Remove a run of arguments from it",
  .description = "Removes the run of <qemu:arg> entries equal to the arguments.  Options\n"
                 "go before VM; everything after VM is an ARG.",
  .min_args = 2,
  .max_args = G_MAXUINT,
  .flags = VSA_COMMAND_NEEDS_DOMAIN | VSA_COMMAND_WRITES | VSA_COMMAND_RAW_OPERANDS,
};

static const VsaCommand qemu_arg_list = {
  .name = "list",
  .run = run_list,
  .usage = "VM",
  .summary = "List them, one per line (--json: {\"args\": [...]})",
  .description = "Lists the VM's <qemu:arg> entries in their order.",
  .min_args = 1,
  .max_args = 1,
  .flags = VSA_COMMAND_NEEDS_DOMAIN,
};

static const VsaCommand *const qemu_arg_commands[] = {
  &qemu_arg_add, &qemu_arg_remove, &qemu_arg_list, NULL
};

const VsaCommand vsa_command_qemu_arg = {
  .name = "qemu-arg",
  .summary = "Add, remove or list <qemu:arg> passthrough",
  .description = "libvirt's <qemu:arg> passthrough in the VM's <qemu:commandline>, for\n"
                 "what the domain XML cannot say.",
  .subcommands = qemu_arg_commands,
};
