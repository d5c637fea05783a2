/*
 * Couples: invitations by email, accepting them, leaving (couples.h).
 *
 * An invitation is a random token stored as its SHA-256 hash, like every
 * emailed link. It names an address, not an account: inviting does not
 * look the address up at all, so its answer and its timing are the same
 * whether or not the address has an account. Only the account whose
 * verified address the invitation was sent to can accept it
 * (policy_couple_accept), so a forwarded link pairs no one else.
 */
#include "couples.h"

#include <stdio.h>
#include <string.h>

#include "../mail/mail.h"
#include "../policy/policy.h"
#include "../store/db.h"

/* A display name cut for a subject line (names are up to 100
 * characters of up to 4 bytes; the subject's limit is MAIL_SUBJECT_MAX). */
#define SUBJECT_NAME_MAX	70

static const char *
clip(struct arena *a, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return s;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return arena_printf(a, "%.*s\xe2\x80\xa6", (int)n, s);
}

static const char *
name_or(const char *name, const char *fallback)
{
	return name != NULL && *name != '\0' ? name : fallback;
}

static const char *
column_dup(sqlite3_stmt *st, int col, struct arena *a)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	return arena_strdup(a, s ? (const char *)s : "");
}

static int64_t
caller_id(const struct account_request *r)
{
	return r->auth != NULL && r->auth->kind != AUTH_NONE ? r->auth->user.id : 0;
}

int
couple_of(sqlite3 *db, int64_t user_id, int64_t *couple_id, time_t *since,
    struct err *e)
{
	*couple_id = 0;
	sqlite3_stmt *st = db_prepare(db, "SELECT c.id, c.created_at FROM couple_members m"
	    " JOIN couples c ON c.id = m.couple_id WHERE m.user_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	int rc = sqlite3_step(st);
	int ret = 1;
	if (rc == SQLITE_ROW) {
		*couple_id = sqlite3_column_int64(st, 0);
		if (since)
			*since = (time_t)sqlite3_column_int64(st, 1);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "finding a couple");
	}
	sqlite3_finalize(st);
	return ret;
}

int
couple_partner_of(sqlite3 *db, int64_t couple_id, int64_t user_id, int64_t *partner,
    struct err *e)
{
	*partner = 0;
	sqlite3_stmt *st = db_prepare(db, "SELECT user_id FROM couple_members"
	    " WHERE couple_id = ? AND user_id <> ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, couple_id);
	sqlite3_bind_int64(st, 2, user_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*partner = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(db, e, "finding a partner");
}

static int
in_couple_error(struct err *e)
{
	return err_set(e, 409, "already_in_couple", "",
	    "you are already in a couple; leave it first");
}

/* Withdraws every open invitation user_id sent (one at most, by the
 * rule couple_invite keeps). */
static int
revoke_open(sqlite3 *db, int64_t user_id, time_t now, int *changed, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE couple_invites SET revoked_at = ?1"
	    " WHERE inviter_user_id = ?2 AND accepted_at IS NULL AND revoked_at IS NULL", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, user_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "withdrawing an invitation");
	if (changed)
		*changed = sqlite3_changes(db);
	return 0;
}

/* ---- inviting --------------------------------------------------------- */

static int
invite_mail(const struct account_request *r, const char *email, const char *token,
    struct err *e)
{
	const char *name = r->auth->user.display_name;
	const char *subject = arena_printf(r->arena, "%s invites you to practise together on imago",
	    clip(r->arena, name, SUBJECT_NAME_MAX));
	struct err check = ERR_INIT;
	if (mail_check_subject(subject, &check) != 0)
		subject = "An invitation to practise together on imago";
	const char *link = account_link(r, arena_printf(r->arena, "/couple/accept?token=%s", token));
	const char *body = arena_printf(r->arena,
	    "%s invites you to join them as a couple on imago, to practise the"
	    " Imago Dialogue and exercises together.\n"
	    "\n"
	    "To accept, open this link within 7 days:\n"
	    "%s\n"
	    "\n"
	    "You need an imago account with this email address: sign in if you"
	    " have one, or sign up with this address first and then open the"
	    " link again.\n"
	    "\n"
	    "If you do not know %s or do not want to, ignore this message;"
	    " nothing happens unless you accept.\n",
	    name, link, name);
	return mail_enqueue(r->db, email, subject, body, e);
}

static int
insert_invite(const struct account_request *r, const char *email,
    const unsigned char hash[32], int64_t *id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO couple_invites (inviter_user_id,"
	    " email, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, caller_id(r));
	sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->now);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->now + COUPLE_INVITE_SECONDS);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "storing an invitation");
	*id = sqlite3_last_insert_rowid(r->db);
	return 0;
}

int
couple_invite(const struct account_request *r, const char *email,
    struct couple_invitation *out, struct err *e)
{
	const char *address;
	int64_t couple_id, me = caller_id(r);
	if (me == 0)
		return err_set(e, 401, "authentication_required", "", "sign in first");
	if (email == NULL || *email == '\0')
		return err_invalid(e, "email", "your partner's email address is required");
	if (account_email_normalize(email, r->arena, &address, e) != 0)
		return -1;
	if (strcmp(address, r->auth->user.email) == 0)
		return err_set(e, 422, "self_invite", "email",
		    "invite your partner's address, not your own");
	if (r->auth->user.display_name == NULL || *r->auth->user.display_name == '\0')
		return err_set(e, 422, "display_name_required", "",
		    "set your name on your account page first, so your partner knows who invites them");
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = couple_of(r->db, me, &couple_id, NULL, e);
	if (rc <= 0) {
		if (rc == 0)
			in_couple_error(e);
		goto fail;
	}
	char key[32], token[TOKEN_TEXT_LEN + 1];
	unsigned char hash[32];
	snprintf(key, sizeof(key), "%lld", (long long)me);
	token_new(token);
	token_hash(token, hash);
	/* The limit is taken last, so a refused invitation costs nothing. */
	if (account_limit("couple_invite", key, e) != 0 ||
	    revoke_open(r->db, me, r->now, NULL, e) != 0 ||
	    insert_invite(r, address, hash, &out->id, e) != 0 ||
	    account_audit(r, "couple.invite", "couple_invite", out->id, "", e) != 0 ||
	    invite_mail(r, address, token, e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	out->email = address;
	out->created_at = r->now;
	out->expires_at = r->now + COUPLE_INVITE_SECONDS;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
couple_revoke_invite(const struct account_request *r, struct err *e)
{
	int changed = 0;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (revoke_open(r->db, caller_id(r), r->now, &changed, e) != 0)
		goto fail;
	if (changed == 0) {
		err_set(e, 404, "no_invitation", "", "you have no open invitation");
		goto fail;
	}
	if (account_audit(r, "couple.invite_revoke", "user", caller_id(r), "", e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* ---- accepting -------------------------------------------------------- */

struct invite_row {
	int64_t		 id;
	int64_t		 inviter;
	const char	*email;
	time_t		 expires_at;
	bool		 accepted, revoked;
};

/* 0 found, 1 unknown, -1 error. */
static int
invite_by_token(const struct account_request *r, const char *token,
    struct invite_row *out, struct err *e)
{
	if (token == NULL || strlen(token) != TOKEN_TEXT_LEN)
		return 1;
	unsigned char hash[32];
	token_hash(token, hash);
	sqlite3_stmt *st = db_prepare(r->db, "SELECT id, inviter_user_id, email, expires_at,"
	    " accepted_at IS NOT NULL, revoked_at IS NOT NULL FROM couple_invites"
	    " WHERE token_hash = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int ret = 1;
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->inviter = sqlite3_column_int64(st, 1);
		out->email = column_dup(st, 2, r->arena);
		out->expires_at = (time_t)sqlite3_column_int64(st, 3);
		out->accepted = sqlite3_column_int(st, 4) != 0;
		out->revoked = sqlite3_column_int(st, 5) != 0;
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(r->db, e, "finding an invitation");
	}
	sqlite3_finalize(st);
	return ret;
}

/* Why an invitation cannot be used by this caller, checked in the order
 * that helps them most: a dead link first (nothing they can do but ask
 * for a new one), then the account, then the couples. */
static int
check_acceptable(const struct account_request *r, const struct invite_row *inv,
    struct err *e)
{
	if (inv->revoked)
		return err_set(e, 404, "invalid_token", "token",
		    "this invitation was withdrawn; ask your partner to send a new one");
	if (inv->accepted)
		return err_set(e, 410, "invitation_used", "token",
		    "this invitation was already accepted");
	if (inv->expires_at <= r->now)
		return err_set(e, 410, "invitation_expired", "token",
		    "this invitation has expired; ask your partner to send a new one");
	if (inv->inviter == caller_id(r))
		return err_set(e, 422, "self_invite", "token",
		    "this is your own invitation; your partner accepts it from their account");
	if (!policy_couple_accept(r->auth, inv->email))
		return err_set(e, 403, "wrong_account", "token",
		    "this invitation was sent to another address; sign in with the account"
		    " of the address it was sent to (or sign up with it)");
	return 0;
}

static int
insert_couple(const struct account_request *r, int64_t a, int64_t b, int64_t *id,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO couples (created_at) VALUES (?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "making a couple");
	*id = sqlite3_last_insert_rowid(r->db);
	st = db_prepare(r->db, "INSERT INTO couple_members (user_id, couple_id, joined_at)"
	    " VALUES (?1, ?3, ?4), (?2, ?3, ?4)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	sqlite3_bind_int64(st, 3, *id);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "adding partners to a couple");
}

static int
mark_accepted(const struct account_request *r, int64_t id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db,
	    "UPDATE couple_invites SET accepted_at = ? WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->now);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "accepting an invitation");
}

static int
accepted_mail(const struct account_request *r, const struct user *inviter,
    struct err *e)
{
	const char *name = name_or(r->auth->user.display_name, "Your partner");
	const char *body = arena_printf(r->arena,
	    "%s accepted your invitation: you are now a couple on imago.\n"
	    "\n"
	    "Your couple:\n"
	    "%s\n"
	    "\n"
	    "Either of you can leave the couple at any time from that page.\n",
	    name, account_link(r, "/account/couple"));
	return mail_enqueue(r->db, inviter->email, "Your partner accepted your invitation",
	    body, e);
}

int
couple_accept(const struct account_request *r, const char *token, struct err *e)
{
	struct invite_row inv = { 0 };
	struct user inviter;
	int64_t couple_id, me = caller_id(r);
	if (me == 0)
		return err_set(e, 401, "authentication_required", "", "sign in first");
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = invite_by_token(r, token, &inv, e);
	if (rc != 0) {
		if (rc > 0)
			err_set(e, 404, "invalid_token", "token",
			    "this invitation link is not valid; open the whole link from the email");
		goto fail;
	}
	if (check_acceptable(r, &inv, e) != 0)
		goto fail;
	if ((rc = couple_of(r->db, me, &couple_id, NULL, e)) <= 0) {
		if (rc == 0)
			in_couple_error(e);
		goto fail;
	}
	if ((rc = couple_of(r->db, inv.inviter, &couple_id, NULL, e)) <= 0) {
		if (rc == 0)
			err_set(e, 409, "inviter_in_couple", "token",
			    "the person who invited you is in another couple now");
		goto fail;
	}
	if ((rc = user_by_id(r->db, inv.inviter, r->arena, &inviter, e)) != 0) {
		if (rc > 0)	/* deleted: the invitation went with them (cascade) */
			err_set(e, 404, "invalid_token", "token", "this invitation is no longer valid");
		goto fail;
	}
	/* Both are now taken: neither keeps an invitation open to someone else. */
	if (insert_couple(r, inv.inviter, me, &couple_id, e) != 0 ||
	    mark_accepted(r, inv.id, e) != 0 ||
	    revoke_open(r->db, inv.inviter, r->now, NULL, e) != 0 ||
	    revoke_open(r->db, me, r->now, NULL, e) != 0 ||
	    account_audit(r, "couple.create", "couple", couple_id,
	    arena_printf(r->arena, "invitation %lld", (long long)inv.id), e) != 0 ||
	    accepted_mail(r, &inviter, e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* ---- leaving ---------------------------------------------------------- */

static int
left_mail(const struct account_request *r, const char *leaver_name,
    const struct user *partner, struct err *e)
{
	const char *body = arena_printf(r->arena,
	    "%s left your couple on imago, so you are no longer a couple there.\n"
	    "\n"
	    "Your own account and everything private in it stay as they were."
	    " To practise together again, one of you can send a new invitation:\n"
	    "%s\n",
	    name_or(leaver_name, "Your partner"), account_link(r, "/account/couple"));
	return mail_enqueue(r->db, partner->email, "Your couple on imago has ended", body, e);
}

/*
 * Ends user_id's couple inside the caller's transaction: 0 done, 1 not
 * in a couple, -1 error. A couple of one is no couple, so the couple row
 * goes and both memberships with it (ON DELETE CASCADE).
 *
 * When shared items arrive (the workspace's dialogues and exercises,
 * issue 5), leaving must hide everything shared between the two at
 * once: whatever they shared was shared with the couple, and the couple
 * is gone. Delete or detach those items here, in this transaction.
 */
static int
dissolve(const struct account_request *r, int64_t user_id, const char *name,
    int64_t *couple_out, struct err *e)
{
	int64_t couple_id, partner_id;
	struct user partner;
	int rc = couple_of(r->db, user_id, &couple_id, NULL, e);
	if (rc != 0)
		return rc;
	if (couple_partner_of(r->db, couple_id, user_id, &partner_id, e) != 0)
		return -1;
	sqlite3_stmt *st = db_prepare(r->db, "DELETE FROM couples WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, couple_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "ending a couple");
	*couple_out = couple_id;
	if (partner_id == 0)
		return 0;
	rc = user_by_id(r->db, partner_id, r->arena, &partner, e);
	if (rc < 0)
		return -1;
	return rc == 0 ? left_mail(r, name, &partner, e) : 0;
}

int
couple_leave(const struct account_request *r, struct err *e)
{
	int64_t couple_id = 0;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = dissolve(r, caller_id(r), r->auth->user.display_name, &couple_id, e);
	if (rc != 0) {
		if (rc > 0)
			err_set(e, 404, "not_in_couple", "", "you are not in a couple");
		goto fail;
	}
	if (account_audit(r, "couple.leave", "couple", couple_id, "", e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
couple_forget_user(const struct account_request *r, int64_t user_id, struct err *e)
{
	int64_t couple_id = 0;
	struct user u;
	const char *name = "";
	int rc = user_by_id(r->db, user_id, r->arena, &u, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		name = u.display_name;
	rc = dissolve(r, user_id, name, &couple_id, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return 0;
	return account_audit(r, "couple.leave", "couple", couple_id, "account deleted", e);
}

/* ---- reading ---------------------------------------------------------- */

static int
open_invitation(const struct account_request *r, struct couple_view *out,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT id, email, created_at, expires_at"
	    " FROM couple_invites WHERE inviter_user_id = ? AND accepted_at IS NULL"
	    " AND revoked_at IS NULL AND expires_at > ? ORDER BY id DESC LIMIT 1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, caller_id(r));
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->has_invitation = true;
		out->invitation.id = sqlite3_column_int64(st, 0);
		out->invitation.email = column_dup(st, 1, r->arena);
		out->invitation.created_at = (time_t)sqlite3_column_int64(st, 2);
		out->invitation.expires_at = (time_t)sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "reading an invitation");
}

int
couple_get(const struct account_request *r, struct couple_view *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	out->partner_name = "";
	int64_t me = caller_id(r), partner_id;
	int rc = couple_of(r->db, me, &out->couple_id, &out->since, e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		struct user partner;
		if (couple_partner_of(r->db, out->couple_id, me, &partner_id, e) != 0)
			return -1;
		if (partner_id != 0 && policy_couple_member(r->auth, me, partner_id)) {
			rc = user_by_id(r->db, partner_id, r->arena, &partner, e);
			if (rc < 0)
				return -1;
			if (rc == 0)
				out->partner_name = partner.display_name ? partner.display_name : "";
		}
	}
	return open_invitation(r, out, e);
}

static void
kv_time(struct jw *j, const char *key, time_t t)
{
	struct tm tm;
	char s[32];
	jw_key(j, key);
	if (gmtime_r(&t, &tm) == NULL || strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		jw_null(j);
	else
		jw_string(j, s);
}

void
couple_view_json(struct jw *j, const struct couple_view *v)
{
	jw_object_begin(j);
	jw_key(j, "couple");
	if (v->couple_id == 0) {
		jw_null(j);
	} else {
		jw_object_begin(j);
		jw_kv_int(j, "id", v->couple_id);
		jw_key(j, "partner");
		jw_object_begin(j);
		jw_kv_string(j, "display_name", v->partner_name);
		jw_object_end(j);
		kv_time(j, "since", v->since);
		jw_object_end(j);
	}
	jw_key(j, "invitation");
	if (!v->has_invitation) {
		jw_null(j);
	} else {
		jw_object_begin(j);
		jw_kv_int(j, "id", v->invitation.id);
		jw_kv_string(j, "email", v->invitation.email);
		kv_time(j, "created_at", v->invitation.created_at);
		kv_time(j, "expires_at", v->invitation.expires_at);
		jw_object_end(j);
	}
	jw_object_end(j);
}
