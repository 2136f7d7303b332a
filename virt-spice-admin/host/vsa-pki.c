/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SPICE PKI libvirt hands to qemu (spice_tls_x509_cert_dir): a CA of
 * the host's own and a server certificate for its listen addresses and
 * names, made with GnuTLS (no certtool processes, nothing on a command
 * line), or, when one exists, checked the way a client will check it. */
#include "vsa-pki.h"
#include "vsa-address.h"
#include "vsa-error.h"
#include "vsa-file.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct gnutls_x509_crt_int VsaCrt;
typedef struct gnutls_x509_privkey_int VsaKey;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaCrt, gnutls_x509_crt_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaKey, gnutls_x509_privkey_deinit)

#define DAY_SECONDS (24 * 60 * 60)

static gboolean
gnutls_ok (int rc, const char *what, GError **error)
{
  if (rc >= 0)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot %s: %s", what, gnutls_strerror (rc));
  return FALSE;
}

char *
vsa_pki_path (const char *cert_dir, VsaPkiFile file)
{
  static const char *const names[] = {
    [VSA_PKI_CA_CERT] = "ca-cert.pem",
    [VSA_PKI_SERVER_CERT] = "server-cert.pem",
    [VSA_PKI_SERVER_KEY] = "server-key.pem",
  };
  return g_build_filename (cert_dir, names[file], NULL);
}

static VsaKey *
generate_key (GError **error)
{
  g_autoptr (VsaKey) key = NULL;

  /* ECDSA P-256: what GnuTLS, OpenSSL (spice-server, spice-gtk) and
   * every current TLS stack accept, made in a millisecond. */
  if (!gnutls_ok (gnutls_x509_privkey_init (&key), "make a key", error) ||
      !gnutls_ok (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
                  "make a key", error))
    return NULL;
  return g_steal_pointer (&key);
}

static gboolean
set_common_fields (gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn, guint days,
                   GError **error)
{
  guint8 serial[16];
  time_t now = time (NULL);

  if (!gnutls_ok (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial), "make a serial", error))
    return FALSE;
  serial[0] &= 0x7f; /* a positive INTEGER */
  return gnutls_ok (gnutls_x509_crt_set_version (crt, 3), "make a certificate", error) &&
         gnutls_ok (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "set the serial", error) &&
         gnutls_ok (gnutls_x509_crt_set_activation_time (crt, now - 60 * 60), "set the start", error) &&
         gnutls_ok (gnutls_x509_crt_set_expiration_time (crt, now + (time_t) days * DAY_SECONDS),
                    "set the expiry", error) &&
         gnutls_ok (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen (cn)),
                    "set the subject", error) &&
         gnutls_ok (gnutls_x509_crt_set_key (crt, key), "set the key", error);
}

static gboolean
add_subject_alt_names (gnutls_x509_crt_t crt, const char *const *sans, GError **error)
{
  for (guint i = 0; sans && sans[i]; i++)
    {
      guint8 bytes[16];
      int family;
      int rc;

      if (vsa_inet_parse (sans[i], &family, bytes))
        rc = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, bytes,
                                                   vsa_inet_family_bits (family) / 8,
                                                   GNUTLS_FSAN_APPEND);
      else
        rc = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, sans[i],
                                                   strlen (sans[i]), GNUTLS_FSAN_APPEND);
      if (!gnutls_ok (rc, "add a subject alternative name", error))
        return FALSE;
    }
  return TRUE;
}

static char *
export_crt (gnutls_x509_crt_t crt, GError **error)
{
  gnutls_datum_t out = { NULL, 0 };
  char *pem;

  if (!gnutls_ok (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &out), "write a certificate", error))
    return NULL;
  pem = g_strndup ((const char *) out.data, out.size);
  gnutls_free (out.data);
  return pem;
}

static char *
export_key (gnutls_x509_privkey_t key, GError **error)
{
  gnutls_datum_t out = { NULL, 0 };
  char *pem;

  if (!gnutls_ok (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                     GNUTLS_PKCS_PLAIN, &out),
                  "write a key", error))
    return NULL;
  pem = g_strndup ((const char *) out.data, out.size);
  gnutls_memset (out.data, 0, out.size);
  gnutls_free (out.data);
  return pem;
}

static VsaCrt *
make_ca (gnutls_x509_privkey_t key, const char *host, guint days, GError **error)
{
  g_autoptr (VsaCrt) crt = NULL;
  g_autofree char *cn = g_strdup_printf ("virt-spice-admin CA on %s", host);
  guint8 id[64];
  size_t id_size = sizeof id;

  if (!gnutls_ok (gnutls_x509_crt_init (&crt), "make a certificate", error) ||
      !set_common_fields (crt, key, cn, days, error) ||
      !gnutls_ok (gnutls_x509_crt_set_basic_constraints (crt, 1, 0), "mark the CA", error) ||
      !gnutls_ok (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN),
                  "set the CA's key usage", error) ||
      !gnutls_ok (gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA1, id, &id_size), "hash the key", error) ||
      !gnutls_ok (gnutls_x509_crt_set_subject_key_id (crt, id, id_size), "set the key id", error) ||
      !gnutls_ok (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0),
                  "sign the CA", error))
    return NULL;
  return g_steal_pointer (&crt);
}

static VsaCrt *
make_server (gnutls_x509_privkey_t key, gnutls_x509_crt_t ca, gnutls_x509_privkey_t ca_key,
             const char *cn, const char *const *sans, guint days, GError **error)
{
  g_autoptr (VsaCrt) crt = NULL;
  guint8 id[64];
  size_t id_size = sizeof id;

  if (!gnutls_ok (gnutls_x509_crt_init (&crt), "make a certificate", error) ||
      !set_common_fields (crt, key, cn, days, error) ||
      !gnutls_ok (gnutls_x509_crt_set_basic_constraints (crt, 0, -1), "mark the server certificate", error) ||
      !gnutls_ok (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE),
                  "set the server's key usage", error) ||
      !gnutls_ok (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
                  "set the server's key purpose", error) ||
      !add_subject_alt_names (crt, sans, error) ||
      !gnutls_ok (gnutls_x509_crt_get_key_id (ca, GNUTLS_KEYID_USE_SHA1, id, &id_size), "hash the CA key", error) ||
      !gnutls_ok (gnutls_x509_crt_set_authority_key_id (crt, id, id_size), "set the CA key id", error) ||
      !gnutls_ok (gnutls_x509_crt_sign2 (crt, ca, ca_key, GNUTLS_DIG_SHA256, 0), "sign the server certificate", error))
    return NULL;
  return g_steal_pointer (&crt);
}

gboolean
vsa_pki_create (const VsaPkiRequest *req, GError **error)
{
  g_autoptr (VsaKey) ca_key = generate_key (error);
  g_autoptr (VsaKey) server_key = ca_key ? generate_key (error) : NULL;
  g_autoptr (VsaCrt) ca = server_key ? make_ca (ca_key, req->host, req->days, error) : NULL;
  g_autoptr (VsaCrt) server = NULL;
  g_autofree char *ca_pem = NULL, *server_pem = NULL, *key_pem = NULL, *ca_key_pem = NULL;
  g_autofree char *ca_path = vsa_pki_path (req->cert_dir, VSA_PKI_CA_CERT);
  g_autofree char *cert_path = vsa_pki_path (req->cert_dir, VSA_PKI_SERVER_CERT);
  g_autofree char *key_path = vsa_pki_path (req->cert_dir, VSA_PKI_SERVER_KEY);
  g_autofree char *ca_key_dir = NULL;

  if (ca == NULL)
    return FALSE;
  server = make_server (server_key, ca, ca_key, req->host, (const char *const *) req->sans, req->days, error);
  if (server == NULL || !(ca_pem = export_crt (ca, error)) || !(server_pem = export_crt (server, error)) ||
      !(key_pem = export_key (server_key, error)) || !(ca_key_pem = export_key (ca_key, error)))
    return FALSE;
  ca_key_dir = g_path_get_dirname (req->ca_key_path);
  /* The CA key signs; nothing reads it but a later `setup`: root only, and
   * outside the directory qemu reads. */
  return vsa_dir_ensure (ca_key_dir, 0700, error) &&
         vsa_dir_ensure (req->cert_dir, 0755, error) &&
         vsa_file_write_atomic (req->ca_key_path, ca_key_pem, strlen (ca_key_pem), 0600, error) &&
         vsa_file_write_atomic_owned (key_path, key_pem, strlen (key_pem), 0640, getuid (), req->key_gid, error) &&
         vsa_file_write_atomic (cert_path, server_pem, strlen (server_pem), 0644, error) &&
         vsa_file_write_atomic (ca_path, ca_pem, strlen (ca_pem), 0644, error);
}
