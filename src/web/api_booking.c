/*
 * The JSON API for booking: what a therapist offers and their free slots
 * (public), booking and managing an appointment (signed in, or a guest
 * with an emailed link), the therapist's availability, appointment types
 * and calendar feed. The rules live in src/booking/; this file only
 * translates.
 */
#include "app.h"

#include <string.h>

#include "../booking/booking.h"
#include "../directory/profile.h"
#include "../util/jw.h"
#include "../util/num.h"
#include "input.h"

#define DEFAULT_DAYS	14

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ?
	    id : 0;
}

static int
no_profile(struct err *e)
{
	return err_set(e, 404, "not_found", "id", "no therapist with that id");
}

static void
reply_ok(struct http_response *res, const char *status)
{
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_string(&j, "status", status);
	jw_object_end(&j);
	http_reply_json(res, 200);
}

static void
reply_appointment(struct http_response *res, const struct appointment *a,
    bool for_therapist, int status)
{
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_key(&j, "appointment");
	appointment_json(&j, a, for_therapist);
	jw_object_end(&j);
	http_reply_json(res, status);
}

/* ---- public ------------------------------------------------------------------- */

int
api_booking_offer(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	struct availability av;
	long long id = path_id(req);
	if (id == 0)
		return no_profile(e);
	if (web_account_request(req, &r, e) != 0)
		return -1;
	int rc = booking_offer(&r, id, &av, e);
	if (rc < 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_int(&j, "therapist_id", id);
	jw_kv_bool(&j, "offered", rc == 0);
	if (rc == 0) {
		jw_kv_string(&j, "timezone", av.timezone);
		jw_kv_int(&j, "min_notice_minutes", av.min_notice_minutes);
		jw_kv_int(&j, "max_days_ahead", av.max_days_ahead);
		jw_kv_int(&j, "cancel_window_hours", av.cancel_window_hours);
		jw_key(&j, "types");
		jw_array_begin(&j);
		for (size_t i = 0; i < av.ntypes; i++)
			appointment_type_json(&j, &av.types[i]);
		jw_array_end(&j);
	}
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

/* The visitor's zone (?tz=, else the therapist's) and the first day
 * (?from=YYYY-MM-DD in that zone, else today there). */
int
web_slot_window(struct http_request *req, const char *therapist_zone,
    time_t now, const struct tz **zone, time_t *from, struct err *e)
{
	const char *tz = http_param(req, "tz");
	if (tz == NULL || *tz == '\0')
		tz = therapist_zone;
	if (tz_lookup(tz, "tz", zone, e) < 0)
		return -1;
	struct civil day;
	const char *date = http_param(req, "from");
	if (date != NULL && *date != '\0') {
		if (civil_parse_date(date, &day) < 0)
			return err_invalid(e, "from", "from must be a date (YYYY-MM-DD)");
	} else {
		tz_local(*zone, now, &day);
	}
	day.hour = day.minute = day.second = 0;
	*from = tz_instant(*zone, &day);
	if (*from < now - 86400)
		*from = now - 86400;	/* nothing before today is free */
	return 0;
}

static void
slot_json(struct jw *j, const struct tz_table *zone, const struct slot *s)
{
	char t[32];
	jw_object_begin(j);
	utc_format_iso(s->start, t);
	jw_kv_string(j, "start", t);
	utc_format_iso(s->end, t);
	jw_kv_string(j, "end", t);
	tz_table_format_iso(zone, s->start, t);
	jw_kv_string(j, "local_start", t);
	tz_table_format_iso(zone, s->end, t);
	jw_kv_string(j, "local_end", t);
	jw_object_end(j);
}

int
api_booking_slots(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	struct availability av;
	long long id = path_id(req), type, days = DEFAULT_DAYS;
	if (id == 0)
		return no_profile(e);
	const char *type_text = http_param(req, "type");
	const char *days_text = http_param(req, "days");
	if (type_text == NULL || num_parse_long(type_text, 1, INT64_MAX, &type) < 0)
		return err_invalid(e, "type", "type must be the id of an appointment type");
	if (days_text != NULL && num_parse_long(days_text, 1, BOOKING_LIST_DAYS_MAX,
	    &days) < 0)
		return err_invalid(e, "days", "days must be between 1 and %d",
		    BOOKING_LIST_DAYS_MAX);
	if (web_account_request(req, &r, e) != 0)
		return -1;
	int rc = booking_offer(&r, id, &av, e);
	if (rc != 0)
		return rc < 0 ? -1 : err_set(e, 404, "booking_not_offered", "id",
		    "this therapist does not take bookings here at the moment");
	const struct tz *zone;
	time_t from;
	struct slot *slots;
	size_t n;
	if (web_slot_window(req, av.timezone, r.now, &zone, &from, e) < 0 ||
	    booking_slots(&r, id, type, from, (int)days, &slots, &n, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_int(&j, "therapist_id", id);
	jw_kv_string(&j, "timezone", tz_name(zone));
	jw_kv_string(&j, "therapist_timezone", av.timezone);
	jw_kv_int(&j, "type", type);
	jw_kv_int(&j, "days", days);
	jw_key(&j, "slots");
	jw_array_begin(&j);
	struct tz_table local;
	tz_table_init(&local, zone, from, from + (time_t)days * 86400);
	for (size_t i = 0; i < n; i++)
		slot_json(&j, &local, &slots[i]);
	jw_array_end(&j);
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

static int
read_start(const struct input *in, time_t *start, struct err *e)
{
	const char *text;
	if (input_text(in, "start", true, 40, &text, e) != 0)
		return -1;
	if (utc_parse_iso(text, start) < 0)
		return err_invalid(e, "start", "start must be a time such as"
		    " 2026-12-08T14:30:00Z");
	return 0;
}

int
api_booking_create(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "type", "start", "name", "email",
	    "phone", "note", "timezone", NULL };
	struct account_request r;
	struct input in;
	struct booking_request b = { 0 };
	struct appointment a;
	long long id = path_id(req), type;
	bool present;
	if (id == 0)
		return no_profile(e);
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_int(&in, "type", 1, INT64_MAX, &present, &type, e) != 0)
		return -1;
	if (!present)
		return err_invalid(e, "type", "type is required");
	b.type_id = type;
	if (read_start(&in, &b.start, e) != 0 ||
	    input_text(&in, "name", false, BOOKING_NAME_MAX, &b.name, e) != 0 ||
	    input_text(&in, "email", false, 254, &b.email, e) != 0 ||
	    input_text(&in, "phone", false, 40, &b.phone, e) != 0 ||
	    input_text(&in, "note", false, BOOKING_NOTE_MAX, &b.note, e) != 0 ||
	    input_text(&in, "timezone", false, TZ_NAME_MAX, &b.timezone, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    booking_create(&r, id, &b, &a, e) != 0)
		return -1;
	web_mail_sent(req);
	bool held = strcmp(a.status, "held") == 0;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_key(&j, "appointment");
	appointment_json(&j, &a, false);
	if (held)
		jw_kv_string(&j, "next", "Open the link we emailed you within 30"
		    " minutes to confirm the booking.");
	jw_object_end(&j);
	http_reply_json(res, held ? 202 : 201);
	return 0;
}

static int
read_token(struct http_request *req, struct input *in, const char *const *fields,
    const char **token, struct err *e)
{
	return input_read(req, in, e) != 0 || input_only(in, fields, e) != 0 ||
	    input_text(in, "token", true, 100, token, e) != 0 ? -1 : 0;
}

int
api_booking_confirm(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct account_request r;
	struct input in;
	struct appointment a;
	const char *token;
	if (read_token(req, &in, fields, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    booking_confirm(&r, token, &a, e) != 0)
		return -1;
	web_mail_sent(req);
	reply_appointment(res, &a, false, 200);
	return 0;
}

int
api_appointment_manage(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct account_request r;
	struct input in;
	struct appointment a;
	const char *token;
	if (read_token(req, &in, fields, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    booking_get(&r, NULL, token, &a, e) != 0)
		return -1;
	reply_appointment(res, &a, false, 200);
	return 0;
}

int
api_appointment_manage_cancel(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct account_request r;
	struct input in;
	const char *token;
	if (read_token(req, &in, fields, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    booking_cancel(&r, NULL, token, e) != 0)
		return -1;
	web_mail_sent(req);
	reply_ok(res, "cancelled");
	return 0;
}

int
api_appointment_manage_move(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "token", "start", NULL };
	struct account_request r;
	struct input in;
	struct appointment a;
	const char *token;
	time_t start;
	if (read_token(req, &in, fields, &token, e) != 0 ||
	    read_start(&in, &start, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    booking_reschedule(&r, NULL, token, start, &a, e) != 0)
		return -1;
	web_mail_sent(req);
	reply_appointment(res, &a, false, 200);
	return 0;
}

/* ---- signed in ----------------------------------------------------------------- */

struct list_ctx {
	struct jw	*j;
	bool		 for_therapist;
};

static void
list_one(void *ctx, const struct appointment *a)
{
	struct list_ctx *c = ctx;
	appointment_json(c->j, a, c->for_therapist);
}

int
api_my_appointments(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	const char *as = http_param(req, "as");
	const char *when = http_param(req, "when");
	if (as != NULL && strcmp(as, "client") != 0 && strcmp(as, "therapist") != 0)
		return err_invalid(e, "as", "as must be \"client\" or \"therapist\"");
	if (when != NULL && strcmp(when, "upcoming") != 0 && strcmp(when, "past") != 0)
		return err_invalid(e, "when", "when must be \"upcoming\" or \"past\"");
	if (web_account_request(req, &r, e) != 0)
		return -1;
	bool therapist = as != NULL ? strcmp(as, "therapist") == 0 :
	    (r.auth->user.roles & ROLE_THERAPIST) != 0;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_string(&j, "as", therapist ? "therapist" : "client");
	jw_key(&j, "appointments");
	jw_array_begin(&j);
	struct list_ctx ctx = { &j, therapist };
	if (booking_list(&r, therapist, when == NULL || strcmp(when, "upcoming") == 0,
	    500, list_one, &ctx, e) != 0)
		return -1;
	jw_array_end(&j);
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

/* "appointments" in the data export: every appointment the caller booked
 * and, for a therapist, every one made with their profile. */
int
booking_export_json(const struct account_request *r, struct jw *j, struct err *e)
{
	jw_key(j, "appointments");
	jw_object_begin(j);
	for (int therapist = 0; therapist <= 1; therapist++) {
		struct list_ctx ctx = { j, therapist == 1 };
		jw_key(j, therapist ? "with_my_profile" : "booked_by_me");
		jw_array_begin(j);
		if (booking_list(r, therapist == 1, true, 10000, list_one, &ctx, e) != 0 ||
		    booking_list(r, therapist == 1, false, 10000, list_one, &ctx, e) != 0)
			return -1;
		jw_array_end(j);
	}
	jw_object_end(j);
	return 0;
}

int
api_my_appointment_cancel(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    booking_cancel(&r, req->path_args[0], NULL, e) != 0)
		return -1;
	web_mail_sent(req);
	reply_ok(res, "cancelled");
	return 0;
}

int
api_my_appointment_move(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "start", NULL };
	struct account_request r;
	struct input in;
	struct appointment a;
	time_t start;
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    read_start(&in, &start, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    booking_reschedule(&r, req->path_args[0], NULL, start, &a, e) != 0)
		return -1;
	web_mail_sent(req);
	bool therapist = a.client_user_id != r.auth->user.id;
	reply_appointment(res, &a, therapist, 200);
	return 0;
}

/* ---- the therapist's availability --------------------------------------------------- */

static int
reply_availability(struct http_response *res, const struct account_request *r,
    int64_t id, struct err *e)
{
	struct availability av;
	if (booking_availability_get(r, id, &av, e) < 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_int(&j, "therapist_id", id);
	booking_availability_json(&j, &av);
	jw_kv_bool(&j, "calendar_feed", av.feed_enabled);
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

/* Split a ';'-joined list into an arena array. */
static size_t
split_list(struct arena *a, const char *list, const char ***out, size_t max)
{
	char *copy = arena_strdup(a, list);
	const char **items = arena_alloc(a, (max + 1) * sizeof(*items));
	size_t n = 0;
	for (char *p = copy, *q; p != NULL && *p && n <= max; p = q) {
		q = strchr(p, ';');
		if (q != NULL)
			*q++ = '\0';
		if (*p)
			items[n++] = p;
	}
	*out = items;
	return n;
}

static int
read_hours(struct input *in, struct arena *a, struct availability *av,
    struct err *e)
{
	const char *list;
	const char **items;
	if (input_list(in, "hours", &list, e) != 0)
		return -1;
	size_t n = split_list(a, list, &items, BOOKING_HOURS_MAX);
	if (n > BOOKING_HOURS_MAX)
		return err_set(e, 422, "invalid_parameter", "hours",
		    "at most %d weekly intervals", BOOKING_HOURS_MAX);
	av->hours = arena_alloc(a, (n + 1) * sizeof(*av->hours));
	for (size_t i = 0; i < n; i++)
		if (weekly_hours_parse(items[i], &av->hours[i]) < 0)
			return err_set(e, 422, "invalid_parameter", "hours",
			    "weekly hours are written like \"mon 09:00-12:30\"");
	av->nhours = n;
	return 0;
}

static int
read_setting(struct input *in, const char *key, long long max, int *out,
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

static int
availability_from_input(struct input *in, struct arena *a,
    struct availability *av, struct err *e)
{
	const char *tz, *dates;
	if (input_text(in, "timezone", false, TZ_NAME_MAX, &tz, e) != 0 ||
	    read_setting(in, "buffer_minutes", 240, &av->buffer_minutes, e) != 0 ||
	    read_setting(in, "min_notice_minutes", 60 * 24 * 60,
	    &av->min_notice_minutes, e) != 0 ||
	    read_setting(in, "max_days_ahead", BOOKING_HORIZON_MAX,
	    &av->max_days_ahead, e) != 0 ||
	    read_setting(in, "cancel_window_hours", 24 * 30,
	    &av->cancel_window_hours, e) != 0)
		return -1;
	if (tz != NULL)
		av->timezone = tz;
	if (input_has(in, "hours") && read_hours(in, a, av, e) != 0)
		return -1;
	if (input_has(in, "dates_off")) {
		if (input_list(in, "dates_off", &dates, e) != 0)
			return -1;
		av->ndates_off = split_list(a, dates, &av->dates_off,
		    BOOKING_DATES_OFF_MAX);
	}
	return 0;
}

const char *const availability_input_fields[] = { "timezone", "buffer_minutes",
    "min_notice_minutes", "max_days_ahead", "cancel_window_hours", "hours",
    "dates_off", NULL };

int
api_my_availability(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	struct availability av;
	struct input in;
	int64_t id;
	if (web_account_request(req, &r, e) != 0 || booking_own_profile(&r, &id, e) != 0)
		return -1;
	if (req->method == HTTP_PUT) {
		if (input_read(req, &in, e) != 0 ||
		    input_only(&in, availability_input_fields, e) != 0 ||
		    booking_availability_get(&r, id, &av, e) < 0 ||
		    availability_from_input(&in, req->arena, &av, e) != 0 ||
		    booking_availability_put(&r, id, &av, e) != 0)
			return -1;
	}
	return reply_availability(res, &r, id, e);
}

static int
type_from_input(struct input *in, struct appointment_type *t, struct err *e)
{
	bool present;
	long long v;
	const char *s;
	if (input_text(in, "kind", false, 20, &s, e) != 0)
		return -1;
	if (s != NULL)
		t->kind = s;
	if (input_text(in, "name", false, BOOKING_TYPE_NAME_MAX, &s, e) != 0)
		return -1;
	if (s != NULL)
		t->name = s;
	if (input_text(in, "mode", false, 20, &s, e) != 0)
		return -1;
	if (s != NULL)
		t->mode = s;
	if (input_text(in, "currency", false, 3, &s, e) != 0)
		return -1;
	if (s != NULL)
		t->currency = s;
	if (input_int(in, "minutes", 5, 480, &present, &v, e) != 0)
		return -1;
	if (present)
		t->minutes = (int)v;
	if (input_int(in, "fee", 0, 100000, &present, &v, e) != 0)
		return -1;
	if (present)
		t->fee = (int)v;
	return input_bool(in, "active", t->active, &t->active, e);
}

static const char *const type_fields[] = { "kind", "name", "minutes", "fee",
    "currency", "mode", "active", NULL };

static void
reply_type(struct http_response *res, const struct appointment_type *t, int status)
{
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_key(&j, "type");
	appointment_type_json(&j, t);
	jw_object_end(&j);
	http_reply_json(res, status);
}

int
api_my_types(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct input in;
	int64_t id;
	struct appointment_type t = { 0, "consultation", NULL, 15, 0, "", "video", true };
	if (web_account_request(req, &r, e) != 0 || booking_own_profile(&r, &id, e) != 0 ||
	    input_read(req, &in, e) != 0 || input_only(&in, type_fields, e) != 0 ||
	    type_from_input(&in, &t, e) != 0 || booking_type_save(&r, id, &t, e) != 0)
		return -1;
	reply_type(res, &t, 201);
	return 0;
}

int
api_my_type(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct availability av;
	struct input in;
	int64_t id;
	long long type_id = path_id(req);
	if (web_account_request(req, &r, e) != 0 || booking_own_profile(&r, &id, e) != 0)
		return -1;
	if (req->method == HTTP_DELETE) {
		if (input_none(req, e) != 0 ||
		    booking_type_delete(&r, id, type_id, e) != 0)
			return -1;
		reply_ok(res, "deleted");
		return 0;
	}
	if (booking_availability_get(&r, id, &av, e) < 0)
		return -1;
	const struct appointment_type *found = NULL;
	for (size_t i = 0; i < av.ntypes; i++)
		if (av.types[i].id == type_id)
			found = &av.types[i];
	if (found == NULL)
		return err_set(e, 404, "not_found", "type", "no such appointment type");
	struct appointment_type t = *found;
	if (input_read(req, &in, e) != 0 || input_only(&in, type_fields, e) != 0 ||
	    type_from_input(&in, &t, e) != 0 || booking_type_save(&r, id, &t, e) != 0)
		return -1;
	reply_type(res, &t, 200);
	return 0;
}

int
api_my_calendar_feed(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	char token[TOKEN_TEXT_LEN + 1];
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0)
		return -1;
	if (req->method == HTTP_DELETE) {
		if (booking_feed_disable(&r, e) != 0)
			return -1;
		reply_ok(res, "off");
		return 0;
	}
	if (booking_feed_token_new(&r, token, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_string(&j, "url", account_link(&r, arena_printf(req->arena,
	    "/calendar/%s.ics", token)));
	jw_kv_string(&j, "note", "Keep this address private: anyone who has it"
	    " can read your appointments. Making a new one ends this one.");
	jw_object_end(&j);
	http_reply_json(res, 201);
	return 0;
}

/* GET /calendar/{token}.ics: no session, the token is the key. */
int
calendar_feed(struct http_request *req, struct http_response *res, struct err *e)
{
	const char *name = req->path_args[0];
	size_t n = name != NULL ? strlen(name) : 0;
	if (n != TOKEN_TEXT_LEN + 4 || strcmp(name + TOKEN_TEXT_LEN, ".ics") != 0)
		return err_set(e, 404, "not_found", "", "no such calendar");
	char token[TOKEN_TEXT_LEN + 1];
	memcpy(token, name, TOKEN_TEXT_LEN);
	token[TOKEN_TEXT_LEN] = '\0';
	sqlite3 *db = app_db(req->app);
	if (db == NULL)
		return err_set(e, 503, "unavailable", "", "the database is not available");
	int rc = booking_feed(db, token, time(NULL), &res->body, e);
	if (rc != 0)
		return rc < 0 ? -1 : err_set(e, 404, "not_found", "", "no such calendar");
	res->content_type = "text/calendar; charset=utf-8";
	http_add_header(res, "Cache-Control", "private, max-age=300");
	res->status = 200;
	return 0;
}
