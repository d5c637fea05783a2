/*
 * The JSON API for recommendations, endorsements and referrals. Each
 * handler reads typed input (input.h, or a checked query parameter),
 * calls one function of src/reviews/reviews.h, which decides access for
 * the resource, and writes JSON. The guard has already applied the
 * route's level.
 */
#include "app.h"

#include <stdio.h>
#include <string.h>

#include "../reviews/reviews.h"
#include "../util/jw.h"
#include "../util/num.h"
#include "input.h"

#define ID_MAX		9007199254740991LL	/* the largest integer JSON carries exactly */
#define TOKEN_FIELD_MAX	100

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, ID_MAX, &id) == 0 ? id : 0;
}

static int
no_therapist(struct err *e)
{
	return err_set(e, 404, "not_found", "id", "no therapist with that id");
}

/* ?limit= (1..REVIEWS_LIST_MAX, default fallback) and ?before= (an id). */
static int
page_params(struct http_request *req, int fallback, int *limit, int64_t *before,
    struct err *e)
{
	long long l = fallback, b = 0;
	const char *ls = http_param(req, "limit");
	const char *bs = http_param(req, "before");
	if (ls != NULL && num_parse_long(ls, 1, REVIEWS_LIST_MAX, &l) != 0)
		return err_invalid(e, "limit", "limit is a whole number from 1 to %d",
		    REVIEWS_LIST_MAX);
	if (bs != NULL && num_parse_long(bs, 1, ID_MAX, &b) != 0)
		return err_invalid(e, "before", "before is an id from the previous page's next_before");
	*limit = (int)l;
	if (before != NULL)
		*before = b;
	return 0;
}

static void
next_before(struct jw *j, int64_t next)
{
	jw_key(j, "next_before");
	if (next)
		jw_int(j, next);
	else
		jw_null(j);
}

/* ---- recommendations ------------------------------------------------------- */

static int
public_recommendations(struct http_request *req, struct http_response *res, long long id,
    struct err *e)
{
	struct account_request r;
	struct recommendation_list list;
	struct reviews_summary s;
	int limit;
	int64_t before;
	if (page_params(req, 20, &limit, &before, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    recommendation_list_public(&r, id, limit, before, &list, e) != 0 ||
	    reviews_summary(r.db, id, &s, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_int(&j, "therapist_id", id);
	jw_kv_int(&j, "recommendation_count", s.recommendations);
	jw_kv_int(&j, "endorsement_count", s.endorsements);
	jw_key(&j, "recommendations");
	jw_array_begin(&j);
	for (size_t i = 0; i < list.n; i++)
		recommendation_json(&j, &list.items[i], false);
	jw_array_end(&j);
	next_before(&j, list.next_before);
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

static int
create_recommendation(struct http_request *req, struct http_response *res, long long id,
    struct err *e)
{
	static const char *const fields[] = { "author_name", "body", "manage_token", NULL };
	struct account_request r;
	struct input in;
	struct recommendation rec;
	const char *author, *body, *token;
	/* The flow checks the lengths; these only bound what is read. */
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_text(&in, "author_name", true, 10 * RECOMMENDATION_NAME_MAX, &author, e) != 0 ||
	    input_text(&in, "body", true, 10 * RECOMMENDATION_BODY_MAX, &body, e) != 0 ||
	    input_text(&in, "manage_token", false, TOKEN_FIELD_MAX, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    recommendation_create(&r, id, author, body, token, &rec, e) != 0)
		return -1;
	web_mail_sent(req);
	struct jw j;
	jw_init(&j, &res->body);
	recommendation_json(&j, &rec, true);
	http_reply_json(res, 201);
	return 0;
}

int
api_recommendations(struct http_request *req, struct http_response *res, struct err *e)
{
	long long id = path_id(req);
	if (id == 0)
		return no_therapist(e);
	if (req->method == HTTP_POST)
		return create_recommendation(req, res, id, e);
	return public_recommendations(req, res, id, e);
}

int
api_my_recommendations(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct recommendation_list list;
	int limit;
	int64_t before;
	const char *status = http_param(req, "status");
	if (status != NULL && strcmp(status, "pending") != 0 &&
	    strcmp(status, "published") != 0 && strcmp(status, "declined") != 0)
		return err_invalid(e, "status", "status is pending, published or declined");
	if (page_params(req, 50, &limit, &before, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    recommendation_list_own(&r, status, limit, before, &list, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_key(&j, "counts");
	jw_object_begin(&j);
	jw_kv_int(&j, "pending", list.pending);
	jw_kv_int(&j, "published", list.published);
	jw_kv_int(&j, "declined", list.declined);
	jw_object_end(&j);
	jw_key(&j, "recommendations");
	jw_array_begin(&j);
	for (size_t i = 0; i < list.n; i++)
		recommendation_json(&j, &list.items[i], true);
	jw_array_end(&j);
	next_before(&j, list.next_before);
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

int
api_recommendation_publication(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	struct recommendation rec;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no recommendation with that id");
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    recommendation_decide(&r, id, req->method == HTTP_POST, &rec, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	recommendation_json(&j, &rec, true);
	http_reply_json(res, 200);
	return 0;
}

/* ---- endorsements ------------------------------------------------------------ */

int
api_endorsement(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct reviews_summary s;
	bool changed;
	long long id = path_id(req);
	if (id == 0)
		return no_therapist(e);
	bool add = req->method == HTTP_POST;
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0)
		return -1;
	int rc = add ? endorsement_add(&r, id, &changed, e) :
	    endorsement_remove(&r, id, &changed, e);
	if (rc != 0 || reviews_summary(r.db, id, &s, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_int(&j, "therapist_id", id);
	jw_kv_bool(&j, "endorsed", add);
	jw_kv_bool(&j, "changed", changed);
	jw_kv_int(&j, "endorsement_count", s.endorsements);
	jw_object_end(&j);
	http_reply_json(res, add && changed ? 201 : 200);
	return 0;
}

int
api_endorsements(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct endorser *list;
	struct endorse_state state;
	size_t n;
	long long count, offset = 0;
	int limit;
	long long id = path_id(req);
	if (id == 0)
		return no_therapist(e);
	const char *os = http_param(req, "offset");
	if (os != NULL && num_parse_long(os, 0, 1000000, &offset) != 0)
		return err_invalid(e, "offset", "offset is a whole number from 0 to 1000000");
	if (page_params(req, REVIEWS_LIST_MAX, &limit, NULL, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    endorsement_list(&r, id, limit, (int)offset, &list, &n, &count, e) != 0 ||
	    endorsement_state(&r, id, &state, e) != 0)
		return -1;
	struct jw j;
	char url[48];
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_int(&j, "therapist_id", id);
	jw_kv_int(&j, "endorsement_count", count);
	jw_key(&j, "endorsers");
	jw_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		snprintf(url, sizeof(url), "/therapists/%lld", (long long)list[i].id);
		jw_object_begin(&j);
		jw_kv_int(&j, "id", list[i].id);
		jw_kv_string(&j, "name", list[i].name);
		jw_kv_string(&j, "url", url);
		jw_object_end(&j);
	}
	jw_array_end(&j);
	/* Only for a caller with a profile of their own: what a button needs. */
	if (state.own_id != 0) {
		jw_kv_bool(&j, "endorsed_by_you", state.endorsed);
		jw_kv_bool(&j, "you_may_endorse", state.may_endorse);
	}
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

/* ---- referrals ------------------------------------------------------------------ */

static int
create_referral(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "to_therapist_id", "email", "note", NULL };
	struct account_request r;
	struct input in;
	struct referral rf;
	const char *email, *note;
	long long to;
	bool present;
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_int(&in, "to_therapist_id", 1, ID_MAX, &present, &to, e) != 0)
		return -1;
	if (!present)
		return err_invalid(e, "to_therapist_id", "this field is required");
	if (input_text(&in, "email", true, 1000, &email, e) != 0 ||
	    input_text(&in, "note", false, 10 * REFERRAL_NOTE_MAX, &note, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    referral_create(&r, to, email, note, &rf, e) != 0)
		return -1;
	web_mail_sent(req);
	struct jw j;
	jw_init(&j, &res->body);
	referral_json(&j, &rf);
	http_reply_json(res, 201);
	return 0;
}

int
api_referrals(struct http_request *req, struct http_response *res, struct err *e)
{
	if (req->method == HTTP_POST)
		return create_referral(req, res, e);
	struct account_request r;
	struct referral *list;
	size_t n;
	int64_t before, next;
	int limit;
	if (page_params(req, 50, &limit, &before, e) != 0 ||
	    web_account_request(req, &r, e) != 0 ||
	    referral_list_own(&r, limit, before, &list, &n, &next, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_key(&j, "referrals");
	jw_array_begin(&j);
	for (size_t i = 0; i < n; i++)
		referral_json(&j, &list[i]);
	jw_array_end(&j);
	next_before(&j, next);
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}
