/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's qemu:commandline passthrough (<qemu:arg>, <qemu:env>). */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

gboolean vsa_qemu_validate_env_name (const char *name, GError **error);
gboolean vsa_qemu_args_add (xmlDoc *doc, const char *const *args, GError **error);
gboolean vsa_qemu_args_remove (xmlDoc *doc, const char *const *args, GError **error);
GPtrArray *vsa_qemu_args_list (xmlDoc *doc);
gboolean vsa_qemu_env_set (xmlDoc *doc, const char *name, const char *value, GError **error);
gboolean vsa_qemu_env_unset (xmlDoc *doc, const char *name, GError **error);
GPtrArray *vsa_qemu_env_list (xmlDoc *doc);
char *vsa_qemu_env_get (xmlDoc *doc, const char *name);

G_END_DECLS
