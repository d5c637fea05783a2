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
jw_key_n(struct jw *j, const char *key, size_t n)
{
	before_value(j);
	jw_escape(j->out, key, n);
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

char *
jw_format_int(char tmp[24], int64_t v)
{
	char *p = tmp + 23;
	*p = '\0';
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return p;
}

void
jw_int(struct jw *j, int64_t v)
{
	before_value(j);
	char tmp[24];
	buf_puts(j->out, jw_format_int(tmp, v));
}

/*
 * Fixed-point formatting by integer arithmetic: a search response holds
 * sixty coordinates and distances, and printf's exact decimal expansion
 * was a visible share of a request. Values beyond 1e12 (never a
 * coordinate or a distance) fall back to printf.
 */
void
jw_double(struct jw *j, double v, int decimals)
{
	before_value(j);
	if (!isfinite(v)) {
		buf_puts(j->out, "null");
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	char tmp[64];
	int n;
	if (fabs(v) < 1e12) {
		long long scale = 1;
		for (int i = 0; i < decimals; i++)
			scale *= 10;
		long long units = llround(fabs(v) * (double)scale);
		if (units == 0) {
			buf_putc(j->out, '0');	/* no "-0" */
			return;
		}
		/* Digits of units with the point placed decimals from the end. */
		char digits[24];
		char *d = jw_format_int(digits, units);
		size_t nd = strlen(d);
		n = 0;
		if (v < 0)
			tmp[n++] = '-';
		if (nd <= (size_t)decimals) {
			tmp[n++] = '0';
			tmp[n++] = '.';
			for (size_t i = nd; i < (size_t)decimals; i++)
				tmp[n++] = '0';
			memcpy(tmp + n, d, nd);
			n += (int)nd;
		} else {
			memcpy(tmp + n, d, nd - (size_t)decimals);
			n += (int)(nd - (size_t)decimals);
			if (decimals) {
				tmp[n++] = '.';
				memcpy(tmp + n, d + nd - (size_t)decimals, (size_t)decimals);
				n += decimals;
			}
		}
		tmp[n] = '\0';
	} else {
		n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	}
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
jw_kv_list(struct jw *j, const char *key, const char *list)
{
	jw_key(j, key);
	jw_array_begin(j);
	for (const char *p = list; *p; ) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n)
			jw_string_n(j, p, n);
		if (end == NULL)
			break;
		p = end + 1;
	}
	jw_array_end(j);
}

void
jw_kv_optional_int(struct jw *j, const char *key, int v)
{
	jw_key(j, key);
	if (v < 0)
		jw_null(j);
	else
		jw_int(j, v);
}
