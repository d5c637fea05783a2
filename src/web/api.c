/*
 * The JSON API under /api/v1/: search, profiles and place suggestions.
 * Each handler parses through the domain's validator, calls the domain,
 * and writes JSON through util/jw.h.
 */
#include "app.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../directory/therapist.h"
#include "../places/places.h"
#include "../reviews/reviews.h"
#include "../util/jw.h"
#include "../util/num.h"
#include "../util/text.h"

static sqlite3 *
require_db(struct app *app, struct err *e)
{
	sqlite3 *db = app_db(app);
	if (db == NULL)
		err_set(e, 503, "unavailable", NULL, "the database is not available");
	return db;
}

int
api_therapists(struct http_request *req, struct http_response *res, struct err *e)
{
	struct app *app = req->app;
	struct search_query q;
	if (search_query_parse(&q, req->params, req->nparams, e) < 0)
		return -1;
	sqlite3 *db = require_db(app, e);
	if (db == NULL)
		return -1;
	struct search_result r;
	if (search_run(app->engine, db, &q, &r, e) < 0)
		return -1;
	search_result_json(&r, "", &res->body);
	search_result_release(&r);
	http_reply_json(res, 200);
	return 0;
}

/* Parses a positive id from a path segment; 0 when it is not one. */
static long long
path_id(const char *s)
{
	long long id;
	return num_parse_long(s, 1, 9007199254740991LL, &id) == 0 ? id : 0;
}

int
api_therapist(struct http_request *req, struct http_response *res, struct err *e)
{
	long long id = path_id(req->path_args[0]);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no therapist with that id");
	sqlite3 *db = require_db(req->app, e);
	if (db == NULL)
		return -1;
	struct therapist t;
	int rc = therapist_get(db, id, req->arena, &t, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return err_set(e, 404, "not_found", "id", "no therapist with id %lld", id);

	struct jw j;
	struct reviews_summary reviews;
	if (reviews_summary(db, t.id, &reviews, e) != 0)
		return -1;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	therapist_json_fields(&j, &t);
	jw_kv_int(&j, "recommendation_count", reviews.recommendations);
	jw_kv_int(&j, "endorsement_count", reviews.endorsements);
	char url[64];
	snprintf(url, sizeof(url), "/therapists/%lld", (long long)t.id);
	jw_kv_string(&j, "url", url);
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

int
api_places(struct http_request *req, struct http_response *res, struct err *e)
{
	const char *q = http_param(req, "q");
	if (q == NULL)
		return err_invalid(e, "q", "q is required: the start of a place name or postal code");
	size_t n = strlen(q);
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].key, "q") == 0 && req->params[i].value_len != n)
			return err_invalid(e, "q", "q must not contain NUL bytes");
	if (n > PLACE_QUERY_MAX || !text_utf8_valid(q, n, false))
		return err_invalid(e, "q", "q must be UTF-8 text of at most %d bytes", PLACE_QUERY_MAX);
	sqlite3 *db = require_db(req->app, e);
	if (db == NULL)
		return -1;
	struct place *places = arena_alloc(req->arena, sizeof(struct place) * 10);
	int count = 0;
	if (n > 0 && (count = place_suggest(db, q, places, 10, e)) < 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_array_begin(&j);
	for (int i = 0; i < count; i++) {
		jw_object_begin(&j);
		jw_kv_string(&j, "label", places[i].label);
		jw_kv_string(&j, "name", places[i].name);
		jw_kv_string(&j, "kind", place_kind_name(places[i].kind));
		jw_key(&j, "lat");
		jw_double(&j, places[i].lat, 6);
		jw_key(&j, "lon");
		jw_double(&j, places[i].lon, 6);
		jw_kv_string(&j, "country", places[i].country);
		jw_kv_string(&j, "region", places[i].region);
		jw_object_end(&j);
	}
	jw_array_end(&j);
	http_reply_json(res, 200);
	return 0;
}

int
health(struct http_request *req, struct http_response *res, struct err *e)
{
	struct app *app = req->app;
	sqlite3 *db = require_db(app, e);
	if (db == NULL)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_string(&j, "status", "ok");
	jw_kv_int(&j, "therapists_indexed", (long long)search_engine_size(app->engine));
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}
