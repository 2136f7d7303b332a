/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-time.h"
#include "vsa-error.h"

/* Ten years: longer "expiries" are a mistake, not a policy. */
#define MAX_DURATION_SECONDS (10 * 366 * 24 * 3600LL)

static gint64
unit_seconds (char unit)
{
  switch (unit)
    {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    case 'w': return 7 * 86400;
    default: return 0;
    }
}

/* Sums "NUMBER[UNIT]..." into seconds; 0 means "not a duration" and -1
 * "longer than the maximum". */
static gint64
sum_duration (const char *p)
{
  gint64 total = 0;

  while (*p)
    {
      gint64 value = 0, unit;

      if (!g_ascii_isdigit (*p))
        return 0;
      while (g_ascii_isdigit (*p))
        {
          value = value * 10 + (*p++ - '0');
          if (value > MAX_DURATION_SECONDS)
            return -1;
        }
      unit = *p ? unit_seconds (*p++) : 1;
      if (unit == 0)
        return 0;
      total += value * unit;
      if (total > MAX_DURATION_SECONDS)
        return -1;
    }
  return total;
}

/* "90", "90s", "15m", "2h", "7d", "1w" and sums such as "1h30m". */
gboolean
vsa_parse_duration (const char *text, gint64 *ret_seconds, GError **error)
{
  gint64 total = text ? sum_duration (text) : 0;

  if (total == 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "duration '%s' is not valid; write e.g. 90s, 15m, 12h, 7d, 2w or 1h30m",
                   text ? text : "");
      return FALSE;
    }
  if (total < 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "duration '%s' is longer than ten years; pick a shorter one", text);
      return FALSE;
    }
  *ret_seconds = total;
  return TRUE;
}

/* ISO 8601, with or without a zone (UTC when absent, as libvirt's
 * passwdValidTo is). */
GDateTime *
vsa_parse_time (const char *text, GError **error)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  GDateTime *time = g_date_time_new_from_iso8601 (text, utc);

  if (time == NULL)
    g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                 "time '%s' is not valid; write e.g. 2026-12-31T18:00:00 (UTC) or 2026-12-31T18:00:00+01:00",
                 text);
  return time;
}

char *
vsa_format_libvirt_time (GDateTime *time)
{
  g_autoptr (GDateTime) utc = g_date_time_to_utc (time);

  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");
}

/* passwdValidTo for "now + DURATION". */
char *
vsa_valid_to_from_duration (const char *duration, GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) until = NULL;
  gint64 seconds;

  if (!vsa_parse_duration (duration, &seconds, error))
    return NULL;
  until = g_date_time_add_seconds (now, (gdouble) seconds);
  return vsa_format_libvirt_time (until);
}

/* A zone of tzdata ("Europe/Berlin") or a fixed offset ("+01:00"). */
gboolean
vsa_time_zone_check (const char *name, GError **error)
{
  g_autoptr (GTimeZone) zone = g_time_zone_new_identifier (name);

  if (zone == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "time zone '%s' is unknown; give a tzdata name (Europe/Berlin) or an "
                   "offset (+01:00), or leave it empty for the host's local zone", name);
      return FALSE;
    }
  return TRUE;
}

/* Now, in the zone access windows are meant in: NAME (checked when the
 * configuration was read) or, when empty, the host's local zone. */
GDateTime *
vsa_time_now_in_zone (const char *name)
{
  g_autoptr (GTimeZone) zone = *name ? g_time_zone_new_identifier (name) : NULL;

  return zone ? g_date_time_new_now (zone) : g_date_time_new_now_local ();
}
