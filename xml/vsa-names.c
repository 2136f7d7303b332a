/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Validators for the names the policy holds: VM, user, client, LVM and
 * device-mapper names, key files and LUKS2 tokens.  Each one accepts
 * exactly what is safe as a file name, on a command line and in a
 * rendered configuration file. */
#include "vsa-names.h"
#include "vsa-address.h"
#include "vsa-error.h"

#include <string.h>

/* libvirt accepts almost any name, but ours become directory and file
 * names (SASL dirs, keys, backups): no separators, no dot-files, no
 * control characters, bounded length. */
gboolean
vsa_validate_vm_name (const char *name, GError **error)
{
  gsize len = name ? strlen (name) : 0;

  if (len == 0 || len > 200)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM name must be 1 to 200 characters long");
      return FALSE;
    }
  if (name[0] == '.' || strchr (name, '/') != NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "VM name '%s' must not start with '.' or contain '/'", name);
      return FALSE;
    }
  for (const char *p = name; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "VM name must not contain control characters");
        return FALSE;
      }
  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "VM name is not valid UTF-8");
      return FALSE;
    }
  return TRUE;
}

/* POSIX portable user names (as useradd takes them): they become SASL
 * identities, sudoers and sshd Match entries, so nothing else gets in. */
gboolean
vsa_validate_user_name (const char *name, GError **error)
{
  gsize len = name ? strlen (name) : 0;

  if (len == 0 || len > 32 || name[0] == '-' ||
      strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != len)
    {
      /* Escaped: the error stays one line whatever was typed. */
      g_autofree char *shown = g_strescape (name ? name : "", NULL);

      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "user name '%s' is not a portable user name: use 1 to 32 of A-Z a-z 0-9 . _ - "
                   "(not starting with -)", shown);
      return FALSE;
    }
  return TRUE;
}

/* RFC 1123 labels; the last one not all digits (RFC 3696 section 2): no
 * top-level domain is, so "999.1.1.1" is a mistyped address, which the
 * hook's firewall refuses, not a name to accept here. */
static gboolean
is_host_name (const char *name)
{
  g_auto (GStrv) labels = NULL;
  guint last = 0;

  if (strlen (name) > 253 || name[0] == '.' || g_str_has_suffix (name, "."))
    return FALSE;
  labels = g_strsplit (name, ".", -1);
  for (guint i = 0; labels[i]; i++)
    {
      gsize len = strlen (labels[i]);

      if (len == 0 || len > 63 || labels[i][0] == '-' || labels[i][len - 1] == '-' ||
          strspn (labels[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != len)
        return FALSE;
      last = i;
    }
  return strspn (labels[last], "0123456789") != strlen (labels[last]);
}

/* ADDRESS or ADDRESS/PREFIX, parsed by the address module the firewall
 * uses, so what the CLI accepts is what the hook can load. */
static gboolean
is_ip_literal (const char *text)
{
  guint8 bytes[16];
  guint prefix_len;
  int family;

  return vsa_inet_parse_network (text, &family, bytes, &prefix_len) == VSA_INET_NETWORK_OK;
}

/* A client host: an IPv4/IPv6 address or prefix, or a DNS host name. */
gboolean
vsa_validate_client (const char *client, GError **error)
{
  g_autofree char *shown = NULL;

  if (client && *client && (is_ip_literal (client) || is_host_name (client)))
    return TRUE;
  shown = g_strescape (client ? client : "", NULL);
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "client '%s' is neither an IP address nor a host name", shown);
  return FALSE;
}

/* LVM's own rule for VG and LV names (lvm(8), "VALID NAMES"), and the
 * same alphabet for device-mapper names: no '/', no spaces, quotes or
 * shell metacharacters, so a name is safe on an LVM command line and as
 * a file name under /dev. */
static gboolean
validate_lvm_style_name (const char *what, const char *name, GError **error)
{
  static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+_.-";
  gsize len = name ? strlen (name) : 0;

  if (len == 0 || len > 127)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "%s must be 1 to 127 characters long", what);
      return FALSE;
    }
  if (strspn (name, allowed) != len || name[0] == '-' || g_str_equal (name, ".") ||
      g_str_equal (name, ".."))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s '%s' is not valid: use letters, digits and + _ . - (not first '-', not '.' or '..')",
                   what, name);
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_validate_lv_path (const char *lv, GError **error)
{
  const char *slash = lv ? strchr (lv, '/') : NULL;
  g_autofree char *vg = NULL;

  if (slash == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "logical volume '%s' must be written VG/LV (volume group/logical volume)",
                   lv ? lv : "");
      return FALSE;
    }
  vg = g_strndup (lv, (gsize) (slash - lv));
  return validate_lvm_style_name ("volume group name", vg, error) &&
         validate_lvm_style_name ("logical volume name", slash + 1, error);
}

gboolean
vsa_validate_mapping_name (const char *name, GError **error)
{
  if (!validate_lvm_style_name ("mapping name", name, error))
    return FALSE;
  if (name[0] == '.')
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "mapping name '%s' must not start with '.'", name);
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_validate_keyfile_path (const char *path, GError **error)
{
  g_auto (GStrv) parts = NULL;

  if (path == NULL || !g_path_is_absolute (path) || strlen (path) > 4000)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "keyfile '%s' must be an absolute path", path ? path : "");
      return FALSE;
    }
  for (const char *p = path; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "keyfile path must not contain control characters");
        return FALSE;
      }
  parts = g_strsplit (path, "/", -1);
  for (int i = 0; parts[i]; i++)
    if (g_str_equal (parts[i], ".."))
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "keyfile '%s' must not contain '..'", path);
        return FALSE;
      }
  return TRUE;
}

/* "any" is -1, as libcryptsetup's CRYPT_ANY_TOKEN; an id is written in
 * decimal without leading zeros, so each token has one spelling. */
gboolean
vsa_token_to_id (const char *token, int *ret_id)
{
  guint64 id = 0;

  if (g_strcmp0 (token, VSA_TOKEN_ANY) == 0)
    {
      *ret_id = -1;
      return TRUE;
    }
  if (token == NULL || (token[0] == '0' && token[1] != '\0') ||
      !g_ascii_string_to_unsigned (token, 10, 0, VSA_TOKEN_ID_MAX, &id, NULL))
    return FALSE;
  *ret_id = (int) id;
  return TRUE;
}

gboolean
vsa_validate_token (const char *token, GError **error)
{
  int id;

  if (vsa_token_to_id (token, &id))
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "token '%s' is not valid: use 'any' or a LUKS2 token id 0..%d",
               token ? token : "", VSA_TOKEN_ID_MAX);
  return FALSE;
}

/* sshd runs ForceCommand through the account's shell, so keep it to an
 * absolute program and plain words: nothing a shell would interpret. */
gboolean
vsa_validate_plain_command (const char *text, GError **error)
{
  static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:=+ ";

  if (text[0] != '/' || strspn (text, plain) != strlen (text))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "'%s' must be an absolute program path and plain words "
                   "(letters, digits, / . _ - : = + and spaces)", text);
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_validate_certificate_subject (const char *text, GError **error)
{
  for (const char *p = text; *p; p++)
    if (*p < 0x20 || *p >= 0x7f)
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "a certificate subject is printable ASCII, such as 'O=Example,CN=mysrv'");
        return FALSE;
      }
  return TRUE;
}
