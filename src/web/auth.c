/*
 * The guard: runs before every handler and decides, in this order,
 * 1. who is asking: an access token (Authorization: Bearer), else the
 *    session cookie, else nobody (with a pre-session cookie that keys
 *    the CSRF token of anonymous forms such as sign-in);
 * 2. for requests that change something: that a browser's Origin, when
 *    sent, is ours; that a cookie-carried request also carries the CSRF
 *    token (form field "csrf" or header X-CSRF-Token); and the general
 *    per-address write limit;
 * 3. whether the route's access level admits them (policy_route).
 * Pages answer a missing sign-in with a redirect to the sign-in page;
 * the API answers with the JSON error.
 */
#include "app.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "../policy/policy.h"
#include "../util/html.h"

struct web_session *
web_session(struct http_request *req)
{
	if (req->auth == NULL)
		req->auth = arena_alloc(req->arena, sizeof(struct web_session));
	return req->auth;
}

int
web_account_request(struct http_request *req, struct account_request *r, struct err *e)
{
	struct app *app = req->app;
	memset(r, 0, sizeof(*r));
	r->db = app_db(app);
	if (r->db == NULL)
		return err_set(e, 503, "unavailable", NULL, "the database is not available");
	r->arena = req->arena;
	r->ip = req->remote_addr;
	r->user_agent = http_header(req, "User-Agent");
	r->base_url = app->base_url;
	r->auth = &web_session(req)->auth;
	r->now = time(NULL);
	r->vault = app->vault;
	return 0;
}

void
web_set_session_cookie(struct http_request *req, struct http_response *res,
    const char *token)
{
	if (token)
		http_set_cookie(req, res, SESSION_COOKIE, token, SESSION_ABSOLUTE_SECONDS);
	else
		http_set_cookie(req, res, SESSION_COOKIE, "", 0);
}

const char *
web_local_path(const char *path, const char *prefix)
{
	size_t k = strlen(prefix);
	if (path == NULL || strncmp(path, prefix, k) != 0 || strlen(path) > WEB_LOCAL_PATH_MAX)
		return NULL;
	/* "/admin" names /admin, /admin/... and /admin?..., not /administer. */
	if (prefix[k - 1] != '/' && path[k] != '\0' && path[k] != '/' && path[k] != '?')
		return NULL;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return NULL;
	return strstr(path, "//") == NULL ? path : NULL;
}

void
web_mail_sent(struct http_request *req)
{
	struct app *app = req->app;
	if (app->mail)
		mail_wake(app->mail);
}

static bool
changes_state(enum http_method m)
{
	return m == HTTP_POST || m == HTTP_PUT || m == HTTP_PATCH || m == HTTP_DELETE;
}

/* "https://host:port" names the same site as the Host header. */
static bool
same_origin(const char *origin, const char *host)
{
	const char *sep = strstr(origin, "://");
	return sep != NULL && host != NULL && strcasecmp(sep + 3, host) == 0;
}

static int
identify(struct http_request *req, struct http_response *res, struct web_session *ws,
    struct err *e)
{
	time_t now = time(NULL);
	const char *authz = http_header(req, "Authorization");
	const char *cookie = http_cookie(req, SESSION_COOKIE);
	if (authz == NULL && cookie == NULL)
		return 0;
	sqlite3 *db = app_db(req->app);
	if (db == NULL)
		return err_set(e, 503, "unavailable", NULL, "the database is not available");
	if (authz != NULL) {
		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return err_set(e, 401, "invalid_token", "Authorization",
			    "use Authorization: Bearer with a personal access token");
		int rc = auth_from_access_token(db, authz + 7, now, req->arena, &ws->auth, e);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return err_set(e, 401, "invalid_token", "Authorization",
			    "the access token is not valid: it may have been revoked or have expired");
		return 0;
	}
	int rc = auth_from_session(db, cookie, now, req->arena, &ws->auth, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		ws->cookie_token = cookie;
	else
		web_set_session_cookie(req, res, NULL);	/* expired: forget it */
	return 0;
}

/* Anonymous visitors get a random pre-session cookie the first time a
 * page is shown, so that the forms on it carry a CSRF token too. */
static void
presession(struct http_request *req, struct http_response *res, struct web_session *ws)
{
	const char *pre = http_cookie(req, PRESESSION_COOKIE);
	if (pre != NULL && strlen(pre) == TOKEN_TEXT_LEN) {
		csrf_for(pre, ws->auth.csrf);
		return;
	}
	if (req->is_api || (req->method != HTTP_GET && req->method != HTTP_HEAD) ||
	    strncmp(req->path, "/static/", 8) == 0)
		return;
	char token[TOKEN_TEXT_LEN + 1];
	token_new(token);
	http_set_cookie(req, res, PRESESSION_COOKIE, token, -1);
	csrf_for(token, ws->auth.csrf);
}

static bool
is_form(const char *content_type)
{
	static const char form[] = "application/x-www-form-urlencoded";
	return content_type != NULL && strncasecmp(content_type, form, sizeof(form) - 1) == 0;
}

static bool
is_json(const char *content_type)
{
	static const char json[] = "application/json";
	return content_type != NULL && strncasecmp(content_type, json, sizeof(json) - 1) == 0 &&
	    (content_type[sizeof(json) - 1] == '\0' || content_type[sizeof(json) - 1] == ';' ||
	    content_type[sizeof(json) - 1] == ' ');
}

static int
check_write(struct http_request *req, struct web_session *ws, struct err *e)
{
	const char *origin = http_header(req, "Origin");
	if (origin != NULL && !same_origin(origin, http_header(req, "Host")))
		return err_set(e, 403, "cross_origin", "Origin",
		    "requests from other sites are not accepted");
	if (!req->is_api && is_form(req->content_type)) {
		if (http_form_decode(req->body, req->body_len, req->arena, ws->form,
		    HTTP_MAX_PARAMS, &ws->nform, e) != 0)
			return -1;
		ws->form_read = true;
	}
	if (ws->auth.kind != AUTH_TOKEN) {
		/* The pre-session cookie keys only the pages' forms: an API
		 * call is bound by its JSON body instead (below). */
		bool has_cookie = ws->cookie_token != NULL ||
		    (!req->is_api && ws->auth.csrf[0] != '\0');
		/* An API call without cookies carries no ambient authority,
		 * and its JSON body cannot be sent by another site's form. */
		if (has_cookie || !req->is_api) {
			const char *presented = NULL;
			if (req->is_api)
				presented = http_header(req, "X-CSRF-Token");
			for (size_t i = 0; presented == NULL && i < ws->nform; i++)
				if (strcmp(ws->form[i].key, "csrf") == 0)
					presented = ws->form[i].value;
			if (ws->auth.csrf[0] == '\0' || !csrf_matches(ws->auth.csrf, presented))
				return err_set(e, 403, "csrf_failed", req->is_api ? "X-CSRF-Token" : "csrf",
				    req->is_api ? "send the X-CSRF-Token header with the token from "
				    "GET /api/v1/me" : "this form has expired; go back, reload the "
				    "page and try again");
		}
	}
	/* Every API body is JSON, even where a route reads no field. */
	if (req->is_api && req->body_len > 0 && !is_json(req->content_type))
		return err_set(e, 415, "unsupported_media_type", "Content-Type",
		    "send the body as application/json");
	return account_limit("form_ip", req->remote_addr, e);
}

/* Pages send people where they can go on instead of showing an error. */
static int
redirect_instead(struct http_request *req, struct http_response *res, const struct err *e)
{
	if (req->is_api || (req->method != HTTP_GET && req->method != HTTP_HEAD))
		return 0;
	if (strcmp(e->code, "two_step_required") == 0) {
		http_redirect(req, res, "/account/two-step");
		return 1;
	}
	if (strcmp(e->code, "authentication_required") != 0)
		return 0;
	struct web_session *ws = web_session(req);
	if (ws->auth.kind == AUTH_SESSION && ws->auth.stage == SESSION_AWAITING_CODE) {
		http_redirect(req, res, "/signin/code");
		return 1;
	}
	/* next keeps the query too: an emailed link (a claim) carries its
	 * token there and must still work after signing in. */
	struct buf next = BUF_INIT;
	buf_puts(&next, req->path);
	for (size_t i = 0; i < req->nparams; i++) {
		buf_putc(&next, i == 0 ? '?' : '&');
		html_query_escape(&next, req->params[i].key);
		buf_putc(&next, '=');
		html_query_escape(&next, req->params[i].value);
	}
	struct buf b = BUF_INIT;
	buf_puts(&b, "/signin?next=");
	html_query_escape(&b, buf_cstr(&next));
	buf_free(&next);
	http_redirect(req, res, buf_cstr(&b));
	buf_free(&b);
	return 1;
}

int
app_guard(struct http_request *req, struct http_response *res, struct err *e)
{
	struct web_session *ws = web_session(req);
	if (identify(req, res, ws, e) != 0)
		return -1;
	if (ws->auth.kind == AUTH_NONE)
		presession(req, res, ws);
	if (changes_state(req->method) && check_write(req, ws, e) != 0)
		return -1;
	if (policy_route(&ws->auth, req->route->access, e) != 0) {
		if (redirect_instead(req, res, e)) {
			err_clear(e);
			return 1;
		}
		return -1;
	}
	/* Nothing shown to a signed-in person belongs in a cache, nor a page
	 * opened from an emailed link (its form holds the link's token). */
	if (ws->auth.kind != AUTH_NONE || http_param(req, "token") != NULL)
		http_add_header(res, "Cache-Control", "no-store");
	return 0;
}
