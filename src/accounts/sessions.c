/*
 * Sessions (cookies) and personal access tokens (Authorization: Bearer).
 * Both are 256-bit random tokens known only to their holder; we keep
 * their SHA-256 hashes. A session ends after SESSION_IDLE_SECONDS without
 * use or SESSION_ABSOLUTE_SECONDS after it began, whichever is first; a
 * session still waiting for its one-time code ends after
 * SESSION_CODE_SECONDS. Writing last_seen_at on every request would turn
 * every page view into a database write, so it is written at most once a
 * SESSION_TOUCH_SECONDS.
 */
#include "extern.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../store/db.h"
#include "../util/text.h"

int
session_start(const struct account_request *r, int64_t user_id,
    enum session_stage stage, char token[TOKEN_TEXT_LEN + 1], struct err *e)
{
	token_new(token);
	unsigned char hash[32];
	token_hash(token, hash);
	time_t expires = r->now + (stage == SESSION_AWAITING_CODE ?
	    SESSION_CODE_SECONDS : SESSION_ABSOLUTE_SECONDS);
	/* Keep a short, printable user agent: enough to tell devices apart
	 * in the session list. */
	char agent[160] = "";
	if (r->user_agent) {
		size_t o = 0;
		for (const char *p = r->user_agent; *p && o + 1 < sizeof(agent); p++)
			agent[o++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
		agent[o] = '\0';
	}
	sqlite3_stmt *st = db_prepare(r->db,
	    "INSERT INTO sessions (user_id, token_hash, stage, created_at, last_seen_at,"
	    " expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int(st, 3, stage);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->now);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->now);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)expires);
	sqlite3_bind_text(st, 7, r->ip ? r->ip : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, agent, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "starting a session");
}

int
sessions_end_all(sqlite3 *db, int64_t user_id, int64_t keep_id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "DELETE FROM sessions WHERE user_id = ? AND id != ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, keep_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "ending sessions");
}

int
access_tokens_revoke_all(sqlite3 *db, int64_t user_id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM access_tokens WHERE user_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "revoking tokens");
}

static int
delete_session(sqlite3 *db, int64_t id)
{
	struct err e = ERR_INIT;
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM sessions WHERE id = ?", &e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return 0;
}

static void
touch_session(sqlite3 *db, int64_t id, time_t now)
{
	struct err e = ERR_INIT;
	sqlite3_stmt *st = db_prepare(db, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", &e);
	if (st == NULL)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_step(st);	/* best effort: a busy database only delays expiry */
	sqlite3_finalize(st);
}

static void
finish_auth(struct auth *auth)
{
	auth->needs_two_step = auth->stage == SESSION_SIGNED_IN &&
	    (auth->user.roles & ROLES_NEEDING_TWO_STEP) && !auth->user.totp_enabled;
}

int
auth_from_session(sqlite3 *db, const char *token, time_t now, struct arena *a,
    struct auth *auth, struct err *e)
{
	memset(auth, 0, sizeof(*auth));
	if (token == NULL || strlen(token) != TOKEN_TEXT_LEN)
		return 1;
	unsigned char hash[32];
	token_hash(token, hash);
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT id, user_id, stage, last_seen_at, expires_at FROM sessions"
	    " WHERE token_hash = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? 1 : db_fail(db, e, "reading a session");
	}
	int64_t id = sqlite3_column_int64(st, 0);
	int64_t user_id = sqlite3_column_int64(st, 1);
	int stage = sqlite3_column_int(st, 2);
	time_t last_seen = (time_t)sqlite3_column_int64(st, 3);
	time_t expires = (time_t)sqlite3_column_int64(st, 4);
	sqlite3_finalize(st);
	if (now >= expires || (stage == SESSION_SIGNED_IN && now - last_seen >= SESSION_IDLE_SECONDS)) {
		delete_session(db, id);
		return 1;
	}
	int found = user_by_id(db, user_id, a, &auth->user, e);
	if (found != 0)
		return found;
	if (auth->user.suspended) {
		delete_session(db, id);
		return 1;
	}
	if (now - last_seen >= SESSION_TOUCH_SECONDS)
		touch_session(db, id, now);
	auth->kind = AUTH_SESSION;
	auth->session_id = id;
	auth->stage = stage == SESSION_AWAITING_CODE ? SESSION_AWAITING_CODE : SESSION_SIGNED_IN;
	csrf_for(token, auth->csrf);
	finish_auth(auth);
	return 0;
}

int
auth_from_access_token(sqlite3 *db, const char *token, time_t now,
    struct arena *a, struct auth *auth, struct err *e)
{
	memset(auth, 0, sizeof(*auth));
	if (token == NULL || strlen(token) != ACCESS_TOKEN_TEXT_LEN ||
	    strncmp(token, ACCESS_TOKEN_PREFIX, strlen(ACCESS_TOKEN_PREFIX)) != 0)
		return 1;
	unsigned char hash[32];
	token_hash(token, hash);
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT id, user_id, expires_at, coalesce(last_used_at, '') FROM access_tokens"
	    " WHERE token_hash = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? 1 : db_fail(db, e, "reading a token");
	}
	int64_t id = sqlite3_column_int64(st, 0);
	int64_t user_id = sqlite3_column_int64(st, 1);
	bool expired = sqlite3_column_type(st, 2) != SQLITE_NULL &&
	    now >= (time_t)sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	if (expired)
		return 1;
	int found = user_by_id(db, user_id, a, &auth->user, e);
	if (found != 0)
		return found;
	if (auth->user.suspended)
		return 1;
	/* Written once a day at most (the first use that day): enough to
	 * tell a token still in use, without a write per request. */
	st = db_prepare(db, "UPDATE access_tokens SET last_used_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
	    " WHERE id = ? AND substr(coalesce(last_used_at, ''), 1, 10) != strftime('%Y-%m-%d','now')", e);
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	auth->kind = AUTH_TOKEN;
	auth->token_id = id;
	auth->stage = SESSION_SIGNED_IN;
	finish_auth(auth);
	return 0;
}

/* Grows an arena array by doubling (the old copy stays in the arena). */
static void *
grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return items;
	*cap = *cap ? *cap * 2 : 8;
	void *bigger = arena_alloc(a, *cap * size);
	if (n > 0)
		memcpy(bigger, items, n * size);
	return bigger;
}

static const char *
text_column(sqlite3_stmt *st, int i, struct arena *a)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? arena_strdup(a, (const char *)t) : NULL;
}

int
account_sessions_list(const struct account_request *r, struct session_info **out,
    size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = db_prepare(r->db,
	    "SELECT id, created_at, last_seen_at, expires_at, ip, user_agent FROM sessions"
	    " WHERE user_id = ? AND stage = 0 ORDER BY last_seen_at DESC, id DESC", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, actor_id(r));
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(r->arena, *out, *n, &cap, sizeof(**out));
		struct session_info *s = &(*out)[(*n)++];
		s->id = sqlite3_column_int64(st, 0);
		s->created_at = (time_t)sqlite3_column_int64(st, 1);
		s->last_seen_at = (time_t)sqlite3_column_int64(st, 2);
		s->expires_at = (time_t)sqlite3_column_int64(st, 3);
		s->ip = text_column(st, 4, r->arena);
		s->user_agent = text_column(st, 5, r->arena);
		s->current = r->auth->kind == AUTH_SESSION && r->auth->session_id == s->id;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "listing sessions");
}

int
account_tokens_list(const struct account_request *r, struct token_info **out,
    size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = db_prepare(r->db,
	    "SELECT id, name, prefix, created_at, last_used_at, expires_at"
	    " FROM access_tokens WHERE user_id = ? ORDER BY id DESC", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, actor_id(r));
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(r->arena, *out, *n, &cap, sizeof(**out));
		struct token_info *t = &(*out)[(*n)++];
		t->id = sqlite3_column_int64(st, 0);
		t->name = text_column(st, 1, r->arena);
		t->prefix = text_column(st, 2, r->arena);
		t->created_at = text_column(st, 3, r->arena);
		t->last_used_at = text_column(st, 4, r->arena);
		t->expires_at = (time_t)sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "listing tokens");
}

static void
kv_time(struct jw *j, const char *key, time_t t)
{
	jw_key(j, key);
	if (t == 0) {
		jw_null(j);
		return;
	}
	struct tm tm;
	char iso[32];
	gmtime_r(&t, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_string(j, iso);
}

int
account_sessions_json(const struct account_request *r, struct jw *j, struct err *e)
{
	struct session_info *s;
	size_t n;
	if (account_sessions_list(r, &s, &n, e) != 0)
		return -1;
	jw_key(j, "sessions");
	jw_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		jw_object_begin(j);
		jw_kv_int(j, "id", s[i].id);
		kv_time(j, "created_at", s[i].created_at);
		kv_time(j, "last_seen_at", s[i].last_seen_at);
		kv_time(j, "expires_at", s[i].expires_at);
		jw_kv_string(j, "ip", s[i].ip ? s[i].ip : "");
		jw_kv_string(j, "user_agent", s[i].user_agent ? s[i].user_agent : "");
		jw_kv_bool(j, "current", s[i].current);
		jw_object_end(j);
	}
	jw_array_end(j);
	return 0;
}

int
account_tokens_json(const struct account_request *r, struct jw *j, struct err *e)
{
	struct token_info *t;
	size_t n;
	if (account_tokens_list(r, &t, &n, e) != 0)
		return -1;
	jw_key(j, "tokens");
	jw_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		jw_object_begin(j);
		jw_kv_int(j, "id", t[i].id);
		jw_kv_string(j, "name", t[i].name ? t[i].name : "");
		jw_kv_string(j, "prefix", t[i].prefix ? t[i].prefix : "");
		jw_kv_string(j, "created_at", t[i].created_at ? t[i].created_at : "");
		jw_key(j, "last_used_at");
		if (t[i].last_used_at)
			jw_string(j, t[i].last_used_at);
		else
			jw_null(j);
		kv_time(j, "expires_at", t[i].expires_at);
		jw_object_end(j);
	}
	jw_array_end(j);
	return 0;
}

/*
 * Deletes one of the caller's rows (a session, a token) by id, with its
 * audit entry. Someone else's id deletes nothing and answers 404, like
 * an id that never existed.
 */
static int
delete_own(const struct account_request *r, const char *sql, int64_t id,
    const char *what, const char *action, struct err *e)
{
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	sqlite3_stmt *st = db_prepare(r->db, sql, e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, actor_id(r));
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, action);
		goto fail;
	}
	if (sqlite3_changes(r->db) == 0) {
		err_set(e, 404, "not_found", "id", "no such %s", what);
		goto fail;
	}
	if (account_audit(r, action, what, id, "", e) != 0)
		goto fail;
	return account_tx_commit(r->db, e);
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
account_session_revoke(const struct account_request *r, int64_t id, struct err *e)
{
	return delete_own(r, "DELETE FROM sessions WHERE id = ? AND user_id = ?", id,
	    "session", "session.revoke", e);
}

int
account_token_create(const struct account_request *r, const char *name,
    int expires_days, char token[ACCESS_TOKEN_TEXT_LEN + 1], int64_t *id,
    struct err *e)
{
	if (name == NULL || *name == '\0')
		return err_invalid(e, "name", "give the token a name, to recognise it later");
	if (!text_utf8_valid(name, strlen(name), false) ||
	    text_utf8_length(name, strlen(name)) > ACCOUNT_TOKEN_NAME_MAX)
		return err_invalid(e, "name", "a token name is text of at most %d characters",
		    ACCOUNT_TOKEN_NAME_MAX);
	if (expires_days < 0 || expires_days > 366)
		return err_invalid(e, "expires_in_days", "a token lasts 1 to 366 days, or 0 for no expiry");
	if (account_limit("token_account", r->auth->user.audit_ref, e) != 0)
		return -1;
	char secret[TOKEN_TEXT_LEN + 1];
	token_new(secret);
	snprintf(token, ACCESS_TOKEN_TEXT_LEN + 1, "%s%s", ACCESS_TOKEN_PREFIX, secret);
	unsigned char hash[32];
	token_hash(token, hash);
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	sqlite3_stmt *st = db_prepare(r->db,
	    "INSERT INTO access_tokens (user_id, name, token_hash, prefix, expires_at)"
	    " VALUES (?, ?, ?, ?, ?)", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, actor_id(r));
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_text(st, 4, token, 14, SQLITE_STATIC);
	if (expires_days > 0)
		sqlite3_bind_int64(st, 5, (sqlite3_int64)r->now + (sqlite3_int64)expires_days * 86400);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "storing a token");
		goto fail;
	}
	*id = sqlite3_last_insert_rowid(r->db);
	if (account_audit(r, "token.create", "token", *id, "", e) != 0)
		goto fail;
	return account_tx_commit(r->db, e);
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
account_token_revoke(const struct account_request *r, int64_t id, struct err *e)
{
	return delete_own(r, "DELETE FROM access_tokens WHERE id = ? AND user_id = ?", id,
	    "token", "token.revoke", e);
}
