/*
 * Time zones through libical's built-in zones (read from the system's
 * tz database), and civil-date arithmetic, which needs no zone at all.
 *
 * Only one libical call turns an instant into a wall-clock reading
 * (icaltime_from_timet_with_zone); everything else is derived from it,
 * so the rules for readings that happen twice or never are ours and
 * tested, not whatever the library does with them.
 */
#include "calendar.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libical expands a zone's transitions lazily into shared arrays. */
static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

/* struct tz is never defined: a struct tz * is an icaltimezone *. */
static icaltimezone *
ical(const struct tz *z)
{
	return (icaltimezone *)(uintptr_t)z;
}

static bool
name_well_formed(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return false;
	if (strstr(name, "..") != NULL || strstr(name, "//") != NULL)
		return false;
	for (const char *p = name; *p; p++) {
		char c = *p;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+' ||
		    c == '/'))
			return false;
	}
	return true;
}

static void load_names(void);
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

/* Files in the zoneinfo directory that are not zones to offer: the
 * machine's own zone, leap-second and POSIX copies of the database. */
static bool
name_is_zone(const char *name)
{
	if (!(name[0] >= 'A' && name[0] <= 'Z'))
		return false;	/* "localtime", "posixrules" */
	return strncmp(name, "right/", 6) != 0 && strncmp(name, "posix/", 6) != 0 &&
	    strcmp(name, "Factory") != 0;
}

const struct tz *
tz_find(const char *name)
{
	if (name == NULL || !name_well_formed(name) || !name_is_zone(name))
		return NULL;
	/* The picker's list is libical's list as first loaded: take it
	 * before any lookup can add what a visitor typed to it. */
	pthread_once(&names_once, load_names);
	if (strcmp(name, "UTC") == 0)
		return (const struct tz *)icaltimezone_get_utc_timezone();
	pthread_mutex_lock(&tz_lock);
	icaltimezone *z = icaltimezone_get_builtin_timezone(name);
	pthread_mutex_unlock(&tz_lock);
	return (const struct tz *)z;
}

int
tz_lookup(const char *name, const char *param, const struct tz **out,
    struct err *e)
{
	*out = tz_find(name);
	if (*out == NULL)
		return err_set(e, 422, "unknown_time_zone", param,
		    "%s is not a time zone we know; use a name such as"
		    " Europe/Berlin or America/New_York", param);
	return 0;
}

const char *
tz_name(const struct tz *z)
{
	icaltimezone *zone = ical(z);
	if (zone == icaltimezone_get_utc_timezone())
		return "UTC";
	/* The tzid of a built-in zone is "/freeassociation.sourceforge.net/"
	 * followed by the name we asked for. */
	pthread_mutex_lock(&tz_lock);
	const char *tzid = icaltimezone_get_tzid(zone);
	pthread_mutex_unlock(&tz_lock);
	if (tzid != NULL && tzid[0] == '/') {
		const char *rest = strchr(tzid + 1, '/');
		if (rest != NULL)
			return rest + 1;
	}
	return tzid != NULL ? tzid : "UTC";
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char **zone_names;
static size_t nzone_names;

static void
load_names(void)
{
	pthread_mutex_lock(&tz_lock);
	icalarray *all = icaltimezone_get_builtin_timezones();
	size_t n = all != NULL ? all->num_elements : 0;
	zone_names = calloc(n + 1, sizeof(*zone_names));
	if (zone_names == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		icaltimezone *z = icalarray_element_at(all, i);
		const char *tzid = icaltimezone_get_tzid(z);
		const char *name = tzid != NULL && tzid[0] == '/' &&
		    strchr(tzid + 1, '/') != NULL ? strchr(tzid + 1, '/') + 1 : tzid;
		if (name != NULL && name_well_formed(name) && name_is_zone(name))
			zone_names[nzone_names++] = name;
	}
	pthread_mutex_unlock(&tz_lock);
	zone_names[nzone_names++] = "UTC";
	qsort(zone_names, nzone_names, sizeof(*zone_names), cmp_names);
}

const char *const *
tz_names(size_t *n)
{
	pthread_once(&names_once, load_names);
	*n = nzone_names;
	return zone_names;
}

/* ---- civil dates --------------------------------------------------------- */

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t
civil_days(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
civil_from_days(int64_t days, struct civil *out)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	memset(out, 0, sizeof(*out));
	out->year = (int)(yoe + era * 400 + (m <= 2));
	out->month = (int)m;
	out->day = (int)d;
	/* 1970-01-01 was a Thursday (4). */
	int64_t wd = (days % 7 + 7 + 3) % 7;	/* 0 Monday */
	out->weekday = (int)wd + 1;
}

static int
days_in_month(int year, int month)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : dim[month - 1];
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
civil_parse_date(const char *s, struct civil *out)
{
	int y, m, d;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &y) < 0 || digits(s + 5, 2, &m) < 0 ||
	    digits(s + 8, 2, &d) < 0)
		return -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	civil_from_days(civil_days(y, m, d), out);
	return 0;
}

void
civil_format_date(const struct civil *c, char out[11])
{
	unsigned y = (unsigned)c->year % 10000, m = (unsigned)c->month % 13,
	    d = (unsigned)c->day % 32;
	snprintf(out, 11, "%04u-%02u-%02u", y, m, d);
}

/* Seconds since the epoch of a wall-clock reading taken as if it were UTC. */
static int64_t
wall_seconds(const struct civil *c)
{
	return civil_days(c->year, c->month, c->day) * 86400 +
	    (int64_t)c->hour * 3600 + c->minute * 60 + c->second;
}

/* ---- zones --------------------------------------------------------------- */

void
tz_local(const struct tz *z, time_t t, struct civil *out)
{
	pthread_mutex_lock(&tz_lock);
	struct icaltimetype it = icaltime_from_timet_with_zone(t, 0, ical(z));
	pthread_mutex_unlock(&tz_lock);
	civil_from_days(civil_days(it.year, it.month, it.day), out);
	out->hour = it.hour;
	out->minute = it.minute;
	out->second = it.second;
}

int
tz_offset(const struct tz *z, time_t t)
{
	struct civil c;
	tz_local(z, t, &c);
	return (int)(wall_seconds(&c) - (int64_t)t);
}

/* The offset at an instant, from libical or from a table. */
typedef int (*offset_fn)(const void *ctx, time_t t);

static int
zone_offset(const void *ctx, time_t t)
{
	return tz_offset(ctx, t);
}

/*
 * Every zone changes offset at most once within a day of any instant, so
 * the offsets a day before and a day after are the only two a reading can
 * be meant with. Each gives a candidate instant; the earlier one that the
 * clocks really show wins (a repeated hour: the first time round). When
 * neither does, the reading fell into a gap: the answer is the moment the
 * clocks jumped, found by bisection between the two candidates.
 */
static time_t
instant_with(offset_fn offset, const void *ctx, const struct civil *wall)
{
	int64_t w = wall_seconds(wall);
	int before = offset(ctx, (time_t)(w - 86400));
	int after = offset(ctx, (time_t)(w + 86400));
	time_t a = (time_t)(w - before), b = (time_t)(w - after);
	time_t first = a < b ? a : b, second = a < b ? b : a;
	if ((int64_t)first + offset(ctx, first) == w)
		return first;
	if ((int64_t)second + offset(ctx, second) == w)
		return second;
	/* In a gap: clocks go forward, so the offset after is the larger
	 * and b < a. The jump happens in (b, a]: find the first instant
	 * whose offset is the new one. */
	time_t lo = first, hi = second;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (offset(ctx, mid) == after)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

time_t
tz_instant(const struct tz *z, const struct civil *wall)
{
	return instant_with(zone_offset, z, wall);
}

/* ---- offset tables ------------------------------------------------------- */

/* The first instant in (lo, hi] whose offset differs from lo's, where
 * the offset at hi does. */
static time_t
find_change(const struct tz *z, time_t lo, time_t hi, int at_lo)
{
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (tz_offset(z, mid) == at_lo)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

void
tz_table_init(struct tz_table *t, const struct tz *z, time_t lo, time_t hi)
{
	memset(t, 0, sizeof(*t));
	t->zone = z;
	/* Margins for tz_instant's look a day either side. */
	t->lo = lo - 2 * 86400;
	t->hi = hi + 2 * 86400;
	if (t->hi - t->lo > (time_t)TZ_TABLE_DAYS * 86400) {
		t->direct = true;
		return;
	}
	int cur = tz_offset(z, t->lo);
	t->spans[0].start = t->lo;
	t->spans[0].offset = cur;
	t->n = 1;
	for (time_t day = t->lo; day < t->hi; day += 86400) {
		time_t next = day + 86400;
		int off = tz_offset(z, next);
		if (off == cur)
			continue;
		if (t->n == TZ_TABLE_SPANS) {
			t->direct = true;
			return;
		}
		t->spans[t->n].start = find_change(z, day, next, cur);
		t->spans[t->n].offset = off;
		t->n++;
		cur = off;
	}
}

int
tz_table_offset(const struct tz_table *t, time_t x)
{
	if (t->direct || x < t->lo || x >= t->hi)
		return tz_offset(t->zone, x);
	size_t i = t->n - 1;
	while (i > 0 && t->spans[i].start > x)
		i--;
	return t->spans[i].offset;
}

static int
table_offset(const void *ctx, time_t x)
{
	return tz_table_offset(ctx, x);
}

/* The wall clock for an instant with a known offset: arithmetic only. */
static void
wall_from(int64_t w, struct civil *out)
{
	int64_t days = w >= 0 ? w / 86400 : -((-w + 86399) / 86400);
	int64_t rest = w - days * 86400;
	civil_from_days(days, out);
	out->hour = (int)(rest / 3600);
	out->minute = (int)(rest / 60 % 60);
	out->second = (int)(rest % 60);
}

void
tz_table_local(const struct tz_table *t, time_t x, struct civil *out)
{
	wall_from((int64_t)x + tz_table_offset(t, x), out);
}

time_t
tz_table_instant(const struct tz_table *t, const struct civil *wall)
{
	return instant_with(table_offset, t, wall);
}

/* Digits by hand: a slot listing formats thousands of times, and
 * snprintf was most of its cost. */
static char *
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* "YYYY-MM-DDTHH:MM:SS" for a wall-clock reading; returns the end. */
static char *
put_wall(char *p, const struct civil *c)
{
	int y = c->year % 10000;
	p = put2(p, y / 100);
	p = put2(p, y % 100);
	*p++ = '-';
	p = put2(p, c->month);
	*p++ = '-';
	p = put2(p, c->day);
	*p++ = 'T';
	p = put2(p, c->hour);
	*p++ = ':';
	p = put2(p, c->minute);
	*p++ = ':';
	return put2(p, c->second);
}

static void
format_iso(int64_t t, int off, char out[32])
{
	struct civil c;
	wall_from(t + off, &c);
	char *p = put_wall(out, &c);
	*p++ = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	p = put2(p, off / 3600);
	*p++ = ':';
	p = put2(p, off / 60 % 60);
	*p = '\0';
}

void
tz_table_format_iso(const struct tz_table *t, time_t x, char out[32])
{
	format_iso((int64_t)x, tz_table_offset(t, x), out);
}

void
tz_format_iso(const struct tz *z, time_t t, char out[32])
{
	format_iso((int64_t)t, tz_offset(z, t), out);
}

void
utc_format_iso(time_t t, char out[32])
{
	struct civil c;
	wall_from((int64_t)t, &c);
	char *p = put_wall(out, &c);
	*p++ = 'Z';
	*p = '\0';
}

int
utc_parse_iso(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec = 0;
	if (s == NULL || strlen(s) < 17 || strlen(s) > 25)
		return -1;
	if (digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &mo) < 0 ||
	    s[7] != '-' || digits(s + 8, 2, &d) < 0 || s[10] != 'T' ||
	    digits(s + 11, 2, &h) < 0 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) < 0)
		return -1;
	const char *p = s + 16;
	if (*p == ':') {
		if (digits(p + 1, 2, &sec) < 0)
			return -1;
		p += 3;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return -1;
	int offset = 0;
	if (strcmp(p, "Z") == 0) {
		offset = 0;
	} else if ((p[0] == '+' || p[0] == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh, om;
		if (digits(p + 1, 2, &oh) < 0 || digits(p + 4, 2, &om) < 0 ||
		    oh > 14 || om > 59)
			return -1;
		offset = (oh * 3600 + om * 60) * (p[0] == '-' ? -1 : 1);
	} else {
		return -1;
	}
	struct civil c = { y, mo, d, h, mi, sec, 0 };
	*out = (time_t)(wall_seconds(&c) - offset);
	return 0;
}
