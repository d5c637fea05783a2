/*
 * Free slots from weekly hours, and the checks on an availability. No
 * database here: the store loads what these functions need, so the
 * arithmetic can be tested on its own across daylight-saving changes.
 *
 * Each working interval is anchored to the wall clock of its own day
 * (Monday 09:00 in Berlin is 08:00 UTC in winter and 07:00 in summer);
 * within an interval, slots follow each other in real time. An interval
 * that contains a change of the clocks is therefore as long as the time
 * that really passes, and no slot starts at a time the clocks skip.
 */
#include "booking.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/text.h"

static bool
date_is_off(const struct availability *av, const char *day)
{
	for (size_t i = 0; i < av->ndates_off; i++)
		if (strcmp(av->dates_off[i], day) == 0)
			return true;
	return false;
}

/* The instant of minute m (0..1440) of local day d in the zone. */
static time_t
day_minute(const struct tz_table *zone, int64_t d, int m)
{
	struct civil c;
	civil_from_days(d + m / 1440, &c);
	c.hour = (m % 1440) / 60;
	c.minute = m % 60;
	c.second = 0;
	return tz_table_instant(zone, &c);
}

static int64_t
local_day(const struct tz *zone, time_t t)
{
	struct civil c;
	tz_local(zone, t, &c);
	return civil_days(c.year, c.month, c.day);
}

static time_t
align_up(time_t t)
{
	time_t r = t % BOOKING_BLOCK_SECONDS;
	if (r < 0)
		r += BOOKING_BLOCK_SECONDS;
	return r == 0 ? t : t + (BOOKING_BLOCK_SECONDS - r);
}

/* The bounds a slot's start must lie in: [lo, hi). */
static void
slot_bounds(const struct slot_query *q, time_t *lo, time_t *hi)
{
	*lo = q->from;
	*hi = q->to;
	if (q->ignore_limits)
		return;
	time_t notice = q->now + (time_t)q->av->min_notice_minutes * 60;
	if (notice > *lo)
		*lo = notice;
	/* The furthest date is a whole day in the therapist's zone. */
	struct tz_table zone;
	int64_t last = local_day(q->zone, q->now) + q->av->max_days_ahead;
	tz_table_init(&zone, q->zone, q->now, q->now);
	time_t horizon = day_minute(&zone, last + 1, 0);
	if (horizon < *hi)
		*hi = horizon;
}

struct walk {
	const struct slot_query	*q;
	struct tz_table		 zone;		/* the therapist's, over the walk */
	time_t			 lo, hi;
	time_t			 claim;		/* seconds a slot holds: length + buffer */
	size_t			 next_busy;	/* first busy interval not yet behind us */
	struct slot		*slots;
	size_t			 n;
};

static bool
collides(struct walk *w, time_t s)
{
	const struct slot_query *q = w->q;
	while (w->next_busy < q->nbusy && q->busy[w->next_busy].end <= s)
		w->next_busy++;
	/* Busy intervals may be out of order after the one found; check
	 * the ones that start before the claim ends. */
	for (size_t i = w->next_busy; i < q->nbusy; i++) {
		if (q->busy[i].start >= s + w->claim)
			break;
		if (q->busy[i].end > s)
			return true;
	}
	return false;
}

static void
walk_interval(struct walk *w, time_t ws, time_t we)
{
	time_t len = (time_t)w->q->minutes * 60;
	for (time_t s = align_up(ws); s + len <= we; s += w->claim) {
		if (w->n >= BOOKING_SLOTS_MAX || s >= w->hi)
			return;
		if (s < w->lo || collides(w, s))
			continue;
		w->slots[w->n].start = s;
		w->slots[w->n].end = s + len;
		w->n++;
	}
}

int
slots_compute(const struct slot_query *q, struct arena *a, struct slot **out,
    size_t *n)
{
	struct walk w = { .q = q };
	*out = NULL;
	*n = 0;
	if (q->minutes <= 0 || q->to <= q->from)
		return 0;
	slot_bounds(q, &w.lo, &w.hi);
	if (w.hi <= w.lo)
		return 0;
	w.claim = (time_t)(q->minutes + q->av->buffer_minutes) * 60;
	/* A day's hours lie between its midnight and the next; a day that
	 * starts before lo may still hold slots after it. */
	int64_t first = local_day(q->zone, w.lo) - 1;
	int64_t last = local_day(q->zone, w.hi) + 1;
	if (last - first > BOOKING_HORIZON_MAX + BOOKING_LIST_DAYS_MAX + 2)
		last = first + BOOKING_HORIZON_MAX + BOOKING_LIST_DAYS_MAX + 2;
	size_t cap = BOOKING_SLOTS_MAX;
	w.slots = arena_alloc(a, cap * sizeof(*w.slots));
	tz_table_init(&w.zone, q->zone, w.lo - 2 * 86400, w.hi + 2 * 86400);
	for (int64_t d = first; d <= last && w.n < cap; d++) {
		struct civil c;
		civil_from_days(d, &c);
		char day[11];
		civil_format_date(&c, day);
		if (date_is_off(q->av, day))
			continue;
		for (size_t i = 0; i < q->av->nhours; i++) {
			const struct weekly_hours *h = &q->av->hours[i];
			if (h->weekday != c.weekday)
				continue;
			walk_interval(&w, day_minute(&w.zone, d, h->start_minute),
			    day_minute(&w.zone, d, h->end_minute));
		}
	}
	*out = w.slots;
	*n = w.n;
	return 0;
}

/* ---- validation ------------------------------------------------------------ */

static int
check_range(int v, int lo, int hi, const char *param, struct err *e)
{
	if (v < lo || v > hi)
		return err_set(e, 422, "invalid_parameter", param,
		    "%s must be between %d and %d", param, lo, hi);
	return 0;
}

static int
cmp_hours(const void *a, const void *b)
{
	const struct weekly_hours *x = a, *y = b;
	if (x->weekday != y->weekday)
		return x->weekday - y->weekday;
	return x->start_minute - y->start_minute;
}

static int
validate_hours(struct availability *av, struct err *e)
{
	char param[32];
	if (av->nhours > BOOKING_HOURS_MAX)
		return err_set(e, 422, "invalid_parameter", "hours",
		    "at most %d weekly intervals", BOOKING_HOURS_MAX);
	for (size_t i = 0; i < av->nhours; i++) {
		const struct weekly_hours *h = &av->hours[i];
		if (h->weekday < 1 || h->weekday > 7) {
			snprintf(param, sizeof(param), "hours[%zu].weekday", i);
			return err_set(e, 422, "invalid_parameter", param,
			    "%s: the day must be Monday to Sunday", param);
		}
		if (h->start_minute < 0 || h->start_minute >= 1440 ||
		    h->start_minute % 5 != 0) {
			snprintf(param, sizeof(param), "hours[%zu].start", i);
			return err_set(e, 422, "invalid_parameter", param,
			    "%s: the start must be a time of day on a five-minute"
			    " mark", param);
		}
		if (h->end_minute > 1440 || h->end_minute <= h->start_minute ||
		    h->end_minute % 5 != 0) {
			snprintf(param, sizeof(param), "hours[%zu].end", i);
			return err_set(e, 422, "invalid_parameter", param,
			    "%s: the end must come after the start, within the day,"
			    " on a five-minute mark", param);
		}
	}
	if (av->nhours > 1)
		qsort(av->hours, av->nhours, sizeof(*av->hours), cmp_hours);
	for (size_t i = 1; i < av->nhours; i++) {
		const struct weekly_hours *p = &av->hours[i - 1], *h = &av->hours[i];
		if (p->weekday == h->weekday && h->start_minute < p->end_minute)
			return err_set(e, 422, "invalid_parameter", "hours",
			    "two intervals on the same day overlap");
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
validate_dates(struct availability *av, struct err *e)
{
	if (av->ndates_off > BOOKING_DATES_OFF_MAX)
		return err_set(e, 422, "invalid_parameter", "dates_off",
		    "at most %d dates off", BOOKING_DATES_OFF_MAX);
	for (size_t i = 0; i < av->ndates_off; i++) {
		struct civil c;
		if (civil_parse_date(av->dates_off[i], &c) < 0)
			return err_set(e, 422, "invalid_parameter", "dates_off",
			    "dates off must be dates written YYYY-MM-DD");
	}
	if (av->ndates_off > 1)
		qsort(av->dates_off, av->ndates_off, sizeof(*av->dates_off), cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < av->ndates_off; i++)
		if (k == 0 || strcmp(av->dates_off[k - 1], av->dates_off[i]) != 0)
			av->dates_off[k++] = av->dates_off[i];
	av->ndates_off = k;
	return 0;
}

int
appointment_type_validate(struct appointment_type *t, const char *prefix,
    struct err *e)
{
	char param[48];
#define FIELD(name) (snprintf(param, sizeof(param), "%s%s", prefix, name), param)
	if (t->kind == NULL || (strcmp(t->kind, "consultation") != 0 &&
	    strcmp(t->kind, "trial") != 0))
		return err_set(e, 422, "invalid_parameter", FIELD("kind"),
		    "the kind must be \"consultation\" or \"trial\"");
	if (t->mode == NULL || (strcmp(t->mode, "video") != 0 &&
	    strcmp(t->mode, "in_person") != 0))
		return err_set(e, 422, "invalid_parameter", FIELD("mode"),
		    "the mode must be \"video\" or \"in_person\"");
	size_t len = t->name != NULL ? strlen(t->name) : 0;
	if (len == 0 || !text_utf8_valid(t->name, len, false) ||
	    text_utf8_length(t->name, len) > BOOKING_TYPE_NAME_MAX)
		return err_set(e, 422, "invalid_parameter", FIELD("name"),
		    "the name must be 1 to %d characters on one line",
		    BOOKING_TYPE_NAME_MAX);
	if (t->minutes < 5 || t->minutes > 480 || t->minutes % 5 != 0)
		return err_set(e, 422, "invalid_parameter", FIELD("minutes"),
		    "the length must be 5 to 480 minutes, in steps of 5");
	if (t->fee < 0 || t->fee > 100000)
		return err_set(e, 422, "invalid_parameter", FIELD("fee"),
		    "the fee must be between 0 and 100000");
	const char *cur = t->currency != NULL ? t->currency : "";
	bool iso = strlen(cur) == 3;
	for (size_t i = 0; iso && i < 3; i++)
		iso = cur[i] >= 'A' && cur[i] <= 'Z';
	if ((t->fee > 0 && !iso) || (*cur != '\0' && !iso))
		return err_set(e, 422, "invalid_parameter", FIELD("currency"),
		    "a fee needs a currency code such as USD or EUR");
#undef FIELD
	return 0;
}

int
availability_validate(struct availability *av, struct arena *a, struct err *e)
{
	(void)a;
	const struct tz *zone;
	if (tz_lookup(av->timezone, "timezone", &zone, e) < 0)
		return -1;
	av->timezone = tz_name(zone);
	if (check_range(av->buffer_minutes, 0, 240, "buffer_minutes", e) < 0 ||
	    check_range(av->min_notice_minutes, 0, 60 * 24 * 60,
	    "min_notice_minutes", e) < 0 ||
	    check_range(av->max_days_ahead, 1, BOOKING_HORIZON_MAX,
	    "max_days_ahead", e) < 0 ||
	    check_range(av->cancel_window_hours, 0, 24 * 30,
	    "cancel_window_hours", e) < 0)
		return -1;
	if (av->buffer_minutes % 5 != 0)
		return err_set(e, 422, "invalid_parameter", "buffer_minutes",
		    "the buffer must be a multiple of 5 minutes");
	if (validate_hours(av, e) < 0 || validate_dates(av, e) < 0)
		return -1;
	if (av->ntypes > BOOKING_TYPES_MAX)
		return err_set(e, 422, "invalid_parameter", "types",
		    "at most %d appointment types", BOOKING_TYPES_MAX);
	for (size_t i = 0; i < av->ntypes; i++) {
		char prefix[40];
		snprintf(prefix, sizeof(prefix), "types[%zu].", i);
		if (appointment_type_validate(&av->types[i], prefix, e) < 0)
			return -1;
	}
	return 0;
}

/* ---- weekly hours as text ---------------------------------------------------- */

static const char *const day_names[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun"
};

static int
parse_clock(const char *s, int *minute)
{
	if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	    s[2] == ':' && s[3] >= '0' && s[3] <= '5' && s[4] >= '0' &&
	    s[4] <= '9'))
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0');
	int m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || (h == 24 && m != 0))
		return -1;
	*minute = h * 60 + m;
	return 0;
}

int
weekly_hours_parse(const char *s, struct weekly_hours *out)
{
	/* "mon 09:00-12:30": exactly 15 characters. */
	if (s == NULL || strlen(s) != 15 || s[3] != ' ' || s[9] != '-')
		return -1;
	out->weekday = 0;
	for (int i = 0; i < 7; i++)
		if (strncasecmp(s, day_names[i], 3) == 0)
			out->weekday = i + 1;
	if (out->weekday == 0 || parse_clock(s + 4, &out->start_minute) < 0 ||
	    parse_clock(s + 10, &out->end_minute) < 0)
		return -1;
	return 0;
}

void
weekly_hours_format(const struct weekly_hours *h, char out[20])
{
	int wd = h->weekday >= 1 && h->weekday <= 7 ? h->weekday : 1;
	snprintf(out, 20, "%s %02d:%02d-%02d:%02d", day_names[wd - 1],
	    (h->start_minute / 60) % 100, h->start_minute % 60,
	    (h->end_minute / 60) % 100, h->end_minute % 60);
}
