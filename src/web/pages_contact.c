/*
 * The contact relay as HTML: the message form on each profile that can
 * receive messages (and on its own page, where it comes back with the
 * errors and everything as typed), the page an emailed confirmation
 * link opens, and the therapist's inbox with each message, its replies,
 * the reply form and the spam button. These are the HTML twins of
 * api_contact.c and call the same flows (src/contact/contact.h), which
 * decide who may see which message.
 *
 * Forms work without JavaScript: a POST that worked answers 303 to a GET
 * page (so a reload repeats nothing), a mistake shows the form again
 * with the error's status. The confirmation link's GET only shows a
 * button that POSTs the token: mail scanners open links, and opening
 * one must not deliver a message.
 *
 * The honeypot field sits in the form hidden from people (the
 * visually-hidden class), from screen readers (aria-hidden), from the
 * keyboard (tabindex=-1) and from autofill (autocomplete=off): only a
 * robot fills it in, and it is then told the message went out.
 */
#include "pages.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../contact/contact.h"
#include "../util/html.h"
#include "../util/num.h"
#include "input.h"

#define PREVIEW_BYTES	160	/* of a message in the inbox list */
#define LINK_TOKEN_MAX	100

/* ---- small pieces ------------------------------------------------------- */

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ? id : 0;
}

static void
begin(struct buf *b, struct http_request *req, const char *title, const char *cls)
{
	struct page p = { title, NULL, cls, req };
	page_begin(b, req->app, &p);
}

static void
alert(struct buf *b, const struct err *e)
{
	html_raw(b, "<div class=\"form-error\" role=\"alert\"><p>");
	page_sentence(b, e->message);
	html_raw(b, "</p></div>");
}

/* Text people wrote, line by line. */
static void
text_lines(struct buf *b, const char *s)
{
	for (const char *p = s; ; ) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		html_text_n(b, p, n);
		if (nl == NULL)
			break;
		html_raw(b, "<br>");
		p = nl + 1;
	}
}

static void
when(struct buf *b, time_t t)
{
	char s[32];
	struct tm tm;
	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		return;
	html_raw(b, "<time");
	char iso[32];
	if (strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm) != 0)
		html_attr(b, "datetime", iso);
	html_raw(b, ">");
	html_text(b, s);
	html_raw(b, "</time>");
}

/* The last value a form sent for key, as typed, or NULL. */
static const char *
typed(const struct input *in, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; in != NULL && i < in->n; i++)
		if (strcmp(in->fields[i].key, key) == 0)
			v = in->fields[i].value;
	return v;
}

static bool
names(const struct err *e, const char *key)
{
	return e != NULL && e->status != 0 && strcmp(e->param, key) == 0;
}

/* ---- the message form ------------------------------------------------------ */

/* What the form shows: what was typed (sent back) or a signed-in
 * person's name and address (fresh), and the error. */
struct form_view {
	int64_t			 therapist_id;
	const char		*therapist_name;
	const struct input	*in;	/* NULL: a fresh form */
	const struct err	*e;
	const char		*name;	/* fresh values */
	const char		*email;
};

static const char *
value_of(const struct form_view *v, const char *key, const char *fresh)
{
	if (v->in != NULL) {
		const char *s = typed(v->in, key);
		return s ? s : "";
	}
	return fresh ? fresh : "";
}

/* The label, hint and error of field key, tied to its control by ids. */
static void
field_head(struct buf *b, const struct form_view *v, const char *key,
    const char *label, const char *hint, bool required)
{
	html_raw(b, "<label");
	html_attrf(b, "for", "contact-%s", key);
	html_raw(b, ">");
	html_text(b, label);
	if (!required)
		html_raw(b, " <span class=\"optional\">(optional)</span>");
	html_raw(b, "</label>");
	if (hint != NULL) {
		html_raw(b, "<span class=\"hint\"");
		html_attrf(b, "id", "contact-%s-hint", key);
		html_raw(b, ">");
		html_text(b, hint);
		html_raw(b, "</span>");
	}
	if (names(v->e, key)) {
		html_raw(b, "<p class=\"field-error\"");
		html_attrf(b, "id", "contact-%s-error", key);
		html_raw(b, "><span class=\"visually-hidden\">Error: </span>");
		page_sentence(b, v->e->message);
		html_raw(b, "</p>");
	}
}

static void
described_by(struct buf *b, const struct form_view *v, const char *key, bool hint)
{
	bool invalid = names(v->e, key);
	if (invalid)
		html_raw(b, " aria-invalid=\"true\"");
	if (hint && invalid)
		html_attrf(b, "aria-describedby", "contact-%s-hint contact-%s-error", key, key);
	else if (hint)
		html_attrf(b, "aria-describedby", "contact-%s-hint", key);
	else if (invalid)
		html_attrf(b, "aria-describedby", "contact-%s-error", key);
}

static void
input_field(struct buf *b, const struct form_view *v, const char *key,
    const char *label, const char *type, const char *autocomplete, int maxlength,
    bool required, const char *hint, const char *fresh)
{
	html_raw(b, "<div class=\"field\">");
	field_head(b, v, key, label, hint, required);
	html_raw(b, "<input");
	html_attrf(b, "id", "contact-%s", key);
	html_attr(b, "name", key);
	html_attr(b, "type", type);
	html_attr(b, "autocomplete", autocomplete);
	html_attrf(b, "maxlength", "%d", maxlength);
	if (required)
		html_raw(b, " required");
	const char *value = value_of(v, key, fresh);
	if (*value)
		html_attr(b, "value", value);
	described_by(b, v, key, hint != NULL);
	html_raw(b, "></div>");
}

static void
preferred_field(struct buf *b, const struct form_view *v)
{
	const char *pref = value_of(v, "preferred", "email");
	bool phone = strcmp(pref, "phone") == 0;
	html_raw(b, "<fieldset class=\"checks\" id=\"contact-preferred\"");
	if (names(v->e, "preferred"))
		html_raw(b, " aria-describedby=\"contact-preferred-error\"");
	html_raw(b, "><legend>How would you like to be answered?</legend>");
	if (names(v->e, "preferred")) {
		html_raw(b, "<p class=\"field-error\" id=\"contact-preferred-error\">");
		page_sentence(b, v->e->message);
		html_raw(b, "</p>");
	}
	html_raw(b, "<div class=\"check\"><input type=\"radio\" id=\"contact-preferred-email\""
	    " name=\"preferred\" value=\"email\"");
	if (!phone)
		html_raw(b, " checked");
	html_raw(b, "><label for=\"contact-preferred-email\">By email</label></div>"
	    "<div class=\"check\"><input type=\"radio\" id=\"contact-preferred-phone\""
	    " name=\"preferred\" value=\"phone\"");
	if (phone)
		html_raw(b, " checked");
	html_raw(b, "><label for=\"contact-preferred-phone\">By phone</label></div>"
	    "</fieldset>");
}

static void
message_field(struct buf *b, const struct form_view *v)
{
	html_raw(b, "<div class=\"field\">");
	field_head(b, v, "message", "Your message", "A few lines about what you are"
	    " looking for are enough. Please do not include health details.", true);
	html_raw(b, "<textarea id=\"contact-message\" name=\"message\" rows=\"6\"");
	html_attrf(b, "maxlength", "%d", CONTACT_MESSAGE_MAX);
	html_raw(b, " required");
	described_by(b, v, "message", true);
	/* A newline right after <textarea> is dropped by parsers; ours
	 * keeps a leading blank line of the text. */
	html_raw(b, ">\n");
	html_text(b, value_of(v, "message", ""));
	html_raw(b, "</textarea></div>");
}

/* The honeypot: see the top of this file. Never filled in again. */
static void
honeypot_field(struct buf *b)
{
	html_raw(b, "<div class=\"visually-hidden\" aria-hidden=\"true\">"
	    "<label for=\"contact-website\">Leave this field empty</label>"
	    "<input id=\"contact-website\" name=\"website\" type=\"text\" value=\"\""
	    " tabindex=\"-1\" autocomplete=\"off\"></div>");
}

static void
contact_form(struct buf *b, struct http_request *req, const struct form_view *v)
{
	html_raw(b, "<p class=\"hint\">We first email you a link to confirm your"
	    " address: ");
	html_text(b, v->therapist_name);
	html_raw(b, " receives your message, with your name, email address and phone"
	    " number, only after you open it. Their own email address stays"
	    " private.</p>");
	if (v->e != NULL && v->e->status != 0) {
		html_raw(b, "<div class=\"form-error\" role=\"alert\"><p>");
		page_sentence(b, v->e->message);
		html_raw(b, "</p>");
		if (v->e->param[0] && strcmp(v->e->param, "body") != 0 &&
		    strcmp(v->e->param, "csrf") != 0) {
			html_raw(b, "<p><a");
			html_attrf(b, "href", "#contact-%s", v->e->param);
			html_raw(b, ">Go to the field</a></p>");
		}
		html_raw(b, "</div>");
	}
	char action[64];
	snprintf(action, sizeof(action), "/therapists/%lld/message", (long long)v->therapist_id);
	page_form_begin(b, req, action);
	input_field(b, v, "name", "Your name", "text", "name", CONTACT_NAME_MAX, true,
	    NULL, v->name);
	input_field(b, v, "email", "Your email address", "email", "email",
	    ACCOUNT_EMAIL_MAX, true, "We send the confirmation link here.", v->email);
	input_field(b, v, "phone", "Your phone number", "tel", "tel", CONTACT_PHONE_MAX,
	    false, NULL, NULL);
	preferred_field(b, v);
	message_field(b, v);
	honeypot_field(b);
	html_raw(b, "<div class=\"form-actions\"><button type=\"submit\">Send message"
	    "</button></div></form>");
}

/* A fresh form: a signed-in person's name and address filled in. */
static void
fresh_view(struct http_request *req, const struct therapist *t, struct form_view *v)
{
	memset(v, 0, sizeof(*v));
	v->therapist_id = t->id;
	v->therapist_name = t->name;
	const struct auth *a = &web_session(req)->auth;
	if (a->kind == AUTH_SESSION && a->stage == SESSION_SIGNED_IN) {
		v->name = a->user.display_name;
		v->email = a->user.email;
	}
}

void
profile_contact_form(struct buf *b, struct http_request *req, const struct therapist *t)
{
	sqlite3 *db = app_db(req->app);
	struct err e = ERR_INIT;
	/* Only a profile that can receive messages gets a form; a database
	 * error leaves it out rather than failing the whole page. */
	if (db == NULL || contact_reachable(db, t->id, &e) != 1)
		return;
	struct form_view v;
	fresh_view(req, t, &v);
	html_raw(b, "<section class=\"card contact-form\" id=\"contact\""
	    " aria-labelledby=\"contact-h\"><h2 id=\"contact-h\">Send a message</h2>");
	contact_form(b, req, &v);
	html_raw(b, "</section>\n");
}

/* ---- GET and POST /therapists/{id}/message ------------------------------------ */

static int
form_page(struct http_request *req, struct http_response *res, const struct form_view *v)
{
	struct buf *b = &res->body;
	const char *title = arena_printf(req->arena, "Write to %s", v->therapist_name);
	begin(b, req, title, "page-manage page-contact");
	html_raw(b, "<p class=\"back\"><a");
	html_attrf(b, "href", "/therapists/%lld", (long long)v->therapist_id);
	html_raw(b, ">\xe2\x86\x90 Back to the profile</a></p><h1>");
	html_text(b, title);
	html_raw(b, "</h1>");
	contact_form(b, req, v);
	return page_finish(req, res, v->e != NULL && v->e->status ? v->e->status : 200, v->e);
}

static int
sent_page(struct http_request *req, struct http_response *res, const struct therapist *t)
{
	struct buf *b = &res->body;
	begin(b, req, "Check your email", "page-manage page-contact");
	html_raw(b, "<h1>Check your email</h1><p>We sent you a link to confirm your"
	    " address. Open it within 24 hours to send your message to ");
	html_text(b, t->name);
	html_raw(b, ": until then, it reaches no one.</p><p>Nothing after a few"
	    " minutes? Look in your spam folder, or check the address and write"
	    " again.</p><p><a");
	html_attrf(b, "href", "/therapists/%lld", (long long)t->id);
	html_raw(b, ">Back to the profile</a></p>");
	return page_finish(req, res, 200, NULL);
}

/* The listed profile of the path, or -1 with a 404 (e). */
static int
listed_profile(struct http_request *req, struct therapist *t, struct err *e)
{
	long long id = path_id(req);
	sqlite3 *db = app_db(req->app);
	if (db == NULL)
		return err_set(e, 503, "unavailable", NULL, "the database is not available");
	int rc = id ? therapist_get(db, id, req->arena, t, e) : 1;
	if (rc < 0)
		return -1;
	if (rc > 0)
		return err_set(e, 404, "not_found", NULL,
		    "This therapist is not listed in the directory (any more).");
	rc = contact_reachable(db, t->id, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return err_set(e, 422, "no_contact", NULL, "This listing has no way to"
		    " receive messages yet. Try the phone number or website on the"
		    " profile, if it gives one.");
	return 0;
}

int
page_contact_message(struct http_request *req, struct http_response *res, struct err *e)
{
	struct therapist t;
	if (listed_profile(req, &t, e) != 0)
		return -1;
	if (req->method != HTTP_POST) {
		if (http_param(req, "sent") != NULL)
			return sent_page(req, res, &t);
		struct form_view v;
		fresh_view(req, &t, &v);
		return form_page(req, res, &v);
	}
	struct input in;
	struct contact_input ci;
	struct account_request r;
	if (input_read(req, &in, e) != 0)
		return -1;
	if (input_only(&in, contact_input_fields, e) != 0 ||
	    contact_from_input(&in, &ci, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    contact_send(&r, t.id, &ci, e) != 0) {
		if (e->status != 400 && e->status != 429)
			return -1;
		struct err shown = *e;
		err_clear(e);
		struct form_view v = { t.id, t.name, &in, &shown, NULL, NULL };
		return form_page(req, res, &v);
	}
	web_mail_sent(req);
	http_redirect(req, res, arena_printf(req->arena, "/therapists/%lld/message?sent=1",
	    (long long)t.id));
	return 0;
}

/* ---- GET and POST /contact/confirm --------------------------------------------- */

static int
confirm_page(struct http_request *req, struct http_response *res, const char *token,
    const struct err *error)
{
	struct buf *b = &res->body;
	begin(b, req, "Send your message", "page-manage page-contact");
	html_raw(b, "<h1>Send your message</h1>");
	if (error != NULL)
		alert(b, error);
	if (token != NULL) {
		html_raw(b, "<p>You opened the link we emailed to confirm your address."
		    " Send the message now to deliver it to the therapist.</p>");
		page_form_begin(b, req, "/contact/confirm");
		html_raw(b, "<input type=\"hidden\" name=\"token\"");
		html_attr(b, "value", token);
		html_raw(b, "><div class=\"form-actions\"><button type=\"submit\">"
		    "Send my message</button></div></form>");
	} else {
		html_raw(b, "<p><a href=\"/\">Search the directory</a></p>");
	}
	return page_finish(req, res, error != NULL ? error->status : 200, error);
}

static int
confirmed_page(struct http_request *req, struct http_response *res, bool already)
{
	struct buf *b = &res->body;
	begin(b, req, "Message sent", "page-manage page-contact");
	html_raw(b, "<h1>Message sent</h1>");
	page_notice(b, already ? "This message was already delivered: there is nothing"
	    " more to do." : "Thank you: your message is on its way to the therapist.");
	html_raw(b, "<p>They answer you by email or phone, as you asked. Their"
	    " answer comes from imago; to write back, use the form on their"
	    " profile again.</p><p><a href=\"/\">Back to the directory</a></p>");
	return page_finish(req, res, 200, NULL);
}

int
page_contact_confirm(struct http_request *req, struct http_response *res, struct err *e)
{
	if (req->method != HTTP_POST) {
		const char *done = http_param(req, "done");
		if (done != NULL && (strcmp(done, "sent") == 0 || strcmp(done, "already") == 0))
			return confirmed_page(req, res, strcmp(done, "already") == 0);
		const char *token = http_param(req, "token");
		if (token == NULL || *token == '\0' || strlen(token) > LINK_TOKEN_MAX) {
			struct err missing = ERR_INIT;
			err_set(&missing, 400, "invalid_token", "token", "this link is"
			    " incomplete: open the whole link from the email");
			return confirm_page(req, res, NULL, &missing);
		}
		return confirm_page(req, res, token, NULL);
	}
	static const char *const fields[] = { "token", NULL };
	struct input in;
	struct account_request r;
	const char *token = NULL;
	bool already;
	if (input_read(req, &in, e) != 0)
		return -1;
	if (input_only(&in, fields, e) != 0 ||
	    input_text(&in, "token", true, LINK_TOKEN_MAX, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 || contact_confirm(&r, token, &already, e) != 0) {
		if (e->status >= 500)
			return -1;
		struct err shown = *e;
		err_clear(e);
		/* Only a limit is worth another try with the same link. */
		return confirm_page(req, res, shown.status == 429 ? token : NULL, &shown);
	}
	if (!already)
		web_mail_sent(req);
	http_redirect(req, res, already ? "/contact/confirm?done=already" :
	    "/contact/confirm?done=sent");
	return 0;
}

/* ---- the inbox ------------------------------------------------------------------- */

static void
status_badge(struct buf *b, const struct contact_message *m)
{
	if (strcmp(m->status, "spam") == 0)
		html_raw(b, " <span class=\"badge badge-closed\">Spam</span>");
	else if (m->read_at == 0)
		html_raw(b, " <span class=\"badge badge-accepting\">New</span>");
	if (m->replied_at != 0)
		html_raw(b, " <span class=\"badge badge-verified\">Answered</span>");
	if (m->scam_warning)
		html_raw(b, " <span class=\"badge badge-facilitator\">Possible scam</span>");
}

static void
inbox_item(struct buf *b, const struct contact_message *m)
{
	html_raw(b, "<li class=\"message-item\"><p><a");
	html_attrf(b, "href", "/therapist/messages/%lld", (long long)m->id);
	html_raw(b, "><strong>");
	html_text(b, m->name);
	html_raw(b, "</strong></a>");
	status_badge(b, m);
	html_raw(b, " <span class=\"where\">");
	when(b, m->confirmed_at ? m->confirmed_at : m->created_at);
	html_raw(b, "</span></p><p class=\"preview\">");
	size_t n = strlen(m->body);
	if (n > PREVIEW_BYTES) {
		n = PREVIEW_BYTES;
		while (n > 0 && ((unsigned char)m->body[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; ) {
		/* Lines run together in a preview. */
		size_t k = strcspn(m->body + i, "\r\n");
		if (k > n - i)
			k = n - i;
		html_text_n(b, m->body + i, k);
		i += k;
		if (i < n) {
			html_raw(b, " ");
			i++;
		}
	}
	if (n < strlen(m->body))
		html_raw(b, "\xe2\x80\xa6");
	html_raw(b, "</p></li>");
}

static void
filter_link(struct buf *b, const char *status, const char *label, const char *current)
{
	bool on = strcmp(status, current) == 0;
	html_raw(b, "<li><a");
	html_attrf(b, "href", "/therapist/messages?status=%s", status);
	if (on)
		html_raw(b, " aria-current=\"page\"");
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</a></li>");
}

static void
pager(struct buf *b, const char *status, const struct contact_filter *f,
    const struct contact_page *p)
{
	bool newer = f->offset > 0;
	bool older = (long long)f->offset + (long long)p->n < p->total;
	if (!newer && !older)
		return;
	html_raw(b, "<nav class=\"pagination\" aria-label=\"Pages\"><ul>");
	if (newer) {
		html_raw(b, "<li><a");
		html_attrf(b, "href", "/therapist/messages?status=%s&offset=%d", status,
		    f->offset > f->limit ? f->offset - f->limit : 0);
		html_raw(b, ">Newer</a></li>");
	}
	if (older) {
		html_raw(b, "<li><a");
		html_attrf(b, "href", "/therapist/messages?status=%s&offset=%d", status,
		    f->offset + f->limit);
		html_raw(b, ">Older</a></li>");
	}
	html_raw(b, "</ul></nav>");
}

int
page_inbox(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct contact_page p;
	struct contact_filter f = { http_param(req, "status"), CONTACT_PAGE_DEFAULT, 0 };
	const char *off = http_param(req, "offset");
	long long offset = 0;
	if (off != NULL && num_parse_long(off, 0, CONTACT_OFFSET_MAX, &offset) != 0)
		return err_invalid(e, "offset", "offset is a whole number from 0 to %d",
		    CONTACT_OFFSET_MAX);
	f.offset = (int)offset;
	if (f.status != NULL && strlen(f.status) > 20)
		return err_invalid(e, "status", "status is \"delivered\", \"spam\" or \"all\"");
	if (web_account_request(req, &r, e) != 0 || contact_inbox(&r, &f, &p, e) != 0)
		return -1;
	const char *current = f.status && *f.status ? f.status : "all";

	struct buf *b = &res->body;
	begin(b, req, "Messages", "page-manage page-inbox");
	html_raw(b, "<h1>Messages</h1>");
	const char *done = http_param(req, "done");
	if (done != NULL && strcmp(done, "spam") == 0)
		page_notice(b, "Marked as spam. Later messages from the same address go to"
		    " spam without an email to you.");
	if (p.therapist_id == 0) {
		html_raw(b, "<p>You have no profile in the directory, so nobody can write"
		    " to you here yet.</p><p><a href=\"/account/profile\">Create or claim"
		    " your profile</a></p>");
		return page_finish(req, res, 200, NULL);
	}
	html_raw(b, "<p>People write to you with the form on your public page; each"
	    " message arrives once its sender has confirmed their email address."
	    " Your answers go to them by email without showing your address.</p>");
	html_raw(b, "<nav class=\"inbox-filter\" aria-label=\"Show\"><ul>");
	filter_link(b, "all", "All", current);
	filter_link(b, "delivered", "Inbox", current);
	filter_link(b, "spam", "Spam", current);
	html_raw(b, "</ul></nav><p role=\"status\">");
	html_textf(b, "%lld message%s, %lld unread.", p.total, p.total == 1 ? "" : "s",
	    p.unread);
	html_raw(b, "</p>");
	if (p.n > 0) {
		html_raw(b, "<ul class=\"messages\">");
		for (size_t i = 0; i < p.n; i++)
			inbox_item(b, &p.messages[i]);
		html_raw(b, "</ul>");
	}
	pager(b, current, &f, &p);
	return page_finish(req, res, 200, NULL);
}

/* ---- one message -------------------------------------------------------------------- */

static void
message_facts(struct buf *b, const struct contact_message *m)
{
	html_raw(b, "<dl class=\"facts\"><dt>Received</dt><dd>");
	when(b, m->confirmed_at ? m->confirmed_at : m->created_at);
	html_raw(b, "</dd><dt>Email</dt><dd>");
	html_text(b, m->email);
	html_raw(b, "</dd>");
	if (*m->phone) {
		html_raw(b, "<dt>Phone</dt><dd>");
		html_text(b, m->phone);
		html_raw(b, "</dd>");
	}
	html_raw(b, "<dt>Would like an answer</dt><dd>");
	html_raw(b, strcmp(m->preferred, "phone") == 0 ? "By phone" : "By email");
	html_raw(b, "</dd></dl>");
}

static void
reply_form(struct buf *b, struct http_request *req, const struct contact_message *m,
    const struct input *in, const struct err *e)
{
	html_raw(b, "<section class=\"card\" aria-labelledby=\"reply-h\"><h2 id=\"reply-h\">"
	    "Answer by email</h2>");
	if (e != NULL)
		alert(b, e);
	char action[64];
	snprintf(action, sizeof(action), "/therapist/messages/%lld/reply", (long long)m->id);
	page_form_begin(b, req, action);
	html_raw(b, "<div class=\"field\"><label for=\"reply-message\">Your answer</label>"
	    "<span class=\"hint\" id=\"reply-message-hint\">Sent from imago to ");
	html_text(b, m->name);
	html_raw(b, " with your name and their message quoted. Your own email address"
	    " is not shown, unless your public page shows it.</span>"
	    "<textarea id=\"reply-message\" name=\"message\" rows=\"8\" required");
	html_attrf(b, "maxlength", "%d", CONTACT_MESSAGE_MAX);
	if (e != NULL && strcmp(e->param, "message") == 0)
		html_raw(b, " aria-invalid=\"true\"");
	html_raw(b, " aria-describedby=\"reply-message-hint\">\n");
	const char *text = typed(in, "message");
	if (text != NULL)
		html_text(b, text);
	html_raw(b, "</textarea></div><div class=\"form-actions\"><button type=\"submit\">"
	    "Send answer</button></div></form></section>");
}

static void
spam_form(struct buf *b, struct http_request *req, const struct contact_message *m)
{
	bool spam = strcmp(m->status, "spam") == 0;
	char action[64];
	snprintf(action, sizeof(action), "/therapist/messages/%lld/%s", (long long)m->id,
	    spam ? "not-spam" : "spam");
	page_form_begin(b, req, action);
	html_raw(b, spam ? "<button type=\"submit\">Not spam: move to the inbox</button>" :
	    "<button type=\"submit\">Mark as spam</button>");
	html_raw(b, "</form>");
}

static int
message_page(struct http_request *req, struct http_response *res,
    const struct contact_message *m, const struct input *in, const struct err *error)
{
	struct buf *b = &res->body;
	const char *title = arena_printf(req->arena, "Message from %s", m->name);
	begin(b, req, title, "page-manage page-inbox");
	html_raw(b, "<p class=\"back\"><a href=\"/therapist/messages\">\xe2\x86\x90 All"
	    " messages</a></p><h1>");
	html_text(b, title);
	html_raw(b, "</h1>");
	const char *done = http_param(req, "done");
	if (done != NULL && strcmp(done, "replied") == 0)
		page_notice(b, "Your answer is on its way.");
	if (done != NULL && strcmp(done, "not_spam") == 0)
		page_notice(b, "Moved back to your inbox.");
	if (strcmp(m->status, "spam") == 0)
		html_raw(b, "<p class=\"notice\">This message is marked as spam.</p>");
	if (m->scam_warning)
		html_raw(b, "<p class=\"notice notice-warn\" role=\"note\">Careful: this"
		    " message mentions refunds, overpayment or payment methods that scams"
		    " aimed at therapists use. Never send money back before a payment"
		    " has fully cleared.</p>");
	message_facts(b, m);
	html_raw(b, "<section class=\"card message-body\" aria-label=\"Message\"><p>");
	text_lines(b, m->body);
	html_raw(b, "</p></section>");
	if (m->nreplies > 0) {
		html_raw(b, "<section aria-labelledby=\"replies-h\"><h2 id=\"replies-h\">"
		    "Your answers</h2><ol class=\"replies\">");
		for (size_t i = 0; i < m->nreplies; i++) {
			html_raw(b, "<li><p class=\"where\">");
			when(b, m->replies[i].created_at);
			html_raw(b, "</p><p>");
			text_lines(b, m->replies[i].body);
			html_raw(b, "</p></li>");
		}
		html_raw(b, "</ol></section>");
	}
	if (strcmp(m->status, "delivered") == 0)
		reply_form(b, req, m, in, error);
	else if (error != NULL)
		alert(b, error);
	spam_form(b, req, m);
	return page_finish(req, res, error != NULL ? error->status : 200, error);
}

int
page_inbox_message(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct contact_message m;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", NULL, "There is no message at this address.");
	if (web_account_request(req, &r, e) != 0 || contact_get(&r, id, &m, e) != 0)
		return -1;
	return message_page(req, res, &m, NULL, NULL);
}

int
page_inbox_reply(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "message", NULL };
	struct account_request r;
	struct input in;
	const char *text;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", NULL, "There is no message at this address.");
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	if (input_only(&in, fields, e) != 0 ||
	    input_text(&in, "message", true, 2 * CONTACT_MESSAGE_MAX, &text, e) != 0 ||
	    contact_reply(&r, id, text, e) != 0) {
		if (e->status != 400 && e->status != 409 && e->status != 429)
			return -1;
		struct err shown = *e;
		err_clear(e);
		struct contact_message m;
		if (contact_get(&r, id, &m, e) != 0)
			return -1;
		return message_page(req, res, &m, &in, &shown);
	}
	web_mail_sent(req);
	http_redirect(req, res, arena_printf(req->arena, "/therapist/messages/%lld?done=replied",
	    id));
	return 0;
}

static int
spam_post(struct http_request *req, struct http_response *res, struct err *e, bool spam)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", NULL, "There is no message at this address.");
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    contact_mark_spam(&r, id, spam, e) != 0)
		return -1;
	if (spam)
		http_redirect(req, res, "/therapist/messages?done=spam");
	else
		http_redirect(req, res, arena_printf(req->arena,
		    "/therapist/messages/%lld?done=not_spam", id));
	return 0;
}

int
page_inbox_spam(struct http_request *req, struct http_response *res, struct err *e)
{
	return spam_post(req, res, e, true);
}

int
page_inbox_not_spam(struct http_request *req, struct http_response *res, struct err *e)
{
	return spam_post(req, res, e, false);
}
