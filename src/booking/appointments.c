/*
 * Appointments: booking a slot (at once when signed in, held until a
 * guest opens the emailed link), confirming, cancelling, moving, and
 * the lists for clients and therapists.
 *
 * Double booking is prevented by the store, not by a check: inside the
 * write transaction the appointment claims its five-minute blocks in
 * appointment_blocks, whose primary key refuses a block claimed twice.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "../directory/profile.h"
#include "../policy/policy.h"
#include "../store/db.h"
#include "../util/text.h"

#define APPOINTMENT_COLUMNS \
	"a.id, a.ref, a.therapist_id, t.name, COALESCE(s.timezone, 'UTC')," \
	" a.kind, a.type_name, a.mode, a.fee, a.currency, a.starts_at," \
	" a.ends_at, a.status, a.name, a.email, a.phone, a.note, a.timezone," \
	" a.client_user_id," \
	" a.starts_at - COALESCE(s.cancel_window_hours, 24) * 3600," \
	" a.cancelled_by, a.type_id"
#define APPOINTMENT_FROM \
	" FROM appointments a JOIN therapists t ON t.id = a.therapist_id" \
	" LEFT JOIN booking_settings s ON s.therapist_id = a.therapist_id"

enum party { PARTY_CLIENT, PARTY_THERAPIST };

static const char *
col(sqlite3_stmt *st, int i, struct arena *a)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s != NULL ? arena_strdup(a, (const char *)s) : NULL;
}

static void
read_appointment(sqlite3_stmt *st, struct arena *a, struct appointment *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	o->ref = col(st, 1, a);
	o->therapist_id = sqlite3_column_int64(st, 2);
	o->therapist_name = col(st, 3, a);
	o->therapist_timezone = col(st, 4, a);
	o->kind = col(st, 5, a);
	o->type_name = col(st, 6, a);
	o->mode = col(st, 7, a);
	o->fee = sqlite3_column_int(st, 8);
	o->currency = col(st, 9, a);
	o->start = (time_t)sqlite3_column_int64(st, 10);
	o->end = (time_t)sqlite3_column_int64(st, 11);
	o->status = col(st, 12, a);
	o->name = col(st, 13, a);
	o->email = col(st, 14, a);
	o->phone = col(st, 15, a);
	o->note = col(st, 16, a);
	o->timezone = col(st, 17, a);
	o->client_user_id = sqlite3_column_int64(st, 18);
	o->cancel_until = (time_t)sqlite3_column_int64(st, 19);
	o->cancelled_by = col(st, 20, a);
	o->type_id = sqlite3_column_int64(st, 21);
}

/* One appointment by a prepared query with one bound value: 0, 1 none. */
static int
load_one(sqlite3 *db, sqlite3_stmt *st, struct arena *a, struct appointment *out,
    struct err *e)
{
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		read_appointment(st, a, out);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "loading an appointment");
	}
	sqlite3_finalize(st);
	return ret;
}

int
booking_load_appointment(sqlite3 *db, int64_t id, struct arena *a,
    struct appointment *out, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " APPOINTMENT_COLUMNS
	    APPOINTMENT_FROM " WHERE a.id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return load_one(db, st, a, out, e);
}

static int
not_found(struct err *e)
{
	return err_set(e, 404, "not_found", "appointment",
	    "no such appointment, or this link is no longer valid");
}

/* ---- checking a request ------------------------------------------------------------ */

static int
check_line(const char *s, const char *param, size_t max, bool required,
    bool newlines, struct err *e)
{
	size_t n = s != NULL ? strlen(s) : 0;
	if (n == 0 && required)
		return err_set(e, 400, "invalid_parameter", param, "%s is required",
		    param);
	if (n > 0 && (!text_utf8_valid(s, n, newlines) ||
	    text_utf8_length(s, n) > max))
		return err_set(e, 400, "invalid_parameter", param,
		    "%s must be at most %zu characters of text%s", param, max,
		    newlines ? "" : " on one line");
	return 0;
}

static int
check_phone(const char *s, struct err *e)
{
	if (s == NULL || *s == '\0')
		return 0;
	if (strlen(s) > 40)
		return err_invalid(e, "phone", "phone must be at most 40 characters");
	for (const char *p = s; *p; p++)
		if (strchr("0123456789 +()-./", *p) == NULL)
			return err_invalid(e, "phone",
			    "phone may contain only digits, spaces and + ( ) - . /");
	return 0;
}

/*
 * Whether start is a slot of this type: 422 when the hours do not
 * offer it, or it is too soon or too far; 409 when it has passed.
 * (Whether it is free is the blocks' business, at insert time.)
 */
static int
check_slot(const struct account_request *r, const struct availability *av,
    int minutes, time_t start, struct err *e)
{
	if (start <= r->now)
		return err_set(e, 409, "slot_past", "start",
		    "this time has already passed; please choose another");
	struct slot_query q = {
		.av = av, .zone = tz_find(av->timezone), .minutes = minutes,
		.now = r->now, .from = start, .to = start + 1,
		.ignore_limits = true,
	};
	struct slot *s;
	size_t n;
	if (q.zone == NULL)
		return err_internal(e, "the therapist's time zone is unknown");
	slots_compute(&q, r->arena, &s, &n);
	if (n == 0)
		return err_set(e, 422, "outside_availability", "start",
		    "the therapist does not offer an appointment at this time");
	q.ignore_limits = false;
	slots_compute(&q, r->arena, &s, &n);
	if (n == 0 && start < r->now + (time_t)av->min_notice_minutes * 60)
		return err_set(e, 422, "too_soon", "start",
		    "this therapist needs at least %d hours' notice",
		    (av->min_notice_minutes + 59) / 60);
	if (n == 0)
		return err_set(e, 422, "too_far", "start",
		    "this therapist takes bookings at most %d days ahead",
		    av->max_days_ahead);
	return 0;
}

/* ---- store ------------------------------------------------------------------------------- */

/* Gives up holds nobody confirmed in time, so their blocks are free. */
int
booking_release_expired(sqlite3 *db, int64_t therapist_id, time_t now,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM appointment_blocks"
	    " WHERE appointment_id IN (SELECT id FROM appointments"
	    " WHERE status = 'held' AND hold_expires_at <= ?1"
	    " AND (?2 = 0 OR therapist_id = ?2))", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, therapist_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "releasing expired holds");
	st = db_prepare(db, "UPDATE appointments SET status = 'cancelled',"
	    " cancelled_by = 'system', cancelled_at = ?1"
	    " WHERE status = 'held' AND hold_expires_at <= ?1"
	    " AND (?2 = 0 OR therapist_id = ?2)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, therapist_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "releasing expired holds");
}

static int
pending_consultation(sqlite3 *db, int64_t therapist_id, const char *email,
    int64_t user_id, time_t now, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT 1 FROM appointments"
	    " WHERE therapist_id = ?1 AND kind = 'consultation'"
	    " AND (email = ?2 OR (?3 <> 0 AND client_user_id = ?3))"
	    " AND ends_at > ?4 AND status IN ('held', 'booked') LIMIT 1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, user_id);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return err_set(e, 409, "consultation_pending", "type",
		    "you already have a consultation booked with this therapist;"
		    " cancel or move that one instead");
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "checking consultations");
}

/* Claims the blocks of [start, end + buffer): 409 when one is taken. */
static int
claim_blocks(sqlite3 *db, int64_t therapist_id, int64_t appointment_id,
    time_t start, time_t end, int buffer_minutes, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO appointment_blocks"
	    " (therapist_id, block, appointment_id) VALUES (?, ?, ?)", e);
	if (st == NULL)
		return -1;
	int64_t first = (int64_t)start / BOOKING_BLOCK_SECONDS;
	int64_t stop = ((int64_t)end + buffer_minutes * 60 +
	    BOOKING_BLOCK_SECONDS - 1) / BOOKING_BLOCK_SECONDS;
	int rc = SQLITE_DONE;
	for (int64_t b = first; b < stop && rc == SQLITE_DONE; b++) {
		sqlite3_bind_int64(st, 1, therapist_id);
		sqlite3_bind_int64(st, 2, b);
		sqlite3_bind_int64(st, 3, appointment_id);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return err_set(e, 409, "slot_taken", "start",
		    "someone has just booked this time; please choose another");
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "claiming a slot");
}

static int
release_blocks(sqlite3 *db, int64_t appointment_id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM appointment_blocks"
	    " WHERE appointment_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, appointment_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "releasing a slot");
}

struct new_appointment {
	const struct appointment_type *type;
	const struct booking_request *in;
	const char	*email;
	int64_t		 user_id;
	int		 buffer_minutes;
	bool		 guest;
	const unsigned char *confirm_hash;
};

static int
insert_appointment(const struct account_request *r, int64_t therapist_id,
    const struct new_appointment *n, int64_t *id, struct err *e)
{
	char ref[TOKEN_TEXT_LEN + 1];
	token_new(ref);
	ref[20] = '\0';		/* 120 random bits: a name, not a secret */
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO appointments"
	    " (ref, therapist_id, type_id, kind, type_name, mode, fee, currency,"
	    " starts_at, ends_at, buffer_minutes, status, client_user_id, name,"
	    " email, phone, note, timezone, confirm_token_hash, hold_expires_at,"
	    " created_at, confirmed_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
	    " NULLIF(?13, 0), ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)", e);
	if (st == NULL)
		return -1;
	const struct appointment_type *t = n->type;
	time_t start = n->in->start, end = start + (time_t)t->minutes * 60;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, therapist_id);
	sqlite3_bind_int64(st, 3, t->id);
	sqlite3_bind_text(st, 4, t->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, t->mode, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, t->fee);
	sqlite3_bind_text(st, 8, t->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)start);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)end);
	sqlite3_bind_int(st, 11, n->buffer_minutes);
	sqlite3_bind_text(st, 12, n->guest ? "held" : "booked", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, n->user_id);
	sqlite3_bind_text(st, 14, n->in->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, n->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, n->in->phone ? n->in->phone : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, n->in->note ? n->in->note : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 18, n->in->timezone, -1, SQLITE_STATIC);
	if (n->guest) {
		sqlite3_bind_blob(st, 19, n->confirm_hash, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 20, (sqlite3_int64)(r->now + BOOKING_HOLD_SECONDS));
	} else {
		sqlite3_bind_null(st, 19);
		sqlite3_bind_null(st, 20);
		sqlite3_bind_int64(st, 22, (sqlite3_int64)r->now);
	}
	sqlite3_bind_int64(st, 21, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "saving an appointment");
	*id = sqlite3_last_insert_rowid(r->db);
	return 0;
}

/* ---- booking ------------------------------------------------------------------------------------ */

static bool
signed_in(const struct account_request *r)
{
	return r->auth != NULL && r->auth->kind != AUTH_NONE &&
	    r->auth->stage == SESSION_SIGNED_IN && !r->auth->needs_two_step;
}

/* Checks the fields and fills in who is booking: the account when
 * signed in, else the guest's address (normalised). */
static int
check_request(const struct account_request *r, struct booking_request *in,
    const char **email, struct err *e)
{
	if (signed_in(r)) {
		*email = r->auth->user.email;
		if (in->name == NULL || *in->name == '\0')
			in->name = r->auth->user.display_name;
	} else {
		if (in->email == NULL || *in->email == '\0')
			return err_invalid(e, "email", "email is required");
		if (account_email_normalize(in->email, r->arena, email, e) < 0)
			return -1;
	}
	if (check_line(in->name, "name", BOOKING_NAME_MAX, true, false, e) < 0 ||
	    check_line(in->note, "note", BOOKING_NOTE_MAX, false, true, e) < 0 ||
	    check_phone(in->phone, e) < 0)
		return -1;
	return 0;
}

int
booking_create(const struct account_request *r, int64_t therapist_id,
    const struct booking_request *req, struct appointment *out, struct err *e)
{
	struct booking_request in = *req;
	struct availability av;
	const char *email;
	memset(out, 0, sizeof(*out));
	if (account_limit("booking_ip", r->ip, e) < 0)
		return -1;
	int rc = booking_offer(r, therapist_id, &av, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return err_set(e, 404, "booking_not_offered", "id",
		    "this therapist does not take bookings here at the moment");
	const struct appointment_type *type = booking_find_type(&av, in.type_id);
	if (type == NULL)
		return err_set(e, 422, "invalid_parameter", "type",
		    "this therapist offers no such appointment type");
	if (in.timezone == NULL || *in.timezone == '\0')
		in.timezone = av.timezone;
	const struct tz *zone;
	if (tz_lookup(in.timezone, "timezone", &zone, e) < 0)
		return -1;
	in.timezone = tz_name(zone);
	if (check_request(r, &in, &email, e) < 0)
		return -1;
	bool guest = !signed_in(r);
	if (guest && account_limit("booking_email", email, e) < 0)
		return -1;
	if (check_slot(r, &av, type->minutes, in.start, e) < 0)
		return -1;

	char confirm[TOKEN_TEXT_LEN + 1];
	unsigned char confirm_hash[32];
	token_new(confirm);
	token_hash(confirm, confirm_hash);
	struct new_appointment n = {
		.type = type, .in = &in, .email = email,
		.user_id = guest ? 0 : r->auth->user.id,
		.buffer_minutes = av.buffer_minutes, .guest = guest,
		.confirm_hash = confirm_hash,
	};
	int64_t id = 0;
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	if (booking_release_expired(r->db, therapist_id, r->now, e) < 0 ||
	    (strcmp(type->kind, "consultation") == 0 &&
	    pending_consultation(r->db, therapist_id, email, n.user_id, r->now,
	    e) < 0) ||
	    insert_appointment(r, therapist_id, &n, &id, e) < 0 ||
	    claim_blocks(r->db, therapist_id, id, in.start,
	    in.start + (time_t)type->minutes * 60, av.buffer_minutes, e) < 0 ||
	    booking_load_appointment(r->db, id, r->arena, out, e) != 0 ||
	    booking_notify(r, out, guest ? BOOKING_HELD : BOOKING_BOOKED,
	    guest ? confirm : NULL, e) < 0 ||
	    account_audit(r, guest ? "booking.held" : "booking.booked",
	    "appointment", id, type->kind, e) < 0 ||
	    account_tx_commit(r->db, e) < 0) {
		account_tx_rollback(r->db);
		if (!err_is_set(e))
			err_internal(e, "the new appointment could not be read back");
		return -1;
	}
	return 0;
}

int
booking_confirm(const struct account_request *r, const char *token,
    struct appointment *out, struct err *e)
{
	unsigned char hash[32];
	if (account_limit("link_ip", r->ip, e) < 0)
		return -1;
	if (token == NULL || strlen(token) != TOKEN_TEXT_LEN)
		return not_found(e);
	token_hash(token, hash);
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	sqlite3_stmt *st = db_prepare(r->db, "SELECT " APPOINTMENT_COLUMNS
	    ", a.hold_expires_at" APPOINTMENT_FROM
	    " WHERE a.confirm_token_hash = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	int rc = sqlite3_step(st);
	time_t expires = 0;
	if (rc == SQLITE_ROW) {
		read_appointment(st, r->arena, out);
		expires = (time_t)sqlite3_column_int64(st, 22);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			not_found(e);
		else
			db_fail(r->db, e, "finding a booking");
		goto fail;
	}
	if (strcmp(out->status, "booked") == 0) {
		account_tx_rollback(r->db);	/* opened twice: nothing to do */
		return 0;
	}
	if (strcmp(out->status, "held") != 0 || expires <= r->now) {
		err_set(e, 410, "hold_expired", "token",
		    "this booking was not confirmed in time and the time was"
		    " released; please choose a time again");
		goto fail;
	}
	st = db_prepare(r->db, "UPDATE appointments SET status = 'booked',"
	    " confirmed_at = ?1, hold_expires_at = NULL WHERE id = ?2", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->now);
	sqlite3_bind_int64(st, 2, out->id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	out->status = "booked";
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "confirming a booking");
		goto fail;
	}
	if (booking_notify(r, out, BOOKING_BOOKED, NULL, e) < 0 ||
	    account_audit(r, "booking.confirmed", "appointment", out->id, "",
	    e) < 0 || account_tx_commit(r->db, e) < 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* ---- managing --------------------------------------------------------------------------------- */

/* The appointment behind a ref (for its signed-in client or therapist)
 * or a manage link, and which side the caller is on. */
static int
resolve(const struct account_request *r, const char *ref, const char *token,
    struct appointment *a, enum party *who, struct err *e)
{
	sqlite3_stmt *st;
	if (token != NULL) {
		unsigned char hash[32];
		if (strlen(token) != TOKEN_TEXT_LEN)
			return not_found(e);
		token_hash(token, hash);
		st = db_prepare(r->db, "SELECT " APPOINTMENT_COLUMNS APPOINTMENT_FROM
		    " JOIN appointment_links l ON l.appointment_id = a.id"
		    " WHERE l.token_hash = ?1 AND a.ends_at + ?2 > ?3", e);
		if (st == NULL)
			return -1;
		sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, BOOKING_LINK_DAYS_AFTER * 86400);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)r->now);
		int rc = load_one(r->db, st, r->arena, a, e);
		if (rc != 0)
			return rc < 0 ? -1 : not_found(e);
		*who = PARTY_CLIENT;
		return 0;
	}
	if (ref == NULL || strlen(ref) > 64)
		return not_found(e);
	st = db_prepare(r->db, "SELECT " APPOINTMENT_COLUMNS APPOINTMENT_FROM
	    " WHERE a.ref = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
	int rc = load_one(r->db, st, r->arena, a, e);
	if (rc != 0)
		return rc < 0 ? -1 : not_found(e);
	int64_t owner = 0;
	bool listed;
	if (booking_profile_owner(r->db, a->therapist_id, &owner, &listed, e) < 0)
		return -1;
	if (policy_appointment_therapist(r->auth, owner))
		*who = PARTY_THERAPIST;
	else if (policy_appointment_client(r->auth, a->client_user_id))
		*who = PARTY_CLIENT;
	else
		return not_found(e);
	return 0;
}

int
booking_get(const struct account_request *r, const char *ref, const char *token,
    struct appointment *out, struct err *e)
{
	enum party who;
	return resolve(r, ref, token, out, &who, e);
}

/* What the caller may still do with an appointment. */
static int
check_changeable(const struct account_request *r, const struct appointment *a,
    enum party who, struct err *e)
{
	if (strcmp(a->status, "cancelled") == 0)
		return err_set(e, 409, "cancelled", "appointment",
		    "this appointment has been cancelled");
	if (a->start <= r->now)
		return err_set(e, 409, "appointment_past", "appointment",
		    "this appointment has already started or taken place");
	if (who == PARTY_CLIENT && r->now > a->cancel_until)
		return err_set(e, 409, "cancellation_window", "appointment",
		    "it is too late to change this appointment online;"
		    " please contact the therapist");
	return 0;
}

static int
set_cancelled(sqlite3 *db, int64_t id, const char *by, time_t now,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE appointments SET"
	    " status = 'cancelled', cancelled_by = ?1, cancelled_at = ?2,"
	    " sequence = sequence + 1 WHERE id = ?3", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 3, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "cancelling");
}

/*
 * Changes read the appointment inside their write transaction: two
 * changes at once (a cancel from each side, a cancel and a move) then
 * run one after the other, and the second sees what the first did.
 */
int
booking_cancel(const struct account_request *r, const char *ref,
    const char *token, struct err *e)
{
	struct appointment a;
	enum party who;
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	if (resolve(r, ref, token, &a, &who, e) < 0 ||
	    check_changeable(r, &a, who, e) < 0) {
		account_tx_rollback(r->db);
		return -1;
	}
	const char *by = who == PARTY_THERAPIST ? "therapist" : "client";
	a.status = "cancelled";
	a.cancelled_by = by;
	if (release_blocks(r->db, a.id, e) < 0 ||
	    set_cancelled(r->db, a.id, by, r->now, e) < 0 ||
	    booking_notify(r, &a, BOOKING_CANCELLED, NULL, e) < 0 ||
	    account_audit(r, "booking.cancelled", "appointment", a.id, by, e) < 0 ||
	    account_tx_commit(r->db, e) < 0) {
		account_tx_rollback(r->db);
		return -1;
	}
	return 0;
}

/* A move less than a day ahead needs no reminder: the mail about the
 * move is one. */
static int
set_times(sqlite3 *db, int64_t id, time_t start, time_t end, time_t now,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE appointments SET"
	    " starts_at = ?1, ends_at = ?2, sequence = sequence + 1,"
	    " reminder_sent = (?1 - ?4 <= 86400) WHERE id = ?3", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)start);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)end);
	sqlite3_bind_int64(st, 3, id);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "moving an appointment");
}

int
booking_reschedule(const struct account_request *r, const char *ref,
    const char *token, time_t new_start, struct appointment *out,
    struct err *e)
{
	enum party who;
	struct availability av;
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	if (resolve(r, ref, token, out, &who, e) < 0 ||
	    check_changeable(r, out, who, e) < 0)
		goto fail;
	if (strcmp(out->status, "booked") != 0) {
		err_set(e, 409, "not_confirmed", "appointment",
		    "confirm this booking by the emailed link first");
		goto fail;
	}
	int rc = booking_load(r, out->therapist_id, true, &av, e);
	if (rc != 0) {
		if (rc > 0)
			err_set(e, 409, "booking_not_offered", "start",
			    "this therapist no longer takes bookings online");
		goto fail;
	}
	if (new_start == out->start) {
		account_tx_rollback(r->db);	/* already then: nothing to change */
		return 0;
	}
	int minutes = (int)((out->end - out->start) / 60);
	if (check_slot(r, &av, minutes, new_start, e) < 0)
		goto fail;
	if (booking_release_expired(r->db, out->therapist_id, r->now, e) < 0 ||
	    release_blocks(r->db, out->id, e) < 0 ||
	    claim_blocks(r->db, out->therapist_id, out->id, new_start,
	    new_start + (time_t)minutes * 60, av.buffer_minutes, e) < 0 ||
	    set_times(r->db, out->id, new_start, new_start + (time_t)minutes * 60,
	    r->now, e) < 0 ||
	    booking_load_appointment(r->db, out->id, r->arena, out, e) != 0 ||
	    booking_notify(r, out, BOOKING_MOVED, NULL, e) < 0 ||
	    account_audit(r, "booking.moved", "appointment", out->id,
	    who == PARTY_THERAPIST ? "therapist" : "client", e) < 0 ||
	    account_tx_commit(r->db, e) < 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	if (!err_is_set(e))
		err_internal(e, "the appointment could not be read back");
	return -1;
}

/* ---- lists ----------------------------------------------------------------------------------------- */

int
booking_list(const struct account_request *r, bool as_therapist, bool upcoming,
    int limit, appointment_fn fn, void *ctx, struct err *e)
{
	int64_t key;
	if (r->auth == NULL || r->auth->kind == AUTH_NONE)
		return err_set(e, 401, "authentication_required", "", "sign in first");
	if (as_therapist) {
		int rc = profile_find_own(r, &key, e);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return 0;	/* no profile, no appointments */
	} else {
		key = r->auth->user.id;
	}
	/* Only constant fragments are pasted in; the values are bound. */
	char sql[800];
	snprintf(sql, sizeof(sql), "SELECT " APPOINTMENT_COLUMNS APPOINTMENT_FROM
	    " WHERE %s = ?1 AND a.status <> 'held' AND %s"
	    " ORDER BY a.starts_at %s LIMIT ?3",
	    as_therapist ? "a.therapist_id" : "a.client_user_id",
	    upcoming ? "a.ends_at > ?2" : "a.ends_at <= ?2",
	    upcoming ? "ASC" : "DESC");
	sqlite3_stmt *st = db_prepare(r->db, sql, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->now);
	sqlite3_bind_int(st, 3, limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct appointment a;
		read_appointment(st, r->arena, &a);
		fn(ctx, &a);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "listing appointments");
}

void
appointment_json(struct jw *j, const struct appointment *a, bool for_therapist)
{
	char when[32];
	const struct tz *zone = tz_find(for_therapist ? a->therapist_timezone :
	    a->timezone);
	if (zone == NULL)
		zone = tz_find("UTC");
	jw_object_begin(j);
	jw_kv_string(j, "ref", a->ref);
	jw_kv_int(j, "therapist_id", a->therapist_id);
	jw_kv_string(j, "therapist_name", a->therapist_name);
	jw_kv_string(j, "kind", a->kind);
	jw_kv_string(j, "type_name", a->type_name);
	jw_kv_string(j, "mode", a->mode);
	jw_kv_int(j, "fee", a->fee);
	jw_kv_string(j, "currency", a->currency);
	utc_format_iso(a->start, when);
	jw_kv_string(j, "start", when);
	utc_format_iso(a->end, when);
	jw_kv_string(j, "end", when);
	jw_kv_string(j, "timezone", tz_name(zone));
	tz_format_iso(zone, a->start, when);
	jw_kv_string(j, "local_start", when);
	tz_format_iso(zone, a->end, when);
	jw_kv_string(j, "local_end", when);
	jw_kv_string(j, "status", a->status);
	utc_format_iso(a->cancel_until, when);
	jw_kv_string(j, "changeable_until", when);
	jw_key(j, "cancelled_by");
	if (a->cancelled_by != NULL)
		jw_string(j, a->cancelled_by);
	else
		jw_null(j);
	jw_kv_string(j, "name", a->name);
	if (for_therapist) {
		jw_kv_string(j, "email", a->email);
		jw_kv_string(j, "phone", a->phone);
		jw_kv_string(j, "note", a->note);
		jw_kv_string(j, "client_timezone", a->timezone);
	}
	jw_object_end(j);
}
