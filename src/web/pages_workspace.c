/*
 * The couples' workspace as HTML: the workspace home (/workspace), the
 * private safety check-in, the exercise forms, an item's page with its
 * sharing controls and the partner's response, the merge of the two
 * visions, and the therapist's read-only view of what clients shared
 * with them. These are the HTML twins of api_workspace.c and call the
 * same flows (src/workspace/workspace.h).
 *
 * Forms are drawn FROM the kinds table (kinds.c), never written out per
 * exercise: a new exercise in the table gets its form here for free. A
 * form becomes the same JSON document the API takes ("requests.2" ->
 * requests[1]), blank rows dropped, and the flow validates it. A refusal
 * draws the form again from that document, so the error's parameter
 * ("requests[1]") names the very row it is shown next to.
 *
 * Forms work without JavaScript: a POST that worked answers 303 to a GET
 * page with a notice, a mistake shows the form again with its status.
 * Someone else's item is a 404 page (the flows decide). Everything
 * people wrote goes through the escaping writer, except the journal's
 * Markdown, which cmark renders in safe mode (page_markdown).
 */
#include "pages.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../util/html.h"
#include "../util/num.h"
#include "../workspace/workspace.h"
#include "input.h"

/* Form controls a page may hold: the guard decodes at most
 * HTTP_MAX_PARAMS pairs, one of them the CSRF field and one the
 * version, so empty rows are dropped first when a form would grow past. */
#define FORM_CONTROLS_MAX	(HTTP_MAX_PARAMS - 4)
#define EXTRA_ROWS		3	/* empty rows under a list's entries */
#define ROWS_MAX		INPUT_MAX_FIELDS	/* row numbers a form may use */

/* ---- small pieces -------------------------------------------------------- */

static void
begin(struct buf *b, struct http_request *req, const char *title)
{
	struct page p = { title, NULL, "page-account page-workspace", req };
	page_begin(b, req->app, &p);
}

static int64_t
path_id(struct http_request *req)
{
	long long id;
	const char *arg = req->path_args[0];
	return arg != NULL && num_parse_long(arg, 1, 9007199254740991LL, &id) == 0 ? id : 0;
}

static int
not_found(struct err *e)
{
	return err_set(e, 404, "not_found", NULL, "There is no workspace item at this address.");
}

static void
day(struct buf *b, time_t t)
{
	char s[32];
	struct tm tm;
	if (gmtime_r(&t, &tm) != NULL && strftime(s, sizeof(s), "%Y-%m-%d", &tm) != 0)
		html_text(b, s);
}

/* Mistakes worth showing on the form again; anything else is an error page. */
static bool
fixable(const struct err *e)
{
	switch (e->status) {
	case 400: case 403: case 404: case 409: case 410: case 422: case 429:
		return true;
	default:
		return false;
	}
}

static const struct {
	const char	*key;
	const char	*text;
} notices[] = {
	{ "saved", "Saved." },
	{ "deleted", "Deleted." },
	{ "shared", "Shared with your partner." },
	{ "unshared", "No longer shared with your partner." },
	{ "therapist", "Shared with the therapist." },
	{ "untherapist", "No longer shared with the therapist." },
	{ "response", "Your response is saved; your partner can read it." },
	{ "merged", "Your shared vision is made from both visions." },
	{ "safety", "Thank you. Your answers are private: your partner never sees them." },
};

static void
done_notice(struct buf *b, struct http_request *req)
{
	const char *done = http_param(req, "done");
	for (size_t i = 0; done != NULL && i < sizeof(notices) / sizeof(notices[0]); i++)
		if (strcmp(done, notices[i].key) == 0)
			page_notice(b, notices[i].text);
}

static void
disclaimer(struct buf *b)
{
	html_raw(b, "<p class=\"ws-disclaimer\">");
	html_text(b, WS_DISCLAIMER);
	html_raw(b, " If you are in danger, call your local emergency number.</p>");
}

static bool
blank(const char *s)
{
	for (; s != NULL && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static const char *
json_text(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

static void
button_form(struct buf *b, struct http_request *req, const char *action,
    const char *label, const char *cls)
{
	page_form_begin(b, req, action);
	html_raw(b, "<button type=\"submit\"");
	if (cls != NULL)
		html_attr(b, "class", cls);
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</button></form>");
}

static const char *
item_path(struct http_request *req, int64_t id, const char *rest)
{
	return arena_printf(req->arena, "/workspace/items/%lld%s", (long long)id, rest);
}

/* ---- the form renderer ----------------------------------------------------- */

/* One form drawn from a list of fields: the values shown come from doc
 * (NULL: a fresh form), the error from e with its parameter stripped of
 * the flow's prefix ("fields.", "response."). */
struct form_view {
	const struct ws_field	*fields;
	size_t			 n;
	const json_t		*doc;
	const struct err	*e;
	const char		*param;		/* the error's place in doc, or "" */
	const json_t		*item_doc;	/* responses: the item answered */
	const struct ws_kind	*kind;
	const char		*id_prefix;	/* "f" or "r": ids unique per page */
	int			 extra;		/* empty rows under each list */
};

static const char *
strip_prefix(const char *param)
{
	static const char *const prefixes[] = { "fields.", "response.", NULL };
	for (const char *const *p = prefixes; *p != NULL; p++) {
		size_t n = strlen(*p);
		if (strncmp(param, *p, n) == 0)
			return param + n;
	}
	return param;
}

static void
view_error(struct form_view *v, const struct err *e)
{
	v->e = e;
	v->param = e != NULL && err_is_set(e) ? strip_prefix(e->param) : "";
}

static bool
error_at(const struct form_view *v, const char *path)
{
	return v->e != NULL && *v->param != '\0' && strcmp(v->param, path) == 0;
}

/* The message next to a control, with the id its aria-describedby names. */
static bool
field_error(struct buf *b, const struct form_view *v, const char *path, const char *id)
{
	if (!error_at(v, path))
		return false;
	html_raw(b, "<p class=\"field-error\"");
	html_attrf(b, "id", "%s-error", id);
	html_raw(b, "><span class=\"visually-hidden\">Error: </span>");
	page_sentence(b, v->e->message);
	html_raw(b, "</p>");
	return true;
}

static void
invalid_attrs(struct buf *b, bool invalid, const char *id, bool hint)
{
	if (invalid)
		html_raw(b, " aria-invalid=\"true\"");
	if (invalid && hint)
		html_attrf(b, "aria-describedby", "%s-hint %s-error", id, id);
	else if (invalid)
		html_attrf(b, "aria-describedby", "%s-error", id);
	else if (hint)
		html_attrf(b, "aria-describedby", "%s-hint", id);
}

static void
label_for(struct buf *b, const char *id, const char *label, bool required, bool hidden)
{
	html_raw(b, "<label");
	html_attr(b, "for", id);
	if (hidden)
		html_raw(b, " class=\"visually-hidden\"");
	html_raw(b, ">");
	html_text(b, label);
	if (!required && !hidden)
		html_raw(b, " <span class=\"optional\">(optional)</span>");
	html_raw(b, "</label>");
}

/* The sentence stem or help under a label. */
static bool
hint(struct buf *b, const char *id, const char *text)
{
	if (text == NULL || *text == '\0')
		return false;
	html_raw(b, "<p class=\"hint ws-stem\"");
	html_attrf(b, "id", "%s-hint", id);
	html_raw(b, ">");
	html_text(b, text);
	html_raw(b, "</p>");
	return true;
}

static size_t
max_chars(const struct ws_field *f)
{
	if (f->max_chars > 0)
		return f->max_chars;
	return f->type == WS_LONGTEXT ? WS_LONGTEXT_MAX : WS_TEXT_MAX;
}

/* A one-line input or a textarea named name, showing value. */
static void
text_control(struct buf *b, const struct form_view *v, const struct ws_field *f,
    const char *name, const char *id, const char *path, const json_t *value,
    bool has_hint)
{
	bool invalid = error_at(v, path);
	const char *text = json_is_string(value) ? json_string_value(value) : NULL;
	if (f->type == WS_LONGTEXT) {
		html_raw(b, "<textarea");
		html_attr(b, "id", id);
		html_attr(b, "name", name);
		html_attrf(b, "rows", "%d", f->markdown ? 14 : 5);
		html_attrf(b, "maxlength", "%zu", max_chars(f));
		if (f->required)
			html_raw(b, " required");
		invalid_attrs(b, invalid, id, has_hint);
		html_raw(b, ">");
		/* A newline right after <textarea> is dropped by parsers: keep
		 * a text's own first newline. */
		if (text != NULL && *text == '\n')
			html_raw(b, "\n");
		if (text != NULL)
			html_text(b, text);
		html_raw(b, "</textarea>");
		return;
	}
	html_raw(b, "<input");
	html_attr(b, "id", id);
	html_attr(b, "name", name);
	html_attr(b, "type", f->type == WS_DATE ? "date" : "text");
	if (f->type != WS_DATE)
		html_attrf(b, "maxlength", "%zu", max_chars(f));
	if (text != NULL && *text != '\0')
		html_attr(b, "value", text);
	invalid_attrs(b, invalid, id, has_hint);
	html_raw(b, ">");
}

static void
option(struct buf *b, const char *value, const char *label, bool selected)
{
	html_raw(b, "<option");
	html_attr(b, "value", value);
	if (selected)
		html_raw(b, " selected");
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</option>");
}

/* The text of entry n (1-based) of the item's list or rated list. */
static const char *
entry_text(const json_t *doc, const char *list, long long n)
{
	const json_t *a = json_object_get(doc, list);
	const json_t *v = json_is_array(a) && n >= 1 ? json_array_get(a, (size_t)(n - 1)) : NULL;
	if (json_is_object(v))
		v = json_object_get(v, "text");
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The list of the item a number field picks from: its list with exactly
 * max entries (the frustration's three requests), or NULL. */
static const char *
number_list(const struct form_view *v, const struct ws_field *f)
{
	if (v->kind == NULL || v->item_doc == NULL)
		return NULL;
	for (size_t i = 0; i < v->kind->nfields; i++) {
		const struct ws_field *lf = &v->kind->fields[i];
		if ((lf->type == WS_LIST || lf->type == WS_RATED_LIST) &&
		    lf->max_items == (size_t)f->max && lf->min_items == lf->max_items)
			return lf->name;
	}
	return NULL;
}

/* A small range as radio buttons (labelled with the entries they pick
 * when there are such), a larger one as a number input. */
static void
number_control(struct buf *b, const struct form_view *v, const struct ws_field *f,
    const char *id)
{
	const json_t *value = v->doc ? json_object_get(v->doc, f->name) : NULL;
	long long current = json_is_integer(value) ? json_integer_value(value) : 0;
	bool invalid = error_at(v, f->name);
	if (f->max - f->min > 10) {
		label_for(b, id, f->label, f->required, false);
		bool h = hint(b, id, f->hint);
		field_error(b, v, f->name, id);
		html_raw(b, "<input type=\"number\"");
		html_attr(b, "id", id);
		html_attr(b, "name", f->name);
		html_attrf(b, "min", "%lld", f->min);
		html_attrf(b, "max", "%lld", f->max);
		if (current != 0)
			html_attrf(b, "value", "%lld", current);
		invalid_attrs(b, invalid, id, h);
		html_raw(b, ">");
		return;
	}
	const char *list = number_list(v, f);
	html_raw(b, "<fieldset class=\"ws-choices\"");
	if (invalid)
		html_attrf(b, "aria-describedby", "%s-error", id);
	html_raw(b, "><legend>");
	html_text(b, f->label);
	html_raw(b, "</legend>");
	hint(b, id, f->hint);
	field_error(b, v, f->name, id);
	for (long long n = f->min; n <= f->max; n++) {
		char rid[128], val[24];
		snprintf(rid, sizeof(rid), "%s-%lld", id, n);
		snprintf(val, sizeof(val), "%lld", n);
		html_raw(b, "<div class=\"check\"><input type=\"radio\"");
		html_attr(b, "id", rid);
		html_attr(b, "name", f->name);
		html_attr(b, "value", val);
		if (n == current)
			html_raw(b, " checked");
		if (f->required)
			html_raw(b, " required");
		html_raw(b, "><label");
		html_attr(b, "for", rid);
		html_raw(b, ">");
		const char *text = list ? entry_text(v->item_doc, list, n) : NULL;
		if (text != NULL)
			html_textf(b, "%lld. %s", n, text);
		else
			html_text(b, val);
		html_raw(b, "</label></div>");
	}
	html_raw(b, "</fieldset>");
}

static void
choice_control(struct buf *b, const struct form_view *v, const struct ws_field *f,
    const char *id, bool has_hint)
{
	const json_t *value = v->doc ? json_object_get(v->doc, f->name) : NULL;
	const char *current = json_text(value);
	html_raw(b, "<select");
	html_attr(b, "id", id);
	html_attr(b, "name", f->name);
	if (f->required)
		html_raw(b, " required");
	invalid_attrs(b, error_at(v, f->name), id, has_hint);
	html_raw(b, ">");
	option(b, "", "Choose\xe2\x80\xa6", *current == '\0');
	for (const char *const *c = f->choices; c != NULL && *c != NULL; c++)
		option(b, *c, *c, strcmp(*c, current) == 0);
	html_raw(b, "</select>");
}

/* Rows to draw for a list holding n entries. */
static size_t
list_rows(const struct form_view *v, const struct ws_field *f, size_t n)
{
	size_t rows = n + (size_t)v->extra;
	if (rows < f->min_items)
		rows = f->min_items;
	if (rows == 0)
		rows = 1;
	if (f->max_items > 0 && rows > f->max_items)
		rows = n > f->max_items ? n : f->max_items;
	if (rows > ROWS_MAX)
		rows = ROWS_MAX;
	return rows;
}

static void
rating_select(struct buf *b, const char *name, const char *id, const json_t *value,
    bool invalid)
{
	long long r = json_is_integer(value) ? json_integer_value(value) : 0;
	html_raw(b, "<select class=\"ws-rating\"");
	html_attr(b, "id", id);
	html_attr(b, "name", name);
	if (invalid)
		html_attrf(b, "aria-invalid", "true");
	if (invalid)
		html_attrf(b, "aria-describedby", "%s-error", id);
	html_raw(b, ">");
	option(b, "", "Rate\xe2\x80\xa6", r == 0);
	for (int i = WS_RATING_MIN; i <= WS_RATING_MAX; i++) {
		char val[8];
		snprintf(val, sizeof(val), "%d", i);
		option(b, val, i == WS_RATING_MIN ? "1 \xe2\x80\x93 very important" :
		    i == WS_RATING_MAX ? "5 \xe2\x80\x93 least important" : val, r == i);
	}
	html_raw(b, "</select>");
}

/* A list, a rated list or a list of entries: one row per entry and a
 * few empty ones. Row N is entry N-1 of the document. */
static void
rows_control(struct buf *b, const struct form_view *v, const struct ws_field *f,
    const char *id)
{
	const json_t *list = v->doc ? json_object_get(v->doc, f->name) : NULL;
	size_t n = json_is_array(list) ? json_array_size(list) : 0;
	size_t rows = list_rows(v, f, n);
	html_raw(b, "<fieldset class=\"ws-rows\"");
	html_attr(b, "id", id);
	if (error_at(v, f->name))
		html_attrf(b, "aria-describedby", "%s-error", id);
	html_raw(b, "><legend>");
	html_text(b, f->label);
	if (!f->required)
		html_raw(b, " <span class=\"optional\">(optional)</span>");
	html_raw(b, "</legend>");
	hint(b, id, f->hint);
	field_error(b, v, f->name, id);
	html_raw(b, "<ol class=\"ws-row-list\">");
	for (size_t i = 0; i < rows; i++) {
		const json_t *entry = i < n ? json_array_get(list, i) : NULL;
		char path[96], rid[96], name[96], label[300];
		snprintf(path, sizeof(path), "%s[%zu]", f->name, i);
		html_raw(b, "<li class=\"ws-row\">");
		if (f->type == WS_LIST) {
			snprintf(rid, sizeof(rid), "%s-%zu", id, i + 1);
			snprintf(name, sizeof(name), "%s.%zu", f->name, i + 1);
			snprintf(label, sizeof(label), "%s (%zu)", f->label, i + 1);
			label_for(b, rid, label, true, true);
			field_error(b, v, path, rid);
			text_control(b, v, f, name, rid, path, entry, false);
		} else if (f->type == WS_RATED_LIST) {
			char tpath[128], rpath[128], tid[112], rsid[112], tname[112], rname[112];
			snprintf(tpath, sizeof(tpath), "%s.text", path);
			snprintf(rpath, sizeof(rpath), "%s.rating", path);
			snprintf(tid, sizeof(tid), "%s-%zu-text", id, i + 1);
			snprintf(rsid, sizeof(rsid), "%s-%zu-rating", id, i + 1);
			snprintf(tname, sizeof(tname), "%s.%zu.text", f->name, i + 1);
			snprintf(rname, sizeof(rname), "%s.%zu.rating", f->name, i + 1);
			field_error(b, v, path, tid);
			html_raw(b, "<div class=\"ws-rated\"><div class=\"ws-rated-text\">");
			snprintf(label, sizeof(label), "%s (%zu)", f->label, i + 1);
			label_for(b, tid, label, true, true);
			field_error(b, v, tpath, tid);
			text_control(b, v, f, tname, tid, tpath,
			    json_object_get(entry, "text"), false);
			html_raw(b, "</div><div class=\"ws-rated-rating\">");
			snprintf(label, sizeof(label), "Importance (%zu)", i + 1);
			label_for(b, rsid, label, true, true);
			field_error(b, v, rpath, rsid);
			rating_select(b, rname, rsid, json_object_get(entry, "rating"),
			    error_at(v, rpath));
			html_raw(b, "</div></div>");
		} else {
			html_raw(b, "<fieldset class=\"ws-entry\"><legend>");
			html_textf(b, "%zu", i + 1);
			html_raw(b, "</legend>");
			field_error(b, v, path, id);
			for (size_t s = 0; s < f->nsub; s++) {
				const struct ws_field *sf = &f->sub[s];
				char spath[160], sid[160], sname[160];
				snprintf(spath, sizeof(spath), "%s.%s", path, sf->name);
				snprintf(sid, sizeof(sid), "%s-%zu-%s", id, i + 1, sf->name);
				snprintf(sname, sizeof(sname), "%s.%zu.%s", f->name, i + 1, sf->name);
				html_raw(b, "<div class=\"field\">");
				label_for(b, sid, sf->label, sf->required, false);
				bool h = hint(b, sid, sf->hint);
				field_error(b, v, spath, sid);
				text_control(b, v, sf, sname, sid, spath,
				    json_object_get(entry, sf->name), h);
				html_raw(b, "</div>");
			}
			html_raw(b, "</fieldset>");
		}
		html_raw(b, "</li>");
	}
	html_raw(b, "</ol></fieldset>");
}

/* The 30-day calendar: a mark and a short note for each day. */
static void
days_control(struct buf *b, const struct form_view *v, const struct ws_field *f,
    const char *id)
{
	const json_t *list = v->doc ? json_object_get(v->doc, f->name) : NULL;
	html_raw(b, "<fieldset class=\"ws-days\"");
	html_attr(b, "id", id);
	html_raw(b, "><legend>");
	html_text(b, f->label);
	html_raw(b, "</legend>");
	hint(b, id, f->hint);
	field_error(b, v, f->name, id);
	html_raw(b, "<ol class=\"ws-day-grid\">");
	for (size_t i = 0; i < WS_DAYS; i++) {
		const json_t *d = json_is_array(list) ? json_array_get(list, i) : NULL;
		const char *mark = json_text(json_object_get(d, "mark"));
		char path[96], mpath[112], npath[112], mid[112], nid[112], mname[96], nname[96];
		snprintf(path, sizeof(path), "%s[%zu]", f->name, i);
		snprintf(mpath, sizeof(mpath), "%s.mark", path);
		snprintf(npath, sizeof(npath), "%s.note", path);
		snprintf(mid, sizeof(mid), "%s-%zu-mark", id, i + 1);
		snprintf(nid, sizeof(nid), "%s-%zu-note", id, i + 1);
		snprintf(mname, sizeof(mname), "%s.%zu.mark", f->name, i + 1);
		snprintf(nname, sizeof(nname), "%s.%zu.note", f->name, i + 1);
		html_raw(b, "<li class=\"ws-day");
		if (strcmp(mark, "kept") == 0)
			html_raw(b, " ws-day-kept");
		else if (strcmp(mark, "slipped") == 0)
			html_raw(b, " ws-day-slipped");
		html_raw(b, "\"><label");
		html_attr(b, "for", mid);
		html_raw(b, ">");
		html_textf(b, "Day %zu", i + 1);
		html_raw(b, "</label>");
		field_error(b, v, path, mid);
		field_error(b, v, mpath, mid);
		html_raw(b, "<select");
		html_attr(b, "id", mid);
		html_attr(b, "name", mname);
		invalid_attrs(b, error_at(v, mpath), mid, false);
		html_raw(b, ">");
		option(b, "", "\xe2\x80\x94", *mark == '\0');
		option(b, "kept", "kept", strcmp(mark, "kept") == 0);
		option(b, "slipped", "slipped", strcmp(mark, "slipped") == 0);
		html_raw(b, "</select>");
		char label[32];
		snprintf(label, sizeof(label), "Note, day %zu", i + 1);
		label_for(b, nid, label, true, true);
		field_error(b, v, npath, nid);
		html_raw(b, "<input type=\"text\" class=\"ws-day-note\" placeholder=\"Note\"");
		html_attr(b, "id", nid);
		html_attr(b, "name", nname);
		html_attrf(b, "maxlength", "%d", WS_DAY_NOTE_MAX);
		const char *note = json_text(json_object_get(d, "note"));
		if (*note != '\0')
			html_attr(b, "value", note);
		invalid_attrs(b, error_at(v, npath), nid, false);
		html_raw(b, "></li>");
	}
	html_raw(b, "</ol></fieldset>");
}

static bool
ref_marked(const json_t *refs, const char *ref)
{
	size_t i;
	const json_t *r;
	json_array_foreach(refs, i, r)
		if (json_is_string(r) && strcmp(json_string_value(r), ref) == 0)
			return true;
	return false;
}

/* Checkboxes for the entries of the item's lists ("loved_now:2"). */
static void
refs_control(struct buf *b, const struct form_view *v, const struct ws_field *f,
    const char *id)
{
	const json_t *marked = v->doc ? json_object_get(v->doc, f->name) : NULL;
	html_raw(b, "<fieldset class=\"ws-refs\"");
	html_attr(b, "id", id);
	html_raw(b, "><legend>");
	html_text(b, f->label);
	html_raw(b, "</legend>");
	field_error(b, v, f->name, id);
	for (size_t k = 0; v->kind != NULL && k < v->kind->nfields; k++) {
		const struct ws_field *lf = &v->kind->fields[k];
		const json_t *list = json_object_get(v->item_doc, lf->name);
		if ((lf->type != WS_LIST && lf->type != WS_RATED_LIST) ||
		    !json_is_array(list) || json_array_size(list) == 0)
			continue;
		html_raw(b, "<p class=\"ws-refs-list\">");
		html_text(b, lf->label);
		html_raw(b, "</p>");
		for (size_t i = 0; i < json_array_size(list); i++) {
			char ref[96], rid[128], path[96];
			snprintf(ref, sizeof(ref), "%s:%zu", lf->name, i + 1);
			snprintf(rid, sizeof(rid), "%s-%s-%zu", id, lf->name, i + 1);
			snprintf(path, sizeof(path), "%s[%zu]", f->name, i);
			html_raw(b, "<div class=\"check\"><input type=\"checkbox\"");
			html_attr(b, "id", rid);
			html_attr(b, "name", f->name);
			html_attr(b, "value", ref);
			if (ref_marked(marked, ref))
				html_raw(b, " checked");
			html_raw(b, "><label");
			html_attr(b, "for", rid);
			html_raw(b, ">");
			const char *text = entry_text(v->item_doc, lf->name, (long long)i + 1);
			html_text(b, text ? text : ref);
			html_raw(b, "</label></div>");
		}
	}
	html_raw(b, "</fieldset>");
}

static void
field_control(struct buf *b, const struct form_view *v, const struct ws_field *f)
{
	char id[96];
	snprintf(id, sizeof(id), "%s-%s", v->id_prefix, f->name);
	switch (f->type) {
	case WS_LIST:
	case WS_RATED_LIST:
	case WS_ENTRIES:
		rows_control(b, v, f, id);
		return;
	case WS_DAYS30:
		days_control(b, v, f, id);
		return;
	case WS_REFS:
		refs_control(b, v, f, id);
		return;
	case WS_NUMBER:
		html_raw(b, "<div class=\"field\">");
		number_control(b, v, f, id);
		html_raw(b, "</div>");
		return;
	default:
		break;
	}
	html_raw(b, "<div class=\"field\">");
	label_for(b, id, f->label, f->required, false);
	bool h = hint(b, id, f->hint);
	field_error(b, v, f->name, id);
	if (f->type == WS_CHOICE)
		choice_control(b, v, f, id, h);
	else
		text_control(b, v, f, f->name, id, f->name,
		    v->doc ? json_object_get(v->doc, f->name) : NULL, h);
	html_raw(b, "</div>");
}

/* Controls the form would send with extra empty rows per list. */
static size_t
control_count(const struct form_view *v)
{
	size_t total = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct ws_field *f = &v->fields[i];
		const json_t *list = v->doc ? json_object_get(v->doc, f->name) : NULL;
		size_t n = json_is_array(list) ? json_array_size(list) : 0;
		switch (f->type) {
		case WS_LIST:
			total += list_rows(v, f, n);
			break;
		case WS_RATED_LIST:
			total += 2 * list_rows(v, f, n);
			break;
		case WS_ENTRIES:
			total += f->nsub * list_rows(v, f, n);
			break;
		case WS_DAYS30:
			total += 2 * WS_DAYS;
			break;
		case WS_REFS:
			break;	/* only ticked boxes are sent */
		default:
			total++;
		}
	}
	return total;
}

static void
form_fields(struct buf *b, struct form_view *v)
{
	for (v->extra = EXTRA_ROWS; v->extra > 0 && control_count(v) > FORM_CONTROLS_MAX;
	    v->extra--)
		;
	for (size_t i = 0; i < v->n; i++)
		field_control(b, v, &v->fields[i]);
}

/* ---- the form as a document ------------------------------------------------ */

/* The form's fields, each taken once; what is left over is refused. */
struct form_in {
	struct input	 in;
	bool		 used[INPUT_MAX_FIELDS];
};

static const char *
take(struct form_in *fi, const char *key)
{
	for (size_t i = 0; i < fi->in.n; i++) {
		if (!fi->used[i] && strcmp(fi->in.fields[i].key, key) == 0) {
			fi->used[i] = true;
			return fi->in.fields[i].value;
		}
	}
	return NULL;
}

/* "name.N" and "name.N.sub": a row's controls. */
static const char *
take_row(struct form_in *fi, const char *name, size_t n, const char *sub)
{
	char key[160];
	if (sub != NULL)
		snprintf(key, sizeof(key), "%s.%zu.%s", name, n, sub);
	else
		snprintf(key, sizeof(key), "%s.%zu", name, n);
	return take(fi, key);
}

/* Text as stored: a browser's CRLF line ends become LF. */
static json_t *
text_value(const char *s)
{
	struct buf t = BUF_INIT;
	for (; *s; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			buf_putc(&t, *s);
	json_t *v = json_string(buf_cstr(&t));
	buf_free(&t);
	/* Invalid UTF-8 was refused by the form decoder already; this is
	 * only the allocation failing. */
	return v != NULL ? v : json_string("");
}

/* A number as typed: an integer when it is one, else the text, which
 * the flow's validation refuses naming the field. */
static json_t *
number_value(const char *s)
{
	long long n;
	if (num_parse_long(s, -1000000, 1000000, &n) == 0)
		return json_integer(n);
	return text_value(s);
}

static void
set_text(json_t *obj, const char *key, const char *value, bool keep_blank)
{
	if (value != NULL && (keep_blank || !blank(value)))
		json_object_set_new(obj, key, text_value(value));
}

static json_t *
list_from_form(struct form_in *fi, const struct ws_field *f)
{
	json_t *a = json_array();
	for (size_t n = 1; n <= ROWS_MAX; n++) {
		if (f->type == WS_LIST) {
			const char *s = take_row(fi, f->name, n, NULL);
			if (!blank(s))
				json_array_append_new(a, text_value(s));
		} else if (f->type == WS_RATED_LIST) {
			const char *t = take_row(fi, f->name, n, "text");
			const char *r = take_row(fi, f->name, n, "rating");
			if (blank(t))
				continue;
			json_t *row = json_object();
			json_object_set_new(row, "text", text_value(t));
			if (r != NULL && *r != '\0')
				json_object_set_new(row, "rating", number_value(r));
			json_array_append_new(a, row);
		} else {
			json_t *row = json_object();
			for (size_t s = 0; s < f->nsub; s++)
				set_text(row, f->sub[s].name,
				    take_row(fi, f->name, n, f->sub[s].name), false);
			if (json_object_size(row) > 0)
				json_array_append_new(a, row);
			else
				json_decref(row);
		}
	}
	return a;
}

/* The 30 days, trailing blank days left out (the first day stays day 1). */
static json_t *
days_from_form(struct form_in *fi, const struct ws_field *f)
{
	json_t *a = json_array();
	size_t last = 0;
	for (size_t n = 1; n <= WS_DAYS; n++) {
		const char *mark = take_row(fi, f->name, n, "mark");
		const char *note = take_row(fi, f->name, n, "note");
		json_t *d = json_object();
		json_object_set_new(d, "mark", text_value(mark ? mark : ""));
		set_text(d, "note", note, false);
		if ((mark != NULL && *mark != '\0') || json_object_get(d, "note") != NULL)
			last = n;
		json_array_append_new(a, d);
	}
	while (json_array_size(a) > last)
		json_array_remove(a, json_array_size(a) - 1);
	return a;
}

static json_t *
refs_from_form(struct form_in *fi, const struct ws_field *f)
{
	json_t *a = json_array();
	const char *s;
	while ((s = take(fi, f->name)) != NULL)
		json_array_append_new(a, text_value(s));
	return a;
}

/*
 * The document of a form drawn by form_fields. Optional fields left
 * blank are left out; required ones go as typed, so the flow names
 * them. NULL with e (400 naming a field the form never had).
 */
static json_t *
doc_from_form(struct form_in *fi, const struct ws_field *fields, size_t n, struct err *e)
{
	json_t *doc = json_object();
	for (size_t i = 0; i < n; i++) {
		const struct ws_field *f = &fields[i];
		const char *s;
		switch (f->type) {
		case WS_LIST:
		case WS_RATED_LIST:
		case WS_ENTRIES: {
			json_t *a = list_from_form(fi, f);
			if (json_array_size(a) > 0 || f->required)
				json_object_set_new(doc, f->name, a);
			else
				json_decref(a);
			break;
		}
		case WS_DAYS30:
			json_object_set_new(doc, f->name, days_from_form(fi, f));
			break;
		case WS_REFS:
			json_object_set_new(doc, f->name, refs_from_form(fi, f));
			break;
		case WS_NUMBER:
			s = take(fi, f->name);
			if (!blank(s))
				json_object_set_new(doc, f->name, number_value(s));
			break;
		default:
			set_text(doc, f->name, take(fi, f->name), f->required);
			break;
		}
	}
	for (size_t i = 0; i < fi->in.n; i++) {
		const char *key = fi->in.fields[i].key;
		if (fi->used[i] || strcmp(key, "csrf") == 0 || strcmp(key, "version") == 0)
			continue;
		json_decref(doc);
		err_invalid(e, strlen(key) < 60 ? key : "body", "unknown field");
		return NULL;
	}
	return doc;
}

static int
form_read(struct http_request *req, struct form_in *fi, struct err *e)
{
	memset(fi->used, 0, sizeof(fi->used));
	return input_read(req, &fi->in, e);
}

/* ---- an item, read-only ---------------------------------------------------- */

static void
text_view(struct buf *b, const struct ws_field *f, const json_t *v)
{
	const char *s = json_text(v);
	if (f->type == WS_LONGTEXT && f->markdown) {
		html_raw(b, "<div class=\"prose ws-markdown\">");
		page_markdown(b, s);
		html_raw(b, "</div>");
	} else {
		html_raw(b, "<p class=\"ws-text\">");
		html_text(b, s);
		html_raw(b, "</p>");
	}
}

static void
rating_badge(struct buf *b, const json_t *r)
{
	if (!json_is_integer(r))
		return;
	html_raw(b, " <span class=\"badge ws-rating-badge\">");
	html_textf(b, "importance %lld", (long long)json_integer_value(r));
	html_raw(b, "</span>");
}

static void value_view(struct buf *b, const struct ws_field *f, const json_t *v,
	    const struct ws_kind *k, const json_t *item_doc);

static void
list_view(struct buf *b, const struct ws_field *f, const json_t *v,
    const struct ws_kind *k, const json_t *item_doc)
{
	size_t i;
	const json_t *entry;
	if (f->type == WS_DAYS30) {
		html_raw(b, "<ol class=\"ws-day-grid ws-day-view\">");
		json_array_foreach(v, i, entry) {
			const char *mark = json_text(json_object_get(entry, "mark"));
			html_raw(b, "<li class=\"ws-day");
			if (*mark != '\0')
				html_raw(b, strcmp(mark, "kept") == 0 ? " ws-day-kept" : " ws-day-slipped");
			html_raw(b, "\"><strong>");
			html_textf(b, "Day %zu", i + 1);
			html_raw(b, "</strong> ");
			html_text(b, *mark ? mark : "\xe2\x80\x94");
			const char *note = json_text(json_object_get(entry, "note"));
			if (*note != '\0') {
				html_raw(b, "<span class=\"ws-day-note\">");
				html_text(b, note);
				html_raw(b, "</span>");
			}
			html_raw(b, "</li>");
		}
		html_raw(b, "</ol>");
		return;
	}
	html_raw(b, f->type == WS_REFS ? "<ul class=\"ws-list\">" : "<ol class=\"ws-list\">");
	json_array_foreach(v, i, entry) {
		html_raw(b, "<li>");
		if (f->type == WS_RATED_LIST) {
			html_text(b, json_text(json_object_get(entry, "text")));
			rating_badge(b, json_object_get(entry, "rating"));
		} else if (f->type == WS_ENTRIES) {
			html_raw(b, "<dl class=\"ws-entry-view\">");
			for (size_t s = 0; s < f->nsub; s++) {
				const json_t *sv = json_object_get(entry, f->sub[s].name);
				if (sv == NULL || blank(json_text(sv)))
					continue;
				html_raw(b, "<dt>");
				html_text(b, f->sub[s].label);
				html_raw(b, "</dt><dd>");
				value_view(b, &f->sub[s], sv, k, item_doc);
				html_raw(b, "</dd>");
			}
			html_raw(b, "</dl>");
		} else if (f->type == WS_REFS) {
			/* "loved_now:2" -> the entry's text. */
			const char *ref = json_text(entry), *colon = strchr(ref, ':');
			long long n = 0;
			char list[40];
			const char *text = NULL;
			if (colon != NULL && colon - ref < (long)sizeof(list) &&
			    num_parse_long(colon + 1, 1, 1000, &n) == 0) {
				snprintf(list, sizeof(list), "%.*s", (int)(colon - ref), ref);
				text = entry_text(item_doc, list, n);
			}
			html_text(b, text != NULL ? text : ref);
		} else {
			html_text(b, json_text(entry));
		}
		html_raw(b, "</li>");
	}
	html_raw(b, f->type == WS_REFS ? "</ul>" : "</ol>");
}

static void
value_view(struct buf *b, const struct ws_field *f, const json_t *v,
    const struct ws_kind *k, const json_t *item_doc)
{
	switch (f->type) {
	case WS_LIST:
	case WS_RATED_LIST:
	case WS_ENTRIES:
	case WS_DAYS30:
	case WS_REFS:
		list_view(b, f, v, k, item_doc);
		return;
	case WS_NUMBER: {
		long long n = json_is_integer(v) ? json_integer_value(v) : 0;
		struct form_view fv = { .kind = k, .item_doc = item_doc };
		const char *list = number_list(&fv, f);
		const char *text = list ? entry_text(item_doc, list, n) : NULL;
		html_raw(b, "<p class=\"ws-text\">");
		if (text != NULL)
			html_textf(b, "%lld. %s", n, text);
		else
			html_textf(b, "%lld", n);
		html_raw(b, "</p>");
		return;
	}
	default:
		text_view(b, f, v);
	}
}

static void
doc_view(struct buf *b, const struct ws_field *fields, size_t n, const json_t *doc,
    const struct ws_kind *k, const json_t *item_doc)
{
	html_raw(b, "<dl class=\"ws-fields\">");
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_object_get(doc, fields[i].name);
		if (v == NULL || json_is_null(v) || (json_is_string(v) && blank(json_text(v))) ||
		    (json_is_array(v) && json_array_size(v) == 0))
			continue;
		html_raw(b, "<dt>");
		html_text(b, fields[i].label);
		html_raw(b, "</dt><dd>");
		value_view(b, &fields[i], v, k, item_doc);
		html_raw(b, "</dd>");
	}
	html_raw(b, "</dl>");
}

static void
statement_view(struct buf *b, const struct ws_item *it)
{
	if (it->statement == NULL)
		return;
	html_raw(b, "<section class=\"ws-statement\"><h2>Your imago statement</h2>"
	    "<blockquote><p>");
	html_text(b, it->statement);
	html_raw(b, "</p></blockquote></section>");
}

/* Who wrote it and when, for someone else's item. */
static void
item_byline(struct buf *b, const struct ws_item *it)
{
	html_raw(b, "<p class=\"ws-byline\">");
	html_text(b, it->kind->title);
	if (it->access == WS_ACCESS_PARTNER || it->access == WS_ACCESS_THERAPIST) {
		html_raw(b, " \xc2\xb7 shared by ");
		html_text(b, *it->owner_name ? it->owner_name : "a client");
	}
	html_raw(b, " \xc2\xb7 last changed ");
	day(b, it->updated_at);
	html_raw(b, "</p>");
}

/* ---- the workspace home ------------------------------------------------------ */

static void
safety_section(struct buf *b, const struct ws_safety_status *st)
{
	html_raw(b, "<section class=\"card ws-safety-status\" id=\"safety\">"
	    "<h2>Safety check-in</h2>");
	if (!st->in_couple) {
		html_raw(b, "<p>You are not in a couple here. Every exercise for one"
		    " person works on its own; to practise together, invite your partner"
		    " on the <a href=\"/account/couple\">Couple</a> page.</p></section>");
		return;
	}
	if (!st->answered_by_me) {
		html_raw(b, "<p>Before any joint exercise, each of you answers a few"
		    " private questions about feeling safe together. Your partner never"
		    " sees your answers.</p><p><a class=\"button-link\""
		    " href=\"/workspace/safety\">Answer the safety check-in</a></p>"
		    "</section>");
		return;
	}
	if (!st->my_answer_safe) {
		html_raw(b, "<p>You answered the check-in. Joint exercises are not"
		    " offered. <a href=\"/workspace/safety\">Where to find help</a>.</p>"
		    "</section>");
		return;
	}
	html_raw(b, "<p>You answered the check-in (<a href=\"/workspace/safety\">change"
	    " your answers</a>).</p>");
	if (st->joint_allowed)
		html_raw(b, "<p>Joint exercises are open to both of you: the"
		    " <a href=\"/couple/dialogue\">guided dialogue</a>, sharing items with"
		    " your partner and answering what they share.</p>");
	else
		html_raw(b, "<p>Joint exercises open once both of you have answered the"
		    " check-in and it shows they are right for you now. The exercises for"
		    " one person are open already.</p>");
	html_raw(b, "</section>");
}

static bool
kind_creatable(const struct ws_kind *k)
{
	return (k->flags & (WS_KIND_INTERNAL | WS_KIND_MERGED)) == 0;
}

static void
item_link(struct buf *b, struct http_request *req, const struct ws_item *it)
{
	html_raw(b, "<li class=\"ws-item-link\"><a");
	html_attr(b, "href", item_path(req, it->id, ""));
	html_raw(b, ">");
	html_text(b, it->label != NULL ? it->label : it->kind->title);
	html_raw(b, "</a> <span class=\"item-meta\">");
	if (it->access == WS_ACCESS_PARTNER) {
		html_text(b, it->kind->title);
		html_raw(b, " from ");
		html_text(b, *it->owner_name ? it->owner_name : "your partner");
		html_raw(b, ", ");
	}
	day(b, it->updated_at);
	if (it->access == WS_ACCESS_OWNER && it->shared_with_partner)
		html_raw(b, " \xc2\xb7 shared with your partner");
	if (it->access == WS_ACCESS_JOINT)
		html_raw(b, " \xc2\xb7 joint");
	html_raw(b, "</span></li>");
}

static void
kind_section(struct buf *b, struct http_request *req, const struct ws_kind *k,
    const struct ws_item *items, size_t n, const struct ws_safety_status *st)
{
	html_raw(b, "<section class=\"ws-kind\"");
	html_attrf(b, "id", "kind-%s", k->name);
	html_raw(b, "><h3>");
	html_text(b, k->title);
	html_raw(b, "</h3><p class=\"hint\">");
	html_text(b, k->intro);
	html_raw(b, "</p>");
	size_t mine = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].kind == k && items[i].access != WS_ACCESS_PARTNER)
			mine++;
	if (mine > 0) {
		html_raw(b, "<ul class=\"ws-items\">");
		for (size_t i = 0; i < n; i++)
			if (items[i].kind == k && items[i].access != WS_ACCESS_PARTNER)
				item_link(b, req, &items[i]);
		html_raw(b, "</ul>");
	}
	if (kind_creatable(k)) {
		html_raw(b, "<p><a");
		html_attrf(b, "href", "/workspace/new/%s", k->name);
		html_raw(b, ">");
		html_text(b, strcmp(k->name, "journal") == 0 ? "Write a journal entry" :
		    mine > 0 ? "Start another" : "Start");
		html_raw(b, "</a></p>");
	}
	if ((k->flags & WS_KIND_MERGED) && st->joint_allowed) {
		html_raw(b, "<p class=\"hint\">Made from the latest vision each of you shared"
		    " with the other.</p>");
		button_form(b, req, "/workspace/vision/merge", "Merge our visions",
		    "button-secondary");
	}
	html_raw(b, "</section>");
}

static int
render_home(struct http_request *req, struct http_response *res,
    const struct err *error, struct err *e)
{
	struct account_request r;
	struct ws_safety_status st;
	struct ws_item *items = NULL;
	size_t n = 0, nkinds;
	if (web_account_request(req, &r, e) != 0 || ws_safety_status(&r, &st, e) != 0 ||
	    ws_items_list(&r, NULL, &items, &n, e) != 0)
		return -1;
	struct buf *b = &res->body;
	begin(b, req, "Workspace");
	html_raw(b, "<h1>Your workspace</h1>");
	done_notice(b, req);
	page_form_error(b, error);
	disclaimer(b);
	safety_section(b, &st);
	if (st.joint_allowed)
		html_raw(b, "<p class=\"ws-dialogue-link\"><a class=\"button-link\""
		    " href=\"/couple/dialogue\">Start a guided dialogue</a></p>");

	size_t shared = 0;
	for (size_t i = 0; i < n; i++)
		shared += items[i].access == WS_ACCESS_PARTNER;
	if (shared > 0) {
		html_raw(b, "<section class=\"card ws-partner-items\"><h2>Shared with you"
		    "</h2><ul class=\"ws-items\">");
		for (size_t i = 0; i < n; i++)
			if (items[i].access == WS_ACCESS_PARTNER)
				item_link(b, req, &items[i]);
		html_raw(b, "</ul></section>");
	}

	html_raw(b, "<section class=\"ws-exercises\"><h2>Exercises</h2>");
	const struct ws_kind *kinds = ws_kinds(&nkinds);
	for (size_t i = 0; i < nkinds; i++) {
		const struct ws_kind *k = &kinds[i];
		bool has = false;
		for (size_t j = 0; j < n && !has; j++)
			has = items[j].kind == k && items[j].access != WS_ACCESS_PARTNER;
		/* Kinds made elsewhere show once there is something to show. */
		if (!kind_creatable(k) && !has && !((k->flags & WS_KIND_MERGED) && st.joint_allowed))
			continue;
		kind_section(b, req, k, items, n, &st);
	}
	html_raw(b, "</section>");
	ws_items_release(items, n);
	return page_finish(req, res, error ? error->status : 200, error);
}

int
page_workspace(struct http_request *req, struct http_response *res, struct err *e)
{
	return render_home(req, res, NULL, e);
}

int
page_workspace_merge(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	int64_t id = 0;
	if (web_account_request(req, &r, e) != 0 || input_none(req, e) != 0)
		return -1;
	if (ws_vision_merge(&r, &id, e) != 0) {
		if (!fixable(e))
			return -1;
		struct err shown = *e;
		err_clear(e);
		return render_home(req, res, &shown, e);
	}
	http_redirect(req, res, item_path(req, id, "?done=merged"));
	return 0;
}

/* ---- the safety check-in ----------------------------------------------------- */

static void
help_section(struct buf *b, const struct ws_safety_status *st)
{
	size_t nlines;
	const struct ws_help_line *lines = ws_help_lines(&nlines);
	html_raw(b, "<section class=\"card ws-help\" id=\"help\"><h2>Getting help</h2>"
	    "<p>Thank you for answering honestly. Joint exercises will not be offered"
	    " to your couple; your partner is not told why, and never sees your"
	    " answers. Every exercise for one person stays open to you.</p>"
	    "<p><strong>If you are in danger now, call your local emergency"
	    " number.</strong></p>");
	if (st->ntherapists > 0) {
		html_raw(b, "<h3>Your therapist</h3><p>You have booked with:</p><ul>");
		for (size_t i = 0; i < st->ntherapists; i++) {
			html_raw(b, "<li><a");
			html_attrf(b, "href", "/therapists/%lld",
			    (long long)st->therapists[i].profile_id);
			html_raw(b, ">");
			html_text(b, st->therapists[i].name);
			html_raw(b, "</a></li>");
		}
		html_raw(b, "</ul><p>Tell them how you feel; they can help you plan what"
		    " to do next.</p>");
	}
	html_raw(b, "<h3>Crisis and support lines</h3><ul class=\"ws-help-lines\">");
	for (size_t i = 0; i < nlines; i++) {
		html_raw(b, "<li><strong>");
		html_text(b, lines[i].name);
		html_raw(b, "</strong>");
		if (*lines[i].region) {
			html_raw(b, " (");
			html_text(b, lines[i].region);
			html_raw(b, ")");
		}
		html_raw(b, ": ");
		html_text(b, lines[i].how);
		/* "text START to 88788" names its number already. */
		if (*lines[i].contact && strstr(lines[i].how, lines[i].contact) == NULL) {
			html_raw(b, " <span class=\"ws-help-contact\">");
			html_text(b, lines[i].contact);
			html_raw(b, "</span>");
		}
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul></section>");
}

static const char *
typed(const struct input *in, const char *key)
{
	for (size_t i = 0; in != NULL && i < in->n; i++)
		if (strcmp(in->fields[i].key, key) == 0)
			return in->fields[i].value;
	return NULL;
}

static int
render_safety(struct http_request *req, struct http_response *res, const struct input *in,
    const struct err *error, struct err *e)
{
	struct account_request r;
	struct ws_safety_status st;
	size_t nq;
	if (web_account_request(req, &r, e) != 0 || ws_safety_status(&r, &st, e) != 0)
		return -1;
	const struct ws_safety_question *q = ws_safety_questions(&nq);
	struct buf *b = &res->body;
	begin(b, req, "Safety check-in");
	html_raw(b, "<h1>Safety check-in</h1>");
	done_notice(b, req);
	disclaimer(b);
	if (st.answered_by_me && !st.my_answer_safe)
		help_section(b, &st);
	if (!st.in_couple) {
		page_form_error(b, error);
		html_raw(b, "<p>The check-in is for couples: it decides whether joint"
		    " exercises are offered. Invite your partner on the"
		    " <a href=\"/account/couple\">Couple</a> page first.</p>"
		    "<p><a href=\"/workspace\">Back to your workspace</a></p>");
		return page_finish(req, res, error ? error->status : 200, error);
	}
	html_raw(b, "<p>These questions are private. <strong>Your partner will never see"
	    " your answers</strong>, nor learn whether you have answered. If either of"
	    " you does not feel safe, joint exercises are simply not offered.</p>");
	if (st.answered_by_me)
		html_raw(b, "<p class=\"hint\">You answered already; answering again"
		    " replaces your answers.</p>");
	page_form_begin(b, req, "/workspace/safety");
	page_form_error(b, error);
	for (size_t i = 0; i < nq; i++) {
		const char *t = typed(in, q[i].name);
		bool invalid = error != NULL && strcmp(error->param, q[i].name) == 0;
		html_raw(b, "<fieldset class=\"ws-question\"");
		if (invalid)
			html_attrf(b, "aria-describedby", "q-%s-error", q[i].name);
		html_raw(b, "><legend>");
		html_text(b, q[i].text);
		html_raw(b, "</legend>");
		if (invalid) {
			html_raw(b, "<p class=\"field-error\"");
			html_attrf(b, "id", "q-%s-error", q[i].name);
			html_raw(b, ">");
			page_sentence(b, error->message);
			html_raw(b, "</p>");
		}
		for (int yes = 1; yes >= 0; yes--) {
			char id[96];
			snprintf(id, sizeof(id), "q-%s-%s", q[i].name, yes ? "yes" : "no");
			html_raw(b, "<div class=\"check\"><input type=\"radio\" required");
			html_attr(b, "id", id);
			html_attr(b, "name", q[i].name);
			html_attr(b, "value", yes ? "yes" : "no");
			if (t != NULL && strcmp(t, yes ? "yes" : "no") == 0)
				html_raw(b, " checked");
			html_raw(b, "><label");
			html_attr(b, "for", id);
			html_raw(b, ">");
			html_raw(b, yes ? "Yes" : "No");
			html_raw(b, "</label></div>");
		}
		html_raw(b, "</fieldset>");
	}
	html_raw(b, "<div class=\"form-actions\"><button type=\"submit\">Save my answers"
	    "</button></div></form><p><a href=\"/workspace\">Back to your workspace</a></p>");
	return page_finish(req, res, error ? error->status : 200, error);
}

static int
safety_post(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct input in;
	size_t nq;
	const struct ws_safety_question *q = ws_safety_questions(&nq);
	bool yes[32];
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	int rc = nq > sizeof(yes) / sizeof(yes[0]) ?
	    err_internal(e, "too many safety questions") : 0;
	for (size_t i = 0; rc == 0 && i < nq; i++) {
		const char *t = typed(&in, q[i].name);
		if (t == NULL || (strcmp(t, "yes") != 0 && strcmp(t, "no") != 0))
			rc = err_invalid(e, q[i].name, "please answer yes or no");
		else
			yes[i] = strcmp(t, "yes") == 0;
	}
	for (size_t i = 0; rc == 0 && i < in.n; i++) {
		bool known = strcmp(in.fields[i].key, "csrf") == 0;
		for (size_t j = 0; j < nq && !known; j++)
			known = strcmp(in.fields[i].key, q[j].name) == 0;
		if (!known)
			rc = err_invalid(e, in.fields[i].key, "unknown field");
	}
	if (rc == 0)
		rc = ws_safety_answer(&r, yes, nq, e);
	if (rc != 0) {
		if (!fixable(e))
			return -1;
		struct err shown = *e;
		err_clear(e);
		return render_safety(req, res, &in, &shown, e);
	}
	struct ws_safety_status st;
	if (ws_safety_status(&r, &st, e) != 0)
		return -1;
	http_redirect(req, res, st.my_answer_safe ? "/workspace?done=safety" :
	    "/workspace/safety?done=safety#help");
	return 0;
}

int
page_workspace_safety(struct http_request *req, struct http_response *res, struct err *e)
{
	if (req->method == HTTP_POST)
		return safety_post(req, res, e);
	return render_safety(req, res, NULL, NULL, e);
}

/* ---- new and edit ------------------------------------------------------------ */

/* The exercise's form: doc's values (NULL: empty), error beside its
 * field, version for an edit (0: new). */
static int
render_form(struct http_request *req, struct http_response *res, const struct ws_kind *k,
    int64_t id, int64_t version, const json_t *doc, const struct err *error)
{
	struct buf *b = &res->body;
	begin(b, req, k->title);
	html_raw(b, "<p class=\"back\"><a href=\"/workspace\">\xe2\x86\x90 Your workspace</a></p><h1>");
	html_text(b, k->title);
	html_raw(b, "</h1><p class=\"ws-intro\">");
	html_text(b, k->intro);
	html_raw(b, "</p>");
	const char *action = id != 0 ? item_path(req, id, "/edit") :
	    arena_printf(req->arena, "/workspace/new/%s", k->name);
	page_form_begin(b, req, action);
	html_raw(b, "<div class=\"ws-form\">");
	page_form_error(b, error);
	if (version > 0) {
		char v[24];
		snprintf(v, sizeof(v), "%lld", (long long)version);
		page_hidden(b, "version", v);
	}
	struct form_view v = { .fields = k->fields, .n = k->nfields, .doc = doc, .kind = k,
	    .id_prefix = "f" };
	view_error(&v, error);
	form_fields(b, &v);
	html_raw(b, "<div class=\"form-actions\"><button type=\"submit\">Save</button></div>"
	    "</div></form><p class=\"hint\">Saved items are private until you share them.</p>");
	return page_finish(req, res, error ? error->status : 200, error);
}

static const struct ws_kind *
creatable_kind(struct http_request *req, struct err *e)
{
	const struct ws_kind *k = ws_kind_find(req->path_args[0]);
	if (k == NULL || !kind_creatable(k)) {
		err_set(e, 404, "not_found", NULL, "There is no such exercise.");
		return NULL;
	}
	return k;
}

int
page_workspace_new(struct http_request *req, struct http_response *res, struct err *e)
{
	const struct ws_kind *k = creatable_kind(req, e);
	if (k == NULL)
		return -1;
	return render_form(req, res, k, 0, 0, NULL, NULL);
}

int
page_workspace_create(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct form_in fi;
	int64_t id = 0;
	const struct ws_kind *k = creatable_kind(req, e);
	if (k == NULL || web_account_request(req, &r, e) != 0 || form_read(req, &fi, e) != 0)
		return -1;
	json_t *doc = doc_from_form(&fi, k->fields, k->nfields, e);
	if (doc == NULL || ws_item_create(&r, k->name, doc, &id, e) != 0) {
		if (!fixable(e)) {
			json_decref(doc);
			return -1;
		}
		struct err shown = *e;
		err_clear(e);
		int rc = render_form(req, res, k, 0, 0, doc, &shown);
		json_decref(doc);
		return rc;
	}
	json_decref(doc);
	http_redirect(req, res, item_path(req, id, "?done=saved"));
	return 0;
}

int
page_workspace_edit(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct ws_item it;
	int64_t id = path_id(req);
	if (id == 0)
		return not_found(e);
	if (web_account_request(req, &r, e) != 0 || ws_item_get(&r, id, &it, e) != 0)
		return -1;
	if (!it.can_edit) {
		ws_item_release(&it);
		return not_found(e);
	}
	int rc = render_form(req, res, it.kind, id, it.version, it.fields, NULL);
	ws_item_release(&it);
	return rc;
}

int
page_workspace_save(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct form_in fi;
	struct ws_item it;
	int64_t id = path_id(req), new_version = 0;
	long long version = 0;
	if (id == 0)
		return not_found(e);
	if (web_account_request(req, &r, e) != 0 || form_read(req, &fi, e) != 0 ||
	    ws_item_get(&r, id, &it, e) != 0)
		return -1;
	if (!it.can_edit) {
		ws_item_release(&it);
		return not_found(e);
	}
	const char *vs = take(&fi, "version");
	json_t *doc = doc_from_form(&fi, it.kind->fields, it.kind->nfields, e);
	int rc = doc == NULL ? -1 : 0;
	if (rc == 0 && (vs == NULL || num_parse_long(vs, 1, INT64_MAX, &version) != 0))
		rc = err_invalid(e, "version", "the form is incomplete: reload the page");
	if (rc == 0)
		rc = ws_item_update(&r, id, version, doc, &new_version, e);
	if (rc != 0) {
		if (!fixable(e)) {
			json_decref(doc);
			ws_item_release(&it);
			return -1;
		}
		struct err shown = *e;
		err_clear(e);
		/* A stale form keeps what was typed; saving again overwrites
		 * the other change, which the message says. */
		rc = render_form(req, res, it.kind, id, strcmp(shown.code, "stale_version") == 0 ?
		    it.version : version, doc, &shown);
		json_decref(doc);
		ws_item_release(&it);
		return rc;
	}
	json_decref(doc);
	ws_item_release(&it);
	http_redirect(req, res, item_path(req, id, "?done=saved"));
	return 0;
}

/* ---- an item's page ------------------------------------------------------------ */

/* What went wrong on the item's page, and where to show it. */
struct item_error {
	const struct err	*e;
	const char		*form;		/* "response", "share", "delete" */
	const json_t		*response;	/* the response as typed */
};

static bool
error_in(const struct item_error *ie, const char *form)
{
	return ie != NULL && ie->e != NULL && strcmp(ie->form, form) == 0;
}

static void
response_section(struct buf *b, struct http_request *req, const struct ws_item *it,
    const struct item_error *ie)
{
	const struct ws_kind *k = it->kind;
	if (k->response == NULL)
		return;
	bool mine = it->access == WS_ACCESS_PARTNER;
	if (it->response == NULL && !it->can_respond)
		return;
	html_raw(b, "<section class=\"card ws-response\" id=\"response\"><h2>");
	html_raw(b, mine ? "Your response" : "Your partner's response");
	html_raw(b, "</h2>");
	if (it->response != NULL) {
		doc_view(b, k->response, k->nresponse, it->response, k, it->fields);
		html_raw(b, "<p class=\"item-meta\">");
		day(b, it->response_at);
		html_raw(b, "</p>");
	} else if (!mine) {
		html_raw(b, "<p class=\"hint\">No response yet.</p>");
	}
	if (it->can_respond) {
		html_raw(b, "<p class=\"ws-intro\">");
		html_text(b, k->response_intro ? k->response_intro : "");
		html_raw(b, "</p>");
		page_form_begin(b, req, item_path(req, it->id, "/response"));
		const struct err *err = error_in(ie, "response") ? ie->e : NULL;
		page_form_error(b, err);
		struct form_view v = { .fields = k->response, .n = k->nresponse,
		    .doc = err ? ie->response : it->response, .item_doc = it->fields, .kind = k,
		    .id_prefix = "r" };
		view_error(&v, err);
		form_fields(b, &v);
		html_raw(b, "<div class=\"form-actions\"><button type=\"submit\">");
		html_raw(b, it->response ? "Change my response" : "Send my response");
		html_raw(b, "</button></div></form>");
	}
	html_raw(b, "</section>");
}

static void
share_section(struct buf *b, struct http_request *req, const struct account_request *r,
    const struct ws_item *it, const struct item_error *ie)
{
	if (!it->can_share)
		return;
	html_raw(b, "<section class=\"card ws-sharing\" id=\"sharing\"><h2>Sharing</h2>");
	if (error_in(ie, "share"))
		page_form_error(b, ie->e);
	html_raw(b, "<p>");
	html_raw(b, it->shared_with_partner ? "Your partner can read this." :
	    "Private: only you can read this.");
	html_raw(b, "</p>");
	page_form_begin(b, req, item_path(req, it->id, "/share/partner"));
	page_hidden(b, "shared", it->shared_with_partner ? "off" : "on");
	html_raw(b, "<button type=\"submit\" class=\"button-secondary\">");
	html_raw(b, it->shared_with_partner ? "Stop sharing with my partner" :
	    "Share with my partner");
	html_raw(b, "</button></form>");

	struct ws_therapist *t = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	if (ws_share_targets_for_item(r, it->id, &t, &n, &e) != 0)
		n = 0;
	size_t shared = 0;
	for (size_t i = 0; i < n; i++)
		shared += t[i].shared;
	for (size_t i = 0; i < it->ntherapists; i++) {
		/* Shared with a therapist no longer booked: still listed, so
		 * it can be unshared. */
		bool listed = false;
		for (size_t j = 0; j < n && !listed; j++)
			listed = t[j].profile_id == it->therapists[i].profile_id;
		if (!listed)
			shared++;
	}
	if (shared > 0) {
		html_raw(b, "<h3>Shared with therapists</h3><ul class=\"item-list\">");
		for (size_t i = 0; i < it->ntherapists; i++) {
			char pid[24];
			snprintf(pid, sizeof(pid), "%lld", (long long)it->therapists[i].profile_id);
			html_raw(b, "<li class=\"item\"><span class=\"item-main\">");
			html_text(b, it->therapists[i].name);
			html_raw(b, "</span><span class=\"item-action\">");
			page_form_begin(b, req, item_path(req, it->id, "/share/therapist"));
			page_hidden(b, "therapist", pid);
			page_hidden(b, "shared", "off");
			html_raw(b, "<button type=\"submit\" class=\"button-secondary\">Stop sharing"
			    "</button></form></span></li>");
		}
		html_raw(b, "</ul>");
	}
	size_t open = 0;
	for (size_t i = 0; i < n; i++)
		open += !t[i].shared;
	if (open > 0) {
		page_form_begin(b, req, item_path(req, it->id, "/share/therapist"));
		html_raw(b, "<div class=\"field\"><label for=\"share-therapist\">Share with a"
		    " therapist you booked with</label><select id=\"share-therapist\""
		    " name=\"therapist\" required>");
		for (size_t i = 0; i < n; i++) {
			if (t[i].shared)
				continue;
			char pid[24];
			snprintf(pid, sizeof(pid), "%lld", (long long)t[i].profile_id);
			option(b, pid, t[i].name, false);
		}
		html_raw(b, "</select></div>");
		page_hidden(b, "shared", "on");
		html_raw(b, "<div class=\"form-actions\"><button type=\"submit\""
		    " class=\"button-secondary\">Share with the therapist</button></div></form>");
	} else if (n == 0 && it->ntherapists == 0) {
		html_raw(b, "<p class=\"hint\">Once you have booked a session with a"
		    " therapist here, you can share this with them.</p>");
	}
	html_raw(b, "</section>");
}

static void
delete_section(struct buf *b, struct http_request *req, const struct ws_item *it,
    const struct item_error *ie)
{
	if (!it->can_edit)
		return;
	html_raw(b, "<section class=\"ws-delete\" id=\"delete\"><h2>Delete</h2>");
	page_form_begin(b, req, item_path(req, it->id, "/delete"));
	bool invalid = error_in(ie, "delete");
	if (invalid) {
		html_raw(b, "<p class=\"field-error\" id=\"delete-confirm-error\">");
		page_sentence(b, ie->e->message);
		html_raw(b, "</p>");
	}
	html_raw(b, "<div class=\"check\"><input type=\"checkbox\" id=\"delete-confirm\""
	    " name=\"confirm\" value=\"on\" required");
	if (invalid)
		html_raw(b, " aria-invalid=\"true\" aria-describedby=\"delete-confirm-error\"");
	html_raw(b, "><label for=\"delete-confirm\">Yes, delete it for good (responses and"
	    " shares go with it)</label></div><div class=\"form-actions\"><button"
	    " type=\"submit\" class=\"button-danger\">Delete</button></div></form></section>");
}

static int
render_item(struct http_request *req, struct http_response *res, int64_t id,
    const struct item_error *ie, struct err *e)
{
	struct account_request r;
	struct ws_item it;
	if (id == 0)
		return not_found(e);
	if (web_account_request(req, &r, e) != 0 || ws_item_get(&r, id, &it, e) != 0)
		return -1;
	const char *title = it.label != NULL ? it.label :
	    ws_item_label(it.kind, it.fields, req->arena);
	struct buf *b = &res->body;
	begin(b, req, title);
	html_raw(b, "<p class=\"back\"><a href=\"/workspace\">\xe2\x86\x90 Your workspace</a>"
	    "</p><article class=\"ws-item\"><h1>");
	html_text(b, title);
	html_raw(b, "</h1>");
	item_byline(b, &it);
	done_notice(b, req);
	doc_view(b, it.kind->fields, it.kind->nfields, it.fields, it.kind, it.fields);
	statement_view(b, &it);
	if (it.can_edit) {
		html_raw(b, "<p><a class=\"button-link\"");
		html_attr(b, "href", item_path(req, id, "/edit"));
		html_raw(b, ">Edit</a></p>");
	}
	html_raw(b, "</article>");
	response_section(b, req, &it, ie);
	share_section(b, req, &r, &it, ie);
	delete_section(b, req, &it, ie);
	ws_item_release(&it);
	const struct err *shown = ie != NULL ? ie->e : NULL;
	return page_finish(req, res, shown ? shown->status : 200, shown);
}

int
page_workspace_item(struct http_request *req, struct http_response *res, struct err *e)
{
	return render_item(req, res, path_id(req), NULL, e);
}

/* Ends an item page's POST: 303 back with the notice, or the page again
 * with the refusal beside the form it came from. */
static int
item_post_end(struct http_request *req, struct http_response *res, int64_t id, int rc,
    const char *form, const json_t *typed_doc, const char *done, struct err *e)
{
	if (rc == 0) {
		http_redirect(req, res, item_path(req, id,
		    arena_printf(req->arena, "?done=%s", done)));
		return 0;
	}
	/* The item itself not found stays a 404 page; a 404 about something
	 * else (no couple, a therapist not booked with) goes on the form. */
	if (!fixable(e) || (e->status == 404 && strcmp(e->code, "not_found") == 0))
		return -1;
	struct err shown = *e;
	err_clear(e);
	struct item_error ie = { &shown, form, typed_doc };
	return render_item(req, res, id, &ie, e);
}

int
page_workspace_delete(struct http_request *req, struct http_response *res, struct err *e)
{
	static const char *const fields[] = { "confirm", NULL };
	struct account_request r;
	struct input in;
	bool confirm = false;
	int64_t id = path_id(req);
	if (id == 0)
		return not_found(e);
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	int rc = input_only(&in, fields, e) != 0 ||
	    input_bool(&in, "confirm", false, &confirm, e) != 0 ? -1 : 0;
	if (rc == 0 && !confirm)
		rc = err_set(e, 422, "confirmation_required", "confirm",
		    "tick the box to confirm the deletion");
	if (rc == 0)
		rc = ws_item_delete(&r, id, e);
	if (rc != 0)
		return item_post_end(req, res, id, rc, "delete", NULL, NULL, e);
	http_redirect(req, res, "/workspace?done=deleted");
	return 0;
}

int
page_workspace_share_partner(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "shared", NULL };
	struct account_request r;
	struct input in;
	bool shared = false;
	int64_t id = path_id(req);
	if (id == 0)
		return not_found(e);
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	int rc = input_only(&in, fields, e) != 0 ||
	    input_bool(&in, "shared", false, &shared, e) != 0 ||
	    ws_share_partner(&r, id, shared, e) != 0 ? -1 : 0;
	return item_post_end(req, res, id, rc, "share", NULL, shared ? "shared" : "unshared", e);
}

int
page_workspace_share_therapist(struct http_request *req, struct http_response *res,
    struct err *e)
{
	static const char *const fields[] = { "therapist", "shared", NULL };
	struct account_request r;
	struct input in;
	bool shared = false, present = false;
	long long profile = 0;
	int64_t id = path_id(req);
	if (id == 0)
		return not_found(e);
	if (web_account_request(req, &r, e) != 0 || input_read(req, &in, e) != 0)
		return -1;
	int rc = input_only(&in, fields, e) != 0 ||
	    input_bool(&in, "shared", false, &shared, e) != 0 ||
	    input_int(&in, "therapist", 1, INT64_MAX, &present, &profile, e) != 0 ? -1 : 0;
	if (rc == 0 && !present)
		rc = err_invalid(e, "therapist", "choose a therapist");
	if (rc == 0)
		rc = ws_share_therapist(&r, id, profile, shared, e);
	return item_post_end(req, res, id, rc, "share", NULL, shared ? "therapist" : "untherapist", e);
}

int
page_workspace_response(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct form_in fi;
	struct ws_item it;
	int64_t id = path_id(req);
	if (id == 0)
		return not_found(e);
	if (web_account_request(req, &r, e) != 0 || form_read(req, &fi, e) != 0 ||
	    ws_item_get(&r, id, &it, e) != 0)
		return -1;
	if (it.kind->response == NULL || it.access != WS_ACCESS_PARTNER) {
		ws_item_release(&it);
		return not_found(e);
	}
	json_t *doc = doc_from_form(&fi, it.kind->response, it.kind->nresponse, e);
	ws_item_release(&it);
	int rc = doc == NULL || ws_response_set(&r, id, doc, e) != 0 ? -1 : 0;
	rc = item_post_end(req, res, id, rc, "response", doc, "response", e);
	json_decref(doc);
	return rc;
}

/* ---- the therapist's view -------------------------------------------------------- */

int
page_therapist_shared(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct ws_item *items = NULL;
	size_t n = 0;
	if (web_account_request(req, &r, e) != 0 || ws_therapist_shared(&r, &items, &n, e) != 0)
		return -1;
	struct buf *b = &res->body;
	begin(b, req, "Shared by clients");
	html_raw(b, "<h1>Shared by your clients</h1><p>What your clients chose to share with you"
	    " from their workspace, read-only. Each time you open one, the client's"
	    " record notes that you read it.</p>");
	if (n == 0)
		html_raw(b, "<p class=\"empty-note\">Nothing is shared with you yet.</p>");
	else
		html_raw(b, "<ul class=\"ws-items item-list\">");
	for (size_t i = 0; i < n; i++) {
		html_raw(b, "<li class=\"item ws-item-link\"><span class=\"item-main\"><a");
		html_attrf(b, "href", "/therapist/shared/%lld", (long long)items[i].id);
		html_raw(b, ">");
		html_text(b, items[i].kind->title);
		html_raw(b, "</a><span class=\"item-meta\">from ");
		html_text(b, *items[i].owner_name ? items[i].owner_name : "a client");
		html_raw(b, ", shared ");
		day(b, items[i].shared_at);
		html_raw(b, "</span></span></li>");
	}
	if (n > 0)
		html_raw(b, "</ul>");
	ws_items_release(items, n);
	return page_finish(req, res, 200, NULL);
}

int
page_therapist_shared_item(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	struct ws_item it;
	int64_t id = path_id(req);
	if (id == 0)
		return not_found(e);
	if (web_account_request(req, &r, e) != 0 || ws_therapist_item(&r, id, &it, e) != 0)
		return -1;
	const char *title = ws_item_label(it.kind, it.fields, req->arena);
	struct buf *b = &res->body;
	begin(b, req, title);
	html_raw(b, "<p class=\"back\"><a href=\"/therapist/shared\">\xe2\x86\x90 Shared"
	    " with you</a></p><article class=\"ws-item\"><h1>");
	html_text(b, title);
	html_raw(b, "</h1>");
	item_byline(b, &it);
	doc_view(b, it.kind->fields, it.kind->nfields, it.fields, it.kind, it.fields);
	statement_view(b, &it);
	if (it.response != NULL && it.kind->response != NULL) {
		html_raw(b, "<section class=\"card ws-response\"><h2>The partner's response</h2>");
		doc_view(b, it.kind->response, it.kind->nresponse, it.response, it.kind, it.fields);
		html_raw(b, "</section>");
	}
	html_raw(b, "</article>");
	ws_item_release(&it);
	return page_finish(req, res, 200, NULL);
}
