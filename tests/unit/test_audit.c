/*
 * The audit log against real databases in the test's temporary
 * directory: appending and verifying, the append-only triggers, tampering
 * behind the triggers' back (edits, removed rows, renumbering, a forged
 * row), concurrent writers on separate connections, appends that roll
 * back with the caller's transaction, field
 * validation and the cleaning of detail, filters and paging, and the
 * listing's JSON.
 */
#include "harness.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/audit/audit.h"
#include "../../src/store/db.h"
#include "../../src/util/buf.h"
#include "../../src/util/jw.h"

static sqlite3 *
audit_db(const char *name)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/%s", test_tmpdir(), name);
	unlink(buf_cstr(&path));
	struct err e = ERR_INIT;
	sqlite3 *db = db_open(buf_cstr(&path), &e);
	if (db == NULL || db_migrate(db, &e) < 0) {
		test_fail(__FILE__, __LINE__, "cannot create %s: %s", buf_cstr(&path),
		    e.message);
		db_close(db);
		db = NULL;
	}
	buf_free(&path);
	return db;
}

static int
append(sqlite3 *db, const char *actor, const char *action, const char *target_type,
    const char *target_id, const char *detail)
{
	struct err e = ERR_INIT;
	struct audit_entry entry = { actor, "127.0.0.1", action, target_type,
	    target_id, detail };
	int rc = audit_append(db, &entry, &e);
	if (rc < 0)
		test_fail(__FILE__, __LINE__, "audit_append %s: %s", action, e.message);
	return rc;
}

static long long
count_rows(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM audit_log", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The text of one column of one row, or "" (caller frees). */
static char *
row_text(sqlite3 *db, const char *column, int64_t id)
{
	struct buf sql = BUF_INIT;
	buf_printf(&sql, "SELECT %s FROM audit_log WHERE id = ?", column);
	sqlite3_stmt *st = NULL;
	struct buf out = BUF_INIT;
	buf_puts(&out, "");
	if (sqlite3_prepare_v2(db, buf_cstr(&sql), -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			buf_put(&out, sqlite3_column_text(st, 0),
			    (size_t)sqlite3_column_bytes(st, 0));
	}
	sqlite3_finalize(st);
	buf_free(&sql);
	return buf_detach(&out);
}

static int
exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Five entries of different kinds. */
static void
append_five(sqlite3 *db)
{
	append(db, "ref_alice", "user.sign_in", "user", "1", "");
	append(db, "ref_bob", "user.sign_in", "user", "2", "");
	append(db, "ref_alice", "therapist.update", "therapist", "7", "fee_min");
	append(db, AUDIT_SYSTEM, "token.expire", "token", "9", "");
	append(db, "ref_alice", "user.password_change", "user", "1", "");
}

TEST(audit_append_and_verify)
{
	sqlite3 *db = audit_db("audit_ok.db");
	if (db == NULL)
		return;
	struct err e = ERR_INIT;
	CHECK_INT(audit_verify(db, &e), 0);
	append_five(db);
	CHECK_INT(audit_verify(db, &e), 5);
	CHECK_STR(e.message, "");

	/* Ids 1..5; the first links to 64 zeros, each later one to the one
	 * before; hashes are 64 hex digits. */
	char *prev = row_text(db, "prev_hash", 1);
	CHECK_STR(prev, "0000000000000000000000000000000000000000000000000000000000000000");
	free(prev);
	for (int64_t id = 2; id <= 5; id++) {
		char *h = row_text(db, "hash", id - 1);
		char *p = row_text(db, "prev_hash", id);
		CHECK_STR(p, h);
		CHECK_INT((long long)strlen(h), 64);
		CHECK(strspn(h, "0123456789abcdef") == 64);
		free(h);
		free(p);
	}

	/* at: UTC ISO 8601 with milliseconds. */
	char *at = row_text(db, "at", 3);
	CHECK_INT((long long)strlen(at), 24);
	CHECK(at[4] == '-' && at[7] == '-' && at[10] == 'T' && at[13] == ':' &&
	    at[16] == ':' && at[19] == '.' && at[23] == 'Z');
	CHECK(strspn(at + 20, "0123456789") == 3);
	free(at);

	char *actor = row_text(db, "actor", 4);
	CHECK_STR(actor, "system");
	free(actor);
	char *ip = row_text(db, "ip", 4);
	CHECK_STR(ip, "127.0.0.1");
	free(ip);

	/* NULL optional fields are stored as "". */
	struct audit_entry bare = { .actor = AUDIT_ANONYMOUS, .action = "page.view" };
	CHECK_INT(audit_append(db, &bare, &e), 0);
	char *tt = row_text(db, "target_type", 6);
	CHECK_STR(tt, "");
	free(tt);
	CHECK_INT(audit_verify(db, &e), 6);
	db_close(db);
}

TEST(audit_triggers_refuse_update_and_delete)
{
	sqlite3 *db = audit_db("audit_triggers.db");
	if (db == NULL)
		return;
	append_five(db);
	CHECK(exec(db, "UPDATE audit_log SET detail = 'x' WHERE id = 3") != SQLITE_OK);
	CHECK(strstr(sqlite3_errmsg(db), "append-only") != NULL);
	CHECK(exec(db, "DELETE FROM audit_log WHERE id = 3") != SQLITE_OK);
	CHECK(exec(db, "DELETE FROM audit_log") != SQLITE_OK);
	CHECK_INT(count_rows(db), 5);
	struct err e = ERR_INIT;
	CHECK_INT(audit_verify(db, &e), 5);
	db_close(db);
}

static void
expect_broken(sqlite3 *db, const char *id_text, int line)
{
	struct err e = ERR_INIT;
	long long n = audit_verify(db, &e);
	if (n != -1)
		test_fail(__FILE__, line, "audit_verify == %lld after tampering", n);
	if (e.status != 500 || strcmp(e.code, "audit_chain_broken") != 0)
		test_fail(__FILE__, line, "error %d %s", e.status, e.code);
	if (strstr(e.message, id_text) == NULL)
		test_fail(__FILE__, line, "\"%s\" does not name %s", e.message, id_text);
}

TEST(audit_tampering_detected)
{
	/* An edited detail. */
	sqlite3 *db = audit_db("audit_edit.db");
	if (db == NULL)
		return;
	append_five(db);
	CHECK_INT(exec(db, "DROP TRIGGER audit_log_no_update"), SQLITE_OK);
	CHECK_INT(exec(db, "UPDATE audit_log SET detail = 'nothing' WHERE id = 3"), SQLITE_OK);
	expect_broken(db, "entry 3:", __LINE__);
	db_close(db);

	/* Any other field, even the time by a millisecond. */
	static const char *const edits[] = {
		"UPDATE audit_log SET actor = 'ref_carol' WHERE id = 2",
		"UPDATE audit_log SET ip = '10.0.0.1' WHERE id = 2",
		"UPDATE audit_log SET action = 'user.sign_out' WHERE id = 2",
		"UPDATE audit_log SET target_type = 'token' WHERE id = 2",
		"UPDATE audit_log SET target_id = '3' WHERE id = 2",
		"UPDATE audit_log SET at = substr(at, 1, 20) || CASE substr(at, 21, 3)"
		    " WHEN '999' THEN '998' ELSE '999' END || 'Z' WHERE id = 2",
		"UPDATE audit_log SET hash = prev_hash WHERE id = 2",
		"UPDATE audit_log SET prev_hash = hash WHERE id = 2",
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		db = audit_db("audit_edit2.db");
		if (db == NULL)
			return;
		append_five(db);
		CHECK_INT(exec(db, "DROP TRIGGER audit_log_no_update"), SQLITE_OK);
		CHECK_INT(exec(db, edits[i]), SQLITE_OK);
		CHECK_INT(sqlite3_changes(db), 1);
		expect_broken(db, "entry 2:", __LINE__);
		db_close(db);
	}

	/* A row removed from the middle. */
	db = audit_db("audit_delete.db");
	if (db == NULL)
		return;
	append_five(db);
	CHECK_INT(exec(db, "DROP TRIGGER audit_log_no_delete"), SQLITE_OK);
	CHECK_INT(exec(db, "DELETE FROM audit_log WHERE id = 2"), SQLITE_OK);
	expect_broken(db, "entry 3:", __LINE__);
	db_close(db);

	/* The first row removed. */
	db = audit_db("audit_delete_first.db");
	if (db == NULL)
		return;
	append_five(db);
	CHECK_INT(exec(db, "DROP TRIGGER audit_log_no_delete"), SQLITE_OK);
	CHECK_INT(exec(db, "DELETE FROM audit_log WHERE id = 1"), SQLITE_OK);
	expect_broken(db, "entry 2:", __LINE__);
	db_close(db);

	/* Rows renumbered to hide a gap: the id is hashed. */
	db = audit_db("audit_renumber.db");
	if (db == NULL)
		return;
	append_five(db);
	CHECK_INT(exec(db, "DROP TRIGGER audit_log_no_delete"), SQLITE_OK);
	CHECK_INT(exec(db, "DROP TRIGGER audit_log_no_update"), SQLITE_OK);
	CHECK_INT(exec(db, "DELETE FROM audit_log WHERE id = 2;"
	    "UPDATE audit_log SET id = id - 1 WHERE id > 2"), SQLITE_OK);
	expect_broken(db, "entry 2:", __LINE__);
	db_close(db);

	/* A forged row inserted (no trigger stops INSERT) with a made-up
	 * hash: a genuine append chained after it does not hide it. */
	db = audit_db("audit_forge.db");
	if (db == NULL)
		return;
	append_five(db);
	CHECK_INT(exec(db, "INSERT INTO audit_log (id, at, actor, action, prev_hash, hash)"
	    " SELECT 6, at, 'ref_mallory', 'user.sign_in', hash, hash FROM audit_log"
	    " WHERE id = 5"), SQLITE_OK);
	append(db, "ref_alice", "user.sign_out", "user", "1", "");
	expect_broken(db, "entry 6:", __LINE__);
	CHECK_INT(count_rows(db), 7);
	db_close(db);
}

/* Writers on their own connections, appending at once: BEGIN IMMEDIATE
 * must keep every read-last-then-insert whole, or two rows would chain
 * to the same predecessor (or collide on an id). */
#define WRITERS 4
#define WRITES 40

struct writer {
	const char	*path;
	int		 failures;
};

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	struct err e = ERR_INIT;
	sqlite3 *db = db_open(w->path, &e);
	if (db == NULL) {
		w->failures = WRITES;
		return NULL;
	}
	for (int i = 0; i < WRITES; i++) {
		struct audit_entry entry = { "ref_w", "", "test.write", "", "", "" };
		/* Half in a transaction of the writer's own, as a flow would. */
		bool own = i % 2 == 1;
		if (own && db_exec(db, "BEGIN IMMEDIATE", &e) < 0) {
			w->failures++;
			continue;
		}
		if (audit_append(db, &entry, &e) < 0)
			w->failures++;
		if (own && db_exec(db, "COMMIT", &e) < 0)
			w->failures++;
	}
	db_close(db);
	return NULL;
}

TEST(audit_concurrent_writers)
{
	sqlite3 *db = audit_db("audit_concurrent.db");
	if (db == NULL)
		return;
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/audit_concurrent.db", test_tmpdir());
	struct writer w[WRITERS];
	pthread_t t[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ buf_cstr(&path), 0 };
		CHECK_INT(pthread_create(&t[i], NULL, writer_run, &w[i]), 0);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(w[i].failures, 0);
	}
	struct err e = ERR_INIT;
	CHECK_INT(audit_verify(db, &e), WRITERS * WRITES);
	CHECK_STR(e.message, "");
	buf_free(&path);
	db_close(db);
}

TEST(audit_rolls_back_with_the_caller)
{
	sqlite3 *db = audit_db("audit_tx.db");
	if (db == NULL)
		return;
	struct err e = ERR_INIT;
	CHECK_INT(exec(db, "BEGIN IMMEDIATE"), SQLITE_OK);
	append(db, "ref_alice", "user.sign_in", "user", "1", "");
	append(db, "ref_alice", "user.sign_out", "user", "1", "");
	CHECK(!sqlite3_get_autocommit(db));	/* still the caller's transaction */
	CHECK_INT(exec(db, "ROLLBACK"), SQLITE_OK);
	CHECK_INT(count_rows(db), 0);
	CHECK_INT(audit_verify(db, &e), 0);

	/* Committed with the caller, chained on from what is there. */
	append(db, "ref_bob", "user.sign_in", "user", "2", "");
	CHECK_INT(exec(db, "BEGIN IMMEDIATE"), SQLITE_OK);
	append(db, "ref_alice", "user.sign_in", "user", "1", "");
	CHECK_INT(exec(db, "COMMIT"), SQLITE_OK);
	CHECK_INT(count_rows(db), 2);
	CHECK_INT(audit_verify(db, &e), 2);

	/* A refused entry inside the caller's transaction leaves it open
	 * and usable. */
	CHECK_INT(exec(db, "BEGIN IMMEDIATE"), SQLITE_OK);
	struct audit_entry bad = { .actor = "ref_bob", .action = "Bad Action" };
	CHECK_INT(audit_append(db, &bad, &e), -1);
	CHECK(!sqlite3_get_autocommit(db));
	append(db, "ref_bob", "user.sign_out", "user", "2", "");
	CHECK_INT(exec(db, "COMMIT"), SQLITE_OK);
	err_clear(&e);
	CHECK_INT(audit_verify(db, &e), 3);
	db_close(db);
}

TEST(audit_rejects_bad_fields)
{
	sqlite3 *db = audit_db("audit_fields.db");
	if (db == NULL)
		return;
	char long65[66], long33[34];
	memset(long65, 'a', 65);
	long65[65] = '\0';
	memset(long33, 'a', 33);
	long33[33] = '\0';
	static const struct audit_entry good = { "ref_a", "", "user.sign_in", "user",
	    "1", "" };
	const struct { const char *field, *value; } cases[] = {
		{ "action", "" }, { "action", NULL }, { "action", "User.sign_in" },
		{ "action", "user sign_in" }, { "action", "user-sign-in" },
		{ "action", "user.\xc3\xa9" }, { "action", long65 },
		{ "actor", "" }, { "actor", NULL }, { "actor", long65 },
		{ "actor", "ref\na" }, { "actor", "ref\x7f" }, { "actor", "ref\xc2\x85" },
		{ "actor", "\xe2\x80\xae" "fer" }, { "actor", "ref\xff" },
		{ "ip", long65 }, { "ip", "1.2.3.4\r" }, { "ip", "\xc0\xae" },
		{ "target_type", long33 }, { "target_type", "user\t" },
		{ "target_id", long65 }, { "target_id", "1\x1b[2J" },
		{ "target_id", "\xed\xa0\x80" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct audit_entry entry = good;
		if (strcmp(cases[i].field, "action") == 0)
			entry.action = cases[i].value;
		else if (strcmp(cases[i].field, "actor") == 0)
			entry.actor = cases[i].value;
		else if (strcmp(cases[i].field, "ip") == 0)
			entry.ip = cases[i].value;
		else if (strcmp(cases[i].field, "target_type") == 0)
			entry.target_type = cases[i].value;
		else
			entry.target_id = cases[i].value;
		struct err e = ERR_INIT;
		if (audit_append(db, &entry, &e) != -1)
			test_fail(__FILE__, __LINE__, "case %zu (%s) accepted", i,
			    cases[i].field);
		else if (e.status != 500 || strcmp(e.param, cases[i].field) != 0)
			test_fail(__FILE__, __LINE__, "case %zu: %d %s", i, e.status,
			    e.param);
	}
	CHECK_INT(count_rows(db), 0);
	CHECK(sqlite3_get_autocommit(db));

	/* The limits themselves are fine, and so is UTF-8 in text fields. */
	char max64[65], max32[33];
	memset(max64, 'b', 64);
	max64[64] = '\0';
	memset(max32, 'c', 32);
	max32[32] = '\0';
	struct audit_entry edge = { max64, max64, "a.b_c.9", max32, max64,
	    "" };
	struct err e = ERR_INIT;
	CHECK_INT(audit_append(db, &edge, &e), 0);
	max64[0] = '.';
	edge.action = max64;
	edge.actor = "r\xc3\xa9" "f";
	CHECK_INT(audit_append(db, &edge, &e), 0);
	CHECK_INT(audit_verify(db, &e), 2);
	db_close(db);
}

TEST(audit_cleans_detail)
{
	sqlite3 *db = audit_db("audit_detail.db");
	if (db == NULL)
		return;
	struct err e = ERR_INIT;
	const struct { const char *in, *want; } cases[] = {
		{ "fee_min 80 -> 90", "fee_min 80 -> 90" },
		{ "a\nb\tc\rd\x01" "e\x7f", "a b c d e " },
		{ "a\xc2\x85" "b", "a b" },			/* C1 control NEL */
		{ "x\xe2\x80\xae" "y\xe2\x80\xa8z", "x y z" },	/* RLO, LINE SEPARATOR */
		{ "a\xff" "b", "a\xef\xbf\xbd" "b" },		/* invalid byte */
		{ "\xc0\xae", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* surrogate */
		{ "Z\xc3\xbcrich \xf0\x9f\x98\x80", "Z\xc3\xbcrich \xf0\x9f\x98\x80" },
		{ "end\xe2\x82", "end\xef\xbf\xbd" },		/* truncated sequence */
	};
	int64_t id = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct audit_entry entry = { "ref_a", "", "x.detail", "", "", cases[i].in };
		CHECK_INT(audit_append(db, &entry, &e), 0);
		char *got = row_text(db, "detail", ++id);
		if (strcmp(got, cases[i].want) != 0)
			test_fail(__FILE__, __LINE__, "case %zu: got \"%s\"", i, got);
		free(got);
	}

	/* Over-long: cut at AUDIT_DETAIL_MAX bytes, never inside a character. */
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct audit_entry entry = { "ref_a", "", "x.detail", "", "", big };
	CHECK_INT(audit_append(db, &entry, &e), 0);
	char *got = row_text(db, "detail", ++id);
	CHECK_INT((long long)strlen(got), AUDIT_DETAIL_MAX);
	free(got);

	/* 499 ASCII bytes then a 2-byte letter: the letter does not fit. */
	memset(big, 'a', AUDIT_DETAIL_MAX - 1);
	memcpy(big + AUDIT_DETAIL_MAX - 1, "\xc3\xa9zzz", 6);
	CHECK_INT(audit_append(db, &entry, &e), 0);
	got = row_text(db, "detail", ++id);
	CHECK_INT((long long)strlen(got), AUDIT_DETAIL_MAX - 1);
	CHECK(strchr(got, '\xc3') == NULL);
	free(got);

	/* Exactly AUDIT_DETAIL_MAX of 4-byte characters (500 = 4 * 125). */
	struct buf emoji = BUF_INIT;
	for (int i = 0; i < 130; i++)
		buf_puts(&emoji, "\xf0\x9f\x98\x80");
	entry.detail = buf_cstr(&emoji);
	CHECK_INT(audit_append(db, &entry, &e), 0);
	got = row_text(db, "detail", ++id);
	CHECK_INT((long long)strlen(got), 500);
	CHECK(strncmp(got, buf_cstr(&emoji), 500) == 0);
	free(got);

	/* A replacement that would cross the limit is dropped whole. */
	buf_reset(&emoji);
	for (int i = 0; i < AUDIT_DETAIL_MAX - 2; i++)
		buf_putc(&emoji, 'b');
	buf_puts(&emoji, "\xff\xff");
	entry.detail = buf_cstr(&emoji);
	CHECK_INT(audit_append(db, &entry, &e), 0);
	got = row_text(db, "detail", ++id);
	CHECK_INT((long long)strlen(got), AUDIT_DETAIL_MAX - 2);
	free(got);
	buf_free(&emoji);

	CHECK_INT(audit_verify(db, &e), id);
	db_close(db);
}

/* Collects the ids audit_list calls back with. */
struct ids {
	int64_t	 id[600];
	int	 n;
};

static void
collect(void *ctx, int64_t id, const char *at, const struct audit_entry *entry)
{
	struct ids *ids = ctx;
	if (ids->n < 600)
		ids->id[ids->n++] = id;
}

static int
list_ids(sqlite3 *db, struct audit_filter f, struct ids *out, int64_t *next)
{
	struct err e = ERR_INIT;
	out->n = 0;
	int rc = audit_list(db, &f, collect, out, next, &e);
	if (rc < 0)
		test_fail(__FILE__, __LINE__, "audit_list: %s", e.message);
	return rc;
}

#define CHECK_IDS(ids, ...) do { \
	const int64_t want_[] = { __VA_ARGS__ }; \
	int nw_ = (int)(sizeof(want_) / sizeof(want_[0])); \
	CHECK_INT((ids).n, nw_); \
	for (int k_ = 0; k_ < nw_ && k_ < (ids).n; k_++) \
		CHECK_INT((ids).id[k_], want_[k_]); \
} while (0)

TEST(audit_list_filters_and_pages)
{
	sqlite3 *db = audit_db("audit_list.db");
	if (db == NULL)
		return;
	append_five(db);	/* 1 alice user.sign_in, 2 bob user.sign_in,
				 * 3 alice therapist.update, 4 system token.expire,
				 * 5 alice user.password_change */
	struct ids ids;
	int64_t next = -1;

	list_ids(db, (struct audit_filter){ .limit = 0 }, &ids, &next);
	CHECK_IDS(ids, 5, 4, 3, 2, 1);
	CHECK_INT(next, 0);

	list_ids(db, (struct audit_filter){ .action = "user." }, &ids, &next);
	CHECK_IDS(ids, 5, 2, 1);
	list_ids(db, (struct audit_filter){ .action = "user.sign_in" }, &ids, &next);
	CHECK_IDS(ids, 2, 1);
	list_ids(db, (struct audit_filter){ .action = "user" }, &ids, &next);
	CHECK_INT(ids.n, 0);
	list_ids(db, (struct audit_filter){ .action = "user.sign" }, &ids, &next);
	CHECK_INT(ids.n, 0);
	list_ids(db, (struct audit_filter){ .action = "." }, &ids, &next);
	CHECK_INT(ids.n, 0);

	list_ids(db, (struct audit_filter){ .actor = "ref_alice" }, &ids, &next);
	CHECK_IDS(ids, 5, 3, 1);
	list_ids(db, (struct audit_filter){ .actor = "ref_alice", .action = "user." },
	    &ids, &next);
	CHECK_IDS(ids, 5, 1);
	list_ids(db, (struct audit_filter){ .target_type = "user", .target_id = "1" },
	    &ids, &next);
	CHECK_IDS(ids, 5, 1);
	list_ids(db, (struct audit_filter){ .target_type = "therapist" }, &ids, &next);
	CHECK_IDS(ids, 3);
	list_ids(db, (struct audit_filter){ .actor = "nobody" }, &ids, &next);
	CHECK_INT(ids.n, 0);
	CHECK_INT(next, 0);

	/* Paging: limit 2 from the end, then before next_before. */
	list_ids(db, (struct audit_filter){ .limit = 2 }, &ids, &next);
	CHECK_IDS(ids, 5, 4);
	CHECK_INT(next, 4);
	list_ids(db, (struct audit_filter){ .limit = 2, .before_id = next }, &ids, &next);
	CHECK_IDS(ids, 3, 2);
	CHECK_INT(next, 2);
	list_ids(db, (struct audit_filter){ .limit = 2, .before_id = next }, &ids, &next);
	CHECK_IDS(ids, 1);
	CHECK_INT(next, 0);
	/* Exactly limit rows left: no next page. */
	list_ids(db, (struct audit_filter){ .limit = 3, .before_id = 4 }, &ids, &next);
	CHECK_IDS(ids, 3, 2, 1);
	CHECK_INT(next, 0);
	/* Paging within a filter. */
	list_ids(db, (struct audit_filter){ .actor = "ref_alice", .limit = 1 }, &ids, &next);
	CHECK_IDS(ids, 5);
	CHECK_INT(next, 5);
	list_ids(db, (struct audit_filter){ .actor = "ref_alice", .limit = 1,
	    .before_id = next }, &ids, &next);
	CHECK_IDS(ids, 3);
	CHECK_INT(next, 3);
	/* next_before may be NULL. */
	list_ids(db, (struct audit_filter){ .limit = 1 }, &ids, NULL);
	CHECK_IDS(ids, 5);
	db_close(db);
}

TEST(audit_list_limit_clamped)
{
	sqlite3 *db = audit_db("audit_limit.db");
	if (db == NULL)
		return;
	struct err e = ERR_INIT;
	CHECK_INT(exec(db, "BEGIN IMMEDIATE"), SQLITE_OK);
	for (int i = 0; i < 510; i++)
		append(db, "ref_a", "page.view", "", "", "");
	CHECK_INT(exec(db, "COMMIT"), SQLITE_OK);
	CHECK_INT(audit_verify(db, &e), 510);

	struct ids ids;
	int64_t next;
	list_ids(db, (struct audit_filter){ .limit = 0 }, &ids, &next);
	CHECK_INT(ids.n, 50);
	CHECK_INT(ids.id[0], 510);
	CHECK_INT(next, 461);
	list_ids(db, (struct audit_filter){ .limit = 1000 }, &ids, &next);
	CHECK_INT(ids.n, 500);
	CHECK_INT(next, 11);
	list_ids(db, (struct audit_filter){ .limit = -5 }, &ids, &next);
	CHECK_INT(ids.n, 1);
	CHECK_INT(next, 510);
	list_ids(db, (struct audit_filter){ .limit = 500, .before_id = 11 }, &ids, &next);
	CHECK_INT(ids.n, 10);
	CHECK_INT(next, 0);
	db_close(db);
}

TEST(audit_list_json_shape)
{
	sqlite3 *db = audit_db("audit_json.db");
	if (db == NULL)
		return;
	append_five(db);
	struct audit_entry quoted = { "ref_q", "::1", "user.note", "user", "3",
	    "say \"hi\" \\ \xc3\xa9" };
	struct err e = ERR_INIT;
	CHECK_INT(audit_append(db, &quoted, &e), 0);

	struct buf out = BUF_INIT;
	struct jw j;
	jw_init(&j, &out);
	CHECK_INT(audit_list_json(db, &(struct audit_filter){ .limit = 4 }, &j, &e), 0);
	json_error_t jerr;
	json_t *root = json_loads(buf_cstr(&out), 0, &jerr);
	CHECK(root != NULL);
	if (root == NULL) {
		test_fail(__FILE__, __LINE__, "not JSON (%s): %s", jerr.text, buf_cstr(&out));
		goto out;
	}
	CHECK_INT((long long)json_object_size(root), 2);
	json_t *entries = json_object_get(root, "entries");
	CHECK(json_is_array(entries));
	CHECK_INT((long long)json_array_size(entries), 4);
	CHECK(json_is_integer(json_object_get(root, "next_before")));
	CHECK_INT(json_integer_value(json_object_get(root, "next_before")), 3);

	json_t *first = json_array_get(entries, 0);
	static const char *const keys[] = { "id", "at", "actor", "ip", "action",
	    "target_type", "target_id", "detail" };
	CHECK_INT((long long)json_object_size(first), 8);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (json_object_get(first, keys[k]) == NULL)
			test_fail(__FILE__, __LINE__, "no \"%s\"", keys[k]);
	CHECK_INT(json_integer_value(json_object_get(first, "id")), 6);
	CHECK_STR(json_string_value(json_object_get(first, "actor")), "ref_q");
	CHECK_STR(json_string_value(json_object_get(first, "ip")), "::1");
	CHECK_STR(json_string_value(json_object_get(first, "action")), "user.note");
	CHECK_STR(json_string_value(json_object_get(first, "target_type")), "user");
	CHECK_STR(json_string_value(json_object_get(first, "target_id")), "3");
	CHECK_STR(json_string_value(json_object_get(first, "detail")),
	    "say \"hi\" \\ \xc3\xa9");
	CHECK_INT((long long)strlen(json_string_value(json_object_get(first, "at"))), 24);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(entries, 3), "id")), 3);
	json_decref(root);

	/* The last page: next_before is null; a filter matching nothing
	 * gives an empty array. */
	buf_reset(&out);
	jw_init(&j, &out);
	CHECK_INT(audit_list_json(db, &(struct audit_filter){ .before_id = 3 }, &j, &e), 0);
	root = json_loads(buf_cstr(&out), 0, &jerr);
	CHECK(root != NULL);
	CHECK_INT((long long)json_array_size(json_object_get(root, "entries")), 2);
	CHECK(json_is_null(json_object_get(root, "next_before")));
	json_decref(root);

	buf_reset(&out);
	jw_init(&j, &out);
	CHECK_INT(audit_list_json(db, &(struct audit_filter){ .actor = "nobody" }, &j, &e), 0);
	CHECK_STR(buf_cstr(&out), "{\"entries\":[],\"next_before\":null}");

	/* Inside an enclosing object; on failure the writer is left as it
	 * was, so the caller can still finish valid JSON. */
	buf_reset(&out);
	jw_init(&j, &out);
	jw_object_begin(&j);
	jw_key(&j, "audit");
	CHECK_INT(exec(db, "DROP TABLE audit_log"), SQLITE_OK);
	CHECK_INT(audit_list_json(db, &(struct audit_filter){ .limit = 1 }, &j, &e), -1);
	CHECK_INT(e.status, 500);
	jw_null(&j);
	jw_object_end(&j);
	CHECK_STR(buf_cstr(&out), "{\"audit\":null}");
out:
	buf_free(&out);
	db_close(db);
}
