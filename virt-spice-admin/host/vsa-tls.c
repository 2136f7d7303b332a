/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-tls.h"
#include "vsa-error.h"
#include "vsa-file.h"

#include <gnutls/x509.h>

/* gnutls_x509_crt_t is a pointer typedef; name the struct for g_autoptr. */
typedef struct gnutls_x509_crt_int VsaX509Crt;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaX509Crt, gnutls_x509_crt_deinit)

/* remote-viewer's host-subject: spice-gtk compares it RDN by RDN with the
 * certificate's subject in certificate order, which GnuTLS gives with
 * GNUTLS_X509_DN_FLAG_COMPAT (plain RFC 4514 reverses it). */
char *
vsa_tls_subject_for_spice (const char *pem_path, GError **error)
{
  g_autofree char *pem = NULL;
  gsize len = 0;
  g_autoptr (VsaX509Crt) crt = NULL;
  gnutls_datum_t data, dn = { NULL, 0 };
  g_autoptr (GError) local_error = NULL;
  char *subject;
  int rc;

  if (!vsa_file_read_bounded (pem_path, "the server certificate", VSA_FILE_TEXT_MAX, &pem, &len,
                              &local_error))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG, "%s", local_error->message);
      return NULL;
    }
  data.data = (unsigned char *) pem;
  data.size = (unsigned int) len;
  if ((rc = gnutls_x509_crt_init (&crt)) < 0 ||
      (rc = gnutls_x509_crt_import (crt, &data, GNUTLS_X509_FMT_PEM)) < 0 ||
      (rc = gnutls_x509_crt_get_dn3 (crt, &dn, GNUTLS_X509_DN_FLAG_COMPAT)) < 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
                   "cannot read the subject of the server certificate %s: %s", pem_path,
                   gnutls_strerror (rc));
      return NULL;
    }
  subject = g_strndup ((const char *) dn.data, dn.size);
  gnutls_free (dn.data);
  return subject;
}
