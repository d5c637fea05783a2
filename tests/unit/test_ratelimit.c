/*
 * Token buckets (src/util/ratelimit.h), driven at explicit times: the
 * burst, the refill rate and retry_after, independence of keys and rules,
 * scale, eviction when the table is full, and exact accounting when
 * several threads take from one bucket at once.
 */
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>

#include "../../src/util/ratelimit.h"

static const struct ratelimit_rule five_a_minute = { "signin_ip", 5, 60 };

/* How many of n takes at time now are allowed. */
static int
take_n(struct ratelimit *rl, const struct ratelimit_rule *rule,
    const char *key, double now, int n)
{
	int allowed = 0;
	for (int i = 0; i < n; i++) {
		unsigned retry = 0;
		if (ratelimit_take_at(rl, rule, key, now, &retry)) {
			allowed++;
			if (retry != 0)
				test_fail(__FILE__, __LINE__, "retry_after %u when allowed",
				    retry);
		}
	}
	return allowed;
}

TEST(ratelimit_burst_then_limited)
{
	struct ratelimit *rl = ratelimit_new(1024, 1.0);
	unsigned retry = 0;

	CHECK_INT(take_n(rl, &five_a_minute, "192.0.2.1", 1000, 5), 5);
	CHECK(!ratelimit_take_at(rl, &five_a_minute, "192.0.2.1", 1000, &retry));
	CHECK_INT(retry, 12);	/* one token every 60/5 s */
	CHECK(!ratelimit_take_at(rl, &five_a_minute, "192.0.2.1", 1000, NULL));
	/* Being refused costs nothing: still 12 s. */
	CHECK(!ratelimit_take_at(rl, &five_a_minute, "192.0.2.1", 1000, &retry));
	CHECK_INT(retry, 12);
	CHECK(!ratelimit_take_at(rl, &five_a_minute, "192.0.2.1", 1007.5, &retry));
	CHECK_INT(retry, 5);	/* 4.5 s rounds up */
	CHECK(!ratelimit_take_at(rl, &five_a_minute, "192.0.2.1", 1011.9, &retry));
	CHECK_INT(retry, 1);	/* never 0 */
	ratelimit_free(rl);
}

TEST(ratelimit_refill)
{
	struct ratelimit *rl = ratelimit_new(1024, 1.0);
	unsigned retry = 0;

	CHECK_INT(take_n(rl, &five_a_minute, "k", 1000, 10), 5);
	/* Exactly one token back after 12 s, not before. */
	CHECK_INT(take_n(rl, &five_a_minute, "k", 1011.99, 1), 0);
	CHECK_INT(take_n(rl, &five_a_minute, "k", 1012, 3), 1);
	CHECK_INT(take_n(rl, &five_a_minute, "k", 1024, 3), 1);
	/* Two intervals, two tokens. */
	CHECK_INT(take_n(rl, &five_a_minute, "k", 1048, 3), 2);
	/* A long quiet spell refills to the burst, no further. */
	CHECK_INT(take_n(rl, &five_a_minute, "k", 5000, 20), 5);
	CHECK(!ratelimit_take_at(rl, &five_a_minute, "k", 5000, &retry));
	CHECK_INT(retry, 12);
	/* A clock that goes back neither refills nor breaks anything. */
	CHECK_INT(take_n(rl, &five_a_minute, "k", 10, 3), 0);
	CHECK_INT(take_n(rl, &five_a_minute, "k", 5012, 3), 1);

	/* Slow rules: 3 a day is one every 8 hours. */
	static const struct ratelimit_rule daily = { "signup", 3, 86400 };
	CHECK_INT(take_n(rl, &daily, "k", 0, 5), 3);
	CHECK(!ratelimit_take_at(rl, &daily, "k", 0, &retry));
	CHECK_INT(retry, 28800);
	CHECK_INT(take_n(rl, &daily, "k", 28800, 5), 1);
	ratelimit_free(rl);
}

TEST(ratelimit_keys_and_rules_independent)
{
	struct ratelimit *rl = ratelimit_new(1024, 1.0);
	static const struct ratelimit_rule other = { "signin_account", 5, 60 };
	static const struct ratelimit_rule prefix = { "signin_ip1", 5, 60 };

	CHECK_INT(take_n(rl, &five_a_minute, "192.0.2.1", 0, 10), 5);
	CHECK_INT(take_n(rl, &five_a_minute, "192.0.2.2", 0, 10), 5);
	CHECK_INT(take_n(rl, &five_a_minute, "192.0.2.10", 0, 10), 5);
	CHECK_INT(take_n(rl, &five_a_minute, "", 0, 10), 5);
	CHECK_INT(take_n(rl, &other, "192.0.2.1", 0, 10), 5);
	/* Name and key are separated: ("signin_ip", "1x") is not
	 * ("signin_ip1", "x"). */
	CHECK_INT(take_n(rl, &five_a_minute, "1x", 0, 10), 5);
	CHECK_INT(take_n(rl, &prefix, "x", 0, 10), 5);
	/* Still all limited. */
	CHECK_INT(take_n(rl, &five_a_minute, "192.0.2.1", 0, 1), 0);
	CHECK_INT(take_n(rl, &other, "192.0.2.1", 0, 1), 0);
	ratelimit_free(rl);
}

TEST(ratelimit_scale)
{
	struct ratelimit *rl = ratelimit_new(1024, 10.0);
	unsigned retry = 0;

	CHECK_INT(take_n(rl, &five_a_minute, "k", 0, 100), 50);
	CHECK(!ratelimit_take_at(rl, &five_a_minute, "k", 0, &retry));
	CHECK_INT(retry, 2);	/* 60/50 = 1.2 s, rounded up */
	/* The rate scales too: 50 a minute. */
	CHECK_INT(take_n(rl, &five_a_minute, "k", 6, 100), 5);
	ratelimit_free(rl);

	/* Nonsense scales are taken as 1; tiny ones still allow one. */
	rl = ratelimit_new(1024, 0.0);
	CHECK_INT(take_n(rl, &five_a_minute, "k", 0, 100), 5);
	ratelimit_free(rl);
	rl = ratelimit_new(1024, 0.01);
	CHECK_INT(take_n(rl, &five_a_minute, "k", 0, 100), 1);
	CHECK(!ratelimit_take_at(rl, &five_a_minute, "k", 0, &retry));
	CHECK_INT(retry, 60);
	ratelimit_free(rl);
}

TEST(ratelimit_degenerate_rules)
{
	struct ratelimit *rl = ratelimit_new(0, 1.0);	/* still one set */
	static const struct ratelimit_rule none = { "none", 0, 60 };
	static const struct ratelimit_rule unlimited = { "unlimited", 5, 0 };
	static const struct ratelimit_rule unnamed = { NULL, 1, 60 };
	unsigned retry = 0;

	CHECK(!ratelimit_take_at(rl, &none, "k", 0, &retry));
	CHECK(retry >= 1);
	CHECK_INT(take_n(rl, &unlimited, "k", 0, 100), 100);
	CHECK_INT(take_n(rl, &unnamed, NULL, 0, 3), 1);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

TEST(ratelimit_table_full)
{
	/* 64 slots, 20000 keys: every set overflows many times over. */
	struct ratelimit *rl = ratelimit_new(64, 1.0);
	char key[32];
	int hot = 0, cold = 0;

	for (int i = 0; i < 20000; i++) {
		double now = 1000 + i * 0.001;	/* 20 s in all: < 12 s per token */
		snprintf(key, sizeof(key), "198.51.100.%d", i);
		cold += ratelimit_take_at(rl, &five_a_minute, key, now, NULL);
		/* The hot key is always the most recently used in its set,
		 * so it is never evicted and stays limited. */
		hot += ratelimit_take_at(rl, &five_a_minute, "203.0.113.9", now, NULL);
	}
	CHECK_INT(cold, 20000);
	CHECK(hot >= 5 && hot <= 6);	/* 5, plus one refilled at 12 s */
	ratelimit_free(rl);
}

TEST(ratelimit_evicts_least_recently_used)
{
	/* Eight slots are one set: the ninth key evicts the oldest. */
	struct ratelimit *rl = ratelimit_new(8, 1.0);
	static const struct ratelimit_rule one = { "one", 1, 3600 };
	char key[16];

	for (int i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		CHECK_INT(take_n(rl, &one, key, i, 2), 1);
	}
	CHECK_INT(take_n(rl, &one, "k0", 10, 1), 0);	/* k0 is now recent */
	CHECK_INT(take_n(rl, &one, "new", 11, 2), 1);	/* evicts k1 */
	CHECK_INT(take_n(rl, &one, "k0", 12, 1), 0);
	CHECK_INT(take_n(rl, &one, "k2", 12, 1), 0);
	CHECK_INT(take_n(rl, &one, "k7", 12, 1), 0);
	CHECK_INT(take_n(rl, &one, "k1", 13, 2), 1);	/* forgotten: fresh */
	ratelimit_free(rl);
}

struct worker {
	struct ratelimit	*rl;
	int			 allowed;
	int			 other_allowed;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	static const struct ratelimit_rule busy = { "busy", 1000, 60 };
	char key[32];

	for (int i = 0; i < 5000; i++) {
		if (ratelimit_take_at(w->rl, &busy, "shared", 500, NULL))
			w->allowed++;
		/* Other keys in the same table at the same time. */
		snprintf(key, sizeof(key), "other-%d", i % 50);
		if (ratelimit_take_at(w->rl, &busy, key, 500, NULL))
			w->other_allowed++;
	}
	return NULL;
}

TEST(ratelimit_threads_exact)
{
	struct ratelimit *rl = ratelimit_new(4096, 1.0);
	struct worker w[4];
	pthread_t t[4];

	for (int i = 0; i < 4; i++) {
		w[i].rl = rl;
		w[i].allowed = w[i].other_allowed = 0;
		CHECK_INT(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	int total = 0, other = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += w[i].allowed;
		other += w[i].other_allowed;
	}
	CHECK_INT(total, 1000);
	/* 50 keys, 400 takes each, all within the burst. */
	CHECK_INT(other, 20000);
	ratelimit_free(rl);
}

TEST(ratelimit_real_clock)
{
	struct ratelimit *rl = ratelimit_new(1024, 1.0);
	static const struct ratelimit_rule two_an_hour = { "mail", 2, 3600 };
	unsigned retry = 0;

	CHECK(ratelimit_take(rl, &two_an_hour, "a@example.com", &retry));
	CHECK(ratelimit_take(rl, &two_an_hour, "a@example.com", &retry));
	CHECK(!ratelimit_take(rl, &two_an_hour, "a@example.com", &retry));
	CHECK(retry >= 1799 && retry <= 1800);
	ratelimit_free(rl);
}
