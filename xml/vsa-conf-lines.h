/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "KEY = VALUE" files as text (libvirt's qemu.conf, our configuration):
 * read and set scalar keys in place (vsa-conf-lines.c).  Pure: the caller
 * reads and writes the file. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The value of KEY's last active assignment as written (quotes kept), or
 * NULL when the key has none. */
char *vsa_conf_lines_get (const char *text, const char *key);
/* VALUE without its double quotes, if it has them. */
char *vsa_conf_lines_unquote (const char *value);
/* A string value as qemu.conf writes it: "VALUE". */
char *vsa_conf_lines_quote (const char *value);
/* Makes KEY = VALUE (VALUE as written: 1, or a quoted string) the key's
 * last active assignment, editing *TEXT in place.  FALSE when it already
 * was (nothing changed). */
gboolean vsa_conf_lines_set (char **text, const char *key, const char *value);

G_END_DECLS
