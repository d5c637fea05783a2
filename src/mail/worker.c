/*
 * The delivery worker for `imago serve`: one thread that runs a delivery
 * pass every poll_ms, or at once when mail_wake() is called after a
 * commit that queued mail, so a sign-up's email leaves within moments
 * without the request waiting for a mail server.
 *
 * It must never take the server down: a pass that fails (database locked
 * or gone, mail server down) is logged and tried again on the next
 * round, and the log is rate-limited so a failure that lasts does not
 * flood stderr once a second. Nor may it hold the server up when it
 * stops: a pass in progress is cancelled (between messages, or mid-
 * transfer through libcurl's progress callback) within about a second.
 */
#include "mail.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/mem.h"

#define WORKER_LOG_REPEAT_SECONDS	60	/* the same error, at most once a minute */

struct mail_worker {
	struct mail_config	 cfg;		/* strings owned, see copy_config */
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* on CLOCK_MONOTONIC */
	bool			 wake;		/* guarded by lock */
	bool			 stop;		/* guarded by lock */
};

static const char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* The caller's strings may come from a stack buffer that does not live
 * as long as the thread, so the worker keeps its own copies. */
static void
copy_config(struct mail_config *dst, const struct mail_config *src)
{
	dst->db_path = dup_or_null(src->db_path);
	dst->maildir = dup_or_null(src->maildir);
	dst->smtp_url = dup_or_null(src->smtp_url);
	dst->smtp_user = dup_or_null(src->smtp_user);
	dst->smtp_password = dup_or_null(src->smtp_password);
	dst->from = dup_or_null(src->from);
	dst->poll_ms = src->poll_ms ? src->poll_ms : 1000;
}

static void
free_config(struct mail_config *cfg)
{
	free((char *)cfg->db_path);
	free((char *)cfg->maildir);
	free((char *)cfg->smtp_url);
	free((char *)cfg->smtp_user);
	if (cfg->smtp_password) {
		/* Not left behind in freed memory. */
		char *p = (char *)cfg->smtp_password;
		explicit_bzero(p, strlen(p));
		free(p);
	}
	free((char *)cfg->from);
	memset(cfg, 0, sizeof(*cfg));
}

static void
deadline_after(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Asked between messages and during a transfer, so that stopping the
 * server never waits for a slow mail server. */
static bool
stop_requested(void *arg)
{
	struct mail_worker *w = arg;
	pthread_mutex_lock(&w->lock);
	bool stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void *
worker_main(void *arg)
{
	struct mail_worker *w = arg;
	char last_error[sizeof(((struct err *)0)->message)] = "";
	time_t last_logged = 0;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		/* Cleared before the pass: a wake during it means another. */
		w->wake = false;
		pthread_mutex_unlock(&w->lock);

		struct err e = ERR_INIT;
		struct mail_cancel cancel = { stop_requested, w };
		if (mail_deliver_pending_cancellable(&w->cfg, &cancel, &e) < 0) {
			time_t now = time(NULL);
			if (strcmp(e.message, last_error) != 0 ||
			    now - last_logged >= WORKER_LOG_REPEAT_SECONDS) {
				fprintf(stderr, "imago: mail delivery: %s (will retry)\n",
				    e.message);
				snprintf(last_error, sizeof(last_error), "%s", e.message);
				last_logged = now;
			}
		} else
			last_error[0] = '\0';

		pthread_mutex_lock(&w->lock);
		struct timespec until;
		deadline_after(&until, w->cfg.poll_ms);
		while (!w->wake && !w->stop)
			if (pthread_cond_timedwait(&w->cond, &w->lock, &until) == ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct mail_worker *
mail_worker_start(const struct mail_config *cfg, struct err *e)
{
	struct mail_worker *w = xcalloc(1, sizeof(*w));
	copy_config(&w->cfg, cfg);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);

	/* The thread starts with every signal blocked: `serve` takes
	 * SIGTERM with sigwait, and a signal must not land here instead. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		err_internal(e, "mail: cannot start the delivery thread: %s", strerror(rc));
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free_config(&w->cfg);
		free(w);
		return NULL;
	}
	return w;
}

void
mail_wake(struct mail_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->wake = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void
mail_worker_stop(struct mail_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	/* A pass in progress sees the flag within about a second. */
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free_config(&w->cfg);
	free(w);
}
