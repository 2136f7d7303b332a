/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The firewall settings of the configuration (table, log prefix,
 * priority, reject mode): what nft and the kernel accept of them. */
#include "vsa-nft.h"
#include "vsa-choice.h"
#include "vsa-error.h"

#include <string.h>

/* nft identifiers allow more, but a table name also appears in messages
 * and shell commands an administrator copies: keep it plain. */
#define TABLE_NAME_MAX 64
/* The kernel's NF_LOG_PREFIXLEN is 128 including the terminating NUL, and
 * the rule adds a space to separate the prefix from the packet fields. */
#define LOG_PREFIX_MAX 126

static const char *const reject_mode_names[] = {
  [VSA_NFT_REJECT_RESET] = "reset",
  [VSA_NFT_REJECT_DROP] = "drop",
};

gboolean
vsa_nft_validate_table_name (const char *name, GError **error)
{
  gsize len = name ? strlen (name) : 0;
  gboolean plain = len > 0 && len <= TABLE_NAME_MAX &&
                   (g_ascii_isalpha (name[0]) || name[0] == '_');

  for (gsize i = 0; plain && i < len; i++)
    plain = g_ascii_isalnum (name[i]) || name[i] == '_';
  if (!plain)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "firewall table name '%s' is not usable; use 1 to %d letters, digits "
                   "or '_', starting with a letter or '_'", name ? name : "", TABLE_NAME_MAX);
      return FALSE;
    }
  return TRUE;
}

/* The prefix lands inside a double-quoted nft string, which has no
 * escapes: quotes, backslashes and control characters cannot be written. */
gboolean
vsa_nft_validate_log_prefix (const char *prefix, GError **error)
{
  gsize len = prefix ? strlen (prefix) : 0;

  if (len > LOG_PREFIX_MAX)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "firewall log prefix is %" G_GSIZE_FORMAT " bytes long; the kernel keeps at most %d",
                   len, LOG_PREFIX_MAX);
      return FALSE;
    }
  /* '$': nft expands $NAME even in a quoted prefix (the load then fails). */
  for (gsize i = 0; i < len; i++)
    if ((guchar) prefix[i] < 0x20 || prefix[i] == 0x7f || prefix[i] == '"' || prefix[i] == '\\' ||
        prefix[i] == '$')
      {
        g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                     "firewall log prefix must not contain quotes, backslashes, '$' or control characters");
        return FALSE;
      }
  return TRUE;
}

/* Base chain priorities are signed 32-bit in the kernel; anything outside
 * conntrack (-200) .. and far past the usual filter tables is a typo. */
gboolean
vsa_nft_validate_priority (int priority, GError **error)
{
  if (priority < -1000 || priority > 1000)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "firewall priority %d is out of range; use -1000 to 1000 (default %d)",
                   priority, VSA_NFT_PRIORITY_DEFAULT);
      return FALSE;
    }
  return TRUE;
}

gboolean
vsa_nft_reject_mode_from_string (const char *text, VsaNftRejectMode *ret_mode, GError **error)
{
  gsize i;

  if (!VSA_CHOICE_PARSE ("firewall reject mode", text, reject_mode_names, &i, error))
    return FALSE;
  *ret_mode = (VsaNftRejectMode) i;
  return TRUE;
}

const char *
vsa_nft_reject_mode_to_string (VsaNftRejectMode mode)
{
  g_return_val_if_fail ((gsize) mode < G_N_ELEMENTS (reject_mode_names), NULL);
  return reject_mode_names[mode];
}
