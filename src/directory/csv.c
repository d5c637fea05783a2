/*
 * The CSV reader: a byte-level state machine over one input window (the
 * caller's memory, or a 256 KiB read buffer refilled from a file). Runs of
 * ordinary bytes are found with a table lookup in a tight loop and copied
 * into the record with one call, so the cost per byte stays a compare and
 * an increment. Fields are copied into one growing buffer, each followed
 * by a NUL, and the field pointers are fixed up when the record ends (the
 * buffer may move while it grows).
 *
 * Lines are counted on every LF consumed, inside quotes too, so a record's
 * line is the physical line of the file an editor would show.
 */
#include "csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/mem.h"
#include "../util/text.h"

#define CSV_READ_SIZE	(256 * 1024)

enum csv_state {
	ST_FIELD_START,		/* before the first byte of a field */
	ST_UNQUOTED,		/* inside a field written without quotes */
	ST_QUOTED,		/* inside quotes */
	ST_QUOTE_SEEN,		/* a quote inside quotes: "" or the end */
	ST_CR,			/* a CR outside quotes: an LF must follow */
};

struct csv_reader {
	int			 fd;		/* -1 when reading memory */
	const char		*in;		/* the input window */
	size_t			 in_len;
	size_t			 in_pos;
	char			*readbuf;	/* the window, for a file */
	bool			 eof;		/* nothing beyond the window */
	bool			 bom_checked;
	unsigned long long	 consumed;	/* bytes before the window */
	struct csv_limits	 lim;

	enum csv_state		 state;
	long			 line;		/* line of the next byte */
	long			 record_line;
	long			 quote_line;	/* where the open quote was */

	/* The record being built. */
	struct buf		 data;		/* fields, each NUL-terminated */
	size_t			 field_start;	/* offset of the current field */
	bool			 field_quoted;
	struct csv_field	*fields;
	size_t			*offsets;
	size_t			 nfields;
	size_t			 fields_cap;

	/* A structural error is sticky. */
	bool			 broken;
	struct err		 broken_err;
	long			 error_line;
};

/* The bytes that end a run of ordinary bytes outside quotes. */
static const bool csv_special[256] = {
	['"'] = true, [','] = true, ['\n'] = true, ['\r'] = true,
};

static const struct csv_limits csv_default_limits = {
	CSV_FIELD_MAX, CSV_FIELDS_MAX, CSV_RECORD_MAX,
};

static struct csv_reader *
reader_new(const struct csv_limits *limits)
{
	struct csv_reader *r = xcalloc(1, sizeof(*r));
	r->lim = limits ? *limits : csv_default_limits;
	r->line = 1;
	r->record_line = 1;
	r->state = ST_FIELD_START;
	return r;
}

static void
skip_bom(struct csv_reader *r)
{
	if (r->in_len - r->in_pos >= 3 &&
	    memcmp(r->in + r->in_pos, "\xef\xbb\xbf", 3) == 0)
		r->in_pos += 3;
	r->bom_checked = true;
}

struct csv_reader *
csv_open_fd(int fd, const struct csv_limits *limits)
{
	struct csv_reader *r = reader_new(limits);
	r->fd = fd;
	r->readbuf = xmalloc(CSV_READ_SIZE);
	r->in = r->readbuf;
	return r;
}

struct csv_reader *
csv_open_mem(const char *data, size_t len, const struct csv_limits *limits)
{
	struct csv_reader *r = reader_new(limits);
	r->fd = -1;
	r->in = data;
	r->in_len = data ? len : 0;
	r->eof = true;
	skip_bom(r);
	return r;
}

void
csv_close(struct csv_reader *r)
{
	if (r == NULL)
		return;
	free(r->readbuf);
	free(r->fields);
	free(r->offsets);
	buf_free(&r->data);
	free(r);
}

bool
csv_broken(const struct csv_reader *r)
{
	return r->broken;
}

unsigned long long
csv_offset(const struct csv_reader *r)
{
	return r->consumed + r->in_pos;
}

/* Records an error at line; a broken one is remembered for later calls. */
static int __attribute__((format(printf, 5, 6)))
fail(struct csv_reader *r, bool broken, long line, struct err *e,
    const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_set(e, 400, "invalid_csv", NULL, "%s", msg);
	r->error_line = line;
	if (broken) {
		r->broken = true;
		r->broken_err = *e;
	}
	return -1;
}

/*
 * Moves the window on. 1 when there are bytes, 0 at the end, -1 on a read
 * error. The first read of a file gathers at least three bytes, so a BOM
 * split across reads (a pipe) is still recognised.
 */
static int
fill(struct csv_reader *r, struct err *e)
{
	if (r->eof)
		return 0;
	r->consumed += r->in_len;
	r->in_len = r->in_pos = 0;
	size_t want = r->bom_checked ? 1 : 3;
	while (r->in_len < want) {
		ssize_t n = read(r->fd, r->readbuf + r->in_len, CSV_READ_SIZE - r->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(r, true, r->line, e, "read error: %s", strerror(errno));
		if (n == 0) {
			r->eof = true;
			break;
		}
		r->in_len += (size_t)n;
	}
	if (!r->bom_checked)
		skip_bom(r);
	return r->in_pos < r->in_len;
}

/* Adds bytes to the current field, within the limits. */
static int
append(struct csv_reader *r, const char *s, size_t n, struct err *e)
{
	size_t field_len = r->data.len - r->field_start;
	if (field_len + n > r->lim.field_max)
		return fail(r, true, r->line, e, "field %zu is longer than %zu bytes",
		    r->nfields + 1, r->lim.field_max);
	if (r->data.len + n > r->lim.record_max)
		return fail(r, true, r->line, e, "record is longer than %zu bytes",
		    r->lim.record_max);
	buf_put(&r->data, s, n);
	return 0;
}

/* Where a scan for the end of a run may stop: the window's end, or one
 * byte past the field limit, so an endless field fails without being
 * read whole. */
static const char *
scan_stop(const struct csv_reader *r, const char *p, const char *end)
{
	size_t field_len = r->data.len - r->field_start;
	size_t room = r->lim.field_max - field_len + 1;
	return (size_t)(end - p) > room ? p + room : end;
}

static int
end_field(struct csv_reader *r, struct err *e)
{
	if (r->nfields == r->lim.fields_max)
		return fail(r, true, r->line, e, "record has more than %zu fields",
		    r->lim.fields_max);
	if (r->nfields == r->fields_cap) {
		r->fields_cap = r->fields_cap ? r->fields_cap * 2 : 32;
		r->fields = xrealloc(r->fields, r->fields_cap * sizeof(*r->fields));
		r->offsets = xrealloc(r->offsets, r->fields_cap * sizeof(*r->offsets));
	}
	r->fields[r->nfields].len = r->data.len - r->field_start;
	r->fields[r->nfields].quoted = r->field_quoted;
	r->offsets[r->nfields] = r->field_start;
	r->nfields++;
	buf_putc(&r->data, '\0');
	r->field_start = r->data.len;
	r->field_quoted = false;
	r->state = ST_FIELD_START;
	return 0;
}

/* An LF outside quotes: 1 when it ends a record, 0 for a blank line. */
static int
end_line(struct csv_reader *r, struct err *e)
{
	if (r->nfields == 0 && r->data.len == r->field_start && !r->field_quoted) {
		r->state = ST_FIELD_START;
		r->record_line = ++r->line;
		return 0;
	}
	int rc = end_field(r, e) < 0 ? -1 : 1;
	r->line++;
	return rc;
}

/* A byte that ends a run outside quotes. */
static int
delimiter(struct csv_reader *r, char c, struct err *e)
{
	switch (c) {
	case ',':
		return end_field(r, e);
	case '\n':
		return end_line(r, e);
	case '\r':
		r->state = ST_CR;
		return 0;
	default:
		return fail(r, true, r->line, e, "stray quote in unquoted field %zu"
		    " (a field containing quotes must be quoted whole, with each"
		    " quote inside written as \"\")", r->nfields + 1);
	}
}

static int
scan_unquoted(struct csv_reader *r, const char **pp, const char *end,
    struct err *e)
{
	const char *p = *pp, *s = p, *stop = scan_stop(r, p, end);
	while (p < stop && !csv_special[(unsigned char)*p])
		p++;
	*pp = p;
	if (p > s && append(r, s, (size_t)(p - s), e) < 0)
		return -1;
	if (p == end)
		return 0;
	*pp = p + 1;
	return delimiter(r, *p, e);
}

static int
scan_quoted(struct csv_reader *r, const char **pp, const char *end,
    struct err *e)
{
	const char *p = *pp, *s = p, *stop = scan_stop(r, p, end);
	long lines = 0;
	while (p < stop && *p != '"') {
		lines += *p == '\n';
		p++;
	}
	r->line += lines;
	*pp = p;
	if (p > s && append(r, s, (size_t)(p - s), e) < 0)
		return -1;
	if (p < end) {
		*pp = p + 1;
		r->state = ST_QUOTE_SEEN;
	}
	return 0;
}

static int
after_quote(struct csv_reader *r, const char **pp, struct err *e)
{
	char c = **pp;
	if (c == '"') {
		(*pp)++;
		r->state = ST_QUOTED;
		return append(r, "\"", 1, e);
	}
	if (c == ',' || c == '\n' || c == '\r') {
		(*pp)++;
		return delimiter(r, c, e);
	}
	return fail(r, true, r->line, e,
	    "unexpected character after the closing quote of field %zu",
	    r->nfields + 1);
}

/*
 * Consumes the window until a record ends (1), the window is used up (0)
 * or an error (-1).
 */
static int
scan(struct csv_reader *r, struct err *e)
{
	const char *p = r->in + r->in_pos, *end = r->in + r->in_len;
	int rc = 0;
	while (rc == 0 && p < end) {
		switch (r->state) {
		case ST_FIELD_START:
			if (*p == '"') {
				r->state = ST_QUOTED;
				r->field_quoted = true;
				r->quote_line = r->line;
				p++;
			} else
				r->state = ST_UNQUOTED;
			break;
		case ST_UNQUOTED:
			rc = scan_unquoted(r, &p, end, e);
			break;
		case ST_QUOTED:
			rc = scan_quoted(r, &p, end, e);
			break;
		case ST_QUOTE_SEEN:
			rc = after_quote(r, &p, e);
			break;
		case ST_CR:
			if (*p != '\n')
				rc = fail(r, true, r->line, e,
				    "carriage return not followed by a line feed"
				    " (line ends must be LF or CRLF)");
			else {
				p++;
				rc = end_line(r, e);
			}
			break;
		}
	}
	r->in_pos = (size_t)(p - r->in);
	return rc;
}

/* The input ended: finishes a pending record (1), or 0, or -1. */
static int
at_eof(struct csv_reader *r, struct err *e)
{
	switch (r->state) {
	case ST_FIELD_START:
		if (r->nfields == 0)
			return 0;
		break;
	case ST_UNQUOTED:
	case ST_QUOTE_SEEN:
		break;
	case ST_QUOTED:
		return fail(r, true, r->quote_line, e,
		    "unterminated quoted field %zu (the quote opened on line %ld"
		    " is never closed)", r->nfields + 1, r->quote_line);
	case ST_CR:
		return fail(r, true, r->line, e,
		    "carriage return not followed by a line feed"
		    " (line ends must be LF or CRLF)");
	}
	return end_field(r, e) < 0 ? -1 : 1;
}

/* Points the fields into the data and checks that they are text. */
static int
finish_record(struct csv_reader *r, struct csv_record *out, struct err *e)
{
	for (size_t i = 0; i < r->nfields; i++) {
		struct csv_field *f = &r->fields[i];
		f->data = r->data.data + r->offsets[i];
		if (text_utf8_valid(f->data, f->len, true))
			continue;
		/* Tell a control character from broken UTF-8. */
		bool control = false;
		for (size_t k = 0; k < f->len && !control; k++) {
			unsigned char c = (unsigned char)f->data[k];
			control = c == 0x7f || (c < 0x20 && c != '\t' && c != '\n' && c != '\r');
		}
		return fail(r, false, r->record_line, e, control ?
		    "field %zu contains a control character" :
		    "field %zu is not valid UTF-8", i + 1);
	}
	out->fields = r->fields;
	out->count = r->nfields;
	out->line = r->record_line;
	return 1;
}

int
csv_next(struct csv_reader *r, struct csv_record *out, struct err *e)
{
	out->fields = NULL;
	out->count = 0;
	out->line = r->line;
	if (r->broken) {
		*e = r->broken_err;
		out->line = r->error_line;
		return -1;
	}
	buf_reset(&r->data);
	r->field_start = 0;
	r->field_quoted = false;
	r->nfields = 0;
	r->state = ST_FIELD_START;
	r->record_line = r->line;

	int rc = 0;
	while (rc == 0) {
		if (r->in_pos == r->in_len) {
			int more = fill(r, e);
			if (more <= 0) {
				rc = more < 0 ? -1 : at_eof(r, e);
				if (rc == 0)
					return 0;
				break;
			}
		}
		rc = scan(r, e);
	}
	if (rc > 0)
		rc = finish_record(r, out, e);
	if (rc < 0)
		out->line = r->error_line;
	return rc;
}
