/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `export [--client NAME] [--include-passwords] [--output FILE]`: the
 * policy client hosts need, as one XML document (xml/vsa-client-policy.rng):
 * every managed console (name, address, TLS port, auth mode), who may open
 * it from which client, the server's name and CA.  With --client, other
 * clients' users stay out; every console stays in, so the client's
 * firewall can refuse the ones it is not given.  No password unless asked. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-client-policy.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-inventory.h"
#include "vsa-libvirt.h"
#include "vsa-spice.h"
#include "vsa-xml.h"

#include <string.h>

typedef struct {
  const char *client;          /* --client, or NULL for every client */
  gboolean include_passwords;
} ExportRequest;

static gboolean
read_ca (const VsaConfig *config, char **ret_pem, GError **error)
{
  g_autofree char *pem = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!vsa_file_read_bounded (config->ca_file, "the CA certificate", VSA_FILE_TEXT_MAX, &pem,
                              NULL, &local_error))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND, "%s; set ca-file in the configuration",
                   local_error->message);
      return FALSE;
    }
  if (!vsa_validate_ca_pem (pem, error))
    {
      g_prefix_error (error, "%s: ", config->ca_file);
      return FALSE;
    }
  *ret_pem = g_steal_pointer (&pem);
  return TRUE;
}

/* The accesses this export shows: with --client only that client. */
static gboolean
copy_access (const ExportRequest *req, const VsaPolicy *from, VsaClientVm *vm)
{
  gboolean any = FALSE;

  for (guint i = 0; i < from->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (from->access, i);

      for (guint j = 0; j < access->clients->len; j++)
        {
          const char *client = g_ptr_array_index (access->clients, j);
          const char *clients[] = { client, NULL };

          if (req->client && !vsa_client_matches (client, req->client))
            continue;
          vsa_policy_assign (vm->policy, access->user, clients);
          any = TRUE;
        }
    }
  return any;
}

static gboolean
check_reachable (const char *name, const VsaSpiceInfo *spice, GError **error)
{
  g_autofree char *address = vsa_inet_canonical (spice->listen, NULL);

  if (spice->tls_port <= 0 || address == NULL || g_strcmp0 (spice->listen, "0.0.0.0") == 0 ||
      g_strcmp0 (spice->listen, "::") == 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM '%s' has no fixed TLS port on one listen address, so clients cannot "
                   "be pinned to it; run 'virt-spice-admin secure %s --listen ADDR'", name, name);
      return FALSE;
    }
  return TRUE;
}

/* NULL with no error for an unmanaged domain. */
static VsaClientVm *
export_vm (const ExportRequest *req, const VsaVmRecord *record, GError **error)
{
  g_autoptr (VsaClientVm) vm = NULL;
  g_autofree char *address = NULL;
  gboolean has_access;

  if (record->policy == NULL || !check_reachable (record->name, &record->spice, error))
    return NULL;
  address = vsa_inet_canonical (record->spice.listen, NULL);
  vm = vsa_client_vm_new (record->name, address, record->spice.tls_port, record->policy->auth);
  has_access = copy_access (req, record->policy, vm);
  if (req->include_passwords && has_access && record->policy->auth == VSA_AUTH_PASSWORD)
    vm->password = g_strdup (record->spice.password);
  return g_steal_pointer (&vm);
}

static VsaClientPolicy *
build_policy (VsaContext *ctx, const ExportRequest *req, GError **error)
{
  g_autoptr (VsaClientPolicy) policy = vsa_client_policy_new ();
  VsaInventoryFlags flags = req->include_passwords ? VSA_INVENTORY_SECRETS : 0;
  g_autoptr (GPtrArray) vms = vsa_inventory_collect (ctx->conn, NULL, flags, error);

  if (vms == NULL || !read_ca (ctx->config, &policy->ca_pem, error))
    return NULL;
  policy->server_name = g_strdup (ctx->config->server_name);
  policy->server_subject = g_strdup (ctx->config->server_subject);
  for (guint i = 0; i < vms->len; i++)
    {
      g_autoptr (GError) local_error = NULL;
      VsaClientVm *vm = export_vm (req, g_ptr_array_index (vms, i), &local_error);

      if (local_error)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (vm)
        vsa_client_policy_add_vm (policy, vm);
    }
  if (!vsa_client_policy_validate (policy, error))
    return NULL;
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
  g_autofree char *xml = NULL;

  if ((client && !vsa_validate_client (client, error)) || !vsa_context_connect (ctx, error) ||
      (policy = build_policy (ctx, &req, error)) == NULL)
    return FALSE;
  xml = vsa_client_policy_to_xml (policy);
  if (!write_output (ctx, output, xml, req.include_passwords, error))
    return FALSE;
  memset (xml, 0, strlen (xml));
  vsa_context_note (ctx, "exported %u console%s%s%s", policy->vms->len,
                    policy->vms->len == 1 ? "" : "s", client ? " for client " : "",
                    client ? client : "");
  return TRUE;
}

static const GOptionEntry export_options[] = {
  { "client", 0, 0, G_OPTION_ARG_STRING, NULL, "Only this client host's users", "NAME" },
  { "include-passwords", 0, 0, G_OPTION_ARG_NONE, NULL, "Include VM passwords (password mode) for the client's .vv files", NULL },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, NULL, "Write to FILE (0600 with passwords) instead of stdout", "FILE" },
  { NULL }
};

const VsaCommand vsa_command_export = {
  .name = "export",
  .run = run_export,
  .usage = "[OPTIONS]",
  .summary = "Write the policy client hosts need (XML)",
  .description = "Writes the policy client hosts need (for 'virt-spice-admin client'):\n"
                 "every managed console's address and TLS port, the users assigned to it\n"
                 "and the clients they connect from, the server name and CA certificate.\n"
                 "Passwords only with --include-passwords.",
  .options = export_options,
};
