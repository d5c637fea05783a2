/*
 * The admin pages: an overview, the profiles waiting for verification,
 * one listing's controls (verify, unverify, hide, unhide), the users
 * (suspend, unsuspend) and the audit log. They are the HTML twins of the
 * admin handlers in api_profiles.c and call the same functions, which
 * check policy_admin again; the routes are admin-only, so anyone else
 * gets the 404 of a page that does not exist.
 *
 * Every action is a small POST form (a button) carrying the page to go
 * back to; only local /admin paths are followed, so the field cannot
 * send an admin elsewhere. Tables turn into stacked cards on phones
 * through data-label attributes and CSS alone.
 */
#include "pages.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../audit/audit.h"
#include "../directory/profile.h"
#include "../directory/therapist.h"
#include "../policy/policy.h"
#include "../util/html.h"
#include "../util/num.h"
#include "../util/text.h"
#include "input.h"

#define BACK_MAX	WEB_LOCAL_PATH_MAX	/* bytes of a back path */
#define USERS_PER_PAGE	50
#define AUDIT_PER_PAGE	50
#define FILTER_MAX	64	/* audit filter fields: as audit.h allows */

/* ---- Shared pieces ---- */

enum admin_section { SECTION_HOME, SECTION_VERIFICATIONS, SECTION_USERS,
	SECTION_AUDIT, SECTION_NONE };

static void
admin_begin(struct buf *b, struct http_request *req, const char *title,
    enum admin_section current)
{
	static const struct { const char *href, *label; } links[] = {
		{ "/admin", "Overview" },
		{ "/admin/verifications", "Verifications" },
		{ "/admin/users", "Users" },
		{ "/admin/audit", "Audit log" },
	};
	struct page p = { title, NULL, "page-manage page-admin", req };
	page_begin(b, req->app, &p);
	html_raw(b, "<nav class=\"admin-nav\" aria-label=\"Admin\"><ul>");
	for (int i = 0; i < (int)(sizeof(links) / sizeof(links[0])); i++) {
		html_raw(b, "<li><a");
		html_attr(b, "href", links[i].href);
		if (i == (int)current)
			html_raw(b, " aria-current=\"page\"");
		html_raw(b, ">");
		html_text(b, links[i].label);
		html_raw(b, "</a></li>");
	}
	html_raw(b, "</ul></nav><h1>");
	html_text(b, title);
	html_raw(b, "</h1>");
}

static int
admin_end(struct http_request *req, struct http_response *res, int status)
{
	page_end(&res->body, req->app);
	http_reply_html(res, status);
	return 0;
}

static long long
path_id(struct http_request *req)
{
	long long id;
	return num_parse_long(req->path_args[0], 1, 9007199254740991LL, &id) == 0 ? id : 0;
}

/* A one-button POST form to action that comes back to back. label is
 * the visible text; described_by the id of what it acts on. */
static void
action_button(struct buf *b, struct http_request *req, const char *action,
    const char *back, const char *label, const char *cls, const char *described_by)
{
	page_form_begin(b, req, action);
	html_raw(b, "<input type=\"hidden\" name=\"back\"");
	html_attr(b, "value", back);
	html_raw(b, "><button type=\"submit\"");
	if (cls)
		html_attr(b, "class", cls);
	if (described_by)
		html_attr(b, "aria-describedby", described_by);
	html_raw(b, ">");
	html_text(b, label);
	html_raw(b, "</button></form>");
}

/* <td data-label="..."> */
static void
cell(struct buf *b, const char *label)
{
	html_raw(b, "<td");
	html_attr(b, "data-label", label);
	html_raw(b, ">");
}

static void
table_begin(struct buf *b, const char *caption, const char *const *headings)
{
	html_raw(b, "<div class=\"table-wrap\"><table class=\"admin-table\"><caption>");
	html_text(b, caption);
	html_raw(b, "</caption><thead><tr>");
	for (const char *const *h = headings; *h; h++) {
		html_raw(b, "<th scope=\"col\">");
		html_text(b, *h);
		html_raw(b, "</th>");
	}
	html_raw(b, "</tr></thead><tbody>");
}

static void
table_end(struct buf *b)
{
	html_raw(b, "</tbody></table></div>");
}

/* A ';'-list as "a, b". */
static void
list_text(struct buf *b, const char *list)
{
	for (const char *p = list ? list : ""; *p; p++) {
		if (*p == ';')
			html_raw(b, ", ");
		else
			html_text_n(b, p, 1);
	}
}

static void
certification_text(struct buf *b, uint32_t bits)
{
	int n = 0;
	for (int i = 0; i < therapist_certifications.count; i++) {
		if (!(bits & (1u << i)))
			continue;
		if (n++)
			html_raw(b, ", ");
		html_text(b, therapist_certifications.labels[i]);
	}
	if (n == 0)
		html_raw(b, "None listed");
}

/* "2026-05-01" from a date or an ISO timestamp. */
static void
date_text(struct buf *b, const char *d)
{
	if (d != NULL && strlen(d) >= 10)
		html_text_n(b, d, 10);
	else
		html_raw(b, "\xe2\x80\x94");
}

/* After an action: back where the admin was, or to fallback. */
static int
redirect_back(struct http_request *req, struct http_response *res,
    const char *fallback, struct err *e)
{
	static const char *const fields[] = { "back", NULL };
	struct input in;
	const char *back = NULL;
	if (input_read(req, &in, e) != 0 || input_only(&in, fields, e) != 0 ||
	    input_text(&in, "back", false, BACK_MAX, &back, e) != 0)
		return -1;
	http_redirect(req, res, web_local_path(back, "/admin") ? back : fallback);
	return 0;
}

/* ---- GET /admin ---- */

static void
count_pending(void *ctx, const struct profile_pending *p)
{
	(*(int *)ctx)++;
}

int
page_admin(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	int pending = 0;
	if (web_account_request(req, &r, e) != 0 ||
	    profile_pending_list(&r, count_pending, &pending, e) != 0)
		return -1;
	struct buf *b = &res->body;
	admin_begin(b, req, "Admin", SECTION_HOME);
	html_raw(b, "<ul class=\"admin-overview\">"
	    "<li class=\"card\"><h2><a href=\"/admin/verifications\">Verifications</a></h2><p>");
	if (pending == 0)
		html_raw(b, "No profile is waiting for verification.");
	else
		html_textf(b, "%d %s waiting for a check of licence and Imago"
		    " certification.", pending, pending == 1 ? "profile is" : "profiles are");
	html_raw(b, "</p></li>"
	    "<li class=\"card\"><h2><a href=\"/admin/users\">Users</a></h2>"
	    "<p>Find accounts by email; suspend or restore one.</p></li>"
	    "<li class=\"card\"><h2><a href=\"/admin/audit\">Audit log</a></h2>"
	    "<p>Who viewed or changed what, and when.</p></li></ul>");
	return admin_end(req, res, 200);
}

/* ---- GET /admin/verifications ---- */

struct pending_ctx {
	struct buf		*b;
	struct http_request	*req;
	int			 n;
};

static void
pending_row(void *ctx, const struct profile_pending *p)
{
	struct pending_ctx *c = ctx;
	struct buf *b = c->b;
	char name_id[40], action[80];
	snprintf(name_id, sizeof(name_id), "pending-%lld", (long long)p->id);
	snprintf(action, sizeof(action), "/admin/therapists/%lld/verify", (long long)p->id);
	if (c->n++ == 0) {
		static const char *const headings[] = { "Name", "Owner", "Licence number",
			"Licensed in", "Certifications", "Waiting since", "Actions", NULL };
		table_begin(b, "Profiles waiting for verification, longest waiting first",
		    headings);
	}
	uint32_t bits = 0;
	struct err ignored = ERR_INIT;
	if (slug_list_parse(&therapist_certifications, p->certifications, &bits, &ignored) != 0)
		bits = 0;
	html_raw(b, "<tr>");
	cell(b, "Name");
	html_raw(b, "<a");
	html_attr(b, "id", name_id);
	html_attrf(b, "href", "/admin/therapists/%lld", (long long)p->id);
	html_raw(b, ">");
	html_text(b, p->name);
	html_raw(b, "</a></td>");
	cell(b, "Owner");
	html_text(b, p->owner_email);
	html_raw(b, "</td>");
	cell(b, "Licence number");
	if (*p->license_number)
		html_text(b, p->license_number);
	else
		html_raw(b, "None given");
	html_raw(b, "</td>");
	cell(b, "Licensed in");
	list_text(b, p->license_regions);
	html_raw(b, "</td>");
	cell(b, "Certifications");
	certification_text(b, bits);
	html_raw(b, "</td>");
	cell(b, "Waiting since");
	date_text(b, p->updated_at);
	html_raw(b, "</td>");
	cell(b, "Actions");
	html_raw(b, "<div class=\"actions\">");
	action_button(b, c->req, action, "/admin/verifications", "Verify", NULL, name_id);
	html_raw(b, "<a");
	html_attrf(b, "href", "/therapists/%lld", (long long)p->id);
	html_raw(b, ">Public page</a></div></td></tr>");
}

int
page_admin_verifications(struct http_request *req, struct http_response *res,
    struct err *e)
{
	struct account_request r;
	if (web_account_request(req, &r, e) != 0)
		return -1;
	/* Rows go to a buffer of their own, so a failure halfway leaves
	 * the error page instead of half a table. */
	struct buf rows = BUF_INIT;
	struct pending_ctx c = { &rows, req, 0 };
	if (profile_pending_list(&r, pending_row, &c, e) != 0) {
		buf_free(&rows);
		return -1;
	}
	struct buf *b = &res->body;
	admin_begin(b, req, "Verifications", SECTION_VERIFICATIONS);
	html_raw(b, "<p>Profiles that a therapist manages and that are not"
	    " verified yet. Check the licence with the regulator of each region"
	    " and the Imago certification before you verify.</p>");
	if (c.n == 0) {
		html_raw(b, "<p class=\"empty-note\">No profile is waiting.</p>");
	} else {
		buf_puts(b, buf_cstr(&rows));
		table_end(b);
	}
	buf_free(&rows);
	return admin_end(req, res, 200);
}

/* ---- GET /admin/therapists/{id} and its actions ---- */

int
page_admin_therapist(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	struct profile p;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "There is no listing with that id.");
	if (web_account_request(req, &r, e) != 0 || profile_get(&r, id, &p, e) != 0)
		return -1;
	struct user owner;
	int has_owner = 0;
	if (p.owner_user_id > 0) {
		int rc = user_by_id(r.db, p.owner_user_id, req->arena, &owner, e);
		if (rc < 0)
			return -1;
		has_owner = rc == 0;
	}
	const struct therapist *t = &p.t;
	struct buf *b = &res->body;
	char self[48], action[80];
	snprintf(self, sizeof(self), "/admin/therapists/%lld", id);
	admin_begin(b, req, t->name, SECTION_NONE);
	html_raw(b, "<section class=\"card\" aria-labelledby=\"listing-h\">"
	    "<h2 id=\"listing-h\">Listing</h2><dl class=\"facts\">");
	html_raw(b, "<dt>Verification</dt><dd>");
	if (t->verified) {
		html_raw(b, "Verified on ");
		date_text(b, t->verified_at);
	} else {
		html_raw(b, "Not verified");
	}
	html_raw(b, "</dd><dt>In the directory</dt><dd>");
	html_raw(b, t->hidden ? "<strong>Hidden by an admin</strong>" : "Listed");
	html_raw(b, "</dd><dt>Managed by</dt><dd>");
	if (has_owner)
		html_text(b, owner.email);
	else if (p.owner_user_id > 0)
		html_raw(b, "A deleted account");
	else
		html_raw(b, "Nobody yet (an imported listing)");
	html_raw(b, "</dd><dt>Source</dt><dd>");
	html_raw(b, t->external_id ? "Imported" : "Created in imago");
	html_raw(b, "</dd><dt>Licence number</dt><dd>");
	if (*t->license_number)
		html_text(b, t->license_number);
	else
		html_raw(b, "None given");
	html_raw(b, "</dd><dt>Licensed in</dt><dd>");
	if (*t->license_regions)
		list_text(b, t->license_regions);
	else
		html_raw(b, "None given");
	html_raw(b, "</dd><dt>Certifications</dt><dd>");
	certification_text(b, t->certifications);
	html_raw(b, "</dd></dl><p>");
	if (!t->hidden) {
		html_raw(b, "<a");
		html_attrf(b, "href", "/therapists/%lld", id);
		html_raw(b, ">Public page</a> \xc2\xb7 ");
	}
	html_raw(b, "<a");
	html_attrf(b, "href", "/admin/audit?target_type=therapist&target_id=%lld", id);
	html_raw(b, ">History in the audit log</a></p></section>");

	html_raw(b, "<section class=\"card admin-actions\" aria-labelledby=\"actions-h\">"
	    "<h2 id=\"actions-h\">Actions</h2><div class=\"actions\">");
	snprintf(action, sizeof(action), "%s/%s", self, t->verified ? "unverify" : "verify");
	action_button(b, req, action, self, t->verified ? "Unverify" : "Verify",
	    t->verified ? "button-secondary" : NULL, NULL);
	snprintf(action, sizeof(action), "%s/%s", self, t->hidden ? "unhide" : "hide");
	action_button(b, req, action, self, t->hidden ? "Unhide" : "Hide",
	    t->hidden ? NULL : "button-danger", NULL);
	html_raw(b, "</div><p class=\"hint\">Hiding takes the listing out of the"
	    " directory and search at once; its therapist can still edit it."
	    " Verifying says you checked the licence and Imago certification"
	    " today.</p></section>");
	return admin_end(req, res, 200);
}

static int
therapist_action(struct http_request *req, struct http_response *res, struct err *e,
    int (*set)(const struct account_request *, int64_t, bool, struct err *), bool on)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "There is no listing with that id.");
	if (web_account_request(req, &r, e) != 0 || set(&r, id, on, e) != 0)
		return -1;
	search_engine_invalidate(((struct app *)req->app)->engine);
	return redirect_back(req, res, "/admin/verifications", e);
}

int
page_admin_verify(struct http_request *req, struct http_response *res, struct err *e)
{
	return therapist_action(req, res, e, profile_verify, true);
}

int
page_admin_unverify(struct http_request *req, struct http_response *res, struct err *e)
{
	return therapist_action(req, res, e, profile_verify, false);
}

int
page_admin_hide(struct http_request *req, struct http_response *res, struct err *e)
{
	return therapist_action(req, res, e, profile_set_hidden, true);
}

int
page_admin_unhide(struct http_request *req, struct http_response *res, struct err *e)
{
	return therapist_action(req, res, e, profile_set_hidden, false);
}

/* ---- GET /admin/users ---- */

struct users_ctx {
	struct buf		*b;
	struct http_request	*req;
	int64_t			 self;
	const char		*back;
	int			 n;
};

static void
yes_no(struct buf *b, const char *label, bool v)
{
	cell(b, label);
	html_raw(b, v ? "Yes" : "No");
	html_raw(b, "</td>");
}

static void
user_row(void *ctx, const struct user *u)
{
	struct users_ctx *c = ctx;
	struct buf *b = c->b;
	char id[40], action[80];
	snprintf(id, sizeof(id), "user-%lld", (long long)u->id);
	if (c->n++ == 0) {
		static const char *const headings[] = { "Email", "Roles", "Email verified",
			"Two-step sign-in", "Suspended", "Joined", "Action", NULL };
		table_begin(b, "Users, newest first", headings);
	}
	html_raw(b, "<tr>");
	cell(b, "Email");
	html_raw(b, "<span");
	html_attr(b, "id", id);
	html_raw(b, ">");
	html_text(b, u->email);
	html_raw(b, "</span>");
	if (u->display_name && *u->display_name) {
		html_raw(b, "<br><span class=\"hint\">");
		html_text(b, u->display_name);
		html_raw(b, "</span>");
	}
	html_raw(b, "</td>");
	cell(b, "Roles");
	html_text(b, roles_format(u->roles, c->req->arena));
	html_raw(b, "</td>");
	yes_no(b, "Email verified", u->email_verified);
	yes_no(b, "Two-step sign-in", u->totp_enabled);
	yes_no(b, "Suspended", u->suspended);
	cell(b, "Joined");
	date_text(b, u->created_at);
	html_raw(b, "</td>");
	cell(b, "Action");
	if (u->id == c->self) {
		html_raw(b, "You");
	} else {
		snprintf(action, sizeof(action), "/admin/users/%lld/%s", (long long)u->id,
		    u->suspended ? "unsuspend" : "suspend");
		action_button(b, c->req, action, c->back, u->suspended ? "Unsuspend" : "Suspend",
		    u->suspended ? NULL : "button-danger", id);
	}
	html_raw(b, "</td></tr>");
}

static void
users_form(struct buf *b, const char *q, const struct err *error)
{
	html_raw(b, "<form class=\"admin-filter\" method=\"get\" action=\"/admin/users\""
	    " role=\"search\" aria-label=\"Find users\">"
	    "<div class=\"field\"><label for=\"users-q\">Email contains</label>"
	    "<input id=\"users-q\" name=\"q\" type=\"search\" maxlength=\"254\"");
	html_attr(b, "value", q ? q : "");
	if (error) {
		html_raw(b, " aria-invalid=\"true\" aria-describedby=\"users-q-error\">"
		    "<p class=\"field-error\" id=\"users-q-error\">");
		html_text(b, error->message);
		html_raw(b, "</p>");
	} else {
		html_raw(b, ">");
	}
	html_raw(b, "</div><button type=\"submit\">Search</button></form>");
}

int
page_admin_users(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long before = 0;
	const char *q = http_param(req, "q");
	const char *bs = http_param(req, "before");
	struct err invalid = ERR_INIT;
	if (bs && *bs && num_parse_long(bs, 1, 9007199254740991LL, &before) != 0)
		err_invalid(&invalid, "before", "The page link is not valid: start again.");
	if (q && (strlen(q) > ACCOUNT_EMAIL_MAX || !text_utf8_valid(q, strlen(q), false)))
		err_invalid(&invalid, "q", "Search for at most %d characters of text.",
		    ACCOUNT_EMAIL_MAX);
	if (web_account_request(req, &r, e) != 0)
		return -1;
	struct buf *b = &res->body;
	if (invalid.status) {
		admin_begin(b, req, "Users", SECTION_USERS);
		users_form(b, strcmp(invalid.param, "q") == 0 ? "" : q, &invalid);
		return admin_end(req, res, 400);
	}
	struct buf back = BUF_INIT, rows = BUF_INIT;
	buf_puts(&back, "/admin/users");
	if (q && *q) {
		buf_puts(&back, "?q=");
		html_query_escape(&back, q);
	}
	if (before > 0)
		buf_printf(&back, "%sbefore=%lld", q && *q ? "&" : "?", before);
	struct users_ctx c = { &rows, req, r.auth->user.id, buf_cstr(&back), 0 };
	int64_t next = 0;
	if (admin_users_list(&r, q, USERS_PER_PAGE, before, user_row, &c, &next, e) != 0) {
		buf_free(&back);
		buf_free(&rows);
		return -1;
	}
	admin_begin(b, req, "Users", SECTION_USERS);
	users_form(b, q, NULL);
	if (c.n == 0) {
		html_raw(b, "<p class=\"empty-note\">No user matches.</p>");
	} else {
		buf_puts(b, buf_cstr(&rows));
		table_end(b);
	}
	if (next > 0) {
		struct buf more = BUF_INIT;
		buf_puts(&more, "/admin/users?");
		if (q && *q) {
			buf_puts(&more, "q=");
			html_query_escape(&more, q);
			buf_puts(&more, "&");
		}
		buf_printf(&more, "before=%lld", (long long)next);
		html_raw(b, "<nav class=\"pagination\" aria-label=\"More users\"><a rel=\"next\"");
		html_url_attr(b, "href", buf_cstr(&more));
		html_raw(b, ">Older users \xe2\x86\x92</a></nav>");
		buf_free(&more);
	}
	buf_free(&back);
	buf_free(&rows);
	return admin_end(req, res, 200);
}

static int
user_action(struct http_request *req, struct http_response *res, struct err *e,
    bool suspend)
{
	struct account_request r;
	long long id = path_id(req);
	if (id == 0)
		return err_set(e, 404, "not_found", "id", "There is no such user.");
	if (web_account_request(req, &r, e) != 0 ||
	    admin_user_suspend(&r, id, suspend, e) != 0)
		return -1;
	return redirect_back(req, res, "/admin/users", e);
}

int
page_admin_suspend(struct http_request *req, struct http_response *res, struct err *e)
{
	return user_action(req, res, e, true);
}

int
page_admin_unsuspend(struct http_request *req, struct http_response *res, struct err *e)
{
	return user_action(req, res, e, false);
}

/* ---- GET /admin/audit ---- */

struct audit_ctx {
	struct buf	*b;
	int		 n;
};

static void
audit_row(void *ctx, int64_t id, const char *at, const struct audit_entry *entry)
{
	struct audit_ctx *c = ctx;
	struct buf *b = c->b;
	if (c->n++ == 0) {
		static const char *const headings[] = { "When (UTC)", "Who", "Action",
			"Target", "From", "Detail", NULL };
		table_begin(b, "Audit log entries, newest first", headings);
	}
	html_raw(b, "<tr>");
	cell(b, "When (UTC)");
	html_raw(b, "<time");
	html_attr(b, "datetime", at);
	html_raw(b, ">");
	html_text(b, at);
	html_raw(b, "</time></td>");
	cell(b, "Who");
	html_raw(b, "<a");
	struct buf href = BUF_INIT;
	buf_puts(&href, "/admin/audit?actor=");
	html_query_escape(&href, entry->actor);
	html_url_attr(b, "href", buf_cstr(&href));
	buf_free(&href);
	html_raw(b, "><code>");
	html_text(b, entry->actor);
	html_raw(b, "</code></a></td>");
	cell(b, "Action");
	html_text(b, entry->action);
	html_raw(b, "</td>");
	cell(b, "Target");
	long long tid;
	if (strcmp(entry->target_type, "therapist") == 0 &&
	    num_parse_long(entry->target_id, 1, 9007199254740991LL, &tid) == 0) {
		html_raw(b, "<a");
		html_attrf(b, "href", "/admin/therapists/%lld", tid);
		html_raw(b, ">");
		html_textf(b, "therapist %lld", tid);
		html_raw(b, "</a>");
	} else if (*entry->target_type) {
		html_text(b, entry->target_type);
		html_raw(b, " ");
		html_text(b, entry->target_id);
	}
	html_raw(b, "</td>");
	cell(b, "From");
	html_text(b, entry->ip);
	html_raw(b, "</td>");
	cell(b, "Detail");
	html_text(b, entry->detail);
	html_raw(b, "</td></tr>");
}

struct audit_params {
	const char	*key;
	const char	*label;
	const char	*hint;
};

static const struct audit_params audit_fields[] = {
	{ "actor", "Who", "An account's audit id, \"system\" or \"anonymous\"." },
	{ "action", "Action", "For example therapist.verify; end with a dot, as in"
	    " therapist., for every action that starts so." },
	{ "target_type", "Target type", "For example therapist or user." },
	{ "target_id", "Target id", NULL },
};
#define NAUDIT_FIELDS	(sizeof(audit_fields) / sizeof(audit_fields[0]))

static void
audit_form(struct buf *b, const char *values[NAUDIT_FIELDS], const struct err *error)
{
	html_raw(b, "<form class=\"admin-filter\" method=\"get\" action=\"/admin/audit\""
	    " aria-label=\"Filter the audit log\"><div class=\"filter-row\">");
	for (size_t i = 0; i < NAUDIT_FIELDS; i++) {
		const struct audit_params *f = &audit_fields[i];
		bool invalid = error && strcmp(error->param, f->key) == 0;
		struct buf described = BUF_INIT;
		if (f->hint)
			buf_printf(&described, "audit-%s-hint", f->key);
		if (invalid)
			buf_printf(&described, "%saudit-%s-error", described.len ? " " : "", f->key);
		html_raw(b, "<div class=\"field\"><label");
		html_attrf(b, "for", "audit-%s", f->key);
		html_raw(b, ">");
		html_text(b, f->label);
		html_raw(b, "</label><input type=\"text\"");
		html_attrf(b, "id", "audit-%s", f->key);
		html_attr(b, "name", f->key);
		html_attrf(b, "maxlength", "%d", FILTER_MAX);
		html_attr(b, "value", values[i] ? values[i] : "");
		if (invalid)
			html_raw(b, " aria-invalid=\"true\"");
		if (described.len)
			html_attr(b, "aria-describedby", buf_cstr(&described));
		html_raw(b, ">");
		if (f->hint) {
			html_raw(b, "<span class=\"hint\"");
			html_attrf(b, "id", "audit-%s-hint", f->key);
			html_raw(b, ">");
			html_text(b, f->hint);
			html_raw(b, "</span>");
		}
		if (invalid) {
			html_raw(b, "<p class=\"field-error\"");
			html_attrf(b, "id", "audit-%s-error", f->key);
			html_raw(b, ">");
			html_text(b, error->message);
			html_raw(b, "</p>");
		}
		html_raw(b, "</div>");
		buf_free(&described);
	}
	html_raw(b, "</div><button type=\"submit\">Filter</button>"
	    " <a href=\"/admin/audit\">Show everything</a></form>");
	if (error && strcmp(error->param, "before") == 0) {
		html_raw(b, "<p class=\"field-error\" role=\"alert\">");
		html_text(b, error->message);
		html_raw(b, "</p>");
	}
}

int
page_admin_audit(struct http_request *req, struct http_response *res, struct err *e)
{
	struct account_request r;
	long long before = 0;
	const char *values[NAUDIT_FIELDS];
	struct err invalid = ERR_INIT;
	const char *bs = http_param(req, "before");
	if (bs && *bs && num_parse_long(bs, 1, 9007199254740991LL, &before) != 0)
		err_invalid(&invalid, "before", "The page link is not valid: start again.");
	for (size_t i = 0; i < NAUDIT_FIELDS; i++) {
		const char *v = http_param(req, audit_fields[i].key);
		values[i] = v;
		if (v && (strlen(v) > FILTER_MAX || !text_utf8_valid(v, strlen(v), false)))
			err_invalid(&invalid, audit_fields[i].key,
			    "Use at most %d characters of text.", FILTER_MAX);
	}
	if (web_account_request(req, &r, e) != 0)
		return -1;
	struct buf *b = &res->body;
	if (invalid.status) {
		admin_begin(b, req, "Audit log", SECTION_AUDIT);
		for (size_t i = 0; i < NAUDIT_FIELDS; i++)
			if (strcmp(invalid.param, audit_fields[i].key) == 0)
				values[i] = NULL;
		audit_form(b, values, &invalid);
		return admin_end(req, res, 400);
	}
	/* An empty field of the filter form means "any". */
	struct audit_filter f = {
		.actor = values[0] && *values[0] ? values[0] : NULL,
		.action = values[1] && *values[1] ? values[1] : NULL,
		.target_type = values[2] && *values[2] ? values[2] : NULL,
		.target_id = values[3] && *values[3] ? values[3] : NULL,
		.before_id = before,
		.limit = AUDIT_PER_PAGE,
	};
	if (!policy_admin(r.auth))
		return err_set(e, 404, "not_found", "", "There is nothing at this address.");
	struct buf rows = BUF_INIT;
	struct audit_ctx c = { &rows, 0 };
	int64_t next = 0;
	if (audit_list(r.db, &f, audit_row, &c, &next, e) != 0 ||
	    /* Reading the log is itself an access worth recording. */
	    account_audit(&r, "audit.viewed", "", 0, "", e) != 0) {
		buf_free(&rows);
		return -1;
	}
	admin_begin(b, req, "Audit log", SECTION_AUDIT);
	audit_form(b, values, NULL);
	if (c.n == 0) {
		html_raw(b, "<p class=\"empty-note\">No entry matches.</p>");
	} else {
		buf_puts(b, buf_cstr(&rows));
		table_end(b);
	}
	if (next > 0) {
		struct buf more = BUF_INIT;
		buf_puts(&more, "/admin/audit?");
		for (size_t i = 0; i < NAUDIT_FIELDS; i++) {
			if (values[i] == NULL || *values[i] == '\0')
				continue;
			buf_puts(&more, audit_fields[i].key);
			buf_putc(&more, '=');
			html_query_escape(&more, values[i]);
			buf_putc(&more, '&');
		}
		buf_printf(&more, "before=%lld", (long long)next);
		html_raw(b, "<nav class=\"pagination\" aria-label=\"More entries\"><a rel=\"next\"");
		html_url_attr(b, "href", buf_cstr(&more));
		html_raw(b, ">Older entries \xe2\x86\x92</a></nav>");
		buf_free(&more);
	}
	buf_free(&rows);
	return admin_end(req, res, 200);
}
