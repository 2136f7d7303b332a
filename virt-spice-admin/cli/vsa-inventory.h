/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one walk over every domain of a connection: the persistent
 * definition, the live one when running, and the policies and console
 * settings read from them.  status, audit, firewall, tunnel render, volume
 * list, export and the ports-in-use check all see the domains through it. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libxml/tree.h>

#include "vsa-policy.h"
#include "vsa-spice.h"

G_BEGIN_DECLS

typedef enum {
  VSA_INVENTORY_SECRETS = 1 << 0,     /* the definitions with their passwords */
  VSA_INVENTORY_LIVE = 1 << 1,        /* a running domain's live XML too */
  VSA_INVENTORY_RUNNING_ONLY = 1 << 2, /* running domains, their live XML only */
  VSA_INVENTORY_BEST_EFFORT = 1 << 3, /* keep a domain that cannot be read, with why */
} VsaInventoryFlags;

typedef struct {
  char *name;
  virDomain *dom;          /* the handle listed or looked up (it carries the id) */
  gboolean running;
  xmlDoc *config_doc;      /* inactive; NULL with RUNNING_ONLY */
  xmlDoc *live_doc;        /* NULL when shut off or not asked for */
  VsaPolicy *policy;       /* from the configuration; NULL: not managed */
  VsaPolicy *live_policy;  /* what the hook will undo at release */
  VsaSpiceInfo spice;      /* from the configuration */
  int live_tls_port;       /* the port qemu listens on; 0 when shut off */
  char *unreadable;        /* BEST_EFFORT: why the record is incomplete (its XML or
                            * metadata cannot be read); NULL when whole */
} VsaVmRecord;

void vsa_vm_record_free (VsaVmRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaVmRecord, vsa_vm_record_free)

GPtrArray *vsa_inventory_collect (virConnect *conn, char **only, VsaInventoryFlags flags,
                                  GError **error);
GPtrArray *vsa_inventory_collect_except (virConnect *conn, GHashTable *known,
                                         VsaInventoryFlags flags, GError **error);
guint vsa_inventory_count_unreadable (GPtrArray *records, char **ret_names);
GHashTable *vsa_inventory_ports_in_use (virConnect *conn, const char *except,
                                        GHashTable **ret_domains, GError **error);

G_END_DECLS
