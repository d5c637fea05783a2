/*
 * The accounts JSON API: sign-up, sessions, the caller's own account,
 * two-step sign-in, access tokens, export and deletion. Each handler
 * reads typed fields (input.h), calls one flow in src/accounts/ and
 * writes JSON; access was already decided by the guard.
 */
#include "app.h"

#include <string.h>

#include "../contact/contact.h"
#include "../dialogue/dialogue.h"
#include "../util/jw.h"
#include "../util/num.h"
#include "../workspace/workspace.h"
#include "input.h"

/* Reads the body and checks its fields against the allowed list. */
static int
read_body(struct http_request *req, struct input *in, const char *const *allowed,
    struct err *e)
{
	return input_read(req, in, e) != 0 || input_only(in, allowed, e) != 0 ? -1 : 0;
}

static void
reply_status(struct http_response *res, int status, const char *what)
{
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_string(&j, "status", what);
	jw_object_end(&j);
	http_reply_json(res, status);
}

static void
reply_no_content(struct http_response *res)
{
	res->status = 204;
	res->content_type = "application/json; charset=utf-8";
}

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ? id : 0;
}

int
api_account_create(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "email", "password", "display_name", "role", NULL };
	struct input in;
	struct account_request r;
	const char *email, *password, *name, *role;
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "email", true, ACCOUNT_EMAIL_MAX, &email, e) != 0 ||
	    input_text(&in, "password", true, ACCOUNT_PASSWORD_MAX, &password, e) != 0 ||
	    input_text(&in, "display_name", false, ACCOUNT_NAME_MAX, &name, e) != 0 ||
	    input_text(&in, "role", false, 20, &role, e) != 0)
		return -1;
	if (role && strcmp(role, "client") != 0 && strcmp(role, "therapist") != 0)
		return err_invalid(e, "role", "role is \"client\" or \"therapist\"");
	bool therapist = role && strcmp(role, "therapist") == 0;
	if (web_account_request(req, &r, e) != 0 ||
	    account_signup(&r, email, password, name, therapist, e) != 0)
		return -1;
	web_mail_sent(req);
	reply_status(res, 202, "check_your_email");
	return 0;
}

int
api_account_verify(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct input in;
	struct account_request r;
	const char *token;
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "token", true, 100, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_verify_email(&r, token, e) != 0)
		return -1;
	reply_status(res, 200, "email_verified");
	return 0;
}

/* The signed-in user as JSON, with what a client needs next. */
static void
write_me(struct jw *j, const struct account_request *r, const struct user *u,
    const char *csrf, const char *stage, bool needs_two_step)
{
	jw_object_begin(j);
	jw_key(j, "user");
	user_json(j, u);
	jw_kv_string(j, "stage", stage);
	jw_kv_bool(j, "two_step_setup_required", needs_two_step);
	if (csrf && *csrf)
		jw_kv_string(j, "csrf_token", csrf);
	if (r && u->totp_enabled && strcmp(stage, "signed_in") == 0)
		jw_kv_int(j, "recovery_codes_left", account_recovery_codes_left(r));
	jw_object_end(j);
}

static void
reply_signed_in(struct http_request *req, struct http_response *res,
    const struct signin_result *s)
{
	char csrf[CSRF_TEXT_LEN + 1];
	csrf_for(s->session_token, csrf);
	web_set_session_cookie(req, res, s->session_token);
	struct jw j;
	jw_init(&j, &res->body);
	write_me(&j, NULL, &s->user, csrf,
	    s->stage == SESSION_AWAITING_CODE ? "code_required" : "signed_in", s->needs_two_step);
	http_reply_json(res, 200);
}

int
api_session_create(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "email", "password", NULL };
	struct input in;
	struct account_request r;
	struct signin_result s;
	const char *email, *password;
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "email", true, 1000, &email, e) != 0 ||
	    input_text(&in, "password", true, 10000, &password, e) != 0 ||
	    web_account_request(req, &r, e) != 0)
		return -1;
	int rc = account_signin(&r, email, password, &s, e);
	web_mail_sent(req);	/* an unverified account was sent a new link */
	if (rc != 0)
		return -1;
	reply_signed_in(req, res, &s);
	return 0;
}

int
api_session_code(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "code", NULL };
	struct input in;
	struct account_request r;
	struct signin_result s;
	const char *code;
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "code", true, 64, &code, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_signin_code(&r, http_cookie(req, SESSION_COOKIE), code, &s, e) != 0)
		return -1;
	s.needs_two_step = false;
	reply_signed_in(req, res, &s);
	return 0;
}

int
api_session_delete(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    account_signout(&r, web_session(req)->cookie_token, e) != 0)
		return -1;
	web_set_session_cookie(req, res, NULL);
	reply_no_content(res);
	return 0;
}

int
api_sessions(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	if (req->method == HTTP_DELETE) {
		if (input_none(req, e) != 0 || account_signout_everywhere(&r, e) != 0)
			return -1;
		web_set_session_cookie(req, res, NULL);
		reply_no_content(res);
		return 0;
	}
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	if (account_sessions_json(&r, &j, e) != 0)
		return -1;
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

int
api_session_revoke(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no such session");
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    account_session_revoke(&r, id, e) != 0)
		return -1;
	reply_no_content(res);
	return 0;
}

int
api_password_reset(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "email", NULL };
	struct input in;
	struct account_request r;
	const char *email;
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "email", true, ACCOUNT_EMAIL_MAX, &email, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_reset_request(&r, email, e) != 0)
		return -1;
	web_mail_sent(req);
	reply_status(res, 202, "check_your_email");
	return 0;
}

int
api_password_reset_confirm(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "token", "password", NULL };
	struct input in;
	struct account_request r;
	const char *token, *password;
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "token", true, 100, &token, e) != 0 ||
	    input_text(&in, "password", true, ACCOUNT_PASSWORD_MAX, &password, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_reset_confirm(&r, token, password, e) != 0)
		return -1;
	reply_status(res, 200, "password_changed");
	return 0;
}

int
api_me(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	struct web_session *ws = web_session(req);
	if (req->method == HTTP_PATCH) {
		static const char *const fields[] = { "display_name", NULL };
		struct input in;
		const char *name;
		if (read_body(req, &in, fields, e) != 0 ||
		    input_text(&in, "display_name", false, ACCOUNT_NAME_MAX, &name, e) != 0)
			return -1;
		if (name != NULL && account_set_display_name(&r, name, e) != 0)
			return -1;
		if (user_by_id(r.db, ws->auth.user.id, req->arena, &ws->auth.user, e) != 0)
			return -1;
	}
	struct jw j;
	jw_init(&j, &res->body);
	write_me(&j, &r, &ws->auth.user, ws->auth.kind == AUTH_SESSION ? ws->auth.csrf : NULL,
	    ws->auth.stage == SESSION_AWAITING_CODE ? "code_required" : "signed_in",
	    ws->auth.needs_two_step);
	http_reply_json(res, 200);
	return 0;
}

int
api_me_password(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "current_password", "new_password", NULL };
	struct input in;
	struct account_request r;
	const char *current, *next;
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "current_password", true, 10000, &current, e) != 0 ||
	    input_text(&in, "new_password", true, ACCOUNT_PASSWORD_MAX, &next, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_change_password(&r, current, next, e) != 0)
		return -1;
	web_mail_sent(req);
	reply_status(res, 200, "password_changed");
	return 0;
}

int
api_me_email(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "current_password", "email", NULL };
	struct input in;
	struct account_request r;
	const char *current, *email;
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "current_password", true, 10000, &current, e) != 0 ||
	    input_text(&in, "email", true, ACCOUNT_EMAIL_MAX, &email, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_change_email_request(&r, current, email, e) != 0)
		return -1;
	web_mail_sent(req);
	reply_status(res, 202, "check_your_email");
	return 0;
}

int
api_me_email_confirm(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct input in;
	struct account_request r;
	const char *token;
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "token", true, 100, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_change_email_confirm(&r, token, e) != 0)
		return -1;
	web_mail_sent(req);
	reply_status(res, 200, "email_changed");
	return 0;
}

static void
write_recovery_codes(struct jw *j, char codes[RECOVERY_CODE_COUNT][12])
{
	jw_key(j, "recovery_codes");
	jw_array_begin(j);
	for (int i = 0; i < RECOVERY_CODE_COUNT; i++)
		jw_string(j, codes[i]);
	jw_array_end(j);
}

int
api_two_step(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	struct jw j;
	if (req->method == HTTP_DELETE) {
		static const char *const fields[] = { "password", NULL };
		struct input in;
		const char *password;
		if (read_body(req, &in, fields, e) != 0 ||
		    input_text(&in, "password", true, 10000, &password, e) != 0 ||
		    account_totp_disable(&r, password, e) != 0)
			return -1;
		reply_no_content(res);
		return 0;
	}
	struct totp_setup setup;
	if (input_none(req, e) != 0 || account_totp_begin(&r, &setup, e) != 0)
		return -1;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_string(&j, "secret", setup.secret_base32);
	jw_kv_string(&j, "otpauth_uri", setup.uri);
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

int
api_two_step_enable(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "code", NULL };
	struct input in;
	struct account_request r;
	const char *code;
	char codes[RECOVERY_CODE_COUNT][12];
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "code", true, 64, &code, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_totp_enable(&r, code, codes, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_bool(&j, "two_step_enabled", true);
	write_recovery_codes(&j, codes);
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

int
api_recovery_codes(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "password", NULL };
	struct input in;
	struct account_request r;
	const char *password;
	char codes[RECOVERY_CODE_COUNT][12];
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "password", true, 10000, &password, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_recovery_codes_new(&r, password, codes, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	write_recovery_codes(&j, codes);
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

int
api_tokens(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	struct jw j;
	if (req->method == HTTP_POST) {
		static const char *const fields[] = { "name", "expires_in_days", NULL };
		struct input in;
		const char *name;
		bool has_days;
		long long days = 0;
		char token[ACCESS_TOKEN_TEXT_LEN + 1];
		int64_t id;
		if (read_body(req, &in, fields, e) != 0 ||
		    input_text(&in, "name", true, ACCOUNT_TOKEN_NAME_MAX, &name, e) != 0 ||
		    input_int(&in, "expires_in_days", 0, 366, &has_days, &days, e) != 0 ||
		    account_token_create(&r, name, (int)days, token, &id, e) != 0)
			return -1;
		jw_init(&j, &res->body);
		jw_object_begin(&j);
		jw_kv_int(&j, "id", id);
		jw_kv_string(&j, "name", name);
		jw_kv_string(&j, "token", token);
		jw_object_end(&j);
		http_reply_json(res, 201);
		return 0;
	}
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	if (account_tokens_json(&r, &j, e) != 0)
		return -1;
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

int
api_token_revoke(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no such token");
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    account_token_revoke(&r, id, e) != 0)
		return -1;
	reply_no_content(res);
	return 0;
}

int
api_me_export(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	if (account_export_json(&r, &j, e) != 0 || export_profile_json(&r, &j, e) != 0 ||
	    contact_export_json(&r, &j, e) != 0 || booking_export_json(&r, &j, e) != 0 ||
	    couples_export_json(&r, &j, e) != 0 || ws_export_json(&r, &j, e) != 0 ||
	    dialogue_export_json(&r, &j, e) != 0)
		return -1;
	jw_object_end(&j);
	http_reply_json(res, 200);
	http_add_header(res, "Content-Disposition", "attachment; filename=\"imago-export.json\"");
	return 0;
}

int
api_me_delete(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "password", NULL };
	struct input in;
	struct account_request r;
	const char *password;
	if (read_body(req, &in, fields, e) != 0 ||
	    input_text(&in, "password", true, 10000, &password, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    account_delete(&r, password, e) != 0)
		return -1;
	search_engine_invalidate(((struct app *)req->app)->engine);
	web_set_session_cookie(req, res, NULL);
	reply_no_content(res);
	return 0;
}
