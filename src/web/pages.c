/*
 * The HTML pages: the shared layout (head, header, footer), the search
 * form, the home page, the results list, the therapist profile and the
 * error page.
 *
 * Every byte of data goes through the escaping writer in util/html.h; the
 * only html_raw() calls take string literals or cmark's safe-mode output.
 * The pages are complete without JavaScript: the form is a plain GET to
 * /therapists and every result is a link. static/app.js only adds the map
 * and place suggestions, reading what it needs from data-* attributes,
 * because the Content-Security-Policy forbids inline script and style.
 */
#include "pages.h"

#include <cmark.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../calendar/calendar.h"
#include "../directory/search.h"
#include "../directory/therapist.h"
#include "../places/places.h"
#include "../policy/policy.h"
#include "../util/geo.h"
#include "../util/html.h"
#include "../util/num.h"

#define SITE_NAME	"Imago Therapist Finder"

/* ---- Layout ---- */

/* The header's small search box, on pages without a form of their own
 * (the profile); p->near == NULL leaves it out. */
static void
header_search(struct buf *b, const char *near)
{
	html_raw(b, "<form class=\"header-search\" action=\"/therapists\""
	    " method=\"get\" role=\"search\">"
	    "<label for=\"header-near\" class=\"visually-hidden\">"
	    "City, ZIP or postal code</label>"
	    "<input id=\"header-near\" name=\"near\" type=\"text\""
	    " data-suggest=\"/api/v1/places\" placeholder=\"City, ZIP or postal code\"");
	html_attr(b, "value", near);
	html_raw(b, "><button type=\"submit\">Search</button></form>");
}

static void
menu_link(struct buf *b, struct http_request *req, const char *href, const char *label)
{
	html_raw(b, "<li><a");
	html_attr(b, "href", href);
	if (strcmp(req->path, href) == 0)
		html_raw(b, " aria-current=\"page\"");
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</a></li>");
}

/* The header's account menu. Roles only choose which links show (the
 * guard decides who may open them); signing out is a POST with the CSRF
 * field, never a link another site could make a browser follow. */
static void
header_account(struct buf *b, struct http_request *req)
{
	const struct auth *a = &web_session(req)->auth;
	if (a->kind == AUTH_TOKEN)
		return;		/* a program, not a person at a browser */
	html_raw(b, "<nav class=\"account-nav\" aria-label=\"Account\"><ul>");
	if (a->kind == AUTH_NONE) {
		menu_link(b, req, "/signin", "Sign in");
		menu_link(b, req, "/signup", "Join");
	} else {
		if (a->stage == SESSION_AWAITING_CODE) {
			menu_link(b, req, "/signin/code", "Finish signing in");
		} else {
			menu_link(b, req, "/account", "Account");
			if (a->user.roles & ROLE_THERAPIST) {
				menu_link(b, req, "/account/profile", "My profile");
				menu_link(b, req, "/therapist/appointments", "Appointments");
				menu_link(b, req, "/therapist/messages", "Messages");
				menu_link(b, req, "/therapist/shared", "Shared by clients");
			} else {
				menu_link(b, req, "/account/appointments", "Appointments");
				menu_link(b, req, "/account/couple", "Couple");
				menu_link(b, req, "/workspace", "Workspace");
			}
			if (a->user.roles & ROLE_ADMIN)
				menu_link(b, req, "/admin", "Admin");
		}
		html_raw(b, "<li>");
		page_form_begin(b, req, "/signout");
		html_raw(b, "<button type=\"submit\">Sign out</button></form></li>");
	}
	html_raw(b, "</ul></nav>");
}

int
page_finish(struct http_request *req, struct http_response *res, int status,
    const struct err *e)
{
	page_end(&res->body, req->app);
	http_reply_html(res, status);
	if (status == 429 && e != NULL) {
		char s[24];
		snprintf(s, sizeof(s), "%d", e->retry_after > 0 ? e->retry_after : 5);
		http_add_header(res, "Retry-After", arena_strdup(req->arena, s));
	}
	return 0;
}

void
page_sentence(struct buf *b, const char *msg)
{
	if (msg == NULL || *msg == '\0')
		return;
	if (*msg >= 'a' && *msg <= 'z') {
		char first[2] = { (char)(*msg - 'a' + 'A'), '\0' };
		html_text(b, first);
		html_text(b, msg + 1);
	} else {
		html_text(b, msg);
	}
	if (strchr(".!?", msg[strlen(msg) - 1]) == NULL)
		html_raw(b, ".");
}

void
page_notice(struct buf *b, const char *text)
{
	html_raw(b, "<p class=\"notice notice-ok\" role=\"status\">");
	html_text(b, text);
	html_raw(b, "</p>");
}

void
page_hidden(struct buf *b, const char *name, const char *value)
{
	html_raw(b, "<input type=\"hidden\"");
	html_attr(b, "name", name);
	html_attr(b, "value", value);
	html_raw(b, ">");
}

void
page_form_error(struct buf *b, const struct err *e)
{
	if (e == NULL || !err_is_set(e))
		return;
	html_raw(b, "<div class=\"form-error\" role=\"alert\"><p>");
	page_sentence(b, e->message);
	html_raw(b, "</p></div>");
}

void
page_zone_select(struct buf *b, const char *name, const char *label,
    const char *current)
{
	size_t n;
	const char *const *names = tz_names(&n);
	html_raw(b, "<label");
	html_attr(b, "for", name);
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</label><select class=\"tz-select\"");
	html_attr(b, "id", name);
	html_attr(b, "name", name);
	html_raw(b, ">");
	for (size_t i = 0; i < n; i++) {
		html_raw(b, "<option");
		html_attr(b, "value", names[i]);
		if (strcmp(names[i], current) == 0)
			html_raw(b, " selected");
		html_raw(b, ">");
		html_text(b, names[i]);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select>");
}

void
page_begin(struct buf *b, struct app *app, const struct page *p)
{
	html_raw(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>");
	if (p->title != NULL && *p->title != '\0') {
		html_text(b, p->title);
		html_raw(b, " \xc2\xb7 ");
	}
	html_text(b, SITE_NAME);
	html_raw(b, "</title>\n"
	    "<meta name=\"description\" content=\"Find a certified Imago"
	    " relationship therapist near you or online.\">\n"
	    /* An empty icon stops the browser asking for /favicon.ico. */
	    "<link rel=\"icon\" href=\"data:,\">\n"
	    "<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
	    "<script src=\"/static/app.js\" defer></script>\n"
	    "</head>\n<body");
	if (p->body_class != NULL)
		html_attr(b, "class", p->body_class);
	html_raw(b, ">\n<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n"
	    "<header class=\"site-header\"><div class=\"wrap header-inner\">"
	    "<a class=\"site-name\" href=\"/\">");
	html_text(b, SITE_NAME);
	html_raw(b, "</a>");
	if (p->near != NULL)
		header_search(b, p->near);
	if (p->req != NULL)
		header_account(b, p->req);
	html_raw(b, "</div></header>\n<main id=\"main\" class=\"wrap\">\n");
}

void
page_form_begin(struct buf *b, struct http_request *req, const char *action)
{
	html_raw(b, "<form method=\"post\"");
	html_attr(b, "action", action);
	html_raw(b, "><input type=\"hidden\" name=\"csrf\"");
	html_attr(b, "value", web_session(req)->auth.csrf);
	html_raw(b, ">");
}

void
page_end(struct buf *b, struct app *app)
{
	html_raw(b, "</main>\n<footer class=\"site-footer\"><div class=\"wrap\">"
	    "<p>Place names and postal codes from"
	    " <a href=\"https://www.geonames.org/\">GeoNames</a>, licensed under"
	    " <a href=\"https://creativecommons.org/licenses/by/4.0/\">CC BY 4.0</a>."
	    " Map data \xc2\xa9"
	    " <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>"
	    " contributors.</p>"
	    "<p>This directory lists professionals certified in Imago Relationship"
	    " Therapy. It is not an emergency service: if you or someone else is in"
	    " danger, call your local emergency number.</p>"
	    "</div></footer>\n</body>\n</html>\n");
}

/* ---- Small pieces ---- */

static double
km_to_unit(double km, bool miles)
{
	return miles ? km / GEO_KM_PER_MILE : km;
}

static const char *
unit_name(bool miles)
{
	return miles ? "mi" : "km";
}

/* A radius for people: "40", "12.5". */
static void
format_radius(char *out, size_t n, double r)
{
	if (fabs(r - round(r)) < 0.05)
		snprintf(out, n, "%.0f", r);
	else
		snprintf(out, n, "%.1f", r);
}

/* ` href="/therapists?..."` for a query at an offset. */
static void
query_href(struct buf *b, const struct search_query *q, int offset)
{
	struct buf qs = BUF_INIT, url = BUF_INIT;
	search_query_format(q, offset, &qs);
	buf_puts(&url, "/therapists");
	if (qs.len > 0) {
		buf_putc(&url, '?');
		buf_puts(&url, buf_cstr(&qs));
	}
	html_url_attr(b, "href", buf_cstr(&url));
	buf_free(&qs);
	buf_free(&url);
}

/* The labels of the bits set, joined by ", ". */
static void
slug_labels(struct buf *b, const struct slug_set *set, uint32_t bits)
{
	int n = 0;
	for (int i = 0; i < set->count; i++) {
		if (!(bits & (1u << i)))
			continue;
		if (n++ > 0)
			html_raw(b, ", ");
		html_text(b, set->labels[i]);
	}
}

/* An Imago Facilitator without any clinical certification is not a
 * licensed therapist, and the directory must say so wherever it shows
 * one. */
static bool
only_facilitator(uint32_t certifications)
{
	return certifications == (1u << CERT_IMAGO_FACILITATOR);
}

static void
certification_labels(struct buf *b, uint32_t bits)
{
	if (only_facilitator(bits)) {
		html_raw(b, "<strong class=\"facilitator\">Imago Facilitator"
		    " (not a licensed therapist)</strong>");
		return;
	}
	slug_labels(b, &therapist_certifications, bits);
}

/* Walks a ';'-separated list, calling fn on each item. */
static void
each_code(const char *list, void (*fn)(struct buf *, sqlite3 *, const char *, int),
    struct buf *b, sqlite3 *db)
{
	int n = 0;
	const char *p = list != NULL ? list : "";
	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char code[16];
		if (len > 0 && len < sizeof(code)) {
			memcpy(code, p, len);
			code[len] = '\0';
			fn(b, db, code, n++);
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
}

static void
language_item(struct buf *b, sqlite3 *db, const char *code, int n)
{
	char name[128];
	if (n > 0)
		html_raw(b, ", ");
	html_text(b, place_language_name(db, code, name, sizeof(name)) ?
	    name : code);
}

/* Licence regions are ISO 3166-2 codes ("US-NY") or whole countries
 * ("CH"); countries get their names, subdivisions stay as codes. */
static void
license_region_item(struct buf *b, sqlite3 *db, const char *code, int n)
{
	char name[128];
	if (n > 0)
		html_raw(b, ", ");
	if (strlen(code) == 2 && place_country_name(db, code, name, sizeof(name)))
		html_text(b, name);
	else
		html_text(b, code);
}

/* A stored region may be an ISO 3166-2 code; "US-NY" reads as "NY". */
static const char *
region_display(const char *region, const char *country)
{
	size_t n = strlen(country);
	if (n == 2 && strncmp(region, country, n) == 0 && region[n] == '-')
		return region + n + 1;
	return region;
}

/* "Brooklyn, NY, United States"; pieces that are empty are skipped. */
static void
place_line(struct buf *b, sqlite3 *db, const char *city, const char *region,
    const char *country)
{
	char name[128];
	const char *parts[3];
	int n = 0;
	city = city ? city : "";
	region = region ? region : "";
	country = country ? country : "";
	if (*city)
		parts[n++] = city;
	if (*region)
		parts[n++] = region_display(region, country);
	if (*country)
		parts[n++] = place_country_name(db, country, name, sizeof(name)) ?
		    name : country;
	for (int i = 0; i < n; i++) {
		if (i > 0)
			html_raw(b, ", ");
		html_text(b, parts[i]);
	}
}

static void
fee_text(struct buf *b, int fee_min, int fee_max, bool sliding_scale)
{
	if (fee_min >= 0 && fee_max >= 0 && fee_min != fee_max)
		html_textf(b, "%d\xe2\x80\x93%d per session", fee_min, fee_max);
	else if (fee_min >= 0)
		html_textf(b, "%s%d per session", fee_max < 0 ? "From " : "", fee_min);
	else if (fee_max >= 0)
		html_textf(b, "Up to %d per session", fee_max);
	else
		html_raw(b, "Not listed");
	if (sliding_scale)
		html_raw(b, "; sliding scale available");
}

static void
badge(struct buf *b, const char *cls, const char *text)
{
	html_raw(b, "<span");
	html_attrf(b, "class", "badge %s", cls);
	html_raw(b, ">");
	html_text(b, text);
	html_raw(b, "</span>");
}

/* Starts a <dt>/<dd> pair; the caller writes the value and closes it. */
static void
fact(struct buf *b, const char *term)
{
	html_raw(b, "<dt>");
	html_text(b, term);
	html_raw(b, "</dt><dd>");
}

/* ---- The search form ---- */

enum form_kind {
	FORM_HOME,	/* every control, filters open */
	FORM_RESULTS,	/* every control, filters open when in use */
	FORM_SHORT,	/* place and radius only (error pages) */
};

static const double radius_choices[] = { 5, 10, 25, 40, 50, 100, 250, 500 };

/* Languages offered in the form, as ISO 639-1 codes; their names come
 * from the gazetteer. Other codes still work in the URL. */
static const char *const language_choices[] = {
	"ar", "zh", "da", "nl", "en", "fi", "fr", "de", "el", "he", "hi", "it",
	"ja", "ko", "no", "pl", "pt", "ru", "es", "sv", "tr", "uk",
};

static bool
has_filters(const struct search_query *q)
{
	return q->specialties != 0 || q->certifications != 0 || q->format >= 0 ||
	    q->language[0] != '\0' || q->accepting_only || q->fee_max >= 0 ||
	    q->q[0] != '\0';
}

static void
option(struct buf *b, const char *value, const char *label, bool selected)
{
	html_raw(b, "<option");
	html_attr(b, "value", value);
	if (selected)
		html_raw(b, " selected");
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</option>");
}

/* The value keeps full precision; the label is rounded for reading. */
static void
radius_option(struct buf *b, double r, bool selected)
{
	char value[32], label[32];
	snprintf(value, sizeof(value), "%g", r);
	format_radius(label, sizeof(label), r);
	option(b, value, label, selected);
}

static void
radius_select(struct buf *b, const struct search_query *q)
{
	size_t n = sizeof(radius_choices) / sizeof(radius_choices[0]);
	bool placed = false;
	html_raw(b, "<div class=\"field field-radius\">"
	    "<label for=\"radius\">Within</label>"
	    "<select id=\"radius\" name=\"radius\">");
	for (size_t i = 0; i < n; i++) {
		/* A radius from a link that is not one of the choices is
		 * offered in its place in the order, selected. */
		if (!placed && q->radius < radius_choices[i] - 1e-9) {
			radius_option(b, q->radius, true);
			placed = true;
		}
		bool same = fabs(q->radius - radius_choices[i]) < 1e-9;
		radius_option(b, radius_choices[i], same);
		placed = placed || same;
	}
	if (!placed)
		radius_option(b, q->radius, true);
	html_raw(b, "</select></div>"
	    "<div class=\"field field-unit\">"
	    "<label for=\"unit\">Unit</label>"
	    "<select id=\"unit\" name=\"unit\">");
	option(b, "km", "km", !q->unit_miles);
	option(b, "mi", "miles", q->unit_miles);
	html_raw(b, "</select></div>");
}

static void
checkbox_group(struct buf *b, const struct slug_set *set, uint32_t bits,
    const char *legend)
{
	html_raw(b, "<fieldset class=\"checks\"><legend>");
	html_text(b, legend);
	html_raw(b, "</legend>");
	for (int i = 0; i < set->count; i++) {
		char id[96];
		snprintf(id, sizeof(id), "%s-%s", set->param, set->slugs[i]);
		html_raw(b, "<div class=\"check\"><input type=\"checkbox\"");
		html_attr(b, "id", id);
		html_attr(b, "name", set->param);
		html_attr(b, "value", set->slugs[i]);
		if (bits & (1u << i))
			html_raw(b, " checked");
		html_raw(b, "><label");
		html_attr(b, "for", id);
		html_raw(b, ">");
		html_text(b, set->labels[i]);
		html_raw(b, "</label></div>");
	}
	html_raw(b, "</fieldset>");
}

static void
format_select(struct buf *b, const struct search_query *q)
{
	html_raw(b, "<div class=\"field\"><label for=\"format\">Sessions</label>"
	    "<select id=\"format\" name=\"format\">");
	option(b, "", "In person or online", q->format < 0);
	for (int i = 0; i < therapist_formats.count; i++)
		option(b, therapist_formats.slugs[i], therapist_formats.labels[i],
		    q->format == i);
	html_raw(b, "</select></div>");
}

static void
language_select(struct buf *b, sqlite3 *db, const struct search_query *q)
{
	size_t n = sizeof(language_choices) / sizeof(language_choices[0]);
	bool listed = q->language[0] == '\0';
	char name[128];
	html_raw(b, "<div class=\"field\"><label for=\"language\">Language</label>"
	    "<select id=\"language\" name=\"language\">");
	option(b, "", "Any language", q->language[0] == '\0');
	for (size_t i = 0; i < n; i++) {
		const char *code = language_choices[i];
		bool selected = strcmp(code, q->language) == 0;
		listed = listed || selected;
		option(b, code, db && place_language_name(db, code, name,
		    sizeof(name)) ? name : code, selected);
	}
	if (!listed)
		option(b, q->language, db && place_language_name(db, q->language,
		    name, sizeof(name)) ? name : q->language, true);
	html_raw(b, "</select></div>");
}

static void
filter_controls(struct buf *b, sqlite3 *db, const struct search_query *q)
{
	char fee[16] = "";
	if (q->fee_max >= 0)
		snprintf(fee, sizeof(fee), "%d", q->fee_max);
	html_raw(b, "<div class=\"filter-grid\">");
	checkbox_group(b, &therapist_specialties, q->specialties,
	    "Specialties (all must match)");
	checkbox_group(b, &therapist_certifications, q->certifications,
	    "Certification (any of these)");
	html_raw(b, "<div class=\"filter-fields\">");
	format_select(b, q);
	language_select(b, db, q);
	html_raw(b, "<div class=\"field\"><label for=\"fee_max\">"
	    "Maximum fee per session</label>"
	    "<input id=\"fee_max\" name=\"fee_max\" type=\"number\" min=\"0\""
	    " max=\"100000\" step=\"1\" inputmode=\"numeric\"");
	html_attr(b, "value", fee);
	html_raw(b, "></div>"
	    "<div class=\"field\"><label for=\"q\">Keyword</label>"
	    "<input id=\"q\" name=\"q\" type=\"text\" maxlength=\"200\""
	    " aria-describedby=\"q-hint\"");
	html_attr(b, "value", q->q);
	html_raw(b, "><span class=\"hint\" id=\"q-hint\">Searches names,"
	    " biographies and approaches.</span></div>"
	    "<div class=\"check\"><input type=\"checkbox\" id=\"accepting\""
	    " name=\"accepting\" value=\"true\"");
	if (q->accepting_only)
		html_raw(b, " checked");
	html_raw(b, "><label for=\"accepting\">Only therapists accepting new"
	    " clients</label></div></div></div>");
}

/* The search form, prefilled from q. db may be NULL (error pages). */
static void
search_form(struct buf *b, sqlite3 *db, const struct search_query *q,
    enum form_kind kind)
{
	html_raw(b, "<form class=\"search-form\" action=\"/therapists\""
	    " method=\"get\" role=\"search\" aria-label=\"Find a therapist\">"
	    "<div class=\"search-main\">"
	    "<div class=\"field field-near\">"
	    "<label for=\"near\">City, ZIP or postal code</label>"
	    "<input id=\"near\" name=\"near\" type=\"text\" maxlength=\"200\""
	    " data-suggest=\"/api/v1/places\" aria-describedby=\"near-hint\"");
	html_attr(b, "value", q->near);
	html_raw(b, "><span class=\"hint\" id=\"near-hint\">For example Austin,"
	    " 10001, M5V or Z\xc3\xbcrich. Leave empty to list everyone.</span>"
	    "</div>");
	radius_select(b, q);
	html_raw(b, "<div class=\"field field-submit\">"
	    "<button type=\"submit\">Search</button></div></div>");
	if (kind != FORM_SHORT) {
		html_raw(b, "<details class=\"filters\"");
		if (kind == FORM_HOME || has_filters(q))
			html_raw(b, " open");
		html_raw(b, "><summary>Filters</summary>");
		filter_controls(b, db, q);
		html_raw(b, "<div class=\"filter-actions\">"
		    "<button type=\"submit\">Search</button></div></details>");
	}
	html_raw(b, "</form>\n");
}

/* The query an empty form submits: the engine's own defaults. */
static void
query_defaults(struct search_query *q)
{
	struct err ignored = ERR_INIT;
	if (search_query_parse(q, NULL, 0, &ignored) < 0) {
		memset(q, 0, sizeof(*q));
		q->format = q->fee_max = -1;
		q->limit = SEARCH_DEFAULT_LIMIT;
		q->radius = q->radius_km = SEARCH_DEFAULT_RADIUS;
	}
}

/* ---- Home ---- */

int
page_home(struct http_request *req, struct http_response *res, struct err *e)
{
	struct app *app = req->app;
	struct search_query q;
	query_defaults(&q);
	struct page p = { "Find an Imago relationship therapist", NULL, "page-home", req };
	struct buf *b = &res->body;
	page_begin(b, app, &p);
	html_raw(b, "<section class=\"intro\">"
	    "<h1>Find an Imago relationship therapist</h1>"
	    "<p>Search the directory of certified Imago therapists by place,"
	    " or find one who works online. Every listing shows whether the"
	    " therapist's certification has been verified.</p></section>\n");
	search_form(b, app_db(app), &q, FORM_HOME);
	page_end(b, app);
	http_reply_html(res, 200);
	return 0;
}

/* ---- Results ---- */

static void
results_heading(struct buf *b, const struct search_query *q,
    const struct search_result *r)
{
	html_raw(b, "<h1>");
	if (r->has_location) {
		html_raw(b, "Imago therapists near ");
		html_text(b, r->location.best.name);
	} else if (q->q[0]) {
		html_raw(b, "Imago therapists matching \xe2\x80\x9c");
		html_text(b, q->q);
		html_raw(b, "\xe2\x80\x9d");
	} else {
		html_raw(b, "Imago therapists");
	}
	html_raw(b, "</h1>\n");
}

/* What the list is: "Showing therapists within 40 km of ...". */
static void
results_summary(struct buf *b, const struct search_query *q,
    const struct search_result *r)
{
	char radius[32];
	html_raw(b, "<p class=\"summary\" id=\"summary\">");
	if (r->has_location && r->online_by_license) {
		html_raw(b, "Showing therapists who offer online sessions and are"
		    " licensed to practise where you are (<strong class=\"location\">");
		html_text(b, r->location.best.label);
		html_raw(b, "</strong>), nearest first.");
	} else if (r->has_location) {
		format_radius(radius, sizeof(radius),
		    km_to_unit(r->radius_km, q->unit_miles));
		html_textf(b, "Showing therapists within %s %s of ", radius,
		    unit_name(q->unit_miles));
		html_raw(b, "<strong class=\"location\">");
		html_text(b, r->location.best.label);
		html_raw(b, "</strong>, nearest first.");
	} else if (q->q[0]) {
		html_raw(b, "Showing therapists whose profile matches your"
		    " keyword, best match first.");
	} else if (has_filters(q)) {
		html_raw(b, "Showing therapists matching your filters, sorted by name.");
	} else {
		html_raw(b, "Showing all therapists, sorted by name.");
	}
	html_raw(b, "</p>\n");
}

static void
did_you_mean(struct buf *b, const struct search_query *q,
    const struct search_result *r)
{
	if (!r->has_location || r->location.alternative_count == 0)
		return;
	html_raw(b, "<p class=\"did-you-mean\">Did you mean: ");
	for (int i = 0; i < r->location.alternative_count; i++) {
		const struct place *alt = &r->location.alternatives[i];
		struct search_query other = *q;
		/* The label names the place unambiguously; the short name
		 * stands in should a label ever be too long for a query. */
		const char *text = strlen(alt->label) < sizeof(other.near) ?
		    alt->label : alt->name;
		memcpy(other.near, text, strlen(text) + 1);
		other.has_near = true;
		if (i > 0)
			html_raw(b, ", ");
		html_raw(b, "<a");
		query_href(b, &other, 0);
		html_raw(b, ">");
		html_text(b, alt->label);
		html_raw(b, "</a>");
	}
	html_raw(b, "?</p>\n");
}

static void
result_count(struct buf *b, const struct search_result *r)
{
	html_raw(b, "<p class=\"count\" id=\"result-count\">");
	if (r->total == 0) {
		html_raw(b, "No therapists found.");
	} else if (r->count == 0) {
		html_textf(b, "%lld %s found; this page is past the end of the list.",
		    r->total, r->total == 1 ? "therapist" : "therapists");
	} else {
		html_textf(b, "Showing %d\xe2\x80\x93%d of %lld %s.", r->offset + 1,
		    r->offset + r->count, r->total,
		    r->total == 1 ? "therapist" : "therapists");
	}
	html_raw(b, "</p>\n");
}

/* The map the script draws; without JavaScript the element stays empty
 * and hidden. Markers come from the data-* attributes of the list. */
static void
map_placeholder(struct buf *b, struct app *app, const char *label)
{
	html_raw(b, "<div id=\"map\" class=\"map\" role=\"region\"");
	html_attr(b, "aria-label", label);
	html_attr(b, "data-tile-url", app->tile_url ? app->tile_url : "");
	html_attr(b, "data-tile-attribution",
	    app->tile_attribution ? app->tile_attribution : "");
}

static void
results_map(struct buf *b, struct app *app, const struct search_result *r)
{
	/* Only a map with markers on it is worth its space. */
	bool any = false;
	for (int i = 0; i < r->count && !any; i++)
		any = r->rows[i].has_location;
	if (!any || app->tile_url == NULL || *app->tile_url == '\0')
		return;
	map_placeholder(b, app, "Map of the therapists on this page");
	if (r->has_location) {
		html_attrf(b, "data-lat", "%.6f", r->location.best.lat);
		html_attrf(b, "data-lon", "%.6f", r->location.best.lon);
		if (!r->online_by_license)
			html_attrf(b, "data-radius-km", "%.3f", r->radius_km);
	}
	html_raw(b, "></div>\n");
}

static void
result_place(struct buf *b, sqlite3 *db, const struct search_query *q,
    const struct search_row *row)
{
	html_raw(b, "<p class=\"where\">");
	if (!isnan(row->distance_km)) {
		html_raw(b, "<span class=\"distance\">");
		html_textf(b, "%.1f %s away", km_to_unit(row->distance_km,
		    q->unit_miles), unit_name(q->unit_miles));
		html_raw(b, "</span>");
		if (*row->city || *row->region || *row->country)
			html_raw(b, " \xc2\xb7 ");
	}
	place_line(b, db, row->city, row->region, row->country);
	html_raw(b, "</p>");
}

static void
result_facts(struct buf *b, sqlite3 *db, const struct search_row *row)
{
	html_raw(b, "<dl class=\"facts\">");
	if (row->certifications) {
		fact(b, "Certification");
		certification_labels(b, row->certifications);
		html_raw(b, "</dd>");
	}
	if (row->formats) {
		fact(b, "Sessions");
		slug_labels(b, &therapist_formats, row->formats);
		html_raw(b, "</dd>");
	}
	if (row->specialties) {
		fact(b, "Specialties");
		slug_labels(b, &therapist_specialties, row->specialties);
		html_raw(b, "</dd>");
	}
	if (row->languages && *row->languages) {
		fact(b, "Languages");
		each_code(row->languages, language_item, b, db);
		html_raw(b, "</dd>");
	}
	fact(b, "Fees");
	fee_text(b, row->fee_min, row->fee_max, row->sliding_scale);
	html_raw(b, "</dd></dl>");
}

static void
result_item(struct buf *b, sqlite3 *db, const struct search_query *q,
    const struct search_row *row)
{
	char href[48];
	snprintf(href, sizeof(href), "/therapists/%lld", (long long)row->id);
	html_raw(b, "<li class=\"result\"");
	html_attr(b, "data-name", row->name);
	html_url_attr(b, "data-href", href);
	if (row->has_location) {
		html_attrf(b, "data-lat", "%.6f", row->lat);
		html_attrf(b, "data-lon", "%.6f", row->lon);
	}
	html_raw(b, "><article><h2 class=\"result-name\"><a");
	html_url_attr(b, "href", href);
	html_raw(b, ">");
	html_text(b, row->name);
	html_raw(b, "</a>");
	if (row->credentials && *row->credentials) {
		html_raw(b, "<span class=\"credentials\">, ");
		html_text(b, row->credentials);
		html_raw(b, "</span>");
	}
	html_raw(b, "</h2><p class=\"badges\">");
	if (row->verified)
		badge(b, "badge-verified", "Verified");
	if (only_facilitator(row->certifications))
		badge(b, "badge-facilitator", "Not a licensed therapist");
	badge(b, row->accepting_new_clients ? "badge-accepting" : "badge-closed",
	    row->accepting_new_clients ? "Accepting new clients" :
	    "Not accepting new clients");
	html_raw(b, "</p>");
	result_place(b, db, q, row);
	result_facts(b, db, row);
	html_raw(b, "</article></li>\n");
}

/* A bigger radius to suggest when nothing was found, or 0. */
static double
wider_radius(const struct search_query *q)
{
	double max = q->unit_miles ? SEARCH_MAX_RADIUS_MI : SEARCH_MAX_RADIUS_KM;
	double next = q->radius < 100 ? 100 : q->radius < 250 ? 250 : max;
	return next > q->radius ? next : 0;
}

static void
empty_state(struct buf *b, const struct search_query *q,
    const struct search_result *r)
{
	html_raw(b, "<div class=\"empty\"><h2>No therapists match this"
	    " search</h2><p>Some things to try:</p><ul>");
	double wider = wider_radius(q);
	if (r->has_location && !r->online_by_license && wider > 0) {
		struct search_query w = *q;
		char v[32];
		w.radius = wider;
		w.radius_km = q->unit_miles ? wider * GEO_KM_PER_MILE : wider;
		format_radius(v, sizeof(v), wider);
		html_raw(b, "<li><a");
		query_href(b, &w, 0);
		html_raw(b, ">");
		html_textf(b, "Search within %s %s instead", v,
		    unit_name(q->unit_miles));
		html_raw(b, "</a></li>");
	}
	if (q->format != FORMAT_ONLINE) {
		struct search_query o = *q;
		o.format = FORMAT_ONLINE;
		html_raw(b, "<li><a");
		query_href(b, &o, 0);
		html_raw(b, ">Look for therapists who offer online sessions</a></li>");
	}
	if (has_filters(q)) {
		struct search_query c;
		query_defaults(&c);
		c.has_near = q->has_near;
		memcpy(c.near, q->near, sizeof(c.near));
		c.radius = q->radius;
		c.radius_km = q->radius_km;
		c.unit_miles = q->unit_miles;
		html_raw(b, "<li><a");
		query_href(b, &c, 0);
		html_raw(b, ">Remove the filters</a></li>");
	}
	html_raw(b, "<li><a href=\"/therapists\">See every therapist in the"
	    " directory</a></li></ul></div>\n");
}

static void
pagination(struct buf *b, const struct search_query *q,
    const struct search_result *r)
{
	bool prev = r->offset > 0;
	bool next = (long long)r->offset + r->count < r->total &&
	    r->offset + r->limit <= SEARCH_MAX_OFFSET;
	if (!prev && !next)
		return;
	html_raw(b, "<nav class=\"pagination\" aria-label=\"Pages of results\">");
	if (prev) {
		int offset = r->offset - r->limit;
		html_raw(b, "<a rel=\"prev\" class=\"prev\"");
		query_href(b, q, offset > 0 ? offset : 0);
		html_raw(b, ">\xe2\x86\x90 Previous</a>");
	}
	if (r->count > 0) {
		html_raw(b, "<span class=\"page-range\">");
		html_textf(b, "Showing %d\xe2\x80\x93%d of %lld", r->offset + 1,
		    r->offset + r->count, r->total);
		html_raw(b, "</span>");
	}
	if (next) {
		html_raw(b, "<a rel=\"next\" class=\"next\"");
		query_href(b, q, r->offset + r->limit);
		html_raw(b, ">Next \xe2\x86\x92</a>");
	}
	html_raw(b, "</nav>\n");
}

static void
results_list(struct buf *b, sqlite3 *db, const struct search_query *q,
    const struct search_result *r)
{
	if (r->count == 0) {
		if (r->total == 0)
			empty_state(b, q, r);
		else {
			html_raw(b, "<p><a");
			query_href(b, q, 0);
			html_raw(b, ">Back to the first page</a></p>");
		}
		return;
	}
	html_raw(b, "<ol class=\"results\" id=\"results\"");
	html_attrf(b, "start", "%d", r->offset + 1);
	html_raw(b, ">\n");
	for (int i = 0; i < r->count; i++)
		result_item(b, db, q, &r->rows[i]);
	html_raw(b, "</ol>\n");
}

static void
results_body(struct buf *b, struct app *app, sqlite3 *db,
    const struct search_query *q, const struct search_result *r)
{
	html_raw(b, "<div class=\"results-layout\">"
	    "<aside class=\"results-search\" aria-label=\"Search\">");
	search_form(b, db, q, FORM_RESULTS);
	html_raw(b, "</aside><section class=\"results-main\">");
	results_heading(b, q, r);
	results_summary(b, q, r);
	did_you_mean(b, q, r);
	result_count(b, r);
	results_map(b, app, r);
	results_list(b, db, q, r);
	pagination(b, q, r);
	html_raw(b, "</section></div>\n");
}

/* The place could not be found: say so, and offer the form again with
 * everything the person typed. */
static int
results_unknown_place(struct http_request *req, struct http_response *res,
    const struct search_query *q, const struct err *e)
{
	struct app *app = req->app;
	struct buf *b = &res->body;
	struct page p = { "Place not found", NULL, "page-results", req };
	page_begin(b, app, &p);
	html_raw(b, "<div class=\"results-layout\">"
	    "<aside class=\"results-search\" aria-label=\"Search\">");
	search_form(b, app_db(app), q, FORM_RESULTS);
	html_raw(b, "</aside><section class=\"results-main\">"
	    "<h1>We couldn\xe2\x80\x99t find that place</h1>"
	    "<p class=\"notice\" role=\"alert\">We couldn\xe2\x80\x99t find"
	    " \xe2\x80\x9c");
	html_text(b, q->near);
	html_raw(b, "\xe2\x80\x9d. Check the spelling, or try a city name"
	    " (Austin, Paris, France), a US ZIP code (10001) or a Canadian"
	    " postal code (M5V).</p>"
	    "<p><a href=\"/therapists\">See every therapist in the"
	    " directory</a></p></section></div>\n");
	page_end(b, app);
	http_reply_html(res, 422);
	return 0;
}

int
page_results(struct http_request *req, struct http_response *res, struct err *e)
{
	struct app *app = req->app;
	struct search_query q;
	if (search_query_parse(&q, req->params, req->nparams, e) < 0)
		return -1;
	sqlite3 *db = app_db(app);
	if (db == NULL)
		return err_internal(e, "the database is not available");
	/* About 15 KB of rows: from the arena, not the stack. */
	struct search_result *r = arena_alloc(req->arena, sizeof(*r));
	if (search_run(app->engine, db, &q, r, e) < 0) {
		search_result_release(r);
		if (e->status == 422 && strcmp(e->code, "unknown_location") == 0)
			return results_unknown_place(req, res, &q, e);
		return -1;
	}
	struct buf title = BUF_INIT;
	if (r->has_location)
		buf_printf(&title, "Imago therapists near %s", r->location.best.name);
	else
		buf_puts(&title, "Imago therapists");
	struct page p = { buf_cstr(&title), NULL, "page-results", req };
	struct buf *b = &res->body;
	page_begin(b, app, &p);
	results_body(b, app, db, &q, r);
	page_end(b, app);
	search_result_release(r);
	buf_free(&title);
	http_reply_html(res, 200);
	return 0;
}

/* A moment as "3 May 2025, 14:02 UTC" in a <time> element. */
void
page_moment(struct buf *b, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char iso[32], shown[48];
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
	    strftime(shown, sizeof(shown), "%-d %b %Y, %H:%M UTC", &tm) == 0) {
		html_raw(b, "an unknown time");
		return;
	}
	html_raw(b, "<time");
	html_attr(b, "datetime", iso);
	html_raw(b, ">");
	html_text(b, shown);
	html_raw(b, "</time>");
}

/* ---- Profile ---- */

/* Markdown from the profile, rendered by cmark in safe mode (the default
 * since 0.29; CMARK_OPT_SAFE says so for older versions): raw HTML is
 * replaced by a comment and javascript:/vbscript:/file: links are
 * dropped, which is what makes html_raw() acceptable here. */
void
page_markdown(struct buf *b, const char *text)
{
	char *html = cmark_markdown_to_html(text, strlen(text),
	    CMARK_OPT_DEFAULT | CMARK_OPT_SAFE);
	html_raw(b, html);
	free(html);
}

static void
profile_section_markdown(struct buf *b, const char *heading, const char *text)
{
	if (text == NULL || *text == '\0')
		return;
	html_raw(b, "<section class=\"prose\"><h2>");
	html_text(b, heading);
	html_raw(b, "</h2>");
	page_markdown(b, text);
	html_raw(b, "</section>\n");
}

/* "Verified by imago on 2026-05-01", the date from a date or an ISO
 * timestamp. Only for verified profiles: an unverified one says nothing
 * about verification, since most listings were never checked and
 * "not verified" would read as a warning about the person. */
static void
verified_text(struct buf *b, const struct therapist *t)
{
	const char *d = t->verified_at;
	if (d != NULL && strlen(d) >= 10 && d[4] == '-' && d[7] == '-') {
		html_raw(b, "Verified by imago on ");
		html_text_n(b, d, 10);
	} else {
		html_raw(b, "Verified by imago");
	}
}

static void
profile_header(struct buf *b, const struct therapist *t)
{
	html_raw(b, "<header class=\"profile-head\"><h1>");
	html_text(b, t->name);
	html_raw(b, "</h1>");
	if (*t->credentials) {
		html_raw(b, "<p class=\"credentials\">");
		html_text(b, t->credentials);
		html_raw(b, "</p>");
	}
	html_raw(b, "<p class=\"badges\">");
	if (t->verified) {
		html_raw(b, "<span class=\"badge badge-verified\">");
		verified_text(b, t);
		html_raw(b, "</span>");
	}
	badge(b, t->accepting_new_clients ? "badge-accepting" : "badge-closed",
	    t->accepting_new_clients ? "Accepting new clients" :
	    "Not accepting new clients");
	html_raw(b, "</p>");
	if (only_facilitator(t->certifications))
		html_raw(b, "<p class=\"notice facilitator-note\"><strong>Imago"
		    " Facilitator (not a licensed therapist).</strong> Imago"
		    " Facilitators are trained to lead Imago dialogue and"
		    " workshops, but they are not licensed to practise"
		    " therapy.</p>");
	html_raw(b, "</header>\n");
}

static bool
has_office(const struct therapist *t)
{
	return *t->address || *t->city || *t->region || *t->postal_code ||
	    *t->country;
}

static void
profile_contact(struct buf *b, sqlite3 *db, const struct therapist *t)
{
	/* The address shows only when its therapist chose so; otherwise
	 * the message form (pages_contact.c) relays. */
	bool email = t->show_email && *t->email;
	if (!*t->phone && !email && !*t->website && !has_office(t))
		return;
	html_raw(b, "<section class=\"card\"><h2>Contact</h2><dl class=\"facts\">");
	if (*t->phone) {
		struct buf tel = BUF_INIT;
		buf_puts(&tel, "tel:");
		for (const char *p = t->phone; *p; p++)
			if ((*p >= '0' && *p <= '9') || *p == '+')
				buf_putc(&tel, *p);
		fact(b, "Phone");
		html_raw(b, "<a");
		html_url_attr(b, "href", buf_cstr(&tel));
		html_raw(b, ">");
		html_text(b, t->phone);
		html_raw(b, "</a></dd>");
		buf_free(&tel);
	}
	if (email) {
		struct buf mail = BUF_INIT;
		buf_puts(&mail, "mailto:");
		buf_puts(&mail, t->email);
		fact(b, "Email");
		html_raw(b, "<a");
		html_url_attr(b, "href", buf_cstr(&mail));
		html_raw(b, ">");
		html_text(b, t->email);
		html_raw(b, "</a></dd>");
		buf_free(&mail);
	}
	if (*t->website) {
		fact(b, "Website");
		html_raw(b, "<a rel=\"nofollow noopener\"");
		html_url_attr(b, "href", t->website);
		html_raw(b, ">");
		html_text(b, t->website);
		html_raw(b, "</a></dd>");
	}
	if (!has_office(t)) {
		html_raw(b, "</dl></section>\n");
		return;
	}
	fact(b, "Office");
	html_raw(b, "<address>");
	if (*t->address) {
		html_text(b, t->address);
		html_raw(b, "<br>");
	}
	if (*t->postal_code) {
		html_text(b, t->postal_code);
		html_raw(b, " ");
	}
	place_line(b, db, t->city, t->region, t->country);
	html_raw(b, "</address></dd></dl></section>\n");
}

static void
profile_details(struct buf *b, sqlite3 *db, const struct therapist *t)
{
	html_raw(b, "<section class=\"card\"><h2>Details</h2><dl class=\"facts\">");
	fact(b, "Certification");
	if (t->certifications)
		certification_labels(b, t->certifications);
	else
		html_raw(b, "None listed");
	html_raw(b, "</dd>");
	if (t->verified) {
		fact(b, "Verification");
		verified_text(b, t);
		html_raw(b, "</dd>");
	}
	if (t->years_experience >= 0) {
		fact(b, "Experience");
		html_textf(b, "%d %s", t->years_experience,
		    t->years_experience == 1 ? "year" : "years");
		html_raw(b, "</dd>");
	}
	fact(b, "Sessions");
	if (t->formats)
		slug_labels(b, &therapist_formats, t->formats);
	else
		html_raw(b, "Not listed");
	html_raw(b, "</dd>");
	if (*t->languages) {
		fact(b, "Languages");
		each_code(t->languages, language_item, b, db);
		html_raw(b, "</dd>");
	}
	fact(b, "New clients");
	html_raw(b, t->accepting_new_clients ? "Accepting new clients" :
	    "Not accepting new clients");
	html_raw(b, "</dd>");
	fact(b, "Fees");
	fee_text(b, t->fee_min, t->fee_max, t->sliding_scale);
	html_raw(b, "</dd>");
	if (*t->license_number) {
		fact(b, "Licence number");
		html_text(b, t->license_number);
		html_raw(b, "</dd>");
	}
	if (*t->license_regions) {
		fact(b, "Licensed in");
		each_code(t->license_regions, license_region_item, b, db);
		html_raw(b, "</dd>");
	}
	html_raw(b, "</dl></section>\n");
}

static void
profile_specialties(struct buf *b, const struct therapist *t)
{
	if (t->specialties == 0)
		return;
	html_raw(b, "<section><h2>Specialties</h2><ul class=\"tags\">");
	for (int i = 0; i < therapist_specialties.count; i++) {
		if (!(t->specialties & (1u << i)))
			continue;
		html_raw(b, "<li>");
		html_text(b, therapist_specialties.labels[i]);
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul></section>\n");
}

static void
profile_map(struct buf *b, struct app *app, const struct therapist *t)
{
	if (!t->has_location || app->tile_url == NULL || *app->tile_url == '\0')
		return;
	map_placeholder(b, app, "Map of the office location");
	html_attrf(b, "data-lat", "%.6f", t->lat);
	html_attrf(b, "data-lon", "%.6f", t->lon);
	html_attr(b, "data-name", t->name);
	html_raw(b, " data-zoom=\"13\"></div>\n");
}

static void
profile_body(struct buf *b, struct http_request *req, sqlite3 *db,
    const struct therapist *t)
{
	struct app *app = req->app;
	html_raw(b, "<article class=\"profile\">"
	    "<p class=\"back\"><a href=\"/\">\xe2\x86\x90 New search</a></p>");
	profile_header(b, t);
	html_raw(b, "<div class=\"profile-grid\"><div class=\"profile-main\">");
	profile_section_markdown(b, "About", t->bio);
	profile_section_markdown(b, "Approach", t->approach);
	profile_specialties(b, t);
	profile_booking_section(b, req, db, t);
	profile_recommendations_section(b, req, db, t);
	html_raw(b, "</div><div class=\"profile-side\">");
	profile_contact(b, db, t);
	profile_contact_form(b, req, t);
	profile_map(b, app, t);
	profile_details(b, db, t);
	html_raw(b, "</div></div></article>\n");
}

int
page_profile(struct http_request *req, struct http_response *res, struct err *e)
{
	struct app *app = req->app;
	long long id;
	const char *arg = req->path_args[0];
	if (arg == NULL || num_parse_long(arg, 1, INT64_MAX, &id) < 0)
		return err_set(e, 404, "not_found", NULL,
		    "There is no therapist profile at this address.");
	sqlite3 *db = app_db(app);
	if (db == NULL)
		return err_internal(e, "the database is not available");
	struct therapist t;
	int rc = therapist_get(db, id, req->arena, &t, e);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return err_set(e, 404, "not_found", NULL,
		    "This therapist is not listed in the directory (any more).");
	struct page p = { t.name, "", "page-profile", req };
	struct buf *b = &res->body;
	page_begin(b, app, &p);
	/* Admins get a way to the listing's controls (verify, hide). */
	if (policy_admin(&web_session(req)->auth)) {
		html_raw(b, "<p class=\"admin-link\"><a");
		html_attrf(b, "href", "/admin/therapists/%lld", (long long)t.id);
		html_raw(b, ">Manage this listing (admin)</a></p>\n");
	}
	profile_body(b, req, db, &t);
	page_end(b, app);
	http_reply_html(res, 200);
	return 0;
}

/* ---- Errors ---- */

int
page_not_found(struct http_request *req, struct http_response *res, struct err *e)
{
	return err_set(e, 404, "not_found", NULL, "There is no page at this address.");
}

static const char *
error_title(int status)
{
	switch (status) {
	case 400:
		return "Please check your search";
	case 404:
		return "Page not found";
	case 405:
		return "Method not allowed";
	case 413:
		return "Request too large";
	case 422:
		return "Place not found";
	case 429:
		return "Too many requests";
	case 503:
		return "Temporarily unavailable";
	default:
		return status >= 500 ? "Something went wrong" : "Request not understood";
	}
}

static void
error_page(struct buf *b, struct app *app, struct http_request *req, const struct err *e)
{
	int status = e->status >= 400 && e->status <= 599 ? e->status : 500;
	struct page p = { error_title(status), NULL, "page-error", req };
	struct search_query q;
	query_defaults(&q);
	page_begin(b, app, &p);
	html_raw(b, "<section class=\"error-page\"><p class=\"status\">");
	html_textf(b, "Error %d", status);
	html_raw(b, "</p><h1>");
	html_text(b, p.title);
	html_raw(b, "</h1><p class=\"notice\" role=\"alert\">");
	/* Messages of server errors may describe internals; people get a
	 * plain apology and the details stay in the log. */
	if (status >= 500 || e->message[0] == '\0')
		html_raw(b, status >= 500 ? "Something went wrong on our side."
		    " Please try again in a moment." : "The request could not be"
		    " handled.");
	else
		html_text(b, e->message);
	if (status < 500 && e->param[0] != '\0') {
		html_raw(b, " (the <code>");
		html_text(b, e->param);
		html_raw(b, "</code> field)");
	}
	html_raw(b, "</p><h2>Search the directory</h2>");
	search_form(b, NULL, &q, FORM_SHORT);
	html_raw(b, "<p><a href=\"/\">Go to the home page</a></p></section>\n");
	page_end(b, app);
}

void
page_error(struct buf *b, struct app *app, const struct err *e)
{
	error_page(b, app, NULL, e);
}

void
page_error_for(struct buf *b, struct http_request *req, const struct err *e)
{
	error_page(b, req->app, req, e);
}
