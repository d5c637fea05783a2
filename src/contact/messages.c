/*
 * The contact relay's flows and storage (see contact.h for the rules).
 *
 * Mail is plain text through mail_enqueue, in the flow's transaction.
 * Three kinds go out:
 * - to the sender, the confirmation link. It repeats nothing the sender
 *   typed (not their name, not the message): whoever fills in the form
 *   chooses the address, so anything echoed could be spam delivered to
 *   a stranger with our name on it.
 * - to the therapist, the confirmed message.
 * - to the sender, the therapist's reply, from imago's own address. The
 *   mail layer sets no Reply-To; the text says how to write back (the
 *   form on the profile, or the profile's address when its therapist
 *   shows it), so a reply never exposes an address they keep private.
 * Every text a person wrote goes into a body at a bounded size (cut on
 * a character boundary, saying so), so no message can be too large for
 * the outbox; into a subject goes only a name cut short and checked.
 */
#include "contact.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../audit/audit.h"
#include "../directory/profile.h"
#include "../directory/therapist.h"
#include "../mail/mail.h"
#include "../policy/policy.h"
#include "../store/db.h"
#include "../util/buf.h"
#include "../util/text.h"

/* Bytes of a person's text that go into one mail (MAIL_BODY_MAX is
 * 20000 and a 5,000-character text can take 20000 bytes). */
#define MAIL_TEXT_BYTES		15000
#define MAIL_QUOTE_BYTES	3000
/* Bytes of a name in a subject. */
#define SUBJECT_NAME_BYTES	120

/* ---- small helpers ------------------------------------------------------- */

static const char *
col_text(sqlite3_stmt *st, int i, struct arena *a)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return arena_strdup(a, s ? (const char *)s : "");
}

static time_t
col_time(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 :
	    (time_t)sqlite3_column_int64(st, i);
}

/* The length of s cut to at most max bytes on a character boundary. */
static size_t
utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* Appends at most max bytes of s, saying so when it was cut. */
static void
put_cut(struct buf *b, const char *s, size_t max)
{
	size_t n = utf8_cut(s, max);
	buf_put(b, s, n);
	if (s[n] != '\0')
		buf_puts(b, "\n[... shortened for this email]");
}

/* Appends at most max bytes of s, each line after "> ". */
static void
put_quoted(struct buf *b, const char *s, size_t max)
{
	size_t n = utf8_cut(s, max);
	buf_puts(b, "> ");
	for (size_t i = 0; i < n; i++) {
		buf_putc(b, s[i]);
		if (s[i] == '\n' && i + 1 < n)
			buf_puts(b, "> ");
	}
	if (s[n] != '\0')
		buf_puts(b, "\n> [...]");
	buf_putc(b, '\n');
}

static const char *
buf_to_arena(struct buf *b, struct arena *a)
{
	const char *s = arena_strdup(a, buf_cstr(b));
	buf_free(b);
	return s;
}

/* before + name (cut) + after, or fallback when that is no valid subject
 * (a stored name may hold characters a subject must not). */
static const char *
subject_with(struct arena *a, const char *before, const char *name,
    const char *after, const char *fallback)
{
	int n = (int)utf8_cut(name, SUBJECT_NAME_BYTES);
	const char *s = arena_printf(a, "%s%.*s%s", before, n, name, after);
	struct err ignored = ERR_INIT;
	return mail_check_subject(s, &ignored) == 0 ? s : fallback;
}

static void
date_text(char out[32], time_t t)
{
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, 32, "an unknown date");
}

static void
kv_time(struct jw *j, const char *key, time_t t)
{
	char s[32];
	struct tm tm;
	jw_key(j, key);
	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		jw_null(j);
	else
		jw_string(j, s);
}

static int
not_found(struct err *e)
{
	return err_set(e, 404, "not_found", "id", "no message with that id");
}

/* ---- validation ------------------------------------------------------------ */

/* A message as it will be stored. */
struct fields {
	const char	*name;
	const char	*email;
	const char	*phone;
	const char	*preferred;
	const char	*message;
	bool		 honeypot;
};

static char *
trimmed(struct arena *a, const char *s)
{
	return text_trim(arena_strdup(a, s ? s : ""));
}

/* The name goes into a subject: it must pass the mail module's own
 * subject check, piece by piece (a subject holds 200 bytes). */
static int
check_name(const char *in, struct arena *a, const char **out, struct err *e)
{
	const char *s = trimmed(a, in);
	size_t n = strlen(s);
	if (n == 0)
		return err_invalid(e, "name", "enter your name");
	if (!text_utf8_valid(s, n, false))
		return err_invalid(e, "name", "the name must be text on one line");
	if (text_utf8_length(s, n) > CONTACT_NAME_MAX)
		return err_invalid(e, "name", "the name has at most %d characters",
		    CONTACT_NAME_MAX);
	for (const char *p = s; *p; ) {
		size_t k = utf8_cut(p, MAIL_SUBJECT_MAX);
		struct err ignored = ERR_INIT;
		if (mail_check_subject(arena_strndup(a, p, k), &ignored) != 0)
			return err_invalid(e, "name", "the name must be text on one line");
		p += k;
	}
	*out = s;
	return 0;
}

static int
check_email(const char *in, struct arena *a, const char **out, struct err *e)
{
	if (account_email_normalize(in, a, out, e) != 0)
		return -1;
	/* The confirmation goes there: the mail layer must take it too. */
	struct err ignored = ERR_INIT;
	if (mail_check_address(*out, &ignored) != 0)
		return err_invalid(e, "email", "that does not look like an email address");
	return 0;
}

static int
check_text(const char *in, const char *param, struct arena *a, const char **out,
    struct err *e)
{
	const char *s = trimmed(a, in);
	size_t n = strlen(s);
	if (n == 0)
		return err_invalid(e, param, "write a message");
	if (!text_utf8_valid(s, n, true))
		return err_invalid(e, param, "the message must be UTF-8 text");
	if (text_utf8_length(s, n) > CONTACT_MESSAGE_MAX)
		return err_invalid(e, param, "the message has at most %d characters",
		    CONTACT_MESSAGE_MAX);
	*out = s;
	return 0;
}

static int
validate(const struct contact_input *in, struct arena *a, struct fields *f,
    struct err *e)
{
	memset(f, 0, sizeof(*f));
	if (check_name(in->name, a, &f->name, e) != 0 ||
	    check_email(in->email, a, &f->email, e) != 0)
		return -1;
	f->phone = trimmed(a, in->phone);
	if (*f->phone && therapist_check_phone(f->phone, "phone", e) != 0)
		return -1;
	const char *pref = in->preferred ? in->preferred : "";
	if (*pref == '\0' || strcmp(pref, "email") == 0)
		f->preferred = "email";
	else if (strcmp(pref, "phone") == 0)
		f->preferred = "phone";
	else
		return err_invalid(e, "preferred", "preferred is \"email\" or \"phone\"");
	if (strcmp(f->preferred, "phone") == 0 && *f->phone == '\0')
		return err_invalid(e, "phone", "give a phone number to be called back on,"
		    " or choose to be answered by email");
	if (check_text(in->message, "message", a, &f->message, e) != 0)
		return -1;
	f->honeypot = in->website != NULL && *in->website != '\0';
	return 0;
}

/* ---- where a profile's messages go ----------------------------------------- */

struct destination {
	int64_t		 owner_user_id;	/* 0: nobody: no inbox */
	const char	*to;		/* the therapist's mail, or NULL: unreachable */
	const char	*name;		/* the profile's */
};

/* 0 listed (d->to may still be NULL), 1 not listed, -1 error. */
static int
destination(sqlite3 *db, int64_t therapist_id, struct arena *a,
    struct destination *d, struct err *e)
{
	memset(d, 0, sizeof(*d));
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT t.owner_user_id, u.email, t.email, t.name FROM therapists t"
	    " LEFT JOIN users u ON u.id = t.owner_user_id"
	    " WHERE t.id = ? AND t.hidden = 0", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? 1 : db_fail(db, e, "finding where a message goes");
	}
	d->owner_user_id = sqlite3_column_int64(st, 0);
	d->name = col_text(st, 3, a);
	const char *account = col_text(st, 1, a);
	const char *listed = col_text(st, 2, a);
	struct err ignored = ERR_INIT;
	if (d->owner_user_id != 0 && *account)
		d->to = account;
	else if (*listed && mail_check_address(listed, &ignored) == 0)
		d->to = listed;
	if (d->owner_user_id != 0 && *account == '\0')
		d->owner_user_id = 0;
	sqlite3_finalize(st);
	return 0;
}

int
contact_reachable(sqlite3 *db, int64_t therapist_id, struct err *e)
{
	struct arena *a = arena_new();
	struct destination d;
	int rc = destination(db, therapist_id, a, &d, e);
	int ret = rc < 0 ? -1 : (rc == 0 && d.to != NULL);
	arena_free(a);
	return ret;
}

static int
unlisted(struct err *e)
{
	return err_set(e, 404, "not_found", "id",
	    "this therapist is not listed in the directory");
}

static int
unreachable(struct err *e)
{
	return err_set(e, 422, "no_contact", "",
	    "this listing has no way to receive messages yet; try the phone number"
	    " or website on the profile, if it gives one");
}

/* ---- sending ------------------------------------------------------------------ */

static int
mail_confirmation(const struct account_request *r, const char *to,
    const char *therapist_name, const char *token, struct err *e)
{
	const char *link = account_link(r,
	    arena_printf(r->arena, "/contact/confirm?token=%s", token));
	struct buf b = BUF_INIT;
	buf_printf(&b,
	    "Someone, we hope you, wrote to %s through the imago therapist"
	    " directory and gave this email address to be answered at.\n"
	    "\n"
	    "To send the message, confirm by opening this link within 24 hours:\n"
	    "\n"
	    "%s\n"
	    "\n"
	    "Nothing reaches the therapist until you do. If you did not write to"
	    " them, ignore this email: the message is deleted after 24 hours and"
	    " nobody learns this address.\n", therapist_name, link);
	const char *body = buf_to_arena(&b, r->arena);
	return mail_enqueue(r->db, to, subject_with(r->arena, "Confirm your message to ",
	    therapist_name, "", "Confirm your message on imago"), body, e);
}

static int
insert_message(const struct account_request *r, int64_t therapist_id,
    const struct fields *f, const unsigned char hash[32], int64_t *id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db,
	    "INSERT INTO contact_messages (therapist_id, name, email, phone, preferred,"
	    " body, status, confirm_token_hash, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, 'unconfirmed', ?, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->preferred, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, f->message, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "storing a message");
	*id = sqlite3_last_insert_rowid(r->db);
	return 0;
}

int
contact_send(const struct account_request *r, int64_t therapist_id,
    const struct contact_input *in, struct err *e)
{
	struct fields f;
	struct destination d;
	if (validate(in, r->arena, &f, e) != 0)
		return -1;
	int rc = destination(r->db, therapist_id, r->arena, &d, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return unlisted(e);
	if (d.to == NULL)
		return unreachable(e);
	/* The address limit first, so a robot filling in the honeypot meets
	 * it like anyone else and learns nothing from the answers. */
	if (account_limit("contact_ip", r->ip, e) != 0)
		return -1;
	if (f.honeypot)
		return account_audit(r, "contact.honeypot", "therapist", therapist_id, "", e);
	char key[24];
	snprintf(key, sizeof(key), "%lld", (long long)therapist_id);
	if (account_limit("contact_sender", f.email, e) != 0 ||
	    account_limit("contact_therapist", key, e) != 0)
		return -1;

	char token[TOKEN_TEXT_LEN + 1];
	unsigned char hash[32];
	int64_t id = 0;
	token_new(token);
	token_hash(token, hash);
	if (account_tx_begin(r->db, e) != 0)
		goto fail;
	if (insert_message(r, therapist_id, &f, hash, &id, e) != 0 ||
	    mail_confirmation(r, f.email, d.name, token, e) != 0 ||
	    account_audit(r, "contact.sent", "contact_message", id,
	    arena_printf(r->arena, "to therapist %lld", (long long)therapist_id), e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	explicit_bzero(token, sizeof(token));
	return 0;
fail:
	account_tx_rollback(r->db);
	explicit_bzero(token, sizeof(token));
	return -1;
}

/* ---- confirming ---------------------------------------------------------------- */

#define MESSAGE_COLUMNS \
	"m.id, m.therapist_id, m.name, m.email, m.phone, m.preferred, m.body," \
	" m.status, m.created_at, m.confirmed_at, m.read_at, m.replied_at"
#define MESSAGE_NCOLUMNS 12

static void
fill_message(sqlite3_stmt *st, struct arena *a, struct contact_message *m)
{
	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(st, 0);
	m->therapist_id = sqlite3_column_int64(st, 1);
	m->name = col_text(st, 2, a);
	m->email = col_text(st, 3, a);
	m->phone = col_text(st, 4, a);
	m->preferred = col_text(st, 5, a);
	m->body = col_text(st, 6, a);
	m->status = col_text(st, 7, a);
	m->created_at = col_time(st, 8);
	m->confirmed_at = col_time(st, 9);
	m->read_at = col_time(st, 10);
	m->replied_at = col_time(st, 11);
	m->scam_warning = contact_scam_signs(m->body);
}

static int
unknown_link(struct err *e)
{
	return err_set(e, 404, "invalid_token", "token", "this link is unknown: open"
	    " the whole link from the email; a message not confirmed within 24 hours"
	    " is deleted, so you may need to write it again");
}

/* Whether the therapist marked an earlier message from this sender as
 * spam: 1, 0, -1. */
static int
sender_marked_spam(sqlite3 *db, int64_t therapist_id, const char *email, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT EXISTS (SELECT 1 FROM contact_messages"
	    " WHERE therapist_id = ? AND email = ? AND status = 'spam')", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int ret = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : db_fail(db, e, "checking a sender");
	sqlite3_finalize(st);
	return ret;
}

static void
put_contact_lines(struct buf *b, const struct contact_message *m, bool with_email)
{
	if (with_email)
		buf_printf(b, "Their email address: %s\n", m->email);
	if (strcmp(m->preferred, "phone") == 0)
		buf_printf(b, "They would like a call at: %s\n", m->phone);
	else
		buf_puts(b, "They would like an answer by email.\n");
	if (*m->phone && strcmp(m->preferred, "phone") != 0)
		buf_printf(b, "Their phone: %s\n", m->phone);
}

static const char scam_note[] =
    "Careful: this message mentions refunds, overpayment or payment methods"
    " that scams aimed at therapists use. Never send money back before a"
    " payment has fully cleared.\n\n";

/* The confirmed message, to the therapist. With an inbox, the answer
 * belongs there (it keeps their address private and on record); without
 * one, the sender's address is the only way back. */
static int
mail_therapist(const struct account_request *r, const struct destination *d,
    const struct contact_message *m, struct err *e)
{
	struct buf b = BUF_INIT;
	bool inbox = d->owner_user_id != 0;
	if (inbox)
		buf_printf(&b, "%s sent you a message through your imago profile.\n\n", m->name);
	else
		buf_printf(&b, "%s sent a message through the imago directory to the"
		    " listing \"%s\", which gives this address.\n\n", m->name, d->name);
	put_contact_lines(&b, m, !inbox);
	buf_puts(&b, "\n----------\n");
	put_cut(&b, m->body, MAIL_TEXT_BYTES);
	buf_puts(&b, "\n----------\n\n");
	if (m->scam_warning)
		buf_puts(&b, scam_note);
	if (inbox) {
		buf_printf(&b, "Read and answer it in your imago inbox:\n\n%s\n\n"
		    "Your answer is emailed to %s without showing your own address."
		    " If this message is spam, mark it as spam there.\n",
		    account_link(r, arena_printf(r->arena, "/therapist/messages/%lld",
		    (long long)m->id)), m->name);
	} else {
		buf_printf(&b, "To answer, write to %s directly. imago keeps no inbox"
		    " for this listing until you claim it; then you read and answer"
		    " messages in imago without showing your address:\n\n%s\n",
		    m->email, account_link(r, "/account/profile"));
	}
	const char *body = buf_to_arena(&b, r->arena);
	return mail_enqueue(r->db, d->to, subject_with(r->arena, "New message from ",
	    m->name, " via imago", "New message via imago"), body, e);
}

static int
set_status(sqlite3 *db, int64_t id, const char *status, time_t confirmed_at,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE contact_messages SET status = ?2,"
	    " confirmed_at = COALESCE(confirmed_at, ?3) WHERE id = ?1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	if (confirmed_at)
		sqlite3_bind_int64(st, 3, (sqlite3_int64)confirmed_at);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "changing a message");
}

/* The message a confirmation token names: 0, 1 none, -1. */
static int
message_by_token(sqlite3 *db, const char *token, struct arena *a,
    struct contact_message *m, struct err *e)
{
	unsigned char hash[32];
	token_hash(token, hash);
	sqlite3_stmt *st = db_prepare(db, "SELECT " MESSAGE_COLUMNS
	    " FROM contact_messages m WHERE m.confirm_token_hash = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		fill_message(st, a, m);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "finding a message");
	}
	sqlite3_finalize(st);
	return ret;
}

int
contact_confirm(const struct account_request *r, const char *token, bool *already,
    struct err *e)
{
	struct contact_message m;
	struct destination d;
	*already = false;
	if (account_limit("link_ip", r->ip, e) != 0)
		return -1;
	if (token == NULL || strlen(token) != TOKEN_TEXT_LEN)
		return unknown_link(e);
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = message_by_token(r->db, token, r->arena, &m, e);
	if (rc != 0) {
		if (rc > 0)
			unknown_link(e);
		goto fail;
	}
	if (strcmp(m.status, "unconfirmed") != 0) {
		/* A second click (or a mail scanner's): nothing to do, and
		 * nothing said about what the therapist made of it. */
		account_tx_rollback(r->db);
		*already = true;
		return 0;
	}
	if (m.created_at + CONTACT_CONFIRM_SECONDS <= r->now) {
		err_set(e, 410, "link_expired", "token", "this link has expired: a message"
		    " must be confirmed within 24 hours; please write it again");
		goto fail;
	}
	rc = destination(r->db, m.therapist_id, r->arena, &d, e);
	if (rc != 0) {
		if (rc > 0)
			err_set(e, 404, "not_found", "", "this therapist is no longer listed"
			    " in the directory; your message was not delivered");
		goto fail;
	}
	if (d.to == NULL) {
		unreachable(e);
		goto fail;
	}
	rc = sender_marked_spam(r->db, m.therapist_id, m.email, e);
	if (rc < 0)
		goto fail;
	/* Someone this therapist marked as spam goes on to the spam folder,
	 * silently: the sender is told it was delivered. */
	const char *status = rc ? "spam" : "delivered";
	if (set_status(r->db, m.id, status, r->now, e) != 0 ||
	    (!rc && mail_therapist(r, &d, &m, e) != 0) ||
	    account_audit(r, "contact.delivered", "contact_message", m.id,
	    rc ? "to spam: the therapist marked this sender before" : "", e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* ---- the inbox ------------------------------------------------------------------ */

/* What a message's profile says about answering it. */
struct owning {
	int64_t		 owner_user_id;
	const char	*therapist_name;
	const char	*therapist_email;
	bool		 show_email;
};

/* A message to a profile the caller owns, delivered or spam: 0, 1 none
 * for this caller (404), -1. */
static int
load_owned(const struct account_request *r, int64_t id, struct contact_message *m,
    struct owning *o, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT " MESSAGE_COLUMNS ","
	    " t.owner_user_id, t.name, t.email, t.show_email"
	    " FROM contact_messages m JOIN therapists t ON t.id = m.therapist_id"
	    " WHERE m.id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		fill_message(st, r->arena, m);
		o->owner_user_id = sqlite3_column_int64(st, MESSAGE_NCOLUMNS);
		o->therapist_name = col_text(st, MESSAGE_NCOLUMNS + 1, r->arena);
		o->therapist_email = col_text(st, MESSAGE_NCOLUMNS + 2, r->arena);
		o->show_email = sqlite3_column_int(st, MESSAGE_NCOLUMNS + 3);
		/* Unconfirmed messages have not reached anyone yet. */
		ret = strcmp(m->status, "unconfirmed") != 0 &&
		    policy_contact_inbox(r->auth, o->owner_user_id) ? 0 : 1;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(r->db, e, "loading a message");
	}
	sqlite3_finalize(st);
	if (ret > 0)
		memset(m, 0, sizeof(*m));
	return ret;
}

static int
load_replies(sqlite3 *db, struct arena *a, struct contact_message *m, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT id, body, created_at FROM contact_replies"
	    " WHERE message_id = ? ORDER BY id", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, m->id);
	/* Never NULL afterwards: the JSON then says "replies": []. */
	size_t cap = 4;
	int rc;
	m->replies = arena_alloc(a, cap * sizeof(*m->replies));
	m->nreplies = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (m->nreplies == cap) {
			cap *= 2;
			struct contact_reply *grown = arena_alloc(a, cap * sizeof(*grown));
			if (m->nreplies)
				memcpy(grown, m->replies, m->nreplies * sizeof(*grown));
			m->replies = grown;
		}
		struct contact_reply *rp = &m->replies[m->nreplies++];
		rp->id = sqlite3_column_int64(st, 0);
		rp->body = col_text(st, 1, a);
		rp->created_at = col_time(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "loading replies");
}

/* The caller's profile, if they own one and may read its messages:
 * 0, 1 none, -1. */
static int
own_inbox(const struct account_request *r, int64_t *therapist_id, struct err *e)
{
	*therapist_id = 0;
	if (r->auth == NULL || !policy_contact_inbox(r->auth, r->auth->user.id))
		return 1;
	return profile_find_own(r, therapist_id, e);
}

int
contact_inbox(const struct account_request *r, const struct contact_filter *f,
    struct contact_page *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	const char *status = f->status;
	if (status != NULL && (*status == '\0' || strcmp(status, "all") == 0))
		status = NULL;
	if (status != NULL && strcmp(status, "delivered") != 0 && strcmp(status, "spam") != 0)
		return err_invalid(e, "status", "status is \"delivered\", \"spam\" or \"all\"");
	if (f->limit < 1 || f->limit > CONTACT_PAGE_MAX)
		return err_invalid(e, "limit", "limit is a whole number from 1 to %d",
		    CONTACT_PAGE_MAX);
	if (f->offset < 0 || f->offset > CONTACT_OFFSET_MAX)
		return err_invalid(e, "offset", "offset is a whole number from 0 to %d",
		    CONTACT_OFFSET_MAX);
	int rc = own_inbox(r, &out->therapist_id, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;

	sqlite3_stmt *st = db_prepare(r->db, "SELECT"
	    " SUM(CASE WHEN ?2 IS NULL OR status = ?2 THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status = 'delivered' AND read_at IS NULL THEN 1 ELSE 0 END)"
	    " FROM contact_messages WHERE therapist_id = ?1"
	    " AND status IN ('delivered', 'spam')", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, out->therapist_id);
	if (status)
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(r->db, e, "counting messages");
	}
	out->total = sqlite3_column_int64(st, 0);
	out->unread = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);

	st = db_prepare(r->db, "SELECT " MESSAGE_COLUMNS " FROM contact_messages m"
	    " WHERE m.therapist_id = ?1 AND m.status IN ('delivered', 'spam')"
	    " AND (?2 IS NULL OR m.status = ?2) ORDER BY m.id DESC LIMIT ?3 OFFSET ?4", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, out->therapist_id);
	if (status)
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, f->limit);
	sqlite3_bind_int(st, 4, f->offset);
	out->messages = arena_alloc(r->arena, (size_t)f->limit * sizeof(*out->messages));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->n < (size_t)f->limit)
		fill_message(st, r->arena, &out->messages[out->n++]);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(r->db, e, "listing messages");
	return 0;
}

int
contact_get(const struct account_request *r, int64_t id, struct contact_message *m,
    struct err *e)
{
	struct owning o;
	int rc = load_owned(r, id, m, &o, e);
	if (rc != 0)
		return rc < 0 ? -1 : not_found(e);
	if (load_replies(r->db, r->arena, m, e) != 0)
		return -1;
	if (m->read_at != 0)
		return 0;
	/* The first reading is a change (the inbox counts unread ones) and
	 * an access worth recording. */
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	sqlite3_stmt *st = db_prepare(r->db, "UPDATE contact_messages SET read_at = ?2"
	    " WHERE id = ?1 AND read_at IS NULL", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(r->db, e, "marking a message read");
		goto fail;
	}
	if (sqlite3_changes(r->db) > 0 &&
	    account_audit(r, "contact.read", "contact_message", id, "", e) != 0)
		goto fail;
	if (account_tx_commit(r->db, e) != 0)
		goto fail;
	m->read_at = r->now;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* The reply, to the sender: from imago, signed with the therapist's
 * name, saying how to write back without a Reply-To. */
static int
mail_reply(const struct account_request *r, const struct contact_message *m,
    const struct owning *o, const char *reply, struct err *e)
{
	const char *page = account_link(r, arena_printf(r->arena, "/therapists/%lld",
	    (long long)m->therapist_id));
	char when[32];
	date_text(when, m->created_at);
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s answered the message you sent through imago:\n"
	    "\n----------\n", o->therapist_name);
	put_cut(&b, reply, MAIL_TEXT_BYTES);
	buf_puts(&b, "\n----------\n\n");
	if (o->show_email && *o->therapist_email)
		buf_printf(&b, "To write back, email %s, or use the form on their"
		    " page:\n\n%s\n", o->therapist_email, page);
	else
		buf_printf(&b, "Answering this email does not reach %s. To write"
		    " back, use the form on their page:\n\n%s\n", o->therapist_name, page);
	buf_printf(&b, "\nYour message of %s:\n\n", when);
	put_quoted(&b, m->body, MAIL_QUOTE_BYTES);
	const char *body = buf_to_arena(&b, r->arena);
	return mail_enqueue(r->db, m->email, subject_with(r->arena, "",
	    o->therapist_name, " answered your message", "An answer to your message on imago"),
	    body, e);
}

static int
record_reply(const struct account_request *r, int64_t id, const char *body,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO contact_replies"
	    " (message_id, body, created_at) VALUES (?, ?, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "storing a reply");
	st = db_prepare(r->db, "UPDATE contact_messages SET replied_at = ?2,"
	    " read_at = COALESCE(read_at, ?2) WHERE id = ?1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "marking a message answered");
}

int
contact_reply(const struct account_request *r, int64_t id, const char *body,
    struct err *e)
{
	struct contact_message m;
	struct owning o;
	const char *text;
	if (check_text(body, "message", r->arena, &text, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = load_owned(r, id, &m, &o, e);
	if (rc != 0) {
		if (rc > 0)
			not_found(e);
		goto fail;
	}
	if (strcmp(m.status, "spam") == 0) {
		err_set(e, 409, "message_is_spam", "", "this message is marked as spam;"
		    " mark it as not spam to answer it");
		goto fail;
	}
	/* Limited after the access check, so no one spends an owner's budget. */
	if (account_limit("contact_reply", r->auth->user.email, e) != 0 ||
	    record_reply(r, id, text, e) != 0 ||
	    mail_reply(r, &m, &o, text, e) != 0 ||
	    account_audit(r, "contact.reply", "contact_message", id, "", e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
contact_mark_spam(const struct account_request *r, int64_t id, bool spam,
    struct err *e)
{
	struct contact_message m;
	struct owning o;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = load_owned(r, id, &m, &o, e);
	if (rc != 0) {
		if (rc > 0)
			not_found(e);
		goto fail;
	}
	const char *status = spam ? "spam" : "delivered";
	if (strcmp(m.status, status) == 0) {
		account_tx_rollback(r->db);	/* already so: nothing to record */
		return 0;
	}
	if (set_status(r->db, id, status, 0, e) != 0 ||
	    account_audit(r, spam ? "contact.spam" : "contact.not_spam",
	    "contact_message", id, "", e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

int
contact_sweep(sqlite3 *db, time_t now, struct err *e)
{
	if (account_tx_begin(db, e) != 0)
		return -1;
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM contact_messages"
	    " WHERE status = 'unconfirmed' AND created_at <= ?", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(now - CONTACT_CONFIRM_SECONDS));
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(db, e, "deleting unconfirmed messages");
		goto fail;
	}
	int n = sqlite3_changes(db);
	if (n > 0) {
		char detail[64];
		snprintf(detail, sizeof(detail), "deleted %d unconfirmed", n);
		struct audit_entry entry = {
			.actor = AUDIT_SYSTEM, .ip = "", .action = "contact.sweep",
			.target_type = "", .target_id = "", .detail = detail,
		};
		if (audit_append(db, &entry, e) != 0)
			goto fail;
	}
	if (account_tx_commit(db, e) != 0)
		goto fail;
	return n;
fail:
	account_tx_rollback(db);
	return -1;
}

/* ---- JSON and export ------------------------------------------------------------- */

void
contact_message_json(struct jw *j, const struct contact_message *m)
{
	jw_object_begin(j);
	jw_kv_int(j, "id", m->id);
	jw_kv_int(j, "therapist_id", m->therapist_id);
	jw_kv_string(j, "name", m->name);
	jw_kv_string(j, "email", m->email);
	jw_kv_string(j, "phone", m->phone);
	jw_kv_string(j, "preferred", m->preferred);
	jw_kv_string(j, "message", m->body);
	jw_kv_string(j, "status", m->status);
	jw_kv_bool(j, "scam_warning", m->scam_warning);
	kv_time(j, "created_at", m->created_at);
	kv_time(j, "confirmed_at", m->confirmed_at);
	kv_time(j, "read_at", m->read_at);
	kv_time(j, "replied_at", m->replied_at);
	if (m->replies != NULL) {
		jw_key(j, "replies");
		jw_array_begin(j);
		for (size_t i = 0; i < m->nreplies; i++) {
			jw_object_begin(j);
			jw_kv_int(j, "id", m->replies[i].id);
			jw_kv_string(j, "message", m->replies[i].body);
			kv_time(j, "created_at", m->replies[i].created_at);
			jw_object_end(j);
		}
		jw_array_end(j);
	}
	jw_object_end(j);
}

int
contact_export_json(const struct account_request *r, struct jw *j, struct err *e)
{
	int64_t therapist_id;
	int rc = own_inbox(r, &therapist_id, e);
	if (rc < 0)
		return -1;
	jw_key(j, "contact_messages");
	jw_array_begin(j);
	if (rc > 0) {
		jw_array_end(j);
		return 0;
	}
	sqlite3_stmt *st = db_prepare(r->db, "SELECT " MESSAGE_COLUMNS
	    " FROM contact_messages m WHERE m.therapist_id = ?"
	    " AND m.status IN ('delivered', 'spam') ORDER BY m.id", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, therapist_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct contact_message m;
		fill_message(st, r->arena, &m);
		if (load_replies(r->db, r->arena, &m, e) != 0) {
			sqlite3_finalize(st);
			return -1;
		}
		contact_message_json(j, &m);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "exporting messages");
	jw_array_end(j);
	return 0;
}

/* ---- scam signs --------------------------------------------------------------------- */

/*
 * Phrases of the overpayment and refund scams listed therapists receive
 * (a "client" pays too much by cheque, asks for the difference back,
 * and the cheque bounces) and of payment methods that cannot be undone.
 * A flag for the reader, never a reason to drop a message: real clients
 * ask about refunds too.
 */
static const char *const scam_marks[] = {
	"refund", "overpa", "over-pa", "cashier's check", "cashier\xe2\x80\x99s check",
	"cashiers check", "certified check", "money order", "wire transfer",
	"western union", "moneygram", "gift card", "giftcard", "bitcoin",
	"the difference back", "the balance back", "pay in advance", "prepay",
};

bool
contact_scam_signs(const char *text)
{
	if (text == NULL)
		return false;
	size_t n = strlen(text);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_putc(&b, (char)tolower((unsigned char)text[i]));
	bool found = false;
	for (size_t i = 0; !found && i < sizeof(scam_marks) / sizeof(scam_marks[0]); i++)
		found = strstr(buf_cstr(&b), scam_marks[i]) != NULL;
	buf_free(&b);
	return found;
}
