/*
 * Demo availability for `imago demo`: the first profiles that accept new
 * clients get weekly hours in their city's time zone, a free 15-minute
 * consultation and a 50-minute trial session, so booking can be tried
 * from `make run`. Varied by profile id, the same on every run.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../places/places.h"
#include "../store/db.h"
#include "../util/mem.h"

struct demo_row {
	int64_t	 id;
	double	 lat, lon;
	int	 fee;
};

static int
step_bound(sqlite3 *db, const char *sql, int64_t id, const char *zone,
    int a, int b, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, sql, e);
	if (st == NULL)
		return -1;
	int n = sqlite3_bind_parameter_count(st);
	sqlite3_bind_int64(st, 1, id);
	if (n >= 2)
		sqlite3_bind_text(st, 2, zone, -1, SQLITE_STATIC);
	if (n >= 3)
		sqlite3_bind_int(st, 3, a);
	if (n >= 4)
		sqlite3_bind_int(st, 4, b);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "writing demo availability");
}

static int
insert_demo(sqlite3 *db, const struct demo_row *t, const char *zone,
    struct err *e)
{
	static const char hours[] = "INSERT INTO availability_hours"
	    " (therapist_id, weekday, start_minute, end_minute)"
	    " VALUES (?1, CAST(?2 AS INTEGER), ?3, ?4)";
	if (step_bound(db, "INSERT OR REPLACE INTO booking_settings"
	    " (therapist_id, timezone, buffer_minutes, min_notice_minutes,"
	    " max_days_ahead, cancel_window_hours, updated_at)"
	    " VALUES (?1, ?2, 10, 1440, 30, 12, strftime('%s','now'))",
	    t->id, zone, 0, 0, e) < 0 ||
	    step_bound(db, "DELETE FROM availability_hours WHERE therapist_id = ?1",
	    t->id, NULL, 0, 0, e) < 0)
		return -1;
	/* Weekdays: a morning (or, for every third, an evening) and an
	 * afternoon; odd ids also Saturday mornings. */
	bool evenings = t->id % 3 == 0;
	for (int d = 1; d <= 6; d++) {
		char day[2] = { (char)('0' + d), '\0' };
		if (d == 6 && t->id % 2 == 0)
			break;
		if (step_bound(db, hours, t->id, day, evenings && d < 6 ? 1020 : 540,
		    evenings && d < 6 ? 1200 : 720, e) < 0)
			return -1;
		if (d < 6 && step_bound(db, hours, t->id, day, 780, 1020, e) < 0)
			return -1;
	}
	if (step_bound(db, "INSERT INTO appointment_types (therapist_id, kind,"
	    " name, minutes, fee, currency, mode) SELECT ?1, 'consultation',"
	    " 'Free consultation', 15, 0, '', 'video' WHERE NOT EXISTS (SELECT 1"
	    " FROM appointment_types WHERE therapist_id = ?1 AND kind ="
	    " 'consultation')", t->id, NULL, 0, 0, e) < 0)
		return -1;
	return step_bound(db, "INSERT INTO appointment_types (therapist_id, kind,"
	    " name, minutes, fee, currency, mode) SELECT ?1, 'trial',"
	    " 'Trial session', 50, ?3, ?2, CASE WHEN ?1 % 2 = 0"
	    " THEN 'video' ELSE 'in_person' END WHERE NOT EXISTS (SELECT 1 FROM"
	    " appointment_types WHERE therapist_id = ?1 AND kind = 'trial')",
	    t->id, "USD", t->fee, 0, e);
}

static int
load_rows(sqlite3 *db, long long max, struct demo_row **out, size_t *n,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT id, lat, lon,"
	    " COALESCE(fee_min, 120) FROM therapists WHERE external_id LIKE"
	    " 'demo-%' AND accepting_new_clients AND lat IS NOT NULL"
	    " ORDER BY external_id LIMIT ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, max);
	struct demo_row *rows = xcalloc((size_t)max + 1, sizeof(*rows));
	size_t k = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < (size_t)max) {
		rows[k].id = sqlite3_column_int64(st, 0);
		rows[k].lat = sqlite3_column_double(st, 1);
		rows[k].lon = sqlite3_column_double(st, 2);
		rows[k].fee = sqlite3_column_int(st, 3) > 0 ?
		    sqlite3_column_int(st, 3) : 120;
		k++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(rows);
		return db_fail(db, e, "choosing demo profiles");
	}
	*out = rows;
	*n = k;
	return 0;
}

long long
booking_demo(sqlite3 *db, long long max, struct err *e)
{
	struct demo_row *rows = NULL;
	size_t n = 0;
	if (max <= 0)
		return 0;
	if (load_rows(db, max, &rows, &n, e) < 0)
		return -1;
	if (account_tx_begin(db, e) < 0) {
		free(rows);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct place p;
		char zone[TZ_NAME_MAX + 1] = "UTC";
		struct err ignored = ERR_INIT;
		if (place_nearest(db, rows[i].lat, rows[i].lon, &p, &ignored) != 0 ||
		    place_timezone(db, p.id, zone, sizeof(zone), &ignored) != 0 ||
		    tz_find(zone) == NULL)
			snprintf(zone, sizeof(zone), "UTC");
		if (insert_demo(db, &rows[i], tz_name(tz_find(zone)), e) < 0) {
			account_tx_rollback(db);
			free(rows);
			return -1;
		}
	}
	free(rows);
	if (account_tx_commit(db, e) < 0) {
		account_tx_rollback(db);
		return -1;
	}
	return (long long)n;
}
