/*
 * Setting up two-step sign-in. A new secret is stored as pending (secret
 * set, totp_enabled_at NULL) until the person proves their app has it by
 * typing a code; only then is it turned on and recovery codes issued.
 * Starting again replaces a pending secret, never an enabled one.
 */
#include "extern.h"

#include <string.h>

#include <sodium.h>

#include "../policy/policy.h"
#include "../store/db.h"

#define TOTP_ISSUER "imago"

int
account_totp_begin(const struct account_request *r, struct totp_setup *out,
    struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (r->auth->user.totp_enabled)
		return err_set(e, 409, "two_step_enabled", "",
		    "two-step sign-in is already on; turn it off first to change the app");
	unsigned char secret[TOTP_SECRET_BYTES];
	totp_new_secret(secret);
	sqlite3_stmt *st = db_prepare(r->db,
	    "UPDATE users SET totp_secret = ?, totp_last_step = 0"
	    " WHERE id = ? AND totp_enabled_at IS NULL", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, secret, sizeof(secret), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, actor_id(r));
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sodium_memzero(secret, sizeof(secret));
		return db_fail(r->db, e, "storing a two-step secret");
	}
	struct buf b = BUF_INIT;
	totp_secret_base32(secret, sizeof(secret), &b);
	snprintf(out->secret_base32, sizeof(out->secret_base32), "%s", buf_cstr(&b));
	buf_reset(&b);
	totp_uri(secret, sizeof(secret), TOTP_ISSUER, r->auth->user.email, &b);
	out->uri = arena_strdup(r->arena, buf_cstr(&b));
	buf_free(&b);
	sodium_memzero(secret, sizeof(secret));
	return 0;
}

static int
store_recovery_codes(const struct account_request *r, char codes[RECOVERY_CODE_COUNT][12],
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "DELETE FROM recovery_codes WHERE user_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, actor_id(r));
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "replacing recovery codes");
	recovery_codes_new(codes, RECOVERY_CODE_COUNT);
	st = db_prepare(r->db, "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", e);
	if (st == NULL)
		return -1;
	for (int i = 0; i < RECOVERY_CODE_COUNT; i++) {
		unsigned char hash[32];
		recovery_code_hash(codes[i], hash);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, actor_id(r));
		sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return db_fail(r->db, e, "storing recovery codes");
		}
	}
	sqlite3_finalize(st);
	return 0;
}

int
account_totp_enable(const struct account_request *r, const char *code,
    char codes[RECOVERY_CODE_COUNT][12], struct err *e)
{
	if (code == NULL || *code == '\0')
		return err_invalid(e, "code", "enter the code your app shows");
	if (account_limit("code_account", r->auth->user.audit_ref, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	unsigned char *secret;
	size_t len;
	int64_t last_step;
	int rc = user_totp_secret(r->db, actor_id(r), true, r->arena, &secret, &len, &last_step, e);
	if (rc != 0) {
		if (rc > 0)
			err_set(e, 409, "no_pending_secret", "",
			    "start the set-up again: there is no new secret waiting");
		goto fail;
	}
	int64_t step = totp_check(secret, len, code, r->now, last_step);
	sodium_memzero(secret, len);
	if (step <= 0) {
		err_set(e, 400, "invalid_code", "code",
		    "that code is not right; check the app's clock and try the next code");
		goto fail;
	}
	sqlite3_stmt *st = db_prepare(r->db,
	    "UPDATE users SET totp_enabled_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
	    " totp_last_step = ? WHERE id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, step);
	sqlite3_bind_int64(st, 2, actor_id(r));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "turning on two-step sign-in");
		goto fail;
	}
	if (store_recovery_codes(r, codes, e) != 0 ||
	    account_audit(r, "user.two_step_enabled", "user", actor_id(r), "", e) != 0)
		goto fail;
	return account_tx_commit(r->db, e);
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
account_totp_disable(const struct account_request *r, const char *password, struct err *e)
{
	if (!policy_two_step_optional(r->auth->user.roles))
		return err_set(e, 403, "two_step_required", "",
		    "therapists and admins must keep two-step sign-in on");
	if (check_current_password(r, password, "password", e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	sqlite3_stmt *st = db_prepare(r->db,
	    "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, actor_id(r));
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "turning off two-step sign-in");
		goto fail;
	}
	st = db_prepare(r->db, "DELETE FROM recovery_codes WHERE user_id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, actor_id(r));
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (account_audit(r, "user.two_step_disabled", "user", actor_id(r), "", e) != 0)
		goto fail;
	return account_tx_commit(r->db, e);
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
account_recovery_codes_new(const struct account_request *r, const char *password,
    char codes[RECOVERY_CODE_COUNT][12], struct err *e)
{
	if (!r->auth->user.totp_enabled)
		return err_set(e, 409, "two_step_disabled", "", "turn on two-step sign-in first");
	if (check_current_password(r, password, "password", e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (store_recovery_codes(r, codes, e) != 0 ||
	    account_audit(r, "user.recovery_codes_replaced", "user", actor_id(r), "", e) != 0) {
		account_tx_rollback(r->db);
		return -1;
	}
	return account_tx_commit(r->db, e);
}

int
account_recovery_codes_left(const struct account_request *r)
{
	struct err e = ERR_INIT;
	sqlite3_stmt *st = db_prepare(r->db,
	    "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", &e);
	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, actor_id(r));
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return n;
}
