/*
 * Mail about appointments. Each message is written in the zone of the
 * person reading it (the client's as they booked, the therapist's own)
 * and carries the appointment as an .ics file; the UID stays the same
 * and SEQUENCE grows, so a calendar updates the event it already has.
 * Every message to the client has a fresh link to cancel or move it.
 */
#include "internal.h"

#include <string.h>

#include "../mail/mail.h"
#include "../store/db.h"

static const char *const weekdays[] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday"
};
static const char *const months[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* "Tuesday 8 December 2026, 09:00–09:15 (Europe/Berlin)", or without
 * "–09:15" when end is start. */
void
booking_format_when(struct buf *b, const char *zone_name, time_t start,
    time_t end)
{
	const struct tz *zone = tz_find(zone_name);
	if (zone == NULL)
		zone = tz_find("UTC");
	struct civil s, f;
	tz_local(zone, start, &s);
	tz_local(zone, end, &f);
	buf_printf(b, "%s %d %s %d, %02d:%02d", weekdays[(s.weekday + 6) % 7],
	    s.day, months[(s.month + 11) % 12], s.year, s.hour, s.minute);
	if (end != start)
		buf_printf(b, "\xe2\x80\x93%02d:%02d", f.hour, f.minute);
	buf_printf(b, " (%s)", tz_name(zone));
}

/* The therapist's address for mail: their account's, else the one on
 * an unclaimed profile. 0, 1 none. */
static int
therapist_address(sqlite3 *db, int64_t therapist_id, struct arena *a,
    const char **out, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT COALESCE(u.email, t.email)"
	    " FROM therapists t LEFT JOIN users u ON u.id = t.owner_user_id"
	    " WHERE t.id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		const unsigned char *s = sqlite3_column_text(st, 0);
		if (s != NULL && *s) {
			*out = arena_strdup(a, (const char *)s);
			ret = 0;
		}
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "finding the therapist's address");
	}
	sqlite3_finalize(st);
	return ret;
}

static int
sequence_of(sqlite3 *db, int64_t id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT sequence FROM appointments"
	    " WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	int seq = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (seq < 0)
		db_fail(db, e, "reading an appointment's sequence");
	return seq;
}

int
booking_link_new(sqlite3 *db, int64_t appointment_id, time_t now,
    char token[TOKEN_TEXT_LEN + 1], struct err *e)
{
	unsigned char hash[32];
	token_new(token);
	token_hash(token, hash);
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO appointment_links"
	    " (token_hash, appointment_id, created_at) VALUES (?, ?, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, appointment_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "saving a link");
}

static const char *
mode_text(const struct appointment *a)
{
	return strcmp(a->mode, "video") == 0 ?
	    "By video (the therapist sends the link)" : "In person";
}

static void
fee_text(struct buf *b, const struct appointment *a)
{
	if (a->fee == 0)
		buf_puts(b, "Free");
	else
		buf_printf(b, "%d %s", a->fee, a->currency);
}

/* The event as the reader's calendar should hold it. */
static void
event_for(const struct account_request *r, const struct appointment *a,
    bool for_therapist, int sequence, const char *url, struct ics_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->uid = arena_printf(r->arena, "%s@imago", a->ref);	/* as in the feed */
	ev->sequence = sequence;
	ev->start = a->start;
	ev->end = a->end;
	ev->stamp = r->now;
	ev->summary = for_therapist ?
	    arena_printf(r->arena, "%s: %s", a->type_name, a->name) :
	    arena_printf(r->arena, "%s with %s", a->type_name, a->therapist_name);
	ev->description = arena_printf(r->arena, "%s via imago.%s%s",
	    a->type_name, url != NULL ? " Manage it here: " : "",
	    url != NULL ? url : "");
	ev->location = strcmp(a->mode, "video") == 0 ? "Video call" : NULL;
	ev->url = url;
	ev->cancelled = strcmp(a->status, "cancelled") == 0;
}

static int
send(const struct account_request *r, const char *to, const char *subject,
    const char *body, const struct ics_event *ev, struct err *e)
{
	struct buf ics = BUF_INIT;
	ics_invitation(&ics, ev);
	struct mail_attachment att = {
		ev->cancelled ? "text/calendar; charset=UTF-8; method=CANCEL" :
		    "text/calendar; charset=UTF-8; method=PUBLISH",
		"invitation.ics", buf_cstr(&ics),
	};
	int rc = mail_enqueue_with(r->db, to, subject, body, &att, e);
	buf_free(&ics);
	return rc;
}

/* A name cut to at most max bytes on a character boundary, for subjects
 * (mail refuses subjects over MAIL_SUBJECT_MAX bytes, and three names of
 * up to 200 bytes each would be more). */
static const char *
short_name(const struct account_request *r, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return s;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;		/* not inside a UTF-8 sequence */
	return arena_printf(r->arena, "%.*s\xe2\x80\xa6", (int)max, s);
}

static const char *
client_subject(const struct account_request *r, const struct appointment *a0,
    enum booking_event ev)
{
	struct appointment shortened = *a0, *a = &shortened;
	a->type_name = short_name(r, a0->type_name, 60);
	a->therapist_name = short_name(r, a0->therapist_name, 80);
	switch (ev) {
	case BOOKING_HELD:
		return arena_printf(r->arena, "Please confirm your %s with %s",
		    a->type_name, a->therapist_name);
	case BOOKING_BOOKED:
		return arena_printf(r->arena, "Booked: %s with %s", a->type_name,
		    a->therapist_name);
	case BOOKING_MOVED:
		return arena_printf(r->arena, "New time: %s with %s", a->type_name,
		    a->therapist_name);
	case BOOKING_CANCELLED:
		return arena_printf(r->arena, "Cancelled: %s with %s", a->type_name,
		    a->therapist_name);
	case BOOKING_REMINDER:
		return arena_printf(r->arena, "Reminder: %s with %s", a->type_name,
		    a->therapist_name);
	}
	return "";
}

static const char *
client_lead(enum booking_event ev)
{
	switch (ev) {
	case BOOKING_HELD:
		return "We are holding this time for you for 30 minutes. To book"
		    " it, open this link:";
	case BOOKING_BOOKED:
		return "Your appointment is booked. The invitation is attached:"
		    " open it to add the appointment to your calendar.";
	case BOOKING_MOVED:
		return "Your appointment has a new time. The attached invitation"
		    " updates your calendar.";
	case BOOKING_CANCELLED:
		return "Your appointment has been cancelled. The attachment"
		    " removes it from your calendar.";
	case BOOKING_REMINDER:
		return "A reminder of your appointment.";
	}
	return "";
}

static int
notify_client(const struct account_request *r, const struct appointment *a,
    enum booking_event ev, const char *confirm_token, int sequence,
    struct err *e)
{
	struct buf b = BUF_INIT;
	const char *manage = NULL;
	char token[TOKEN_TEXT_LEN + 1];
	if (ev == BOOKING_BOOKED || ev == BOOKING_MOVED || ev == BOOKING_REMINDER) {
		if (booking_link_new(r->db, a->id, r->now, token, e) < 0)
			return -1;
		manage = account_link(r, arena_printf(r->arena,
		    "/appointments/manage?token=%s", token));
	}
	buf_printf(&b, "Hello %s,\n\n%s\n", a->name, client_lead(ev));
	if (ev == BOOKING_HELD)
		buf_printf(&b, "\n%s\n", account_link(r, arena_printf(r->arena,
		    "/appointments/confirm?token=%s", confirm_token)));
	buf_printf(&b, "\n%s with %s\nWhen: ", a->type_name, a->therapist_name);
	booking_format_when(&b, a->timezone, a->start, a->end);
	buf_printf(&b, "\nHow: %s\nFee: ", mode_text(a));
	fee_text(&b, a);
	buf_puts(&b, "\n");
	if (manage != NULL) {
		buf_puts(&b, "\nTo cancel or move it (online until ");
		booking_format_when(&b, a->timezone, a->cancel_until, a->cancel_until);
		buf_printf(&b, "), open:\n%s\n", manage);
	}
	if (ev == BOOKING_HELD)
		buf_puts(&b, "\nIf you did not ask for this, ignore this message:"
		    " the time is released on its own.\n");
	buf_puts(&b, "\nimago\n");
	struct ics_event event;
	event_for(r, a, false, sequence, manage, &event);
	int rc = ev == BOOKING_HELD ?
	    mail_enqueue(r->db, a->email, client_subject(r, a, ev), buf_cstr(&b), e) :
	    send(r, a->email, client_subject(r, a, ev), buf_cstr(&b), &event, e);
	buf_free(&b);
	return rc;
}

static const char *
therapist_subject(const struct account_request *r, const struct appointment *a0,
    enum booking_event ev)
{
	struct appointment shortened = *a0, *a = &shortened;
	a->type_name = short_name(r, a0->type_name, 60);
	a->name = short_name(r, a0->name, 80);
	const char *what = ev == BOOKING_BOOKED ? "New booking" :
	    ev == BOOKING_MOVED ? "Moved" : ev == BOOKING_CANCELLED ?
	    "Cancelled" : "Reminder";
	return arena_printf(r->arena, "%s: %s with %s", what, a->type_name,
	    a->name);
}

static int
notify_therapist(const struct account_request *r, const struct appointment *a,
    enum booking_event ev, int sequence, struct err *e)
{
	const char *to = NULL;
	int rc = therapist_address(r->db, a->therapist_id, r->arena, &to, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;	/* nowhere to send it */
	const char *list = account_link(r, "/therapist/appointments");
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s: %s with %s\nWhen: ", ev == BOOKING_CANCELLED ?
	    "Cancelled" : ev == BOOKING_MOVED ? "Moved to a new time" :
	    ev == BOOKING_REMINDER ? "Reminder" : "New booking",
	    a->type_name, a->name);
	booking_format_when(&b, a->therapist_timezone, a->start, a->end);
	buf_printf(&b, "\nHow: %s\n", mode_text(a));
	if (a->cancelled_by != NULL)
		buf_printf(&b, "Cancelled by: %s\n", a->cancelled_by);
	buf_printf(&b, "\nSee your appointments (sign in): %s\n\nimago\n", list);
	struct ics_event event;
	event_for(r, a, true, sequence, list, &event);
	rc = send(r, to, therapist_subject(r, a, ev), buf_cstr(&b), &event, e);
	buf_free(&b);
	return rc;
}

int
booking_notify(const struct account_request *r, const struct appointment *a,
    enum booking_event ev, const char *confirm_token, struct err *e)
{
	int sequence = sequence_of(r->db, a->id, e);
	if (sequence < 0)
		return -1;
	if (notify_client(r, a, ev, confirm_token, sequence, e) < 0)
		return -1;
	if (ev == BOOKING_HELD)
		return 0;
	return notify_therapist(r, a, ev, sequence, e);
}
