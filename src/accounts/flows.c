/*
 * The sign-up, sign-in and recovery flows. Each is written so that its
 * answer, and as nearly as we can its cost, is the same whether or not
 * the email has an account:
 * - sign-up with a known address still hashes the password and mails
 *   the address (a note, not a link);
 * - sign-in with an unknown address still runs one Argon2id check;
 * - a reset for an unknown address still commits an audit entry, so
 *   both paths pay for one durable write.
 * Argon2id runs before a write transaction begins, never inside one, so
 * a burst of sign-ins does not hold the database's write lock.
 */
#include "extern.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "../mail/mail.h"
#include "../store/db.h"

#define VERIFY_TTL	(48 * 60 * 60)
#define RESET_TTL	(60 * 60)
#define EMAIL_CHANGE_TTL (24 * 60 * 60)

static const char invalid_credentials[] = "the email address or password is wrong";
static const char invalid_link[] = "this link is invalid, was already used or has expired";

int64_t
actor_id(const struct account_request *r)
{
	return r->auth && r->auth->kind != AUTH_NONE ? r->auth->user.id : 0;
}

const char *
user_password_hash(sqlite3 *db, int64_t user_id, struct arena *a, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT password_hash FROM users WHERE id = ?", e);
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, user_id);
	const char *hash = NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		hash = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
	else
		db_fail(db, e, "reading a password hash");
	sqlite3_finalize(st);
	return hash;
}

static int
store_password_hash(sqlite3 *db, int64_t user_id, const char *hash, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "UPDATE users SET password_hash = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
	    " WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "storing a password");
}

int
user_set_password(sqlite3 *db, int64_t user_id, const char *password, struct err *e)
{
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(password, hash, sizeof(hash), e) != 0)
		return -1;
	int rc = store_password_hash(db, user_id, hash, e);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* A valid hash of a random password, made once; checking against it
 * costs what checking a real account's password does. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
make_dummy_hash(void)
{
	char pw[TOKEN_TEXT_LEN + 1];
	token_new(pw);
	struct err e = ERR_INIT;
	if (password_hash(pw, dummy_hash, sizeof(dummy_hash), &e) != 0)
		dummy_hash[0] = '\0';
}

void
password_burn(const char *password)
{
	pthread_once(&dummy_once, make_dummy_hash);
	struct err e = ERR_INIT;
	bool rehash;
	password_verify(dummy_hash, password, &rehash, &e);
}

int
check_current_password(const struct account_request *r, const char *password,
    const char *param, struct err *e)
{
	if (password == NULL || *password == '\0')
		return err_invalid(e, param, "enter your current password");
	if (strlen(password) > ACCOUNT_PASSWORD_MAX)
		return err_set(e, 401, "invalid_credentials", param, "the password is wrong");
	/* The sign-in limit's own key (the address): guesses through a
	 * stolen session and through the sign-in page share one budget. */
	if (account_limit("signin_account", r->auth->user.email, e) != 0)
		return -1;
	const char *hash = user_password_hash(r->db, actor_id(r), r->arena, e);
	if (hash == NULL)
		return -1;
	bool rehash;
	int ok = password_verify(hash, password, &rehash, e);
	if (ok < 0)
		return -1;
	if (ok == 0)
		return err_set(e, 401, "invalid_credentials", param, "the password is wrong");
	return 0;
}

/* ---- sign-up and verification ------------------------------------------ */

static int
mail_verification(const struct account_request *r, const struct user *u, struct err *e)
{
	char token[TOKEN_TEXT_LEN + 1];
	if (email_token_issue(r->db, u->id, "verify", NULL, 0, VERIFY_TTL, r->now, token, e) != 0)
		return -1;
	const char *link = account_link(r, arena_printf(r->arena, "/verify?token=%s", token));
	const char *body = arena_printf(r->arena,
	    "Welcome to imago.\n\n"
	    "Please confirm your email address by opening this link:\n\n%s\n\n"
	    "The link works once, for 48 hours. If you did not sign up for imago, "
	    "ignore this message and no account will be used with your address.\n",
	    link);
	return mail_enqueue(r->db, u->email, "Confirm your email address for imago", body, e);
}

int
account_signup(const struct account_request *r, const char *email,
    const char *password, const char *display_name, bool therapist, struct err *e)
{
	const char *norm;
	if (account_email_normalize(email, r->arena, &norm, e) != 0 ||
	    account_password_acceptable(password, norm, "password", e) != 0 ||
	    account_display_name_acceptable(display_name, e) != 0)
		return -1;
	/* Per address too: each sign-up mails the address, and repeating one
	 * must not become a way to flood someone's inbox. */
	if (account_limit("signup_ip", r->ip, e) != 0 ||
	    account_limit("signup_account", norm, e) != 0)
		return -1;
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(password, hash, sizeof(hash), e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	struct user u;
	int found = user_by_email(r->db, norm, r->arena, &u, e);
	if (found < 0)
		goto fail;
	if (found == 0) {
		/* Tell the owner of the address, not the person asking. */
		const char *body = arena_printf(r->arena,
		    "Someone tried to sign up for imago with this email address, which "
		    "already has an account.\n\n"
		    "If it was you, sign in at %s, or reset your password at %s.\n"
		    "If it was not you, you can ignore this message: nothing has changed.\n",
		    account_link(r, "/signin"), account_link(r, "/reset"));
		if (mail_enqueue(r->db, u.email, "Someone tried to sign up with your email",
		    body, e) != 0 || account_audit(r, "user.signup_existing", "user", u.id, "", e) != 0)
			goto fail;
	} else {
		unsigned roles = ROLE_CLIENT | (therapist ? ROLE_THERAPIST : 0);
		if (user_insert(r->db, norm, hash, display_name, roles, false, r->arena, &u, e) != 0 ||
		    mail_verification(r, &u, e) != 0 ||
		    account_audit(r, "user.signup", "user", u.id, therapist ? "therapist" : "client", e) != 0)
			goto fail;
	}
	sodium_memzero(hash, sizeof(hash));
	return account_tx_commit(r->db, e);
fail:
	sodium_memzero(hash, sizeof(hash));
	account_tx_rollback(r->db);
	return -1;
}

static int
invalid_token(struct err *e)
{
	return err_set(e, 400, "invalid_token", "token", "%s", invalid_link);
}

static int
set_verified(sqlite3 *db, int64_t user_id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "UPDATE users SET email_verified_at = coalesce(email_verified_at,"
	    " strftime('%Y-%m-%dT%H:%M:%SZ','now')) WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "verifying an email");
}

static int
audit_as(const struct account_request *r, const struct user *u, const char *action,
    const char *detail, struct err *e)
{
	struct account_request as_user = *r;
	struct auth who;
	memset(&who, 0, sizeof(who));
	who.kind = AUTH_SESSION;
	who.user = *u;
	as_user.auth = &who;
	return account_audit(&as_user, action, "user", u->id, detail, e);
}

/* Uses an emailed link, in the caller's transaction, and loads the
 * account it was for; an unusable link is the one invalid_token error. */
static int
use_link(const struct account_request *r, const char *token, const char *purpose,
    struct email_token *t, struct user *u, struct err *e)
{
	int rc = email_token_consume(r->db, token, purpose, r->now, r->arena, t, e);
	if (rc > 0)
		return invalid_token(e);
	if (rc < 0 || user_by_id(r->db, t->user_id, r->arena, u, e) != 0)
		return -1;
	return 0;
}

int
account_verify_email(const struct account_request *r, const char *token, struct err *e)
{
	if (account_limit("link_ip", r->ip, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	struct email_token t;
	struct user u;
	if (use_link(r, token, "verify", &t, &u, e) != 0 ||
	    set_verified(r->db, u.id, e) != 0 ||
	    audit_as(r, &u, "user.email_verified", "", e) != 0)
		goto fail;
	return account_tx_commit(r->db, e);
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* ---- sign-in ------------------------------------------------------------ */

/* A failed attempt is recorded in its own transaction: the refusal must
 * not roll it back. */
static void
audit_failure(const struct account_request *r, const struct user *u, const char *action)
{
	struct err ignored = ERR_INIT;
	if (u)
		audit_as(r, u, action, "", &ignored);
	else
		account_audit(r, action, "", 0, "", &ignored);
}

static int
rehash_if_needed(const struct account_request *r, int64_t user_id, const char *password)
{
	struct err ignored = ERR_INIT;
	return user_set_password(r->db, user_id, password, &ignored);
}

int
account_signin(const struct account_request *r, const char *email,
    const char *password, struct signin_result *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	const char *norm;
	if (email == NULL || *email == '\0')
		return err_invalid(e, "email", "enter your email address");
	if (password == NULL || *password == '\0')
		return err_invalid(e, "password", "enter your password");
	if (account_limit("signin_ip", r->ip, e) != 0)
		return -1;
	struct err ignored = ERR_INIT;
	if (account_email_normalize(email, r->arena, &norm, &ignored) != 0 ||
	    strlen(password) > ACCOUNT_PASSWORD_MAX) {
		password_burn("x");
		audit_failure(r, NULL, "user.sign_in_failed");
		return err_set(e, 401, "invalid_credentials", "", invalid_credentials);
	}
	if (account_limit("signin_account", norm, e) != 0)
		return -1;
	struct user u;
	int found = user_by_email(r->db, norm, r->arena, &u, e);
	if (found < 0)
		return -1;
	if (found == 1) {
		password_burn(password);
		audit_failure(r, NULL, "user.sign_in_failed");
		return err_set(e, 401, "invalid_credentials", "", invalid_credentials);
	}
	const char *hash = user_password_hash(r->db, u.id, r->arena, e);
	if (hash == NULL)
		return -1;
	bool rehash = false;
	int ok = password_verify(hash, password, &rehash, e);
	if (ok < 0)
		return -1;
	if (ok == 0) {
		audit_failure(r, &u, "user.sign_in_failed");
		return err_set(e, 401, "invalid_credentials", "", invalid_credentials);
	}
	/* From here on the person knows the password: telling them why they
	 * cannot go on reveals nothing they did not know. */
	if (rehash)
		rehash_if_needed(r, u.id, password);
	if (u.suspended) {
		audit_failure(r, &u, "user.sign_in_suspended");
		return err_set(e, 403, "account_suspended", "",
		    "this account is suspended; contact the administrators");
	}
	if (!u.email_verified) {
		struct err mail_err = ERR_INIT;
		if (account_limit("verify_account", u.audit_ref, &mail_err) == 0 &&
		    account_tx_begin(r->db, &mail_err) == 0) {
			if (mail_verification(r, &u, &mail_err) == 0)
				account_tx_commit(r->db, &mail_err);
			else
				account_tx_rollback(r->db);
		}
		return err_set(e, 403, "email_not_verified", "email",
		    "confirm your email address first: we have sent you a new link");
	}
	enum session_stage stage = u.totp_enabled ? SESSION_AWAITING_CODE : SESSION_SIGNED_IN;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (session_start(r, u.id, stage, out->session_token, e) != 0 ||
	    audit_as(r, &u, stage == SESSION_SIGNED_IN ? "user.sign_in" : "user.sign_in_password",
	    "", e) != 0) {
		account_tx_rollback(r->db);
		return -1;
	}
	if (account_tx_commit(r->db, e) != 0)
		return -1;
	out->stage = stage;
	out->user = u;
	out->needs_two_step = stage == SESSION_SIGNED_IN &&
	    (u.roles & ROLES_NEEDING_TWO_STEP) && !u.totp_enabled;
	return 0;
}

int
user_totp_secret(sqlite3 *db, int64_t user_id, bool pending, struct arena *a,
    unsigned char **secret, size_t *len, int64_t *last_step, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT totp_secret, totp_last_step FROM users WHERE id = ?1 AND totp_secret IS NOT NULL"
	    " AND (totp_enabled_at IS NULL) = ?2", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int(st, 2, pending);
	int ret = 1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*secret = arena_alloc(a, *len + 1);
		memcpy(*secret, sqlite3_column_blob(st, 0), *len);
		*last_step = sqlite3_column_int64(st, 1);
		ret = 0;
	}
	sqlite3_finalize(st);
	return ret;
}

static int
store_totp_step(sqlite3 *db, int64_t user_id, int64_t step, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "UPDATE users SET totp_last_step = ?1 WHERE id = ?2 AND totp_last_step < ?1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, step);
	sqlite3_bind_int64(st, 2, user_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "storing a code's step");
	/* Another request used the same code a moment ago. */
	return sqlite3_changes(db) == 1 ? 0 : 1;
}

/* 0 when code is a current one-time code or an unused recovery code of
 * the user (using it up), 1 when not, -1 on error. In a transaction. */
static int
check_second_factor(const struct account_request *r, int64_t user_id,
    const char *code, bool *used_recovery, struct err *e)
{
	*used_recovery = false;
	unsigned char *secret;
	size_t len;
	int64_t last_step;
	int rc = user_totp_secret(r->db, user_id, false, r->arena, &secret, &len, &last_step, e);
	if (rc != 0)
		return rc;
	int64_t step = totp_check(secret, len, code, r->now, last_step);
	sodium_memzero(secret, len);
	if (step > 0)
		return store_totp_step(r->db, user_id, step, e);
	unsigned char hash[32];
	if (recovery_code_hash(code, hash) != 0)
		return 1;
	sqlite3_stmt *st = db_prepare(r->db,
	    "UPDATE recovery_codes SET used_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
	    " WHERE user_id = ? AND code_hash = ? AND used_at IS NULL", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "using a recovery code");
	if (sqlite3_changes(r->db) == 0)
		return 1;
	*used_recovery = true;
	return 0;
}

int
account_signin_code(const struct account_request *r, const char *session_token,
    const char *code, struct signin_result *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (code == NULL || *code == '\0')
		return err_invalid(e, "code", "enter the code from your authenticator app");
	if (strlen(code) > 64)
		return err_set(e, 401, "invalid_code", "code", "that code is not right");
	struct auth pending;
	int rc = auth_from_session(r->db, session_token, r->now, r->arena, &pending, e);
	if (rc < 0)
		return -1;
	if (rc == 1 || pending.stage != SESSION_AWAITING_CODE)
		return err_set(e, 401, "authentication_required", "",
		    "sign in with your email and password first");
	if (account_limit("code_account", pending.user.audit_ref, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	bool recovery;
	rc = check_second_factor(r, pending.user.id, code, &recovery, e);
	if (rc != 0) {
		account_tx_rollback(r->db);
		if (rc < 0)
			return -1;
		audit_failure(r, &pending.user, "user.sign_in_code_failed");
		return err_set(e, 401, "invalid_code", "code", "that code is not right");
	}
	/* A new token for the signed-in session: whoever saw the token of
	 * the half-signed-in one gains nothing. */
	sqlite3_stmt *st = db_prepare(r->db, "DELETE FROM sessions WHERE id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, pending.session_id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (session_start(r, pending.user.id, SESSION_SIGNED_IN, out->session_token, e) != 0 ||
	    audit_as(r, &pending.user, "user.sign_in", recovery ? "recovery code" : "one-time code",
	    e) != 0)
		goto fail;
	if (account_tx_commit(r->db, e) != 0)
		return -1;
	out->stage = SESSION_SIGNED_IN;
	out->user = pending.user;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
account_signout(const struct account_request *r, const char *session_token, struct err *e)
{
	struct auth who;
	int rc = auth_from_session(r->db, session_token, r->now, r->arena, &who, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;	/* already gone: signed out all the same */
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	sqlite3_stmt *st = db_prepare(r->db, "DELETE FROM sessions WHERE id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, who.session_id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (audit_as(r, &who.user, "user.sign_out", "", e) != 0)
		goto fail;
	return account_tx_commit(r->db, e);
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
account_signout_everywhere(const struct account_request *r, struct err *e)
{
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (sessions_end_all(r->db, actor_id(r), 0, e) != 0 ||
	    account_audit(r, "user.sign_out_everywhere", "user", actor_id(r), "", e) != 0) {
		account_tx_rollback(r->db);
		return -1;
	}
	return account_tx_commit(r->db, e);
}

/* ---- password reset ------------------------------------------------------ */

int
account_reset_request(const struct account_request *r, const char *email, struct err *e)
{
	const char *norm;
	if (account_email_normalize(email, r->arena, &norm, e) != 0)
		return -1;
	if (account_limit("reset_ip", r->ip, e) != 0 ||
	    account_limit("reset_account", norm, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	struct user u;
	int found = user_by_email(r->db, norm, r->arena, &u, e);
	if (found < 0)
		goto fail;
	if (found == 0 && !u.suspended) {
		char token[TOKEN_TEXT_LEN + 1];
		if (email_token_issue(r->db, u.id, "reset", NULL, 0, RESET_TTL, r->now, token, e) != 0)
			goto fail;
		const char *link = account_link(r, arena_printf(r->arena, "/reset/confirm?token=%s", token));
		const char *body = arena_printf(r->arena,
		    "Someone asked to reset the password of your imago account.\n\n"
		    "To choose a new password, open this link within an hour:\n\n%s\n\n"
		    "If it was not you, ignore this message: your password stays as it is.\n",
		    link);
		if (mail_enqueue(r->db, u.email, "Reset your imago password", body, e) != 0 ||
		    audit_as(r, &u, "user.reset_requested", "", e) != 0)
			goto fail;
	} else if (account_audit(r, "user.reset_requested", "", 0, "", e) != 0) {
		goto fail;
	}
	return account_tx_commit(r->db, e);
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
account_reset_confirm(const struct account_request *r, const char *token,
    const char *new_password, struct err *e)
{
	if (token == NULL || *token == '\0')
		return invalid_token(e);
	if (account_password_acceptable(new_password, NULL, "password", e) != 0)
		return -1;
	if (account_limit("link_ip", r->ip, e) != 0)
		return -1;
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(new_password, hash, sizeof(hash), e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	struct email_token t;
	struct user u;
	if (use_link(r, token, "reset", &t, &u, e) != 0)
		goto fail;
	if (strcasecmp(new_password, u.email) == 0) {
		err_invalid(e, "password", "the password must not be your email address");
		goto fail;
	}
	/* A reset is how a taken-over account is won back: every way in
	 * that the old password let someone make ends here. */
	if (store_password_hash(r->db, u.id, hash, e) != 0 ||
	    set_verified(r->db, u.id, e) != 0 ||
	    sessions_end_all(r->db, u.id, 0, e) != 0 ||
	    access_tokens_revoke_all(r->db, u.id, e) != 0 ||
	    audit_as(r, &u, "user.password_reset", "", e) != 0)
		goto fail;
	sodium_memzero(hash, sizeof(hash));
	return account_tx_commit(r->db, e);
fail:
	sodium_memzero(hash, sizeof(hash));
	account_tx_rollback(r->db);
	return -1;
}

/* ---- signed-in changes --------------------------------------------------- */

int
account_change_password(const struct account_request *r, const char *current,
    const char *new_password, struct err *e)
{
	if (check_current_password(r, current, "current_password", e) != 0 ||
	    account_password_acceptable(new_password, r->auth->user.email, "new_password", e) != 0)
		return -1;
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(new_password, hash, sizeof(hash), e) != 0)
		return -1;
	int rc = -1;
	if (account_tx_begin(r->db, e) != 0)
		goto out;
	/* Other devices signed in with the old password are signed out. */
	int64_t keep = r->auth->kind == AUTH_SESSION ? r->auth->session_id : 0;
	if (store_password_hash(r->db, actor_id(r), hash, e) != 0 ||
	    sessions_end_all(r->db, actor_id(r), keep, e) != 0 ||
	    account_audit(r, "user.password_changed", "user", actor_id(r), "", e) != 0) {
		account_tx_rollback(r->db);
		goto out;
	}
	const char *body = arena_printf(r->arena,
	    "The password of your imago account was changed.\n\n"
	    "If you did not do this, reset your password now at %s and tell the administrators.\n",
	    account_link(r, "/reset"));
	if (mail_enqueue(r->db, r->auth->user.email, "Your imago password was changed", body, e) != 0) {
		account_tx_rollback(r->db);
		goto out;
	}
	rc = account_tx_commit(r->db, e);
out:
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int
account_change_email_request(const struct account_request *r,
    const char *current_password, const char *new_email, struct err *e)
{
	const char *norm;
	if (account_email_normalize(new_email, r->arena, &norm, e) != 0)
		return -1;
	if (strcmp(norm, r->auth->user.email) == 0)
		return err_invalid(e, "email", "that is already your email address");
	if (check_current_password(r, current_password, "current_password", e) != 0 ||
	    account_limit("email_change", r->auth->user.audit_ref, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	struct user other;
	int taken = user_by_email(r->db, norm, r->arena, &other, e);
	if (taken < 0)
		goto fail;
	if (taken == 0) {
		/* Same answer to the asker; the address's owner is told. */
		const char *body = arena_printf(r->arena,
		    "Someone signed in to imago asked to move their account to this email "
		    "address, which already has an account. Nothing has changed.\n");
		if (mail_enqueue(r->db, norm, "Someone tried to use your email on imago", body, e) != 0)
			goto fail;
	} else {
		char token[TOKEN_TEXT_LEN + 1];
		if (email_token_issue(r->db, actor_id(r), "email_change", norm, 0, EMAIL_CHANGE_TTL,
		    r->now, token, e) != 0)
			goto fail;
		const char *link = account_link(r,
		    arena_printf(r->arena, "/account/email/confirm?token=%s", token));
		const char *body = arena_printf(r->arena,
		    "To use this address for your imago account, open this link within 24 hours:\n\n"
		    "%s\n\nIf you did not ask for this, ignore this message.\n", link);
		if (mail_enqueue(r->db, norm, "Confirm your new email address for imago", body, e) != 0)
			goto fail;
	}
	if (account_audit(r, "user.email_change_requested", "user", actor_id(r), "", e) != 0)
		goto fail;
	return account_tx_commit(r->db, e);
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
account_change_email_confirm(const struct account_request *r, const char *token,
    struct err *e)
{
	if (account_limit("link_ip", r->ip, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	struct email_token t;
	struct user u;
	if (use_link(r, token, "email_change", &t, &u, e) != 0)
		goto fail;
	sqlite3_stmt *st = db_prepare(r->db,
	    "UPDATE users SET email = ?, email_verified_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
	    " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, t.new_email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, u.id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		err_set(e, 409, "exists", "email", "that address now belongs to another account");
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "changing an email");
		goto fail;
	}
	const char *body = arena_printf(r->arena,
	    "The email address of your imago account was changed to another address.\n\n"
	    "If you did not do this, contact the administrators at once.\n");
	if (mail_enqueue(r->db, u.email, "Your imago email address was changed", body, e) != 0 ||
	    audit_as(r, &u, "user.email_changed", "", e) != 0)
		goto fail;
	return account_tx_commit(r->db, e);
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
account_set_display_name(const struct account_request *r, const char *name, struct err *e)
{
	if (name == NULL)
		return err_invalid(e, "display_name", "give a name, or an empty one");
	if (account_display_name_acceptable(name, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	sqlite3_stmt *st = db_prepare(r->db,
	    "UPDATE users SET display_name = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
	    " WHERE id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, actor_id(r));
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "changing a name");
		goto fail;
	}
	if (account_audit(r, "user.update", "user", actor_id(r), "display_name", e) != 0)
		goto fail;
	return account_tx_commit(r->db, e);
fail:
	account_tx_rollback(r->db);
	return -1;
}
