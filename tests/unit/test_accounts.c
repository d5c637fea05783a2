/*
 * The accounts building blocks: Argon2id hashing and rehash detection,
 * random tokens and their stored hashes, CSRF tokens bound to a cookie,
 * the email and password rules, and sessions against a real database
 * (idle and absolute expiry, the two-step stage, suspension).
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../../src/accounts/accounts.h"
#include "../../src/store/db.h"

#define PASSWORD "correct horse battery staple"

static sqlite3 *
fresh_db(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	unlink(path);
	struct err e = ERR_INIT;
	sqlite3 *db = db_open(path, &e);
	if (db == NULL || db_migrate(db, &e) < 0) {
		test_fail(__FILE__, __LINE__, "cannot create %s: %s", path, e.message);
		db_close(db);
		return NULL;
	}
	return db;
}

TEST(password_hash_verifies_and_refuses)
{
	struct err e = ERR_INIT;
	CHECK_INT(accounts_init(&e), 0);
	char hash[crypto_pwhash_STRBYTES];
	CHECK_INT(password_hash(PASSWORD, hash, sizeof(hash), &e), 0);
	CHECK(strncmp(hash, "$argon2id$", 10) == 0);
	/* The hash never contains the password. */
	CHECK(strstr(hash, "horse") == NULL);
	bool rehash = true;
	CHECK_INT(password_verify(hash, PASSWORD, &rehash, &e), 1);
	CHECK(!rehash);
	CHECK_INT(password_verify(hash, PASSWORD " ", &rehash, &e), 0);
	CHECK_INT(password_verify(hash, "", &rehash, &e), 0);
	/* Two hashes of one password differ (random salt). */
	char again[crypto_pwhash_STRBYTES];
	CHECK_INT(password_hash(PASSWORD, again, sizeof(again), &e), 0);
	CHECK(strcmp(hash, again) != 0);
}

TEST(password_verify_asks_for_rehash_with_other_parameters)
{
	struct err e = ERR_INIT;
	CHECK_INT(accounts_init(&e), 0);
	/* A hash made with the minimum parameters, as an old deployment
	 * might have: it verifies, and asks to be redone. */
	char weak[crypto_pwhash_STRBYTES];
	CHECK_INT(crypto_pwhash_str(weak, PASSWORD, strlen(PASSWORD),
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	bool rehash = false;
	CHECK_INT(password_verify(weak, PASSWORD, &rehash, &e), 1);
	CHECK(rehash);
	/* A wrong password never asks for a rehash. */
	rehash = true;
	CHECK_INT(password_verify(weak, "wrong password here", &rehash, &e), 0);
	CHECK(!rehash);
}

TEST(tokens_are_random_base64url_and_hashed)
{
	char a[TOKEN_TEXT_LEN + 1], b[TOKEN_TEXT_LEN + 1];
	token_new(a);
	token_new(b);
	CHECK_INT((long long)strlen(a), TOKEN_TEXT_LEN);
	CHECK(strcmp(a, b) != 0);
	CHECK(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	    == TOKEN_TEXT_LEN);
	unsigned char ha[32], ha2[32], hb[32];
	token_hash(a, ha);
	token_hash(a, ha2);
	token_hash(b, hb);
	CHECK(memcmp(ha, ha2, 32) == 0);
	CHECK(memcmp(ha, hb, 32) != 0);
	/* The stored hash is SHA-256 of the token's text. */
	unsigned char want[32];
	crypto_hash_sha256(want, (const unsigned char *)a, strlen(a));
	CHECK(memcmp(ha, want, 32) == 0);
}

TEST(csrf_token_is_bound_to_its_cookie)
{
	char t1[TOKEN_TEXT_LEN + 1], t2[TOKEN_TEXT_LEN + 1];
	token_new(t1);
	token_new(t2);
	char c1[CSRF_TEXT_LEN + 1], c1b[CSRF_TEXT_LEN + 1], c2[CSRF_TEXT_LEN + 1];
	csrf_for(t1, c1);
	csrf_for(t1, c1b);
	csrf_for(t2, c2);
	CHECK_STR(c1, c1b);
	CHECK(strcmp(c1, c2) != 0);
	CHECK(strcmp(c1, t1) != 0);	/* not the cookie itself */
	CHECK(csrf_matches(c1, c1b));
	CHECK(!csrf_matches(c1, c2));
	CHECK(!csrf_matches(c1, NULL));
	CHECK(!csrf_matches(c1, ""));
	char truncated[CSRF_TEXT_LEN + 1];
	snprintf(truncated, sizeof(truncated), "%.*s", CSRF_TEXT_LEN - 1, c1);
	CHECK(!csrf_matches(c1, truncated));
	char longer[CSRF_TEXT_LEN + 3];
	snprintf(longer, sizeof(longer), "%sxx", c1);
	CHECK(!csrf_matches(c1, longer));
}

TEST(email_addresses_are_normalised_and_checked)
{
	struct arena *a = arena_new();
	struct err e = ERR_INIT;
	const char *out;
	CHECK_INT(account_email_normalize("  Ana.Silva@Example.ORG ", a, &out, &e), 0);
	CHECK_STR(out, "ana.silva@example.org");
	static const char *const bad[] = {
		"", "ana", "@example.org", "ana@", "ana@example", "ana@.example.org",
		"ana@example.org.", "ana@exa..mple.org", "a na@example.org",
		"ana@example.org\r\nBcc: x@y.z", "<ana@example.org>", "ana@b@example.org",
		"ana\"@example.org", "ana@example.org;drop table users",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		if (account_email_normalize(bad[i], a, &out, &e) == 0)
			test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
		else
			CHECK_STR(e.param, "email");
	}
	char long_local[300];
	memset(long_local, 'a', 65);
	snprintf(long_local + 65, sizeof(long_local) - 65, "@example.org");
	CHECK_INT(account_email_normalize(long_local, a, &out, &e), -1);
	char huge[400];
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	memcpy(huge + 10, "@example.org", 12);
	CHECK_INT(account_email_normalize(huge, a, &out, &e), -1);
	CHECK_INT(account_email_normalize("ana@exa\xff.org", a, &out, &e), -1);
	arena_free(a);
}

TEST(password_rules)
{
	struct err e = ERR_INIT;
	CHECK_INT(account_password_acceptable(PASSWORD, "ana@example.org", "password", &e), 0);
	CHECK_INT(account_password_acceptable("short pass", NULL, "password", &e), -1);
	CHECK_STR(e.param, "password");
	CHECK_INT(account_password_acceptable("", NULL, "new_password", &e), -1);
	CHECK_STR(e.param, "new_password");
	CHECK_INT(account_password_acceptable("aaaaaaaaaaaaaaaa", NULL, "password", &e), -1);
	CHECK_INT(account_password_acceptable("Ana@Example.org", "ana@example.org", "password", &e), -1);
	/* Twelve characters, not bytes: eleven 2-byte letters are too few. */
	CHECK_INT(account_password_acceptable("\xc3\xa9\xc3\xa8\xc3\xa9\xc3\xa8\xc3\xa9\xc3\xa8"
	    "\xc3\xa9\xc3\xa8\xc3\xa9\xc3\xa8\xc3\xa9", NULL, "password", &e), -1);
	CHECK_INT(account_password_acceptable("\xc3\xa9\xc3\xa8\xc3\xa9\xc3\xa8\xc3\xa9\xc3\xa8"
	    "\xc3\xa9\xc3\xa8\xc3\xa9\xc3\xa8\xc3\xa9x", NULL, "password", &e), 0);
	CHECK_INT(account_password_acceptable("valid length but \xff", NULL, "password", &e), -1);
	char huge[ACCOUNT_PASSWORD_MAX + 2];
	for (size_t i = 0; i < sizeof(huge) - 1; i++)
		huge[i] = (char)('a' + i % 26);
	huge[sizeof(huge) - 1] = '\0';
	CHECK_INT(account_password_acceptable(huge, NULL, "password", &e), -1);
}

/* Starts a session for a new user at time now through the sign-in flow. */
static int
signed_in(sqlite3 *db, struct arena *a, const char *email, unsigned roles, time_t now,
    struct signin_result *s)
{
	struct err e = ERR_INIT;
	struct user u;
	if (user_create(db, email, PASSWORD, "", roles, true, a, &u, &e) != 0) {
		test_fail(__FILE__, __LINE__, "user_create: %s", e.message);
		return -1;
	}
	struct account_request r = { db, a, "127.0.0.1", "test", "http://test", NULL, now, NULL };
	if (account_signin(&r, email, PASSWORD, s, &e) != 0) {
		test_fail(__FILE__, __LINE__, "signin: %s", e.message);
		return -1;
	}
	return 0;
}

TEST(sessions_expire_when_idle_and_at_their_end)
{
	sqlite3 *db = fresh_db("sessions.db");
	if (db == NULL)
		return;
	struct arena *a = arena_new();
	struct err e = ERR_INIT;
	const time_t t0 = 1800000000;
	struct signin_result s;
	if (signed_in(db, a, "idle@example.org", ROLE_CLIENT, t0, &s) != 0)
		goto out;
	CHECK_INT(s.stage, SESSION_SIGNED_IN);
	CHECK(!s.needs_two_step);
	struct auth auth;
	/* Used every 20 minutes, it lives on until its absolute end. */
	time_t t = t0;
	for (; t + 20 * 60 < t0 + SESSION_ABSOLUTE_SECONDS; t += 20 * 60)
		CHECK_INT(auth_from_session(db, s.session_token, t, a, &auth, &e), 0);
	CHECK_INT(auth.kind, AUTH_SESSION);
	CHECK_STR(auth.user.email, "idle@example.org");
	CHECK_INT(auth_from_session(db, s.session_token, t0 + SESSION_ABSOLUTE_SECONDS, a, &auth, &e), 1);
	/* Gone for good, not just refused. */
	CHECK_INT(auth_from_session(db, s.session_token, t0 + 60, a, &auth, &e), 1);

	struct signin_result s2;
	struct account_request r = { db, a, "127.0.0.1", "test", "http://test", NULL, t0, NULL };
	CHECK_INT(account_signin(&r, "idle@example.org", PASSWORD, &s2, &e), 0);
	CHECK_INT(auth_from_session(db, s2.session_token, t0 + SESSION_IDLE_SECONDS - 1, a, &auth, &e), 0);
	/* Idle from its last use (touched at most once a minute). */
	CHECK_INT(auth_from_session(db, s2.session_token,
	    t0 + 2 * SESSION_IDLE_SECONDS + SESSION_TOUCH_SECONDS, a, &auth, &e), 1);
	/* A token of the wrong length or unknown is no session. */
	CHECK_INT(auth_from_session(db, "short", t0, a, &auth, &e), 1);
	CHECK_INT(auth_from_session(db, NULL, t0, a, &auth, &e), 1);
	char other[TOKEN_TEXT_LEN + 1];
	token_new(other);
	CHECK_INT(auth_from_session(db, other, t0, a, &auth, &e), 1);
out:
	arena_free(a);
	db_close(db);
}

TEST(therapist_session_needs_two_step_and_suspension_ends_it)
{
	sqlite3 *db = fresh_db("two-step.db");
	if (db == NULL)
		return;
	struct arena *a = arena_new();
	struct err e = ERR_INIT;
	const time_t t0 = 1800000000;
	struct signin_result s;
	if (signed_in(db, a, "ther@example.org", ROLE_CLIENT | ROLE_THERAPIST, t0, &s) != 0)
		goto out;
	CHECK(s.needs_two_step);
	struct auth auth;
	CHECK_INT(auth_from_session(db, s.session_token, t0, a, &auth, &e), 0);
	CHECK(auth.needs_two_step);
	CHECK(auth.csrf[0] != '\0');
	char want[CSRF_TEXT_LEN + 1];
	csrf_for(s.session_token, want);
	CHECK_STR(auth.csrf, want);
	db_exec(db, "UPDATE users SET suspended_at = '2027-01-01T00:00:00Z'", &e);
	CHECK_INT(auth_from_session(db, s.session_token, t0 + 1, a, &auth, &e), 1);
out:
	arena_free(a);
	db_close(db);
}

TEST(the_database_holds_only_hashes_of_secrets)
{
	sqlite3 *db = fresh_db("hashes.db");
	if (db == NULL)
		return;
	struct arena *a = arena_new();
	struct signin_result s;
	if (signed_in(db, a, "hash@example.org", ROLE_CLIENT, 1800000000, &s) == 0) {
		struct err e = ERR_INIT;
		sqlite3_stmt *st = db_prepare(db,
		    "SELECT count(*) FROM sessions WHERE instr(token_hash, ?) > 0"
		    " OR instr(ip || user_agent, ?) > 0", &e);
		sqlite3_bind_text(st, 1, s.session_token, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, s.session_token, -1, SQLITE_STATIC);
		CHECK_INT(sqlite3_step(st), SQLITE_ROW);
		CHECK_INT(sqlite3_column_int(st, 0), 0);
		sqlite3_finalize(st);
		unsigned char hash[32];
		token_hash(s.session_token, hash);
		st = db_prepare(db, "SELECT count(*) FROM sessions WHERE token_hash = ?", &e);
		sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
		CHECK_INT(sqlite3_step(st), SQLITE_ROW);
		CHECK_INT(sqlite3_column_int(st, 0), 1);
		sqlite3_finalize(st);
	}
	arena_free(a);
	db_close(db);
}
