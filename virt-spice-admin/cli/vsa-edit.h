/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one way the CLI changes a domain: read the inactive XML (with
 * secrets) and decode its policy once, hand both to the command's
 * transform, write the policy back once (when it changed), then either
 * show the diff (--dry-run) or save the old XML to the state directory and
 * define the new one with validation.  The final policy is what the live
 * update gives a running VM.  A define that fails is checked by reading
 * the domain again (on a new connection when libvirtd went away before it
 * replied): the old definition, the new one, or unknown; never a guess. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <libvirt/libvirt.h>

#include "vsa-context.h"
#include "vsa-file.h"
#include "vsa-policy.h"

G_BEGIN_DECLS

/* The command's change to DOC and to its policy: *POLICY is NULL for a VM
 * that is not managed; a transform may create it (the VM becomes managed).
 * After a define libvirt did not confirm, it runs once more on the domain
 * as read again, to tell whether that is what was asked for: run on its
 * own result it must change nothing (a command's summary of what it did is
 * taken before the commit). */
typedef gboolean (*VsaEditTransform) (xmlDoc *doc, VsaPolicy **policy, gpointer user_data,
                                      GError **error);

typedef enum {
  VSA_DEFINE_UNCHANGED, /* the old definition is in place */
  VSA_DEFINE_CHANGED,   /* the requested one is */
  VSA_DEFINE_UNKNOWN,   /* the domain cannot be read again, or is neither */
} VsaDefineState;

typedef struct {
  VsaLock *lock;        /* this VM, from read to define */
  char *name;
  virConnect *conn;     /* the domain's own connection: where commit defines it */
  virDomain *dom;       /* the domain on CONN: what a live update after commit uses */
  VsaEditTransform transform; /* kept to tell whether a re-read domain is as requested */
  gpointer user_data;
  char *old_xml;        /* exactly as libvirt returned it: what the backup keeps */
  char *old_canonical;
  char *new_canonical;
  xmlDoc *doc;          /* the new definition, its policy written */
  VsaPolicy *old_policy; /* as read; NULL: the VM was not managed */
  VsaPolicy *policy;    /* as defined; NULL: not managed */
  gboolean changed;
  gboolean reply_lost;  /* commit: libvirt did not confirm the define, a re-read did */
  gboolean defined_shut_off; /* commit: libvirt's reply said the domain was not running: its
                              * next start reads the new definition, nothing live to update */
  char *backup;         /* commit: where the old XML was saved */
  gboolean validate;    /* the change needs libvirt's schema check on define */
} VsaEdit;

void vsa_edit_free (VsaEdit *edit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaEdit, vsa_edit_free)

VsaEdit *vsa_edit_prepare (VsaContext *ctx, virDomain *dom, VsaEditTransform transform,
                           gpointer user_data, GError **error);
char *vsa_edit_diff (VsaEdit *edit, GError **error);
gboolean vsa_edit_print_diff (VsaContext *ctx, VsaEdit *edit, GError **error);
gboolean vsa_edit_commit (VsaContext *ctx, VsaEdit *edit, GError **error);
VsaDefineState vsa_edit_recheck (VsaEdit *edit, GError **error);
VsaEdit *vsa_edit_run (VsaContext *ctx, virDomain *dom, VsaEditTransform transform,
                       gpointer user_data, GError **error);

G_END_DECLS
