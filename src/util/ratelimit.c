/*
 * Token buckets per (rule, key) in a fixed-size, set-associative table;
 * see ratelimit.h.
 *
 * A key is hashed (keyed BLAKE2b, 16 bytes) with a random key made when
 * the table is, so the table never holds an address or an email and an
 * attacker cannot choose keys that land in one set. The hash picks a set
 * of RL_WAYS slots; a bucket lives in one slot of its set, and when the
 * set is full the least recently used bucket in it is reused. Memory is
 * therefore fixed however many keys arrive, and eviction only ever
 * forgets a quiet key (which then starts with a full bucket again).
 *
 * Each set is guarded by one of RL_STRIPES mutexes, so requests for
 * different keys seldom wait on each other and the critical section is
 * a few comparisons and a little arithmetic.
 *
 * Refill is continuous: a bucket holds up to burst*scale tokens and gains
 * burst*scale tokens every per_seconds, so a rule "5 per 60 s" allows 5
 * at once and then one every 12 s.
 */
#include "ratelimit.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "mem.h"

#define RL_ID_BYTES	16	/* 128 bits: collisions are not a concern */
#define RL_WAYS		8	/* slots per set searched for a key */
#define RL_STRIPES	64	/* mutexes; a power of two */
/* Floating-point slack: 12 s at 5 per 60 s must give back exactly one
 * token even if the arithmetic rounds down by an ulp. */
#define RL_EPSILON	1e-9

struct rl_bucket {
	unsigned char	 id[RL_ID_BYTES];
	double		 tokens;
	double		 last;		/* last refill and use: LRU stamp */
	int		 used;
};

struct ratelimit {
	struct rl_bucket *slots;
	size_t		  nsets;
	double		  scale;
	unsigned char	  hash_key[crypto_generichash_KEYBYTES];
	pthread_mutex_t	  locks[RL_STRIPES];
};

struct ratelimit *
ratelimit_new(size_t slots, double scale)
{
	/* The hash key must be random; without libsodium we cannot make
	 * one, and running without limits would be worse than stopping. */
	if (sodium_init() < 0)
		abort();

	struct ratelimit *rl = xcalloc(1, sizeof(*rl));
	rl->nsets = slots / RL_WAYS;
	if (rl->nsets == 0)
		rl->nsets = 1;
	rl->slots = xcalloc(rl->nsets * RL_WAYS, sizeof(*rl->slots));
	rl->scale = (isfinite(scale) && scale > 0) ? scale : 1.0;
	randombytes_buf(rl->hash_key, sizeof(rl->hash_key));
	for (int i = 0; i < RL_STRIPES; i++)
		if (pthread_mutex_init(&rl->locks[i], NULL) != 0)
			abort();
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	for (int i = 0; i < RL_STRIPES; i++)
		pthread_mutex_destroy(&rl->locks[i]);
	sodium_memzero(rl->hash_key, sizeof(rl->hash_key));
	free(rl->slots);
	free(rl);
}

/* The bucket id: rule name and key with a NUL between them, so
 * ("ab", "c") and ("a", "bc") differ. */
static void
bucket_id(const struct ratelimit *rl, const char *name, const char *key,
    unsigned char id[RL_ID_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, rl->hash_key, sizeof(rl->hash_key),
	    RL_ID_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)name,
	    strlen(name) + 1);
	crypto_generichash_update(&st, (const unsigned char *)key, strlen(key));
	crypto_generichash_final(&st, id, RL_ID_BYTES);
}

/* The bucket for id in its set: the existing one, else an empty slot,
 * else the least recently used one, reset to a full bucket. */
static struct rl_bucket *
bucket_find(struct rl_bucket *set, const unsigned char id[RL_ID_BYTES],
    double capacity, double now)
{
	struct rl_bucket *victim = NULL;

	for (int i = 0; i < RL_WAYS; i++) {
		struct rl_bucket *b = &set[i];
		if (!b->used) {
			if (victim == NULL || victim->used)
				victim = b;
			continue;
		}
		if (memcmp(b->id, id, RL_ID_BYTES) == 0)
			return b;
		if (victim == NULL || (victim->used && b->last < victim->last))
			victim = b;
	}
	memcpy(victim->id, id, RL_ID_BYTES);
	victim->tokens = capacity;
	victim->last = now;
	victim->used = 1;
	return victim;
}

bool
ratelimit_take_at(struct ratelimit *rl, const struct ratelimit_rule *rule,
    const char *key, double now, unsigned *retry_after)
{
	unsigned char id[RL_ID_BYTES];
	unsigned wait = 0;
	bool allowed;

	if (retry_after != NULL)
		*retry_after = 0;
	/* A rule that allows nothing (or a bad table) limits everyone
	 * rather than no one. */
	if (rl == NULL || rule == NULL || rule->burst == 0) {
		if (retry_after != NULL)
			*retry_after = rule && rule->per_seconds ? rule->per_seconds : 1;
		return false;
	}
	/* No period means no limit. */
	if (rule->per_seconds == 0)
		return true;

	double capacity = (double)rule->burst * rl->scale;
	/* A scale below one must not make a bucket that never holds a
	 * whole token (and a retry_after that never comes true). */
	if (capacity < 1.0)
		capacity = 1.0;
	double per = (double)rule->per_seconds;

	bucket_id(rl, rule->name ? rule->name : "", key ? key : "", id);
	uint64_t h;
	memcpy(&h, id, sizeof(h));
	size_t set = (size_t)(h % rl->nsets);
	pthread_mutex_t *lock = &rl->locks[set % RL_STRIPES];

	pthread_mutex_lock(lock);
	struct rl_bucket *b = bucket_find(&rl->slots[set * RL_WAYS], id,
	    capacity, now);
	/* A clock that goes back (only in tests) refills nothing. */
	if (now > b->last) {
		/* Multiply before dividing: exact for whole seconds. */
		b->tokens += (now - b->last) * capacity / per;
		if (b->tokens > capacity)
			b->tokens = capacity;
		b->last = now;
	}
	if (b->tokens >= 1.0 - RL_EPSILON) {
		b->tokens -= 1.0;
		if (b->tokens < 0)
			b->tokens = 0;
		allowed = true;
	} else {
		double seconds = (1.0 - b->tokens) * per / capacity;
		double up = ceil(seconds - RL_EPSILON);
		wait = up >= (double)UINT_MAX ? UINT_MAX :
		    up < 1 ? 1 : (unsigned)up;
		allowed = false;
	}
	pthread_mutex_unlock(lock);

	if (retry_after != NULL)
		*retry_after = wait;
	return allowed;
}

bool
ratelimit_take(struct ratelimit *rl, const struct ratelimit_rule *rule,
    const char *key, unsigned *retry_after)
{
	struct timespec ts;

	/* Monotonic: setting the wall clock must not refill or drain. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ratelimit_take_at(rl, rule, key,
	    (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, retry_after);
}
