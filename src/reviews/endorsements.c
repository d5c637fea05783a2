/*
 * Endorsements between therapists: one row per (endorser, endorsed)
 * pair, so endorsing twice is the same as once. Only a therapist whose
 * own profile is verified and listed may endorse; the public side
 * counts and lists only endorsers who still are, so a verification
 * cleared later (a new licence number) or a hidden profile stops
 * vouching without anything being deleted.
 */
#include "extern.h"

#include <string.h>

#include "../policy/policy.h"
#include "../store/db.h"

static int
profile_required(struct err *e)
{
	return err_set(e, 403, "profile_required", "",
	    "endorsing is for therapists with a directory profile; create or claim yours first");
}

int
endorsement_add(const struct account_request *r, int64_t to_therapist_id, bool *created,
    struct err *e)
{
	struct reviews_profile own, to;
	*created = false;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = reviews_profile_own(r, &own, e);
	if (rc != 0) {
		if (rc > 0)
			profile_required(e);
		goto fail;
	}
	if (own.id == to_therapist_id) {
		err_set(e, 422, "self_endorsement", "id", "you cannot endorse your own profile");
		goto fail;
	}
	if (!policy_endorse(r->auth, own.verified, !own.hidden)) {
		err_set(e, 403, "not_verified", "",
		    "only therapists whose own profile is verified can endorse colleagues");
		goto fail;
	}
	rc = reviews_profile_by_id(r->db, to_therapist_id, r->arena, &to, e);
	if (rc < 0)
		goto fail;
	if (rc > 0 || to.hidden) {
		reviews_no_profile(e, "id", to_therapist_id);
		goto fail;
	}
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO endorsements (from_therapist_id,"
	    " to_therapist_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, own.id);
	sqlite3_bind_int64(st, 2, to_therapist_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "storing an endorsement");
		goto fail;
	}
	*created = sqlite3_changes(r->db) > 0;
	if (!*created) {
		account_tx_rollback(r->db);	/* endorsed already: nothing to record */
		return 0;
	}
	if (account_audit(r, "endorsement.add", "therapist", to_therapist_id,
	    arena_printf(r->arena, "by therapist %lld", (long long)own.id), e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	*created = false;
	return -1;
}

int
endorsement_remove(const struct account_request *r, int64_t to_therapist_id,
    bool *removed, struct err *e)
{
	struct reviews_profile own, to;
	*removed = false;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = reviews_profile_own(r, &own, e);
	if (rc != 0) {
		if (rc > 0)
			profile_required(e);
		goto fail;
	}
	/* Hidden profiles too: withdrawing must stay possible. */
	rc = reviews_profile_by_id(r->db, to_therapist_id, r->arena, &to, e);
	if (rc != 0) {
		if (rc > 0)
			reviews_no_profile(e, "id", to_therapist_id);
		goto fail;
	}
	sqlite3_stmt *st = db_prepare(r->db, "DELETE FROM endorsements"
	    " WHERE from_therapist_id = ? AND to_therapist_id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, own.id);
	sqlite3_bind_int64(st, 2, to_therapist_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "removing an endorsement");
		goto fail;
	}
	*removed = sqlite3_changes(r->db) > 0;
	if (!*removed) {
		account_tx_rollback(r->db);
		return 0;
	}
	if (account_audit(r, "endorsement.remove", "therapist", to_therapist_id,
	    arena_printf(r->arena, "by therapist %lld", (long long)own.id), e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	*removed = false;
	return -1;
}

int
endorsement_list(const struct account_request *r, int64_t therapist_id, int limit,
    int offset, struct endorser **out, size_t *n, long long *count, struct err *e)
{
	struct reviews_profile p;
	struct reviews_summary s;
	*out = NULL;
	*n = 0;
	*count = 0;
	int rc = reviews_profile_by_id(r->db, therapist_id, r->arena, &p, e);
	if (rc < 0)
		return -1;
	if (rc > 0 || p.hidden)
		return reviews_no_profile(e, "id", therapist_id);
	if (reviews_summary(r->db, therapist_id, &s, e) != 0)
		return -1;
	*count = s.endorsements;
	limit = reviews_limit(limit);
	if (offset < 0)
		offset = 0;
	sqlite3_stmt *st = db_prepare(r->db, "SELECT f.id, f.name, en.created_at"
	    " FROM endorsements en JOIN therapists f ON f.id = en.from_therapist_id"
	    " WHERE en.to_therapist_id = ? AND f.verified = 1 AND f.hidden = 0"
	    " ORDER BY en.created_at DESC, f.id DESC LIMIT ? OFFSET ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	sqlite3_bind_int(st, 2, limit);
	sqlite3_bind_int(st, 3, offset);
	struct endorser *list = arena_alloc(r->arena, sizeof(*list) * (size_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < (size_t)limit) {
		struct endorser *en = &list[(*n)++];
		en->id = sqlite3_column_int64(st, 0);
		const unsigned char *name = sqlite3_column_text(st, 1);
		en->name = arena_strdup(r->arena, name ? (const char *)name : "");
		en->created_at = (time_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(r->db, e, "listing endorsements");
	*out = list;
	return 0;
}

int
endorsement_state(const struct account_request *r, int64_t therapist_id,
    struct endorse_state *out, struct err *e)
{
	struct reviews_profile own;
	memset(out, 0, sizeof(*out));
	int rc = reviews_profile_own(r, &own, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	out->own_id = own.id;
	out->may_endorse = own.id != therapist_id &&
	    policy_endorse(r->auth, own.verified, !own.hidden);
	sqlite3_stmt *st = db_prepare(r->db, "SELECT 1 FROM endorsements"
	    " WHERE from_therapist_id = ? AND to_therapist_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, own.id);
	sqlite3_bind_int64(st, 2, therapist_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(r->db, e, "reading an endorsement");
	out->endorsed = rc == SQLITE_ROW;
	return 0;
}
