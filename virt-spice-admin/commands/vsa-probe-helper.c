/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-probe-helper.h"

#include <gio/gio.h>
#include <string.h>

#include "vsa-error.h"

char *
vsa_probe_helper_path (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : NULL;
  g_autofree char *beside = dir ? g_build_filename (dir, VSA_PROBE_HELPER_NAME, NULL) : NULL;

  if (beside && g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&beside);
  return g_build_filename (VSA_LIBEXECDIR, VSA_PROBE_HELPER_NAME, NULL);
}

/* The helper's command line: everything but the password. */
static GPtrArray *
helper_argv (const char *helper, const VsaProbeRequest *req)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup (helper));
  g_ptr_array_add (argv, g_strdup_printf ("--host=%s", req->host ? req->host : ""));
  g_ptr_array_add (argv, g_strdup_printf ("--tls-port=%d", req->tls_port));
  g_ptr_array_add (argv, g_strdup_printf ("--ca-file=%s", req->ca_file ? req->ca_file : ""));
  g_ptr_array_add (argv, g_strdup_printf ("--timeout-ms=%u", req->timeout_ms));
  if (req->host_subject)
    g_ptr_array_add (argv, g_strdup_printf ("--host-subject=%s", req->host_subject));
  if (req->username)
    g_ptr_array_add (argv, g_strdup_printf ("--user=%s", req->username));
  if (req->password)
    g_ptr_array_add (argv, g_strdup ("--password-stdin"));
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* "OUTCOME DETAIL\n" from a helper that exited 0. */
static gboolean
parse_answer (const char *helper, const char *out, VsaProbeOutcome *ret_outcome,
              char **ret_detail, GError **error)
{
  g_autofree char *line = g_strndup (out, strcspn (out, "\n"));
  char *space = strchr (line, ' ');

  if (space)
    *space = '\0';
  if (!vsa_probe_outcome_from_string (line, ret_outcome))
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "%s gave no probe outcome; reinstall virt-spice-admin", helper);
      return FALSE;
    }
  if (ret_detail)
    *ret_detail = g_strdup (space ? space + 1 : "");
  return TRUE;
}

/* A pipe's bytes as a string (they carry no terminator). */
static char *
bytes_to_string (GBytes *bytes)
{
  gsize size = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &size) : NULL;

  return g_strndup (data ? data : "", size);
}

static gboolean
helper_failed (const char *helper, GSubprocess *proc, const char *err, GError **error)
{
  g_autofree char *message = g_strstrip (g_strndup (err, strcspn (err, "\n")));

  if (g_subprocess_get_if_exited (proc) && message[0] != '\0')
    g_set_error_literal (error, VSA_ERROR, VSA_ERROR_INVALID, message);
  else if (g_subprocess_get_if_signaled (proc))
    g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "the probe helper %s died of signal %d",
                 helper, g_subprocess_get_term_sig (proc));
  else
    g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "the probe helper %s failed (exit status %d)",
                 helper, g_subprocess_get_exit_status (proc));
  return FALSE;
}

gboolean
vsa_probe_in_helper (const VsaProbeRequest *req, VsaProbeOutcome *ret_outcome,
                     char **ret_detail, GError **error)
{
  g_autofree char *helper = vsa_probe_helper_path ();
  g_autoptr (GPtrArray) argv = helper_argv (helper, req);
  g_autofree char *line = req->password ? g_strconcat (req->password, "\n", NULL) : NULL;
  g_autoptr (GBytes) input = line ? g_bytes_new_static (line, strlen (line)) : NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *out_text = NULL;
  gboolean ok;

  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, &local_error);
  ok = proc != NULL && g_subprocess_communicate (proc, input, NULL, &out, &err, &local_error);
  if (line)
    explicit_bzero (line, strlen (line));
  if (!ok)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot run the probe helper %s: %s",
                   helper, local_error->message);
      return FALSE;
    }
  if (!g_subprocess_get_successful (proc))
    {
      g_autofree char *err_text = bytes_to_string (err);

      return helper_failed (helper, proc, err_text, error);
    }
  out_text = bytes_to_string (out);
  return parse_answer (helper, out_text, ret_outcome, ret_detail, error);
}
