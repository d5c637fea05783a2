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

/*
 * Freeing that zeroes first. What people write in the workspace is opened
 * in memory to be shown; the memory that held it (string builders,
 * request arenas, response bodies, jansson's values) is zeroed when it is
 * freed, so it does not linger in the heap for a core dump or a later
 * bug to reveal. NULL is fine.
 */
void	mem_free_wiped(void *p);
/* realloc that zeroes the old block when it moves (never returns NULL). */
void	*xrealloc_wiped(void *p, size_t n);

#endif
