/*
 * Recommendations: written by someone whose appointment with the
 * therapist has taken place (status 'booked' and its end in the past),
 * one per appointment, shown once the profile's owner publishes them.
 *
 * Who the writer is comes from the appointment, never from what they
 * type: a signed-in client's own appointments (client_user_id), or the
 * one whose manage link a guest holds (booking_link_appointment says
 * which). The appointments table belongs to the booking module; this
 * file only reads it. The UNIQUE appointment_id and the write
 * transaction keep it to one recommendation per appointment even when
 * two arrive at once.
 */
#include "extern.h"

#include <stdio.h>
#include <string.h>

#include "../booking/booking.h"
#include "../mail/mail.h"
#include "../policy/policy.h"
#include "../store/db.h"

static const char *const statuses[] = { "pending", "published", "declined", NULL };

static const char *
status_name(const char *s)
{
	for (const char *const *p = statuses; *p; p++)
		if (s != NULL && strcmp(*p, s) == 0)
			return *p;
	return "pending";
}

static int
not_eligible(struct err *e)
{
	return err_set(e, 403, "not_eligible", "",
	    "You can recommend a therapist after a consultation or session with them"
	    " has taken place.");
}

static int
already_recommended(struct err *e)
{
	return err_set(e, 409, "already_recommended", "",
	    "You have already recommended this therapist for each of your appointments"
	    " with them.");
}

static int
invalid_token(struct err *e)
{
	return err_set(e, 400, "invalid_token", "manage_token",
	    "this link is invalid or has expired");
}

/* Whether the caller is fully signed in (an unfinished sign-in counts
 * as nobody). */
static bool
signed_in(const struct account_request *r)
{
	return r->auth != NULL && r->auth->kind != AUTH_NONE &&
	    r->auth->stage == SESSION_SIGNED_IN && !r->auth->needs_two_step;
}

static bool
token_well_formed(const char *t)
{
	if (strlen(t) != TOKEN_TEXT_LEN)
		return false;
	for (const char *p = t; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

static const char *
column_text(sqlite3_stmt *st, int i, struct arena *a)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return arena_strdup(a, s ? (const char *)s : "");
}

/* The appointment of a manage link: 0 found, 1 unknown or expired, -1. */
struct token_appointment {
	int64_t		 id;
	int64_t		 therapist_id;
	bool		 took_place;
	bool		 recommended;
	const char	*name;
};

static int
appointment_by_token(const struct account_request *r, const char *token,
    struct token_appointment *out, struct err *e)
{
	/* What a manage link is (where it is kept, how long it works) is
	 * the booking module's business. */
	int rc = booking_link_appointment(r->db, token, r->now, &out->id,
	    &out->therapist_id, &out->took_place, e);
	if (rc != 0)
		return rc;
	sqlite3_stmt *st = db_prepare(r->db, "SELECT a.name,"
	    " EXISTS (SELECT 1 FROM recommendations rc WHERE rc.appointment_id = a.id)"
	    " FROM appointments a WHERE a.id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, out->id);
	rc = sqlite3_step(st);
	int ret = 1;
	if (rc == SQLITE_ROW) {
		out->name = column_text(st, 0, r->arena);
		out->recommended = sqlite3_column_int(st, 1) != 0;
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(r->db, e, "reading a booking");
	}
	sqlite3_finalize(st);
	return ret;
}

/* The signed-in caller's appointments with therapist_id that took
 * place: the most recent without a recommendation (ELIGIBLE), else
 * whether there were any (ALREADY) or not (NOT_ELIGIBLE). */
static int
own_appointment(const struct account_request *r, int64_t therapist_id,
    struct recommend_target *out, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT a.id, a.name,"
	    " EXISTS (SELECT 1 FROM recommendations rc WHERE rc.appointment_id = a.id) AS done"
	    " FROM appointments a"
	    " WHERE a.therapist_id = ?1 AND a.client_user_id = ?2"
	    " AND a.status = 'booked' AND a.ends_at <= ?3"
	    " ORDER BY done, a.ends_at DESC, a.id DESC LIMIT 1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	sqlite3_bind_int64(st, 2, r->auth->user.id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	out->state = RECOMMEND_NOT_ELIGIBLE;
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_int(st, 2) == 0) {
			out->state = RECOMMEND_ELIGIBLE;
			out->appointment_id = sqlite3_column_int64(st, 0);
			out->booker_name = column_text(st, 1, r->arena);
		} else {
			out->state = RECOMMEND_ALREADY;
		}
	} else if (rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		return db_fail(r->db, e, "finding the caller's appointments");
	}
	sqlite3_finalize(st);
	return 0;
}

int
recommendation_check(const struct account_request *r, int64_t therapist_id,
    const char *manage_token, struct recommend_target *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	out->state = RECOMMEND_NOT_ELIGIBLE;
	struct token_appointment ta = { 0 };
	if (manage_token != NULL) {
		if (!token_well_formed(manage_token))
			return invalid_token(e);
		int rc = appointment_by_token(r, manage_token, &ta, e);
		if (rc != 0)
			return rc < 0 ? -1 : invalid_token(e);
		if (therapist_id == 0)
			therapist_id = ta.therapist_id;
	} else if (!signed_in(r)) {
		return err_set(e, 401, "authentication_required", "",
		    "sign in to recommend a therapist, or use the link in your booking email");
	}
	struct reviews_profile p;
	int rc = reviews_profile_by_id(r->db, therapist_id, r->arena, &p, e);
	if (rc < 0)
		return -1;
	if (rc > 0 || p.hidden)
		return reviews_no_profile(e, "id", therapist_id);
	out->therapist_id = p.id;
	out->therapist_name = p.name;
	if (manage_token != NULL) {
		if (ta.therapist_id != therapist_id || !ta.took_place)
			return 0;
		out->state = ta.recommended ? RECOMMEND_ALREADY : RECOMMEND_ELIGIBLE;
		if (!ta.recommended) {
			out->appointment_id = ta.id;
			out->booker_name = ta.name;
		}
		return 0;
	}
	if (!policy_recommend(r->auth, p.owner_user_id))
		return 0;
	return own_appointment(r, therapist_id, out, e);
}

/* Mails the profile's owner (not the public address on the profile):
 * a recommendation waits. The text stays in the app. */
static int
owner_mail(const struct account_request *r, int64_t owner_user_id, const char *author,
    struct err *e)
{
	if (owner_user_id == 0)
		return 0;
	struct user u;
	int rc = user_by_id(r->db, owner_user_id, r->arena, &u, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	const char *body = arena_printf(r->arena,
	    "%s, who had an appointment with you through imago, wrote a"
	    " recommendation of you.\n"
	    "\n"
	    "It shows on your public profile only if you publish it. Read it and"
	    " decide here:\n"
	    "\n"
	    "%s\n",
	    author, account_link(r, "/therapist/recommendations"));
	return mail_enqueue(r->db, u.email, "A recommendation waits for your approval",
	    body, e);
}

static int
insert(const struct account_request *r, const struct recommend_target *t,
    const char *author, const char *body, struct recommendation *out, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO recommendations (therapist_id,"
	    " appointment_id, author_user_id, author_name, body, status, created_at)"
	    " VALUES (?, ?, ?, ?, ?, 'pending', ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, t->therapist_id);
	sqlite3_bind_int64(st, 2, t->appointment_id);
	if (signed_in(r))
		sqlite3_bind_int64(st, 3, r->auth->user.id);
	sqlite3_bind_text(st, 4, author, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return already_recommended(e);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "storing a recommendation");
	*out = (struct recommendation){
		.id = sqlite3_last_insert_rowid(r->db),
		.therapist_id = t->therapist_id,
		.author_name = author,
		.body = body,
		.status = "pending",
		.created_at = r->now,
	};
	return 0;
}

int
recommendation_create(const struct account_request *r, int64_t therapist_id,
    const char *author_name, const char *body, const char *manage_token,
    struct recommendation *out, struct err *e)
{
	struct recommendation made;
	struct recommend_target t;
	const char *author, *text;
	if (out == NULL)
		out = &made;
	memset(out, 0, sizeof(*out));
	/* Nobody to check for: say so before complaining about the text. */
	if (manage_token == NULL && !signed_in(r))
		return recommendation_check(r, therapist_id, NULL, &t, e);
	if (reviews_text(author_name, "author_name", "the name to show", 1,
	    RECOMMENDATION_NAME_MAX, false, r->arena, &author, e) != 0 ||
	    reviews_text(body, "body", "the recommendation", RECOMMENDATION_BODY_MIN,
	    RECOMMENDATION_BODY_MAX, true, r->arena, &text, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (recommendation_check(r, therapist_id, manage_token, &t, e) != 0)
		goto fail;
	if (t.state != RECOMMEND_ELIGIBLE) {
		if (t.state == RECOMMEND_ALREADY)
			already_recommended(e);
		else
			not_eligible(e);
		goto fail;
	}
	struct reviews_profile p;
	if (reviews_profile_by_id(r->db, t.therapist_id, r->arena, &p, e) != 0 ||
	    insert(r, &t, author, text, out, e) != 0 ||
	    account_audit(r, "recommendation.create", "recommendation", out->id,
	    arena_printf(r->arena, "for therapist %lld%s", (long long)t.therapist_id,
	    manage_token != NULL ? " by a booking's token" : ""), e) != 0 ||
	    owner_mail(r, p.owner_user_id, author, e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* ---- reading ------------------------------------------------------------- */

static void
read_row(sqlite3_stmt *st, struct arena *a, struct recommendation *rec)
{
	rec->id = sqlite3_column_int64(st, 0);
	rec->therapist_id = sqlite3_column_int64(st, 1);
	rec->author_name = column_text(st, 2, a);
	rec->body = column_text(st, 3, a);
	rec->status = status_name((const char *)sqlite3_column_text(st, 4));
	rec->created_at = (time_t)sqlite3_column_int64(st, 5);
	rec->decided_at = (time_t)sqlite3_column_int64(st, 6);
}

#define COLUMNS	"id, therapist_id, author_name, body, status, created_at," \
		" coalesce(decided_at, 0)"

/* One page of a profile's recommendations with status (NULL: any). */
static int
list_page(const struct account_request *r, int64_t therapist_id, const char *status,
    int limit, int64_t before, struct recommendation_list *out, struct err *e)
{
	limit = reviews_limit(limit);
	sqlite3_stmt *st = db_prepare(r->db, "SELECT " COLUMNS " FROM recommendations"
	    " WHERE therapist_id = ?1 AND (?2 IS NULL OR status = ?2)"
	    " AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	if (status != NULL)
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, before);
	sqlite3_bind_int(st, 4, limit + 1);
	out->items = arena_alloc(r->arena, sizeof(*out->items) * (size_t)limit);
	out->n = 0;
	out->next_before = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == (size_t)limit) {
			out->next_before = out->items[out->n - 1].id;
			break;
		}
		read_row(st, r->arena, &out->items[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(r->db, e, "listing recommendations");
	return 0;
}

static int
count_statuses(const struct account_request *r, int64_t therapist_id,
    struct recommendation_list *out, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT status, count(*) FROM recommendations"
	    " WHERE therapist_id = ? GROUP BY status", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	out->pending = out->published = out->declined = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		long long n = sqlite3_column_int64(st, 1);
		if (s != NULL && strcmp(s, "published") == 0)
			out->published = n;
		else if (s != NULL && strcmp(s, "declined") == 0)
			out->declined = n;
		else
			out->pending += n;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "counting recommendations");
}

int
recommendation_list_own(const struct account_request *r, const char *status, int limit,
    int64_t before, struct recommendation_list *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (status != NULL && strcmp(status_name(status), status) != 0)
		return err_invalid(e, "status", "status is pending, published or declined");
	struct reviews_profile own;
	int rc = reviews_profile_own(r, &own, e);
	if (rc != 0)
		return rc < 0 ? -1 : err_set(e, 404, "not_found", "",
		    "you have no directory profile yet");
	if (count_statuses(r, own.id, out, e) != 0)
		return -1;
	return list_page(r, own.id, status, limit, before, out, e);
}

int
recommendation_list_public(const struct account_request *r, int64_t therapist_id,
    int limit, int64_t before, struct recommendation_list *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	struct reviews_profile p;
	int rc = reviews_profile_by_id(r->db, therapist_id, r->arena, &p, e);
	if (rc < 0)
		return -1;
	if (rc > 0 || p.hidden)
		return reviews_no_profile(e, "id", therapist_id);
	struct reviews_summary s;
	if (reviews_summary(r->db, therapist_id, &s, e) != 0)
		return -1;
	out->published = s.recommendations;
	return list_page(r, therapist_id, "published", limit, before, out, e);
}

/* A recommendation with its profile's owner: 0, 1 none, -1. */
static int
load(const struct account_request *r, int64_t id, struct recommendation *rec,
    int64_t *owner, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT rc.id, rc.therapist_id, rc.author_name,"
	    " rc.body, rc.status, rc.created_at, coalesce(rc.decided_at, 0),"
	    " coalesce(t.owner_user_id, 0)"
	    " FROM recommendations rc JOIN therapists t ON t.id = rc.therapist_id"
	    " WHERE rc.id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		read_row(st, r->arena, rec);
		*owner = sqlite3_column_int64(st, 7);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(r->db, e, "loading a recommendation");
	}
	sqlite3_finalize(st);
	return ret;
}

int
recommendation_decide(const struct account_request *r, int64_t id, bool publish,
    struct recommendation *out, struct err *e)
{
	struct recommendation made;
	int64_t owner = 0;
	if (out == NULL)
		out = &made;
	memset(out, 0, sizeof(*out));
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = load(r, id, out, &owner, e);
	if (rc < 0)
		goto fail;
	if (rc > 0 || !policy_recommendation_decide(r->auth, owner)) {
		memset(out, 0, sizeof(*out));
		err_set(e, 404, "not_found", "id", "no recommendation with id %lld",
		    (long long)id);
		goto fail;
	}
	const char *want = publish ? "published" : "declined";
	if (strcmp(out->status, want) == 0) {
		account_tx_rollback(r->db);	/* nothing to change or record */
		return 0;
	}
	sqlite3_stmt *st = db_prepare(r->db, "UPDATE recommendations SET status = ?,"
	    " decided_at = ? WHERE id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, want, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->now);
	sqlite3_bind_int64(st, 3, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "deciding a recommendation");
		goto fail;
	}
	if (account_audit(r, publish ? "recommendation.publish" : "recommendation.decline",
	    "recommendation", id, arena_printf(r->arena, "was %s", out->status), e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	out->status = want;
	out->decided_at = r->now;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

void
recommendation_json(struct jw *j, const struct recommendation *rec, bool owner_view)
{
	char when[32];
	jw_object_begin(j);
	jw_kv_int(j, "id", rec->id);
	if (owner_view)
		jw_kv_int(j, "therapist_id", rec->therapist_id);
	jw_kv_string(j, "author_name", rec->author_name);
	jw_kv_string(j, "body", rec->body);
	if (!owner_view) {
		reviews_iso_time(rec->created_at, when, sizeof(when));
		jw_key(j, "month");
		jw_string_n(j, when, 7);
		jw_object_end(j);
		return;
	}
	jw_kv_string(j, "status", rec->status);
	reviews_iso_time(rec->created_at, when, sizeof(when));
	jw_kv_string(j, "created_at", when);
	jw_key(j, "decided_at");
	if (rec->decided_at) {
		reviews_iso_time(rec->decided_at, when, sizeof(when));
		jw_string(j, when);
	} else {
		jw_null(j);
	}
	jw_object_end(j);
}
