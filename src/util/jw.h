/*
 * The one JSON writer: appends to a struct buf, tracks commas itself and
 * escapes every string, so callers cannot produce invalid JSON. (jansson
 * parses JSON we receive; writing goes through here because the search
 * API's hot path cannot afford building a tree for every response.)
 * Its prefix is jw_ ("JSON writer") because jansson owns json_*: a
 * function of ours named json_string would replace jansson's own.
 */
#ifndef IMAGO_JW_H
#define IMAGO_JW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

#define JSON_MAX_DEPTH 32

struct jw {
	struct buf	*out;
	int		 depth;
	bool		 need_comma[JSON_MAX_DEPTH];
	bool		 after_key;
};

void	jw_init(struct jw *j, struct buf *out);
void	jw_object_begin(struct jw *j);
void	jw_object_end(struct jw *j);
void	jw_array_begin(struct jw *j);
void	jw_array_end(struct jw *j);
void	jw_key_n(struct jw *j, const char *key, size_t n);
void	jw_string(struct jw *j, const char *s);
void	jw_string_n(struct jw *j, const char *s, size_t n);
void	jw_int(struct jw *j, int64_t v);
/* Finite doubles with `decimals` digits after the point; NaN/inf as null. */
void	jw_double(struct jw *j, double v, int decimals);
void	jw_bool(struct jw *j, bool v);
void	jw_null(struct jw *j);

/* Keys are nearly always literals: these are inline so the compiler
 * folds strlen() of a literal away (it was a tenth of a search response). */
static inline void
jw_key(struct jw *j, const char *key)
{
	jw_key_n(j, key, strlen(key));
}

/* key + value in one call, for the common flat cases. */
static inline void
jw_kv_string(struct jw *j, const char *key, const char *s)
{
	jw_key(j, key);
	jw_string(j, s);
}

static inline void
jw_kv_int(struct jw *j, const char *key, int64_t v)
{
	jw_key(j, key);
	jw_int(j, v);
}

static inline void
jw_kv_bool(struct jw *j, const char *key, bool v)
{
	jw_key(j, key);
	jw_bool(j, v);
}

/* key: [items of a ';'-separated list], empty items skipped. */
void	jw_kv_list(struct jw *j, const char *key, const char *list);
/* key: v, or null when v is negative (our "unknown"). */
void	jw_kv_optional_int(struct jw *j, const char *key, int v);

/* The decimal digits of v, written at the end of tmp; returns where they
 * start. (printf was a visible share of a search response.) */
char	*jw_format_int(char tmp[24], int64_t v);

/* Escapes s as a JSON string literal (with quotes) onto out. */
void	jw_escape(struct buf *out, const char *s, size_t n);

#endif
