/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-qemu.h"
#include "vsa-error.h"
#include "vsa-xml.h"

#include <string.h>

static gboolean
is_qemu_element (xmlNode *node, const char *name)
{
  return node && node->type == XML_ELEMENT_NODE && node->ns &&
         g_strcmp0 ((const char *) node->ns->href, VSA_QEMU_NS) == 0 &&
         g_strcmp0 ((const char *) node->name, name) == 0;
}

static xmlNode *
find_commandline (xmlDoc *doc)
{
  return vsa_xml_child_ns (xmlDocGetRootElement (doc), VSA_QEMU_NS, "commandline");
}

/* Reuses a declaration under any prefix; otherwise declares xmlns:qemu on
 * <domain>, where libvirt expects it. */
static xmlNs *
ensure_qemu_ns (xmlDoc *doc)
{
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlNs *ns = xmlSearchNsByHref (doc, root, BAD_CAST VSA_QEMU_NS);

  if (ns == NULL)
    ns = xmlNewNs (root, BAD_CAST VSA_QEMU_NS, BAD_CAST "qemu");
  return ns;
}

static xmlNode *
ensure_commandline (xmlDoc *doc, GError **error)
{
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlNode *cmdline = find_commandline (doc);

  if (!vsa_xml_is_element (root, "domain"))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "domain XML: root element is not <domain>");
      return NULL;
    }
  if (cmdline == NULL)
    cmdline = xmlNewChild (root, ensure_qemu_ns (doc), BAD_CAST "commandline", NULL);
  return cmdline;
}

/* An empty <qemu:commandline> is noise; libvirt would keep it. */
static void
drop_commandline_if_empty (xmlDoc *doc)
{
  xmlNode *cmdline = find_commandline (doc);

  if (cmdline == NULL)
    return;
  for (xmlNode *n = cmdline->children; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE)
      return;
  vsa_xml_remove_node (cmdline);
}

static GPtrArray *
arg_nodes (xmlDoc *doc)
{
  GPtrArray *nodes = g_ptr_array_new ();
  xmlNode *cmdline = find_commandline (doc);

  for (xmlNode *n = cmdline ? cmdline->children : NULL; n; n = n->next)
    if (is_qemu_element (n, "arg"))
      g_ptr_array_add (nodes, n);
  return nodes;
}

/* Index of the first run of arg nodes equal to ARGS, or -1. */
static int
find_arg_run (GPtrArray *nodes, const char *const *args)
{
  guint n_args = g_strv_length ((char **) args);

  for (guint start = 0; start + n_args <= nodes->len; start++)
    {
      guint i = 0;

      for (; i < n_args; i++)
        if (!vsa_xml_attr_equals (g_ptr_array_index (nodes, start + i), "value", args[i]))
          break;
      if (i == n_args)
        return (int) start;
    }
  return -1;
}

static gboolean
check_args (const char *const *args, GError **error)
{
  if (args == NULL || args[0] == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE, "no qemu argument given");
      return FALSE;
    }
  for (guint i = 0; args[i]; i++)
    if (!g_utf8_validate (args[i], -1, NULL) || strpbrk (args[i], "\n\r") != NULL)
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "qemu argument %u is not one line of UTF-8 text", i + 1);
        return FALSE;
      }
  return TRUE;
}

/* Appends ARGS in order unless the same run is already there (so a
 * repeated `add -device foo` changes nothing). */
gboolean
vsa_qemu_args_add (xmlDoc *doc, const char *const *args, GError **error)
{
  g_autoptr (GPtrArray) nodes = NULL;
  xmlNode *cmdline;
  xmlNode *after = NULL;

  if (!check_args (args, error))
    return FALSE;
  nodes = arg_nodes (doc);
  if (find_arg_run (nodes, args) >= 0)
    return TRUE;
  cmdline = ensure_commandline (doc, error);
  if (cmdline == NULL)
    return FALSE;
  /* libvirt's schema wants every arg before the first env. */
  if (nodes->len > 0)
    after = g_ptr_array_index (nodes, nodes->len - 1);
  for (guint i = 0; args[i]; i++)
    {
      xmlNode *arg = xmlNewNode (cmdline->ns, BAD_CAST "arg");

      vsa_xml_set (arg, "value", args[i]);
      if (after)
        xmlAddNextSibling (after, arg);
      else if (cmdline->children)
        xmlAddPrevSibling (cmdline->children, arg);
      else
        xmlAddChild (cmdline, arg);
      after = arg;
    }
  return TRUE;
}

gboolean
vsa_qemu_args_remove (xmlDoc *doc, const char *const *args, GError **error)
{
  g_autoptr (GPtrArray) nodes = NULL;
  int start;

  if (!check_args (args, error))
    return FALSE;
  nodes = arg_nodes (doc);
  start = find_arg_run (nodes, args);
  if (start < 0)
    return TRUE;
  for (guint i = 0; args[i]; i++)
    vsa_xml_remove_node (g_ptr_array_index (nodes, (guint) start + i));
  drop_commandline_if_empty (doc);
  return TRUE;
}

GPtrArray *
vsa_qemu_args_list (xmlDoc *doc)
{
  g_autoptr (GPtrArray) nodes = arg_nodes (doc);
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < nodes->len; i++)
    g_ptr_array_add (values, vsa_xml_get (g_ptr_array_index (nodes, i), "value"));
  return values;
}

/* libvirt accepts [A-Za-z_][A-Za-z0-9_]* for qemu:env names. */
gboolean
vsa_qemu_validate_env_name (const char *name, GError **error)
{
  gboolean ok = name && (g_ascii_isalpha (name[0]) || name[0] == '_') && strlen (name) <= 255;

  for (const char *p = name; ok && *p; p++)
    ok = g_ascii_isalnum (*p) || *p == '_';
  if (!ok)
    g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                 "environment variable name '%s' is not valid; use letters, digits and _",
                 name ? name : "");
  return ok;
}

static xmlNode *
find_env (xmlDoc *doc, const char *name)
{
  xmlNode *cmdline = find_commandline (doc);

  for (xmlNode *n = cmdline ? cmdline->children : NULL; n; n = n->next)
    if (is_qemu_element (n, "env") && vsa_xml_attr_equals (n, "name", name))
      return n;
  return NULL;
}

gboolean
vsa_qemu_env_set (xmlDoc *doc, const char *name, const char *value, GError **error)
{
  xmlNode *env;
  xmlNode *cmdline;

  if (!vsa_qemu_validate_env_name (name, error))
    return FALSE;
  if (value && (!g_utf8_validate (value, -1, NULL) || strpbrk (value, "\n\r") != NULL))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "value of %s is not one line of UTF-8 text", name);
      return FALSE;
    }
  env = find_env (doc, name);
  if (env == NULL)
    {
      cmdline = ensure_commandline (doc, error);
      if (cmdline == NULL)
        return FALSE;
      env = xmlNewChild (cmdline, cmdline->ns, BAD_CAST "env", NULL);
      vsa_xml_set (env, "name", name);
    }
  if (value)
    vsa_xml_set (env, "value", value);
  else
    vsa_xml_unset (env, "value");
  return TRUE;
}

gboolean
vsa_qemu_env_unset (xmlDoc *doc, const char *name, GError **error)
{
  xmlNode *env;

  if (!vsa_qemu_validate_env_name (name, error))
    return FALSE;
  env = find_env (doc, name);
  if (env)
    {
      vsa_xml_remove_node (env);
      drop_commandline_if_empty (doc);
    }
  return TRUE;
}

char *
vsa_qemu_env_get (xmlDoc *doc, const char *name)
{
  xmlNode *env = find_env (doc, name);

  return env ? vsa_xml_get (env, "value") : NULL;
}

/* "NAME=VALUE" (or "NAME" without a value) in document order. */
GPtrArray *
vsa_qemu_env_list (xmlDoc *doc)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func (g_free);
  xmlNode *cmdline = find_commandline (doc);

  for (xmlNode *n = cmdline ? cmdline->children : NULL; n; n = n->next)
    if (is_qemu_element (n, "env"))
      {
        g_autofree char *name = vsa_xml_get (n, "name");
        g_autofree char *value = vsa_xml_get (n, "value");

        g_ptr_array_add (entries, value ? g_strdup_printf ("%s=%s", name, value) : g_steal_pointer (&name));
      }
  return entries;
}
