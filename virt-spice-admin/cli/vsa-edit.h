/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one way the CLI changes a domain: read the inactive XML, transform
 * it in memory, then either show the diff (--dry-run) or save the old XML
 * to the state directory and define the new one with validation. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <libvirt/libvirt.h>

#include "vsa-context.h"
#include "vsa-file.h"

G_BEGIN_DECLS

typedef gboolean (*VsaDomainTransform) (xmlDoc *doc, gpointer user_data, GError **error);

typedef struct {
  VsaLock *lock;        /* this VM, from read to define */
  char *name;
  virConnect *conn;     /* the domain's own connection: where commit defines it */
  char *old_xml;        /* exactly as libvirt returned it: what the backup keeps */
  char *old_canonical;
  char *new_canonical;
  gboolean changed;
} VsaEdit;

void vsa_edit_free (VsaEdit *edit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaEdit, vsa_edit_free)

VsaEdit *vsa_edit_prepare (VsaContext *ctx, virDomain *dom, VsaDomainTransform transform,
                           gpointer user_data, GError **error);
char *vsa_edit_diff (VsaEdit *edit, GError **error);
gboolean vsa_edit_print_diff (VsaContext *ctx, VsaEdit *edit, GError **error);
gboolean vsa_edit_commit (VsaContext *ctx, VsaEdit *edit, GError **error);
gboolean vsa_domain_edit (VsaContext *ctx, virDomain *dom, VsaDomainTransform transform,
                          gpointer user_data, gboolean *ret_changed, GError **error);

G_END_DECLS
