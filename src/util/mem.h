/*
 * Allocation that never returns NULL. Like cmark, we abort on out-of-memory
 * instead of threading a failure path through every caller: a server that
 * cannot allocate a few bytes cannot do anything useful anyway.
 */
#ifndef IMAGO_MEM_H
#define IMAGO_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
