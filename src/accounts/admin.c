/*
 * What admins do with accounts: list them and suspend or restore one.
 * The routes are admin-only (policy_route); each function checks
 * policy_admin again so no caller can forget.
 */
#include "extern.h"

#include <string.h>

#include "../policy/policy.h"
#include "../store/db.h"

/* instr() rather than LIKE: the query is matched as typed, with no
 * wildcard characters of its own. */
static const char users_sql[] =
    "SELECT id FROM users WHERE (?1 IS NULL OR instr(email, lower(?1)) > 0)"
    " AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3";

int
admin_users_json(const struct account_request *r, const char *query, int limit,
    int64_t before_id, struct jw *j, struct err *e)
{
	if (!policy_admin(r->auth))
		return err_set(e, 404, "not_found", "", "there is nothing at this address");
	if (limit <= 0 || limit > 200)
		limit = 50;
	sqlite3_stmt *st = db_prepare(r->db, users_sql, e);
	if (st == NULL)
		return -1;
	if (query && *query)
		sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before_id);
	sqlite3_bind_int(st, 3, limit + 1);
	jw_key(j, "users");
	jw_array_begin(j);
	int rc, n = 0;
	int64_t last = 0;
	bool more = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == limit) {
			more = true;
			break;
		}
		struct user u;
		if (user_by_id(r->db, sqlite3_column_int64(st, 0), r->arena, &u, e) != 0)
			continue;
		user_json(j, &u);
		last = u.id;
		n++;
	}
	jw_array_end(j);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(r->db, e, "listing users");
	jw_key(j, "next_before");
	if (more)
		jw_int(j, last);
	else
		jw_null(j);
	return account_audit(r, "admin.users_viewed", "", 0, query && *query ? "search" : "", e);
}

int
admin_users_list(const struct account_request *r, const char *query, int limit,
    int64_t before_id, admin_user_fn fn, void *ctx, int64_t *next_before,
    struct err *e)
{
	*next_before = 0;
	if (!policy_admin(r->auth))
		return err_set(e, 404, "not_found", "", "there is nothing at this address");
	if (limit <= 0 || limit > 200)
		limit = 50;
	sqlite3_stmt *st = db_prepare(r->db, users_sql, e);
	if (st == NULL)
		return -1;
	if (query && *query)
		sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before_id);
	sqlite3_bind_int(st, 3, limit + 1);
	int rc, n = 0;
	int64_t last = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == limit) {
			*next_before = last;
			break;
		}
		struct user u;
		int found = user_by_id(r->db, sqlite3_column_int64(st, 0), r->arena, &u, e);
		if (found < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		if (found > 0)
			continue;
		fn(ctx, &u);
		last = u.id;
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(r->db, e, "listing users");
	return account_audit(r, "admin.users_viewed", "", 0, query && *query ? "search" : "", e);
}

int
admin_user_suspend(const struct account_request *r, int64_t user_id, bool suspended,
    struct err *e)
{
	if (!policy_admin(r->auth))
		return err_set(e, 404, "not_found", "", "there is nothing at this address");
	if (user_id == r->auth->user.id && suspended)
		return err_set(e, 409, "self_suspend", "", "you cannot suspend your own account");
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	sqlite3_stmt *st = db_prepare(r->db,
	    "UPDATE users SET suspended_at = CASE WHEN ?1 THEN"
	    " coalesce(suspended_at, strftime('%Y-%m-%dT%H:%M:%SZ','now')) END WHERE id = ?2", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int(st, 1, suspended);
	sqlite3_bind_int64(st, 2, user_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "suspending a user");
		goto fail;
	}
	if (sqlite3_changes(r->db) == 0) {
		err_set(e, 404, "not_found", "id", "no such user");
		goto fail;
	}
	/* A suspended account is signed out everywhere at once; its tokens
	 * stop working through the check in auth_from_access_token. */
	if ((suspended && sessions_end_all(r->db, user_id, 0, e) != 0) ||
	    account_audit(r, suspended ? "user.suspend" : "user.unsuspend", "user", user_id, "", e) != 0)
		goto fail;
	return account_tx_commit(r->db, e);
fail:
	account_tx_rollback(r->db);
	return -1;
}
