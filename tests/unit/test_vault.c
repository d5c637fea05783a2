/* The vault: sealing, the key file, rotation (src/vault/vault.h). */
#include "harness.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "../../src/store/db.h"
#include "../../src/util/buf.h"
#include "../../src/util/mem.h"
#include "../../src/vault/vault.h"

/* A fresh key file path for one test. */
static const char *
key_path(const char *name)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s.key", test_tmpdir(), name);
	unlink(path);
	return path;
}

static struct vault *
fresh_vault(const char *name)
{
	struct err e = ERR_INIT;
	struct vault *v = vault_open(key_path(name), true, &e);
	if (v == NULL)
		test_fail(__FILE__, __LINE__, "vault_open: %s", e.message);
	return v;
}

static int
opens_to(const struct vault *v, const char *ctx, const struct buf *sealed,
    const void *want, size_t n)
{
	struct buf plain = BUF_INIT;
	struct err e = ERR_INIT;
	int ok = vault_open_sealed(v, ctx, sealed->data, sealed->len, &plain, &e) == 0 &&
	    plain.len == n && (n == 0 || memcmp(plain.data, want, n) == 0);
	vault_buf_wipe(&plain);
	return ok;
}

static int
fails_to_open(const struct vault *v, const char *ctx, const void *p, size_t n)
{
	struct buf plain = BUF_INIT;
	struct err e = ERR_INIT;
	int rc = vault_open_sealed(v, ctx, p, n, &plain, &e);
	int ok = rc == -1 && e.status == 500 && strcmp(e.code, "vault_error") == 0 &&
	    plain.len == 0;
	vault_buf_wipe(&plain);
	return ok;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		test_fail(__FILE__, __LINE__, "cannot write %s", path);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
}

TEST(vault_round_trip)
{
	struct vault *v = fresh_vault("round");
	if (v == NULL)
		return;
	struct buf sealed = BUF_INIT;
	struct err e = ERR_INIT;
	const char *texts[] = { "", "hello", "Ça va ? 日本語の日記 🙂 Grüße" };
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(texts[i]);
		CHECK(vault_seal(v, "journal.body:42", texts[i], n, &sealed, &e) == 0);
		CHECK(sealed.len == n + VAULT_OVERHEAD);
		CHECK(opens_to(v, "journal.body:42", &sealed, texts[i], n));
	}
	/* A NULL pointer with no bytes is an empty value. */
	CHECK(vault_seal(v, "journal.body:42", NULL, 0, &sealed, &e) == 0);
	CHECK(opens_to(v, "journal.body:42", &sealed, "", 0));

	size_t big = 1 << 20;
	unsigned char *mb = xmalloc(big);
	randombytes_buf(mb, big);
	CHECK(vault_seal(v, "journal.body:7", mb, big, &sealed, &e) == 0);
	CHECK(sealed.len == big + VAULT_OVERHEAD);
	CHECK(opens_to(v, "journal.body:7", &sealed, mb, big));
	free(mb);

	/* Contexts must be 1-200 printable ASCII bytes. */
	CHECK(vault_seal(v, "", "x", 1, &sealed, &e) == -1);
	CHECK(vault_seal(v, "has space", "x", 1, &sealed, &e) == -1);
	buf_free(&sealed);
	vault_close(v);
}

TEST(vault_wrong_context_fails)
{
	struct vault *v = fresh_vault("context");
	if (v == NULL)
		return;
	struct buf sealed = BUF_INIT;
	struct err e = ERR_INIT;
	CHECK(vault_seal(v, "journal.body:42", "private", 7, &sealed, &e) == 0);
	CHECK(opens_to(v, "journal.body:42", &sealed, "private", 7));
	CHECK(fails_to_open(v, "journal.body:43", sealed.data, sealed.len));
	CHECK(fails_to_open(v, "journal.title:42", sealed.data, sealed.len));
	CHECK(fails_to_open(v, "journal.body:4", sealed.data, sealed.len));
	buf_free(&sealed);
	vault_close(v);
}

TEST(vault_flipped_bit_fails)
{
	struct vault *v = fresh_vault("flip");
	if (v == NULL)
		return;
	struct buf sealed = BUF_INIT;
	struct err e = ERR_INIT;
	const char *text = "twenty bytes of text";
	CHECK(vault_seal(v, "t.c:1", text, 20, &sealed, &e) == 0);
	/* Every bit of every part: version, key id, nonce, ciphertext, tag. */
	int opened = 0;
	for (size_t i = 0; i < sealed.len; i++)
		for (int bit = 0; bit < 8; bit++) {
			sealed.data[i] ^= (char)(1 << bit);
			if (!fails_to_open(v, "t.c:1", sealed.data, sealed.len))
				opened++;
			sealed.data[i] ^= (char)(1 << bit);
		}
	CHECK_INT(opened, 0);
	CHECK(opens_to(v, "t.c:1", &sealed, text, 20));
	buf_free(&sealed);
	vault_close(v);
}

TEST(vault_truncated_fails)
{
	struct vault *v = fresh_vault("trunc");
	if (v == NULL)
		return;
	struct buf sealed = BUF_INIT;
	struct err e = ERR_INIT;
	CHECK(vault_seal(v, "t.c:1", "abc", 3, &sealed, &e) == 0);
	int opened = 0;
	for (size_t n = 0; n < sealed.len; n++)
		if (!fails_to_open(v, "t.c:1", sealed.data, n))
			opened++;
	CHECK_INT(opened, 0);
	CHECK(fails_to_open(v, "t.c:1", NULL, 0));
	/* One byte too many is tampering too. */
	buf_putc(&sealed, 'x');
	CHECK(fails_to_open(v, "t.c:1", sealed.data, sealed.len));
	buf_free(&sealed);
	vault_close(v);
}

TEST(vault_unknown_key_fails)
{
	struct err e = ERR_INIT;
	const char *path = key_path("unknown-a");
	struct vault *a1 = vault_open(path, true, &e);
	uint32_t id = 0;
	CHECK(vault_add_key(path, &id, &e) == 0);
	CHECK_INT(id, 2);
	struct vault *a2 = vault_open(path, false, &e);
	struct vault *b = fresh_vault("unknown-b");	/* only its own key 1 */
	if (a1 == NULL || a2 == NULL || b == NULL)
		return;
	struct buf s1 = BUF_INIT, s2 = BUF_INIT, plain = BUF_INIT;
	CHECK(vault_seal(a1, "t.c:1", "one", 3, &s1, &e) == 0);
	CHECK(vault_seal(a2, "t.c:1", "two", 3, &s2, &e) == 0);
	/* Key 2 is not in b's file at all. */
	CHECK(vault_open_sealed(b, "t.c:1", s2.data, s2.len, &plain, &e) == -1);
	CHECK(strstr(e.message, "key 2") != NULL);
	/* b has a key 1, but not this key 1. */
	CHECK(fails_to_open(b, "t.c:1", s1.data, s1.len));
	CHECK(opens_to(a2, "t.c:1", &s1, "one", 3));
	buf_free(&s1);
	buf_free(&s2);
	vault_buf_wipe(&plain);
	vault_close(a1);
	vault_close(a2);
	vault_close(b);
}

TEST(vault_nonce_differs)
{
	struct vault *v = fresh_vault("nonce");
	if (v == NULL)
		return;
	struct buf s1 = BUF_INIT, s2 = BUF_INIT;
	struct err e = ERR_INIT;
	CHECK(vault_seal(v, "t.c:1", "same text", 9, &s1, &e) == 0);
	CHECK(vault_seal(v, "t.c:1", "same text", 9, &s2, &e) == 0);
	CHECK(s1.len == s2.len);
	CHECK(memcmp(s1.data, s2.data, s1.len) != 0);
	CHECK(memcmp(s1.data + VAULT_HEADER_BYTES, s2.data + VAULT_HEADER_BYTES,
	    24) != 0);
	uint32_t id = 0;
	CHECK(vault_sealed_key_id(s1.data, s1.len, &id) == 0);
	CHECK_INT(id, 1);
	CHECK(vault_sealed_key_id("plain text, not sealed, long enough to pass "
	    "the length check", 60, &id) == -1);
	buf_free(&s1);
	buf_free(&s2);
	vault_close(v);
}

static unsigned char *
read_whole(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&b, chunk, r);
	fclose(f);
	*n = b.len;
	return (unsigned char *)b.data;
}

/* Writes 100 values to a fresh database file, sealed or not; returns
 * whether the raw file contains the marker. */
static int
db_file_reveals(const struct vault *v, const char *name, int seal)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.db", test_tmpdir(), name);
	unlink(path);
	sqlite3 *db;
	struct err e = ERR_INIT;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	sqlite3_exec(db, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body BLOB)",
	    NULL, NULL, NULL);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "INSERT INTO notes(id, body) VALUES (?1, ?2)", -1,
	    &st, NULL);
	struct buf text = BUF_INIT, ctx = BUF_INIT, sealed = BUF_INIT;
	for (int i = 1; i <= 100; i++) {
		buf_reset(&text);
		buf_printf(&text, "Ich fühle mich %d: SECRET-DIARY-MARKER", i);
		vault_context(&ctx, "notes.body", i);
		if (seal && vault_seal(v, ctx.data, text.data, text.len, &sealed, &e) != 0)
			return -1;
		const struct buf *b = seal ? &sealed : &text;
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_blob(st, 2, b->data, (int)b->len, SQLITE_TRANSIENT);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	buf_free(&text);
	buf_free(&ctx);
	buf_free(&sealed);
	size_t n = 0;
	unsigned char *raw = read_whole(path, &n);
	if (raw == NULL)
		return -1;
	int found = memmem(raw, n, "SECRET-DIARY-MARKER", 19) != NULL ||
	    memmem(raw, n, "fühle", strlen("fühle")) != NULL;
	free(raw);
	return found;
}

TEST(vault_database_file_has_no_plain_text)
{
	struct vault *v = fresh_vault("dbfile");
	if (v == NULL)
		return;
	/* The control shows the search would find unsealed text. */
	CHECK_INT(db_file_reveals(v, "plain", 0), 1);
	CHECK_INT(db_file_reveals(v, "sealed", 1), 0);
	vault_close(v);
}

TEST(vault_key_file_created_0600)
{
	struct err e = ERR_INIT;
	const char *path = key_path("created");
	CHECK(vault_open(path, false, &e) == NULL);
	CHECK(strstr(e.message, "no key file") != NULL);
	CHECK(access(path, F_OK) != 0);	/* without create, nothing made */

	struct vault *v = vault_open(path, true, &e);
	CHECK(v != NULL);
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	size_t n = 0;
	unsigned char *raw = read_whole(path, &n);
	CHECK(raw && memmem(raw, n, "\nimago-key v1 1 ", 16) != NULL);
	free(raw);
	/* Opening again reads the same key (create does not overwrite). */
	struct vault *again = vault_open(path, true, &e);
	struct buf sealed = BUF_INIT;
	if (v && again) {
		CHECK(vault_seal(v, "t.c:1", "kept", 4, &sealed, &e) == 0);
		CHECK(opens_to(again, "t.c:1", &sealed, "kept", 4));
		CHECK_INT(vault_key_count(again), 1);
	}
	buf_free(&sealed);
	vault_close(v);
	vault_close(again);
}

TEST(vault_key_file_readable_by_others_refused)
{
	struct err e = ERR_INIT;
	const char *path = key_path("modes");
	vault_close(vault_open(path, true, &e));
	static const mode_t bad[] = { 0640, 0604, 0620, 0660, 0644 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		chmod(path, bad[i]);
		err_clear(&e);
		struct vault *v = vault_open(path, false, &e);
		CHECK(v == NULL);
		CHECK(strstr(e.message, "chmod 600") != NULL);
		vault_close(v);
	}
	chmod(path, 0600);
	struct vault *v = vault_open(path, false, &e);
	CHECK(v != NULL);
	vault_close(v);
}

/* Copies tmpl to out with "%s" replaced by key. */
static void
expand_key(const char *tmpl, const char *key, char *out, size_t n)
{
	const char *at = strstr(tmpl, "%s");
	if (at == NULL)
		snprintf(out, n, "%s", tmpl);
	else
		snprintf(out, n, "%.*s%s%s", (int)(at - tmpl), tmpl, key, at + 2);
}

TEST(vault_malformed_key_file_refused)
{
	char good[80], path[512];
	unsigned char key[32];
	randombytes_buf(key, sizeof(key));
	char b64[64];
	sodium_bin2base64(b64, sizeof(b64), key, 32, sodium_base64_VARIANT_ORIGINAL);
	snprintf(good, sizeof(good), "imago-key v1 1 %s\n", b64);
	snprintf(path, sizeof(path), "%s/malformed.key", test_tmpdir());
	static const struct { const char *line; const char *says; } bad[] = {
		{ "imago-key v2 2 AAAA\n", "expected" },
		{ "imago-key v1 0 %s\n", "key id" },
		{ "imago-key v1 x %s\n", "key id" },
		{ "imago-key v1 -3 %s\n", "key id" },
		{ "imago-key v1 1 %s\n", "increase" },
		{ "imago-key v1 2 AAAA\n", "32 bytes" },
		{ "imago-key v1 2 %s extra\n", "32 bytes" },
		{ "imago-key v1 2\n", "expected" },
		{ "key=%s\n", "expected" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512], line[160];
		expand_key(bad[i].line, b64, line, sizeof(line));
		/* line 1 a comment, 2 good, 3 blank, 4 the bad one */
		snprintf(text, sizeof(text), "# keys\n%s\n%s", good, line);
		write_file(path, text, 0600);
		struct err e = ERR_INIT;
		struct vault *v = vault_open(path, false, &e);
		CHECK(v == NULL);
		if (strstr(e.message, "line 4") == NULL ||
		    strstr(e.message, bad[i].says) == NULL)
			test_fail(__FILE__, __LINE__, "case %zu: %s", i, e.message);
		/* The error never shows key material. */
		CHECK(strstr(e.message, b64) == NULL);
		vault_close(v);
	}
	write_file(path, "# only comments\n\n", 0600);
	struct err e = ERR_INIT;
	CHECK(vault_open(path, false, &e) == NULL);
	CHECK(strstr(e.message, "holds no key") != NULL);
	/* The good file itself loads. */
	write_file(path, good, 0600);
	struct vault *v = vault_open(path, false, &e);
	CHECK(v != NULL && vault_current_id(v) == 1);
	vault_close(v);
}

TEST(vault_key_path_default_and_override)
{
	struct buf p = BUF_INIT;
	const char *saved = getenv("IMAGO_KEY_FILE");
	unsetenv("IMAGO_KEY_FILE");
	vault_key_path("var/imago.db", &p);
	CHECK_STR(p.data, "var/imago.key");
	vault_key_path("/srv/data", &p);
	CHECK_STR(p.data, "/srv/data.key");
	setenv("IMAGO_KEY_FILE", "/etc/imago/keys", 1);
	vault_key_path("var/imago.db", &p);
	CHECK_STR(p.data, "/etc/imago/keys");
	if (saved)
		setenv("IMAGO_KEY_FILE", saved, 1);
	else
		unsetenv("IMAGO_KEY_FILE");
	buf_free(&p);
}

/* ---- Rotation ---- */

static const struct vault_column test_cols[] = {
	{ "notes", "id", "body", "notes.body" },
	{ "notes", "id", "title", "notes.title" },
};

static sqlite3 *
notes_db(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.db", test_tmpdir(), name);
	unlink(path);
	sqlite3 *db = NULL;
	sqlite3_open(path, &db);
	sqlite3_exec(db, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body BLOB, "
	    "title BLOB)", NULL, NULL, NULL);
	return db;
}

static void
insert_note(sqlite3 *db, const struct vault *v, int id)
{
	struct buf text = BUF_INIT, ctx = BUF_INIT, body = BUF_INIT, title = BUF_INIT;
	struct err e = ERR_INIT;
	buf_printf(&text, "note %d ünïcode", id);
	vault_context(&ctx, "notes.body", id);
	vault_seal(v, ctx.data, text.data, text.len, &body, &e);
	vault_context(&ctx, "notes.title", id);
	vault_seal(v, ctx.data, text.data, 4, &title, &e);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "INSERT INTO notes(id, body, title) VALUES (?1, ?2, ?3)",
	    -1, &st, NULL);
	sqlite3_bind_int(st, 1, id);
	sqlite3_bind_blob(st, 2, body.data, (int)body.len, SQLITE_TRANSIENT);
	/* Every third title is NULL: not a value, skipped. */
	if (id % 3)
		sqlite3_bind_blob(st, 3, title.data, (int)title.len, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		test_fail(__FILE__, __LINE__, "insert: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	buf_free(&text);
	buf_free(&ctx);
	buf_free(&body);
	buf_free(&title);
}

/* Counts rows whose body opens to its text with v and was sealed with
 * key want_id. */
static int
notes_open(sqlite3 *db, const struct vault *v, uint32_t want_id)
{
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT id, body FROM notes ORDER BY id", -1, &st, NULL);
	int good = 0;
	struct buf ctx = BUF_INIT, plain = BUF_INIT, want = BUF_INIT;
	struct err e = ERR_INIT;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int id = sqlite3_column_int(st, 0);
		const void *b = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		uint32_t kid = 0;
		vault_context(&ctx, "notes.body", id);
		buf_reset(&want);
		buf_printf(&want, "note %d ünïcode", id);
		if (vault_sealed_key_id(b, n, &kid) == 0 && kid == want_id &&
		    vault_open_sealed(v, ctx.data, b, n, &plain, &e) == 0 &&
		    strcmp(plain.data, want.data) == 0)
			good++;
	}
	sqlite3_finalize(st);
	buf_free(&ctx);
	buf_free(&want);
	vault_buf_wipe(&plain);
	return good;
}

TEST(vault_rotation)
{
	struct err e = ERR_INIT;
	const char *p = key_path("rotate");
	char path[512];
	snprintf(path, sizeof(path), "%s", p);
	struct vault *v1 = vault_open(path, true, &e);
	sqlite3 *db = notes_db("rotate");
	if (v1 == NULL || db == NULL)
		return;
	enum { ROWS = 1203 };	/* more than two batches */
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (int i = 1; i <= ROWS; i++)
		insert_note(db, v1, i);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	struct buf leftover = BUF_INIT;
	CHECK(vault_seal(v1, "notes.body:1", "old", 3, &leftover, &e) == 0);

	uint32_t id = 0;
	CHECK(vault_add_key(path, &id, &e) == 0);
	CHECK_INT(id, 2);
	struct vault *v2 = vault_open(path, false, &e);
	if (v2 == NULL)
		return;
	CHECK_INT(vault_current_id(v2), 2);
	CHECK_INT(vault_key_count(v2), 2);
	/* Old values still open; new ones use key 2. */
	CHECK_INT(notes_open(db, v2, 1), ROWS);
	struct buf fresh = BUF_INIT;
	CHECK(vault_seal(v2, "notes.body:9", "new", 3, &fresh, &e) == 0);
	uint32_t kid = 0;
	CHECK(vault_sealed_key_id(fresh.data, fresh.len, &kid) == 0 && kid == 2);

	long long count = 0;
	CHECK(vault_key_in_use(db, test_cols, 2, 1, &count, &e) == 0);
	CHECK_INT(count, ROWS + (ROWS - ROWS / 3));
	/* Retire refuses a key still in use, and the current key. */
	err_clear(&e);
	CHECK(vault_retire(path, db, test_cols, 2, 1, &e) == -1);
	CHECK(e.status == 409 && strstr(e.message, "still seals") != NULL);
	err_clear(&e);
	CHECK(vault_retire(path, db, test_cols, 2, 2, &e) == -1);
	CHECK(e.status == 409 && strstr(e.message, "current") != NULL);
	err_clear(&e);
	CHECK(vault_retire(path, db, test_cols, 2, 7, &e) == -1);
	CHECK_INT(e.status, 404);

	long long changed = 0;
	CHECK(vault_reseal(db, v2, test_cols, 2, &changed, &e) == 0);
	CHECK_INT(changed, ROWS + (ROWS - ROWS / 3));
	CHECK_INT(notes_open(db, v2, 2), ROWS);
	CHECK(vault_key_in_use(db, test_cols, 2, 1, &count, &e) == 0);
	CHECK_INT(count, 0);
	CHECK(vault_reseal(db, v2, test_cols, 2, &changed, &e) == 0);
	CHECK_INT(changed, 0);

	err_clear(&e);
	CHECK(vault_retire(path, db, test_cols, 2, 1, &e) == 0);
	struct vault *v3 = vault_open(path, false, &e);
	CHECK(v3 != NULL);
	if (v3) {
		CHECK_INT(vault_key_count(v3), 1);
		CHECK_INT(vault_current_id(v3), 2);
		CHECK_INT(notes_open(db, v3, 2), ROWS);
		CHECK(fails_to_open(v3, "notes.body:1", leftover.data, leftover.len));
	}
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	buf_free(&leftover);
	buf_free(&fresh);
	vault_close(v1);
	vault_close(v2);
	vault_close(v3);
	sqlite3_close(db);
}

TEST(vault_reseal_stops_on_a_bad_value)
{
	struct err e = ERR_INIT;
	const char *path = key_path("badrow");
	struct vault *v1 = vault_open(path, true, &e);
	sqlite3 *db = notes_db("badrow");
	if (v1 == NULL)
		return;
	for (int i = 1; i <= 5; i++)
		insert_note(db, v1, i);
	/* Row 3's body moved to row 4: it must not open there. */
	sqlite3_exec(db, "UPDATE notes SET body = (SELECT body FROM notes WHERE id = 3) "
	    "WHERE id = 4", NULL, NULL, NULL);
	uint32_t id;
	CHECK(vault_add_key(path, &id, &e) == 0);
	struct vault *v2 = vault_open(path, false, &e);
	long long changed = -1;
	CHECK(vault_reseal(db, v2, test_cols, 1, &changed, &e) == -1);
	CHECK(strstr(e.message, "notes.body row 4") != NULL);
	/* The batch rolled back: rows 1-3 (re-sealed before row 4 failed)
	 * and 5 are all still under key 1. */
	CHECK_INT(notes_open(db, v2, 1), 4);
	/* Names that are not identifiers are refused outright. */
	static const struct vault_column evil[] = {
		{ "notes\"; DROP TABLE notes; --", "id", "body", "notes.body" },
	};
	err_clear(&e);
	CHECK(vault_reseal(db, v2, evil, 1, &changed, &e) == -1);
	CHECK(strstr(e.message, "registry") != NULL);
	vault_close(v1);
	vault_close(v2);
	sqlite3_close(db);
}

/* Every registered column exists in the migrated schema, with an INTEGER
 * id, and its context prefix names it: a typo would leave values that
 * `imago key rotate` never re-seals. */
TEST(vault_registry_is_valid)
{
	size_t n = 0;
	const struct vault_column *cols = vault_registry(&n);
	CHECK(cols != NULL);
	CHECK(n >= 5);
	sqlite3 *db = NULL;
	struct err e = ERR_INIT;
	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK(db_migrate(db, &e) >= 0);
	for (size_t i = 0; i < n; i++) {
		char want[200], sql[300];
		snprintf(want, sizeof(want), "%s.%s", cols[i].table, cols[i].column);
		CHECK_STR(cols[i].context_prefix, want);
		snprintf(sql, sizeof(sql), "SELECT typeof(%s), %s FROM %s LIMIT 0",
		    cols[i].id_column, cols[i].column, cols[i].table);
		sqlite3_stmt *st = NULL;
		CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		sqlite3_finalize(st);
		snprintf(sql, sizeof(sql), "SELECT pk FROM pragma_table_info('%s')"
		    " WHERE name = '%s' AND type = 'INTEGER'", cols[i].table,
		    cols[i].id_column);
		CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		CHECK_INT(sqlite3_step(st), SQLITE_ROW);
		CHECK_INT(sqlite3_column_int(st, 0), 1);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

struct seal_job {
	const struct vault *v;
	int index;
	int failures;
};

static void *
seal_many(void *arg)
{
	struct seal_job *job = arg;
	struct buf sealed = BUF_INIT, ctx = BUF_INIT, text = BUF_INIT;
	struct err e = ERR_INIT;
	for (int i = 0; i < 300; i++) {
		buf_reset(&text);
		buf_printf(&text, "thread %d value %d", job->index, i);
		vault_context(&ctx, "t.c", job->index * 1000 + i);
		if (vault_seal(job->v, ctx.data, text.data, text.len, &sealed, &e) != 0 ||
		    !opens_to(job->v, ctx.data, &sealed, text.data, text.len))
			job->failures++;
	}
	buf_free(&sealed);
	buf_free(&ctx);
	buf_free(&text);
	return NULL;
}

TEST(vault_concurrent_seals)
{
	struct vault *v = fresh_vault("threads");
	if (v == NULL)
		return;
	pthread_t t[4];
	struct seal_job jobs[4];
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct seal_job){ v, i, 0 };
		pthread_create(&t[i], NULL, seal_many, &jobs[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(jobs[i].failures, 0);
	}
	vault_close(v);
}

static const char *add_path;

static void *
add_one(void *arg)
{
	struct err e = ERR_INIT;
	uint32_t id;
	*(int *)arg = vault_add_key(add_path, &id, &e);
	return NULL;
}

TEST(vault_concurrent_rotations_keep_every_key)
{
	struct err e = ERR_INIT;
	add_path = key_path("addrace");
	vault_close(vault_open(add_path, true, &e));
	pthread_t t[4];
	int rc[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, add_one, &rc[i]);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(rc[i], 0);
	}
	struct vault *v = vault_open(add_path, false, &e);
	CHECK(v != NULL);
	if (v) {
		CHECK_INT(vault_key_count(v), 5);
		CHECK_INT(vault_current_id(v), 5);
	}
	vault_close(v);
}
