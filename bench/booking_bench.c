/*
 * The in-process half of the booking benchmark: how long the server
 * takes to list one therapist's free slots over the next DAYS days, the
 * way GET /api/v1/therapists/{id}/slots does it (the availability and
 * the appointments from SQLite, the slots, the JSON in the visitor's
 * zone), without HTTP.
 *
 *   booking_bench DB THERAPIST_ID TYPE_ID DAYS PASSES
 *
 * One warm-up call, then PASSES timed calls, each alone with
 * CLOCK_MONOTONIC. Prints "key value" lines: slots, median_ms, p99_ms,
 * mean_ms, max_ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "booking/booking.h"
#include "store/db.h"
#include "util/jw.h"

static double
now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One listing as the handler does it; returns the number of slots. */
static long
list_once(sqlite3 *db, long long id, long long type, int days,
    const struct tz *zone, struct buf *out)
{
	struct arena *a = arena_new();
	struct err e = ERR_INIT;
	struct account_request r = { .db = db, .arena = a, .ip = "",
	    .base_url = "", .now = time(NULL) };
	struct slot *slots;
	size_t n;
	if (booking_slots(&r, id, type, r.now, days, &slots, &n, &e) != 0) {
		fprintf(stderr, "booking_bench: %s\n", e.message);
		exit(1);
	}
	buf_reset(out);
	struct jw j;
	jw_init(&j, out);
	jw_object_begin(&j);
	jw_key(&j, "slots");
	jw_array_begin(&j);
	struct tz_table local;
	tz_table_init(&local, zone, r.now, r.now + (time_t)days * 86400);
	for (size_t i = 0; i < n; i++) {
		char t[32];
		jw_object_begin(&j);
		utc_format_iso(slots[i].start, t);
		jw_kv_string(&j, "start", t);
		utc_format_iso(slots[i].end, t);
		jw_kv_string(&j, "end", t);
		tz_table_format_iso(&local, slots[i].start, t);
		jw_kv_string(&j, "local_start", t);
		tz_table_format_iso(&local, slots[i].end, t);
		jw_kv_string(&j, "local_end", t);
		jw_object_end(&j);
	}
	jw_array_end(&j);
	jw_object_end(&j);
	arena_free(a);
	return (long)n;
}

int
main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: booking_bench DB THERAPIST_ID TYPE_ID DAYS PASSES\n");
		return 2;
	}
	struct err e = ERR_INIT;
	sqlite3 *db = db_open_readonly(argv[1], &e);
	if (db == NULL) {
		fprintf(stderr, "booking_bench: %s\n", e.message);
		return 1;
	}
	long long id = strtoll(argv[2], NULL, 10), type = strtoll(argv[3], NULL, 10);
	int days = (int)strtol(argv[4], NULL, 10), passes = (int)strtol(argv[5], NULL, 10);
	if (days < 1 || days > BOOKING_LIST_DAYS_MAX || passes < 1 || passes > 1000000) {
		fprintf(stderr, "booking_bench: DAYS must be 1..%d and PASSES 1..1000000\n",
		    BOOKING_LIST_DAYS_MAX);
		return 2;
	}
	const struct tz *zone = tz_find("America/New_York");
	struct buf out = BUF_INIT;
	long slots = list_once(db, id, type, days, zone, &out);
	double *t = calloc((size_t)passes, sizeof(*t)), sum = 0;
	for (int i = 0; i < passes; i++) {
		double t0 = now_ms();
		list_once(db, id, type, days, zone, &out);
		t[i] = now_ms() - t0;
		sum += t[i];
	}
	qsort(t, (size_t)passes, sizeof(*t), cmp_double);
	printf("slots %ld\njson_bytes %zu\nmedian_ms %.4f\np99_ms %.4f\nmean_ms %.4f\n"
	    "max_ms %.4f\n", slots, out.len, t[passes / 2],
	    t[(size_t)(passes * 0.99)], sum / passes, t[passes - 1]);
	free(t);
	buf_free(&out);
	db_close(db);
	return 0;
}
