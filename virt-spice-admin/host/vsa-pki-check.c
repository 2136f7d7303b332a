/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An existing SPICE PKI, checked as a client and qemu will use it: the
 * server certificate is signed by the CA, neither has expired or is about
 * to, it names every address and name clients connect to, its key is the
 * one in server-key.pem, and that key is root:QEMU-GROUP 0640. */
#include "vsa-pki.h"

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>

#include "vsa-address.h"
#include "vsa-file.h"

typedef struct gnutls_x509_crt_int VsaCrt;
typedef struct gnutls_x509_privkey_int VsaKey;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaCrt, gnutls_x509_crt_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaKey, gnutls_x509_privkey_deinit)

guint
vsa_pki_count_present (const char *cert_dir)
{
  guint n = 0;

  for (VsaPkiFile f = 0; f < VSA_PKI_N_FILES; f++)
    {
      g_autofree char *path = vsa_pki_path (cert_dir, f);

      n += g_file_test (path, G_FILE_TEST_EXISTS);
    }
  return n;
}

static gboolean
load_pem (const char *path, gnutls_datum_t *ret, GPtrArray *problems)
{
  char *text = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  if (!vsa_file_read_bounded (path, "PEM file", VSA_FILE_TEXT_MAX, &text, &len, &error))
    {
      g_ptr_array_add (problems, g_strdup (error->message));
      return FALSE;
    }
  ret->data = (unsigned char *) text;
  ret->size = (unsigned int) len;
  return TRUE;
}

static VsaCrt *
load_crt (const char *path, GPtrArray *problems)
{
  gnutls_datum_t pem = { NULL, 0 };
  g_autoptr (VsaCrt) crt = NULL;
  int rc;

  if (!load_pem (path, &pem, problems))
    return NULL;
  rc = gnutls_x509_crt_init (&crt);
  if (rc >= 0)
    rc = gnutls_x509_crt_import (crt, &pem, GNUTLS_X509_FMT_PEM);
  g_free (pem.data);
  if (rc < 0)
    {
      g_ptr_array_add (problems, g_strdup_printf ("%s is not a PEM certificate", path));
      return NULL;
    }
  return g_steal_pointer (&crt);
}

static void
check_dates (gnutls_x509_crt_t crt, const char *path, GPtrArray *problems)
{
  time_t expires = gnutls_x509_crt_get_expiration_time (crt);
  time_t now = time (NULL);
  g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (expires);
  g_autofree char *date = when ? g_date_time_format (when, "%Y-%m-%d") : g_strdup ("?");

  if (expires <= now)
    g_ptr_array_add (problems, g_strdup_printf ("%s expired on %s", path, date));
  else if (expires - now < (time_t) VSA_PKI_WARN_DAYS * 24 * 60 * 60)
    g_ptr_array_add (problems, g_strdup_printf ("%s expires on %s", path, date));
}

static void
check_chain (gnutls_x509_crt_t server, gnutls_x509_crt_t ca, const char *path, GPtrArray *problems)
{
  unsigned int status = 0;

  if (gnutls_x509_crt_verify (server, &ca, 1, 0, &status) < 0 || status != 0)
    g_ptr_array_add (problems, g_strdup_printf ("%s is not signed by the CA beside it", path));
}

static void
check_names (gnutls_x509_crt_t server, const char *path, GStrv sans, GPtrArray *problems)
{
  for (guint i = 0; sans && sans[i]; i++)
    {
      guint8 bytes[16];
      int family;
      gboolean named;

      if (vsa_inet_parse (sans[i], &family, bytes))
        named = gnutls_x509_crt_check_ip (server, bytes, vsa_inet_family_bits (family) / 8, 0);
      else
        named = gnutls_x509_crt_check_hostname2 (server, sans[i], 0);
      if (!named)
        g_ptr_array_add (problems, g_strdup_printf ("%s does not name %s", path, sans[i]));
    }
}

static void
check_key (gnutls_x509_crt_t server, const char *key_path, GPtrArray *problems)
{
  gnutls_datum_t pem = { NULL, 0 };
  g_autoptr (VsaKey) key = NULL;
  guint8 crt_id[64], key_id[64];
  size_t crt_len = sizeof crt_id, key_len = sizeof key_id;
  int rc;

  if (!load_pem (key_path, &pem, problems))
    return;
  rc = gnutls_x509_privkey_init (&key);
  if (rc >= 0)
    rc = gnutls_x509_privkey_import (key, &pem, GNUTLS_X509_FMT_PEM);
  gnutls_memset (pem.data, 0, pem.size);
  g_free (pem.data);
  if (rc < 0 || gnutls_x509_privkey_get_key_id (key, GNUTLS_KEYID_USE_SHA256, key_id, &key_len) < 0 ||
      gnutls_x509_crt_get_key_id (server, GNUTLS_KEYID_USE_SHA256, crt_id, &crt_len) < 0 ||
      key_len != crt_len || memcmp (key_id, crt_id, key_len) != 0)
    g_ptr_array_add (problems, g_strdup_printf ("%s is not the key of the server certificate", key_path));
}

static void
check_key_mode (const char *key_path, gid_t gid, GPtrArray *problems)
{
  struct stat st;
  struct group *gr = getgrgid (gid);

  if (stat (key_path, &st) != 0)
    return;
  if (st.st_uid != 0 || st.st_gid != gid || (st.st_mode & 07137) != 0)
    g_ptr_array_add (problems,
                     g_strdup_printf ("%s is %u:%u %04o; make it root:%s 0640 (chown root:%s; chmod 0640)",
                                      key_path, (guint) st.st_uid, (guint) st.st_gid,
                                      (guint) (st.st_mode & 07777), gr ? gr->gr_name : "?",
                                      gr ? gr->gr_name : "?"));
}

GPtrArray *
vsa_pki_check (const VsaPkiRequest *req)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ca_path = vsa_pki_path (req->cert_dir, VSA_PKI_CA_CERT);
  g_autofree char *cert_path = vsa_pki_path (req->cert_dir, VSA_PKI_SERVER_CERT);
  g_autofree char *key_path = vsa_pki_path (req->cert_dir, VSA_PKI_SERVER_KEY);
  g_autoptr (VsaCrt) ca = load_crt (ca_path, problems);
  g_autoptr (VsaCrt) server = load_crt (cert_path, problems);

  if (ca)
    check_dates (ca, ca_path, problems);
  if (server)
    {
      check_dates (server, cert_path, problems);
      if (ca)
        check_chain (server, ca, cert_path, problems);
      check_names (server, cert_path, req->sans, problems);
      check_key (server, key_path, problems);
    }
  check_key_mode (key_path, req->key_gid, problems);
  return problems;
}
