/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* remote-viewer connection files (.vv), rendered as the GKeyFile that
 * virt-viewer reads.  Pure: no I/O. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *comment;        /* optional first line, "# " added */
  const char *title;
  const char *host;
  int tls_port;
  const char *host_subject;   /* NULL: remote-viewer checks the host name */
  const char *ca_pem;         /* the CA certificate, inlined */
  const char *username;       /* sasl mode */
  const char *password;       /* password mode, only when asked */
  gboolean delete_this_file;  /* one-time files (tickets) */
} VsaVvFile;

char *vsa_vv_render (const VsaVvFile *vv);

G_END_DECLS
