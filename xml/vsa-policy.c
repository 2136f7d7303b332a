/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-policy.h"
#include "vsa-choice.h"
#include "vsa-error.h"
#include "vsa-metadata.h"
#include "vsa-qemu.h"
#include "vsa-xml.h"

#include <string.h>

static const char *const auth_mode_names[] = {
  [VSA_AUTH_PASSWORD] = "password",
  [VSA_AUTH_SASL] = "sasl",
};

gboolean
vsa_auth_mode_from_string (const char *text, VsaAuthMode *ret_mode, GError **error)
{
  gsize i;

  if (!VSA_CHOICE_PARSE ("auth mode", text, auth_mode_names, &i, error))
    return FALSE;
  *ret_mode = (VsaAuthMode) i;
  return TRUE;
}

const char *
vsa_auth_mode_to_string (VsaAuthMode mode)
{
  g_return_val_if_fail ((gsize) mode < G_N_ELEMENTS (auth_mode_names), NULL);
  return auth_mode_names[mode];
}

/* Exactly one key source: two would leave the hook guessing which one
 * the administrator meant. */
static gboolean
validate_key_source (const VsaVolume *volume, GError **error)
{
  if (volume->keyfile != NULL && volume->token != NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "volume '%s' has both a keyfile and a token; keep exactly one", volume->name);
      return FALSE;
    }
  if (volume->keyfile == NULL && volume->token == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "volume '%s' needs a key source: keyfile=\"/absolute/path\" or "
                   "token=\"any\" or a token id 0..%d", volume->name, VSA_TOKEN_ID_MAX);
      return FALSE;
    }
  return volume->keyfile != NULL ? vsa_validate_keyfile_path (volume->keyfile, error)
                                 : vsa_validate_token (volume->token, error);
}

/* Everything the hook acts on as root. */
gboolean
vsa_validate_volume (const VsaVolume *volume, GError **error)
{
  return vsa_validate_lv_path (volume->lv, error) &&
         vsa_validate_mapping_name (volume->name, error) && validate_key_source (volume, error);
}

VsaVolume *
vsa_volume_new (const char *lv, const char *name, const char *keyfile, const char *token)
{
  VsaVolume *volume = g_new0 (VsaVolume, 1);

  volume->lv = g_strdup (lv);
  volume->name = g_strdup (name);
  volume->keyfile = g_strdup (keyfile);
  volume->token = g_strdup (token);
  return volume;
}

void
vsa_volume_free (VsaVolume *volume)
{
  if (volume == NULL)
    return;
  g_free (volume->lv);
  g_free (volume->name);
  g_free (volume->keyfile);
  g_free (volume->token);
  g_free (volume);
}

VsaVolume *
vsa_policy_find_volume (const VsaPolicy *policy, const char *name)
{
  for (guint i = 0; policy && i < policy->volumes->len; i++)
    {
      VsaVolume *volume = g_ptr_array_index (policy->volumes, i);

      if (g_strcmp0 (volume->name, name) == 0)
        return volume;
    }
  return NULL;
}

VsaAccess *
vsa_access_new (const char *user)
{
  VsaAccess *access = g_new0 (VsaAccess, 1);

  access->user = g_strdup (user);
  access->clients = g_ptr_array_new_with_free_func (g_free);
  return access;
}

void
vsa_access_free (VsaAccess *access)
{
  g_free (access->user);
  g_ptr_array_unref (access->clients);
  g_free (access);
}

VsaPolicy *
vsa_policy_new (VsaAuthMode auth)
{
  VsaPolicy *policy = g_new0 (VsaPolicy, 1);

  policy->auth = auth;
  policy->access = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_access_free);
  policy->volumes = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_volume_free);
  policy->tunnels = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_tunnel_free);
  policy->broker_users = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_broker_user_free);
  return policy;
}

void
vsa_policy_free (VsaPolicy *policy)
{
  if (policy == NULL)
    return;
  g_ptr_array_unref (policy->access);
  g_ptr_array_unref (policy->volumes);
  g_free (policy->sasl_dir);
  g_ptr_array_unref (policy->tunnels);
  g_ptr_array_unref (policy->broker_users);
  g_free (policy);
}

/* USER's entry in ACCESS (VsaAccess *), or NULL. */
VsaAccess *
vsa_access_find (GPtrArray *access, const char *user)
{
  for (guint i = 0; i < access->len; i++)
    {
      VsaAccess *entry = g_ptr_array_index (access, i);

      if (g_strcmp0 (entry->user, user) == 0)
        return entry;
    }
  return NULL;
}

VsaAccess *
vsa_policy_find_access (const VsaPolicy *policy, const char *user)
{
  return vsa_access_find (policy->access, user);
}

/* Adds USER (if new) and any CLIENTS it does not list yet. */
void
vsa_policy_assign (VsaPolicy *policy, const char *user, const char *const *clients)
{
  VsaAccess *access = vsa_policy_find_access (policy, user);

  if (access == NULL)
    {
      access = vsa_access_new (user);
      g_ptr_array_add (policy->access, access);
    }
  for (guint i = 0; clients && clients[i]; i++)
    if (!g_ptr_array_find_with_equal_func (access->clients, clients[i], g_str_equal, NULL))
      g_ptr_array_add (access->clients, g_strdup (clients[i]));
}

/* FALSE when USER was not assigned. */
gboolean
vsa_policy_unassign (VsaPolicy *policy, const char *user)
{
  VsaAccess *access = vsa_policy_find_access (policy, user);
  VsaBrokerUser *broker_user = vsa_policy_find_broker_user (policy, user);

  /* The broker key goes with the assignment: no console without one. */
  if (broker_user != NULL)
    g_ptr_array_remove (policy->broker_users, broker_user);
  return access != NULL && g_ptr_array_remove (policy->access, access);
}

static xmlNode *
find_console_element (xmlDoc *doc)
{
  xmlNode *root = xmlDocGetRootElement (doc);

  return vsa_xml_child_ns (vsa_xml_child (root, "metadata"), VSA_METADATA_NS,
                           VSA_METADATA_ELEMENT);
}

gboolean
vsa_policy_is_managed (xmlDoc *doc)
{
  return find_console_element (doc) != NULL;
}

static gboolean
is_policy_element (xmlNode *node, const char *name)
{
  return vsa_xml_is_element_ns (node, VSA_METADATA_NS, name);
}

static gboolean
parse_access (xmlNode *node, VsaPolicy *policy, GError **error)
{
  g_autofree char *user = vsa_xml_get (node, "user");
  g_autofree char *client = vsa_xml_get (node, "client");
  VsaAccess *access = NULL;

  if (!vsa_validate_user_name (user, error) || (client && !vsa_validate_client (client, error)))
    {
      g_prefix_error (error, "metadata: line %ld: ", xmlGetLineNo (node));
      return FALSE;
    }
  /* One element per (user, client) pair, as in the design; fold them. */
  for (guint i = 0; i < policy->access->len; i++)
    {
      VsaAccess *a = g_ptr_array_index (policy->access, i);
      if (g_strcmp0 (a->user, user) == 0)
        access = a;
    }
  if (access == NULL)
    {
      access = vsa_access_new (user);
      g_ptr_array_add (policy->access, access);
    }
  if (client != NULL)
    g_ptr_array_add (access->clients, g_steal_pointer (&client));
  return TRUE;
}

/* The hook opens what this names as root: every attribute is checked
 * here, before anything can use it. */
static gboolean
parse_volume (xmlNode *node, VsaPolicy *policy, GError **error)
{
  g_autofree char *lv = vsa_xml_get (node, "lv");
  g_autofree char *name = vsa_xml_get (node, "name");
  g_autofree char *keyfile = vsa_xml_get (node, "keyfile");
  g_autofree char *token = vsa_xml_get (node, "token");
  VsaVolume parsed = { lv, name, keyfile, token };

  if (!vsa_validate_volume (&parsed, error))
    {
      g_prefix_error (error, "metadata: line %ld: <vsa:volume>: ", xmlGetLineNo (node));
      return FALSE;
    }
  for (guint i = 0; i < policy->volumes->len; i++)
    {
      VsaVolume *other = g_ptr_array_index (policy->volumes, i);

      if (g_str_equal (other->name, name) || g_str_equal (other->lv, lv))
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "metadata: line %ld: <vsa:volume> '%s' (%s) repeats the mapping or "
                       "logical volume of '%s' (%s)",
                       xmlGetLineNo (node), name, lv, other->name, other->lv);
          return FALSE;
        }
    }
  g_ptr_array_add (policy->volumes, vsa_volume_new (lv, name, keyfile, token));
  return TRUE;
}

static gboolean
parse_tunnel (xmlNode *node, VsaPolicy *policy, GError **error)
{
  g_autoptr (VsaTunnel) tunnel = vsa_tunnel_from_element (node, error);

  if (tunnel == NULL)
    return FALSE;
  if (vsa_policy_find_tunnel (policy, tunnel->user) != NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "metadata: line %ld: a second <vsa:tunnel> for user '%s'; keep one",
                   xmlGetLineNo (node), tunnel->user);
      return FALSE;
    }
  g_ptr_array_add (policy->tunnels, g_steal_pointer (&tunnel));
  return TRUE;
}

static gboolean
parse_sasl (xmlNode *node, VsaPolicy *policy, GError **error)
{
  if (policy->sasl_dir != NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "metadata: line %ld: a second <vsa:sasl>; a VM has one SASL directory, keep one",
                   xmlGetLineNo (node));
      return FALSE;
    }
  policy->sasl_dir = vsa_xml_get (node, "dir");
  if (policy->sasl_dir == NULL || !g_path_is_absolute (policy->sasl_dir))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "metadata: line %ld: <vsa:sasl> needs an absolute dir attribute",
                   xmlGetLineNo (node));
      return FALSE;
    }
  return TRUE;
}

/* *ret_policy is NULL for an unmanaged domain (no metadata element). */
gboolean
vsa_policy_from_domain (xmlDoc *doc, VsaPolicy **ret_policy, GError **error)
{
  xmlNode *console = find_console_element (doc);
  g_autoptr (VsaPolicy) policy = NULL;
  g_autofree char *auth = NULL;
  VsaAuthMode mode = VSA_AUTH_PASSWORD;

  *ret_policy = NULL;
  if (console == NULL)
    return TRUE;

  auth = vsa_xml_get (console, "auth");
  if (auth != NULL && !vsa_auth_mode_from_string (auth, &mode, error))
    {
      g_prefix_error (error, "metadata: line %ld: ", xmlGetLineNo (console));
      return FALSE;
    }
  policy = vsa_policy_new (mode);

  for (xmlNode *n = console->children; n; n = n->next)
    {
      if (n->type != XML_ELEMENT_NODE)
        continue;
      if (is_policy_element (n, "access"))
        {
          if (!parse_access (n, policy, error))
            return FALSE;
        }
      else if (is_policy_element (n, "sasl"))
        {
          if (!parse_sasl (n, policy, error))
            return FALSE;
        }
      else if (is_policy_element (n, "volume"))
        {
          if (!parse_volume (n, policy, error))
            return FALSE;
        }
      else if (is_policy_element (n, "tunnel"))
        {
          if (!parse_tunnel (n, policy, error))
            return FALSE;
        }
      else if (is_policy_element (n, "broker"))
        {
          if (!vsa_policy_parse_broker_user (policy, n, error))
            return FALSE;
        }
      else
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "metadata: line %ld: unknown element <%s> in the virt-spice-admin policy",
                       xmlGetLineNo (n), (const char *) n->name);
          return FALSE;
        }
    }
  /* After the elements' own checks, whose messages say more than the
   * schema's; the schema catches what they ignore, such as clinet=. */
  if (!vsa_metadata_validate (console, error))
    return FALSE;
  *ret_policy = g_steal_pointer (&policy);
  return TRUE;
}

/* Replaces the policy element (or creates it and <metadata>), leaving any
 * other application's metadata untouched. */
void
vsa_policy_to_domain (xmlDoc *doc, const VsaPolicy *policy)
{
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlNode *metadata = vsa_xml_ensure_child (root, "metadata");
  xmlNode *old = find_console_element (doc);
  xmlNode *console = xmlNewNode (NULL, BAD_CAST VSA_METADATA_ELEMENT);
  xmlNs *ns = xmlNewNs (console, BAD_CAST VSA_METADATA_NS, BAD_CAST VSA_METADATA_PREFIX);

  xmlSetNs (console, ns);
  vsa_xml_set (console, "auth", vsa_auth_mode_to_string (policy->auth));
  if (policy->sasl_dir)
    vsa_xml_set (xmlNewChild (console, ns, BAD_CAST "sasl", NULL), "dir", policy->sasl_dir);
  for (guint i = 0; i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);

      if (access->clients->len == 0)
        vsa_xml_set (xmlNewChild (console, ns, BAD_CAST "access", NULL), "user", access->user);
      for (guint j = 0; j < access->clients->len; j++)
        {
          xmlNode *node = xmlNewChild (console, ns, BAD_CAST "access", NULL);
          vsa_xml_set (node, "user", access->user);
          vsa_xml_set (node, "client", g_ptr_array_index (access->clients, j));
        }
    }
  for (guint i = 0; i < policy->volumes->len; i++)
    {
      VsaVolume *volume = g_ptr_array_index (policy->volumes, i);
      xmlNode *node = xmlNewChild (console, ns, BAD_CAST "volume", NULL);

      vsa_xml_set (node, "lv", volume->lv);
      vsa_xml_set (node, "name", volume->name);
      if (volume->keyfile != NULL)
        vsa_xml_set (node, "keyfile", volume->keyfile);
      else
        vsa_xml_set (node, "token", volume->token);
    }
  for (guint i = 0; i < policy->tunnels->len; i++)
    vsa_tunnel_to_element (g_ptr_array_index (policy->tunnels, i), console, ns);
  for (guint i = 0; i < policy->broker_users->len; i++)
    vsa_broker_user_to_element (g_ptr_array_index (policy->broker_users, i), console, ns);

  if (old != NULL)
    {
      xmlReplaceNode (old, console);
      xmlFreeNode (old);
    }
  else
    xmlAddChild (metadata, console);
}

/* Marks the domain as managed, keeping an existing policy as it is. */
gboolean
vsa_policy_ensure (xmlDoc *doc, VsaAuthMode default_auth, GError **error)
{
  g_autoptr (VsaPolicy) policy = NULL;

  if (!vsa_policy_from_domain (doc, &policy, error))
    return FALSE;
  if (policy == NULL)
    policy = vsa_policy_new (default_auth);
  vsa_policy_to_domain (doc, policy);
  return TRUE;
}

/* Points qemu at the VM's own SASL configuration (SASL_CONF_PATH) and
 * records it in the policy; the caller writes the policy back. */
gboolean
vsa_policy_bind_sasl (xmlDoc *doc, VsaPolicy *policy, const char *dir, GError **error)
{
  if (!vsa_qemu_env_set (doc, "SASL_CONF_PATH", dir, error))
    return FALSE;
  g_free (policy->sasl_dir);
  policy->sasl_dir = g_strdup (dir);
  return TRUE;
}

/* Undoes vsa_policy_bind_sasl (a VM back in password mode); nothing to do
 * when the policy names no SASL directory. */
gboolean
vsa_policy_unbind_sasl (xmlDoc *doc, VsaPolicy *policy, GError **error)
{
  if (policy->sasl_dir == NULL)
    return TRUE;
  if (!vsa_qemu_env_unset (doc, "SASL_CONF_PATH", error))
    return FALSE;
  g_clear_pointer (&policy->sasl_dir, g_free);
  return TRUE;
}

static gboolean
wanted_pair (GPtrArray *wanted, const char *user, const char *client)
{
  for (guint i = 0; i < wanted->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (wanted, i);

      if (g_strcmp0 (access->user, user) == 0)
        return client == NULL ||
               g_ptr_array_find_with_equal_func (access->clients, client, g_str_equal, NULL);
    }
  return FALSE;
}

/* Drops every user WANTED (VsaAccess *) does not list, and every client
 * of a listed user that WANTED does not list for that user: what is left
 * is at most WANTED.  Returns the users removed (char *, in order). */
GPtrArray *
vsa_policy_retain_access (VsaPolicy *policy, GPtrArray *wanted)
{
  g_autoptr (GPtrArray) removed_users = g_ptr_array_new_with_free_func (g_free);

  for (guint i = policy->access->len; i > 0; i--)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i - 1);

      if (!wanted_pair (wanted, access->user, NULL))
        {
          g_ptr_array_insert (removed_users, 0, g_strdup (access->user));
          g_ptr_array_remove_index (policy->access, i - 1);
          continue;
        }
      for (guint j = access->clients->len; j > 0; j--)
        if (!wanted_pair (wanted, access->user, g_ptr_array_index (access->clients, j - 1)))
          g_ptr_array_remove_index (access->clients, j - 1);
    }
  return g_steal_pointer (&removed_users);
}

/* The console element alone and without a namespace, as
 * virDomainSetMetadata takes it (libvirt adds prefix and URI itself). */
char *
vsa_policy_serialize (const VsaPolicy *policy)
{
  g_autoptr (xmlDoc) doc = xmlNewDoc (BAD_CAST "1.0");
  xmlNode *console;

  xmlDocSetRootElement (doc, xmlNewNode (NULL, BAD_CAST "domain"));
  vsa_policy_to_domain (doc, policy);
  console = find_console_element (doc);
  xmlSetNs (console, NULL);
  for (xmlNode *n = console->children; n; n = n->next)
    xmlSetNs (n, NULL);
  xmlFreeNsList (console->nsDef);
  console->nsDef = NULL;
  return vsa_xml_serialize_node (doc, console);
}

VsaTunnel *
vsa_policy_find_tunnel (const VsaPolicy *policy, const char *user)
{
  for (guint i = 0; i < policy->tunnels->len; i++)
    {
      VsaTunnel *tunnel = g_ptr_array_index (policy->tunnels, i);
      if (g_strcmp0 (tunnel->user, user) == 0)
        return tunnel;
    }
  return NULL;
}

/* One tunnel per user and VM: setting it again replaces key and origin,
 * keeping its place in the document. */
void
vsa_policy_set_tunnel (VsaPolicy *policy, const char *user, const VsaSshKey *key,
                       const char *from)
{
  VsaTunnel *tunnel = vsa_tunnel_new (user, key, from);

  for (guint i = 0; i < policy->tunnels->len; i++)
    {
      VsaTunnel **slot = (VsaTunnel **) &g_ptr_array_index (policy->tunnels, i);

      if (g_strcmp0 ((*slot)->user, user) == 0)
        {
          vsa_tunnel_free (*slot);
          *slot = tunnel;
          return;
        }
    }
  g_ptr_array_add (policy->tunnels, tunnel);
}

/* FALSE when USER had no tunnel. */
gboolean
vsa_policy_remove_tunnel (VsaPolicy *policy, const char *user)
{
  VsaTunnel *tunnel = vsa_policy_find_tunnel (policy, user);

  return tunnel != NULL && g_ptr_array_remove (policy->tunnels, tunnel);
}
