/*
 * The exercises as a table (workspace.h): each kind names its fields,
 * their sentence stems and limits, and what the partner may answer. The
 * pages render forms from it, the API publishes it and validates
 * against it, so a new exercise is a new table entry and nothing else.
 *
 * Validation walks a jansson document against the table and names the
 * exact place of the first problem ("fields.requests[2]"), because a
 * form with thirty rows is useless with "invalid input".
 */
#include "workspace.h"

#include <stdio.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/text.h"

/* ---- the table --------------------------------------------------------- */

#define TEXT(n, l, h, max, req) \
	{ .name = (n), .label = (l), .hint = (h), .type = WS_TEXT, .max_chars = (max), .required = (req) }
#define LONGTEXT(n, l, h, max, req) \
	{ .name = (n), .label = (l), .hint = (h), .type = WS_LONGTEXT, .max_chars = (max), .required = (req) }
#define LIST(n, l, h, max, lo, hi, req) \
	{ .name = (n), .label = (l), .hint = (h), .type = WS_LIST, .max_chars = (max), \
	  .min_items = (lo), .max_items = (hi), .required = (req) }
#define RATED(n, l, h, max, lo, hi, req) \
	{ .name = (n), .label = (l), .hint = (h), .type = WS_RATED_LIST, .max_chars = (max), \
	  .min_items = (lo), .max_items = (hi), .required = (req) }
#define DATE(n, l, h, req) \
	{ .name = (n), .label = (l), .hint = (h), .type = WS_DATE, .max_chars = 10, .required = (req) }
#define COUNT(a)	(sizeof(a) / sizeof((a)[0]))

static const struct ws_field journal_fields[] = {
	TEXT("title", "Title", "A few words to find this entry again", 200, true),
	{ .name = "body", .label = "Entry", .hint = "Write freely; Markdown works (*emphasis*, lists, headings)",
	  .type = WS_LONGTEXT, .max_chars = WS_LONGTEXT_MAX, .required = true, .markdown = true },
};

static const struct ws_field appreciation_entry[] = {
	TEXT("appreciation", "One thing I appreciate about you is…", "Something specific your partner did or does", 500, true),
	LONGTEXT("reason", "The reason I appreciate this is…", "", 2000, false),
	TEXT("feeling", "When you do that I feel…", "", 500, false),
};
static const struct ws_field appreciation_fields[] = {
	{ .name = "appreciations", .label = "Appreciations",
	  .hint = "One or more appreciations; each ends with \"Thank you for that.\"",
	  .type = WS_ENTRIES, .min_items = 1, .max_items = 10, .required = true,
	  .sub = appreciation_entry, .nsub = COUNT(appreciation_entry) },
};
static const struct ws_field appreciation_response[] = {
	LONGTEXT("mirror", "Your mirror", "If I got it, you appreciate… Did I get it?", 4000, true),
};

static const struct ws_field frustration_fields[] = {
	LONGTEXT("frustration", "The frustration", "I don't like it when you… (a behaviour, not a trait)", 2000, true),
	LONGTEXT("desire", "The desire behind it", "What I would like is… (said positively)", 2000, true),
	LIST("requests", "Three requests",
	    "Specific, positive, measurable and time-limited: \"Would you be willing to… for the next two weeks?\"",
	    500, 3, 3, true),
};
static const struct ws_field frustration_response[] = {
	{ .name = "chosen", .label = "The request I give as a gift", .hint = "The number of the request (1, 2 or 3)",
	  .type = WS_NUMBER, .min = 1, .max = 3, .required = true },
	LONGTEXT("note", "A note", "Optional", 2000, false),
};

static const struct ws_field caring_fields[] = {
	RATED("loved_now", "I feel loved and cared about when you…", "Specific and positive; rate 1 (very important) to 5", 300, 0, 50, false),
	RATED("loved_before", "I used to feel loved and cared about when you…", "What your partner did early on", 300, 0, 50, false),
	RATED("loved_would", "I would feel loved and cared about if you…", "What you have wished for", 300, 0, 50, false),
};
static const struct ws_field caring_response[] = {
	{ .name = "wont_do", .label = "The ones I will not do for now",
	  .hint = "Mark them without discussion, e.g. \"loved_now:2\"", .type = WS_REFS,
	  .max_chars = 40, .max_items = 150 },
};

static const struct ws_field caring_log_fields[] = {
	DATE("date", "Date", "YYYY-MM-DD", true),
	LIST("given", "Caring behaviours I gave", "At least one a day, given unconditionally", 300, 1, 50, true),
};

static const struct ws_field vision_fields[] = {
	RATED("sentences", "Our relationship vision",
	    "\"We…\" sentences in the present tense, said positively (\"We settle our differences peacefully\"); rate 1 (very important) to 5",
	    300, 1, 50, true),
};
static const struct ws_field shared_vision_fields[] = {
	RATED("sentences", "Our shared vision", "\"We…\" sentences both of you want; rate 1 (very important) to 5",
	    300, 1, 100, true),
};

static const struct ws_field workup_fields[] = {
	LIST("caretaker_positive", "My caretakers' positive traits", "As you experienced them as a child", 200, 0, 30, false),
	LIST("caretaker_negative", "My caretakers' negative traits", "As you experienced them as a child", 200, 0, 30, false),
	LIST("wanted_most", "What I wanted most as a child and didn't get was…", "", 200, 0, 20, false),
	LIST("felt_often", "As a child, I had these negative feelings over and over again…", "", 200, 0, 20, false),
	LIST("reacted_by", "When I didn't get what I wanted, I usually reacted by…", "", 200, 0, 20, false),
	LIST("partner_positive", "My partner's positive traits", "Compare them with your caretakers'", 200, 0, 30, false),
	LIST("partner_negative", "My partner's negative traits", "Compare them with your caretakers'", 200, 0, 30, false),
};

static const struct ws_field parent_child_fields[] = {
	TEXT("parent", "The parent my partner plays", "The caretaker you choose: mother, father, grandmother…", 100, true),
	LONGTEXT("living_with_me", "What is it like living with me?", "", 4000, false),
	LONGTEXT("being_my_child", "What is it like to be my child?", "", 4000, false),
	LONGTEXT("worst", "What was the worst thing about living with me?", "", 4000, false),
	LONGTEXT("needed_most", "What did you need most from me and not get?", "", 4000, false),
	LONGTEXT("if_gotten", "If you had gotten that, how would your life be different?", "", 4000, false),
};
static const struct ws_field parent_child_response[] = {
	LONGTEXT("mirror", "Mirror", "If I got it, you said…", 4000, true),
	LONGTEXT("validation", "Validation", "You make sense, because…", 4000, false),
	LONGTEXT("empathy", "Empathy", "I imagine you might be feeling…", 4000, false),
};

static const struct ws_field zero_fields[] = {
	DATE("start", "First day", "YYYY-MM-DD", true),
	{ .name = "days", .label = "The 30 days",
	  .hint = "Mark each day \"kept\" or \"slipped\" (up to 30 days, the first day first)",
	  .type = WS_DAYS30, .max_chars = WS_DAY_NOTE_MAX, .max_items = WS_DAYS },
};

static const char *const roles[] = { "sender", "receiver", NULL };
static const struct ws_field record_fields[] = {
	TEXT("topic", "Topic", "", 200, true),
	DATE("date", "Date", "YYYY-MM-DD", true),
	TEXT("sender", "Who sent", "", 100, false),
	{ .name = "role", .label = "My role", .hint = "", .type = WS_CHOICE, .choices = roles, .required = true },
	LONGTEXT("notes", "My notes", "", 4000, false),
};

static const struct ws_kind kinds[] = {
	{ "journal", "Journal entry",
	  "A private entry in your journal. Nobody else sees it unless you share it.",
	  journal_fields, COUNT(journal_fields), NULL, 0, NULL, 0, "title" },
	{ "appreciation", "Appreciation dialogue",
	  "Tell your partner what you appreciate about them: something specific, why it matters and how it makes you feel. No negativity.",
	  appreciation_fields, COUNT(appreciation_fields),
	  appreciation_response, COUNT(appreciation_response),
	  "Mirror what your partner appreciates about you.", 0, NULL },
	{ "frustration", "Frustration and requests",
	  "Name one frustration as a behaviour, the desire behind it, and three specific, positive, measurable, time-limited requests. Your partner chooses one to give as a gift.",
	  frustration_fields, COUNT(frustration_fields),
	  frustration_response, COUNT(frustration_response),
	  "Choose one request to give your partner as a gift.", 0, NULL },
	{ "caring", "Caring behaviours",
	  "Three lists of what makes you feel loved and cared about, each item rated 1 (very important) to 5. Your partner marks the ones they will not do for now.",
	  caring_fields, COUNT(caring_fields),
	  caring_response, COUNT(caring_response),
	  "Mark the ones you will not do for now, without discussion.", 0, NULL },
	{ "caring_log", "Caring behaviours given",
	  "A daily log of the caring behaviours you gave: at least one a day, unconditionally.",
	  caring_log_fields, COUNT(caring_log_fields), NULL, 0, NULL, 0, "date" },
	{ "vision", "Relationship vision",
	  "Write the relationship you want as short \"We…\" sentences in the present tense, and rate each 1 (very important) to 5. Share it with your partner to merge your visions.",
	  vision_fields, COUNT(vision_fields), NULL, 0, NULL, 0, NULL },
	{ "shared_vision", "Our shared vision",
	  "Both partners' visions merged into one; both of you may edit it.",
	  shared_vision_fields, COUNT(shared_vision_fields), NULL, 0, NULL,
	  WS_KIND_JOINT | WS_KIND_MERGED, NULL },
	{ "imago_workup", "Imago workup",
	  "Your childhood caretakers' traits, what you wanted and did not get, the feelings you had again and again and how you reacted; your partner's traits beside them. The workspace writes your imago statement from it.",
	  workup_fields, COUNT(workup_fields), NULL, 0, NULL, WS_KIND_STATEMENT, NULL },
	{ "parent_child", "Parent-child dialogue",
	  "Your partner plays the parent you choose and asks these questions; you answer as the child. Afterwards your partner leaves the role and mirrors, validates and empathises.",
	  parent_child_fields, COUNT(parent_child_fields),
	  parent_child_response, COUNT(parent_child_response),
	  "Step out of the role: mirror, validate and empathise.", 0, "parent" },
	{ "zero_negativity", "30 days without negativity",
	  "A negative is whatever your partner experiences as a put-down, whatever you meant. Mark each day toward 30 in a row; when one slips, repair it and start again.",
	  zero_fields, COUNT(zero_fields), NULL, 0, NULL, 0, "start" },
	{ "dialogue_record", "Dialogue record",
	  "A short record of a guided dialogue: the topic, the date, who sent, your role and your notes.",
	  record_fields, COUNT(record_fields), NULL, 0, NULL, WS_KIND_INTERNAL, "topic" },
};

const struct ws_kind *
ws_kinds(size_t *n)
{
	*n = COUNT(kinds);
	return kinds;
}

const struct ws_kind *
ws_kind_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < COUNT(kinds); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

static const struct ws_field *
field_in(const struct ws_field *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

const struct ws_field *
ws_kind_field(const struct ws_kind *k, const char *name)
{
	return field_in(k->fields, k->nfields, name);
}

/* ---- validation -------------------------------------------------------- */

/* The parameter name of a place in the document, in the arena-free way
 * err needs: a small fixed buffer (err.param holds 64 bytes). */
struct path {
	char	s[64];
};

/* Appends s to out, cut to fit (never reached with the table's names). */
static void
path_append(struct path *out, const char *s)
{
	size_t have = strlen(out->s), n = strlen(s);
	if (n > sizeof(out->s) - 1 - have)
		n = sizeof(out->s) - 1 - have;
	memcpy(out->s + have, s, n);
	out->s[have + n] = '\0';
}

static void
path_key(struct path *out, const char *prefix, const char *key)
{
	char base[sizeof(out->s)];
	snprintf(base, sizeof(base), "%s", prefix ? prefix : "");
	out->s[0] = '\0';
	path_append(out, base);
	if (*base != '\0')
		path_append(out, ".");
	path_append(out, key);
}

/* base[i]; a base too long for err's param is cut (never reached with
 * the table's names, but the compiler cannot know that). */
static void
path_index(struct path *out, const char *base, size_t i)
{
	char idx[24];
	snprintf(idx, sizeof(idx), "[%zu]", i);
	size_t room = sizeof(out->s) - strlen(idx) - 1, n = strlen(base);
	snprintf(out->s, sizeof(out->s), "%.*s%s", (int)(n < room ? n : room), base, idx);
}

static bool
blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* A string of at most max characters; empty allowed unless nonempty. */
static int
check_text(const json_t *v, const char *param, size_t max, bool multiline, bool nonempty,
    struct err *e)
{
	if (!json_is_string(v))
		return err_invalid(e, param, "must be a string");
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (strlen(s) != n || !text_utf8_valid(s, n, multiline))
		return err_invalid(e, param, multiline ? "must be text without control characters"
		    : "must be one line of text without control characters");
	if (text_utf8_length(s, n) > max)
		return err_invalid(e, param, "must be at most %zu characters", max);
	if (nonempty && blank(s))
		return err_invalid(e, param, "must not be empty");
	return 0;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
check_date(const json_t *v, const char *param, struct err *e)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (!json_is_string(v))
		return err_invalid(e, param, "must be a date (YYYY-MM-DD)");
	const char *s = json_string_value(v);
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return err_invalid(e, param, "must be a date (YYYY-MM-DD)");
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return err_invalid(e, param, "must be a date (YYYY-MM-DD)");
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap(y)))
		return err_invalid(e, param, "must be a real date between 1900 and 2200 (YYYY-MM-DD)");
	return 0;
}

static int
check_array(const json_t *v, const struct ws_field *f, const char *param, struct err *e)
{
	if (!json_is_array(v))
		return err_invalid(e, param, "must be a list");
	size_t n = json_array_size(v);
	if (f->max_items > 0 && n > f->max_items)
		return err_invalid(e, param, "must have at most %zu entries", f->max_items);
	if (n < f->min_items)
		return err_invalid(e, param, f->min_items == f->max_items ?
		    "must have exactly %zu entries" : "must have at least %zu entries", f->min_items);
	return 0;
}

/* An object holding only the listed members. */
static int
check_members(const json_t *v, const char *const *allowed, const char *param, struct err *e)
{
	if (!json_is_object(v))
		return err_invalid(e, param, "must be an object");
	const char *key;
	const json_t *m;
	json_object_foreach((json_t *)v, key, m) {
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, key) == 0;
		if (!ok) {
			struct path p;
			path_key(&p, param, strlen(key) < 30 ? key : "?");
			return err_invalid(e, p.s, "unknown field");
		}
	}
	return 0;
}

static int
check_rated(const json_t *item, const struct ws_field *f, const char *param, struct err *e)
{
	static const char *const members[] = { "text", "rating", NULL };
	struct path p;
	if (check_members(item, members, param, e) != 0)
		return -1;
	path_key(&p, param, "text");
	const json_t *t = json_object_get(item, "text");
	if (t == NULL)
		return err_invalid(e, p.s, "this field is required");
	if (check_text(t, p.s, f->max_chars, false, true, e) != 0)
		return -1;
	path_key(&p, param, "rating");
	const json_t *r = json_object_get(item, "rating");
	if (r == NULL || !json_is_integer(r) || json_integer_value(r) < WS_RATING_MIN ||
	    json_integer_value(r) > WS_RATING_MAX)
		return err_invalid(e, p.s, "must be a whole number from %d (very important) to %d",
		    WS_RATING_MIN, WS_RATING_MAX);
	return 0;
}

static int
check_day(const json_t *item, const char *param, struct err *e)
{
	static const char *const members[] = { "mark", "note", NULL };
	struct path p;
	if (check_members(item, members, param, e) != 0)
		return -1;
	path_key(&p, param, "mark");
	const json_t *m = json_object_get(item, "mark");
	if (m != NULL && !json_is_null(m)) {
		const char *s = json_is_string(m) ? json_string_value(m) : NULL;
		if (s == NULL || (strcmp(s, "kept") != 0 && strcmp(s, "slipped") != 0 && *s != '\0'))
			return err_invalid(e, p.s, "must be \"kept\", \"slipped\" or \"\"");
	}
	path_key(&p, param, "note");
	const json_t *note = json_object_get(item, "note");
	if (note != NULL && !json_is_null(note) &&
	    check_text(note, p.s, WS_DAY_NOTE_MAX, false, false, e) != 0)
		return -1;
	return 0;
}

static int check_object(const json_t *doc, const struct ws_field *fields, size_t n,
	    const char *prefix, const json_t *item_doc, struct err *e);

/* "loved_now:2": a rated list of the item and an entry of it (1-based). */
static int
check_ref(const json_t *v, const json_t *item_doc, const char *param, struct err *e)
{
	if (!json_is_string(v))
		return err_invalid(e, param, "must be a reference such as \"loved_now:2\"");
	const char *s = json_string_value(v);
	const char *colon = strchr(s, ':');
	if (colon == NULL || colon == s || colon - s > 30)
		return err_invalid(e, param, "must be a reference such as \"loved_now:2\"");
	char name[32];
	snprintf(name, sizeof(name), "%.*s", (int)(colon - s), s);
	char *end;
	long idx = strtol(colon + 1, &end, 10);
	const json_t *list = item_doc ? json_object_get(item_doc, name) : NULL;
	if (*end != '\0' || colon[1] < '1' || colon[1] > '9' || !json_is_array(list) ||
	    idx < 1 || (size_t)idx > json_array_size(list))
		return err_invalid(e, param, "names no entry of the item (\"%s\")", name);
	return 0;
}

static int
check_value(const json_t *v, const struct ws_field *f, const char *param,
    const json_t *item_doc, struct err *e)
{
	struct path p;
	size_t i;
	const json_t *item;
	switch (f->type) {
	case WS_TEXT:
		return check_text(v, param, f->max_chars ? f->max_chars : WS_TEXT_MAX, false,
		    f->required, e);
	case WS_LONGTEXT:
		return check_text(v, param, f->max_chars ? f->max_chars : WS_LONGTEXT_MAX, true,
		    f->required, e);
	case WS_DATE:
		return check_date(v, param, e);
	case WS_CHOICE:
		if (json_is_string(v))
			for (const char *const *c = f->choices; c && *c; c++)
				if (strcmp(*c, json_string_value(v)) == 0)
					return 0;
		return err_invalid(e, param, "must be one of the listed values");
	case WS_NUMBER:
		if (!json_is_integer(v) || json_integer_value(v) < f->min ||
		    json_integer_value(v) > f->max)
			return err_invalid(e, param, "must be a whole number from %lld to %lld",
			    f->min, f->max);
		return 0;
	case WS_LIST:
	case WS_RATED_LIST:
	case WS_ENTRIES:
	case WS_DAYS30:
	case WS_REFS:
		if (check_array(v, f, param, e) != 0)
			return -1;
		json_array_foreach(v, i, item) {
			path_index(&p, param, i);
			int rc = 0;
			if (f->type == WS_LIST)
				rc = check_text(item, p.s, f->max_chars ? f->max_chars : WS_TEXT_MAX,
				    false, true, e);
			else if (f->type == WS_RATED_LIST)
				rc = check_rated(item, f, p.s, e);
			else if (f->type == WS_ENTRIES)
				rc = check_object(item, f->sub, f->nsub, p.s, NULL, e);
			else if (f->type == WS_DAYS30)
				rc = check_day(item, p.s, e);
			else
				rc = check_ref(item, item_doc, p.s, e);
			if (rc != 0)
				return -1;
		}
		return 0;
	}
	return err_internal(e, "unknown field type");
}

static bool
is_list(enum ws_field_type t)
{
	return t == WS_LIST || t == WS_RATED_LIST || t == WS_ENTRIES || t == WS_DAYS30 ||
	    t == WS_REFS;
}

static int
check_object(const json_t *doc, const struct ws_field *fields, size_t n,
    const char *prefix, const json_t *item_doc, struct err *e)
{
	struct path p;
	if (!json_is_object(doc))
		return err_invalid(e, *prefix ? prefix : "fields", "must be an object");
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)doc, key, v) {
		if (field_in(fields, n, key) == NULL) {
			path_key(&p, prefix, strlen(key) < 30 ? key : "?");
			return err_invalid(e, p.s, "unknown field");
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct ws_field *f = &fields[i];
		path_key(&p, prefix, f->name);
		v = json_object_get(doc, f->name);
		if (v == NULL || json_is_null(v)) {
			if (f->required)
				return err_invalid(e, p.s, "this field is required");
			continue;
		}
		/* An optional list may be empty even when it has a minimum. */
		if (is_list(f->type) && !f->required && json_is_array(v) && json_array_size(v) == 0)
			continue;
		if (check_value(v, f, p.s, item_doc, e) != 0)
			return -1;
	}
	return 0;
}

static int
check_size(const json_t *doc, const char *prefix, struct err *e)
{
	size_t n = json_dumpb(doc, NULL, 0, JSON_COMPACT);
	if (n > WS_DOC_MAX)
		return err_invalid(e, *prefix ? prefix : "fields",
		    "is too large: at most %d KiB of JSON", WS_DOC_MAX / 1024);
	return 0;
}

int
ws_validate(const struct ws_kind *k, const json_t *doc, const char *prefix, struct err *e)
{
	if (prefix == NULL)
		prefix = "";
	if (doc == NULL)
		return err_invalid(e, *prefix ? prefix : "fields", "this field is required");
	if (check_object(doc, k->fields, k->nfields, prefix, NULL, e) != 0)
		return -1;
	return check_size(doc, prefix, e);
}

int
ws_validate_response(const struct ws_kind *k, const json_t *item_doc,
    const json_t *response, const char *prefix, struct err *e)
{
	if (prefix == NULL)
		prefix = "";
	if (k->response == NULL)
		return err_set(e, 422, "no_response", "",
		    "this exercise takes no response from the partner");
	if (response == NULL)
		return err_invalid(e, *prefix ? prefix : "response", "this field is required");
	if (check_object(response, k->response, k->nresponse, prefix, item_doc, e) != 0)
		return -1;
	return check_size(response, prefix, e);
}

/* ---- the imago statement ----------------------------------------------- */

/* "a", "a and b", "a, b and c"; "…" when the list is empty. */
static void
join_list(struct buf *b, const json_t *list)
{
	size_t n = json_is_array(list) ? json_array_size(list) : 0, shown = 0;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(list, i);
		if (!json_is_string(v) || blank(json_string_value(v)))
			continue;
		shown++;
	}
	if (shown == 0) {
		buf_puts(b, "\xe2\x80\xa6");
		return;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(list, i);
		if (!json_is_string(v) || blank(json_string_value(v)))
			continue;
		if (k > 0)
			buf_puts(b, k + 1 == shown ? " and " : ", ");
		buf_puts(b, json_string_value(v));
		k++;
	}
}

const char *
ws_imago_statement(const struct ws_kind *k, const json_t *doc, struct arena *a)
{
	if (k == NULL || !(k->flags & WS_KIND_STATEMENT) || !json_is_object(doc))
		return NULL;
	struct buf b = BUF_INIT;
	const json_t *pos = json_object_get(doc, "caretaker_positive");
	const json_t *neg = json_object_get(doc, "caretaker_negative");
	buf_puts(&b, "I have spent my life searching for a person who is ");
	join_list(&b, pos);
	buf_puts(&b, " and ");
	join_list(&b, neg);
	buf_puts(&b, ". When I am with such a person, I am troubled that they are ");
	join_list(&b, neg);
	buf_puts(&b, ", and I wish they would give me ");
	join_list(&b, json_object_get(doc, "wanted_most"));
	buf_puts(&b, ". When my needs aren't met, I feel ");
	join_list(&b, json_object_get(doc, "felt_often"));
	buf_puts(&b, " and I react by ");
	join_list(&b, json_object_get(doc, "reacted_by"));
	buf_puts(&b, ".");
	char *out = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return out;
}

const char *
ws_item_label(const struct ws_kind *k, const json_t *doc, struct arena *a)
{
	const json_t *v = k->label_field && doc ? json_object_get(doc, k->label_field) : NULL;
	if (!json_is_string(v) || blank(json_string_value(v)))
		return k->title;
	const char *s = json_string_value(v);
	size_t n = strlen(s), chars = 0, i = 0;
	while (i < n && chars < 80) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	if (i == n)
		return arena_strdup(a, s);
	return arena_printf(a, "%.*s\xe2\x80\xa6", (int)i, s);
}

/* ---- the table as JSON --------------------------------------------------- */

static const char *
type_name(enum ws_field_type t)
{
	switch (t) {
	case WS_TEXT:		return "text";
	case WS_LONGTEXT:	return "longtext";
	case WS_LIST:		return "list";
	case WS_RATED_LIST:	return "rated_list";
	case WS_ENTRIES:	return "entries";
	case WS_DATE:		return "date";
	case WS_DAYS30:		return "days30";
	case WS_CHOICE:		return "choice";
	case WS_NUMBER:		return "number";
	case WS_REFS:		return "refs";
	}
	return "text";
}

static void
fields_json(struct jw *j, const struct ws_field *f, size_t n)
{
	jw_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		jw_object_begin(j);
		jw_kv_string(j, "name", f[i].name);
		jw_kv_string(j, "label", f[i].label);
		jw_kv_string(j, "hint", f[i].hint ? f[i].hint : "");
		jw_kv_string(j, "type", type_name(f[i].type));
		jw_kv_bool(j, "required", f[i].required);
		if (f[i].type == WS_TEXT || f[i].type == WS_LONGTEXT || f[i].type == WS_LIST ||
		    f[i].type == WS_RATED_LIST || f[i].type == WS_DAYS30)
			jw_kv_int(j, "max_chars", (int64_t)(f[i].max_chars ? f[i].max_chars :
			    f[i].type == WS_LONGTEXT ? WS_LONGTEXT_MAX : WS_TEXT_MAX));
		if (is_list(f[i].type)) {
			jw_kv_int(j, "min_items", (int64_t)f[i].min_items);
			jw_kv_int(j, "max_items", (int64_t)f[i].max_items);
		}
		if (f[i].type == WS_LONGTEXT)
			jw_kv_bool(j, "markdown", f[i].markdown);
		if (f[i].type == WS_RATED_LIST) {
			jw_kv_int(j, "rating_min", WS_RATING_MIN);
			jw_kv_int(j, "rating_max", WS_RATING_MAX);
		}
		if (f[i].type == WS_DAYS30) {
			jw_key(j, "marks");
			jw_array_begin(j);
			jw_string(j, "kept");
			jw_string(j, "slipped");
			jw_string(j, "");
			jw_array_end(j);
		}
		if (f[i].type == WS_NUMBER) {
			jw_kv_int(j, "min", f[i].min);
			jw_kv_int(j, "max", f[i].max);
		}
		if (f[i].type == WS_CHOICE) {
			jw_key(j, "choices");
			jw_array_begin(j);
			for (const char *const *c = f[i].choices; c && *c; c++)
				jw_string(j, *c);
			jw_array_end(j);
		}
		if (f[i].type == WS_ENTRIES) {
			jw_key(j, "fields");
			fields_json(j, f[i].sub, f[i].nsub);
		}
		jw_object_end(j);
	}
	jw_array_end(j);
}

void
ws_kinds_json(struct jw *j)
{
	jw_object_begin(j);
	jw_key(j, "kinds");
	jw_array_begin(j);
	for (size_t i = 0; i < COUNT(kinds); i++) {
		const struct ws_kind *k = &kinds[i];
		jw_object_begin(j);
		jw_kv_string(j, "name", k->name);
		jw_kv_string(j, "title", k->title);
		jw_kv_string(j, "intro", k->intro);
		jw_kv_bool(j, "joint", (k->flags & WS_KIND_JOINT) != 0);
		jw_kv_bool(j, "creatable", (k->flags & (WS_KIND_INTERNAL | WS_KIND_MERGED)) == 0);
		jw_kv_bool(j, "statement", (k->flags & WS_KIND_STATEMENT) != 0);
		jw_key(j, "fields");
		fields_json(j, k->fields, k->nfields);
		jw_key(j, "response");
		if (k->response == NULL) {
			jw_null(j);
		} else {
			jw_object_begin(j);
			jw_kv_string(j, "intro", k->response_intro ? k->response_intro : "");
			jw_key(j, "fields");
			fields_json(j, k->response, k->nresponse);
			jw_object_end(j);
		}
		jw_object_end(j);
	}
	jw_array_end(j);
	jw_kv_string(j, "disclaimer", WS_DISCLAIMER);
	jw_object_end(j);
}

void
ws_json_write(struct jw *j, const json_t *v)
{
	const char *key;
	const json_t *m;
	size_t i;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		jw_object_begin(j);
		json_object_foreach((json_t *)v, key, m) {
			jw_key(j, key);
			ws_json_write(j, m);
		}
		jw_object_end(j);
		break;
	case JSON_ARRAY:
		jw_array_begin(j);
		json_array_foreach(v, i, m)
			ws_json_write(j, m);
		jw_array_end(j);
		break;
	case JSON_STRING:
		jw_string_n(j, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jw_int(j, (int64_t)json_integer_value(v));
		break;
	case JSON_REAL:
		jw_double(j, json_real_value(v), 6);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		jw_bool(j, json_is_true(v));
		break;
	case JSON_NULL:
	default:
		jw_null(j);
		break;
	}
}
