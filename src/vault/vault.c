/*
 * The vault (see vault.h): the key file, sealing and opening values, and
 * key rotation.
 *
 * Keys are held in sodium_malloc'd memory (guard pages, locked out of
 * swap, zeroed when freed) and made read-only once loaded, so threads
 * share one vault without locks. The key file is only ever replaced
 * whole: a new version is written to a temporary file beside it, fsynced
 * and renamed (or linked, when creating, so two processes cannot both
 * create one), under an flock so two rotations cannot lose a key.
 */
#include "vault.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "../store/db.h"
#include "../util/mem.h"
#include "../util/num.h"

#define KEY_BYTES	crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES	crypto_aead_xchacha20poly1305_ietf_ABYTES
#define B64_VARIANT	sodium_base64_VARIANT_ORIGINAL
#define B64_LEN		sodium_base64_ENCODED_LEN(KEY_BYTES, B64_VARIANT)
#define LINE_PREFIX	"imago-key v1 "
#define MAX_KEY_ID	2147483647LL
#define MAX_FILE_BYTES	16384

_Static_assert(VAULT_OVERHEAD == VAULT_HEADER_BYTES + NONCE_BYTES + TAG_BYTES,
    "sealed layout");

struct vault {
	size_t		 n;
	uint32_t	 ids[VAULT_MAX_KEYS];
	unsigned char	*keys;	/* sodium_malloc'd, n * KEY_BYTES */
};

static const char file_header[] =
    "# imago encryption keys: one a line, \"imago-key v1 ID KEY\".\n"
    "# The last line seals new values; older lines open old ones until\n"
    "# `imago key retire ID`. Keep this file secret, mode 0600, and back it\n"
    "# up apart from the database. Change it only with `imago key`.\n";

/* One code for every vault failure; messages name paths, line numbers
 * and key ids, never key material or plain text. */
#define vault_fail(e, ...) err_set((e), 500, "vault_error", NULL, __VA_ARGS__)

static struct vault *
vault_new(void)
{
	struct vault *v = xcalloc(1, sizeof(*v));
	v->keys = sodium_malloc(VAULT_MAX_KEYS * KEY_BYTES);
	if (v->keys == NULL)
		abort();	/* out of memory, as everywhere (util/mem.h) */
	return v;
}

void
vault_close(struct vault *v)
{
	if (v == NULL)
		return;
	sodium_free(v->keys);	/* zeroes the keys */
	free(v);
}

uint32_t
vault_current_id(const struct vault *v)
{
	return v->ids[v->n - 1];
}

size_t
vault_key_count(const struct vault *v)
{
	return v->n;
}

uint32_t
vault_key_id(const struct vault *v, size_t i)
{
	return i < v->n ? v->ids[i] : 0;
}

static const unsigned char *
find_key(const struct vault *v, uint32_t id)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->ids[i] == id)
			return v->keys + i * KEY_BYTES;
	return NULL;
}

void
vault_key_path(const char *db_path, struct buf *out)
{
	buf_reset(out);
	const char *env = getenv("IMAGO_KEY_FILE");
	if (env && *env) {
		buf_puts(out, env);
		return;
	}
	size_t n = strlen(db_path);
	if (n > 3 && strcmp(db_path + n - 3, ".db") == 0)
		n -= 3;
	buf_put(out, db_path, n);
	buf_puts(out, ".key");
}

void
vault_context(struct buf *out, const char *prefix, long long id)
{
	buf_reset(out);
	buf_printf(out, "%s:%lld", prefix, id);
}

void
vault_buf_wipe(struct buf *b)
{
	if (b->data)
		sodium_memzero(b->data, b->cap);
	buf_free(b);
}

/* ---- The key file ---- */

/* One line: "imago-key v1 ID BASE64KEY", trailing blanks allowed. */
static int
parse_line(const char *line, size_t len, const char *path, int lineno,
    struct vault *v, struct err *e)
{
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
	    line[len - 1] == '\r'))
		len--;
	if (len == 0 || line[0] == '#')
		return 0;
	size_t plen = strlen(LINE_PREFIX);
	if (len <= plen || memcmp(line, LINE_PREFIX, plen) != 0)
		return vault_fail(e, "key file %s line %d: expected "
		    "\"imago-key v1 ID KEY\"", path, lineno);
	const char *id_s = line + plen, *end = line + len;
	const char *sp = memchr(id_s, ' ', (size_t)(end - id_s));
	if (sp == NULL || sp == id_s || sp - id_s > 10)
		return vault_fail(e, "key file %s line %d: expected "
		    "\"imago-key v1 ID KEY\"", path, lineno);
	char idbuf[12];
	memcpy(idbuf, id_s, (size_t)(sp - id_s));
	idbuf[sp - id_s] = '\0';
	long long id;
	if (num_parse_long(idbuf, 1, MAX_KEY_ID, &id) != 0)
		return vault_fail(e, "key file %s line %d: the key id must be "
		    "a whole number from 1 to 2147483647", path, lineno);
	if (v->n > 0 && (uint32_t)id <= v->ids[v->n - 1])
		return vault_fail(e, "key file %s line %d: key ids must increase "
		    "from line to line", path, lineno);
	if (v->n == VAULT_MAX_KEYS)
		return vault_fail(e, "key file %s line %d: too many keys (retire "
		    "old ones with `imago key retire`)", path, lineno);
	const char *b64 = sp + 1, *b64end = NULL;
	size_t got = 0;
	unsigned char *key = v->keys + v->n * KEY_BYTES;
	if (sodium_base642bin(key, KEY_BYTES, b64, (size_t)(end - b64), NULL,
	    &got, &b64end, B64_VARIANT) != 0 || got != KEY_BYTES || b64end != end) {
		sodium_memzero(key, KEY_BYTES);
		return vault_fail(e, "key file %s line %d: the key is not 32 bytes "
		    "in base64", path, lineno);
	}
	v->ids[v->n++] = (uint32_t)id;
	return 0;
}

static int
parse_keys(const char *text, size_t len, const char *path, struct vault *v,
    struct err *e)
{
	int lineno = 0;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (parse_line(text + at, end - at, path, ++lineno, v, e) != 0)
			return -1;
		at = end + 1;
	}
	if (v->n == 0)
		return vault_fail(e, "key file %s holds no key", path);
	return 0;
}

/* Reads and parses an open key file, refusing one others could read. */
static int
read_keys(int fd, const char *path, struct vault *v, struct err *e)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return vault_fail(e, "cannot read key file %s", path);
	if (!S_ISREG(st.st_mode))
		return vault_fail(e, "key file %s is not a regular file", path);
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		err_set(e, 500, "vault_error", NULL, "key file %s may be read or "
		    "changed by group or others: chmod 600 %s", path, path);
		return -1;
	}
	if (st.st_size > MAX_FILE_BYTES)
		return vault_fail(e, "key file %s is larger than %d bytes", path,
		    MAX_FILE_BYTES);
	char *text = sodium_malloc(MAX_FILE_BYTES + 1);
	if (text == NULL)
		abort();
	size_t len = 0;
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, text + len, MAX_FILE_BYTES + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = vault_fail(e, "cannot read key file %s", path);
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > MAX_FILE_BYTES) {
			rc = vault_fail(e, "key file %s is larger than %d bytes",
			    path, MAX_FILE_BYTES);
			break;
		}
	}
	if (rc == 0)
		rc = parse_keys(text, len, path, v, e);
	sodium_free(text);
	return rc;
}

static int
load_path(const char *path, struct vault *v, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return vault_fail(e, "no key file at %s (set IMAGO_KEY_FILE, "
			    "or create one with `imago key rotate`)", path);
		return vault_fail(e, "cannot open key file %s", path);
	}
	int rc = read_keys(fd, path, v, e);
	close(fd);
	return rc;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
sync_dir_of(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* Writes v's keys to a fresh 0600 temporary file beside path, fsynced;
 * the caller renames or links it into place. Its name goes in tmp. */
static int
write_temp(const char *path, const struct vault *v, struct buf *tmp,
    struct err *e)
{
	size_t cap = sizeof(file_header) + VAULT_MAX_KEYS * (sizeof(LINE_PREFIX) +
	    12 + B64_LEN + 1);
	char *text = sodium_malloc(cap);
	if (text == NULL)
		abort();
	size_t len = strlen(file_header);
	memcpy(text, file_header, len);
	for (size_t i = 0; i < v->n; i++) {
		char b64[B64_LEN];
		sodium_bin2base64(b64, sizeof(b64), v->keys + i * KEY_BYTES, KEY_BYTES,
		    B64_VARIANT);
		len += (size_t)snprintf(text + len, cap - len, "%s%u %s\n",
		    LINE_PREFIX, (unsigned)v->ids[i], b64);
		sodium_memzero(b64, sizeof(b64));
	}
	buf_reset(tmp);
	buf_printf(tmp, "%s.tmp-XXXXXX", path);
	int rc = 0;
	int fd = mkstemp(tmp->data);	/* 0600 */
	if (fd < 0) {
		rc = vault_fail(e, "cannot write beside key file %s", path);
	} else {
		if (fchmod(fd, 0600) != 0 || write_all(fd, text, len) != 0 ||
		    fsync(fd) != 0)
			rc = vault_fail(e, "cannot write beside key file %s",
			    path);
		close(fd);
		if (rc != 0)
			unlink(tmp->data);
	}
	sodium_free(text);
	return rc;
}

/* Creates the key file with one fresh key. link() fails if a file
 * appeared meanwhile, so the file is created at most once and never
 * seen half-written. 1 when it already existed. */
static int
create_key_file(const char *path, struct err *e)
{
	struct vault *v = vault_new();
	randombytes_buf(v->keys, KEY_BYTES);
	v->ids[0] = 1;
	v->n = 1;
	struct buf tmp = BUF_INIT;
	int rc = write_temp(path, v, &tmp, e);
	vault_close(v);
	if (rc != 0)
		return -1;
	if (link(tmp.data, path) != 0) {
		int saved = errno;
		unlink(tmp.data);
		buf_free(&tmp);
		if (saved == EEXIST)
			return 1;
		return vault_fail(e, "cannot create key file %s", path);
	}
	unlink(tmp.data);
	buf_free(&tmp);
	sync_dir_of(path);
	return 0;
}

struct vault *
vault_open(const char *path, bool create, struct err *e)
{
	if (create && access(path, F_OK) != 0 && errno == ENOENT &&
	    create_key_file(path, e) < 0)
		return NULL;
	struct vault *v = vault_new();
	if (load_path(path, v, e) != 0) {
		vault_close(v);
		return NULL;
	}
	sodium_mprotect_readonly(v->keys);
	return v;
}

/* Locks the key file for a change: an flock on the file itself, retried
 * if a rename replaced it while we waited. Returns the locked fd. */
static int
lock_key_file(const char *path, struct err *e)
{
	for (int tries = 0; tries < 100; tries++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				return vault_fail(e, "no key file at %s", path);
			return vault_fail(e, "cannot open key file %s", path);
		}
		struct stat held, now;
		if (flock(fd, LOCK_EX) == 0 && fstat(fd, &held) == 0 &&
		    stat(path, &now) == 0 && held.st_ino == now.st_ino &&
		    held.st_dev == now.st_dev)
			return fd;
		close(fd);
	}
	return vault_fail(e, "cannot lock key file %s", path);
}

/* Replaces the (locked) key file with v's keys. */
static int
rewrite_key_file(const char *path, const struct vault *v, struct err *e)
{
	struct buf tmp = BUF_INIT;
	int rc = write_temp(path, v, &tmp, e);
	if (rc == 0 && rename(tmp.data, path) != 0) {
		unlink(tmp.data);
		rc = vault_fail(e, "cannot replace key file %s", path);
	}
	buf_free(&tmp);
	if (rc == 0)
		sync_dir_of(path);
	return rc;
}

int
vault_add_key(const char *path, uint32_t *new_id, struct err *e)
{
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		int made = create_key_file(path, e);
		if (made < 0)
			return -1;
		if (made == 0) {
			*new_id = 1;
			return 0;
		}
	}
	int fd = lock_key_file(path, e);
	if (fd < 0)
		return -1;
	struct vault *v = vault_new();
	int rc = read_keys(fd, path, v, e);
	if (rc == 0 && v->n == VAULT_MAX_KEYS)
		rc = vault_fail(e, "key file %s already holds %d keys: retire old "
		    "ones first", path, VAULT_MAX_KEYS);
	if (rc == 0 && v->ids[v->n - 1] == MAX_KEY_ID)
		rc = vault_fail(e, "key file %s: no key id left after %lld", path,
		    MAX_KEY_ID);
	if (rc == 0) {
		randombytes_buf(v->keys + v->n * KEY_BYTES, KEY_BYTES);
		v->ids[v->n] = v->ids[v->n - 1] + 1;
		v->n++;
		rc = rewrite_key_file(path, v, e);
		if (rc == 0)
			*new_id = v->ids[v->n - 1];
	}
	vault_close(v);
	close(fd);	/* releases the lock */
	return rc;
}

/* ---- Sealing ---- */

static int
check_context(const char *context, struct err *e)
{
	size_t n = context ? strlen(context) : 0;
	if (n == 0 || n > VAULT_MAX_CONTEXT)
		return vault_fail(e, "a vault context must be 1 to %d bytes",
		    VAULT_MAX_CONTEXT);
	for (size_t i = 0; i < n; i++)
		if (context[i] < 0x21 || context[i] > 0x7e)
			return vault_fail(e, "a vault context must be printable "
			    "ASCII");
	return 0;
}

/* The associated data: the header, then the context. */
static size_t
make_ad(unsigned char *ad, const unsigned char *header, const char *context)
{
	size_t n = strlen(context);
	memcpy(ad, header, VAULT_HEADER_BYTES);
	memcpy(ad + VAULT_HEADER_BYTES, context, n);
	return VAULT_HEADER_BYTES + n;
}

int
vault_seal(const struct vault *v, const char *context, const void *plain,
    size_t n, struct buf *out, struct err *e)
{
	if (check_context(context, e) != 0)
		return -1;
	if (n > VAULT_MAX_PLAIN)
		return vault_fail(e, "a value to seal must be at most %u bytes",
		    VAULT_MAX_PLAIN);
	static const unsigned char nothing[1];
	if (plain == NULL)
		plain = nothing;
	uint32_t id = vault_current_id(v);
	buf_reset(out);
	buf_grow(out, VAULT_OVERHEAD + n);
	unsigned char *p = (unsigned char *)out->data;
	p[0] = VAULT_VERSION;
	p[1] = (unsigned char)(id >> 24);
	p[2] = (unsigned char)(id >> 16);
	p[3] = (unsigned char)(id >> 8);
	p[4] = (unsigned char)id;
	randombytes_buf(p + VAULT_HEADER_BYTES, NONCE_BYTES);
	unsigned char ad[VAULT_HEADER_BYTES + VAULT_MAX_CONTEXT];
	size_t adlen = make_ad(ad, p, context);
	unsigned long long clen = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt(p + VAULT_HEADER_BYTES +
	    NONCE_BYTES, &clen, plain, n, ad, adlen, NULL, p + VAULT_HEADER_BYTES,
	    find_key(v, id));
	out->len = VAULT_HEADER_BYTES + NONCE_BYTES + (size_t)clen;
	out->data[out->len] = '\0';
	return 0;
}

int
vault_sealed_key_id(const void *sealed, size_t n, uint32_t *id)
{
	const unsigned char *p = sealed;
	if (p == NULL || n < VAULT_OVERHEAD || p[0] != VAULT_VERSION)
		return -1;
	*id = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 |
	    (uint32_t)p[4];
	return 0;
}

int
vault_open_sealed(const struct vault *v, const char *context,
    const void *sealed, size_t n, struct buf *out, struct err *e)
{
	/* Previous contents may be plain text: wipe rather than realloc. */
	if (out->data)
		sodium_memzero(out->data, out->cap);
	out->len = 0;
	if (check_context(context, e) != 0)
		return -1;
	const unsigned char *p = sealed;
	if (p == NULL || n < VAULT_OVERHEAD)
		return vault_fail(e, "sealed value for %s is truncated", context);
	if (p[0] != VAULT_VERSION)
		return vault_fail(e, "sealed value for %s has unknown format %d",
		    context, p[0]);
	uint32_t id;
	vault_sealed_key_id(p, n, &id);
	const unsigned char *key = find_key(v, id);
	if (key == NULL)
		return vault_fail(e, "sealed value for %s needs key %u, which the "
		    "key file does not hold", context, (unsigned)id);
	size_t plen = n - VAULT_OVERHEAD;
	if (out->cap < plen + 1) {
		free(out->data);
		out->cap = plen + 1;
		out->data = xmalloc(out->cap);
	}
	unsigned char ad[VAULT_HEADER_BYTES + VAULT_MAX_CONTEXT];
	size_t adlen = make_ad(ad, p, context);
	unsigned long long mlen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out->data,
	    &mlen, NULL, p + VAULT_HEADER_BYTES + NONCE_BYTES,
	    n - VAULT_HEADER_BYTES - NONCE_BYTES, ad, adlen,
	    p + VAULT_HEADER_BYTES, key) != 0) {
		sodium_memzero(out->data, out->cap);
		out->data[0] = '\0';
		return vault_fail(e, "sealed value for %s does not open: altered, "
		    "or sealed for another place", context);
	}
	out->len = (size_t)mlen;
	out->data[out->len] = '\0';
	return 0;
}

/* ---- Rotation over the database ---- */

static int
valid_identifier(const char *s)
{
	if (s == NULL || !(*s == '_' || (*s >= 'A' && *s <= 'Z') ||
	    (*s >= 'a' && *s <= 'z')))
		return 0;
	size_t n = 0;
	for (; s[n]; n++)
		if (!(s[n] == '_' || (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9')))
			return 0;
	return n <= 64;
}

static int
check_column(const struct vault_column *c, struct err *e)
{
	if (!valid_identifier(c->table) || !valid_identifier(c->id_column) ||
	    !valid_identifier(c->column) || c->context_prefix == NULL ||
	    check_context(c->context_prefix, e) != 0)
		return vault_fail(e, "vault registry: bad column entry for %s",
		    c->table && valid_identifier(c->table) ? c->table : "?");
	return 0;
}

static void
key_id_blob(uint32_t id, unsigned char out[4])
{
	out[0] = (unsigned char)(id >> 24);
	out[1] = (unsigned char)(id >> 16);
	out[2] = (unsigned char)(id >> 8);
	out[3] = (unsigned char)id;
}

/* The rows of one column after *last whose value another key sealed, at
 * most VAULT_RESEAL_BATCH; ids are collected first so no row changes
 * under a running SELECT. */
static int
stale_rows(sqlite3 *db, const struct vault *v, const struct vault_column *c,
    long long last, long long *ids, int *count, struct err *e)
{
	unsigned char cur[4];
	key_id_blob(vault_current_id(v), cur);
	struct buf sql = BUF_INIT;
	buf_printf(&sql, "SELECT \"%s\" FROM \"%s\" WHERE \"%s\" > ?1 "
	    "AND \"%s\" IS NOT NULL AND substr(\"%s\", 2, 4) IS NOT ?2 "
	    "ORDER BY \"%s\" LIMIT %d", c->id_column, c->table, c->id_column,
	    c->column, c->column, c->id_column, VAULT_RESEAL_BATCH);
	sqlite3_stmt *st = db_prepare(db, sql.data, e);
	buf_free(&sql);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, last);
	sqlite3_bind_blob(st, 2, cur, 4, SQLITE_STATIC);
	int step;
	*count = 0;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		ids[(*count)++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? 0 : db_fail(db, e, "re-seal");
}

/* Opens one row's value and seals it again with the current key: 1 when
 * re-sealed, 0 when the row went meanwhile, -1 on error. */
static int
reseal_row(sqlite3 *db, const struct vault *v, const struct vault_column *c,
    sqlite3_stmt *get, sqlite3_stmt *put, long long id, struct err *e)
{
	struct buf ctx = BUF_INIT, plain = BUF_INIT, sealed = BUF_INIT;
	int rc = -1;
	vault_context(&ctx, c->context_prefix, id);
	sqlite3_reset(get);
	sqlite3_bind_int64(get, 1, id);
	if (sqlite3_step(get) != SQLITE_ROW) {
		rc = 0;		/* deleted meanwhile */
		goto out;
	}
	if (vault_open_sealed(v, ctx.data, sqlite3_column_blob(get, 0),
	    (size_t)sqlite3_column_bytes(get, 0), &plain, e) != 0) {
		char why[sizeof(e->message)];
		snprintf(why, sizeof(why), "%s", e->message);
		vault_fail(e, "%s.%s row %lld: %s", c->table, c->column, id, why);
		goto out;
	}
	sqlite3_reset(get);
	if (vault_seal(v, ctx.data, plain.data, plain.len, &sealed, e) != 0)
		goto out;
	sqlite3_reset(put);
	sqlite3_bind_blob(put, 1, sealed.data, (int)sealed.len, SQLITE_STATIC);
	sqlite3_bind_int64(put, 2, id);
	if (sqlite3_step(put) != SQLITE_DONE) {
		db_fail(db, e, "re-seal");
		goto out;
	}
	sqlite3_reset(put);
	rc = 1;
out:
	sqlite3_reset(get);
	buf_free(&ctx);
	buf_free(&sealed);
	vault_buf_wipe(&plain);
	return rc;
}

/* One batch of one column, in one transaction. Sets *done when no rows
 * are left after it. */
static int
reseal_batch(sqlite3 *db, const struct vault *v, const struct vault_column *c,
    long long *last, long long *changed, int *done, struct err *e)
{
	long long ids[VAULT_RESEAL_BATCH];
	int count = 0;
	struct buf sql = BUF_INIT;
	sqlite3_stmt *get = NULL, *put = NULL;
	if (db_exec(db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (stale_rows(db, v, c, *last, ids, &count, e) != 0)
		goto rollback;
	buf_printf(&sql, "SELECT \"%s\" FROM \"%s\" WHERE \"%s\" = ?1",
	    c->column, c->table, c->id_column);
	get = db_prepare(db, sql.data, e);
	buf_reset(&sql);
	buf_printf(&sql, "UPDATE \"%s\" SET \"%s\" = ?1 WHERE \"%s\" = ?2",
	    c->table, c->column, c->id_column);
	put = get ? db_prepare(db, sql.data, e) : NULL;
	if (put == NULL)
		goto rollback;
	long long batch_changed = 0;
	for (int i = 0; i < count; i++) {
		int r = reseal_row(db, v, c, get, put, ids[i], e);
		if (r < 0)
			goto rollback;
		batch_changed += r;
	}
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	get = put = NULL;
	if (db_exec(db, "COMMIT", e) != 0)
		goto rollback;
	buf_free(&sql);
	*changed += batch_changed;
	if (count > 0)
		*last = ids[count - 1];
	*done = count < VAULT_RESEAL_BATCH;
	return 0;
rollback:
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	buf_free(&sql);
	return -1;
}

int
vault_reseal(sqlite3 *db, const struct vault *v,
    const struct vault_column *cols, size_t n, long long *changed,
    struct err *e)
{
	*changed = 0;
	for (size_t i = 0; i < n; i++)
		if (check_column(&cols[i], e) != 0)
			return -1;
	for (size_t i = 0; i < n; i++) {
		long long last = -9223372036854775807LL - 1;
		int done = 0;
		while (!done)
			if (reseal_batch(db, v, &cols[i], &last, changed, &done, e) != 0)
				return -1;
	}
	return 0;
}

int
vault_key_in_use(sqlite3 *db, const struct vault_column *cols, size_t n,
    uint32_t id, long long *count, struct err *e)
{
	*count = 0;
	unsigned char blob[4];
	key_id_blob(id, blob);
	for (size_t i = 0; i < n; i++) {
		if (check_column(&cols[i], e) != 0)
			return -1;
		struct buf sql = BUF_INIT;
		buf_printf(&sql, "SELECT count(*) FROM \"%s\" WHERE substr(\"%s\", 2, 4) "
		    "= ?1", cols[i].table, cols[i].column);
		sqlite3_stmt *st = db_prepare(db, sql.data, e);
		buf_free(&sql);
		if (st == NULL)
			return -1;
		sqlite3_bind_blob(st, 1, blob, 4, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			return db_fail(db, e, "count sealed values");
		}
		*count += sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return 0;
}

int
vault_retire(const char *path, sqlite3 *db, const struct vault_column *cols,
    size_t n, uint32_t id, struct err *e)
{
	int fd = lock_key_file(path, e);
	if (fd < 0)
		return -1;
	struct vault *v = vault_new();
	long long count = 0;
	size_t at = 0;
	int rc = read_keys(fd, path, v, e);
	if (rc == 0) {
		while (at < v->n && v->ids[at] != id)
			at++;
		if (at == v->n)
			rc = err_set(e, 404, "not_found", "id", "key file %s holds no "
			    "key %u", path, (unsigned)id);
		else if (at == v->n - 1)
			rc = err_set(e, 409, "key_in_use", "id", "key %u is the current "
			    "key: add a new one with `imago key rotate` first",
			    (unsigned)id);
	}
	/* The write lock keeps other connections from sealing a value with
	 * this key between the count and the removal. */
	int in_tx = 0;
	if (rc == 0 && n > 0 && (rc = db_exec(db, "BEGIN IMMEDIATE", e)) == 0)
		in_tx = 1;
	if (rc == 0 && n > 0)
		rc = vault_key_in_use(db, cols, n, id, &count, e);
	if (rc == 0 && count > 0)
		rc = err_set(e, 409, "key_in_use", "id", "key %u still seals %lld "
		    "value%s: run `imago key reseal` first", (unsigned)id, count,
		    count == 1 ? "" : "s");
	if (rc == 0) {
		sodium_memzero(v->keys + at * KEY_BYTES, KEY_BYTES);
		memmove(v->keys + at * KEY_BYTES, v->keys + (at + 1) * KEY_BYTES,
		    (v->n - at - 1) * KEY_BYTES);
		memmove(v->ids + at, v->ids + at + 1, (v->n - at - 1) * sizeof(v->ids[0]));
		v->n--;
		sodium_memzero(v->keys + v->n * KEY_BYTES, KEY_BYTES);
		rc = rewrite_key_file(path, v, e);
	}
	if (in_tx)
		sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	vault_close(v);
	close(fd);
	return rc;
}
