/*
 * What every account flow leans on: one-time emailed links, the audit
 * entry for "this person did this from there", transactions, and the
 * abuse limits (one table of rules, so docs/security.md can list them
 * and a reader can see them all at once).
 */
#include "accounts.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../audit/audit.h"
#include "../store/db.h"
#include "../util/ratelimit.h"

int
email_token_issue(sqlite3 *db, int64_t user_id, const char *purpose,
    const char *new_email, int64_t therapist_id, int ttl_seconds, time_t now,
    char token[TOKEN_TEXT_LEN + 1], struct err *e)
{
	/* A new link replaces older unused ones of the same purpose, so
	 * only the latest mail works. */
	sqlite3_stmt *st = db_prepare(db,
	    "DELETE FROM email_tokens WHERE user_id = ? AND purpose = ? AND used_at IS NULL", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, purpose, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "replacing a link");
	token_new(token);
	unsigned char hash[32];
	token_hash(token, hash);
	st = db_prepare(db,
	    "INSERT INTO email_tokens (user_id, purpose, token_hash, new_email,"
	    " therapist_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, purpose, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hash, sizeof(hash), SQLITE_STATIC);
	if (new_email)
		sqlite3_bind_text(st, 4, new_email, -1, SQLITE_STATIC);
	if (therapist_id)
		sqlite3_bind_int64(st, 5, therapist_id);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)now + ttl_seconds);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "storing a link");
}

int
email_token_consume(sqlite3 *db, const char *token, const char *purpose,
    time_t now, struct arena *a, struct email_token *out, struct err *e)
{
	if (token == NULL || strlen(token) != TOKEN_TEXT_LEN)
		return 1;
	unsigned char hash[32];
	token_hash(token, hash);
	sqlite3_stmt *st = db_prepare(db,
	    "UPDATE email_tokens SET used_at = ?1 WHERE token_hash = ?2 AND purpose = ?3"
	    " AND used_at IS NULL AND expires_at > ?1"
	    " RETURNING id, user_id, therapist_id, new_email", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_text(st, 3, purpose, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int ret = 1;
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->user_id = sqlite3_column_int64(st, 1);
		out->therapist_id = sqlite3_column_int64(st, 2);
		const unsigned char *ne = sqlite3_column_text(st, 3);
		out->new_email = ne ? arena_strdup(a, (const char *)ne) : NULL;
		ret = 0;
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(db, e, "using a link");
	sqlite3_finalize(st);
	return ret;
}

char *
account_link(const struct account_request *r, const char *path)
{
	const char *base = r->base_url ? r->base_url : "";
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	return arena_printf(r->arena, "%.*s%s", (int)n, base, path);
}

int
account_audit(const struct account_request *r, const char *action,
    const char *target_type, int64_t target_id, const char *detail, struct err *e)
{
	char id[24] = "";
	if (target_id)
		snprintf(id, sizeof(id), "%lld", (long long)target_id);
	const bool known = r->auth != NULL && r->auth->kind != AUTH_NONE;
	struct audit_entry entry = {
		.actor = known ? r->auth->user.audit_ref : AUDIT_ANONYMOUS,
		.ip = r->ip ? r->ip : "",
		.action = action,
		.target_type = target_type ? target_type : "",
		.target_id = id,
		.detail = detail ? detail : "",
	};
	return audit_append(r->db, &entry, e);
}

int
account_tx_begin(sqlite3 *db, struct err *e)
{
	return db_exec(db, "BEGIN IMMEDIATE", e);
}

int
account_tx_commit(sqlite3 *db, struct err *e)
{
	if (db_exec(db, "COMMIT", e) != 0) {
		account_tx_rollback(db);
		return -1;
	}
	return 0;
}

void
account_tx_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * The abuse limits. Per address they slow a scan from one machine; per
 * account they stop a slow guess at one person's password from many.
 * Bursts are small enough to stop guessing and large enough that a
 * person who mistypes a few times never meets them.
 */
static const struct ratelimit_rule rules[] = {
	{ "signin_ip",		30,	15 * 60 },
	{ "signin_account",	10,	15 * 60 },
	{ "code_account",	10,	15 * 60 },
	{ "signup_ip",		10,	60 * 60 },
	{ "signup_account",	3,	60 * 60 },	/* mail to one address */
	{ "reset_ip",		10,	60 * 60 },
	{ "reset_account",	3,	60 * 60 },
	{ "verify_account",	3,	60 * 60 },	/* resent verification mail */
	{ "email_change",	5,	60 * 60 },
	{ "claim",		5,	60 * 60 },
	{ "link_ip",		60,	15 * 60 },	/* opening emailed links */
	{ "form_ip",		120,	60 },		/* any state-changing request */
	{ "token_account",	20,	60 * 60 },
	/* Booking (src/booking/): bookings from one address, and holds
	 * mailed to one guest's address. */
	{ "booking_ip",		30,	60 * 60 },
	{ "booking_email",	5,	60 * 60 },
	/* Referrals (src/reviews/): mail to addresses we know nothing about,
	 * per referring profile and per recipient. */
	{ "referral_therapist",	20,	24 * 60 * 60 },
	{ "referral_recipient",	3,	24 * 60 * 60 },
	/* The contact relay (src/contact/): messages sent from one address,
	 * confirmation mail to one sender's address (someone else's, for
	 * all we know), messages to one profile, and replies by one owner. */
	{ "contact_ip",		10,	60 * 60 },
	{ "contact_sender",	5,	60 * 60 },
	{ "contact_therapist",	30,	60 * 60 },
	{ "contact_reply",	60,	60 * 60 },
	/* Couples (src/couples/): invitations mailed by one account. */
	{ "couple_invite",	5,	24 * 60 * 60 },
};

extern double accounts_rate_limit_scale;
static struct ratelimit *limiter;
static pthread_once_t limiter_once = PTHREAD_ONCE_INIT;

static void
limiter_new(void)
{
	limiter = ratelimit_new(65536, accounts_rate_limit_scale);
}

int
account_limit(const char *rule, const char *key, struct err *e)
{
	pthread_once(&limiter_once, limiter_new);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (strcmp(rules[i].name, rule) != 0)
			continue;
		unsigned retry;
		if (ratelimit_take(limiter, &rules[i], key ? key : "", &retry))
			return 0;
		e->retry_after = (int)retry;
		return err_set(e, 429, "rate_limited", "",
		    "too many attempts; please wait %u seconds and try again", retry);
	}
	return err_internal(e, "unknown limit %s", rule);
}
