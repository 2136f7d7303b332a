/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Thin GError wrappers over the libvirt calls the CLI makes.  The hook
 * never links these: it must not talk to libvirtd. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (virConnect, virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (virDomain, virDomainFree)

void vsa_libvirt_init (void);
virConnect *vsa_libvirt_open (const char *uri, GError **error);
virConnect *vsa_libvirt_reopen (virConnect *conn, GError **error);
virDomain *vsa_libvirt_lookup (virConnect *conn, const char *name, GError **error);
char *vsa_libvirt_get_xml (virDomain *dom, unsigned int flags, GError **error);
xmlDoc *vsa_libvirt_get_doc (virDomain *dom, unsigned int flags, GError **error);
gboolean vsa_libvirt_is_active (virDomain *dom, GError **error);
/* VALIDATE: against libvirt's domain schema (see vsa-define-check.h).
 * *RET_RUNNING (if not NULL): whether the domain ran when libvirt stored
 * the definition, from its reply. */
gboolean vsa_libvirt_define (virConnect *conn, const char *xml, gboolean validate,
                             gboolean *ret_running, GError **error);
gboolean vsa_libvirt_set_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
