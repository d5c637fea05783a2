/*
 * Workspace items (workspace.h): creating, changing with an optimistic
 * version, deleting, reading one, listing, the partner's responses and
 * merging two visions into a joint one; the export.
 *
 * A document is sealed with the row's own id in its context, so an
 * insert writes an empty placeholder first and seals in the same
 * transaction. Who may read is asked of policy_workspace_item for every
 * row, lists included, so the rule lives in one place; a read by anyone
 * but the owner is audited before the content is handed out.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "../policy/policy.h"
#include "../store/db.h"
#include "../util/text.h"
#include "../vault/vault.h"

#define ITEMS_PER_PERSON	5000	/* a decade of daily entries */
#define VISION_MAX		100	/* sentences in a shared vision */

/* ---- shared helpers (internal.h) ------------------------------------ */

int64_t
ws_caller(const struct account_request *r)
{
	return r->auth != NULL && r->auth->kind != AUTH_NONE ? r->auth->user.id : 0;
}

const char *
ws_column_text(sqlite3_stmt *st, int col, struct arena *a)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	return arena_strdup(a, s ? (const char *)s : "");
}

#define ROW_COLUMNS "i.id, i.owner_user_id, i.couple_id, i.kind, i.shared_with_partner," \
	" i.version, i.created_at, i.updated_at, u.display_name, i.body"

static void
row_read(sqlite3_stmt *st, struct arena *a, bool with_body, struct ws_row *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->owner_id = sqlite3_column_int64(st, 1);
	out->couple_id = sqlite3_column_int64(st, 2);
	out->kind = ws_column_text(st, 3, a);
	out->shared_with_partner = sqlite3_column_int(st, 4) != 0;
	out->version = sqlite3_column_int64(st, 5);
	out->created_at = (time_t)sqlite3_column_int64(st, 6);
	out->updated_at = (time_t)sqlite3_column_int64(st, 7);
	out->owner_name = ws_column_text(st, 8, a);
	if (with_body) {
		int n = sqlite3_column_bytes(st, 9);
		void *p = arena_alloc(a, (size_t)n + 1);
		if (n > 0)
			memcpy(p, sqlite3_column_blob(st, 9), (size_t)n);
		out->body = p;
		out->body_len = (size_t)n;
	}
}

int
ws_row_load(const struct account_request *r, int64_t id, struct ws_row *out,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT " ROW_COLUMNS " FROM workspace_items i"
	    " JOIN users u ON u.id = i.owner_user_id WHERE i.id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_read(st, r->arena, true, out);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(r->db, e, "reading an item");
	return rc == SQLITE_ROW ? 0 : 1;
}

static int
shared_with(sqlite3 *db, int64_t item, int64_t therapist, bool *out, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT 1 FROM workspace_shares"
	    " WHERE item_id = ? AND therapist_user_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, item);
	sqlite3_bind_int64(st, 2, therapist);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	*out = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(db, e, "reading a share");
}

int
ws_row_access(const struct account_request *r, const struct ws_row *row, int *access,
    int64_t *caller_couple, struct err *e)
{
	struct policy_item it = {
		.owner_user_id = row->owner_id,
		.couple_id = row->couple_id,
		.shared_with_partner = row->shared_with_partner,
	};
	int64_t me = ws_caller(r);
	if (couple_of(r->db, me, &it.reader_couple_id, NULL, e) < 0 ||
	    couple_of(r->db, row->owner_id, &it.owner_couple_id, NULL, e) < 0 ||
	    shared_with(r->db, row->id, me, &it.shared_with_reader, e) != 0)
		return -1;
	if (me != row->owner_id && it.reader_couple_id != 0 &&
	    ws_joint_allowed(r, it.reader_couple_id, &it.joint_allowed, e) != 0)
		return -1;
	*access = policy_workspace_item(r->auth, &it);
	if (caller_couple)
		*caller_couple = it.reader_couple_id;
	return 0;
}

int
ws_store_sealed(const struct account_request *r, const char *table, const char *column,
    const char *prefix, int64_t id, const json_t *doc, struct err *e)
{
	struct buf plain = BUF_INIT, ctx = BUF_INIT, sealed = BUF_INIT;
	int ret = -1;
	char *text = json_dumps(doc, JSON_COMPACT);
	if (text == NULL) {
		err_internal(e, "encoding a document");
		goto out;
	}
	buf_puts(&plain, text);
	memset(text, 0, strlen(text));
	free(text);
	vault_context(&ctx, prefix, id);
	if (r->vault == NULL) {
		err_internal(e, "no vault for the workspace");
		goto out;
	}
	if (vault_seal(r->vault, buf_cstr(&ctx), plain.data, plain.len, &sealed, e) != 0)
		goto out;
	struct buf sql = BUF_INIT;
	buf_printf(&sql, "UPDATE %s SET %s = ? WHERE id = ?", table, column);
	sqlite3_stmt *st = db_prepare(r->db, buf_cstr(&sql), e);
	buf_free(&sql);
	if (st == NULL)
		goto out;
	sqlite3_bind_blob(st, 1, sealed.data, (int)sealed.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "storing a sealed document");
		goto out;
	}
	ret = 0;
out:
	vault_buf_wipe(&plain);
	buf_free(&ctx);
	buf_free(&sealed);
	return ret;
}

int
ws_open_sealed(const struct account_request *r, const char *prefix, int64_t id,
    const void *blob, size_t n, json_t **out, struct err *e)
{
	struct buf ctx = BUF_INIT, plain = BUF_INIT;
	*out = NULL;
	if (r->vault == NULL)
		return err_internal(e, "no vault for the workspace");
	vault_context(&ctx, prefix, id);
	int rc = vault_open_sealed(r->vault, buf_cstr(&ctx), blob, n, &plain, e);
	buf_free(&ctx);
	if (rc != 0) {
		vault_buf_wipe(&plain);
		return -1;
	}
	json_error_t je;
	*out = json_loadb(plain.data, plain.len, 0, &je);
	vault_buf_wipe(&plain);
	if (*out == NULL)
		return err_internal(e, "a stored document does not parse");
	return 0;
}

int
ws_audit_read(const struct account_request *r, int64_t id, const char *how, struct err *e)
{
	return account_audit(r, "workspace.item_read", "workspace_item", id, how, e);
}

int
ws_joint_refused(struct err *e)
{
	return err_set(e, 403, "joint_unavailable", "",
	    "joint exercises are not available for your couple right now");
}

/* ---- the item struct ----------------------------------------------------- */

void
ws_item_release(struct ws_item *it)
{
	if (it == NULL)
		return;
	if (it->fields)
		json_decref(it->fields);
	if (it->response)
		json_decref(it->response);
	it->fields = it->response = NULL;
}

void
ws_items_release(struct ws_item *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++)
		ws_item_release(&items[i]);
}

static enum ws_access
access_of(int policy)
{
	switch (policy) {
	case POLICY_ITEM_JOINT:		return WS_ACCESS_JOINT;
	case POLICY_ITEM_PARTNER:	return WS_ACCESS_PARTNER;
	case POLICY_ITEM_THERAPIST:	return WS_ACCESS_THERAPIST;
	default:			return WS_ACCESS_OWNER;
	}
}

static void
item_from_row(const struct ws_row *row, enum ws_access access, struct ws_item *out)
{
	memset(out, 0, sizeof(*out));
	out->id = row->id;
	out->kind = ws_kind_find(row->kind);
	out->owner_id = row->owner_id;
	out->owner_name = row->owner_name;
	out->couple_id = row->couple_id;
	out->access = access;
	out->shared_with_partner = row->shared_with_partner;
	out->version = row->version;
	out->created_at = row->created_at;
	out->updated_at = row->updated_at;
	out->can_edit = access == WS_ACCESS_OWNER || access == WS_ACCESS_JOINT;
	out->can_share = access == WS_ACCESS_OWNER && row->couple_id == 0;
}

/* The response that goes with the item for this reader: the partner's
 * own, or for the owner their current partner's. */
static int
load_response(const struct account_request *r, struct ws_item *it, int64_t caller_couple,
    struct err *e)
{
	int64_t author = 0;
	if (it->kind == NULL || it->kind->response == NULL)
		return 0;
	if (it->access == WS_ACCESS_PARTNER)
		author = ws_caller(r);
	else if (it->access == WS_ACCESS_OWNER && caller_couple != 0 &&
	    couple_partner_of(r->db, caller_couple, ws_caller(r), &author, e) != 0)
		return -1;
	if (author == 0)
		return 0;
	sqlite3_stmt *st = db_prepare(r->db, "SELECT id, body, updated_at FROM workspace_responses"
	    " WHERE item_id = ? AND user_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, it->id);
	sqlite3_bind_int64(st, 2, author);
	int rc = sqlite3_step(st), ret = 0;
	if (rc == SQLITE_ROW) {
		it->response_at = (time_t)sqlite3_column_int64(st, 2);
		ret = ws_open_sealed(r, "workspace_responses.body", sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
		    &it->response, e);
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(r->db, e, "reading a response");
	}
	sqlite3_finalize(st);
	return ret;
}

/* The therapists an owner's item is shared with (one profile each). */
static int
load_therapists(const struct account_request *r, struct ws_item *it, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT min(t.id), s.therapist_user_id,"
	    " coalesce(min(t.name), ''), s.shared_at FROM workspace_shares s"
	    " LEFT JOIN therapists t ON t.owner_user_id = s.therapist_user_id"
	    " WHERE s.item_id = ? GROUP BY s.therapist_user_id ORDER BY s.shared_at", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, it->id);
	size_t cap = 4;
	it->therapists = arena_alloc(r->arena, cap * sizeof(*it->therapists));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (it->ntherapists == cap) {
			struct ws_therapist *bigger = arena_alloc(r->arena, 2 * cap * sizeof(*bigger));
			memcpy(bigger, it->therapists, cap * sizeof(*bigger));
			it->therapists = bigger;
			cap *= 2;
		}
		struct ws_therapist *t = &it->therapists[it->ntherapists++];
		t->profile_id = sqlite3_column_int64(st, 0);
		t->user_id = sqlite3_column_int64(st, 1);
		t->name = ws_column_text(st, 2, r->arena);
		t->shared = true;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "reading shares");
}

/* Fills out from row for a reader with access: the document, the
 * statement, the response, the therapists; audits a read by anyone but
 * the owner first. */
static int
item_full(const struct account_request *r, const struct ws_row *row, int policy,
    int64_t caller_couple, struct ws_item *out, struct err *e)
{
	static const char *const how[] = {
		[POLICY_ITEM_JOINT] = "joint",
		[POLICY_ITEM_PARTNER] = "partner",
		[POLICY_ITEM_THERAPIST] = "therapist",
	};
	enum ws_access access = access_of(policy);
	item_from_row(row, access, out);
	if (out->kind == NULL)
		return err_internal(e, "an item of an unknown kind");
	if (row->owner_id != ws_caller(r) && ws_audit_read(r, row->id, how[policy], e) != 0)
		return -1;
	if (ws_open_sealed(r, "workspace_items.body", row->id, row->body, row->body_len,
	    &out->fields, e) != 0)
		return -1;
	out->statement = ws_imago_statement(out->kind, out->fields, r->arena);
	out->label = ws_item_label(out->kind, out->fields, r->arena);
	if (access == WS_ACCESS_THERAPIST)
		return 0;
	if (load_response(r, out, caller_couple, e) != 0)
		goto fail;
	if (access == WS_ACCESS_OWNER && load_therapists(r, out, e) != 0)
		goto fail;
	if (access == WS_ACCESS_PARTNER && out->kind->response != NULL) {
		bool allowed;
		if (ws_joint_allowed(r, caller_couple, &allowed, e) != 0)
			goto fail;
		out->can_respond = allowed;
	}
	return 0;
fail:
	ws_item_release(out);
	return -1;
}

int
ws_item_get(const struct account_request *r, int64_t id, struct ws_item *out,
    struct err *e)
{
	struct ws_row row;
	int access;
	int64_t couple;
	memset(out, 0, sizeof(*out));
	int rc = ws_row_load(r, id, &row, e);
	if (rc < 0 || (rc == 0 && ws_row_access(r, &row, &access, &couple, e) != 0))
		return -1;
	/* A therapist reads what is shared with them through their own
	 * routes (ws_therapist_item), not as a client. */
	if (rc > 0 || access == POLICY_ITEM_NONE || access == POLICY_ITEM_THERAPIST)
		return err_set(e, 404, "not_found", "", "no such item");
	return item_full(r, &row, access, couple, out, e);
}

int
ws_therapist_item(const struct account_request *r, int64_t id, struct ws_item *out,
    struct err *e)
{
	struct ws_row row;
	int access;
	memset(out, 0, sizeof(*out));
	int rc = ws_row_load(r, id, &row, e);
	if (rc < 0 || (rc == 0 && ws_row_access(r, &row, &access, NULL, e) != 0))
		return -1;
	if (rc > 0 || access != POLICY_ITEM_THERAPIST)
		return err_set(e, 404, "not_found", "", "no such item");
	return item_full(r, &row, access, 0, out, e);
}

/* ---- writing --------------------------------------------------------------- */

static int
count_items(const struct account_request *r, int64_t owner, long long *n, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db,
	    "SELECT count(*) FROM workspace_items WHERE owner_user_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, owner);
	int rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(r->db, e, "counting items");
}

/* Inserts a row with an empty placeholder, then seals the document with
 * the row's id: both in the caller's transaction. */
static int
insert_row(const struct account_request *r, int64_t owner, const struct ws_kind *k,
    int64_t couple_id, bool shared, const json_t *doc, int64_t *id, struct err *e)
{
	long long n;
	if (count_items(r, owner, &n, e) != 0)
		return -1;
	if (n >= ITEMS_PER_PERSON)
		return err_set(e, 422, "too_many_items", "",
		    "you have %d items, the most one person may keep; delete some first",
		    ITEMS_PER_PERSON);
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO workspace_items (owner_user_id,"
	    " couple_id, kind, body, shared_with_partner, version, created_at, updated_at)"
	    " VALUES (?, ?, ?, X'', ?, 1, ?, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, owner);
	if (couple_id != 0)
		sqlite3_bind_int64(st, 2, couple_id);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_text(st, 3, k->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, shared ? 1 : 0);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->now);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "storing an item");
	*id = sqlite3_last_insert_rowid(r->db);
	return ws_store_sealed(r, "workspace_items", "body", "workspace_items.body", *id, doc, e);
}

int
ws_item_insert(const struct account_request *r, int64_t owner_id, const char *kind,
    json_t *doc, int64_t *id, struct err *e)
{
	const struct ws_kind *k = ws_kind_find(kind);
	if (k == NULL)
		return err_invalid(e, "kind", "unknown kind");
	if (k->flags & WS_KIND_JOINT)
		return err_set(e, 422, "kind_not_creatable", "kind", "a joint item needs a couple");
	if (ws_validate(k, doc, "fields", e) != 0)
		return -1;
	return insert_row(r, owner_id, k, 0, false, doc, id, e);
}

int
ws_item_create(const struct account_request *r, const char *kind, const json_t *fields,
    int64_t *id, struct err *e)
{
	if (kind == NULL)
		return err_invalid(e, "kind", "this field is required");
	const struct ws_kind *k = ws_kind_find(kind);
	if (k == NULL)
		return err_invalid(e, "kind", "unknown kind; GET /api/v1/workspace/kinds lists them");
	if (k->flags & (WS_KIND_INTERNAL | WS_KIND_MERGED))
		return err_set(e, 422, "kind_not_creatable", "kind",
		    (k->flags & WS_KIND_INTERNAL) ? "dialogue records are kept from a finished dialogue"
		    : "the shared vision is made by merging both partners' visions");
	if (ws_validate(k, fields, "fields", e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (insert_row(r, ws_caller(r), k, 0, false, fields, id, e) != 0 ||
	    account_audit(r, "workspace.item_create", "workspace_item", *id, k->name, e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* Loads the item for a change by the caller: 404 unless they may write. */
static int
load_writable(const struct account_request *r, int64_t id, struct ws_row *row,
    struct err *e)
{
	int access;
	int rc = ws_row_load(r, id, row, e);
	if (rc < 0 || (rc == 0 && ws_row_access(r, row, &access, NULL, e) != 0))
		return -1;
	if (rc > 0 || (access != POLICY_ITEM_OWNER && access != POLICY_ITEM_JOINT))
		return err_set(e, 404, "not_found", "", "no such item");
	return 0;
}

int
ws_item_update(const struct account_request *r, int64_t id, int64_t version,
    const json_t *fields, int64_t *new_version, struct err *e)
{
	struct ws_row row;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (load_writable(r, id, &row, e) != 0)
		goto fail;
	const struct ws_kind *k = ws_kind_find(row.kind);
	if (k == NULL) {
		err_internal(e, "an item of an unknown kind");
		goto fail;
	}
	if (ws_validate(k, fields, "fields", e) != 0)
		goto fail;
	if (version != row.version) {
		err_set(e, 409, "stale_version", "version",
		    "the item changed since you read it (version %lld now); reload it and"
		    " apply your change again", (long long)row.version);
		goto fail;
	}
	sqlite3_stmt *st = db_prepare(r->db, "UPDATE workspace_items SET version = version + 1,"
	    " updated_at = ? WHERE id = ? AND version = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->now);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, version);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "changing an item");
		goto fail;
	}
	if (ws_store_sealed(r, "workspace_items", "body", "workspace_items.body", id, fields, e) != 0 ||
	    account_audit(r, "workspace.item_update", "workspace_item", id, k->name, e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	*new_version = version + 1;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
ws_item_delete(const struct account_request *r, int64_t id, struct err *e)
{
	struct ws_row row;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (load_writable(r, id, &row, e) != 0)
		goto fail;
	sqlite3_stmt *st = db_prepare(r->db, "DELETE FROM workspace_items WHERE id = ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "deleting an item");
		goto fail;
	}
	if (account_audit(r, "workspace.item_delete", "workspace_item", id, row.kind, e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* ---- listing --------------------------------------------------------------- */

int
ws_items_list(const struct account_request *r, const char *kind, struct ws_item **out,
    size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	if (kind != NULL && ws_kind_find(kind) == NULL)
		return err_invalid(e, "kind", "unknown kind; GET /api/v1/workspace/kinds lists them");
	int64_t me = ws_caller(r), couple = 0, partner = 0;
	bool joint = false;
	if (couple_of(r->db, me, &couple, NULL, e) < 0 ||
	    (couple != 0 && couple_partner_of(r->db, couple, me, &partner, e) != 0) ||
	    (couple != 0 && ws_joint_allowed(r, couple, &joint, e) != 0))
		return -1;
	sqlite3_stmt *st = db_prepare(r->db, "SELECT " ROW_COLUMNS " FROM workspace_items i"
	    " JOIN users u ON u.id = i.owner_user_id"
	    " WHERE (i.owner_user_id = ?1 OR (?2 <> 0 AND i.couple_id = ?2)"
	    "   OR (?3 <> 0 AND i.owner_user_id = ?3 AND i.shared_with_partner = 1))"
	    " AND (?4 IS NULL OR i.kind = ?4)"
	    " ORDER BY i.updated_at DESC, i.id DESC LIMIT ?5", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, me);
	sqlite3_bind_int64(st, 2, couple);
	sqlite3_bind_int64(st, 3, partner);
	if (kind)
		sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int(st, 5, WS_LIST_PAGE_MAX);
	struct ws_item *items = arena_alloc(r->arena, WS_LIST_PAGE_MAX * sizeof(*items));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ws_row row;
		row_read(st, r->arena, true, &row);
		/* Asked of the policy row by row, like a single read. */
		struct policy_item pi = {
			.owner_user_id = row.owner_id, .couple_id = row.couple_id,
			.shared_with_partner = row.shared_with_partner,
			.owner_couple_id = row.owner_id == me ? couple :
			    row.owner_id == partner ? couple : 0,
			.reader_couple_id = couple,
			.joint_allowed = joint,
		};
		int access = policy_workspace_item(r->auth, &pi);
		if (access == POLICY_ITEM_NONE || access == POLICY_ITEM_THERAPIST)
			continue;
		struct ws_item *it = &items[*n];
		item_from_row(&row, access_of(access), it);
		if (it->kind == NULL)
			continue;
		it->label = it->kind->title;
		/* Only one's own items show a label: anything more of someone
		 * else's would be a read of their content. */
		if (row.owner_id == me && it->kind->label_field != NULL) {
			json_t *doc;
			if (ws_open_sealed(r, "workspace_items.body", row.id, row.body, row.body_len,
			    &doc, e) != 0) {
				sqlite3_finalize(st);
				return -1;
			}
			it->label = ws_item_label(it->kind, doc, r->arena);
			json_decref(doc);
		}
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*n = 0;
		return db_fail(r->db, e, "listing items");
	}
	*out = items;
	return 0;
}

/* ---- responses ------------------------------------------------------------- */

static int
upsert_response(const struct account_request *r, int64_t item, const json_t *doc,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO workspace_responses (item_id, user_id,"
	    " body, updated_at) VALUES (?1, ?2, X'', ?3) ON CONFLICT (item_id, user_id)"
	    " DO UPDATE SET updated_at = ?3 RETURNING id", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, item);
	sqlite3_bind_int64(st, 2, ws_caller(r));
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || id == 0)
		return db_fail(r->db, e, "storing a response");
	return ws_store_sealed(r, "workspace_responses", "body", "workspace_responses.body", id,
	    doc, e);
}

int
ws_response_set(const struct account_request *r, int64_t id, const json_t *response,
    struct err *e)
{
	struct ws_row row;
	int access;
	int64_t couple;
	json_t *doc = NULL;
	bool allowed;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = ws_row_load(r, id, &row, e);
	if (rc < 0 || (rc == 0 && ws_row_access(r, &row, &access, &couple, e) != 0))
		goto fail;
	if (rc > 0 || access != POLICY_ITEM_PARTNER) {
		if (rc == 0 && access == POLICY_ITEM_OWNER)
			err_set(e, 422, "own_item", "", "your partner responds to your items, not you");
		else
			err_set(e, 404, "not_found", "", "no such item");
		goto fail;
	}
	const struct ws_kind *k = ws_kind_find(row.kind);
	if (k == NULL || k->response == NULL) {
		err_set(e, 422, "no_response", "", "this exercise takes no response from the partner");
		goto fail;
	}
	if (ws_joint_allowed(r, couple, &allowed, e) != 0)
		goto fail;
	if (!allowed) {
		ws_joint_refused(e);
		goto fail;
	}
	if (ws_open_sealed(r, "workspace_items.body", row.id, row.body, row.body_len, &doc, e) != 0 ||
	    ws_validate_response(k, doc, response, "response", e) != 0 ||
	    upsert_response(r, id, response, e) != 0 ||
	    account_audit(r, "workspace.item_respond", "workspace_item", id, k->name, e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	json_decref(doc);
	return 0;
fail:
	if (doc)
		json_decref(doc);
	account_tx_rollback(r->db);
	return -1;
}

/* ---- the shared vision ------------------------------------------------------- */

/* owner's newest vision shared with the partner: 0 found (*doc set), 1
 * none, -1 error. */
static int
latest_vision(const struct account_request *r, int64_t owner, int64_t *item, json_t **doc,
    struct err *e)
{
	*doc = NULL;
	sqlite3_stmt *st = db_prepare(r->db, "SELECT id, body FROM workspace_items"
	    " WHERE owner_user_id = ? AND kind = 'vision' AND shared_with_partner = 1"
	    " ORDER BY updated_at DESC, id DESC LIMIT 1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, owner);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		*item = sqlite3_column_int64(st, 0);
		ret = ws_open_sealed(r, "workspace_items.body", *item, sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), doc, e);
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(r->db, e, "reading a vision");
	}
	sqlite3_finalize(st);
	return ret;
}

/* Adds a vision's sentences to merged, one per folded text, keeping the
 * more important (lower) rating of duplicates. */
static void
merge_sentences(json_t *merged, struct buf *keys, const json_t *vision)
{
	const json_t *list = json_object_get(vision, "sentences"), *s;
	size_t i;
	json_array_foreach(list, i, s) {
		const char *text = json_string_value(json_object_get(s, "text"));
		json_int_t rating = json_integer_value(json_object_get(s, "rating"));
		if (text == NULL)
			continue;
		char *key = text_fold_dup(text);
		const char *k = key && *key ? key : text;
		/* keys holds "\n"-separated folded texts in merged's order. */
		size_t idx = 0, at = 0;
		bool found = false;
		while (at < keys->len) {
			const char *nl = memchr(keys->data + at, '\n', keys->len - at);
			size_t len = (size_t)(nl - (keys->data + at));
			if (len == strlen(k) && memcmp(keys->data + at, k, len) == 0) {
				found = true;
				break;
			}
			at += len + 1;
			idx++;
		}
		if (found) {
			json_t *have = json_array_get(merged, idx);
			if (rating < json_integer_value(json_object_get(have, "rating")))
				json_object_set_new(have, "rating", json_integer(rating));
		} else if (json_array_size(merged) < VISION_MAX) {
			json_array_append_new(merged, json_pack("{s:s, s:I}", "text", text,
			    "rating", rating));
			buf_puts(keys, k);
			buf_putc(keys, '\n');
		}
		free(key);
	}
}

int
ws_vision_merge(const struct account_request *r, int64_t *id, struct err *e)
{
	int64_t me = ws_caller(r), couple, partner = 0, mine_id = 0, theirs_id = 0;
	json_t *mine = NULL, *theirs = NULL, *doc = NULL;
	struct buf keys = BUF_INIT;
	bool allowed;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = couple_of(r->db, me, &couple, NULL, e);
	if (rc != 0) {
		if (rc > 0)
			err_set(e, 404, "not_in_couple", "", "you are not in a couple");
		goto fail;
	}
	if (ws_joint_allowed(r, couple, &allowed, e) != 0)
		goto fail;
	if (!allowed) {
		ws_joint_refused(e);
		goto fail;
	}
	if (couple_partner_of(r->db, couple, me, &partner, e) != 0 ||
	    latest_vision(r, me, &mine_id, &mine, e) < 0 ||
	    (partner != 0 && latest_vision(r, partner, &theirs_id, &theirs, e) < 0))
		goto fail;
	if (mine == NULL && theirs == NULL) {
		err_set(e, 422, "no_visions", "",
		    "neither of you has shared a relationship vision with the other yet");
		goto fail;
	}
	doc = json_object();
	json_t *merged = json_array();
	json_object_set_new(doc, "sentences", merged);
	if (mine)
		merge_sentences(merged, &keys, mine);
	if (theirs)
		merge_sentences(merged, &keys, theirs);
	const struct ws_kind *k = ws_kind_find("shared_vision");
	if (ws_validate(k, doc, "fields", e) != 0 ||
	    (theirs && ws_audit_read(r, theirs_id, "partner", e) != 0) ||
	    insert_row(r, me, k, couple, true, doc, id, e) != 0 ||
	    account_audit(r, "workspace.vision_merge", "workspace_item", *id, "", e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	json_decref(mine);
	json_decref(theirs);
	json_decref(doc);
	buf_free(&keys);
	return 0;
fail:
	json_decref(mine);
	json_decref(theirs);
	json_decref(doc);
	buf_free(&keys);
	account_tx_rollback(r->db);
	return -1;
}

/* ---- JSON --------------------------------------------------------------------- */

static void
kv_time(struct jw *j, const char *key, time_t t)
{
	struct tm tm;
	char s[32];
	jw_key(j, key);
	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		jw_null(j);
	else
		jw_string(j, s);
}

static const char *
access_name(enum ws_access a)
{
	switch (a) {
	case WS_ACCESS_JOINT:		return "joint";
	case WS_ACCESS_PARTNER:		return "partner";
	case WS_ACCESS_THERAPIST:	return "therapist";
	default:			return "owner";
	}
}

static void
item_json(struct jw *j, const struct ws_item *it, bool full)
{
	jw_object_begin(j);
	jw_kv_int(j, "id", it->id);
	jw_kv_string(j, "kind", it->kind ? it->kind->name : "");
	jw_kv_string(j, "title", it->kind ? it->kind->title : "");
	jw_key(j, "owner");
	jw_object_begin(j);
	jw_kv_string(j, "display_name", it->owner_name ? it->owner_name : "");
	jw_kv_bool(j, "me", it->access == WS_ACCESS_OWNER);
	jw_object_end(j);
	jw_kv_bool(j, "joint", it->couple_id != 0);
	jw_kv_string(j, "access", access_name(it->access));
	if (it->access != WS_ACCESS_THERAPIST)
		jw_kv_bool(j, "shared_with_partner", it->shared_with_partner);
	jw_kv_int(j, "version", it->version);
	kv_time(j, "created_at", it->created_at);
	kv_time(j, "updated_at", it->updated_at);
	if (it->shared_at)
		kv_time(j, "shared_at", it->shared_at);
	jw_kv_string(j, "label", it->label ? it->label : (it->kind ? it->kind->title : ""));
	if (full) {
		jw_key(j, "fields");
		if (it->fields)
			ws_json_write(j, it->fields);
		else
			jw_null(j);
		if (it->statement)
			jw_kv_string(j, "statement", it->statement);
		if (it->access != WS_ACCESS_THERAPIST && it->kind && it->kind->response) {
			jw_key(j, "response");
			if (it->response == NULL) {
				jw_null(j);
			} else {
				jw_object_begin(j);
				jw_key(j, "fields");
				ws_json_write(j, it->response);
				kv_time(j, "updated_at", it->response_at);
				jw_object_end(j);
			}
		}
		if (it->access == WS_ACCESS_OWNER) {
			jw_key(j, "therapists");
			jw_array_begin(j);
			for (size_t i = 0; i < it->ntherapists; i++) {
				jw_object_begin(j);
				jw_kv_int(j, "id", it->therapists[i].profile_id);
				jw_kv_string(j, "name", it->therapists[i].name);
				jw_object_end(j);
			}
			jw_array_end(j);
		}
	}
	jw_kv_bool(j, "can_edit", it->can_edit);
	jw_kv_bool(j, "can_share", it->can_share);
	jw_kv_bool(j, "can_respond", it->can_respond);
	jw_object_end(j);
}

void
ws_item_json(struct jw *j, const struct ws_item *it)
{
	item_json(j, it, true);
}

void
ws_items_json(struct jw *j, const struct ws_item *items, size_t n)
{
	jw_object_begin(j);
	jw_key(j, "items");
	jw_array_begin(j);
	for (size_t i = 0; i < n; i++)
		item_json(j, &items[i], false);
	jw_array_end(j);
	jw_object_end(j);
}

/* ---- export ----------------------------------------------------------------------- */

static int
export_items(const struct account_request *r, struct jw *j, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT " ROW_COLUMNS " FROM workspace_items i"
	    " JOIN users u ON u.id = i.owner_user_id WHERE i.owner_user_id = ? ORDER BY i.id", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ws_caller(r));
	jw_key(j, "items");
	jw_array_begin(j);
	int rc = SQLITE_DONE, ret = 0;
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ws_row row;
		struct ws_item it;
		row_read(st, r->arena, true, &row);
		item_from_row(&row, WS_ACCESS_OWNER, &it);
		if (it.kind == NULL)
			continue;
		if (ws_open_sealed(r, "workspace_items.body", row.id, row.body, row.body_len,
		    &it.fields, e) != 0) {
			ret = -1;
			break;
		}
		it.statement = ws_imago_statement(it.kind, it.fields, r->arena);
		it.label = ws_item_label(it.kind, it.fields, r->arena);
		if (load_therapists(r, &it, e) != 0)
			ret = -1;
		else
			item_json(j, &it, true);
		ws_item_release(&it);
	}
	jw_array_end(j);
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_fail(r->db, e, "exporting items");
	return ret;
}

/* One exported list of sealed rows. sql selects (id, a reference to
 * show as ref_key, the sealed document, a time) for the caller (?1);
 * context names the sealed column. */
static int
export_sealed(const struct account_request *r, struct jw *j, const char *key,
    const char *sql, const char *context, const char *ref_key, const char *doc_key,
    const char *time_key, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, sql, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ws_caller(r));
	jw_key(j, key);
	jw_array_begin(j);
	int rc = SQLITE_DONE, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *doc;
		if (ws_open_sealed(r, context, sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), &doc, e) != 0) {
			ret = -1;
			break;
		}
		jw_object_begin(j);
		jw_kv_int(j, ref_key, sqlite3_column_int64(st, 1));
		jw_key(j, doc_key);
		ws_json_write(j, doc);
		kv_time(j, time_key, (time_t)sqlite3_column_int64(st, 3));
		jw_object_end(j);
		json_decref(doc);
	}
	jw_array_end(j);
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return db_fail(r->db, e, "exporting the workspace");
	return ret;
}

static int
export_responses(const struct account_request *r, struct jw *j, struct err *e)
{
	return export_sealed(r, j, "responses", "SELECT id, item_id, body, updated_at"
	    " FROM workspace_responses WHERE user_id = ?1 ORDER BY id",
	    "workspace_responses.body", "item_id", "fields", "updated_at", e);
}

static int
export_safety(const struct account_request *r, struct jw *j, struct err *e)
{
	return export_sealed(r, j, "safety", "SELECT id, couple_id, answers, answered_at"
	    " FROM safety_screens WHERE user_id = ?1 ORDER BY id",
	    "safety_screens.answers", "couple_id", "screen", "answered_at", e);
}

int
ws_export_json(const struct account_request *r, struct jw *j, struct err *e)
{
	jw_key(j, "workspace");
	jw_object_begin(j);
	int rc = 0;
	if (export_items(r, j, e) != 0 || export_responses(r, j, e) != 0 ||
	    export_safety(r, j, e) != 0)
		rc = -1;
	jw_object_end(j);
	return rc;
}
