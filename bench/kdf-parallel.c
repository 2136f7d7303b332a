/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/kdf-parallel [ROUNDS [TIME-MS]]: the part of the parallel unlock
 * this host can measure (its kernel has no dm-crypt; UML has one CPU).
 * For each PBKDF, on LUKS2 file images formatted by cryptsetup (pbkdf2;
 * argon2id with the product's format settings: up to 1 GiB, 4 lanes),
 * side by side in one run, alternating, medians of ROUNDS:
 *
 *   kdf     one key check in this process: the product's
 *           vsa_volume_check_key (libcryptsetup's activation without a
 *           mapping: load the header, derive the key, open the slot)
 *   k       k such checks, one image each, one forked process per check,
 *           at most JOBS at once, forked after the volume libraries are
 *           loaded: how core/vsa-volume-jobs.c runs the opens (JOBS =
 *           cores, its default, and JOBS = k)
 *
 * and the ratio to one check and to the bound ceil(k / cores) x
 * one derivation + 50 ms.  Needs cryptsetup(8) to format; not root.  Not
 * a test: it prints numbers. */
#define _GNU_SOURCE
#include "vsa-volume.h"
#include "vsa-volume-libs.h"
#include "bench-median.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_K 4
#define BOUND_SLACK_MS 50.0

typedef struct {
  const char *label;
  guint k;
  guint jobs;     /* 0: one per core, the product's default */
  GArray *ms;     /* double: one per round */
} Case;

static char *images[MAX_K];
static char *keyfile;

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void
format_images (const char *dir, const char *pbkdf, const char *time_ms)
{
  g_autofree char *first = g_build_filename (dir, "vol0.img", NULL);
  g_autofree char *truncate = g_strdup_printf ("truncate -s 32M '%s'", first);
  g_autofree char *format = NULL;
  int status;

  if (g_str_equal (pbkdf, "pbkdf2"))
    format = g_strdup_printf ("cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 "
                              "--iter-time %s --key-file '%s' '%s'", time_ms, keyfile, first);
  else
    format = g_strdup_printf ("cryptsetup luksFormat -q --type luks2 --pbkdf %s "
                              "--pbkdf-memory 1048576 --pbkdf-parallel 4 --iter-time %s "
                              "--key-file '%s' '%s'", pbkdf, time_ms, keyfile, first);
  if (!g_spawn_command_line_sync (truncate, NULL, NULL, &status, NULL) || status != 0 ||
      !g_spawn_command_line_sync (format, NULL, NULL, &status, NULL) || status != 0)
    {
      fprintf (stderr, "kdf-parallel: cannot format %s (%s)\n", first, format);
      exit (1);
    }
  for (guint i = 0; i < MAX_K; i++)
    {
      g_autofree char *name = g_strdup_printf ("vol%u.img", i);
      g_autofree char *copy = NULL;

      g_free (images[i]);
      images[i] = g_build_filename (dir, name, NULL);
      if (i == 0)
        continue;
      copy = g_strdup_printf ("cp '%s' '%s'", first, images[i]);
      if (!g_spawn_command_line_sync (copy, NULL, NULL, &status, NULL) || status != 0)
        exit (1);
    }
}

static void
check_or_die (const char *image)
{
  g_autoptr (GError) error = NULL;

  if (!vsa_volume_check_key (image, keyfile, &error))
    {
      fprintf (stderr, "kdf-parallel: %s\n", error->message);
      exit (1);
    }
}

/* One process per check, at most JOBS at a time (as run_jobs does). */
static double
run_parallel (guint k, guint jobs)
{
  double start = now_ms ();
  guint next = 0, running = 0;
  pid_t parent = getpid ();

  while (next < k || running > 0)
    {
      int status;

      while (next < k && running < jobs)
        {
          pid_t pid = fork ();

          if (pid == 0)
            {
              g_autoptr (GError) error = NULL;

              if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != parent)
                _exit (1);
              _exit (vsa_volume_check_key (images[next], keyfile, &error) ? 0 : 1);
            }
          if (pid < 0)
            exit (1);
          next++;
          running++;
        }
      if (waitpid (-1, &status, 0) < 0)
        {
          if (errno == EINTR)
            continue;
          exit (1);
        }
      if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
        {
          fprintf (stderr, "kdf-parallel: a key check failed\n");
          exit (1);
        }
      running--;
    }
  return now_ms () - start;
}

static void
bench_pbkdf (const char *dir, const char *pbkdf, const char *time_ms, guint rounds, guint cores)
{
  Case cases[] = {
    { "kdf", 1, 0, NULL }, { "k", 1, 0, NULL }, { "k", 2, 0, NULL }, { "k", 4, 0, NULL },
    { "k", 4, 4, NULL },
  };
  double kdf;

  format_images (dir, pbkdf, time_ms);
  check_or_die (images[0]); /* warm: the page cache, the libraries' first use */
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    cases[c].ms = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint r = 0; r < rounds; r++)
    for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
      {
        double start = now_ms (), ms;

        if (c == 0)
          {
            check_or_die (images[0]);
            ms = now_ms () - start;
          }
        else
          ms = run_parallel (cases[c].k, cases[c].jobs ? cases[c].jobs : cores);
        g_array_append_val (cases[c].ms, ms);
      }
  kdf = bench_median (cases[0].ms);
  printf ("\n%s (formatted with --iter-time %s): one key check in process %.0f ms\n", pbkdf,
          time_ms, kdf);
  printf ("%-3s %5s %9s %9s %8s %9s\n", "k", "jobs", "ms", "bound_ms", "vs_kdf", "vs_bound");
  for (guint c = 1; c < G_N_ELEMENTS (cases); c++)
    {
      guint jobs = cases[c].jobs ? cases[c].jobs : cores;
      double ms = bench_median (cases[c].ms);
      double bound = (cases[c].k + cores - 1) / cores * kdf + BOUND_SLACK_MS;

      printf ("%-3u %5u %9.0f %9.0f %8.2f %9.2f\n", cases[c].k, jobs, ms, bound, ms / kdf,
              ms / bound);
      g_array_unref (cases[c].ms);
    }
  g_array_unref (cases[0].ms);
}

int
main (int argc, char **argv)
{
  guint rounds = argc > 1 ? (guint) atoi (argv[1]) : 5;
  const char *time_ms = argc > 2 ? argv[2] : "500";
  guint cores = g_get_num_processors ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("vsa-kdf-XXXXXX", &error);
  g_autofree char *rm = NULL;

  if (dir == NULL || rounds == 0 || !vsa_volume_libs_load (&error))
    {
      fprintf (stderr, "usage: kdf-parallel [ROUNDS [TIME-MS]]%s%s\n", error ? ": " : "",
               error ? error->message : "");
      return 2;
    }
  keyfile = g_build_filename (dir, "key", NULL);
  if (!g_file_set_contents_full (keyfile, "bench-key-material", -1, G_FILE_SET_CONTENTS_NONE,
                                 0600, &error))
    return 1;
  printf ("cores: %u; %u rounds, alternating; medians\n", cores, rounds);
  bench_pbkdf (dir, "pbkdf2", time_ms, rounds, cores);
  bench_pbkdf (dir, "argon2id", time_ms, rounds, cores);
  rm = g_strdup_printf ("rm -rf '%s'", dir);
  g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
  return 0;
}
