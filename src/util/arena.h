/*
 * Request arena (after lwan): everything a request allocates comes from
 * here and is released in one go when the request ends, so handlers can
 * allocate freely without leaking.
 */
#ifndef IMAGO_ARENA_H
#define IMAGO_ARENA_H

#include <stddef.h>

struct arena;

struct arena	*arena_new(void);
void		 arena_free(struct arena *a);
void		*arena_alloc(struct arena *a, size_t n);	/* zeroed, 16-aligned */
char		*arena_strdup(struct arena *a, const char *s);
char		*arena_strndup(struct arena *a, const char *s, size_t n);
char		*arena_printf(struct arena *a, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
