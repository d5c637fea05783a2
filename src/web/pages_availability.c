/*
 * The therapist's availability page: time zone, weekly hours (one line
 * each, "mon 09:00-12:00"), dates off, buffer, notice, horizon and
 * cancellation window; appointment types; the "accepting new clients"
 * switch; the private calendar feed.
 */
#include "pages.h"

#include <stdio.h>
#include <string.h>

#include "../booking/booking.h"
#include "../directory/profile.h"
#include "../util/html.h"
#include "../util/num.h"
#include "input.h"

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ?
	    id : 0;
}

static int
own_profile(struct http_request *req, struct account_request *r, int64_t *id,
    struct err *e)
{
	if (web_account_request(req, r, e) != 0)
		return -1;
	return booking_own_profile(r, id, e);
}

static void
number_field(struct buf *b, const char *name, const char *label, int value,
    int max, const char *hint)
{
	html_raw(b, "<div class=\"field\"><label");
	html_attr(b, "for", name);
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</label><input type=\"number\" min=\"0\"");
	html_attrf(b, "max", "%d", max);
	html_attr(b, "id", name);
	html_attr(b, "name", name);
	html_attrf(b, "value", "%d", value);
	html_raw(b, ">");
	if (hint != NULL) {
		html_raw(b, "<p class=\"hint\">");
		html_text(b, hint);
		html_raw(b, "</p>");
	}
	html_raw(b, "</div>");
}

static void
settings_form(struct buf *b, struct http_request *req,
    const struct availability *av, const char *hours_text, const char *dates_text,
    const struct err *failed)
{
	html_raw(b, "<section class=\"card\"><h2>Hours</h2>");
	page_form_error(b, failed);
	page_form_begin(b, req, "/therapist/availability");
	html_raw(b, "<div class=\"field\">");
	page_zone_select(b, "timezone", "Your time zone", av->timezone);
	html_raw(b, "</div>");
	html_raw(b, "<div class=\"field\"><label for=\"hours\">Weekly hours</label>"
	    "<textarea id=\"hours\" name=\"hours\" rows=\"7\">");
	if (hours_text != NULL) {
		html_text(b, hours_text);
	} else {
		for (size_t i = 0; i < av->nhours; i++) {
			char line[20];
			weekly_hours_format(&av->hours[i], line);
			html_text(b, line);
			html_raw(b, "\n");
		}
	}
	html_raw(b, "</textarea><p class=\"hint\">One interval a line, in your"
	    " time zone: <code>mon 09:00-12:00</code>. Days: mon tue wed thu fri"
	    " sat sun.</p></div><div class=\"field\"><label for=\"dates_off\">Dates"
	    " off</label><textarea id=\"dates_off\" name=\"dates_off\" rows=\"3\">");
	if (dates_text != NULL) {
		html_text(b, dates_text);
	} else {
		for (size_t i = 0; i < av->ndates_off; i++) {
			html_text(b, av->dates_off[i]);
			html_raw(b, "\n");
		}
	}
	html_raw(b, "</textarea><p class=\"hint\">One date a line:"
	    " <code>2026-12-24</code>.</p></div>");
	number_field(b, "buffer_minutes", "Buffer between appointments (minutes)",
	    av->buffer_minutes, 240, NULL);
	number_field(b, "min_notice_hours", "Minimum notice (hours)",
	    av->min_notice_minutes / 60, 1440, NULL);
	number_field(b, "max_days_ahead", "Furthest date one may book (days ahead)",
	    av->max_days_ahead, BOOKING_HORIZON_MAX, NULL);
	number_field(b, "cancel_window_hours", "Clients may cancel or move online"
	    " until (hours before)", av->cancel_window_hours, 720, NULL);
	html_raw(b, "<div class=\"form-actions\"><button type=\"submit\">Save hours"
	    "</button></div></form></section>");
}

static void
types_section(struct buf *b, struct http_request *req, const struct availability *av)
{
	html_raw(b, "<section class=\"card\"><h2>Appointment types</h2><ul"
	    " class=\"types\">");
	for (size_t i = 0; i < av->ntypes; i++) {
		const struct appointment_type *t = &av->types[i];
		html_raw(b, "<li>");
		html_text(b, t->name);
		html_textf(b, " (%s, %d minutes, ", t->kind, t->minutes);
		if (t->fee == 0)
			html_raw(b, "free");
		else
			html_textf(b, "%d %s", t->fee, t->currency);
		html_text(b, strcmp(t->mode, "video") == 0 ? ", by video)" :
		    ", in person)");
		page_form_begin(b, req, arena_printf(req->arena,
		    "/therapist/availability/types/%lld/delete", (long long)t->id));
		html_raw(b, "<button type=\"submit\" class=\"button-secondary\">Remove"
		    "</button></form></li>");
	}
	html_raw(b, "</ul><h3>Add a type</h3>");
	page_form_begin(b, req, "/therapist/availability/types");
	html_raw(b, "<div class=\"field\"><label for=\"kind\">Kind</label><select"
	    " id=\"kind\" name=\"kind\"><option value=\"consultation\">Free"
	    " consultation</option><option value=\"trial\">Trial session</option>"
	    "</select></div><div class=\"field\"><label for=\"name\">Name</label>"
	    "<input id=\"name\" name=\"name\" maxlength=\"80\" required"
	    " value=\"Free consultation\"></div>"
	    "<div class=\"field\"><label for=\"minutes\">Length (minutes)</label>"
	    "<input id=\"minutes\" name=\"minutes\" type=\"number\" min=\"5\""
	    " max=\"480\" step=\"5\" value=\"15\"></div>"
	    "<div class=\"field\"><label for=\"fee\">Fee</label><input id=\"fee\""
	    " name=\"fee\" type=\"number\" min=\"0\" value=\"0\"></div>"
	    "<div class=\"field\"><label for=\"currency\">Currency (for a fee)"
	    "</label><input id=\"currency\" name=\"currency\" maxlength=\"3\""
	    " placeholder=\"USD\"></div>"
	    "<div class=\"field\"><label for=\"mode\">How</label><select id=\"mode\""
	    " name=\"mode\"><option value=\"video\">By video</option><option"
	    " value=\"in_person\">In person</option></select></div>"
	    "<div class=\"form-actions\"><button type=\"submit\">Add</button></div>"
	    "</form></section>");
}

static void
accepting_section(struct buf *b, struct http_request *req, bool accepting)
{
	html_raw(b, "<section class=\"card\"><h2>New clients</h2><p>");
	html_raw(b, accepting ? "You are <strong>accepting new clients</strong>:"
	    " your profile offers booking." : "You are <strong>not accepting new"
	    " clients</strong>: booking is hidden on your profile.");
	html_raw(b, "</p>");
	page_form_begin(b, req, "/therapist/availability/accepting");
	html_raw(b, "<input type=\"hidden\" name=\"accepting\"");
	html_attr(b, "value", accepting ? "false" : "true");
	html_raw(b, "><button type=\"submit\" class=\"button-secondary\">");
	html_raw(b, accepting ? "Stop accepting new clients" :
	    "Start accepting new clients");
	html_raw(b, "</button></form></section>");
}

static void
feed_section(struct buf *b, struct http_request *req, bool enabled,
    const char *new_url)
{
	html_raw(b, "<section class=\"card\"><h2>Calendar feed</h2>");
	if (new_url != NULL) {
		html_raw(b, "<p>Subscribe to this address in your calendar app. It is"
		    " shown only now: keep it private, anyone who has it can see your"
		    " appointments.</p><p><code class=\"feed-url\">");
		html_text(b, new_url);
		html_raw(b, "</code></p>");
	} else {
		html_raw(b, enabled ? "<p>Your feed is on. Make a new address if the"
		    " old one got out; the old one then stops working.</p>" :
		    "<p>Subscribe to your appointments from any calendar app"
		    " (Google, Apple, Outlook).</p>");
	}
	page_form_begin(b, req, "/therapist/availability/feed");
	html_raw(b, "<button type=\"submit\" name=\"feed\" value=\"new\">");
	html_raw(b, enabled ? "Make a new feed address" : "Turn on the feed");
	html_raw(b, "</button>");
	if (enabled)
		html_raw(b, " <button type=\"submit\" name=\"feed\" value=\"off\""
		    " class=\"button-secondary\">Turn off</button>");
	html_raw(b, "</form></section>");
}

static int
render(struct http_request *req, struct http_response *res,
    const struct account_request *r, int64_t id, const struct availability *edited,
    const char *hours_text, const char *dates_text, const struct err *failed,
    const char *feed_url, struct err *e)
{
	struct availability av;
	struct therapist t;
	if (booking_availability_get(r, id, &av, e) < 0 ||
	    therapist_get_any(r->db, id, req->arena, &t, e) != 0)
		return -1;
	struct buf *b = &res->body;
	struct page p = { "Availability", NULL, "page-manage", req };
	page_begin(b, req->app, &p);
	html_raw(b, "<article class=\"availability\"><h1>Availability</h1><p><a"
	    " href=\"/therapist/appointments\">Your appointments</a></p>");
	const char *done = http_param(req, "done");
	if (done != NULL && failed == NULL)
		page_notice(b, "Saved.");
	accepting_section(b, req, t.accepting_new_clients);
	settings_form(b, req, edited != NULL ? edited : &av, hours_text, dates_text,
	    failed);
	types_section(b, req, &av);
	feed_section(b, req, av.feed_enabled, feed_url);
	html_raw(b, "</article>");
	page_end(b, req->app);
	http_reply_html(res, failed != NULL ? failed->status : 200);
	return 0;
}

/* Lines of a textarea into weekly hours; -1 with e on a bad line. */
static int
parse_hours(struct arena *a, const char *text, struct availability *av,
    struct err *e)
{
	char *copy = arena_strdup(a, text);
	av->hours = arena_alloc(a, (BOOKING_HOURS_MAX + 1) * sizeof(*av->hours));
	av->nhours = 0;
	for (char *line = strtok_r(copy, "\r\n", &copy); line != NULL;
	    line = strtok_r(NULL, "\r\n", &copy)) {
		while (*line == ' ' || *line == '\t')
			line++;
		size_t n = strlen(line);
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (av->nhours == BOOKING_HOURS_MAX)
			return err_set(e, 422, "invalid_parameter", "hours",
			    "at most %d weekly intervals", BOOKING_HOURS_MAX);
		if (weekly_hours_parse(line, &av->hours[av->nhours]) < 0)
			return err_set(e, 422, "invalid_parameter", "hours",
			    "write weekly hours like \"mon 09:00-12:30\", one a line");
		av->nhours++;
	}
	return 0;
}

static void
parse_dates(struct arena *a, const char *text, struct availability *av)
{
	char *copy = arena_strdup(a, text);
	av->dates_off = arena_alloc(a, (BOOKING_DATES_OFF_MAX + 2) * sizeof(char *));
	av->ndates_off = 0;
	for (char *line = strtok_r(copy, "\r\n ,;", &copy); line != NULL &&
	    av->ndates_off <= BOOKING_DATES_OFF_MAX;
	    line = strtok_r(NULL, "\r\n ,;", &copy))
		av->dates_off[av->ndates_off++] = line;
}

static int
read_number(struct input *in, const char *key, long long max, int *out,
    struct err *e)
{
	bool present;
	long long v;
	if (input_int(in, key, 0, max, &present, &v, e) != 0)
		return -1;
	if (present)
		*out = (int)v;
	return 0;
}

int
page_availability(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "timezone", "hours", "dates_off",
	    "buffer_minutes", "min_notice_hours", "max_days_ahead",
	    "cancel_window_hours", NULL };
	struct account_request r;
	struct availability av;
	struct input in;
	int64_t id;
	if (own_profile(req, &r, &id, e) != 0)
		return -1;
	if (req->method != HTTP_POST)
		return render(req, res, &r, id, NULL, NULL, NULL, NULL, NULL, e);
	const char *tz, *hours, *dates;
	int notice_hours;
	struct err refused = ERR_INIT;
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    booking_availability_get(&r, id, &av, e) < 0)
		return -1;
	notice_hours = av.min_notice_minutes / 60;
	if (input_text(&in, "timezone", false, TZ_NAME_MAX, &tz, &refused) != 0 ||
	    input_text(&in, "hours", false, 4000, &hours, &refused) != 0 ||
	    input_text(&in, "dates_off", false, 8000, &dates, &refused) != 0 ||
	    read_number(&in, "buffer_minutes", 240, &av.buffer_minutes, &refused) != 0 ||
	    read_number(&in, "min_notice_hours", 1440, &notice_hours, &refused) != 0 ||
	    read_number(&in, "max_days_ahead", BOOKING_HORIZON_MAX,
	    &av.max_days_ahead, &refused) != 0 ||
	    read_number(&in, "cancel_window_hours", 720, &av.cancel_window_hours,
	    &refused) != 0)
		return render(req, res, &r, id, NULL, hours, dates, &refused, NULL, e);
	if (tz != NULL)
		av.timezone = tz;
	av.min_notice_minutes = notice_hours * 60;
	if (hours != NULL && parse_hours(req->arena, hours, &av, &refused) != 0)
		return render(req, res, &r, id, &av, hours, dates, &refused, NULL, e);
	if (dates != NULL)
		parse_dates(req->arena, dates, &av);
	if (booking_availability_put(&r, id, &av, &refused) != 0) {
		if (refused.status >= 500)
			return *e = refused, -1;
		return render(req, res, &r, id, &av, hours, dates, &refused, NULL, e);
	}
	http_redirect(req, res, "/therapist/availability?done=saved");
	return 0;
}

int
page_type_add(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "kind", "name", "minutes", "fee",
	    "currency", "mode", NULL };
	struct account_request r;
	struct input in;
	int64_t id;
	bool present;
	long long v;
	struct appointment_type t = { 0, "consultation", "", 15, 0, "", "video", true };
	if (own_profile(req, &r, &id, e) != 0 || input_read(req, &in, e) != 0 ||
	    input_only(&in, fields, e) != 0)
		return -1;
	struct err refused = ERR_INIT;
	const char *s;
	if (input_text(&in, "kind", false, 20, &s, &refused) == 0 && s != NULL)
		t.kind = s;
	if (input_text(&in, "name", false, BOOKING_TYPE_NAME_MAX, &s, &refused) == 0 &&
	    s != NULL)
		t.name = s;
	if (input_text(&in, "mode", false, 20, &s, &refused) == 0 && s != NULL)
		t.mode = s;
	if (input_text(&in, "currency", false, 3, &s, &refused) == 0 && s != NULL)
		t.currency = s;
	if (input_int(&in, "minutes", 5, 480, &present, &v, &refused) == 0 && present)
		t.minutes = (int)v;
	if (input_int(&in, "fee", 0, 100000, &present, &v, &refused) == 0 && present)
		t.fee = (int)v;
	if (!err_is_set(&refused) && booking_type_save(&r, id, &t, &refused) == 0) {
		http_redirect(req, res, "/therapist/availability?done=type");
		return 0;
	}
	if (refused.status >= 500)
		return *e = refused, -1;
	return render(req, res, &r, id, NULL, NULL, NULL, &refused, NULL, e);
}

int
page_type_delete(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	int64_t id;
	if (input_none(req, e) != 0 || own_profile(req, &r, &id, e) != 0 ||
	    booking_type_delete(&r, id, path_id(req), e) != 0)
		return -1;
	http_redirect(req, res, "/therapist/availability?done=type");
	return 0;
}

int
page_accepting(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "accepting", NULL };
	struct account_request r;
	struct input in;
	struct profile p;
	int64_t id;
	bool accepting;
	if (own_profile(req, &r, &id, e) != 0 || input_read(req, &in, e) != 0 ||
	    input_only(&in, fields, e) != 0 ||
	    input_bool(&in, "accepting", false, &accepting, e) != 0 ||
	    profile_get(&r, id, &p, e) != 0)
		return -1;
	p.t.accepting_new_clients = accepting;
	if (profile_update(&r, id, &p.t, e) != 0)
		return -1;
	search_engine_invalidate(((struct app *)req->app)->engine);
	http_redirect(req, res, "/therapist/availability?done=accepting");
	return 0;
}

int
page_feed(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "feed", NULL };
	struct account_request r;
	struct input in;
	int64_t id;
	const char *what;
	char token[TOKEN_TEXT_LEN + 1];
	if (own_profile(req, &r, &id, e) != 0 || input_read(req, &in, e) != 0 ||
	    input_only(&in, fields, e) != 0 ||
	    input_text(&in, "feed", true, 10, &what, e) != 0)
		return -1;
	if (strcmp(what, "off") == 0) {
		if (booking_feed_disable(&r, e) != 0)
			return -1;
		http_redirect(req, res, "/therapist/availability?done=feed");
		return 0;
	}
	if (booking_feed_token_new(&r, token, e) != 0)
		return -1;
	/* Shown once, on this answer: not in a redirect's URL. */
	return render(req, res, &r, id, NULL, NULL, NULL, NULL,
	    account_link(&r, arena_printf(req->arena, "/calendar/%s.ics", token)), e);
}
