/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The benchmarks' median: SAMPLES (doubles) sorted in place, the middle
 * one (the upper of the two middle ones for an even count). */
#pragma once

#include <glib.h>

static inline int
bench_compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static inline double
bench_median (GArray *samples)
{
  g_array_sort (samples, bench_compare_doubles);
  return g_array_index (samples, double, samples->len / 2);
}
