/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's qemu.conf, read the way libvirt does for the few scalar keys
 * we care about (spice_tls, spice_sasl, spice_*_dir): KEY = VALUE, '#'
 * comments, strings in double quotes; the last assignment wins. */
#include "vsa-libvirt-conf.h"
#include "vsa-conf-lines.h"
#include "vsa-file.h"

/* NULL when the file or the key is absent.  The same reader as `setup`'s
 * in-place editor (xml/vsa-conf-lines.c), so both see one value. */
char *
vsa_libvirt_conf_value (const char *path, const char *key)
{
  g_autofree char *text = NULL;
  g_autofree char *value = NULL;

  if (!vsa_file_read_bounded (path, "libvirt configuration", VSA_FILE_TEXT_MAX, &text, NULL, NULL))
    return NULL;
  value = vsa_conf_lines_get (text, key);
  return value ? vsa_conf_lines_unquote (value) : NULL;
}
