/*
 * The account pages: sign-up, email verification, sign-in (and its
 * one-time code), sign-out, password reset, the account page with its
 * forms (name, password, email, two-step sign-in, devices, access tokens,
 * export, deletion) and two-step set-up. They are the HTML twins of
 * api_accounts.c: each handler reads the form (input.h), calls the same
 * flow in src/accounts/ and answers with a page. The guard has already
 * checked the CSRF field of every POST and the route's access level, so
 * no handler here looks at roles to decide anything.
 *
 * Every form behaves alike:
 * - GET shows, POST acts. A POST that worked redirects (303) to a GET
 *   page, so a reload never repeats it. The exceptions show a secret
 *   that exists only in this response (a new access token, recovery
 *   codes) or follow the deletion of the account.
 * - A POST refused for something the person can fix (400, 401, 403, 409,
 *   422, 429) shows its form again with that status, with what they typed
 *   (never a password) and the message beside the field the error names
 *   (aria-invalid, aria-describedby); anything else is the error page.
 * - No token or code goes into a URL we redirect to. An emailed link
 *   opens a page whose button POSTs its token: a GET never uses one up,
 *   because mail scanners open links before people do.
 */
#include "pages.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../policy/policy.h"
#include "../util/html.h"
#include "../util/num.h"
#include "input.h"

#define NEXT_MAX	WEB_LOCAL_PATH_MAX	/* bytes of a ?next= path */
#define LINK_TOKEN_MAX	100	/* an emailed link's token, as the API reads it */
#define CODE_MAX	64	/* a one-time or recovery code as typed */
#define PASSWORD_TYPED_MAX 10000	/* a current password: the flow says if it is wrong */

/* ---- Page frame and messages ---- */

static void
begin(struct buf *b, struct http_request *req, const char *title)
{
	struct page p = { title, NULL, "page-account", req };
	page_begin(b, req->app, &p);
}

/* Short confirmations after a redirect, chosen by ?done=KEY (so the
 * URL carries a word, never data). */
struct notice {
	const char	*key;
	const char	*text;
};

static void
notice(struct buf *b, struct http_request *req, const struct notice *list)
{
	const char *done = http_param(req, "done");
	for (const struct notice *n = list; done != NULL && n->key != NULL; n++) {
		if (strcmp(n->key, done) != 0)
			continue;
		html_raw(b, "<p class=\"notice notice-success\" role=\"status\">");
		html_text(b, n->text);
		html_raw(b, "</p>");
		return;
	}
}

/* ---- Forms ---- */

/* A form as drawn: its name (the prefix of its element ids) and, when
 * it comes back refused, what was typed and why. */
struct form_view {
	const char		*form;
	const struct input	*in;
	const struct err	*e;
};

/* Whether a refusal goes back to its form rather than the error page. */
static bool
fixable(const struct err *e)
{
	switch (e->status) {
	case 400: case 401: case 403: case 409: case 422: case 429:
		return true;
	default:
		return false;
	}
}

/* Moves a refusal the person can fix into kept (clearing e, so drawing
 * the page starts clean); -1 leaves it for the error page. */
static int
keep_refusal(struct err *e, struct err *kept)
{
	if (!fixable(e))
		return -1;
	*kept = *e;
	err_clear(e);
	return 0;
}

static const char *
typed(const struct input *in, const char *key)
{
	for (size_t i = 0; in != NULL && i < in->n; i++)
		if (strcmp(in->fields[i].key, key) == 0)
			return in->fields[i].value;
	return NULL;
}

static bool
error_on(const struct form_view *v, const char *name)
{
	return v->e != NULL && strcmp(v->e->param, name) == 0;
}

/* Opens a form. An error that names none of its visible fields (wrong
 * credentials, a limit, a stale link) shows at its top. */
static void
form_open(struct buf *b, struct http_request *req, const struct form_view *v,
    const char *action, const char *const *fields)
{
	page_form_begin(b, req, action);
	if (v->e == NULL)
		return;
	for (const char *const *f = fields; *f != NULL; f++)
		if (error_on(v, *f))
			return;
	html_raw(b, "<div class=\"form-error\" role=\"alert\"><p>");
	page_sentence(b, v->e->message);
	html_raw(b, "</p></div>");
}

static void
submit(struct buf *b, const char *label, const char *cls)
{
	html_raw(b, "<div class=\"form-actions\"><button type=\"submit\"");
	if (cls != NULL)
		html_attr(b, "class", cls);
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</button></div>");
}

struct field {
	const char	*name;
	const char	*label;
	const char	*type;		/* text, email, password */
	const char	*autocomplete;
	const char	*hint;		/* or NULL */
	const char	*value;		/* on a fresh form; never for passwords */
	int		 minlength;	/* 0: none */
	int		 maxlength;
	bool		 required;
	bool		 code;		/* typed codes: no capitals, no spelling */
	const char	*inputmode;	/* or NULL */
};

/* The label and hint, then the error, then the control, tied together
 * by ids so a screen reader reads all of them with the control. */
static void
field_head(struct buf *b, const struct form_view *v, const char *id, const char *name,
    const char *label, const char *hint, bool required)
{
	html_raw(b, "<label");
	html_attr(b, "for", id);
	html_raw(b, ">");
	html_text(b, label);
	if (!required)
		html_raw(b, " <span class=\"optional\">(optional)</span>");
	html_raw(b, "</label>");
	if (hint != NULL) {
		html_raw(b, "<p class=\"hint\"");
		html_attrf(b, "id", "%s-hint", id);
		html_raw(b, ">");
		html_text(b, hint);
		html_raw(b, "</p>");
	}
	if (error_on(v, name)) {
		html_raw(b, "<p class=\"field-error\"");
		html_attrf(b, "id", "%s-error", id);
		html_raw(b, "><span class=\"visually-hidden\">Error: </span>");
		page_sentence(b, v->e->message);
		html_raw(b, "</p>");
	}
}

static void
described_by(struct buf *b, const struct form_view *v, const char *id, const char *name,
    bool has_hint)
{
	bool invalid = error_on(v, name);
	if (invalid)
		html_raw(b, " aria-invalid=\"true\" autofocus");
	if (has_hint && invalid)
		html_attrf(b, "aria-describedby", "%s-hint %s-error", id, id);
	else if (has_hint)
		html_attrf(b, "aria-describedby", "%s-hint", id);
	else if (invalid)
		html_attrf(b, "aria-describedby", "%s-error", id);
}

static void
input_field(struct buf *b, const struct form_view *v, const struct field *f)
{
	char id[96];
	snprintf(id, sizeof(id), "%s-%s", v->form, f->name);
	html_raw(b, "<div class=\"field\">");
	field_head(b, v, id, f->name, f->label, f->hint, f->required);
	html_raw(b, "<input");
	html_attr(b, "id", id);
	html_attr(b, "name", f->name);
	html_attr(b, "type", f->type);
	html_attr(b, "autocomplete", f->autocomplete);
	if (f->inputmode != NULL)
		html_attr(b, "inputmode", f->inputmode);
	if (f->code)
		html_raw(b, " autocapitalize=\"none\" spellcheck=\"false\"");
	if (f->minlength > 0)
		html_attrf(b, "minlength", "%d", f->minlength);
	if (f->maxlength > 0)
		html_attrf(b, "maxlength", "%d", f->maxlength);
	if (f->required)
		html_raw(b, " required");
	/* What came back is shown again, except a password. */
	if (strcmp(f->type, "password") != 0) {
		const char *value = v->in != NULL ? typed(v->in, f->name) : f->value;
		if (value != NULL && *value != '\0')
			html_attr(b, "value", value);
	}
	described_by(b, v, id, f->name, f->hint != NULL);
	html_raw(b, "></div>");
}

static void
checkbox_field(struct buf *b, const struct form_view *v, const char *name,
    const char *label, const char *hint, bool required)
{
	char id[96];
	snprintf(id, sizeof(id), "%s-%s", v->form, name);
	bool checked = v->in != NULL && typed(v->in, name) != NULL;
	html_raw(b, "<div class=\"field field-check\">");
	if (error_on(v, name)) {
		html_raw(b, "<p class=\"field-error\"");
		html_attrf(b, "id", "%s-error", id);
		html_raw(b, "><span class=\"visually-hidden\">Error: </span>");
		page_sentence(b, v->e->message);
		html_raw(b, "</p>");
	}
	html_raw(b, "<div class=\"check\"><input type=\"checkbox\" value=\"on\"");
	html_attr(b, "id", id);
	html_attr(b, "name", name);
	if (checked)
		html_raw(b, " checked");
	if (required)
		html_raw(b, " required");
	described_by(b, v, id, name, hint != NULL);
	html_raw(b, "><label");
	html_attr(b, "for", id);
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</label></div>");
	if (hint != NULL) {
		html_raw(b, "<p class=\"hint\"");
		html_attrf(b, "id", "%s-hint", id);
		html_raw(b, ">");
		html_text(b, hint);
		html_raw(b, "</p>");
	}
	html_raw(b, "</div>");
}

static const char new_password_hint[] =
    "At least 12 characters. A few unrelated words make a strong password"
    " that is easy to remember.";

/* ---- Values from the request ---- */

/* Where to go after signing in: a page of this site only. */
static const char *
local_path(const char *next)
{
	return web_local_path(next, "/");
}

/* The code page's address, carrying where to go afterwards: an emailed
 * link (a claim) that needed a sign-in still works after the code. */
static const char *
code_page(struct http_request *req, const char *next)
{
	if (next == NULL)
		return "/signin/code";
	struct buf b = BUF_INIT;
	buf_puts(&b, "/signin/code?next=");
	html_query_escape(&b, next);
	const char *url = arena_strdup(req->arena, buf_cstr(&b));
	buf_free(&b);
	return url;
}

/* An emailed link's token from the query string, or NULL. */
static const char *
link_token(struct http_request *req)
{
	const char *t = http_param(req, "token");
	return t != NULL && *t != '\0' && strlen(t) <= LINK_TOKEN_MAX ? t : NULL;
}

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ? id : 0;
}

/* Reads the form and refuses fields it does not know. */
static int
read_form(struct http_request *req, struct input *in, const char *const *allowed,
    struct err *e)
{
	if (input_read(req, in, e) != 0)
		return -1;
	return input_only(in, allowed, e);
}

/* ---- Emailed links ---- */

enum link_kind { LINK_VERIFY, LINK_RESET, LINK_EMAIL };

/* A link that cannot be used (unknown, used, expired): what it was for
 * decides how to get a new one. */
static int
link_invalid_page(struct http_request *req, struct http_response *res,
    enum link_kind kind, const struct err *e)
{
	struct buf *b = &res->body;
	begin(b, req, "This link cannot be used");
	html_raw(b, "<div class=\"auth-card\"><h1>This link cannot be used</h1>"
	    "<p class=\"form-error\" role=\"alert\">");
	if (e != NULL && strcmp(e->code, "invalid_token") == 0)
		page_sentence(b, e->message);
	else
		html_raw(b, "This link is invalid, was already used or has expired.");
	html_raw(b, "</p>");
	switch (kind) {
	case LINK_VERIFY:
		html_raw(b, "<p>To get a new link, sign in with your email address and"
		    " password: while your address is not confirmed, signing in sends"
		    " a new link.</p><p><a class=\"button-link\" href=\"/signin\">"
		    "Sign in</a></p>");
		break;
	case LINK_RESET:
		html_raw(b, "<p>A link to reset your password works once, for an hour."
		    "</p><p><a class=\"button-link\" href=\"/reset\">Ask for a new"
		    " link</a></p>");
		break;
	case LINK_EMAIL:
		html_raw(b, "<p>A link to change your email address works once, for"
		    " 24 hours. You can ask for a new one on your account page.</p>"
		    "<p><a class=\"button-link\" href=\"/account#email\">Go to your"
		    " account</a></p>");
		break;
	}
	html_raw(b, "</div>");
	page_finish(req, res, 400, NULL);
	return 0;
}

/* The page an emailed link opens: one button that POSTs its token. */
static int
link_confirm_page(struct http_request *req, struct http_response *res,
    const struct form_view *v, const char *action, const char *title,
    const char *text, const char *button, const char *token)
{
	static const char *const none[] = { NULL };
	struct buf *b = &res->body;
	begin(b, req, title);
	html_raw(b, "<div class=\"auth-card\"><h1>");
	html_text(b, title);
	html_raw(b, "</h1><p>");
	html_text(b, text);
	html_raw(b, "</p>");
	form_open(b, req, v, action, none);
	page_hidden(b, "token", token);
	submit(b, button, NULL);
	html_raw(b, "</form></div>");
	page_finish(req, res, v->e != NULL ? v->e->status : 200, v->e);
	return 0;
}

/* POST of a link's button: the token, then flow() with it. */
static int
link_post(struct http_request *req, struct http_response *res, struct err *e,
    enum link_kind kind, int (*flow)(const struct account_request *, const char *,
    struct err *), const char **token_out)
{
	static const char *const fields[] = { "token", NULL };
	struct input in;
	struct account_request r;
	const char *token;
	*token_out = NULL;
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "token", true, LINK_TOKEN_MAX, &token, e) != 0) {
		if (e->status != 400)
			return -1;
		return link_invalid_page(req, res, kind, e) == 0 ? 1 : -1;
	}
	*token_out = token;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	return flow(&r, token, e);
}

/* ---- Sign-up and verification ---- */

static int
signup_form(struct http_request *req, struct http_response *res, const struct form_view *v)
{
	static const char *const fields[] = { "email", "password", "display_name",
	    "therapist", NULL };
	struct buf *b = &res->body;
	begin(b, req, "Create an account");
	html_raw(b, "<div class=\"auth-card\"><h1>Create an account</h1>"
	    "<p>With an account, Imago therapists keep their directory profile up"
	    " to date.</p>");
	form_open(b, req, v, "/signup", fields);
	input_field(b, v, &(struct field){ .name = "email", .label = "Email address",
	    .type = "email", .autocomplete = "email", .maxlength = ACCOUNT_EMAIL_MAX,
	    .required = true, .hint = "We send a link to confirm it." });
	input_field(b, v, &(struct field){ .name = "password", .label = "Password",
	    .type = "password", .autocomplete = "new-password", .hint = new_password_hint,
	    .minlength = ACCOUNT_PASSWORD_MIN, .required = true });
	input_field(b, v, &(struct field){ .name = "display_name", .label = "Your name",
	    .type = "text", .autocomplete = "name", .maxlength = ACCOUNT_NAME_MAX });
	checkbox_field(b, v, "therapist", "I am an Imago therapist",
	    "You can then create or claim your profile in the directory. Therapists"
	    " sign in with a code from their phone as well as their password.", false);
	submit(b, "Create account", NULL);
	html_raw(b, "</form><p class=\"auth-links\">Already have an account?"
	    " <a href=\"/signin\">Sign in</a></p></div>");
	page_finish(req, res, v->e != NULL ? v->e->status : 200, v->e);
	return 0;
}

/* "Check your email": the same whether or not the address had an
 * account, so the page tells no one which addresses do. */
static void
check_email_page(struct http_request *req, struct http_response *res, const char *text)
{
	struct buf *b = &res->body;
	begin(b, req, "Check your email");
	html_raw(b, "<div class=\"auth-card\"><h1>Check your email</h1><p>");
	html_text(b, text);
	html_raw(b, "</p><p>Nothing after a few minutes? Look in your spam folder,"
	    " or check that you typed the address correctly and try again.</p>"
	    "<p><a href=\"/signin\">Go to sign in</a></p></div>");
	page_finish(req, res, 200, NULL);
}

int
page_signup(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "email", "password", "display_name",
	    "therapist", NULL };
	struct input in;
	struct account_request r;
	struct err kept;
	struct form_view v = { "signup", &in, &kept };
	const char *email, *password, *name;
	bool therapist;

	if (req->method != HTTP_POST) {
		const char *done = http_param(req, "done");
		if (done != NULL && strcmp(done, "sent") == 0) {
			check_email_page(req, res, "If you can use that address, a message"
			    " is on its way to it. Open the link in the message to confirm"
			    " your address and finish creating your account; it works for"
			    " 48 hours.");
			return 0;
		}
		struct form_view fresh = { "signup", NULL, NULL };
		return signup_form(req, res, &fresh);
	}
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "email", false, ACCOUNT_EMAIL_MAX, &email, e) != 0 ||
	    input_text(&in, "password", false, ACCOUNT_PASSWORD_MAX, &password, e) != 0 ||
	    input_text(&in, "display_name", false, ACCOUNT_NAME_MAX, &name, e) != 0 ||
	    input_bool(&in, "therapist", false, &therapist, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_signup(&r, email, password, name, therapist, e) != 0)
		goto refused;
	web_mail_sent(req);
	http_redirect(req, res, "/signup?done=sent");
	return 0;
refused:
	if (keep_refusal(e, &kept) != 0)
		return -1;
	return signup_form(req, res, &v);
}

int
page_verify(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char title[] = "Confirm your email address";
	static const char text[] = "Press the button to confirm that this address is"
	    " yours and finish creating your account.";
	struct err kept;
	if (req->method != HTTP_POST) {
		/* Only shows the button: opening the link uses nothing up. */
		const char *token = link_token(req);
		struct form_view fresh = { "verify", NULL, NULL };
		if (token == NULL)
			return link_invalid_page(req, res, LINK_VERIFY, NULL);
		return link_confirm_page(req, res, &fresh, "/verify", title, text,
		    "Confirm my email address", token);
	}
	const char *token;
	int rc = link_post(req, res, e, LINK_VERIFY, account_verify_email, &token);
	if (rc > 0)
		return 0;
	if (rc == 0) {
		http_redirect(req, res, "/signin?done=verified");
		return 0;
	}
	if (strcmp(e->code, "invalid_token") == 0)
		return link_invalid_page(req, res, LINK_VERIFY, e);
	if (token == NULL || keep_refusal(e, &kept) != 0)
		return -1;
	struct form_view v = { "verify", NULL, &kept };
	return link_confirm_page(req, res, &v, "/verify", title, text,
	    "Confirm my email address", token);
}

/* ---- Sign-in ---- */

static const struct notice signin_notices[] = {
	{ "verified", "Email confirmed. Sign in to continue." },
	{ "password", "Your password was changed. Sign in with your new password." },
	{ "everywhere", "You were signed out on every device." },
	{ NULL, NULL },
};

static int
signin_form(struct http_request *req, struct http_response *res,
    const struct form_view *v, const char *next)
{
	static const char *const fields[] = { "email", "password", NULL };
	struct buf *b = &res->body;
	begin(b, req, "Sign in");
	html_raw(b, "<div class=\"auth-card\"><h1>Sign in</h1>");
	if (v->e == NULL)
		notice(b, req, signin_notices);
	form_open(b, req, v, "/signin", fields);
	if (next != NULL)
		page_hidden(b, "next", next);
	input_field(b, v, &(struct field){ .name = "email", .label = "Email address",
	    .type = "email", .autocomplete = "email", .maxlength = ACCOUNT_EMAIL_MAX,
	    .required = true });
	input_field(b, v, &(struct field){ .name = "password", .label = "Password",
	    .type = "password", .autocomplete = "current-password", .required = true });
	submit(b, "Sign in", NULL);
	html_raw(b, "</form><p class=\"auth-links\"><a href=\"/reset\">Forgot your"
	    " password?</a></p><p class=\"auth-links\">New here? <a href=\"/signup\">"
	    "Create an account</a></p></div>");
	page_finish(req, res, v->e != NULL ? v->e->status : 200, v->e);
	return 0;
}

int
page_signin(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "email", "password", "next", NULL };
	const struct auth *a = &web_session(req)->auth;
	struct input in;
	struct account_request r;
	struct signin_result s;
	struct err kept;
	struct form_view v = { "signin", &in, &kept };
	const char *email, *password, *next;

	if (req->method != HTTP_POST) {
		const char *go = local_path(http_param(req, "next"));
		/* Someone already (half) signed in goes on from where they are. */
		if (a->kind == AUTH_SESSION) {
			http_redirect(req, res, a->stage == SESSION_AWAITING_CODE ?
			    "/signin/code" : go != NULL ? go : "/account");
			return 0;
		}
		struct form_view fresh = { "signin", NULL, NULL };
		return signin_form(req, res, &fresh, go);
	}
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "email", false, 1000, &email, e) != 0 ||
	    input_text(&in, "password", false, PASSWORD_TYPED_MAX, &password, e) != 0 ||
	    input_text(&in, "next", false, NEXT_MAX, &next, e) != 0 ||
	    web_account_request(req, &r, e) != 0)
		goto refused;
	int rc = account_signin(&r, email, password, &s, e);
	web_mail_sent(req);	/* an unverified account was sent a new link */
	if (rc != 0)
		goto refused;
	web_set_session_cookie(req, res, s.session_token);
	explicit_bzero(s.session_token, sizeof(s.session_token));
	/* The code and the set-up come before anything else; the page the
	 * person wanted is forgotten then (it was a convenience only). */
	if (s.stage == SESSION_AWAITING_CODE)
		http_redirect(req, res, code_page(req, local_path(next)));
	else if (s.needs_two_step)
		http_redirect(req, res, "/account/two-step");
	else
		http_redirect(req, res, local_path(next) != NULL ? next : "/account");
	return 0;
refused:
	if (keep_refusal(e, &kept) != 0)
		return -1;
	return signin_form(req, res, &v, local_path(typed(&in, "next")));
}

static int
signin_code_form(struct http_request *req, struct http_response *res,
    const struct form_view *v)
{
	static const char *const fields[] = { "code", NULL };
	struct buf *b = &res->body;
	begin(b, req, "Enter your code");
	html_raw(b, "<div class=\"auth-card\"><h1>Enter your code</h1>"
	    "<p>Open your authenticator app and type the 6-digit code it shows"
	    " for imago.</p>");
	form_open(b, req, v, code_page(req, local_path(http_param(req, "next"))), fields);
	input_field(b, v, &(struct field){ .name = "code", .label = "Code",
	    .type = "text", .autocomplete = "one-time-code", .maxlength = CODE_MAX,
	    .required = true, .code = true,
	    .hint = "Lost your phone? Type one of your recovery codes instead." });
	submit(b, "Continue", NULL);
	html_raw(b, "</form><div class=\"auth-links\">");
	page_form_begin(b, req, "/signout");
	html_raw(b, "<button type=\"submit\" class=\"button-secondary\">Cancel and"
	    " start again</button></form></div></div>");
	page_finish(req, res, v->e != NULL ? v->e->status : 200, v->e);
	return 0;
}

int
page_signin_code(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "code", NULL };
	struct input in;
	struct account_request r;
	struct signin_result s;
	struct err kept;
	struct form_view v = { "code", &in, &kept };
	const char *code;

	if (req->method != HTTP_POST) {
		struct form_view fresh = { "code", NULL, NULL };
		return signin_code_form(req, res, &fresh);
	}
	/* The guard admitted a session awaiting its code: cookie_token is it. */
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "code", false, CODE_MAX, &code, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_signin_code(&r, web_session(req)->cookie_token, code, &s, e) != 0)
		goto refused;
	web_set_session_cookie(req, res, s.session_token);
	explicit_bzero(s.session_token, sizeof(s.session_token));
	const char *next = local_path(http_param(req, "next"));
	http_redirect(req, res, next != NULL ? next : "/account");
	return 0;
refused:
	if (keep_refusal(e, &kept) != 0)
		return -1;
	return signin_code_form(req, res, &v);
}

int
page_signout(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0 ||
	    account_signout(&r, web_session(req)->cookie_token, e) != 0)
		return -1;
	web_set_session_cookie(req, res, NULL);
	http_redirect(req, res, "/");
	return 0;
}

/* ---- Password reset ---- */

static int
reset_form(struct http_request *req, struct http_response *res, const struct form_view *v)
{
	static const char *const fields[] = { "email", NULL };
	struct buf *b = &res->body;
	begin(b, req, "Reset your password");
	html_raw(b, "<div class=\"auth-card\"><h1>Reset your password</h1>"
	    "<p>Type the email address of your account. We send it a link to"
	    " choose a new password.</p>");
	form_open(b, req, v, "/reset", fields);
	input_field(b, v, &(struct field){ .name = "email", .label = "Email address",
	    .type = "email", .autocomplete = "email", .maxlength = ACCOUNT_EMAIL_MAX,
	    .required = true });
	submit(b, "Send the link", NULL);
	html_raw(b, "</form><p class=\"auth-links\"><a href=\"/signin\">Back to"
	    " sign in</a></p></div>");
	page_finish(req, res, v->e != NULL ? v->e->status : 200, v->e);
	return 0;
}

int
page_reset(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "email", NULL };
	struct input in;
	struct account_request r;
	struct err kept;
	struct form_view v = { "reset", &in, &kept };
	const char *email;

	if (req->method != HTTP_POST) {
		const char *done = http_param(req, "done");
		if (done != NULL && strcmp(done, "sent") == 0) {
			check_email_page(req, res, "If an account exists for that"
			    " address, we sent it a link to choose a new password."
			    " The link works once, for an hour.");
			return 0;
		}
		struct form_view fresh = { "reset", NULL, NULL };
		return reset_form(req, res, &fresh);
	}
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "email", false, ACCOUNT_EMAIL_MAX, &email, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_reset_request(&r, email, e) != 0)
		goto refused;
	web_mail_sent(req);
	http_redirect(req, res, "/reset?done=sent");
	return 0;
refused:
	if (keep_refusal(e, &kept) != 0)
		return -1;
	return reset_form(req, res, &v);
}

static int
reset_confirm_form(struct http_request *req, struct http_response *res,
    const struct form_view *v, const char *token)
{
	static const char *const fields[] = { "password", NULL };
	struct buf *b = &res->body;
	begin(b, req, "Choose a new password");
	html_raw(b, "<div class=\"auth-card\"><h1>Choose a new password</h1>"
	    "<p>Every device signed in to your account is signed out when you"
	    " save it.</p>");
	form_open(b, req, v, "/reset/confirm", fields);
	page_hidden(b, "token", token);
	input_field(b, v, &(struct field){ .name = "password", .label = "New password",
	    .type = "password", .autocomplete = "new-password", .hint = new_password_hint,
	    .minlength = ACCOUNT_PASSWORD_MIN, .required = true });
	submit(b, "Save the new password", NULL);
	html_raw(b, "</form></div>");
	page_finish(req, res, v->e != NULL ? v->e->status : 200, v->e);
	return 0;
}

int
page_reset_confirm(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "token", "password", NULL };
	struct input in;
	struct account_request r;
	struct err kept;
	struct form_view v = { "newpw", &in, &kept };
	const char *token = NULL, *password;

	if (req->method != HTTP_POST) {
		struct form_view fresh = { "newpw", NULL, NULL };
		token = link_token(req);
		if (token == NULL)
			return link_invalid_page(req, res, LINK_RESET, NULL);
		return reset_confirm_form(req, res, &fresh, token);
	}
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "token", true, LINK_TOKEN_MAX, &token, e) != 0 ||
	    input_text(&in, "password", false, ACCOUNT_PASSWORD_MAX, &password, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_reset_confirm(&r, token, password, e) != 0)
		goto refused;
	http_redirect(req, res, "/signin?done=password");
	return 0;
refused:
	if (strcmp(e->param, "token") == 0 && e->status == 400)
		return link_invalid_page(req, res, LINK_RESET, e);
	if (token == NULL || keep_refusal(e, &kept) != 0)
		return -1;
	return reset_confirm_form(req, res, &v, token);
}

/* ---- The account page ---- */

/* "Firefox on Linux" from a User-Agent, to tell devices apart; else the
 * start of the header as sent. */
static void
device_name(const char *agent, char *out, size_t n)
{
	static const char *const browsers[][2] = {
		{ "Edg/", "Edge" }, { "OPR/", "Opera" }, { "Firefox/", "Firefox" },
		{ "Chrome/", "Chrome" }, { "Safari/", "Safari" },
	};
	static const char *const systems[][2] = {
		{ "Android", "Android" }, { "iPhone", "iPhone" }, { "iPad", "iPad" },
		{ "Windows", "Windows" }, { "Mac OS X", "macOS" }, { "CrOS", "ChromeOS" },
		{ "Linux", "Linux" },
	};
	const char *browser = NULL, *system = NULL;
	for (size_t i = 0; browser == NULL && i < sizeof(browsers) / sizeof(browsers[0]); i++)
		if (strstr(agent, browsers[i][0]) != NULL)
			browser = browsers[i][1];
	for (size_t i = 0; system == NULL && i < sizeof(systems) / sizeof(systems[0]); i++)
		if (strstr(agent, systems[i][0]) != NULL)
			system = systems[i][1];
	if (browser != NULL && system != NULL)
		snprintf(out, n, "%s on %s", browser, system);
	else if (browser != NULL)
		snprintf(out, n, "%s", browser);
	else if (*agent != '\0')
		snprintf(out, n, "%.60s", agent);
	else
		snprintf(out, n, "Unknown browser");
}

static void
roles_text(struct buf *b, unsigned roles)
{
	static const char *const names[] = { "Client", "Therapist", "Administrator" };
	int n = 0;
	for (int i = 0; i < 3; i++) {
		if (!(roles & (1u << i)))
			continue;
		if (n++ > 0)
			html_raw(b, ", ");
		html_text(b, names[i]);
	}
}

static const struct notice account_notices[] = {
	{ "name", "Your name was saved." },
	{ "password", "Your password was changed, and your other devices were signed out." },
	{ "email", "Check your new inbox: we sent a link to confirm the new address."
	    " Your account keeps its current address until you open it." },
	{ "session", "That device was signed out." },
	{ "token", "The token was revoked: it no longer works." },
	{ "two-step-off", "Two-step sign-in is off." },
	{ NULL, NULL },
};

/* The section that holds each form, for the error summary's link. */
static const char *const form_sections[][2] = {
	{ "name", "name" }, { "password", "password" }, { "email", "email" },
	{ "two-step-off", "two-step" }, { "recovery", "two-step" },
	{ "token", "tokens" }, { "delete", "delete" },
};

static struct form_view
view_of(const struct form_view *failed, const char *form)
{
	struct form_view v = { form, NULL, NULL };
	if (failed != NULL && strcmp(failed->form, form) == 0)
		v = *failed;
	return v;
}

static void
section_begin(struct buf *b, const char *id, const char *title)
{
	html_raw(b, "<section class=\"account-section\"");
	html_attr(b, "id", id);
	html_attrf(b, "aria-labelledby", "%s-title", id);
	html_raw(b, "><h2");
	html_attrf(b, "id", "%s-title", id);
	html_raw(b, ">");
	html_text(b, title);
	html_raw(b, "</h2>");
}

static void
overview_section(struct buf *b, const struct account_request *r, const struct user *u)
{
	html_raw(b, "<section class=\"account-section\" aria-label=\"Overview\">"
	    "<dl class=\"facts\"><dt>Email address</dt><dd>");
	html_text(b, u->email);
	html_raw(b, "</dd><dt>Name</dt><dd>");
	if (u->display_name != NULL && *u->display_name != '\0')
		html_text(b, u->display_name);
	else
		html_raw(b, "<span class=\"muted\">Not given</span>");
	html_raw(b, "</dd><dt>Roles</dt><dd>");
	roles_text(b, u->roles);
	html_raw(b, "</dd><dt>Two-step sign-in</dt><dd>");
	if (u->totp_enabled)
		html_textf(b, "On, %d of %d recovery codes left",
		    account_recovery_codes_left(r), RECOVERY_CODE_COUNT);
	else
		html_raw(b, "Off (<a href=\"/account/two-step\">set it up</a>)");
	html_raw(b, "</dd></dl>");
	/* Links only; the pages behind them check access themselves. */
	if (u->roles & (ROLE_THERAPIST | ROLE_ADMIN)) {
		html_raw(b, "<ul class=\"account-links\">");
		if (u->roles & ROLE_THERAPIST)
			html_raw(b, "<li><a href=\"/account/profile\">My directory"
			    " profile</a></li>");
		if (u->roles & ROLE_ADMIN)
			html_raw(b, "<li><a href=\"/admin\">Admin pages</a></li>");
		html_raw(b, "</ul>");
	}
	html_raw(b, "</section>");
}

static void
name_section(struct buf *b, struct http_request *req, const struct form_view *failed,
    const struct user *u)
{
	static const char *const fields[] = { "display_name", NULL };
	struct form_view v = view_of(failed, "name");
	section_begin(b, "name", "Name");
	form_open(b, req, &v, "/account/name", fields);
	input_field(b, &v, &(struct field){ .name = "display_name", .label = "Your name",
	    .type = "text", .autocomplete = "name", .maxlength = ACCOUNT_NAME_MAX,
	    .value = u->display_name, .hint = "Leave it empty to give none." });
	submit(b, "Save name", NULL);
	html_raw(b, "</form></section>");
}

static void
password_section(struct buf *b, struct http_request *req, const struct form_view *failed)
{
	static const char *const fields[] = { "current_password", "new_password", NULL };
	struct form_view v = view_of(failed, "password");
	section_begin(b, "password", "Password");
	html_raw(b, "<p>Changing it signs out your other devices.</p>");
	form_open(b, req, &v, "/account/password", fields);
	input_field(b, &v, &(struct field){ .name = "current_password",
	    .label = "Current password", .type = "password",
	    .autocomplete = "current-password", .required = true });
	input_field(b, &v, &(struct field){ .name = "new_password", .label = "New password",
	    .type = "password", .autocomplete = "new-password", .hint = new_password_hint,
	    .minlength = ACCOUNT_PASSWORD_MIN, .required = true });
	submit(b, "Change password", NULL);
	html_raw(b, "</form></section>");
}

static void
email_section(struct buf *b, struct http_request *req, const struct form_view *failed)
{
	static const char *const fields[] = { "email", "current_password", NULL };
	struct form_view v = view_of(failed, "email");
	section_begin(b, "email", "Email address");
	html_raw(b, "<p>We send a link to the new address; the change happens when"
	    " you open it.</p>");
	form_open(b, req, &v, "/account/email", fields);
	input_field(b, &v, &(struct field){ .name = "email", .label = "New email address",
	    .type = "email", .autocomplete = "email", .maxlength = ACCOUNT_EMAIL_MAX,
	    .required = true });
	input_field(b, &v, &(struct field){ .name = "current_password",
	    .label = "Current password", .type = "password",
	    .autocomplete = "current-password", .required = true });
	submit(b, "Send the link", NULL);
	html_raw(b, "</form></section>");
}

static void
two_step_section(struct buf *b, struct http_request *req, const struct form_view *failed,
    const struct account_request *r, const struct user *u)
{
	static const char *const fields[] = { "password", NULL };
	section_begin(b, "two-step", "Two-step sign-in");
	if (!u->totp_enabled) {
		html_raw(b, "<p>Off. With it on, signing in also asks for a code from"
		    " an app on your phone, so your password alone is not enough.</p>"
		    "<p><a class=\"button-link\" href=\"/account/two-step\">Set up"
		    " two-step sign-in</a></p></section>");
		return;
	}
	html_raw(b, "<p>");
	html_textf(b, "On. You have %d of %d recovery codes left.",
	    account_recovery_codes_left(r), RECOVERY_CODE_COUNT);
	html_raw(b, "</p>");
	struct form_view v = view_of(failed, "recovery");
	html_raw(b, "<h3>New recovery codes</h3><p>Your old codes stop working.</p>");
	form_open(b, req, &v, "/account/recovery-codes", fields);
	input_field(b, &v, &(struct field){ .name = "password", .label = "Current password",
	    .type = "password", .autocomplete = "current-password", .required = true });
	submit(b, "Get new recovery codes", "button-secondary");
	html_raw(b, "</form>");
	/* What the form offers follows the roles (display only: the flow
	 * itself refuses to turn it off where a role requires it). */
	if (policy_two_step_optional(u->roles)) {
		v = view_of(failed, "two-step-off");
		html_raw(b, "<h3>Turn it off</h3>");
		form_open(b, req, &v, "/account/two-step/disable", fields);
		input_field(b, &v, &(struct field){ .name = "password",
		    .label = "Current password", .type = "password",
		    .autocomplete = "current-password", .required = true });
		submit(b, "Turn off two-step sign-in", "button-secondary");
		html_raw(b, "</form>");
	} else {
		html_raw(b, "<p class=\"hint\">Therapists and administrators keep"
		    " two-step sign-in on: their accounts reach data that clients"
		    " trust us with.</p>");
	}
	html_raw(b, "</section>");
}

static void
sessions_section(struct buf *b, struct http_request *req,
    const struct session_info *sessions, size_t count)
{
	section_begin(b, "sessions", "Signed-in devices");
	html_raw(b, "<ul class=\"item-list\">");
	for (size_t i = 0; i < count; i++) {
		const struct session_info *s = &sessions[i];
		char device[96], action[80];
		long long id = s->id;
		device_name(s->user_agent ? s->user_agent : "", device, sizeof(device));
		html_raw(b, "<li class=\"item\"><div class=\"item-main\"><strong>");
		html_text(b, device);
		html_raw(b, "</strong>");
		if (s->current)
			html_raw(b, " <span class=\"badge badge-current\">This device</span>");
		html_raw(b, "<span class=\"item-meta\">");
		html_text(b, s->ip ? s->ip : "");
		html_raw(b, " \xc2\xb7 active ");
		page_moment(b, s->last_seen_at);
		html_raw(b, " \xc2\xb7 signed in ");
		page_moment(b, s->created_at);
		html_raw(b, "</span></div>");
		if (!s->current) {
			snprintf(action, sizeof(action), "/account/sessions/%lld/revoke", id);
			html_raw(b, "<div class=\"item-action\">");
			page_form_begin(b, req, action);
			html_raw(b, "<button type=\"submit\" class=\"button-secondary\">"
			    "Sign out<span class=\"visually-hidden\"> ");
			html_text(b, device);
			html_raw(b, "</span></button></form></div>");
		}
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul><p>Lost a device, or signed in somewhere you should not"
	    " have? Sign out everywhere, this device too. Access tokens keep"
	    " working: revoke them below.</p>");
	page_form_begin(b, req, "/account/sessions/signout-all");
	html_raw(b, "<div class=\"form-actions\"><button type=\"submit\""
	    " class=\"button-secondary\">Sign out everywhere</button></div>"
	    "</form></section>");
}

static void
expiry_select(struct buf *b, const struct form_view *v)
{
	static const char *const choices[][2] = {
		{ "7", "In 7 days" }, { "30", "In 30 days" }, { "90", "In 90 days" },
		{ "366", "In a year" }, { "0", "Never" },
	};
	const char *chosen = v->in != NULL ? typed(v->in, "expires_in_days") : NULL;
	if (chosen == NULL)
		chosen = "90";
	html_raw(b, "<div class=\"field\">");
	field_head(b, v, "token-expires_in_days", "expires_in_days", "Expires", NULL, true);
	html_raw(b, "<select id=\"token-expires_in_days\" name=\"expires_in_days\"");
	described_by(b, v, "token-expires_in_days", "expires_in_days", false);
	html_raw(b, ">");
	for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]); i++) {
		html_raw(b, "<option");
		html_attr(b, "value", choices[i][0]);
		if (strcmp(chosen, choices[i][0]) == 0)
			html_raw(b, " selected");
		html_raw(b, ">");
		html_text(b, choices[i][1]);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select></div>");
}

static void
tokens_section(struct buf *b, struct http_request *req, const struct form_view *failed,
    const struct token_info *tokens, size_t count, time_t now)
{
	static const char *const fields[] = { "name", "expires_in_days", NULL };
	section_begin(b, "tokens", "Personal access tokens");
	html_raw(b, "<p>A token lets a program use the JSON API (under"
	    " <code>/api/v1/</code>) as you, sent as <code>Authorization: Bearer"
	    " \xe2\x80\xa6</code>. It can do what you can, except change your"
	    " account's security.</p>");
	if (count == 0)
		html_raw(b, "<p class=\"muted\">You have no tokens.</p>");
	else
		html_raw(b, "<ul class=\"item-list\">");
	for (size_t i = 0; i < count; i++) {
		const struct token_info *t = &tokens[i];
		char action[80];
		long long id = t->id;
		html_raw(b, "<li class=\"item\"><div class=\"item-main\"><strong>");
		html_text(b, t->name);
		html_raw(b, "</strong> <code>");
		html_text(b, t->prefix);
		html_raw(b, "\xe2\x80\xa6</code><span class=\"item-meta\">Created ");
		html_text_n(b, t->created_at, strnlen(t->created_at, 10));
		html_raw(b, " \xc2\xb7 ");
		if (t->last_used_at != NULL) {
			html_raw(b, "last used ");
			html_text_n(b, t->last_used_at, strnlen(t->last_used_at, 10));
		} else {
			html_raw(b, "never used");
		}
		html_raw(b, " \xc2\xb7 ");
		if (t->expires_at == 0)
			html_raw(b, "never expires");
		else {
			html_raw(b, t->expires_at <= now ? "expired " : "expires ");
			page_moment(b, t->expires_at);
		}
		html_raw(b, "</span></div><div class=\"item-action\">");
		snprintf(action, sizeof(action), "/account/tokens/%lld/revoke", id);
		page_form_begin(b, req, action);
		html_raw(b, "<button type=\"submit\" class=\"button-secondary\">Revoke"
		    "<span class=\"visually-hidden\"> ");
		html_text(b, t->name);
		html_raw(b, "</span></button></form></div></li>");
	}
	if (count > 0)
		html_raw(b, "</ul>");
	struct form_view v = view_of(failed, "token");
	html_raw(b, "<h3>Create a token</h3>");
	form_open(b, req, &v, "/account/tokens", fields);
	input_field(b, &v, &(struct field){ .name = "name", .label = "Name",
	    .type = "text", .autocomplete = "off", .maxlength = ACCOUNT_TOKEN_NAME_MAX,
	    .required = true, .hint = "What it is for, to recognise it later." });
	expiry_select(b, &v);
	submit(b, "Create token", NULL);
	html_raw(b, "</form></section>");
}

static void
data_sections(struct buf *b, struct http_request *req, const struct form_view *failed)
{
	static const char *const fields[] = { "password", "confirm", NULL };
	section_begin(b, "data", "Your data");
	html_raw(b, "<p>Download everything we hold about you as a JSON file: your"
	    " account, devices, tokens, what you did here and your directory"
	    " profile.</p><p><a class=\"button-link\" href=\"/account/export\""
	    " download>Download my data</a></p></section>");

	struct form_view v = view_of(failed, "delete");
	section_begin(b, "delete", "Delete your account");
	html_raw(b, "<p>This deletes your account, your devices' sessions, your"
	    " tokens and, for a therapist, your directory profile. It cannot be"
	    " undone. Our audit log keeps its entries without anything that"
	    " names you.</p>");
	form_open(b, req, &v, "/account/delete", fields);
	input_field(b, &v, &(struct field){ .name = "password", .label = "Current password",
	    .type = "password", .autocomplete = "current-password", .required = true });
	checkbox_field(b, &v, "confirm", "I understand that my account is deleted for good",
	    NULL, true);
	submit(b, "Delete my account", "button-danger");
	html_raw(b, "</form></section>");
}

/* The account page, or with failed set the same page showing why one
 * of its forms was refused. */
static int
account_page(struct http_request *req, struct http_response *res,
    const struct form_view *failed, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	const struct user *u = &web_session(req)->auth.user;
	struct session_info *sessions;
	struct token_info *tokens;
	size_t nsessions, ntokens;
	if (account_sessions_list(&r, &sessions, &nsessions, e) != 0 ||
	    account_tokens_list(&r, &tokens, &ntokens, e) != 0)
		return -1;
	struct buf *b = &res->body;
	begin(b, req, "Your account");
	html_raw(b, "<div class=\"account\"><h1>Your account</h1>");
	if (failed == NULL) {
		notice(b, req, account_notices);
	} else {
		/* A long page: say at the top that something below was refused. */
		const char *section = "main";
		for (size_t i = 0; i < sizeof(form_sections) / sizeof(form_sections[0]); i++)
			if (strcmp(form_sections[i][0], failed->form) == 0)
				section = form_sections[i][1];
		html_raw(b, "<div class=\"form-error\" role=\"alert\"><p>That did not"
		    " work: <a");
		html_attrf(b, "href", "#%s", section);
		html_raw(b, ">");
		page_sentence(b, failed->e->message);
		html_raw(b, "</a></p></div>");
	}
	html_raw(b, "<nav class=\"account-toc\" aria-label=\"On this page\"><ul>"
	    "<li><a href=\"#name\">Name</a></li>"
	    "<li><a href=\"#password\">Password</a></li>"
	    "<li><a href=\"#email\">Email</a></li>"
	    "<li><a href=\"#two-step\">Two-step sign-in</a></li>"
	    "<li><a href=\"#sessions\">Devices</a></li>"
	    "<li><a href=\"#tokens\">Tokens</a></li>"
	    "<li><a href=\"#data\">Your data</a></li>"
	    "<li><a href=\"#delete\">Delete</a></li></ul></nav>");
	overview_section(b, &r, u);
	name_section(b, req, failed, u);
	password_section(b, req, failed);
	email_section(b, req, failed);
	two_step_section(b, req, failed, &r, u);
	sessions_section(b, req, sessions, nsessions);
	tokens_section(b, req, failed, tokens, ntokens, r.now);
	data_sections(b, req, failed);
	html_raw(b, "</div>");
	page_finish(req, res, failed != NULL ? failed->e->status : 200,
	    failed != NULL ? failed->e : NULL);
	return 0;
}

/* A form of the account page was refused: the page again, showing why. */
static int
account_refused(struct http_request *req, struct http_response *res, const char *form,
    const struct input *in, struct err *e)
{
	struct err kept;
	if (keep_refusal(e, &kept) != 0)
		return -1;
	struct form_view v = { form, in, &kept };
	return account_page(req, res, &v, e);
}

int
page_account(struct http_request *req, struct http_response *res, struct err *e)
{
	return account_page(req, res, NULL, e);
}

int
page_account_name(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "display_name", NULL };
	struct input in;
	struct account_request r;
	const char *name;
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "display_name", false, ACCOUNT_NAME_MAX, &name, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_set_display_name(&r, name != NULL ? name : "", e) != 0)
		return account_refused(req, res, "name", &in, e);
	http_redirect(req, res, "/account?done=name");
	return 0;
}

int
page_account_password(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "current_password", "new_password", NULL };
	struct input in;
	struct account_request r;
	const char *current, *next;
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "current_password", false, PASSWORD_TYPED_MAX, &current, e) != 0 ||
	    input_text(&in, "new_password", false, ACCOUNT_PASSWORD_MAX, &next, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_change_password(&r, current, next, e) != 0)
		return account_refused(req, res, "password", &in, e);
	web_mail_sent(req);
	http_redirect(req, res, "/account?done=password");
	return 0;
}

int
page_account_email(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "current_password", "email", NULL };
	struct input in;
	struct account_request r;
	const char *current, *email;
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "current_password", false, PASSWORD_TYPED_MAX, &current, e) != 0 ||
	    input_text(&in, "email", false, ACCOUNT_EMAIL_MAX, &email, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_change_email_request(&r, current, email, e) != 0)
		return account_refused(req, res, "email", &in, e);
	web_mail_sent(req);
	http_redirect(req, res, "/account?done=email");
	return 0;
}

int
page_account_email_confirm(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char title[] = "Confirm your new email address";
	static const char text[] = "Press the button to use this address for your"
	    " imago account from now on.";
	struct err kept;
	if (req->method != HTTP_POST) {
		const char *done = http_param(req, "done");
		if (done != NULL && strcmp(done, "changed") == 0) {
			struct buf *b = &res->body;
			begin(b, req, "Email changed");
			html_raw(b, "<div class=\"auth-card\"><h1>Email changed</h1>"
			    "<p>Your account uses the new address from now on. We told"
			    " the old address about the change.</p><p><a"
			    " href=\"/account\">Go to your account</a></p></div>");
			page_finish(req, res, 200, NULL);
			return 0;
		}
		const char *token = link_token(req);
		struct form_view fresh = { "newemail", NULL, NULL };
		if (token == NULL)
			return link_invalid_page(req, res, LINK_EMAIL, NULL);
		return link_confirm_page(req, res, &fresh, "/account/email/confirm", title,
		    text, "Use this email address", token);
	}
	const char *token;
	int rc = link_post(req, res, e, LINK_EMAIL, account_change_email_confirm, &token);
	if (rc > 0)
		return 0;
	if (rc == 0) {
		web_mail_sent(req);
		http_redirect(req, res, "/account/email/confirm?done=changed");
		return 0;
	}
	if (strcmp(e->code, "invalid_token") == 0)
		return link_invalid_page(req, res, LINK_EMAIL, e);
	if (token == NULL || keep_refusal(e, &kept) != 0)
		return -1;
	struct form_view v = { "newemail", NULL, &kept };
	return link_confirm_page(req, res, &v, "/account/email/confirm", title, text,
	    "Use this email address", token);
}

int
page_session_revoke(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "There is no such session.");
	if (web_account_request(req, &r, e) != 0 || account_session_revoke(&r, id, e) != 0)
		return -1;
	http_redirect(req, res, "/account?done=session#sessions");
	return 0;
}

int
page_signout_everywhere(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0 || account_signout_everywhere(&r, e) != 0)
		return -1;
	web_set_session_cookie(req, res, NULL);
	http_redirect(req, res, "/signin?done=everywhere");
	return 0;
}

/* ---- Access tokens ---- */

int
page_token_create(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "name", "expires_in_days", NULL };
	struct input in;
	struct account_request r;
	const char *name;
	bool has_days;
	long long days = 0;
	char token[ACCESS_TOKEN_TEXT_LEN + 1];
	int64_t id;
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "name", false, ACCOUNT_TOKEN_NAME_MAX, &name, e) != 0 ||
	    input_int(&in, "expires_in_days", 0, 366, &has_days, &days, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_token_create(&r, name, (int)days, token, &id, e) != 0)
		return account_refused(req, res, "token", &in, e);
	/* The only time the token exists outside its holder's hands: this
	 * page is its one showing, so it is not a redirect. */
	struct buf *b = &res->body;
	begin(b, req, "Your new access token");
	html_raw(b, "<div class=\"account\"><h1>Your new access token</h1>"
	    "<div class=\"notice\" role=\"status\"><p><strong>Copy it now.</strong>"
	    " This is the only time it is shown: we keep only a fingerprint of"
	    " it. If you lose it, revoke it and create another.</p></div>"
	    "<p>Token \xe2\x80\x9c");
	html_text(b, name);
	html_raw(b, "\xe2\x80\x9d:</p><p><code id=\"new-token\" class=\"secret-value\">");
	html_text(b, token);
	html_raw(b, "</code></p><p>Send it in the <code>Authorization</code> header"
	    " of each API request: <code>Authorization: Bearer</code> followed by"
	    " the token.</p><p><a class=\"button-link\" href=\"/account#tokens\">"
	    "Back to your account</a></p></div>");
	explicit_bzero(token, sizeof(token));
	page_finish(req, res, 201, NULL);
	return 0;
}

int
page_token_revoke(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "There is no such token.");
	if (web_account_request(req, &r, e) != 0 || account_token_revoke(&r, id, e) != 0)
		return -1;
	http_redirect(req, res, "/account?done=token#tokens");
	return 0;
}

/* ---- Export and deletion ---- */

int
page_account_delete(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "password", "confirm", NULL };
	struct input in;
	struct account_request r;
	const char *password;
	bool confirmed;
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "password", false, PASSWORD_TYPED_MAX, &password, e) != 0 ||
	    input_bool(&in, "confirm", false, &confirmed, e) != 0)
		return account_refused(req, res, "delete", &in, e);
	if (!confirmed) {
		err_invalid(e, "confirm", "tick the box to confirm that you want your"
		    " account deleted");
		return account_refused(req, res, "delete", &in, e);
	}
	if (web_account_request(req, &r, e) != 0 || account_delete(&r, password, e) != 0)
		return account_refused(req, res, "delete", &in, e);
	search_engine_invalidate(((struct app *)req->app)->engine);
	web_set_session_cookie(req, res, NULL);
	/* The header below is drawn for who is asking now: nobody. */
	web_session(req)->auth.kind = AUTH_NONE;
	struct buf *b = &res->body;
	begin(b, req, "Your account was deleted");
	html_raw(b, "<div class=\"auth-card\"><h1>Your account was deleted</h1>"
	    "<p>Everything it held is gone, and so is your directory profile if"
	    " you had one. Thank you for having been here.</p>"
	    "<p><a href=\"/\">Go to the home page</a></p></div>");
	page_finish(req, res, 200, NULL);
	return 0;
}

/* ---- Two-step sign-in ---- */

static void
recovery_codes_page(struct http_request *req, struct http_response *res,
    const char *title, const char *intro, char codes[RECOVERY_CODE_COUNT][12])
{
	struct buf *b = &res->body;
	begin(b, req, title);
	html_raw(b, "<div class=\"account\"><h1>");
	html_text(b, title);
	html_raw(b, "</h1><p>");
	html_text(b, intro);
	html_raw(b, "</p><div class=\"notice\" role=\"status\"><p><strong>Save these"
	    " recovery codes now.</strong> Each one signs you in once if you lose"
	    " your phone. They are shown only this once.</p></div>"
	    "<ul class=\"recovery-codes\" aria-label=\"Recovery codes\">");
	for (int i = 0; i < RECOVERY_CODE_COUNT; i++) {
		html_raw(b, "<li><code>");
		html_text(b, codes[i]);
		html_raw(b, "</code></li>");
		explicit_bzero(codes[i], 12);
	}
	html_raw(b, "</ul><p>Keep them somewhere safe, such as your password manager,"
	    " or print this page.</p><p><a class=\"button-link\" href=\"/account\">"
	    "Continue</a></p></div>");
	page_finish(req, res, 200, NULL);
}

/* "otpauth://...&issuer=imago&..." -> "imago" (arena), as the app will
 * label the account. */
static const char *
uri_issuer(struct http_request *req, const char *uri)
{
	const char *p = strstr(uri, "issuer=");
	if (p == NULL)
		return "";
	p += strlen("issuer=");
	return arena_strndup(req->arena, p, strcspn(p, "&"));
}

static void
two_step_why(struct buf *b, const struct auth *a)
{
	if (a->needs_two_step)
		html_raw(b, "<div class=\"notice\"><p><strong>Your account needs"
		    " two-step sign-in before you go on.</strong> Therapists' and"
		    " administrators' accounts reach information that clients trust"
		    " us with, so a password alone is not enough: signing in also"
		    " asks for a code from your phone, which someone who learned"
		    " your password does not have.</p></div>");
	else
		html_raw(b, "<p>Signing in will also ask for a code from an app on"
		    " your phone, so someone who learns your password still cannot"
		    " get in.</p>");
}

static void
code_form(struct buf *b, struct http_request *req, const struct form_view *v)
{
	static const char *const fields[] = { "code", NULL };
	form_open(b, req, v, "/account/two-step", fields);
	input_field(b, v, &(struct field){ .name = "code", .label = "Code from the app",
	    .type = "text", .autocomplete = "one-time-code", .inputmode = "numeric",
	    .maxlength = 12, .required = true, .code = true,
	    .hint = "6 digits; a new one every 30 seconds." });
	submit(b, "Turn on two-step sign-in", NULL);
	html_raw(b, "</form>");
}

/* The set-up page: a new pending secret on each showing (so a code typed
 * on an older copy of the page fails: the newest one counts). With v
 * set, only the code form again, with why it was refused: the pending
 * secret stays, so the app the person set up keeps working. */
static int
two_step_page(struct http_request *req, struct http_response *res,
    const struct form_view *v, struct err *e)
{
	const struct auth *a = &web_session(req)->auth;
	struct buf *b = &res->body;
	if (a->user.totp_enabled) {
		begin(b, req, "Two-step sign-in is on");
		html_raw(b, "<div class=\"account\"><h1>Two-step sign-in is on</h1>"
		    "<p>Signing in asks for a code from your authenticator app. You"
		    " can get new recovery codes on your account page.</p><p><a"
		    " class=\"button-link\" href=\"/account#two-step\">Go to your"
		    " account</a></p></div>");
		page_finish(req, res, v != NULL ? v->e->status : 200, v != NULL ? v->e : NULL);
		return 0;
	}
	if (v != NULL) {
		begin(b, req, "Set up two-step sign-in");
		html_raw(b, "<div class=\"account two-step\"><h1>Set up two-step"
		    " sign-in</h1>");
		code_form(b, req, v);
		html_raw(b, "<p>If imago is not in your app yet, or the codes keep"
		    " being refused, <a href=\"/account/two-step\">start again with a"
		    " new key</a>.</p></div>");
		page_finish(req, res, v->e->status, v->e);
		return 0;
	}
	struct account_request r;
	struct totp_setup setup;
	struct buf qr = BUF_INIT;
	if (web_account_request(req, &r, e) != 0 || account_totp_begin(&r, &setup, e) != 0)
		return -1;
	if (totp_qr_svg(setup.uri, &qr, e) != 0) {
		buf_free(&qr);
		return -1;
	}
	struct form_view fresh = { "twostep", NULL, NULL };
	begin(b, req, "Set up two-step sign-in");
	html_raw(b, "<div class=\"account two-step\"><h1>Set up two-step sign-in</h1>");
	two_step_why(b, a);
	html_raw(b, "<ol class=\"steps\"><li><h2>Install an authenticator app</h2>"
	    "<p>Any app for time-based codes works, such as the one in your"
	    " password manager, FreeOTP, Aegis, Google Authenticator or"
	    " Microsoft Authenticator.</p></li>"
	    "<li><h2>Add imago to it</h2><p>Scan this code with the app:</p>"
	    "<div class=\"qr\">");
	/* The one html_raw of generated markup: totp_qr_svg writes the SVG
	 * from numbers only (module positions), never from the URI's text. */
	html_raw(b, buf_cstr(&qr));
	buf_free(&qr);
	html_raw(b, "</div><p>Cannot scan it? Type this key into the app"
	    " instead:</p><p><code id=\"totp-secret\" class=\"totp-secret\"");
	html_attr(b, "data-secret", setup.secret_base32);
	html_raw(b, ">");
	/* Groups of four are easier to read out and type. */
	for (size_t i = 0; setup.secret_base32[i] != '\0'; i += 4) {
		if (i > 0)
			html_raw(b, " ");
		html_text_n(b, setup.secret_base32 + i, strnlen(setup.secret_base32 + i, 4));
	}
	html_raw(b, "</code></p><dl class=\"facts\"><dt>Account</dt><dd>");
	html_text(b, a->user.email);
	html_raw(b, "</dd><dt>Issuer</dt><dd>");
	html_text(b, uri_issuer(req, setup.uri));
	html_raw(b, "</dd><dt>Type</dt><dd>Time-based, 6 digits, every 30 seconds"
	    "</dd></dl></li><li><h2>Type the code the app shows</h2>");
	explicit_bzero(setup.secret_base32, sizeof(setup.secret_base32));
	code_form(b, req, &fresh);
	html_raw(b, "</li></ol></div>");
	page_finish(req, res, 200, NULL);
	return 0;
}

int
page_two_step(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "code", NULL };
	struct input in;
	struct account_request r;
	struct err kept;
	struct form_view v = { "twostep", &in, &kept };
	const char *code;
	char codes[RECOVERY_CODE_COUNT][12];

	if (req->method != HTTP_POST)
		return two_step_page(req, res, NULL, e);
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "code", false, CODE_MAX, &code, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_totp_enable(&r, code, codes, e) != 0) {
		if (keep_refusal(e, &kept) != 0)
			return -1;
		return two_step_page(req, res, &v, e);
	}
	recovery_codes_page(req, res, "Two-step sign-in is on",
	    "From now on, signing in asks for a code from your app.", codes);
	return 0;
}

int
page_two_step_disable(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "password", NULL };
	struct input in;
	struct account_request r;
	const char *password;
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "password", false, PASSWORD_TYPED_MAX, &password, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_totp_disable(&r, password, e) != 0)
		return account_refused(req, res, "two-step-off", &in, e);
	http_redirect(req, res, "/account?done=two-step-off#two-step");
	return 0;
}

int
page_recovery_codes(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "password", NULL };
	struct input in;
	struct account_request r;
	const char *password;
	char codes[RECOVERY_CODE_COUNT][12];
	if (read_form(req, &in, fields, e) != 0 ||
	    input_text(&in, "password", false, PASSWORD_TYPED_MAX, &password, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_recovery_codes_new(&r, password, codes, e) != 0)
		return account_refused(req, res, "recovery", &in, e);
	recovery_codes_page(req, res, "New recovery codes",
	    "Your old recovery codes no longer work.", codes);
	return 0;
}
