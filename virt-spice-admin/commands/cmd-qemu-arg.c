/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `qemu-arg VM add|remove|list [--] ARG...`: libvirt's <qemu:arg>
 * passthrough, for what the domain XML cannot say. */
#include "vsa-cli.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-qemu.h"
#include "vsa-xml.h"

typedef struct {
  gboolean remove;
  const char *const *args;
} QemuArgRequest;

static gboolean
qemu_arg_transform (xmlDoc *doc, gpointer user_data, GError **error)
{
  QemuArgRequest *req = user_data;

  return req->remove ? vsa_qemu_args_remove (doc, req->args, error)
                     : vsa_qemu_args_add (doc, req->args, error);
}

gboolean
vsa_cmd_qemu_arg (VsaContext *ctx, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  g_auto (GStrv) args = NULL;
  g_autoptr (virDomain) dom = NULL;
  QemuArgRequest req = { 0 };
  const char *action;
  gboolean changed = FALSE;

  if (!vsa_cli_parse_until_operands (ctx, entries, "VM add|remove|list [--] ARG...",
                                     "Adds, removes or lists <qemu:arg> entries in the VM's\n"
                                     "<qemu:commandline>, declaring xmlns:qemu on <domain> when\n"
                                     "needed.  Arguments keep their order; adding a run that is\n"
                                     "already there changes nothing.  Options go before VM.\n"
                                     "libvirt marks a domain using qemu passthrough as tainted.",
                                     argc, argv, 2, &args, error) ||
      !vsa_cli_load_config (ctx, error) || !vsa_validate_vm_name (args[0], error))
    return FALSE;
  action = args[1];
  if (g_strcmp0 (action, "list") != 0 && g_strcmp0 (action, "add") != 0 &&
      g_strcmp0 (action, "remove") != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "qemu-arg action '%s' is unknown; use add, remove or list", action);
      return FALSE;
    }
  if (g_strcmp0 (action, "list") != 0 && args[2] == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "qemu-arg %s needs at least one ARG", action);
      return FALSE;
    }
  if (!vsa_context_connect (ctx, error) ||
      (dom = vsa_libvirt_lookup (ctx->conn, args[0], error)) == NULL)
    return FALSE;

  if (g_strcmp0 (action, "list") == 0)
    {
      g_autoptr (xmlDoc) doc = vsa_libvirt_get_doc (dom, VIR_DOMAIN_XML_INACTIVE, error);
      g_autoptr (GPtrArray) values = doc ? vsa_qemu_args_list (doc) : NULL;

      if (values == NULL)
        return FALSE;
      vsa_cli_print_list (ctx, "args", values);
      return TRUE;
    }

  req.remove = g_strcmp0 (action, "remove") == 0;
  req.args = (const char *const *) args + 2;
  if (!vsa_domain_edit (ctx, dom, qemu_arg_transform, &req, &changed, error))
    {
      g_prefix_error (error, "VM '%s': ", args[0]);
      return FALSE;
    }
  if (changed && !req.remove)
    vsa_cli_note_qemu_passthrough_taint (ctx);
  return TRUE;
}
