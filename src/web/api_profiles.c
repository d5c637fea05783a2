/*
 * The JSON API for therapists' own profiles (create, edit, claim) and
 * for admins (verifications, hiding, users, the audit log). Access was
 * decided by the guard for the route and is decided again by the flows
 * in src/directory/profile.c and src/accounts/admin.c for the resource.
 */
#include "app.h"

#include <string.h>

#include "../audit/audit.h"
#include "../directory/profile.h"
#include "../policy/policy.h"
#include "../util/jw.h"
#include "../util/num.h"
#include "input.h"

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ? id : 0;
}

static int
reply_profile(struct http_request *req, struct http_response *res,
    const struct account_request *r, int64_t id, int status, struct err *e)
{
	struct profile p;
	if (profile_get(r, id, &p, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	profile_json(&j, &p);
	http_reply_json(res, status);
	return 0;
}

static void
profiles_changed(struct http_request *req)
{
	search_engine_invalidate(((struct app *)req->app)->engine);
}

int
export_profile_json(const struct account_request *r, struct jw *j, struct err *e)
{
	int64_t id;
	int rc = profile_find_own(r, &id, e);
	if (rc < 0)
		return -1;
	jw_key(j, "therapist_profile");
	if (rc > 0) {
		jw_null(j);
		return 0;
	}
	struct profile p;
	if (profile_get(r, id, &p, e) != 0)
		return -1;
	profile_json(j, &p);
	return 0;
}

int
api_my_profile(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	int64_t id;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	int rc = profile_find_own(&r, &id, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return err_set(e, 404, "not_found", "", "you have no directory profile yet");
	return reply_profile(req, res, &r, id, 200, e);
}

int
api_profile_create(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct input in;
	struct therapist t;
	therapist_init(&t);
	if (input_read(req, &in, e) != 0 || input_only(&in, profile_input_fields, e) != 0 ||
	    profile_from_input(&in, &t, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    profile_create(&r, &t, e) != 0)
		return -1;
	profiles_changed(req);
	http_add_header(res, "Location", arena_printf(req->arena, "/api/v1/therapists/%lld",
	    (long long)t.id));
	return reply_profile(req, res, &r, t.id, 201, e);
}

int
api_profile_update(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct input in;
	struct profile p;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no therapist with that id");
	if (web_account_request(req, &r, e) != 0 || profile_get(&r, id, &p, e) != 0 ||
	    input_read(req, &in, e) != 0 || input_only(&in, profile_input_fields, e) != 0 ||
	    profile_from_input(&in, &p.t, e) != 0 || profile_update(&r, id, &p.t, e) != 0)
		return -1;
	profiles_changed(req);
	return reply_profile(req, res, &r, id, 200, e);
}

int
api_profile_claim(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no therapist with that id");
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    profile_claim_request(&r, id, e) != 0)
		return -1;
	web_mail_sent(req);
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_string(&j, "status", "check_the_profile_email");
	jw_object_end(&j);
	http_reply_json(res, 202);
	return 0;
}

int
api_claim_confirm(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct account_request r;
	struct input in;
	const char *token;
	int64_t id;
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_text(&in, "token", true, 100, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 || profile_claim_confirm(&r, token, &id, e) != 0)
		return -1;
	profiles_changed(req);
	return reply_profile(req, res, &r, id, 200, e);
}

/* ---- admins ---------------------------------------------------------------- */

int
api_admin_verifications(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	if (profile_pending_json(&r, &j, e) != 0)
		return -1;
	http_reply_json(res, 200);
	return 0;
}

/* POST sets, DELETE clears: verification or hiding of a profile. */
static int
admin_profile_flag(struct http_request *req, struct http_response *res, struct err *e,
    int (*set)(const struct account_request *, int64_t, bool, struct err *))
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no therapist with that id");
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    set(&r, id, req->method == HTTP_POST, e) != 0)
		return -1;
	profiles_changed(req);
	return reply_profile(req, res, &r, id, 200, e);
}

int
api_admin_verify(struct http_request *req, struct http_response *res, struct err *e)
{
	return admin_profile_flag(req, res, e, profile_verify);
}

int
api_admin_hide(struct http_request *req, struct http_response *res, struct err *e)
{
	return admin_profile_flag(req, res, e, profile_set_hidden);
}

int
api_admin_users(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long before = 0, limit = 50;
	const char *q = http_param(req, "q");
	const char *b = http_param(req, "before");
	const char *l = http_param(req, "limit");
	if (b && num_parse_long(b, 1, 9007199254740991LL, &before) != 0)
		return err_invalid(e, "before", "before is a user id");
	if (l && num_parse_long(l, 1, 200, &limit) != 0)
		return err_invalid(e, "limit", "limit is a whole number from 1 to 200");
	if (q && strlen(q) > ACCOUNT_EMAIL_MAX)
		return err_invalid(e, "q", "the search is at most %d characters", ACCOUNT_EMAIL_MAX);
	if (web_account_request(req, &r, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	if (admin_users_json(&r, q, (int)limit, before, &j, e) != 0)
		return -1;
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

int
api_admin_suspend(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no such user");
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    admin_user_suspend(&r, id, req->method == HTTP_POST, e) != 0)
		return -1;
	struct user u;
	if (user_by_id(r.db, id, req->arena, &u, e) != 0)
		return err_is_set(e) ? -1 : err_set(e, 404, "not_found", "id", "no such user");
	struct jw j;
	jw_init(&j, &res->body);
	user_json(&j, &u);
	http_reply_json(res, 200);
	return 0;
}

int
api_admin_audit(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long before = 0, limit = 50;
	const char *b = http_param(req, "before");
	const char *l = http_param(req, "limit");
	if (b && num_parse_long(b, 1, 9007199254740991LL, &before) != 0)
		return err_invalid(e, "before", "before is an entry id");
	if (l && num_parse_long(l, 1, 500, &limit) != 0)
		return err_invalid(e, "limit", "limit is a whole number from 1 to 500");
	struct audit_filter f = {
		.actor = http_param(req, "actor"),
		.action = http_param(req, "action"),
		.target_type = http_param(req, "target_type"),
		.target_id = http_param(req, "target_id"),
		.before_id = before,
		.limit = (int)limit,
	};
	if (web_account_request(req, &r, e) != 0)
		return -1;
	if (!policy_admin(r.auth))
		return err_set(e, 404, "not_found", "", "there is nothing at this address");
	struct jw j;
	jw_init(&j, &res->body);
	if (audit_list_json(r.db, &f, &j, e) != 0)
		return -1;
	/* Reading the log is itself an access worth recording. */
	if (account_audit(&r, "audit.viewed", "", 0, "", e) != 0)
		return -1;
	http_reply_json(res, 200);
	return 0;
}
