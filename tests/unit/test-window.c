/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The access-window model with an injected clock: every instant is built
 * in a named zone from the system's tzdata (Europe/Berlin for both
 * daylight-saving changes of 2026: 29 March 02:00 CET -> 03:00 CEST, and
 * 25 October 03:00 CEST -> 02:00 CET), so the tests mean the same on any
 * host whatever its own zone. */
#include "vsa-error.h"
#include "vsa-test-util.h"
#include "vsa-window.h"

#include <string.h>

static GTimeZone *
berlin (void)
{
  GTimeZone *zone = g_time_zone_new_identifier ("Europe/Berlin");

  g_assert_nonnull (zone); /* tzdata is a build dependency of the tests */
  return zone;
}

static GDateTime *
at (GTimeZone *zone, int year, int month, int day, int hour, int minute)
{
  return g_date_time_new (zone, year, month, day, hour, minute, 0);
}

/* Asserts the state of SPEC at the instant and, as "YYYY-MM-DD HH:MM +HH"
 * (local, with its offset) or "none", its next boundary. */
static void
assert_state (const char *spec, GDateTime *now, gboolean open, const char *next)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaWindowSet) set = vsa_window_set_parse (spec, &error);
  g_autoptr (GDateTime) boundary = NULL;
  g_autofree char *shown = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (vsa_window_set_is_open (set, now, &boundary), ==, open);
  shown = boundary ? g_date_time_format (boundary, "%Y-%m-%d %H:%M %:::z") : g_strdup ("none");
  g_assert_cmpstr (shown, ==, next);
  if (boundary)
    g_assert_true (g_date_time_compare (boundary, now) > 0);
}

static void
assert_canonical (const char *spec, const char *canonical)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaWindowSet) set = vsa_window_set_parse (spec, &error);
  g_autoptr (VsaWindowSet) again = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  text = vsa_window_set_to_string (set);
  g_assert_cmpstr (text, ==, canonical);
  again = vsa_window_set_parse (text, &error);
  g_assert_no_error (error);
  g_assert_true (vsa_window_set_equal (set, again));
}

static void
assert_refused (const char *spec, const char *token)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaWindowSet) set = vsa_window_set_parse (spec, &error);
  g_autofree char *quoted = g_strdup_printf ("'%s'", token);

  g_assert_null (set);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, quoted));
  g_assert_nonnull (strstr (error->message, VSA_WINDOW_FORMS));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_canonical_forms (void)
{
  assert_canonical ("always", "always");
  assert_canonical ("Mon,Tue", "Mon-Tue");
  assert_canonical ("mon-tue", "Mon-Tue");
  assert_canonical ("Wed-Thu", "Wed-Thu");
  assert_canonical ("Mon,Wed,Fri", "Mon,Wed,Fri");
  assert_canonical ("Fri-Mon", "Fri-Mon");
  assert_canonical ("Mon-Fri 18:00-23:00", "Mon-Fri 18:00-23:00");
  assert_canonical ("  Sat   09:00-12:00 ", "Sat 09:00-12:00");
  assert_canonical ("22:00-02:00", "22:00-02:00");
  assert_canonical ("Mon 22:00-00:00", "Mon 22:00-24:00");
  assert_canonical ("Mon-Sun", "always");
  assert_canonical ("00:00-24:00", "always");
  assert_canonical ("Mon 00:00-24:00", "Mon");
}

static void
test_windows_add_up (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaWindowSet) set = vsa_window_set_parse ("Mon", &error);
  g_autoptr (VsaWindowSet) evenings = NULL;
  g_autofree char *text = NULL;
  g_autofree char *with_evenings = NULL;

  g_assert_no_error (error);
  g_assert_true (vsa_window_set_add (set, "Tue", &error));
  g_assert_true (vsa_window_set_add (set, "Sat 09:00-12:00; Sun 09:00-12:00", &error));
  text = vsa_window_set_to_string (set);
  g_assert_cmpstr (text, ==, "Mon-Tue; Sat-Sun 09:00-12:00");
  /* A refused addition leaves the set as it was. */
  g_assert_false (vsa_window_set_add (set, "Wed; Thu 25:00-26:00", &error));
  g_clear_error (&error);
  g_free (text);
  text = vsa_window_set_to_string (set);
  g_assert_cmpstr (text, ==, "Mon-Tue; Sat-Sun 09:00-12:00");
  evenings = vsa_window_set_parse ("Mon-Fri 18:00-23:00", &error);
  vsa_window_set_merge (set, evenings);
  with_evenings = vsa_window_set_to_string (set);
  g_assert_cmpstr (with_evenings, ==, "Mon-Tue; Sat-Sun 09:00-12:00; Mon-Fri 18:00-23:00");
  g_assert_true (vsa_window_set_add (set, "always", &error));
  g_assert_true (vsa_window_set_is_always (set));
}

static void
test_bad_specs_name_the_token (void)
{
  assert_refused ("Mon-Fry", "Mon-Fry");
  assert_refused ("Monday", "Monday");
  assert_refused ("Mon,,Tue", "Mon,,Tue");
  assert_refused ("Mon 25:00-26:00", "25:00-26:00");
  assert_refused ("Mon 9:00-12:00", "9:00-12:00");
  assert_refused ("Mon 09:60-12:00", "09:60-12:00");
  assert_refused ("Mon 24:00-02:00", "24:00-02:00");
  assert_refused ("Mon 18:00", "18:00");
  assert_refused ("Mon 18:00-18:00", "18:00-18:00");
  assert_refused ("Mon Tue 10:00-11:00", "10:00-11:00");
  assert_refused ("always Mon", "always");
  assert_refused ("", "");
  assert_refused ("Mon;;Tue", "Mon;;Tue");
}

static void
test_weekdays (void)
{
  g_autoptr (GTimeZone) zone = berlin ();
  /* 2026-06-01 is a Monday. */
  g_autoptr (GDateTime) monday = at (zone, 2026, 6, 1, 10, 0);
  g_autoptr (GDateTime) tuesday_late = at (zone, 2026, 6, 2, 23, 59);
  g_autoptr (GDateTime) wednesday = at (zone, 2026, 6, 3, 0, 0);
  g_autoptr (GDateTime) sunday = at (zone, 2026, 6, 7, 12, 0);

  assert_state ("Mon-Tue", monday, TRUE, "2026-06-03 00:00 +02");
  assert_state ("Mon-Tue", tuesday_late, TRUE, "2026-06-03 00:00 +02");
  assert_state ("Mon-Tue", wednesday, FALSE, "2026-06-08 00:00 +02");
  assert_state ("Wed-Thu", monday, FALSE, "2026-06-03 00:00 +02");
  assert_state ("Wed-Thu", wednesday, TRUE, "2026-06-05 00:00 +02");
  /* A range across the week's end. */
  assert_state ("Sat-Mon", sunday, TRUE, "2026-06-09 00:00 +02");
  assert_state ("Sat-Mon", wednesday, FALSE, "2026-06-06 00:00 +02");
}

static void
test_time_ranges (void)
{
  g_autoptr (GTimeZone) zone = berlin ();
  g_autoptr (GDateTime) friday_evening = at (zone, 2026, 6, 5, 18, 0);
  g_autoptr (GDateTime) friday_late = at (zone, 2026, 6, 5, 23, 0);
  g_autoptr (GDateTime) monday_noon = at (zone, 2026, 6, 1, 12, 0);
  g_autoptr (GDateTime) saturday_noon = at (zone, 2026, 6, 6, 12, 0);
  g_autoptr (GDateTime) sunday_evening = NULL;

  assert_state ("Mon-Fri 18:00-23:00", friday_evening, TRUE, "2026-06-05 23:00 +02");
  /* The end is exclusive: at 23:00 it is closed until Monday evening. */
  assert_state ("Mon-Fri 18:00-23:00", friday_late, FALSE, "2026-06-08 18:00 +02");
  assert_state ("Mon-Fri 18:00-23:00", monday_noon, FALSE, "2026-06-01 18:00 +02");
  assert_state ("Sat 09:00-12:00", saturday_noon, FALSE, "2026-06-13 09:00 +02");
  /* Windows add up: Charlie's days and his boss's evenings in one set. */
  assert_state ("Mon-Fri 18:00-23:00; Sat 09:00-12:00", friday_late, FALSE,
                "2026-06-06 09:00 +02");
  /* Touching windows are one: no boundary at Monday's midnight. */
  sunday_evening = at (zone, 2026, 6, 7, 21, 0);
  assert_state ("Sun 20:00-24:00; Mon 00:00-06:00", sunday_evening, TRUE, "2026-06-08 06:00 +02");
}

static void
test_midnight_crossing (void)
{
  g_autoptr (GTimeZone) zone = berlin ();
  g_autoptr (GDateTime) monday_early = at (zone, 2026, 6, 1, 1, 0);
  g_autoptr (GDateTime) monday_late = at (zone, 2026, 6, 1, 22, 30);
  g_autoptr (GDateTime) monday_noon = at (zone, 2026, 6, 1, 12, 0);
  g_autoptr (GDateTime) saturday_early = at (zone, 2026, 6, 6, 1, 0);
  g_autoptr (GDateTime) sunday_early = at (zone, 2026, 6, 7, 1, 0);

  /* Every night: Monday 01:00 is in Sunday's night. */
  assert_state ("22:00-02:00", monday_early, TRUE, "2026-06-01 02:00 +02");
  assert_state ("22:00-02:00", monday_late, TRUE, "2026-06-02 02:00 +02");
  assert_state ("22:00-02:00", monday_noon, FALSE, "2026-06-01 22:00 +02");
  /* A night named by the day it starts on. */
  assert_state ("Fri 22:00-02:00", saturday_early, TRUE, "2026-06-06 02:00 +02");
  assert_state ("Fri 22:00-02:00", sunday_early, FALSE, "2026-06-12 22:00 +02");
  assert_state ("Fri 22:00-02:00", monday_early, FALSE, "2026-06-05 22:00 +02");
}

/* 29 March 2026: at 02:00 CET the clock jumps to 03:00 CEST. */
static void
test_spring_forward (void)
{
  g_autoptr (GTimeZone) zone = berlin ();
  g_autoptr (GDateTime) saturday = at (zone, 2026, 3, 28, 12, 0);
  g_autoptr (GDateTime) sunday_early = at (zone, 2026, 3, 29, 1, 30);
  g_autoptr (GDateTime) sunday_after = at (zone, 2026, 3, 29, 3, 30);
  g_autoptr (GDateTime) sunday_morning = at (zone, 2026, 3, 29, 5, 59);

  /* The same wall-clock time on both sides of the change, not the same
   * UTC time: Sunday 09:00 is 08:00 UTC before and 07:00 UTC after. */
  assert_state ("Sat-Sun 09:00-12:00", saturday, FALSE, "2026-03-29 09:00 +02");
  /* A window starting in the skipped hour opens when the clock jumps. */
  assert_state ("Sun 02:30-04:00", sunday_early, FALSE, "2026-03-29 03:00 +02");
  assert_state ("Sun 02:30-04:00", sunday_after, TRUE, "2026-03-29 04:00 +02");
  /* One ending in it closes then. */
  assert_state ("Sun 01:00-02:30", sunday_early, TRUE, "2026-03-29 03:00 +02");
  /* A night across the change ends at its wall-clock time. */
  assert_state ("Sat 22:00-06:00", sunday_early, TRUE, "2026-03-29 06:00 +02");
  assert_state ("Sat 22:00-06:00", sunday_morning, TRUE, "2026-03-29 06:00 +02");
  /* A window entirely in the skipped hour does not open that day. */
  assert_state ("Sun 02:00-02:30", sunday_early, FALSE, "2026-04-05 02:00 +02");
}

/* 25 October 2026: at 03:00 CEST the clock goes back to 02:00 CET. */
static void
test_fall_back (void)
{
  g_autoptr (GTimeZone) zone = berlin ();
  g_autoptr (GDateTime) saturday = at (zone, 2026, 10, 24, 12, 0);
  g_autoptr (GDateTime) sunday_early = at (zone, 2026, 10, 25, 1, 30);
  /* 01:15 UTC: the second passing of 02:15, in CET. */
  g_autoptr (GDateTime) utc_second_passing = g_date_time_new_utc (2026, 10, 25, 1, 15, 0);
  g_autoptr (GDateTime) second_passing = g_date_time_to_timezone (utc_second_passing, zone);
  g_autoptr (GDateTime) sunday_evening = at (zone, 2026, 10, 25, 20, 0);

  g_assert_cmpint (g_date_time_get_hour (second_passing), ==, 2);
  g_assert_cmpint (g_date_time_get_utc_offset (second_passing) / G_TIME_SPAN_HOUR, ==, 1);
  assert_state ("Sat-Sun 09:00-12:00", saturday, FALSE, "2026-10-25 09:00 +01");
  assert_state ("Mon-Fri 18:00-23:00", sunday_evening, FALSE, "2026-10-26 18:00 +01");
  /* A time the clock passes twice counts at its first passing. */
  assert_state ("Sun 02:00-02:30", sunday_early, FALSE, "2026-10-25 02:00 +02");
  assert_state ("Sun 02:00-02:30", second_passing, FALSE, "2026-11-01 02:00 +01");
  /* A night across the change ends at its wall-clock time, in CET. */
  assert_state ("Sat 22:00-06:00", sunday_early, TRUE, "2026-10-25 06:00 +01");
  assert_state ("Sat 22:00-06:00", second_passing, TRUE, "2026-10-25 06:00 +01");
  assert_state ("Sun 01:00-04:00", second_passing, TRUE, "2026-10-25 04:00 +01");
}

static void
test_always_and_never (void)
{
  g_autoptr (GTimeZone) zone = berlin ();
  g_autoptr (GDateTime) now = at (zone, 2026, 6, 3, 10, 2);
  g_autoptr (VsaWindowSet) never = vsa_window_set_new_never ();
  g_autoptr (VsaWindowSet) always = vsa_window_set_new_always ();
  g_autoptr (GDateTime) next = NULL;
  g_autofree char *never_text = vsa_window_set_to_string (never);

  assert_state ("always", now, TRUE, "none");
  /* Windows that cover every hour are open for good, without a boundary. */
  assert_state ("06:00-22:00; 22:00-06:00", now, TRUE, "none");
  g_assert_true (vsa_window_set_is_open (always, now, &next));
  g_assert_null (next);
  g_assert_false (vsa_window_set_is_open (never, now, &next));
  g_assert_null (next);
  g_assert_false (vsa_window_set_can_open (never, now));
  g_assert_true (vsa_window_set_can_open (always, now));
  g_assert_cmpstr (never_text, ==, "");
}

static void
test_zone_of_the_instant (void)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GTimeZone) zone = berlin ();
  /* Monday 23:30 in Berlin is Monday 21:30 UTC: the zone decides. */
  g_autoptr (GDateTime) in_berlin = at (zone, 2026, 6, 1, 23, 30);
  g_autoptr (GDateTime) in_utc = g_date_time_to_timezone (in_berlin, utc);

  assert_state ("Mon 22:00-23:00", in_berlin, FALSE, "2026-06-08 22:00 +02");
  assert_state ("Mon 22:00-23:00", in_utc, FALSE, "2026-06-01 22:00 +00");
  assert_state ("Mon 21:00-22:00", in_utc, TRUE, "2026-06-01 22:00 +00");
}

static void
test_format_instant (void)
{
  g_autoptr (GTimeZone) zone = berlin ();
  g_autoptr (GDateTime) now = at (zone, 2026, 6, 3, 10, 2);
  g_autofree char *text = vsa_window_format_instant (now);

  g_assert_cmpstr (text, ==, "Wed 10:02");
}

static const VsaTestEntry window_tests[] = {
  VSA_TEST ("/window/parse/canonical-forms", test_canonical_forms),
  VSA_TEST ("/window/parse/windows-add-up", test_windows_add_up),
  VSA_TEST ("/window/parse/bad-specs-name-the-token", test_bad_specs_name_the_token),
  VSA_TEST ("/window/open/weekdays", test_weekdays),
  VSA_TEST ("/window/open/time-ranges", test_time_ranges),
  VSA_TEST ("/window/open/midnight-crossing", test_midnight_crossing),
  VSA_TEST ("/window/dst/spring-forward", test_spring_forward),
  VSA_TEST ("/window/dst/fall-back", test_fall_back),
  VSA_TEST ("/window/open/always-and-never", test_always_and_never),
  VSA_TEST ("/window/open/zone-of-the-instant", test_zone_of_the_instant),
  VSA_TEST ("/window/format-instant", test_format_instant),
};

VSA_TEST_MAIN (window_tests)
