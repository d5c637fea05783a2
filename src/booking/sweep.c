/*
 * The therapist's calendar feed, periodic work (expired holds, reminders)
 * and the look-up of a manage link for other modules.
 */
#include "internal.h"

#include <string.h>

#include "../directory/profile.h"
#include "../store/db.h"

#define FEED_DAYS_BEFORE	30	/* past appointments kept in the feed */
#define FEED_MAX		2000
#define REMINDER_AHEAD		(24 * 60 * 60)

/* ---- the calendar feed --------------------------------------------------------- */

int
booking_own_profile(const struct account_request *r, int64_t *id,
    struct err *e)
{
	int rc = profile_find_own(r, id, e);
	if (rc > 0)
		return err_set(e, 404, "no_profile", "",
		    "create your directory profile first");
	return rc;
}

static int
set_feed_hash(const struct account_request *r, int64_t id,
    const unsigned char *hash, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "UPDATE booking_settings"
	    " SET feed_token_hash = ?1 WHERE therapist_id = ?2", e);
	if (st == NULL)
		return -1;
	if (hash != NULL)
		sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "saving the feed");
	if (sqlite3_changes(r->db) == 0)
		return err_set(e, 409, "no_availability", "",
		    "set your availability first");
	return 0;
}

static int
change_feed(const struct account_request *r, const unsigned char *hash,
    const char *action, struct err *e)
{
	int64_t id;
	if (booking_own_profile(r, &id, e) < 0 || account_tx_begin(r->db, e) < 0)
		return -1;
	if (set_feed_hash(r, id, hash, e) < 0 ||
	    account_audit(r, action, "therapist", id, "", e) < 0 ||
	    account_tx_commit(r->db, e) < 0) {
		account_tx_rollback(r->db);
		return -1;
	}
	return 0;
}

int
booking_feed_token_new(const struct account_request *r,
    char token[TOKEN_TEXT_LEN + 1], struct err *e)
{
	unsigned char hash[32];
	token_new(token);
	token_hash(token, hash);
	return change_feed(r, hash, "booking.feed_new", e);
}

int
booking_feed_disable(const struct account_request *r, struct err *e)
{
	return change_feed(r, NULL, "booking.feed_off", e);
}

int
booking_feed(sqlite3 *db, const char *token, time_t now, struct buf *out,
    struct err *e)
{
	unsigned char hash[32];
	if (token == NULL || strlen(token) != TOKEN_TEXT_LEN)
		return 1;
	token_hash(token, hash);
	sqlite3_stmt *st = db_prepare(db, "SELECT a.ref, a.sequence, a.starts_at,"
	    " a.ends_at, a.type_name, a.name, a.mode, t.name"
	    " FROM booking_settings s JOIN therapists t ON t.id = s.therapist_id"
	    " LEFT JOIN appointments a ON a.therapist_id = s.therapist_id"
	    " AND a.status = 'booked' AND a.ends_at > ?2"
	    " WHERE s.feed_token_hash = ?1 ORDER BY a.starts_at LIMIT "
	    STR(FEED_MAX), e);
	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(now - FEED_DAYS_BEFORE * 86400));
	struct arena *a = arena_new();
	struct ics_event *evs = arena_alloc(a, FEED_MAX * sizeof(*evs));
	size_t n = 0;
	bool found = false;
	const char *name = "imago";
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		found = true;
		name = arena_printf(a, "imago: %s",
		    (const char *)sqlite3_column_text(st, 7));
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			continue;	/* a feed with no appointments yet */
		struct ics_event *ev = &evs[n++];
		ev->uid = arena_printf(a, "%s@imago",
		    (const char *)sqlite3_column_text(st, 0));
		ev->sequence = sqlite3_column_int(st, 1);
		ev->start = (time_t)sqlite3_column_int64(st, 2);
		ev->end = (time_t)sqlite3_column_int64(st, 3);
		ev->stamp = now;
		/* Who, not why: a feed ends up in other companies' calendars. */
		ev->summary = arena_printf(a, "%s: %s",
		    (const char *)sqlite3_column_text(st, 4),
		    (const char *)sqlite3_column_text(st, 5));
		ev->location = strcmp((const char *)sqlite3_column_text(st, 6),
		    "video") == 0 ? "Video call" : NULL;
	}
	sqlite3_finalize(st);
	int ret = 1;
	if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "reading the calendar feed");
	} else if (found) {
		ics_feed(out, name, evs, n);
		ret = 0;
	}
	arena_free(a);
	return ret;
}

/* ---- periodic work -------------------------------------------------------------- */

static int
queue_reminders(sqlite3 *db, const char *base_url, time_t now, struct err *e)
{
	/* Not for an appointment booked or moved less than a day ahead:
	 * its confirmation has just gone out (set_times marks those). */
	sqlite3_stmt *st = db_prepare(db, "SELECT id FROM appointments"
	    " WHERE status = 'booked' AND reminder_sent = 0"
	    " AND COALESCE(confirmed_at, created_at) <= starts_at - ?3"
	    " AND starts_at > ?1 AND starts_at <= ?2 ORDER BY starts_at LIMIT 100", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(now + REMINDER_AHEAD));
	sqlite3_bind_int64(st, 3, REMINDER_AHEAD);
	int64_t ids[100];
	size_t n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 100)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(db, e, "finding reminders");
	struct arena *a = arena_new();
	struct account_request r = {
		.db = db, .arena = a, .ip = "", .base_url = base_url, .now = now,
	};
	int sent = 0;
	for (size_t i = 0; i < n; i++) {
		struct appointment ap;
		if (account_tx_begin(db, e) < 0)
			break;
		sqlite3_stmt *up = db_prepare(db, "UPDATE appointments"
		    " SET reminder_sent = 1 WHERE id = ? AND reminder_sent = 0", e);
		if (up == NULL) {
			account_tx_rollback(db);
			break;
		}
		sqlite3_bind_int64(up, 1, ids[i]);
		rc = sqlite3_step(up);
		sqlite3_finalize(up);
		if (rc != SQLITE_DONE || sqlite3_changes(db) == 0 ||
		    booking_load_appointment(db, ids[i], a, &ap, e) != 0 ||
		    booking_notify(&r, &ap, BOOKING_REMINDER, NULL, e) < 0 ||
		    account_audit(&r, "booking.reminded", "appointment", ids[i],
		    "", e) < 0 || account_tx_commit(db, e) < 0) {
			account_tx_rollback(db);
			if (err_is_set(e))
				break;
			continue;
		}
		sent += 2;
	}
	arena_free(a);
	return err_is_set(e) ? -1 : sent;
}

int
booking_sweep(sqlite3 *db, const char *base_url, time_t now, struct err *e)
{
	if (account_tx_begin(db, e) < 0)
		return -1;
	if (booking_release_expired(db, 0, now, e) < 0 ||
	    account_tx_commit(db, e) < 0) {
		account_tx_rollback(db);
		return -1;
	}
	return queue_reminders(db, base_url, now, e);
}

/* ---- for other modules ------------------------------------------------------------ */

int
booking_link_appointment(sqlite3 *db, const char *token, time_t now,
    int64_t *appointment_id, int64_t *therapist_id, bool *taken_place,
    struct err *e)
{
	unsigned char hash[32];
	if (token == NULL || strlen(token) != TOKEN_TEXT_LEN)
		return 1;
	token_hash(token, hash);
	sqlite3_stmt *st = db_prepare(db, "SELECT a.id, a.therapist_id,"
	    " a.status = 'booked' AND a.ends_at <= ?2"
	    " FROM appointment_links l JOIN appointments a"
	    " ON a.id = l.appointment_id WHERE l.token_hash = ?1"
	    " AND a.ends_at + ?3 > ?2", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 3, BOOKING_LINK_DAYS_AFTER * 86400);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		*appointment_id = sqlite3_column_int64(st, 0);
		*therapist_id = sqlite3_column_int64(st, 1);
		*taken_place = sqlite3_column_int(st, 2) != 0;
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "finding a link");
	}
	sqlite3_finalize(st);
	return ret;
}
