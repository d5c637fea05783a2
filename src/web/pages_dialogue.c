/*
 * The guided dialogue as HTML: /couple/dialogue (start one, the past
 * ones) and /couple/dialogue/{id} (the step now: who sends, who
 * receives, the sentence stems, the turns of this round, and only the
 * actions the person may take now). These are the HTML twins of
 * api_dialogue.c and call the same flows (src/dialogue/dialogue.h).
 *
 * Without JavaScript every action is a plain form that answers 303 back
 * to the page with a notice, and a Refresh link shows what the partner
 * did. With it, static/dialogue.js watches the dialogue's event stream,
 * re-reads the state JSON on every change and redraws the step from it
 * (the markup here and there must agree: class names are the contract).
 */
#include "pages.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../couples/couples.h"
#include "../dialogue/dialogue.h"
#include "../util/html.h"
#include "input.h"

/* proposed_in: minutes from now a receiver may propose (within 24 h). */
static const int propose_minutes[] = { 15, 30, 60, 120, 240, 480, 720, 1380 };

static void
begin(struct buf *b, struct http_request *req, const char *title)
{
	struct page p = { title, NULL, "page-account page-dialogue", req };
	page_begin(b, req->app, &p);
}

static void
day(struct buf *b, time_t t)
{
	char s[32];
	struct tm tm;
	if (gmtime_r(&t, &tm) != NULL && strftime(s, sizeof(s), "%Y-%m-%d %H:%M UTC", &tm) != 0)
		html_text(b, s);
}

/* Mistakes worth showing on the page again; anything else is an error page. */
static bool
form_error(const struct err *e)
{
	return e->status == 400 || e->status == 403 || e->status == 404 ||
	    e->status == 409 || e->status == 422 || e->status == 429;
}

static const char *
step_title(enum dialogue_step s)
{
	static const char *const titles[DIALOGUE_STEP_COUNT] = {
		[DIALOGUE_APPOINTMENT] = "Making an appointment",
		[DIALOGUE_SCHEDULED] = "Appointment made",
		[DIALOGUE_SENDING] = "Sending",
		[DIALOGUE_MIRRORING] = "Mirroring",
		[DIALOGUE_MIRROR_CHECK] = "Checking the mirror",
		[DIALOGUE_SUMMARY] = "Summary",
		[DIALOGUE_SUMMARY_CHECK] = "Checking the summary",
		[DIALOGUE_VALIDATION] = "Validation",
		[DIALOGUE_EMPATHY] = "Empathy",
		[DIALOGUE_EMPATHY_CHECK] = "Checking empathy",
		[DIALOGUE_CLOSING] = "Closing",
		[DIALOGUE_ENDED] = "Finished",
		[DIALOGUE_STOPPED] = "Stopped for a break",
	};
	return (unsigned)s < DIALOGUE_STEP_COUNT && titles[s] ? titles[s] : "";
}

/* Button labels; static/dialogue.js holds the same table. */
static const char *
action_label(enum dialogue_action a)
{
	static const char *const labels[DIALOGUE_ACTION_COUNT] = {
		[DIALOGUE_ACCEPT] = "Yes, now is a good time",
		[DIALOGUE_PROPOSE] = "Propose another time",
		[DIALOGUE_BEGIN] = "Begin now",
		[DIALOGUE_SEND] = "Send",
		[DIALOGUE_MIRROR] = "Mirror",
		[DIALOGUE_MORE] = "Yes, and there is more",
		[DIALOGUE_CORRECT] = "Not quite",
		[DIALOGUE_NO_MORE] = "You got it; there is no more",
		[DIALOGUE_SUMMARIZE] = "Send the summary",
		[DIALOGUE_CONFIRM] = "Yes, you got it",
		[DIALOGUE_VALIDATE] = "Validate",
		[DIALOGUE_EMPATHIZE] = "Share what you imagine",
		[DIALOGUE_APPRECIATE] = "Send an appreciation",
		[DIALOGUE_SWITCH] = "Switch roles",
		[DIALOGUE_FINISH] = "Finish",
		[DIALOGUE_STOP] = "We need a break",
	};
	return (unsigned)a < DIALOGUE_ACTION_COUNT && labels[a] ? labels[a] : "";
}

static const char *
role_name(const struct dialogue_view *v, enum dialogue_role role)
{
	const char *n = role == DIALOGUE_SENDER ? v->sender_name : v->receiver_name;
	return n && *n ? n : role == DIALOGUE_SENDER ? "the sender" : "the receiver";
}

static const struct {
	const char	*key;
	const char	*text;
} notices[] = {
	{ "stop", "You are taking a break. Come back to it when you are both ready." },
	{ "finish", "The dialogue is finished. Thank you both." },
	{ "switch", "Roles switched: a new round begins." },
	{ "started", "Dialogue started." },
};

static void
done_notice(struct buf *b, struct http_request *req)
{
	const char *done = http_param(req, "done");
	if (done == NULL)
		return;
	for (size_t i = 0; i < sizeof(notices) / sizeof(notices[0]); i++) {
		if (strcmp(done, notices[i].key) == 0) {
			page_notice(b, notices[i].text);
			return;
		}
	}
	page_notice(b, "Saved.");
}

static void
therapy_note(struct buf *b)
{
	html_raw(b, "<p class=\"hint dialogue-note\">The guided dialogue supports"
	    " therapy; it does not replace it. If things get heated, take a"
	    " break: either of you can stop at any time.</p>");
}

/* ---- the step ------------------------------------------------------------ */

static void
roles_section(struct buf *b, const struct dialogue_view *v)
{
	html_raw(b, "<p class=\"dialogue-topic\">Topic: <strong>");
	html_text(b, v->topic ? v->topic : "");
	html_raw(b, "</strong></p><p class=\"dialogue-roles\"><span class=\"dialogue-sender\">");
	html_text(b, role_name(v, DIALOGUE_SENDER));
	html_raw(b, "</span> is sending; <span class=\"dialogue-receiver\">");
	html_text(b, role_name(v, DIALOGUE_RECEIVER));
	html_raw(b, "</span>");
	html_textf(b, " is receiving. Round %" PRId64 ".", v->round);
	html_raw(b, "</p><p class=\"dialogue-you\"><strong>");
	if (v->acts_for_both)
		html_text(b, "You are on one device and act for both of you.");
	else
		html_textf(b, "You are the %s.", v->you == DIALOGUE_SENDER ? "sender" : "receiver");
	html_raw(b, "</strong></p>");
}

/* On one device: when the turn passes to the other role, the device
 * changes hands. */
static void
handover(struct buf *b, const struct dialogue_view *v)
{
	if (!v->acts_for_both || v->turn == DIALOGUE_TURN_EITHER || v->turn == DIALOGUE_TURN_NONE)
		return;
	enum dialogue_role next = v->turn == DIALOGUE_TURN_SENDER ? DIALOGUE_SENDER : DIALOGUE_RECEIVER;
	if (v->n_turns > 0 && v->turns[v->n_turns - 1].role == next)
		return;
	html_raw(b, "<p class=\"notice dialogue-handover\" role=\"status\">Hand the device to <strong>");
	html_text(b, role_name(v, next));
	html_raw(b, "</strong>.</p>");
}

static void
prompt_section(struct buf *b, const struct dialogue_view *v)
{
	html_raw(b, "<h2 class=\"dialogue-step\">");
	html_text(b, step_title(v->step));
	html_raw(b, "</h2>");
	if (v->prompt.instruction) {
		html_raw(b, "<p class=\"dialogue-instruction\">");
		html_text(b, v->prompt.instruction);
		html_raw(b, "</p>");
	}
	if (v->prompt.n_stems > 0) {
		html_raw(b, "<ul class=\"dialogue-stems\">");
		for (size_t i = 0; i < v->prompt.n_stems; i++) {
			html_raw(b, "<li>");
			html_text(b, v->prompt.stems[i]);
			html_raw(b, "</li>");
		}
		html_raw(b, "</ul>");
	}
	if (v->step == DIALOGUE_SCHEDULED && v->proposed_at) {
		html_raw(b, "<p class=\"dialogue-proposed\">Agreed time: ");
		day(b, v->proposed_at);
		html_raw(b, "</p>");
	}
	if (v->timer_seconds > 0 && !dialogue_step_closed(v->step)) {
		html_raw(b, "<p class=\"dialogue-timer\"");
		html_attrf(b, "data-seconds", "%d", v->timer_seconds);
		html_raw(b, ">");
		html_textf(b, "Timer: about %d:%02d a turn.", v->timer_seconds / 60,
		    v->timer_seconds % 60);
		html_raw(b, "</p>");
	}
}

static void
turns_section(struct buf *b, const struct dialogue_view *v)
{
	html_raw(b, "<section class=\"dialogue-turns-section\"><h2>This round so far</h2>");
	if (v->n_turns == 0)
		html_raw(b, "<p class=\"dialogue-empty\">Nothing yet.</p>");
	html_raw(b, "<ol class=\"dialogue-turns\">");
	for (size_t i = 0; i < v->n_turns; i++) {
		const struct dialogue_turn_view *t = &v->turns[i];
		if (t->text == NULL)
			continue;
		html_raw(b, "<li");
		html_attr(b, "data-role", dialogue_role_name(t->role));
		html_raw(b, "><span class=\"dialogue-who\">");
		html_text(b, role_name(v, t->role));
		html_raw(b, "</span> <span class=\"dialogue-what\">");
		html_text(b, dialogue_action_verb(t->action));
		html_raw(b, "</span> <q class=\"dialogue-text\">");
		html_text(b, t->text);
		html_raw(b, "</q></li>");
	}
	html_raw(b, "</ol></section>");
}

static void
propose_select(struct buf *b, const char *id)
{
	html_raw(b, "<label");
	html_attr(b, "for", id);
	html_raw(b, ">Another time, within a day</label><select name=\"proposed_in\"");
	html_attr(b, "id", id);
	html_raw(b, ">");
	for (size_t i = 0; i < sizeof(propose_minutes) / sizeof(propose_minutes[0]); i++) {
		int m = propose_minutes[i];
		html_raw(b, "<option");
		html_attrf(b, "value", "%d", m);
		html_raw(b, ">");
		if (m < 60)
			html_textf(b, "in %d minutes", m);
		else
			html_textf(b, "in %d hour%s", m / 60, m == 60 ? "" : "s");
		html_raw(b, "</option>");
	}
	html_raw(b, "</select>");
}

/* One form for what the caller may do as one role now. */
static void
role_form(struct buf *b, struct http_request *req, const struct dialogue_view *v,
    enum dialogue_role as, const char *typed)
{
	bool any = false, text = false, propose = false;
	for (size_t i = 0; i < v->n_choices; i++) {
		const struct dialogue_choice *c = &v->choices[i];
		if (c->as != as || c->action == DIALOGUE_STOP)
			continue;
		any = true;
		text |= c->takes_text;
		propose |= c->action == DIALOGUE_PROPOSE;
	}
	if (!any)
		return;
	const char *role = dialogue_role_name(as);
	html_raw(b, "<div class=\"dialogue-act\"");
	html_attr(b, "data-as", role);
	html_raw(b, ">");
	if (v->acts_for_both) {
		html_raw(b, "<h3>As ");
		html_text(b, role_name(v, as));
		html_textf(b, " (the %s)", role);
		html_raw(b, "</h3>");
	}
	page_form_begin(b, req, arena_printf(req->arena, "/couple/dialogue/%" PRId64 "/act", v->id));
	page_hidden(b, "version", arena_printf(req->arena, "%" PRId64, v->version));
	if (v->acts_for_both)
		page_hidden(b, "as", role);
	if (text) {
		const char *id = arena_printf(req->arena, "f-text-%s", role);
		html_raw(b, "<label");
		html_attr(b, "for", id);
		html_raw(b, ">What you say</label><textarea name=\"text\" rows=\"4\"");
		html_attrf(b, "maxlength", "%d", DIALOGUE_TEXT_MAX);
		html_attr(b, "id", id);
		if (v->prompt_role == as && v->prompt.n_stems > 0)
			html_attr(b, "placeholder", v->prompt.stems[0]);
		html_raw(b, ">");
		if (typed)
			html_text(b, typed);
		html_raw(b, "</textarea>");
	}
	if (propose)
		propose_select(b, arena_printf(req->arena, "f-when-%s", role));
	html_raw(b, "<div class=\"dialogue-buttons\">");
	for (size_t i = 0; i < v->n_choices; i++) {
		const struct dialogue_choice *c = &v->choices[i];
		if (c->as != as || c->action == DIALOGUE_STOP)
			continue;
		html_raw(b, "<button type=\"submit\" name=\"action\"");
		html_attr(b, "value", dialogue_action_name(c->action));
		html_raw(b, ">");
		html_text(b, action_label(c->action));
		html_raw(b, "</button>");
	}
	html_raw(b, "</div></form></div>");
}

static void
stop_form(struct buf *b, struct http_request *req, const struct dialogue_view *v)
{
	html_raw(b, "<div class=\"dialogue-stop\">");
	page_form_begin(b, req, arena_printf(req->arena, "/couple/dialogue/%" PRId64 "/act", v->id));
	page_hidden(b, "version", arena_printf(req->arena, "%" PRId64, v->version));
	html_raw(b, "<button type=\"submit\" name=\"action\" value=\"stop\" class=\"danger\">"
	    "We need a break</button></form></div>");
}

static void
record_form(struct buf *b, struct http_request *req, const struct dialogue_view *v)
{
	html_raw(b, "<section class=\"dialogue-record\"><h2>Keep a private record</h2>"
	    "<p>Keep the topic, the date and your own notes in your workspace."
	    " Nobody else sees it unless you share it.</p>");
	page_form_begin(b, req, arena_printf(req->arena, "/couple/dialogue/%" PRId64 "/record", v->id));
	html_raw(b, "<label for=\"f-notes\">Your notes</label><textarea id=\"f-notes\""
	    " name=\"notes\" rows=\"4\"");
	html_attrf(b, "maxlength", "%d", DIALOGUE_NOTES_MAX);
	html_raw(b, "></textarea><button type=\"submit\">Keep the record</button></form>"
	    "<p><a href=\"/couple/dialogue\">Back to the dialogues</a></p></section>");
}

/* The part dialogue.js redraws; the same structure as its render(). */
static void
step_section(struct buf *b, struct http_request *req, const struct dialogue_view *v,
    const char *typed)
{
	roles_section(b, v);
	handover(b, v);
	prompt_section(b, v);
	turns_section(b, v);
	if (dialogue_step_closed(v->step)) {
		record_form(b, req, v);
		return;
	}
	html_raw(b, "<section class=\"dialogue-actions\">");
	role_form(b, req, v, DIALOGUE_SENDER, typed);
	role_form(b, req, v, DIALOGUE_RECEIVER, typed);
	html_raw(b, "</section>");
	stop_form(b, req, v);
}

static int
render_dialogue(struct http_request *req, struct http_response *res, int64_t id,
    const char *typed, const struct err *error, struct err *e)
{
	struct account_request r;
	struct dialogue_view v;
	if (web_account_request(req, &r, e) != 0 || dialogue_get(&r, id, &v, e) != 0)
		return -1;
	struct buf *b = &res->body;
	begin(b, req, "Dialogue");
	html_raw(b, "<h1>Dialogue</h1>");
	done_notice(b, req);
	page_form_error(b, error);
	therapy_note(b);
	const char *self = arena_printf(req->arena, "/couple/dialogue/%" PRId64, id);
	html_raw(b, "<div id=\"dialogue\" class=\"dialogue\" aria-live=\"polite\"");
	html_attr(b, "data-state", arena_printf(req->arena, "/api/v1/dialogues/%" PRId64, id));
	html_attr(b, "data-events", arena_printf(req->arena, "/api/v1/dialogues/%" PRId64 "/events", id));
	html_attr(b, "data-page", self);
	html_attr(b, "data-csrf", web_session(req)->auth.csrf);
	html_raw(b, "><div class=\"dialogue-live\">");
	step_section(b, req, &v, typed);
	html_raw(b, "</div><p class=\"dialogue-refresh\"><a");
	html_attr(b, "href", self);
	html_raw(b, ">Refresh</a> to see what your partner did.</p></div>"
	    "<script src=\"/static/dialogue.js\" defer></script>");
	dialogue_view_wipe(&v);
	return page_finish(req, res, error ? error->status : 200, error);
}

int
page_dialogue(struct http_request *req, struct http_response *res, struct err *e)
{
	int64_t id = web_dialogue_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no dialogue with that id");
	return render_dialogue(req, res, id, NULL, NULL, e);
}

/* "2026-03-08T14:30:00Z", minutes from now. */
static const char *
proposed_time(struct http_request *req, time_t now, long long minutes)
{
	time_t t = now + (time_t)minutes * 60;
	struct tm tm;
	char s[32];
	if (gmtime_r(&t, &tm) == NULL || strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return arena_strdup(req->arena, s);
}

int
page_dialogue_act(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "version", "action", "text", "proposed_in", "as", NULL };
	struct account_request r;
	struct input in;
	const char *action = NULL, *text = NULL, *as = NULL, *proposed_at = NULL;
	bool has_version, has_when;
	long long version = 0, when = 0;
	int64_t id = web_dialogue_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no dialogue with that id");
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	int rc = input_only(&in, fields, e) != 0 ||
	    input_int(&in, "version", 0, INT64_MAX, &has_version, &version, e) != 0 ||
	    input_text(&in, "action", true, 40, &action, e) != 0 ||
	    input_text(&in, "text", false, 4 * DIALOGUE_TEXT_MAX, &text, e) != 0 ||
	    input_text(&in, "as", false, 20, &as, e) != 0 ||
	    input_int(&in, "proposed_in", 1, 24 * 60, &has_when, &when, e) != 0 ? -1 : 0;
	if (rc == 0 && !has_version)
		rc = err_invalid(e, "version", "the form is incomplete: reload the page");
	if (rc == 0 && has_when && strcmp(action, "propose") == 0)
		proposed_at = proposed_time(req, r.now, when);
	if (rc == 0)
		rc = dialogue_act(&r, id, version, as && *as ? as : NULL, action,
		    text && *text ? text : NULL, proposed_at, NULL, e);
	if (rc != 0) {
		if (!form_error(e))
			return -1;
		struct err shown = *e;
		err_clear(e);
		return render_dialogue(req, res, id, text, &shown, e);
	}
	web_dialogue_changed(req, id);
	http_redirect(req, res, arena_printf(req->arena, "/couple/dialogue/%" PRId64 "?done=%s",
	    id, strcmp(action, "stop") == 0 || strcmp(action, "finish") == 0 ||
	    strcmp(action, "switch") == 0 ? action : "saved"));
	return 0;
}

int
page_dialogue_record(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "notes", NULL };
	struct account_request r;
	struct input in;
	const char *notes = NULL;
	int64_t item_id;
	int64_t id = web_dialogue_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "no dialogue with that id");
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	if (input_only(&in, fields, e) != 0 ||
	    input_text(&in, "notes", false, 4 * DIALOGUE_NOTES_MAX, &notes, e) != 0 ||
	    dialogue_keep_record(&r, id, notes, &item_id, e) != 0) {
		if (!form_error(e))
			return -1;
		struct err shown = *e;
		err_clear(e);
		return render_dialogue(req, res, id, NULL, &shown, e);
	}
	/* To the record itself: that is where it can be shared. */
	http_redirect(req, res, arena_printf(req->arena, "/workspace/items/%" PRId64 "?done=saved",
	    item_id));
	return 0;
}

/* ---- the start page ------------------------------------------------------ */

static void
start_form(struct buf *b, struct http_request *req, const char *typed)
{
	static const int timers[] = { 0, 60, 120, 180, 300, 600 };
	html_raw(b, "<section class=\"dialogue-start\"><h2>Start a dialogue</h2>"
	    "<p>You start as the sender: you name a topic, and your partner says"
	    " whether now is a good time. Before your first dialogue each of you"
	    " answers a few private safety questions in your"
	    " <a href=\"/workspace\">workspace</a>.</p>");
	page_form_begin(b, req, "/couple/dialogue");
	html_raw(b, "<label for=\"f-topic\">Topic</label><input type=\"text\" id=\"f-topic\""
	    " name=\"topic\" required");
	html_attrf(b, "maxlength", "%d", DIALOGUE_TOPIC_MAX);
	if (typed)
		html_attr(b, "value", typed);
	html_raw(b, "><fieldset><legend>Devices</legend>"
	    "<label><input type=\"radio\" name=\"mode\" value=\"two_devices\" checked>"
	    " Each of us on our own device</label>"
	    "<label><input type=\"radio\" name=\"mode\" value=\"one_device\">"
	    " One device, handed between us</label></fieldset>"
	    "<fieldset><legend>Kind</legend>"
	    "<label><input type=\"radio\" name=\"variant\" value=\"standard\" checked>"
	    " Standard</label>"
	    "<label><input type=\"radio\" name=\"variant\" value=\"deepening\">"
	    " Deepening: the sender is offered deeper sentence stems</label></fieldset>"
	    "<label for=\"f-timer\">Timer a turn (optional)</label>"
	    "<select id=\"f-timer\" name=\"timer_seconds\">");
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
		html_raw(b, "<option");
		html_attrf(b, "value", "%d", timers[i]);
		if (timers[i] == 0)
			html_raw(b, ">No timer</option>");
		else {
			html_raw(b, ">");
			html_textf(b, "%d minute%s", timers[i] / 60, timers[i] == 60 ? "" : "s");
			html_raw(b, "</option>");
		}
	}
	html_raw(b, "</select><button type=\"submit\">Start</button></form></section>");
}

/* The past dialogues, from the flow's JSON list (the only list it has). */
static void
past_section(struct buf *b, const struct account_request *r)
{
	struct buf out = BUF_INIT;
	struct jw j;
	struct err e = ERR_INIT;
	jw_init(&j, &out);
	if (dialogue_list_json(r, &j, &e) != 0) {
		buf_free(&out);
		return;
	}
	json_t *root = json_loadb(out.data ? out.data : "", out.len, 0, NULL);
	buf_free(&out);
	json_t *list = json_object_get(root, "dialogues");
	if (json_array_size(list) > 0) {
		html_raw(b, "<section class=\"dialogue-past\"><h2>Your dialogues</h2><ul>");
		size_t i;
		json_t *d;
		json_array_foreach(list, i, d) {
			json_int_t id = json_integer_value(json_object_get(d, "id"));
			const char *topic = json_string_value(json_object_get(d, "topic"));
			const char *step = json_string_value(json_object_get(d, "step"));
			const char *started = json_string_value(json_object_get(d, "started"));
			enum dialogue_step s;
			time_t at = 0;
			html_raw(b, "<li><a");
			html_attr(b, "href", arena_printf(r->arena, "/couple/dialogue/%lld", (long long)id));
			html_raw(b, ">");
			html_text(b, topic && *topic ? topic : "(no topic)");
			html_raw(b, "</a> <span class=\"hint\">");
			if (started != NULL && dialogue_parse_time(started, &at) == 0)
				page_moment(b, (long long)at);
			html_raw(b, " \xc2\xb7 ");
			html_text(b, step != NULL && dialogue_step_parse(step, &s) == 0 ?
			    step_title(s) : "");
			html_raw(b, "</span></li>");
		}
		html_raw(b, "</ul></section>");
	}
	json_decref(root);
}

static int
render_start(struct http_request *req, struct http_response *res, const char *typed,
    const struct err *error, struct err *e)
{
	struct account_request r;
	struct couple_view cv;
	int64_t open_id = 0;
	if (web_account_request(req, &r, e) != 0 || couple_get(&r, &cv, e) != 0 ||
	    dialogue_open_id(&r, &open_id, e) != 0)
		return -1;
	struct buf *b = &res->body;
	begin(b, req, "Dialogue");
	html_raw(b, "<h1>Dialogue</h1>");
	done_notice(b, req);
	page_form_error(b, error);
	html_raw(b, "<p>The guided dialogue takes you both through its steps: one"
	    " of you sends, the other mirrors, summarises, validates and"
	    " empathises, and then you may switch.</p>");
	therapy_note(b);
	if (cv.couple_id == 0) {
		html_raw(b, "<p class=\"dialogue-no-couple\">The dialogue is for couples:"
		    " <a href=\"/account/couple\">invite your partner</a> first.</p>");
	} else if (open_id != 0) {
		html_raw(b, "<p class=\"dialogue-open\">A dialogue is in progress. <a");
		html_attr(b, "href", arena_printf(req->arena, "/couple/dialogue/%" PRId64, open_id));
		html_raw(b, ">Continue it</a></p>");
	} else {
		start_form(b, req, typed);
	}
	past_section(b, &r);
	return page_finish(req, res, error ? error->status : 200, error);
}

int
page_dialogues(struct http_request *req, struct http_response *res, struct err *e)
{
	return render_start(req, res, NULL, NULL, e);
}

int
page_dialogue_start(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "mode", "variant", "topic", "timer_seconds", NULL };
	struct account_request r;
	struct input in;
	struct dialogue_start_input start = { 0 };
	bool has_timer;
	long long timer = 0;
	int64_t id;
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	if (input_only(&in, fields, e) != 0 ||
	    input_text(&in, "mode", false, 40, &start.mode, e) != 0 ||
	    input_text(&in, "variant", false, 40, &start.variant, e) != 0 ||
	    input_text(&in, "topic", false, 4 * DIALOGUE_TOPIC_MAX, &start.topic, e) != 0 ||
	    input_int(&in, "timer_seconds", 0, DIALOGUE_TIMER_MAX, &has_timer, &timer, e) != 0 ||
	    (start.timer_seconds = has_timer ? timer : 0,
	    dialogue_start(&r, &start, &id, e) != 0)) {
		if (!form_error(e))
			return -1;
		struct err shown = *e;
		err_clear(e);
		return render_start(req, res, start.topic, &shown, e);
	}
	http_redirect(req, res, arena_printf(req->arena, "/couple/dialogue/%" PRId64 "?done=started", id));
	return 0;
}
