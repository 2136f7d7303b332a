/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-broker-render.h"
#include "vsa-error.h"
#include "vsa-nft.h"
#include "vsa-template.h"
#include "vsa-templates.h"

#include <string.h>

VsaBrokerAccount *
vsa_broker_account_new (const char *user)
{
  VsaBrokerAccount *account = g_new0 (VsaBrokerAccount, 1);

  account->user = g_strdup (user);
  account->vms = g_ptr_array_new_with_free_func (g_free);
  account->clients = g_ptr_array_new_with_free_func (g_free);
  account->destinations = g_ptr_array_new_with_free_func (g_free);
  return account;
}

void
vsa_broker_account_free (VsaBrokerAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->user);
  vsa_ssh_key_free (account->key);
  g_free (account->key_vm);
  g_ptr_array_unref (account->vms);
  g_ptr_array_unref (account->clients);
  g_ptr_array_unref (account->destinations);
  g_free (account);
}

/* PREFIX value SUFFIX for each value, SEPARATOR between them. */
static char *
join (GPtrArray *list, const char *separator, const char *prefix, const char *suffix)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    g_string_append_printf (s, "%s%s%s%s", i ? separator : "", prefix,
                            (const char *) g_ptr_array_index (list, i), suffix);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* from= with the user's address clients (host names are left to the
 * broker, which compares addresses only); port forwarding only to the
 * user's tunnels. */
static char *
render_key_line (const VsaBrokerAccount *account)
{
  g_autoptr (GPtrArray) addresses = g_ptr_array_new ();
  g_autofree char *key = vsa_ssh_key_to_line (account->key);
  g_autofree char *from = NULL;
  g_autofree char *permits = NULL;

  for (guint i = 0; i < account->clients->len; i++)
    if (vsa_nft_validate_client (g_ptr_array_index (account->clients, i), NULL))
      g_ptr_array_add (addresses, g_ptr_array_index (account->clients, i));
  from = addresses->len ? join (addresses, ",", "", "") : NULL;
  permits = account->destinations->len ? join (account->destinations, ",", "permitopen=\"", "\"") : NULL;
  return g_strdup_printf ("restrict%s%s%s%s%s %s\n", permits ? ",port-forwarding," : "",
                          permits ? permits : "", from ? ",from=\"" : "", from ? from : "",
                          from ? "\"" : "", key);
}

static VsaRenderedFile *
rendered (char *path, const char *content, guint mode)
{
  VsaRenderedFile *file = g_new0 (VsaRenderedFile, 1);

  file->path = path;
  file->content = g_strdup (content);
  file->mode = mode;
  return file;
}

static char *
render_match_block (const VsaBrokerAccount *account, const VsaBrokerRenderOptions *opts,
                    GError **error)
{
  g_autofree char *vms = join (account->vms, ", ", "", "");
  g_autofree char *keys = g_strdup_printf ("%s/%%u %s/%%u", opts->authorized_keys_dir,
                                           opts->tunnel_authorized_keys_dir);
  g_autofree char *permit_open = account->destinations->len
    ? join (account->destinations, " ", "", "") : g_strdup ("none");

  return vsa_template_expand (vsa_templates_lookup, "sshd-broker-match.conf", (const char *const[]) {
    "USER", account->user, "VMS", vms, "AUTHORIZED_KEYS", keys,
    "FORWARDING", account->destinations->len ? "local" : "no", "PERMIT_OPEN", permit_open,
    "COMMAND", opts->command, NULL }, error);
}

static gboolean
render_units (GPtrArray *files, const VsaBrokerRenderOptions *opts, GError **error)
{
  static const char *const units[][2] = {
    { "broker.service", "virt-spice-admin-broker.service" },
    { "watch.service", "virt-spice-admin-watch.service" },
  };
  /* broker-command is "PROGRAM console" (validated: plain words). */
  g_autofree char *program = g_strndup (opts->command, strcspn (opts->command, " "));

  for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
    {
      g_autofree char *text = vsa_template_expand (vsa_templates_lookup, units[i][0],
                                                   (const char *const[]) { "PROGRAM", program, NULL }, error);

      if (text == NULL)
        return FALSE;
      g_ptr_array_add (files, rendered (g_build_filename (opts->unit_dir, units[i][1], NULL), text, 0644));
    }
  return TRUE;
}

/* The drop-in first, then the key files (root's, 0644: sshd reads them
 * as root and the user must not change them), then the units.  ACCOUNTS
 * must be sorted by user. */
GPtrArray *
vsa_broker_render (GPtrArray *accounts, const VsaBrokerRenderOptions *opts, GError **error)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_rendered_file_free);
  g_autoptr (GString) blocks = g_string_new (NULL);
  g_autofree char *drop_in = NULL;

  for (guint i = 0; i < accounts->len; i++)
    {
      const VsaBrokerAccount *account = g_ptr_array_index (accounts, i);
      g_autofree char *block = render_match_block (account, opts, error);
      g_autofree char *line = NULL;

      if (block == NULL)
        return NULL;
      g_string_append (blocks, block);
      line = render_key_line (account);
      g_ptr_array_add (files, rendered (g_build_filename (opts->authorized_keys_dir, account->user, NULL),
                                        line, 0644));
    }
  drop_in = vsa_template_expand (vsa_templates_lookup, "sshd-broker.conf", (const char *const[]) {
    "AUTHORIZED_KEYS_DIR", opts->authorized_keys_dir, "MATCH_BLOCKS", blocks->str, NULL }, error);
  if (drop_in == NULL)
    return NULL;
  g_ptr_array_insert (files, 0, rendered (g_build_filename (opts->drop_in_dir, VSA_SSHD_BROKER_DROP_IN_NAME, NULL),
                                          drop_in, 0644));
  if (!render_units (files, opts, error))
    return NULL;
  return g_steal_pointer (&files);
}
