/*
 * The workspace's JSON API (docs/api.md, "Workspace"): the exercise
 * definitions, the caller's items and their partner's shared ones,
 * sharing, responses, the merged vision, the safety screen, and the
 * therapist's view of what clients shared with them. Handlers translate;
 * src/workspace/ decides who may do what.
 *
 * Items carry nested documents, which input.h (flat fields) does not
 * take, so their bodies are parsed here with jansson under the same
 * rules: application/json, one object, no duplicate keys, unknown
 * top-level fields refused by name. Flat bodies go through input.h.
 */
#include "app.h"

#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../util/num.h"
#include "../workspace/workspace.h"
#include "input.h"

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ? id : 0;
}

static int
not_found(struct err *e)
{
	return err_set(e, 404, "not_found", "", "no such item");
}

/* The request's JSON object, holding only allowed top-level keys. */
static int
read_document(struct http_request *req, const char *const *allowed, json_t **out,
    struct err *e)
{
	*out = NULL;
	if (req->body_len == 0) {
		*out = json_object();
		return 0;
	}
	const char *ct = req->content_type;
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' '))
		return err_set(e, 415, "unsupported_media_type", "Content-Type",
		    "send the body as application/json");
	json_error_t je;
	json_t *root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return err_invalid(e, "body", "the body is not valid JSON (line %d, column %d: %s)",
		    je.line, je.column, je.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return err_invalid(e, "body", "the body must be a JSON object");
	}
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v) {
		bool ok = strcmp(key, "csrf") == 0;
		for (const char *const *a = allowed; !ok && *a; a++)
			ok = strcmp(*a, key) == 0;
		if (!ok) {
			err_invalid(e, strlen(key) < 60 ? key : "body", "unknown field '%.60s'", key);
			json_decref(root);
			return -1;
		}
	}
	*out = root;
	return 0;
}

static void
reply_item(struct http_response *res, const struct ws_item *it, int status)
{
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_key(&j, "item");
	ws_item_json(&j, it);
	jw_object_end(&j);
	http_reply_json(res, status);
}

/* Reads item id back for the caller and answers with it. */
static int
reply_item_by_id(struct http_response *res, const struct account_request *r, int64_t id,
    int status, struct err *e)
{
	struct ws_item it;
	if (ws_item_get(r, id, &it, e) != 0)
		return -1;
	reply_item(res, &it, status);
	ws_item_release(&it);
	return 0;
}

int
api_workspace_kinds(struct http_request *req, struct http_response *res, struct err *e)
{
	struct jw j;
	jw_init(&j, &res->body);
	ws_kinds_json(&j);
	http_reply_json(res, 200);
	return 0;
}

static int
create_item(struct http_request *req, struct http_response *res,
    const struct account_request *r, struct err *e)
{
	static const char *const fields[] = { "kind", "fields", NULL };
	json_t *doc;
	int64_t id;
	if (read_document(req, fields, &doc, e) != 0)
		return -1;
	const json_t *kind = json_object_get(doc, "kind");
	int rc = -1;
	if (kind != NULL && !json_is_string(kind))
		err_invalid(e, "kind", "must be a string");
	else if (ws_item_create(r, kind ? json_string_value(kind) : NULL,
	    json_object_get(doc, "fields"), &id, e) == 0)
		rc = reply_item_by_id(res, r, id, 201, e);
	json_decref(doc);
	return rc;
}

int
api_my_items(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	if (req->method == HTTP_POST)
		return create_item(req, res, &r, e);
	struct ws_item *items;
	size_t n;
	const char *kind = http_param(req, "kind");
	if (kind != NULL && *kind == '\0')
		kind = NULL;
	if (ws_items_list(&r, kind, &items, &n, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	ws_items_json(&j, items, n);
	http_reply_json(res, 200);
	return 0;
}

static int
update_item(struct http_request *req, struct http_response *res,
    const struct account_request *r, int64_t id, struct err *e)
{
	static const char *const fields[] = { "version", "fields", NULL };
	json_t *doc;
	int64_t version;
	if (read_document(req, fields, &doc, e) != 0)
		return -1;
	const json_t *v = json_object_get(doc, "version");
	int rc = -1;
	if (v == NULL || json_is_null(v))
		err_invalid(e, "version", "this field is required: the version you read");
	else if (!json_is_integer(v) || json_integer_value(v) < 1)
		err_invalid(e, "version", "must be a whole number (the version you read)");
	else if (ws_item_update(r, id, json_integer_value(v), json_object_get(doc, "fields"),
	    &version, e) == 0)
		rc = reply_item_by_id(res, r, id, 200, e);
	json_decref(doc);
	return rc;
}

int
api_my_item(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	int64_t id = path_id(req);
	if (web_account_request(req, &r, e) != 0)
		return -1;
	if (id == 0)
		return not_found(e);
	if (req->method == HTTP_PUT)
		return update_item(req, res, &r, id, e);
	if (req->method == HTTP_DELETE) {
		if (input_none(req, e) != 0 || ws_item_delete(&r, id, e) != 0)
			return -1;
		struct jw j;
		jw_init(&j, &res->body);
		jw_object_begin(&j);
		jw_kv_string(&j, "status", "deleted");
		jw_object_end(&j);
		http_reply_json(res, 200);
		return 0;
	}
	return reply_item_by_id(res, &r, id, 200, e);
}

/* {"partner": bool} or {"therapist_id": N, "shared": bool}. */
int
api_my_item_share(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "partner", "therapist_id", "shared", NULL };
	struct account_request r;
	struct input in;
	int64_t id = path_id(req);
	bool partner, shared, has_therapist;
	long long therapist = 0;
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0 ||
	    input_only(&in, fields, e) != 0)
		return -1;
	if (id == 0)
		return not_found(e);
	if (input_int(&in, "therapist_id", 1, 9007199254740991LL, &has_therapist, &therapist, e) != 0)
		return -1;
	if (input_has(&in, "partner") == has_therapist)
		return err_invalid(e, "partner",
		    "give either \"partner\": true|false or \"therapist_id\" with \"shared\"");
	if (has_therapist) {
		if (!input_has(&in, "shared"))
			return err_invalid(e, "shared", "this field is required: true or false");
		if (input_bool(&in, "shared", false, &shared, e) != 0 ||
		    ws_share_therapist(&r, id, therapist, shared, e) != 0)
			return -1;
	} else {
		if (input_has(&in, "shared"))
			return err_invalid(e, "shared", "with \"partner\", leave \"shared\" out");
		if (input_bool(&in, "partner", false, &partner, e) != 0 ||
		    ws_share_partner(&r, id, partner, e) != 0)
			return -1;
	}
	return reply_item_by_id(res, &r, id, 200, e);
}

int
api_my_item_response(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "response", NULL };
	struct account_request r;
	json_t *doc;
	int64_t id = path_id(req);
	if (web_account_request(req, &r, e) != 0)
		return -1;
	if (id == 0)
		return not_found(e);
	if (read_document(req, fields, &doc, e) != 0)
		return -1;
	int rc = ws_response_set(&r, id, json_object_get(doc, "response"), e);
	json_decref(doc);
	if (rc != 0)
		return -1;
	return reply_item_by_id(res, &r, id, 200, e);
}

int
api_couple_vision_merge(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	int64_t id;
	if (web_account_request(req, &r, e) != 0 || input_none(req, e) != 0 ||
	    ws_vision_merge(&r, &id, e) != 0)
		return -1;
	return reply_item_by_id(res, &r, id, 201, e);
}

static int
reply_safety(struct http_response *res, const struct account_request *r, struct err *e)
{
	struct ws_safety_status st;
	if (ws_safety_status(r, &st, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	ws_safety_status_json(&j, &st);
	http_reply_json(res, 200);
	return 0;
}

/* POST: one boolean per question, all of them: {"afraid": false, ...}. */
int
api_my_safety(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	if (req->method == HTTP_POST) {
		size_t n;
		const struct ws_safety_question *q = ws_safety_questions(&n);
		const char *names[16];
		bool yes[16];
		struct input in;
		if (n >= 16)
			return err_internal(e, "too many safety questions");
		for (size_t i = 0; i < n; i++)
			names[i] = q[i].name;
		names[n] = NULL;
		if (input_read(req, &in, e) != 0 || input_only(&in, names, e) != 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (!input_has(&in, q[i].name))
				return err_invalid(e, q[i].name, "this question needs an answer: true or false");
			if (input_bool(&in, q[i].name, false, &yes[i], e) != 0)
				return -1;
		}
		if (ws_safety_answer(&r, yes, n, e) != 0)
			return -1;
	}
	return reply_safety(res, &r, e);
}

int
api_share_targets(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct ws_therapist *t;
	size_t n;
	if (web_account_request(req, &r, e) != 0 || ws_share_targets(&r, &t, &n, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	ws_share_targets_json(&j, t, n);
	http_reply_json(res, 200);
	return 0;
}

int
api_therapist_shared(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct ws_item *items;
	size_t n;
	if (web_account_request(req, &r, e) != 0 || ws_therapist_shared(&r, &items, &n, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	ws_items_json(&j, items, n);
	http_reply_json(res, 200);
	return 0;
}

int
api_therapist_shared_item(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct ws_item it;
	int64_t id = path_id(req);
	if (web_account_request(req, &r, e) != 0)
		return -1;
	if (id == 0)
		return not_found(e);
	if (ws_therapist_item(&r, id, &it, e) != 0)
		return -1;
	reply_item(res, &it, 200);
	ws_item_release(&it);
	return 0;
}
