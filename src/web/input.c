/*
 * Request bodies into typed fields (see input.h). jansson parses JSON
 * (it refuses NUL in strings and invalid UTF-8 by itself); forms were
 * decoded by the guard, which needed their CSRF field first.
 */
#include "input.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../util/num.h"
#include "../util/text.h"
#include "app.h"

static bool
media_type_is(const char *content_type, const char *want)
{
	if (content_type == NULL)
		return false;
	size_t n = strlen(want);
	if (strncasecmp(content_type, want, n) != 0)
		return false;
	char next = content_type[n];
	return next == '\0' || next == ';' || next == ' ';
}

static int
add_field(struct input *in, const char *key, const char *value, enum input_type type,
    struct err *e)
{
	if (in->n >= INPUT_MAX_FIELDS)
		return err_invalid(e, "body", "the body has more than %d fields", INPUT_MAX_FIELDS);
	in->fields[in->n].key = key;
	in->fields[in->n].value = value;
	in->fields[in->n].type = type;
	in->n++;
	return 0;
}

static int
json_field(struct input *in, const char *key, json_t *v, struct arena *a, struct err *e)
{
	const char *k = arena_strdup(a, key);
	char num[40];
	switch (json_typeof(v)) {
	case JSON_STRING:
		return add_field(in, k, arena_strndup(a, json_string_value(v), json_string_length(v)),
		    INPUT_STRING, e);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return add_field(in, k, arena_strdup(a, num), INPUT_NUMBER, e);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		return add_field(in, k, arena_strdup(a, num), INPUT_NUMBER, e);
	case JSON_TRUE:
	case JSON_FALSE:
		return add_field(in, k, json_is_true(v) ? "true" : "false", INPUT_BOOL, e);
	case JSON_NULL:
		return add_field(in, k, "", INPUT_NULL, e);
	case JSON_ARRAY: {
		if (json_array_size(v) > INPUT_MAX_LIST)
			return err_invalid(e, key, "a list has at most %d items", INPUT_MAX_LIST);
		struct buf b = BUF_INIT;
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item) {
			if (!json_is_string(item) || strchr(json_string_value(item), ';') != NULL) {
				buf_free(&b);
				return err_invalid(e, key, "must be a list of strings without ';'");
			}
			if (i > 0)
				buf_putc(&b, ';');
			buf_puts(&b, json_string_value(item));
		}
		int rc = add_field(in, k, arena_strdup(a, buf_cstr(&b)), INPUT_LIST, e);
		buf_free(&b);
		return rc;
	}
	case JSON_OBJECT:
	default:
		return err_invalid(e, key, "nested objects are not accepted here");
	}
}

static int
read_json(struct http_request *req, struct input *in, struct err *e)
{
	in->json = true;
	if (req->body_len == 0)
		return 0;
	if (!media_type_is(req->content_type, "application/json"))
		return err_set(e, 415, "unsupported_media_type", "Content-Type",
		    "send the body as application/json");
	json_error_t je;
	json_t *root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return err_invalid(e, "body", "the body is not valid JSON (line %d, column %d: %s)",
		    je.line, je.column, je.text);
	int rc = 0;
	if (!json_is_object(root)) {
		rc = err_invalid(e, "body", "the body must be a JSON object");
	} else {
		const char *key;
		json_t *v;
		json_object_foreach(root, key, v) {
			if (!text_utf8_valid(key, strlen(key), false) || strlen(key) > 64) {
				rc = err_invalid(e, "body", "a field name is too long or not text");
				break;
			}
			if ((rc = json_field(in, key, v, req->arena, e)) != 0)
				break;
		}
	}
	json_decref(root);
	return rc;
}

int
input_read(struct http_request *req, struct input *in, struct err *e)
{
	memset(in, 0, sizeof(*in));
	in->arena = req->arena;
	if (req->is_api)
		return read_json(req, in, e);
	struct web_session *ws = web_session(req);
	if (!ws->form_read)
		return err_set(e, 415, "unsupported_media_type", "Content-Type",
		    "send the form as application/x-www-form-urlencoded");
	for (size_t i = 0; i < ws->nform; i++)
		if (add_field(in, ws->form[i].key, ws->form[i].value, INPUT_STRING, e) != 0)
			return -1;
	return 0;
}

int
input_only(const struct input *in, const char *const *allowed, struct err *e)
{
	for (size_t i = 0; i < in->n; i++) {
		const char *k = in->fields[i].key;
		bool ok = strcmp(k, "csrf") == 0;
		for (const char *const *a = allowed; !ok && *a; a++)
			ok = strcmp(*a, k) == 0;
		if (!ok)
			return err_invalid(e, strlen(k) < 60 ? k : "body", "unknown field '%.60s'", k);
	}
	return 0;
}

int
input_none(struct http_request *req, struct err *e)
{
	static const char *const nothing[] = { NULL };
	struct input in;
	if (input_read(req, &in, e) != 0)
		return -1;
	return input_only(&in, nothing, e);
}

static const struct input_field *
find(const struct input *in, const char *key)
{
	for (size_t i = 0; i < in->n; i++)
		if (strcmp(in->fields[i].key, key) == 0)
			return &in->fields[i];
	return NULL;
}

bool
input_has(const struct input *in, const char *key)
{
	return find(in, key) != NULL;
}

int
input_text(const struct input *in, const char *key, bool required, size_t max_chars,
    const char **out, struct err *e)
{
	const struct input_field *f = find(in, key);
	*out = NULL;
	if (f == NULL || f->type == INPUT_NULL) {
		if (required)
			return err_invalid(e, key, "this field is required");
		return 0;
	}
	if (f->type != INPUT_STRING)
		return err_invalid(e, key, "must be a string");
	size_t n = strlen(f->value);
	if (!text_utf8_valid(f->value, n, true))
		return err_invalid(e, key, "must be valid UTF-8 text");
	if (text_utf8_length(f->value, n) > max_chars)
		return err_invalid(e, key, "must be at most %zu characters", max_chars);
	if (required && n == 0)
		return err_invalid(e, key, "this field is required");
	*out = f->value;
	return 0;
}

int
input_bool(const struct input *in, const char *key, bool fallback, bool *out, struct err *e)
{
	const struct input_field *f = find(in, key);
	*out = fallback;
	if (f == NULL || f->type == INPUT_NULL)
		return 0;
	if (in->json && f->type != INPUT_BOOL)
		return err_invalid(e, key, "must be true or false");
	static const char *const yes[] = { "true", "on", "1", "yes" };
	static const char *const no[] = { "false", "off", "0", "no", "" };
	for (size_t i = 0; i < 4; i++)
		if (strcasecmp(f->value, yes[i]) == 0)
			return *out = true, 0;
	for (size_t i = 0; i < 5; i++)
		if (strcasecmp(f->value, no[i]) == 0)
			return *out = false, 0;
	return err_invalid(e, key, "must be true or false");
}

int
input_int(const struct input *in, const char *key, long long min, long long max,
    bool *present, long long *out, struct err *e)
{
	const struct input_field *f = find(in, key);
	*present = false;
	if (f == NULL || f->type == INPUT_NULL || (!in->json && f->value[0] == '\0'))
		return 0;
	if (in->json && f->type != INPUT_NUMBER)
		return err_invalid(e, key, "must be a whole number");
	if (num_parse_long(f->value, min, max, out) != 0)
		return err_invalid(e, key, "must be a whole number from %lld to %lld", min, max);
	*present = true;
	return 0;
}

int
input_list(const struct input *in, const char *key, const char **out, struct err *e)
{
	*out = NULL;
	struct buf b = BUF_INIT;
	bool seen = false;
	for (size_t i = 0; i < in->n; i++) {
		const struct input_field *f = &in->fields[i];
		if (strcmp(f->key, key) != 0)
			continue;
		seen = true;
		if (f->type == INPUT_NULL)
			continue;
		if ((in->json && f->type != INPUT_LIST) ||
		    !text_utf8_valid(f->value, strlen(f->value), false)) {
			buf_free(&b);
			return err_invalid(e, key, "must be a list of strings");
		}
		/* Items split on ';' (and in forms on ',', as people type
		 * them), trimmed, empty ones dropped. */
		const char *p = f->value;
		while (*p) {
			size_t n = in->json ? strcspn(p, ";") : strcspn(p, ";,");
			const char *item = p;
			size_t len = n;
			while (len > 0 && *item == ' ') {
				item++;
				len--;
			}
			while (len > 0 && item[len - 1] == ' ')
				len--;
			if (len > 0) {
				if (b.len > 0)
					buf_putc(&b, ';');
				buf_put(&b, item, len);
			}
			p += n;
			if (*p)
				p++;
		}
	}
	if (seen)
		*out = arena_strdup(in->arena, buf_cstr(&b));
	buf_free(&b);
	return 0;
}
