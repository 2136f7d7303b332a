/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-sshd.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-template.h"
#include "vsa-templates.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static gboolean
lookup_template (const char *name, const char **ret_text, GError **error)
{
  *ret_text = vsa_template_text (vsa_templates_lookup, name, error);
  return *ret_text != NULL;
}

gboolean
vsa_sshd_tunnel_templates (VsaTunnelTemplates *ret_templates, GError **error)
{
  return lookup_template ("sshd-tunnels.conf", &ret_templates->drop_in, error) &&
         lookup_template ("sshd-tunnel-match.conf", &ret_templates->match_block, error) &&
         lookup_template ("sshd-tunnel-refuse.conf", &ret_templates->refuse_block, error) &&
         lookup_template ("tunnel-authorized-keys", &ret_templates->keys_file, error) &&
         lookup_template ("tunnel-authorized-keys-line", &ret_templates->key_line, error);
}

/* A private directory for the candidate files, removed again by
 * remove_check_dir(). */
typedef struct {
  char *dir;
  char *drop_in;
  char *config;
} CheckDir;

static void
remove_check_dir (CheckDir *check)
{
  if (check->drop_in)
    g_unlink (check->drop_in);
  if (check->config)
    g_unlink (check->config);
  if (check->dir)
    g_rmdir (check->dir);
  g_free (check->drop_in);
  g_free (check->config);
  g_free (check->dir);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CheckDir, remove_check_dir)

static gboolean
write_check_files (CheckDir *check, const char *sshd_config, const char *drop_in_content,
                   GError **error)
{
  g_autofree char *config = NULL;

  check->dir = g_dir_make_tmp ("vsa-sshd-check-XXXXXX", error);
  if (check->dir == NULL)
    return FALSE;
  check->drop_in = g_build_filename (check->dir, VSA_SSHD_DROP_IN_NAME, NULL);
  if (!g_file_set_contents_full (check->drop_in, drop_in_content, -1,
                                 G_FILE_SET_CONTENTS_NONE, 0600, error))
    return FALSE;
  config = vsa_template_expand (vsa_templates_lookup, "sshd-validate.conf", (const char *const[]) {
    "DROP_IN", check->drop_in, "SSHD_CONFIG", sshd_config, NULL }, error);
  check->config = g_build_filename (check->dir, "sshd_config", NULL);
  return config != NULL && g_file_set_contents_full (check->config, config, -1,
                                                     G_FILE_SET_CONTENTS_NONE, 0600, error);
}

/* sshd's first complaint is the one to fix. */
static char *
first_line (const char *text)
{
  const char *start = text ? text + strspn (text, "\n") : "";

  return g_strndup (start, strcspn (start, "\n"));
}

/* `sshd -t` on the host's configuration with DROP_IN_CONTENT included, as
 * it would be once installed: syntax, keywords allowed in Match blocks,
 * host keys.  The real binary, because its version decides what is valid. */
gboolean
vsa_sshd_check_drop_in (const char *sshd_binary, const char *sshd_config,
                        const char *drop_in_content, GError **error)
{
  g_auto (CheckDir) check = { 0 };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *complaint = NULL;
  g_autoptr (GError) local_error = NULL;
  int status = 0;

  if (!write_check_files (&check, sshd_config, drop_in_content, error))
    return FALSE;
  if (!g_spawn_sync (NULL, (char *[]) { (char *) sshd_binary, "-t", "-f", check.config, NULL },
                     NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &local_error))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "cannot run '%s' to check the sshd configuration: %s; install openssh-server "
                   "or set sshd-binary", sshd_binary, local_error->message);
      return FALSE;
    }
  if (g_spawn_check_wait_status (status, NULL))
    return TRUE;
  complaint = first_line (err);
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "sshd rejects %s with the new tunnel drop-in: %s", sshd_config,
               *complaint ? complaint : "(no message)");
  return FALSE;
}

/* The same checks for every key a user gives (tunnel add, assign). */
VsaSshKey *
vsa_ssh_key_read_file (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  VsaSshKey *key;

  if (!vsa_file_read_bounded (path, "public key file", VSA_SSH_KEY_FILE_MAX, &text, &len, NULL))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "public key file '%s' is not a readable file of at most %d bytes; give the "
                   "user's .pub file", path, VSA_SSH_KEY_FILE_MAX);
      return NULL;
    }
  key = vsa_ssh_key_parse (text, len, error);
  if (key == NULL)
    g_prefix_error (error, "public key file '%s': ", path);
  return key;
}

/* `tunnel install` and `broker install`: sshd must accept the drop-in
 * (FILES[0]) with the host's sshd_config before anything is installed. */
gboolean
vsa_sshd_check_rendered (const char *sshd_binary, const char *sshd_config, GPtrArray *files,
                         GError **error)
{
  const VsaRenderedFile *drop_in = g_ptr_array_index (files, 0);

  if (vsa_sshd_check_drop_in (sshd_binary, sshd_config, drop_in->content, error))
    return TRUE;
  g_prefix_error (error, "nothing was installed: ");
  return FALSE;
}
