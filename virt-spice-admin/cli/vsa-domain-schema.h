/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's domain schema, checked in this process.  A define with
 * VIR_DOMAIN_DEFINE_VALIDATE makes libvirtd read and compile domain.rng
 * (and the files it includes) for every domain, 9-14 ms each here, far
 * more than the define itself (bench/batch).  `apply` defines many
 * domains in one run: it compiles the same file once and validates each
 * new definition before the define, with the same libxml2 RelaxNG check
 * libvirt runs.  The file is libvirt0's (the client library's package,
 * which a local libvirtd depends on at the same version); for a remote
 * host, whose libvirt may be another version, libvirtd validates. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

/* Where libvirt0 installs it (libvirt.pc's datarootdir/libvirt/schemas),
 * the file libvirt's validation reads. */
const char *vsa_domain_schema_path (void);

/* Whether URI names a libvirt on this machine: no host in it, no
 * transport but unix. */
gboolean vsa_domain_schema_uri_is_local (const char *uri);

/* Whether definitions for CONN can be validated here: CONN's libvirt is
 * on this machine and the schema file exists.  FALSE: let libvirtd validate. */
gboolean vsa_domain_schema_serves (virConnect *conn);

/* TRUE when XML (a whole domain definition) matches the schema.  The
 * schema is compiled on the first call (once per process, whichever
 * thread asks).  Otherwise one line naming the line, libxml2's message
 * and the schema file. */
gboolean vsa_domain_schema_validate (const char *xml, GError **error);

G_END_DECLS
