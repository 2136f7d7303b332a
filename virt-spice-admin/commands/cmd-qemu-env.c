/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `qemu-env VM set NAME[=VALUE] | unset NAME | list`: libvirt's
 * <qemu:env> passthrough (how a VM gets its own SASL_CONF_PATH). */
#include "vsa-cli.h"
#include "vsa-edit.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-qemu.h"
#include "vsa-xml.h"

#include <string.h>

typedef struct {
  gboolean unset;
  char *name;
  const char *value;
} QemuEnvRequest;

static gboolean
qemu_env_transform (xmlDoc *doc, gpointer user_data, GError **error)
{
  QemuEnvRequest *req = user_data;

  return req->unset ? vsa_qemu_env_unset (doc, req->name, error)
                    : vsa_qemu_env_set (doc, req->name, req->value, error);
}

gboolean
vsa_cmd_qemu_env (VsaContext *ctx, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  g_auto (GStrv) args = NULL;
  g_autoptr (virDomain) dom = NULL;
  QemuEnvRequest req = { 0 };
  g_autofree char *name = NULL;
  const char *action;
  gboolean changed = FALSE;
  guint want;

  if (!vsa_cli_parse (ctx, entries, "VM set NAME[=VALUE] | VM unset NAME | VM list",
                      "Sets, removes or lists <qemu:env> entries in the VM's\n"
                      "<qemu:commandline>, declaring xmlns:qemu on <domain> when needed.\n"
                      "libvirt marks a domain using qemu passthrough as tainted.",
                      argc, argv, 2, 3, &args, error) ||
      !vsa_cli_load_config (ctx, error) || !vsa_validate_vm_name (args[0], error))
    return FALSE;
  action = args[1];
  want = g_strcmp0 (action, "list") == 0 ? 2 : 3;
  if ((g_strcmp0 (action, "list") != 0 && g_strcmp0 (action, "set") != 0 &&
       g_strcmp0 (action, "unset") != 0) || g_strv_length (args) != want)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "usage: virt-spice-admin qemu-env VM set NAME[=VALUE] | VM unset NAME | VM list");
      return FALSE;
    }
  if (want == 3)
    {
      char *eq = strchr (args[2], '=');

      name = eq ? g_strndup (args[2], (gsize) (eq - args[2])) : g_strdup (args[2]);
      req.value = eq ? eq + 1 : NULL;
      req.name = name;
      req.unset = g_strcmp0 (action, "unset") == 0;
      if (!vsa_qemu_validate_env_name (name, error))
        return FALSE;
      if (req.unset && req.value)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "qemu-env unset takes a NAME, not NAME=VALUE");
          return FALSE;
        }
    }
  if (!vsa_context_connect (ctx, error) ||
      (dom = vsa_libvirt_lookup (ctx->conn, args[0], error)) == NULL)
    return FALSE;

  if (want == 2)
    {
      g_autoptr (xmlDoc) doc = vsa_libvirt_get_doc (dom, VIR_DOMAIN_XML_INACTIVE, error);
      g_autoptr (GPtrArray) entries_list = doc ? vsa_qemu_env_list (doc) : NULL;

      if (entries_list == NULL)
        return FALSE;
      vsa_cli_print_list (ctx, "env", entries_list);
      return TRUE;
    }
  if (!vsa_domain_edit (ctx, dom, qemu_env_transform, &req, &changed, error))
    {
      g_prefix_error (error, "VM '%s': ", args[0]);
      return FALSE;
    }
  if (changed && !req.unset)
    vsa_cli_note_qemu_passthrough_taint (ctx);
  return TRUE;
}
