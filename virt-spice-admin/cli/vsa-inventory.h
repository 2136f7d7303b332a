/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every domain on a connection as `status` and `audit` see it: the
 * persistent definition (with secrets), the live one when running, and
 * the policies and console settings read from both. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libxml/tree.h>

#include "vsa-policy.h"
#include "vsa-spice.h"

G_BEGIN_DECLS

typedef struct {
  char *name;
  gboolean running;
  xmlDoc *config_doc;      /* inactive, with secrets */
  xmlDoc *live_doc;        /* NULL when shut off */
  VsaPolicy *policy;       /* from the configuration; NULL: not managed */
  VsaPolicy *live_policy;  /* what the hook will undo at release */
  VsaSpiceInfo spice;      /* from the configuration */
  int live_tls_port;       /* the port qemu listens on; 0 when shut off */
} VsaVmRecord;

void vsa_vm_record_free (VsaVmRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaVmRecord, vsa_vm_record_free)

GPtrArray *vsa_inventory_collect (virConnect *conn, char **only, GError **error);

G_END_DECLS
