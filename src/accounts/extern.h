/* Functions shared by the files of the accounts module, not its API. */
#ifndef IMAGO_ACCOUNTS_EXTERN_H
#define IMAGO_ACCOUNTS_EXTERN_H

#include "accounts.h"

/* Inserts a user with an already computed hash (so the Argon2id work
 * happens before the write transaction, not while holding it). */
int	user_insert(sqlite3 *db, const char *email, const char *hash,
	    const char *display_name, unsigned roles, bool verified, struct arena *a,
	    struct user *u, struct err *e);
int	account_display_name_acceptable(const char *name, struct err *e);
/* Starts a session; the token's text goes to token. */
int	session_start(const struct account_request *r, int64_t user_id,
	    enum session_stage stage, char token[TOKEN_TEXT_LEN + 1], struct err *e);
/* Ends sessions of user_id, all but keep_id (0: all). */
int	sessions_end_all(sqlite3 *db, int64_t user_id, int64_t keep_id, struct err *e);
/* Revokes every access token of user_id (a password reset). */
int	access_tokens_revoke_all(sqlite3 *db, int64_t user_id, struct err *e);
/* The stored password hash of user_id (arena), or NULL with e. */
const char *user_password_hash(sqlite3 *db, int64_t user_id, struct arena *a,
	    struct err *e);
int	user_set_password(sqlite3 *db, int64_t user_id, const char *password,
	    struct err *e);
/* Checks the signed-in user's current password: 0, or 401/400 with e
 * naming param. */
int	check_current_password(const struct account_request *r, const char *password,
	    const char *param, struct err *e);
/* Runs one Argon2id verification against a fixed hash and throws the
 * answer away: makes "no such account" cost what a wrong password does. */
void	password_burn(const char *password);
/* The user's TOTP secret (arena) and last accepted step; pending: the
 * secret being set up rather than the one in use. 0, 1 none, -1. */
int	user_totp_secret(sqlite3 *db, int64_t user_id, bool pending, struct arena *a,
	    unsigned char **secret, size_t *len, int64_t *last_step, struct err *e);
/* The signed-in user's id; the flows' callers guarantee there is one. */
int64_t	actor_id(const struct account_request *r);

#endif
