/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-accounts.h"
#include "vsa-error.h"
#include "vsa-run.h"

#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <string.h>
#include <unistd.h>

/* Debian's paths (passwd package, login's nologin). */
#define USERADD "/usr/sbin/useradd"
#define USERDEL "/usr/sbin/userdel"
#define NOLOGIN_SHELL "/usr/sbin/nologin"

void
vsa_account_clear (VsaAccount *account)
{
  g_clear_pointer (&account->shell, g_free);
}

/* sshd without PAM refuses every login, keys included, to an account
 * whose password field starts with '!' (what useradd leaves by default). */
static gboolean
is_password_locked (const char *user)
{
  struct spwd sp, *found = NULL;
  char buffer[4096];

  return getspnam_r (user, &sp, buffer, sizeof buffer, &found) == 0 && found != NULL &&
         found->sp_pwdp != NULL && found->sp_pwdp[0] == '!';
}

gboolean
vsa_account_lookup (const char *user, VsaAccount *ret_account, GError **error)
{
  struct passwd pw, *found = NULL;
  long suggested = sysconf (_SC_GETPW_R_SIZE_MAX);
  gsize size = suggested > 0 ? (gsize) suggested : 16384;
  g_autofree char *buffer = g_malloc (size);
  int rc = getpwnam_r (user, &pw, buffer, size, &found);

  memset (ret_account, 0, sizeof *ret_account);
  if (rc != 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot look up user '%s': %s",
                   user, g_strerror (rc));
      return FALSE;
    }
  if (found == NULL)
    return TRUE;
  ret_account->exists = TRUE;
  ret_account->uid = found->pw_uid;
  ret_account->gid = found->pw_gid;
  ret_account->shell = g_strdup (found->pw_shell);
  ret_account->password_locked = is_password_locked (user);
  return TRUE;
}

static gboolean
run_tool (char **argv, const char *what, GError **error)
{
  g_autofree char *err = NULL;
  g_autoptr (GError) local_error = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                     &status, &local_error) ||
      !g_spawn_check_wait_status (status, &local_error))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "%s: %s%s%s", what,
                   local_error->message, err && *err ? ": " : "",
                   err ? g_strstrip (err) : "");
      return FALSE;
    }
  return TRUE;
}

/* A tunnel account: no shell (nologin, so sshd runs nothing for it), no
 * home, and the password field '*', which no password matches but which
 * is not "locked" ('!'): sshd without PAM refuses even key logins to
 * locked accounts. */
gboolean
vsa_account_create_tunnel_user (const char *user, GError **error)
{
  char *argv[] = { USERADD, "--comment", "virt-spice-admin SSH tunnel",
                   "--home-dir", "/nonexistent", "--no-create-home",
                   "--shell", NOLOGIN_SHELL, "--password", "*", "--user-group",
                   "--", (char *) user, NULL };
  g_autofree char *what = g_strdup_printf ("cannot create user '%s'", user);

  return run_tool (argv, what, error);
}

/* Undoes vsa_account_create_tunnel_user() after a later step failed. */
void
vsa_account_delete (const char *user)
{
  char *argv[] = { USERDEL, "--", (char *) user, NULL };

  run_tool (argv, "userdel", NULL);
}

/* usermod writes /etc/passwd the way the system's tools expect (locks,
 * nscd); chsh would want the shell in /etc/shells. */
gboolean
vsa_account_set_shell (const char *user, const char *shell, GError **error)
{
  const char *argv[] = { "/usr/sbin/usermod", "--shell", shell, "--", user, NULL };

  if (!vsa_run_silent (argv, error))
    {
      g_prefix_error (error, "cannot set the shell of user '%s': ", user);
      return FALSE;
    }
  return TRUE;
}
