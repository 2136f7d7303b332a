/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The console policy element as stored (<vsa:console> in <metadata>),
 * checked against vsa-console.rng, which is compiled in, before anything
 * reads it: a typo such as clinet= would otherwise drop a client without
 * a word.  vsa_policy_from_domain calls it, so the hook at prepare, the
 * CLI and audit refuse the same documents. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* TRUE when CONSOLE matches the schema and repeats no <vsa:access>;
 * otherwise one line: "metadata: line N: ..." naming the element. */
gboolean vsa_metadata_validate (xmlNode *console, GError **error);

/* The schema's text, as the binary carries it. */
const char *vsa_metadata_schema (void);

G_END_DECLS
