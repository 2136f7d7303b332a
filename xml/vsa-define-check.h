/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whether an edit needs libvirt's schema validation on define.
 * VIR_DOMAIN_DEFINE_VALIDATE checks the whole document against the domain
 * RelaxNG schema in libvirtd, which costs about as much as the define
 * itself (bench/cli-latency).  It finds what libvirt's parser would
 * silently ignore: unknown elements and attributes.  An edit that changes
 * only what the schema does not constrain, or what the parser checks
 * itself, gains nothing from it. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/*
 * TRUE when NEW_DOC differs from OLD_DOC at most in
 *   - the <metadata> element (the schema admits any namespaced element
 *     there), and
 *   - the SPICE <graphics> attributes passwd (free text), passwdValidTo
 *     and connected (parsed on define, a bad value refused).
 * Anything else (a new device, another attribute, qemu:commandline) and
 * the answer is FALSE: validate.
 */
gboolean vsa_define_change_is_schema_neutral (xmlDoc *old_doc, xmlDoc *new_doc);

G_END_DECLS
