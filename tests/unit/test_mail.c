/*
 * Outgoing mail, against real databases and a real maildir in the test's
 * temporary directory: a queued message comes out of the maildir as a
 * well-formed MIME message whose headers and quoted-printable body decode
 * back to what was queued (non-ASCII included); a message with an
 * attachment is multipart/mixed with a boundary found nowhere else, its
 * text part as above and its base64 attachment decoding to the very
 * bytes queued, and the attachment is cleared once sent; header
 * injection (in addresses, subjects, attachment types and file names)
 * and oversize input are refused, at queueing and again at delivery; an SMTP
 * server that is not there means a retry with a growing delay and, after
 * MAIL_MAX_ATTEMPTS, giving up, with log lines that name neither the
 * recipient nor the password; a sent message is never sent again; and
 * the worker delivers promptly when woken, survives a broken database,
 * and stops at once even in the middle of talking to a server that never
 * answers.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../../src/mail/mail.h"
#include "../../src/store/db.h"
#include "../../src/util/buf.h"
#include "../../src/util/mem.h"

/* ---- helpers ---------------------------------------------------------- */

static char *
tmp_path(const char *name)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s/%s", test_tmpdir(), name);
	return buf_detach(&b);
}

/* A new, migrated database; its path in *path (caller frees). */
static sqlite3 *
fresh_db(const char *name, char **path)
{
	*path = tmp_path(name);
	unlink(*path);
	struct err e = ERR_INIT;
	sqlite3 *db = db_open(*path, &e);
	if (db == NULL || db_migrate(db, &e) < 0) {
		test_fail(__FILE__, __LINE__, "cannot create %s: %s", *path, e.message);
		db_close(db);
		db = NULL;
	}
	return db;
}

static long long
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -12345;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
	else
		test_fail(__FILE__, __LINE__, "query failed: %s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

static char *
query_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static void
exec_sql(sqlite3 *db, const char *sql)
{
	struct err e = ERR_INIT;
	if (db_exec(db, sql, &e) < 0)
		test_fail(__FILE__, __LINE__, "%s: %s", sql, e.message);
}

/* Regular files in dir; the name of the last one in *name if asked. */
static int
count_files(const char *dir, char **name)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		if (name) {
			free(*name);
			*name = xstrdup(de->d_name);
		}
	}
	closedir(d);
	return n;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&b, chunk, n);
	fclose(f);
	*len = b.len;
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_detach(&b);
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;	/* RFC 2045 encoders use upper case */
}

/* Strict quoted-printable decoding; *bad counts malformed escapes. */
static void
qp_decode(struct buf *out, const char *s, size_t n, int *bad)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '=') {
			buf_putc(out, s[i]);
			continue;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
		} else if (i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
			buf_putc(out, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
			i += 2;
		} else {
			(*bad)++;
			buf_putc(out, '=');
		}
	}
}

/* What the body should decode to: every line end CRLF, a final CRLF. */
static char *
crlf_text(const char *s)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\r' && s[i + 1] == '\n')
			continue;
		if (s[i] == '\r' || s[i] == '\n')
			buf_puts(&b, "\r\n");
		else
			buf_putc(&b, s[i]);
	}
	if (b.len > 0 && (b.len < 2 || memcmp(b.data + b.len - 2, "\r\n", 2) != 0))
		buf_puts(&b, "\r\n");
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_detach(&b);
}

/* A header's value from a message's header block, unfolded (CRLF
 * removed), or NULL. */
static char *
header_value(const char *msg, const char *name)
{
	struct buf key = BUF_INIT;
	buf_printf(&key, "%s: ", name);
	const char *p = msg;
	const char *end = strstr(msg, "\r\n\r\n");
	char *v = NULL;
	while (p && p < end) {
		if (strncmp(p, key.data, key.len) == 0) {
			struct buf b = BUF_INIT;
			const char *q = p + key.len;
			for (;;) {
				const char *eol = strstr(q, "\r\n");
				buf_put(&b, q, (size_t)(eol - q));
				if (eol[2] != ' ' && eol[2] != '\t')
					break;
				q = eol + 2;
			}
			if (b.data == NULL)
				buf_puts(&b, "");
			v = buf_detach(&b);
			break;
		}
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	buf_free(&key);
	return v;
}

/* Decodes RFC 2047 B encoded-words (utf-8) in an unfolded value;
 * whitespace between two encoded-words is dropped, as readers do. */
static char *
decode_words(const char *v)
{
	static const char prefix[] = "=?utf-8?B?";
	struct buf b = BUF_INIT;
	const char *p = v;
	bool after_word = false;
	while (*p) {
		if (strncmp(p, prefix, sizeof(prefix) - 1) == 0) {
			const char *start = p + sizeof(prefix) - 1;
			const char *end = strstr(start, "?=");
			if (end == NULL)
				break;
			unsigned char bin[256];
			size_t bin_len = 0;
			if (sodium_base642bin(bin, sizeof(bin), start, (size_t)(end - start),
			    NULL, &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
				buf_puts(&b, "<bad base64>");
			else
				buf_put(&b, bin, bin_len);
			p = end + 2;
			after_word = true;
			continue;
		}
		if (after_word && *p == ' ') {
			const char *q = p;
			while (*q == ' ')
				q++;
			if (strncmp(q, prefix, sizeof(prefix) - 1) == 0) {
				p = q;
				continue;
			}
		}
		after_word = false;
		buf_putc(&b, *p++);
	}
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_detach(&b);
}

/* Every line of msg ends in CRLF, is 7-bit, and no longer than max
 * (headers) or 76 (body); returns the number of bad lines. */
static int
check_lines(const char *msg, size_t len, size_t header_max)
{
	int bad = 0;
	bool in_body = false;
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)msg[i] >= 0x80 || msg[i] == '\0') {
			test_fail(__FILE__, __LINE__, "byte %zu is not 7-bit text", i);
			return bad + 1;
		}
		if (msg[i] == '\r' && (i + 1 >= len || msg[i + 1] != '\n'))
			bad++;
		if (msg[i] != '\n')
			continue;
		if (i == 0 || msg[i - 1] != '\r') {
			test_fail(__FILE__, __LINE__, "bare LF at byte %zu", i);
			bad++;
		}
		size_t line_len = i - 1 - start;
		if (line_len > (in_body ? 76 : header_max)) {
			test_fail(__FILE__, __LINE__, "line of %zu characters: %.*s", line_len,
			    (int)line_len, msg + start);
			bad++;
		}
		if (line_len == 0)
			in_body = true;
		start = i + 1;
	}
	if (start != len) {
		test_fail(__FILE__, __LINE__, "the message does not end with CRLF");
		bad++;
	}
	return bad;
}

/* A loopback port nothing listens on: bound, read, closed. */
static int
closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof(sa);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		test_fail(__FILE__, __LINE__, "cannot bind a loopback socket");
		if (fd >= 0)
			close(fd);
		return 1;
	}
	int port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Runs a delivery pass with stderr captured into *log (caller frees). */
static int
deliver_capturing(const struct mail_config *cfg, struct err *e, char **log)
{
	char *path = tmp_path("stderr.log");
	fflush(stderr);
	int saved = dup(2);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	int n = mail_deliver_pending(cfg, e);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	size_t len;
	*log = read_file(path, &len);
	unlink(path);
	free(path);
	if (*log == NULL)
		*log = xstrdup("");
	return n;
}

static struct mail_config
maildir_config(const char *db_path, const char *maildir)
{
	struct mail_config cfg = {
		.db_path = db_path, .maildir = maildir, .from = MAIL_DEFAULT_FROM,
		.poll_ms = 1000,
	};
	return cfg;
}

static bool
wait_for_files(const char *dir, int want, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		if (count_files(dir, NULL) >= want)
			return true;
		usleep(20000);
	}
	return false;
}

/* ---- the message ------------------------------------------------------ */

static const char roundtrip_subject[] =
    "Bitte bestätige deine E-Mail-Adresse — Grüße aus Zürich, 你好世界, "
    "and a few more words so that it needs several encoded-words";
static const char roundtrip_body[] =
    "Hallo Zoë,\n"
    "\n"
    "bitte bestätige deine Adresse:\n"
    "https://imago.example/account/verify?token=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGhIjKlMnOpQrStUvWxYz&next=%2Fdialogue\n"
    ".\n"
    "From here on, a = sign and = at the end =\n"
    "trailing space \n"
    "trailing tab\t\n"
    "a\ttab inside\r\n"
    "Windows line end above, old Mac line end next\r"
    "日本語のテキスト、ウムラウト äöü ÄÖÜ ß, emoji 🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂\n"
    "Das Imago-Dialog-Übungsblatt wartet auf dich; es ist eine sehr lange Zeile ohne Umbruch, "
    "die der Encoder mit weichen Umbrüchen auf höchstens 76 Zeichen bringen muss.";

TEST(mail_maildir_delivery_round_trip)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-roundtrip.db", &db_path);
	char *maildir = tmp_path("roundtrip-mail");
	struct err e = ERR_INIT;
	if (db == NULL)
		goto out;
	CHECK_INT(mail_enqueue(db, "zoe.muster+imago@example.org", roundtrip_subject,
	    roundtrip_body, &e), 0);
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox WHERE created_at = next_attempt_at"
	    " AND created_at > strftime('%s','now') - 60 AND sent_at IS NULL AND attempts = 0"), 1);

	struct mail_config cfg = maildir_config(db_path, maildir);
	CHECK_INT(mail_deliver_pending(&cfg, &e), 1);
	if (err_is_set(&e))
		test_fail(__FILE__, __LINE__, "deliver: %s", e.message);

	struct buf dir = BUF_INIT;
	char *name = NULL;
	buf_printf(&dir, "%s/new", maildir);
	CHECK_INT(count_files(dir.data, &name), 1);
	buf_reset(&dir);
	buf_printf(&dir, "%s/tmp", maildir);
	CHECK_INT(count_files(dir.data, NULL), 0);
	buf_reset(&dir);
	buf_printf(&dir, "%s/cur", maildir);
	CHECK_INT(count_files(dir.data, NULL), 0);
	struct stat st;
	CHECK(stat(maildir, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(stat(dir.data, &st) == 0 && (st.st_mode & 0777) == 0700);
	if (name == NULL) {
		buf_free(&dir);
		goto out;
	}
	/* seconds.M<usec>P<pid>Q<n>R<hex>.imago */
	CHECK(strstr(name, ".M") && strstr(name, "P") && strstr(name, "Q") &&
	    strstr(name, "R") && strlen(name) > 6 &&
	    strcmp(name + strlen(name) - 6, ".imago") == 0);

	buf_reset(&dir);
	buf_printf(&dir, "%s/new/%s", maildir, name);
	CHECK(stat(dir.data, &st) == 0 && (st.st_mode & 0777) == 0600);
	size_t len = 0;
	char *msg = read_file(dir.data, &len);
	buf_free(&dir);
	free(name);
	CHECK(msg != NULL);
	if (msg == NULL)
		goto out;
	CHECK_INT(check_lines(msg, len, 78), 0);

	char *v;
	CHECK_STR(v = header_value(msg, "From"), "imago <no-reply@localhost>");
	free(v);
	CHECK_STR(v = header_value(msg, "To"), "zoe.muster+imago@example.org");
	free(v);
	CHECK_STR(v = header_value(msg, "MIME-Version"), "1.0");
	free(v);
	CHECK_STR(v = header_value(msg, "Content-Type"), "text/plain; charset=utf-8");
	free(v);
	CHECK_STR(v = header_value(msg, "Content-Transfer-Encoding"), "quoted-printable");
	free(v);
	v = header_value(msg, "Message-ID");
	CHECK(v && v[0] == '<' && strlen(v) > 10 &&
	    strcmp(v + strlen(v) - 7, "@imago>") == 0);
	free(v);
	/* "Tue, 01 Jul 2025 12:00:00 +0000" */
	v = header_value(msg, "Date");
	struct tm tm = { 0 };
	const char *rest = v ? strptime(v, "%a, %d %b %Y %H:%M:%S +0000", &tm) : NULL;
	CHECK(rest != NULL && *rest == '\0');
	CHECK(v && strlen(v) == 31);
	free(v);

	v = header_value(msg, "Subject");
	CHECK(v && strncmp(v, "=?utf-8?B?", 10) == 0);
	char *subject = v ? decode_words(v) : NULL;
	CHECK_STR(subject, roundtrip_subject);
	free(subject);
	free(v);

	const char *body = strstr(msg, "\r\n\r\n");
	CHECK(body != NULL);
	if (body) {
		body += 4;
		struct buf decoded = BUF_INIT;
		int bad = 0;
		qp_decode(&decoded, body, len - (size_t)(body - msg), &bad);
		CHECK_INT(bad, 0);
		char *want = crlf_text(roundtrip_body);
		CHECK_STR(buf_cstr(&decoded), want);
		free(want);
		/* The link survives decoding whole (soft breaks and all). */
		CHECK(strstr(buf_cstr(&decoded), "https://imago.example/account/verify?token="
		    "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGhIjKlMnOpQrStUvWxYz"
		    "&next=%2Fdialogue\r\n") != NULL);
		buf_free(&decoded);
		/* A lone "." and "From " never start an encoded line. */
		CHECK(strstr(body, "\r\n.") == NULL);
		CHECK(strstr(body, "\r\nFrom ") == NULL);
	}
	free(msg);

	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"
	    " AND last_error IS NULL"), 1);
	/* Sent once is sent: another pass sends nothing. */
	CHECK_INT(mail_deliver_pending(&cfg, &e), 0);
	struct buf new_dir = BUF_INIT;
	buf_printf(&new_dir, "%s/new", maildir);
	CHECK_INT(count_files(new_dir.data, NULL), 1);
	buf_free(&new_dir);
out:
	db_close(db);
	free(db_path);
	free(maildir);
}

TEST(mail_headers_ascii_and_from_forms)
{
	struct buf b = BUF_INIT;
	mail_format(&b, "Imago Team <team@imago.example>", "a@b.org", "Welcome to imago",
	    "Hi", 0);
	char *v;
	CHECK_STR(v = header_value(b.data, "Subject"), "Welcome to imago");
	free(v);
	CHECK_STR(v = header_value(b.data, "From"), "Imago Team <team@imago.example>");
	free(v);
	CHECK_STR(v = header_value(b.data, "Date"), "Thu, 01 Jan 1970 00:00:00 +0000");
	free(v);

	/* ASCII that looks like an encoded-word is encoded itself. */
	buf_reset(&b);
	mail_format(&b, "a@b.org", "a@b.org", "=?utf-8?B?SGk=?=", "", 0);
	v = header_value(b.data, "Subject");
	CHECK(v && strcmp(v, "=?utf-8?B?SGk=?=") != 0);
	char *d = v ? decode_words(v) : NULL;
	CHECK_STR(d, "=?utf-8?B?SGk=?=");
	free(d);
	free(v);
	CHECK_STR(v = header_value(b.data, "From"), "a@b.org");
	free(v);

	/* A long ASCII subject is folded at spaces and unfolds unchanged. */
	char subject[MAIL_SUBJECT_MAX + 1];
	size_t n = 0;
	while (n + 8 <= MAIL_SUBJECT_MAX) {
		memcpy(subject + n, "session ", 8);
		n += 8;
	}
	subject[n - 1] = '\0';
	buf_reset(&b);
	mail_format(&b, "a@b.org", "a@b.org", subject, "x", 0);
	CHECK_INT(check_lines(b.data, b.len, 78), 0);
	CHECK_STR(v = header_value(b.data, "Subject"), subject);
	free(v);

	/* Display names: quoted when they have specials, encoded when not
	 * ASCII. */
	buf_reset(&b);
	mail_format(&b, "Imago, Inc. <a@b.org>", "a@b.org", "x", "x", 0);
	CHECK_STR(v = header_value(b.data, "From"), "\"Imago, Inc.\" <a@b.org>");
	free(v);
	buf_reset(&b);
	mail_format(&b, "Zoës Praxis <z@x.org>", "a@b.org", "x", "x", 0);
	v = header_value(b.data, "From");
	CHECK(v && strncmp(v, "=?utf-8?B?", 10) == 0);
	d = v ? decode_words(v) : NULL;
	CHECK_STR(d, "Zoës Praxis <z@x.org>");
	free(d);
	free(v);
	buf_free(&b);

	char addr[MAIL_ADDRESS_MAX + 1];
	struct err e = ERR_INIT;
	CHECK_INT(mail_from_address("Imago Team <team@imago.example>", addr, sizeof(addr), &e), 0);
	CHECK_STR(addr, "team@imago.example");
	CHECK_INT(mail_from_address("solo@imago.example", addr, sizeof(addr), &e), 0);
	CHECK_STR(addr, "solo@imago.example");
	CHECK_INT(mail_from_address(MAIL_DEFAULT_FROM, addr, sizeof(addr), &e), 0);
	CHECK_STR(addr, "no-reply@localhost");
	CHECK_INT(mail_from_address("x\r\nBcc: y@z.org <a@b.org>", addr, sizeof(addr), &e), -1);
	CHECK_INT(mail_from_address("no address here", addr, sizeof(addr), &e), -1);
	CHECK_INT(mail_from_address("Bad <Name> <a@b.org>", addr, sizeof(addr), &e), -1);
	CHECK_INT(mail_from_address("", addr, sizeof(addr), &e), -1);
}

TEST(mail_quoted_printable)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "", "" },
		{ "plain", "plain\r\n" },
		{ "a=b", "a=3Db\r\n" },
		{ "end ", "end=20\r\n" },
		{ "tab\t", "tab=09\r\n" },
		{ "in side", "in side\r\n" },
		{ "a\nb\r\nc\rd\n", "a\r\nb\r\nc\r\nd\r\n" },
		{ "\n\n", "\r\n\r\n" },
		{ ".", "=2E\r\n" },
		{ "..x", "=2E.x\r\n" },
		{ "From me", "=46rom me\r\n" },
		{ "Fromage", "Fromage\r\n" },
		{ "é", "=C3=A9\r\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		mail_qp_encode(&b, cases[i].in, strlen(cases[i].in));
		CHECK_STR(buf_cstr(&b), cases[i].out);
		buf_free(&b);
	}

	/* Exactly 76 fits on one line; 77 needs a soft break. */
	char line[200];
	memset(line, 'x', sizeof(line));
	struct buf b = BUF_INIT;
	mail_qp_encode(&b, line, 76);
	CHECK_INT((long long)b.len, 78);
	buf_reset(&b);
	mail_qp_encode(&b, line, 77);
	CHECK(strncmp(b.data + 75, "=\r\n", 3) == 0);
	buf_free(&b);

	/* Random text over an alphabet of the awkward cases: lines stay
	 * within 76 and decoding gives back the text with CRLF line ends. */
	static const char *const pieces[] = { "a", "Z", " ", "\t", "=", "\n", "\r",
	    "\r\n", ".", "From ", "é", "€", "🙂", "x", "http://e.org/?a=1&b=%20" };
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	for (int round = 0; round < 400; round++) {
		struct buf text = BUF_INIT;
		int len = (int)randombytes_uniform(300);
		for (int k = 0; k < len; k++)
			buf_puts(&text, pieces[randombytes_uniform((uint32_t)npieces)]);
		if (text.data == NULL)
			buf_puts(&text, "");
		struct buf enc = BUF_INIT, dec = BUF_INIT;
		mail_qp_encode(&enc, text.data, text.len);
		if (enc.data == NULL)
			buf_puts(&enc, "");
		/* check_lines wants a header block first. */
		struct buf whole = BUF_INIT;
		buf_puts(&whole, "X: y\r\n\r\n");
		buf_put(&whole, enc.data, enc.len);
		int bad = check_lines(whole.data, whole.len, 78);
		int bad_escapes = 0;
		qp_decode(&dec, enc.data, enc.len, &bad_escapes);
		char *want = crlf_text(text.data);
		if (bad || bad_escapes || strcmp(buf_cstr(&dec), want) != 0) {
			test_fail(__FILE__, __LINE__, "round %d: QP round trip failed", round);
			round = 1000;
		}
		free(want);
		buf_free(&text);
		buf_free(&enc);
		buf_free(&dec);
		buf_free(&whole);
	}
}

/* ---- what may be queued ----------------------------------------------- */

TEST(mail_refuses_header_injection)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-inject.db", &db_path);
	if (db == NULL) {
		free(db_path);
		return;
	}
	/* "a@" and 63-letter labels: 255 bytes, then 254 without the "a". */
	char long_addr[MAIL_ADDRESS_MAX + 2];
	memset(long_addr, 'b', sizeof(long_addr) - 1);
	long_addr[sizeof(long_addr) - 1] = '\0';
	memcpy(long_addr, "aa@", 3);
	for (size_t k = 3 + 63; k < sizeof(long_addr) - 2; k += 64)
		long_addr[k] = '.';
	static const char *const bad_to[] = {
		"victim@example.org\r\nBcc: everyone@example.org",
		"victim@example.org\nBcc: everyone@example.org",
		"victim@example.org\r",
		"victim@example.org\t",
		"victim@example.org, other@example.org",
		"Victim <victim@example.org>",
		"\"v\"@example.org",
		"a b@example.org",
		"no-at-sign",
		"two@@example.org",
		"a@b@example.org",
		"@example.org",
		"a@",
		".a@example.org",
		"a.@example.org",
		"a..b@example.org",
		"a@-example.org",
		"a@example-.org",
		"a@example..org",
		"a@example.org.",
		"a@[127.0.0.1]",
		"zoë@example.org",
		"",
	};
	struct err e = ERR_INIT;
	for (size_t i = 0; i < sizeof(bad_to) / sizeof(bad_to[0]); i++) {
		err_clear(&e);
		if (mail_enqueue(db, bad_to[i], "Hello", "Body", &e) != -1 ||
		    e.status != 400 || strcmp(e.param, "to") != 0)
			test_fail(__FILE__, __LINE__, "accepted recipient %zu \"%s\"", i, bad_to[i]);
	}
	err_clear(&e);
	CHECK_INT(mail_enqueue(db, long_addr, "Hello", "Body", &e), -1);
	CHECK_INT(mail_enqueue(db, long_addr + 1, "Hello", "Body", &e), 0);
	CHECK_INT((long long)strlen(long_addr + 1), MAIL_ADDRESS_MAX);

	static const char *const bad_subject[] = {
		"Hello\r\nBcc: everyone@example.org",
		"Hello\nBcc: everyone@example.org",
		"Hello\rthere",
		"Hello\tthere",
		"Hello\x7f",
		"Hello\x1b[31m",
		"Hello \xc2\x85 next line",		/* U+0085 */
		"Hello \xe2\x80\xa8 separator",		/* U+2028 */
		"Bad \xff UTF-8",
		"Overlong \xc0\xaf",
		"Surrogate \xed\xa0\x80",
	};
	for (size_t i = 0; i < sizeof(bad_subject) / sizeof(bad_subject[0]); i++) {
		err_clear(&e);
		if (mail_enqueue(db, "ok@example.org", bad_subject[i], "Body", &e) != -1 ||
		    e.status != 400 || strcmp(e.param, "subject") != 0)
			test_fail(__FILE__, __LINE__, "accepted subject %zu", i);
	}
	char subject[MAIL_SUBJECT_MAX + 2];
	memset(subject, 's', sizeof(subject) - 1);
	subject[sizeof(subject) - 1] = '\0';
	CHECK_INT(mail_enqueue(db, "ok@example.org", subject, "Body", &e), -1);
	subject[MAIL_SUBJECT_MAX] = '\0';
	CHECK_INT(mail_enqueue(db, "ok@example.org", subject, "Body", &e), 0);
	CHECK_INT(mail_enqueue(db, "ok@example.org", NULL, "Body", &e), -1);
	CHECK_INT(mail_enqueue(db, NULL, "Hello", "Body", &e), -1);

	static const char *const good_to[] = {
		"first.last+tag@sub.example.co.uk", "x@localhost", "O'Brien@example.ie",
		"user_1-2@xn--mller-kva.de",
	};
	for (size_t i = 0; i < sizeof(good_to) / sizeof(good_to[0]); i++)
		if (mail_enqueue(db, good_to[i], "Grüße", "Body", &e) != 0)
			test_fail(__FILE__, __LINE__, "refused \"%s\": %s", good_to[i], e.message);
	/* Only the accepted ones reached the table. */
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox"), 6);
	db_close(db);
	free(db_path);
}

TEST(mail_refuses_bad_bodies)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-body.db", &db_path);
	if (db == NULL) {
		free(db_path);
		return;
	}
	struct err e = ERR_INIT;
	char *body = xmalloc(MAIL_BODY_MAX + 2);
	memset(body, 'b', MAIL_BODY_MAX + 1);
	body[MAIL_BODY_MAX + 1] = '\0';
	CHECK_INT(mail_enqueue(db, "a@example.org", "Hi", body, &e), -1);
	CHECK_INT(e.status, 400);
	CHECK_STR(e.param, "body");
	body[MAIL_BODY_MAX] = '\0';
	CHECK_INT(mail_enqueue(db, "a@example.org", "Hi", body, &e), 0);
	free(body);
	CHECK_INT(mail_enqueue(db, "a@example.org", "Hi", "bad \xff byte", &e), -1);
	CHECK_INT(mail_enqueue(db, "a@example.org", "Hi", "bell \x07", &e), -1);
	CHECK_INT(mail_enqueue(db, "a@example.org", "Hi", NULL, &e), -1);
	CHECK_INT(mail_enqueue(db, "a@example.org", "Hi", "tabs\tand\r\nlines\n", &e), 0);
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox"), 2);
	db_close(db);
	free(db_path);
}

/* A row written by hand past mail_enqueue is checked again, and given up
 * at once rather than sent with a forged header. */
TEST(mail_invalid_row_is_not_sent)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-handrow.db", &db_path);
	char *maildir = tmp_path("handrow-mail");
	if (db == NULL)
		goto out;
	exec_sql(db, "INSERT INTO outbox(to_addr, subject, body, created_at, next_attempt_at)"
	    " VALUES ('a@example.org' || char(13,10) || 'Bcc: all@example.org', 'Hi', 'x', 0, 0)");
	struct mail_config cfg = maildir_config(db_path, maildir);
	struct err e = ERR_INIT;
	char *log = NULL;
	CHECK_INT(deliver_capturing(&cfg, &e, &log), 0);
	CHECK(strstr(log, "imago: mail 1: invalid message") != NULL);
	CHECK(strstr(log, "all@example.org") == NULL);
	free(log);
	CHECK_INT(query_int(db, "SELECT failed_at IS NOT NULL AND sent_at IS NULL"
	    " AND attempts = 1 FROM outbox"), 1);
	struct buf dir = BUF_INIT;
	buf_printf(&dir, "%s/new", maildir);
	CHECK(count_files(dir.data, NULL) <= 0);
	buf_free(&dir);
out:
	db_close(db);
	free(db_path);
	free(maildir);
}

/* ---- attachments ------------------------------------------------------ */

static const char ics_type[] = "text/calendar; charset=UTF-8; method=PUBLISH";

/* An invitation-like attachment: CRLF lines, non-ASCII, our boundary's
 * prefix in the text, and a length that needs base64 padding. */
static char *
attachment_data(void)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\n"
	    "BEGIN:VEVENT\r\nUID:b7c1e0a4@imago.example\r\n"
	    "SUMMARY:Erstgespräch\\, Zoë\\; 你好 🙂\r\n"
	    "DESCRIPTION:--=_imago_00000000000000000000000000000000\\n\r\n");
	for (int i = 0; b.len < 6000; i++)
		buf_printf(&b, " line %d of a long folded description äöü\r\n", i);
	buf_puts(&b, "END:VEVENT\r\nEND:VCALENDAR\r\n!");
	return buf_detach(&b);
}

/* Occurrences of needle in s. */
static int
count_substrings(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Where a MIME part's content starts: after its headers' blank line. */
static const char *
part_content(const char *part)
{
	const char *blank = strstr(part, "\r\n\r\n");
	if (blank == NULL) {
		test_fail(__FILE__, __LINE__, "a part without a blank line after its headers");
		return part + strlen(part);
	}
	return blank + 4;
}

/*
 * Checks a multipart/mixed message made by mail_format_with: a text part
 * that decodes to body and an attachment part that decodes to att
 * exactly, delimited by a boundary found nowhere else.
 */
static void
check_multipart(const char *msg, size_t len, const char *body,
    const struct mail_attachment *att)
{
	CHECK_INT(check_lines(msg, len, 78), 0);
	char *v;
	CHECK_STR(v = header_value(msg, "MIME-Version"), "1.0");
	free(v);
	CHECK(header_value(msg, "Content-Transfer-Encoding") == NULL);
	char *type = header_value(msg, "Content-Type");
	static const char prefix[] = "multipart/mixed; boundary=\"";
	CHECK(type && strncmp(type, prefix, sizeof(prefix) - 1) == 0);
	if (type == NULL || strncmp(type, prefix, sizeof(prefix) - 1) != 0) {
		free(type);
		return;
	}
	/* "=_imago_" and 32 hex digits, quoted. */
	char boundary[64];
	snprintf(boundary, sizeof(boundary), "%s", type + sizeof(prefix) - 1);
	free(type);
	size_t blen = strlen(boundary);
	CHECK(blen == 41 && boundary[40] == '"' && strncmp(boundary, "=_imago_", 8) == 0);
	if (blen != 41)
		return;
	boundary[40] = '\0';
	for (size_t i = 8; i < 40; i++)
		CHECK(strchr("0123456789abcdef", boundary[i]) != NULL);

	struct buf delim = BUF_INIT, last = BUF_INIT;
	buf_printf(&delim, "\r\n--%s\r\n", boundary);
	buf_printf(&last, "\r\n--%s--\r\n", boundary);
	/* In the header once, then two delimiters and the closing one, which
	 * ends the message: the boundary occurs nowhere else. */
	CHECK_INT(count_substrings(msg, boundary), 4);
	CHECK_INT(count_substrings(msg, delim.data), 2);
	CHECK(len >= last.len && strcmp(msg + len - last.len, last.data) == 0);

	const char *p1 = strstr(msg, delim.data);
	const char *p2 = p1 ? strstr(p1 + delim.len, delim.data) : NULL;
	if (p1 == NULL || p2 == NULL) {
		buf_free(&delim);
		buf_free(&last);
		return;
	}
	/* The text part, as a message without an attachment has it. */
	const char *part = p1 + delim.len;
	CHECK_STR(v = header_value(part, "Content-Type"), "text/plain; charset=utf-8");
	free(v);
	CHECK_STR(v = header_value(part, "Content-Transfer-Encoding"), "quoted-printable");
	free(v);
	const char *content = part_content(part);
	struct buf text = BUF_INIT;
	int bad = 0;
	/* The CRLF before the delimiter belongs to the delimiter. */
	if (content <= p2)
		qp_decode(&text, content, (size_t)(p2 - content), &bad);
	CHECK_INT(bad, 0);
	buf_puts(&text, "\r\n");
	char *want = crlf_text(body);
	CHECK_STR(text.data, *want ? want : "\r\n");
	free(want);
	buf_free(&text);

	/* The attachment, in base64 lines of 76. */
	part = p2 + delim.len;
	CHECK_STR(v = header_value(part, "Content-Type"), att->content_type);
	free(v);
	CHECK_STR(v = header_value(part, "Content-Transfer-Encoding"), "base64");
	free(v);
	struct buf disposition = BUF_INIT;
	buf_printf(&disposition, "attachment; filename=\"%s\"", att->filename);
	CHECK_STR(v = header_value(part, "Content-Disposition"), disposition.data);
	free(v);
	buf_free(&disposition);
	content = part_content(part);
	const char *end = msg + len - last.len;
	struct buf b64 = BUF_INIT;
	buf_puts(&b64, "");
	for (const char *line = content; line < end;) {
		const char *eol = strstr(line, "\r\n");
		size_t n = (size_t)(eol - line);
		bool final = eol >= end;
		if (n != 76 && !(final && n > 0 && n <= 76))
			test_fail(__FILE__, __LINE__, "base64 line of %zu characters", n);
		buf_put(&b64, line, n);
		line = eol + 2;
	}
	size_t data_len = strlen(att->data);
	unsigned char *decoded = xmalloc(data_len + 1);
	size_t decoded_len = 0;
	CHECK_INT(sodium_base642bin(decoded, data_len + 1, b64.data, b64.len, NULL,
	    &decoded_len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	CHECK_INT(decoded_len, data_len);
	CHECK(decoded_len == data_len && memcmp(decoded, att->data, data_len) == 0);
	free(decoded);
	buf_free(&b64);
	buf_free(&delim);
	buf_free(&last);
}

TEST(mail_attachment_delivered_to_maildir)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-attach.db", &db_path);
	char *maildir = tmp_path("attach-mail");
	char *data = attachment_data();
	struct err e = ERR_INIT;
	if (db == NULL)
		goto out;
	struct mail_attachment att = { ics_type, "invitation.ics", data };
	static const char body[] = "Hallo Zoë,\n\nanbei die Einladung.\n"
	    "--=_imago_00000000000000000000000000000000\n"
	    "--=_imago_00000000000000000000000000000000--\n";
	CHECK_INT(mail_enqueue_with(db, "zoe@example.org", "Einladung: Erstgespräch",
	    body, &att, &e), 0);
	/* A plain message in the same pass keeps its single part. */
	CHECK_INT(mail_enqueue(db, "plain@example.org", "Plain", "Just text", &e), 0);
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox WHERE attachment_type IS NULL"
	    " AND attachment_name IS NULL AND attachment IS NULL"), 1);
	char *stored = query_text(db, "SELECT attachment FROM outbox WHERE id = 1");
	CHECK_STR(stored, data);
	free(stored);

	struct mail_config cfg = maildir_config(db_path, maildir);
	CHECK_INT(mail_deliver_pending(&cfg, &e), 2);
	if (err_is_set(&e))
		test_fail(__FILE__, __LINE__, "deliver: %s", e.message);
	/* Two files: find ours by its recipient. */
	struct buf dir = BUF_INIT;
	buf_printf(&dir, "%s/new", maildir);
	CHECK_INT(count_files(dir.data, NULL), 2);
	DIR *d = opendir(dir.data);
	struct dirent *de;
	int multipart = 0, plain = 0;
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		struct buf path = BUF_INIT;
		buf_printf(&path, "%s/%s", dir.data, de->d_name);
		size_t len = 0;
		char *msg = read_file(path.data, &len);
		buf_free(&path);
		char *to = msg ? header_value(msg, "To") : NULL;
		if (to && strcmp(to, "zoe@example.org") == 0) {
			multipart++;
			check_multipart(msg, len, body, &att);
		} else if (to && strcmp(to, "plain@example.org") == 0) {
			plain++;
			char *v;
			CHECK_STR(v = header_value(msg, "Content-Type"),
			    "text/plain; charset=utf-8");
			free(v);
			CHECK(strstr(msg, "=_imago_") == NULL);
		}
		free(to);
		free(msg);
	}
	if (d)
		closedir(d);
	buf_free(&dir);
	CHECK_INT(multipart, 1);
	CHECK_INT(plain, 1);

	/* Delivered: body and attachment gone, type and name kept. */
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"
	    " AND body = '' AND attachment IS NULL"), 2);
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox WHERE id = 1"
	    " AND attachment_name = 'invitation.ics' AND attachment_type LIKE 'text/calendar;%'"), 1);
out:
	db_close(db);
	free(db_path);
	free(maildir);
	free(data);
}

TEST(mail_format_with_attachment)
{
	/* Without an attachment, exactly mail_format (but the Message-ID's
	 * random digits). */
	struct buf a = BUF_INIT, b = BUF_INIT;
	mail_format(&a, "Imago <a@b.org>", "c@d.org", "Grüße", "Zeile 1\nZeile 2", 1);
	mail_format_with(&b, "Imago <a@b.org>", "c@d.org", "Grüße", "Zeile 1\nZeile 2",
	    NULL, 1);
	CHECK_INT(a.len, b.len);
	const char *ia = strstr(a.data, "Message-ID: <"), *ib = strstr(b.data, "Message-ID: <");
	CHECK(ia && ib && ia - a.data == ib - b.data);
	if (a.len == b.len && ia && ib && ia - a.data == ib - b.data) {
		memcpy(b.data + (ib - b.data) + 13, ia + 13, 32);
		CHECK_STR(b.data, a.data);
	}

	/* An empty body and a one-byte attachment still make both parts;
	 * a boundary is new for every message. */
	struct mail_attachment att = { "application/octet-stream", "x", "x" };
	buf_reset(&a);
	buf_reset(&b);
	mail_format_with(&a, "a@b.org", "c@d.org", "s", "", &att, 0);
	mail_format_with(&b, "a@b.org", "c@d.org", "s", "", &att, 0);
	check_multipart(a.data, a.len, "", &att);
	char *ta = header_value(a.data, "Content-Type"), *tb = header_value(b.data, "Content-Type");
	CHECK(ta && tb && strcmp(ta, tb) != 0);
	free(ta);
	free(tb);

	/* Exactly MAIL_ATTACHMENT_MAX bytes, every byte value but NUL. */
	char *big = xmalloc(MAIL_ATTACHMENT_MAX + 1);
	for (size_t i = 0; i < MAIL_ATTACHMENT_MAX; i++)
		big[i] = (char)(1 + i % 255);
	big[MAIL_ATTACHMENT_MAX] = '\0';
	struct mail_attachment large = { "application/octet-stream", "big.bin", big };
	struct err e = ERR_INIT;
	CHECK_INT(mail_check_attachment(&large, &e), 0);
	buf_reset(&a);
	mail_format_with(&a, "a@b.org", "c@d.org", "s", "Anbei.", &large, 0);
	check_multipart(a.data, a.len, "Anbei.", &large);
	free(big);
	buf_free(&a);
	buf_free(&b);
}

TEST(mail_refuses_bad_attachments)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-attach-bad.db", &db_path);
	if (db == NULL) {
		free(db_path);
		return;
	}
	char long_type[MAIL_ATTACHMENT_TYPE_MAX + 2];
	memset(long_type, 'a', sizeof(long_type) - 1);
	long_type[sizeof(long_type) - 1] = '\0';
	long_type[4] = '/';
	const char *const bad_type[] = {
		"text/calendar\r\nBcc: everyone@example.org",
		"text/calendar\nBcc: everyone@example.org",
		"text/calendar; method=PUBLISH\r\n",
		"text/calendar; method=PUBLISH\r\n\r\n<html>",
		"text/calendar\r",
		"text/calendar\t",
		"text/calendar; name=\"a.ics\"",
		"text/calendar;",
		"text/calendar;;",
		"text/calendar; charset",
		"text/calendar; =x",
		"text/calendar ; a=b",
		"text/calendar; a=b ",
		"text/calendar;  a=b",
		"text/calendar, text/html",
		"textcalendar",
		"/calendar",
		"text/",
		"text/calendar/x",
		"tëxt/calendar",
		"text/calendar\x7f",
		"",
		long_type,
		NULL,
	};
	struct err e = ERR_INIT;
	for (size_t i = 0; i < sizeof(bad_type) / sizeof(bad_type[0]); i++) {
		struct mail_attachment att = { bad_type[i], "invitation.ics", "data" };
		err_clear(&e);
		if (mail_enqueue_with(db, "a@example.org", "Hi", "Body", &att, &e) != -1 ||
		    e.status != 400 || strcmp(e.param, "attachment_type") != 0)
			test_fail(__FILE__, __LINE__, "accepted content type %zu", i);
	}
	long_type[MAIL_ATTACHMENT_TYPE_MAX] = '\0';

	char long_name[MAIL_ATTACHMENT_NAME_MAX + 2];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	const char *const bad_name[] = {
		"invitation.ics\r\nContent-Type: text/html",
		"invitation.ics\"; x=\"y",
		"invitation.ics\n",
		"a b.ics",
		"../etc/passwd",
		"a/b.ics",
		"a\\b.ics",
		".hidden",
		"einladung-zoë.ics",
		"a;b.ics",
		"a=b.ics",
		"",
		long_name,
		NULL,
	};
	for (size_t i = 0; i < sizeof(bad_name) / sizeof(bad_name[0]); i++) {
		struct mail_attachment att = { ics_type, bad_name[i], "data" };
		err_clear(&e);
		if (mail_enqueue_with(db, "a@example.org", "Hi", "Body", &att, &e) != -1 ||
		    e.status != 400 || strcmp(e.param, "attachment_name") != 0)
			test_fail(__FILE__, __LINE__, "accepted file name %zu", i);
	}
	long_name[MAIL_ATTACHMENT_NAME_MAX] = '\0';

	char *big = xmalloc(MAIL_ATTACHMENT_MAX + 2);
	memset(big, 'd', MAIL_ATTACHMENT_MAX + 1);
	big[MAIL_ATTACHMENT_MAX + 1] = '\0';
	struct mail_attachment att = { ics_type, "invitation.ics", big };
	err_clear(&e);
	CHECK_INT(mail_enqueue_with(db, "a@example.org", "Hi", "Body", &att, &e), -1);
	CHECK_STR(e.param, "attachment");
	att.data = NULL;
	err_clear(&e);
	CHECK_INT(mail_enqueue_with(db, "a@example.org", "Hi", "Body", &att, &e), -1);
	CHECK_STR(e.param, "attachment");
	/* The other checks still run first. */
	att.data = "data";
	err_clear(&e);
	CHECK_INT(mail_enqueue_with(db, "a@example.org\r\nBcc: x@y.org", "Hi", "Body",
	    &att, &e), -1);
	CHECK_STR(e.param, "to");
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox"), 0);

	/* What is allowed: the limits exactly, parameters with or without a
	 * space, and no attachment at all. */
	big[MAIL_ATTACHMENT_MAX] = '\0';
	const char *const good_type[] = {
		ics_type, "text/calendar;method=CANCEL", "application/octet-stream",
		"application/vnd.ms-excel", long_type,
	};
	for (size_t i = 0; i < sizeof(good_type) / sizeof(good_type[0]); i++) {
		struct mail_attachment ok = { good_type[i], i == 0 ? long_name : "a.ics",
		    i == 0 ? big : "x" };
		if (mail_enqueue_with(db, "a@example.org", "Hi", "Body", &ok, &e) != 0)
			test_fail(__FILE__, __LINE__, "refused %zu: %s", i, e.message);
	}
	CHECK_INT(mail_enqueue_with(db, "a@example.org", "Hi", "Body", NULL, &e), 0);
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox"), 6);
	CHECK_INT(query_int(db, "SELECT length(attachment) FROM outbox WHERE id = 1"),
	    MAIL_ATTACHMENT_MAX);
	free(big);
	db_close(db);
	free(db_path);
}

/* Attachment columns written by hand are checked again at delivery: a
 * forged header or a half-filled attachment is given up, never sent, and
 * its attachment cleared with its body. */
TEST(mail_invalid_attachment_row_is_not_sent)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-attach-handrow.db", &db_path);
	char *maildir = tmp_path("attach-handrow-mail");
	if (db == NULL)
		goto out;
	exec_sql(db, "INSERT INTO outbox(to_addr, subject, body, created_at, next_attempt_at,"
	    " attachment_type, attachment_name, attachment) VALUES"
	    " ('a@example.org', 'Hi', 'x', 0, 0, 'text/calendar' || char(13,10) ||"
	    "  'Bcc: all@example.org', 'invitation.ics', 'secret'),"
	    " ('a@example.org', 'Hi', 'x', 0, 0, 'text/calendar',"
	    "  'invitation.ics' || char(13,10) || 'X: y', 'secret'),"
	    " ('a@example.org', 'Hi', 'x', 0, 0, NULL, 'invitation.ics', 'secret'),"
	    " ('a@example.org', 'Hi', 'x', 0, 0, 'text/calendar', 'invitation.ics', NULL)");
	struct mail_config cfg = maildir_config(db_path, maildir);
	struct err e = ERR_INIT;
	char *log = NULL;
	CHECK_INT(deliver_capturing(&cfg, &e, &log), 0);
	CHECK_INT(count_substrings(log, "invalid message"), 4);
	CHECK(strstr(log, "all@example.org") == NULL && strstr(log, "secret") == NULL);
	free(log);
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL"
	    " AND sent_at IS NULL AND body = '' AND attachment IS NULL"), 4);
	struct buf dir = BUF_INIT;
	buf_printf(&dir, "%s/new", maildir);
	CHECK(count_files(dir.data, NULL) <= 0);
	buf_free(&dir);
out:
	db_close(db);
	free(db_path);
	free(maildir);
}

/* ---- failures and retries --------------------------------------------- */

TEST(mail_smtp_failure_is_retried_then_given_up)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-smtp-fail.db", &db_path);
	if (db == NULL) {
		free(db_path);
		return;
	}
	struct err e = ERR_INIT;
	CHECK_INT(mail_enqueue(db, "private.person@example.org", "Hi", "Body", &e), 0);
	char url[64];
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", closed_port());
	struct mail_config cfg = {
		.db_path = db_path, .smtp_url = url, .smtp_user = "imago",
		.smtp_password = "hunter2-very-secret", .from = MAIL_DEFAULT_FROM,
	};

	long long before = (long long)time(NULL);
	char *log = NULL;
	CHECK_INT(deliver_capturing(&cfg, &e, &log), 0);
	CHECK(!err_is_set(&e));
	/* "imago: mail 1: smtp: Couldn't connect to server (attempt 1, next in 60 s)" */
	CHECK(strstr(log, "imago: mail 1: smtp: ") != NULL);
	CHECK(strstr(log, "(attempt 1, next in 60 s)") != NULL);
	CHECK(strstr(log, "private.person") == NULL);
	CHECK(strstr(log, "hunter2") == NULL);
	CHECK(strchr(log, '\n') == log + strlen(log) - 1);
	free(log);
	CHECK_INT(query_int(db, "SELECT attempts FROM outbox"), 1);
	CHECK_INT(query_int(db, "SELECT sent_at FROM outbox"), -1);
	CHECK_INT(query_int(db, "SELECT failed_at FROM outbox"), -1);
	long long next = query_int(db, "SELECT next_attempt_at FROM outbox");
	CHECK(next >= before + 60 && next <= (long long)time(NULL) + 60);
	char *last_error = query_text(db, "SELECT last_error FROM outbox");
	CHECK(last_error && strncmp(last_error, "smtp: ", 6) == 0 &&
	    strstr(last_error, "hunter2") == NULL && strlen(last_error) <= 200);
	free(last_error);

	/* Not due yet: a pass leaves it alone. */
	CHECK_INT(mail_deliver_pending(&cfg, &e), 0);
	CHECK_INT(query_int(db, "SELECT attempts FROM outbox"), 1);

	/* Each later failure doubles the delay, up to an hour; the last
	 * allowed attempt gives up. */
	for (int attempt = 2; attempt <= MAIL_MAX_ATTEMPTS; attempt++) {
		exec_sql(db, "UPDATE outbox SET next_attempt_at = 0");
		before = (long long)time(NULL);
		CHECK_INT(deliver_capturing(&cfg, &e, &log), 0);
		free(log);
		CHECK_INT(query_int(db, "SELECT attempts FROM outbox"), attempt);
		long long delay = 60LL << (attempt - 1);
		if (delay > 3600)
			delay = 3600;
		next = query_int(db, "SELECT next_attempt_at FROM outbox");
		if (attempt < MAIL_MAX_ATTEMPTS) {
			CHECK_INT(query_int(db, "SELECT failed_at FROM outbox"), -1);
			if (!(next >= before + delay && next <= (long long)time(NULL) + delay))
				test_fail(__FILE__, __LINE__, "attempt %d: next in %lld s, want %lld",
				    attempt, next - before, delay);
		}
	}
	CHECK(query_int(db, "SELECT failed_at FROM outbox") >= before);
	CHECK_INT(query_int(db, "SELECT sent_at FROM outbox"), -1);
	/* Given up is given up, even when the delay has passed. */
	exec_sql(db, "UPDATE outbox SET next_attempt_at = 0");
	CHECK_INT(mail_deliver_pending(&cfg, &e), 0);
	CHECK_INT(query_int(db, "SELECT attempts FROM outbox"), MAIL_MAX_ATTEMPTS);
	db_close(db);
	free(db_path);
}

TEST(mail_configuration_errors)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-config.db", &db_path);
	if (db == NULL) {
		free(db_path);
		return;
	}
	struct err e = ERR_INIT;
	CHECK_INT(mail_enqueue(db, "a@example.org", "Hi", "Body", &e), 0);
	/* A From that would inject a header stops the pass before any row. */
	char *maildir = tmp_path("config-mail");
	struct mail_config cfg = maildir_config(db_path, maildir);
	cfg.from = "imago\r\nBcc: all@example.org <a@b.org>";
	CHECK_INT(mail_deliver_pending(&cfg, &e), -1);
	CHECK(strstr(e.message, "IMAGO_MAIL_FROM") != NULL);
	/* Neither SMTP nor a maildir. */
	err_clear(&e);
	cfg = maildir_config(db_path, NULL);
	CHECK_INT(mail_deliver_pending(&cfg, &e), -1);
	/* Not an SMTP URL: a failed attempt, URL not echoed. */
	err_clear(&e);
	cfg = maildir_config(db_path, maildir);
	cfg.smtp_url = "file:///etc/passwd";
	char *log = NULL;
	CHECK_INT(deliver_capturing(&cfg, &e, &log), 0);
	CHECK(strstr(log, "/etc/passwd") == NULL);
	free(log);
	CHECK_INT(query_int(db, "SELECT attempts FROM outbox"), 1);
	/* An unopenable database. */
	err_clear(&e);
	char *file = tmp_path("a-file");
	FILE *f = fopen(file, "w");
	if (f)
		fclose(f);
	struct buf bad = BUF_INIT;
	buf_printf(&bad, "%s/imago.db", file);
	cfg = maildir_config(bad.data, maildir);
	CHECK_INT(mail_deliver_pending(&cfg, &e), -1);
	CHECK(err_is_set(&e));
	buf_free(&bad);
	free(file);
	free(maildir);
	db_close(db);
	free(db_path);
}

TEST(mail_config_from_environment)
{
	static const char *const vars[] = { "IMAGO_SMTP_URL", "IMAGO_SMTP_USER",
	    "IMAGO_SMTP_PASSWORD", "IMAGO_MAIL_FROM", "IMAGO_MAILDIR" };
	char *saved[5];
	for (int i = 0; i < 5; i++) {
		const char *v = getenv(vars[i]);
		saved[i] = v ? xstrdup(v) : NULL;
		unsetenv(vars[i]);
	}
	struct mail_config cfg;
	char dir[64];
	mail_config_from_env(&cfg, "var/imago.db", dir, sizeof(dir));
	CHECK_STR(cfg.maildir, "var/mail");
	CHECK_STR(cfg.from, MAIL_DEFAULT_FROM);
	CHECK_STR(cfg.db_path, "var/imago.db");
	CHECK(cfg.smtp_url == NULL && cfg.smtp_user == NULL && cfg.smtp_password == NULL);
	CHECK_INT(cfg.poll_ms, 1000);
	mail_config_from_env(&cfg, "imago.db", dir, sizeof(dir));
	CHECK_STR(cfg.maildir, "mail");
	mail_config_from_env(&cfg, "/srv/imago/data/imago.db", dir, sizeof(dir));
	CHECK_STR(cfg.maildir, "/srv/imago/data/mail");
	/* Too long for the buffer: no maildir rather than a wrong one. */
	char tiny[8];
	mail_config_from_env(&cfg, "/srv/imago/data/imago.db", tiny, sizeof(tiny));
	CHECK(cfg.maildir == NULL);

	setenv("IMAGO_SMTP_URL", "smtps://mail.example.org:465", 1);
	setenv("IMAGO_SMTP_USER", "imago", 1);
	setenv("IMAGO_SMTP_PASSWORD", "pw", 1);
	setenv("IMAGO_MAIL_FROM", "Imago <hello@imago.example>", 1);
	setenv("IMAGO_MAILDIR", "/tmp/elsewhere", 1);
	mail_config_from_env(&cfg, "var/imago.db", dir, sizeof(dir));
	CHECK_STR(cfg.smtp_url, "smtps://mail.example.org:465");
	CHECK_STR(cfg.smtp_user, "imago");
	CHECK_STR(cfg.smtp_password, "pw");
	CHECK_STR(cfg.from, "Imago <hello@imago.example>");
	CHECK_STR(cfg.maildir, "/tmp/elsewhere");
	/* Empty means unset. */
	setenv("IMAGO_SMTP_URL", "", 1);
	mail_config_from_env(&cfg, "var/imago.db", dir, sizeof(dir));
	CHECK(cfg.smtp_url == NULL);

	for (int i = 0; i < 5; i++) {
		if (saved[i])
			setenv(vars[i], saved[i], 1);
		else
			unsetenv(vars[i]);
		free(saved[i]);
	}
}

TEST(mail_forget_recipient_deletes_sent_and_unsent)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-forget.db", &db_path);
	if (db == NULL) {
		free(db_path);
		return;
	}
	struct err e = ERR_INIT;
	CHECK_INT(mail_enqueue(db, "Bob@Example.org", "One", "x", &e), 0);
	CHECK_INT(mail_enqueue(db, "bob@example.org", "Two", "x", &e), 0);
	CHECK_INT(mail_enqueue(db, "bob@example.org", "Sent", "x", &e), 0);
	CHECK_INT(mail_enqueue(db, "alice@example.org", "Three", "x", &e), 0);
	exec_sql(db, "UPDATE outbox SET sent_at = 1 WHERE subject = 'Sent'");
	CHECK_INT(mail_forget_recipient(db, "BOB@example.ORG", &e), 0);
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox"), 1);
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox WHERE subject = 'Three'"), 1);
	db_close(db);
	free(db_path);
}

/* ---- the worker ------------------------------------------------------- */

TEST(mail_worker_delivers_when_woken)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-worker.db", &db_path);
	char *maildir = tmp_path("worker-mail");
	struct buf new_dir = BUF_INIT;
	buf_printf(&new_dir, "%s/new", maildir);
	if (db == NULL)
		goto out;
	struct err e = ERR_INIT;
	/* A poll far longer than the test: only a wake can deliver. */
	struct mail_config cfg = maildir_config(db_path, maildir);
	cfg.poll_ms = 600000;
	struct mail_worker *w = mail_worker_start(&cfg, &e);
	CHECK(w != NULL);
	if (w == NULL)
		goto out;
	usleep(300000);		/* its first pass, on an empty outbox, is over */
	CHECK_INT(mail_enqueue(db, "a@example.org", "Wake up", "Body", &e), 0);
	usleep(300000);
	CHECK(count_files(new_dir.data, NULL) <= 0);
	mail_wake(w);
	CHECK(wait_for_files(new_dir.data, 1, 5000));
	CHECK_INT(mail_enqueue(db, "b@example.org", "Again", "Body", &e), 0);
	mail_wake(w);
	CHECK(wait_for_files(new_dir.data, 2, 5000));

	/* Stopping does not wait for the next poll. */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mail_worker_stop(w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(t1.tv_sec - t0.tv_sec < 3);
	CHECK_INT(query_int(db, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"), 2);
	mail_wake(NULL);
	mail_worker_stop(NULL);
out:
	buf_free(&new_dir);
	db_close(db);
	free(db_path);
	free(maildir);
}

TEST(mail_worker_survives_a_broken_database)
{
	char *file = tmp_path("not-a-directory");
	FILE *f = fopen(file, "w");
	if (f)
		fclose(f);
	struct buf db_path = BUF_INIT;
	buf_printf(&db_path, "%s/imago.db", file);
	char *maildir = tmp_path("broken-mail");
	struct mail_config cfg = maildir_config(db_path.data, maildir);
	cfg.poll_ms = 10;
	struct err e = ERR_INIT;

	/* Its complaints go to a file: they are expected here. */
	char *log_path = tmp_path("worker-stderr.log");
	fflush(stderr);
	int saved = dup(2);
	int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	struct mail_worker *w = mail_worker_start(&cfg, &e);
	CHECK(w != NULL);
	for (int i = 0; i < 10; i++) {
		mail_wake(w);
		usleep(20000);
	}
	mail_worker_stop(w);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	size_t len;
	char *log = read_file(log_path, &len);
	/* Logged, but not once per pass. */
	int lines = 0;
	for (size_t i = 0; log && i < len; i++)
		lines += log[i] == '\n';
	CHECK(lines == 1);
	CHECK(log && strstr(log, "imago: mail delivery: ") != NULL);
	free(log);
	unlink(log_path);
	free(log_path);
	buf_free(&db_path);
	free(file);
	free(maildir);
}

/* A server that accepts connections (the kernel's backlog does) and never
 * says a word: without cancellation, stopping would wait out libcurl's
 * 60-second timeout. */
TEST(mail_worker_stop_cancels_a_hanging_delivery)
{
	char *db_path;
	sqlite3 *db = fresh_db("mail-hang.db", &db_path);
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof(sa);
	if (db == NULL || listener < 0 ||
	    bind(listener, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(listener, (struct sockaddr *)&sa, &sl) < 0 ||
	    listen(listener, 8) < 0) {
		test_fail(__FILE__, __LINE__, "cannot set up the silent server");
		goto out;
	}
	struct err e = ERR_INIT;
	CHECK_INT(mail_enqueue(db, "a@example.org", "Hi", "Body", &e), 0);
	long long due = query_int(db, "SELECT next_attempt_at FROM outbox");
	char url[64];
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", ntohs(sa.sin_port));
	struct mail_config cfg = { .db_path = db_path, .smtp_url = url,
	    .from = MAIL_DEFAULT_FROM, .poll_ms = 600000 };
	struct mail_worker *w = mail_worker_start(&cfg, &e);
	CHECK(w != NULL);
	if (w == NULL)
		goto out;
	/* Wait until the worker has claimed the message: it is talking. */
	bool claimed = false;
	for (int i = 0; i < 250 && !claimed; i++) {
		claimed = query_int(db, "SELECT next_attempt_at FROM outbox") > due;
		if (!claimed)
			usleep(20000);
	}
	CHECK(claimed);
	usleep(300000);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mail_worker_stop(w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (took > 3)
		test_fail(__FILE__, __LINE__, "stopping took %.1f s", took);
	/* Given back as it was: due, no attempt counted, not sent. */
	CHECK_INT(query_int(db, "SELECT next_attempt_at FROM outbox"), due);
	CHECK_INT(query_int(db, "SELECT attempts FROM outbox"), 0);
	CHECK_INT(query_int(db, "SELECT sent_at FROM outbox"), -1);
	CHECK_INT(query_int(db, "SELECT failed_at FROM outbox"), -1);
out:
	if (listener >= 0)
		close(listener);
	db_close(db);
	free(db_path);
}
