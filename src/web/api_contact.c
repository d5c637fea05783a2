/*
 * The contact relay's JSON API: anyone sends a message to a listed
 * therapist and confirms it by the emailed link; the profile's owner
 * reads, answers and sorts their inbox. Each handler reads typed fields
 * (input.h), calls one flow in src/contact/ and writes JSON; the flows
 * decide who may see which message (someone else's is a 404).
 */
#include "app.h"

#include <string.h>

#include "../contact/contact.h"
#include "../util/jw.h"
#include "../util/num.h"
#include "input.h"

const char *const contact_input_fields[] = {
	"name", "email", "phone", "preferred", "message", "website", NULL
};

/* The input limits only bound the work: the flow checks the exact
 * rules on the trimmed text and names the field. */
int
contact_from_input(const struct input *in, struct contact_input *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (input_text(in, "name", false, 4 * CONTACT_NAME_MAX, &out->name, e) != 0 ||
	    input_text(in, "email", false, 4 * ACCOUNT_EMAIL_MAX, &out->email, e) != 0 ||
	    input_text(in, "phone", false, 4 * CONTACT_PHONE_MAX, &out->phone, e) != 0 ||
	    input_text(in, "preferred", false, 20, &out->preferred, e) != 0 ||
	    input_text(in, "message", false, 2 * CONTACT_MESSAGE_MAX, &out->message, e) != 0)
		return -1;
	/* The honeypot: anything a robot put there counts as filled in,
	 * whatever its type or size, and is answered like a success. */
	if (input_text(in, "website", false, 100000, &out->website, e) != 0) {
		err_clear(e);
		out->website = "filled";
	}
	return 0;
}

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ? id : 0;
}

static void
reply_status(struct http_response *res, int status, const char *what)
{
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_string(&j, "status", what);
	jw_object_end(&j);
	http_reply_json(res, status);
}

int
api_contact_send(struct http_request *req, struct http_response *res, struct err *e)
{
	struct input in;
	struct contact_input ci;
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no therapist with that id");
	if (input_read(req, &in, e) != 0 || input_only(&in, contact_input_fields, e) != 0 ||
	    contact_from_input(&in, &ci, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    contact_send(&r, id, &ci, e) != 0)
		return -1;
	web_mail_sent(req);
	reply_status(res, 202, "check_your_email");
	return 0;
}

int
api_contact_confirm(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "token", NULL };
	struct input in;
	struct account_request r;
	const char *token;
	bool already;
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_text(&in, "token", true, 100, &token, e) != 0 ||
	    web_account_request(req, &r, e) != 0 || contact_confirm(&r, token, &already, e) != 0)
		return -1;
	if (!already)
		web_mail_sent(req);
	reply_status(res, 200, already ? "already_delivered" : "delivered");
	return 0;
}

/* A whole-number query parameter in [min, max], or fallback when absent. */
static int
query_int(struct http_request *req, const char *key, long long min, long long max,
    long long fallback, int *out, struct err *e)
{
	const char *s = http_param(req, key);
	long long v = fallback;
	if (s != NULL && num_parse_long(s, min, max, &v) != 0)
		return err_invalid(e, key, "%s is a whole number from %lld to %lld", key, min, max);
	*out = (int)v;
	return 0;
}

int
api_my_messages(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct contact_page page;
	struct contact_filter f = { .status = http_param(req, "status") };
	if (f.status != NULL && strlen(f.status) > 20)
		return err_invalid(e, "status", "status is \"delivered\", \"spam\" or \"all\"");
	if (query_int(req, "limit", 1, CONTACT_PAGE_MAX, CONTACT_PAGE_DEFAULT, &f.limit, e) != 0 ||
	    query_int(req, "offset", 0, CONTACT_OFFSET_MAX, 0, &f.offset, e) != 0 ||
	    web_account_request(req, &r, e) != 0 || contact_inbox(&r, &f, &page, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_key(&j, "messages");
	jw_array_begin(&j);
	for (size_t i = 0; i < page.n; i++)
		contact_message_json(&j, &page.messages[i]);
	jw_array_end(&j);
	jw_kv_int(&j, "total", page.total);
	jw_kv_int(&j, "unread", page.unread);
	jw_kv_int(&j, "limit", f.limit);
	jw_kv_int(&j, "offset", f.offset);
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}

static int
reply_message(struct http_response *res, const struct account_request *r, int64_t id,
    struct err *e)
{
	struct contact_message m;
	if (contact_get(r, id, &m, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	contact_message_json(&j, &m);
	http_reply_json(res, 200);
	return 0;
}

int
api_my_message(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no message with that id");
	if (web_account_request(req, &r, e) != 0)
		return -1;
	return reply_message(res, &r, id, e);
}

int
api_my_message_reply(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "message", NULL };
	struct input in;
	struct account_request r;
	const char *text;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no message with that id");
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_text(&in, "message", true, 2 * CONTACT_MESSAGE_MAX, &text, e) != 0 ||
	    web_account_request(req, &r, e) != 0 || contact_reply(&r, id, text, e) != 0)
		return -1;
	web_mail_sent(req);
	return reply_message(res, &r, id, e);
}

/* POST marks as spam, DELETE takes the mark away. */
int
api_my_message_spam(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no message with that id");
	bool spam = req->method == HTTP_POST;
	if (input_none(req, e) != 0 || web_account_request(req, &r, e) != 0 ||
	    contact_mark_spam(&r, id, spam, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_int(&j, "id", id);
	jw_kv_string(&j, "status", spam ? "spam" : "delivered");
	jw_object_end(&j);
	http_reply_json(res, 200);
	return 0;
}
