/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Local accounts of tunnel users: looked up before files are given to
 * them, and created as no-login, key-only accounts when asked. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct {
  gboolean exists;
  uid_t uid;
  gid_t gid;
  char *shell;
  gboolean password_locked; /* '!' in /etc/shadow (readable by root only) */
} VsaAccount;

void vsa_account_clear (VsaAccount *account);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VsaAccount, vsa_account_clear)

gboolean vsa_account_lookup (const char *user, VsaAccount *ret_account, GError **error);
gboolean vsa_account_create_tunnel_user (const char *user, GError **error);
void vsa_account_delete (const char *user);
gboolean vsa_account_set_shell (const char *user, const char *shell, GError **error);

G_END_DECLS
