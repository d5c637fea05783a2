/*
 * iCalendar output, read back by libical's own parser: an invitation and
 * a feed (empty too) with text that needs escaping (commas, semicolons,
 * backslashes, newlines, non-ASCII) and a description long enough to be
 * folded come back exactly, with the right UID, SEQUENCE, instants,
 * STATUS and METHOD; every line ends in CRLF and is at most 75 octets;
 * and bytes with no place in a value (a line break in a URL, control
 * characters, broken UTF-8) never reach the output.
 */
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "../../src/calendar/calendar.h"
#include "../../src/util/buf.h"

/* ---- helpers ---------------------------------------------------------- */

/* Every line ends in CRLF (no bare CR or LF anywhere) and is at most 75
 * octets without it; returns the number of bad lines. */
static int
check_ics_lines(const char *s, size_t len)
{
	int bad = 0;
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r' && (i + 1 >= len || s[i + 1] != '\n')) {
			test_fail(__FILE__, __LINE__, "bare CR at byte %zu", i);
			bad++;
		}
		if (s[i] != '\n')
			continue;
		if (i == 0 || s[i - 1] != '\r') {
			test_fail(__FILE__, __LINE__, "bare LF at byte %zu", i);
			bad++;
			start = i + 1;
			continue;
		}
		size_t line_len = i - 1 - start;
		if (line_len > 75) {
			test_fail(__FILE__, __LINE__, "line of %zu octets: %.*s", line_len,
			    (int)line_len, s + start);
			bad++;
		}
		start = i + 1;
	}
	if (len == 0 || start != len) {
		test_fail(__FILE__, __LINE__, "the calendar does not end with CRLF");
		bad++;
	}
	return bad;
}

/* Parses s and checks it is one VCALENDAR with no parse errors. */
static icalcomponent *
parse_calendar(const char *s)
{
	icalcomponent *cal = icalparser_parse_string(s);
	if (cal == NULL) {
		test_fail(__FILE__, __LINE__, "libical could not parse:\n%s", s);
		return NULL;
	}
	CHECK(icalcomponent_isa(cal) == ICAL_VCALENDAR_COMPONENT);
	CHECK_INT(icalcomponent_count_errors(cal), 0);
	CHECK_STR(icalproperty_get_prodid(icalcomponent_get_first_property(cal,
	    ICAL_PRODID_PROPERTY)), "-//imago//imago//EN");
	CHECK_STR(icalproperty_get_version(icalcomponent_get_first_property(cal,
	    ICAL_VERSION_PROPERTY)), "2.0");
	CHECK_STR(icalproperty_get_calscale(icalcomponent_get_first_property(cal,
	    ICAL_CALSCALE_PROPERTY)), "GREGORIAN");
	return cal;
}

static time_t
utc_instant(struct icaltimetype t)
{
	CHECK(icaltime_is_utc(t));
	CHECK(!icaltime_is_date(t));
	return icaltime_as_timet(t);
}

static const char *
text_property(icalcomponent *c, icalproperty_kind kind)
{
	icalproperty *p = icalcomponent_get_first_property(c, kind);
	return p ? icalvalue_get_text(icalproperty_get_value(p)) : NULL;
}

/* Checks one parsed VEVENT against the event it was made from. */
static void
check_event(icalcomponent *e, const struct ics_event *want)
{
	CHECK_STR(icalcomponent_get_uid(e), want->uid);
	CHECK_INT(icalproperty_get_sequence(icalcomponent_get_first_property(e,
	    ICAL_SEQUENCE_PROPERTY)), want->sequence);
	CHECK_INT(utc_instant(icalcomponent_get_dtstart(e)), want->start);
	CHECK_INT(utc_instant(icalcomponent_get_dtend(e)), want->end);
	CHECK_INT(utc_instant(icalcomponent_get_dtstamp(e)), want->stamp);
	/* An empty text is left out rather than written empty. */
	if (want->summary && *want->summary)
		CHECK_STR(text_property(e, ICAL_SUMMARY_PROPERTY), want->summary);
	else
		CHECK(icalcomponent_get_first_property(e, ICAL_SUMMARY_PROPERTY) == NULL);
	if (want->description)
		CHECK_STR(text_property(e, ICAL_DESCRIPTION_PROPERTY), want->description);
	else
		CHECK(icalcomponent_get_first_property(e, ICAL_DESCRIPTION_PROPERTY) == NULL);
	if (want->location)
		CHECK_STR(text_property(e, ICAL_LOCATION_PROPERTY), want->location);
	else
		CHECK(icalcomponent_get_first_property(e, ICAL_LOCATION_PROPERTY) == NULL);
	icalproperty *url = icalcomponent_get_first_property(e, ICAL_URL_PROPERTY);
	if (want->url)
		CHECK_STR(url ? icalproperty_get_url(url) : NULL, want->url);
	else
		CHECK(url == NULL);
	CHECK_INT(icalcomponent_get_status(e),
	    want->cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED);
}

static int
count_events(icalcomponent *cal)
{
	return icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT);
}

static const char *
calendar_name(icalcomponent *cal)
{
	for (icalproperty *p = icalcomponent_get_first_property(cal, ICAL_X_PROPERTY);
	    p; p = icalcomponent_get_next_property(cal, ICAL_X_PROPERTY))
		if (strcmp(icalproperty_get_x_name(p), "X-WR-CALNAME") == 0)
			return icalproperty_get_x(p);
	return NULL;
}

static bool
has_line_starting(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *p = s; p; p = strstr(p, "\r\n")) {
		if (p != s)
			p += 2;
		if (strncmp(p, prefix, n) == 0)
			return true;
	}
	return false;
}

/* ---- test data -------------------------------------------------------- */

static const char tricky_summary[] =
    "Erstgespräch, Paare; \"Zoë\" & Jürgen\\Back 你好 🙂";

/* Over 500 octets, with every character libical must escape, line
 * breaks, and multi-byte characters where the folds fall. */
static char *
long_description(void)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "Liebe Zoë,\nbitte bringt mit: Ausweis, Versichertenkarte; "
	    "Fragebogen\\Anhang.\n\n");
	while (b.len < 520)
		buf_puts(&b, "日本語のテキスト、ウムラウト äöü ÄÖÜ ß, emoji 🙂🙂🙂; ");
	buf_puts(&b, "\nEnde");
	return buf_detach(&b);
}

/* 2026-03-08 14:30:00 UTC and 15:20. */
#define START	((time_t)1772980200)
#define END	((time_t)(START + 50 * 60))
#define STAMP	((time_t)1772000000)

/* ---- tests ------------------------------------------------------------ */

TEST(ics_invitation_round_trip)
{
	char *description = long_description();
	CHECK(strlen(description) >= 500);
	struct ics_event ev = {
		.uid = "b7c1e0a4@imago.example", .sequence = 0,
		.start = START, .end = END, .stamp = STAMP,
		.summary = tricky_summary, .description = description,
		.location = "Praxis Dr. Müller, Hauptstraße 5; 2. OG\nKlingel: \"Müller\"",
		.url = "https://imago.example/appointments/b7c1e0a4?x=1,2;3",
	};
	struct buf out = BUF_INIT;
	buf_puts(&out, "");
	ics_invitation(&out, &ev);
	CHECK_INT(check_ics_lines(out.data, out.len), 0);
	CHECK(strncmp(out.data, "BEGIN:VCALENDAR\r\n", 17) == 0);
	CHECK(has_line_starting(out.data, "METHOD:PUBLISH\r\n"));
	CHECK(has_line_starting(out.data, "DTSTART:20260308T143000Z\r\n"));
	CHECK(has_line_starting(out.data, "DTEND:20260308T152000Z\r\n"));
	CHECK(has_line_starting(out.data, "STATUS:CONFIRMED\r\n"));
	/* Escaped on the wire, folded where long. */
	CHECK(strstr(out.data, "SUMMARY:Erstgespräch\\, Paare\\; \"Zoë\" & Jürgen\\\\Back")
	    != NULL);
	CHECK(strstr(out.data, "DESCRIPTION:Liebe Zoë\\,\\nbitte") != NULL);
	const char *d = strstr(out.data, "\r\nDESCRIPTION:");
	int folds = 0;
	if (d) {
		for (const char *p = strstr(d + 2, "\r\n"); p && p[2] == ' ';
		    p = strstr(p + 2, "\r\n"))
			folds++;
	}
	CHECK(folds >= 7);

	icalcomponent *cal = parse_calendar(out.data);
	if (cal) {
		CHECK_INT(icalcomponent_get_method(cal), ICAL_METHOD_PUBLISH);
		CHECK_INT(count_events(cal), 1);
		CHECK(calendar_name(cal) == NULL);
		icalcomponent *e = icalcomponent_get_first_component(cal,
		    ICAL_VEVENT_COMPONENT);
		if (e)
			check_event(e, &ev);
		icalcomponent_free(cal);
	}
	buf_free(&out);
	free(description);
}

TEST(ics_invitation_cancelled)
{
	struct ics_event ev = {
		.uid = "b7c1e0a4@imago.example", .sequence = 3,
		.start = START, .end = END, .stamp = STAMP + 3600,
		.summary = "Erstgespräch (abgesagt)", .cancelled = true,
	};
	struct buf out = BUF_INIT;
	buf_puts(&out, "prefix kept\n");
	ics_invitation(&out, &ev);
	/* Appends: what was there stays. */
	CHECK(strncmp(out.data, "prefix kept\nBEGIN:VCALENDAR\r\n", 29) == 0);
	const char *ics = out.data + strlen("prefix kept\n");
	CHECK_INT(check_ics_lines(ics, strlen(ics)), 0);
	CHECK(has_line_starting(ics, "METHOD:CANCEL\r\n"));
	CHECK(has_line_starting(ics, "STATUS:CANCELLED\r\n"));
	CHECK(has_line_starting(ics, "SEQUENCE:3\r\n"));
	CHECK(strstr(ics, "DESCRIPTION") == NULL && strstr(ics, "LOCATION") == NULL &&
	    strstr(ics, "URL") == NULL);
	icalcomponent *cal = parse_calendar(ics);
	if (cal) {
		CHECK_INT(icalcomponent_get_method(cal), ICAL_METHOD_CANCEL);
		CHECK_INT(count_events(cal), 1);
		icalcomponent *e = icalcomponent_get_first_component(cal,
		    ICAL_VEVENT_COMPONENT);
		if (e)
			check_event(e, &ev);
		icalcomponent_free(cal);
	}
	buf_free(&out);
}

TEST(ics_feed_round_trip)
{
	char *description = long_description();
	struct ics_event evs[3] = {
		{ .uid = "a1@imago.example", .sequence = 0, .start = START, .end = END,
		  .stamp = STAMP, .summary = tricky_summary, .description = description },
		{ .uid = "a2@imago.example", .sequence = 5, .start = START + 86400,
		  .end = END + 86400 + 600, .stamp = STAMP + 1, .summary = "Zweites Treffen",
		  .location = "Online", .url = "https://imago.example/a2",
		  .cancelled = true },
		{ .uid = "a3@imago.example", .sequence = 1, .start = 0, .end = 3600,
		  .stamp = STAMP + 2, .summary = "" },
	};
	static const char name[] = "Praxis Müller, Termine; \"Zürich\" \\ 2026";
	struct buf out = BUF_INIT;
	ics_feed(&out, name, evs, 3);
	CHECK_INT(check_ics_lines(out.data, out.len), 0);
	CHECK(strstr(out.data, "METHOD") == NULL);
	CHECK(has_line_starting(out.data, "X-WR-CALNAME:Praxis Müller"));
	CHECK(has_line_starting(out.data, "DTSTART:19700101T000000Z\r\n"));

	icalcomponent *cal = parse_calendar(out.data);
	if (cal) {
		CHECK(icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY) == NULL);
		CHECK_STR(calendar_name(cal), name);
		CHECK_INT(count_events(cal), 3);
		int i = 0;
		for (icalcomponent *e = icalcomponent_get_first_component(cal,
		    ICAL_VEVENT_COMPONENT); e && i < 3;
		    e = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
			check_event(e, &evs[i++]);
		CHECK_INT(i, 3);
		icalcomponent_free(cal);
	}
	buf_free(&out);
	free(description);
}

TEST(ics_feed_empty)
{
	struct buf out = BUF_INIT;
	ics_feed(&out, "Leer", NULL, 0);
	CHECK_INT(check_ics_lines(out.data, out.len), 0);
	CHECK(strstr(out.data, "BEGIN:VEVENT") == NULL);
	CHECK(strstr(out.data, "END:VCALENDAR\r\n") != NULL);
	icalcomponent *cal = parse_calendar(out.data);
	if (cal) {
		CHECK_INT(count_events(cal), 0);
		CHECK_STR(calendar_name(cal), "Leer");
		icalcomponent_free(cal);
	}
	buf_free(&out);
}

TEST(ics_unsafe_input_never_reaches_the_wire)
{
	struct ics_event ev = {
		.uid = "x1@imago.example\r\nX-INJECTED:uid", .sequence = -4,
		.start = START, .end = END, .stamp = STAMP,
		.summary = "bell\a, del\x7f, esc\x1b[31m, CR\rCRLF\r\nend",
		.description = "broken \xff\xfe UTF-8 \xc3 and an overlong \xc0\xaf slash",
		.location = NULL,
		.url = "https://imago.example/a\r\nX-INJECTED:url",
	};
	struct buf out = BUF_INIT;
	ics_invitation(&out, &ev);
	CHECK_INT(check_ics_lines(out.data, out.len), 0);
	CHECK(!has_line_starting(out.data, "X-INJECTED"));
	CHECK(strstr(out.data, "URL") == NULL);
	CHECK(strchr(out.data, '\a') == NULL && strchr(out.data, 0x7f) == NULL &&
	    strchr(out.data, 0x1b) == NULL);
	icalcomponent *cal = parse_calendar(out.data);
	icalcomponent *e = cal ? icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT) : NULL;
	if (e) {
		/* A UID is one line; a text's line ends are LF; bad bytes are
		 * U+FFFD; a negative SEQUENCE is 0. */
		CHECK_STR(icalcomponent_get_uid(e), "x1@imago.example X-INJECTED:uid");
		CHECK_STR(text_property(e, ICAL_SUMMARY_PROPERTY),
		    "bell, del, esc[31m, CR\nCRLF\nend");
		CHECK_STR(text_property(e, ICAL_DESCRIPTION_PROPERTY),
		    "broken \xef\xbf\xbd\xef\xbf\xbd UTF-8 \xef\xbf\xbd and an overlong "
		    "\xef\xbf\xbd\xef\xbf\xbd slash");
		CHECK_INT(icalproperty_get_sequence(icalcomponent_get_first_property(e,
		    ICAL_SEQUENCE_PROPERTY)), 0);
		CHECK(icalcomponent_get_first_property(e, ICAL_URL_PROPERTY) == NULL);
	}
	if (cal)
		icalcomponent_free(cal);

	/* NULL or empty texts and a NULL feed name are left out. */
	struct ics_event bare = { .uid = "bare@imago.example", .summary = NULL,
	    .description = "", .location = "\r\n", .start = START, .end = END,
	    .stamp = STAMP };
	buf_reset(&out);
	ics_feed(&out, NULL, &bare, 1);
	CHECK_INT(check_ics_lines(out.data, out.len), 0);
	cal = parse_calendar(out.data);
	if (cal) {
		CHECK_INT(count_events(cal), 1);
		CHECK(calendar_name(cal) == NULL);
		icalcomponent_free(cal);
	}
	CHECK(strstr(out.data, "SUMMARY") == NULL &&
	    strstr(out.data, "DESCRIPTION") == NULL);
	CHECK(has_line_starting(out.data, "LOCATION:\\n\r\n"));
	buf_free(&out);
}
