/*
 * Referrals: a therapist sends a person a link to a colleague's profile
 * with a note. The mail goes to an address we know nothing about, in
 * our name, so it is limited per referring profile and per address
 * (rules in src/accounts/support.c), says who sent it and why, and
 * creates no account. The audit entry names the profiles, never the
 * address or the note.
 */
#include "extern.h"

#include <stdio.h>
#include <string.h>

#include "../mail/mail.h"
#include "../policy/policy.h"
#include "../store/db.h"

/* A name in a subject is cut to this many bytes (the subject's limit is
 * MAIL_SUBJECT_MAX bytes and a profile name may be 200 characters). */
#define SUBJECT_NAME_MAX	70

/* s cut to at most max bytes at a character boundary, with an ellipsis
 * when cut. */
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

static int
referral_mail(const struct account_request *r, const struct reviews_profile *from,
    const struct reviews_profile *to, const char *email, const char *note,
    struct err *e)
{
	const char *subject = arena_printf(r->arena, "%s referred you to %s",
	    clip(r->arena, from->name, SUBJECT_NAME_MAX), clip(r->arena, to->name,
	    SUBJECT_NAME_MAX));
	struct err check = ERR_INIT;
	if (mail_check_subject(subject, &check) != 0)
		subject = "You were referred to a therapist";
	const char *link = account_link(r, arena_printf(r->arena, "/therapists/%lld",
	    (long long)to->id));
	const char *body = arena_printf(r->arena,
	    "%s, a therapist listed on imago, referred you to %s.\n"
	    "\n"
	    "%s's profile:\n"
	    "%s\n"
	    "%s%s%s"
	    "\n"
	    "You received this message because %s entered your email address."
	    " No account was made for you, and imago will not write to you"
	    " again about this referral.\n",
	    from->name, to->name, to->name, link,
	    *note ? "\nTheir note to you:\n\n" : "", note, *note ? "\n" : "",
	    from->name);
	return mail_enqueue(r->db, email, subject, body, e);
}

static int
insert(const struct account_request *r, int64_t from, int64_t to, const char *email,
    const char *note, int64_t *id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO referrals (from_therapist_id,"
	    " to_therapist_id, email, note, created_at) VALUES (?, ?, ?, ?, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	sqlite3_bind_text(st, 3, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "storing a referral");
	*id = sqlite3_last_insert_rowid(r->db);
	return 0;
}

/* The limits are taken last, once everything else passed: a refused
 * referral does not use up the therapist's allowance. */
static int
take_limits(const struct reviews_profile *from, const char *email, struct err *e)
{
	char key[32];
	snprintf(key, sizeof(key), "%lld", (long long)from->id);
	if (account_limit("referral_therapist", key, e) != 0)
		return -1;
	return account_limit("referral_recipient", email, e);
}

int
referral_create(const struct account_request *r, int64_t to_therapist_id,
    const char *email, const char *note, struct referral *out, struct err *e)
{
	struct referral made;
	struct reviews_profile from, to;
	const char *address, *text;
	if (out == NULL)
		out = &made;
	memset(out, 0, sizeof(*out));
	if (email == NULL || *email == '\0')
		return err_invalid(e, "email", "the email address of the person you refer is required");
	if (account_email_normalize(email, r->arena, &address, e) != 0 ||
	    reviews_text(note, "note", "the note", 0, REFERRAL_NOTE_MAX, true, r->arena,
	    &text, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = reviews_profile_own(r, &from, e);
	if (rc != 0) {
		if (rc > 0)
			err_set(e, 403, "profile_required", "",
			    "referring is for therapists with a directory profile; create or claim yours first");
		goto fail;
	}
	if (!policy_refer(r->auth, !from.hidden)) {
		err_set(e, 403, "profile_hidden", "",
		    "your profile is not listed in the directory, so you cannot refer people from it");
		goto fail;
	}
	if (from.id == to_therapist_id) {
		err_set(e, 422, "self_referral", "to_therapist_id",
		    "refer the person to a colleague, not to yourself");
		goto fail;
	}
	rc = reviews_profile_by_id(r->db, to_therapist_id, r->arena, &to, e);
	if (rc < 0)
		goto fail;
	if (rc > 0 || to.hidden) {
		reviews_no_profile(e, "to_therapist_id", to_therapist_id);
		goto fail;
	}
	if (take_limits(&from, address, e) != 0 ||
	    insert(r, from.id, to.id, address, text, &out->id, e) != 0 ||
	    account_audit(r, "referral.create", "referral", out->id,
	    arena_printf(r->arena, "from therapist %lld to therapist %lld",
	    (long long)from.id, (long long)to.id), e) != 0 ||
	    referral_mail(r, &from, &to, address, text, e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	out->to_therapist_id = to.id;
	out->to_name = to.name;
	out->email = address;
	out->note = text;
	out->created_at = r->now;
	return 0;
fail:
	account_tx_rollback(r->db);
	memset(out, 0, sizeof(*out));
	return -1;
}

int
referral_list_own(const struct account_request *r, int limit, int64_t before,
    struct referral **out, size_t *n, int64_t *next_before, struct err *e)
{
	struct reviews_profile own;
	*out = NULL;
	*n = 0;
	*next_before = 0;
	int rc = reviews_profile_own(r, &own, e);
	if (rc != 0)
		return rc < 0 ? -1 : err_set(e, 404, "not_found", "",
		    "you have no directory profile yet");
	limit = reviews_limit(limit);
	sqlite3_stmt *st = db_prepare(r->db, "SELECT rf.id, rf.to_therapist_id, t.name,"
	    " rf.email, rf.note, rf.created_at"
	    " FROM referrals rf JOIN therapists t ON t.id = rf.to_therapist_id"
	    " WHERE rf.from_therapist_id = ?1 AND (?2 = 0 OR rf.id < ?2)"
	    " ORDER BY rf.id DESC LIMIT ?3", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, own.id);
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int(st, 3, limit + 1);
	struct referral *list = arena_alloc(r->arena, sizeof(*list) * (size_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == (size_t)limit) {
			*next_before = list[*n - 1].id;
			break;
		}
		struct referral *rf = &list[(*n)++];
		rf->id = sqlite3_column_int64(st, 0);
		rf->to_therapist_id = sqlite3_column_int64(st, 1);
		const unsigned char *s = sqlite3_column_text(st, 2);
		rf->to_name = arena_strdup(r->arena, s ? (const char *)s : "");
		s = sqlite3_column_text(st, 3);
		rf->email = arena_strdup(r->arena, s ? (const char *)s : "");
		s = sqlite3_column_text(st, 4);
		rf->note = arena_strdup(r->arena, s ? (const char *)s : "");
		rf->created_at = (time_t)sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(r->db, e, "listing referrals");
	*out = list;
	return 0;
}

void
referral_json(struct jw *j, const struct referral *rf)
{
	char when[32], url[48];
	reviews_iso_time(rf->created_at, when, sizeof(when));
	snprintf(url, sizeof(url), "/therapists/%lld", (long long)rf->to_therapist_id);
	jw_object_begin(j);
	jw_kv_int(j, "id", rf->id);
	jw_kv_int(j, "to_therapist_id", rf->to_therapist_id);
	jw_kv_string(j, "to_name", rf->to_name);
	jw_kv_string(j, "to_url", url);
	jw_kv_string(j, "email", rf->email);
	jw_kv_string(j, "note", rf->note);
	jw_kv_string(j, "created_at", when);
	jw_object_end(j);
}
