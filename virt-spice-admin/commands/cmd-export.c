/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `export [--client NAME] [--include-passwords] [--output FILE]`: the
 * policy client hosts need, as one XML document (xml/vsa-client-policy.rng):
 * every managed console (name, address, TLS port, auth mode), who may open
 * it from which client, the server's name and CA.  With --client, other
 * clients' users stay out; every console stays in, so the client's
 * firewall can refuse the ones it is not given.  No password unless asked.
 * A VM whose metadata cannot be read is exported with no users (client
 * hosts refuse its console to everyone), and the exit status is 1. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-client-export.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-inventory.h"
#include "vsa-libvirt.h"
#include "vsa-xml.h"

#include <string.h>

typedef struct {
  const char *client;          /* --client, or NULL for every client */
  gboolean include_passwords;
} ExportRequest;

/* NULL with no error for an unmanaged domain. */
static VsaClientVm *
export_vm (const ExportRequest *req, const VsaVmRecord *record, GError **error)
{
  if (record->policy == NULL)
    return NULL;
  return vsa_client_export_vm (record->name, record->policy, record->spice.listen,
                               record->spice.tls_port, req->client,
                               req->include_passwords ? record->spice.password : NULL, error);
}

/* Fail closed (vsa_client_export_unreadable_vm), and say so. */
static VsaClientVm *
export_unreadable_vm (VsaContext *ctx, const VsaVmRecord *record)
{
  VsaClientVm *vm = vsa_client_export_unreadable_vm (record->name, record->config_doc);

  if (vm == NULL)
    vsa_context_note (ctx, "VM '%s' left out: it cannot be read (%s)", record->name,
                      record->unreadable);
  else
    vsa_context_note (ctx, "VM '%s' exported with no users, so client hosts refuse its console: "
                      "it cannot be read (%s)", record->name, record->unreadable);
  return vm;
}

static VsaClientPolicy *
build_policy (VsaContext *ctx, const ExportRequest *req, GPtrArray **ret_vms, GError **error)
{
  VsaInventoryFlags flags = VSA_INVENTORY_BEST_EFFORT |
                            (req->include_passwords ? VSA_INVENTORY_SECRETS : 0);
  g_autoptr (GPtrArray) vms = vsa_inventory_collect (ctx->conn, NULL, flags, error);
  g_autoptr (VsaClientPolicy) policy = NULL;

  if (vms == NULL || (policy = vsa_client_export_start (ctx->config, error)) == NULL)
    return NULL;
  for (guint i = 0; i < vms->len; i++)
    {
      g_autoptr (GError) local_error = NULL;
      const VsaVmRecord *record = g_ptr_array_index (vms, i);
      VsaClientVm *vm = record->unreadable ? export_unreadable_vm (ctx, record)
                                           : export_vm (req, record, &local_error);

      if (local_error)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (vm)
        vsa_client_policy_add_vm (policy, vm);
    }
  if (!vsa_client_export_finish (ctx->config, policy, error) ||
      !vsa_client_policy_validate (policy, error))
    return NULL;
  *ret_vms = g_steal_pointer (&vms);
  return g_steal_pointer (&policy);
}

static gboolean
write_output (VsaContext *ctx, const char *path, const char *xml, gboolean has_secrets,
              GError **error)
{
  if (path == NULL)
    {
      fputs (xml, ctx->out);
      return TRUE;
    }
  return vsa_file_write_atomic (path, xml, strlen (xml), has_secrets ? 0600 : 0644, error);
}

static gboolean
run_export (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  const char *client = vsa_invocation_string (inv, "client");
  const char *output = vsa_invocation_string (inv, "output");
  ExportRequest req = { client, vsa_invocation_flag (inv, "include-passwords") };
  g_autoptr (VsaClientPolicy) policy = NULL;
  g_autoptr (GPtrArray) vms = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *unreadable = NULL;
  guint n_unreadable;

  if ((client && !vsa_validate_client (client, error)) || !vsa_context_connect (ctx, error) ||
      (policy = build_policy (ctx, &req, &vms, error)) == NULL)
    return FALSE;
  xml = vsa_client_policy_to_xml (policy);
  if (!write_output (ctx, output, xml, req.include_passwords, error))
    return FALSE;
  memset (xml, 0, strlen (xml));
  vsa_context_note (ctx, "exported %u console%s%s%s", policy->vms->len,
                    policy->vms->len == 1 ? "" : "s", client ? " for client " : "",
                    client ? client : "");
  n_unreadable = vsa_inventory_count_unreadable (vms, &unreadable);
  if (n_unreadable == 0)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "%u VM%s could not be read (%s), so no user of %s is exported; repair the "
               "metadata and export again", n_unreadable, n_unreadable == 1 ? "" : "s",
               unreadable, n_unreadable == 1 ? "it" : "them");
  return FALSE;
}

static const GOptionEntry export_options[] = {
  VSA_OPTION (STRING, "client", "NAME", "Only this client host's users"),
  VSA_OPTION_FLAG ("include-passwords", "Include VM passwords (password mode) for the client's .vv files"),
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, NULL, "Write to FILE (0600 with passwords) instead of stdout", "FILE" },
  VSA_OPTION_END
};

const VsaCommand vsa_command_export = VSA_COMMAND_LEAF ("export", run_export, "[OPTIONS]", 0, 0, VSA_COMMAND_PLAIN, export_options,
  "Write the policy client hosts need (XML)",
  "Writes the policy client hosts need (for 'virt-spice-admin client'):\n"
  "every managed console's address and TLS port, the users assigned to it\n"
  "and the clients they connect from, the server name and CA certificate.\n"
  "Passwords only with --include-passwords.  A VM whose metadata cannot\n"
  "be read is exported with no users (client hosts refuse its console to\n"
  "everyone) and the exit status is 1.");
