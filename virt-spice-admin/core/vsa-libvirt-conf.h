/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *vsa_libvirt_conf_value (const char *path, const char *key);

G_END_DECLS
