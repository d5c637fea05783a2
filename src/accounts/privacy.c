/*
 * A person's rights over their data: a copy of everything we hold about
 * them, and deletion. Deleting removes the account row, and with it (by
 * the schema's ON DELETE CASCADE) sessions, tokens, links and recovery
 * codes; their directory profile; and mail not yet sent to them. The
 * audit log keeps its entries, which name the person only by a random
 * audit_ref that nothing links to anyone once the account is gone.
 */
#include "extern.h"

#include "../audit/audit.h"
#include "../couples/couples.h"
#include "../mail/mail.h"
#include "../store/db.h"

int
account_export_json(const struct account_request *r, struct jw *j, struct err *e)
{
	struct user u;
	if (user_by_id(r->db, actor_id(r), r->arena, &u, e) != 0)
		return err_is_set(e) ? -1 : err_set(e, 404, "not_found", "", "no such account");
	jw_kv_string(j, "format", "imago-export-1");
	jw_key(j, "account");
	user_json(j, &u);
	if (account_sessions_json(r, j, e) != 0 || account_tokens_json(r, j, e) != 0)
		return -1;
	/* What the person did, as the audit log recorded it. */
	struct audit_filter f = { .actor = u.audit_ref };
	jw_key(j, "activity");
	if (audit_entries_json(r->db, &f, j, e) != 0)
		return -1;
	return account_audit(r, "user.export", "user", u.id, "", e);
}

static int
run_for_user(sqlite3 *db, const char *sql, int64_t user_id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, sql, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "deleting an account");
}

int
account_delete(const struct account_request *r, const char *password, struct err *e)
{
	if (check_current_password(r, password, "password", e) != 0)
		return -1;
	int64_t id = actor_id(r);
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	/* The audit entry first: it names the account by audit_ref, which
	 * stays meaningful to no one after the row below is gone. */
	if (account_audit(r, "user.delete", "user", id, "", e) != 0 ||
	    run_for_user(r->db, "DELETE FROM therapists WHERE owner_user_id = ?", id, e) != 0 ||
	    couple_forget_user(r, id, e) != 0 ||	/* no couple of one left behind */
	    mail_forget_recipient(r->db, r->auth->user.email, e) != 0 ||
	    run_for_user(r->db, "DELETE FROM users WHERE id = ?", id, e) != 0) {
		account_tx_rollback(r->db);
		return -1;
	}
	return account_tx_commit(r->db, e);
}
