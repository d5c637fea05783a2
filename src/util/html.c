/* The HTML writer: see html.h. Escaping is a 256-entry table, as in cmark. */
#include "html.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const html_escapes[256] = {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
	['"'] = "&quot;", ['\''] = "&#39;",
};

void
html_text_n(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = html_escapes[c];
		/* Control characters other than tab/newline never belong in
		 * a page; drop them rather than pass them through. */
		if (rep == NULL && (c >= 0x20 || c == '\n' || c == '\t'))
			continue;
		buf_put(b, s + start, i - start);
		start = i + 1;
		if (rep)
			buf_puts(b, rep);
	}
	buf_put(b, s + start, n - start);
}

void
html_text(struct buf *b, const char *s)
{
	if (s)
		html_text_n(b, s, strlen(s));
}

void
html_textf(struct buf *b, const char *fmt, ...)
{
	struct buf tmp = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&tmp, fmt, ap);
	va_end(ap);
	html_text_n(b, buf_cstr(&tmp), tmp.len);
	buf_free(&tmp);
}

void
html_attr(struct buf *b, const char *name, const char *value)
{
	buf_putc(b, ' ');
	buf_puts(b, name);
	buf_puts(b, "=\"");
	html_text(b, value ? value : "");
	buf_putc(b, '"');
}

void
html_attrf(struct buf *b, const char *name, const char *fmt, ...)
{
	struct buf tmp = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&tmp, fmt, ap);
	va_end(ap);
	html_attr(b, name, buf_cstr(&tmp));
	buf_free(&tmp);
}

static int
url_is_safe(const char *url)
{
	if (url[0] == '/' && url[1] != '/' && url[1] != '\\')
		return 1;	/* site-relative, not protocol-relative */
	if (url[0] == '?' || url[0] == '#')
		return 1;
	static const char *const schemes[] = { "https://", "http://", "mailto:", "tel:" };
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
			return 1;
	return 0;
}

void
html_url_attr(struct buf *b, const char *name, const char *url)
{
	if (url == NULL || !url_is_safe(url))
		url = "#";
	/* Whitespace and control bytes inside a URL are percent-encoded so
	 * that a value can never break out of its attribute or smuggle in
	 * a second one; the attribute escape handles quotes and brackets. */
	struct buf tmp = BUF_INIT;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f)
			buf_printf(&tmp, "%%%02X", *p);
		else
			buf_putc(&tmp, (char)*p);
	}
	html_attr(b, name, buf_cstr(&tmp));
	buf_free(&tmp);
}

void
html_query_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			buf_putc(b, (char)*p);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			buf_put(b, e, 3);
		}
	}
}

void
html_raw(struct buf *b, const char *markup)
{
	buf_puts(b, markup);
}
