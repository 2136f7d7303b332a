/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/firewall-scale: the cost of adding and removing ONE VM's firewall
 * rules on a host that already guards 10, 100, 1,000 and 5,000 VMs, side by
 * side in one run:
 *
 *   nft       the project's way: libnftables in process, one transaction
 *             adding/removing set elements (what the hook does)
 *   iptables  the articles' way: a chain with rules per VM (two ACCEPTs for
 *             the VM's clients, one REJECT for its port), changed with one
 *             `iptables -A` / `-D` per rule, for both iptables backends
 *
 * Each VM has two clients.  Everything happens in a network namespace the
 * program makes for itself (unshare), so no rule of the host is touched and
 * nothing is left behind.  Needs root.  Not a test: it prints numbers. */
#define _GNU_SOURCE
#include "vsa-config.h"
#include "vsa-firewall.h"
#include "vsa-nft.h"
#include "bench-median.h"

#include <errno.h>
#include <gio/gio.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#define BENCH_TABLE "vsa_bench"
#define BENCH_CHAIN "VSA_BENCH"
#define FIRST_PORT 20000
#define NFT_ROUNDS 30
#define IPTABLES_ROUNDS 5

static const guint sizes[] = { 10, 100, 1000, 5000 };

typedef struct {
  const char *name;     /* column label */
  const char *command;  /* iptables, iptables-legacy */
  const char *restore;  /* its -restore */
} Backend;

static const Backend backends[] = {
  { "iptables-nft", "iptables-nft", "iptables-nft-restore" },
  { "iptables-legacy", "iptables-legacy", "iptables-legacy-restore" },
};

typedef struct {
  double add_ms;
  double remove_ms;
} Cost;

/* Client addresses of VM I: 10.(I/250).(I%250).1 and .2, unique per VM. */
static char *
client_address (guint vm, guint which)
{
  return g_strdup_printf ("10.%u.%u.%u", vm / 250, vm % 250, which + 1);
}


static double
elapsed_ms (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / 1000.0;
}

/* ------------------------------------------------------------------ */
/* nft: the project's library                                          */

static VsaPolicy *
policy_for (guint vm)
{
  VsaPolicy *policy = vsa_policy_new (VSA_AUTH_PASSWORD);
  VsaAccess *access = vsa_access_new ("user");

  g_ptr_array_add (access->clients, client_address (vm, 0));
  g_ptr_array_add (access->clients, client_address (vm, 1));
  g_ptr_array_add (policy->access, access);
  return policy;
}

static gboolean
nft_load (const VsaConfig *config, guint n_vms, GError **error)
{
  g_autoptr (GPtrArray) vms = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_nft_vm_free);

  for (guint i = 0; i < n_vms; i++)
    {
      g_autoptr (VsaPolicy) policy = policy_for (i);
      VsaNftVm *vm = vsa_nft_vm_from_policy (policy, FIRST_PORT + (int) i, NULL, error);

      if (vm == NULL)
        return FALSE;
      g_ptr_array_add (vms, vm);
    }
  return vsa_firewall_sync (config, vms, error);
}

static gboolean
nft_measure (const VsaConfig *config, guint n_vms, Cost *ret_cost, GError **error)
{
  g_autoptr (VsaPolicy) policy = policy_for (n_vms);
  g_autoptr (GArray) adds = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) removes = g_array_new (FALSE, FALSE, sizeof (double));
  int port = FIRST_PORT + (int) n_vms;

  if (!nft_load (config, n_vms, error))
    return FALSE;
  for (guint round = 0; round < NFT_ROUNDS; round++)
    {
      gint64 start = g_get_monotonic_time ();
      double ms;

      if (!vsa_firewall_add_vm (config, "bench", policy, port, error))
        return FALSE;
      ms = elapsed_ms (start);
      g_array_append_val (adds, ms);
      start = g_get_monotonic_time ();
      if (!vsa_firewall_remove_vm (config, "bench", policy, port, error))
        return FALSE;
      ms = elapsed_ms (start);
      g_array_append_val (removes, ms);
    }
  ret_cost->add_ms = bench_median (adds);
  ret_cost->remove_ms = bench_median (removes);
  return vsa_firewall_flush (config, error);
}

/* ------------------------------------------------------------------ */
/* iptables: a rule per VM and client, as the articles build it        */

static gboolean
run_argv (const char *const *argv, const char *input, GError **error)
{
  g_autoptr (GSubprocess) proc = g_subprocess_newv (argv, input ? G_SUBPROCESS_FLAGS_STDIN_PIPE : G_SUBPROCESS_FLAGS_NONE, error);
  g_autofree char *command = NULL;

  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, input, NULL, NULL, NULL, error))
    return FALSE;
  if (g_subprocess_get_successful (proc))
    return TRUE;
  command = g_strjoinv (" ", (char **) argv);
  g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "'%s' failed", command);
  return FALSE;
}

/* The three rules of VM I, in iptables-save syntax without "-A CHAIN". */
static void
vm_rules (guint vm, char *ret_rules[3])
{
  g_autofree char *a = client_address (vm, 0);
  g_autofree char *b = client_address (vm, 1);
  int port = FIRST_PORT + (int) vm;

  ret_rules[0] = g_strdup_printf ("-p tcp -s %s --dport %d -j ACCEPT", a, port);
  ret_rules[1] = g_strdup_printf ("-p tcp -s %s --dport %d -j ACCEPT", b, port);
  ret_rules[2] = g_strdup_printf ("-p tcp --dport %d -j REJECT --reject-with tcp-reset", port);
}

static gboolean
iptables_load (const Backend *backend, guint n_vms, GError **error)
{
  g_autoptr (GString) s = g_string_new ("*filter\n:" BENCH_CHAIN " - [0:0]\n-A INPUT -j " BENCH_CHAIN "\n");
  const char *argv[] = { backend->restore, "--noflush", NULL };

  for (guint i = 0; i < n_vms; i++)
    {
      char *rules[3];

      vm_rules (i, rules);
      for (int r = 0; r < 3; r++)
        {
          g_string_append_printf (s, "-A " BENCH_CHAIN " %s\n", rules[r]);
          g_free (rules[r]);
        }
    }
  g_string_append (s, "COMMIT\n");
  return run_argv (argv, s->str, error);
}

/* One iptables process per rule, as a script following the articles runs. */
static gboolean
iptables_rules (const Backend *backend, const char *op, guint vm, GError **error)
{
  char *rules[3];
  gboolean ok = TRUE;

  vm_rules (vm, rules);
  for (int r = 0; r < 3; r++)
    {
      g_autofree char *line = g_strdup_printf ("%s -w %s " BENCH_CHAIN " %s", backend->command, op, rules[r]);
      g_auto (GStrv) argv = ok ? g_strsplit (line, " ", -1) : NULL;

      ok = ok && run_argv ((const char *const *) argv, NULL, error);
      g_free (rules[r]);
    }
  return ok;
}

static gboolean
iptables_clear (const Backend *backend, GError **error)
{
  const char *unhook[] = { backend->command, "-w", "-D", "INPUT", "-j", BENCH_CHAIN, NULL };
  const char *flush[] = { backend->command, "-w", "-F", BENCH_CHAIN, NULL };
  const char *remove[] = { backend->command, "-w", "-X", BENCH_CHAIN, NULL };

  return run_argv (unhook, NULL, error) && run_argv (flush, NULL, error) &&
         run_argv (remove, NULL, error);
}

static gboolean
iptables_measure (const Backend *backend, guint n_vms, Cost *ret_cost, GError **error)
{
  g_autoptr (GArray) adds = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) removes = g_array_new (FALSE, FALSE, sizeof (double));

  if (!iptables_load (backend, n_vms, error))
    return FALSE;
  for (guint round = 0; round < IPTABLES_ROUNDS; round++)
    {
      gint64 start = g_get_monotonic_time ();
      double ms;

      if (!iptables_rules (backend, "-A", n_vms, error))
        return FALSE;
      ms = elapsed_ms (start);
      g_array_append_val (adds, ms);
      start = g_get_monotonic_time ();
      if (!iptables_rules (backend, "-D", n_vms, error))
        return FALSE;
      ms = elapsed_ms (start);
      g_array_append_val (removes, ms);
    }
  ret_cost->add_ms = bench_median (adds);
  ret_cost->remove_ms = bench_median (removes);
  return iptables_clear (backend, error);
}

/* ------------------------------------------------------------------ */

static void
print_row (guint n_vms, const Cost *nft, const Cost *ipt)
{
  printf ("%6u  %8.2f %8.2f", n_vms, nft->add_ms, nft->remove_ms);
  for (gsize b = 0; b < G_N_ELEMENTS (backends); b++)
    printf ("  %8.2f %8.2f %6.1fx %6.1fx", ipt[b].add_ms, ipt[b].remove_ms,
            ipt[b].add_ms / nft->add_ms, ipt[b].remove_ms / nft->remove_ms);
  printf ("\n");
}

static void
print_growth (const Cost *nft, const Cost *ipt, gsize last)
{
  printf ("\ngrowth from %u to %u VMs (time at %u / time at %u; flat = 1.0):\n",
          sizes[0], sizes[last], sizes[last], sizes[0]);
  printf ("  %-16s add %5.1fx  remove %5.1fx\n", "nft (sets)",
          nft[last].add_ms / nft[0].add_ms, nft[last].remove_ms / nft[0].remove_ms);
  for (gsize b = 0; b < G_N_ELEMENTS (backends); b++)
    {
      const Cost *first = &ipt[0 * G_N_ELEMENTS (backends) + b];
      const Cost *final = &ipt[last * G_N_ELEMENTS (backends) + b];

      printf ("  %-16s add %5.1fx  remove %5.1fx\n", backends[b].name,
              final->add_ms / first->add_ms, final->remove_ms / first->remove_ms);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (VsaConfig) config = vsa_config_new_defaults ();
  g_autoptr (GError) error = NULL;
  Cost nft[G_N_ELEMENTS (sizes)];
  Cost ipt[G_N_ELEMENTS (sizes) * G_N_ELEMENTS (backends)];

  if (unshare (CLONE_NEWNET) != 0)
    {
      fprintf (stderr, "firewall-scale: cannot make a private network namespace (%s); run as root\n",
               g_strerror (errno));
      return 1;
    }
  g_free (config->firewall_table);
  config->firewall_table = g_strdup (BENCH_TABLE);

  printf ("Adding / removing one VM's firewall rules (2 clients) with N VMs already guarded.\n"
          "Median ms of %d (nft) / %d (iptables) rounds; ratio = iptables time / nft time.\n"
          "nft: libnftables in process, one transaction; iptables: one process per rule.\n\n",
          NFT_ROUNDS, IPTABLES_ROUNDS);
  printf ("%6s  %-17s", "", "nft sets");
  for (gsize b = 0; b < G_N_ELEMENTS (backends); b++)
    printf ("  %-33s", backends[b].name);
  printf ("\n%6s  %8s %8s", "VMs", "add", "remove");
  for (gsize b = 0; b < G_N_ELEMENTS (backends); b++)
    printf ("  %8s %8s %7s %7s", "add", "remove", "add", "remove");
  printf ("\n");

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      if (!nft_measure (config, sizes[i], &nft[i], &error))
        break;
      for (gsize b = 0; b < G_N_ELEMENTS (backends) && error == NULL; b++)
        iptables_measure (&backends[b], sizes[i], &ipt[i * G_N_ELEMENTS (backends) + b], &error);
      if (error != NULL)
        break;
      print_row (sizes[i], &nft[i], &ipt[i * G_N_ELEMENTS (backends)]);
      fflush (stdout);
    }
  if (error != NULL)
    {
      fprintf (stderr, "firewall-scale: %s\n", error->message);
      return 1;
    }
  print_growth (nft, ipt, G_N_ELEMENTS (sizes) - 1);
  return 0;
}
