/*
 * The secrets accounts are built on: random tokens (sessions, access
 * tokens, emailed links), their stored hashes, CSRF tokens bound to a
 * cookie, and password hashing with Argon2id.
 *
 * Argon2id is deliberately expensive in memory (64 MiB a hash with
 * libsodium's interactive limits), so only a few hashes run at once: a
 * semaphore hands out slots, and a request that cannot get one within
 * the wait answers 503 instead of piling up threads and memory.
 */
#include "extern.h"

#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../util/num.h"

static sem_t hash_slots;
static unsigned long long pw_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
static size_t pw_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
static unsigned hash_wait_ms = 10000;
static bool initialised;

/* The rate limiter lives in limits.c; it reads the scale from here. */
double accounts_rate_limit_scale = 1.0;

static long long
env_number(const char *name, long long min, long long max, long long fallback,
    struct err *e)
{
	const char *s = getenv(name);
	if (s == NULL || *s == '\0')
		return fallback;
	long long v;
	if (num_parse_long(s, min, max, &v) != 0) {
		err_set(e, 500, "bad_configuration", name,
		    "%s must be a whole number from %lld to %lld", name, min, max);
		return -1;
	}
	return v;
}

int
accounts_init(struct err *e)
{
	if (initialised)
		return 0;
	long long ops = env_number("IMAGO_PWHASH_OPSLIMIT", crypto_pwhash_OPSLIMIT_MIN,
	    crypto_pwhash_OPSLIMIT_SENSITIVE, crypto_pwhash_OPSLIMIT_INTERACTIVE, e);
	long long mem = env_number("IMAGO_PWHASH_MEMLIMIT", crypto_pwhash_MEMLIMIT_MIN,
	    crypto_pwhash_MEMLIMIT_SENSITIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE, e);
	long long slots = env_number("IMAGO_PWHASH_CONCURRENCY", 1, 64, 2, e);
	long long scale = env_number("IMAGO_RATE_LIMIT_SCALE", 1, 1000000, 1, e);
	if (ops < 0 || mem < 0 || slots < 0 || scale < 0)
		return -1;
	pw_opslimit = (unsigned long long)ops;
	pw_memlimit = (size_t)mem;
	accounts_rate_limit_scale = (double)scale;
	if (sem_init(&hash_slots, 0, (unsigned)slots) != 0)
		return err_internal(e, "cannot create the hashing semaphore");
	if (totp_global_init() != 0)
		return err_internal(e, "liboath failed to initialise");
	initialised = true;
	/* Makes the dummy hash that sign-ins for unknown addresses check
	 * against now, so the first such sign-in costs no more than others. */
	password_burn("");
	return 0;
}

void
accounts_set_hash_wait(unsigned ms)
{
	hash_wait_ms = ms;
}

static int
take_hash_slot(struct err *e)
{
	if (!initialised && accounts_init(e) != 0)
		return -1;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += hash_wait_ms / 1000;
	until.tv_nsec += (long)(hash_wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (sem_timedwait(&hash_slots, &until) != 0) {
		if (errno == EINTR)
			continue;
		e->retry_after = 2;
		return err_set(e, 503, "busy", "",
		    "too many sign-ins at once; please try again in a moment");
	}
	return 0;
}

int
password_hash(const char *password, char *out, size_t out_len, struct err *e)
{
	if (out_len < crypto_pwhash_STRBYTES)
		return err_internal(e, "password hash buffer too small");
	if (take_hash_slot(e) != 0)
		return -1;
	int rc = crypto_pwhash_str(out, password, strlen(password), pw_opslimit, pw_memlimit);
	sem_post(&hash_slots);
	if (rc != 0)
		return err_internal(e, "password hashing failed (out of memory?)");
	return 0;
}

int
password_verify(const char *hash, const char *password, bool *needs_rehash,
    struct err *e)
{
	if (take_hash_slot(e) != 0)
		return -1;
	int rc = crypto_pwhash_str_verify(hash, password, strlen(password));
	sem_post(&hash_slots);
	*needs_rehash = rc == 0 &&
	    crypto_pwhash_str_needs_rehash(hash, pw_opslimit, pw_memlimit) != 0;
	return rc == 0 ? 1 : 0;
}

static void
base64url(const unsigned char *bytes, size_t n, char *out, size_t out_len)
{
	sodium_bin2base64(out, out_len, bytes, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void
token_new(char out[TOKEN_TEXT_LEN + 1])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	base64url(raw, sizeof(raw), out, TOKEN_TEXT_LEN + 1);
	sodium_memzero(raw, sizeof(raw));
}

void
token_hash(const char *token, unsigned char hash[32])
{
	crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
}

/*
 * The CSRF token is a keyed hash of the cookie's secret: a page can
 * embed it, but only someone who can read the cookie (our own pages)
 * can compute it, and it needs no storage of its own.
 */
void
csrf_for(const char *cookie_token, char out[CSRF_TEXT_LEN + 1])
{
	static const char label[] = "imago csrf v1";
	unsigned char key[32], mac[32];
	token_hash(cookie_token, key);
	crypto_generichash(mac, sizeof(mac), (const unsigned char *)label,
	    sizeof(label) - 1, key, sizeof(key));
	base64url(mac, sizeof(mac), out, CSRF_TEXT_LEN + 1);
	sodium_memzero(key, sizeof(key));
}

bool
csrf_matches(const char *expected, const char *presented)
{
	if (presented == NULL || strlen(presented) != CSRF_TEXT_LEN ||
	    strlen(expected) != CSRF_TEXT_LEN)
		return false;
	return sodium_memcmp(expected, presented, CSRF_TEXT_LEN) == 0;
}
