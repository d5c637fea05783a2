/* The JSON writer: see jw.h. */
#include "jw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
jw_init(struct jw *j, struct buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* Emits the separator a new value needs at the current position. */
static void
before_value(struct jw *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		buf_putc(j->out, ',');
	j->need_comma[j->depth] = true;
}

static void
open_container(struct jw *j, char c)
{
	before_value(j);
	buf_putc(j->out, c);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void
close_container(struct jw *j, char c)
{
	buf_putc(j->out, c);
	if (j->depth > 0)
		j->depth--;
}

void jw_object_begin(struct jw *j) { open_container(j, '{'); }
void jw_object_end(struct jw *j) { close_container(j, '}'); }
void jw_array_begin(struct jw *j) { open_container(j, '['); }
void jw_array_end(struct jw *j) { close_container(j, ']'); }

void
jw_escape(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	buf_grow(out, n + 2);
	buf_putc(out, '"');
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_put(out, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': buf_put(out, "\\\"", 2); break;
		case '\\': buf_put(out, "\\\\", 2); break;
		case '\n': buf_put(out, "\\n", 2); break;
		case '\r': buf_put(out, "\\r", 2); break;
		case '\t': buf_put(out, "\\t", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			buf_put(out, u, 6);
		}
		}
	}
	buf_put(out, s + start, n - start);
	buf_putc(out, '"');
}

void
jw_key(struct jw *j, const char *key)
{
	before_value(j);
	jw_escape(j->out, key, strlen(key));
	buf_putc(j->out, ':');
	j->after_key = true;
}

void
jw_string_n(struct jw *j, const char *s, size_t n)
{
	before_value(j);
	jw_escape(j->out, s, n);
}

void
jw_string(struct jw *j, const char *s)
{
	if (s == NULL) {
		jw_null(j);
		return;
	}
	jw_string_n(j, s, strlen(s));
}

void
jw_int(struct jw *j, int64_t v)
{
	before_value(j);
	buf_printf(j->out, "%lld", (long long)v);
}

void
jw_double(struct jw *j, double v, int decimals)
{
	before_value(j);
	if (!isfinite(v)) {
		buf_puts(j->out, "null");
		return;
	}
	char tmp[64];
	int n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	/* Trim trailing zeros ("12.500000" -> "12.5") but keep one digit. */
	if (decimals > 0 && n > 0 && (size_t)n < sizeof(tmp)) {
		while (n > 2 && tmp[n - 1] == '0' && tmp[n - 2] != '.')
			n--;
		tmp[n] = '\0';
	}
	if (strcmp(tmp, "-0.0") == 0 || strcmp(tmp, "-0") == 0)
		buf_puts(j->out, "0");
	else
		buf_put(j->out, tmp, (size_t)n);
}

void
jw_bool(struct jw *j, bool v)
{
	before_value(j);
	buf_puts(j->out, v ? "true" : "false");
}

void
jw_null(struct jw *j)
{
	before_value(j);
	buf_puts(j->out, "null");
}

void
jw_kv_string(struct jw *j, const char *key, const char *s)
{
	jw_key(j, key);
	jw_string(j, s);
}

void
jw_kv_int(struct jw *j, const char *key, int64_t v)
{
	jw_key(j, key);
	jw_int(j, v);
}

void
jw_kv_bool(struct jw *j, const char *key, bool v)
{
	jw_key(j, key);
	jw_bool(j, v);
}
