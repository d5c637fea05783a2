/*
 * The one string builder. Every piece of text imago produces (JSON, HTML,
 * SQL-free log lines, CSV error reports) is appended to a struct buf. The
 * data is always NUL-terminated so it can be handed to C APIs directly.
 */
#ifndef IMAGO_BUF_H
#define IMAGO_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0 }

void	 buf_grow(struct buf *b, size_t extra);
void	 buf_puts(struct buf *b, const char *s);
void	 buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void	 buf_reset(struct buf *b);
/* Hands the data to the caller (free() it); the buffer is left empty. */
char	*buf_detach(struct buf *b);
void	 buf_free(struct buf *b);
/* The contents as a C string; "" for an empty buffer. */
const char *buf_cstr(const struct buf *b);

/* Appending is inline: JSON and HTML writers append a few bytes at a
 * time, thousands of times per response. */
static inline void
buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void
buf_putc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap)
		buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

#endif
