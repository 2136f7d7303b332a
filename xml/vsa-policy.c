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

/* Every entry of a user carries the same windows (absent: always), so
 * one entry cannot widen what another says. */
static gboolean
parse_access_when (xmlNode *node, const char *user, VsaWindowSet **ret_when, GError **error)
{
  g_autofree char *when = vsa_xml_get (node, "when");

  *ret_when = when ? vsa_window_set_parse (when, error) : vsa_window_set_new_always ();
  if (*ret_when == NULL)
    g_prefix_error (error, "metadata: line %ld: user %s: ", xmlGetLineNo (node), user);
  return *ret_when != NULL;
}

static gboolean
parse_access (xmlNode *node, VsaPolicy *policy, GError **error)
{
  g_autofree char *user = vsa_xml_get (node, "user");
  g_autofree char *client = vsa_xml_get (node, "client");
  g_autoptr (VsaWindowSet) when = NULL;
  VsaAccess *access;

  if (!vsa_validate_user_name (user, error) || (client && !vsa_validate_client (client, error)))
    {
      g_prefix_error (error, "metadata: line %ld: ", xmlGetLineNo (node));
      return FALSE;
    }
  if (!parse_access_when (node, user, &when, error))
    return FALSE;
  /* One element per (user, client) pair, as in the design; fold them. */
  access = vsa_policy_find_access (policy, user);
  if (access == NULL)
    {
      access = vsa_access_new (user);
      g_ptr_array_add (policy->access, access);
      vsa_policy_set_when (policy, user, when);
    }
  else if (!vsa_window_set_equal (access->when, when))
    {
      g_autofree char *first = vsa_window_set_to_string (access->when);
      g_autofree char *here = vsa_window_set_to_string (when);

      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "metadata: line %ld: user %s: when='%s' differs from its first entry's '%s'; "
                   "give every entry of a user the same when", xmlGetLineNo (node), user, here,
                   first);
      return FALSE;
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
      g_autofree char *when = vsa_window_set_is_always (access->when)
                              ? NULL : vsa_window_set_to_string (access->when);

      for (guint j = 0; j < MAX (access->clients->len, 1); j++)
        {
          xmlNode *node = xmlNewChild (console, ns, BAD_CAST "access", NULL);
          vsa_xml_set (node, "user", access->user);
          if (j < access->clients->len)
            vsa_xml_set (node, "client", g_ptr_array_index (access->clients, j));
          if (when)
            vsa_xml_set (node, "when", when);
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

/* A deep copy (NULL for NULL): the edit transaction keeps the policy it
 * read beside the one the command changes. */
VsaPolicy *
vsa_policy_copy (const VsaPolicy *policy)
{
  VsaPolicy *copy;

  if (policy == NULL)
    return NULL;
  copy = vsa_policy_new (policy->auth);
  copy->sasl_dir = g_strdup (policy->sasl_dir);
  for (guint i = 0; i < policy->access->len; i++)
    {
      const VsaAccess *access = g_ptr_array_index (policy->access, i);
      VsaAccess *access_copy = vsa_access_new (access->user);

      for (guint j = 0; j < access->clients->len; j++)
        g_ptr_array_add (access_copy->clients, g_strdup (g_ptr_array_index (access->clients, j)));
      vsa_window_set_free (access_copy->when);
      access_copy->when = vsa_window_set_copy (access->when);
      g_ptr_array_add (copy->access, access_copy);
    }
  for (guint i = 0; i < policy->volumes->len; i++)
    {
      const VsaVolume *v = g_ptr_array_index (policy->volumes, i);

      g_ptr_array_add (copy->volumes, vsa_volume_new (v->lv, v->name, v->keyfile, v->token));
    }
  for (guint i = 0; i < policy->tunnels->len; i++)
    {
      const VsaTunnel *t = g_ptr_array_index (policy->tunnels, i);

      g_ptr_array_add (copy->tunnels, vsa_tunnel_new (t->user, t->key, t->from));
    }
  for (guint i = 0; i < policy->broker_users->len; i++)
    g_ptr_array_add (copy->broker_users,
                     vsa_broker_user_copy (g_ptr_array_index (policy->broker_users, i)));
  return copy;
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
