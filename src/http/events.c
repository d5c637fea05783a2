/*
 * Server-sent events: a hub of topics and the streams watching them.
 *
 * A stream is a libmicrohttpd response whose content reader writes what
 * is pending (the retry line, a change event, a ping) or, with nothing
 * to send, suspends its connection and returns 0: the pattern MHD
 * prescribes for a reader that must wait without busy-looping. A
 * publish, the heartbeat thread (pings, the end of a stream's lifetime)
 * and closing the hub resume suspended connections.
 *
 * One mutex guards the hub and every stream in it. The invariant that
 * keeps lifetimes safe: a stream is in the hub's list from
 * http_reply_events until MHD's free callback, and only a stream in the
 * list with `suspended` set is ever resumed, under the mutex, which
 * clears the flag. MHD frees a response only for a connection it is
 * processing, and it does not process a suspended one, so no connection
 * is resumed after its response was freed, and none is resumed twice.
 */
#include "http.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "../util/mem.h"

struct http_stream {
	struct http_events	*hub;
	struct http_stream	*prev, *next;	/* in hub->streams */
	struct MHD_Connection	*conn;
	char			 topic[HTTP_EVENTS_TOPIC_MAX + 1];
	uint64_t		 latest;	/* hub->seq at the last publish of topic */
	uint64_t		 sent;		/* the latest already sent */
	time_t			 started;	/* monotonic seconds */
	time_t			 last_write;
	bool			 opened;	/* the retry line went out */
	bool			 suspended;	/* waiting for a resume */
	char			 out[128];	/* what the reader is writing */
	size_t			 out_len, out_off;
};

struct http_events {
	pthread_mutex_t		 lock;
	pthread_cond_t		 tick;		/* wakes the heartbeat early */
	pthread_t		 heartbeat;
	bool			 closed;	/* no new streams; open ones end */
	bool			 quit;		/* the heartbeat thread ends */
	struct http_stream	*streams;
	size_t			 count;
	uint64_t		 seq;		/* publishes so far */
};

static time_t
mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Wakes a stream that waits: under the hub's lock. */
static void
wake(struct http_stream *s)
{
	if (s->suspended) {
		s->suspended = false;
		MHD_resume_connection(s->conn);
	}
}

/*
 * Every second: resumes the streams owing a ping or at the end of their
 * lifetime; the reader then writes the ping or ends the stream. A ping
 * is also how a vanished client is found: MHD notices a disconnect only
 * when it writes.
 */
static void *
heartbeat(void *arg)
{
	struct http_events *hub = arg;
	pthread_mutex_lock(&hub->lock);
	while (!hub->quit) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&hub->tick, &hub->lock, &until);
		time_t now = mono_now();
		for (struct http_stream *s = hub->streams; s; s = s->next)
			if (now - s->last_write >= HTTP_EVENTS_PING ||
			    now - s->started >= HTTP_EVENTS_LIFETIME)
				wake(s);
	}
	pthread_mutex_unlock(&hub->lock);
	return NULL;
}

struct http_events *
http_events_new(void)
{
	struct http_events *hub = xcalloc(1, sizeof(*hub));
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&hub->tick, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&hub->lock, NULL);
	if (pthread_create(&hub->heartbeat, NULL, heartbeat, hub) != 0) {
		fprintf(stderr, "imago: cannot start the event heartbeat\n");
		abort();
	}
	return hub;
}

void
http_events_close(struct http_events *hub)
{
	if (hub == NULL)
		return;
	pthread_mutex_lock(&hub->lock);
	hub->closed = true;
	for (struct http_stream *s = hub->streams; s; s = s->next)
		wake(s);
	pthread_mutex_unlock(&hub->lock);
}

void
http_events_free(struct http_events *hub)
{
	if (hub == NULL)
		return;
	pthread_mutex_lock(&hub->lock);
	hub->quit = true;
	pthread_cond_signal(&hub->tick);
	pthread_mutex_unlock(&hub->lock);
	pthread_join(hub->heartbeat, NULL);
	/* MHD has stopped and freed every response, so the list is empty;
	 * a stream left over would be a bug, not something to free here. */
	if (hub->streams != NULL)
		fprintf(stderr, "imago: %zu event streams outlived the server\n", hub->count);
	pthread_mutex_destroy(&hub->lock);
	pthread_cond_destroy(&hub->tick);
	free(hub);
}

void
http_events_publish(struct http_events *hub, const char *topic)
{
	if (hub == NULL)
		return;
	pthread_mutex_lock(&hub->lock);
	hub->seq++;
	for (struct http_stream *s = hub->streams; s; s = s->next) {
		if (strcmp(s->topic, topic) == 0) {
			s->latest = hub->seq;
			wake(s);
		}
	}
	pthread_mutex_unlock(&hub->lock);
}

int
http_reply_events(struct http_request *req, struct http_response *res,
    struct http_events *hub, const char *topic, struct err *e)
{
	if (strlen(topic) > HTTP_EVENTS_TOPIC_MAX)
		return err_invalid(e, NULL, "the event topic is too long");
	pthread_mutex_lock(&hub->lock);
	size_t on_topic = 0;
	for (struct http_stream *s = hub->streams; s; s = s->next)
		if (strcmp(s->topic, topic) == 0)
			on_topic++;
	if (hub->closed || hub->count >= HTTP_EVENTS_MAX || on_topic >= HTTP_EVENTS_PER_TOPIC) {
		pthread_mutex_unlock(&hub->lock);
		e->retry_after = 10;
		return err_set(e, 503, "busy", NULL,
		    "too many live updates are open; please try again in a moment");
	}
	struct http_stream *s = xcalloc(1, sizeof(*s));
	s->hub = hub;
	s->conn = req->conn;
	snprintf(s->topic, sizeof(s->topic), "%s", topic);
	s->started = s->last_write = mono_now();
	s->next = hub->streams;
	if (hub->streams)
		hub->streams->prev = s;
	hub->streams = s;
	hub->count++;
	pthread_mutex_unlock(&hub->lock);

	res->stream = s;
	res->status = 200;
	res->content_type = "text/event-stream";
	bool cache_set = false;
	for (int i = 0; i < res->nheaders; i++)
		if (strcmp(res->headers[i].name, "Cache-Control") == 0)
			cache_set = true;
	if (!cache_set)
		http_add_header(res, "Cache-Control", "no-store");
	/* Tells a buffering proxy (nginx) to pass each event on at once. */
	http_add_header(res, "X-Accel-Buffering", "no");
	return 0;
}

/* Appends to the stream's outgoing text. */
static void
out_printf(struct http_stream *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
out_printf(struct http_stream *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s->out + s->out_len, sizeof(s->out) - s->out_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->out_len += (size_t)n < sizeof(s->out) - s->out_len ? (size_t)n : 0;
}

ssize_t
http_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct http_stream *s = cls;
	struct http_events *hub = s->hub;
	pthread_mutex_lock(&hub->lock);
	if (s->out_off == s->out_len) {
		s->out_len = s->out_off = 0;
		time_t now = mono_now();
		if (!s->opened) {
			out_printf(s, "retry: %d\n\n", HTTP_EVENTS_RETRY_MS);
			s->opened = true;
		}
		if (s->latest != s->sent) {
			out_printf(s, "event: change\ndata: %" PRIu64 "\n\n", s->latest);
			s->sent = s->latest;
		}
		if (s->out_len == 0 && (hub->closed || now - s->started >= HTTP_EVENTS_LIFETIME)) {
			pthread_mutex_unlock(&hub->lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (s->out_len == 0 && now - s->last_write >= HTTP_EVENTS_PING)
			out_printf(s, ": ping\n\n");
		if (s->out_len == 0) {
			/* Nothing to say: wait, holding no thread, until a
			 * publish or the heartbeat resumes us. Suspending under
			 * the lock means no publish falls between the check and
			 * the suspension. */
			s->suspended = true;
			MHD_suspend_connection(s->conn);
			pthread_mutex_unlock(&hub->lock);
			return 0;
		}
		s->last_write = now;
	}
	size_t n = s->out_len - s->out_off;
	if (n > max)
		n = max;
	memcpy(buf, s->out + s->out_off, n);
	s->out_off += n;
	pthread_mutex_unlock(&hub->lock);
	return (ssize_t)n;
}

void
http_stream_free(void *cls)
{
	struct http_stream *s = cls;
	struct http_events *hub = s->hub;
	pthread_mutex_lock(&hub->lock);
	if (s->prev)
		s->prev->next = s->next;
	else
		hub->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	hub->count--;
	pthread_mutex_unlock(&hub->lock);
	free(s);
}
