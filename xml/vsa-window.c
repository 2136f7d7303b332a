/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-window.h"
#include "vsa-error.h"

#include <string.h>

#define MINUTES_PER_DAY 1440
#define ALL_DAYS 0x7f
#define WEEK_SECONDS (7 * G_GINT64_CONSTANT (86400))

/* One weekly window: on each day of DAYS it opens at START and closes at
 * END (minutes after local midnight); END <= START closes the next day,
 * so "22:00-02:00" on Monday runs into Tuesday morning. */
typedef struct {
  guint8 days;  /* bit 0 Monday ... bit 6 Sunday */
  guint16 start; /* 0 .. 1439 */
  guint16 end;   /* 1 .. 1440 */
} VsaWindow;

struct _VsaWindowSet {
  gboolean always;
  GArray *windows; /* VsaWindow: one per time range, sorted by range */
};

static const char *const day_names[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

static VsaWindowSet *
window_set_new (gboolean always)
{
  VsaWindowSet *set = g_new0 (VsaWindowSet, 1);

  set->always = always;
  set->windows = g_array_new (FALSE, FALSE, sizeof (VsaWindow));
  return set;
}

VsaWindowSet *
vsa_window_set_new_always (void)
{
  return window_set_new (TRUE);
}

VsaWindowSet *
vsa_window_set_new_never (void)
{
  return window_set_new (FALSE);
}

void
vsa_window_set_free (VsaWindowSet *set)
{
  if (!set)
    return;
  g_array_unref (set->windows);
  g_free (set);
}

VsaWindowSet *
vsa_window_set_copy (const VsaWindowSet *set)
{
  VsaWindowSet *copy = window_set_new (set->always);

  g_array_append_vals (copy->windows, set->windows->data, set->windows->len);
  return copy;
}

gboolean
vsa_window_set_is_always (const VsaWindowSet *set)
{
  return set->always;
}

static gint
compare_windows (gconstpointer a, gconstpointer b)
{
  const VsaWindow *wa = a, *wb = b;

  if (wa->start != wb->start)
    return (gint) wa->start - (gint) wb->start;
  return (gint) wa->end - (gint) wb->end;
}

/* Windows with the same time range share one entry (their days add up),
 * so equal sets have one representation and one canonical string. */
static void
window_set_add_window (VsaWindowSet *set, const VsaWindow *window)
{
  if (set->always)
    return;
  if (window->days == ALL_DAYS && window->start == 0 && window->end == MINUTES_PER_DAY)
    {
      set->always = TRUE;
      g_array_set_size (set->windows, 0);
      return;
    }
  for (guint i = 0; i < set->windows->len; i++)
    {
      VsaWindow *known = &g_array_index (set->windows, VsaWindow, i);

      if (known->start == window->start && known->end == window->end)
        {
          VsaWindow merged = *known;

          merged.days |= window->days;
          g_array_remove_index (set->windows, i);
          window_set_add_window (set, &merged);
          return;
        }
    }
  g_array_append_val (set->windows, *window);
  g_array_sort (set->windows, compare_windows);
}

void
vsa_window_set_merge (VsaWindowSet *set, const VsaWindowSet *other)
{
  if (other->always)
    {
      window_set_add_window (set, &(VsaWindow) { ALL_DAYS, 0, MINUTES_PER_DAY });
      return;
    }
  for (guint i = 0; i < other->windows->len; i++)
    window_set_add_window (set, &g_array_index (other->windows, VsaWindow, i));
}

/* ---- parsing ---- */

static gboolean
bad_token (const char *window, const char *token, const char *why, GError **error)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
               "bad window '%s': '%s' %s; accepted: %s", window, token, why, VSA_WINDOW_FORMS);
  return FALSE;
}

static int
day_from_name (const char *name, gsize length)
{
  for (int i = 0; i < 7; i++)
    if (length == 3 && g_ascii_strncasecmp (name, day_names[i], 3) == 0)
      return i;
  return -1;
}

/* "Mon", "Mon-Fri", "Fri-Mon" (wrapping), "Mon,Wed-Thu". */
static gboolean
parse_days (const char *window, const char *token, guint8 *ret_days, GError **error)
{
  g_auto (GStrv) items = g_strsplit (token, ",", -1);
  guint8 days = 0;

  for (char **item = items; *item; item++)
    {
      const char *dash = strchr (*item, '-');
      gsize first_length = dash ? (gsize) (dash - *item) : strlen (*item);
      int first = day_from_name (*item, first_length);
      int last = dash ? day_from_name (dash + 1, strlen (dash + 1)) : first;

      if (first < 0 || last < 0)
        return bad_token (window, **item ? *item : token,
                          "is not a day or day range (Mon Tue Wed Thu Fri Sat Sun)", error);
      for (int day = first;; day = (day + 1) % 7)
        {
          days |= 1u << day;
          if (day == last)
            break;
        }
    }
  *ret_days = days;
  return TRUE;
}

/* Strictly "HH:MM"; 24:00 only where a window ends. */
static gboolean
parse_clock (const char *text, gsize length, gboolean is_end, guint16 *ret_minutes)
{
  guint hours, minutes;

  if (length != 5 || text[2] != ':' || !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[1])
      || !g_ascii_isdigit (text[3]) || !g_ascii_isdigit (text[4]))
    return FALSE;
  hours = (text[0] - '0') * 10 + (text[1] - '0');
  minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59 || hours > 24 || (hours == 24 && (minutes != 0 || !is_end)))
    return FALSE;
  *ret_minutes = hours * 60 + minutes;
  return TRUE;
}

static gboolean
parse_times (const char *window, const char *token, VsaWindow *ret_window, GError **error)
{
  const char *dash = strchr (token, '-');
  guint16 start, end;

  if (!dash || !parse_clock (token, dash - token, FALSE, &start)
      || !parse_clock (dash + 1, strlen (dash + 1), TRUE, &end))
    return bad_token (window, token, "is not a time range HH:MM-HH:MM", error);
  if (end == 0 && start > 0)
    end = MINUTES_PER_DAY; /* "22:00-00:00" ends at midnight */
  if (start == end || (start == 0 && end == 0))
    return bad_token (window, token, "is an empty time range", error);
  ret_window->start = start;
  ret_window->end = end;
  return TRUE;
}

/* One window: "always", "DAYS", "HH:MM-HH:MM" or "DAYS HH:MM-HH:MM". */
static gboolean
parse_window (const char *window, VsaWindow *ret_window, GError **error)
{
  g_auto (GStrv) tokens = g_strsplit_set (window, " \t", -1);
  const char *words[3] = { NULL, NULL, NULL };
  guint count = 0;

  for (char **token = tokens; *token; token++)
    if (**token)
      {
        if (count == 2)
          return bad_token (window, *token, "is one token too many", error);
        words[count++] = *token;
      }
  if (count == 0)
    return bad_token (window, window, "is empty", error);
  *ret_window = (VsaWindow) { ALL_DAYS, 0, MINUTES_PER_DAY };
  if (count == 1 && g_ascii_strcasecmp (words[0], "always") == 0)
    return TRUE;
  if (count == 1 && g_ascii_isdigit (words[0][0]))
    return parse_times (window, words[0], ret_window, error);
  if (g_ascii_strcasecmp (words[0], "always") == 0)
    return bad_token (window, words[0], "cannot be combined with days or times", error);
  if (!parse_days (window, words[0], &ret_window->days, error))
    return FALSE;
  return count == 1 || parse_times (window, words[1], ret_window, error);
}

gboolean
vsa_window_set_add (VsaWindowSet *set, const char *spec, GError **error)
{
  g_auto (GStrv) windows = g_strsplit (spec, ";", -1);
  g_autoptr (GArray) parsed = g_array_new (FALSE, FALSE, sizeof (VsaWindow));

  if (!windows[0])
    return bad_token (spec, spec, "is empty", error);
  for (char **window = windows; *window; window++)
    {
      g_autofree char *text = g_strstrip (g_strdup (*window));
      VsaWindow one;

      if (!*text)
        return bad_token (spec, spec, "has an empty window between ';'", error);
      if (!parse_window (text, &one, error))
        return FALSE;
      g_array_append_val (parsed, one);
    }
  for (guint i = 0; i < parsed->len; i++)
    window_set_add_window (set, &g_array_index (parsed, VsaWindow, i));
  return TRUE;
}

VsaWindowSet *
vsa_window_set_parse (const char *spec, GError **error)
{
  g_autoptr (VsaWindowSet) set = vsa_window_set_new_never ();

  if (!vsa_window_set_add (set, spec, error))
    return NULL;
  return g_steal_pointer (&set);
}

/* ---- canonical form ---- */

/* Runs of consecutive days as ranges, starting from a day whose eve is
 * not in the set, so "Fri-Mon" stays one range. */
static void
append_days (GString *out, guint8 days)
{
  int first = 0;
  gboolean any = FALSE;

  while (first < 7 && !((days >> first) & 1 && !((days >> ((first + 6) % 7)) & 1)))
    first++;
  for (int step = 0; step < 7; step++)
    {
      int day = (first + step) % 7, run = 0;

      if (!((days >> day) & 1) || (step > 0 && (days >> ((day + 6) % 7)) & 1))
        continue;
      while (run < 6 && (days >> ((day + run + 1) % 7)) & 1)
        run++;
      g_string_append_printf (out, "%s%s", any ? "," : "", day_names[day]);
      if (run > 0)
        g_string_append_printf (out, "-%s", day_names[(day + run) % 7]);
      any = TRUE;
    }
}

char *
vsa_window_set_to_string (const VsaWindowSet *set)
{
  GString *out = g_string_new (NULL);

  if (set->always)
    return g_string_free (g_string_append (out, "always"), FALSE);
  for (guint i = 0; i < set->windows->len; i++)
    {
      const VsaWindow *window = &g_array_index (set->windows, VsaWindow, i);
      gboolean whole_day = window->start == 0 && window->end == MINUTES_PER_DAY;

      if (i > 0)
        g_string_append (out, "; ");
      if (window->days != ALL_DAYS)
        append_days (out, window->days);
      if (whole_day)
        continue;
      g_string_append_printf (out, "%s%02u:%02u-%02u:%02u", window->days != ALL_DAYS ? " " : "",
                              window->start / 60, window->start % 60,
                              window->end / 60, window->end % 60);
    }
  return g_string_free (out, FALSE);
}

gboolean
vsa_window_set_equal (const VsaWindowSet *a, const VsaWindowSet *b)
{
  g_autofree char *text_a = vsa_window_set_to_string (a);
  g_autofree char *text_b = vsa_window_set_to_string (b);

  return g_str_equal (text_a, text_b);
}

/* ---- the decision ---- */

static gint64
offset_at (GTimeZone *zone, gint64 instant)
{
  return g_time_zone_get_offset (zone, g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL,
                                                                  instant));
}

/* The first instant at which the wall clock shows WALL (seconds since the
 * epoch as if local time were UTC) or later: for a time passed twice the
 * first passing, for a time the clock skips the instant of the skip. */
static gint64
first_instant_at_wall (GTimeZone *zone, gint64 wall)
{
  gint64 best = G_MAXINT64, low_offset = G_MAXINT64, high_offset = G_MININT64;

  for (int probe = -1; probe <= 1; probe++)
    {
      gint64 offset = offset_at (zone, wall + probe * 86400);

      low_offset = MIN (low_offset, offset);
      high_offset = MAX (high_offset, offset);
      if (offset_at (zone, wall - offset) == offset)
        best = MIN (best, wall - offset);
    }
  if (best != G_MAXINT64)
    return best;
  /* In a gap: the skip lies between the two readings of WALL. */
  gint64 low = wall - high_offset, high = wall - low_offset;
  while (low < high)
    {
      gint64 middle = low + (high - low) / 2;

      if (middle + offset_at (zone, middle) >= wall)
        high = middle;
      else
        low = middle + 1;
    }
  return low;
}

typedef struct {
  gint64 start, end;
} Span;

static gint
compare_spans (gconstpointer a, gconstpointer b)
{
  const Span *sa = a, *sb = b;

  return sa->start < sb->start ? -1 : sa->start > sb->start;
}

/* Wall-clock seconds of local midnight starting DAY days after the epoch. */
#define WALL_OF_DAY(day) ((gint64) (day) * 86400)

/* The windows' occurrences from the day before NOW to nine days after, as
 * instants, merged where they touch or overlap. */
static GArray *
occurrences_around (const VsaWindowSet *set, GDateTime *now)
{
  GTimeZone *zone = g_date_time_get_timezone (now);
  gint64 today = (g_date_time_to_unix (now) + g_date_time_get_utc_offset (now) / G_TIME_SPAN_SECOND)
                 / 86400;
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (Span));
  GArray *merged = g_array_new (FALSE, FALSE, sizeof (Span));

  for (gint64 day = today - 1; day <= today + 8; day++)
    {
      int weekday = (int) ((day + 3) % 7); /* 1970-01-01 was a Thursday */

      for (guint i = 0; i < set->windows->len; i++)
        {
          const VsaWindow *window = &g_array_index (set->windows, VsaWindow, i);
          gint64 end_day = window->end <= window->start ? day + 1 : day;
          Span span;

          if (!((window->days >> weekday) & 1))
            continue;
          span.start = first_instant_at_wall (zone, WALL_OF_DAY (day) + window->start * 60);
          span.end = first_instant_at_wall (zone, WALL_OF_DAY (end_day) + window->end * 60);
          if (span.end > span.start)
            g_array_append_val (spans, span);
        }
    }
  g_array_sort (spans, compare_spans);
  for (guint i = 0; i < spans->len; i++)
    {
      Span *span = &g_array_index (spans, Span, i);
      Span *last = merged->len ? &g_array_index (merged, Span, merged->len - 1) : NULL;

      if (last && span->start <= last->end)
        last->end = MAX (last->end, span->end);
      else
        g_array_append_val (merged, *span);
    }
  g_array_unref (spans);
  return merged;
}

gboolean
vsa_window_set_is_open (const VsaWindowSet *set, GDateTime *now, GDateTime **ret_next)
{
  g_autoptr (GArray) spans = NULL;
  gint64 instant = g_date_time_to_unix (now), next = 0;
  gboolean open = FALSE;

  if (ret_next)
    *ret_next = NULL;
  if (set->always)
    return TRUE;
  spans = occurrences_around (set, now);
  for (guint i = 0; i < spans->len && next == 0; i++)
    {
      const Span *span = &g_array_index (spans, Span, i);

      if (span->start <= instant && instant < span->end)
        {
          open = TRUE;
          /* Open for more than a week: the windows cover every hour. */
          next = span->end - instant > WEEK_SECONDS + 7200 ? -1 : span->end;
        }
      else if (span->start > instant)
        next = span->start - instant > WEEK_SECONDS + 86400 ? -1 : span->start;
    }
  if (ret_next && next > 0)
    {
      g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (next);

      *ret_next = g_date_time_to_timezone (utc, g_date_time_get_timezone (now));
    }
  return open;
}

gboolean
vsa_window_set_can_open (const VsaWindowSet *set, GDateTime *now)
{
  g_autoptr (GDateTime) next = NULL;

  return vsa_window_set_is_open (set, now, &next) || next != NULL;
}

char *
vsa_window_format_instant (GDateTime *instant)
{
  return g_strdup_printf ("%s %02d:%02d", day_names[g_date_time_get_day_of_week (instant) - 1],
                          g_date_time_get_hour (instant), g_date_time_get_minute (instant));
}
