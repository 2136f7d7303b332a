/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the libvirt hook will do for one invocation, decided from argv and
 * the domain XML alone: no side effects, so it can be fuzzed and tested
 * without libvirt, devices or firewalls. */
#pragma once

#include <glib.h>

#include "vsa-policy.h"

G_BEGIN_DECLS

typedef enum {
  VSA_HOOK_IGNORE,    /* an operation we have nothing to do for */
  VSA_HOOK_PREPARE,   /* prepare begin: check policy, set things up */
  VSA_HOOK_RELEASE,   /* release end: undo, never fail */
  VSA_HOOK_RECONNECT, /* reconnect begin: re-ensure, never fail */
  VSA_HOOK_FILTER,    /* migrate/restore: print nothing = XML unchanged */
} VsaHookPhase;

typedef struct {
  VsaHookPhase phase;
  gboolean may_refuse;   /* a non-zero exit stops the VM from starting */
  char *domain;
  gboolean managed;
  VsaPolicy *policy;     /* NULL when unmanaged */
  GPtrArray *volumes;    /* VsaVolume *, in metadata order; empty when none or unmanaged */
  GPtrArray *refusals;   /* char *: why the VM must not start */
} VsaHookPlan;

void vsa_hook_plan_free (VsaHookPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaHookPlan, vsa_hook_plan_free)

VsaHookPhase vsa_hook_phase_for (const char *operation, const char *sub_operation,
                                 gboolean *ret_may_refuse);
VsaHookPlan *vsa_hook_plan_build (const char *domain, const char *operation,
                                  const char *sub_operation, const char *xml, gsize len,
                                  const char *persistent_xml, GError **error);
char *vsa_hook_refusal_line (const VsaHookPlan *plan);

G_END_DECLS
