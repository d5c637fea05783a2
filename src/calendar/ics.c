/*
 * iCalendar (RFC 5545) output: an invitation attached to a booking mail
 * and a subscribable feed. libical builds the components and writes them
 * out, so escaping (backslash, comma, semicolon, newline in TEXT values),
 * line folding (at most 75 octets, never inside a UTF-8 character) and
 * CRLF line ends are its job, not ours.
 *
 * What libical does not do is refuse bytes that have no place in a
 * value: a CR or a control character in TEXT is copied out as it is, and
 * a URI value is copied verbatim, so a line break in a URL would start a
 * property of its own. Every string is therefore cleaned here first
 * (clean_text, clean_uri). Times are written in UTC, which needs only
 * libical's built-in UTC zone: its lookup takes libical's own lock, and
 * none of the shared tz database zones (tz.c's mutex) is touched.
 */
#include "calendar.h"

#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "../util/text.h"

#define ICS_PRODID	"-//imago//imago//EN"

/* The length of the UTF-8 sequence a lead byte announces, or 0. */
static size_t
utf8_sequence_length(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/*
 * s as text libical can write safely: well-formed UTF-8 (a bad byte
 * becomes U+FFFD), no control characters but tab, and every line end
 * (CRLF, CR or LF) one LF, which libical escapes as "\n" (it would drop a
 * CR). With multiline false (a UID, the calendar's name) a line end or
 * a tab becomes a space. NULL gives "".
 */
static void
clean_text(struct buf *out, const char *s, bool multiline)
{
	buf_reset(out);
	buf_puts(out, "");
	if (s == NULL)
		return;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c == '\r' || c == '\n') {
			buf_putc(out, multiline ? '\n' : ' ');
			i += c == '\r' && i + 1 < n && p[i + 1] == '\n' ? 2 : 1;
		} else if (c == '\t') {
			buf_putc(out, multiline ? '\t' : ' ');
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			i++;
		} else if (c < 0x80) {
			buf_putc(out, (char)c);
			i++;
		} else {
			size_t len = utf8_sequence_length(c);
			if (len > 0 && i + len <= n &&
			    text_utf8_valid(s + i, len, false)) {
				buf_put(out, s + i, len);
				i += len;
			} else {
				buf_puts(out, "\xef\xbf\xbd");
				i++;
			}
		}
	}
}

/* A URI goes out verbatim, so only printable ASCII without spaces is
 * kept; anything else and the property is left out (false). */
static bool
clean_uri(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 2000)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return false;
	return true;
}

static struct icaltimetype
utc_time(time_t t)
{
	return icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
}

/* An empty value is left out: libical's parser (and others) take
 * "SUMMARY:" for an error. */
static void
add_text(icalcomponent *c, icalproperty *(*make)(const char *), const char *s,
    bool multiline, struct buf *tmp)
{
	clean_text(tmp, s, multiline);
	if (tmp->len > 0)
		icalcomponent_add_property(c, make(tmp->data));
}

static icalcomponent *
make_event(const struct ics_event *ev, struct buf *tmp)
{
	icalcomponent *e = icalcomponent_new_vevent();
	/* The UID is required: the caller always has one. */
	clean_text(tmp, ev->uid, false);
	icalcomponent_add_property(e, icalproperty_new_uid(tmp->data));
	icalcomponent_add_property(e, icalproperty_new_sequence(
	    ev->sequence < 0 ? 0 : ev->sequence));
	icalcomponent_add_property(e, icalproperty_new_dtstamp(utc_time(ev->stamp)));
	icalcomponent_add_property(e, icalproperty_new_dtstart(utc_time(ev->start)));
	icalcomponent_add_property(e, icalproperty_new_dtend(utc_time(ev->end)));
	add_text(e, icalproperty_new_summary, ev->summary, true, tmp);
	add_text(e, icalproperty_new_description, ev->description, true, tmp);
	add_text(e, icalproperty_new_location, ev->location, true, tmp);
	if (clean_uri(ev->url))
		icalcomponent_add_property(e, icalproperty_new_url(ev->url));
	icalcomponent_add_property(e, icalproperty_new_status(
	    ev->cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
	return e;
}

static icalcomponent *
make_calendar(void)
{
	icalcomponent *cal = icalcomponent_new_vcalendar();
	icalcomponent_add_property(cal, icalproperty_new_prodid(ICS_PRODID));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	return cal;
}

/* Writes cal to out and frees it. */
static void
finish(struct buf *out, icalcomponent *cal)
{
	char *s = icalcomponent_as_ical_string_r(cal);
	if (s) {
		buf_puts(out, s);
		icalmemory_free_buffer(s);
	}
	icalcomponent_free(cal);
}

void
ics_invitation(struct buf *out, const struct ics_event *ev)
{
	struct buf tmp = BUF_INIT;
	icalcomponent *cal = make_calendar();
	icalcomponent_add_property(cal, icalproperty_new_method(
	    ev->cancelled ? ICAL_METHOD_CANCEL : ICAL_METHOD_PUBLISH));
	icalcomponent_add_component(cal, make_event(ev, &tmp));
	finish(out, cal);
	buf_free(&tmp);
}

void
ics_feed(struct buf *out, const char *name, const struct ics_event *evs,
    size_t n)
{
	struct buf tmp = BUF_INIT;
	icalcomponent *cal = make_calendar();
	/* An X- property's value is written as an X value: libical escapes
	 * backslashes and newlines in it but not commas or semicolons, which
	 * readers of X-WR-CALNAME take literally anyway. */
	clean_text(&tmp, name, false);
	if (tmp.len > 0) {
		icalproperty *calname = icalproperty_new_x(tmp.data);
		icalproperty_set_x_name(calname, "X-WR-CALNAME");
		icalcomponent_add_property(cal, calname);
	}
	for (size_t i = 0; i < n; i++)
		icalcomponent_add_component(cal, make_event(&evs[i], &tmp));
	finish(out, cal);
	buf_free(&tmp);
}
