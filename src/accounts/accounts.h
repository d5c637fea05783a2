/*
 * Accounts: people, their roles, how they prove who they are (password,
 * one-time codes, recovery codes), sessions, personal access tokens and
 * the links we email them. Every flow a person can start (sign up, sign
 * in, reset a password, change an email, turn on two-step sign-in,
 * export, delete) is one function here, so the JSON API and the HTML
 * pages are thin translations of the same code and cannot drift apart.
 *
 * Rules that hold everywhere:
 * - Secrets are random 256-bit values shown once and stored as SHA-256
 *   hashes; passwords as Argon2id (libsodium crypto_pwhash_str).
 * - A flow that writes does it in one BEGIN IMMEDIATE transaction with
 *   its audit entry and any mail it sends: all or nothing.
 * - Nothing a flow says, and as far as we can nothing in its timing,
 *   tells whether an email address has an account.
 */
#ifndef IMAGO_ACCOUNTS_H
#define IMAGO_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "../util/arena.h"
#include "../util/err.h"
#include "../util/jw.h"
#include "totp.h"

enum role {
	ROLE_CLIENT	= 1,
	ROLE_THERAPIST	= 2,
	ROLE_ADMIN	= 4,
};
#define ROLES_ALL	7
/* Roles whose accounts must use two-step sign-in. */
#define ROLES_NEEDING_TWO_STEP	(ROLE_THERAPIST | ROLE_ADMIN)

#define ACCOUNT_EMAIL_MAX	254
#define ACCOUNT_PASSWORD_MIN	12	/* characters */
#define ACCOUNT_PASSWORD_MAX	256	/* bytes */
#define ACCOUNT_NAME_MAX	100	/* characters */
#define ACCOUNT_TOKEN_NAME_MAX	100

#define SESSION_IDLE_SECONDS	(30 * 60)
#define SESSION_ABSOLUTE_SECONDS (12 * 60 * 60)
#define SESSION_CODE_SECONDS	(5 * 60)	/* to type the one-time code */
#define SESSION_TOUCH_SECONDS	60		/* last_seen_at written at most this often */

#define TOKEN_TEXT_LEN		43	/* base64url of 32 random bytes */
#define ACCESS_TOKEN_PREFIX	"imago_pat_"
#define ACCESS_TOKEN_TEXT_LEN	(10 + TOKEN_TEXT_LEN)
#define CSRF_TEXT_LEN		43

#define SESSION_COOKIE		"imago_session"
#define PRESESSION_COOKIE	"imago_pre"	/* anonymous forms' CSRF key */

struct user {
	int64_t		 id;
	const char	*email;
	const char	*display_name;
	unsigned	 roles;		/* bits of enum role */
	bool		 email_verified;
	bool		 totp_enabled;
	bool		 suspended;
	const char	*audit_ref;	/* the user's name in the audit log */
	const char	*created_at;
};

enum auth_kind { AUTH_NONE, AUTH_SESSION, AUTH_TOKEN };

enum session_stage {
	SESSION_SIGNED_IN	= 0,
	SESSION_AWAITING_CODE	= 1,
};

/* Who is asking, as the guard found out. */
struct auth {
	enum auth_kind	 kind;
	struct user	 user;		/* valid unless kind == AUTH_NONE */
	int64_t		 session_id;
	enum session_stage stage;
	/* Signed in, but a role needs two-step sign-in and it is not on
	 * yet: only the set-up pages are open. */
	bool		 needs_two_step;
	int64_t		 token_id;	/* AUTH_TOKEN */
	char		 csrf[CSRF_TEXT_LEN + 1];	/* for the session or pre-session */
};

/* Where and for whom a flow runs. */
struct vault;

struct account_request {
	sqlite3		*db;
	struct arena	*arena;
	const char	*ip;		/* "" outside requests */
	const char	*user_agent;	/* may be NULL */
	const char	*base_url;	/* "https://imago.example", for emailed links */
	const struct auth *auth;	/* NULL or AUTH_NONE when anonymous */
	time_t		 now;
	/* Seals what people write in the workspace (src/vault/vault.h);
	 * NULL where nothing is sealed or opened (most flows). */
	const struct vault *vault;
};

/* ---- set-up ---------------------------------------------------------- */

/* Reads IMAGO_PWHASH_OPSLIMIT, IMAGO_PWHASH_MEMLIMIT (bytes),
 * IMAGO_PWHASH_CONCURRENCY and IMAGO_RATE_LIMIT_SCALE; call once before
 * serving. Defaults: libsodium's INTERACTIVE limits, 2 hashes at once. */
int	accounts_init(struct err *e);
/* Waits at most this many milliseconds for a hashing slot before
 * answering 503 (tests lower it). */
void	accounts_set_hash_wait(unsigned ms);

/* ---- building blocks (exposed for tests and the CLI) ------------------ */

/* Lower-cases and checks an email address; arena copy in *out. */
int	account_email_normalize(const char *in, struct arena *a, const char **out,
	    struct err *e);
/* The password rules: length in characters, valid UTF-8, not the email. */
int	account_password_acceptable(const char *password, const char *email,
	    const char *param, struct err *e);
/* Argon2id; 503 "busy" when every hashing slot stays taken. */
int	password_hash(const char *password, char *out, size_t out_len, struct err *e);
/* 1 match, 0 no match, -1 error; *needs_rehash when the stored hash used
 * other parameters than now configured. */
int	password_verify(const char *hash, const char *password, bool *needs_rehash,
	    struct err *e);
/* A random token as base64url (TOKEN_TEXT_LEN chars + NUL). */
void	token_new(char out[TOKEN_TEXT_LEN + 1]);
/* SHA-256 of a token's text, as stored. */
void	token_hash(const char *token, unsigned char hash[32]);
/* The CSRF token bound to a session or pre-session token. */
void	csrf_for(const char *cookie_token, char out[CSRF_TEXT_LEN + 1]);
/* Constant-time comparison of a presented CSRF token with the expected one. */
bool	csrf_matches(const char *expected, const char *presented);

/* ---- helpers other modules' flows share ------------------------------- */

/* One-time links. purpose: "verify", "reset", "email_change", "claim". */
struct email_token {
	int64_t		 id;
	int64_t		 user_id;
	int64_t		 therapist_id;	/* claim */
	const char	*new_email;	/* email_change */
};
int	email_token_issue(sqlite3 *db, int64_t user_id, const char *purpose,
	    const char *new_email, int64_t therapist_id, int ttl_seconds, time_t now,
	    char token[TOKEN_TEXT_LEN + 1], struct err *e);
/* Marks the token used: 0 done, 1 unknown, expired, used or of another
 * purpose, -1 error. */
int	email_token_consume(sqlite3 *db, const char *token, const char *purpose,
	    time_t now, struct arena *a, struct email_token *out, struct err *e);
/* base_url + path (arena). */
char	*account_link(const struct account_request *r, const char *path);
/* An audit entry by the request's actor (or anonymous) from its address. */
int	account_audit(const struct account_request *r, const char *action,
	    const char *target_type, int64_t target_id, const char *detail,
	    struct err *e);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int	account_tx_begin(sqlite3 *db, struct err *e);
int	account_tx_commit(sqlite3 *db, struct err *e);
void	account_tx_rollback(sqlite3 *db);
/* Takes a token from an abuse limit (rules in limits.c): 0 allowed, -1
 * with a 429 naming the wait (the renderer adds Retry-After). */
int	account_limit(const char *rule, const char *key, struct err *e);

/* ---- users ----------------------------------------------------------- */

/* 0 found, 1 not found, -1 error; strings in the arena. */
int	user_by_id(sqlite3 *db, int64_t id, struct arena *a, struct user *u,
	    struct err *e);
int	user_by_email(sqlite3 *db, const char *email, struct arena *a,
	    struct user *u, struct err *e);
/* Creates a user (the CLI's `user add`, and sign-up). 409 "exists" when
 * the email is taken; callers facing the public must not pass that on. */
int	user_create(sqlite3 *db, const char *email, const char *password,
	    const char *display_name, unsigned roles, bool verified,
	    struct arena *a, struct user *u, struct err *e);
/* "client,therapist" for roles (arena). */
const char *roles_format(unsigned roles, struct arena *a);
/* Writes the user as JSON (no secrets). */
void	user_json(struct jw *j, const struct user *u);

/* ---- authentication (the guard) --------------------------------------- */

/* Finds the session for a cookie token: 0 valid (fills auth, touching
 * last_seen_at now and then), 1 none or expired (expired rows are
 * deleted), -1 error. */
int	auth_from_session(sqlite3 *db, const char *token, time_t now,
	    struct arena *a, struct auth *auth, struct err *e);
/* The same for "Authorization: Bearer imago_pat_..." */
int	auth_from_access_token(sqlite3 *db, const char *token, time_t now,
	    struct arena *a, struct auth *auth, struct err *e);

/* ---- flows ------------------------------------------------------------ */

/* Sign-up: always answers 0 for well-formed input. A new address gets a
 * verification link; an address with an account gets a note saying
 * someone tried to sign up with it. */
int	account_signup(const struct account_request *r, const char *email,
	    const char *password, const char *display_name, bool therapist,
	    struct err *e);
/* Opens an emailed verification link. */
int	account_verify_email(const struct account_request *r, const char *token,
	    struct err *e);

struct signin_result {
	char		 session_token[TOKEN_TEXT_LEN + 1];
	enum session_stage stage;	/* AWAITING_CODE: ask for the code next */
	bool		 needs_two_step;	/* must set up two-step sign-in first */
	struct user	 user;
};
/* Email and password. 401 "invalid_credentials" with one message for
 * every way it can be wrong; 403 "email_not_verified" (a new link is
 * sent) and 403 "account_suspended" only to someone who knew the
 * password. 429 when limited. */
int	account_signin(const struct account_request *r, const char *email,
	    const char *password, struct signin_result *out, struct err *e);
/* The second step: a one-time code or a recovery code, for the session
 * awaiting it. Replaces that session by a new signed-in one. */
int	account_signin_code(const struct account_request *r, const char *session_token,
	    const char *code, struct signin_result *out, struct err *e);
int	account_signout(const struct account_request *r, const char *session_token,
	    struct err *e);
/* Ends every session and revokes nothing else (tokens are separate). */
int	account_signout_everywhere(const struct account_request *r, struct err *e);

/* Always 0 for a well-formed address; mails a link only if it has an account. */
int	account_reset_request(const struct account_request *r, const char *email,
	    struct err *e);
/* Sets the new password, ends every session, marks the email verified. */
int	account_reset_confirm(const struct account_request *r, const char *token,
	    const char *new_password, struct err *e);

/* Signed-in changes; each asks for the current password. */
int	account_change_password(const struct account_request *r, const char *current,
	    const char *new_password, struct err *e);
int	account_change_email_request(const struct account_request *r,
	    const char *current_password, const char *new_email, struct err *e);
int	account_change_email_confirm(const struct account_request *r, const char *token,
	    struct err *e);
int	account_set_display_name(const struct account_request *r, const char *name,
	    struct err *e);

/* Two-step sign-in. begin: a new secret kept pending until enable. */
struct totp_setup {
	char	 secret_base32[64];
	char	*uri;		/* arena */
};
int	account_totp_begin(const struct account_request *r, struct totp_setup *out,
	    struct err *e);
/* Checks a code from the app against the pending secret; turns it on and
 * returns fresh recovery codes. */
int	account_totp_enable(const struct account_request *r, const char *code,
	    char codes[RECOVERY_CODE_COUNT][12], struct err *e);
/* Only for accounts whose roles do not require it. */
int	account_totp_disable(const struct account_request *r, const char *password,
	    struct err *e);
int	account_recovery_codes_new(const struct account_request *r, const char *password,
	    char codes[RECOVERY_CODE_COUNT][12], struct err *e);
/* Recovery codes not yet used. */
int	account_recovery_codes_left(const struct account_request *r);

/* Sessions and personal access tokens, listed for their owner (arena
 * memory), and the same lists as JSON: one key ("sessions", "tokens")
 * written into an open object, times in ISO 8601 UTC. */
struct session_info {
	int64_t		 id;
	time_t		 created_at, last_seen_at, expires_at;
	const char	*ip;
	const char	*user_agent;
	bool		 current;	/* the session making this request */
};
struct token_info {
	int64_t		 id;
	const char	*name;
	const char	*prefix;	/* its first characters, to recognise it */
	const char	*created_at;	/* ISO 8601 */
	const char	*last_used_at;	/* ISO 8601, first use of its last day; NULL: never */
	time_t		 expires_at;	/* 0: never */
};
int	account_sessions_list(const struct account_request *r, struct session_info **out,
	    size_t *n, struct err *e);
int	account_tokens_list(const struct account_request *r, struct token_info **out,
	    size_t *n, struct err *e);
int	account_sessions_json(const struct account_request *r, struct jw *j, struct err *e);
int	account_session_revoke(const struct account_request *r, int64_t id, struct err *e);
int	account_token_create(const struct account_request *r, const char *name,
	    int expires_days, char token[ACCESS_TOKEN_TEXT_LEN + 1], int64_t *id,
	    struct err *e);
int	account_tokens_json(const struct account_request *r, struct jw *j, struct err *e);
/* 404 when the token is not the caller's. */
int	account_token_revoke(const struct account_request *r, int64_t id, struct err *e);

/* Everything the accounts module holds about the caller, written as keys
 * into a JSON object the caller has opened (other modules add theirs). */
int	account_export_json(const struct account_request *r, struct jw *j, struct err *e);
/* Deletes the account and everything it owns (after the password). */
int	account_delete(const struct account_request *r, const char *password,
	    struct err *e);

/* ---- admins ----------------------------------------------------------- */

/* Users whose email contains query (NULL: all), newest first: writes
 * "users" and "next_before" into an open object. */
int	admin_users_json(const struct account_request *r, const char *query,
	    int limit, int64_t before_id, struct jw *j, struct err *e);
/* The same users, one call of fn each (for the HTML page); *next_before
 * is the before_id of the next page, or 0 when this is the last. */
typedef void (*admin_user_fn)(void *ctx, const struct user *u);
int	admin_users_list(const struct account_request *r, const char *query,
	    int limit, int64_t before_id, admin_user_fn fn, void *ctx,
	    int64_t *next_before, struct err *e);
int	admin_user_suspend(const struct account_request *r, int64_t user_id,
	    bool suspended, struct err *e);

#endif
