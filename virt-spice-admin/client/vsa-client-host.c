/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-client-host.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-templates.h"
#include "vsa-time.h"
#include "vsa-xml.h"

#include <pwd.h>
#include <string.h>
#include <unistd.h>

void
vsa_client_host_free (VsaClientHost *host)
{
  if (host == NULL)
    return;
  vsa_client_policy_free (host->policy);
  g_free (host->client);
  g_free (host->prefix);
  g_free (host->group);
  g_free (host->remote_viewer);
  g_free (host->launcher);
  g_free (host->program);
  g_free (host->config_path);
  g_clear_pointer (&host->uids, g_hash_table_unref);
  g_clear_pointer (&host->now, g_date_time_unref);
  g_free (host);
}

static VsaClientPolicy *
read_policy (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;

  if (!vsa_file_read_bounded (path, "the client policy", VSA_XML_MAX_SIZE, &text, &len,
                              &local_error))
    {
      g_set_error (error, VSA_ERROR, local_error->code,
                   "%s; create it on the server with 'virt-spice-admin export --client NAME'",
                   local_error->message);
      return NULL;
    }
  return vsa_client_policy_from_xml (text, len, path, error);
}

/* Numeric ids go into the firewall, so rules load at boot before any
 * directory service answers; users unknown here stay out of the table and
 * the renderer says which one to create. */
static GHashTable *
resolve_uids (const VsaClientPolicy *policy, const char *client)
{
  g_autoptr (GArray) grants = vsa_client_policy_grants (policy, client);
  GHashTable *uids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < grants->len; i++)
    {
      const char *user = g_array_index (grants, VsaClientGrant, i).user;
      struct passwd *pw = getpwnam (user);

      if (pw != NULL)
        g_hash_table_insert (uids, g_strdup (user), GUINT_TO_POINTER ((guint) pw->pw_uid));
    }
  return uids;
}

/* The check unit runs the binary that installed it. */
static char *
this_program (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

  return self ? g_steal_pointer (&self) : g_strdup ("/usr/bin/virt-spice-admin");
}

/* The windows are meant in the server's zone when the policy names one
 * (so server and client agree), else in this host's configured zone. */
static GDateTime *
windows_now (const VsaConfig *config, const VsaClientPolicy *policy, GError **error)
{
  if (policy->time_zone && !vsa_time_zone_check (policy->time_zone, error))
    {
      g_prefix_error (error, "the client policy's time-zone: ");
      return NULL;
    }
  return vsa_time_now_in_zone (policy->time_zone ? policy->time_zone : config->time_zone);
}

/* Takes POLICY: the file `client install` reads, or the policy `apply`
 * builds for a client host of its manifest (the same lock-down either way). */
VsaClientHost *
vsa_client_host_new (const VsaConfig *config, VsaClientPolicy *policy, const char *client,
                     GError **error)
{
  g_autoptr (VsaClientHost) host = g_new0 (VsaClientHost, 1);

  host->policy = policy;
  if (!vsa_validate_client (client, error))
    return NULL;
  host->client = g_strdup (client);
  host->prefix = g_strdup (config->client_prefix);
  host->group = g_strdup (config->client_group);
  host->remote_viewer = g_strdup (config->client_remote_viewer);
  host->launcher = g_strdup (config->client_launcher);
  host->program = this_program ();
  host->config_path = g_strdup (config->path);
  host->nopasswd = config->client_nopasswd;
  host->firewall = config->client_firewall;
  host->uids = resolve_uids (host->policy, client);
  host->now = windows_now (config, policy, error);
  if (host->now == NULL)
    return NULL;
  return g_steal_pointer (&host);
}

VsaClientHost *
vsa_client_host_load (const VsaConfig *config, const char *policy_path, const char *client,
                      GError **error)
{
  VsaClientPolicy *policy = read_policy (policy_path, error);

  if (policy == NULL)
    return NULL;
  return vsa_client_host_new (config, policy, client, error);
}

void
vsa_client_host_render_options (const VsaClientHost *host, VsaClientRenderOptions *ret_opts)
{
  memset (ret_opts, 0, sizeof *ret_opts);
  ret_opts->policy = host->policy;
  ret_opts->client = host->client;
  ret_opts->prefix = host->prefix;
  ret_opts->group = host->group;
  ret_opts->remote_viewer = host->remote_viewer;
  ret_opts->launcher = host->launcher;
  ret_opts->program = host->program;
  ret_opts->config_path = host->config_path;
  ret_opts->nopasswd = host->nopasswd;
  ret_opts->firewall = host->firewall;
  ret_opts->uids = host->uids;
  ret_opts->now = host->now;
  ret_opts->templates = vsa_templates_lookup;
}

GPtrArray *
vsa_client_host_render (const VsaClientHost *host, GError **error)
{
  VsaClientRenderOptions opts;

  vsa_client_host_render_options (host, &opts);
  return vsa_client_render (&opts, error);
}

/* Where FILE lives on this host (under client-prefix). */
char *
vsa_client_host_path (const VsaClientHost *host, const VsaClientFile *file)
{
  return vsa_client_absolute_path (host->prefix, file->path);
}
