/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hook's work for one libvirt call, wherever it runs: in the worker
 * the gate execs, or in the resident server (hook-server.c). */
#pragma once

#include <glib.h>

/* vsa_hook_work_run's answer when the work went on in a child. */
#define VSA_HOOK_DETACHED (-1)

/* Called once the work is known to touch devices: FALSE in the process
 * that must return at once (the child goes on and answers), TRUE in the
 * one that goes on.  NULL: all of it here. */
typedef gboolean (*VsaHookDetach) (void);

GByteArray *vsa_hook_work_read_input (int fd);
int vsa_hook_work_run (int argc, char **argv, GByteArray *input, VsaHookDetach detach);
