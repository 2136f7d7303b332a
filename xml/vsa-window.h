/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Access windows: when a user's console may open.  A window set is a union
 * of weekly windows in local wall-clock time ("Mon-Fri 18:00-23:00",
 * "Mon,Tue", "22:00-02:00"); one pure function tells, for an instant in the
 * configured zone, whether the set is open and when that next changes.
 * Every layer (broker, SASL databases, firewalls, the cut of live sessions,
 * audit) asks this function, so they cannot disagree. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VsaWindowSet VsaWindowSet;

/* The accepted forms, for error messages and help texts. */
#define VSA_WINDOW_FORMS \
  "always, DAYS (Mon,Tue or Mon-Fri), HH:MM-HH:MM, or DAYS HH:MM-HH:MM; several separated by ';'"

VsaWindowSet *vsa_window_set_new_always (void);
VsaWindowSet *vsa_window_set_new_never (void);
VsaWindowSet *vsa_window_set_copy (const VsaWindowSet *set);
void vsa_window_set_free (VsaWindowSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaWindowSet, vsa_window_set_free)

/* Parses SPEC (one or more windows separated by ';') into a new set. */
VsaWindowSet *vsa_window_set_parse (const char *spec, GError **error);
/* Adds the windows of SPEC to SET (windows add up); SET is unchanged on
 * failure. */
gboolean vsa_window_set_add (VsaWindowSet *set, const char *spec, GError **error);
/* Adds every window of OTHER to SET. */
void vsa_window_set_merge (VsaWindowSet *set, const VsaWindowSet *other);

/* The canonical form: equal sets give equal strings, and parsing the
 * string gives the set back.  "always" for an always-open set, "" for a
 * set with no window at all (one that never opens). */
char *vsa_window_set_to_string (const VsaWindowSet *set);
gboolean vsa_window_set_equal (const VsaWindowSet *a, const VsaWindowSet *b);
gboolean vsa_window_set_is_always (const VsaWindowSet *set);

/* THE decision.  NOW is an instant in the zone the windows are meant in
 * (its GTimeZone is used for wall-clock time).  Returns whether SET is
 * open at NOW; *RET_NEXT (if given) is set to the next instant the state
 * changes, in NOW's zone, or NULL when it never changes (always open, or
 * never opens).  Windows are wall-clock intervals: on a daylight-saving
 * change a window still opens and closes at its wall-clock times; a time
 * the clock skips opens (or closes) the window at the change itself, and
 * a time the clock passes twice counts at its first passing. */
gboolean vsa_window_set_is_open (const VsaWindowSet *set, GDateTime *now, GDateTime **ret_next);

/* FALSE when SET cannot open in the week after NOW (no window at all). */
gboolean vsa_window_set_can_open (const VsaWindowSet *set, GDateTime *now);

/* "Wed 10:02": an instant as a window's terms name it, whatever the
 * locale. */
char *vsa_window_format_instant (GDateTime *instant);

G_END_DECLS
