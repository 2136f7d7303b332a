/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-ssh-key.h"
#include "vsa-error.h"

#include <string.h>

#define BLOB_MAX 8192
#define COMMENT_MAX 200
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384

/* The key data is a sequence of SSH wire-format fields (RFC 4251 §5):
 * each string or mpint is a 32-bit big-endian length, then the bytes. */
typedef struct {
  const guint8 *p;
  gsize left;
} WireReader;

static gboolean
read_string (WireReader *r, const guint8 **ret_data, gsize *ret_len)
{
  guint32 len;

  if (r->left < 4)
    return FALSE;
  len = ((guint32) r->p[0] << 24) | ((guint32) r->p[1] << 16) | ((guint32) r->p[2] << 8) | r->p[3];
  if (len > r->left - 4)
    return FALSE;
  *ret_data = r->p + 4;
  *ret_len = len;
  r->p += 4 + len;
  r->left -= 4 + len;
  return TRUE;
}

static gboolean
read_exact_string (WireReader *r, const char *expected)
{
  const guint8 *data;
  gsize len;

  return read_string (r, &data, &len) && len == strlen (expected) &&
         memcmp (data, expected, len) == 0;
}

static gboolean
read_string_of_length (WireReader *r, gsize expected_len, const guint8 **ret_data)
{
  gsize len;

  return read_string (r, ret_data, &len) && len == expected_len;
}

/* A security key's application string ("ssh:" by default). */
static gboolean
read_application (WireReader *r)
{
  const guint8 *data;
  gsize len;

  return read_string (r, &data, &len) && len > 0 && len <= 255;
}

/* An unsigned mpint in its minimal encoding; returns its size in bits. */
static gboolean
read_positive_mpint (WireReader *r, const guint8 **ret_data, gsize *ret_len, guint *ret_bits)
{
  const guint8 *data;
  gsize len;
  guint top_bits = 0;

  if (!read_string (r, &data, &len) || len == 0 || (data[0] & 0x80) != 0 ||
      (data[0] == 0 && (len == 1 || (data[1] & 0x80) == 0)))
    return FALSE;
  if (data[0] == 0)
    {
      data++;
      len--;
    }
  for (guint8 b = data[0]; b; b >>= 1)
    top_bits++;
  *ret_data = data;
  *ret_len = len;
  *ret_bits = (guint) (len - 1) * 8 + top_bits;
  return TRUE;
}

static gboolean
malformed (const char *type, const char *what, GError **error)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "the %s key data is malformed (%s); copy the .pub file exactly as ssh-keygen wrote it",
               type, what);
  return FALSE;
}

static gboolean
check_ed25519 (WireReader *r, const char *type, GError **error)
{
  const guint8 *point;

  if (!read_string_of_length (r, 32, &point))
    return malformed (type, "the public point is not 32 bytes", error);
  if (g_str_has_prefix (type, "sk-") && !read_application (r))
    return malformed (type, "no security-key application", error);
  return TRUE;
}

static gsize
ecdsa_coordinate_size (const char *curve)
{
  if (g_str_equal (curve, "nistp256"))
    return 32;
  if (g_str_equal (curve, "nistp384"))
    return 48;
  return 66; /* nistp521 */
}

static gboolean
check_ecdsa (WireReader *r, const char *type, GError **error)
{
  const char *curve = strstr (type, "nistp");
  g_autofree char *curve_name = g_strndup (curve, strlen ("nistpNNN"));
  const guint8 *point;

  if (!read_exact_string (r, curve_name))
    return malformed (type, "the curve name does not match the key type", error);
  /* Only the uncompressed form 0x04 || X || Y, as OpenSSH writes it. */
  if (!read_string_of_length (r, 1 + 2 * ecdsa_coordinate_size (curve_name), &point) ||
      point[0] != 0x04)
    return malformed (type, "the public point is not an uncompressed point of that curve", error);
  if (g_str_has_prefix (type, "sk-") && !read_application (r))
    return malformed (type, "no security-key application", error);
  return TRUE;
}

static gboolean
check_rsa (WireReader *r, const char *type, GError **error)
{
  const guint8 *e, *n;
  gsize e_len, n_len;
  guint e_bits, n_bits;

  if (!read_positive_mpint (r, &e, &e_len, &e_bits) || e_bits < 2 || (e[e_len - 1] & 1) == 0)
    return malformed (type, "the public exponent is not an odd number of at least 3", error);
  if (!read_positive_mpint (r, &n, &n_len, &n_bits))
    return malformed (type, "the modulus is not a positive number", error);
  if (n_bits < RSA_MIN_BITS || n_bits > RSA_MAX_BITS)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the ssh-rsa key has %u bits; use %d to %d bits, or better an ssh-ed25519 key",
                   n_bits, RSA_MIN_BITS, RSA_MAX_BITS);
      return FALSE;
    }
  return TRUE;
}

typedef gboolean (*KeyBodyCheck) (WireReader *r, const char *type, GError **error);

/* Key types sshd accepts by default for users (OpenSSH 9: no ssh-dss).
 * Certificates are left out: they need TrustedUserCAKeys, not a key line. */
static const struct {
  const char *type;
  KeyBodyCheck check;
} key_types[] = {
  { "ssh-ed25519", check_ed25519 },
  { "ecdsa-sha2-nistp256", check_ecdsa },
  { "ecdsa-sha2-nistp384", check_ecdsa },
  { "ecdsa-sha2-nistp521", check_ecdsa },
  { "ssh-rsa", check_rsa },
  { "sk-ssh-ed25519@openssh.com", check_ed25519 },
  { "sk-ecdsa-sha2-nistp256@openssh.com", check_ecdsa },
};

#define SUPPORTED_TYPES \
  "ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa, sk-ssh-ed25519@openssh.com, " \
  "sk-ecdsa-sha2-nistp256@openssh.com"

static KeyBodyCheck
find_key_type (const char *type)
{
  for (gsize i = 0; i < G_N_ELEMENTS (key_types); i++)
    if (g_strcmp0 (type, key_types[i].type) == 0)
      return key_types[i].check;
  return NULL;
}

/* authorized_keys options before the key type (restrict, from="...",
 * command="..."): the renderer writes the options, never the user. */
static gboolean
looks_like_options (const char *field)
{
  return strpbrk (field, "=,\"") != NULL || g_str_equal (field, "restrict") ||
         g_str_has_prefix (field, "no-") || g_str_equal (field, "cert-authority");
}

static gboolean
validate_type (const char *type, GError **error)
{
  if (type != NULL && find_key_type (type) != NULL)
    return TRUE;
  if (type != NULL && looks_like_options (type))
    g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                 "the key starts with authorized_keys options ('%.40s'); give the bare public "
                 "key (TYPE BASE64 [COMMENT]): virt-spice-admin writes the options itself", type);
  else if (type != NULL && strstr (type, "-cert-") != NULL)
    g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                 "'%.60s' is a certificate; give the plain public key", type);
  else
    g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                 "key type '%.60s' is not supported; use one of " SUPPORTED_TYPES,
                 type ? type : "");
  return FALSE;
}

/* Strict base64 (RFC 4648 §4): the alphabet, padding only at the end,
 * and the canonical encoding of what it decodes to. */
static guint8 *
decode_base64_strictly (const char *text, gsize *ret_len)
{
  gsize len = strlen (text);
  gsize body = strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
  g_autofree guint8 *data = NULL;
  g_autofree char *again = NULL;

  if (len == 0 || len % 4 != 0 || len > BLOB_MAX || len - body > 2 ||
      strspn (text + body, "=") != len - body)
    return NULL;
  data = g_base64_decode (text, ret_len);
  again = g_base64_encode (data, *ret_len);
  if (g_strcmp0 (again, text) != 0)
    return NULL;
  return g_steal_pointer (&data);
}

static gboolean
validate_blob (const char *type, const char *blob, GError **error)
{
  gsize len = 0;
  g_autofree guint8 *data = blob ? decode_base64_strictly (blob, &len) : NULL;
  WireReader r = { data, len };
  const guint8 *embedded;
  gsize embedded_len;
  g_autofree char *embedded_type = NULL;

  if (data == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the key data is not valid base64 (at most %d characters)", BLOB_MAX);
      return FALSE;
    }
  if (!read_string (&r, &embedded, &embedded_len) || embedded_len > 64)
    return malformed (type, "no key type inside", error);
  embedded_type = g_strndup ((const char *) embedded, embedded_len);
  if (!g_str_equal (embedded_type, type))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the key data is a '%s' key but the line says '%s'; copy the .pub file "
                   "exactly as ssh-keygen wrote it", g_strcanon (embedded_type,
                   "abcdefghijklmnopqrstuvwxyz0123456789-@.", '?'), type);
      return FALSE;
    }
  if (!find_key_type (type) (&r, type, error))
    return FALSE;
  if (r.left != 0)
    return malformed (type, "extra bytes after the key", error);
  return TRUE;
}

/* The comment ends up at the end of an authorized_keys line: one line of
 * printable text without quotes or backslashes. */
static gboolean
validate_comment (const char *comment, GError **error)
{
  if (comment == NULL)
    return TRUE;
  if (*comment == '\0' || strlen (comment) > COMMENT_MAX || !g_utf8_validate (comment, -1, NULL))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "the key comment must be 1 to %d characters of UTF-8 text", COMMENT_MAX);
      return FALSE;
    }
  for (const char *p = comment; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f || *p == '"' || *p == '\'' || *p == '\\')
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "the key comment must not contain control characters, quotes or "
                     "backslashes; edit the comment after the key data");
        return FALSE;
      }
  return TRUE;
}

gboolean
vsa_ssh_key_validate (const char *type, const char *blob, const char *comment, GError **error)
{
  return validate_type (type, error) && validate_blob (type, blob, error) &&
         validate_comment (comment, error);
}

VsaSshKey *
vsa_ssh_key_new (const char *type, const char *blob, const char *comment)
{
  VsaSshKey *key = g_new0 (VsaSshKey, 1);

  key->type = g_strdup (type);
  key->blob = g_strdup (blob);
  key->comment = g_strdup (comment);
  return key;
}

void
vsa_ssh_key_free (VsaSshKey *key)
{
  if (key == NULL)
    return;
  g_free (key->type);
  g_free (key->blob);
  g_free (key->comment);
  g_free (key);
}

static gboolean
is_blank_or_comment (const char *line)
{
  const char *p = line + strspn (line, " \t");

  return *p == '\0' || *p == '#';
}

/* The one key line of a .pub file; blank and '#' lines around it are allowed. */
static char *
find_single_key_line (const char *text, gsize len, GError **error)
{
  g_auto (GStrv) lines = NULL;
  const char *found = NULL;

  if (len == 0 || len > VSA_SSH_KEY_FILE_MAX || memchr (text, '\0', len) != NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "a public key file holds one line of text of at most %d bytes",
                   VSA_SSH_KEY_FILE_MAX);
      return NULL;
    }
  if (g_strstr_len (text, (gssize) len, "PRIVATE KEY-----") != NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "this is a private key; give the public key (the .pub file) and keep the "
                   "private key with its owner");
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_strchomp (lines[i]); /* also a CR of a CRLF file */
      if (is_blank_or_comment (lines[i]))
        continue;
      if (found != NULL)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "more than one key; give one public key per tunnel");
          return NULL;
        }
      found = lines[i];
    }
  if (found == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "no public key in it");
      return NULL;
    }
  return g_strdup (found);
}

/* "TYPE BASE64 [COMMENT...]" as ssh-keygen writes it; fields are split
 * on spaces and tabs, the comment is the rest of the line. */
VsaSshKey *
vsa_ssh_key_parse (const char *text, gsize len, GError **error)
{
  g_autofree char *line = find_single_key_line (text, len, error);
  char *type, *blob, *comment;

  if (line == NULL)
    return NULL;
  type = line + strspn (line, " \t");
  blob = type + strcspn (type, " \t");
  if (*blob != '\0')
    *blob++ = '\0';
  blob += strspn (blob, " \t");
  comment = blob + strcspn (blob, " \t");
  if (*comment != '\0')
    *comment++ = '\0';
  comment += strspn (comment, " \t");
  if (!vsa_ssh_key_validate (type, blob, *comment ? comment : NULL, error))
    return NULL;
  return vsa_ssh_key_new (type, blob, *comment ? comment : NULL);
}

char *
vsa_ssh_key_to_line (const VsaSshKey *key)
{
  return g_strjoin (" ", key->type, key->blob, key->comment, NULL);
}

/* The same key whatever its comment. */
gboolean
vsa_ssh_key_same (const VsaSshKey *a, const VsaSshKey *b)
{
  return g_str_equal (a->type, b->type) && g_str_equal (a->blob, b->blob);
}
