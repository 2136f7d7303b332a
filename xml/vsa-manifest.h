/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manifest `apply` converges to (schema: vsa-manifest.rng): libvirt
 * hosts with the consoles of their VMs, and client hosts.  Parsed from a
 * buffer, validated against the embedded schema and then semantically
 * (names, duplicates, references); every error names FILE:LINE. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vsa-policy.h"

G_BEGIN_DECLS

#define VSA_MANIFEST_NS "http://virt-spice-admin.org/xmlns/manifest/1.0"

typedef struct {
  char *name;
  char *value;
} VsaManifestEnv;

/* An encrypted volume; keyfile NULL: the default under key-dir. */
typedef struct {
  VsaVolume *volume;
  char *target;       /* NULL: the first free vdX */
} VsaManifestVolume;

typedef struct {
  char *user;
  char *ssh_key;      /* checked with vsa_ssh_key_parse */
  char *from;         /* NULL: from anywhere */
  long line;
} VsaManifestTunnel;

typedef struct {
  char *name;
  long line;
  VsaAuthMode auth;
  char *listen;             /* NULL: keep a specific address, else the configured one */
  int tls_port;             /* 0: auto */
  gboolean replace_vnc;
  char *compression;        /* NULL: leave alone */
  char *password_valid_for; /* NULL: new passwords do not expire */
  char *password_connected; /* NULL: leave alone */
  GPtrArray *access;        /* VsaAccess *: users and their clients */
  GPtrArray *broker_users;  /* VsaBrokerUser *: users given ssh-key= or take-over= */
  GPtrArray *tunnels;       /* VsaManifestTunnel * */
  GPtrArray *volumes;       /* VsaManifestVolume * */
  GPtrArray *qemu_env;      /* VsaManifestEnv * */
  GPtrArray *qemu_args;     /* GStrv: runs of arguments */
} VsaManifestVm;

typedef struct {
  char *name;
  char *uri;                /* NULL: the command line's URI */
  long line;
  GPtrArray *vms;           /* VsaManifestVm * */
  /* <broker>: the host's console broker as clients reach it; NULL when
   * not given (a host on this machine: from the configuration). */
  char *broker_host;        /* NULL: the URI's server */
  int broker_port;          /* 22 unless given */
  char *broker_host_key;    /* "TYPE BASE64", checked */
} VsaManifestHost;

typedef struct {
  char *name;
  char *address;
  char *rules;              /* "nft" or "iptables" */
  long line;
  GPtrArray *users;         /* char * */
  GHashTable *uids;         /* user -> uid on that host (GUINT_TO_POINTER), for those given */
} VsaManifestClientHost;

typedef struct {
  GPtrArray *hosts;         /* VsaManifestHost * */
  GPtrArray *client_hosts;  /* VsaManifestClientHost * */
} VsaManifest;

VsaManifest *vsa_manifest_new (void);
void vsa_manifest_free (VsaManifest *manifest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaManifest, vsa_manifest_free)
VsaManifestHost *vsa_manifest_host_new (void);
void vsa_manifest_host_free (VsaManifestHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaManifestHost, vsa_manifest_host_free)
VsaManifestVm *vsa_manifest_vm_new (void);
void vsa_manifest_vm_free (VsaManifestVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaManifestVm, vsa_manifest_vm_free)
VsaManifestClientHost *vsa_manifest_client_host_new (void);
void vsa_manifest_client_host_free (VsaManifestClientHost *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaManifestClientHost, vsa_manifest_client_host_free)
void vsa_manifest_volume_free (VsaManifestVolume *volume);

/* Parses and checks TEXT (WHAT names it in messages): vsa-manifest-parse.c. */

VsaManifest *vsa_manifest_parse (const char *text, gsize len, const char *what, GError **error);
const char *vsa_manifest_schema (void);
guint vsa_manifest_count_vms (const VsaManifest *manifest);

G_END_DECLS
