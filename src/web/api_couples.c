/*
 * Couples' JSON API: the caller's couple, inviting a partner, withdrawing
 * the invitation, accepting one (from the emailed link's token) and
 * leaving. Each handler reads typed fields (input.h), calls one flow in
 * src/couples/ and writes JSON; the flows decide who may do what.
 */
#include "app.h"

#include "../couples/couples.h"
#include "../util/jw.h"
#include "input.h"

static int
reply_couple(struct http_response *res, const struct account_request *r, int status,
    struct err *e)
{
	struct couple_view v;
	if (couple_get(r, &v, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	couple_view_json(&j, &v);
	http_reply_json(res, status);
	return 0;
}

int
api_my_couple(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	if (req->method == HTTP_DELETE) {
		if (input_none(req, e) != 0 || couple_leave(&r, e) != 0)
			return -1;
		web_mail_sent(req);
	}
	return reply_couple(res, &r, 200, e);
}

int
api_couple_invitations(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "email", NULL };
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	if (req->method == HTTP_DELETE) {
		if (input_none(req, e) != 0 || couple_revoke_invite(&r, e) != 0)
			return -1;
		return reply_couple(res, &r, 200, e);
	}
	struct input in;
	struct couple_invitation inv;
	const char *email;
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_text(&in, "email", true, ACCOUNT_EMAIL_MAX, &email, e) != 0 ||
	    couple_invite(&r, email, &inv, e) != 0)
		return -1;
	web_mail_sent(req);
	return reply_couple(res, &r, 201, e);
}

int
api_couple_accept(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct input in;
	struct account_request r;
	const char *token;
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_text(&in, "token", true, 100, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 || couple_accept(&r, token, e) != 0)
		return -1;
	web_mail_sent(req);
	return reply_couple(res, &r, 200, e);
}

int
couples_export_json(const struct account_request *r, struct jw *j, struct err *e)
{
	struct couple_view v;
	if (couple_get(r, &v, e) != 0)
		return -1;
	jw_key(j, "couple");
	couple_view_json(j, &v);
	return 0;
}
