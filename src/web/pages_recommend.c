/*
 * Recommendations, endorsements and referrals as HTML: the section on a
 * therapist's public page (published recommendations, who endorses
 * them, and the buttons and forms for whoever may act), the form a
 * client or a guest with a booking's manage link uses to recommend, and
 * the therapist's own pages to publish or decline recommendations and
 * to refer someone to a colleague. They are the HTML twins of
 * api_reviews.c and call the same functions of src/reviews/reviews.h,
 * which decide access again.
 *
 * As on the account pages: GET shows, POST acts and answers 303 to a
 * GET page; a refusal the person can fix shows the form again with its
 * status, what was typed and the message beside the field it names. A
 * guest's page carries their manage token in a hidden field, never in
 * a link or a redirect, and is not cached.
 */
#include "pages.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../directory/therapist.h"
#include "../reviews/reviews.h"
#include "../util/html.h"
#include "../util/num.h"
#include "../util/text.h"
#include "input.h"

#define SECTION_RECOMMENDATIONS	20	/* newest shown on a profile */
#define SECTION_ENDORSERS	50
#define TOKEN_FIELD_MAX		100
/* What a form may bring back, in characters: the flows say what is too
 * long, with the real limits; these only bound what is read. */
#define TYPED_MAX		20000

/* ---- Small pieces ---- */

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ? id : 0;
}

static void
begin(struct buf *b, struct http_request *req, const char *title)
{
	struct page p = { title, NULL, "page-account", req };
	page_begin(b, req->app, &p);
}

/* Whether a refusal goes back to its form rather than the error page. */
static bool
fixable(const struct err *e)
{
	switch (e->status) {
	case 400: case 403: case 409: case 422: case 429:
		return true;
	default:
		return false;
	}
}

static void
button_form(struct buf *b, struct http_request *req, const char *action,
    const char *label)
{
	page_form_begin(b, req, action);
	html_raw(b, "<button type=\"submit\">");
	html_text(b, label);
	html_raw(b, "</button></form>");
}

/* A field of a submitted form, or NULL; text that is not UTF-8 is not
 * shown again. */
static const char *
typed(const struct input *in, const char *key)
{
	for (size_t i = 0; in != NULL && i < in->n; i++)
		if (strcmp(in->fields[i].key, key) == 0) {
			const char *v = in->fields[i].value;
			return text_utf8_valid(v, strlen(v), true) ? v : NULL;
		}
	return NULL;
}

/* "May 2026", or with the day "12 May 2026" (UTC). */
static void
date_text(struct buf *b, time_t t, bool day)
{
	struct tm tm;
	char s[40];
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), day ? "%-d %B %Y" : "%B %Y", &tm) == 0)
		return;
	html_text(b, s);
}

/* Plain text with its line breaks: a blank line starts a paragraph. */
static void
paragraphs(struct buf *b, const char *text)
{
	html_raw(b, "<p>");
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		html_text_n(b, p, n > 0 && p[n - 1] == '\r' ? n - 1 : n);
		p += n;
		if (*p != '\n')
			break;
		p++;
		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
			while (*p == '\n' || *p == '\r')
				p++;
			if (*p)
				html_raw(b, "</p><p>");
		} else if (*p) {
			html_raw(b, "<br>");
		}
	}
	html_raw(b, "</p>");
}

/* "Jane D." from "Jane Doe": what we suggest showing under a
 * recommendation (a first name and an initial), from the name a booking
 * was made under or the account's display name. */
static const char *
suggested_name(struct arena *a, const char *full)
{
	if (full == NULL || !text_utf8_valid(full, strlen(full), false))
		return "";
	while (*full == ' ')
		full++;
	size_t n = strlen(full);
	while (n > 0 && full[n - 1] == ' ')
		n--;
	size_t first = strcspn(full, " ");
	if (first > n)
		first = n;
	if (first == 0 || first > 40)
		return "";
	size_t last = n;
	while (last > 0 && full[last - 1] != ' ')
		last--;
	if (last <= first)
		return arena_strndup(a, full, first);
	/* The initial: the whole first character of the last word. */
	unsigned char c = (unsigned char)full[last];
	size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	return arena_printf(a, "%.*s %.*s.", (int)first, full, (int)len, full + last);
}

/* ---- Form fields ---- */

struct form_view {
	const char		*form;	/* prefix of element ids */
	const struct input	*in;	/* what came back, or NULL */
	const struct err	*e;	/* why it was refused, or NULL */
};

static bool
error_on(const struct form_view *v, const char *name)
{
	return v->e != NULL && strcmp(v->e->param, name) == 0;
}

/* Opens a form; an error naming none of its fields shows at the top. */
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

struct field {
	const char	*name;
	const char	*label;
	const char	*type;		/* "text", "email" or "textarea" */
	const char	*hint;		/* or NULL */
	const char	*value;		/* on a fresh form */
	int		 minlength, maxlength;
	bool		 required;
	const char	*autocomplete;	/* or NULL */
};

static void
field(struct buf *b, const struct form_view *v, const struct field *f)
{
	char id[96];
	snprintf(id, sizeof(id), "%s-%s", v->form, f->name);
	bool invalid = error_on(v, f->name);
	html_raw(b, "<div class=\"field\"><label");
	html_attr(b, "for", id);
	html_raw(b, ">");
	html_text(b, f->label);
	if (!f->required)
		html_raw(b, " <span class=\"optional\">(optional)</span>");
	html_raw(b, "</label>");
	if (f->hint != NULL) {
		html_raw(b, "<p class=\"hint\"");
		html_attrf(b, "id", "%s-hint", id);
		html_raw(b, ">");
		html_text(b, f->hint);
		html_raw(b, "</p>");
	}
	if (invalid) {
		html_raw(b, "<p class=\"field-error\"");
		html_attrf(b, "id", "%s-error", id);
		html_raw(b, "><span class=\"visually-hidden\">Error: </span>");
		page_sentence(b, v->e->message);
		html_raw(b, "</p>");
	}
	bool area = strcmp(f->type, "textarea") == 0;
	html_raw(b, area ? "<textarea rows=\"6\"" : "<input");
	html_attr(b, "id", id);
	html_attr(b, "name", f->name);
	if (!area)
		html_attr(b, "type", f->type);
	if (f->autocomplete != NULL)
		html_attr(b, "autocomplete", f->autocomplete);
	if (f->minlength > 0)
		html_attrf(b, "minlength", "%d", f->minlength);
	if (f->maxlength > 0)
		html_attrf(b, "maxlength", "%d", f->maxlength);
	if (f->required)
		html_raw(b, " required");
	if (invalid)
		html_raw(b, " aria-invalid=\"true\" autofocus");
	if (f->hint != NULL && invalid)
		html_attrf(b, "aria-describedby", "%s-hint %s-error", id, id);
	else if (f->hint != NULL)
		html_attrf(b, "aria-describedby", "%s-hint", id);
	else if (invalid)
		html_attrf(b, "aria-describedby", "%s-error", id);
	const char *value = v->in != NULL ? typed(v->in, f->name) : f->value;
	if (area) {
		/* A newline right after <textarea> is dropped by parsers. */
		html_raw(b, ">\n");
		if (value != NULL)
			html_text(b, value);
		html_raw(b, "</textarea></div>");
		return;
	}
	if (value != NULL && *value != '\0')
		html_attr(b, "value", value);
	html_raw(b, "></div>");
}

static void
submit(struct buf *b, const char *label)
{
	html_raw(b, "<div class=\"form-actions\"><button type=\"submit\">");
	html_text(b, label);
	html_raw(b, "</button></div>");
}

/* ---- Recommending ---- */

static const char *const recommend_fields[] = { "author_name", "body", NULL };

/* The form, for a signed-in client (action /therapists/{id}/recommend)
 * or a guest (action /recommend, with the token). */
static void
recommend_form(struct buf *b, struct http_request *req, const struct form_view *v,
    const char *action, const char *token, const char *therapist_name,
    const char *name_value)
{
	form_open(b, req, v, action, recommend_fields);
	if (token != NULL)
		page_hidden(b, "token", token);
	field(b, v, &(struct field){ .name = "author_name", .label = "Your name as shown",
	    .type = "text", .value = name_value, .maxlength = RECOMMENDATION_NAME_MAX,
	    .required = true, .hint = "Shown with your recommendation. We suggest your"
	    " first name and the initial of your last name." });
	const char *hint = arena_printf(req->arena, "What was it like to work with %s?"
	    " Between %d and %d,%03d characters. It is public once %s publishes it, so"
	    " leave out anything about your health or your relationship you would not"
	    " want everyone to read.", therapist_name, RECOMMENDATION_BODY_MIN,
	    RECOMMENDATION_BODY_MAX / 1000, RECOMMENDATION_BODY_MAX % 1000, therapist_name);
	field(b, v, &(struct field){ .name = "body", .label = "Your recommendation",
	    .type = "textarea", .hint = hint, .minlength = RECOMMENDATION_BODY_MIN,
	    .maxlength = RECOMMENDATION_BODY_MAX, .required = true });
	submit(b, "Send my recommendation");
	html_raw(b, "</form>");
}

/* The recommendation form on a page of its own: a guest's, or a
 * signed-in client's sent back with what was wrong. */
static int
recommend_page(struct http_request *req, struct http_response *res,
    const struct form_view *v, int64_t therapist_id, const char *therapist_name,
    const char *action, const char *token, const char *name_value)
{
	struct buf *b = &res->body;
	const char *title = arena_printf(req->arena, "Recommend %s", therapist_name);
	begin(b, req, title);
	html_raw(b, "<div class=\"auth-card\"><h1>");
	html_text(b, title);
	html_raw(b, "</h1><p>Your recommendation goes to ");
	html_text(b, therapist_name);
	html_raw(b, " first, who decides whether it shows on their <a");
	html_attrf(b, "href", "/therapists/%lld", (long long)therapist_id);
	html_raw(b, ">public profile</a>.</p>");
	recommend_form(b, req, v, action, token, therapist_name, name_value);
	html_raw(b, "</div>");
	/* A guest's form holds their token: keep it out of every cache. The
	 * guard already said so for a GET with ?token= and for anyone signed in. */
	if (token != NULL && http_param(req, "token") == NULL &&
	    web_session(req)->auth.kind == AUTH_NONE)
		http_add_header(res, "Cache-Control", "no-store");
	page_finish(req, res, v->e != NULL ? v->e->status : 200, v->e);
	return 0;
}

/* A page with one message, for a link that cannot be used now. */
static int
message_page(struct http_request *req, struct http_response *res, int status,
    const char *title, const char *text, int64_t therapist_id)
{
	struct buf *b = &res->body;
	begin(b, req, title);
	html_raw(b, "<div class=\"auth-card\"><h1>");
	html_text(b, title);
	html_raw(b, "</h1><p");
	if (status >= 400)
		html_raw(b, " class=\"form-error\" role=\"alert\"");
	html_raw(b, ">");
	page_sentence(b, text);
	html_raw(b, "</p>");
	if (therapist_id != 0) {
		html_raw(b, "<p><a class=\"button-link\"");
		html_attrf(b, "href", "/therapists/%lld", (long long)therapist_id);
		html_raw(b, ">Back to the profile</a></p>");
	}
	html_raw(b, "</div>");
	page_finish(req, res, status, NULL);
	return 0;
}

static void
redirect_to_profile(struct http_request *req, struct http_response *res, int64_t id,
    const char *done)
{
	http_redirect(req, res, arena_printf(req->arena, "/therapists/%lld?done=%s#recommendations",
	    (long long)id, done));
}

/* What a guest's link leads to when no form can be shown. */
static int
link_refused(struct http_request *req, struct http_response *res, struct err *e,
    int64_t therapist_id)
{
	if (strcmp(e->code, "invalid_token") == 0) {
		err_clear(e);
		return message_page(req, res, 400, "This link cannot be used",
		    "This link is invalid, or its booking no longer exists. Use the"
		    " link in the latest email about your booking.", 0);
	}
	if (strcmp(e->code, "not_eligible") == 0 || strcmp(e->code, "already_recommended") == 0) {
		int status = e->status;
		char message[sizeof(e->message)];
		snprintf(message, sizeof(message), "%s", e->message);
		err_clear(e);
		return message_page(req, res, status, status == 409 ?
		    "Already recommended" : "Not yet", message, therapist_id);
	}
	return -1;
}

/* The state of a check as the error recommendation_create would give. */
static int
state_error(const struct recommend_target *t, struct err *e)
{
	if (t->state == RECOMMEND_ALREADY)
		return err_set(e, 409, "already_recommended", "",
		    "You have already recommended %s for this appointment. Thank you!",
		    t->therapist_name);
	return err_set(e, 403, "not_eligible", "",
	    "You can recommend a therapist after a consultation or session with them"
	    " has taken place.");
}

int
page_recommend(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "author_name", "body", NULL };
	struct account_request r;
	struct input in;
	const char *author, *body;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", NULL, "There is no therapist profile at this address.");
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_text(&in, "author_name", false, TYPED_MAX, &author, e) != 0 ||
	    input_text(&in, "body", false, TYPED_MAX, &body, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    recommendation_create(&r, id, author, body, NULL, NULL, e) != 0)
		goto refused;
	web_mail_sent(req);
	redirect_to_profile(req, res, id, "recommended");
	return 0;
refused:
	if (strcmp(e->code, "not_eligible") == 0 || strcmp(e->code, "already_recommended") == 0)
		return link_refused(req, res, e, id);
	if (!fixable(e))
		return -1;
	struct therapist t;
	struct err ignored = ERR_INIT;
	sqlite3 *db = app_db(req->app);
	if (db == NULL || therapist_get(db, id, req->arena, &t, &ignored) != 0)
		return -1;
	struct err kept = *e;
	err_clear(e);
	struct form_view v = { "recommend", &in, &kept };
	return recommend_page(req, res, &v, id, t.name,
	    arena_printf(req->arena, "/therapists/%lld/recommend", id), NULL, NULL);
}

int
page_recommend_link(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "token", "author_name", "body", NULL };
	struct account_request r;
	struct recommend_target t;
	struct input in;
	const char *token = NULL, *author, *body;
	bool post = req->method == HTTP_POST;

	if (!post) {
		token = http_param(req, "token");
		if (token == NULL || *token == '\0' || strlen(token) > TOKEN_FIELD_MAX)
			token = "-";	/* refused below as invalid */
	} else if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_text(&in, "token", false, TOKEN_FIELD_MAX, &token, e) != 0) {
		return -1;
	}
	if (token == NULL)
		token = "-";
	if (web_account_request(req, &r, e) != 0)
		return -1;
	if (recommendation_check(&r, 0, token, &t, e) != 0)
		return link_refused(req, res, e, 0);
	if (t.state != RECOMMEND_ELIGIBLE) {
		state_error(&t, e);
		return link_refused(req, res, e, t.therapist_id);
	}
	struct form_view v = { "recommend", NULL, NULL };
	if (!post)
		return recommend_page(req, res, &v, t.therapist_id, t.therapist_name,
		    "/recommend", token, suggested_name(req->arena, t.booker_name));
	if (input_text(&in, "author_name", false, TYPED_MAX, &author, e) != 0 ||
	    input_text(&in, "body", false, TYPED_MAX, &body, e) != 0 ||
	    recommendation_create(&r, t.therapist_id, author, body, token, NULL, e) != 0) {
		if (strcmp(e->code, "invalid_token") == 0 ||
		    strcmp(e->code, "not_eligible") == 0 ||
		    strcmp(e->code, "already_recommended") == 0)
			return link_refused(req, res, e, t.therapist_id);
		if (!fixable(e))
			return -1;
		struct err kept = *e;
		err_clear(e);
		v.in = &in;
		v.e = &kept;
		return recommend_page(req, res, &v, t.therapist_id, t.therapist_name,
		    "/recommend", token, NULL);
	}
	web_mail_sent(req);
	redirect_to_profile(req, res, t.therapist_id, "recommended");
	return 0;
}

/* ---- The section on a public profile ---- */

static void
log_failure(const struct err *e)
{
	if (e->status >= 500)
		fprintf(stderr, "imago: recommendations section: %s\n", e->message);
}

static void
section_notice(struct buf *b, struct http_request *req, const struct therapist *t)
{
	const char *done = http_param(req, "done");
	if (done == NULL)
		return;
	struct buf text = BUF_INIT;
	if (strcmp(done, "recommended") == 0)
		buf_printf(&text, "Thank you. Your recommendation shows here once %s"
		    " publishes it.", t->name);
	else if (strcmp(done, "endorsed") == 0)
		buf_printf(&text, "You endorse %s.", t->name);
	else if (strcmp(done, "unendorsed") == 0)
		buf_printf(&text, "You no longer endorse %s.", t->name);
	if (text.len > 0)
		page_notice(b, buf_cstr(&text));
	buf_free(&text);
}

static void
recommendation_items(struct buf *b, const struct recommendation_list *list)
{
	if (list->n == 0)
		return;
	html_raw(b, "<ul class=\"item-list recommendations\">");
	for (size_t i = 0; i < list->n; i++) {
		const struct recommendation *rec = &list->items[i];
		html_raw(b, "<li class=\"item\"><figure><blockquote>");
		paragraphs(b, rec->body);
		html_raw(b, "</blockquote><figcaption class=\"item-meta\">\xe2\x80\x94 ");
		html_text(b, rec->author_name);
		html_raw(b, ", ");
		date_text(b, rec->created_at, false);
		html_raw(b, "</figcaption></figure></li>");
	}
	html_raw(b, "</ul>");
}

static void
endorser_items(struct buf *b, const struct endorser *list, size_t n, long long count)
{
	if (n == 0)
		return;
	html_raw(b, "<h3>Endorsed by</h3><ul class=\"tags endorsers\">");
	for (size_t i = 0; i < n; i++) {
		html_raw(b, "<li><a");
		html_attrf(b, "href", "/therapists/%lld", (long long)list[i].id);
		html_raw(b, ">");
		html_text(b, list[i].name);
		html_raw(b, "</a></li>");
	}
	if (count > (long long)n) {
		html_raw(b, "<li>");
		html_textf(b, "and %lld more", count - (long long)n);
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul>");
}

static void
counts_line(struct buf *b, long long recs, long long endorsements)
{
	html_raw(b, "<p class=\"summary\">");
	if (recs == 0 && endorsements == 0) {
		html_raw(b, "No recommendations or endorsements yet.</p>");
		return;
	}
	if (recs > 0)
		html_textf(b, "%lld %s from clients", recs,
		    recs == 1 ? "recommendation" : "recommendations");
	if (recs > 0 && endorsements > 0)
		html_raw(b, " \xc2\xb7 ");
	if (endorsements > 0)
		html_textf(b, "Endorsed by %lld %s", endorsements,
		    endorsements == 1 ? "therapist" : "therapists");
	html_raw(b, "</p>");
}

/* The buttons and forms of whoever is looking, each only where it would
 * be accepted. */
static void
section_actions(struct buf *b, struct http_request *req, const struct therapist *t,
    const struct endorse_state *es, const struct recommend_target *rt)
{
	const struct auth *a = &web_session(req)->auth;
	char action[80];
	if (es->own_id == t->id) {
		html_raw(b, "<p><a href=\"/therapist/recommendations\">Publish or decline"
		    " recommendations of you</a></p>");
	} else if (es->own_id != 0) {
		if (es->endorsed) {
			snprintf(action, sizeof(action), "/therapists/%lld/unendorse", (long long)t->id);
			button_form(b, req, action, "Remove endorsement");
		} else if (es->may_endorse) {
			snprintf(action, sizeof(action), "/therapists/%lld/endorse", (long long)t->id);
			button_form(b, req, action, "Endorse");
		}
		html_raw(b, "<p><a");
		html_attrf(b, "href", "/therapist/referrals?to=%lld", (long long)t->id);
		html_raw(b, ">Refer someone to ");
		html_text(b, t->name);
		html_raw(b, "</a></p>");
	}
	if (rt->state == RECOMMEND_ALREADY) {
		html_raw(b, "<p class=\"hint\">You have recommended ");
		html_text(b, t->name);
		html_raw(b, ". Thank you.</p>");
	} else if (rt->state == RECOMMEND_ELIGIBLE) {
		struct form_view v = { "recommend", NULL, NULL };
		const char *name = suggested_name(req->arena, rt->booker_name);
		if (*name == '\0')
			name = suggested_name(req->arena, a->user.display_name);
		snprintf(action, sizeof(action), "/therapists/%lld/recommend", (long long)t->id);
		html_raw(b, "<h3>Recommend ");
		html_text(b, t->name);
		html_raw(b, "</h3>");
		recommend_form(b, req, &v, action, NULL, t->name, name);
	}
}

void
profile_recommendations_section(struct buf *b, struct http_request *req,
    sqlite3 *db, const struct therapist *t)
{
	struct account_request r;
	struct err e = ERR_INIT;
	struct recommendation_list list;
	struct endorser *endorsers;
	size_t nendorsers;
	long long endorsements;
	struct endorse_state es = { 0 };
	struct recommend_target rt = { .state = RECOMMEND_NOT_ELIGIBLE };
	if (web_account_request(req, &r, &e) != 0 ||
	    recommendation_list_public(&r, t->id, SECTION_RECOMMENDATIONS, 0, &list, &e) != 0 ||
	    endorsement_list(&r, t->id, SECTION_ENDORSERS, 0, &endorsers, &nendorsers,
	    &endorsements, &e) != 0) {
		log_failure(&e);
		return;
	}
	/* Forms only for a person at a browser (a session, not a token). */
	if (r.auth->kind == AUTH_SESSION && r.auth->stage == SESSION_SIGNED_IN &&
	    !r.auth->needs_two_step) {
		if (endorsement_state(&r, t->id, &es, &e) != 0 ||
		    recommendation_check(&r, t->id, NULL, &rt, &e) != 0) {
			log_failure(&e);
			memset(&es, 0, sizeof(es));
			rt.state = RECOMMEND_NOT_ELIGIBLE;
		}
	}
	bool acts = es.own_id != 0 || rt.state != RECOMMEND_NOT_ELIGIBLE;
	if (list.published == 0 && endorsements == 0 && !acts && http_param(req, "done") == NULL)
		return;
	html_raw(b, "<section id=\"recommendations\" class=\"recommendations\">"
	    "<h2>Recommendations</h2>");
	section_notice(b, req, t);
	counts_line(b, list.published, endorsements);
	recommendation_items(b, &list);
	if (list.published > (long long)list.n) {
		html_raw(b, "<p class=\"hint\">");
		html_textf(b, "The %zu most recent of %lld are shown.", list.n, list.published);
		html_raw(b, "</p>");
	}
	endorser_items(b, endorsers, nendorsers, endorsements);
	section_actions(b, req, t, &es, &rt);
	html_raw(b, "</section>\n");
}

/* ---- Endorsing from a profile ---- */

static int
endorse(struct http_request *req, struct http_response *res, struct err *e, bool add)
{
	struct account_request r;
	bool changed;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", NULL, "There is no therapist profile at this address.");
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0)
		return -1;
	if ((add ? endorsement_add(&r, id, &changed, e) :
	    endorsement_remove(&r, id, &changed, e)) != 0)
		return -1;
	redirect_to_profile(req, res, id, add ? "endorsed" : "unendorsed");
	return 0;
}

int
page_endorse(struct http_request *req, struct http_response *res, struct err *e)
{
	return endorse(req, res, e, true);
}

int
page_unendorse(struct http_request *req, struct http_response *res, struct err *e)
{
	return endorse(req, res, e, false);
}

/* ---- The therapist's recommendations ---- */

static void
no_profile(struct buf *b)
{
	html_raw(b, "<p>You have no directory profile yet. Recommendations and referrals"
	    " belong to a profile: <a href=\"/account/profile\">create yours or claim your"
	    " listing</a> first.</p>");
}

static void
decision_buttons(struct buf *b, struct http_request *req, const struct recommendation *rec)
{
	char action[80];
	html_raw(b, "<div class=\"form-actions\">");
	if (strcmp(rec->status, "published") != 0) {
		snprintf(action, sizeof(action), "/therapist/recommendations/%lld/publish",
		    (long long)rec->id);
		button_form(b, req, action, "Publish");
	}
	if (strcmp(rec->status, "declined") != 0) {
		snprintf(action, sizeof(action), "/therapist/recommendations/%lld/decline",
		    (long long)rec->id);
		button_form(b, req, action, strcmp(rec->status, "published") == 0 ?
		    "Take down" : "Decline");
	}
	html_raw(b, "</div>");
}

/* The recommendations of one status, under a heading. */
static void
decision_group(struct buf *b, struct http_request *req, const struct recommendation_list *list,
    const char *status, const char *heading, long long count)
{
	html_raw(b, "<section class=\"account-section\"><h2>");
	html_text(b, heading);
	html_textf(b, " (%lld)", count);
	html_raw(b, "</h2>");
	bool any = false;
	for (size_t i = 0; i < list->n; i++) {
		const struct recommendation *rec = &list->items[i];
		if (strcmp(rec->status, status) != 0)
			continue;
		if (!any)
			html_raw(b, "<ul class=\"item-list\">");
		any = true;
		html_raw(b, "<li class=\"item\"><div class=\"item-main\"><strong>");
		html_text(b, rec->author_name);
		html_raw(b, "</strong><span class=\"item-meta\">Written ");
		date_text(b, rec->created_at, true);
		html_raw(b, "</span><blockquote>");
		paragraphs(b, rec->body);
		html_raw(b, "</blockquote></div>");
		decision_buttons(b, req, rec);
		html_raw(b, "</li>");
	}
	if (any)
		html_raw(b, "</ul>");
	else
		html_raw(b, "<p class=\"muted\">None.</p>");
	html_raw(b, "</section>");
}

int
page_my_recommendations(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct recommendation_list list;
	long long before = 0;
	const char *bs = http_param(req, "before");
	if (bs != NULL && num_parse_long(bs, 1, 9007199254740991LL, &before) != 0)
		before = 0;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	int rc = recommendation_list_own(&r, NULL, REVIEWS_LIST_MAX, before, &list, e);
	if (rc != 0 && e->status != 404)
		return -1;
	struct buf *b = &res->body;
	begin(b, req, "Recommendations");
	html_raw(b, "<h1>Recommendations</h1>");
	if (rc != 0) {
		err_clear(e);
		no_profile(b);
		page_finish(req, res, 200, NULL);
		return 0;
	}
	const char *done = http_param(req, "done");
	if (done != NULL && strcmp(done, "published") == 0)
		page_notice(b, "Published: it shows on your public profile.");
	else if (done != NULL && strcmp(done, "declined") == 0)
		page_notice(b, "Declined: it does not show on your public profile.");
	html_raw(b, "<p>Clients whose consultation or session with you has taken place"
	    " can recommend you. A recommendation shows on your public profile only once"
	    " you publish it; you can decline it, or take a published one down, at any"
	    " time. imago never asks your clients for recommendations on your behalf.</p>");
	decision_group(b, req, &list, "pending", "Waiting for you", list.pending);
	decision_group(b, req, &list, "published", "Published", list.published);
	decision_group(b, req, &list, "declined", "Declined", list.declined);
	if (list.next_before != 0) {
		html_raw(b, "<p><a");
		html_attrf(b, "href", "/therapist/recommendations?before=%lld",
		    (long long)list.next_before);
		html_raw(b, ">Older recommendations</a></p>");
	}
	page_finish(req, res, 200, NULL);
	return 0;
}

static int
decide(struct http_request *req, struct http_response *res, struct err *e, bool publish)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", NULL, "There is no such recommendation.");
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    recommendation_decide(&r, id, publish, NULL, e) != 0)
		return -1;
	http_redirect(req, res, publish ? "/therapist/recommendations?done=published" :
	    "/therapist/recommendations?done=declined");
	return 0;
}

int
page_recommendation_publish(struct http_request *req, struct http_response *res,
    struct err *e)
{
	return decide(req, res, e, true);
}

int
page_recommendation_decline(struct http_request *req, struct http_response *res,
    struct err *e)
{
	return decide(req, res, e, false);
}

/* ---- Referrals ---- */

static const char *const referral_fields[] = { "email", "therapist", "note", NULL };

static void
referral_form(struct buf *b, struct http_request *req, const struct form_view *v)
{
	const char *to = http_param(req, "to");
	int64_t to_id;
	if (to != NULL && reviews_parse_profile_ref(to, &to_id) != 0)
		to = NULL;
	html_raw(b, "<section class=\"account-section\"><h2>Refer someone</h2>"
	    "<p>The person gets an email from imago with a link to your colleague's"
	    " profile and your note. No account is made for them.</p>");
	form_open(b, req, v, "/therapist/referrals", referral_fields);
	field(b, v, &(struct field){ .name = "email", .label = "Their email address",
	    .type = "email", .maxlength = ACCOUNT_EMAIL_MAX, .required = true,
	    .autocomplete = "off" });
	field(b, v, &(struct field){ .name = "therapist", .label = "Your colleague's profile",
	    .type = "text", .value = to, .maxlength = 500, .required = true,
	    .hint = "The address of their page in the directory, or its number:"
	    " https://\xe2\x80\xa6/therapists/42 or 42." });
	field(b, v, &(struct field){ .name = "note", .label = "A note", .type = "textarea",
	    .maxlength = REFERRAL_NOTE_MAX, .hint = "Up to 1,000 characters. It is sent"
	    " by ordinary email: leave out health details." });
	submit(b, "Send the referral");
	html_raw(b, "</form></section>");
}

static void
referral_items(struct buf *b, const struct referral *list, size_t n)
{
	html_raw(b, "<section class=\"account-section\"><h2>Your referrals</h2>");
	if (n == 0) {
		html_raw(b, "<p class=\"muted\">None yet.</p></section>");
		return;
	}
	html_raw(b, "<ul class=\"item-list\">");
	for (size_t i = 0; i < n; i++) {
		html_raw(b, "<li class=\"item\"><div class=\"item-main\"><strong>");
		html_text(b, list[i].email);
		html_raw(b, "</strong> to <a");
		html_attrf(b, "href", "/therapists/%lld", (long long)list[i].to_therapist_id);
		html_raw(b, ">");
		html_text(b, list[i].to_name);
		html_raw(b, "</a><span class=\"item-meta\">");
		date_text(b, list[i].created_at, true);
		html_raw(b, "</span>");
		if (*list[i].note) {
			html_raw(b, "<blockquote>");
			paragraphs(b, list[i].note);
			html_raw(b, "</blockquote>");
		}
		html_raw(b, "</div></li>");
	}
	html_raw(b, "</ul></section>");
}

static int
referrals_page(struct http_request *req, struct http_response *res,
    const struct form_view *v, struct err *e)
{
	struct account_request r;
	struct referral *list;
	size_t n;
	int64_t next;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	int rc = referral_list_own(&r, REVIEWS_LIST_MAX, 0, &list, &n, &next, e);
	if (rc != 0 && e->status != 404)
		return -1;
	struct buf *b = &res->body;
	begin(b, req, "Referrals");
	html_raw(b, "<h1>Referrals</h1>");
	if (rc != 0) {
		err_clear(e);
		if (v->e != NULL) {
			html_raw(b, "<div class=\"form-error\" role=\"alert\"><p>");
			page_sentence(b, v->e->message);
			html_raw(b, "</p></div>");
		}
		no_profile(b);
		page_finish(req, res, v->e != NULL ? v->e->status : 200, v->e);
		return 0;
	}
	const char *done = http_param(req, "done");
	if (v->e == NULL && done != NULL && strcmp(done, "sent") == 0)
		page_notice(b, "The referral was sent.");
	referral_form(b, req, v);
	referral_items(b, list, n);
	page_finish(req, res, v->e != NULL ? v->e->status : 200, v->e);
	return 0;
}

int
page_my_referrals(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct input in;
	const char *email, *therapist, *note;
	int64_t to = 0;
	if (req->method != HTTP_POST) {
		struct form_view fresh = { "referral", NULL, NULL };
		return referrals_page(req, res, &fresh, e);
	}
	if (input_read(req, &in, e) != 0 || input_only(&in, referral_fields, e) != 0 ||
	    input_text(&in, "email", false, 1000, &email, e) != 0 ||
	    input_text(&in, "therapist", false, 2000, &therapist, e) != 0 ||
	    input_text(&in, "note", false, TYPED_MAX, &note, e) != 0)
		goto refused;
	if (therapist == NULL || *therapist == '\0') {
		err_invalid(e, "therapist", "enter your colleague's profile address or number");
		goto refused;
	}
	if (reviews_parse_profile_ref(therapist, &to) != 0) {
		err_invalid(e, "therapist", "enter the address of your colleague's page,"
		    " like https://\xe2\x80\xa6/therapists/42, or just its number");
		goto refused;
	}
	if (web_account_request(req, &r, e) != 0 ||
	    referral_create(&r, to, email, note, NULL, e) != 0)
		goto refused;
	web_mail_sent(req);
	http_redirect(req, res, "/therapist/referrals?done=sent");
	return 0;
refused:
	if (!fixable(e))
		return -1;
	struct err kept = *e;
	err_clear(e);
	/* The flow names the API's field; the form calls it "therapist". */
	if (strcmp(kept.param, "to_therapist_id") == 0)
		snprintf(kept.param, sizeof(kept.param), "therapist");
	struct form_view v = { "referral", &in, &kept };
	return referrals_page(req, res, &v, e);
}
