/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Drift: what on this host no longer matches the rendering of its
 * policy.  Package upgrades reset remote-viewer's mode, people edit
 * sudoers, firewalls get flushed; each finding is one line naming the
 * object and what is wrong. */
#include "vsa-client-host.h"
#include "vsa-client-remote-viewer.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-run.h"

#include <grp.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

static void
check_file (const VsaClientHost *host, const VsaClientFile *file, GPtrArray *drifts)
{
  g_autofree char *path = vsa_client_host_path (host, file);
  g_autofree char *content = NULL;
  gid_t want_gid = 0;
  struct stat st;

  if (stat (path, &st) != 0)
    {
      g_ptr_array_add (drifts, g_strdup_printf ("%s is missing", path));
      return;
    }
  if (st.st_uid != 0 || st.st_gid != want_gid || (st.st_mode & 07777) != file->mode)
    g_ptr_array_add (drifts, g_strdup_printf ("%s has owner %u:%u mode %o, expected 0:%u mode %o",
                                              path, (guint) st.st_uid, (guint) st.st_gid,
                                              (guint) (st.st_mode & 07777), (guint) want_gid,
                                              file->mode));
  if (file->content && (!vsa_file_read_bounded (path, "file", strlen (file->content), &content, NULL, NULL) ||
                        g_strcmp0 (content, file->content) != 0))
    g_ptr_array_add (drifts, g_strdup_printf ("%s was changed", path));
}

/* "1001 . 10.0.0.1 . 20001" from nft's JSON {"concat": [1001, "10.0.0.1", 20001]}. */
static char *
element_text (JsonNode *elem)
{
  JsonObject *obj = JSON_NODE_HOLDS_OBJECT (elem) ? json_node_get_object (elem) : NULL;
  JsonArray *parts = obj && json_object_has_member (obj, "concat")
                       ? json_object_get_array_member (obj, "concat") : NULL;
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; parts && i < json_array_get_length (parts); i++)
    {
      JsonNode *part = json_array_get_element (parts, i);

      if (i)
        g_string_append (text, " . ");
      if (json_node_get_value_type (part) == G_TYPE_STRING)
        g_string_append (text, json_node_get_string (part));
      else
        g_string_append_printf (text, "%" G_GINT64_FORMAT, json_node_get_int (part));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
sorted_joined (GPtrArray *items)
{
  g_ptr_array_sort (items, vsa_compare_strings);
  g_ptr_array_add (items, NULL);
  return g_strjoinv (", ", (char **) items->pdata);
}

static void
compare_set (const VsaClientHost *host, JsonObject *set, GPtrArray *drifts)
{
  VsaClientRenderOptions opts;
  const char *name = json_object_get_string_member (set, "name");
  JsonArray *elems = json_object_has_member (set, "elem") ? json_object_get_array_member (set, "elem") : NULL;
  g_autoptr (GPtrArray) live = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) wanted = NULL;
  g_autofree char *live_text = NULL;
  g_autofree char *wanted_text = NULL;

  vsa_client_host_render_options (host, &opts);
  wanted = vsa_client_nft_elements (&opts, name);
  for (guint i = 0; elems && i < json_array_get_length (elems); i++)
    g_ptr_array_add (live, element_text (json_array_get_element (elems, i)));
  live_text = sorted_joined (live);
  wanted_text = sorted_joined (wanted);
  if (g_strcmp0 (live_text, wanted_text) != 0)
    g_ptr_array_add (drifts, g_strdup_printf ("firewall set %s holds {%s}, expected {%s}", name,
                                              live_text, wanted_text));
}

static void
check_nft (const VsaClientHost *host, GPtrArray *drifts)
{
  const char *const argv[] = { "nft", "-j", "list", "table", "inet", VSA_CLIENT_NFT_TABLE, NULL };
  g_autofree char *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *items;
  guint sets = 0, rules = 0;

  if (!vsa_run (argv, &out, NULL) || !json_parser_load_from_data (parser, out, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_ptr_array_add (drifts, g_strdup ("firewall table inet " VSA_CLIENT_NFT_TABLE " is not loaded"));
      return;
    }
  items = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "nftables");
  for (guint i = 0; items && i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (json_object_has_member (item, "set"))
        {
          compare_set (host, json_object_get_object_member (item, "set"), drifts);
          sets++;
        }
      rules += json_object_has_member (item, "rule");
    }
  if (sets != 4 || rules != 4)
    g_ptr_array_add (drifts, g_strdup_printf ("firewall table inet " VSA_CLIENT_NFT_TABLE
                                              " has %u sets and %u rules, expected 4 and 4",
                                              sets, rules));
}

/* The rendered -A lines are in `iptables -S` form: compare them as text. */
static void
check_iptables_chain (const char *tool, const VsaClientFile *file, GPtrArray *drifts)
{
  const char *const list[] = { tool, "-S", VSA_CLIENT_IPTABLES_CHAIN, NULL };
  const char *const jump[] = { tool, "-C", "OUTPUT", "-j", VSA_CLIENT_IPTABLES_CHAIN, NULL };
  g_autofree char *out = NULL;
  g_autoptr (GString) live = g_string_new (NULL);
  g_autoptr (GString) wanted = g_string_new (NULL);
  g_auto (GStrv) live_lines = NULL;
  g_auto (GStrv) wanted_lines = g_strsplit (file->content, "\n", -1);
  int status = 1;

  if (!vsa_run (list, &out, NULL))
    {
      g_ptr_array_add (drifts, g_strdup_printf ("%s chain %s is not loaded", tool, VSA_CLIENT_IPTABLES_CHAIN));
      return;
    }
  live_lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; live_lines[i]; i++)
    if (g_str_has_prefix (live_lines[i], "-A "))
      g_string_append_printf (live, "%s\n", live_lines[i]);
  for (guint i = 0; wanted_lines[i]; i++)
    if (g_str_has_prefix (wanted_lines[i], "-A "))
      g_string_append_printf (wanted, "%s\n", wanted_lines[i]);
  if (!g_string_equal (live, wanted))
    g_ptr_array_add (drifts, g_strdup_printf ("%s chain %s differs from %s", tool,
                                              VSA_CLIENT_IPTABLES_CHAIN, file->path));
  if (!vsa_run_status (jump, &status, NULL) || status != 0)
    g_ptr_array_add (drifts, g_strdup_printf ("%s OUTPUT does not jump to %s", tool,
                                              VSA_CLIENT_IPTABLES_CHAIN));
}

static void
check_firewall (const VsaClientHost *host, GPtrArray *files, GPtrArray *drifts)
{
  if (host->firewall == VSA_FIREWALL_NFT)
    {
      check_nft (host, drifts);
      return;
    }
  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);

      if (file->kind == VSA_CLIENT_FILE_IPTABLES)
        check_iptables_chain ("iptables", file, drifts);
      else if (file->kind == VSA_CLIENT_FILE_IP6TABLES)
        check_iptables_chain ("ip6tables", file, drifts);
    }
}

static void
check_group (const VsaClientHost *host, GPtrArray *drifts)
{
  g_autoptr (GPtrArray) members = vsa_client_group_members (host);

  if (getgrnam (host->group) == NULL)
    g_ptr_array_add (drifts, g_strdup_printf ("group %s does not exist", host->group));
  for (guint i = 0; i < members->len; i++)
    g_ptr_array_add (drifts, g_strdup (g_ptr_array_index (members, i)));
}

/* Every finding, in a stable order; empty when the host is as rendered. */
GPtrArray *
vsa_client_check (const VsaClientHost *host, GPtrArray *files)
{
  GPtrArray *drifts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *launcher = vsa_client_launcher_problem (host);

  check_group (host, drifts);
  vsa_client_check_remote_viewer (host, drifts);
  if (launcher != NULL)
    g_ptr_array_add (drifts, g_steal_pointer (&launcher));
  vsa_client_check_setid_files (host, drifts);
  for (guint i = 0; i < files->len; i++)
    check_file (host, g_ptr_array_index (files, i), drifts);
  check_firewall (host, files, drifts);
  return drifts;
}
