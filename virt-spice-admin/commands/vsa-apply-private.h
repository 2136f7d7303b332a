/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Between apply's parts: one VM (vsa-apply.c), the hosts and their
 * workers (vsa-apply-hosts.c), the client hosts (vsa-apply-clients.c). */
#pragma once

#include <libvirt/libvirt.h>
#include <libxml/tree.h>

#include "vsa-apply.h"

G_BEGIN_DECLS

/* A managed console of a host as its client hosts must see it: a VM of
 * the manifest as apply left it (or would leave it, with --dry-run),
 * any other as it is. */
typedef struct {
  char *name;
  VsaPolicy *policy;
  char *listen;
  int tls_port;
  xmlDoc *doc;        /* its persistent definition (a copy) */
} VsaApplyConsole;

VsaApplyConsole *vsa_apply_console_new (const char *name, const VsaPolicy *policy,
                                        const char *listen, int tls_port, xmlDoc *doc);
void vsa_apply_console_free (VsaApplyConsole *console);

void vsa_apply_report_row (GPtrArray *rows, VsaApplyReport *report, const char *host,
                           const char *name, VsaApplyOutcome outcome, char *detail, char *diff);
void vsa_apply_report_merge (VsaApplyReport *into, VsaApplyReport *from);

/* One VM over CONN; adds its row to REPORT and its console to CONSOLES. */
gboolean vsa_apply_vm (VsaContext *ctx, virConnect *conn, const char *host,
                       const VsaManifestVm *vm, const VsaApplyOptions *opts,
                       GHashTable *host_ports, GHashTable *host_domains,
                       VsaApplyReport *report, GPtrArray *consoles, GError **error);

/* Every host, in parallel; RET_CONSOLES gets, per host in manifest order,
 * a GPtrArray of VsaApplyConsole * (NULL when the host could not be read). */
void vsa_apply_hosts (VsaContext *ctx, const VsaManifest *manifest, const VsaApplyOptions *opts,
                      VsaApplyReport *report, GPtrArray *ret_consoles);

/* A part of apply that lives in this machine's sshd. */
typedef struct {
  GPtrArray *rows;           /* its rows in the report */
  const char *install;       /* the command that installs it on a host ("tunnel install") */
  const char *render;        /* the command that shows its files ("tunnel render") */
  const char *what;          /* "the tunnels", in a failed row */
  const char *drop_in_name;  /* its sshd drop-in: there to be emptied when nothing wants it */
  gboolean (*wanted) (GPtrArray *consoles);  /* VsaApplyConsole * of a host, or NULL */
  /* Renders from DOCS (xmlDoc *), checks, installs unless --dry-run. */
  VsaApplyOutcome (*converge) (VsaContext *ctx, GPtrArray *docs, char **ret_detail,
                               GError **error);
} VsaApplySshdPart;

/* The server HOST's URI names: "" for this machine, NULL for libvirt's
 * test driver (no machine at all). */
char *vsa_apply_host_server (VsaContext *ctx, const VsaManifestHost *host);

/* PART for the manifest's hosts whose sshd is this machine's, from their
 * CONSOLES, one row; a checked row for every other host whose consoles
 * want it; a failed row when a host here could not be read. */
void vsa_apply_sshd_part (VsaContext *ctx, const VsaManifest *manifest, GPtrArray *consoles,
                          const VsaApplySshdPart *part, VsaApplyReport *report);

/* The sshd side of the tunnels of the hosts on this machine. */
void vsa_apply_tunnels (VsaContext *ctx, const VsaManifest *manifest, GPtrArray *consoles,
                        VsaApplyReport *report);

/* The console broker's sshd side and units, for the hosts on this machine. */
void vsa_apply_broker (VsaContext *ctx, const VsaManifest *manifest, GPtrArray *consoles,
                       VsaApplyReport *report);

void vsa_apply_client_hosts (VsaContext *ctx, const VsaManifest *manifest,
                             const VsaApplyOptions *opts, GPtrArray *consoles,
                             VsaApplyReport *report);

G_END_DECLS
