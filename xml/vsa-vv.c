/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-vv.h"

#include <string.h>

/* TLS only: no plain port, every channel encrypted.  The comment may not
 * hold a line break (it would end the comment). */
char *
vsa_vv_render (const VsaVvFile *vv)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  static const char group[] = "virt-viewer";
  g_autofree char *text = NULL;

  g_key_file_set_string (kf, group, "type", "spice");
  g_key_file_set_string (kf, group, "title", vv->title);
  g_key_file_set_string (kf, group, "host", vv->host);
  g_key_file_set_integer (kf, group, "tls-port", vv->tls_port);
  g_key_file_set_string (kf, group, "secure-channels", "all");
  if (vv->host_subject)
    g_key_file_set_string (kf, group, "host-subject", vv->host_subject);
  if (vv->ca_pem)
    g_key_file_set_string (kf, group, "ca", vv->ca_pem);
  if (vv->username)
    g_key_file_set_string (kf, group, "username", vv->username);
  if (vv->password)
    g_key_file_set_string (kf, group, "password", vv->password);
  if (vv->delete_this_file)
    g_key_file_set_integer (kf, group, "delete-this-file", 1);
  text = g_key_file_to_data (kf, NULL, NULL);
  /* GKeyFile escapes the values (line breaks, leading blanks): what the
   * renderer was given cannot turn into another key. */
  return vv->comment ? g_strdup_printf ("# %s\n%s", vv->comment, text) : g_steal_pointer (&text);
}
