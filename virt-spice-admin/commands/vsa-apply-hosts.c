/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* apply's hosts: one worker thread and one libvirt connection per host,
 * at most --jobs at a time.  A worker touches only its own connection,
 * its own report and its own consoles; what it shares is read-only (the
 * configuration, the manifest, the options) or serialised where it is
 * used (SASL databases, the nftables context, the template cache, the
 * per-VM locks under state-dir).  Nothing is printed until every worker
 * is done: the report is then merged in manifest order. */
#include "vsa-apply-private.h"
#include "vsa-inventory.h"
#include "vsa-libvirt.h"

typedef struct {
  VsaContext *ctx;
  const VsaManifestHost *host;
  const VsaApplyOptions *opts;
  virConnect *conn;        /* opened before the workers start, or NULL: the worker opens it */
  GError *connect_error;   /* the context's connection could not be opened */
  VsaApplyReport *report;  /* this host's rows */
  GPtrArray *converged;    /* VsaApplyConsole *: the manifest's VMs as this run left them */
  gboolean reachable;
} HostJob;

static void
host_job_free (HostJob *job)
{
  g_clear_pointer (&job->conn, virConnectClose);
  g_clear_error (&job->connect_error);
  vsa_apply_report_free (job->report);
  g_ptr_array_unref (job->converged);
  g_free (job);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HostJob, host_job_free)

/* Every VM of JOB's host from FROM on fails with ERROR (or is unknown,
 * when ERROR says a define went unconfirmed). */
static void
fail_vms_from (HostJob *job, guint from, const GError *error)
{
  for (guint i = from; i < job->host->vms->len; i++)
    vsa_apply_report_failure (job->report, job->host->name,
                              ((VsaManifestVm *) g_ptr_array_index (job->host->vms, i))->name,
                              error);
}

/* libvirtd went away (killed, restarted) during an earlier VM: the rest
 * of the host's VMs go on over a new connection once it is back. */
static gboolean
ensure_alive (virConnect **conn, GError **error)
{
  virConnect *fresh;

  if (virConnectIsAlive (*conn) == 1)
    return TRUE;
  fresh = vsa_libvirt_reopen (*conn, error);
  if (fresh == NULL)
    return FALSE;
  virConnectClose (*conn);
  *conn = fresh;
  return TRUE;
}

static VsaApplyConsole *
find_console (GPtrArray *consoles, const char *name)
{
  for (guint i = 0; i < consoles->len; i++)
    if (g_str_equal (((VsaApplyConsole *) g_ptr_array_index (consoles, i))->name, name))
      return g_ptr_array_index (consoles, i);
  return NULL;
}

static gboolean
converged_elsewhere (GPtrArray *jobs, const HostJob *job, const char *name)
{
  for (guint i = 0; i < jobs->len; i++)
    {
      HostJob *other = g_ptr_array_index (jobs, i);

      if (other != job && find_console (other->converged, name) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* Every managed console of JOB's host in inventory order (the order
 * `export` writes), read after every worker is done: the manifest's VMs
 * as this run left them (or would, with --dry-run).  A VM another host
 * of the manifest converged is that host's (two URIs may name one
 * daemon); NULL when the host cannot be read. */
static GPtrArray *
host_consoles (GPtrArray *jobs, HostJob *job)
{
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GHashTable) converged = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *consoles;

  /* The VMs this host converged are not read again. */
  for (guint i = 0; i < job->converged->len; i++)
    g_hash_table_add (converged, ((VsaApplyConsole *) g_ptr_array_index (job->converged, i))->name);
  if (!job->reachable || !ensure_alive (&job->conn, NULL) ||
      (records = vsa_inventory_collect_except (job->conn, converged, VSA_INVENTORY_BEST_EFFORT,
                                               NULL)) == NULL)
    return NULL;
  consoles = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_apply_console_free);
  for (guint i = 0; i < records->len; i++)
    {
      VsaVmRecord *record = g_ptr_array_index (records, i);
      VsaApplyConsole *mine = find_console (job->converged, record->name);

      if (mine != NULL)
        g_ptr_array_add (consoles, vsa_apply_console_new (mine->name, mine->policy, mine->listen,
                                                          mine->tls_port, mine->doc));
      else if (record->policy != NULL && !converged_elsewhere (jobs, job, record->name))
        g_ptr_array_add (consoles, vsa_apply_console_new (record->name, record->policy,
                                                          record->spice.listen,
                                                          record->spice.tls_port,
                                                          record->config_doc));
    }
  return consoles;
}

static void
run_host (gpointer data, gpointer user_data)
{
  HostJob *job = data;
  g_autoptr (GError) error = g_steal_pointer (&job->connect_error);
  g_autoptr (GHashTable) host_ports = NULL;
  g_autoptr (GHashTable) host_domains = NULL;

  (void) user_data;
  if (error == NULL && job->conn == NULL)
    job->conn = vsa_libvirt_open (job->host->uri, &error);
  if (error != NULL || (host_ports = vsa_inventory_ports_in_use (job->conn, NULL, &host_domains,
                                                                    &error)) == NULL)
    {
      fail_vms_from (job, 0, error);
      return;
    }
  job->reachable = TRUE;
  for (guint i = 0; i < job->host->vms->len; i++)
    {
      VsaManifestVm *vm = g_ptr_array_index (job->host->vms, i);
      g_autoptr (GError) vm_error = NULL;

      if (!ensure_alive (&job->conn, &error))
        {
          job->reachable = FALSE;
          fail_vms_from (job, i, error);
          return;
        }
      if (!vsa_apply_vm (job->ctx, job->conn, job->host->name, vm, job->opts, host_ports,
                         host_domains, job->report, job->converged, &vm_error))
        vsa_apply_report_failure (job->report, job->host->name, vm->name, vm_error);
    }
}

/* The context's own connection serves a host without uri or with the
 * same one (the test driver keeps state per connection, and --status
 * reads it afterwards); it is opened here, before any worker runs. */
static HostJob *
host_job_new (VsaContext *ctx, const VsaManifestHost *host, const VsaApplyOptions *opts)
{
  HostJob *job = g_new0 (HostJob, 1);

  job->ctx = ctx;
  job->host = host;
  job->opts = opts;
  job->report = vsa_apply_report_new ();
  job->converged = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_apply_console_free);
  if (host->uri == NULL || g_strcmp0 (host->uri, vsa_context_uri (ctx)) == 0)
    {
      job->conn = vsa_context_connect (ctx, &job->connect_error);
      if (job->conn != NULL)
        virConnectRef (job->conn);
    }
  return job;
}

static guint
job_count (const VsaApplyOptions *opts, guint hosts)
{
  if (opts->jobs > 0)
    return opts->jobs;
  return MAX (1, MIN (hosts, VSA_APPLY_DEFAULT_JOBS_MAX));
}

void
vsa_apply_hosts (VsaContext *ctx, const VsaManifest *manifest, const VsaApplyOptions *opts,
                 VsaApplyReport *report, GPtrArray *ret_consoles)
{
  g_autoptr (GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) host_job_free);
  GThreadPool *pool;

  /* libvirt's global state is set up once, before there are threads. */
  virInitialize ();
  for (guint i = 0; i < manifest->hosts->len; i++)
    g_ptr_array_add (jobs, host_job_new (ctx, g_ptr_array_index (manifest->hosts, i), opts));
  /* A pool that cannot start a thread runs nothing: then one after the other. */
  pool = g_thread_pool_new (run_host, NULL, (gint) job_count (opts, jobs->len), TRUE, NULL);
  for (guint i = 0; i < jobs->len; i++)
    if (pool == NULL || !g_thread_pool_push (pool, g_ptr_array_index (jobs, i), NULL))
      run_host (g_ptr_array_index (jobs, i), NULL);
  if (pool != NULL)
    g_thread_pool_free (pool, FALSE, TRUE);
  for (guint i = 0; i < jobs->len; i++)
    {
      HostJob *job = g_ptr_array_index (jobs, i);

      vsa_apply_report_merge (report, job->report);
      g_ptr_array_add (ret_consoles, host_consoles (jobs, job));
    }
}

static void
free_consoles (gpointer consoles)
{
  if (consoles != NULL)
    g_ptr_array_unref (consoles);
}

void
vsa_apply_manifest (VsaContext *ctx, const VsaManifest *manifest, const VsaApplyOptions *opts,
                    VsaApplyReport *report)
{
  g_autoptr (GPtrArray) consoles = g_ptr_array_new_with_free_func (free_consoles);

  vsa_apply_hosts (ctx, manifest, opts, report, consoles);
  vsa_apply_tunnels (ctx, manifest, consoles, report);
  vsa_apply_broker (ctx, manifest, consoles, report);
  vsa_apply_client_hosts (ctx, manifest, opts, consoles, report);
}
