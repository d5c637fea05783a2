/*
 * A therapist's own directory profile, as HTML pages: the edit form (or,
 * for an account without a profile, "create" and "claim my existing
 * listing"), and the confirmation of an emailed claim link. These are
 * the HTML twins of the handlers in api_profiles.c and call the same
 * flows (src/directory/profile.h), which decide access again.
 *
 * Forms work without JavaScript: every POST answers a 303 to a GET page
 * on success, and on a mistake the same form again with the status of
 * the error, the message above it and beside the field it names, and
 * everything as it was typed (rendered from the submitted fields, not
 * from what could be parsed of them). The claim link's GET only shows a
 * button: mail scanners fetch links, and a GET must not use the token.
 */
#include "pages.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../directory/profile.h"
#include "../directory/search.h"
#include "../directory/therapist.h"
#include "../util/html.h"
#include "input.h"

/* Matches of a claim search shown at most (before unclaimable ones are
 * left out). */
#define CLAIM_RESULTS	20

/* ---- The profile form ---- */

enum field_kind { FIELD_TEXT, FIELD_EMAIL, FIELD_URL, FIELD_TEL, FIELD_NUMBER,
	FIELD_TEXTAREA };
/* Where a text field's value lives in struct therapist. */
enum field_store { STORE_STRING, STORE_INT, STORE_LIST };

struct form_field {
	const char	*key;		/* the form and JSON name */
	const char	*label;
	enum field_kind	 kind;
	enum field_store store;
	size_t		 offset;	/* in struct therapist */
	int		 max;		/* characters, or the largest number */
	const char	*autocomplete;	/* or NULL */
	const char	*hint;		/* or NULL */
};

#define STR(k)	STORE_STRING, offsetof(struct therapist, k)
#define INT(k)	STORE_INT, offsetof(struct therapist, k)
#define LIST(k)	STORE_LIST, offsetof(struct therapist, k)

static const struct form_field about_fields[] = {
	{ "name", "Name", FIELD_TEXT, STR(name), THERAPIST_NAME_MAX, "name",
	    "As clients should see it." },
	{ "credentials", "Credentials", FIELD_TEXT, STR(credentials),
	    THERAPIST_SHORT_MAX, NULL, "For example PhD, LMFT." },
	{ "years_experience", "Years of experience", FIELD_NUMBER,
	    INT(years_experience), 80, NULL, NULL },
	{ "languages", "Languages", FIELD_TEXT, LIST(languages), 200, NULL,
	    "Two-letter codes separated by commas, for example en, es." },
};

static const struct form_field license_fields[] = {
	{ "license_number", "Licence number", FIELD_TEXT, STR(license_number),
	    THERAPIST_SHORT_MAX, NULL, NULL },
	{ "license_regions", "Licensed in", FIELD_TEXT, LIST(license_regions), 400,
	    NULL, "Country codes such as CH, or state and province codes such as"
	    " US-NY, separated by commas." },
};

static const struct form_field fee_fields[] = {
	{ "fee_min", "Lowest fee per session", FIELD_NUMBER, INT(fee_min), 100000,
	    NULL, "Whole amounts in your local currency; leave empty if you"
	    " prefer not to say." },
	{ "fee_max", "Highest fee per session", FIELD_NUMBER, INT(fee_max), 100000,
	    NULL, NULL },
};

static const struct form_field office_fields[] = {
	{ "address", "Street address", FIELD_TEXT, STR(address),
	    THERAPIST_SHORT_MAX, "street-address", NULL },
	{ "city", "City", FIELD_TEXT, STR(city), THERAPIST_SHORT_MAX,
	    "address-level2", NULL },
	{ "region", "State, province or region", FIELD_TEXT, STR(region),
	    THERAPIST_SHORT_MAX, "address-level1", NULL },
	{ "postal_code", "ZIP or postal code", FIELD_TEXT, STR(postal_code),
	    THERAPIST_SHORT_MAX, "postal-code", NULL },
	{ "country", "Country", FIELD_TEXT, STR(country), 2, "country",
	    "Two-letter code, for example US, CA or CH." },
};

static const struct form_field contact_fields[] = {
	{ "phone", "Phone", FIELD_TEL, STR(phone), THERAPIST_SHORT_MAX, "tel", NULL },
	{ "email", "Email for clients", FIELD_EMAIL, STR(email), THERAPIST_SHORT_MAX,
	    "email", "Shown on your public page only if you tick the box below."
	    " Either way, people can write to you with the message form on your"
	    " page: messages come to your inbox here and to your account's email"
	    " address, which nobody sees." },
	{ "website", "Website", FIELD_URL, STR(website), THERAPIST_URL_MAX, "url",
	    "Starting with https:// or http://." },
};

static const char markdown_hint[] = "Plain text, or Markdown: **bold**,"
    " *italic*, [a link](https://example.org), a blank line between"
    " paragraphs.";

static const struct form_field words_fields[] = {
	{ "bio", "About you", FIELD_TEXTAREA, STR(bio), THERAPIST_LONG_MAX, NULL,
	    markdown_hint },
	{ "approach", "Your approach", FIELD_TEXTAREA, STR(approach),
	    THERAPIST_LONG_MAX, NULL, markdown_hint },
};

#define NFIELDS(a)	(sizeof(a) / sizeof((a)[0]))

/* What the form shows: a stored profile, or what was just submitted. */
struct form_values {
	const struct therapist	*t;	/* NULL: use in */
	const struct input	*in;
	struct arena		*arena;
};

/* The last value a form sent for key, as typed, or NULL. */
static const char *
input_raw(const struct input *in, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; i < in->n; i++)
		if (strcmp(in->fields[i].key, key) == 0)
			v = in->fields[i].value;
	return v;
}

static const char *
field_value(const struct form_values *fv, const struct form_field *f)
{
	if (fv->t == NULL) {
		const char *v = input_raw(fv->in, f->key);
		return v ? v : "";
	}
	const char *base = (const char *)fv->t + f->offset;
	switch (f->store) {
	case STORE_INT: {
		int n = *(const int *)(const void *)base;
		return n < 0 ? "" : arena_printf(fv->arena, "%d", n);
	}
	case STORE_LIST: {
		/* Stored ';'-separated; people type and read commas. */
		const char *s = *(const char *const *)(const void *)base;
		struct buf b = BUF_INIT;
		for (const char *p = s ? s : ""; *p; p++) {
			if (*p == ';')
				buf_puts(&b, ", ");
			else
				buf_putc(&b, *p);
		}
		char *out = arena_strdup(fv->arena, buf_cstr(&b));
		buf_free(&b);
		return out;
	}
	case STORE_STRING:
	default: {
		const char *s = *(const char *const *)(const void *)base;
		return s ? s : "";
	}
	}
}

static uint32_t
slug_bits(const struct form_values *fv, const char *key, const struct slug_set *set,
    uint32_t stored)
{
	if (fv->t != NULL)
		return stored;
	uint32_t bits = 0;
	for (size_t i = 0; i < fv->in->n; i++) {
		if (strcmp(fv->in->fields[i].key, key) != 0)
			continue;
		int k = slug_index(set, fv->in->fields[i].value);
		if (k >= 0)
			bits |= 1u << k;
	}
	return bits;
}

static bool
flag_value(const struct form_values *fv, const char *key, bool stored)
{
	if (fv->t != NULL)
		return stored;
	bool v = false;
	struct err ignored = ERR_INIT;
	if (input_bool(fv->in, key, false, &v, &ignored) != 0)
		return false;
	return v;
}

static bool
names_field(const struct err *e, const char *key)
{
	return e != NULL && e->status != 0 && strcmp(e->param, key) == 0;
}

/* The message beside a field the error names. */
static void
field_error(struct buf *b, const char *key, const struct err *e)
{
	if (!names_field(e, key))
		return;
	html_raw(b, "<p class=\"field-error\"");
	html_attrf(b, "id", "f-%s-error", key);
	html_raw(b, ">");
	html_text(b, e->message);
	html_raw(b, "</p>");
}

static void
form_field(struct buf *b, const struct form_field *f, const struct form_values *fv,
    const struct err *e)
{
	bool invalid = names_field(e, f->key);
	struct buf described = BUF_INIT;
	if (f->hint)
		buf_printf(&described, "f-%s-hint", f->key);
	if (invalid)
		buf_printf(&described, "%sf-%s-error", described.len ? " " : "", f->key);

	html_raw(b, "<div class=\"field\"><label");
	html_attrf(b, "for", "f-%s", f->key);
	html_raw(b, ">");
	html_text(b, f->label);
	if (strcmp(f->key, "name") == 0)
		html_raw(b, " <span class=\"required\">(required)</span>");
	html_raw(b, "</label>");
	if (f->kind == FIELD_TEXTAREA) {
		html_raw(b, "<textarea rows=\"8\"");
	} else {
		static const char *const types[] = { "text", "email", "url", "tel", "number" };
		html_raw(b, "<input");
		html_attr(b, "type", types[f->kind]);
	}
	html_attrf(b, "id", "f-%s", f->key);
	html_attr(b, "name", f->key);
	if (f->kind == FIELD_NUMBER) {
		html_attrf(b, "max", "%d", f->max);
		html_raw(b, " min=\"0\" step=\"1\" inputmode=\"numeric\"");
	} else {
		html_attrf(b, "maxlength", "%d", f->max);
	}
	if (f->autocomplete)
		html_attr(b, "autocomplete", f->autocomplete);
	if (strcmp(f->key, "name") == 0)
		html_raw(b, " required");
	if (invalid)
		html_raw(b, " aria-invalid=\"true\"");
	if (described.len)
		html_attr(b, "aria-describedby", buf_cstr(&described));
	const char *value = field_value(fv, f);
	if (f->kind == FIELD_TEXTAREA) {
		html_raw(b, ">");
		/* A newline right after <textarea> is dropped by parsers;
		 * one of our own keeps a leading blank line of the text. */
		html_raw(b, "\n");
		html_text(b, value);
		html_raw(b, "</textarea>");
	} else {
		html_attr(b, "value", value);
		html_raw(b, ">");
	}
	if (f->hint) {
		html_raw(b, "<span class=\"hint\"");
		html_attrf(b, "id", "f-%s-hint", f->key);
		html_raw(b, ">");
		html_text(b, f->hint);
		html_raw(b, "</span>");
	}
	field_error(b, f->key, e);
	html_raw(b, "</div>");
	buf_free(&described);
}

static void
form_fields(struct buf *b, const struct form_field *fields, size_t n,
    const struct form_values *fv, const struct err *e)
{
	for (size_t i = 0; i < n; i++)
		form_field(b, &fields[i], fv, e);
}

/* A group of checkboxes named key, one per slug, with the set's labels. */
static void
checkbox_set(struct buf *b, const char *key, const char *legend,
    const struct slug_set *set, uint32_t bits, const struct err *e)
{
	bool invalid = names_field(e, key);
	html_raw(b, "<fieldset class=\"checks\"");
	html_attrf(b, "id", "f-%s", key);
	if (invalid)
		html_attrf(b, "aria-describedby", "f-%s-error", key);
	html_raw(b, "><legend>");
	html_text(b, legend);
	html_raw(b, "</legend>");
	for (int i = 0; i < set->count; i++) {
		html_raw(b, "<div class=\"check\"><input type=\"checkbox\"");
		html_attrf(b, "id", "f-%s-%s", key, set->slugs[i]);
		html_attr(b, "name", key);
		html_attr(b, "value", set->slugs[i]);
		if (bits & (1u << i))
			html_raw(b, " checked");
		if (invalid)
			html_raw(b, " aria-invalid=\"true\"");
		html_raw(b, "><label");
		html_attrf(b, "for", "f-%s-%s", key, set->slugs[i]);
		html_raw(b, ">");
		html_text(b, set->labels[i]);
		html_raw(b, "</label></div>");
	}
	field_error(b, key, e);
	html_raw(b, "</fieldset>");
}

static void
checkbox_one(struct buf *b, const char *key, const char *label, bool checked,
    const struct err *e)
{
	bool invalid = names_field(e, key);
	html_raw(b, "<div class=\"check\"><input type=\"checkbox\" value=\"true\"");
	html_attrf(b, "id", "f-%s", key);
	html_attr(b, "name", key);
	if (checked)
		html_raw(b, " checked");
	if (invalid) {
		html_raw(b, " aria-invalid=\"true\"");
		html_attrf(b, "aria-describedby", "f-%s-error", key);
	}
	html_raw(b, "><label");
	html_attrf(b, "for", "f-%s", key);
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</label></div>");
	field_error(b, key, e);
}

static void
group_begin(struct buf *b, const char *legend)
{
	html_raw(b, "<fieldset class=\"form-group\"><legend>");
	html_text(b, legend);
	html_raw(b, "</legend>");
}

/* The message above a form that was sent back, linked to its field. */
static void
form_error_summary(struct buf *b, const struct err *e)
{
	if (e == NULL || e->status == 0)
		return;
	html_raw(b, "<div class=\"form-error\" role=\"alert\"><p>");
	html_text(b, e->message[0] ? e->message : "Please check the form.");
	html_raw(b, "</p>");
	if (e->param[0] && strcmp(e->param, "csrf") != 0 && strcmp(e->param, "body") != 0) {
		html_raw(b, "<p><a");
		html_attrf(b, "href", "#f-%s", e->param);
		html_raw(b, ">Go to the field</a></p>");
	}
	html_raw(b, "</div>");
}

/* The whole profile form; creating says so on its button. */
static void
profile_form(struct buf *b, struct http_request *req, const struct form_values *fv,
    const struct err *e, bool creating)
{
	const struct therapist *t = fv->t;
	form_error_summary(b, e);
	page_form_begin(b, req, "/account/profile");
	html_raw(b, "<div class=\"profile-form\">");

	group_begin(b, "About you");
	form_fields(b, about_fields, NFIELDS(about_fields), fv, e);
	html_raw(b, "</fieldset>");

	group_begin(b, "Licence and Imago certification");
	html_raw(b, "<p class=\"hint\">An admin checks these before your profile"
	    " shows as verified. Changing any of them later clears the"
	    " verification until it is checked again.</p>");
	form_fields(b, license_fields, NFIELDS(license_fields), fv, e);
	checkbox_set(b, "certifications", "Imago certifications",
	    &therapist_certifications, slug_bits(fv, "certifications",
	    &therapist_certifications, t ? t->certifications : 0), e);
	html_raw(b, "</fieldset>");

	group_begin(b, "Your practice");
	checkbox_set(b, "specialties", "Specialties", &therapist_specialties,
	    slug_bits(fv, "specialties", &therapist_specialties,
	    t ? t->specialties : 0), e);
	checkbox_set(b, "formats", "Sessions", &therapist_formats,
	    slug_bits(fv, "formats", &therapist_formats, t ? t->formats : 0), e);
	checkbox_one(b, "accepting_new_clients", "Accepting new clients",
	    flag_value(fv, "accepting_new_clients", t ? t->accepting_new_clients : false), e);
	form_fields(b, fee_fields, NFIELDS(fee_fields), fv, e);
	checkbox_one(b, "sliding_scale", "Sliding scale available",
	    flag_value(fv, "sliding_scale", t ? t->sliding_scale : false), e);
	html_raw(b, "</fieldset>");

	group_begin(b, "Office");
	html_raw(b, "<p class=\"hint\">Clients search by place: give at least a"
	    " city or a postal code, unless you only work online.</p>");
	form_fields(b, office_fields, NFIELDS(office_fields), fv, e);
	html_raw(b, "</fieldset>");

	group_begin(b, "Contact");
	form_fields(b, contact_fields, NFIELDS(contact_fields), fv, e);
	checkbox_one(b, "show_email", "Show my email address on my public page",
	    flag_value(fv, "show_email", t ? t->show_email : false), e);
	html_raw(b, "</fieldset>");

	group_begin(b, "In your own words");
	form_fields(b, words_fields, NFIELDS(words_fields), fv, e);
	html_raw(b, "</fieldset>");

	html_raw(b, "<div class=\"form-actions\"><button type=\"submit\">");
	html_raw(b, creating ? "Create my profile" : "Save changes");
	html_raw(b, "</button></div></div></form>");
}

/* ---- Page pieces ---- */

/* The notices a redirect asked for with ?saved=1 and friends. */
static void
redirect_notices(struct buf *b, struct http_request *req)
{
	if (http_param(req, "saved"))
		page_notice(b, "Saved. The directory shows your changes now.");
	if (http_param(req, "claimed"))
		page_notice(b, "This listing is now yours: check it and keep it up to date.");
	if (http_param(req, "sent"))
		page_notice(b, "We emailed the address on that listing. Open the link in"
		    " that message while signed in to this account to confirm. The"
		    " link works once, within 48 hours.");
}

/* "2026-05-01" from a date or an ISO timestamp. */
static void
date_text(struct buf *b, const char *d)
{
	if (d != NULL && strlen(d) >= 10)
		html_text_n(b, d, 10);
	else
		html_raw(b, "an unknown date");
}

static void
profile_state(struct buf *b, const struct profile *p)
{
	const struct therapist *t = &p->t;
	html_raw(b, "<section class=\"profile-state card\" aria-labelledby=\"state-h\">"
	    "<h2 id=\"state-h\">Status</h2><ul>");
	if (t->verified) {
		html_raw(b, "<li><strong>Verified on ");
		date_text(b, t->verified_at);
		html_raw(b, "</strong>: an admin checked your licence and Imago"
		    " certification.</li>");
	} else {
		html_raw(b, "<li><strong>Not yet verified</strong>: an admin checks"
		    " your licence and Imago certification.</li>");
	}
	html_raw(b, "<li>Editing your licence number, licence regions or"
	    " certifications clears the verification until an admin checks"
	    " them again.</li>");
	if (t->hidden)
		html_raw(b, "<li class=\"state-hidden\"><strong>Hidden by an"
		    " admin</strong>: your profile is not shown in the directory."
		    " Please contact us if you think this is a mistake.</li>");
	html_raw(b, "</ul><p><a");
	html_attrf(b, "href", "/therapists/%lld", (long long)t->id);
	html_raw(b, ">See your public page</a>");
	if (t->hidden)
		html_raw(b, " (not shown while hidden)");
	html_raw(b, "</p></section>");
}

/* Finishes a page begun by the caller with the status: the error's when
 * the form is shown again, else 200. */
static int
reply_page(struct http_request *req, struct http_response *res, const struct err *e)
{
	page_end(&res->body, req->app);
	int status = e && e->status ? e->status : 200;
	http_reply_html(res, status);
	if (status == 429) {
		char tmp[24];
		snprintf(tmp, sizeof(tmp), "%d", e->retry_after > 0 ? e->retry_after : 5);
		http_add_header(res, "Retry-After", arena_strdup(req->arena, tmp));
	}
	return 0;
}

/* Errors a person can fix from the form; others get the error page. */
static bool
form_error(const struct err *e)
{
	return e->status == 400 || e->status == 404 || e->status == 409 ||
	    e->status == 422 || e->status == 429;
}

/* ---- Claiming a listing ---- */

struct claim_view {
	const char	*query;		/* the name searched for, or NULL */
	const struct err *error;	/* of a claim request, or NULL */
};

static void
claim_result(struct buf *b, struct http_request *req, const struct search_row *row,
    const char *query)
{
	html_raw(b, "<li class=\"claim-result\"><p><strong");
	html_attrf(b, "id", "claim-name-%lld", (long long)row->id);
	html_raw(b, ">");
	html_text(b, row->name);
	html_raw(b, "</strong>");
	if (row->credentials && *row->credentials) {
		html_raw(b, ", ");
		html_text(b, row->credentials);
	}
	const char *parts[3] = { row->city, row->region, row->country };
	int n = 0;
	for (int i = 0; i < 3; i++) {
		if (parts[i] == NULL || *parts[i] == '\0')
			continue;
		html_raw(b, n++ ? ", " : "<br><span class=\"where\">");
		html_text(b, parts[i]);
	}
	if (n)
		html_raw(b, "</span>");
	html_raw(b, " <a");
	html_attrf(b, "href", "/therapists/%lld", (long long)row->id);
	html_raw(b, ">See the listing</a></p>");
	page_form_begin(b, req, "/account/profile/claim");
	html_raw(b, "<input type=\"hidden\" name=\"therapist_id\"");
	html_attrf(b, "value", "%lld", (long long)row->id);
	html_raw(b, "><input type=\"hidden\" name=\"claim\"");
	html_attr(b, "value", query);
	html_raw(b, "><button type=\"submit\"");
	html_attrf(b, "aria-describedby", "claim-name-%lld", (long long)row->id);
	html_raw(b, ">This is me \xe2\x80\x94 send the link</button></form></li>");
}

/* Runs the name search and lists the listings nobody manages yet. */
static int
claim_results(struct buf *b, struct http_request *req, const struct account_request *r,
    const char *query, struct err *e)
{
	struct app *app = req->app;
	struct search_query q;
	struct param params[1] = { { "q", query, strlen(query) } };
	struct err qe = ERR_INIT;
	if (search_query_parse(&q, params, 1, &qe) < 0) {
		html_raw(b, "<p class=\"field-error\" role=\"alert\">");
		html_text(b, qe.message);
		html_raw(b, "</p>");
		return 0;
	}
	q.limit = CLAIM_RESULTS;
	/* About 15 KB of rows: from the arena, not the stack. */
	struct search_result *res = arena_alloc(req->arena, sizeof(*res));
	if (search_run(app->engine, r->db, &q, res, e) < 0) {
		search_result_release(res);
		return -1;
	}
	int shown = 0;
	for (int i = 0; i < res->count; i++) {
		int rc = profile_claimable(r, res->rows[i].id, e);
		if (rc < 0) {
			search_result_release(res);
			return -1;
		}
		if (rc == 0)
			continue;
		if (shown++ == 0)
			html_raw(b, "<ul class=\"claim-results\" aria-label=\"Listings you can claim\">");
		claim_result(b, req, &res->rows[i], query);
	}
	search_result_release(res);
	if (shown)
		html_raw(b, "</ul>");
	else {
		html_raw(b, "<p>No listing that can be claimed matches \xe2\x80\x9c");
		html_text(b, query);
		html_raw(b, "\xe2\x80\x9d. Try another spelling of your name, or create"
		    " your profile below. Listings someone already manages are not"
		    " shown.</p>");
	}
	return 0;
}

static int
claim_section(struct buf *b, struct http_request *req, const struct account_request *r,
    const struct claim_view *cv, struct err *e)
{
	html_raw(b, "<section id=\"claim\" class=\"card\" aria-labelledby=\"claim-h\">"
	    "<h2 id=\"claim-h\">Claim my existing listing</h2>"
	    "<p>If the directory already lists you, find your listing: we email"
	    " a confirmation link to the address on it, and once you open it"
	    " the listing is yours to edit.</p>");
	if (cv->error) {
		html_raw(b, "<div class=\"form-error\" role=\"alert\"><p>");
		html_text(b, cv->error->message);
		html_raw(b, "</p></div>");
	}
	html_raw(b, "<form class=\"claim-search\" method=\"get\" action=\"/account/profile\""
	    " role=\"search\" aria-label=\"Find my listing\">"
	    "<div class=\"field\"><label for=\"claim-q\">Your name as listed</label>"
	    "<input id=\"claim-q\" name=\"claim\" type=\"search\" maxlength=\"200\""
	    " autocomplete=\"name\"");
	html_attr(b, "value", cv->query ? cv->query : "");
	html_raw(b, "></div><button type=\"submit\">Find my listing</button></form>");
	int rc = 0;
	if (cv->query && *cv->query)
		rc = claim_results(b, req, r, cv->query, e);
	html_raw(b, "</section>");
	return rc;
}

/* ---- GET and POST /account/profile ---- */

/*
 * The page for an account without a profile: claim or create. fv and
 * form_err are a create form sent back; cv a claim search or error.
 */
static int
render_no_profile(struct http_request *req, struct http_response *res,
    const struct account_request *r, const struct form_values *fv,
    const struct err *form_err, const struct claim_view *cv, struct err *e)
{
	struct buf *b = &res->body;
	struct page p = { "Your directory profile", NULL, "page-manage page-my-profile", req };
	page_begin(b, req->app, &p);
	html_raw(b, "<h1>Your directory profile</h1>");
	redirect_notices(b, req);
	html_raw(b, "<p>You have no profile in the directory yet. Choose one:</p>"
	    "<ul class=\"choices\"><li><a href=\"#claim\">Claim my existing listing</a>"
	    " (if the directory already lists you)</li>"
	    "<li><a href=\"#create\">Create my profile</a></li></ul>");
	if (claim_section(b, req, r, cv, e) < 0)
		return -1;
	html_raw(b, "<section id=\"create\" aria-labelledby=\"create-h\">"
	    "<h2 id=\"create-h\">Create my profile</h2>");
	profile_form(b, req, fv, form_err, true);
	html_raw(b, "</section>");
	return reply_page(req, res, cv->error ? cv->error : form_err);
}

/* The edit page for the caller's profile p; fv is p or a form sent back. */
static int
render_edit(struct http_request *req, struct http_response *res,
    const struct profile *p, const struct form_values *fv, const struct err *form_err,
    const struct err *claim_err)
{
	struct buf *b = &res->body;
	struct page pg = { "Your directory profile", NULL, "page-manage page-my-profile", req };
	page_begin(b, req->app, &pg);
	html_raw(b, "<h1>Your directory profile</h1>");
	redirect_notices(b, req);
	if (claim_err) {
		html_raw(b, "<div class=\"form-error\" role=\"alert\"><p>");
		html_text(b, claim_err->message);
		html_raw(b, "</p></div>");
	}
	profile_state(b, p);
	html_raw(b, "<section aria-labelledby=\"edit-h\"><h2 id=\"edit-h\">Edit your profile</h2>");
	profile_form(b, req, fv, form_err, false);
	html_raw(b, "</section>");
	return reply_page(req, res, claim_err ? claim_err : form_err);
}

/* Shows whichever page the caller's account has: edit, or claim/create. */
static int
render_my_profile(struct http_request *req, struct http_response *res,
    const struct account_request *r, const struct claim_view *cv, struct err *e)
{
	int64_t id;
	int rc = profile_find_own(r, &id, e);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		struct therapist empty;
		therapist_init(&empty);
		struct form_values fv = { &empty, NULL, req->arena };
		return render_no_profile(req, res, r, &fv, NULL, cv, e);
	}
	struct profile p;
	if (profile_get(r, id, &p, e) != 0)
		return -1;
	struct form_values fv = { &p.t, NULL, req->arena };
	return render_edit(req, res, &p, &fv, NULL, cv->error);
}

int
page_my_profile(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	struct claim_view cv = { http_param(req, "claim"), NULL };
	return render_my_profile(req, res, &r, &cv, e);
}

/*
 * An edit form always sends every field, but an unticked box sends
 * nothing: what the form can untick starts cleared, and the form's
 * fields then say what is set.
 */
static void
clear_checkbox_fields(struct therapist *t)
{
	t->accepting_new_clients = false;
	t->sliding_scale = false;
	t->show_email = false;
	t->certifications = 0;
	t->specialties = 0;
	t->formats = 0;
}

int
page_my_profile_save(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct input in;
	int64_t id;
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	int rc = profile_find_own(&r, &id, e);
	if (rc < 0)
		return -1;
	struct form_values typed = { NULL, &in, req->arena };
	if (rc > 0) {
		struct therapist t;
		therapist_init(&t);
		if (input_only(&in, profile_input_fields, e) != 0 ||
		    profile_from_input(&in, &t, e) != 0 || profile_create(&r, &t, e) != 0) {
			if (!form_error(e))
				return -1;
			struct claim_view cv = { NULL, NULL };
			struct err shown = *e;
			err_clear(e);
			return render_no_profile(req, res, &r, &typed, &shown, &cv, e);
		}
	} else {
		struct profile p;
		if (profile_get(&r, id, &p, e) != 0)
			return -1;
		/* The flow may rewrite p.t; the page shows the stored state. */
		struct profile shown_profile = p;
		clear_checkbox_fields(&p.t);
		if (input_only(&in, profile_input_fields, e) != 0 ||
		    profile_from_input(&in, &p.t, e) != 0 || profile_update(&r, id, &p.t, e) != 0) {
			if (!form_error(e))
				return -1;
			struct err shown = *e;
			err_clear(e);
			return render_edit(req, res, &shown_profile, &typed, &shown, NULL);
		}
	}
	search_engine_invalidate(((struct app *)req->app)->engine);
	http_redirect(req, res, "/account/profile?saved=1");
	return 0;
}

/* ---- POST /account/profile/claim ---- */

int
page_claim_request(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "therapist_id", "claim", NULL };
	struct account_request r;
	struct input in;
	bool present;
	long long id = 0;
	const char *query = NULL;
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	if (input_only(&in, fields, e) != 0 ||
	    input_text(&in, "claim", false, SEARCH_Q_MAX, &query, e) != 0 ||
	    input_int(&in, "therapist_id", 1, 9007199254740991LL, &present, &id, e) != 0)
		goto sent_back;
	if (!present) {
		err_invalid(e, "therapist_id", "Choose a listing to claim.");
		goto sent_back;
	}
	if (profile_claim_request(&r, id, e) != 0)
		goto sent_back;
	web_mail_sent(req);
	http_redirect(req, res, "/account/profile?sent=1");
	return 0;
sent_back:
	if (!form_error(e))
		return -1;
	struct err shown = *e;
	err_clear(e);
	struct claim_view cv = { query, &shown };
	return render_my_profile(req, res, &r, &cv, e);
}

/* ---- GET and POST /account/claim ---- */

static int
render_claim_confirm(struct http_request *req, struct http_response *res,
    const char *token, const struct err *error)
{
	struct buf *b = &res->body;
	struct page p = { "Confirm your listing", NULL, "page-manage page-claim", req };
	page_begin(b, req->app, &p);
	html_raw(b, "<h1>Confirm that you manage this listing</h1>");
	if (error) {
		html_raw(b, "<div class=\"form-error\" role=\"alert\"><p>");
		html_text(b, error->message);
		html_raw(b, "</p><p><a href=\"/account/profile\">Back to your directory"
		    " profile</a></p></div>");
	}
	if (token && *token) {
		html_raw(b, "<p>You opened the link we emailed to the address on a"
		    " directory listing. Confirm to make that listing part of this"
		    " account, so you can edit it.</p>");
		page_form_begin(b, req, "/account/claim");
		html_raw(b, "<input type=\"hidden\" name=\"token\"");
		html_attr(b, "value", token);
		html_raw(b, "><button type=\"submit\">Yes, this listing is mine</button></form>");
	} else if (error == NULL) {
		html_raw(b, "<p class=\"form-error\" role=\"alert\">This link is"
		    " incomplete: open the whole link from the email.</p>");
	}
	return reply_page(req, res, error);
}

int
page_claim_confirm(struct http_request *req, struct http_response *res, struct err *e)
{
	const char *token = http_param(req, "token");
	if (token && strlen(token) > 100)
		token = NULL;
	struct err missing = ERR_INIT;
	if (token == NULL || *token == '\0')
		err_set(&missing, 400, "invalid_token", "token",
		    "This link is incomplete: open the whole link from the email.");
	return render_claim_confirm(req, res, token, missing.status ? &missing : NULL);
}

int
page_claim_confirm_post(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct account_request r;
	struct input in;
	const char *token = NULL;
	int64_t id;
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	if (input_only(&in, fields, e) != 0 ||
	    input_text(&in, "token", true, 100, &token, e) != 0 ||
	    profile_claim_confirm(&r, token, &id, e) != 0) {
		if (!form_error(e))
			return -1;
		struct err shown = *e;
		err_clear(e);
		/* Only a rate limit is worth another try with the same link. */
		return render_claim_confirm(req, res, shown.status == 429 ? token : NULL,
		    &shown);
	}
	search_engine_invalidate(((struct app *)req->app)->engine);
	http_redirect(req, res, "/account/profile?claimed=1");
	return 0;
}
