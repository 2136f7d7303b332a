/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-spice.h"
#include "vsa-choice.h"
#include "vsa-error.h"
#include "vsa-xml.h"

#include <stdlib.h>
#include <string.h>

void
vsa_spice_info_clear (VsaSpiceInfo *info)
{
  g_clear_pointer (&info->default_mode, g_free);
  g_clear_pointer (&info->listen, g_free);
  g_clear_pointer (&info->listen_type, g_free);
  if (info->password)
    memset (info->password, 0, strlen (info->password));
  g_clear_pointer (&info->password, g_free);
  g_clear_pointer (&info->password_valid_to, g_free);
  g_clear_pointer (&info->connected, g_free);
  g_clear_pointer (&info->compression, g_free);
}

static xmlNode *
find_graphics_of_type (xmlDoc *doc, const char *type)
{
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlNode *devices = vsa_xml_child (root, "devices");

  if (devices == NULL)
    return NULL;
  for (xmlNode *n = devices->children; n; n = n->next)
    if (vsa_xml_is_element (n, "graphics") && vsa_xml_attr_equals (n, "type", type))
      return n;
  return NULL;
}

xmlNode *
vsa_spice_find_graphics (xmlDoc *doc)
{
  return find_graphics_of_type (doc, "spice");
}

/* libvirt writes -1 for "assigned at start" and omits absent ports.
 * Anything else that is not a TCP port (a hand-edited XML, "80757") is
 * VSA_PORT_INVALID, never truncated or wrapped into a valid-looking one. */
static int
get_port (xmlNode *node, const char *attr)
{
  g_autofree char *text = vsa_xml_get (node, attr);
  gint64 value;

  if (text == NULL)
    return 0;
  if (!g_ascii_string_to_signed (g_strstrip (text), 10, -1, 65535, &value, NULL))
    return VSA_PORT_INVALID;
  return (int) value;
}

gboolean
vsa_spice_describe (xmlDoc *doc, VsaSpiceInfo *ret_info, GError **error)
{
  xmlNode *graphics;
  xmlNode *listen;
  g_autofree char *autoport = NULL;

  memset (ret_info, 0, sizeof *ret_info);
  if (!vsa_xml_is_element (xmlDocGetRootElement (doc), "domain"))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "domain XML: root element is not <domain>");
      return FALSE;
    }
  ret_info->has_vnc = find_graphics_of_type (doc, "vnc") != NULL;
  graphics = vsa_spice_find_graphics (doc);
  if (graphics == NULL)
    return TRUE;

  ret_info->has_spice = TRUE;
  ret_info->port = get_port (graphics, "port");
  ret_info->tls_port = get_port (graphics, "tlsPort");
  autoport = vsa_xml_get (graphics, "autoport");
  ret_info->autoport = g_strcmp0 (autoport, "yes") == 0;
  ret_info->default_mode = vsa_xml_get (graphics, "defaultMode");
  ret_info->password = vsa_xml_get (graphics, "passwd");
  ret_info->password_valid_to = vsa_xml_get (graphics, "passwdValidTo");
  ret_info->connected = vsa_xml_get (graphics, "connected");
  ret_info->compression = vsa_xml_get (vsa_xml_child (graphics, "image"), "compression");

  listen = vsa_xml_child (graphics, "listen");
  if (listen != NULL)
    {
      ret_info->listen_type = vsa_xml_get (listen, "type");
      if (g_strcmp0 (ret_info->listen_type, "address") == 0)
        ret_info->listen = vsa_xml_get (listen, "address");
    }
  else
    ret_info->listen = vsa_xml_get (graphics, "listen");

  for (xmlNode *n = graphics->children; n; n = n->next)
    if (vsa_xml_is_element (n, "channel") && vsa_xml_attr_equals (n, "mode", "insecure"))
      ret_info->has_insecure_channel = TRUE;
  return TRUE;
}

gboolean
vsa_spice_validate_compression (const char *mode, GError **error)
{
  static const char *const modes[] = { "auto_glz", "auto_lz", "quic", "glz", "lz", "off" };

  return VSA_CHOICE_PARSE ("compression", mode, modes, NULL, error);
}

static xmlNode *
new_spice_graphics (void)
{
  xmlNode *graphics = xmlNewNode (NULL, BAD_CAST "graphics");

  vsa_xml_set (graphics, "type", "spice");
  return graphics;
}

/* A VM without SPICE graphics gets one, in place of VNC when allowed. */
static xmlNode *
ensure_spice_graphics (xmlDoc *doc, xmlNode *devices, gboolean replace_vnc,
                       gboolean *ret_created, GError **error)
{
  xmlNode *graphics = vsa_spice_find_graphics (doc);
  xmlNode *vnc;

  *ret_created = FALSE;
  if (graphics != NULL)
    return graphics;

  vnc = find_graphics_of_type (doc, "vnc");
  if (vnc != NULL && !replace_vnc)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
                   "the VM has VNC graphics; pass --replace-vnc to replace them with TLS-only SPICE");
      return NULL;
    }

  graphics = new_spice_graphics ();
  *ret_created = TRUE;
  if (vnc != NULL)
    {
      xmlReplaceNode (vnc, graphics);
      xmlFreeNode (vnc);
      /* libvirt allows several VNC elements; none may survive. */
      while ((vnc = find_graphics_of_type (doc, "vnc")) != NULL)
        vsa_xml_remove_node (vnc);
    }
  else
    xmlAddChild (devices, graphics);
  return graphics;
}

static void
ensure_qxl_video (xmlNode *devices)
{
  xmlNode *video;

  if (vsa_xml_child (devices, "video") != NULL)
    return;
  video = xmlNewChild (devices, NULL, BAD_CAST "video", NULL);
  vsa_xml_set (xmlNewChild (video, NULL, BAD_CAST "model", NULL), "type", "qxl");
}

/* Exactly one explicit address listen: a `network` or `socket` listen
 * would let libvirt pick the address.  The listen attribute mirrors it, as
 * libvirt writes it back, so a second run finds nothing to change. */
static void
set_single_address_listen (xmlNode *graphics, const char *address)
{
  xmlNode *next;
  xmlNode *listen;

  for (xmlNode *n = graphics->children; n; n = next)
    {
      next = n->next;
      if (vsa_xml_is_element (n, "listen"))
        vsa_xml_remove_node (n);
    }
  vsa_xml_set (graphics, "listen", address);

  listen = xmlNewNode (NULL, BAD_CAST "listen");
  vsa_xml_set (listen, "type", "address");
  vsa_xml_set (listen, "address", address);
  if (graphics->children)
    xmlAddPrevSibling (graphics->children, listen);
  else
    xmlAddChild (graphics, listen);
}

/* A channel forced to mode='insecure' would bypass defaultMode='secure'. */
static void
remove_insecure_channels (xmlNode *graphics)
{
  xmlNode *next;

  for (xmlNode *n = graphics->children; n; n = next)
    {
      next = n->next;
      if (vsa_xml_is_element (n, "channel") && vsa_xml_attr_equals (n, "mode", "insecure"))
        vsa_xml_remove_node (n);
    }
}

gboolean
vsa_spice_make_secure (xmlDoc *doc, const VsaSpiceSecureOptions *opts, GError **error)
{
  xmlNode *devices;
  xmlNode *graphics;
  gboolean created;
  g_autofree char *port = NULL;

  g_return_val_if_fail (opts->tls_port > 0 && opts->tls_port <= 65535, FALSE);
  g_return_val_if_fail (opts->listen != NULL, FALSE);

  if (opts->compression && !vsa_spice_validate_compression (opts->compression, error))
    return FALSE;
  devices = vsa_xml_devices (doc, error);
  if (devices == NULL)
    return FALSE;
  graphics = ensure_spice_graphics (doc, devices, opts->replace_vnc, &created, error);
  if (graphics == NULL)
    return FALSE;
  if (created)
    ensure_qxl_video (devices);

  port = g_strdup_printf ("%d", opts->tls_port);
  vsa_xml_unset (graphics, "port");
  vsa_xml_set (graphics, "tlsPort", port);
  vsa_xml_set (graphics, "autoport", "no");
  vsa_xml_set (graphics, "defaultMode", "secure");
  set_single_address_listen (graphics, opts->listen);
  remove_insecure_channels (graphics);
  if (opts->compression)
    vsa_xml_set (vsa_xml_ensure_child (graphics, "image"), "compression", opts->compression);
  return TRUE;
}

/* The password travels through QMP, .vv files and sudo-pinned command
 * lines; printable ASCII without spaces survives all of them. */
gboolean
vsa_spice_validate_password (const char *password, GError **error)
{
  gsize len = strlen (password);

  if (len == 0 || len > VSA_SPICE_PASSWORD_MAX)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "password: must be 1 to %d characters long (a SPICE limit); use --generate",
                   VSA_SPICE_PASSWORD_MAX);
      return FALSE;
    }
  for (const char *p = password; *p; p++)
    if (*p <= ' ' || *p >= 0x7f)
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "password: only printable ASCII characters without spaces are allowed; use --generate");
        return FALSE;
      }
  return TRUE;
}

gboolean
vsa_spice_validate_connected (const char *connected, GError **error)
{
  static const char *const policies[] = { "keep", "disconnect", "fail" };

  return VSA_CHOICE_PARSE ("connected policy", connected, policies, NULL, error);
}

/* password NULL removes the password; valid_to NULL removes the expiry;
 * connected NULL leaves that attribute alone. */
gboolean
vsa_spice_set_password (xmlDoc *doc, const char *password, const char *valid_to,
                        const char *connected, GError **error)
{
  xmlNode *graphics = vsa_spice_find_graphics (doc);

  if (graphics == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "the VM has no SPICE graphics; run 'virt-spice-admin secure VM' first");
      return FALSE;
    }
  if (password && !vsa_spice_validate_password (password, error))
    return FALSE;
  if (connected && !vsa_spice_validate_connected (connected, error))
    return FALSE;

  if (password)
    vsa_xml_set (graphics, "passwd", password);
  else
    vsa_xml_unset (graphics, "passwd");
  if (password && valid_to)
    vsa_xml_set (graphics, "passwdValidTo", valid_to);
  else
    vsa_xml_unset (graphics, "passwdValidTo");
  if (connected)
    vsa_xml_set (graphics, "connected", connected);
  return TRUE;
}

static gboolean
has_sasl_conf_env (xmlDoc *doc)
{
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlNode *cmdline = vsa_xml_child_ns (root, VSA_QEMU_NS, "commandline");

  if (cmdline == NULL)
    return FALSE;
  for (xmlNode *n = cmdline->children; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE && n->ns &&
        g_strcmp0 ((const char *) n->ns->href, VSA_QEMU_NS) == 0 &&
        g_strcmp0 ((const char *) n->name, "env") == 0)
      {
        g_autofree char *name = vsa_xml_get (n, "name");
        g_autofree char *value = vsa_xml_get (n, "value");

        if (g_strcmp0 (name, "SASL_CONF_PATH") == 0 && value && *value)
          return TRUE;
      }
  return FALSE;
}

/* secrets_doc: the same domain's persistent definition, consulted for the
 * password when DOC lacks it (libvirt hands hooks the XML without
 * passwd).  It counts only if its UUID matches. */
static gboolean
password_in (xmlDoc *doc, xmlDoc *secrets_doc)
{
  g_autofree char *password = vsa_xml_get (vsa_spice_find_graphics (doc), "passwd");
  g_autofree char *uuid = NULL;
  g_autofree char *secrets_uuid = NULL;
  g_autofree char *secrets_password = NULL;

  if (password && *password)
    return TRUE;
  if (secrets_doc == NULL)
    return FALSE;
  uuid = vsa_domain_uuid (doc);
  secrets_uuid = vsa_domain_uuid (secrets_doc);
  if (uuid == NULL || g_strcmp0 (uuid, secrets_uuid) != 0)
    return FALSE;
  secrets_password = vsa_xml_get (vsa_spice_find_graphics (secrets_doc), "passwd");
  return secrets_password && *secrets_password;
}

/* Each problem as one short phrase, so the hook can refuse a start with a
 * single line and `show`/`audit` can list them. */
GPtrArray *
vsa_spice_find_insecurities (xmlDoc *doc, VsaAuthMode auth, xmlDoc *secrets_doc)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_auto (VsaSpiceInfo) info = { 0 };

  if (!vsa_spice_describe (doc, &info, NULL) || !info.has_spice)
    {
      g_ptr_array_add (problems, g_strdup ("no SPICE graphics"));
      return g_steal_pointer (&problems);
    }
  if (info.port != 0)
    g_ptr_array_add (problems, g_strdup ("a plain (unencrypted) SPICE port is configured"));
  if (info.autoport)
    g_ptr_array_add (problems, g_strdup ("autoport='yes' lets libvirt pick the ports at start"));
  if (info.tls_port == VSA_PORT_INVALID)
    g_ptr_array_add (problems, g_strdup ("the TLS port is not a valid port number"));
  else if (info.tls_port <= 0)
    g_ptr_array_add (problems, g_strdup ("no fixed TLS port"));
  if (g_strcmp0 (info.default_mode, "secure") != 0)
    g_ptr_array_add (problems, g_strdup_printf ("defaultMode is '%s', not 'secure'",
                                                info.default_mode ? info.default_mode : "any"));
  if (info.has_insecure_channel)
    g_ptr_array_add (problems, g_strdup ("a channel is forced to mode='insecure'"));
  if (info.listen == NULL)
    g_ptr_array_add (problems, g_strdup ("no explicit listen address"));
  if (auth == VSA_AUTH_PASSWORD && !password_in (doc, secrets_doc))
    g_ptr_array_add (problems, g_strdup ("no SPICE password is set"));
  if (auth == VSA_AUTH_SASL && !has_sasl_conf_env (doc))
    g_ptr_array_add (problems, g_strdup ("no per-VM SASL configuration (SASL_CONF_PATH)"));
  return g_steal_pointer (&problems);
}

void
vsa_domain_collect_graphics_ports (xmlDoc *doc, GArray *ports)
{
  static const char *const attrs[] = { "port", "tlsPort", "websocket" };
  xmlNode *devices = vsa_xml_child (xmlDocGetRootElement (doc), "devices");

  if (devices == NULL)
    return;
  for (xmlNode *n = devices->children; n; n = n->next)
    {
      if (!vsa_xml_is_element (n, "graphics"))
        continue;
      for (gsize i = 0; i < G_N_ELEMENTS (attrs); i++)
        {
          int port = get_port (n, attrs[i]);
          if (port > 0)
            g_array_append_val (ports, port);
        }
    }
}

/* requested: 0 means auto.  current: the VM's own TLS port (0 if none),
 * kept by auto when still valid so that running twice changes nothing.
 * used_by maps GINT_TO_POINTER(port) to the name of the domain using it. */
gboolean
vsa_tls_port_choose (int requested, int current, int range_min, int range_max,
                     GHashTable *used_by, int *ret_port, GError **error)
{
  if (requested != 0)
    {
      const char *owner;

      if (requested < 1 || requested > 65535)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "TLS port %d is not a TCP port; use 1-65535 or auto", requested);
          return FALSE;
        }
      if (requested < range_min || requested > range_max)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "TLS port %d is outside the configured range %d-%d; pick one inside it, "
                       "use auto, or change tls-port-range in the configuration",
                       requested, range_min, range_max);
          return FALSE;
        }
      owner = g_hash_table_lookup (used_by, GINT_TO_POINTER (requested));
      if (owner != NULL)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
                       "TLS port %d is already used by domain '%s'; pick another or use auto",
                       requested, owner);
          return FALSE;
        }
      *ret_port = requested;
      return TRUE;
    }

  if (current >= range_min && current <= range_max &&
      !g_hash_table_contains (used_by, GINT_TO_POINTER (current)))
    {
      *ret_port = current;
      return TRUE;
    }
  for (int port = range_min; port <= range_max; port++)
    if (!g_hash_table_contains (used_by, GINT_TO_POINTER (port)))
      {
        *ret_port = port;
        return TRUE;
      }
  g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
               "no free TLS port left in the range %d-%d; widen tls-port-range in the configuration",
               range_min, range_max);
  return FALSE;
}
