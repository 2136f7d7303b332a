/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The atomic writer and the per-VM lock (core/vsa-file.c): what a killed
 * run leaves behind is cleaned up, a refused write names the file it was
 * writing, and a released lock leaves no file. */
#include "vsa-file.h"
#include "vsa-test-util.h"
#include "vsa-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static char *
make_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("vsa-file-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
touch (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, "old XML with a password", -1, NULL));
}

static gboolean
exists (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Backups are named by time: the temporary file a killed backup left has
 * a base name no later writer uses. */
static void
test_stale_temp_of_other_name (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *target = g_build_filename (dir, "20261202T060000.000002.xml", NULL);
  g_autofree char *dead = g_strdup_printf (".20261202T055959.000001.xml.vsa-%ld-Ab12Cd", (long) vsa_test_dead_pid ());
  g_autofree char *live = g_strdup_printf (".20261202T055959.000003.xml.vsa-%ld-Ab12Cd", (long) getppid ());
  g_autoptr (GError) error = NULL;

  touch (dir, dead);
  touch (dir, live);
  touch (dir, ".not-ours.vsa-x-Ab12Cd");
  g_assert_true (vsa_file_write_atomic (target, "new", 3, 0600, &error));
  g_assert_no_error (error);
  g_assert_false (exists (dir, dead));
  g_assert_true (exists (dir, live));
  g_assert_true (exists (dir, ".not-ours.vsa-x-Ab12Cd"));
}

/* A full disk (here: the file-size limit) is refused naming the target. */
static void
test_write_error_names_target (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *target = g_build_filename (dir, "debianx.xml", NULL);
  g_autofree char *big = g_strnfill (64 * 1024, 'x');
  g_autoptr (GError) error = NULL;
  struct rlimit old, small = { 1024, 1024 };
  gboolean ok;

  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old), ==, 0);
  small.rlim_max = old.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
  ok = vsa_file_write_atomic (target, big, strlen (big), 0600, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old), ==, 0);
  g_assert_false (ok);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, target));
  g_assert_null (strstr (error->message, ".vsa-"));
  g_assert_false (exists (dir, "debianx.xml"));
}

static void
test_lock_file_removed (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *lock_path = g_build_filename (dir, "locks", "debianx.lock", NULL);
  g_autoptr (GError) error = NULL;
  VsaLock *first = vsa_lock_acquire (dir, "debianx", 100, &error);
  VsaLock *second;

  g_assert_no_error (error);
  g_assert_true (g_file_test (lock_path, G_FILE_TEST_EXISTS));
  second = vsa_lock_acquire (dir, "debianx", 100, &error);
  g_assert_null (second);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_CONFLICT);
  /* The caller names the VM; the lock's own message does not. */
  g_assert_null (strstr (error->message, "debianx"));
  g_clear_error (&error);
  vsa_lock_release (first);
  g_assert_false (g_file_test (lock_path, G_FILE_TEST_EXISTS));
  second = vsa_lock_acquire (dir, "debianx", 100, &error);
  g_assert_no_error (error);
  vsa_lock_release (second);
  g_assert_false (g_file_test (lock_path, G_FILE_TEST_EXISTS));
}

/* Many processes taking and releasing one lock: never two holders at
 * once, although each release removes the file the others wait on. */
static void
test_lock_exclusive_across_unlink (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *counter = g_build_filename (dir, "holders", NULL);
  pid_t children[6];

  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      children[i] = fork ();
      g_assert_cmpint (children[i], >=, 0);
      if (children[i] == 0)
        {
          for (int round = 0; round < 40; round++)
            {
              VsaLock *lock = vsa_lock_acquire (dir, "debianx", 10000, NULL);
              int fd;

              if (lock == NULL)
                _exit (2);
              /* Exclusive creation fails if another holder is inside. */
              fd = open (counter, O_CREAT | O_EXCL | O_WRONLY, 0600);
              if (fd < 0)
                _exit (3);
              close (fd);
              g_usleep (200);
              unlink (counter);
              vsa_lock_release (lock);
            }
          raise (SIGKILL); /* success; see vsa_test_dead_pid () */
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      int status;

      g_assert_cmpint (waitpid (children[i], &status, 0), ==, children[i]);
      if (WIFEXITED (status))
        g_error ("child %u failed: exit status %d", i, WEXITSTATUS (status));
      g_assert_true (WIFSIGNALED (status));
      g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
    }
}

static const VsaTestEntry file_tests[] = {
  VSA_TEST ("/file/stale-temp-of-another-name", test_stale_temp_of_other_name),
  VSA_TEST ("/file/write-error-names-target", test_write_error_names_target),
  VSA_TEST ("/lock/file-removed-on-release", test_lock_file_removed),
  VSA_TEST ("/lock/exclusive-across-unlink", test_lock_exclusive_across_unlink),
};

VSA_TEST_MAIN (file_tests)
