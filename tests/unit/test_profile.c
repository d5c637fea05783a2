/*
 * Profiles owned by accounts (src/directory/profile.c), against real
 * databases in the test's temporary directory with real users: who may
 * create, read, edit, claim, verify and hide which profile (someone
 * else's is a 404, never a 403); the claim link mailed to the profile's
 * address and opened by the account that asked; verification cleared by
 * a change of licence; the pending list; and for every action its audit
 * row and a new directory version, while a refused one changes nothing.
 *
 * Each test names its users after itself: the claim rate limit is
 * per email address and lives for the whole process.
 */
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/accounts/accounts.h"
#include "../../src/directory/profile.h"
#include "../../src/store/db.h"
#include "../../src/util/buf.h"
#include "../../src/util/jw.h"

#define PASSWORD	"correct horse battery staple"
#define NOW		1700000000	/* 2023-11-14T22:13:20Z */

/* ---- helpers ---------------------------------------------------------- */

static sqlite3 *
open_fresh(const char *path)
{
	unlink(path);
	struct err e = ERR_INIT;
	sqlite3 *db = db_open(path, &e);
	if (db == NULL || db_migrate(db, &e) < 0) {
		test_fail(__FILE__, __LINE__, "cannot create %s: %s", path, e.message);
		db_close(db);
		db = NULL;
	}
	return db;
}

/* A private copy of the gazetteer fixture, or NULL (and a failure). */
static sqlite3 *
open_gazetteer_copy(const char *path)
{
	const char *src_path = test_gazetteer_db();
	if (src_path == NULL) {
		test_fail(__FILE__, __LINE__, "gazetteer fixture missing: set "
		    "IMAGO_TEST_GAZETTEER_DB to a database after `imago gazetteer import`");
		return NULL;
	}
	struct err e = ERR_INIT;
	sqlite3 *src = db_open_readonly(src_path, &e);
	sqlite3 *db = open_fresh(path);
	if (src == NULL || db == NULL) {
		db_close(src);
		db_close(db);
		return NULL;
	}
	sqlite3_backup *bk = sqlite3_backup_init(db, "main", src, "main");
	int rc = bk ? sqlite3_backup_step(bk, -1) : SQLITE_ERROR;
	sqlite3_backup_finish(bk);
	db_close(src);
	if (rc != SQLITE_DONE || db_migrate(db, &e) < 0) {
		test_fail(__FILE__, __LINE__, "cannot copy the gazetteer: %s",
		    sqlite3_errmsg(db));
		db_close(db);
		return NULL;
	}
	return db;
}

/* A database, its users and one signed-in auth for each. */
struct fixture {
	sqlite3		*db;
	struct arena	*arena;
	struct user	 therapist, other, client, admin;
	struct auth	 as_therapist, as_other, as_client, as_admin;
};

static struct auth
signed_in(const struct user *u)
{
	struct auth a;
	memset(&a, 0, sizeof(a));
	a.kind = AUTH_SESSION;
	a.stage = SESSION_SIGNED_IN;
	a.user = *u;
	return a;
}

static void
add_user(struct fixture *f, const char *name, const char *who, unsigned roles,
    struct user *u)
{
	struct err e = ERR_INIT;
	char email[128];
	snprintf(email, sizeof(email), "%s.%s@example.org", who, name);
	if (user_create(f->db, email, PASSWORD, who, roles, true, f->arena, u, &e) < 0)
		test_fail(__FILE__, __LINE__, "user_create %s: %s", email, e.message);
}

/* name: the test's, for unique emails (and the database file). */
static bool
fixture_open(struct fixture *f, const char *name, bool gazetteer)
{
	memset(f, 0, sizeof(*f));
	/* Cheap password hashing: these tests are about profiles. */
	setenv("IMAGO_PWHASH_OPSLIMIT", "1", 0);
	setenv("IMAGO_PWHASH_MEMLIMIT", "8192", 0);
	struct err e = ERR_INIT;
	if (accounts_init(&e) < 0) {
		test_fail(__FILE__, __LINE__, "accounts_init: %s", e.message);
		return false;
	}
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/%s.db", test_tmpdir(), name);
	f->db = gazetteer ? open_gazetteer_copy(buf_cstr(&path)) : open_fresh(buf_cstr(&path));
	buf_free(&path);
	if (f->db == NULL)
		return false;
	f->arena = arena_new();
	add_user(f, name, "therapist", ROLE_THERAPIST, &f->therapist);
	add_user(f, name, "other", ROLE_THERAPIST, &f->other);
	add_user(f, name, "client", ROLE_CLIENT, &f->client);
	add_user(f, name, "admin", ROLE_ADMIN, &f->admin);
	f->as_therapist = signed_in(&f->therapist);
	f->as_other = signed_in(&f->other);
	f->as_client = signed_in(&f->client);
	f->as_admin = signed_in(&f->admin);
	return true;
}

static void
fixture_close(struct fixture *f)
{
	db_close(f->db);
	arena_free(f->arena);
}

static struct account_request
request(struct fixture *f, const struct auth *auth)
{
	struct account_request r = {
		.db = f->db, .arena = f->arena, .ip = "192.0.2.1",
		.base_url = "http://test", .auth = auth, .now = NOW,
	};
	return r;
}

/* A valid profile for a form to submit. */
static void
sample(struct therapist *t, const char *name)
{
	therapist_init(t);
	t->name = name;
	t->credentials = "LMFT";
	t->license_number = "LMFT-123";
	t->license_regions = "US-TX";
	t->certifications = 1u << CERT_CERTIFIED_IMAGO_THERAPIST;
	t->formats = 1u << FORMAT_ONLINE;
	t->languages = "en";
	t->email = "practice@example.org";
	t->bio = "Couples work.";
}

/* An imported profile (no owner); email may be "". */
static int64_t
imported(struct fixture *f, const char *external_id, const char *email)
{
	struct therapist t;
	sample(&t, "Imported Person");
	t.external_id = external_id;
	t.email = email;
	struct err e = ERR_INIT;
	if (therapist_validate(&t, f->arena, &e) < 0 || therapist_upsert(f->db, &t, &e) < 0)
		test_fail(__FILE__, __LINE__, "import: %s", e.message);
	return t.id;
}

/* The rows of a query, columns joined by '|', rows by '\n' (malloc). */
static char *
query(sqlite3 *db, const char *sql)
{
	struct buf b = BUF_INIT;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		test_fail(__FILE__, __LINE__, "%s: %s", sql, sqlite3_errmsg(db));
		return buf_detach(&b);
	}
	for (int row = 0; sqlite3_step(st) == SQLITE_ROW; row++) {
		if (row)
			buf_putc(&b, '\n');
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *s = sqlite3_column_text(st, i);
			buf_printf(&b, "%s%s", i ? "|" : "", s ? (const char *)s : "NULL");
		}
	}
	sqlite3_finalize(st);
	return buf_detach(&b);
}

static long long
query_int(sqlite3 *db, const char *sql)
{
	char *s = query(db, sql);
	long long v = strtoll(s, NULL, 10);
	free(s);
	return v;
}

#define CHECK_QUERY(db, sql, want) do { char *q_ = query((db), (sql)); \
	CHECK_STR(q_, (want)); free(q_); } while (0)

/* The audit actions recorded for a therapist, oldest first, joined by ' '. */
static char *
audit_actions(sqlite3 *db, int64_t id)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT coalesce(group_concat(action, ' '), '') FROM (SELECT action"
	    " FROM audit_log WHERE target_type = 'therapist' AND target_id = '%lld'"
	    " ORDER BY id)", (long long)id);
	return query(db, sql);
}

#define CHECK_AUDIT(db, id, want) do { char *a_ = audit_actions((db), (id)); \
	CHECK_STR(a_, (want)); free(a_); } while (0)

/* Every column of a row, to show that a refused action changed nothing. */
static char *
row_dump(sqlite3 *db, int64_t id)
{
	char sql[80];
	snprintf(sql, sizeof(sql), "SELECT * FROM therapists WHERE id = %lld", (long long)id);
	return query(db, sql);
}

static long long
version(sqlite3 *db)
{
	return db_meta_get(db, "therapists_version");
}

#define CHECK_ERR(e, want_status, want_code) do { \
	CHECK_INT((e).status, (want_status)); CHECK_STR((e).code, (want_code)); \
	err_clear(&(e)); } while (0)

/* The token in the last claim mail to `to` (static), or "". */
static const char *
mailed_token(sqlite3 *db, const char *to)
{
	static char token[TOKEN_TEXT_LEN + 1];
	token[0] = '\0';
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(db, "SELECT body FROM outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1",
	    -1, &st, NULL);
	sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(st, 0);
		const char *p = strstr(body, "/account/claim?token=");
		if (p != NULL && strlen(p + 21) >= TOKEN_TEXT_LEN) {
			memcpy(token, p + 21, TOKEN_TEXT_LEN);
			token[TOKEN_TEXT_LEN] = '\0';
		}
	}
	sqlite3_finalize(st);
	return token;
}

/* ---- creating and reading --------------------------------------------- */

TEST(profile_create_then_get)
{
	struct fixture f;
	if (!fixture_open(&f, "create", false))
		return;
	struct account_request r = request(&f, &f.as_therapist);
	struct err e = ERR_INIT;
	int64_t id = -1;
	CHECK_INT(profile_find_own(&r, &id, &e), 1);
	CHECK_INT(id, 0);

	long long v = version(f.db);
	struct therapist t;
	sample(&t, "  Ana Ruiz ");
	t.external_id = "sneaky";	/* only imports set these */
	t.verified = true;
	t.verified_at = "2020-01-01";
	t.hidden = true;
	CHECK_INT(profile_create(&r, &t, &e), 0);
	CHECK(t.id > 0);
	CHECK(version(f.db) > v);
	CHECK_INT(profile_find_own(&r, &id, &e), 0);
	CHECK_INT(id, t.id);

	struct profile p;
	CHECK_INT(profile_get(&r, t.id, &p, &e), 0);
	CHECK_STR(p.t.name, "Ana Ruiz");
	CHECK(p.t.external_id == NULL);
	CHECK_STR(p.t.license_regions, "US-TX");
	CHECK_STR(p.t.email, "practice@example.org");
	CHECK_INT(p.owner_user_id, f.therapist.id);
	CHECK(!p.t.verified);
	CHECK(p.t.verified_at == NULL);
	CHECK(p.verified_by == NULL);
	CHECK(!p.t.hidden);
	CHECK(!p.t.has_location);	/* online only: nothing to place */

	/* The owner's view: the public fields and the state. */
	struct buf out = BUF_INIT;
	struct jw j;
	jw_init(&j, &out);
	profile_json(&j, &p);
	CHECK(strstr(buf_cstr(&out), "\"name\":\"Ana Ruiz\"") != NULL);
	CHECK(strstr(buf_cstr(&out), "\"licensed_therapist\":true") != NULL);
	char want[64];
	snprintf(want, sizeof(want), "\"owner_user_id\":%lld", (long long)f.therapist.id);
	CHECK(strstr(buf_cstr(&out), want) != NULL);
	CHECK(strstr(buf_cstr(&out), "\"hidden\":false,\"verified_by\":null}") != NULL);
	CHECK(strstr(buf_cstr(&out), "\"verified\":false,\"verified_at\":null") != NULL);
	buf_free(&out);

	CHECK_AUDIT(f.db, t.id, "therapist.create");
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT actor, ip, detail FROM audit_log"
	    " WHERE target_id = '%lld'", (long long)t.id);
	char *row = query(f.db, sql);
	char *want_row = NULL;
	struct buf w = BUF_INIT;
	buf_printf(&w, "%s|192.0.2.1|", f.therapist.audit_ref);
	want_row = buf_detach(&w);
	CHECK_STR(row, want_row);
	free(row);
	free(want_row);
	fixture_close(&f);
}

TEST(profile_create_one_per_account)
{
	struct fixture f;
	if (!fixture_open(&f, "create_twice", false))
		return;
	struct account_request r = request(&f, &f.as_therapist);
	struct err e = ERR_INIT;
	struct therapist t;
	sample(&t, "First");
	CHECK_INT(profile_create(&r, &t, &e), 0);
	long long v = version(f.db);
	struct therapist second;
	sample(&second, "Second");
	CHECK_INT(profile_create(&r, &second, &e), -1);
	CHECK_STR(e.param, "");
	CHECK_ERR(e, 409, "profile_exists");
	CHECK_INT(second.id, 0);
	CHECK_INT(query_int(f.db, "SELECT count(*) FROM therapists"), 1);
	CHECK_INT(query_int(f.db, "SELECT count(*) FROM audit_log"), 1);
	CHECK_INT(version(f.db), v);
	fixture_close(&f);
}

TEST(profile_create_needs_a_therapist)
{
	struct fixture f;
	if (!fixture_open(&f, "create_role", false))
		return;
	struct err e = ERR_INIT;
	struct therapist t;

	struct account_request r = request(&f, &f.as_client);
	sample(&t, "Client");
	CHECK_INT(profile_create(&r, &t, &e), -1);
	CHECK_ERR(e, 403, "role_required");

	/* An admin without the therapist role does not get a profile either. */
	r = request(&f, &f.as_admin);
	sample(&t, "Admin");
	CHECK_INT(profile_create(&r, &t, &e), -1);
	CHECK_ERR(e, 403, "role_required");

	r = request(&f, NULL);
	sample(&t, "Nobody");
	CHECK_INT(profile_create(&r, &t, &e), -1);
	CHECK_ERR(e, 401, "authentication_required");

	/* A therapist who has not finished two-step set-up. */
	struct auth half = f.as_therapist;
	half.needs_two_step = true;
	r = request(&f, &half);
	sample(&t, "Half");
	CHECK_INT(profile_create(&r, &t, &e), -1);
	CHECK_ERR(e, 403, "two_step_required");

	CHECK_INT(query_int(f.db, "SELECT count(*) FROM therapists"), 0);
	CHECK_INT(query_int(f.db, "SELECT count(*) FROM audit_log"), 0);
	fixture_close(&f);
}

TEST(profile_create_invalid_writes_nothing)
{
	struct fixture f;
	if (!fixture_open(&f, "create_invalid", false))
		return;
	struct account_request r = request(&f, &f.as_therapist);
	struct err e = ERR_INIT;
	struct therapist t;
	sample(&t, "Bad Site");
	t.website = "javascript:alert(1)";
	CHECK_INT(profile_create(&r, &t, &e), -1);
	CHECK_STR(e.param, "website");
	CHECK_ERR(e, 400, "invalid_parameter");
	CHECK_INT(t.id, 0);
	CHECK_INT(query_int(f.db, "SELECT count(*) FROM therapists"), 0);
	CHECK_INT(query_int(f.db, "SELECT count(*) FROM audit_log"), 0);
	fixture_close(&f);
}

/* ---- access ----------------------------------------------------------- */

TEST(profile_someone_elses_is_not_found)
{
	struct fixture f;
	if (!fixture_open(&f, "others", false))
		return;
	struct account_request mine = request(&f, &f.as_therapist);
	struct err e = ERR_INIT;
	struct therapist t;
	sample(&t, "Mine");
	CHECK_INT(profile_create(&mine, &t, &e), 0);
	char *before = row_dump(f.db, t.id);

	const struct auth *strangers[] = { &f.as_other, &f.as_client, NULL };
	for (int i = 0; i < 3; i++) {
		struct account_request r = request(&f, strangers[i]);
		struct profile p;
		CHECK_INT(profile_get(&r, t.id, &p, &e), -1);
		CHECK_STR(e.param, "id");
		CHECK_ERR(e, 404, "not_found");
		struct therapist edit;
		sample(&edit, "Taken Over");
		CHECK_INT(profile_update(&r, t.id, &edit, &e), -1);
		CHECK_ERR(e, 404, "not_found");
		/* The same answer as for an id that does not exist. */
		CHECK_INT(profile_get(&r, t.id + 100, &p, &e), -1);
		CHECK_ERR(e, 404, "not_found");
	}
	char *after = row_dump(f.db, t.id);
	CHECK_STR(after, before);
	CHECK_AUDIT(f.db, t.id, "therapist.create");
	free(before);
	free(after);
	fixture_close(&f);
}

TEST(profile_admin_can_update)
{
	struct fixture f;
	if (!fixture_open(&f, "admin_update", false))
		return;
	struct account_request mine = request(&f, &f.as_therapist);
	struct err e = ERR_INIT;
	struct therapist t;
	sample(&t, "Mine");
	CHECK_INT(profile_create(&mine, &t, &e), 0);

	struct account_request r = request(&f, &f.as_admin);
	struct profile p;
	CHECK_INT(profile_get(&r, t.id, &p, &e), 0);
	long long v = version(f.db);
	p.t.bio = "Edited by an admin.";
	p.t.phone = "+1 512 555 0100";
	CHECK_INT(profile_update(&r, t.id, &p.t, &e), 0);
	CHECK(version(f.db) > v);

	struct profile q;
	CHECK_INT(profile_get(&mine, t.id, &q, &e), 0);
	CHECK_STR(q.t.bio, "Edited by an admin.");
	CHECK_INT(q.owner_user_id, f.therapist.id);	/* still the owner's */
	CHECK_AUDIT(f.db, t.id, "therapist.create therapist.update");
	CHECK_QUERY(f.db, "SELECT detail FROM audit_log WHERE action = 'therapist.update'",
	    "changed phone, bio");
	char sql[120];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log WHERE actor = '%s'",
	    f.admin.audit_ref);
	CHECK_INT(query_int(f.db, sql), 1);

	/* Sending the same state again changes nothing and records nothing. */
	v = version(f.db);
	CHECK_INT(profile_update(&r, t.id, &q.t, &e), 0);
	CHECK_INT(version(f.db), v);
	CHECK_AUDIT(f.db, t.id, "therapist.create therapist.update");
	fixture_close(&f);
}

TEST(profile_update_keeps_what_the_editor_does_not_own)
{
	struct fixture f;
	if (!fixture_open(&f, "update_keeps", false))
		return;
	int64_t id = imported(&f, "imp-keep", "office@example.org");
	struct account_request admin = request(&f, &f.as_admin);
	struct err e = ERR_INIT;
	CHECK_INT(profile_verify(&admin, id, true, &e), 0);
	CHECK_INT(profile_set_hidden(&admin, id, true, &e), 0);

	struct profile p;
	CHECK_INT(profile_get(&admin, id, &p, &e), 0);
	struct therapist t = p.t;
	t.bio = "New bio.";
	t.external_id = NULL;
	t.hidden = false;
	t.verified = false;
	t.id = 999;
	CHECK_INT(profile_update(&admin, id, &t, &e), 0);
	CHECK_QUERY(f.db, "SELECT id, external_id, hidden, verified, verified_at,"
	    " verified_by IS NOT NULL, owner_user_id, bio FROM therapists",
	    "1|imp-keep|1|1|2023-11-14|1|NULL|New bio.");
	fixture_close(&f);
}

/* ---- verification ------------------------------------------------------ */

TEST(profile_licence_change_clears_verification)
{
	struct fixture f;
	if (!fixture_open(&f, "licence", false))
		return;
	struct account_request mine = request(&f, &f.as_therapist);
	struct account_request admin = request(&f, &f.as_admin);
	struct err e = ERR_INIT;
	struct therapist t;
	sample(&t, "Mine");
	CHECK_INT(profile_create(&mine, &t, &e), 0);
	CHECK_INT(profile_verify(&admin, t.id, true, &e), 0);

	/* A change the verification did not vouch for keeps it. */
	struct profile p;
	CHECK_INT(profile_get(&mine, t.id, &p, &e), 0);
	p.t.bio = "Longer bio.";
	CHECK_INT(profile_update(&mine, t.id, &p.t, &e), 0);
	CHECK_QUERY(f.db, "SELECT verified, verified_at FROM therapists", "1|2023-11-14");

	const char *changes[] = { "license_number", "license_regions", "certifications" };
	for (int i = 0; i < 3; i++) {
		CHECK_INT(profile_verify(&admin, t.id, true, &e), 0);
		CHECK_INT(profile_get(&mine, t.id, &p, &e), 0);
		CHECK(p.t.verified);
		if (i == 0)
			p.t.license_number = "LMFT-999";
		else if (i == 1)
			p.t.license_regions = "us-tx;US-CA";
		else
			p.t.certifications |= 1u << CERT_SUPERVISOR;
		CHECK_INT(profile_update(&mine, t.id, &p.t, &e), 0);
		CHECK(!p.t.verified);
		CHECK_QUERY(f.db, "SELECT verified, verified_at, verified_by FROM therapists",
		    "0|NULL|NULL");
		char want[120];
		snprintf(want, sizeof(want), "changed %s; verification cleared", changes[i]);
		CHECK_QUERY(f.db, "SELECT detail FROM audit_log WHERE action = 'therapist.update'"
		    " ORDER BY id DESC LIMIT 1", want);
	}
	/* Lists are compared as stored: the same regions in another order
	 * and case are no change. */
	CHECK_INT(profile_verify(&admin, t.id, true, &e), 0);
	CHECK_INT(profile_get(&mine, t.id, &p, &e), 0);
	p.t.license_regions = "us-ca; US-TX";
	CHECK_INT(profile_update(&mine, t.id, &p.t, &e), 0);
	CHECK_QUERY(f.db, "SELECT verified FROM therapists", "1");
	fixture_close(&f);
}

TEST(profile_verify_and_unverify)
{
	struct fixture f;
	if (!fixture_open(&f, "verify", false))
		return;
	int64_t id = imported(&f, "imp-verify", "office@example.org");
	struct err e = ERR_INIT;

	/* Not for therapists, their own profile included: 404. */
	struct account_request mine = request(&f, &f.as_therapist);
	CHECK_INT(profile_verify(&mine, id, true, &e), -1);
	CHECK_ERR(e, 404, "not_found");

	struct account_request admin = request(&f, &f.as_admin);
	long long v = version(f.db);
	CHECK_INT(profile_verify(&admin, id, true, &e), 0);
	CHECK(version(f.db) > v);
	struct profile p;
	CHECK_INT(profile_get(&admin, id, &p, &e), 0);
	CHECK(p.t.verified);
	CHECK_STR(p.t.verified_at, "2023-11-14");
	CHECK_STR(p.verified_by, f.admin.audit_ref);

	v = version(f.db);
	CHECK_INT(profile_verify(&admin, id, false, &e), 0);
	CHECK(version(f.db) > v);
	CHECK_QUERY(f.db, "SELECT verified, verified_at, verified_by FROM therapists",
	    "0|NULL|NULL");

	CHECK_INT(profile_verify(&admin, id + 1, true, &e), -1);
	CHECK_ERR(e, 404, "not_found");
	CHECK_AUDIT(f.db, id, "therapist.verify therapist.unverify");
	fixture_close(&f);
}

TEST(profile_hide_and_unhide)
{
	struct fixture f;
	if (!fixture_open(&f, "hide", false))
		return;
	struct account_request mine = request(&f, &f.as_therapist);
	struct account_request admin = request(&f, &f.as_admin);
	struct err e = ERR_INIT;
	struct therapist t;
	sample(&t, "Mine");
	CHECK_INT(profile_create(&mine, &t, &e), 0);

	CHECK_INT(profile_set_hidden(&mine, t.id, true, &e), -1);
	CHECK_ERR(e, 404, "not_found");

	long long v = version(f.db);
	CHECK_INT(profile_set_hidden(&admin, t.id, true, &e), 0);
	CHECK(version(f.db) > v);
	/* Gone from the public directory, still there for its owner. */
	struct therapist pub;
	CHECK_INT(therapist_get(f.db, t.id, f.arena, &pub, &e), 1);
	struct profile p;
	CHECK_INT(profile_get(&mine, t.id, &p, &e), 0);
	CHECK(p.t.hidden);
	int64_t own;
	CHECK_INT(profile_find_own(&mine, &own, &e), 0);
	CHECK_INT(own, t.id);

	v = version(f.db);
	CHECK_INT(profile_set_hidden(&admin, t.id, false, &e), 0);
	CHECK(version(f.db) > v);
	CHECK_INT(therapist_get(f.db, t.id, f.arena, &pub, &e), 0);
	CHECK(!pub.hidden);

	CHECK_INT(profile_set_hidden(&admin, t.id + 1, true, &e), -1);
	CHECK_ERR(e, 404, "not_found");
	CHECK_AUDIT(f.db, t.id, "therapist.create therapist.hide therapist.unhide");
	fixture_close(&f);
}

TEST(profile_pending_list)
{
	struct fixture f;
	if (!fixture_open(&f, "pending", false))
		return;
	struct err e = ERR_INIT;
	struct account_request mine = request(&f, &f.as_therapist);
	struct account_request other = request(&f, &f.as_other);
	struct account_request admin = request(&f, &f.as_admin);
	struct therapist a, b;
	sample(&a, "First Owner");
	sample(&b, "Second Owner");
	b.license_regions = "US-NY;US-CA";
	CHECK_INT(profile_create(&mine, &a, &e), 0);
	CHECK_INT(profile_create(&other, &b, &e), 0);
	imported(&f, "imp-unowned", "x@example.org");	/* not pending: no owner */
	/* Updated the other way round, so the order is by updated_at. */
	sqlite3_exec(f.db, "UPDATE therapists SET updated_at = '2023-01-02T00:00:00Z'"
	    " WHERE name = 'First Owner'; UPDATE therapists SET updated_at ="
	    " '2023-01-01T00:00:00Z' WHERE name = 'Second Owner'", NULL, NULL, NULL);

	struct buf out = BUF_INIT;
	struct jw j;
	jw_init(&j, &out);
	CHECK_INT(profile_pending_json(&mine, &j, &e), -1);
	CHECK_ERR(e, 404, "not_found");
	CHECK_STR(buf_cstr(&out), "");

	CHECK_INT(profile_pending_json(&admin, &j, &e), 0);
	struct buf want = BUF_INIT;
	buf_printf(&want, "{\"profiles\":["
	    "{\"id\":%lld,\"name\":\"Second Owner\",\"owner_email\":\"%s\","
	    "\"license_number\":\"LMFT-123\",\"license_regions\":[\"US-CA\",\"US-NY\"],"
	    "\"certifications\":[\"certified_imago_therapist\"],"
	    "\"updated_at\":\"2023-01-01T00:00:00Z\"},"
	    "{\"id\":%lld,\"name\":\"First Owner\",\"owner_email\":\"%s\","
	    "\"license_number\":\"LMFT-123\",\"license_regions\":[\"US-TX\"],"
	    "\"certifications\":[\"certified_imago_therapist\"],"
	    "\"updated_at\":\"2023-01-02T00:00:00Z\"}]}",
	    (long long)b.id, f.other.email, (long long)a.id, f.therapist.email);
	CHECK_STR(buf_cstr(&out), buf_cstr(&want));

	/* Verified ones leave the list. */
	CHECK_INT(profile_verify(&admin, b.id, true, &e), 0);
	buf_reset(&out);
	jw_init(&j, &out);
	CHECK_INT(profile_pending_json(&admin, &j, &e), 0);
	CHECK(strstr(buf_cstr(&out), "Second Owner") == NULL);
	CHECK(strstr(buf_cstr(&out), "First Owner") != NULL);
	buf_free(&want);
	buf_free(&out);
	fixture_close(&f);
}

/* ---- claiming ---------------------------------------------------------- */

TEST(profile_claim_by_mail)
{
	struct fixture f;
	if (!fixture_open(&f, "claim", false))
		return;
	int64_t id = imported(&f, "imp-claim", "office@example.org");
	struct account_request mine = request(&f, &f.as_therapist);
	struct account_request other = request(&f, &f.as_other);
	struct err e = ERR_INIT;

	CHECK_INT(profile_claim_request(&mine, id, &e), 0);
	CHECK_INT(query_int(f.db, "SELECT count(*) FROM outbox"), 1);
	CHECK_QUERY(f.db, "SELECT to_addr, subject FROM outbox",
	    "office@example.org|Confirm that you manage this imago listing");
	char *body = query(f.db, "SELECT body FROM outbox");
	CHECK(strstr(body, "http://test/account/claim?token=") != NULL);
	CHECK(strstr(body, f.therapist.email) != NULL);
	CHECK(strstr(body, "\"Imported Person\"") != NULL);
	CHECK(strstr(body, "If you did not ask for this, ignore this message.") != NULL);
	free(body);
	const char *token = mailed_token(f.db, "office@example.org");
	CHECK_INT(strlen(token), TOKEN_TEXT_LEN);
	char saved[TOKEN_TEXT_LEN + 1];
	snprintf(saved, sizeof(saved), "%s", token);
	/* Requesting changes no profile. */
	CHECK_QUERY(f.db, "SELECT owner_user_id FROM therapists", "NULL");

	/* Another account opening the link is told it is invalid, and the
	 * link still works for the one that asked. */
	int64_t got = -1;
	CHECK_INT(profile_claim_confirm(&other, saved, &got, &e), -1);
	CHECK_STR(e.param, "token");
	CHECK_STR(e.message, "this link is invalid or has expired");
	CHECK_ERR(e, 400, "invalid_token");
	CHECK_INT(got, 0);
	CHECK_INT(profile_claim_confirm(&mine, "not-a-token", &got, &e), -1);
	CHECK_ERR(e, 400, "invalid_token");

	long long v = version(f.db);
	CHECK_INT(profile_claim_confirm(&mine, saved, &got, &e), 0);
	CHECK_INT(got, id);
	CHECK(version(f.db) > v);
	struct profile p;
	CHECK_INT(profile_get(&mine, id, &p, &e), 0);
	CHECK_INT(p.owner_user_id, f.therapist.id);
	CHECK_STR(p.t.external_id, "imp-claim");
	int64_t own;
	CHECK_INT(profile_find_own(&mine, &own, &e), 0);
	CHECK_INT(own, id);

	/* Once only. */
	CHECK_INT(profile_claim_confirm(&mine, saved, &got, &e), -1);
	CHECK_ERR(e, 400, "invalid_token");
	/* Now owned: nobody else may ask. */
	CHECK_INT(profile_claim_request(&other, id, &e), -1);
	CHECK_ERR(e, 409, "already_claimed");
	/* And the owner may not claim a second profile. */
	int64_t second = imported(&f, "imp-second", "second@example.org");
	CHECK_INT(profile_claim_request(&mine, second, &e), -1);
	CHECK_STR(e.param, "");
	CHECK_ERR(e, 409, "profile_exists");
	CHECK_INT(query_int(f.db, "SELECT count(*) FROM outbox"), 1);
	CHECK_AUDIT(f.db, id, "therapist.claim_requested therapist.claimed");
	CHECK_AUDIT(f.db, second, "");
	fixture_close(&f);
}

TEST(profile_claim_refusals)
{
	struct fixture f;
	if (!fixture_open(&f, "claim_refused", false))
		return;
	struct account_request mine = request(&f, &f.as_therapist);
	struct account_request other = request(&f, &f.as_other);
	struct account_request admin = request(&f, &f.as_admin);
	struct account_request client = request(&f, &f.as_client);
	struct err e = ERR_INIT;

	int64_t silent = imported(&f, "imp-silent", "");
	CHECK_INT(profile_claim_request(&mine, silent, &e), -1);
	CHECK_ERR(e, 422, "no_email");

	int64_t id = imported(&f, "imp-target", "office@example.org");
	CHECK_INT(profile_claim_request(&client, id, &e), -1);
	CHECK_ERR(e, 403, "role_required");
	CHECK_INT(profile_claim_request(&mine, id + 100, &e), -1);
	CHECK_ERR(e, 404, "not_found");
	CHECK_INT(profile_set_hidden(&admin, id, true, &e), 0);
	CHECK_INT(profile_claim_request(&mine, id, &e), -1);
	CHECK_ERR(e, 404, "not_found");
	CHECK_INT(profile_set_hidden(&admin, id, false, &e), 0);

	/* A profile created in the app has an owner from the start. */
	struct therapist t;
	sample(&t, "Other's");
	CHECK_INT(profile_create(&other, &t, &e), 0);
	CHECK_INT(profile_claim_request(&mine, t.id, &e), -1);
	CHECK_ERR(e, 409, "already_claimed");

	/* Claimed by someone else between the request and the link. */
	CHECK_INT(profile_claim_request(&mine, id, &e), 0);
	char token[TOKEN_TEXT_LEN + 1];
	snprintf(token, sizeof(token), "%s", mailed_token(f.db, "office@example.org"));
	sqlite3_exec(f.db, "UPDATE therapists SET owner_user_id = (SELECT id FROM users"
	    " WHERE display_name = 'admin') WHERE external_id = 'imp-target'",
	    NULL, NULL, NULL);
	int64_t got;
	CHECK_INT(profile_claim_confirm(&mine, token, &got, &e), -1);
	CHECK_ERR(e, 409, "already_claimed");

	CHECK_INT(query_int(f.db, "SELECT count(*) FROM outbox"), 1);
	CHECK_AUDIT(f.db, silent, "");
	CHECK_AUDIT(f.db, id, "therapist.hide therapist.unhide therapist.claim_requested");
	fixture_close(&f);
}

/* ---- a refused update -------------------------------------------------- */

TEST(profile_invalid_update_changes_nothing)
{
	struct fixture f;
	if (!fixture_open(&f, "update_invalid", false))
		return;
	struct account_request mine = request(&f, &f.as_therapist);
	struct err e = ERR_INIT;
	struct therapist t;
	sample(&t, "Mine");
	CHECK_INT(profile_create(&mine, &t, &e), 0);
	char *before = row_dump(f.db, t.id);
	long long v = version(f.db);
	long long audits = query_int(f.db, "SELECT count(*) FROM audit_log");

	struct profile p;
	CHECK_INT(profile_get(&mine, t.id, &p, &e), 0);
	p.t.bio = "A new bio that must not be saved.";
	p.t.fee_min = 200;
	p.t.fee_max = 100;
	CHECK_INT(profile_update(&mine, t.id, &p.t, &e), -1);
	CHECK_STR(e.param, "fee_max");
	CHECK_ERR(e, 400, "invalid_parameter");

	CHECK_INT(profile_get(&mine, t.id, &p, &e), 0);
	p.t.name = "   ";
	CHECK_INT(profile_update(&mine, t.id, &p.t, &e), -1);
	CHECK_STR(e.param, "name");
	CHECK_ERR(e, 400, "invalid_parameter");

	char *after = row_dump(f.db, t.id);
	CHECK_STR(after, before);
	CHECK_INT(version(f.db), v);
	CHECK_INT(query_int(f.db, "SELECT count(*) FROM audit_log"), audits);
	CHECK_INT(query_int(f.db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'therapist.update'"), 0);
	free(before);
	free(after);
	fixture_close(&f);
}

/* ---- location ---------------------------------------------------------- */

TEST(profile_unplaced_without_gazetteer)
{
	struct fixture f;
	if (!fixture_open(&f, "no_gazetteer", false))
		return;
	struct account_request mine = request(&f, &f.as_therapist);
	struct err e = ERR_INIT;
	struct therapist t;
	sample(&t, "In Austin");
	t.city = "Austin";
	t.region = "TX";
	t.country = "US";
	CHECK_INT(profile_create(&mine, &t, &e), 0);
	CHECK_QUERY(f.db, "SELECT city, lat, lon FROM therapists", "Austin|NULL|NULL");
	fixture_close(&f);
}

TEST(profile_placed_from_address)
{
	struct fixture f;
	if (!fixture_open(&f, "placed", true))
		return;
	struct account_request mine = request(&f, &f.as_therapist);
	struct err e = ERR_INIT;
	struct therapist t;
	sample(&t, "In Austin");
	t.address = "1 Congress Ave";
	t.city = "Austin";
	t.region = "TX";
	t.country = "US";
	CHECK_INT(profile_create(&mine, &t, &e), 0);
	CHECK_QUERY(f.db, "SELECT lat, lon FROM therapists", "30.26715|-97.74306");

	/* The stored point sent back with a new address: placed afresh. */
	struct profile p;
	CHECK_INT(profile_get(&mine, t.id, &p, &e), 0);
	p.t.city = "";
	p.t.region = "";
	p.t.postal_code = "10001";
	CHECK_INT(profile_update(&mine, t.id, &p.t, &e), 0);
	CHECK_QUERY(f.db, "SELECT lat, lon FROM therapists", "40.7484|-73.9967");
	CHECK_QUERY(f.db, "SELECT detail FROM audit_log WHERE action = 'therapist.update'",
	    "changed city, region, postal_code, location");

	/* No point sent and the address unchanged: the stored point stays. */
	CHECK_INT(profile_get(&mine, t.id, &p, &e), 0);
	p.t.has_location = false;
	p.t.bio = "Moved to New York.";
	CHECK_INT(profile_update(&mine, t.id, &p.t, &e), 0);
	CHECK_QUERY(f.db, "SELECT lat, lon FROM therapists", "40.7484|-73.9967");

	/* A point chosen on purpose is kept, even with a new address. */
	CHECK_INT(profile_get(&mine, t.id, &p, &e), 0);
	p.t.has_location = true;
	p.t.lat = 40.5;
	p.t.lon = -74.25;
	p.t.address = "2 Main St";
	CHECK_INT(profile_update(&mine, t.id, &p.t, &e), 0);
	CHECK_QUERY(f.db, "SELECT lat, lon FROM therapists", "40.5|-74.25");

	/* An address that cannot be placed: no point, but saved. */
	CHECK_INT(profile_get(&mine, t.id, &p, &e), 0);
	p.t.postal_code = "";
	p.t.city = "Nowhereville";
	p.t.region = "ZZ";
	CHECK_INT(profile_update(&mine, t.id, &p.t, &e), 0);
	CHECK_QUERY(f.db, "SELECT city, lat, lon FROM therapists", "Nowhereville|NULL|NULL");
	fixture_close(&f);
}
