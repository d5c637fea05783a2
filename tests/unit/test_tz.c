/*
 * Time zones and civil dates (src/calendar/calendar.h). Slots are only as
 * right as the conversions under them, so these pin the 2026 transitions
 * of both hemispheres (and Lord Howe's half-hour one) to the instants the
 * tz database gives, the rules for readings that happen twice or never,
 * and the parsers that take times from the outside.
 */
#include "harness.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/calendar/calendar.h"
#include "../../src/util/err.h"

/* An instant from a UTC text; a bad literal in a test is a failed test. */
static time_t
at_line(const char *iso, int line)
{
	time_t t = 0;
	if (utc_parse_iso(iso, &t) < 0)
		test_fail(__FILE__, line, "utc_parse_iso(\"%s\") failed", iso);
	return t;
}
#define AT(iso) at_line((iso), __LINE__)

static const struct tz *
zone_line(const char *name, int line)
{
	const struct tz *z = tz_find(name);
	if (z == NULL)
		test_fail(__FILE__, line, "tz_find(\"%s\") == NULL", name);
	return z;
}
#define ZONE(name) zone_line((name), __LINE__)

static struct civil
wall(int y, int mo, int d, int h, int mi)
{
	struct civil c = { y, mo, d, h, mi, 0, 0 };
	return c;
}

static bool
same_reading(const struct civil *a, const struct civil *b)
{
	return a->year == b->year && a->month == b->month && a->day == b->day &&
	    a->hour == b->hour && a->minute == b->minute &&
	    a->second == b->second;
}

/* ---- names ----------------------------------------------------------------- */

/*
 * First in this file on purpose: tz_names is computed once, on its first
 * call, so it must not matter what was looked up before. Files under the
 * zoneinfo directory that are not zones we offer (the server's own
 * "localtime", the "right/" and "posix/" copies) must not turn up in the
 * picker because someone asked for them before the list was built.
 */
TEST(tz_names_not_changed_by_earlier_lookups)
{
	(void)tz_find("localtime");
	(void)tz_find("posixrules");
	(void)tz_find("right/Europe/Berlin");
	(void)tz_find("posix/Europe/Berlin");
	size_t n;
	const char *const *names = tz_names(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], "localtime") == 0 ||
		    strcmp(names[i], "posixrules") == 0 ||
		    strncmp(names[i], "right/", 6) == 0 ||
		    strncmp(names[i], "posix/", 6) == 0)
			test_fail(__FILE__, __LINE__, "tz_names has \"%s\"",
			    names[i]);
}

/* "localtime" is the server's own zone (/etc/localtime), which the
 * calendar module promises never to read; the others are duplicates of
 * real zones under names nobody should store. */
TEST(tz_find_refuses_zoneinfo_files_that_are_not_zones)
{
	static const char *const odd[] = {
		"localtime", "posixrules", "right/Europe/Berlin",
		"posix/Europe/Berlin",
	};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		if (tz_find(odd[i]) != NULL)
			test_fail(__FILE__, __LINE__, "tz_find(\"%s\") != NULL",
			    odd[i]);
}

TEST(tz_find_accepts_real_zones)
{
	static const char *const real[] = {
		"America/New_York", "Europe/Berlin", "Australia/Sydney",
		"Asia/Kolkata", "UTC", "America/Argentina/Buenos_Aires",
		"Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns",
		"Pacific/Chatham", "America/Port-au-Prince",
	};
	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		const struct tz *z = tz_find(real[i]);
		if (z == NULL) {
			test_fail(__FILE__, __LINE__, "tz_find(\"%s\") == NULL",
			    real[i]);
			continue;
		}
		CHECK_STR(tz_name(z), real[i]);
		CHECK(tz_find(real[i]) == z);	/* one object per zone */
	}
}

TEST(tz_find_refuses_malformed_and_hostile_names)
{
	char long65[66], long64[65];
	memset(long65, 'A', 65);
	memcpy(long65, "America/", 8);
	long65[65] = '\0';
	memcpy(long64, long65, 64);
	long64[64] = '\0';
	static const char *const bad[] = {
		"", "/", "../etc/passwd", "Europe/../etc", "Europe/..",
		"..", "/etc/passwd", "/Europe/Berlin", "Europe/Berlin/",
		"Europe/Berlin ", " Europe/Berlin", "europe//berlin",
		"Europe//Berlin", "Europe/./Berlin", "Europe\\Berlin",
		"Mars/Olympus", "Europe/Berlin\n", "Europe/Berlin\r",
		"Europe\tBerlin", "\x1b[31mEurope/Berlin", "Europe/Berlin\x7f",
		"Europe/Z\xc3\xbcrich", "Europe/Berlin\xc0", "\xff",
		"Europe/Berlin;ls", "%2e%2e/etc/passwd", "Europe/*",
		"Europe/Berl?n", "~/x", "Europe/Berlin%00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tz_find(bad[i]) != NULL)
			test_fail(__FILE__, __LINE__, "tz_find(\"%s\") != NULL",
			    bad[i]);
	CHECK(tz_find(NULL) == NULL);
	CHECK(tz_find(long65) == NULL);
	CHECK(tz_find(long64) == NULL);		/* well formed, unknown */
}

TEST(tz_lookup_error_names_the_parameter)
{
	struct err e = ERR_INIT;
	const struct tz *z = (const struct tz *)&e;
	CHECK_INT(tz_lookup("Mars/Olympus", "timezone", &z, &e), -1);
	CHECK(z == NULL);
	CHECK_INT(e.status, 422);
	CHECK_STR(e.param, "timezone");
	CHECK(e.code[0] != '\0');
	CHECK(e.message[0] != '\0');

	struct err e2 = ERR_INIT;
	CHECK_INT(tz_lookup("../etc/passwd", "tz", &z, &e2), -1);
	CHECK_INT(e2.status, 422);
	CHECK_STR(e2.param, "tz");

	struct err e3 = ERR_INIT;
	CHECK_INT(tz_lookup("Europe/Berlin", "timezone", &z, &e3), 0);
	CHECK(z != NULL && z == tz_find("Europe/Berlin"));
	CHECK(!err_is_set(&e3));
}

TEST(tz_names_sorted_and_all_findable)
{
	size_t n = 0;
	const char *const *names = tz_names(&n);
	CHECK(names != NULL);
	CHECK(n > 300);
	bool berlin = false, utc = false, ny = false, sydney = false;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(names[i - 1], names[i]) >= 0)
			test_fail(__FILE__, __LINE__, "not sorted: \"%s\", \"%s\"",
			    names[i - 1], names[i]);
		CHECK(strlen(names[i]) <= TZ_NAME_MAX);
		const struct tz *z = tz_find(names[i]);
		if (z == NULL) {
			test_fail(__FILE__, __LINE__, "tz_find(\"%s\") == NULL",
			    names[i]);
			continue;
		}
		if (strcmp(tz_name(z), names[i]) != 0)
			test_fail(__FILE__, __LINE__, "tz_name(tz_find(\"%s\")) "
			    "== \"%s\"", names[i], tz_name(z));
		berlin |= strcmp(names[i], "Europe/Berlin") == 0;
		utc |= strcmp(names[i], "UTC") == 0;
		ny |= strcmp(names[i], "America/New_York") == 0;
		sydney |= strcmp(names[i], "Australia/Sydney") == 0;
	}
	CHECK(berlin);
	CHECK(utc);
	CHECK(ny);
	CHECK(sydney);
	size_t n2 = 0;
	CHECK(tz_names(&n2) == names);	/* computed once */
	CHECK_INT(n2, n);
}

/* ---- offsets ----------------------------------------------------------------- */

struct change {
	const char	*zone;
	const char	*instant;	/* the first second of the new offset */
	int		 before, after;
};

/* The 2026 transitions, from the tz database. */
static const struct change changes_2026[] = {
	{ "America/New_York", "2026-03-08T07:00:00Z", -5 * 3600, -4 * 3600 },
	{ "America/New_York", "2026-11-01T06:00:00Z", -4 * 3600, -5 * 3600 },
	{ "Europe/Berlin", "2026-03-29T01:00:00Z", 3600, 7200 },
	{ "Europe/Berlin", "2026-10-25T01:00:00Z", 7200, 3600 },
	/* Sydney: 2026-04-05 03:00 AEDT back to 02:00, 2026-10-04 02:00
	 * AEST forward to 03:00. */
	{ "Australia/Sydney", "2026-04-04T16:00:00Z", 11 * 3600, 10 * 3600 },
	{ "Australia/Sydney", "2026-10-03T16:00:00Z", 10 * 3600, 11 * 3600 },
	/* Lord Howe moves by half an hour, at 02:00 local both ways. */
	{ "Australia/Lord_Howe", "2026-04-04T15:00:00Z", 11 * 3600, 37800 },
	{ "Australia/Lord_Howe", "2026-10-03T15:30:00Z", 37800, 11 * 3600 },
};

TEST(tz_offset_around_2026_transitions)
{
	for (size_t i = 0; i < sizeof(changes_2026) / sizeof(changes_2026[0]);
	    i++) {
		const struct change *c = &changes_2026[i];
		const struct tz *z = ZONE(c->zone);
		if (z == NULL)
			continue;
		time_t t = AT(c->instant);
		int got[4] = {
			tz_offset(z, t - 86400), tz_offset(z, t - 1),
			tz_offset(z, t), tz_offset(z, t + 86400),
		};
		int want[4] = { c->before, c->before, c->after, c->after };
		for (int k = 0; k < 4; k++)
			if (got[k] != want[k])
				test_fail(__FILE__, __LINE__, "%s at %s%+d: offset %d, "
				    "want %d", c->zone, c->instant,
				    k == 0 ? -86400 : k == 1 ? -1 : k == 2 ? 0 : 86400,
				    got[k], want[k]);
	}
}

TEST(tz_offset_fixed_zones)
{
	time_t winter = AT("2026-01-15T12:00:00Z"), summer = AT("2026-07-15T12:00:00Z");
	const struct { const char *zone; int off; } fixed[] = {
		{ "UTC", 0 }, { "Asia/Kolkata", 19800 }, { "Asia/Kathmandu", 20700 },
		{ "America/Argentina/Buenos_Aires", -10800 },
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		const struct tz *z = ZONE(fixed[i].zone);
		if (z == NULL)
			continue;
		CHECK_INT(tz_offset(z, winter), fixed[i].off);
		CHECK_INT(tz_offset(z, summer), fixed[i].off);
	}
}

TEST(tz_local_readings)
{
	const struct tz *ny = ZONE("America/New_York");
	const struct tz *sydney = ZONE("Australia/Sydney");
	const struct tz *ktm = ZONE("Asia/Kathmandu");
	if (ny == NULL || sydney == NULL || ktm == NULL)
		return;
	struct civil c;
	/* One second before New York springs forward: 01:59:59 EST. */
	tz_local(ny, AT("2026-03-08T06:59:59Z"), &c);
	CHECK_INT(c.year, 2026); CHECK_INT(c.month, 3); CHECK_INT(c.day, 8);
	CHECK_INT(c.hour, 1); CHECK_INT(c.minute, 59); CHECK_INT(c.second, 59);
	CHECK_INT(c.weekday, 7);
	tz_local(ny, AT("2026-03-08T07:00:00Z"), &c);
	CHECK_INT(c.hour, 3); CHECK_INT(c.minute, 0); CHECK_INT(c.second, 0);
	/* Sydney is already on Monday when UTC is on Sunday. */
	tz_local(sydney, AT("2026-01-04T22:00:00Z"), &c);
	CHECK_INT(c.day, 5); CHECK_INT(c.hour, 9); CHECK_INT(c.weekday, 1);
	/* New year in Kathmandu happens at 18:15 UTC. */
	tz_local(ktm, AT("2025-12-31T18:15:00Z"), &c);
	CHECK_INT(c.year, 2026); CHECK_INT(c.month, 1); CHECK_INT(c.day, 1);
	CHECK_INT(c.hour, 0); CHECK_INT(c.minute, 0); CHECK_INT(c.weekday, 4);
	/* The epoch, in UTC: a Thursday. */
	tz_local(ZONE("UTC"), 0, &c);
	CHECK_INT(c.year, 1970); CHECK_INT(c.month, 1); CHECK_INT(c.day, 1);
	CHECK_INT(c.hour, 0); CHECK_INT(c.weekday, 4);
}

/* ---- readings to instants ------------------------------------------------------ */

static void
check_instant(const char *zone, struct civil w, const char *want, int line)
{
	const struct tz *z = tz_find(zone);
	if (z == NULL) {
		test_fail(__FILE__, line, "tz_find(\"%s\") == NULL", zone);
		return;
	}
	time_t got = tz_instant(z, &w);
	char g[32];
	utc_format_iso(got, g);
	if (strcmp(g, want) != 0)
		test_fail(__FILE__, line, "%s %04d-%02d-%02d %02d:%02d:%02d -> %s, "
		    "want %s", zone, w.year, w.month, w.day, w.hour, w.minute,
		    w.second, g, want);
}
#define INSTANT(zone, w, want) check_instant((zone), (w), (want), __LINE__)

TEST(tz_instant_normal_readings)
{
	INSTANT("America/New_York", wall(2026, 1, 5, 9, 0), "2026-01-05T14:00:00Z");
	INSTANT("America/New_York", wall(2026, 7, 6, 9, 0), "2026-07-06T13:00:00Z");
	INSTANT("Europe/Berlin", wall(2026, 1, 5, 9, 0), "2026-01-05T08:00:00Z");
	INSTANT("Europe/Berlin", wall(2026, 7, 6, 9, 0), "2026-07-06T07:00:00Z");
	INSTANT("Australia/Sydney", wall(2026, 1, 5, 9, 0), "2026-01-04T22:00:00Z");
	INSTANT("Australia/Sydney", wall(2026, 7, 6, 9, 0), "2026-07-05T23:00:00Z");
	INSTANT("Asia/Kolkata", wall(2026, 3, 8, 9, 0), "2026-03-08T03:30:00Z");
	INSTANT("Asia/Kathmandu", wall(2026, 1, 1, 0, 0), "2025-12-31T18:15:00Z");
	INSTANT("America/St_Johns", wall(2026, 1, 1, 0, 0), "2026-01-01T03:30:00Z");
	INSTANT("UTC", wall(2026, 2, 28, 23, 59), "2026-02-28T23:59:00Z");
	INSTANT("America/Argentina/Buenos_Aires", wall(2026, 12, 31, 21, 0),
	    "2027-01-01T00:00:00Z");
	/* Seconds count; the weekday is ignored. */
	struct civil w = wall(2026, 7, 1, 12, 0);
	w.second = 30;
	w.weekday = 6;	/* wrong on purpose: 2026-07-01 is a Wednesday */
	INSTANT("America/New_York", w, "2026-07-01T16:00:30Z");
	/* Right next to the changes, on the side that exists. */
	INSTANT("America/New_York", wall(2026, 3, 8, 1, 59), "2026-03-08T06:59:00Z");
	INSTANT("America/New_York", wall(2026, 3, 8, 3, 0), "2026-03-08T07:00:00Z");
	INSTANT("America/New_York", wall(2026, 11, 1, 0, 59), "2026-11-01T04:59:00Z");
	INSTANT("America/New_York", wall(2026, 11, 1, 2, 0), "2026-11-01T07:00:00Z");
	INSTANT("Europe/Berlin", wall(2026, 3, 29, 3, 0), "2026-03-29T01:00:00Z");
	INSTANT("Europe/Berlin", wall(2026, 10, 25, 3, 0), "2026-10-25T02:00:00Z");
}

TEST(tz_instant_gap_gives_the_jump)
{
	INSTANT("America/New_York", wall(2026, 3, 8, 2, 30), "2026-03-08T07:00:00Z");
	INSTANT("America/New_York", wall(2026, 3, 8, 2, 0), "2026-03-08T07:00:00Z");
	INSTANT("America/New_York", wall(2026, 3, 8, 2, 59), "2026-03-08T07:00:00Z");
	INSTANT("Europe/Berlin", wall(2026, 3, 29, 2, 30), "2026-03-29T01:00:00Z");
	INSTANT("Australia/Sydney", wall(2026, 10, 4, 2, 30), "2026-10-03T16:00:00Z");
	INSTANT("Australia/Lord_Howe", wall(2026, 10, 4, 2, 15), "2026-10-03T15:30:00Z");
	/* Samoa skipped the whole of 2011-12-30. */
	INSTANT("Pacific/Apia", wall(2011, 12, 30, 12, 0), "2011-12-30T10:00:00Z");
}

TEST(tz_instant_repeated_reading_is_the_earlier)
{
	INSTANT("America/New_York", wall(2026, 11, 1, 1, 30), "2026-11-01T05:30:00Z");
	INSTANT("America/New_York", wall(2026, 11, 1, 1, 0), "2026-11-01T05:00:00Z");
	INSTANT("Europe/Berlin", wall(2026, 10, 25, 2, 30), "2026-10-25T00:30:00Z");
	INSTANT("Europe/Berlin", wall(2026, 10, 25, 2, 0), "2026-10-25T00:00:00Z");
	INSTANT("Australia/Sydney", wall(2026, 4, 5, 2, 30), "2026-04-04T15:30:00Z");
	INSTANT("Australia/Lord_Howe", wall(2026, 4, 5, 1, 45), "2026-04-04T14:45:00Z");
}

struct transition_day {
	const char	*zone;
	int		 y, m, d;
	int		 from, to;	/* wall minutes never shown, or shown twice */
	int		 shift;		/* seconds the clocks move */
	bool		 gap;		/* forward (gap) or back (repeat) */
};

static const struct transition_day transition_days[] = {
	{ "America/New_York", 2026, 3, 8, 120, 180, 3600, true },
	{ "America/New_York", 2026, 11, 1, 60, 120, 3600, false },
	{ "Europe/Berlin", 2026, 3, 29, 120, 180, 3600, true },
	{ "Europe/Berlin", 2026, 10, 25, 120, 180, 3600, false },
	{ "Australia/Sydney", 2026, 10, 4, 120, 180, 3600, true },
	{ "Australia/Sydney", 2026, 4, 5, 120, 180, 3600, false },
	{ "Australia/Lord_Howe", 2026, 10, 4, 120, 150, 1800, true },
	{ "Australia/Lord_Howe", 2026, 4, 5, 90, 120, 1800, false },
};

/*
 * Every quarter hour of each transition day (and the days either side):
 * a reading that exists comes back unchanged, a repeated one gives the
 * earlier instant (the later one, shift seconds on, shows it too), one in
 * the gap gives the jump, and instants never go backwards.
 */
TEST(tz_instant_round_trips_on_transition_days)
{
	for (size_t i = 0; i < sizeof(transition_days) / sizeof(transition_days[0]);
	    i++) {
		const struct transition_day *td = &transition_days[i];
		const struct tz *z = ZONE(td->zone);
		if (z == NULL)
			continue;
		int64_t day0 = civil_days(td->y, td->m, td->d);
		for (int64_t day = day0 - 1; day <= day0 + 1; day++) {
			struct civil date;
			civil_from_days(day, &date);
			time_t prev = 0;
			for (int m = 0; m < 1440; m += 15) {
				struct civil w = wall(date.year, date.month, date.day,
				    m / 60, m % 60);
				time_t t = tz_instant(z, &w);
				struct civil back;
				tz_local(z, t, &back);
				bool special = day == day0 && m >= td->from && m < td->to;
				if (m > 0 && t < prev)
					test_fail(__FILE__, __LINE__, "%s %04d-%02d-%02d "
					    "%02d:%02d: instant went backwards", td->zone,
					    w.year, w.month, w.day, w.hour, w.minute);
				prev = t;
				if (special && td->gap) {
					/* The jump: the first reading after the gap. */
					struct civil after = wall(date.year, date.month,
					    date.day, td->to / 60, td->to % 60);
					if (!same_reading(&back, &after))
						test_fail(__FILE__, __LINE__, "%s %02d:%02d in "
						    "the gap shows %02d:%02d", td->zone, w.hour,
						    w.minute, back.hour, back.minute);
					CHECK_INT(tz_offset(z, t - 1) + td->shift,
					    tz_offset(z, t));
					continue;
				}
				if (!same_reading(&back, &w)) {
					test_fail(__FILE__, __LINE__, "%s %04d-%02d-%02d "
					    "%02d:%02d came back as %02d:%02d", td->zone,
					    w.year, w.month, w.day, w.hour, w.minute,
					    back.hour, back.minute);
					continue;
				}
				if (special) {
					struct civil later;
					tz_local(z, t + td->shift, &later);
					if (!same_reading(&later, &w))
						test_fail(__FILE__, __LINE__, "%s %02d:%02d: "
						    "not the earlier of two", td->zone, w.hour,
						    w.minute);
				}
			}
		}
	}
}

/* The other way, over the whole of 2026 in several zones: every instant
 * on a quarter hour reads back to itself, or to the instant one shift
 * earlier when its reading happened twice. */
TEST(tz_instant_inverts_tz_local_over_2026)
{
	static const char *const zones[] = {
		"America/New_York", "Europe/Berlin", "Australia/Sydney",
		"Australia/Lord_Howe", "Asia/Kathmandu", "UTC",
	};
	time_t start = AT("2026-01-01T00:00:00Z"), end = AT("2027-01-01T00:00:00Z");
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		const struct tz *z = ZONE(zones[i]);
		if (z == NULL)
			continue;
		int bad = 0;
		for (time_t t = start; t < end && bad < 5; t += 900) {
			struct civil w, back;
			tz_local(z, t, &w);
			time_t u = tz_instant(z, &w);
			tz_local(z, u, &back);
			time_t d = t - u;
			if (!same_reading(&back, &w) ||
			    !(d == 0 || d == 1800 || d == 3600)) {
				char s[32];
				utc_format_iso(t, s);
				test_fail(__FILE__, __LINE__, "%s at %s: back %ld s",
				    zones[i], s, (long)d);
				bad++;
			}
		}
	}
}

/* ---- civil dates ------------------------------------------------------------- */

TEST(civil_days_known_dates)
{
	CHECK_INT(civil_days(1970, 1, 1), 0);
	CHECK_INT(civil_days(1970, 1, 2), 1);
	CHECK_INT(civil_days(1969, 12, 31), -1);
	CHECK_INT(civil_days(2000, 3, 1) - civil_days(2000, 2, 28), 2);
	CHECK_INT(civil_days(2100, 3, 1) - civil_days(2100, 2, 28), 1);
	CHECK_INT(civil_days(2024, 3, 1) - civil_days(2024, 2, 28), 2);
	CHECK_INT(civil_days(2026, 3, 8), 20520);
	CHECK_INT(civil_days(2026, 3, 8) * 86400, AT("2026-03-08T00:00:00Z"));
	struct civil c;
	civil_from_days(0, &c);
	CHECK_INT(c.year, 1970); CHECK_INT(c.month, 1); CHECK_INT(c.day, 1);
	CHECK_INT(c.weekday, 4);
	civil_from_days(civil_days(2000, 2, 29), &c);
	CHECK_INT(c.year, 2000); CHECK_INT(c.month, 2); CHECK_INT(c.day, 29);
	CHECK_INT(c.weekday, 2);
	civil_from_days(civil_days(2026, 3, 8), &c);
	CHECK_INT(c.weekday, 7);
	civil_from_days(-1, &c);
	CHECK_INT(c.year, 1969); CHECK_INT(c.month, 12); CHECK_INT(c.day, 31);
	CHECK_INT(c.weekday, 3);
	/* The other fields are cleared. */
	CHECK_INT(c.hour, 0); CHECK_INT(c.minute, 0); CHECK_INT(c.second, 0);
}

static int
month_length(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dim[m - 1];
}

/* Day by day from 1970 to 2100, against a calendar walked by hand. */
TEST(civil_days_round_trip_1970_2100)
{
	int y = 1970, m = 1, d = 1, wd = 4, bad = 0, leap_days = 0;
	for (int64_t n = 0; y <= 2100 && bad < 5; n++) {
		struct civil c;
		civil_from_days(n, &c);
		if (c.year != y || c.month != m || c.day != d || c.weekday != wd ||
		    civil_days(y, m, d) != n) {
			test_fail(__FILE__, __LINE__, "day %lld: %04d-%02d-%02d (%d), "
			    "want %04d-%02d-%02d (%d)", (long long)n, c.year, c.month,
			    c.day, c.weekday, y, m, d, wd);
			bad++;
		}
		char s[11], want[32];
		civil_format_date(&c, s);
		snprintf(want, sizeof(want), "%04d-%02d-%02d", y, m, d);
		if (strcmp(s, want) != 0 && bad++ < 5)
			test_fail(__FILE__, __LINE__, "civil_format_date: %s, want %s",
			    s, want);
		struct civil p;
		if ((civil_parse_date(want, &p) < 0 || p.year != y || p.month != m ||
		    p.day != d || p.weekday != wd) && bad++ < 5)
			test_fail(__FILE__, __LINE__, "civil_parse_date(\"%s\")", want);
		leap_days += m == 2 && d == 29;
		wd = wd % 7 + 1;
		if (++d > month_length(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	CHECK_INT(leap_days, 32);	/* 1972..2096, 2000 included, 2100 not */
}

TEST(civil_parse_date_rejects_bad_dates)
{
	struct civil c;
	CHECK_INT(civil_parse_date("2026-03-08", &c), 0);
	CHECK_INT(c.year, 2026); CHECK_INT(c.month, 3); CHECK_INT(c.day, 8);
	CHECK_INT(c.weekday, 7);
	CHECK_INT(civil_parse_date("2024-02-29", &c), 0);
	CHECK_INT(civil_parse_date("1970-01-01", &c), 0);
	CHECK_INT(civil_parse_date("9999-12-31", &c), 0);
	static const char *const bad[] = {
		"2026-02-29", "2100-02-29", "2026-13-01", "2026-00-10",
		"2026-04-31", "2026-01-00", "2026-1-01", "2026-01-1", "26-01-01",
		"2026-01-01x", "2026-01-01 ", " 2026-01-01", "2026-01-01T00:00",
		"1969-12-31", "0000-01-01", "2026/01/01", "20260101", "",
		"2026-01-0a", "+026-01-01", "2026--1-01", "-2026-01-01",
		"２０２６-01-01", "2026-01-01\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (civil_parse_date(bad[i], &c) == 0)
			test_fail(__FILE__, __LINE__, "civil_parse_date(\"%s\") "
			    "accepted", bad[i]);
	CHECK_INT(civil_parse_date(NULL, &c), -1);
}

/* ---- ISO 8601 -------------------------------------------------------------------- */

TEST(utc_parse_iso_accepts_z_and_offsets)
{
	time_t want = 1772980200;	/* 2026-03-08T14:30:00Z */
	CHECK_INT(civil_days(2026, 3, 8) * 86400 + 14 * 3600 + 30 * 60, want);
	static const char *const same[] = {
		"2026-03-08T14:30:00Z", "2026-03-08T14:30Z",
		"2026-03-08T20:15:00+05:45", "2026-03-08T20:15+05:45",
		"2026-03-08T11:30:00-03:00", "2026-03-08T14:30:00+00:00",
		"2026-03-08T09:30:00-05:00", "2026-03-09T00:30:00+10:00",
	};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		time_t t = 0;
		if (utc_parse_iso(same[i], &t) < 0)
			test_fail(__FILE__, __LINE__, "utc_parse_iso(\"%s\") failed",
			    same[i]);
		else if (t != want)
			test_fail(__FILE__, __LINE__, "utc_parse_iso(\"%s\") == %lld, "
			    "want %lld", same[i], (long long)t, (long long)want);
	}
	time_t t = 0;
	CHECK_INT(utc_parse_iso("2026-03-08T14:30:59Z", &t), 0);
	CHECK_INT(t, want + 59);
	CHECK_INT(utc_parse_iso("2026-03-09T04:30:00+14:00", &t), 0);
	CHECK_INT(t, want);
	CHECK_INT(utc_parse_iso("1970-01-01T00:00:00Z", &t), 0);
	CHECK_INT(t, 0);
	CHECK_INT(utc_parse_iso("2024-02-29T23:59:59Z", &t), 0);
	/* What utc_format_iso writes reads back. */
	char s[32];
	utc_format_iso(want, s);
	CHECK_STR(s, "2026-03-08T14:30:00Z");
	CHECK_INT(utc_parse_iso(s, &t), 0);
	CHECK_INT(t, want);
}

TEST(utc_parse_iso_rejects_junk)
{
	static const char *const bad[] = {
		"", "junk", "2026-03-08", "2026-03-08T14:30:00",
		"2026-03-08T14:30", "2026-03-08T14Z", "2026-03-08T14:30:00z",
		"2026-03-08T24:00:00Z", "2026-03-08T14:60:00Z",
		"2026-03-08T14:30:60Z", "2026-02-29T10:00:00Z",
		"2026-13-08T14:30:00Z", "2026-00-08T14:30:00Z",
		"2026-03-32T14:30:00Z", "2026-03-00T14:30:00Z",
		"2026-03-08T14:30:00+15:00", "2026-03-08T14:30:00+05:60",
		"2026-03-08T14:30:00+0545", "2026-03-08T14:30:00+05",
		"2026-03-08T14:30:00Zjunk", "2026-03-08T14:30:00Z ",
		" 2026-03-08T14:30:00Z", "2026-03-08T14:30:0Z",
		"2026-03-08T1:30:00Z", "2026-3-08T14:30:00Z",
		"2026-03-08X14:30:00Z", "2026-03-08T14-30-00Z",
		"2026-03-08T14:30:00+05:45junk", "2026-03-08T14:30:-1Z",
		"2026-03-08T+1:30:00Z", "2026-03-08T14:30:00 +01:00",
		"2026-03-08T14:30:00Z\n", "1969-12-31T23:59:59Z",
		"2026-03-08T14:30:00+a5:00", "2026-03-08T14:30:",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		time_t t = 12345;
		if (utc_parse_iso(bad[i], &t) == 0)
			test_fail(__FILE__, __LINE__, "utc_parse_iso(\"%s\") accepted "
			    "(%lld)", bad[i], (long long)t);
	}
	time_t t;
	CHECK_INT(utc_parse_iso(NULL, &t), -1);
}

static void
check_format(const char *zone, const char *utc, const char *want, int line)
{
	const struct tz *z = tz_find(zone);
	time_t t = 0;
	if (z == NULL || utc_parse_iso(utc, &t) < 0) {
		test_fail(__FILE__, line, "setup: %s %s", zone, utc);
		return;
	}
	char got[32];
	tz_format_iso(z, t, got);
	if (strcmp(got, want) != 0)
		test_fail(__FILE__, line, "tz_format_iso(%s, %s) == \"%s\", want "
		    "\"%s\"", zone, utc, got, want);
	time_t back = 0;
	if (utc_parse_iso(got, &back) < 0 || back != t)
		test_fail(__FILE__, line, "\"%s\" does not parse back", got);
}
#define FORMAT(zone, utc, want) check_format((zone), (utc), (want), __LINE__)

TEST(tz_format_iso_offsets)
{
	FORMAT("America/New_York", "2026-01-15T14:30:00Z", "2026-01-15T09:30:00-05:00");
	FORMAT("America/New_York", "2026-03-08T14:30:00Z", "2026-03-08T10:30:00-04:00");
	FORMAT("America/New_York", "2026-03-08T06:59:59Z", "2026-03-08T01:59:59-05:00");
	FORMAT("America/New_York", "2026-11-01T05:30:00Z", "2026-11-01T01:30:00-04:00");
	FORMAT("America/New_York", "2026-11-01T06:30:00Z", "2026-11-01T01:30:00-05:00");
	FORMAT("Asia/Kathmandu", "2026-03-08T14:30:00Z", "2026-03-08T20:15:00+05:45");
	FORMAT("Asia/Kolkata", "2026-03-08T14:30:00Z", "2026-03-08T20:00:00+05:30");
	FORMAT("UTC", "2026-03-08T14:30:00Z", "2026-03-08T14:30:00+00:00");
	FORMAT("America/St_Johns", "2026-01-01T03:30:00Z", "2026-01-01T00:00:00-03:30");
	FORMAT("America/Argentina/Buenos_Aires", "2026-01-01T02:00:00Z",
	    "2025-12-31T23:00:00-03:00");
	FORMAT("Australia/Sydney", "2026-04-04T15:30:00Z", "2026-04-05T02:30:00+11:00");
	FORMAT("Australia/Sydney", "2026-04-04T16:30:00Z", "2026-04-05T02:30:00+10:00");
	FORMAT("Australia/Lord_Howe", "2026-01-01T00:00:00Z", "2026-01-01T11:00:00+11:00");
	FORMAT("Australia/Lord_Howe", "2026-07-01T00:00:00Z", "2026-07-01T10:30:00+10:30");
	FORMAT("Pacific/Chatham", "2026-07-01T00:00:00Z", "2026-07-01T12:45:00+12:45");
}

/* ---- threads ------------------------------------------------------------------- */

#define THREAD_STEPS 2000

struct tz_job {
	const char	*zone;
	time_t		 start;
	uint64_t	 sum;		/* a digest of everything computed */
	int		 failures;
};

static void *
tz_job_run(void *arg)
{
	struct tz_job *j = arg;
	const struct tz *z = tz_find(j->zone);
	if (z == NULL) {
		j->failures++;
		return NULL;
	}
	uint64_t sum = 0;
	for (int i = 0; i < THREAD_STEPS; i++) {
		/* Every 4h 23min: lands on all hours over the year. */
		time_t t = j->start + (time_t)i * 15780;
		struct civil c;
		tz_local(z, t, &c);
		int off = tz_offset(z, t);
		time_t back = tz_instant(z, &c);
		char s[32];
		tz_format_iso(z, t, s);
		time_t parsed = 0;
		if (utc_parse_iso(s, &parsed) < 0 || parsed != t)
			j->failures++;
		sum = sum * 31 + (uint64_t)off;
		sum = sum * 31 + (uint64_t)(t - back);
		sum = sum * 31 + (uint64_t)(c.year * 100000000LL +
		    c.month * 1000000 + c.day * 10000 + c.hour * 100 + c.minute);
		sum = sum * 31 + (uint64_t)c.weekday;
	}
	j->sum = sum;
	return NULL;
}

/*
 * Four threads in four zones nobody has used yet (so libical expands them
 * while the others run) must compute what one thread computes alone.
 */
TEST(tz_threads_agree_with_one_thread)
{
	static const char *const zones[] = {
		"America/Chicago", "Europe/Lisbon", "Australia/Adelaide",
		"Pacific/Auckland",
	};
	time_t start = AT("2025-06-01T00:00:00Z");
	struct tz_job par[4], seq[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		par[i] = (struct tz_job){ zones[i], start, 0, 0 };
		seq[i] = par[i];
	}
	for (int i = 0; i < 4; i++)
		CHECK_INT(pthread_create(&th[i], NULL, tz_job_run, &par[i]), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++)
		tz_job_run(&seq[i]);
	for (int i = 0; i < 4; i++) {
		CHECK_INT(par[i].failures, 0);
		CHECK_INT(seq[i].failures, 0);
		if (par[i].sum != seq[i].sum)
			test_fail(__FILE__, __LINE__, "%s: threads computed something "
			    "else than one thread", zones[i]);
	}
	/* And the same again, all in one zone at once. */
	for (int i = 0; i < 4; i++) {
		par[i] = (struct tz_job){ "Europe/Berlin", start, 0, 0 };
		CHECK_INT(pthread_create(&th[i], NULL, tz_job_run, &par[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	struct tz_job one = { "Europe/Berlin", start, 0, 0 };
	tz_job_run(&one);
	for (int i = 0; i < 4; i++) {
		CHECK_INT(par[i].failures, 0);
		CHECK(par[i].sum == one.sum);
	}
}
