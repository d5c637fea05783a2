/*
 * Time-based one-time codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second
 * steps), as the common authenticator apps make them, through liboath;
 * and one-time recovery codes. The caller stores the secret and the last
 * step accepted, so a code cannot be used twice.
 */
#ifndef IMAGO_TOTP_H
#define IMAGO_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../util/buf.h"
#include "../util/err.h"

#define TOTP_SECRET_BYTES	20	/* 160 bits, as RFC 4226 recommends */
#define TOTP_STEP_SECONDS	30
#define TOTP_DIGITS		6
#define TOTP_WINDOW		1	/* steps accepted either side of now */
#define RECOVERY_CODE_COUNT	10
#define RECOVERY_CODE_CHARS	10	/* shown as "xxxxx-xxxxx" */

/* Must be called once before any other totp_ function (liboath's init). */
int	totp_global_init(void);

/* Fills secret with random bytes. */
void	totp_new_secret(unsigned char secret[TOTP_SECRET_BYTES]);
/* The secret in base32 without padding, as apps expect (NUL-terminated). */
void	totp_secret_base32(const unsigned char *secret, size_t len, struct buf *out);
/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30,
 * with the label parts percent-encoded. */
void	totp_uri(const unsigned char *secret, size_t len, const char *issuer,
	    const char *account, struct buf *out);
/* The code for the step containing time t (tests and the CLI). */
int	totp_code_at(const unsigned char *secret, size_t len, time_t t,
	    char code[TOTP_DIGITS + 1]);
/* Checks a code typed by a person (spaces ignored) at time now, within
 * TOTP_WINDOW steps. Returns the matched step number (t / 30), which the
 * caller must store and refuse at or below next time; 0 when the code
 * is wrong, malformed, or its step is <= last_step. */
int64_t	totp_check(const unsigned char *secret, size_t len, const char *code,
	    time_t now, int64_t last_step);

/* An SVG image of the QR code for text (the otpauth URI), or -1. */
int	totp_qr_svg(const char *text, struct buf *out, struct err *e);

/* Recovery codes: RECOVERY_CODE_COUNT random codes from an unambiguous
 * alphabet, written "xxxxx-xxxxx"; codes[i] must hold 12 bytes. */
void	recovery_codes_new(char codes[][12], int count);
/* Normalises a typed code (case, spaces, dashes) and hashes it (SHA-256)
 * for storage and look-up; -1 when it cannot be a recovery code. */
int	recovery_code_hash(const char *typed, unsigned char hash[32]);

#endif
