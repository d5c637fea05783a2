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

#include "../util/arena.h"
#include "../util/buf.h"
#include "../util/err.h"
#include "../util/param.h"

#define HTTP_MAX_PARAMS		64	/* query-string pairs */
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

#endif
