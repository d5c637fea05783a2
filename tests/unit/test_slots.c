/*
 * Free slots (slots_compute) and the checks on an availability
 * (availability_validate), src/booking/booking.h. The slots must stay at
 * the therapist's 9:00 across daylight-saving changes in both
 * hemispheres, follow real time through a night when the clocks move,
 * and respect dates off, notice, horizon, bounds and busy claims.
 */
#include "harness.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/booking/booking.h"
#include "../../src/calendar/calendar.h"
#include "../../src/util/arena.h"
#include "../../src/util/err.h"

#define MON	1
#define SUN	7
#define H(hh, mm)	((hh) * 60 + (mm))

static time_t
at_line(const char *iso, int line)
{
	time_t t = 0;
	if (utc_parse_iso(iso, &t) < 0)
		test_fail(__FILE__, line, "utc_parse_iso(\"%s\") failed", iso);
	return t;
}
#define AT(iso) at_line((iso), __LINE__)

/* A valid availability with the given weekly hours and nothing else
 * (no notice, a year's horizon, no dates off), validated. */
static struct availability
make_av(struct arena *a, const char *zone, int buffer,
    const struct weekly_hours *h, size_t nh)
{
	struct availability av;
	memset(&av, 0, sizeof(av));
	av.timezone = zone;
	av.buffer_minutes = buffer;
	av.min_notice_minutes = 0;
	av.max_days_ahead = BOOKING_HORIZON_MAX;
	av.cancel_window_hours = 24;
	av.hours = arena_alloc(a, (nh + 1) * sizeof(*av.hours));
	memcpy(av.hours, h, nh * sizeof(*h));
	av.nhours = nh;
	av.dates_off = arena_alloc(a, (BOOKING_DATES_OFF_MAX + 1) * sizeof(char *));
	av.types = arena_alloc(a, BOOKING_TYPES_MAX * sizeof(*av.types));
	av.types[0] = (struct appointment_type){ 0, "consultation",
	    "Free consultation", 15, 0, "", "video", true };
	av.types[1] = (struct appointment_type){ 0, "trial", "Trial session", 50,
	    80, "USD", "in_person", true };
	av.ntypes = 2;
	struct err e = ERR_INIT;
	if (availability_validate(&av, a, &e) < 0)
		test_fail(__FILE__, __LINE__, "make_av: %s: %s", e.param, e.message);
	return av;
}

struct run {
	const struct availability *av;
	int		 minutes;
	time_t		 now, from, to;
	bool		 ignore_limits;
	const struct busy *busy;
	size_t		 nbusy;
};

/* The working interval of weekday hours h on local day d, as instants. */
static void
interval_on(const struct tz *z, int64_t d, const struct weekly_hours *h,
    time_t *ws, time_t *we)
{
	struct civil c;
	civil_from_days(d, &c);
	c.hour = h->start_minute / 60;
	c.minute = h->start_minute % 60;
	*ws = tz_instant(z, &c);
	civil_from_days(d + h->end_minute / 1440, &c);
	c.hour = (h->end_minute % 1440) / 60;
	c.minute = h->end_minute % 60;
	*we = tz_instant(z, &c);
}

/*
 * Runs slots_compute and checks what must hold of any answer: in order,
 * never overlapping (not even with the buffer), each the type's length,
 * on the five-minute grid, starting in [from, to) (and after now +
 * notice, before the horizon, unless limits are ignored), inside a
 * working interval of its local day, and clear of every busy claim.
 */
static size_t
run_line(const struct run *r, struct arena *a, struct slot **out, int line)
{
	const struct availability *av = r->av;
	const struct tz *z = tz_find(av->timezone);
	struct slot_query q = {
		.av = av, .zone = z, .minutes = r->minutes, .now = r->now,
		.from = r->from, .to = r->to, .ignore_limits = r->ignore_limits,
		.busy = r->busy, .nbusy = r->nbusy,
	};
	struct slot *s = NULL;
	size_t n = 99999999;
	if (z == NULL) {
		test_fail(__FILE__, line, "unknown zone %s", av->timezone);
		*out = NULL;
		return 0;
	}
	if (slots_compute(&q, a, &s, &n) != 0) {
		test_fail(__FILE__, line, "slots_compute failed");
		*out = NULL;
		return 0;
	}
	*out = s;
	if (n > BOOKING_SLOTS_MAX) {
		test_fail(__FILE__, line, "%zu slots, more than the maximum", n);
		return 0;
	}
	if (n > 0 && s == NULL) {
		test_fail(__FILE__, line, "%zu slots and no array", n);
		return 0;
	}
	time_t len = (time_t)r->minutes * 60;
	time_t claim = len + (time_t)av->buffer_minutes * 60;
	int bad = 0;
	for (size_t i = 0; i < n && bad < 5; i++) {
		char when[32];
		utc_format_iso(s[i].start, when);
		const char *why = NULL;
		if (s[i].end - s[i].start != len)
			why = "wrong length";
		else if (s[i].start % BOOKING_BLOCK_SECONDS != 0)
			why = "off the five-minute grid";
		else if (i > 0 && s[i].start < s[i - 1].start + claim)
			why = "overlaps the one before (with its buffer)";
		else if (s[i].start < r->from || s[i].start >= r->to)
			why = "outside [from, to)";
		else if (!r->ignore_limits &&
		    s[i].start < r->now + (time_t)av->min_notice_minutes * 60)
			why = "too soon";
		if (why == NULL) {
			for (size_t k = 0; k < r->nbusy; k++)
				if (r->busy[k].start < s[i].start + claim &&
				    r->busy[k].end > s[i].start)
					why = "collides with a busy claim";
		}
		if (why == NULL) {
			/* Inside some working interval of its own day (or of
			 * the day before, for hours running to midnight). */
			struct civil c;
			tz_local(z, s[i].start, &c);
			int64_t day = civil_days(c.year, c.month, c.day);
			bool inside = false;
			for (int64_t d = day - 1; d <= day && !inside; d++) {
				struct civil dc;
				civil_from_days(d, &dc);
				char ds[11];
				civil_format_date(&dc, ds);
				bool off = false;
				for (size_t k = 0; k < av->ndates_off; k++)
					off |= strcmp(av->dates_off[k], ds) == 0;
				for (size_t k = 0; k < av->nhours && !off && !inside; k++) {
					if (av->hours[k].weekday != dc.weekday)
						continue;
					time_t ws, we;
					interval_on(z, d, &av->hours[k], &ws, &we);
					inside = s[i].start >= ws && s[i].end <= we;
				}
			}
			if (!inside)
				why = "not inside a working interval of its day";
		}
		if (why != NULL) {
			test_fail(__FILE__, line, "slot %zu at %s: %s", i, when, why);
			bad++;
		}
	}
	return n;
}
#define RUN(r, a, out) run_line((r), (a), (out), __LINE__)

/* The slots are exactly the listed UTC instants. */
static void
expect_line(const struct slot *s, size_t n, const char *const *want,
    size_t nwant, int line)
{
	bool ok = n == nwant;
	for (size_t i = 0; ok && i < n; i++) {
		char g[32];
		utc_format_iso(s[i].start, g);
		ok = strcmp(g, want[i]) == 0;
	}
	if (ok)
		return;
	struct buf got = BUF_INIT, exp = BUF_INIT;
	for (size_t i = 0; i < n && i < 60; i++) {
		char g[32];
		utc_format_iso(s[i].start, g);
		buf_printf(&got, " %s", g);
	}
	for (size_t i = 0; i < nwant; i++)
		buf_printf(&exp, " %s", want[i]);
	test_fail(__FILE__, line, "%zu slots:%s\n     want %zu:%s", n,
	    buf_cstr(&got), nwant, buf_cstr(&exp));
	buf_free(&got);
	buf_free(&exp);
}
#define EXPECT(s, n, ...) do { \
	static const char *const w_[] = { __VA_ARGS__ }; \
	expect_line((s), (n), w_, sizeof(w_) / sizeof(w_[0]), __LINE__); \
} while (0)
#define EXPECT_NONE(s, n) expect_line((s), (n), NULL, 0, __LINE__)

/* ---- daylight-saving changes -------------------------------------------------- */

/*
 * Hours 09:00-12:00 on Mondays and Sundays; 50-minute sessions with a
 * 10-minute buffer give 09:00, 10:00 and 11:00 local (11:50 <= 12:00).
 * firsts[] are the UTC instants of 09:00 on each working day in
 * [from, to), in order; every slot must read 09, 10 or 11:00 locally.
 */
static void
check_nine_to_twelve(const char *zone, const char *from, const char *to,
    const char *const *firsts, size_t ndays, int line)
{
	struct arena *a = arena_new();
	static const struct weekly_hours h[] = {
		{ MON, H(9, 0), H(12, 0) }, { SUN, H(9, 0), H(12, 0) },
	};
	struct availability av = make_av(a, zone, 10, h, 2);
	struct run r = { &av, 50, 0, 0, 0, true, NULL, 0 };
	r.from = r.now = at_line(from, line);
	r.to = at_line(to, line);
	struct slot *s;
	size_t n = run_line(&r, a, &s, line);
	const struct tz *z = tz_find(zone);
	if (n != ndays * 3)
		test_fail(__FILE__, line, "%s: %zu slots, want %zu", zone, n,
		    ndays * 3);
	for (size_t d = 0; d < ndays && d * 3 + 2 < n; d++) {
		time_t first = at_line(firsts[d], line);
		for (int k = 0; k < 3; k++) {
			const struct slot *x = &s[d * 3 + k];
			struct civil c;
			tz_local(z, x->start, &c);
			char g[32];
			utc_format_iso(x->start, g);
			if (x->start != first + k * 3600)
				test_fail(__FILE__, line, "%s day %zu slot %d at %s, "
				    "want %s + %dh", zone, d, k, g, firsts[d], k);
			if (c.hour != 9 + k || c.minute != 0 ||
			    (c.weekday != MON && c.weekday != SUN))
				test_fail(__FILE__, line, "%s: slot at %s reads "
				    "%02d:%02d on weekday %d", zone, g, c.hour,
				    c.minute, c.weekday);
			if (x->end - x->start != 50 * 60)
				test_fail(__FILE__, line, "%s: slot at %s is not 50 "
				    "minutes", zone, g);
		}
	}
	arena_free(a);
}
#define NINE_TO_TWELVE(zone, from, to, ...) do { \
	static const char *const f_[] = { __VA_ARGS__ }; \
	check_nine_to_twelve((zone), (from), (to), f_, \
	    sizeof(f_) / sizeof(f_[0]), __LINE__); \
} while (0)

TEST(slots_new_york_spring_forward)
{
	/* EST (UTC-5) until Sunday 2026-03-08 02:00, then EDT (UTC-4). */
	NINE_TO_TWELVE("America/New_York", "2026-03-01T00:00:00Z",
	    "2026-03-17T00:00:00Z",
	    "2026-03-01T14:00:00Z",	/* Sun */
	    "2026-03-02T14:00:00Z",	/* Mon */
	    "2026-03-08T13:00:00Z",	/* Sun, the day of the change */
	    "2026-03-09T13:00:00Z",	/* Mon */
	    "2026-03-15T13:00:00Z",
	    "2026-03-16T13:00:00Z");
}

TEST(slots_new_york_fall_back)
{
	/* EDT until Sunday 2026-11-01 02:00, then EST. */
	NINE_TO_TWELVE("America/New_York", "2026-10-25T00:00:00Z",
	    "2026-11-10T00:00:00Z",
	    "2026-10-25T13:00:00Z",
	    "2026-10-26T13:00:00Z",
	    "2026-11-01T14:00:00Z",	/* the day of the change */
	    "2026-11-02T14:00:00Z",
	    "2026-11-08T14:00:00Z",
	    "2026-11-09T14:00:00Z");
}

TEST(slots_berlin_spring_forward)
{
	/* CET (UTC+1) until 2026-03-29 01:00 UTC, then CEST (UTC+2). */
	NINE_TO_TWELVE("Europe/Berlin", "2026-03-22T00:00:00Z",
	    "2026-04-07T00:00:00Z",
	    "2026-03-22T08:00:00Z",
	    "2026-03-23T08:00:00Z",
	    "2026-03-29T07:00:00Z",	/* the day of the change */
	    "2026-03-30T07:00:00Z",
	    "2026-04-05T07:00:00Z",
	    "2026-04-06T07:00:00Z");
}

TEST(slots_berlin_fall_back)
{
	/* CEST until 2026-10-25 01:00 UTC, then CET. */
	NINE_TO_TWELVE("Europe/Berlin", "2026-10-18T00:00:00Z",
	    "2026-11-03T00:00:00Z",
	    "2026-10-18T07:00:00Z",
	    "2026-10-19T07:00:00Z",
	    "2026-10-25T08:00:00Z",	/* the day of the change */
	    "2026-10-26T08:00:00Z",
	    "2026-11-01T08:00:00Z",
	    "2026-11-02T08:00:00Z");
}

TEST(slots_sydney_autumn_back)
{
	/* Southern hemisphere: AEDT (UTC+11) until 2026-04-05 03:00 local,
	 * back to 02:00 AEST (UTC+10). Sydney's 09:00 is the evening
	 * before in UTC. */
	NINE_TO_TWELVE("Australia/Sydney", "2026-03-28T00:00:00Z",
	    "2026-04-13T12:00:00Z",
	    "2026-03-28T22:00:00Z",	/* Sun 03-29 */
	    "2026-03-29T22:00:00Z",	/* Mon 03-30 */
	    "2026-04-04T23:00:00Z",	/* Sun 04-05, the day of the change */
	    "2026-04-05T23:00:00Z",	/* Mon 04-06 */
	    "2026-04-11T23:00:00Z",
	    "2026-04-12T23:00:00Z");
}

TEST(slots_sydney_spring_forward)
{
	/* AEST until 2026-10-04 02:00 local, forward to 03:00 AEDT. */
	NINE_TO_TWELVE("Australia/Sydney", "2026-09-26T00:00:00Z",
	    "2026-10-12T12:00:00Z",
	    "2026-09-26T23:00:00Z",	/* Sun 09-27 */
	    "2026-09-27T23:00:00Z",	/* Mon 09-28 */
	    "2026-10-03T22:00:00Z",	/* Sun 10-04, the day of the change */
	    "2026-10-04T22:00:00Z",	/* Mon 10-05 */
	    "2026-10-10T22:00:00Z",
	    "2026-10-11T22:00:00Z");
}

TEST(slots_half_hour_and_quarter_hour_zones)
{
	NINE_TO_TWELVE("Asia/Kathmandu", "2026-03-01T00:00:00Z",
	    "2026-03-10T00:00:00Z",
	    "2026-03-01T03:15:00Z", "2026-03-02T03:15:00Z",
	    "2026-03-08T03:15:00Z", "2026-03-09T03:15:00Z");
	/* Lord Howe moves by 30 minutes on 2026-10-04 at 02:00. */
	NINE_TO_TWELVE("Australia/Lord_Howe", "2026-09-26T00:00:00Z",
	    "2026-10-06T00:00:00Z",
	    "2026-09-26T22:30:00Z", "2026-09-27T22:30:00Z",
	    "2026-10-03T22:00:00Z", "2026-10-04T22:00:00Z");
}

/* A query over one working night, 50 + 10 minutes, limits ignored. */
static size_t
night(struct arena *a, const char *zone, int weekday, int start, int end,
    int minutes, int buffer, const char *from, const char *to,
    struct slot **s, int line)
{
	struct weekly_hours h[] = { { weekday, start, end } };
	struct availability *av = arena_alloc(a, sizeof(*av));
	*av = make_av(a, zone, buffer, h, 1);
	struct run r = { av, minutes, 0, 0, 0, true, NULL, 0 };
	r.now = r.from = at_line(from, line);
	r.to = at_line(to, line);
	return run_line(&r, a, s, line);
}

/* No slot starts at a local reading in [from, to) minutes of the day:
 * where the clocks skip, a slot can only be a wrong conversion. */
static void
none_between(const char *zone, const struct slot *s, size_t n, int from,
    int to, int line)
{
	const struct tz *z = tz_find(zone);
	for (size_t i = 0; i < n; i++) {
		struct civil c;
		tz_local(z, s[i].start, &c);
		int m = c.hour * 60 + c.minute;
		if (m >= from && m < to)
			test_fail(__FILE__, line, "%s: slot %zu reads %02d:%02d, "
			    "a time the clocks skip", zone, i, c.hour, c.minute);
	}
}

TEST(slots_night_window_spring_forward_is_real_time)
{
	struct arena *a = arena_new();
	struct slot *s;
	/* New York, Sunday 2026-03-08 00:00-05:00: 00:00 EST is 05:00Z and
	 * 05:00 EDT is 09:00Z, four real hours. 02:xx never happens. */
	size_t n = night(a, "America/New_York", SUN, H(0, 0), H(5, 0), 50, 10,
	    "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", &s, __LINE__);
	EXPECT(s, n, "2026-03-08T05:00:00Z", "2026-03-08T06:00:00Z",
	    "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z");
	none_between("America/New_York", s, n, H(2, 0), H(3, 0), __LINE__);
	/* The Sunday before: five hours, five slots. */
	n = night(a, "America/New_York", SUN, H(0, 0), H(5, 0), 50, 10,
	    "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", &s, __LINE__);
	EXPECT(s, n, "2026-03-01T05:00:00Z", "2026-03-01T06:00:00Z",
	    "2026-03-01T07:00:00Z", "2026-03-01T08:00:00Z",
	    "2026-03-01T09:00:00Z");
	/* 15 minutes + 5: every 20 real minutes, twelve in four hours. */
	n = night(a, "America/New_York", SUN, H(0, 0), H(5, 0), 15, 5,
	    "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", &s, __LINE__);
	CHECK_INT(n, 12);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(s[i].start, AT("2026-03-08T05:00:00Z") + (time_t)i * 1200);
	none_between("America/New_York", s, n, H(2, 0), H(3, 0), __LINE__);
	/* Hours starting inside the gap begin at the jump (03:00 EDT). */
	n = night(a, "America/New_York", SUN, H(2, 30), H(5, 0), 50, 10,
	    "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", &s, __LINE__);
	EXPECT(s, n, "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z");
	/* Berlin, 01:00-04:00 on 2026-03-29: 00:00Z to 02:00Z. */
	n = night(a, "Europe/Berlin", SUN, H(1, 0), H(4, 0), 50, 10,
	    "2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z", &s, __LINE__);
	EXPECT(s, n, "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z");
	/* Sydney, 00:00-05:00 on 2026-10-04 (AEST to AEDT at 02:00). */
	n = night(a, "Australia/Sydney", SUN, H(0, 0), H(5, 0), 50, 10,
	    "2026-10-03T00:00:00Z", "2026-10-05T00:00:00Z", &s, __LINE__);
	EXPECT(s, n, "2026-10-03T14:00:00Z", "2026-10-03T15:00:00Z",
	    "2026-10-03T16:00:00Z", "2026-10-03T17:00:00Z");
	none_between("Australia/Sydney", s, n, H(2, 0), H(3, 0), __LINE__);
	/* Lord Howe, 01:00-04:00 on 2026-10-04: 02:00-02:30 never happens,
	 * so 2.5 real hours (14:30Z to 17:00Z). */
	n = night(a, "Australia/Lord_Howe", SUN, H(1, 0), H(4, 0), 50, 10,
	    "2026-10-03T00:00:00Z", "2026-10-05T00:00:00Z", &s, __LINE__);
	EXPECT(s, n, "2026-10-03T14:30:00Z", "2026-10-03T15:30:00Z");
	none_between("Australia/Lord_Howe", s, n, H(2, 0), H(2, 30), __LINE__);
	arena_free(a);
}

TEST(slots_night_window_fall_back_is_real_time)
{
	struct arena *a = arena_new();
	struct slot *s;
	/* New York, Sunday 2026-11-01 00:00-05:00: 00:00 EDT is 04:00Z and
	 * 05:00 EST is 10:00Z, six real hours; 01:00 happens twice. */
	size_t n = night(a, "America/New_York", SUN, H(0, 0), H(5, 0), 50, 10,
	    "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", &s, __LINE__);
	EXPECT(s, n, "2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z",
	    "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z",
	    "2026-11-01T08:00:00Z", "2026-11-01T09:00:00Z");
	/* Berlin, 2026-10-25 01:00-04:00: 23:00Z (CEST) to 03:00Z (CET). */
	n = night(a, "Europe/Berlin", SUN, H(1, 0), H(4, 0), 50, 10,
	    "2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z", &s, __LINE__);
	EXPECT(s, n, "2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z",
	    "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z");
	/* Sydney, 2026-04-05 00:00-05:00: 13:00Z (AEDT) to 19:00Z (AEST). */
	n = night(a, "Australia/Sydney", SUN, H(0, 0), H(5, 0), 50, 10,
	    "2026-04-04T00:00:00Z", "2026-04-06T00:00:00Z", &s, __LINE__);
	EXPECT(s, n, "2026-04-04T13:00:00Z", "2026-04-04T14:00:00Z",
	    "2026-04-04T15:00:00Z", "2026-04-04T16:00:00Z",
	    "2026-04-04T17:00:00Z", "2026-04-04T18:00:00Z");
	arena_free(a);
}

/* Hours to midnight every day, across both changes of a year: the days
 * meet end to end, never twice the same instant. */
TEST(slots_whole_days_across_changes_never_repeat)
{
	struct arena *a = arena_new();
	struct weekly_hours h[7];
	for (int d = 0; d < 7; d++)
		h[d] = (struct weekly_hours){ d + 1, 0, 1440 };
	static const char *const zones[] = {
		"America/New_York", "Europe/Berlin", "Australia/Sydney",
	};
	static const char *const windows[][2] = {
		{ "2026-03-06T00:00:00Z", "2026-03-11T00:00:00Z" },
		{ "2026-03-27T00:00:00Z", "2026-04-07T00:00:00Z" },
		{ "2026-10-02T00:00:00Z", "2026-10-06T00:00:00Z" },
		{ "2026-10-23T00:00:00Z", "2026-11-03T00:00:00Z" },
	};
	for (size_t zi = 0; zi < 3; zi++) {
		struct availability av = make_av(a, zones[zi], 0, h, 7);
		for (size_t wi = 0; wi < 4; wi++) {
			struct run r = { &av, 60, 0, 0, 0, true, NULL, 0 };
			r.now = r.from = AT(windows[wi][0]);
			r.to = AT(windows[wi][1]);
			struct slot *s;
			size_t n = RUN(&r, a, &s);
			/* Each local day yields its whole hours; no slot twice. */
			CHECK(n > 0);
			for (size_t i = 1; i < n; i++)
				if (s[i].start <= s[i - 1].start)
					test_fail(__FILE__, __LINE__, "%s: slots out of "
					    "order at %zu", zones[zi], i);
		}
	}
	arena_free(a);
}

/* ---- limits and bounds ------------------------------------------------------------ */

/* New York, Mondays 09:00-12:00, 50 + 10: in January 14:00, 15:00 and
 * 16:00 UTC. */
static struct availability
ny_mondays(struct arena *a)
{
	static const struct weekly_hours h[] = { { MON, H(9, 0), H(12, 0) } };
	return make_av(a, "America/New_York", 10, h, 1);
}

TEST(slots_dates_off_remove_the_day)
{
	struct arena *a = arena_new();
	struct availability av = ny_mondays(a);
	av.dates_off[0] = "2026-01-12";
	av.ndates_off = 1;
	struct run r = { &av, 50, 0, 0, 0, true, NULL, 0 };
	r.now = r.from = AT("2026-01-04T00:00:00Z");
	r.to = AT("2026-01-20T00:00:00Z");
	struct slot *s;
	size_t n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T14:00:00Z", "2026-01-05T15:00:00Z",
	    "2026-01-05T16:00:00Z", "2026-01-19T14:00:00Z",
	    "2026-01-19T15:00:00Z", "2026-01-19T16:00:00Z");
	arena_free(a);
}

/* A date off is a date in the therapist's zone, not in UTC. */
TEST(slots_dates_off_are_local_dates)
{
	struct arena *a = arena_new();
	static const struct weekly_hours h[] = { { MON, H(9, 0), H(12, 0) } };
	struct availability av = make_av(a, "Australia/Sydney", 10, h, 1);
	struct run r = { &av, 50, 0, 0, 0, true, NULL, 0 };
	r.now = r.from = AT("2026-01-01T00:00:00Z");
	r.to = AT("2026-01-10T00:00:00Z");
	struct slot *s;
	/* Monday 2026-01-05 09:00 AEDT is Sunday 2026-01-04 22:00 UTC. */
	av.dates_off[0] = "2026-01-04";
	av.ndates_off = 1;
	size_t n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-04T22:00:00Z", "2026-01-04T23:00:00Z",
	    "2026-01-05T00:00:00Z");
	av.dates_off[0] = "2026-01-05";
	n = RUN(&r, a, &s);
	EXPECT_NONE(s, n);
	arena_free(a);
}

TEST(slots_min_notice)
{
	struct arena *a = arena_new();
	struct availability av = ny_mondays(a);
	struct run r = { &av, 50, 0, 0, 0, false, NULL, 0 };
	r.now = AT("2026-01-05T13:00:00Z");		/* 08:00 in New York */
	r.from = AT("2026-01-05T00:00:00Z");
	r.to = AT("2026-01-06T00:00:00Z");
	struct slot *s;
	av.min_notice_minutes = 60;			/* now + notice = 14:00 */
	size_t n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T14:00:00Z", "2026-01-05T15:00:00Z",
	    "2026-01-05T16:00:00Z");
	av.min_notice_minutes = 90;			/* 14:30 */
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z");
	av.min_notice_minutes = 120;			/* 15:00 exactly */
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z");
	av.min_notice_minutes = 125;
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T16:00:00Z");
	av.min_notice_minutes = 24 * 60;
	n = RUN(&r, a, &s);
	EXPECT_NONE(s, n);
	/* No notice: still nothing in the past. */
	av.min_notice_minutes = 0;
	r.now = AT("2026-01-05T15:30:00Z");
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T16:00:00Z");
	/* Ignoring limits: every slot in [from, to). */
	av.min_notice_minutes = 24 * 60;
	r.ignore_limits = true;
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T14:00:00Z", "2026-01-05T15:00:00Z",
	    "2026-01-05T16:00:00Z");
	arena_free(a);
}

TEST(slots_max_days_ahead)
{
	struct arena *a = arena_new();
	struct weekly_hours h[7];
	for (int d = 0; d < 7; d++)
		h[d] = (struct weekly_hours){ d + 1, H(9, 0), H(12, 0) };
	struct availability av = make_av(a, "America/New_York", 10, h, 7);
	av.max_days_ahead = 7;
	struct run r = { &av, 50, 0, 0, 0, false, NULL, 0 };
	r.now = r.from = AT("2026-01-05T12:00:00Z");	/* Mon 07:00 local */
	r.to = r.from + 30 * 86400;
	struct slot *s;
	size_t n = RUN(&r, a, &s);
	/* Today and the seven days after it, three slots each. */
	CHECK_INT(n, 24);
	if (n > 0) {
		char last[32];
		utc_format_iso(s[n - 1].start, last);
		CHECK_STR(last, "2026-01-12T16:00:00Z");
	}
	/* Limits ignored: up to `to` (02-04 12:00Z, before that day's 09:00). */
	av.min_notice_minutes = 600;
	r.ignore_limits = true;
	n = RUN(&r, a, &s);
	CHECK_INT(n, 90);
	/* With them: notice takes today, the horizon stops at 01-12. */
	r.ignore_limits = false;
	n = RUN(&r, a, &s);
	CHECK_INT(n, 21);
	if (n > 0) {
		char first[32];
		utc_format_iso(s[0].start, first);
		CHECK_STR(first, "2026-01-06T14:00:00Z");
	}
	arena_free(a);
}

/* The horizon counts days in the therapist's zone. */
TEST(slots_max_days_ahead_in_the_therapists_zone)
{
	struct arena *a = arena_new();
	struct weekly_hours h[7];
	for (int d = 0; d < 7; d++)
		h[d] = (struct weekly_hours){ d + 1, H(9, 0), H(12, 0) };
	struct availability av = make_av(a, "Australia/Sydney", 10, h, 7);
	av.max_days_ahead = 1;
	struct run r = { &av, 50, 0, 0, 0, false, NULL, 0 };
	/* 2026-01-04 20:00 UTC is Monday 2026-01-05 07:00 in Sydney. */
	r.now = r.from = AT("2026-01-04T20:00:00Z");
	r.to = r.from + 10 * 86400;
	struct slot *s;
	size_t n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-04T22:00:00Z", "2026-01-04T23:00:00Z",
	    "2026-01-05T00:00:00Z", "2026-01-05T22:00:00Z",
	    "2026-01-05T23:00:00Z", "2026-01-06T00:00:00Z");
	arena_free(a);
}

TEST(slots_from_to_bounds)
{
	struct arena *a = arena_new();
	struct availability av = ny_mondays(a);
	struct run r = { &av, 50, 0, 0, 0, true, NULL, 0 };
	r.now = AT("2026-01-01T00:00:00Z");
	struct slot *s;
	r.from = AT("2026-01-05T15:00:00Z");
	r.to = AT("2026-01-06T00:00:00Z");
	size_t n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z");
	r.from = AT("2026-01-05T00:00:00Z");
	r.to = AT("2026-01-05T16:00:00Z");		/* excluded: [from, to) */
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T14:00:00Z", "2026-01-05T15:00:00Z");
	/* Slots stay on their grid: from 14:30 does not make a 14:30 slot. */
	r.from = AT("2026-01-05T14:30:00Z");
	r.to = AT("2026-01-06T00:00:00Z");
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z");
	r.from = r.to = AT("2026-01-05T14:00:00Z");
	n = RUN(&r, a, &s);
	EXPECT_NONE(s, n);
	r.from = AT("2026-01-06T00:00:00Z");
	r.to = AT("2026-01-05T00:00:00Z");
	n = 7;
	struct slot_query q = { .av = &av, .zone = tz_find(av.timezone),
	    .minutes = 50, .now = r.now, .from = r.from, .to = r.to,
	    .ignore_limits = true };
	CHECK_INT(slots_compute(&q, a, &s, &n), 0);
	CHECK_INT(n, 0);
	/* The same with limits: from and to still bound. */
	r.ignore_limits = false;
	r.now = AT("2026-01-01T00:00:00Z");
	r.from = AT("2026-01-05T15:00:00Z");
	r.to = AT("2026-01-05T16:00:01Z");
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z");
	arena_free(a);
}

TEST(slots_busy_claims)
{
	struct arena *a = arena_new();
	struct availability av = ny_mondays(a);
	struct run r = { &av, 50, 0, 0, 0, true, NULL, 0 };
	r.now = r.from = AT("2026-01-05T00:00:00Z");
	r.to = AT("2026-01-06T00:00:00Z");
	struct slot *s;
	struct busy b[3];
	size_t n;
#define BUSY(i, s0, e0) (b[i] = (struct busy){ AT(s0), AT(e0) })
	/* An appointment 15:00-15:50 with its buffer: that slot is gone;
	 * the one before ends with its buffer exactly when it starts. */
	BUSY(0, "2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z");
	r.busy = b;
	r.nbusy = 1;
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T14:00:00Z", "2026-01-05T16:00:00Z");
	/* A claim from 14:55: the 14:00 slot ends at 14:50, less than the
	 * 10-minute buffer before it. 15:00 starts when it ends. */
	BUSY(0, "2026-01-05T14:55:00Z", "2026-01-05T15:00:00Z");
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z");
	/* A claim until 14:05 (an appointment to 13:55 plus its buffer). */
	BUSY(0, "2026-01-05T13:00:00Z", "2026-01-05T14:05:00Z");
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z");
	/* Ending exactly at a slot's start: no conflict. */
	BUSY(0, "2026-01-05T13:00:00Z", "2026-01-05T14:00:00Z");
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T14:00:00Z", "2026-01-05T15:00:00Z",
	    "2026-01-05T16:00:00Z");
	/* Five minutes inside a slot's buffer (16:50-17:00). */
	BUSY(0, "2026-01-05T16:55:00Z", "2026-01-05T17:30:00Z");
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T14:00:00Z", "2026-01-05T15:00:00Z");
	/* Slots do not move to fit around a claim. */
	BUSY(0, "2026-01-05T15:00:00Z", "2026-01-05T15:05:00Z");
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T14:00:00Z", "2026-01-05T16:00:00Z");
	/* Several, sorted by start, one inside another. */
	BUSY(0, "2026-01-05T13:00:00Z", "2026-01-05T13:30:00Z");
	BUSY(1, "2026-01-05T13:10:00Z", "2026-01-05T15:30:00Z");
	BUSY(2, "2026-01-05T13:20:00Z", "2026-01-05T13:25:00Z");
	r.nbusy = 3;
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T16:00:00Z");
	BUSY(0, "2026-01-05T10:00:00Z", "2026-01-05T20:00:00Z");
	BUSY(1, "2026-01-05T15:00:00Z", "2026-01-05T15:10:00Z");
	BUSY(2, "2026-01-05T16:00:00Z", "2026-01-05T16:10:00Z");
	n = RUN(&r, a, &s);
	EXPECT_NONE(s, n);
	/* Claims before and after the day change nothing. */
	BUSY(0, "2026-01-04T10:00:00Z", "2026-01-05T14:00:00Z");
	BUSY(1, "2026-01-05T17:00:00Z", "2026-01-05T18:00:00Z");
	BUSY(2, "2026-01-12T14:00:00Z", "2026-01-12T15:00:00Z");
	n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T14:00:00Z", "2026-01-05T15:00:00Z",
	    "2026-01-05T16:00:00Z");
#undef BUSY
	arena_free(a);
}

/* Busy claims over several weeks, checked slot by slot (RUN checks no
 * slot collides); a claim on one Monday leaves the others alone. */
TEST(slots_busy_over_weeks)
{
	struct arena *a = arena_new();
	struct availability av = ny_mondays(a);
	struct busy b[] = {
		{ AT("2026-01-05T14:00:00Z"), AT("2026-01-05T15:00:00Z") },
		{ AT("2026-01-12T15:30:00Z"), AT("2026-01-12T15:35:00Z") },
		{ AT("2026-01-19T16:45:00Z"), AT("2026-01-19T16:50:00Z") },
	};
	struct run r = { &av, 50, 0, 0, 0, true, b, 3 };
	r.now = r.from = AT("2026-01-01T00:00:00Z");
	r.to = AT("2026-01-27T00:00:00Z");
	struct slot *s;
	size_t n = RUN(&r, a, &s);
	EXPECT(s, n, "2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z",
	    "2026-01-12T14:00:00Z", "2026-01-12T16:00:00Z",
	    "2026-01-19T14:00:00Z", "2026-01-19T15:00:00Z",
	    "2026-01-26T14:00:00Z", "2026-01-26T15:00:00Z",
	    "2026-01-26T16:00:00Z");
	arena_free(a);
}

TEST(slots_fifteen_minutes_with_five_minute_buffer)
{
	struct arena *a = arena_new();
	static const struct weekly_hours h[] = {
		{ MON, H(9, 0), H(10, 0) }, { MON, H(13, 0), H(14, 15) },
	};
	struct availability av = make_av(a, "America/New_York", 5, h, 2);
	struct run r = { &av, 15, 0, 0, 0, true, NULL, 0 };
	r.now = r.from = AT("2026-01-05T00:00:00Z");
	r.to = AT("2026-01-06T00:00:00Z");
	struct slot *s;
	size_t n = RUN(&r, a, &s);
	/* 09:00, 09:20, 09:40 (ends 09:55); 13:00 ... 14:00 (ends 14:15). */
	EXPECT(s, n, "2026-01-05T14:00:00Z", "2026-01-05T14:20:00Z",
	    "2026-01-05T14:40:00Z", "2026-01-05T18:00:00Z",
	    "2026-01-05T18:20:00Z", "2026-01-05T18:40:00Z",
	    "2026-01-05T19:00:00Z");
	arena_free(a);
}

TEST(slots_a_session_longer_than_the_hours_yields_none)
{
	struct arena *a = arena_new();
	static const struct weekly_hours h[] = { { MON, H(9, 0), H(9, 45) } };
	struct availability av = make_av(a, "Europe/Berlin", 0, h, 1);
	struct run r = { &av, 50, 0, 0, 0, true, NULL, 0 };
	r.now = r.from = AT("2026-01-01T00:00:00Z");
	r.to = AT("2026-02-01T00:00:00Z");
	struct slot *s;
	size_t n = RUN(&r, a, &s);
	EXPECT_NONE(s, n);
	arena_free(a);
}

TEST(slots_never_more_than_the_maximum)
{
	struct arena *a = arena_new();
	struct weekly_hours h[7];
	for (int d = 0; d < 7; d++)
		h[d] = (struct weekly_hours){ d + 1, 0, 1440 };
	struct availability av = make_av(a, "UTC", 0, h, 7);
	struct run r = { &av, 5, 0, 0, 0, true, NULL, 0 };
	r.now = r.from = AT("2026-01-01T00:00:00Z");
	r.to = r.from + (time_t)BOOKING_LIST_DAYS_MAX * 86400;	/* 34560 possible */
	struct slot *s;
	size_t n = RUN(&r, a, &s);
	CHECK_INT(n, BOOKING_SLOTS_MAX);
	if (n == BOOKING_SLOTS_MAX) {
		CHECK_INT(s[0].start, r.from);
		CHECK_INT(s[n - 1].start, r.from + (time_t)(n - 1) * 300);
	}
	/* With limits too, and in a zone with a change inside. */
	struct availability av2 = make_av(a, "America/New_York", 0, h, 7);
	r.av = &av2;
	r.ignore_limits = false;
	r.from = r.now = AT("2026-02-20T00:00:00Z");
	r.to = r.from + (time_t)BOOKING_LIST_DAYS_MAX * 86400;
	n = RUN(&r, a, &s);
	CHECK_INT(n, BOOKING_SLOTS_MAX);
	arena_free(a);
}

/* ---- availability_validate ---------------------------------------------------- */

/* A good availability, in fresh arena memory, with room to grow. */
static struct availability
good_av(struct arena *a)
{
	struct availability av;
	memset(&av, 0, sizeof(av));
	av.timezone = "Europe/Berlin";
	av.buffer_minutes = 10;
	av.min_notice_minutes = 240;
	av.max_days_ahead = 60;
	av.cancel_window_hours = 24;
	av.hours = arena_alloc(a, (BOOKING_HOURS_MAX + 10) * sizeof(*av.hours));
	av.hours[0] = (struct weekly_hours){ 3, H(9, 0), H(12, 0) };
	av.hours[1] = (struct weekly_hours){ MON, H(13, 0), H(17, 30) };
	av.hours[2] = (struct weekly_hours){ MON, H(9, 0), H(12, 0) };
	av.hours[3] = (struct weekly_hours){ SUN, H(0, 0), 1440 };
	av.nhours = 4;
	av.dates_off = arena_alloc(a, (BOOKING_DATES_OFF_MAX + 10) * sizeof(char *));
	av.dates_off[0] = "2026-12-25";
	av.dates_off[1] = "2026-01-01";
	av.dates_off[2] = "2026-12-24";
	av.ndates_off = 3;
	av.types = arena_alloc(a, (BOOKING_TYPES_MAX + 5) * sizeof(*av.types));
	av.types[0] = (struct appointment_type){ 0, "consultation",
	    "Free consultation", 15, 0, "", "video", true };
	av.types[1] = (struct appointment_type){ 0, "trial",
	    "Séance d'essai – 50 min", 50, 80, "EUR", "in_person", true };
	av.ntypes = 2;
	return av;
}

static void
check_refused(struct availability *av, struct arena *a, const char *param,
    int line)
{
	struct err e = ERR_INIT;
	int rc = availability_validate(av, a, &e);
	if (rc != -1) {
		test_fail(__FILE__, line, "accepted, want an error on %s", param);
		return;
	}
	if (e.status != 422 && e.status != 400)
		test_fail(__FILE__, line, "status %d", e.status);
	if (e.message[0] == '\0')
		test_fail(__FILE__, line, "no message");
	/* "dates_off*": the field, with or without an index. */
	size_t pl = strlen(param);
	bool prefix = pl > 0 && param[pl - 1] == '*';
	if (prefix ? strncmp(e.param, param, pl - 1) != 0 :
	    strcmp(e.param, param) != 0)
		test_fail(__FILE__, line, "param \"%s\", want \"%s\" (%s)", e.param,
		    param, e.message);
}
#define REFUSED(av, a, param) check_refused((av), (a), (param), __LINE__)

TEST(availability_validate_accepts_and_normalises)
{
	struct arena *a = arena_new();
	struct availability av = good_av(a);
	struct err e = ERR_INIT;
	CHECK_INT(availability_validate(&av, a, &e), 0);
	CHECK(!err_is_set(&e));
	CHECK_STR(av.timezone, "Europe/Berlin");
	CHECK_INT(av.nhours, 4);
	CHECK_INT(av.hours[0].weekday, MON);
	CHECK_INT(av.hours[0].start_minute, H(9, 0));
	CHECK_INT(av.hours[1].weekday, MON);
	CHECK_INT(av.hours[1].start_minute, H(13, 0));
	CHECK_INT(av.hours[1].end_minute, H(17, 30));
	CHECK_INT(av.hours[2].weekday, 3);
	CHECK_INT(av.hours[3].weekday, SUN);
	CHECK_INT(av.hours[3].end_minute, 1440);
	CHECK_INT(av.ndates_off, 3);
	CHECK_STR(av.dates_off[0], "2026-01-01");
	CHECK_STR(av.dates_off[1], "2026-12-24");
	CHECK_STR(av.dates_off[2], "2026-12-25");
	CHECK_INT(av.ntypes, 2);
	/* Twice is the same as once. */
	CHECK_INT(availability_validate(&av, a, &e), 0);
	CHECK_INT(av.hours[0].start_minute, H(9, 0));
	CHECK_INT(av.ndates_off, 3);
	arena_free(a);
}

TEST(availability_validate_duplicate_dates_made_unique)
{
	/* The header: "dates sorted and unique". */
	struct arena *a = arena_new();
	struct availability av = good_av(a);
	av.dates_off[3] = "2026-12-25";
	av.dates_off[4] = "2026-01-01";
	av.dates_off[5] = "2026-12-25";
	av.ndates_off = 6;
	struct err e = ERR_INIT;
	CHECK_INT(availability_validate(&av, a, &e), 0);
	CHECK_INT(av.ndates_off, 3);
	CHECK_STR(av.dates_off[0], "2026-01-01");
	CHECK_STR(av.dates_off[1], "2026-12-24");
	CHECK_STR(av.dates_off[2], "2026-12-25");
	arena_free(a);
}

TEST(availability_validate_limits_at_the_edge_pass)
{
	struct arena *a = arena_new();
	struct availability av = good_av(a);
	/* 70 weekly intervals: ten one-hour intervals a day. */
	av.nhours = 0;
	for (int d = 1; d <= 7; d++)
		for (int k = 0; k < 10; k++)
			av.hours[av.nhours++] = (struct weekly_hours){ d,
			    H(8 + k, 0), H(8 + k, 55) };
	CHECK_INT(av.nhours, BOOKING_HOURS_MAX);
	/* 400 different dates. */
	av.ndates_off = 0;
	for (int i = 0; i < BOOKING_DATES_OFF_MAX; i++) {
		struct civil c;
		civil_from_days(civil_days(2026, 1, 1) + i, &c);
		char *d = arena_alloc(a, 11);
		civil_format_date(&c, d);
		av.dates_off[av.ndates_off++] = d;
	}
	for (int i = 0; i < BOOKING_TYPES_MAX; i++)
		av.types[i] = av.types[i % 2];
	av.ntypes = BOOKING_TYPES_MAX;
	/* Adjacent intervals (end exclusive) do not overlap: 08:00-09:00
	 * and 09:00-09:55. */
	av.hours[0] = (struct weekly_hours){ 1, H(8, 0), H(9, 0) };
	av.types[0].minutes = 5;
	av.types[1].minutes = 480;
	/* Eighty characters, 160 bytes. */
	char *name = arena_alloc(a, 200);
	for (int i = 0; i < BOOKING_TYPE_NAME_MAX; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	av.types[2].name = name;
	struct err e = ERR_INIT;
	CHECK_INT(availability_validate(&av, a, &e), 0);
	if (err_is_set(&e))
		test_fail(__FILE__, __LINE__, "%s: %s", e.param, e.message);
	arena_free(a);
}

TEST(availability_validate_refuses_bad_hours)
{
	struct arena *a = arena_new();
	struct availability av;
	/* hours[1] is the Monday afternoon; the others are fine. */
#define BAD_HOURS(wd, s, e, param) do { av = good_av(a); \
	av.hours[1] = (struct weekly_hours){ (wd), (s), (e) }; \
	REFUSED(&av, a, (param)); } while (0)
	BAD_HOURS(MON, H(11, 0), H(14, 0), "hours*");	/* overlaps 09-12 */
	BAD_HOURS(MON, H(8, 0), H(9, 5), "hours*");
	BAD_HOURS(MON, H(9, 0), H(12, 0), "hours*");	/* the same twice */
	BAD_HOURS(MON, H(10, 0), H(11, 0), "hours*");	/* inside */
	BAD_HOURS(MON, H(14, 0), H(14, 0), "hours[1].end");
	BAD_HOURS(MON, H(14, 0), H(13, 0), "hours[1].end");
	BAD_HOURS(MON, H(13, 2), H(14, 0), "hours[1].start");
	BAD_HOURS(MON, H(13, 0), H(13, 58), "hours[1].end");
	BAD_HOURS(MON, H(13, 0), 1445, "hours[1].end");
	BAD_HOURS(MON, -60, H(1, 0), "hours[1].start");
	BAD_HOURS(0, H(13, 0), H(14, 0), "hours[1].weekday");
	BAD_HOURS(8, H(13, 0), H(14, 0), "hours[1].weekday");
	BAD_HOURS(-1, H(13, 0), H(14, 0), "hours[1].weekday");
#undef BAD_HOURS
	/* Seventy-one intervals. */
	av = good_av(a);
	av.nhours = 0;
	for (int d = 1; d <= 7; d++)
		for (int k = 0; k < 11; k++)
			av.hours[av.nhours++] = (struct weekly_hours){ d,
			    H(8 + k, 0), H(8 + k, 30) };
	av.nhours = BOOKING_HOURS_MAX + 1;
	REFUSED(&av, a, "hours");
	arena_free(a);
}

TEST(availability_validate_refuses_bad_settings)
{
	struct arena *a = arena_new();
	struct availability av;
#define BAD(stmt, param) do { av = good_av(a); stmt; \
	REFUSED(&av, a, (param)); } while (0)
	BAD(av.timezone = "Mars/Olympus", "timezone");
	BAD(av.timezone = "../etc/passwd", "timezone");
	BAD(av.timezone = "", "timezone");
	BAD(av.timezone = NULL, "timezone");
	BAD(av.timezone = "Europe/Berlin ", "timezone");
	BAD(av.buffer_minutes = -5, "buffer_minutes");
	BAD(av.buffer_minutes = 7, "buffer_minutes");
	BAD(av.buffer_minutes = 100000, "buffer_minutes");
	BAD(av.min_notice_minutes = -1, "min_notice_minutes");
	BAD(av.min_notice_minutes = 100000000, "min_notice_minutes");
	BAD(av.max_days_ahead = -1, "max_days_ahead");
	BAD(av.max_days_ahead = BOOKING_HORIZON_MAX + 1, "max_days_ahead");
	BAD(av.cancel_window_hours = -1, "cancel_window_hours");
	BAD(av.cancel_window_hours = 1000000, "cancel_window_hours");
#undef BAD
	arena_free(a);
}

TEST(availability_validate_refuses_bad_dates_off)
{
	struct arena *a = arena_new();
	struct availability av;
	static const char *const bad[] = {
		"2026-02-29", "2026-13-01", "2026-1-01", "2026-01-01x", "",
		"tomorrow", "1969-12-31", "2026-12-25 ", "2026/12/25",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		av = good_av(a);
		av.dates_off[1] = bad[i];
		REFUSED(&av, a, "dates_off*");
	}
	av = good_av(a);
	av.dates_off[1] = NULL;
	REFUSED(&av, a, "dates_off*");
	/* 401 different dates. */
	av = good_av(a);
	av.ndates_off = 0;
	for (int i = 0; i <= BOOKING_DATES_OFF_MAX; i++) {
		struct civil c;
		civil_from_days(civil_days(2026, 1, 1) + i, &c);
		char *d = arena_alloc(a, 11);
		civil_format_date(&c, d);
		av.dates_off[av.ndates_off++] = d;
	}
	REFUSED(&av, a, "dates_off");
	arena_free(a);
}

TEST(availability_validate_refuses_bad_types)
{
	struct arena *a = arena_new();
	struct availability av;
	char long_name[BOOKING_TYPE_NAME_MAX + 2];
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';	/* 81 characters */
#define BAD_TYPE(stmt, param) do { av = good_av(a); \
	struct appointment_type *t = &av.types[1]; stmt; \
	REFUSED(&av, a, (param)); } while (0)
	BAD_TYPE(t->minutes = 0, "types[1].minutes");
	BAD_TYPE(t->minutes = 3, "types[1].minutes");
	BAD_TYPE(t->minutes = 52, "types[1].minutes");
	BAD_TYPE(t->minutes = 485, "types[1].minutes");
	BAD_TYPE(t->minutes = -50, "types[1].minutes");
	BAD_TYPE(t->kind = "Consultation", "types[1].kind");
	BAD_TYPE(t->kind = "", "types[1].kind");
	BAD_TYPE(t->kind = NULL, "types[1].kind");
	BAD_TYPE(t->mode = "phone", "types[1].mode");
	BAD_TYPE(t->mode = NULL, "types[1].mode");
	BAD_TYPE(t->fee = -1, "types[1].fee");
	BAD_TYPE(t->currency = "", "types[1].currency");
	BAD_TYPE(t->currency = NULL, "types[1].currency");
	BAD_TYPE(t->currency = "eur", "types[1].currency");
	BAD_TYPE(t->currency = "EURO", "types[1].currency");
	BAD_TYPE(t->currency = "E1R", "types[1].currency");
	BAD_TYPE(t->name = long_name, "types[1].name");
	BAD_TYPE(t->name = "", "types[1].name");
	BAD_TYPE(t->name = NULL, "types[1].name");
	BAD_TYPE(t->name = "Trial \xff session", "types[1].name");
	BAD_TYPE(t->name = "Trial \xc3", "types[1].name");
	BAD_TYPE(t->name = "\xc0\xaf", "types[1].name");	/* overlong "/" */
	BAD_TYPE(t->name = "Trial\nsession", "types[1].name");
	/* The first type is checked too. */
	av = good_av(a);
	av.types[0].minutes = 0;
	REFUSED(&av, a, "types[0].minutes");
#undef BAD_TYPE
	/* Eleven types. */
	av = good_av(a);
	for (int i = 0; i <= BOOKING_TYPES_MAX; i++)
		av.types[i] = av.types[i % 2];
	av.ntypes = BOOKING_TYPES_MAX + 1;
	REFUSED(&av, a, "types");
	/* A free type may say no currency or one. */
	av = good_av(a);
	av.types[0].currency = "USD";
	struct err e = ERR_INIT;
	CHECK_INT(availability_validate(&av, a, &e), 0);
	arena_free(a);
}

/*
 * No hours, no dates off, no types yet: the arrays may well be NULL
 * (nothing to allocate). Run in a child, since a sanitizer stops the
 * whole process on a NULL passed where it must not be.
 */
TEST(availability_validate_accepts_empty_lists)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct arena *a = arena_new();
		struct availability av = good_av(a);
		av.hours = NULL;
		av.nhours = 0;
		av.dates_off = NULL;
		av.ndates_off = 0;
		av.types = NULL;
		av.ntypes = 0;
		struct err e = ERR_INIT;
		int rc = availability_validate(&av, a, &e);
		_exit(rc == 0 ? 0 : 3);
	}
	CHECK(pid > 0);
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		test_fail(__FILE__, __LINE__, "availability_validate with empty "
		    "NULL lists: %s %d", WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}
