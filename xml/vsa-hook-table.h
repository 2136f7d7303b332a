/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which libvirt hook calls matter, and which may refuse a start.  Plain C,
 * no GLib: the hook gate links this alone. */
#pragma once

typedef enum {
  VSA_HOOK_IGNORE,    /* an operation we have nothing to do for */
  VSA_HOOK_PREPARE,   /* prepare begin: check policy, set things up */
  VSA_HOOK_RELEASE,   /* release end: undo, never fail */
  VSA_HOOK_RECONNECT, /* reconnect begin: re-ensure, never fail */
  VSA_HOOK_FILTER,    /* migrate/restore: print nothing = XML unchanged */
} VsaHookPhase;

/* The gate tells the worker, in this environment variable, the descriptor
 * on which to send its exit status (one byte) before it exits. */
#define VSA_HOOK_STATUS_ENV "VIRT_SPICE_ADMIN_HOOK_STATUS_FD"

VsaHookPhase vsa_hook_phase_for (const char *operation, const char *sub_operation,
                                 int *ret_may_refuse);
