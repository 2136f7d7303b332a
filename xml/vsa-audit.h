/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Audit findings and the checks that need only a domain's XML.  Each
 * finding has a stable ID (documented in docs/audit.md), a severity, the
 * object it is about and the fix. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vsa-address.h"

G_BEGIN_DECLS

typedef enum {
  VSA_SEVERITY_LOW,
  VSA_SEVERITY_MEDIUM,
  VSA_SEVERITY_HIGH,
} VsaSeverity;

typedef struct {
  const char *id;        /* static: "VSA-C01" */
  VsaSeverity severity;
  char *object;          /* "VM debianx", "file /etc/...", "libvirt" */
  char *message;
  char *fix;
} VsaFinding;

void vsa_finding_free (VsaFinding *finding);
const char *vsa_severity_to_string (VsaSeverity severity);
void vsa_findings_add (GPtrArray *findings, const char *id, VsaSeverity severity,
                       const char *object, const char *fix, const char *format, ...)
  G_GNUC_PRINTF (6, 7);

typedef struct {
  const char *configured_listen;  /* the config's listen address */
  gboolean libvirt_sasl;          /* spice_sasl = 1 in libvirt's qemu.conf */
  GDateTime *now;
  gint64 expiry_warning_seconds;  /* "soon" for a password expiry */
  gboolean firewall;              /* the server firewall is on: clients must be addresses */
  const VsaNetworkBounds *client_networks; /* wider client networks are a finding */
} VsaAuditSettings;

void vsa_audit_domain (const char *name, xmlDoc *doc, const VsaAuditSettings *settings,
                       GPtrArray *findings);

/* VSA-W04 for each access window stored in DOC's metadata that can never
 * open (does not decode, or has no window).  TRUE when one of them is
 * what DECODE_ERROR (the policy decoder's message, or NULL) is about. */
gboolean vsa_audit_stored_windows (const char *name, xmlDoc *doc, GDateTime *now,
                                   const char *decode_error, GPtrArray *findings);

G_END_DECLS
