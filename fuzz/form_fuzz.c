/*
 * Fuzzes the HTML form decoder (application/x-www-form-urlencoded, the
 * body of every page POST): it must accept or refuse with a 400, never
 * crash, and every field it returns must be NUL-free valid UTF-8 whose
 * length matches value_len.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/http/http.h"
#include "../src/util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct param params[HTTP_MAX_PARAMS];
	size_t n = 0;
	struct err e = ERR_INIT;
	if (http_form_decode((const char *)data, size, a, params, HTTP_MAX_PARAMS, &n, &e) == 0) {
		if (n > HTTP_MAX_PARAMS)
			abort();
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(params[i].value);
			if (len != params[i].value_len ||
			    !text_utf8_valid(params[i].key, strlen(params[i].key), true) ||
			    !text_utf8_valid(params[i].value, len, true))
				abort();
		}
	} else if (e.status != 400) {
		abort();
	}
	arena_free(a);
	return 0;
}
