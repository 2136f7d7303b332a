/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-test-util.h"

#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* VSA_TEST_DATA is set by meson to tests/data in the source tree. */
char *
vsa_test_data_path (const char *first, ...)
{
  const char *root = g_getenv ("VSA_TEST_DATA");
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_assert_nonnull (root);
  g_ptr_array_add (parts, (gpointer) root);
  va_start (args, first);
  for (const char *p = first; p; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

char *
vsa_test_case_path (const char *dir, const char *name, const char *suffix)
{
  g_autofree char *file = g_strconcat (name, suffix, NULL);

  return vsa_test_data_path (dir, file, NULL);
}

char *
vsa_test_read (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* Like libvirt's VIR_TEST_REGENERATE_OUTPUT: VSA_TEST_REGENERATE_OUTPUT=1
 * rewrites the expected file, to be reviewed with git diff. */
void
vsa_test_assert_golden (const char *actual, const char *expected_path)
{
  g_autofree char *expected = NULL;

  if (g_strcmp0 (g_getenv ("VSA_TEST_REGENERATE_OUTPUT"), "1") == 0)
    {
      g_autoptr (GError) error = NULL;
      g_file_set_contents (expected_path, actual, -1, &error);
      g_assert_no_error (error);
      return;
    }
  expected = vsa_test_read (expected_path);
  if (g_strcmp0 (actual, expected) != 0)
    g_error ("%s differs from the transform's output:\n--- expected\n%s--- actual\n%s",
             expected_path, expected, actual);
}

static void
add_cases (const VsaTestEntry *entry)
{
  for (gsize i = 0; i < entry->n_cases; i++)
    {
      gconstpointer one = (const char *) entry->data + i * entry->case_size;
      g_autofree char *path = entry->numbered
        ? g_strdup_printf ("%s/%" G_GSIZE_FORMAT, entry->path, i)
        : g_strdup_printf ("%s/%s", entry->path, *(const char *const *) one);

      g_test_add_data_func (path, one, entry->data_func);
    }
}

void
vsa_test_add (const VsaTestEntry *tests, gsize n_tests)
{
  for (gsize i = 0; i < n_tests; i++)
    {
      if (tests[i].func != NULL)
        g_test_add_func (tests[i].path, tests[i].func);
      else if (tests[i].n_cases == 0)
        g_test_add_data_func (tests[i].path, tests[i].data, tests[i].data_func);
      else
        add_cases (&tests[i]);
    }
}

void
vsa_test_assert_message_has (const GError *error, const char *part)
{
  g_assert_nonnull (error);
  if (strstr (error->message, part) == NULL)
    g_error ("'%s' lacks '%s'", error->message, part);
}

/* A pid that was a process and is one no more. */
pid_t
vsa_test_dead_pid (void)
{
  pid_t pid = fork ();
  int status;

  g_assert_cmpint (pid, >=, 0);
  /* SIGKILL, not _exit: valgrind would check the copy of our heap the
   * child holds for leaks when it exits (and fail the test for it). */
  if (pid == 0)
    raise (SIGKILL);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return pid;
}
