/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy a client host needs, as the server exports it: which VMs
 * exist, where their consoles listen, who may open them from which
 * client, and the CA that signs the server certificate.  One XML document
 * (schema: vsa-client-policy.rng), parsed and validated here without I/O:
 * the client side trusts nothing in it that it has not checked. */
#pragma once

#include <glib.h>

#include "vsa-policy.h"

G_BEGIN_DECLS

#define VSA_CLIENT_POLICY_NS "http://virt-spice-admin.org/xmlns/client-policy/1.0"

/* Bounds of the transported CA bundle: a few certificates, no more. */
#define VSA_CLIENT_CA_MAX 65536

typedef struct {
  char *name;
  char *address;      /* canonical IPv4/IPv6 literal the console listens on */
  int tls_port;
  char *password;     /* password mode with --include-passwords only, else NULL */
  VsaPolicy *policy;  /* auth mode, users and the clients they connect from */
  /* The console broker of the VM's server: its users with broker="yes"
   * run `ssh USER@BROKER_HOST -p BROKER_PORT console VM`, sshd's host key
   * pinned.  Each VM names its own, so one policy reaches the brokers of
   * several servers (apply's client bundles).  0 and NULL: no broker. */
  char *broker_host;     /* the server's name, which its broker also puts in the .vv */
  int broker_port;
  char *broker_host_key; /* "TYPE BASE64" */
} VsaClientVm;

typedef struct {
  char *server_name;    /* host name or address clients connect to; NULL: each VM's address */
  char *server_subject; /* certificate subject for remote-viewer's host-subject, or NULL */
  char *time_zone;      /* zone the access windows are meant in (the server's
                         * time-zone key), or NULL: the client's own zone */
  char *ca_pem;         /* PEM CA certificate(s) */
  GPtrArray *vms;       /* VsaClientVm *, in document order */
} VsaClientPolicy;

/* One (user, VM) pair a client host must allow. */
typedef struct {
  const char *user;
  const VsaClientVm *vm;
} VsaClientGrant;

VsaClientPolicy *vsa_client_policy_new (void);
void vsa_client_policy_free (VsaClientPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaClientPolicy, vsa_client_policy_free)

VsaClientVm *vsa_client_vm_new (const char *name, const char *address, int tls_port,
                                VsaAuthMode auth);
void vsa_client_vm_free (VsaClientVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaClientVm, vsa_client_vm_free)
void vsa_client_policy_add_vm (VsaClientPolicy *policy, VsaClientVm *vm);
void vsa_client_vm_set_broker (VsaClientVm *vm, const char *host, int port, const char *host_key);

char *vsa_inet_canonical (const char *text, int *ret_family);
gboolean vsa_validate_ca_pem (const char *pem, GError **error);
gboolean vsa_client_policy_validate (const VsaClientPolicy *policy, GError **error);
gboolean vsa_client_validate_broker (const char *host, int port, const char *host_key,
                                     GError **error);

gboolean vsa_client_grant_uses_broker (const VsaClientGrant *grant);
const char *vsa_client_vm_host (const VsaClientPolicy *policy, const VsaClientVm *vm);
gboolean vsa_client_matches (const char *a, const char *b);
GArray *vsa_client_policy_grants (const VsaClientPolicy *policy, const char *client);
GPtrArray *vsa_client_policy_users (GArray *grants);
int vsa_compare_strings (gconstpointer a, gconstpointer b);

char *vsa_client_policy_to_xml (const VsaClientPolicy *policy);
VsaClientPolicy *vsa_client_policy_from_xml (const char *text, gsize len, const char *what,
                                             GError **error);

G_END_DECLS
