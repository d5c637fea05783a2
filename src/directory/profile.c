/*
 * Profiles owned by accounts: create, claim, edit, verify and hide. Each
 * write is one BEGIN IMMEDIATE transaction that checks access through
 * src/policy/, changes the row and appends its audit entry, so the entry
 * exists exactly when the change does. The search engine notices every
 * change through meta.therapists_version, which the therapists triggers
 * bump on any INSERT or UPDATE of a row.
 *
 * Profile fields go through therapist_validate and therapist_upsert, the
 * importer's own gate and writer, so an edited profile obeys the same
 * rules as an imported one. The upsert leaves owner_user_id, verified*
 * and hidden alone when it updates a row (a re-import must not take a
 * profile from its owner or undo an admin's decision); those columns are
 * written here by small UPDATEs. updated_at follows the content and the
 * owner, not an admin's verify or hide, so the pending list orders
 * profiles by how long they have waited.
 */
#include "profile.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../mail/mail.h"
#include "../places/places.h"
#include "../policy/policy.h"
#include "../store/db.h"
#include "../util/buf.h"

#define CLAIM_TTL_SECONDS	(48 * 60 * 60)
#define PENDING_LIMIT		200
/* A point sent back within this many degrees of the stored one is the
 * stored one (JSON carries six decimals). */
#define SAME_POINT_DEGREES	1e-6

#define NOW_SQL	"strftime('%Y-%m-%dT%H:%M:%SZ','now')"

/* The same answer for a missing profile and someone else's, so ids
 * cannot be probed. */
static int
not_found(struct err *e, int64_t id)
{
	return err_set(e, 404, "not_found", "id", "no profile with id %lld",
	    (long long)id);
}

/* 401 or 403 (two-step set-up) from the route rules when the caller is
 * not fully signed in, else 403 for an account without the role. */
static int
require_owner_role(const struct account_request *r, struct err *e)
{
	if (policy_profile_own(r->auth))
		return 0;
	if (policy_route(r->auth, ACCESS_SIGNED_IN, e) < 0)
		return -1;
	return err_set(e, 403, "role_required", "",
	    "only therapists' accounts can have a directory profile");
}

static int
profile_exists(struct err *e)
{
	return err_set(e, 409, "profile_exists", "",
	    "your account already has a profile; edit that one instead");
}

static int
already_claimed(struct err *e)
{
	return err_set(e, 409, "already_claimed", "",
	    "this profile is already managed by an account");
}

static int
invalid_token(struct err *e)
{
	return err_set(e, 400, "invalid_token", "token",
	    "this link is invalid or has expired");
}

/* The id of a profile user_id owns: 0 found, 1 none, -1 error. */
static int
owned_by(sqlite3 *db, int64_t user_id, int64_t *id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT id FROM therapists"
	    " WHERE owner_user_id = ? ORDER BY id LIMIT 1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "finding the caller's profile");
	}
	sqlite3_finalize(st);
	return ret;
}

/* A profile with its owner and verifier, hidden ones included: 0, 1 no
 * such profile, -1 error. */
static int
load(sqlite3 *db, int64_t id, struct arena *a, struct profile *p, struct err *e)
{
	memset(p, 0, sizeof(*p));
	int rc = therapist_get_any(db, id, a, &p->t, e);
	if (rc != 0)
		return rc;
	sqlite3_stmt *st = db_prepare(db, "SELECT owner_user_id, verified_by"
	    " FROM therapists WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	int ret = 1;
	if (rc == SQLITE_ROW) {
		p->owner_user_id = sqlite3_column_int64(st, 0);
		const unsigned char *by = sqlite3_column_text(st, 1);
		p->verified_by = by ? arena_strdup(a, (const char *)by) : NULL;
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "loading a profile's owner");
	}
	sqlite3_finalize(st);
	return ret;
}

/* Steps a prepared UPDATE of one row and finalizes it: 0 changed it, 1
 * no row matched, -1 error. */
static int
update_row(sqlite3 *db, sqlite3_stmt *st, const char *what, struct err *e)
{
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, what);
	return sqlite3_changes(db) > 0 ? 0 : 1;
}

/* Gives profile id an owner unless it has one: 0, 1 it had one, -1. */
static int
set_owner(sqlite3 *db, int64_t id, int64_t user_id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE therapists SET owner_user_id = ?2,"
	    " updated_at = " NOW_SQL " WHERE id = ?1 AND owner_user_id IS NULL", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, user_id);
	return update_row(db, st, "setting a profile's owner", e);
}

/* at and by NULL when verified is false. 0, 1 no such profile, -1. */
static int
set_verification(sqlite3 *db, int64_t id, bool verified, const char *at,
    const char *by, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE therapists SET verified = ?2,"
	    " verified_at = ?3, verified_by = ?4 WHERE id = ?1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, verified);
	if (at)
		sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
	if (by)
		sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	return update_row(db, st, "setting a profile's verification", e);
}

/*
 * Gives t the point of its postal code or city, as the importer does.
 * A profile that cannot be placed gets no location rather than an error:
 * it is still found by name, or as an online practice. -1 only on a
 * database error.
 */
static int
locate(sqlite3 *db, struct therapist *t, struct err *e)
{
	t->has_location = false;
	t->lat = t->lon = 0;
	if ((*t->postal_code == '\0' && *t->city == '\0') || !place_gazetteer_loaded(db))
		return 0;
	struct place p;
	struct err pe = ERR_INIT;
	int rc = place_locate_address(db, t->postal_code, t->city, t->region,
	    t->country, &p, &pe);
	if (rc < 0 && pe.status >= 500) {
		*e = pe;
		return -1;
	}
	if (rc == 0) {
		t->has_location = true;
		t->lat = p.lat;
		t->lon = p.lon;
	}
	return 0;
}

static bool
differs(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

static bool
same_point(const struct therapist *a, const struct therapist *b)
{
	if (a->has_location != b->has_location)
		return false;
	return !a->has_location || (fabs(a->lat - b->lat) < SAME_POINT_DEGREES &&
	    fabs(a->lon - b->lon) < SAME_POINT_DEGREES);
}

static bool
address_differs(const struct therapist *a, const struct therapist *b)
{
	return differs(a->address, b->address) || differs(a->city, b->city) ||
	    differs(a->region, b->region) || differs(a->postal_code, b->postal_code) ||
	    differs(a->country, b->country);
}

static void
note(struct buf *b, const char *field, bool changed)
{
	if (!changed)
		return;
	if (b->len)
		buf_puts(b, ", ");
	buf_puts(b, field);
}

/* Names (never values: they may be personal) of the fields that differ,
 * for the audit entry; *credentials when one that verification vouches
 * for is among them. */
static void
changed_fields(struct buf *b, const struct therapist *o, const struct therapist *n,
    bool *credentials)
{
	*credentials = differs(o->license_number, n->license_number) ||
	    differs(o->license_regions, n->license_regions) ||
	    o->certifications != n->certifications;
	note(b, "name", differs(o->name, n->name));
	note(b, "credentials", differs(o->credentials, n->credentials));
	note(b, "license_number", differs(o->license_number, n->license_number));
	note(b, "license_regions", differs(o->license_regions, n->license_regions));
	note(b, "certifications", o->certifications != n->certifications);
	note(b, "specialties", o->specialties != n->specialties);
	note(b, "formats", o->formats != n->formats);
	note(b, "languages", differs(o->languages, n->languages));
	note(b, "years_experience", o->years_experience != n->years_experience);
	note(b, "accepting_new_clients", o->accepting_new_clients != n->accepting_new_clients);
	note(b, "fee_min", o->fee_min != n->fee_min);
	note(b, "fee_max", o->fee_max != n->fee_max);
	note(b, "sliding_scale", o->sliding_scale != n->sliding_scale);
	note(b, "address", differs(o->address, n->address));
	note(b, "city", differs(o->city, n->city));
	note(b, "region", differs(o->region, n->region));
	note(b, "postal_code", differs(o->postal_code, n->postal_code));
	note(b, "country", differs(o->country, n->country));
	note(b, "location", !same_point(o, n));
	note(b, "phone", differs(o->phone, n->phone));
	note(b, "email", differs(o->email, n->email));
	note(b, "show_email", o->show_email != n->show_email);
	note(b, "website", differs(o->website, n->website));
	note(b, "bio", differs(o->bio, n->bio));
	note(b, "approach", differs(o->approach, n->approach));
}

int
profile_find_own(const struct account_request *r, int64_t *id, struct err *e)
{
	*id = 0;
	if (r->auth == NULL || r->auth->kind == AUTH_NONE)
		return 1;
	return owned_by(r->db, r->auth->user.id, id, e);
}

int
profile_get(const struct account_request *r, int64_t id, struct profile *p,
    struct err *e)
{
	int rc = load(r->db, id, r->arena, p, e);
	if (rc < 0)
		return -1;
	if (rc > 0 || !policy_profile_edit(r->auth, p->owner_user_id)) {
		memset(p, 0, sizeof(*p));
		return not_found(e, id);
	}
	return 0;
}

int
profile_create(const struct account_request *r, struct therapist *t,
    struct err *e)
{
	if (require_owner_role(r, e) < 0)
		return -1;
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	int64_t own;
	int rc = owned_by(r->db, r->auth->user.id, &own, e);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		profile_exists(e);
		goto fail;
	}
	/* What only imports and admins set. */
	t->id = 0;
	t->external_id = NULL;
	t->verified = false;
	t->verified_at = NULL;
	t->hidden = false;
	if (therapist_validate(t, r->arena, e) < 0)
		goto fail;
	if (!t->has_location && locate(r->db, t, e) < 0)
		goto fail;
	if (therapist_upsert(r->db, t, e) < 0 ||
	    set_owner(r->db, t->id, r->auth->user.id, e) != 0 ||
	    account_audit(r, "therapist.create", "therapist", t->id, "", e) < 0 ||
	    account_tx_commit(r->db, e) < 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	t->id = 0;
	return -1;
}

int
profile_update(const struct account_request *r, int64_t id, struct therapist *t,
    struct err *e)
{
	struct profile old;
	struct buf changed = BUF_INIT;
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	int rc = load(r->db, id, r->arena, &old, e);
	if (rc < 0)
		goto fail;
	if (rc > 0 || !policy_profile_edit(r->auth, old.owner_user_id)) {
		not_found(e, id);
		goto fail;
	}
	/* What the editor does not decide stays as stored. */
	t->id = id;
	t->external_id = old.t.external_id;
	t->hidden = old.t.hidden;
	t->verified = old.t.verified;
	t->verified_at = old.t.verified_at;
	if (therapist_validate(t, r->arena, e) < 0)
		goto fail;
	/*
	 * A point other than the stored one was chosen on purpose and is
	 * kept. Otherwise (no point, or the stored one sent back by a form
	 * that round-trips every field) a new address is placed afresh and
	 * an unchanged one keeps its stored point.
	 */
	if (!t->has_location || same_point(t, &old.t)) {
		if (address_differs(t, &old.t)) {
			if (locate(r->db, t, e) < 0)
				goto fail;
		} else {
			t->has_location = old.t.has_location;
			t->lat = old.t.lat;
			t->lon = old.t.lon;
		}
	}
	bool credentials;
	changed_fields(&changed, &old.t, t, &credentials);
	if (changed.len == 0) {
		/* Nothing to write or to record. */
		account_tx_rollback(r->db);
		buf_free(&changed);
		return 0;
	}
	if (therapist_upsert(r->db, t, e) < 0)
		goto fail;
	/* The verification vouched for the old licence and certifications. */
	if (credentials && (old.t.verified || old.verified_by != NULL)) {
		if (set_verification(r->db, id, false, NULL, NULL, e) != 0)
			goto fail;
		t->verified = false;
		t->verified_at = NULL;
		buf_puts(&changed, "; verification cleared");
	}
	if (account_audit(r, "therapist.update", "therapist", id,
	    arena_printf(r->arena, "changed %s", buf_cstr(&changed)), e) < 0 ||
	    account_tx_commit(r->db, e) < 0)
		goto fail;
	buf_free(&changed);
	return 0;
fail:
	account_tx_rollback(r->db);
	buf_free(&changed);
	return -1;
}

/* The claim link, to the address on the profile: receiving it is the
 * proof. Names the account that asked, so a stranger's request is
 * recognised for what it is. */
static int
claim_mail(const struct account_request *r, const struct therapist *t,
    const char *token, struct err *e)
{
	const char *link = account_link(r,
	    arena_printf(r->arena, "/account/claim?token=%s", token));
	const char *body = arena_printf(r->arena,
	    "Someone signed in to imago as %s asked to manage the directory"
	    " listing \"%s\".\n"
	    "\n"
	    "If that was you, open this link while signed in to that account"
	    " to confirm (it works once, within 48 hours):\n"
	    "\n"
	    "%s\n"
	    "\n"
	    "If you did not ask for this, ignore this message.\n",
	    r->auth->user.email, t->name, link);
	return mail_enqueue(r->db, t->email, "Confirm that you manage this imago listing",
	    body, e);
}

int
profile_claim_request(const struct account_request *r, int64_t id,
    struct err *e)
{
	char token[TOKEN_TEXT_LEN + 1] = "";
	struct profile p;
	if (require_owner_role(r, e) < 0)
		return -1;
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	int64_t own;
	int rc = owned_by(r->db, r->auth->user.id, &own, e);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		profile_exists(e);
		goto fail;
	}
	rc = load(r->db, id, r->arena, &p, e);
	if (rc < 0)
		goto fail;
	if (rc > 0 || p.t.hidden) {
		not_found(e, id);
		goto fail;
	}
	if (p.owner_user_id != 0) {
		already_claimed(e);
		goto fail;
	}
	if (*p.t.email == '\0') {
		err_set(e, 422, "no_email", "", "this profile has no email address to"
		    " send a confirmation link to; please contact us to claim it");
		goto fail;
	}
	/* Limits only requests that would send mail, per asking account. */
	if (account_limit("claim", r->auth->user.email, e) < 0 ||
	    email_token_issue(r->db, r->auth->user.id, "claim", NULL, id,
	    CLAIM_TTL_SECONDS, r->now, token, e) < 0)
		goto fail;
	if (claim_mail(r, &p.t, token, e) < 0 ||
	    account_audit(r, "therapist.claim_requested", "therapist", id, "", e) < 0 ||
	    account_tx_commit(r->db, e) < 0)
		goto fail;
	explicit_bzero(token, sizeof(token));
	return 0;
fail:
	account_tx_rollback(r->db);
	explicit_bzero(token, sizeof(token));
	return -1;
}

int
profile_claim_confirm(const struct account_request *r, const char *token,
    int64_t *id, struct err *e)
{
	struct email_token tok;
	struct profile p;
	*id = 0;
	if (require_owner_role(r, e) < 0)
		return -1;
	if (token == NULL || *token == '\0')
		return invalid_token(e);
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	/* A link opened by another account than the one that asked is
	 * refused like an unknown one; the rollback leaves it usable by
	 * the right account. */
	int rc = email_token_consume(r->db, token, "claim", r->now, r->arena, &tok, e);
	if (rc < 0)
		goto fail;
	if (rc > 0 || tok.user_id != r->auth->user.id || tok.therapist_id <= 0) {
		invalid_token(e);
		goto fail;
	}
	int64_t own;
	rc = owned_by(r->db, r->auth->user.id, &own, e);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		profile_exists(e);
		goto fail;
	}
	rc = load(r->db, tok.therapist_id, r->arena, &p, e);
	if (rc < 0)
		goto fail;
	if (rc > 0 || p.t.hidden) {
		not_found(e, tok.therapist_id);
		goto fail;
	}
	rc = p.owner_user_id != 0 ? 1 : set_owner(r->db, p.t.id, r->auth->user.id, e);
	if (rc < 0)
		goto fail;
	if (rc > 0) {
		already_claimed(e);
		goto fail;
	}
	if (account_audit(r, "therapist.claimed", "therapist", p.t.id, "", e) < 0 ||
	    account_tx_commit(r->db, e) < 0)
		goto fail;
	*id = p.t.id;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
profile_verify(const struct account_request *r, int64_t id, bool verified,
    struct err *e)
{
	if (!policy_admin(r->auth))
		return not_found(e, id);
	char date[16] = "";
	struct tm tm;
	time_t now = r->now;
	if (verified && (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0))
		return err_internal(e, "cannot format today's date");
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	int rc = set_verification(r->db, id, verified, verified ? date : NULL,
	    verified ? r->auth->user.audit_ref : NULL, e);
	if (rc < 0)
		goto fail;
	if (rc > 0) {
		not_found(e, id);
		goto fail;
	}
	if (account_audit(r, verified ? "therapist.verify" : "therapist.unverify",
	    "therapist", id, "", e) < 0 ||
	    account_tx_commit(r->db, e) < 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
profile_set_hidden(const struct account_request *r, int64_t id, bool hidden,
    struct err *e)
{
	sqlite3_stmt *st;
	int rc;
	if (!policy_admin(r->auth))
		return not_found(e, id);
	if (account_tx_begin(r->db, e) < 0)
		return -1;
	st = db_prepare(r->db, "UPDATE therapists SET hidden = ?2 WHERE id = ?1", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, hidden);
	rc = update_row(r->db, st, "hiding a profile", e);
	if (rc < 0)
		goto fail;
	if (rc > 0) {
		not_found(e, id);
		goto fail;
	}
	if (account_audit(r, hidden ? "therapist.hide" : "therapist.unhide",
	    "therapist", id, "", e) < 0 ||
	    account_tx_commit(r->db, e) < 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* Owned profiles waiting for an admin, longest waiting first. */
static const char pending_sql[] =
    "SELECT t.id, t.name, u.email, t.license_number, t.license_regions,"
    " t.certifications, t.updated_at"
    " FROM therapists t JOIN users u ON u.id = t.owner_user_id"
    " WHERE t.verified = 0 ORDER BY t.updated_at, t.id LIMIT ?";

int
profile_pending_json(const struct account_request *r, struct jw *j,
    struct err *e)
{
	if (!policy_admin(r->auth))
		return err_set(e, 404, "not_found", "", "there is nothing at this address");
	sqlite3_stmt *st = db_prepare(r->db, pending_sql, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, PENDING_LIMIT);
	/* On failure the writer is put back as it was, so the caller can
	 * write an error instead of half a listing. */
	struct jw saved = *j;
	size_t saved_len = j->out->len;
	jw_object_begin(j);
	jw_key(j, "profiles");
	jw_array_begin(j);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jw_object_begin(j);
		jw_kv_int(j, "id", sqlite3_column_int64(st, 0));
		jw_kv_string(j, "name", (const char *)sqlite3_column_text(st, 1));
		jw_kv_string(j, "owner_email", (const char *)sqlite3_column_text(st, 2));
		jw_kv_string(j, "license_number", (const char *)sqlite3_column_text(st, 3));
		/* Stored as ';'-lists of codes and slugs. */
		jw_kv_list(j, "license_regions", (const char *)sqlite3_column_text(st, 4));
		jw_kv_list(j, "certifications", (const char *)sqlite3_column_text(st, 5));
		jw_kv_string(j, "updated_at", (const char *)sqlite3_column_text(st, 6));
		jw_object_end(j);
	}
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "listing profiles to verify");
		sqlite3_finalize(st);
		*j = saved;
		j->out->len = saved_len;
		if (j->out->data)
			j->out->data[saved_len] = '\0';
		return -1;
	}
	sqlite3_finalize(st);
	jw_array_end(j);
	jw_object_end(j);
	return 0;
}

static const char *
column_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

int
profile_pending_list(const struct account_request *r, profile_pending_fn fn,
    void *ctx, struct err *e)
{
	if (!policy_admin(r->auth))
		return err_set(e, 404, "not_found", "", "there is nothing at this address");
	sqlite3_stmt *st = db_prepare(r->db, pending_sql, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, PENDING_LIMIT);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct profile_pending p = {
			.id = sqlite3_column_int64(st, 0),
			.name = column_text(st, 1),
			.owner_email = column_text(st, 2),
			.license_number = column_text(st, 3),
			.license_regions = column_text(st, 4),
			.certifications = column_text(st, 5),
			.updated_at = column_text(st, 6),
		};
		fn(ctx, &p);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "listing profiles to verify");
	return 0;
}

int
profile_claimable(const struct account_request *r, int64_t id, struct err *e)
{
	struct profile p;
	int rc = load(r->db, id, r->arena, &p, e);
	if (rc < 0)
		return -1;
	return rc == 0 && !p.t.hidden && p.owner_user_id == 0;
}

void
profile_json(struct jw *j, const struct profile *p)
{
	jw_object_begin(j);
	therapist_json_owner_fields(j, &p->t);
	jw_key(j, "owner_user_id");
	if (p->owner_user_id > 0)
		jw_int(j, p->owner_user_id);
	else
		jw_null(j);
	jw_kv_bool(j, "hidden", p->t.hidden);
	jw_kv_string(j, "verified_by", p->verified_by);
	jw_object_end(j);
}

int
profile_assign_demo_owner(sqlite3 *db, const char *external_id, int64_t user_id,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE therapists SET owner_user_id = ?,"
	    " accepting_new_clients = 1 WHERE external_id = ?"
	    " AND owner_user_id IS NULL", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, external_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "assigning the demo profile");
}
