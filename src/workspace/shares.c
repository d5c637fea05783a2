/*
 * Sharing items (workspace.h): with the partner, as a flag on the item
 * (it counts only while both are in the same couple, see policy.c), and
 * with therapists, one row per therapist in workspace_shares.
 *
 * A client may share with a therapist only after booking with them: an
 * appointment of theirs with status 'booked' on a profile the therapist
 * owns. The therapist is named by the profile's public id, the one the
 * directory and the booking pages show; the share is stored against the
 * therapist's account, which is who reads it. Stopping a share always
 * works, booking or not.
 */
#include "internal.h"

#include <string.h>

#include "../policy/policy.h"
#include "../store/db.h"

/* Appends to a growing arena array of therapists. */
static struct ws_therapist *
therapist_push(struct arena *a, struct ws_therapist **arr, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t bigger = *cap ? 2 * *cap : 8;
		struct ws_therapist *p = arena_alloc(a, bigger * sizeof(*p));
		if (*n)
			memcpy(p, *arr, *n * sizeof(*p));
		*arr = p;
		*cap = bigger;
	}
	struct ws_therapist *t = &(*arr)[(*n)++];
	memset(t, 0, sizeof(*t));
	return t;
}

int
ws_booked_therapists(const struct account_request *r, int64_t user_id,
    struct ws_therapist **out, size_t *n, struct err *e)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = db_prepare(r->db, "SELECT t.id, t.owner_user_id, t.name"
	    " FROM therapists t WHERE t.owner_user_id IS NOT NULL AND t.owner_user_id <> ?1"
	    " AND EXISTS (SELECT 1 FROM appointments a WHERE a.therapist_id = t.id"
	    "   AND a.client_user_id = ?1 AND a.status = 'booked')"
	    " ORDER BY t.name, t.id LIMIT 100", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ws_therapist *t = therapist_push(r->arena, out, n, &cap);
		t->profile_id = sqlite3_column_int64(st, 0);
		t->user_id = sqlite3_column_int64(st, 1);
		t->name = ws_column_text(st, 2, r->arena);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "finding your therapists");
}

int
ws_share_targets(const struct account_request *r, struct ws_therapist **out, size_t *n,
    struct err *e)
{
	return ws_booked_therapists(r, ws_caller(r), out, n, e);
}

/* Loads the caller's own item for sharing: 404 for anything else. */
static int
load_own(const struct account_request *r, int64_t id, struct ws_row *row, struct err *e)
{
	int access;
	int rc = ws_row_load(r, id, row, e);
	if (rc < 0 || (rc == 0 && ws_row_access(r, row, &access, NULL, e) != 0))
		return -1;
	if (rc > 0 || access != POLICY_ITEM_OWNER)
		return err_set(e, 404, "not_found", "", "no such item");
	return 0;
}

int
ws_share_targets_for_item(const struct account_request *r, int64_t id,
    struct ws_therapist **out, size_t *n, struct err *e)
{
	struct ws_row row;
	if (load_own(r, id, &row, e) != 0 || ws_share_targets(r, out, n, e) != 0)
		return -1;
	size_t cap = *n;
	/* Those it is shared with, marked; a therapist no longer booked
	 * still shows, so the share can be stopped. */
	sqlite3_stmt *st = db_prepare(r->db, "SELECT s.therapist_user_id,"
	    " (SELECT min(t.id) FROM therapists t WHERE t.owner_user_id = s.therapist_user_id),"
	    " (SELECT t.name FROM therapists t WHERE t.owner_user_id = s.therapist_user_id"
	    "  ORDER BY t.id LIMIT 1)"
	    " FROM workspace_shares s WHERE s.item_id = ? ORDER BY s.shared_at", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t user = sqlite3_column_int64(st, 0);
		bool found = false;
		for (size_t i = 0; i < *n; i++)
			if ((*out)[i].user_id == user)
				found = (*out)[i].shared = true;
		if (found)
			continue;
		struct ws_therapist *t = therapist_push(r->arena, out, n, &cap);
		t->user_id = user;
		t->profile_id = sqlite3_column_int64(st, 1);
		t->name = ws_column_text(st, 2, r->arena);
		t->shared = true;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "reading shares");
}

int
ws_share_partner(const struct account_request *r, int64_t id, bool shared, struct err *e)
{
	struct ws_row row;
	int64_t couple = 0;
	bool allowed;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (load_own(r, id, &row, e) != 0)
		goto fail;
	if (row.couple_id != 0) {
		err_set(e, 422, "joint_item", "partner", "a joint item belongs to both of you already");
		goto fail;
	}
	if (shared) {
		int rc = couple_of(r->db, ws_caller(r), &couple, NULL, e);
		if (rc != 0) {
			if (rc > 0)
				err_set(e, 404, "not_in_couple", "partner", "you are not in a couple");
			goto fail;
		}
		if (ws_joint_allowed(r, couple, &allowed, e) != 0)
			goto fail;
		if (!allowed) {
			ws_joint_refused(e);
			goto fail;
		}
	}
	sqlite3_stmt *st = db_prepare(r->db,
	    "UPDATE workspace_items SET shared_with_partner = ? WHERE id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int(st, 1, shared ? 1 : 0);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "sharing an item");
		goto fail;
	}
	if (account_audit(r, shared ? "workspace.share_partner" : "workspace.unshare_partner",
	    "workspace_item", id, "", e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* The account owning profile_id, and whether the caller has a booked
 * appointment with that profile: 0 found, 1 no such owned profile. */
static int
profile_owner(const struct account_request *r, int64_t profile_id, int64_t *owner,
    bool *booked, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT t.owner_user_id, EXISTS (SELECT 1"
	    " FROM appointments a WHERE a.therapist_id = t.id AND a.client_user_id = ?2"
	    " AND a.status = 'booked') FROM therapists t"
	    " WHERE t.id = ?1 AND t.owner_user_id IS NOT NULL", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, profile_id);
	sqlite3_bind_int64(st, 2, ws_caller(r));
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*owner = sqlite3_column_int64(st, 0);
		*booked = sqlite3_column_int(st, 1) != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(r->db, e, "finding a therapist");
	return rc == SQLITE_ROW ? 0 : 1;
}

static int
therapist_not_found(struct err *e)
{
	return err_set(e, 404, "therapist_not_found", "therapist_id",
	    "you can share only with a therapist you have a booked appointment with");
}

int
ws_share_therapist(const struct account_request *r, int64_t id, int64_t profile_id,
    bool shared, struct err *e)
{
	struct ws_row row;
	int64_t owner = 0;
	bool booked = false;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (load_own(r, id, &row, e) != 0)
		goto fail;
	int rc = profile_owner(r, profile_id, &owner, &booked, e);
	if (rc < 0)
		goto fail;
	/* An unknown profile and one not booked answer alike. */
	if (rc > 0 || owner == ws_caller(r) || (shared && !booked)) {
		therapist_not_found(e);
		goto fail;
	}
	sqlite3_stmt *st = db_prepare(r->db, shared ?
	    "INSERT OR IGNORE INTO workspace_shares (item_id, therapist_user_id, shared_at)"
	    " VALUES (?1, ?2, ?3)" :
	    "DELETE FROM workspace_shares WHERE item_id = ?1 AND therapist_user_id = ?2", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, owner);
	if (shared)
		sqlite3_bind_int64(st, 3, (sqlite3_int64)r->now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "sharing an item");
		goto fail;
	}
	char detail[40];
	snprintf(detail, sizeof(detail), "therapist %lld", (long long)profile_id);
	if (account_audit(r, shared ? "workspace.share_therapist" : "workspace.unshare_therapist",
	    "workspace_item", id, detail, e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

void
ws_share_targets_json(struct jw *j, const struct ws_therapist *t, size_t n)
{
	jw_object_begin(j);
	jw_key(j, "therapists");
	jw_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		jw_object_begin(j);
		jw_kv_int(j, "id", t[i].profile_id);
		jw_kv_string(j, "name", t[i].name);
		jw_object_end(j);
	}
	jw_array_end(j);
	jw_object_end(j);
}

/* ---- the therapist's side ------------------------------------------------- */

int
ws_therapist_shared(const struct account_request *r, struct ws_item **out, size_t *n,
    struct err *e)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = db_prepare(r->db, "SELECT i.id, i.kind, i.owner_user_id,"
	    " u.display_name, i.couple_id, i.version, i.created_at, i.updated_at, s.shared_at"
	    " FROM workspace_shares s JOIN workspace_items i ON i.id = s.item_id"
	    " JOIN users u ON u.id = i.owner_user_id WHERE s.therapist_user_id = ?"
	    " ORDER BY s.shared_at DESC, i.id DESC LIMIT ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ws_caller(r));
	sqlite3_bind_int(st, 2, WS_LIST_PAGE_MAX);
	struct ws_item *items = arena_alloc(r->arena, WS_LIST_PAGE_MAX * sizeof(*items));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ws_item *it = &items[*n];
		memset(it, 0, sizeof(*it));
		it->id = sqlite3_column_int64(st, 0);
		it->kind = ws_kind_find((const char *)sqlite3_column_text(st, 1));
		if (it->kind == NULL)
			continue;
		it->owner_id = sqlite3_column_int64(st, 2);
		it->owner_name = ws_column_text(st, 3, r->arena);
		it->couple_id = sqlite3_column_int64(st, 4);
		it->version = sqlite3_column_int64(st, 5);
		it->created_at = (time_t)sqlite3_column_int64(st, 6);
		it->updated_at = (time_t)sqlite3_column_int64(st, 7);
		it->shared_at = (time_t)sqlite3_column_int64(st, 8);
		it->access = WS_ACCESS_THERAPIST;
		it->label = it->kind->title;
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*n = 0;
		return db_fail(r->db, e, "listing shared items");
	}
	*out = items;
	return 0;
}
