/*
 * HTML form bodies (application/x-www-form-urlencoded). Browsers send
 * "a=1&b=x+y%21"; we decode into key/value pairs in the request arena.
 * A decoded NUL or invalid UTF-8 is refused here, at the edge, so no
 * handler has to think about bytes that would cut a C string short.
 */
#include "http.h"

#include <string.h>

#include "../util/text.h"

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) into arena memory; NULL on a NUL byte or bad UTF-8.
 * A '%' not followed by two hex digits stays as it is, as browsers do. */
static char *
form_unescape(const char *s, size_t n, struct arena *a, size_t *out_len)
{
	char *out = arena_alloc(a, n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 &&
		    hex_value(s[i + 2]) >= 0) {
			c = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
			i += 2;
		}
		if (c == '\0')
			return NULL;
		out[o++] = c;
	}
	out[o] = '\0';
	if (!text_utf8_valid(out, o, true))
		return NULL;
	*out_len = o;
	return out;
}

int
http_form_decode(const char *body, size_t len, struct arena *a,
    struct param *out, size_t max, size_t *n, struct err *e)
{
	*n = 0;
	size_t i = 0;
	while (i < len) {
		const char *pair = body + i;
		const char *amp = memchr(pair, '&', len - i);
		size_t pair_len = amp ? (size_t)(amp - pair) : len - i;
		i += pair_len + 1;
		if (pair_len == 0)
			continue;
		if (*n >= max)
			return err_invalid(e, "", "the form has more than %zu fields", max);
		const char *eq = memchr(pair, '=', pair_len);
		size_t key_len = eq ? (size_t)(eq - pair) : pair_len;
		size_t klen, vlen = 0;
		char *key = form_unescape(pair, key_len, a, &klen);
		if (key == NULL)
			return err_invalid(e, "", "a form field name is not valid UTF-8");
		char *value = eq ? form_unescape(eq + 1, pair_len - key_len - 1, a, &vlen)
		    : arena_strdup(a, "");
		if (value == NULL)
			return err_invalid(e, key_len < 60 ? key : "",
			    "the form field is not valid UTF-8 text");
		out[*n].key = key;
		out[*n].value = value;
		out[*n].value_len = vlen;
		(*n)++;
	}
	return 0;
}
