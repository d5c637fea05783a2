/*
 * The HTTP layer: a libmicrohttpd server with limits enforced while
 * reading (header size, body size per route, connection time, connections
 * per address), a table-driven router, and one request/response shape for
 * every handler. It knows nothing of SQL or of the directory: the web
 * layer (src/web/) supplies the route table and the error renderer.
 */
#ifndef IMAGO_HTTP_H
#define IMAGO_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/arena.h"
#include "../util/buf.h"
#include "../util/err.h"
#include "../util/param.h"

#define HTTP_MAX_PARAMS		256	/* query-string or form pairs (the workspace's longer forms) */
#define HTTP_MAX_PATH_ARGS	4	/* {captures} in a route pattern */
#define HTTP_MAX_HEADERS	12	/* extra response headers */
#define HTTP_MAX_URL		4096	/* bytes of request target */
#define HTTP_MAX_HEADER_BYTES	16384	/* request header fields, in all */
#define HTTP_OFFLOAD_THREADS	8	/* workers for offloaded routes */
#define HTTP_OFFLOAD_QUEUE	128	/* offloaded requests waiting; then 503 */

enum http_method { HTTP_GET = 1, HTTP_HEAD = 2, HTTP_POST = 4, HTTP_PUT = 8,
	HTTP_PATCH = 16, HTTP_DELETE = 32, HTTP_OPTIONS = 64 };

struct http_request {
	struct arena	*arena;		/* freed when the request ends */
	enum http_method method;
	const char	*path;		/* decoded, without the query */
	struct param	 params[HTTP_MAX_PARAMS];
	size_t		 nparams;
	const char	*path_args[HTTP_MAX_PATH_ARGS];
	const char	*body;		/* NUL-terminated */
	size_t		 body_len;
	const char	*content_type;	/* request header, or NULL */
	const char	*remote_addr;	/* "127.0.0.1" */
	bool		 is_api;	/* path under /api/ */
	bool		 https;		/* served behind TLS (config) */
	void		*app;		/* the application context */
	void		*auth;		/* who is asking: set by the guard */
	const struct http_route *route;	/* the matched route */
	void		*conn;		/* libmicrohttpd connection (private) */
};

struct http_header {
	const char	*name;
	const char	*value;
};

struct http_response {
	int		 status;
	const char	*content_type;
	struct buf	 body;
	struct http_header headers[HTTP_MAX_HEADERS];
	int		 nheaders;
	/* Static bytes served without copying (assets). */
	const void	*static_body;
	size_t		 static_len;
	/* A server-sent event stream (http_reply_events); the body is
	 * then unused. */
	struct http_stream *stream;
};

/* A handler fills res and returns 0, or returns -1 with e set; the
 * server then renders e (JSON under /api/, an HTML page elsewhere). */
typedef int (*http_handler)(struct http_request *req, struct http_response *res,
	    struct err *e);

struct http_route {
	unsigned	 methods;	/* bit set of enum http_method */
	const char	*pattern;	/* "/api/v1/therapists/{id}" */
	http_handler	 handler;
	size_t		 max_body;	/* bytes; larger bodies get 413 */
	unsigned	 access;	/* who may call it: the guard's business */
	/* Slow on purpose (Argon2id): run on the worker pool, not on a
	 * connection thread, so other requests never wait behind it. */
	bool		 offload;
};

/*
 * Runs before every handler: decides who is asking and whether they may
 * use the route (the web layer's access policy). Returns 0 to go on to
 * the handler, -1 with e set to refuse, or 1 when it filled res itself
 * (a redirect to the sign-in page).
 */
typedef int (*http_guard)(struct http_request *req, struct http_response *res,
	    struct err *e);

/* Renders an error as a response (the web layer decides the look). */
typedef void (*http_error_renderer)(struct http_request *req,
	    const struct err *e, struct http_response *res);

struct http_config {
	const char		*listen;	/* "127.0.0.1:8080" */
	const struct http_route	*routes;
	size_t			 nroutes;
	http_error_renderer	 render_error;
	http_guard		 guard;		/* optional */
	void			*app;
	unsigned		 threads;	/* 0 = number of cores */
	unsigned		 connection_timeout;	/* seconds */
	unsigned		 per_ip_limit;
	unsigned		 connection_limit;
	bool			 https;		/* behind TLS: adds HSTS */
	bool			 access_log;
	const char		*csp;		/* Content-Security-Policy */
	struct http_events	*events;	/* optional: streams to end on stop */
};

struct http_server;

struct http_server *http_start(const struct http_config *cfg, struct err *e);
void	http_stop(struct http_server *s);
/* The port actually bound (for listen addresses ending in ":0"). */
unsigned http_port(struct http_server *s);

/* Response helpers. */
void	http_reply_json(struct http_response *res, int status);	/* body already in res->body */
void	http_reply_html(struct http_response *res, int status);
void	http_add_header(struct http_response *res, const char *name, const char *value);
/* The first value of a query parameter, or NULL. */
const char *http_param(const struct http_request *req, const char *key);
/* A request header (case-insensitive name), or NULL. Valid while the
 * handler runs. */
const char *http_header(const struct http_request *req, const char *name);
/* A cookie sent with the request, or NULL. */
const char *http_cookie(const struct http_request *req, const char *name);

/* Set-Cookie for name=value on Path=/ with HttpOnly and SameSite=Lax, and
 * Secure when the server is behind HTTPS. max_age < 0 leaves it a
 * browser-session cookie; 0 deletes it. value must be cookie-safe
 * (base64url). */
void	http_set_cookie(struct http_request *req, struct http_response *res,
	    const char *name, const char *value, long max_age);
/* 303 See Other to a local path (the caller has checked it is local). */
void	http_redirect(struct http_request *req, struct http_response *res,
	    const char *location);

/*
 * application/x-www-form-urlencoded: decodes body into params (arena
 * memory). Refuses more than max pairs, a NUL or invalid UTF-8 in a key
 * or value ("+" is a space, %XX a byte). 0, or -1 with e (400, naming the
 * key when it can). A pure function, for the fuzzer.
 */
int	http_form_decode(const char *body, size_t len, struct arena *a,
	    struct param *out, size_t max, size_t *n, struct err *e);

/* Matches a path against a pattern with {name} segments; captures go
 * to args. Exposed for tests. */
bool	http_route_match(const char *pattern, const char *path,
	    const char **args, struct arena *a);
/* "GET" -> HTTP_GET; 0 for unknown. */
enum http_method http_method_parse(const char *s);

/*
 * Server-sent events (events.c). A hub of topics: strings such as
 * "dialogue:42", which the HTTP layer does not interpret. A handler
 * answers with a stream watching one topic (http_reply_events);
 * http_events_publish wakes every stream watching it, which then sends
 * "event: change" with "data: N" (a counter that only grows). No data
 * travels in the stream: a client re-reads what changed with a plain
 * GET, so access is checked on every read.
 *
 * Each stream first sends "retry: 2000", then a ": ping" comment every
 * HTTP_EVENTS_PING seconds (which is also how a vanished client is
 * noticed: MHD cannot see a disconnect while a connection is
 * suspended), and ends after HTTP_EVENTS_LIFETIME seconds; EventSource
 * reconnects by itself. Between events the connection is suspended, so
 * an idle stream holds no thread. Beyond HTTP_EVENTS_PER_TOPIC streams on
 * a topic or HTTP_EVENTS_MAX in all, new streams get 503 with
 * Retry-After.
 *
 * The hub outlives the server: create it before http_start, pass it in
 * http_config.events (http_stop then ends its streams, since MHD cannot
 * stop with a connection suspended), free it after http_stop.
 */
#define HTTP_EVENTS_PER_TOPIC	16
#define HTTP_EVENTS_MAX		1000
#define HTTP_EVENTS_PING	20	/* seconds between ": ping" comments */
#define HTTP_EVENTS_LIFETIME	300	/* seconds, then the stream ends */
#define HTTP_EVENTS_RETRY_MS	2000	/* the client's reconnection delay */
#define HTTP_EVENTS_TOPIC_MAX	64	/* bytes of a topic name */

struct http_events;
struct http_stream;

/* A hub with its heartbeat thread. Never NULL. */
struct http_events *http_events_new(void);
/* Ends every stream and refuses new ones (http_stop calls it). */
void	http_events_close(struct http_events *hub);
/* Stops the heartbeat and frees the hub; every stream must have ended
 * (after http_stop). NULL is fine. */
void	http_events_free(struct http_events *hub);
/* Wakes every stream watching topic. Safe from any thread. */
void	http_events_publish(struct http_events *hub, const char *topic);
/* Answers req with a stream watching topic. 0, or -1 with e: 503 when
 * the limits are reached or the hub is closed, 400 for a topic longer
 * than HTTP_EVENTS_TOPIC_MAX. */
int	http_reply_events(struct http_request *req, struct http_response *res,
	    struct http_events *hub, const char *topic, struct err *e);
/* For server.c: the stream's MHD content reader and free callback,
 * nothing else. The free callback also gives back a stream whose
 * response could not be made. */
ssize_t	http_stream_read(void *stream, uint64_t pos, char *buf, size_t max);
void	http_stream_free(void *stream);

#endif
