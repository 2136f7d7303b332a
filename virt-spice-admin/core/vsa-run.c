/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-run.h"
#include "vsa-error.h"

#include <gio/gio.h>
#include <string.h>

/* Tools live in sbin, which a user's PATH (and meson's) may lack. */
static char *
find_tool (const char *name)
{
  static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin" };

  if (strchr (name, '/'))
    return g_strdup (name);
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&path);
    }
  return g_find_program_in_path (name);
}

gboolean
vsa_tool_exists (const char *name)
{
  g_autofree char *path = find_tool (name);

  return path != NULL;
}

static char *
first_line (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);

  for (guint i = 0; lines[i]; i++)
    if (*g_strstrip (lines[i]))
      return g_strdup (lines[i]);
  return g_strdup ("no message");
}

static GSubprocess *
spawn (const char *const *argv, GError **error)
{
  g_autofree char *tool = find_tool (argv[0]);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();

  if (tool == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                   "'%s' is not installed; install it (see build-aux/install-deps.sh)", argv[0]);
      return NULL;
    }
  g_ptr_array_add (args, tool);
  for (guint i = 1; argv[i]; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);
  return g_subprocess_newv ((const char *const *) args->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
}

/* Exit status in *ret_status; FALSE only when the tool could not run. */
gboolean
vsa_run_status (const char *const *argv, int *ret_status, GError **error)
{
  g_autoptr (GSubprocess) proc = spawn (argv, error);

  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, NULL, error))
    return FALSE;
  *ret_status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
  return TRUE;
}

static gboolean
run_checked (const char *const *argv, gboolean stderr_is_failure, char **ret_stdout,
             GError **error)
{
  g_autoptr (GSubprocess) proc = spawn (argv, error);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, error))
    return FALSE;
  if (!g_subprocess_get_successful (proc) || (stderr_is_failure && err && *err))
    {
      g_autofree char *line = first_line (err && *err ? err : out);
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "%s failed: %s", argv[0], line);
      return FALSE;
    }
  if (ret_stdout)
    *ret_stdout = g_steal_pointer (&out);
  return TRUE;
}

gboolean
vsa_run (const char *const *argv, char **ret_stdout, GError **error)
{
  return run_checked (argv, FALSE, ret_stdout, error);
}

/* For tools that only warn (exit 0) about what they ignore. */
gboolean
vsa_run_silent (const char *const *argv, GError **error)
{
  return run_checked (argv, TRUE, NULL, error);
}
