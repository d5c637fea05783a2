/*
 * The one JSON writer: appends to a struct buf, tracks commas itself and
 * escapes every string, so callers cannot produce invalid JSON. (jansson
 * parses JSON we receive; writing goes through here because the search
 * API's hot path cannot afford building a tree for every response.)
 */
#ifndef IMAGO_JSON_H
#define IMAGO_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

#define JSON_MAX_DEPTH 32

struct json {
	struct buf	*out;
	int		 depth;
	bool		 need_comma[JSON_MAX_DEPTH];
	bool		 after_key;
};

void	json_init(struct json *j, struct buf *out);
void	json_object_begin(struct json *j);
void	json_object_end(struct json *j);
void	json_array_begin(struct json *j);
void	json_array_end(struct json *j);
void	json_key(struct json *j, const char *key);
void	json_string(struct json *j, const char *s);
void	json_string_n(struct json *j, const char *s, size_t n);
void	json_int(struct json *j, int64_t v);
/* Finite doubles with `decimals` digits after the point; NaN/inf as null. */
void	json_double(struct json *j, double v, int decimals);
void	json_bool(struct json *j, bool v);
void	json_null(struct json *j);

/* key + value in one call, for the common flat cases. */
void	json_kv_string(struct json *j, const char *key, const char *s);
void	json_kv_int(struct json *j, const char *key, int64_t v);
void	json_kv_bool(struct json *j, const char *key, bool v);

/* Escapes s as a JSON string literal (with quotes) onto out. */
void	json_escape(struct buf *out, const char *s, size_t n);

#endif
