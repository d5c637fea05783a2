/*
 * Couples as HTML: /account/couple (the couple, the invitation form,
 * withdrawing it, leaving) and the page an emailed invitation opens.
 * These are the HTML twins of api_couples.c and call the same flows
 * (src/couples/couples.h).
 *
 * Forms work without JavaScript: a POST that worked answers 303 to a GET
 * page, a mistake shows the page again with the error's status. The
 * invitation link's GET only shows a button that POSTs the token (mail
 * scanners open links; opening one must not make a couple). A visitor
 * who is not signed in is sent to sign in and back by the guard, with
 * the token kept in ?next=.
 */
#include "pages.h"

#include <string.h>
#include <time.h>

#include "../couples/couples.h"
#include "../util/html.h"
#include "input.h"

#define LINK_TOKEN_MAX	100

static void
begin(struct buf *b, struct http_request *req, const char *title)
{
	struct page p = { title, NULL, "page-account page-couple", req };
	page_begin(b, req->app, &p);
}

static void
day(struct buf *b, time_t t)
{
	char s[32];
	struct tm tm;
	if (gmtime_r(&t, &tm) != NULL && strftime(s, sizeof(s), "%Y-%m-%d", &tm) != 0)
		html_text(b, s);
}

/* Mistakes worth showing on the form again; anything else is an error page. */
static bool
form_error(const struct err *e)
{
	return e->status == 400 || e->status == 403 || e->status == 404 ||
	    e->status == 409 || e->status == 410 || e->status == 422 || e->status == 429;
}

static const struct {
	const char	*key;
	const char	*text;
} notices[] = {
	{ "invited", "Invitation sent. It works for 7 days." },
	{ "revoked", "Invitation withdrawn." },
	{ "left", "You left the couple." },
	{ "accepted", "You are now a couple." },
};

static void
done_notice(struct buf *b, struct http_request *req)
{
	const char *done = http_param(req, "done");
	for (size_t i = 0; done != NULL && i < sizeof(notices) / sizeof(notices[0]); i++)
		if (strcmp(done, notices[i].key) == 0)
			page_notice(b, notices[i].text);
}

static void
couple_section(struct buf *b, struct http_request *req, const struct couple_view *v)
{
	html_raw(b, "<section class=\"couple-status\"><h2>Your couple</h2><p>");
	html_text(b, "You are a couple with ");
	html_raw(b, "<strong class=\"partner-name\">");
	html_text(b, *v->partner_name ? v->partner_name : "your partner");
	html_raw(b, "</strong> since ");
	day(b, v->since);
	html_raw(b, ".</p><p>Leaving ends the couple for both of you; your partner"
	    " gets an email. Your own account stays as it is.</p>");
	page_form_begin(b, req, "/account/couple/leave");
	html_raw(b, "<button type=\"submit\" class=\"danger\">Leave the couple</button></form>"
	    "</section>");
}

static void
invite_section(struct buf *b, struct http_request *req, const struct couple_view *v,
    const char *typed)
{
	html_raw(b, "<section class=\"couple-invite\"><h2>Invite your partner</h2>");
	if (v->has_invitation) {
		html_raw(b, "<p>You invited <strong>");
		html_text(b, v->invitation.email);
		html_raw(b, "</strong>; the invitation works until ");
		day(b, v->invitation.expires_at);
		html_raw(b, ". Sending a new one withdraws it.</p>");
		page_form_begin(b, req, "/account/couple/revoke");
		html_raw(b, "<button type=\"submit\">Withdraw the invitation</button></form>");
	}
	html_raw(b, "<p>We email your partner a link. They accept it from an imago"
	    " account with that address (they can sign up with it).</p>");
	page_form_begin(b, req, "/account/couple/invite");
	html_raw(b, "<label for=\"f-email\">Your partner's email address</label>"
	    "<input type=\"email\" id=\"f-email\" name=\"email\" required"
	    " autocomplete=\"off\" maxlength=\"254\"");
	if (typed)
		html_attr(b, "value", typed);
	html_raw(b, "><button type=\"submit\">Send the invitation</button></form></section>");
}

static int
render_couple(struct http_request *req, struct http_response *res, const char *typed,
    const struct err *error, struct err *e)
{
	struct account_request r;
	struct couple_view v;
	if (web_account_request(req, &r, e) != 0 || couple_get(&r, &v, e) != 0)
		return -1;
	struct buf *b = &res->body;
	begin(b, req, "Couple");
	html_raw(b, "<h1>Couple</h1>");
	done_notice(b, req);
	page_form_error(b, error);
	if (v.couple_id != 0)
		couple_section(b, req, &v);
	else
		invite_section(b, req, &v, typed);
	html_raw(b, "<p class=\"hint\">The workspace supports therapy; it does not"
	    " replace it.</p>");
	return page_finish(req, res, error ? error->status : 200, error);
}

int
page_couple(struct http_request *req, struct http_response *res, struct err *e)
{
	return render_couple(req, res, NULL, NULL, e);
}

/* Runs one of the page's forms: 303 back with a notice, or the page
 * again with the error. */
enum couple_action { ACTION_INVITE, ACTION_REVOKE, ACTION_LEAVE };

static int
couple_post(struct http_request *req, struct http_response *res, enum couple_action act,
    struct err *e)
{
	static const char *const invite_fields[] = { "email", NULL };
	static const char *const no_fields[] = { NULL };
	struct account_request r;
	struct input in;
	struct couple_invitation inv;
	const char *email = NULL, *done = "";
	int rc;
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	switch (act) {
	case ACTION_INVITE:
		rc = input_only(&in, invite_fields, e) != 0 ||
		    input_text(&in, "email", true, ACCOUNT_EMAIL_MAX, &email, e) != 0 ||
		    couple_invite(&r, email, &inv, e) != 0 ? -1 : 0;
		done = "invited";
		break;
	case ACTION_REVOKE:
		rc = input_only(&in, no_fields, e) != 0 || couple_revoke_invite(&r, e) != 0 ? -1 : 0;
		done = "revoked";
		break;
	default:
		rc = input_only(&in, no_fields, e) != 0 || couple_leave(&r, e) != 0 ? -1 : 0;
		done = "left";
		break;
	}
	if (rc != 0) {
		if (!form_error(e))
			return -1;
		struct err shown = *e;
		err_clear(e);
		return render_couple(req, res, email, &shown, e);
	}
	if (act != ACTION_REVOKE)
		web_mail_sent(req);
	http_redirect(req, res, arena_printf(req->arena, "/account/couple?done=%s", done));
	return 0;
}

int
page_couple_invite(struct http_request *req, struct http_response *res, struct err *e)
{
	return couple_post(req, res, ACTION_INVITE, e);
}

int
page_couple_revoke(struct http_request *req, struct http_response *res, struct err *e)
{
	return couple_post(req, res, ACTION_REVOKE, e);
}

int
page_couple_leave(struct http_request *req, struct http_response *res, struct err *e)
{
	return couple_post(req, res, ACTION_LEAVE, e);
}

/* ---- the emailed link -------------------------------------------------- */

static int
render_accept(struct http_request *req, struct http_response *res, const char *token,
    const struct err *error)
{
	struct buf *b = &res->body;
	begin(b, req, "Accept an invitation");
	html_raw(b, "<h1>Become a couple on imago</h1>");
	if (error) {
		page_form_error(b, error);
		html_raw(b, "<p><a href=\"/account/couple\">Your couple page</a></p>");
	}
	if (token && *token) {
		html_raw(b, "<p>Your partner invited you to practise together on imago."
		    " Accepting makes your two accounts a couple; either of you can"
		    " leave it at any time. Each of you keeps a private space, and"
		    " nothing is shared unless you share it.</p>");
		page_form_begin(b, req, "/couple/accept");
		page_hidden(b, "token", token);
		html_raw(b, "<button type=\"submit\">Accept</button></form>");
	}
	/* The page holds the link's token; the guard marks it no-store, as
	 * every page for a signed-in visitor (and only they reach it). */
	return page_finish(req, res, error ? error->status : 200, error);
}

int
page_couple_accept(struct http_request *req, struct http_response *res, struct err *e)
{
	(void)e;
	const char *token = http_param(req, "token");
	if (token && strlen(token) > LINK_TOKEN_MAX)
		token = NULL;
	struct err missing = ERR_INIT;
	if (token == NULL || *token == '\0')
		err_set(&missing, 400, "invalid_token", "token",
		    "this link is incomplete: open the whole link from the email");
	return render_accept(req, res, token, missing.status ? &missing : NULL);
}

int
page_couple_accept_post(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct account_request r;
	struct input in;
	const char *token = NULL;
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	if (input_only(&in, fields, e) != 0 ||
	    input_text(&in, "token", true, LINK_TOKEN_MAX, &token, e) != 0 ||
	    couple_accept(&r, token, e) != 0) {
		if (!form_error(e))
			return -1;
		struct err shown = *e;
		err_clear(e);
		/* Only a rate limit is worth another try with the same link. */
		return render_accept(req, res, shown.status == 429 ? token : NULL, &shown);
	}
	web_mail_sent(req);
	http_redirect(req, res, "/account/couple?done=accepted");
	return 0;
}
