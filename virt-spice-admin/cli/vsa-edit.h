/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one way the CLI changes a domain: read the inactive XML (with
 * secrets) and decode its policy once, hand both to the command's
 * transform, write the policy back once (when it changed), then either
 * show the diff (--dry-run) or save the old XML to the state directory and
 * define the new one with validation.  The final policy is what the live
 * update gives a running VM. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <libvirt/libvirt.h>

#include "vsa-context.h"
#include "vsa-file.h"
#include "vsa-policy.h"

G_BEGIN_DECLS

/* The command's change to DOC and to its policy: *POLICY is NULL for a VM
 * that is not managed; a transform may create it (the VM becomes managed). */
typedef gboolean (*VsaEditTransform) (xmlDoc *doc, VsaPolicy **policy, gpointer user_data,
                                      GError **error);

typedef struct {
  VsaLock *lock;        /* this VM, from read to define */
  char *name;
  virConnect *conn;     /* the domain's own connection: where commit defines it */
  char *old_xml;        /* exactly as libvirt returned it: what the backup keeps */
  char *old_canonical;
  char *new_canonical;
  xmlDoc *doc;          /* the new definition, its policy written */
  VsaPolicy *old_policy; /* as read; NULL: the VM was not managed */
  VsaPolicy *policy;    /* as defined; NULL: not managed */
  gboolean changed;
} VsaEdit;

void vsa_edit_free (VsaEdit *edit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaEdit, vsa_edit_free)

VsaEdit *vsa_edit_prepare (VsaContext *ctx, virDomain *dom, VsaEditTransform transform,
                           gpointer user_data, GError **error);
char *vsa_edit_diff (VsaEdit *edit, GError **error);
gboolean vsa_edit_print_diff (VsaContext *ctx, VsaEdit *edit, GError **error);
gboolean vsa_edit_commit (VsaContext *ctx, VsaEdit *edit, GError **error);
VsaEdit *vsa_edit_run (VsaContext *ctx, virDomain *dom, VsaEditTransform transform,
                       gpointer user_data, GError **error);

G_END_DECLS
