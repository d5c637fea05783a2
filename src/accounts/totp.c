/*
 * Two-factor sign-in: time-based one-time codes (RFC 6238) and recovery
 * codes; see totp.h.
 *
 * The HMAC and truncation come from liboath, which is tested against the
 * RFCs; we do the parts that touch untrusted input ourselves so they are
 * strict: a typed code must be exactly six ASCII digits (spaces ignored),
 * and we compare codes in constant time across the whole window rather
 * than stopping at the first match. Replay is refused by step number,
 * which the caller stores. Base32, the otpauth URI and the QR code SVG
 * are small enough to write here, which keeps their output exactly the
 * shape authenticator apps expect (no '=' padding, %20 not '+').
 */
#include "totp.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <oath.h>
#include <qrencode.h>
#include <sodium.h>

/* Unambiguous when read aloud or copied from paper: no 0/O, 1/l/I. */
static const char recovery_alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
#define RECOVERY_ALPHABET_LEN	(sizeof(recovery_alphabet) - 1)

/* Longest text we put in a QR code: an otpauth URI is ~150 bytes; more
 * than this is a bug or an attack, and would make an unscannable code. */
#define QR_TEXT_MAX		1024
/* time_t is a signed integer type of unspecified width. */
#define TIME_T_MAX \
	((time_t)((((uint64_t)1 << (sizeof(time_t) * CHAR_BIT - 2)) - 1) * 2 + 1))

#define QR_QUIET_ZONE		4	/* modules of white border, per ISO 18004 */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = -1;

static void
init_libraries(void)
{
	/* sodium_init is idempotent; calling it here means the module
	 * works even if the program forgot to. */
	if (sodium_init() < 0)
		return;
	if (oath_init() != OATH_OK)
		return;
	init_result = 0;
}

int
totp_global_init(void)
{
	if (pthread_once(&init_once, init_libraries) != 0)
		return -1;
	return init_result;
}

void
totp_new_secret(unsigned char secret[TOTP_SECRET_BYTES])
{
	randombytes_buf(secret, TOTP_SECRET_BYTES);
}

void
totp_secret_base32(const unsigned char *secret, size_t len, struct buf *out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint32_t acc = 0;	/* bits not yet written, at most 12 */
	int nbits = 0;

	/* Terminates the buffer even when the secret is empty. */
	buf_put(out, "", 0);
	buf_grow(out, (len * 8 + 4) / 5);
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | secret[i];
		nbits += 8;
		while (nbits >= 5) {
			nbits -= 5;
			buf_putc(out, alphabet[(acc >> nbits) & 31]);
		}
		acc &= (1u << nbits) - 1;
	}
	/* The last group is padded with zero bits; no '=' (apps reject it). */
	if (nbits > 0)
		buf_putc(out, alphabet[(acc << (5 - nbits)) & 31]);
}

/* RFC 3986 percent-encoding: only unreserved characters stay, so ':'
 * inside an issuer or account cannot be read as the label separator,
 * and spaces become %20 (some apps show a '+' literally). */
static void
uri_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf_putc(out, (char)c);
		} else {
			buf_putc(out, '%');
			buf_putc(out, hex[c >> 4]);
			buf_putc(out, hex[c & 15]);
		}
	}
}

void
totp_uri(const unsigned char *secret, size_t len, const char *issuer,
    const char *account, struct buf *out)
{
	if (issuer == NULL)
		issuer = "";
	if (account == NULL)
		account = "";
	buf_puts(out, "otpauth://totp/");
	uri_escape(out, issuer);
	buf_putc(out, ':');
	uri_escape(out, account);
	buf_puts(out, "?secret=");
	totp_secret_base32(secret, len, out);
	buf_puts(out, "&issuer=");
	uri_escape(out, issuer);
	buf_printf(out, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS,
	    TOTP_STEP_SECONDS);
}

int
totp_code_at(const unsigned char *secret, size_t len, time_t t,
    char code[TOTP_DIGITS + 1])
{
	char otp[TOTP_DIGITS + 1];

	memset(code, 0, TOTP_DIGITS + 1);
	if (secret == NULL || len == 0 || t < 0)
		return -1;
	if (totp_global_init() != 0)
		return -1;
	if (oath_totp_generate((const char *)secret, len, t, TOTP_STEP_SECONDS,
	    OATH_TOTP_DEFAULT_START_TIME, TOTP_DIGITS, otp) != OATH_OK)
		return -1;
	memcpy(code, otp, TOTP_DIGITS);
	code[TOTP_DIGITS] = '\0';
	return 0;
}

/* Copies the digits of a typed code into digits, ignoring spaces (apps
 * show "123 456"); false unless exactly TOTP_DIGITS ASCII digits. */
static bool
normalise_code(const char *typed, char digits[TOTP_DIGITS + 1])
{
	size_t n = 0;

	if (typed == NULL)
		return false;
	for (const char *p = typed; *p; p++) {
		if (*p == ' ')
			continue;
		if (*p < '0' || *p > '9' || n == TOTP_DIGITS)
			return false;
		digits[n++] = *p;
	}
	digits[n] = '\0';
	return n == TOTP_DIGITS;
}

int64_t
totp_check(const unsigned char *secret, size_t len, const char *code,
    time_t now, int64_t last_step)
{
	char typed[TOTP_DIGITS + 1], want[TOTP_DIGITS + 1];
	int64_t matched = 0;

	if (!normalise_code(code, typed))
		return 0;
	if (secret == NULL || len == 0 || now < 0)
		return 0;

	int64_t step_now = (int64_t)(now / TOTP_STEP_SECONDS);
	/* Largest step whose start liboath can be given as a time_t. */
	const int64_t step_max = (int64_t)(TIME_T_MAX / TOTP_STEP_SECONDS);
	/* Try every step in the window, whatever matches, so the time taken
	 * says nothing about which step (if any) was right. If two steps
	 * share the code, the later one wins: storing it refuses more. */
	for (int off = -TOTP_WINDOW; off <= TOTP_WINDOW; off++) {
		if (step_now > step_max - off)
			break;
		int64_t step = step_now + off;
		if (step <= 0)
			continue;
		if (totp_code_at(secret, len, (time_t)(step * TOTP_STEP_SECONDS),
		    want) != 0)
			continue;
		if (sodium_memcmp(typed, want, TOTP_DIGITS) == 0 &&
		    step > last_step)
			matched = step;
	}
	sodium_memzero(want, sizeof(want));
	return matched;
}

/* One row of the QR code as path commands: each horizontal run of dark
 * modules becomes one rectangle, which keeps the SVG a few kB. */
static void
qr_row_path(struct buf *out, const QRcode *qr, int y)
{
	int w = qr->width;

	for (int x = 0; x < w; ) {
		if (!(qr->data[y * w + x] & 1)) {
			x++;
			continue;
		}
		int run = 1;
		while (x + run < w && (qr->data[y * w + x + run] & 1))
			run++;
		buf_printf(out, "M%d %dh%dv1h-%dz", x + QR_QUIET_ZONE,
		    y + QR_QUIET_ZONE, run, run);
		x += run;
	}
}

int
totp_qr_svg(const char *text, struct buf *out, struct err *e)
{
	if (text == NULL || text[0] == '\0')
		return err_invalid(e, "text", "nothing to put in the QR code");
	if (strlen(text) > QR_TEXT_MAX)
		return err_invalid(e, "text",
		    "text for the QR code is longer than %d bytes", QR_TEXT_MAX);

	/* 8-bit mode, case-sensitive: the URI is mixed case and must come
	 * back byte for byte. Level M survives a smudged screen. */
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL)
		return err_internal(e, "could not encode the QR code");

	/* Only numbers go into this markup, never the text itself. */
	int size = qr->width + 2 * QR_QUIET_ZONE;
	buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\" role=\"img\" "
	    "aria-label=\"QR code for the authenticator app\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	    size, size, size, size);
	for (int y = 0; y < qr->width; y++)
		qr_row_path(out, qr, y);
	buf_puts(out, "\"/></svg>");
	QRcode_free(qr);
	return 0;
}

void
recovery_codes_new(char codes[][12], int count)
{
	for (int i = 0; i < count; i++) {
		int n = 0;
		for (int j = 0; j < RECOVERY_CODE_CHARS; j++) {
			if (j == RECOVERY_CODE_CHARS / 2)
				codes[i][n++] = '-';
			/* randombytes_uniform has no modulo bias. */
			codes[i][n++] = recovery_alphabet[
			    randombytes_uniform((uint32_t)RECOVERY_ALPHABET_LEN)];
		}
		codes[i][n] = '\0';
	}
}

int
recovery_code_hash(const char *typed, unsigned char hash[32])
{
	char norm[RECOVERY_CODE_CHARS];
	size_t n = 0;

	if (typed == NULL)
		return -1;
	for (const unsigned char *p = (const unsigned char *)typed; *p; p++) {
		unsigned char c = *p;
		if (c == ' ' || c == '-' || c == '\t')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		/* c != 0 here, so strchr cannot match the terminator. */
		if (n == RECOVERY_CODE_CHARS || strchr(recovery_alphabet, c) == NULL)
			return -1;
		norm[n++] = (char)c;
	}
	if (n != RECOVERY_CODE_CHARS)
		return -1;
	crypto_hash_sha256(hash, (const unsigned char *)norm, n);
	sodium_memzero(norm, sizeof(norm));
	return 0;
}
