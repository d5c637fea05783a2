/*
 * Booking pages. Everything works without JavaScript: the profile lists
 * what a therapist offers, /therapists/{id}/book lists free times day by
 * day (as radio buttons) in the visitor's zone with the booking form
 * under them, and emailed links open pages with one button, so a mail
 * scanner that follows links books or cancels nothing. app.js only picks
 * the browser's zone and folds the days into a picker.
 */
#include "pages.h"

#include <stdio.h>
#include <string.h>

#include "../booking/booking.h"
#include "../directory/profile.h"
#include "../policy/policy.h"
#include "../util/html.h"
#include "../util/num.h"
#include "input.h"

#define BOOK_PAGE_DAYS	14

static const char *const day_names[] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday"
};
static const char *const month_names[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* ---- small pieces ------------------------------------------------------------ */

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ?
	    id : 0;
}

static void
begin(struct buf *b, struct http_request *req, const char *title)
{
	struct page p = { title, NULL, "page-booking", req };
	page_begin(b, req->app, &p);
}

static void
hidden_id(struct buf *b, const char *name, int64_t id)
{
	html_raw(b, "<input type=\"hidden\"");
	html_attr(b, "name", name);
	html_attrf(b, "value", "%lld", (long long)id);
	html_raw(b, ">");
}

static void
text_field(struct buf *b, const char *name, const char *label, const char *type,
    const char *value, int maxlength, bool required, const char *autocomplete)
{
	html_raw(b, "<div class=\"field\"><label");
	html_attr(b, "for", name);
	html_raw(b, ">");
	html_text(b, label);
	if (!required)
		html_raw(b, " <span class=\"optional\">(optional)</span>");
	html_raw(b, "</label><input");
	html_attr(b, "id", name);
	html_attr(b, "name", name);
	html_attr(b, "type", type);
	html_attrf(b, "maxlength", "%d", maxlength);
	if (value != NULL)
		html_attr(b, "value", value);
	if (autocomplete != NULL)
		html_attr(b, "autocomplete", autocomplete);
	if (required)
		html_raw(b, " required");
	html_raw(b, "></div>");
}

static void
button_form(struct buf *b, struct http_request *req, const char *action,
    const char *label, const char *token_name, const char *token, const char *cls)
{
	page_form_begin(b, req, action);
	if (token != NULL)
		page_hidden(b, token_name, token);
	html_raw(b, "<button type=\"submit\"");
	if (cls != NULL)
		html_attr(b, "class", cls);
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</button></form>");
}

static void
when_text(struct buf *b, const char *zone, time_t start, time_t end)
{
	struct buf t = BUF_INIT;
	booking_format_when(&t, zone, start, end);
	html_text(b, buf_cstr(&t));
	buf_free(&t);
}

static void
type_summary(struct buf *b, const char *name, int minutes, int fee,
    const char *currency, const char *mode)
{
	html_text(b, name);
	html_textf(b, " \xc2\xb7 %d minutes \xc2\xb7 ", minutes);
	if (fee == 0)
		html_raw(b, "free");
	else
		html_textf(b, "%d %s", fee, currency);
	html_raw(b, strcmp(mode, "video") == 0 ? " \xc2\xb7 by video" :
	    " \xc2\xb7 in person");
}

static const char *
typed(const struct input *in, const char *key)
{
	for (size_t i = 0; in != NULL && i < in->n; i++)
		if (strcmp(in->fields[i].key, key) == 0)
			return in->fields[i].value;
	return NULL;
}

/* ---- the profile's section --------------------------------------------------- */

void
profile_booking_section(struct buf *b, struct http_request *req, sqlite3 *db,
    const struct therapist *t)
{
	struct account_request r;
	struct availability av;
	struct err e = ERR_INIT;
	(void)db;
	if (web_account_request(req, &r, &e) != 0 || booking_offer(&r, t->id, &av,
	    &e) != 0)
		return;
	html_raw(b, "<section class=\"card booking\" id=\"book\"><h2>Book a"
	    " consultation or session</h2><ul class=\"booking-types\">");
	for (size_t i = 0; i < av.ntypes; i++) {
		const struct appointment_type *ty = &av.types[i];
		html_raw(b, "<li><a class=\"book-link\"");
		html_attrf(b, "href", "/therapists/%lld/book?type=%lld",
		    (long long)t->id, (long long)ty->id);
		html_raw(b, ">");
		type_summary(b, ty->name, ty->minutes, ty->fee, ty->currency, ty->mode);
		html_raw(b, "</a></li>");
	}
	html_raw(b, "</ul><p class=\"hint\">Times are shown in your time zone;"
	    " you can change it on the next page. ");
	html_textf(b, "Book at least %d hours ahead; you can cancel or move a"
	    " booking online until %d hours before it.",
	    (av.min_notice_minutes + 59) / 60, av.cancel_window_hours);
	html_raw(b, "</p></section>\n");
}

/* ---- the slot list and booking form ------------------------------------------ */

struct book_view {
	int64_t			 therapist_id;
	const struct therapist	*t;
	const struct availability *av;
	const struct appointment_type *type;
	const struct tz		*zone;
	time_t			 from;
	const struct input	*typed;		/* after a refused submission */
	const struct err	*e;
	const char		*action;	/* where the form posts */
	const char		*token;		/* manage link (moving) */
	const char		*ref;		/* the appointment moved (signed in) */
	bool			 moving;
};

static void
zone_form(struct buf *b, const struct book_view *v, const char *path)
{
	html_raw(b, "<form method=\"get\" class=\"zone-form\"");
	html_attr(b, "action", path);
	html_raw(b, ">");
	if (v->token != NULL)
		page_hidden(b, "token", v->token);
	if (v->moving)
		page_hidden(b, "move", "1");
	else
		hidden_id(b, "type", v->type->id);
	page_zone_select(b, "tz", "Time zone", tz_name(v->zone));
	html_raw(b, "<button type=\"submit\" class=\"button-secondary\">Show times"
	    "</button></form>");
}

static void
day_heading(struct buf *b, const struct civil *c)
{
	html_textf(b, "%s %d %s", day_names[(c->weekday + 6) % 7], c->day,
	    month_names[(c->month + 11) % 12]);
}

/* Radio buttons for each free time, one fieldset per day. */
static void
slot_list(struct buf *b, const struct book_view *v, const struct slot *s, size_t n)
{
	const char *chosen = typed(v->typed, "start");
	int64_t open_day = -1;
	struct tz_table zone;
	tz_table_init(&zone, v->zone, n > 0 ? s[0].start : 0,
	    n > 0 ? s[n - 1].start : 0);
	html_raw(b, "<div class=\"slot-days\">");
	for (size_t i = 0; i < n; i++) {
		struct civil c;
		char iso[32];
		tz_table_local(&zone, s[i].start, &c);
		int64_t day = civil_days(c.year, c.month, c.day);
		if (day != open_day) {
			if (open_day >= 0)
				html_raw(b, "</div></fieldset>");
			html_raw(b, "<fieldset class=\"slot-day\"><legend>");
			day_heading(b, &c);
			html_raw(b, "</legend><div class=\"slots\">");
			open_day = day;
		}
		utc_format_iso(s[i].start, iso);
		html_raw(b, "<label class=\"slot\"><input type=\"radio\" name=\"start\""
		    " required");
		html_attr(b, "value", iso);
		if (chosen != NULL && strcmp(chosen, iso) == 0)
			html_raw(b, " checked");
		html_raw(b, "><span>");
		html_textf(b, "%02d:%02d", c.hour, c.minute);
		html_raw(b, "</span></label>");
	}
	if (open_day >= 0)
		html_raw(b, "</div></fieldset>");
	html_raw(b, "</div>");
	if (n == 0)
		html_raw(b, "<p class=\"empty\">No free times in these two weeks."
		    " Try later dates.</p>");
}

static void
later_link(struct buf *b, const struct book_view *v, const char *path)
{
	struct civil c;
	char date[11];
	tz_local(v->zone, v->from + (time_t)BOOK_PAGE_DAYS * 86400 + 3600, &c);
	civil_format_date(&c, date);
	html_raw(b, "<p class=\"later\"><a");
	struct buf href = BUF_INIT;
	buf_printf(&href, "%s?", path);
	if (v->token != NULL)
		buf_printf(&href, "token=%s&", v->token);
	if (v->moving)
		buf_puts(&href, "move=1&");
	else
		buf_printf(&href, "type=%lld&", (long long)v->type->id);
	buf_puts(&href, "tz=");
	html_query_escape(&href, tz_name(v->zone));
	buf_printf(&href, "&from=%s", date);
	html_url_attr(b, "href", buf_cstr(&href));
	buf_free(&href);
	html_raw(b, ">Later dates \xe2\x86\x92</a></p>");
}

static void
person_fields(struct buf *b, struct http_request *req, const struct book_view *v)
{
	const struct auth *a = &web_session(req)->auth;
	bool signed_in = a->kind != AUTH_NONE && a->stage == SESSION_SIGNED_IN;
	const char *name = typed(v->typed, "name");
	if (name == NULL && signed_in)
		name = a->user.display_name;
	text_field(b, "name", "Your name", "text", name, BOOKING_NAME_MAX, true, "name");
	if (!signed_in)
		text_field(b, "email", "Your email address", "email",
		    typed(v->typed, "email"), 254, true, "email");
	text_field(b, "phone", "Phone", "tel", typed(v->typed, "phone"), 40, false,
	    "tel");
	html_raw(b, "<div class=\"field\"><label for=\"note\">Anything the therapist"
	    " should know <span class=\"optional\">(optional)</span></label>"
	    "<textarea id=\"note\" name=\"note\" rows=\"3\" maxlength=\"2000\">");
	const char *note = typed(v->typed, "note");
	if (note != NULL)
		html_text(b, note);
	html_raw(b, "</textarea></div>");
	if (!signed_in)
		html_raw(b, "<p class=\"hint\">We email you a link to confirm the"
		    " booking; the time is held for you for 30 minutes.</p>");
}

static int
book_page(struct http_request *req, struct http_response *res,
    const struct book_view *v, int status)
{
	struct account_request r;
	struct err e = ERR_INIT;
	struct slot *slots = NULL;
	size_t n = 0;
	if (web_account_request(req, &r, &e) == 0 && booking_slots(&r,
	    v->therapist_id, v->type->id, v->from, BOOK_PAGE_DAYS, &slots, &n,
	    &e) < 0)
		n = 0;
	struct buf *b = &res->body;
	/* Where the zone form and "later dates" go: this same page. */
	const char *path = v->token != NULL ? "/appointments/manage" :
	    v->moving ? arena_printf(req->arena, "/appointments/%s", v->ref) :
	    arena_printf(req->arena, "/therapists/%lld/book", (long long)v->therapist_id);
	begin(b, req, v->moving ? "Choose a new time" : "Book an appointment");
	html_raw(b, "<article class=\"booking-page\"><p class=\"back\"><a");
	html_attrf(b, "href", "/therapists/%lld", (long long)v->therapist_id);
	html_raw(b, ">\xe2\x86\x90 Back to the profile</a></p><h1>");
	html_text(b, v->moving ? "Choose a new time with " : "Book with ");
	html_text(b, v->t->name);
	html_raw(b, "</h1><p class=\"lead\">");
	type_summary(b, v->type->name, v->type->minutes, v->type->fee,
	    v->type->currency, v->type->mode);
	html_raw(b, "</p>");
	if (!v->moving && v->av->ntypes > 1) {
		html_raw(b, "<p class=\"other-types\">Other kinds: ");
		for (size_t i = 0; i < v->av->ntypes; i++) {
			if (v->av->types[i].id == v->type->id)
				continue;
			html_raw(b, "<a");
			html_attrf(b, "href", "/therapists/%lld/book?type=%lld",
			    (long long)v->therapist_id, (long long)v->av->types[i].id);
			html_raw(b, ">");
			html_text(b, v->av->types[i].name);
			html_raw(b, "</a> ");
		}
		html_raw(b, "</p>");
	}
	zone_form(b, v, path);
	page_form_error(b, v->e);
	page_form_begin(b, req, v->action);
	html_raw(b, "<div class=\"slot-picker\" data-slot-picker>");
	page_hidden(b, "tz", tz_name(v->zone));
	if (v->token != NULL)
		page_hidden(b, "token", v->token);
	else if (!v->moving)
		hidden_id(b, "type", v->type->id);
	html_raw(b, "<h2>Free times <span class=\"zone\">(");
	html_text(b, tz_name(v->zone));
	html_raw(b, ")</span></h2>");
	slot_list(b, v, slots, n);
	html_raw(b, "</div>");
	later_link(b, v, path);
	if (!v->moving)
		person_fields(b, req, v);
	html_raw(b, "<div class=\"form-actions\"><button type=\"submit\">");
	html_text(b, v->moving ? "Move to this time" : "Book this time");
	html_raw(b, "</button></div></form></article>");
	return page_finish(req, res, status, NULL);
}

/* Loads what the book page needs: 0, or -1 with e. */
static int
load_offer(struct http_request *req, long long id, struct therapist *t,
    struct availability *av, struct err *e)
{
	struct account_request r;
	if (id == 0)
		return err_set(e, 404, "not_found", NULL,
		    "There is no therapist profile at this address.");
	if (web_account_request(req, &r, e) != 0)
		return -1;
	int rc = therapist_get(r.db, id, req->arena, t, e);
	if (rc != 0)
		return rc < 0 ? -1 : err_set(e, 404, "not_found", NULL,
		    "This therapist is not listed in the directory (any more).");
	rc = booking_offer(&r, id, av, e);
	if (rc != 0)
		return rc < 0 ? -1 : err_set(e, 404, "booking_not_offered", NULL,
		    "This therapist does not take bookings here at the moment.");
	return 0;
}

static const struct appointment_type *
chosen_type(struct http_request *req, const struct availability *av,
    const char *text)
{
	long long type;
	(void)req;
	if (text == NULL || num_parse_long(text, 1, INT64_MAX, &type) < 0)
		return &av->types[0];
	const struct appointment_type *t = NULL;
	for (size_t i = 0; i < av->ntypes; i++)
		if (av->types[i].id == type)
			t = &av->types[i];
	return t;
}

int
page_book(struct http_request *req, struct http_response *res, struct err *e)
{
	struct therapist t;
	struct availability av;
	long long id = path_id(req);
	if (load_offer(req, id, &t, &av, e) != 0)
		return -1;
	const struct appointment_type *type = chosen_type(req, &av,
	    http_param(req, "type"));
	if (type == NULL)
		return err_set(e, 404, "not_found", "type",
		    "This therapist offers no such appointment type.");
	struct book_view v = { .therapist_id = id, .t = &t, .av = &av,
	    .type = type, .action = arena_printf(req->arena,
	    "/therapists/%lld/book", id) };
	if (web_slot_window(req, av.timezone, time(NULL), &v.zone, &v.from, e) != 0)
		return -1;
	return book_page(req, res, &v, 200);
}

static int
check_email_page(struct http_request *req, struct http_response *res,
    const struct appointment *a)
{
	struct buf *b = &res->body;
	begin(b, req, "Check your email");
	html_raw(b, "<div class=\"auth-card\"><h1>Check your email</h1><p>We are"
	    " holding ");
	when_text(b, a->timezone, a->start, a->end);
	html_raw(b, " for you. Open the link we sent to ");
	html_text(b, a->email);
	html_raw(b, " within 30 minutes to book it.</p></div>");
	return page_finish(req, res, 200, NULL);
}

int
page_book_submit(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "type", "start", "tz", "name",
	    "email", "phone", "note", NULL };
	struct therapist t;
	struct availability av;
	struct input in;
	struct account_request r;
	struct appointment a;
	long long id = path_id(req);
	if (load_offer(req, id, &t, &av, e) != 0 || input_read(req, &in, e) != 0 ||
	    input_only(&in, fields, e) != 0 || web_account_request(req, &r, e) != 0)
		return -1;
	const struct appointment_type *type = chosen_type(req, &av, typed(&in, "type"));
	if (type == NULL)
		return err_set(e, 404, "not_found", "type",
		    "This therapist offers no such appointment type.");
	struct booking_request br = { .type_id = type->id };
	const char *start = typed(&in, "start");
	struct err refused = ERR_INIT;
	if (start == NULL || utc_parse_iso(start, &br.start) < 0) {
		err_set(&refused, 400, "invalid_parameter", "start",
		    "Choose one of the free times");
	} else if (input_text(&in, "name", false, BOOKING_NAME_MAX, &br.name, &refused) == 0 &&
	    input_text(&in, "email", false, 254, &br.email, &refused) == 0 &&
	    input_text(&in, "phone", false, 40, &br.phone, &refused) == 0 &&
	    input_text(&in, "note", false, BOOKING_NOTE_MAX, &br.note, &refused) == 0 &&
	    input_text(&in, "tz", false, TZ_NAME_MAX, &br.timezone, &refused) == 0 &&
	    booking_create(&r, id, &br, &a, &refused) == 0) {
		web_mail_sent(req);
		if (strcmp(a.status, "held") == 0)
			return check_email_page(req, res, &a);
		http_redirect(req, res, arena_printf(req->arena,
		    "/appointments/%s?done=booked", a.ref));
		return 0;
	}
	if (refused.status == 429 || refused.status >= 500) {
		*e = refused;
		return -1;
	}
	struct book_view v = { .therapist_id = id, .t = &t, .av = &av,
	    .type = type, .typed = &in, .e = &refused,
	    .action = arena_printf(req->arena, "/therapists/%lld/book", id) };
	const struct tz *zone = tz_find(typed(&in, "tz"));
	v.zone = zone != NULL ? zone : tz_find(av.timezone);
	struct civil today;
	tz_local(v.zone, time(NULL), &today);
	today.hour = today.minute = today.second = 0;
	v.from = tz_instant(v.zone, &today);
	return book_page(req, res, &v, refused.status);
}

/* ---- one appointment ----------------------------------------------------------- */

static void
appointment_card(struct buf *b, const struct appointment *a, bool therapist)
{
	const char *zone = therapist ? a->therapist_timezone : a->timezone;
	html_raw(b, "<section class=\"card appointment\"><dl class=\"facts\">"
	    "<dt>What</dt><dd>");
	type_summary(b, a->type_name, (int)((a->end - a->start) / 60), a->fee,
	    a->currency, a->mode);
	html_raw(b, "</dd><dt>With</dt><dd>");
	html_text(b, therapist ? a->name : a->therapist_name);
	html_raw(b, "</dd><dt>When</dt><dd>");
	when_text(b, zone, a->start, a->end);
	html_raw(b, "</dd><dt>Status</dt><dd class=\"status\">");
	html_text(b, strcmp(a->status, "booked") == 0 ? "Booked" :
	    strcmp(a->status, "held") == 0 ? "Waiting for email confirmation" :
	    "Cancelled");
	html_raw(b, "</dd>");
	if (therapist) {
		html_raw(b, "<dt>Email</dt><dd>");
		html_text(b, a->email);
		html_raw(b, "</dd>");
		if (*a->phone) {
			html_raw(b, "<dt>Phone</dt><dd>");
			html_text(b, a->phone);
			html_raw(b, "</dd>");
		}
		if (*a->note) {
			html_raw(b, "<dt>Note</dt><dd class=\"note\">");
			html_text(b, a->note);
			html_raw(b, "</dd>");
		}
	}
	html_raw(b, "</dl></section>");
}

static bool
changeable(const struct appointment *a, bool therapist, time_t now)
{
	return strcmp(a->status, "booked") == 0 && a->start > now &&
	    (therapist || now <= a->cancel_until);
}

/* The appointment with its buttons; action_base is "/appointments/REF"
 * (signed in) or "/appointments/manage" (a link, with token). */
static int
appointment_page(struct http_request *req, struct http_response *res,
    const struct appointment *a, bool therapist, const char *token,
    const char *done, const struct err *failed, int status)
{
	struct buf *b = &res->body;
	time_t now = time(NULL);
	begin(b, req, "Your appointment");
	html_raw(b, "<article class=\"appointment-page\"><h1>");
	html_text(b, a->type_name);
	html_raw(b, "</h1>");
	if (done != NULL && strcmp(done, "booked") == 0)
		page_notice(b, "Booked. We emailed the invitation with a calendar file.");
	else if (done != NULL && strcmp(done, "cancelled") == 0)
		page_notice(b, "Cancelled. We let both sides know by email.");
	else if (done != NULL && strcmp(done, "moved") == 0)
		page_notice(b, "Moved. We emailed the new time to both sides.");
	page_form_error(b, failed);
	appointment_card(b, a, therapist);
	if (changeable(a, therapist, now)) {
		const char *base = token != NULL ? "/appointments/manage" :
		    arena_printf(req->arena, "/appointments/%s", a->ref);
		html_raw(b, "<div class=\"actions\">");
		if (a->type_id != 0 && token != NULL) {
			html_raw(b, "<p><a class=\"button-secondary\"");
			struct buf href = BUF_INIT;
			buf_printf(&href, "/appointments/manage?token=%s&move=1", token);
			html_url_attr(b, "href", buf_cstr(&href));
			buf_free(&href);
			html_raw(b, ">Choose another time</a></p>");
		} else if (a->type_id != 0) {
			html_raw(b, "<p><a class=\"button-secondary\"");
			html_attrf(b, "href", "/appointments/%s?move=1", a->ref);
			html_raw(b, ">Choose another time</a></p>");
		}
		button_form(b, req, arena_printf(req->arena, "%s/cancel", base),
		    "Cancel this appointment", "token", token, "button-danger");
		html_raw(b, "</div>");
	} else if (strcmp(a->status, "booked") == 0 && a->start > now) {
		html_raw(b, "<p class=\"hint\">It is too late to change this"
		    " appointment online. Please contact the therapist.</p>");
	}
	if (!therapist && strcmp(a->status, "booked") == 0 && a->end <= now &&
	    token != NULL) {
		html_raw(b, "<p><a");
		struct buf href = BUF_INIT;
		buf_printf(&href, "/recommend?token=%s", token);
		html_url_attr(b, "href", buf_cstr(&href));
		buf_free(&href);
		html_raw(b, ">Recommend this therapist</a></p>");
	}
	html_raw(b, "</article>");
	return page_finish(req, res, status, NULL);
}

static bool
as_therapist(struct http_request *req, const struct appointment *a)
{
	return policy_appointment_client(&web_session(req)->auth,
	    a->client_user_id) == false;
}

/* The page to move an appointment: its type's free times. */
static int
move_page(struct http_request *req, struct http_response *res,
    const struct appointment *a, const char *token, const struct err *failed,
    int status, struct err *e)
{
	struct therapist t;
	struct availability av;
	if (load_offer(req, a->therapist_id, &t, &av, e) != 0)
		return -1;
	const struct appointment_type *type = booking_find_type(&av, a->type_id);
	if (type == NULL)
		return err_set(e, 409, "type_gone", NULL, "This kind of appointment"
		    " is no longer offered; cancel it and book another.");
	struct book_view v = { .therapist_id = a->therapist_id, .t = &t, .av = &av,
	    .type = type, .e = failed, .token = token, .ref = a->ref, .moving = true,
	    .action = token != NULL ? "/appointments/manage/move" :
	    arena_printf(req->arena, "/appointments/%s/move", a->ref) };
	bool therapist = token == NULL && as_therapist(req, a);
	if (web_slot_window(req, therapist ? a->therapist_timezone : a->timezone,
	    time(NULL), &v.zone, &v.from, e) != 0)
		return -1;
	return book_page(req, res, &v, status);
}

static const char *
link_param(struct http_request *req)
{
	const char *token = http_param(req, "token");
	return token != NULL && strlen(token) == TOKEN_TEXT_LEN ? token : NULL;
}

int
page_manage(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct appointment a;
	const char *token = link_param(req);
	if (token == NULL)
		return err_set(e, 404, "not_found", NULL, "This link is incomplete:"
		    " open the whole link from the email.");
	if (web_account_request(req, &r, e) != 0 ||
	    booking_get(&r, NULL, token, &a, e) != 0)
		return -1;
	if (http_param(req, "move") != NULL)
		return move_page(req, res, &a, token, NULL, 200, e);
	return appointment_page(req, res, &a, false, token, http_param(req, "done"),
	    NULL, 200);
}

static int
form_token(struct http_request *req, struct input *in, const char *const *fields,
    const char **token, struct err *e)
{
	if (input_read(req, in, e) != 0 || input_only(in, fields, e) != 0 ||
	    input_text(in, "token", true, 100, token, e) != 0)
		return -1;
	return 0;
}

int
page_manage_cancel(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct account_request r;
	struct appointment a;
	struct input in;
	const char *token;
	if (form_token(req, &in, fields, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    booking_get(&r, NULL, token, &a, e) != 0)
		return -1;
	struct err refused = ERR_INIT;
	if (booking_cancel(&r, NULL, token, &refused) != 0)
		return appointment_page(req, res, &a, false, token, NULL, &refused,
		    refused.status);
	web_mail_sent(req);
	struct buf to = BUF_INIT;
	buf_printf(&to, "/appointments/manage?token=%s&done=cancelled", token);
	http_redirect(req, res, arena_strdup(req->arena, buf_cstr(&to)));
	buf_free(&to);
	return 0;
}

int
page_manage_move(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "token", "start", "tz", NULL };
	struct account_request r;
	struct appointment a;
	struct input in;
	const char *token;
	time_t start;
	if (form_token(req, &in, fields, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    booking_get(&r, NULL, token, &a, e) != 0)
		return -1;
	struct err refused = ERR_INIT;
	const char *s = typed(&in, "start");
	if (s == NULL || utc_parse_iso(s, &start) < 0)
		err_set(&refused, 400, "invalid_parameter", "start",
		    "Choose one of the free times");
	else if (booking_reschedule(&r, NULL, token, start, &a, &refused) == 0) {
		web_mail_sent(req);
		struct buf to = BUF_INIT;
		buf_printf(&to, "/appointments/manage?token=%s&done=moved", token);
		http_redirect(req, res, arena_strdup(req->arena, buf_cstr(&to)));
		buf_free(&to);
		return 0;
	}
	return move_page(req, res, &a, token, &refused, refused.status, e);
}

int
page_booking_confirm(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct account_request r;
	struct appointment a;
	struct input in;
	const char *token;
	if (req->method != HTTP_POST) {
		token = link_param(req);
		if (token == NULL)
			return err_set(e, 404, "not_found", NULL, "This link is"
			    " incomplete: open the whole link from the email.");
		struct buf *b = &res->body;
		begin(b, req, "Confirm your booking");
		html_raw(b, "<div class=\"auth-card\"><h1>Confirm your booking</h1>"
		    "<p>Press the button to book the time you chose.</p>");
		button_form(b, req, "/appointments/confirm", "Confirm my booking",
		    "token", token, NULL);
		html_raw(b, "</div>");
		return page_finish(req, res, 200, NULL);
	}
	if (form_token(req, &in, fields, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    booking_confirm(&r, token, &a, e) != 0)
		return -1;
	web_mail_sent(req);
	struct buf *b = &res->body;
	begin(b, req, "Booked");
	html_raw(b, "<article class=\"appointment-page\"><h1>Booked</h1>");
	page_notice(b, "Your appointment is booked. We emailed you the invitation, with"
	    " a link to cancel or move it.");
	appointment_card(b, &a, false);
	html_raw(b, "</article>");
	return page_finish(req, res, 200, NULL);
}

/* ---- signed in: one's appointments ------------------------------------------------------ */

int
page_appointment(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	struct appointment a;
	if (web_account_request(req, &r, e) != 0 ||
	    booking_get(&r, req->path_args[0], NULL, &a, e) != 0)
		return -1;
	if (http_param(req, "move") != NULL)
		return move_page(req, res, &a, NULL, NULL, 200, e);
	return appointment_page(req, res, &a, as_therapist(req, &a), NULL,
	    http_param(req, "done"), NULL, 200);
}

int
page_appointment_cancel(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const none[] = { NULL };
	struct account_request r;
	struct appointment a;
	struct input in;
	if (input_read(req, &in, e) != 0 || input_only(&in, none, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    booking_get(&r, req->path_args[0], NULL, &a, e) != 0)
		return -1;
	struct err refused = ERR_INIT;
	if (booking_cancel(&r, a.ref, NULL, &refused) != 0)
		return appointment_page(req, res, &a, as_therapist(req, &a), NULL,
		    NULL, &refused, refused.status);
	web_mail_sent(req);
	http_redirect(req, res, arena_printf(req->arena,
	    "/appointments/%s?done=cancelled", a.ref));
	return 0;
}

int
page_appointment_move(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "start", "tz", NULL };
	struct account_request r;
	struct appointment a;
	struct input in;
	time_t start;
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    booking_get(&r, req->path_args[0], NULL, &a, e) != 0)
		return -1;
	struct err refused = ERR_INIT;
	const char *s = typed(&in, "start");
	if (s == NULL || utc_parse_iso(s, &start) < 0)
		err_set(&refused, 400, "invalid_parameter", "start",
		    "Choose one of the free times");
	else if (booking_reschedule(&r, a.ref, NULL, start, &a, &refused) == 0) {
		web_mail_sent(req);
		http_redirect(req, res, arena_printf(req->arena,
		    "/appointments/%s?done=moved", a.ref));
		return 0;
	}
	return move_page(req, res, &a, NULL, &refused, refused.status, e);
}

struct rows {
	struct buf		*b;
	struct http_request	*req;
	bool			 therapist;
	int			 n;
};

static void
row(void *ctx, const struct appointment *a)
{
	struct rows *c = ctx;
	struct buf *b = c->b;
	c->n++;
	html_raw(b, "<tr><td>");
	when_text(b, c->therapist ? a->therapist_timezone : a->timezone, a->start,
	    a->end);
	html_raw(b, "</td><td>");
	html_text(b, a->type_name);
	html_raw(b, "</td><td>");
	html_text(b, c->therapist ? a->name : a->therapist_name);
	html_raw(b, "</td><td>");
	html_text(b, strcmp(a->status, "booked") == 0 ? "Booked" : "Cancelled");
	html_raw(b, "</td><td><a");
	html_attrf(b, "href", "/appointments/%s", a->ref);
	html_raw(b, ">Open</a></td></tr>");
}

static int
list_section(struct buf *b, struct http_request *req, const struct account_request *r,
    bool therapist, bool upcoming, struct err *e)
{
	html_raw(b, upcoming ? "<h2>Upcoming</h2>" : "<h2>Past</h2>");
	html_raw(b, "<table class=\"appointments\"><thead><tr><th>When</th>"
	    "<th>What</th><th>With</th><th>Status</th><th></th></tr></thead><tbody>");
	struct rows c = { b, req, therapist, 0 };
	if (booking_list(r, therapist, upcoming, upcoming ? 200 : 50, row, &c, e) != 0)
		return -1;
	html_raw(b, "</tbody></table>");
	if (c.n == 0)
		html_raw(b, upcoming ? "<p class=\"empty\">No upcoming appointments.</p>" :
		    "<p class=\"empty\">None yet.</p>");
	return 0;
}

static int
appointments_page(struct http_request *req, struct http_response *res,
    bool therapist, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	struct buf *b = &res->body;
	begin(b, req, "Appointments");
	html_raw(b, "<article class=\"appointments-page\"><h1>Appointments</h1>");
	if (therapist)
		html_raw(b, "<nav class=\"sub-nav\"><a href=\"/therapist/availability\">"
		    "Availability, appointment types and calendar feed</a> \xc2\xb7"
		    " <a href=\"/therapist/recommendations\">Recommendations</a>"
		    " \xc2\xb7 <a href=\"/therapist/referrals\">Referrals</a></nav>");
	if (list_section(b, req, &r, therapist, true, e) != 0 ||
	    list_section(b, req, &r, therapist, false, e) != 0) {
		buf_reset(b);
		return -1;
	}
	html_raw(b, "</article>");
	return page_finish(req, res, 200, NULL);
}

int
page_my_appointments(struct http_request *req, struct http_response *res,
    struct err *e)
{
	return appointments_page(req, res, false, e);
}

int
page_therapist_appointments(struct http_request *req, struct http_response *res,
    struct err *e)
{
	return appointments_page(req, res, true, e);
}
