/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-hook-table.h"

#include <stddef.h>
#include <string.h>

/* libvirt's qemu hook calls (docs/hooks.rst).  A failing prepare, start
 * or started stops the guest; stopped/release cannot abort anything; a
 * failing reconnect makes libvirtd kill the running qemu. */
static const struct {
  const char *operation;
  const char *sub_operation;
  VsaHookPhase phase;
  int may_refuse;
} hook_table[] = {
  { "prepare", "begin", VSA_HOOK_PREPARE, 1 },
  { "release", "end", VSA_HOOK_RELEASE, 0 },
  { "reconnect", "begin", VSA_HOOK_RECONNECT, 0 },
  { "migrate", "begin", VSA_HOOK_FILTER, 0 },
  { "restore", "begin", VSA_HOOK_FILTER, 0 },
};

VsaHookPhase
vsa_hook_phase_for (const char *operation, const char *sub_operation, int *ret_may_refuse)
{
  for (size_t i = 0; i < sizeof hook_table / sizeof hook_table[0]; i++)
    if (operation && sub_operation && strcmp (operation, hook_table[i].operation) == 0 &&
        strcmp (sub_operation, hook_table[i].sub_operation) == 0)
      {
        *ret_may_refuse = hook_table[i].may_refuse;
        return hook_table[i].phase;
      }
  *ret_may_refuse = 0;
  return VSA_HOOK_IGNORE;
}
