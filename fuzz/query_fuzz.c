/*
 * Fuzzes the search parameter parser: bytes are split like a query
 * string (k=v&k=v, no decoding beyond that) and handed to
 * search_query_parse, which must accept or reject with a 400 and never
 * crash; accepted queries are formatted back into a query string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/directory/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	struct param params[SEARCH_MAX_PARAMS + 1];
	size_t n = 0;
	char *p = copy, *end = copy + size;
	while (p < end && n < SEARCH_MAX_PARAMS + 1) {
		char *amp = memchr(p, '&', (size_t)(end - p));
		char *stop = amp ? amp : end;
		*stop = '\0';
		char *eq = memchr(p, '=', (size_t)(stop - p));
		if (eq) {
			*eq = '\0';
			params[n++] = (struct param){ p, eq + 1, (size_t)(stop - eq - 1) };
		} else {
			params[n++] = (struct param){ p, "", 0 };
		}
		p = stop + 1;
	}
	struct search_query q;
	struct err e = ERR_INIT;
	if (search_query_parse(&q, params, n, &e) == 0) {
		struct buf b = BUF_INIT;
		search_query_format(&q, q.offset, &b);
		buf_free(&b);
	} else if (e.status != 400) {
		abort();	/* parameters can only ever be a 400 */
	}
	free(copy);
	return 0;
}
