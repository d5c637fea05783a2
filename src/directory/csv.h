/*
 * An RFC 4180 CSV reader for untrusted files: quoted fields with ""
 * escapes, commas and line breaks inside quotes, LF or CRLF line ends, a
 * UTF-8 byte-order mark skipped. Limits are enforced while parsing, fields
 * must be UTF-8 text, and every record carries the line it starts on so
 * callers can report FILE:LINE. The reader streams (a file of any size is
 * read through one buffer) and also reads from memory, so a fuzzer can
 * drive it without files.
 */
#ifndef IMAGO_CSV_H
#define IMAGO_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/err.h"

#define CSV_FIELD_MAX	(64 * 1024)	/* bytes in one field */
#define CSV_FIELDS_MAX	256		/* fields in one record */
#define CSV_RECORD_MAX	(1024 * 1024)	/* bytes of field data in one record */

struct csv_limits {
	size_t	field_max;
	size_t	fields_max;
	size_t	record_max;
};

/* One field: NUL-terminated, len bytes (no NUL inside: fields are text). */
struct csv_field {
	char	*data;
	size_t	 len;
	bool	 quoted;	/* written in quotes in the file */
};

/*
 * The fields point into the reader's memory and stay valid until the next
 * csv_next() or csv_close(); callers may modify them in place (trim).
 */
struct csv_record {
	struct csv_field	*fields;
	size_t			 count;
	long			 line;	/* 1-based line the record starts on */
};

struct csv_reader;

/* A reader over fd (not closed by csv_close). limits NULL = the defaults
 * above. Never NULL. */
struct csv_reader *csv_open_fd(int fd, const struct csv_limits *limits);
/* A reader over data[0..len), which must outlive the reader. */
struct csv_reader *csv_open_mem(const char *data, size_t len,
	    const struct csv_limits *limits);
void	csv_close(struct csv_reader *r);

/*
 * Reads the next record: 1 and *out filled, 0 at the end of the input, -1
 * with e set and out->line the line of the problem. Blank lines between
 * records are skipped.
 *
 * After -1, csv_broken() tells the two kinds of error apart: a record
 * whose fields are not UTF-8 text is skipped whole and the next call reads
 * on (not broken); a syntax error (stray or unterminated quote, bare
 * carriage return), an exceeded limit or a read error leaves the file's
 * structure in doubt, so every later call fails the same way (broken).
 */
int	csv_next(struct csv_reader *r, struct csv_record *out, struct err *e);
bool	csv_broken(const struct csv_reader *r);
/* Bytes of input consumed so far (for progress reports). */
unsigned long long csv_offset(const struct csv_reader *r);

#endif
