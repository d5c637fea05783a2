/*
 * Time zones, civil dates and iCalendar, through libical. libical reads
 * the system's tz database (/usr/share/zoneinfo, kept current by Debian's
 * tzdata package), so a rule change reaches us with an apt upgrade; the
 * process's own time zone (TZ, localtime) is never read or changed.
 *
 * libical's time-zone objects are shared and lazily expanded, so every
 * call into them here holds one mutex: the functions below are safe to
 * call from any thread.
 */
#ifndef IMAGO_CALENDAR_H
#define IMAGO_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../util/arena.h"
#include "../util/buf.h"
#include "../util/err.h"

#define TZ_NAME_MAX	64

/* A wall-clock reading in some zone. weekday: 1 Monday ... 7 Sunday. */
struct civil {
	int	 year, month, day;
	int	 hour, minute, second;
	int	 weekday;
};

/* A zone from the tz database; lives for the whole process. */
struct tz;

/* The zone called name ("Europe/Berlin", "UTC"), or NULL when the name is
 * malformed (only letters, digits, "_", "-", "+" and "/" separated parts,
 * no "..", at most TZ_NAME_MAX bytes) or unknown. */
const struct tz *tz_find(const char *name);
/* tz_find, or -1 with e: 422 naming param, "unknown time zone". */
int	 tz_lookup(const char *name, const char *param, const struct tz **out,
	    struct err *e);
const char *tz_name(const struct tz *z);
/* Every zone name we offer in pickers, sorted; n set. */
const char *const *tz_names(size_t *n);

/* The wall clock in z at instant t. */
void	 tz_local(const struct tz *z, time_t t, struct civil *out);
/* The UTC offset in seconds at t (east positive). */
int	 tz_offset(const struct tz *z, time_t t);
/*
 * The instant when z's clocks show wall (its weekday is ignored). A
 * reading that happens twice (clocks going back) is the earlier one; a
 * reading that never happens (clocks going forward) is the instant the
 * clocks jump, i.e. the first valid time after it. The seconds of wall
 * count.
 */
time_t	 tz_instant(const struct tz *z, const struct civil *wall);

/*
 * A zone's offsets over a range of instants, found once (a probe a day,
 * bisection at each change), so that the many conversions of one slot
 * listing are arithmetic instead of library calls. Outside the range,
 * or for a range longer than TZ_TABLE_DAYS or with more changes than
 * TZ_TABLE_SPANS, it asks the zone directly: same answers, only slower.
 * Like tz_instant, it assumes clocks change at most once a day.
 */
#define TZ_TABLE_DAYS	800
#define TZ_TABLE_SPANS	16

struct tz_table {
	const struct tz	*zone;
	time_t		 lo, hi;
	bool		 direct;
	size_t		 n;
	struct {
		time_t	 start;		/* this offset holds from here on */
		int	 offset;
	}		 spans[TZ_TABLE_SPANS];
};

void	 tz_table_init(struct tz_table *t, const struct tz *z, time_t lo,
	    time_t hi);
int	 tz_table_offset(const struct tz_table *t, time_t x);
void	 tz_table_local(const struct tz_table *t, time_t x, struct civil *out);
time_t	 tz_table_instant(const struct tz_table *t, const struct civil *wall);
void	 tz_table_format_iso(const struct tz_table *t, time_t x, char out[32]);

/* ---- civil dates (proleptic Gregorian, no zone) ------------------------ */

/* Days since 1970-01-01 for a date, and back; weekday 1..7. */
int64_t	 civil_days(int year, int month, int day);
void	 civil_from_days(int64_t days, struct civil *out);
/* Parses "YYYY-MM-DD" (a real date, years 1970..9999); 0 or -1. */
int	 civil_parse_date(const char *s, struct civil *out);
/* "YYYY-MM-DD" into out (11 bytes). */
void	 civil_format_date(const struct civil *c, char out[11]);
/* ISO 8601 with offset: "2026-03-08T09:30:00-05:00" for t in z (26 bytes). */
void	 tz_format_iso(const struct tz *z, time_t t, char out[32]);
/* "2026-03-08T14:30:00Z" (21 bytes). */
void	 utc_format_iso(time_t t, char out[32]);
/* Parses an ISO 8601 instant with "Z" or a numeric offset
 * ("2026-03-08T14:30:00Z", "...+01:00", seconds optional). 0 or -1. */
int	 utc_parse_iso(const char *s, time_t *out);

/* ---- iCalendar (RFC 5545), written with libical ------------------------ */

/* One appointment as a VEVENT. Times are written in UTC ("...Z"), which
 * every calendar shows in its own zone, so no VTIMEZONE is needed. */
struct ics_event {
	const char	*uid;		/* stable across updates: "ref@host" */
	int		 sequence;	/* bumped on every change (RFC 5546) */
	time_t		 start, end;
	time_t		 stamp;		/* DTSTAMP: when this version was made */
	const char	*summary;
	const char	*description;	/* may be NULL */
	const char	*location;	/* may be NULL */
	const char	*url;		/* may be NULL */
	bool		 cancelled;	/* STATUS:CANCELLED instead of CONFIRMED */
};

/* A calendar holding one event, for a mail attachment: METHOD:PUBLISH
 * (METHOD:CANCEL when cancelled). Appends to out. */
void	 ics_invitation(struct buf *out, const struct ics_event *ev);
/* A subscribable feed: a VCALENDAR named name (X-WR-CALNAME) with every
 * event. Appends to out. */
void	 ics_feed(struct buf *out, const char *name, const struct ics_event *evs,
	    size_t n);

#endif
