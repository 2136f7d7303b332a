/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The templates/ directory, compiled into the binary (GResource). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *vsa_templates_lookup (const char *name);

G_END_DECLS
