/*
 * The housekeeping thread. It sleeps on a condition variable so that
 * stopping the server does not wait out a period.
 */
#include "housekeeping.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../booking/booking.h"
#include "../contact/contact.h"
#include "../dialogue/dialogue.h"
#include "../store/db.h"
#include "../util/mem.h"
#include "../util/num.h"

struct housekeeping {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	bool			 stopping;
	unsigned		 period;
	char			*db_path;
	char			*base_url;	/* for links in mail */
	struct mail_worker	*mail;
};

int
housekeeping_run(sqlite3 *db, const char *base_url, time_t now, struct err *e)
{
	int queued = booking_sweep(db, base_url, now, e);
	if (queued < 0)
		return -1;
	if (contact_sweep(db, now, e) < 0 || dialogue_sweep(db, now, e) < 0)
		return -1;
	return queued;
}

static bool
wait_period(struct housekeeping *h)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += h->period;
	pthread_mutex_lock(&h->lock);
	while (!h->stopping &&
	    pthread_cond_timedwait(&h->cond, &h->lock, &until) == 0)
		;
	bool stop = h->stopping;
	pthread_mutex_unlock(&h->lock);
	return !stop;
}

static void *
run(void *arg)
{
	struct housekeeping *h = arg;
	struct err e = ERR_INIT;
	sqlite3 *db = db_open(h->db_path, &e);
	if (db == NULL) {
		fprintf(stderr, "imago: housekeeping: %s\n", e.message);
		return NULL;
	}
	do {
		err_clear(&e);
		int queued = housekeeping_run(db, h->base_url, time(NULL), &e);
		if (queued < 0)
			fprintf(stderr, "imago: housekeeping: %s\n", e.message);
		else if (queued > 0)
			mail_wake(h->mail);
	} while (wait_period(h));
	db_close(db);
	return NULL;
}

struct housekeeping *
housekeeping_start(const char *db_path, const char *base_url,
    struct mail_worker *mail, struct err *e)
{
	struct housekeeping *h = xcalloc(1, sizeof(*h));
	long long period = HOUSEKEEPING_DEFAULT_SECONDS;
	const char *env = getenv("IMAGO_HOUSEKEEPING_SECONDS");
	if (env != NULL && num_parse_long(env, 1, 3600, &period) < 0)
		period = HOUSEKEEPING_DEFAULT_SECONDS;
	h->period = (unsigned)period;
	h->db_path = xstrdup(db_path);
	h->base_url = xstrdup(base_url);
	h->mail = mail;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&h->thread, NULL, run, h) != 0) {
		free(h->db_path);
		free(h->base_url);
		free(h);
		err_internal(e, "could not start the housekeeping thread");
		return NULL;
	}
	return h;
}

void
housekeeping_stop(struct housekeeping *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h->db_path);
	free(h->base_url);
	free(h);
}
