/*
 * Abuse limits: a token bucket per (rule, key), kept in memory. Keys are
 * an address or an account's lower-cased email; they are hashed with a
 * per-process random key so the table holds no address or email and
 * cannot be flooded into one bucket chain. The table has a fixed number
 * of slots; when it is full the least recently used bucket is reused,
 * which can only make a limit more lenient for a key not seen lately.
 * Limits reset when the process restarts; docs/security.md says why
 * that is acceptable.
 */
#ifndef IMAGO_RATELIMIT_H
#define IMAGO_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

struct ratelimit_rule {
	const char	*name;		/* "signin_ip", "signin_account", ... */
	unsigned	 burst;		/* requests allowed at once */
	unsigned	 per_seconds;	/* one more allowed every per_seconds/burst */
};

struct ratelimit;

/* slots: buckets kept (e.g. 65536). scale multiplies every burst (tests
 * use a large scale except where they test the limits themselves). */
struct ratelimit *ratelimit_new(size_t slots, double scale);
void	ratelimit_free(struct ratelimit *rl);

/* Takes one token for key under rule. true when allowed; false when
 * limited, with *retry_after the whole seconds until a token is back
 * (at least 1). Thread-safe. */
bool	ratelimit_take(struct ratelimit *rl, const struct ratelimit_rule *rule,
	    const char *key, unsigned *retry_after);
/* Same, at an explicit time in seconds (tests). */
bool	ratelimit_take_at(struct ratelimit *rl, const struct ratelimit_rule *rule,
	    const char *key, double now, unsigned *retry_after);

#endif
