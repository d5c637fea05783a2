/*
 * A therapist's availability in the store: settings, weekly hours, dates
 * off and appointment types; what a visitor may book; the free slots.
 */
#include "booking.h"
#include "internal.h"

#include <string.h>

#include "../audit/audit.h"
#include "../directory/profile.h"
#include "../places/places.h"
#include "../policy/policy.h"
#include "../store/db.h"

#define DEFAULT_BUFFER		10
#define DEFAULT_NOTICE		(24 * 60)
#define DEFAULT_HORIZON		30
#define DEFAULT_CANCEL_WINDOW	24

/* ---- the profile ------------------------------------------------------------- */

int
booking_profile_owner(sqlite3 *db, int64_t therapist_id, int64_t *owner,
    bool *listed, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT owner_user_id, hidden"
	    " FROM therapists WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		*owner = sqlite3_column_int64(st, 0);
		*listed = sqlite3_column_int(st, 1) == 0;
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "loading a profile's owner");
	}
	sqlite3_finalize(st);
	return ret;
}

int
booking_not_found(struct err *e)
{
	return err_set(e, 404, "not_found", "id", "no such profile");
}

/* The caller may manage this profile's booking (its owner or an admin);
 * anyone else is told it does not exist. */
int
booking_require_editor(const struct account_request *r, int64_t therapist_id,
    struct err *e)
{
	int64_t owner = 0;
	bool listed;
	int rc = booking_profile_owner(r->db, therapist_id, &owner, &listed, e);
	if (rc < 0)
		return -1;
	if (rc > 0 || !policy_profile_edit(r->auth, owner))
		return booking_not_found(e);
	return 0;
}

/* The zone of the city nearest the office, for a first availability. */
static const char *
default_zone(const struct account_request *r, int64_t therapist_id,
    struct err *e)
{
	struct therapist t;
	struct place p;
	char name[TZ_NAME_MAX + 1];
	if (therapist_get_any(r->db, therapist_id, r->arena, &t, e) != 0 ||
	    !t.has_location ||
	    place_nearest(r->db, t.lat, t.lon, &p, e) != 0 ||
	    place_timezone(r->db, p.id, name, sizeof(name), e) != 0 ||
	    tz_find(name) == NULL) {
		err_clear(e);
		return "UTC";
	}
	return tz_name(tz_find(name));
}

/* ---- loading ------------------------------------------------------------------- */

static const char *
text_col(sqlite3_stmt *st, int i, struct arena *a)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return arena_strdup(a, s != NULL ? (const char *)s : "");
}

static int
load_settings(sqlite3 *db, int64_t id, struct arena *a, struct availability *av,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT timezone, buffer_minutes,"
	    " min_notice_minutes, max_days_ahead, cancel_window_hours,"
	    " feed_token_hash IS NOT NULL FROM booking_settings"
	    " WHERE therapist_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		av->timezone = text_col(st, 0, a);
		av->buffer_minutes = sqlite3_column_int(st, 1);
		av->min_notice_minutes = sqlite3_column_int(st, 2);
		av->max_days_ahead = sqlite3_column_int(st, 3);
		av->cancel_window_hours = sqlite3_column_int(st, 4);
		av->feed_enabled = sqlite3_column_int(st, 5) != 0;
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "loading booking settings");
	}
	sqlite3_finalize(st);
	return ret;
}

static int
load_hours(sqlite3 *db, int64_t id, struct arena *a, struct availability *av,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT weekday, start_minute,"
	    " end_minute FROM availability_hours WHERE therapist_id = ?"
	    " ORDER BY weekday, start_minute LIMIT " STR(BOOKING_HOURS_MAX), e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	av->hours = arena_alloc(a, BOOKING_HOURS_MAX * sizeof(*av->hours));
	av->nhours = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct weekly_hours *h = &av->hours[av->nhours++];
		h->weekday = sqlite3_column_int(st, 0);
		h->start_minute = sqlite3_column_int(st, 1);
		h->end_minute = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "loading weekly hours");
}

static int
load_dates_off(sqlite3 *db, int64_t id, struct arena *a, struct availability *av,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT day FROM dates_off"
	    " WHERE therapist_id = ? ORDER BY day LIMIT "
	    STR(BOOKING_DATES_OFF_MAX), e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	av->dates_off = arena_alloc(a, BOOKING_DATES_OFF_MAX * sizeof(char *));
	av->ndates_off = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		av->dates_off[av->ndates_off++] = text_col(st, 0, a);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "loading dates off");
}

#define TYPE_COLUMNS "id, kind, name, minutes, fee, currency, mode, active"

static void
read_type(sqlite3_stmt *st, struct arena *a, struct appointment_type *t)
{
	t->id = sqlite3_column_int64(st, 0);
	t->kind = text_col(st, 1, a);
	t->name = text_col(st, 2, a);
	t->minutes = sqlite3_column_int(st, 3);
	t->fee = sqlite3_column_int(st, 4);
	t->currency = text_col(st, 5, a);
	t->mode = text_col(st, 6, a);
	t->active = sqlite3_column_int(st, 7) != 0;
}

static int
load_types(sqlite3 *db, int64_t id, bool active_only, struct arena *a,
    struct availability *av, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " TYPE_COLUMNS
	    " FROM appointment_types WHERE therapist_id = ?1"
	    " AND (active OR NOT ?2) ORDER BY minutes, id LIMIT "
	    STR(BOOKING_TYPES_MAX), e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, active_only);
	av->types = arena_alloc(a, BOOKING_TYPES_MAX * sizeof(*av->types));
	av->ntypes = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		read_type(st, a, &av->types[av->ntypes++]);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "loading appointment types");
}

/* 0 loaded, 1 nothing set yet (defaults), -1 error. */
int
booking_load(const struct account_request *r, int64_t id, bool active_only,
    struct availability *av, struct err *e)
{
	memset(av, 0, sizeof(*av));
	int rc = load_settings(r->db, id, r->arena, av, e);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		av->timezone = default_zone(r, id, e);
		av->buffer_minutes = DEFAULT_BUFFER;
		av->min_notice_minutes = DEFAULT_NOTICE;
		av->max_days_ahead = DEFAULT_HORIZON;
		av->cancel_window_hours = DEFAULT_CANCEL_WINDOW;
	}
	if (load_hours(r->db, id, r->arena, av, e) < 0 ||
	    load_dates_off(r->db, id, r->arena, av, e) < 0 ||
	    load_types(r->db, id, active_only, r->arena, av, e) < 0)
		return -1;
	return rc;
}

int
booking_availability_get(const struct account_request *r, int64_t therapist_id,
    struct availability *av, struct err *e)
{
	if (booking_require_editor(r, therapist_id, e) < 0)
		return -1;
	return booking_load(r, therapist_id, false, av, e);
}

/* ---- saving ----------------------------------------------------------------------- */

static int
save_settings(sqlite3 *db, int64_t id, const struct availability *av, time_t now,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO booking_settings"
	    " (therapist_id, timezone, buffer_minutes, min_notice_minutes,"
	    " max_days_ahead, cancel_window_hours, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT (therapist_id) DO UPDATE SET timezone = ?2,"
	    " buffer_minutes = ?3, min_notice_minutes = ?4, max_days_ahead = ?5,"
	    " cancel_window_hours = ?6, updated_at = ?7", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, av->timezone, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, av->buffer_minutes);
	sqlite3_bind_int(st, 4, av->min_notice_minutes);
	sqlite3_bind_int(st, 5, av->max_days_ahead);
	sqlite3_bind_int(st, 6, av->cancel_window_hours);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "saving booking settings");
}

static int
run_id(sqlite3 *db, const char *sql, int64_t id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, sql, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "changing availability");
}

static int
save_hours(sqlite3 *db, int64_t id, const struct availability *av, struct err *e)
{
	if (run_id(db, "DELETE FROM availability_hours WHERE therapist_id = ?",
	    id, e) < 0)
		return -1;
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO availability_hours"
	    " (therapist_id, weekday, start_minute, end_minute)"
	    " VALUES (?, ?, ?, ?)", e);
	if (st == NULL)
		return -1;
	int rc = SQLITE_DONE;
	for (size_t i = 0; i < av->nhours && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, av->hours[i].weekday);
		sqlite3_bind_int(st, 3, av->hours[i].start_minute);
		sqlite3_bind_int(st, 4, av->hours[i].end_minute);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "saving weekly hours");
}

static int
save_dates_off(sqlite3 *db, int64_t id, const struct availability *av,
    struct err *e)
{
	if (run_id(db, "DELETE FROM dates_off WHERE therapist_id = ?", id, e) < 0)
		return -1;
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO dates_off (therapist_id, day)"
	    " VALUES (?, ?)", e);
	if (st == NULL)
		return -1;
	int rc = SQLITE_DONE;
	for (size_t i = 0; i < av->ndates_off && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, av->dates_off[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "saving dates off");
}

int
booking_availability_put(const struct account_request *r, int64_t therapist_id,
    struct availability *av, struct err *e)
{
	if (booking_require_editor(r, therapist_id, e) < 0)
		return -1;
	av->ntypes = 0;		/* types have their own calls */
	if (availability_validate(av, r->arena, e) < 0)
		return -1;
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	if (save_settings(r->db, therapist_id, av, r->now, e) < 0 ||
	    save_hours(r->db, therapist_id, av, e) < 0 ||
	    save_dates_off(r->db, therapist_id, av, e) < 0 ||
	    account_audit(r, "booking.availability", "therapist", therapist_id,
	    "", e) < 0 ||
	    account_tx_commit(r->db, e) < 0) {
		account_tx_rollback(r->db);
		return -1;
	}
	return 0;
}

/* Settings must exist before a type is added: the type is useless
 * without a zone, and the defaults are as good as any. */
static int
ensure_settings(const struct account_request *r, int64_t id, struct err *e)
{
	struct availability av;
	memset(&av, 0, sizeof(av));
	int rc = load_settings(r->db, id, r->arena, &av, e);
	if (rc <= 0)
		return rc;
	av.timezone = default_zone(r, id, e);
	av.buffer_minutes = DEFAULT_BUFFER;
	av.min_notice_minutes = DEFAULT_NOTICE;
	av.max_days_ahead = DEFAULT_HORIZON;
	av.cancel_window_hours = DEFAULT_CANCEL_WINDOW;
	return save_settings(r->db, id, &av, r->now, e);
}

static int
count_types(sqlite3 *db, int64_t id, int *n, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT count(*) FROM appointment_types"
	    " WHERE therapist_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(db, e, "counting types");
}

static int
write_type(sqlite3 *db, int64_t therapist_id, struct appointment_type *t,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, t->id == 0 ?
	    "INSERT INTO appointment_types (kind, name, minutes, fee, currency,"
	    " mode, active, therapist_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)" :
	    "UPDATE appointment_types SET kind = ?1, name = ?2, minutes = ?3,"
	    " fee = ?4, currency = ?5, mode = ?6, active = ?7"
	    " WHERE therapist_id = ?8 AND id = ?9", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, t->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, t->minutes);
	sqlite3_bind_int(st, 4, t->fee);
	sqlite3_bind_text(st, 5, t->currency ? t->currency : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, t->mode, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, t->active);
	sqlite3_bind_int64(st, 8, therapist_id);
	if (t->id != 0)
		sqlite3_bind_int64(st, 9, t->id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "saving an appointment type");
	if (t->id == 0)
		t->id = sqlite3_last_insert_rowid(db);
	else if (sqlite3_changes(db) == 0)
		return err_set(e, 404, "not_found", "type", "no such appointment type");
	return 0;
}

int
booking_type_save(const struct account_request *r, int64_t therapist_id,
    struct appointment_type *t, struct err *e)
{
	if (booking_require_editor(r, therapist_id, e) < 0 ||
	    appointment_type_validate(t, "", e) < 0)
		return -1;
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	int n = 0;
	if (ensure_settings(r, therapist_id, e) < 0 ||
	    count_types(r->db, therapist_id, &n, e) < 0)
		goto fail;
	if (t->id == 0 && n >= BOOKING_TYPES_MAX) {
		err_set(e, 422, "too_many_types", "type",
		    "a profile can offer at most %d appointment types",
		    BOOKING_TYPES_MAX);
		goto fail;
	}
	if (write_type(r->db, therapist_id, t, e) < 0 ||
	    account_audit(r, "booking.type_saved", "appointment_type", t->id,
	    "", e) < 0 ||
	    account_tx_commit(r->db, e) < 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
booking_type_delete(const struct account_request *r, int64_t therapist_id,
    int64_t type_id, struct err *e)
{
	if (booking_require_editor(r, therapist_id, e) < 0)
		return -1;
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	sqlite3_stmt *st = db_prepare(r->db, "DELETE FROM appointment_types"
	    " WHERE therapist_id = ? AND id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, therapist_id);
	sqlite3_bind_int64(st, 2, type_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "deleting an appointment type");
		goto fail;
	}
	if (sqlite3_changes(r->db) == 0) {
		err_set(e, 404, "not_found", "type", "no such appointment type");
		goto fail;
	}
	if (account_audit(r, "booking.type_deleted", "appointment_type", type_id,
	    "", e) < 0 || account_tx_commit(r->db, e) < 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* ---- what visitors see --------------------------------------------------------------- */

int
booking_offer(const struct account_request *r, int64_t therapist_id,
    struct availability *av, struct err *e)
{
	struct therapist t;
	int rc = therapist_get(r->db, therapist_id, r->arena, &t, e);
	if (rc != 0)
		return rc < 0 ? -1 : booking_not_found(e);
	rc = booking_load(r, therapist_id, true, av, e);
	if (rc < 0)
		return -1;
	if (rc > 0 || !t.accepting_new_clients || av->nhours == 0 ||
	    av->ntypes == 0 || tz_find(av->timezone) == NULL)
		return 1;
	return 0;
}

const struct appointment_type *
booking_find_type(const struct availability *av, int64_t type_id)
{
	for (size_t i = 0; i < av->ntypes; i++)
		if (av->types[i].id == type_id)
			return &av->types[i];
	return NULL;
}

int
booking_busy(sqlite3 *db, int64_t therapist_id, time_t from, time_t to,
    time_t now, struct arena *a, struct busy **out, size_t *n, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT starts_at,"
	    " ends_at + buffer_minutes * 60 FROM appointments"
	    " WHERE therapist_id = ?1 AND starts_at < ?3"
	    " AND ends_at + buffer_minutes * 60 > ?2"
	    " AND (status = 'booked' OR (status = 'held' AND hold_expires_at > ?4))"
	    " ORDER BY starts_at LIMIT " STR(BOOKING_SLOTS_MAX), e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)to);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	size_t cap = 64;
	struct busy *b = arena_alloc(a, cap * sizeof(*b));
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			struct busy *bigger = arena_alloc(a, 2 * cap * sizeof(*b));
			memcpy(bigger, b, cap * sizeof(*b));
			b = bigger;
			cap *= 2;
		}
		b[*n].start = (time_t)sqlite3_column_int64(st, 0);
		b[*n].end = (time_t)sqlite3_column_int64(st, 1);
		(*n)++;
	}
	sqlite3_finalize(st);
	*out = b;
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "loading appointments");
}

int
booking_slots(const struct account_request *r, int64_t therapist_id,
    int64_t type_id, time_t from, int days, struct slot **out, size_t *n,
    struct err *e)
{
	struct availability av;
	*out = NULL;
	*n = 0;
	int rc = booking_offer(r, therapist_id, &av, e);
	if (rc != 0)
		return rc;
	const struct appointment_type *type = booking_find_type(&av, type_id);
	if (type == NULL)
		return err_set(e, 404, "not_found", "type",
		    "this therapist offers no such appointment type");
	if (days < 1 || days > BOOKING_LIST_DAYS_MAX)
		return err_set(e, 400, "invalid_parameter", "days",
		    "days must be between 1 and %d", BOOKING_LIST_DAYS_MAX);
	time_t to = from + (time_t)days * 86400;
	struct busy *busy;
	size_t nbusy;
	if (booking_busy(r->db, therapist_id, from - 86400, to + 86400, r->now,
	    r->arena, &busy, &nbusy, e) < 0)
		return -1;
	struct slot_query q = {
		.av = &av, .zone = tz_find(av.timezone), .minutes = type->minutes,
		.now = r->now, .from = from, .to = to, .busy = busy, .nbusy = nbusy,
	};
	return slots_compute(&q, r->arena, out, n);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

void
appointment_type_json(struct jw *j, const struct appointment_type *t)
{
	jw_object_begin(j);
	jw_kv_int(j, "id", t->id);
	jw_kv_string(j, "kind", t->kind);
	jw_kv_string(j, "name", t->name);
	jw_kv_int(j, "minutes", t->minutes);
	jw_kv_int(j, "fee", t->fee);
	jw_kv_string(j, "currency", t->currency);
	jw_kv_string(j, "mode", t->mode);
	jw_kv_bool(j, "active", t->active);
	jw_object_end(j);
}

void
booking_availability_json(struct jw *j, const struct availability *av)
{
	jw_kv_string(j, "timezone", av->timezone);
	jw_kv_int(j, "buffer_minutes", av->buffer_minutes);
	jw_kv_int(j, "min_notice_minutes", av->min_notice_minutes);
	jw_kv_int(j, "max_days_ahead", av->max_days_ahead);
	jw_kv_int(j, "cancel_window_hours", av->cancel_window_hours);
	jw_key(j, "hours");
	jw_array_begin(j);
	for (size_t i = 0; i < av->nhours; i++) {
		char text[20];
		weekly_hours_format(&av->hours[i], text);
		jw_string(j, text);
	}
	jw_array_end(j);
	jw_key(j, "dates_off");
	jw_array_begin(j);
	for (size_t i = 0; i < av->ndates_off; i++)
		jw_string(j, av->dates_off[i]);
	jw_array_end(j);
	jw_key(j, "types");
	jw_array_begin(j);
	for (size_t i = 0; i < av->ntypes; i++)
		appointment_type_json(j, &av->types[i]);
	jw_array_end(j);
}
