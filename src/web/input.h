/*
 * Request bodies, validated at the edge. The API takes JSON objects and
 * the pages take HTML forms; both become one list of typed fields, so a
 * handler reads "email" the same way from either and every type or size
 * error names the field. JSON nesting is refused except arrays of
 * strings (lists such as certifications), which become ';'-joined text
 * like the CSV format's lists.
 */
#ifndef IMAGO_INPUT_H
#define IMAGO_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "../http/http.h"

#define INPUT_MAX_FIELDS	64
#define INPUT_MAX_LIST		400	/* items in a JSON array (a year of dates off) */

enum input_type { INPUT_STRING, INPUT_NUMBER, INPUT_BOOL, INPUT_NULL, INPUT_LIST };

struct input_field {
	const char	*key;
	const char	*value;		/* text; "true"/"false" for booleans */
	enum input_type	 type;
};

struct input {
	struct input_field fields[INPUT_MAX_FIELDS];
	size_t		 n;
	bool		 json;
	struct arena	*arena;		/* the request's */
};

/* Reads the body: under /api/ it must be application/json (415
 * otherwise) holding one object; elsewhere an HTML form. An empty API
 * body reads as {}. 400 naming "body" when malformed. */
int	input_read(struct http_request *req, struct input *in, struct err *e);
/* Refuses a field not in the NULL-terminated list (400 naming it).
 * "csrf" is always allowed. */
int	input_only(const struct input *in, const char *const *allowed, struct err *e);

/* For routes that take no fields: an empty body or {} (CSRF aside). */
int	input_none(struct http_request *req, struct err *e);

bool	input_has(const struct input *in, const char *key);
/* Text of at most max_chars characters; absent gives NULL (or 400 when
 * required). A JSON value of another type is a 400 naming the key. */
int	input_text(const struct input *in, const char *key, bool required,
	    size_t max_chars, const char **out, struct err *e);
/* JSON true/false; in a form "on", "true", "1", "yes" or "false", "0",
 * "off", "no", "" (an unticked box is simply absent: *out = fallback). */
int	input_bool(const struct input *in, const char *key, bool fallback, bool *out,
	    struct err *e);
/* A whole number in [min, max]; absent, JSON null or an empty form field
 * gives *present = false. */
int	input_int(const struct input *in, const char *key, long long min, long long max,
	    bool *present, long long *out, struct err *e);
/* A list: a JSON array of strings, or in a form repeated fields or a
 * ';'/','-separated text; returned ';'-joined ("" when empty). */
int	input_list(const struct input *in, const char *key, const char **out,
	    struct err *e);

/* Readers for domain structures (profile_input.c). */
struct therapist;
/* The profile fields of a request onto t: every field present replaces
 * t's; absent fields keep their value (so PATCH works on a loaded
 * profile and create on an initialised one). Validation of the whole
 * is therapist_validate's, in the flow. */
int	profile_from_input(const struct input *in, struct therapist *t, struct err *e);
/* The field names profile_from_input knows (NULL-terminated). */
extern const char *const profile_input_fields[];

#endif
