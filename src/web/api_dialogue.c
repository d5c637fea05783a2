/*
 * The guided dialogue's JSON API: the couple's dialogues (list, start),
 * one dialogue as its caller sees it, taking an action, keeping a record
 * afterwards, and a server-sent event stream that says "something
 * changed" so two devices stay in step. Each handler reads typed fields
 * (input.h), calls one flow in src/dialogue/ and writes JSON; the flows
 * decide who may do what.
 *
 * After every accepted action the topic "dialogue:ID" is published on
 * the event hub, after the commit, so a partner's page that re-reads on
 * the event sees the new state. The stream carries no data: the client
 * re-reads with a plain GET, which checks access again.
 */
#include "app.h"

#include <inttypes.h>
#include <stdio.h>

#include "../dialogue/dialogue.h"
#include "../util/jw.h"
#include "../util/num.h"
#include "input.h"

/* The {id} of the path, or 0 (which names no dialogue). */
int64_t
web_dialogue_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ?
	    (int64_t)id : 0;
}

void
web_dialogue_changed(struct http_request *req, int64_t id)
{
	struct app *app = req->app;
	char topic[HTTP_EVENTS_TOPIC_MAX + 1];
	snprintf(topic, sizeof(topic), "dialogue:%" PRId64, id);
	http_events_publish(app->events, topic);
}

static int
not_found(struct err *e)
{
	return err_set(e, 404, "not_found", "id", "no dialogue with that id");
}

/* {"dialogue": {...}} as the caller sees it. */
static int
reply_dialogue(struct http_response *res, const struct account_request *r, int64_t id,
    int status, struct err *e)
{
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_key(&j, "dialogue");
	if (dialogue_json(r, id, &j, e) != 0)
		return -1;
	jw_object_end(&j);
	http_reply_json(res, status);
	return 0;
}

int
api_my_dialogues(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "mode", "variant", "topic", "timer_seconds", NULL };
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	if (req->method != HTTP_POST) {
		struct jw j;
		jw_init(&j, &res->body);
		if (dialogue_list_json(&r, &j, e) != 0)
			return -1;
		http_reply_json(res, 200);
		return 0;
	}
	struct input in;
	struct dialogue_start_input start = { 0 };
	bool has_timer;
	long long timer = 0;
	int64_t id;
	/* Lengths and ranges are the flow's to check, naming the field;
	 * here only the types and a generous bound. */
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_text(&in, "mode", false, 40, &start.mode, e) != 0 ||
	    input_text(&in, "variant", false, 40, &start.variant, e) != 0 ||
	    input_text(&in, "topic", false, 4 * DIALOGUE_TOPIC_MAX, &start.topic, e) != 0 ||
	    input_int(&in, "timer_seconds", 0, DIALOGUE_TIMER_MAX, &has_timer, &timer, e) != 0)
		return -1;
	start.timer_seconds = has_timer ? timer : 0;
	if (dialogue_start(&r, &start, &id, e) != 0)
		return -1;
	return reply_dialogue(res, &r, id, 201, e);
}

int
api_dialogue(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	int64_t id = web_dialogue_id(req);
	if (id == 0)
		return not_found(e);
	if (web_account_request(req, &r, e) != 0)
		return -1;
	return reply_dialogue(res, &r, id, 200, e);
}

int
api_dialogue_actions(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "version", "action", "text", "proposed_at", "as", NULL };
	struct account_request r;
	struct input in;
	/* Texts are bounded here generously; the flow counts characters
	 * and answers 422 "text_too_long" naming the field. */
	const char *action, *text, *proposed_at, *as;
	bool has_version;
	long long version;
	int64_t id = web_dialogue_id(req);
	if (id == 0)
		return not_found(e);
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0 ||
	    input_only(&in, fields, e) != 0 ||
	    input_int(&in, "version", 0, INT64_MAX, &has_version, &version, e) != 0 ||
	    input_text(&in, "action", true, 40, &action, e) != 0 ||
	    input_text(&in, "text", false, 4 * DIALOGUE_TEXT_MAX, &text, e) != 0 ||
	    input_text(&in, "proposed_at", false, 64, &proposed_at, e) != 0 ||
	    input_text(&in, "as", false, 20, &as, e) != 0)
		return -1;
	if (!has_version)
		return err_invalid(e, "version", "send the version of the dialogue you saw");
	if (dialogue_act(&r, id, version, as, action, text, proposed_at, NULL, e) != 0)
		return -1;
	web_dialogue_changed(req, id);
	return reply_dialogue(res, &r, id, 200, e);
}

int
api_dialogue_events(struct http_request *req, struct http_response *res, struct err *e)
{
	struct app *app = req->app;
	struct account_request r;
	int64_t id = web_dialogue_id(req);
	if (id == 0)
		return not_found(e);
	if (web_account_request(req, &r, e) != 0 || dialogue_check_access(&r, id, e) != 0)
		return -1;
	if (app->events == NULL) {
		e->retry_after = 60;
		return err_set(e, 503, "busy", NULL, "live updates are not available");
	}
	char topic[HTTP_EVENTS_TOPIC_MAX + 1];
	snprintf(topic, sizeof(topic), "dialogue:%" PRId64, id);
	return http_reply_events(req, res, app->events, topic, e);
}

int
api_dialogue_record(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "notes", NULL };
	struct account_request r;
	struct input in;
	const char *notes;
	int64_t item_id;
	int64_t id = web_dialogue_id(req);
	if (id == 0)
		return not_found(e);
	/* The flow counts characters and names "notes"; here a bound. */
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0 ||
	    input_only(&in, fields, e) != 0 ||
	    input_text(&in, "notes", false, 4 * DIALOGUE_NOTES_MAX, &notes, e) != 0 ||
	    dialogue_keep_record(&r, id, notes, &item_id, e) != 0)
		return -1;
	struct jw j;
	jw_init(&j, &res->body);
	jw_object_begin(&j);
	jw_kv_int(&j, "item_id", item_id);
	jw_object_end(&j);
	http_reply_json(res, 201);
	return 0;
}
