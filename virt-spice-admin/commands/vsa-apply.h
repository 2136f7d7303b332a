/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `apply`: converging every VM a manifest names, one edit transaction
 * (one define) per VM over one connection per host, the hosts in parallel
 * (one worker thread each, at most --jobs at a time), then the lock-down
 * bundle of every client host.  A VM or client host that fails is left as
 * it was and reported; the others go on. */
#pragma once

#include <glib.h>

#include "vsa-context.h"
#include "vsa-manifest.h"
#include "vsa-secret.h"

G_BEGIN_DECLS

typedef enum {
  VSA_APPLY_CHANGED,
  VSA_APPLY_UNCHANGED,
  VSA_APPLY_FAILED,
  VSA_APPLY_UNKNOWN,   /* libvirt's reply was lost and the VM could not be read again */
  VSA_APPLY_CHECKED,   /* a client host without --client-dir: rendered, validated, not written */
} VsaApplyOutcome;

/* One VM, or one client host (host NULL, vm its name). */
typedef struct {
  char *host;
  char *vm;
  VsaApplyOutcome outcome;
  char *detail;   /* failed, unknown: the reason; otherwise a summary of what changed, or NULL */
  char *diff;     /* --dry-run: the unified diff of the domain XML, or NULL */
} VsaApplyVmReport;

/* A SASL credential apply generated (--generate-passwords): shown once. */
typedef struct {
  char *host;
  char *vm;
  char *user;
  VsaSecret *password;
} VsaApplyCredential;

typedef struct {
  gboolean prune;              /* drop users and clients the manifest does not list */
  gboolean generate_passwords; /* give new SASL users a generated credential */
  const char *client_dir;      /* client hosts' bundles go to CLIENT_DIR/NAME; NULL: check only */
  guint jobs;                  /* hosts converged at once; 0: one per host, at most 8 */
} VsaApplyOptions;

#define VSA_APPLY_DEFAULT_JOBS_MAX 8

typedef struct {
  GPtrArray *vms;              /* VsaApplyVmReport *, in manifest order */
  GPtrArray *client_hosts;     /* VsaApplyVmReport * (host NULL), in manifest order */
  GPtrArray *tunnels;          /* VsaApplyVmReport * (vm NULL): the sshd side, per host */
  GPtrArray *broker;           /* VsaApplyVmReport * (vm NULL): the console broker's, per host */
  GPtrArray *credentials;      /* VsaApplyCredential * */
  guint changed;
  guint unchanged;
  guint failed;                /* VMs and client hosts alike */
  guint unknown;               /* VMs whose define could not be confirmed */
} VsaApplyReport;

VsaApplyReport *vsa_apply_report_new (void);
void vsa_apply_report_free (VsaApplyReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaApplyReport, vsa_apply_report_free)
const char *vsa_apply_outcome_to_string (VsaApplyOutcome outcome);
void vsa_apply_credential_free (VsaApplyCredential *credential);
void vsa_apply_report_add (VsaApplyReport *report, const char *host, const char *vm,
                           VsaApplyOutcome outcome, char *detail, char *diff);
void vsa_apply_report_failure (VsaApplyReport *report, const char *host, const char *vm,
                               const GError *error);

gboolean vsa_apply_check_manifest (const VsaConfig *config, const VsaManifest *manifest,
                                   const char *what, gboolean allow_wide, GError **error);
void vsa_apply_manifest (VsaContext *ctx, const VsaManifest *manifest,
                         const VsaApplyOptions *opts, VsaApplyReport *report);

G_END_DECLS
