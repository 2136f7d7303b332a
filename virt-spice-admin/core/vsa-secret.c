/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-secret.h"
#include "vsa-error.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#define PASSWORD_LENGTH 24
#define SECRET_LINE_MAX 4096

/* 24 symbols from 62 give 142 bits of entropy, over the 128 asked for,
 * and stay within the SPICE ticket limit of 60 characters. */
static const char alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

VsaSecret *
vsa_secret_generate_password (GError **error)
{
  g_autoptr (VsaSecret) password = g_malloc0 (PASSWORD_LENGTH + 1);
  guint8 byte;
  int filled = 0;

  while (filled < PASSWORD_LENGTH)
    {
      ssize_t n = getrandom (&byte, 1, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n != 1)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                       "cannot read the kernel random generator: %s", g_strerror (errno));
          return NULL;
        }
      /* Rejection sampling: 248 = 4 * 62 keeps every symbol equally likely. */
      if (byte >= 248)
        continue;
      password[filled++] = alphabet[byte % 62];
    }
  explicit_bzero (&byte, sizeof byte);
  return g_steal_pointer (&password);
}

VsaSecret *
vsa_secret_read_line (FILE *stream, const char *what, GError **error)
{
  g_autoptr (VsaSecret) line = g_malloc0 (SECRET_LINE_MAX + 2);
  gsize len;

  if (fgets (line, SECRET_LINE_MAX + 2, stream) == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s: nothing on standard input; pipe it in, e.g. printf '%%s\\n' \"$PW\" | ...", what);
      return NULL;
    }
  len = strlen (line);
  if (len > SECRET_LINE_MAX)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "%s: the line on standard input is longer than %d bytes", what, SECRET_LINE_MAX);
      return NULL;
    }
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    line[--len] = '\0';
  if (len == 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID, "%s: the line on standard input is empty", what);
      return NULL;
    }
  return g_steal_pointer (&line);
}

void
vsa_secret_free (VsaSecret *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}
