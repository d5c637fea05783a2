/*
 * The one HTML writer. Text and attribute values are escaped by default;
 * URLs are checked and percent-encoded. The only way to emit markup that is
 * not escaped is html_raw(), which must only ever receive string literals
 * or output of a trusted renderer (cmark in safe mode): grep for it.
 */
#ifndef IMAGO_HTML_H
#define IMAGO_HTML_H

#include <stddef.h>

#include "buf.h"

/* Text content: escapes & < > " '. */
void	html_text(struct buf *b, const char *s);
void	html_text_n(struct buf *b, const char *s, size_t n);
void	html_textf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* A complete attribute: ` name="value"` with the value escaped. */
void	html_attr(struct buf *b, const char *name, const char *value);
void	html_attrf(struct buf *b, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* ` name="url"`: only http(s), mailto, tel or site-relative URLs pass;
 * anything else (javascript:, data:) becomes "#". */
void	html_url_attr(struct buf *b, const char *name, const char *url);
/* Percent-encodes s as one query-string component (for building links). */
void	html_query_escape(struct buf *b, const char *s);
/* Trusted markup only. */
void	html_raw(struct buf *b, const char *markup);

#endif
