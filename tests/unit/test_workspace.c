/*
 * The workspace's pure parts (src/workspace/kinds.c): the kinds table,
 * validation naming the exact place of a problem, the limits, the imago
 * statement and the item labels. The HTTP tests cover storage and access.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../src/util/arena.h"
#include "../../src/workspace/workspace.h"

static json_t *
parse(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	if (v == NULL)
		test_fail(__FILE__, __LINE__, "bad test JSON: %s", je.text);
	return v;
}

/* Validates text as kind's fields: "" when valid, else the param. */
static const char *
param_of(const char *kind, const char *text, int *status)
{
	static char param[64];
	struct err e = ERR_INIT;
	json_t *doc = parse(text);
	int rc = ws_validate(ws_kind_find(kind), doc, "fields", &e);
	json_decref(doc);
	*status = e.status;
	snprintf(param, sizeof(param), "%s", rc == 0 ? "" : e.param);
	return param;
}

#define VALID(kind, text) do { int s_; CHECK_STR(param_of((kind), (text), &s_), ""); } while (0)
#define INVALID(kind, text, want) do { int s_; \
	CHECK_STR(param_of((kind), (text), &s_), (want)); CHECK_INT(s_, 400); } while (0)

TEST(workspace_kinds_table)
{
	size_t n;
	const struct ws_kind *k = ws_kinds(&n);
	CHECK(n >= 11);
	for (size_t i = 0; i < n; i++) {
		CHECK(ws_kind_find(k[i].name) == &k[i]);
		CHECK(k[i].nfields > 0);
		for (size_t j = 0; j < k[i].nfields; j++)
			CHECK(ws_kind_field(&k[i], k[i].fields[j].name) == &k[i].fields[j]);
	}
	CHECK(ws_kind_find("nope") == NULL);
	CHECK(ws_kind_find(NULL) == NULL);
	CHECK(ws_kind_find("dialogue_record")->flags & WS_KIND_INTERNAL);
	CHECK(ws_kind_find("shared_vision")->flags & WS_KIND_JOINT);
	CHECK(ws_kind_find("frustration")->response != NULL);
	CHECK(ws_kind_find("journal")->response == NULL);
	const struct ws_field *req = ws_kind_field(ws_kind_find("frustration"), "requests");
	CHECK_INT(req->min_items, 3);
	CHECK_INT(req->max_items, 3);
}

TEST(workspace_validate_names_the_place)
{
	VALID("journal", "{\"title\":\"Día\",\"body\":\"# x\\n\\n*y*\"}");
	INVALID("journal", "{\"title\":\"x\"}", "fields.body");
	INVALID("journal", "{\"title\":\"x\",\"body\":\"y\",\"z\":1}", "fields.z");
	INVALID("journal", "{\"title\":\"a\\nb\",\"body\":\"y\"}", "fields.title");
	INVALID("journal", "{\"title\":\"   \",\"body\":\"y\"}", "fields.title");
	INVALID("journal", "[]", "fields");
	VALID("frustration", "{\"frustration\":\"f\",\"desire\":\"d\",\"requests\":[\"a\",\"b\",\"c\"]}");
	INVALID("frustration", "{\"frustration\":\"f\",\"desire\":\"d\",\"requests\":[\"a\",\"b\"]}", "fields.requests");
	INVALID("frustration", "{\"frustration\":\"f\",\"desire\":\"d\",\"requests\":[\"a\",\"b\",\"\"]}", "fields.requests[2]");
	INVALID("frustration", "{\"frustration\":\"f\",\"desire\":\"d\",\"requests\":\"a\"}", "fields.requests");
	VALID("caring", "{\"loved_now\":[{\"text\":\"hug\",\"rating\":1}],\"loved_would\":[]}");
	INVALID("caring", "{\"loved_now\":[{\"text\":\"hug\",\"rating\":0}]}", "fields.loved_now[0].rating");
	INVALID("caring", "{\"loved_now\":[{\"text\":\"hug\",\"rating\":6}]}", "fields.loved_now[0].rating");
	INVALID("caring", "{\"loved_now\":[{\"text\":\"hug\",\"rating\":\"1\"}]}", "fields.loved_now[0].rating");
	INVALID("caring", "{\"loved_now\":[{\"text\":\"hug\",\"rating\":1},{\"rating\":1}]}", "fields.loved_now[1].text");
	VALID("caring_log", "{\"date\":\"2024-02-29\",\"given\":[\"tea\"]}");
	INVALID("caring_log", "{\"date\":\"2023-02-29\",\"given\":[\"tea\"]}", "fields.date");
	INVALID("caring_log", "{\"date\":\"2024-13-01\",\"given\":[\"tea\"]}", "fields.date");
	INVALID("caring_log", "{\"date\":\"24-01-01\",\"given\":[\"tea\"]}", "fields.date");
	INVALID("caring_log", "{\"date\":\"2024-01-01\",\"given\":[]}", "fields.given");
	VALID("zero_negativity", "{\"start\":\"2024-01-01\",\"days\":[{\"mark\":\"kept\"},{\"mark\":\"\"},{}]}");
	INVALID("zero_negativity", "{\"start\":\"2024-01-01\",\"days\":[{},{\"mark\":\"meh\"}]}", "fields.days[1].mark");
	INVALID("zero_negativity", "{\"start\":\"2024-01-01\",\"days\":[{\"note\":5}]}", "fields.days[0].note");
	INVALID("appreciation", "{\"appreciations\":[{\"appreciation\":\"x\"},{\"reason\":\"y\"}]}", "fields.appreciations[1].appreciation");
	INVALID("dialogue_record", "{\"topic\":\"t\",\"date\":\"2024-01-01\",\"role\":\"boss\"}", "fields.role");
	VALID("dialogue_record", "{\"topic\":\"t\",\"date\":\"2024-01-01\",\"role\":\"receiver\"}");
}

TEST(workspace_validate_limits)
{
	struct err e = ERR_INIT;
	const struct ws_kind *j = ws_kind_find("journal");
	/* 20,000 characters of 2 bytes pass (40,000 bytes); one more fails. */
	json_t *doc = json_object();
	char *body = malloc(40003);
	for (int i = 0; i < 20000; i++)
		memcpy(body + 2 * i, "\xc3\xa9", 2);
	body[40000] = '\0';
	json_object_set_new(doc, "title", json_string("t"));
	json_object_set_new(doc, "body", json_string(body));
	CHECK_INT(ws_validate(j, doc, "fields", &e), 0);
	memcpy(body + 40000, "\xc3\xa9", 3);
	json_object_set_new(doc, "body", json_string(body));
	CHECK_INT(ws_validate(j, doc, "fields", &e), -1);
	CHECK_STR(e.param, "fields.body");
	free(body);
	json_decref(doc);

	/* The whole document: at most WS_DOC_MAX bytes. */
	const struct ws_kind *c = ws_kind_find("caring");
	doc = json_object();
	char text[601];	/* 300 characters of 2 bytes: 90,000 bytes in all */
	for (int i = 0; i < 300; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2);
	text[600] = '\0';
	const char *lists[] = { "loved_now", "loved_before", "loved_would" };
	for (int l = 0; l < 3; l++) {
		json_t *arr = json_array();
		for (int i = 0; i < 50; i++)
			json_array_append_new(arr, json_pack("{s:s, s:i}", "text", text, "rating", 1));
		json_object_set_new(doc, lists[l], arr);
	}
	err_clear(&e);
	CHECK_INT(ws_validate(c, doc, "fields", &e), -1);
	CHECK_STR(e.param, "fields");
	/* 51 entries in one list: named by the list. */
	json_t *now = json_object_get(doc, "loved_now");
	json_array_append_new(now, json_pack("{s:s, s:i}", "text", "x", "rating", 1));
	err_clear(&e);
	CHECK_INT(ws_validate(c, doc, "fields", &e), -1);
	CHECK_STR(e.param, "fields.loved_now");
	json_decref(doc);
}

TEST(workspace_responses)
{
	struct err e = ERR_INIT;
	const struct ws_kind *caring = ws_kind_find("caring");
	json_t *item = parse("{\"loved_now\":[{\"text\":\"a\",\"rating\":1},{\"text\":\"b\",\"rating\":2}]}");
	json_t *ok = parse("{\"wont_do\":[\"loved_now:2\"]}");
	json_t *bad = parse("{\"wont_do\":[\"loved_now:1\",\"loved_now:3\"]}");
	json_t *other = parse("{\"wont_do\":[\"loved_before:1\"]}");
	CHECK_INT(ws_validate_response(caring, item, ok, "response", &e), 0);
	CHECK_INT(ws_validate_response(caring, item, bad, "response", &e), -1);
	CHECK_STR(e.param, "response.wont_do[1]");
	CHECK_INT(ws_validate_response(caring, item, other, "response", &e), -1);
	CHECK_STR(e.param, "response.wont_do[0]");
	json_t *chosen = parse("{\"chosen\":3}");
	CHECK_INT(ws_validate_response(ws_kind_find("frustration"), item, chosen, "response", &e), 0);
	err_clear(&e);
	CHECK_INT(ws_validate_response(ws_kind_find("journal"), item, chosen, "response", &e), -1);
	CHECK_INT(e.status, 422);
	CHECK_STR(e.code, "no_response");
	json_decref(item);
	json_decref(ok);
	json_decref(bad);
	json_decref(other);
	json_decref(chosen);
}

TEST(workspace_imago_statement)
{
	struct arena *a = arena_new();
	const struct ws_kind *k = ws_kind_find("imago_workup");
	json_t *doc = parse("{\"caretaker_positive\":[\"warm\",\"funny\",\"clever\"],"
	    "\"caretaker_negative\":[\"distant\"],\"wanted_most\":[\"attention\",\"praise\"],"
	    "\"felt_often\":[\"lonely\"],\"reacted_by\":[\"withdrawing\"]}");
	CHECK_STR(ws_imago_statement(k, doc, a),
	    "I have spent my life searching for a person who is warm, funny and clever and distant."
	    " When I am with such a person, I am troubled that they are distant, and I wish they"
	    " would give me attention and praise. When my needs aren't met, I feel lonely and I"
	    " react by withdrawing.");
	json_t *empty = parse("{}");
	CHECK_STR(ws_imago_statement(k, empty, a),
	    "I have spent my life searching for a person who is \xe2\x80\xa6 and \xe2\x80\xa6."
	    " When I am with such a person, I am troubled that they are \xe2\x80\xa6, and I wish"
	    " they would give me \xe2\x80\xa6. When my needs aren't met, I feel \xe2\x80\xa6 and I"
	    " react by \xe2\x80\xa6.");
	CHECK(ws_imago_statement(ws_kind_find("journal"), doc, a) == NULL);
	json_decref(doc);
	json_decref(empty);
	arena_free(a);
}

TEST(workspace_labels)
{
	struct arena *a = arena_new();
	json_t *doc = parse("{\"title\":\"Ein langer Titel über neunzig Zeichen, damit er gekürzt wird,"
	    " und zwar genau nach achtzig Zeichen.\",\"body\":\"x\"}");
	const char *label = ws_item_label(ws_kind_find("journal"), doc, a);
	CHECK(strlen(label) > 80);
	CHECK(strstr(label, "\xe2\x80\xa6") != NULL);
	CHECK_STR(ws_item_label(ws_kind_find("vision"), doc, a), "Relationship vision");
	json_decref(doc);
	arena_free(a);
}

TEST(workspace_safety_tables)
{
	size_t n;
	const struct ws_safety_question *q = ws_safety_questions(&n);
	CHECK(n >= 3);
	for (size_t i = 0; i < n; i++)
		CHECK(q[i].name != NULL && q[i].text != NULL);
	const struct ws_help_line *l = ws_help_lines(&n);
	const char *want[] = { "112", "911", "999", "1-800-799-7233", "988", "0808 2000 247" };
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		bool found = false;
		for (size_t i = 0; i < n; i++)
			found = found || strcmp(l[i].contact, want[w]) == 0;
		CHECK(found);
	}
}
