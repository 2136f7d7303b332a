/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logical volume activation through liblvm2cmd's lvm2_run(): the same
 * code as `lvchange`, without spawning it.  LVM's messages become the
 * error text instead of going to the terminal. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vsa_lvm_is_active (const char *lv);
gboolean vsa_lvm_activate (const char *lv, GError **error);
gboolean vsa_lvm_deactivate (const char *lv, GError **error);

G_END_DECLS
