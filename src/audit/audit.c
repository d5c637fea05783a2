/*
 * The audit log (see audit.h): appending hash-chained entries, listing
 * them and checking the chain.
 *
 * Each row's hash is SHA-256 over the netstrings ("<length>:<bytes>,") of
 * its id in decimal, at, actor, ip, action, target_type, target_id,
 * detail and prev_hash, in that order. Length prefixes make the encoding
 * unambiguous: no choice of field contents can make two different rows
 * serialise to the same bytes. The id is hashed too, so rows cannot be
 * renumbered, which is why audit_append chooses it (max(id) + 1) instead
 * of leaving it to SQLite.
 *
 * Reading the last hash and inserting the next row must not interleave
 * with another writer doing the same, or two rows would claim the same
 * predecessor. A write transaction (BEGIN IMMEDIATE) serialises them:
 * audit_append opens one when the caller has none, and otherwise relies
 * on the caller's (see audit.h).
 *
 * Every field is checked before anything is written. Control characters
 * (and the Unicode line separators and bidirectional overrides, which
 * can make a listing read differently from what is stored) are refused
 * in the short identifying fields and replaced by spaces in the free-text
 * detail, where invalid UTF-8 becomes U+FFFD.
 */
#include "audit.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <unicode/utf8.h>

#include "../store/db.h"
#include "../util/buf.h"

#define AUDIT_HASH_HEX		(crypto_hash_sha256_BYTES * 2)
#define AUDIT_LIMIT_DEFAULT	50
#define AUDIT_LIMIT_MAX		500

static const char zero_hash[AUDIT_HASH_HEX + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

/* Control characters, and format characters that change how the text
 * around them is displayed (line separators, bidi embeddings, overrides
 * and isolates). */
static bool
is_control(UChar32 c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 ||
	    c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069);
}

/* True when s is valid UTF-8 of at most max bytes without control
 * characters. */
static bool
field_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max)
		return false;
	int32_t i = 0, len = (int32_t)n;
	while (i < len) {
		UChar32 c;
		U8_NEXT(s, i, len, c);
		if (c < 0 || is_control(c))
			return false;
	}
	return true;
}

static bool
action_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

/* The detail as stored: control characters become spaces, invalid
 * sequences U+FFFD, and the result is cut at AUDIT_DETAIL_MAX bytes
 * without splitting a character. */
static void
clean_detail(struct buf *out, const char *s)
{
	size_t n = strlen(s);
	int32_t i = 0, len = n > INT32_MAX ? INT32_MAX : (int32_t)n;
	while (i < len) {
		int32_t start = i;
		UChar32 c;
		U8_NEXT(s, i, len, c);
		const char *piece = s + start;
		size_t plen = (size_t)(i - start);
		if (c < 0) {
			piece = "\xef\xbf\xbd";
			plen = 3;
		} else if (is_control(c)) {
			piece = " ";
			plen = 1;
		}
		if (out->len + plen > AUDIT_DETAIL_MAX)
			break;
		buf_put(out, piece, plen);
	}
	if (out->data == NULL)
		buf_put(out, "", 0);
}

/* "2026-11-28T12:34:56.789Z" */
static void
now_iso(char out[32])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char date[24];
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	int ms = (int)(ts.tv_nsec / 1000000L % 1000);
	snprintf(out, 32, "%s.%03dZ", date, ms < 0 ? 0 : ms);
}

static void
hash_field(crypto_hash_sha256_state *st, const char *s, size_t n)
{
	char len[24];
	int k = snprintf(len, sizeof(len), "%zu:", n);
	crypto_hash_sha256_update(st, (const unsigned char *)len, (unsigned long long)k);
	crypto_hash_sha256_update(st, (const unsigned char *)s, n);
	crypto_hash_sha256_update(st, (const unsigned char *)",", 1);
}

/* The fields of a row in hashing order, with their lengths. */
struct row_text {
	const char	*s[8];		/* at .. prev_hash */
	size_t		 n[8];
};

static void
row_hash(int64_t id, const struct row_text *r, char out[AUDIT_HASH_HEX + 1])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char ids[24];
	int k = snprintf(ids, sizeof(ids), "%" PRId64, id);
	crypto_hash_sha256_init(&st);
	hash_field(&st, ids, (size_t)k);
	for (int i = 0; i < 8; i++)
		hash_field(&st, r->s[i], r->n[i]);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(out, AUDIT_HASH_HEX + 1, digest, sizeof(digest));
}

static void
row_set(struct row_text *r, int i, const char *s)
{
	r->s[i] = s;
	r->n[i] = strlen(s);
}

static int
bad_field(struct err *e, const char *field)
{
	return err_set(e, 500, "internal_error", field,
	    "audit: invalid %s for an audit entry", field);
}

/* Reads the last row, inserts the next. Runs inside a write transaction. */
static int
append_locked(sqlite3 *db, struct row_text *r, struct err *e)
{
	static const char last_sql[] =
	    "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";
	static const char insert_sql[] =
	    "INSERT INTO audit_log (id, at, actor, ip, action, target_type,"
	    " target_id, detail, prev_hash, hash)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	int rc = -1;
	char prev[AUDIT_HASH_HEX + 1], hash[AUDIT_HASH_HEX + 1];
	int64_t id = 1;
	sqlite3_stmt *ins = NULL;
	sqlite3_stmt *last = db_prepare(db, last_sql, e);
	if (last == NULL)
		goto out;
	memcpy(prev, zero_hash, sizeof(prev));
	int step = sqlite3_step(last);
	if (step == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(last, 1);
		if (sqlite3_column_int64(last, 0) >= INT64_MAX || h == NULL ||
		    strlen(h) != AUDIT_HASH_HEX) {
			err_set(e, 500, "audit_chain_broken", NULL,
			    "audit log broken at entry %lld: cannot chain to it",
			    (long long)sqlite3_column_int64(last, 0));
			goto out;
		}
		id = sqlite3_column_int64(last, 0) + 1;
		memcpy(prev, h, sizeof(prev));
	} else if (step != SQLITE_DONE) {
		db_fail(db, e, "audit: last entry");
		goto out;
	}
	row_set(r, 7, prev);
	row_hash(id, r, hash);

	if ((ins = db_prepare(db, insert_sql, e)) == NULL)
		goto out;
	sqlite3_bind_int64(ins, 1, id);
	for (int i = 0; i < 8; i++)
		sqlite3_bind_text(ins, i + 2, r->s[i], (int)r->n[i], SQLITE_STATIC);
	sqlite3_bind_text(ins, 10, hash, AUDIT_HASH_HEX, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE) {
		db_fail(db, e, "audit: append");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(last);
	sqlite3_finalize(ins);
	return rc;
}

int
audit_append(sqlite3 *db, const struct audit_entry *entry, struct err *e)
{
	const char *actor = entry->actor ? entry->actor : "";
	const char *ip = entry->ip ? entry->ip : "";
	const char *action = entry->action ? entry->action : "";
	const char *target_type = entry->target_type ? entry->target_type : "";
	const char *target_id = entry->target_id ? entry->target_id : "";

	if (*actor == '\0' || !field_ok(actor, 64))
		return bad_field(e, "actor");
	if (!field_ok(ip, 64))
		return bad_field(e, "ip");
	if (!action_ok(action))
		return bad_field(e, "action");
	if (!field_ok(target_type, 32))
		return bad_field(e, "target_type");
	if (!field_ok(target_id, 64))
		return bad_field(e, "target_id");

	struct buf detail = BUF_INIT;
	clean_detail(&detail, entry->detail ? entry->detail : "");
	char at[32];
	now_iso(at);

	struct row_text r;
	row_set(&r, 0, at);
	row_set(&r, 1, actor);
	row_set(&r, 2, ip);
	row_set(&r, 3, action);
	row_set(&r, 4, target_type);
	row_set(&r, 5, target_id);
	r.s[6] = detail.data;
	r.n[6] = detail.len;

	int rc;
	if (!sqlite3_get_autocommit(db)) {
		/* The caller's transaction: the entry shares its fate. */
		rc = append_locked(db, &r, e);
	} else if ((rc = db_exec(db, "BEGIN IMMEDIATE", e)) == 0) {
		rc = append_locked(db, &r, e);
		if (rc == 0)
			rc = db_exec(db, "COMMIT", e);
		if (rc != 0 && !sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	buf_free(&detail);
	return rc;
}

/* The column order shared by the listing's SELECT and row_entry. */
#define ENTRY_COLUMNS "id, at, actor, ip, action, target_type, target_id, detail"

static const char *
column(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

int
audit_list(sqlite3 *db, const struct audit_filter *f, audit_row_fn fn,
    void *ctx, int64_t *next_before, struct err *e)
{
	int limit = f->limit == 0 ? AUDIT_LIMIT_DEFAULT : f->limit;
	if (limit < 1)
		limit = 1;
	if (limit > AUDIT_LIMIT_MAX)
		limit = AUDIT_LIMIT_MAX;
	bool prefix = f->action && *f->action &&
	    f->action[strlen(f->action) - 1] == '.';

	/* Only fixed fragments go into the SQL; every value is bound. */
	struct buf sql = BUF_INIT;
	buf_puts(&sql, "SELECT " ENTRY_COLUMNS " FROM audit_log WHERE 1");
	if (f->actor)
		buf_puts(&sql, " AND actor = ?1");
	if (f->action)
		buf_puts(&sql, prefix ? " AND substr(action, 1, ?3) = ?2"
		    : " AND action = ?2");
	if (f->target_type)
		buf_puts(&sql, " AND target_type = ?4");
	if (f->target_id)
		buf_puts(&sql, " AND target_id = ?5");
	if (f->before_id > 0)
		buf_puts(&sql, " AND id < ?6");
	buf_puts(&sql, " ORDER BY id DESC LIMIT ?7");

	int rc = -1;
	sqlite3_stmt *st = db_prepare(db, buf_cstr(&sql), e);
	if (st == NULL)
		goto out;
	if (f->actor)
		sqlite3_bind_text(st, 1, f->actor, -1, SQLITE_STATIC);
	if (f->action) {
		sqlite3_bind_text(st, 2, f->action, -1, SQLITE_STATIC);
		if (prefix)
			sqlite3_bind_int64(st, 3, (int64_t)strlen(f->action));
	}
	if (f->target_type)
		sqlite3_bind_text(st, 4, f->target_type, -1, SQLITE_STATIC);
	if (f->target_id)
		sqlite3_bind_text(st, 5, f->target_id, -1, SQLITE_STATIC);
	if (f->before_id > 0)
		sqlite3_bind_int64(st, 6, f->before_id);
	/* One row more than asked tells whether there is a next page. */
	sqlite3_bind_int(st, 7, limit + 1);

	int count = 0, step;
	int64_t last_id = 0;
	bool more = false;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == limit) {
			more = true;
			break;
		}
		struct audit_entry entry = {
			.actor = column(st, 2),
			.ip = column(st, 3),
			.action = column(st, 4),
			.target_type = column(st, 5),
			.target_id = column(st, 6),
			.detail = column(st, 7),
		};
		last_id = sqlite3_column_int64(st, 0);
		fn(ctx, last_id, column(st, 1), &entry);
		count++;
	}
	if (!more && step != SQLITE_DONE) {
		db_fail(db, e, "audit: list");
		goto out;
	}
	if (next_before)
		*next_before = more ? last_id : 0;
	rc = 0;
out:
	sqlite3_finalize(st);
	buf_free(&sql);
	return rc;
}

static void
json_row(void *ctx, int64_t id, const char *at, const struct audit_entry *entry)
{
	struct jw *j = ctx;
	jw_object_begin(j);
	jw_kv_int(j, "id", id);
	jw_kv_string(j, "at", at);
	jw_kv_string(j, "actor", entry->actor);
	jw_kv_string(j, "ip", entry->ip);
	jw_kv_string(j, "action", entry->action);
	jw_kv_string(j, "target_type", entry->target_type);
	jw_kv_string(j, "target_id", entry->target_id);
	jw_kv_string(j, "detail", entry->detail);
	jw_object_end(j);
}

int
audit_list_json(sqlite3 *db, const struct audit_filter *f, struct jw *j,
    struct err *e)
{
	/* On failure the writer is put back as it was, so the caller can
	 * write an error instead of half a listing. */
	struct jw saved = *j;
	size_t saved_len = j->out->len;
	int64_t next_before = 0;
	jw_object_begin(j);
	jw_key(j, "entries");
	jw_array_begin(j);
	if (audit_list(db, f, json_row, j, &next_before, e) < 0) {
		*j = saved;
		j->out->len = saved_len;
		if (j->out->data)
			j->out->data[saved_len] = '\0';
		return -1;
	}
	jw_array_end(j);
	jw_key(j, "next_before");
	if (next_before > 0)
		jw_int(j, next_before);
	else
		jw_null(j);
	jw_object_end(j);
	return 0;
}

int
audit_entries_json(sqlite3 *db, const struct audit_filter *f, struct jw *j,
    struct err *e)
{
	struct audit_filter page = *f;
	page.limit = 500;
	jw_array_begin(j);
	for (;;) {
		int64_t next_before = 0;
		if (audit_list(db, &page, json_row, j, &next_before, e) < 0)
			return -1;
		if (next_before <= 0)
			break;
		page.before_id = next_before;
	}
	jw_array_end(j);
	return 0;
}

static int
chain_broken(struct err *e, int64_t id, const char *why)
{
	return err_set(e, 500, "audit_chain_broken", NULL,
	    "audit log broken at entry %lld: %s", (long long)id, why);
}

long long
audit_verify(sqlite3 *db, struct err *e)
{
	/* One statement reads one snapshot, even while others append. */
	sqlite3_stmt *st = db_prepare(db, "SELECT " ENTRY_COLUMNS
	    ", prev_hash, hash FROM audit_log ORDER BY id", e);
	if (st == NULL)
		return -1;
	long long count = 0, rc = -1;
	int64_t expect_id = 1;
	char prev[AUDIT_HASH_HEX + 1], hash[AUDIT_HASH_HEX + 1];
	memcpy(prev, zero_hash, sizeof(prev));
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (id != expect_id) {
			chain_broken(e, id, expect_id == 1 ? "the log does not start at entry 1"
			    : "an entry before it is missing");
			goto out;
		}
		struct row_text r;
		for (int i = 0; i < 8; i++) {
			r.s[i] = column(st, i + 1);
			r.n[i] = (size_t)sqlite3_column_bytes(st, i + 1);
		}
		if (r.n[7] != AUDIT_HASH_HEX || memcmp(r.s[7], prev, AUDIT_HASH_HEX) != 0) {
			chain_broken(e, id, "it does not link to the entry before it");
			goto out;
		}
		row_hash(id, &r, hash);
		const char *stored = column(st, 9);
		if ((size_t)sqlite3_column_bytes(st, 9) != AUDIT_HASH_HEX ||
		    memcmp(stored, hash, AUDIT_HASH_HEX) != 0) {
			chain_broken(e, id, "its contents do not match its hash");
			goto out;
		}
		memcpy(prev, hash, sizeof(prev));
		expect_id = id + 1;
		count++;
	}
	if (step != SQLITE_DONE) {
		db_fail(db, e, "audit: verify");
		goto out;
	}
	rc = count;
out:
	sqlite3_finalize(st);
	return rc;
}
