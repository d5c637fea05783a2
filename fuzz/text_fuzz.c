/*
 * Fuzzes UTF-8 validation and name folding: folding must never crash,
 * must produce valid UTF-8, and must be idempotent (folding a folded key
 * gives the same key), which the place index relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	bool valid = text_utf8_valid(s, size, true);
	struct buf once = BUF_INIT, twice = BUF_INIT;
	text_fold(&once, s, size);
	if (!valid && once.len != 0)
		abort();
	if (!text_utf8_valid(buf_cstr(&once), once.len, false))
		abort();
	text_fold(&twice, buf_cstr(&once), once.len);
	if (once.len != twice.len || memcmp(buf_cstr(&once), buf_cstr(&twice), once.len) != 0)
		abort();
	buf_free(&once);
	buf_free(&twice);
	return 0;
}
