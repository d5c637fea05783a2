/*
 * libFuzzer harness for the CSV reader (src/directory/csv.c), the parser
 * that reads untrusted import files. The first byte picks tight or default
 * limits, so the limit paths are reached with small inputs; the rest is
 * the CSV. Besides the sanitizers, it checks the reader's promises: every
 * field NUL-terminated, within the limits, UTF-8 text; lines that never go
 * backwards; a broken reader staying broken; the end reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "directory/csv.h"
#include "util/text.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_limits tight = { 16, 4, 48 };
	const struct csv_limits *lim = NULL;
	if (size > 0) {
		lim = (data[0] & 1) ? &tight : NULL;
		data++;
		size--;
	}
	size_t field_max = lim ? lim->field_max : CSV_FIELD_MAX;
	size_t fields_max = lim ? lim->fields_max : CSV_FIELDS_MAX;

	struct csv_reader *r = csv_open_mem((const char *)data, size, lim);
	struct csv_record rec;
	long last_line = 0;
	for (;;) {
		struct err e = ERR_INIT;
		int rc = csv_next(r, &rec, &e);
		if (rc == 0)
			break;
		if (rec.line < last_line || rec.line < 1)
			abort();
		last_line = rec.line;
		if (rc < 0) {
			if (e.message[0] == '\0')
				abort();
			if (csv_broken(r)) {
				if (csv_next(r, &rec, &e) != -1)
					abort();
				break;
			}
			continue;
		}
		if (rec.count == 0 || rec.count > fields_max)
			abort();
		for (size_t i = 0; i < rec.count; i++) {
			const struct csv_field *f = &rec.fields[i];
			if (f->len > field_max || f->data[f->len] != '\0' ||
			    memchr(f->data, '\0', f->len) != NULL ||
			    !text_utf8_valid(f->data, f->len, true))
				abort();
		}
	}
	if (!csv_broken(r) && csv_offset(r) != size)
		abort();
	csv_close(r);
	return 0;
}
