/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client's per-UID firewall, nftables or iptables: each user may
 * reach the consoles of her grants whose window is open now, and nobody
 * else reaches any console of the policy. */
#include "vsa-client-render.h"
#include "vsa-client-windows.h"
#include "vsa-choice.h"

#include <sys/socket.h>
#include <string.h>

static const char *const firewall_kind_names[] = {
  [VSA_FIREWALL_NFT] = "nft",
  [VSA_FIREWALL_IPTABLES] = "iptables",
};

gboolean
vsa_firewall_kind_from_string (const char *text, VsaFirewallKind *ret_kind, GError **error)
{
  gsize i;

  if (!VSA_CHOICE_PARSE ("firewall", text, firewall_kind_names, &i, error))
    return FALSE;
  *ret_kind = (VsaFirewallKind) i;
  return TRUE;
}

static int
family_of (const char *address)
{
  return strchr (address, ':') ? AF_INET6 : AF_INET;
}

static void
add_unique (GPtrArray *list, char *item)
{
  if (g_ptr_array_find_with_equal_func (list, item, g_str_equal, NULL))
    g_free (item);
  else
    g_ptr_array_add (list, item);
}

/* allowed4/6: UID . ADDRESS . PORT for each grant whose window is open
 * now; managed4/6: ADDRESS . PORT of every console in the policy, which
 * everyone else is refused. */
GPtrArray *
vsa_client_nft_elements (const VsaClientRenderOptions *opts, const char *set_name)
{
  g_autoptr (GArray) all = vsa_client_policy_grants (opts->policy, opts->client);
  g_autoptr (GArray) grants = vsa_client_grants_open_now (all, opts->now);
  GPtrArray *elements = g_ptr_array_new_with_free_func (g_free);
  int family = g_str_has_suffix (set_name, "6") ? AF_INET6 : AF_INET;

  if (g_str_has_prefix (set_name, "allowed"))
    for (guint i = 0; i < grants->len; i++)
      {
        VsaClientGrant *grant = &g_array_index (grants, VsaClientGrant, i);

        if (family_of (grant->vm->address) == family)
          add_unique (elements, g_strdup_printf ("%u . %s . %d", vsa_client_uid_of (opts, grant->user),
                                                 grant->vm->address, grant->vm->tls_port));
      }
  else
    for (guint i = 0; i < opts->policy->vms->len; i++)
      {
        VsaClientVm *vm = g_ptr_array_index (opts->policy->vms, i);

        if (family_of (vm->address) == family)
          add_unique (elements, g_strdup_printf ("%s . %d", vm->address, vm->tls_port));
      }
  return elements;
}

static char *
nft_elements_line (const VsaClientRenderOptions *opts, const char *set_name)
{
  g_autoptr (GPtrArray) elements = vsa_client_nft_elements (opts, set_name);
  g_autoptr (GString) line = g_string_new (NULL);

  if (elements->len == 0)
    return g_strdup ("");
  g_string_append (line, "\t\telements = {");
  for (guint i = 0; i < elements->len; i++)
    g_string_append_printf (line, "%s\n\t\t\t%s", i ? "," : "", (char *) g_ptr_array_index (elements, i));
  g_string_append (line, "\n\t\t}\n");
  return g_string_free (g_steal_pointer (&line), FALSE);
}

static char *
render_nft (const VsaClientRenderOptions *opts, GArray *grants, GError **error)
{
  g_autofree char *header = vsa_client_header_comment (opts, "#");
  g_autofree char *windows = vsa_client_windows_comment (grants, opts->now);
  g_autofree char *allowed4 = nft_elements_line (opts, "allowed4");
  g_autofree char *managed4 = nft_elements_line (opts, "managed4");
  g_autofree char *allowed6 = nft_elements_line (opts, "allowed6");
  g_autofree char *managed6 = nft_elements_line (opts, "managed6");
  const char *vars[] = { "HEADER", header, "WINDOWS", windows, "TABLE", VSA_CLIENT_NFT_TABLE,
                         "ALLOWED4", allowed4, "MANAGED4", managed4,
                         "ALLOWED6", allowed6, "MANAGED6", managed6, NULL };

  return vsa_template_expand (opts->templates, "client.nft", vars, error);
}

static gboolean
append_iptables_rule (GString *rules, const VsaClientRenderOptions *opts, const char *template,
                      const char *address, int port, const char *uid, GError **error)
{
  g_autofree char *port_text = g_strdup_printf ("%d", port);
  const char *vars[] = { "CHAIN", VSA_CLIENT_IPTABLES_CHAIN, "ADDRESS", address,
                         "PREFIXLEN", family_of (address) == AF_INET6 ? "128" : "32",
                         "PORT", port_text, "UID", uid, NULL };
  g_autofree char *rule = vsa_template_expand (opts->templates, template, vars, error);

  if (rule == NULL)
    return FALSE;
  g_string_append (rules, rule);
  return TRUE;
}

/* The rules exactly as `iptables -S` prints them, so the drift check can
 * compare the live chain line by line. */
static char *
render_iptables (const VsaClientRenderOptions *opts, GArray *grants, int family, GError **error)
{
  g_autoptr (GString) rules = g_string_new (NULL);
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *header = vsa_client_header_comment (opts, "#");
  g_autofree char *windows = vsa_client_windows_comment (grants, opts->now);
  g_autoptr (GArray) open = vsa_client_grants_open_now (grants, opts->now);

  for (guint i = 0; i < open->len; i++)
    {
      VsaClientGrant *grant = &g_array_index (open, VsaClientGrant, i);
      g_autofree char *uid = g_strdup_printf ("%u", vsa_client_uid_of (opts, grant->user));

      if (family_of (grant->vm->address) == family &&
          !append_iptables_rule (rules, opts, "iptables-accept", grant->vm->address,
                                 grant->vm->tls_port, uid, error))
        return NULL;
    }
  for (guint i = 0; i < opts->policy->vms->len; i++)
    {
      VsaClientVm *vm = g_ptr_array_index (opts->policy->vms, i);
      g_autofree char *endpoint = g_strdup_printf ("%s/%d", vm->address, vm->tls_port);

      if (family_of (vm->address) != family ||
          g_ptr_array_find_with_equal_func (seen, endpoint, g_str_equal, NULL))
        continue;
      g_ptr_array_add (seen, g_steal_pointer (&endpoint));
      if (!append_iptables_rule (rules, opts, "iptables-reject", vm->address, vm->tls_port, "",
                                 error))
        return NULL;
    }
  {
    const char *vars[] = { "HEADER", header, "WINDOWS", windows, "CHAIN", VSA_CLIENT_IPTABLES_CHAIN,
                           "RULES", rules->str, NULL };
    return vsa_template_expand (opts->templates, "iptables.rules", vars, error);
  }
}

gboolean
vsa_client_render_firewall (const VsaClientRenderOptions *opts, GArray *grants, GPtrArray *files,
                            GError **error)
{
  char *v4;
  char *v6;

  if (opts->firewall == VSA_FIREWALL_NFT)
    {
      char *nft = render_nft (opts, grants, error);

      if (nft == NULL)
        return FALSE;
      vsa_client_add_file (files, VSA_CLIENT_FILE_NFT, g_strdup (VSA_CLIENT_NFT_PATH), nft, 0644);
      return TRUE;
    }
  v4 = render_iptables (opts, grants, AF_INET, error);
  if (v4 == NULL)
    return FALSE;
  vsa_client_add_file (files, VSA_CLIENT_FILE_IPTABLES, g_strdup (VSA_CLIENT_IPTABLES_PATH), v4, 0644);
  v6 = render_iptables (opts, grants, AF_INET6, error);
  if (v6 == NULL)
    return FALSE;
  vsa_client_add_file (files, VSA_CLIENT_FILE_IP6TABLES, g_strdup (VSA_CLIENT_IP6TABLES_PATH), v6, 0644);
  return TRUE;
}
