/*
 * The HTTP server on libmicrohttpd. Limits are enforced while reading, as
 * OpenBSD httpd does: request headers by size (HTTP_MAX_HEADER_BYTES, and
 * beyond 8 times that by MHD's per-connection memory limit), bodies by each route's max_body (checked against Content-Length
 * before reading, and again while reading), connection time by MHD's
 * timeout, and concurrent connections per address. Every response gets
 * the security headers; every request gets one access-log line.
 */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "../util/mem.h"
#include "../util/text.h"

struct context;

struct http_server {
	struct MHD_Daemon	*daemon;
	struct http_config	 cfg;
	char			*csp;
	char			 keep_alive[32];	/* "timeout=30" */
	/* The worker pool for offloaded routes: a bounded queue of
	 * suspended requests, run by workers that resume them. */
	pthread_t		 workers[HTTP_OFFLOAD_THREADS];
	unsigned		 nworkers;
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;
	struct context		*queue[HTTP_OFFLOAD_QUEUE];
	size_t			 head, queued;
	bool			 stopping;
};

/* Per-request state, from the first call of the access handler until
 * MHD reports the request complete. */
struct context {
	struct http_request	 req;
	const struct http_route	*route;
	struct buf		 body;
	bool			 too_large;
	bool			 headers_too_large;
	bool			 bad_path;
	bool			 bad_query;
	int			 status;
	size_t			 bytes;
	struct timespec		 start;
	char			 method[12];
	char			*path_copy;
	/* An offloaded request: what the worker made of it. */
	bool			 offloaded;
	int			 handled;	/* 0: res holds the answer; -1: err */
	struct http_response	 res;
	struct err		 err;
};

const char *
http_param(const struct http_request *req, const char *key)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].key, key) == 0)
			return req->params[i].value;
	return NULL;
}

const char *
http_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http_cookie(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

void
http_set_cookie(struct http_request *req, struct http_response *res,
    const char *name, const char *value, long max_age)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s=%s; Path=/; HttpOnly; SameSite=Lax", name, value);
	if (max_age >= 0)
		buf_printf(&b, "; Max-Age=%ld", max_age);
	if (req->https)
		buf_puts(&b, "; Secure");
	http_add_header(res, "Set-Cookie", arena_strdup(req->arena, buf_cstr(&b)));
	buf_free(&b);
}

void
http_redirect(struct http_request *req, struct http_response *res,
    const char *location)
{
	res->status = 303;
	http_add_header(res, "Location", arena_strdup(req->arena, location));
	res->content_type = "text/plain; charset=utf-8";
	buf_puts(&res->body, "See Other\n");
}

void
http_add_header(struct http_response *res, const char *name, const char *value)
{
	if (res->nheaders < HTTP_MAX_HEADERS) {
		res->headers[res->nheaders].name = name;
		res->headers[res->nheaders].value = value;
		res->nheaders++;
	}
}

void
http_reply_json(struct http_response *res, int status)
{
	res->status = status;
	res->content_type = "application/json; charset=utf-8";
}

void
http_reply_html(struct http_response *res, int status)
{
	res->status = status;
	res->content_type = "text/html; charset=utf-8";
}

static enum MHD_Result
collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	struct context *ctx = cls;
	struct http_request *req = &ctx->req;
	if (req->nparams >= HTTP_MAX_PARAMS) {
		ctx->bad_query = true;
		return MHD_NO;
	}
	if (memchr(key, '\0', key_size) != NULL || !text_utf8_valid(key, key_size, false)) {
		ctx->bad_query = true;
		return MHD_NO;
	}
	struct param *p = &req->params[req->nparams++];
	p->key = arena_strndup(req->arena, key, key_size);
	p->value = value ? arena_strndup(req->arena, value, value_size) : "";
	p->value_len = value ? value_size : 0;
	return MHD_YES;
}

static void
render_error(struct http_server *srv, struct context *ctx, const struct err *e,
    struct http_response *res)
{
	buf_reset(&res->body);
	res->nheaders = 0;
	res->static_body = NULL;
	if (res->stream) {	/* a handler that made a stream, then failed */
		http_stream_free(res->stream);
		res->stream = NULL;
	}
	srv->cfg.render_error(&ctx->req, e, res);
	if (res->status == 0)
		res->status = e->status;
}

static void
add_security_headers(struct http_server *srv, struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Permissions-Policy", "geolocation=(self), camera=(), microphone=()");
	if (srv->csp)
		MHD_add_response_header(r, "Content-Security-Policy", srv->csp);
	/* Tells keep-alive clients when we will close an idle connection,
	 * so they stop reusing it first instead of racing our close. */
	MHD_add_response_header(r, "Keep-Alive", srv->keep_alive);
	if (srv->cfg.https)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}

static enum MHD_Result
send_response(struct http_server *srv, struct MHD_Connection *conn,
    struct context *ctx, struct http_response *res)
{
	struct MHD_Response *r;
	if (res->stream) {
		/* Server-sent events: MHD calls the reader for as long as the
		 * stream lives, and the free callback when it ends. */
		ctx->bytes = 0;
		buf_free(&res->body);
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024,
		    http_stream_read, res->stream, http_stream_free);
		if (r == NULL)
			http_stream_free(res->stream);
		res->stream = NULL;
	} else if (res->static_body) {
		r = MHD_create_response_from_buffer(res->static_len,
		    (void *)res->static_body, MHD_RESPMEM_PERSISTENT);
		ctx->bytes = res->static_len;
		buf_free(&res->body);
	} else {
		ctx->bytes = res->body.len;
		size_t len = res->body.len;
		char *data = buf_detach(&res->body);
		/* Zeroed when sent: a body may hold what someone wrote. */
		r = MHD_create_response_from_buffer_with_free_callback(len, data,
		    mem_free_wiped);
	}
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type",
	    res->content_type ? res->content_type : "text/plain; charset=utf-8");
	add_security_headers(srv, r);
	for (int i = 0; i < res->nheaders; i++)
		MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
	ctx->status = res->status ? res->status : 200;
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)ctx->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Finds the route for the path; sets *allowed to the methods the path
 * accepts when it exists under another method. */
static const struct http_route *
find_route(struct http_server *srv, struct context *ctx, unsigned *allowed)
{
	*allowed = 0;
	const char *args[HTTP_MAX_PATH_ARGS];
	for (size_t i = 0; i < srv->cfg.nroutes; i++) {
		const struct http_route *r = &srv->cfg.routes[i];
		if (!http_route_match(r->pattern, ctx->req.path, args, ctx->req.arena))
			continue;
		unsigned methods = r->methods;
		if (methods & HTTP_GET)
			methods |= HTTP_HEAD;
		if (methods & ctx->req.method) {
			memcpy(ctx->req.path_args, args, sizeof(args));
			return r;
		}
		*allowed |= methods;
	}
	return NULL;
}

static void
allow_header(unsigned methods, struct http_response *res, struct arena *a)
{
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" };
	struct buf b = BUF_INIT;
	for (int i = 0; i < 7; i++)
		if (methods & (1u << i))
			buf_printf(&b, "%s%s", b.len ? ", " : "", names[i]);
	http_add_header(res, "Allow", arena_strdup(a, buf_cstr(&b)));
	buf_free(&b);
}

/* The guard, then the handler: 0 with res filled, or -1 with e. */
static int
run_route(struct http_server *srv, struct context *ctx, struct http_response *res,
    struct err *e)
{
	struct http_request *req = &ctx->req;
	int guarded = srv->cfg.guard ? srv->cfg.guard(req, res, e) : 0;
	if (guarded == 1)
		return 0;
	if (guarded != 0)
		return -1;
	return ctx->route->handler(req, res, e);
}

static enum MHD_Result
send_error(struct http_server *srv, struct MHD_Connection *conn, struct context *ctx,
    struct err *e, struct http_response *res, unsigned allowed)
{
	struct http_request *req = &ctx->req;
	if (e->status == 0)
		err_internal(e, "the handler failed without saying why");
	if (e->status >= 500)
		fprintf(stderr, "imago: %s %s: %s\n", ctx->method, req->path, e->message);
	render_error(srv, ctx, e, res);
	if (allowed)
		allow_header(allowed, res, req->arena);
	return send_response(srv, conn, ctx, res);
}

/*
 * Hands a request to the worker pool: the connection is suspended (its
 * thread goes on serving others) until a worker has run the route and
 * resumes it. false when the queue is full or the server is stopping.
 */
static bool
offload(struct http_server *srv, struct MHD_Connection *conn, struct context *ctx)
{
	pthread_mutex_lock(&srv->lock);
	bool room = !srv->stopping && srv->nworkers > 0 && srv->queued < HTTP_OFFLOAD_QUEUE;
	if (room) {
		ctx->offloaded = true;
		MHD_suspend_connection(conn);
		srv->queue[(srv->head + srv->queued) % HTTP_OFFLOAD_QUEUE] = ctx;
		srv->queued++;
		pthread_cond_signal(&srv->wake);
	}
	pthread_mutex_unlock(&srv->lock);
	return room;
}

static void *
offload_worker(void *arg)
{
	struct http_server *srv = arg;
	for (;;) {
		pthread_mutex_lock(&srv->lock);
		while (srv->queued == 0 && !srv->stopping)
			pthread_cond_wait(&srv->wake, &srv->lock);
		if (srv->queued == 0) {
			pthread_mutex_unlock(&srv->lock);
			return NULL;
		}
		struct context *ctx = srv->queue[srv->head];
		srv->head = (srv->head + 1) % HTTP_OFFLOAD_QUEUE;
		srv->queued--;
		pthread_mutex_unlock(&srv->lock);
		ctx->handled = run_route(srv, ctx, &ctx->res, &ctx->err);
		MHD_resume_connection(ctx->req.conn);
	}
}

/* A resumed request: send what its worker made. */
static enum MHD_Result
finish_offloaded(struct http_server *srv, struct MHD_Connection *conn, struct context *ctx)
{
	if (ctx->handled == 0)
		return send_response(srv, conn, ctx, &ctx->res);
	return send_error(srv, conn, ctx, &ctx->err, &ctx->res, 0);
}

static enum MHD_Result
dispatch(struct http_server *srv, struct MHD_Connection *conn, struct context *ctx)
{
	struct http_response res;
	memset(&res, 0, sizeof(res));
	struct err e = ERR_INIT;
	struct http_request *req = &ctx->req;
	req->body = buf_cstr(&ctx->body);
	req->body_len = ctx->body.len;

	unsigned allowed = 0;
	if (ctx->headers_too_large) {
		err_set(&e, 431, "headers_too_large", "", "the request headers are larger than %d bytes",
		    HTTP_MAX_HEADER_BYTES);
	} else if (ctx->bad_path) {
		err_set(&e, 404, "not_found", "", "there is nothing at this address");
	} else if (ctx->bad_query) {
		err_invalid(&e, "", "the query string is malformed or has more than %d parameters", HTTP_MAX_PARAMS);
	} else if (ctx->too_large) {
		err_set(&e, 413, "payload_too_large", "", "the request body is larger than %zu bytes",
		    ctx->route ? ctx->route->max_body : 0);
	} else if (ctx->route == NULL) {
		find_route(srv, ctx, &allowed);
		if (allowed) {
			err_set(&e, 405, "method_not_allowed", "", "%s is not allowed here", ctx->method);
		} else {
			err_set(&e, 404, "not_found", "", "there is nothing at this address");
		}
	} else {
		req->route = ctx->route;
		if (ctx->route->offload) {
			if (offload(srv, conn, ctx))
				return MHD_YES;
			e.retry_after = 2;
			err_set(&e, 503, "busy", "", "the server is busy; please try again in a moment");
		} else if (run_route(srv, ctx, &res, &e) == 0) {
			return send_response(srv, conn, ctx, &res);
		}
	}
	return send_error(srv, conn, ctx, &e, &res, allowed);
}

static void
remote_address(struct MHD_Connection *conn, char *out, size_t n)
{
	snprintf(out, n, "-");
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (info == NULL || info->client_addr == NULL)
		return;
	const struct sockaddr *sa = info->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

static enum MHD_Result
add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	*(size_t *)cls += key_size + value_size + 4;	/* ": " and CRLF */
	return MHD_YES;
}

static struct context *
context_new(struct http_server *srv, struct MHD_Connection *conn,
    const char *url, const char *method)
{
	struct context *ctx = xcalloc(1, sizeof(*ctx));
	clock_gettime(CLOCK_MONOTONIC, &ctx->start);
	struct http_request *req = &ctx->req;
	req->arena = arena_new();
	req->app = srv->cfg.app;
	req->https = srv->cfg.https;
	req->conn = conn;
	req->method = http_method_parse(method);
	snprintf(ctx->method, sizeof(ctx->method), "%s", method);
	size_t url_len = strnlen(url, HTTP_MAX_URL + 1);
	/* The path reaches us decoded (see unescape); a %00 or broken
	 * UTF-8 in it names nothing we serve. */
	if (url_len > HTTP_MAX_URL || !text_utf8_valid(url, url_len, false))
		ctx->bad_path = true;
	req->path = arena_strndup(req->arena, url, url_len > HTTP_MAX_URL ? HTTP_MAX_URL : url_len);
	req->is_api = strncmp(req->path, "/api/", 5) == 0 || strcmp(req->path, "/api") == 0;
	char addr[INET6_ADDRSTRLEN + 1];
	remote_address(conn, addr, sizeof(addr));
	req->remote_addr = arena_strdup(req->arena, addr);
	req->content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	if (req->content_type)
		req->content_type = arena_strdup(req->arena, req->content_type);
	/* Our own limit sits below MHD's memory limit so that nearly every
	 * oversized request gets a full response with our headers; only
	 * beyond MHD's limit does the library answer 431 by itself. */
	size_t header_bytes = 0;
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, add_header_size, &header_bytes);
	ctx->headers_too_large = header_bytes > HTTP_MAX_HEADER_BYTES;
	MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_param, ctx);
	unsigned allowed;
	if (!ctx->bad_path && !ctx->bad_query)
		ctx->route = find_route(srv, ctx, &allowed);
	return ctx;
}

/*
 * Percent-decoding for paths and query strings. A decoded NUL would cut
 * a C string short ("/therapists/1%00x" would read as "/therapists/1"),
 * so %00 becomes 0xFF instead: a byte that is never valid UTF-8, which
 * every validator downstream refuses.
 */
static size_t
unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *out = s;
	for (const char *in = s; *in; ) {
		if (in[0] == '%' && isxdigit((unsigned char)in[1]) && isxdigit((unsigned char)in[2])) {
			char hex[3] = { in[1], in[2], '\0' };
			unsigned char c = (unsigned char)strtoul(hex, NULL, 16);
			*out++ = (char)(c ? c : 0xff);
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return (size_t)(out - s);
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct context *ctx = *con_cls;
	if (ctx == NULL) {
		ctx = context_new(srv, conn, url, method);
		*con_cls = ctx;
		/* Refuse an announced oversize body before reading any of it:
		 * answering now makes MHD close the connection unread. */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		size_t limit = ctx->route ? ctx->route->max_body : 0;
		if (cl && strtoull(cl, NULL, 10) > limit)
			ctx->too_large = true;
		if (ctx->too_large || ctx->headers_too_large)
			return dispatch(srv, conn, ctx);
		return MHD_YES;
	}
	if (ctx->offloaded)
		return finish_offloaded(srv, conn, ctx);
	if (*upload_data_size > 0) {
		size_t limit = ctx->route ? ctx->route->max_body : 0;
		if (!ctx->too_large && ctx->body.len + *upload_data_size <= limit)
			buf_put(&ctx->body, upload_data, *upload_data_size);
		else
			ctx->too_large = true;	/* keep draining, answer 413 at the end */
		*upload_data_size = 0;
		return MHD_YES;
	}
	return dispatch(srv, conn, ctx);
}

static void
request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct context *ctx = *con_cls;
	if (ctx == NULL)
		return;
	if (srv->cfg.access_log) {
		struct timespec end;
		clock_gettime(CLOCK_MONOTONIC, &end);
		double ms = (double)(end.tv_sec - ctx->start.tv_sec) * 1e3 +
		    (double)(end.tv_nsec - ctx->start.tv_nsec) / 1e6;
		/* The timestamp changes once a second; format it only then. */
		static _Thread_local time_t stamped;
		static _Thread_local char stamp[32];
		time_t now = time(NULL);
		if (now != stamped) {
			struct tm tm;
			gmtime_r(&now, &tm);
			strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
			stamped = now;
		}
		/* The path only: query strings may carry what people typed,
		 * and later features put one-time tokens in them. Bytes
		 * outside printable ASCII are escaped so a request cannot
		 * forge or break log lines. */
		char path[256];
		size_t o = 0;
		for (const unsigned char *p = (const unsigned char *)ctx->req.path;
		    *p && o + 5 < sizeof(path); p++) {
			if (*p > 0x20 && *p < 0x7f && *p != '\\')
				path[o++] = (char)*p;
			else
				o += (size_t)snprintf(path + o, sizeof(path) - o, "\\x%02x", *p);
		}
		path[o] = '\0';
		fprintf(stderr, "%s %s %s %s %d %zu %.3fms%s\n", stamp,
		    ctx->req.remote_addr, ctx->method, path,
		    ctx->status ? ctx->status : 0, ctx->bytes, ms,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
	}
	arena_free(ctx->req.arena);
	buf_free(&ctx->body);
	free(ctx);
	*con_cls = NULL;
}

static int
parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
    struct err *e)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	if (colon == NULL || colon == listen || (size_t)(colon - listen) >= sizeof(host))
		return err_invalid(e, "listen", "--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	if (host[0] == '[') {	/* [::1]:8080 */
		size_t n = strlen(host);
		if (n < 3 || host[n - 1] != ']')
			return err_invalid(e, "listen", "bad IPv6 address in --listen");
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535 || colon[1] == '\0')
		return err_invalid(e, "listen", "the port in --listen must be 0-65535");
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || res == NULL)
		return err_invalid(e, "listen", "--listen needs a numeric address, got \"%s\"", host);
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

struct http_server *
http_start(const struct http_config *cfg, struct err *e)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	if (parse_listen(cfg->listen, &ss, &sslen, e) < 0)
		return NULL;
	struct http_server *srv = xcalloc(1, sizeof(*srv));
	srv->cfg = *cfg;
	srv->csp = cfg->csp ? xstrdup(cfg->csp) : NULL;
	unsigned timeout = cfg->connection_timeout ? cfg->connection_timeout : 30u;
	snprintf(srv->keep_alive, sizeof(srv->keep_alive), "timeout=%u", timeout);
	unsigned threads = cfg->threads;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 && n < 64 ? (unsigned)n : 2;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL,
	    access_handler, srv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, timeout,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_limit ? cfg->per_ip_limit : 256u,
	    MHD_OPTION_CONNECTION_LIMIT, cfg->connection_limit ? cfg->connection_limit : 2048u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MAX_HEADER_BYTES * 8,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	    MHD_OPTION_NOTIFY_COMPLETED, request_completed, srv,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_END);
	if (srv->daemon == NULL) {
		err_internal(e, "cannot listen on %s (in use, or not an address of this machine)", cfg->listen);
		free(srv->csp);
		free(srv);
		return NULL;
	}
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->wake, NULL);
	for (unsigned i = 0; i < HTTP_OFFLOAD_THREADS; i++)
		if (pthread_create(&srv->workers[srv->nworkers], NULL, offload_worker, srv) == 0)
			srv->nworkers++;
	return srv;
}

unsigned
http_port(struct http_server *s)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	return info ? info->port : 0;
}

void
http_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	/* Event streams end (MHD must not stop with a connection
	 * suspended, and a stream waits suspended), and new ones are
	 * refused. */
	http_events_close(s->cfg.events);
	/* The workers finish what is queued and resume those connections
	 * (MHD must not stop with a connection suspended), then end. */
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i], NULL);
	MHD_stop_daemon(s->daemon);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	free(s->csp);
	free(s);
}
