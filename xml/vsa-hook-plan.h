/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the libvirt hook will do for one invocation, decided from argv and
 * the domain XML alone: no side effects, so it can be fuzzed and tested
 * without libvirt, devices or firewalls. */
#pragma once

#include <glib.h>

#include "vsa-hook-table.h"
#include "vsa-policy.h"

G_BEGIN_DECLS

typedef struct {
  VsaHookPhase phase;
  gboolean may_refuse;   /* a non-zero exit stops the VM from starting */
  gboolean to_judge;     /* a phase that acts, on input that may carry our policy */
  char *domain;
  gboolean managed;
  VsaPolicy *policy;     /* NULL when unmanaged */
  int tls_port;          /* SPICE tlsPort of a managed domain; 0 none, -1 autoport */
  GPtrArray *volumes;    /* VsaVolume *, in metadata order; empty when none or unmanaged */
  GPtrArray *refusals;   /* char *: why the VM must not start */
} VsaHookPlan;

void vsa_hook_plan_free (VsaHookPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaHookPlan, vsa_hook_plan_free)

gboolean vsa_hook_input_may_be_managed (const char *input, gsize len);
VsaHookPlan *vsa_hook_plan_new (const char *domain, const char *operation,
                                const char *sub_operation, const char *xml, gsize len);
gboolean vsa_hook_plan_judge (VsaHookPlan *plan, const char *xml, gsize len,
                              const char *persistent_xml, GError **error);
VsaHookPlan *vsa_hook_plan_build (const char *domain, const char *operation,
                                  const char *sub_operation, const char *xml, gsize len,
                                  const char *persistent_xml, GError **error);
char *vsa_hook_refusal_reason (const VsaHookPlan *plan);
char *vsa_hook_refusal_line (const VsaHookPlan *plan);
char *vsa_hook_refusal_line_for (const char *domain, const char *reason);

G_END_DECLS
