/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* At most this many fields: enough for every target's layout, and a
 * bound on the work one input can ask for. */
#define MAX_FIELDS 64

void
vsa_fuzz_fields_init (VsaFuzzFields *f, const uint8_t *data, size_t size)
{
  GPtrArray *fields = g_ptr_array_new ();
  size_t start = 0;

  for (size_t i = 0; i <= size && fields->len < MAX_FIELDS; i++)
    if (i == size || data[i] == '\0')
      {
        g_ptr_array_add (fields, g_strndup ((const char *) data + start, i - start));
        start = i + 1;
      }
  f->n_fields = fields->len;
  g_ptr_array_add (fields, NULL);
  f->fields = (char **) g_ptr_array_free (fields, FALSE);
  f->next = 0;
}

void
vsa_fuzz_fields_clear (VsaFuzzFields *f)
{
  g_clear_pointer (&f->fields, g_strfreev);
  f->n_fields = f->next = 0;
}

gboolean
vsa_fuzz_fields_done (const VsaFuzzFields *f)
{
  return f->next >= f->n_fields;
}

const char *
vsa_fuzz_fields_next (VsaFuzzFields *f)
{
  return f->next < f->n_fields ? f->fields[f->next++] : "";
}

/* An empty field means "not given" for optional attributes. */
const char *
vsa_fuzz_fields_next_or_null (VsaFuzzFields *f)
{
  const char *field = vsa_fuzz_fields_next (f);

  return *field ? field : NULL;
}

/* Numbers are decimal text, so seeds stay readable; anything else is 0.
 * Out-of-range values are kept: refusing them is the libraries' job. */
gint64
vsa_fuzz_fields_next_int (VsaFuzzFields *f)
{
  return g_ascii_strtoll (vsa_fuzz_fields_next (f), NULL, 10);
}

/* As an int within MIN..MAX, so a port can be out of range (0, 70000)
 * without the number overflowing on the way. */
int
vsa_fuzz_fields_next_clamped (VsaFuzzFields *f, int min, int max)
{
  gint64 value = vsa_fuzz_fields_next_int (f);

  return (int) CLAMP (value, min, max);
}

/* Escaped, so the report shows exactly which bytes broke the rule. */
void
vsa_fuzz_fail (const char *what, const char *text)
{
  g_autofree char *shown = g_strescape (text ? text : "(null)", NULL);

  fprintf (stderr, "fuzz invariant violated: %s\n  in: \"%s\"\n", what, shown);
  abort ();
}

/* Refusals are the normal answer; a refusal must still say something.
 * VSA_FUZZ_VERBOSE=1 prints it (writing seeds: why was this refused?). */
void
vsa_fuzz_check_error (GError *error)
{
  if (error && g_getenv ("VSA_FUZZ_VERBOSE"))
    fprintf (stderr, "refused: %s\n", error->message);
  VSA_FUZZ_ASSERT (error != NULL, "a function failed without setting a GError", NULL);
  VSA_FUZZ_ASSERT (error->message != NULL && error->message[0] != '\0',
                   "a GError without a message", NULL);
}

/* Messages reach libvirt's one-line error and log lines. */
void
vsa_fuzz_check_one_line (const char *what, const char *text)
{
  VSA_FUZZ_ASSERT (strpbrk (text, "\n\r") == NULL, what, text);
}
