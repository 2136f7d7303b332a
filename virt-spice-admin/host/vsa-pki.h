/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's SPICE PKI in libvirt's spice_tls_x509_cert_dir: made
 * (vsa-pki.c) or checked (vsa-pki-check.c). */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef enum {
  VSA_PKI_CA_CERT,
  VSA_PKI_SERVER_CERT,
  VSA_PKI_SERVER_KEY,
  VSA_PKI_N_FILES,
} VsaPkiFile;

/* How long a new CA and server certificate are valid (ten years: the CA
 * lives as long as the host; `setup` warns a month before expiry). */
#define VSA_PKI_DAYS 3650
/* `setup` and audit warn when a certificate expires within this. */
#define VSA_PKI_WARN_DAYS 30

typedef struct {
  const char *cert_dir;    /* gets ca-cert.pem, server-cert.pem, server-key.pem */
  const char *ca_key_path; /* the CA's key: root only, outside cert_dir */
  const char *host;        /* the server certificate's CN */
  GStrv sans;              /* IP addresses and DNS names */
  gid_t key_gid;           /* server-key.pem is root:key_gid 0640 */
  guint days;
} VsaPkiRequest;

char *vsa_pki_path (const char *cert_dir, VsaPkiFile file);
/* Which of the three files exist: 0, VSA_PKI_N_FILES, or in between. */
guint vsa_pki_count_present (const char *cert_dir);
gboolean vsa_pki_create (const VsaPkiRequest *req, GError **error);
/* What is wrong with the PKI in REQ->cert_dir for REQ (chain, expiry,
 * names, key match, key mode), one sentence each; empty when nothing. */
GPtrArray *vsa_pki_check (const VsaPkiRequest *req);

G_END_DECLS
