/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One CLI invocation: global options, configuration, the libvirt
 * connection (opened on first use) and where output goes.  Tests build
 * one around an in-process test-driver connection. */
#pragma once

#include <glib.h>
#include <stdio.h>
#include <libvirt/libvirt.h>

#include "vsa-config.h"

G_BEGIN_DECLS

typedef struct {
  VsaConfig *config;
  char *config_path;   /* --config */
  char *uri;           /* -c; NULL: $LIBVIRT_DEFAULT_URI, then qemu:///system */
  virConnect *conn;
  gboolean json;
  gboolean dry_run;
  gboolean quiet;
  FILE *out;           /* results */
  FILE *err;           /* notes and warnings (errors are main's job) */
  FILE *in;            /* secrets read with --stdin */
  char *command;       /* the running (sub)command, e.g. "volume attach": for messages */
  gboolean schema_in_process; /* validate definitions here, not in libvirtd, where
                               * vsa-domain-schema.h can: set by commands that define many */
} VsaContext;

VsaContext *vsa_context_new (void);
void vsa_context_free (VsaContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaContext, vsa_context_free)

const char *vsa_context_uri (VsaContext *ctx);
virConnect *vsa_context_connect (VsaContext *ctx, GError **error);
void vsa_context_note (VsaContext *ctx, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
