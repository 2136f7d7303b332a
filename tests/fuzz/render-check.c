/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* render-check TARGET PATH...: replays fuzz inputs (corpus files,
 * crashes) through a renderer target (sudoers, sshd, nft) and hands every
 * rendered file to the real tool that will read it: visudo -cf, sshd -t
 * on a configuration including the drop-in, ssh-keygen -l, nft -c -f.
 * Too slow for the fuzzing loop (a process per file), so it runs on the
 * corpus afterwards.  Identical renders are checked once.  nft needs
 * CAP_NET_ADMIN: run it as root inside `unshare --net`.  TAP, one case
 * per input file. */
#include "vsa-fuzz.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char *dir;          /* scratch directory for rendered files */
  char *host_key;     /* sshd needs one to start, even for -t */
  char *base_config;  /* the rest of a minimal sshd configuration */
  GHashTable *seen;   /* checksums of renders already checked */
} Checker;

static void
checker_clear (Checker *c)
{
  if (c->dir)
    {
      const char *argv[] = { "rm", "-rf", "--", c->dir, NULL };
      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, NULL, NULL);
    }
  g_free (c->dir);
  g_free (c->host_key);
  g_free (c->base_config);
  g_clear_pointer (&c->seen, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Checker, checker_clear)

/* Runs ARGV; FALSE with the tool's first complaint otherwise. */
static gboolean
run_tool (const char *const *argv, GError **error)
{
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                     &status, error))
    return FALSE;
  if (g_spawn_check_wait_status (status, NULL))
    return TRUE;
  g_strstrip (err);
  g_set_error (error, G_SPAWN_EXIT_ERROR, 1, "%s: %s", argv[0], *err ? err : "failed");
  return FALSE;
}

/* sshd -t wants a host key and its privilege separation directory (made
 * by the ssh service, absent on a machine where it never ran). */
static gboolean
prepare_sshd (Checker *c, GError **error)
{
  const char *keygen[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", NULL, NULL };
  g_autofree char *config = NULL;

  c->host_key = g_build_filename (c->dir, "host_key", NULL);
  keygen[7] = c->host_key;
  if (!run_tool (keygen, error))
    return FALSE;
  if (g_mkdir_with_parents ("/run/sshd", 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot make /run/sshd");
      return FALSE;
    }
  config = g_strdup_printf ("HostKey %s\nUsePAM no\n", c->host_key);
  c->base_config = g_build_filename (c->dir, "sshd_base", NULL);
  return g_file_set_contents (c->base_config, config, -1, error);
}

/* As `tunnel install` checks it: the drop-in first, then the rest. */
static gboolean
check_sshd_drop_in (Checker *c, const char *path, GError **error)
{
  g_autofree char *config = g_strdup_printf ("Include %s\nInclude %s\n", path, c->base_config);
  g_autofree char *config_path = g_build_filename (c->dir, "sshd_config", NULL);
  const char *argv[] = { "sshd", "-t", "-f", config_path, NULL };

  if (!g_file_set_contents (config_path, config, -1, error))
    return FALSE;
  return run_tool (argv, error);
}

static gboolean
check_file (Checker *c, const VsaFuzzFile *file, GError **error)
{
  g_autofree char *path = g_build_filename (c->dir, "rendered", NULL);

  if (!g_file_set_contents (path, file->content, -1, error))
    return FALSE;
  switch (file->kind)
    {
    case VSA_FUZZ_SUDOERS:
      return run_tool ((const char *const[]) { "visudo", "-c", "-q", "-f", path, NULL }, error);
    case VSA_FUZZ_CLIENT_NFT:
    case VSA_FUZZ_NFT:
      return run_tool ((const char *const[]) { "nft", "-c", "-f", path, NULL }, error);
    case VSA_FUZZ_SSHD_DROP_IN:
      return check_sshd_drop_in (c, path, error);
    case VSA_FUZZ_AUTHORIZED_KEYS:
      return run_tool ((const char *const[]) { "ssh-keygen", "-l", "-f", path, NULL }, error);
    }
  return TRUE;
}

/* TRUE when this exact file was checked before. */
static gboolean
seen_before (Checker *c, const VsaFuzzFile *file)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, (const guchar *) &file->kind, sizeof file->kind);
  g_checksum_update (sum, (const guchar *) file->content, -1);
  return !g_hash_table_add (c->seen, g_strdup (g_checksum_get_string (sum)));
}

/* Prints one TAP line; FALSE when a tool rejected a render. */
static gboolean
check_input (Checker *c, VsaFuzzRenderFunc render, guint number, const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) files = NULL;
  guint checked = 0;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      printf ("not ok %u - %s: %s\n", number, path, error->message);
      return FALSE;
    }
  files = render ((const uint8_t *) data, len);
  for (guint i = 0; files && i < files->len; i++)
    {
      const VsaFuzzFile *file = g_ptr_array_index (files, i);

      if (seen_before (c, file))
        continue;
      checked++;
      if (!check_file (c, file, &error))
        {
          g_autofree char *shown = g_strescape (file->content, NULL);

          printf ("not ok %u - %s: %s rejected: %s\n", number, path,
                  vsa_fuzz_file_kind_name (file->kind), error->message);
          printf ("# rendered: \"%s\"\n", shown);
          return FALSE;
        }
    }
  printf ("ok %u - %s: %s\n", number, path,
          files == NULL ? "refused" : checked ? "accepted" : "same as before");
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_auto (Checker) c = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) inputs = NULL;
  VsaFuzzRenderFunc render = argc > 1 ? vsa_fuzz_renderer (argv[1]) : NULL;
  int status = 0;

  if (render == NULL)
    {
      fprintf (stderr, "usage: render-check sudoers|sshd|nft PATH...\n");
      return 2;
    }
  c.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c.dir = g_dir_make_tmp ("vsa-render-check-XXXXXX", &error);
  if (c.dir == NULL || (g_str_equal (argv[1], "sshd") && !prepare_sshd (&c, &error)))
    {
      printf ("Bail out! %s\n", error->message);
      return 1;
    }
  inputs = vsa_fuzz_collect_files (argv + 2, argc - 2);
  printf ("1..%u\n", inputs->len);
  for (guint i = 0; i < inputs->len; i++)
    if (!check_input (&c, render, i + 1, g_ptr_array_index (inputs, i)))
      status = 1;
  return status;
}
