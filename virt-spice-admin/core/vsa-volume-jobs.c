/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Opening all of a VM's volumes, side by side: the time is the key
 * derivation (PBKDF2 or argon2), CPU-bound, one per volume.
 * libcryptsetup and liblvm2cmd are not thread-safe, so each volume opens
 * in a process of its own, forked once the volumes are known; at most
 * `volume-open-jobs` at a time (argon2 also takes memory per derivation).
 * Each child reports what it changed on a pipe; the parent, once every
 * child is done, closes what the others opened if any failed, so a
 * failed start leaves nothing open. */
#define _GNU_SOURCE /* pipe2 */
#include "vsa-volume.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-volume-libs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* A child's report: these three bytes, then its error message to EOF. */
enum { REPORT_OK, REPORT_CODE, REPORT_LV_ACTIVATED, REPORT_MAPPING_OPENED, REPORT_HEAD };

typedef struct {
  pid_t pid;          /* 0: not started (an earlier volume failed first) */
  int fd;             /* the report's read end while the child runs, else -1 */
  GString *report;
  VsaOpenOutcome outcome;
  char *failure;      /* why this volume did not open; NULL if it did */
  int code;           /* its VSA_ERROR code */
} VolumeJob;

static void
prefix_volume (GError **error, const VsaVolume *volume)
{
  g_prefix_error (error, "volume '%s' (%s): ", volume->name, volume->lv);
}

/* Keeps the one-line error: a failed rollback is added to its end. */
static void
append_rollback_error (GError **error, const VsaVolume *volume, const GError *undo_error)
{
  g_autofree char *old = NULL;

  if (error == NULL || *error == NULL)
    return;
  old = (*error)->message;
  (*error)->message = g_strdup_printf ("%s; rolling back volume '%s' failed too: %s", old,
                                       volume->name, undo_error->message);
}

/* Newest first, exactly what each outcome says was done. */
static void
roll_back (GPtrArray *volumes, const VsaOpenOutcome *outcomes, guint count, GError **error)
{
  for (guint i = count; i-- > 0;)
    {
      VsaVolume *volume = g_ptr_array_index (volumes, i);
      g_autoptr (GError) undo_error = NULL;

      if (!vsa_volume_undo_open (volume, &outcomes[i], &undo_error))
        append_rollback_error (error, volume, undo_error);
    }
}

/* One process: in metadata order, stopping at the first failure. */
static gboolean
open_one_by_one (GPtrArray *volumes, GError **error)
{
  g_autofree VsaOpenOutcome *outcomes = g_new0 (VsaOpenOutcome, volumes->len + 1);

  for (guint i = 0; i < volumes->len; i++)
    {
      VsaVolume *volume = g_ptr_array_index (volumes, i);

      if (!vsa_volume_open (volume, &outcomes[i], error))
        {
          prefix_volume (error, volume);
          roll_back (volumes, outcomes, i + 1, error);
          return FALSE;
        }
    }
  return TRUE;
}

/* The child: dies with its parent (the hook gate kills a worker that
 * overruns its timeout), opens one volume, reports, and leaves without
 * running the parent's exit handlers. */
static void G_GNUC_NORETURN
run_child (const VsaVolume *volume, pid_t parent, int fd)
{
  g_autoptr (GError) error = NULL;
  VsaOpenOutcome outcome;
  char head[REPORT_HEAD];
  gboolean opened;

  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != parent)
    _exit (1);
  opened = vsa_volume_open (volume, &outcome, &error);
  head[REPORT_OK] = (char) opened;
  head[REPORT_CODE] = (char) (opened ? 0 : error->code);
  head[REPORT_LV_ACTIVATED] = (char) outcome.lv_activated;
  head[REPORT_MAPPING_OPENED] = (char) outcome.mapping_opened;
  /* A lost report reads as a child that died: its mapping is closed. */
  if (vsa_fd_write_all (fd, head, sizeof head) && !opened)
    vsa_fd_write_all (fd, error->message, strlen (error->message));
  _exit (0);
}

static gboolean
start_job (VolumeJob *job, const VsaVolume *volume)
{
  pid_t parent = getpid ();
  int fds[2];

  if (pipe2 (fds, O_CLOEXEC) < 0)
    {
      job->code = VSA_ERROR_FAILED;
      job->failure = g_strdup_printf ("cannot create a pipe: %s", g_strerror (errno));
      return FALSE;
    }
  job->pid = fork ();
  if (job->pid == 0)
    {
      close (fds[0]);
      run_child (volume, parent, fds[1]);
    }
  close (fds[1]);
  if (job->pid < 0)
    {
      job->pid = 0;
      close (fds[0]);
      job->code = VSA_ERROR_FAILED;
      job->failure = g_strdup_printf ("cannot start a process to open it: %s", g_strerror (errno));
      return FALSE;
    }
  job->fd = fds[0];
  job->report = g_string_new (NULL);
  return TRUE;
}

/* After the report's EOF: reaps the child and reads what it did.  A child
 * that died before reporting may have opened the mapping (close_mapping
 * checks that a mapping is on the volume's LV before closing it). */
static gboolean
finish_job (VolumeJob *job)
{
  const char *head = job->report->str;
  int status = 0;

  close (job->fd);
  job->fd = -1;
  while (waitpid (job->pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (job->report->len < REPORT_HEAD)
    {
      job->outcome.mapping_opened = TRUE;
      job->code = VSA_ERROR_FAILED;
      job->failure = WIFSIGNALED (status)
                       ? g_strdup_printf ("its unlocking process was killed by signal %d",
                                          WTERMSIG (status))
                       : g_strdup ("its unlocking process ended without a report");
      return FALSE;
    }
  job->outcome.lv_activated = head[REPORT_LV_ACTIVATED] != 0;
  job->outcome.mapping_opened = head[REPORT_MAPPING_OPENED] != 0;
  if (head[REPORT_OK])
    return TRUE;
  job->code = head[REPORT_CODE];
  job->failure = g_strdup (head + REPORT_HEAD);
  return FALSE;
}

/* Waits for output of the running jobs; FALSE once one of them failed. */
static gboolean
collect (VolumeJob *jobs, guint count, guint *running)
{
  g_autofree struct pollfd *fds = g_new0 (struct pollfd, count);
  g_autofree guint *index = g_new0 (guint, count);
  gboolean all_opened = TRUE;
  guint n = 0;

  for (guint i = 0; i < count; i++)
    if (jobs[i].fd >= 0)
      {
        fds[n] = (struct pollfd){ jobs[i].fd, POLLIN, 0 };
        index[n++] = i;
      }
  if (poll (fds, n, -1) < 0)
    return TRUE; /* EINTR: the caller polls again */
  for (guint j = 0; j < n; j++)
    {
      VolumeJob *job = &jobs[index[j]];
      char buf[1024];
      ssize_t got;

      if (fds[j].revents == 0 || (got = read (job->fd, buf, sizeof buf)) < 0)
        continue;
      if (got > 0)
        {
          g_string_append_len (job->report, buf, got);
          continue;
        }
      (*running)--;
      if (!finish_job (job))
        all_opened = FALSE;
    }
  return all_opened;
}

/* At most LIMIT children at a time; none is started after a failure,
 * but the running ones finish (their opens are then undone). */
static void
run_jobs (GPtrArray *volumes, VolumeJob *jobs, guint limit)
{
  gboolean failed = FALSE;
  guint running = 0;
  guint next = 0;

  while ((!failed && next < volumes->len) || running > 0)
    {
      while (!failed && next < volumes->len && running < limit)
        {
          if (start_job (&jobs[next], g_ptr_array_index (volumes, next)))
            running++;
          else
            failed = TRUE;
          next++;
        }
      if (running > 0 && !collect (jobs, next, &running))
        failed = TRUE;
    }
}

static guint
job_limit (const VsaConfig *config)
{
  return config->volume_open_jobs > 0 ? config->volume_open_jobs : g_get_num_processors ();
}

/* Opens every volume, or none: on a failure, closes what this call opened
 * (and deactivates the LVs it activated), newest first, and fails with
 * the first failing volume's error (in metadata order). */
gboolean
vsa_volumes_open_all (const VsaConfig *config, GPtrArray *volumes, GError **error)
{
  guint limit = MIN (job_limit (config), volumes->len);
  g_autofree VolumeJob *jobs = NULL;
  g_autofree VsaOpenOutcome *outcomes = NULL;
  gboolean failed = FALSE;

  /* Validation and loading the libraries once, before any fork. */
  for (guint i = 0; i < volumes->len; i++)
    if (!vsa_validate_volume (g_ptr_array_index (volumes, i), error))
      {
        prefix_volume (error, g_ptr_array_index (volumes, i));
        return FALSE;
      }
  if (volumes->len > 0 && !vsa_volume_libs_load (error))
    return FALSE;
  if (limit <= 1)
    return open_one_by_one (volumes, error);
  jobs = g_new0 (VolumeJob, volumes->len);
  outcomes = g_new0 (VsaOpenOutcome, volumes->len);
  for (guint i = 0; i < volumes->len; i++)
    jobs[i].fd = -1;
  run_jobs (volumes, jobs, limit);
  for (guint i = 0; i < volumes->len; i++)
    {
      outcomes[i] = jobs[i].outcome;
      if (jobs[i].report != NULL)
        g_string_free (jobs[i].report, TRUE);
      if (!failed && jobs[i].failure != NULL)
        {
          const VsaVolume *volume = g_ptr_array_index (volumes, i);

          failed = TRUE;
          g_set_error (error, VSA_ERROR, jobs[i].code, "volume '%s' (%s): %s", volume->name,
                       volume->lv, jobs[i].failure);
        }
    }
  if (failed)
    roll_back (volumes, outcomes, volumes->len, error);
  for (guint i = 0; i < volumes->len; i++)
    g_free (jobs[i].failure);
  return !failed;
}
