/*
 * Two-factor codes (src/accounts/totp.h): the RFC 6238 SHA-1 vectors, the
 * window and replay rules of totp_check, strict parsing of typed codes,
 * base32 (RFC 4648 vectors), the otpauth URI, the QR code SVG (parsed
 * back into modules and compared with libqrencode's own matrix, since no
 * QR decoder is installed here) and recovery codes.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include <qrencode.h>
#include <sodium.h>

#include "../../src/accounts/totp.h"
#include "../../src/util/buf.h"
#include "../../src/util/err.h"

/* RFC 6238 Appendix B uses this ASCII secret for SHA-1. */
static const unsigned char rfc_secret[] = "12345678901234567890";
#define RFC_SECRET_LEN	20

static const char *
base32(const char *s, struct buf *b)
{
	buf_reset(b);
	totp_secret_base32((const unsigned char *)s, strlen(s), b);
	return buf_cstr(b);
}

TEST(totp_rfc6238_vectors)
{
	static const struct { time_t t; const char *code8; } v[] = {
		{ 59, "94287082" },
		{ 1111111109, "07081804" },
		{ 1111111111, "14050471" },
		{ 1234567890, "89005924" },
		{ 2000000000, "69279037" },
		{ (time_t)20000000000LL, "65353130" },
	};
	CHECK_INT(totp_global_init(), 0);
	CHECK_INT(totp_global_init(), 0);	/* idempotent */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char code[TOTP_DIGITS + 1];
		CHECK_INT(totp_code_at(rfc_secret, RFC_SECRET_LEN, v[i].t, code), 0);
		/* A 6-digit code is the last six digits of the 8-digit one. */
		CHECK_STR(code, v[i].code8 + 2);
		/* And totp_check accepts it, returning the step. */
		CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, v[i].t, 0),
		    (long long)(v[i].t / 30));
	}
}

TEST(totp_check_window)
{
	const time_t now = 1700000015;	/* mid-step */
	const int64_t step = now / 30;
	char code[TOTP_DIGITS + 1];

	CHECK_INT(totp_global_init(), 0);
	CHECK_INT(totp_code_at(rfc_secret, RFC_SECRET_LEN, now, code), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, now, 0), step);
	/* A clock 30 s either way still works... */
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, now + 30, 0), step);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, now - 30, 0), step);
	/* ...90 s does not. */
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, now + 90, 0), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, now - 90, 0), 0);
	/* Wrong secret. */
	unsigned char other[TOTP_SECRET_BYTES];
	memcpy(other, rfc_secret, sizeof(other));
	other[0] ^= 1;
	CHECK_INT(totp_check(other, sizeof(other), code, now, 0), 0);
	/* The neighbouring steps' codes are accepted as their own step. */
	char prev[TOTP_DIGITS + 1], next[TOTP_DIGITS + 1];
	CHECK_INT(totp_code_at(rfc_secret, RFC_SECRET_LEN, now - 30, prev), 0);
	CHECK_INT(totp_code_at(rfc_secret, RFC_SECRET_LEN, now + 30, next), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, prev, now, 0), step - 1);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, next, now, 0), step + 1);
}

TEST(totp_check_replay)
{
	const time_t now = 1700000000;
	const int64_t step = now / 30;
	char code[TOTP_DIGITS + 1], prev[TOTP_DIGITS + 1];

	CHECK_INT(totp_global_init(), 0);
	CHECK_INT(totp_code_at(rfc_secret, RFC_SECRET_LEN, now, code), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, now, step - 1), step);
	/* The same code again, or an older one, once its step is stored. */
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, now, step), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, now + 20, step), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, now, step + 5), 0);
	CHECK_INT(totp_code_at(rfc_secret, RFC_SECRET_LEN, now - 30, prev), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, prev, now, step), 0);
}

TEST(totp_check_malformed)
{
	const time_t now = 1700000000;
	char code[TOTP_DIGITS + 1];

	CHECK_INT(totp_global_init(), 0);
	CHECK_INT(totp_code_at(rfc_secret, RFC_SECRET_LEN, now, code), 0);

	/* Spacing as apps show it is fine. */
	char spaced[16];
	snprintf(spaced, sizeof(spaced), "%.3s %.3s", code, code + 3);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, spaced, now, 0), now / 30);
	snprintf(spaced, sizeof(spaced), " %s  ", code);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, spaced, now, 0), now / 30);

	static const char *bad[] = {
		"", "      ", "12345", "1234567", "12a456", "-12345", "+12345",
		"12345\t6", "123456\n", "１２３４５６", "12345\xd9\xa1",
		"12345\xc3", "0x1234",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (totp_check(rfc_secret, RFC_SECRET_LEN, bad[i], now, 0) != 0)
			test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, NULL, now, 0), 0);

	/* The right code followed by more digits is still wrong. */
	char longer[TOTP_DIGITS + 2];
	snprintf(longer, sizeof(longer), "%s0", code);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, longer, now, 0), 0);

	/* A very long string, of digits and of spaces around the code. */
	char *huge = malloc(100001);
	memset(huge, '1', 100000);
	huge[100000] = '\0';
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, huge, now, 0), 0);
	memset(huge, ' ', 100000);
	memcpy(huge + 50000, code, TOTP_DIGITS);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, huge, now, 0), now / 30);
	free(huge);

	/* No secret. */
	CHECK_INT(totp_check(rfc_secret, 0, code, now, 0), 0);
	CHECK_INT(totp_check(NULL, 0, code, now, 0), 0);
}

TEST(totp_check_extreme_times)
{
	char code[TOTP_DIGITS + 1];

	CHECK_INT(totp_global_init(), 0);
	CHECK_INT(totp_code_at(rfc_secret, RFC_SECRET_LEN, 59, code), 0);
	/* Before the epoch, and at the end of time: no crash, no match
	 * and no signed overflow (the sanitizer build checks that). */
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, -1, 0), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, "000000", (time_t)INT64_MAX, 0), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, "000000",
	    (time_t)INT64_MAX - 29, 0), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, 59, INT64_MAX), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, 59, INT64_MIN), 1);
	CHECK_INT(totp_code_at(rfc_secret, RFC_SECRET_LEN, -5, code), -1);
	/* Step 0 is the first 30 s after the epoch; 0 means "no match", so
	 * it can never be accepted. */
	CHECK_INT(totp_code_at(rfc_secret, RFC_SECRET_LEN, 10, code), 0);
	CHECK_INT(totp_check(rfc_secret, RFC_SECRET_LEN, code, 10, -1), 0);
}

TEST(totp_new_secret_random)
{
	unsigned char a[TOTP_SECRET_BYTES], b[TOTP_SECRET_BYTES];
	totp_new_secret(a);
	totp_new_secret(b);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
}

TEST(totp_base32_rfc4648)
{
	struct buf b = BUF_INIT;

	CHECK_STR(base32("", &b), "");
	CHECK_STR(base32("f", &b), "MY");
	CHECK_STR(base32("fo", &b), "MZXQ");
	CHECK_STR(base32("foo", &b), "MZXW6");
	CHECK_STR(base32("foob", &b), "MZXW6YQ");
	CHECK_STR(base32("fooba", &b), "MZXW6YTB");
	CHECK_STR(base32("foobar", &b), "MZXW6YTBOI");
	CHECK_STR(base32((const char *)rfc_secret, &b),
	    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	/* All bits set uses the last letter; a 20-byte secret is 32 chars. */
	unsigned char ff[TOTP_SECRET_BYTES];
	memset(ff, 0xff, sizeof(ff));
	buf_reset(&b);
	totp_secret_base32(ff, sizeof(ff), &b);
	CHECK_INT(b.len, 32);
	CHECK_INT(strspn(buf_cstr(&b), "7"), 32);
	/* It appends, like every writer. */
	buf_reset(&b);
	buf_puts(&b, "x=");
	totp_secret_base32((const unsigned char *)"f", 1, &b);
	CHECK_STR(buf_cstr(&b), "x=MY");
	/* An empty secret on an empty buffer is still a C string. */
	struct buf e = BUF_INIT;
	totp_secret_base32((const unsigned char *)"", 0, &e);
	CHECK(e.data != NULL && e.data[0] == '\0');
	buf_free(&e);
	buf_free(&b);
}

TEST(totp_uri_encoding)
{
	struct buf b = BUF_INIT;

	totp_uri(rfc_secret, RFC_SECRET_LEN, "Imago Therapy", "ann+1@example.com", &b);
	CHECK_STR(buf_cstr(&b), "otpauth://totp/Imago%20Therapy:ann%2B1%40example.com"
	    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Imago%20Therapy"
	    "&algorithm=SHA1&digits=6&period=30");
	/* A ':' or '&' inside a part cannot break the label or query. */
	buf_reset(&b);
	totp_uri((const unsigned char *)"f", 1, "A:B&c=d", "zoë/x?y#z", &b);
	CHECK_STR(buf_cstr(&b), "otpauth://totp/A%3AB%26c%3Dd:zo%C3%AB"
	    "%2Fx%3Fy%23z?secret=MY&issuer=A%3AB%26c%3Dd"
	    "&algorithm=SHA1&digits=6&period=30");
	buf_free(&b);
}

/* Parses the SVG's path back into a module grid (0/1, width w plus the
 * quiet zone); -1 when the path is not the expected "MxhNv1h-Nz" runs. */
static int
svg_modules(const char *svg, int size, unsigned char *grid)
{
	const char *p = strstr(svg, " d=\"");
	if (p == NULL)
		return -1;
	p += 4;
	memset(grid, 0, (size_t)size * (size_t)size);
	while (*p == 'M') {
		int x, y, run, run2, n = 0;
		if (sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &run, &run2, &n) != 4 ||
		    n == 0 || run != run2 || run < 1 || y < 0 || y >= size ||
		    x < 0 || x + run > size)
			return -1;
		for (int i = 0; i < run; i++) {
			if (grid[y * size + x + i])
				return -1;	/* overlapping runs */
			grid[y * size + x + i] = 1;
		}
		/* Runs are merged: the next run cannot start where this ended. */
		p += n;
		int nx, ny;
		if (sscanf(p, "M%d %d", &nx, &ny) == 2 && ny == y && nx == x + run)
			return -1;
	}
	return *p == '"' ? 0 : -1;
}

TEST(totp_qr_svg_shape)
{
	struct buf b = BUF_INIT, uri = BUF_INIT;
	struct err e = ERR_INIT;

	totp_uri(rfc_secret, RFC_SECRET_LEN, "Imago", "ann@example.com", &uri);
	CHECK_INT(totp_qr_svg(buf_cstr(&uri), &b, &e), 0);
	const char *svg = buf_cstr(&b);
	CHECK(strncmp(svg, "<svg ", 5) == 0);
	CHECK(strstr(svg, "<path ") != NULL);
	CHECK(strstr(svg, "shape-rendering=\"crispEdges\"") != NULL);
	CHECK(strstr(svg, "role=\"img\"") != NULL);
	CHECK(strstr(svg, "aria-label=\"QR code for the authenticator app\"") != NULL);
	CHECK(strstr(svg, "fill=\"#fff\"") != NULL);
	CHECK(b.len > 5 && strcmp(svg + b.len - 6, "</svg>") == 0);
	/* The URI itself never appears in the markup. */
	CHECK(strstr(svg, "otpauth") == NULL);

	/* The modules drawn are exactly libqrencode's, offset by the quiet
	 * zone, and the viewBox is the symbol plus 4 modules each side. */
	QRcode *qr = QRcode_encodeString(buf_cstr(&uri), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	CHECK(qr != NULL);
	if (qr != NULL) {
		int size = qr->width + 8;
		char vb[64];
		snprintf(vb, sizeof(vb), "viewBox=\"0 0 %d %d\"", size, size);
		CHECK(strstr(svg, vb) != NULL);
		unsigned char *grid = malloc((size_t)size * (size_t)size);
		CHECK_INT(svg_modules(svg, size, grid), 0);
		int same = 1;
		for (int y = 0; y < size; y++)
			for (int x = 0; x < size; x++) {
				int in = x >= 4 && y >= 4 && x < qr->width + 4 &&
				    y < qr->width + 4;
				int want = in ? qr->data[(y - 4) * qr->width + (x - 4)] & 1 : 0;
				if (grid[y * size + x] != want)
					same = 0;
			}
		CHECK(same);
		/* The finder pattern's top edge: seven dark modules in one run. */
		CHECK(strncmp(strstr(svg, " d=\"") + 4, "M4 4h7v1h-7z", 12) == 0);
		free(grid);
		QRcode_free(qr);
	}

	/* More text, a bigger symbol. */
	struct buf small = BUF_INIT, big = BUF_INIT;
	char text[600];
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	CHECK_INT(totp_qr_svg("hi", &small, &e), 0);
	CHECK(strstr(buf_cstr(&small), "viewBox=\"0 0 29 29\"") != NULL);	/* version 1 */
	CHECK_INT(totp_qr_svg(text, &big, &e), 0);
	CHECK(strstr(buf_cstr(&big), "viewBox=\"0 0 29 29\"") == NULL);
	CHECK(big.len > b.len && b.len > small.len);
	CHECK(!err_is_set(&e));

	buf_free(&small);
	buf_free(&big);
	buf_free(&b);
	buf_free(&uri);
}

TEST(totp_qr_svg_errors)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	char *text = malloc(1026);

	memset(text, 'a', 1025);
	text[1025] = '\0';
	CHECK_INT(totp_qr_svg(text, &b, &e), -1);
	CHECK_INT(e.status, 400);
	CHECK_INT(b.len, 0);
	err_clear(&e);
	text[1024] = '\0';	/* exactly the limit fits */
	CHECK_INT(totp_qr_svg(text, &b, &e), 0);
	CHECK(!err_is_set(&e));
	buf_reset(&b);
	CHECK_INT(totp_qr_svg("", &b, &e), -1);
	CHECK(err_is_set(&e));
	free(text);
	buf_free(&b);
}

static int
is_recovery_char(char c)
{
	return c != '\0' && strchr("abcdefghjkmnpqrstuvwxyz23456789", c) != NULL;
}

TEST(totp_recovery_codes_format)
{
	char codes[RECOVERY_CODE_COUNT][12];

	memset(codes, 'Z', sizeof(codes));
	recovery_codes_new(codes, RECOVERY_CODE_COUNT);
	for (int i = 0; i < RECOVERY_CODE_COUNT; i++) {
		CHECK_INT(strlen(codes[i]), 11);
		CHECK(codes[i][5] == '-');
		for (int j = 0; j < 11; j++)
			if (j != 5 && !is_recovery_char(codes[i][j]))
				test_fail(__FILE__, __LINE__, "bad char in %s", codes[i]);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(codes[i], codes[j]) != 0);
		unsigned char h[32];
		CHECK_INT(recovery_code_hash(codes[i], h), 0);
	}

	/* Every letter of the alphabet turns up about as often (31 letters,
	 * 20000 draws: ~645 each; the bounds are many deviations wide). */
	int count[256] = { 0 };
	for (int round = 0; round < 200; round++) {
		recovery_codes_new(codes, RECOVERY_CODE_COUNT);
		for (int i = 0; i < RECOVERY_CODE_COUNT; i++)
			for (int j = 0; j < 11; j++)
				if (j != 5)
					count[(unsigned char)codes[i][j]]++;
	}
	for (const char *a = "abcdefghjkmnpqrstuvwxyz23456789"; *a; a++)
		if (count[(unsigned char)*a] < 450 || count[(unsigned char)*a] > 850)
			test_fail(__FILE__, __LINE__, "'%c' drawn %d times", *a,
			    count[(unsigned char)*a]);
}

TEST(totp_recovery_code_hash)
{
	unsigned char a[32], b[32], c[32];

	CHECK_INT(recovery_code_hash("abcde-fghjk", a), 0);
	CHECK_INT(recovery_code_hash("ABCDE-FGHJK", b), 0);
	CHECK(memcmp(a, b, 32) == 0);
	CHECK_INT(recovery_code_hash("abcde fghjk", b), 0);
	CHECK(memcmp(a, b, 32) == 0);
	CHECK_INT(recovery_code_hash(" AbCdEfGhJk ", b), 0);
	CHECK(memcmp(a, b, 32) == 0);
	/* It is the SHA-256 of the normalised code. */
	crypto_hash_sha256(c, (const unsigned char *)"abcdefghjk", 10);
	CHECK(memcmp(a, c, 32) == 0);
	CHECK_INT(recovery_code_hash("abcde-fghjm", b), 0);
	CHECK(memcmp(a, b, 32) != 0);

	static const char *bad[] = {
		"", "abcde", "abcde-fghj", "abcde-fghjkm", "abcde-fghj0",
		"abcde-fghjo", "abcde-fghj1", "abcde-fghjl", "abcde-fghji",
		"ABCDE-FGHJI", "abcde_fghjk", "abcde-fghj\xc3\xa9", "abcde-fghj\n",
		"abcdé-fghjk", "-----------",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (recovery_code_hash(bad[i], b) != -1)
			test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
	CHECK_INT(recovery_code_hash(NULL, b), -1);
}
