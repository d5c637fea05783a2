/*
 * The outbox: queueing a message in the caller's transaction, and one
 * delivery pass over what is due.
 *
 * Queueing is only an INSERT, so it commits or rolls back with the change
 * that caused it (a sign-up and its verification mail are all or
 * nothing). Delivery happens later, outside any request, on its own
 * connection, one message at a time with no transaction held open while
 * talking to a mail server: a slow server never blocks writers or the
 * WAL checkpoint.
 *
 * Each message is claimed before it is sent (its next attempt pushed a
 * lease ahead), so the server's worker and `imago mail deliver` running
 * at once do not both send it; and it is marked sent only after delivery
 * succeeded. A crash in between means it is sent again once the lease
 * runs out: at least once, never lost.
 */
#include "mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../store/db.h"
#include "../util/buf.h"
#include "../util/mem.h"

/* Longer than the SMTP timeout, so a message being sent is not taken by
 * another deliverer; after a crash, the delay before it is retried. */
#define MAIL_LEASE_SECONDS	120
#define MAIL_ERROR_MAX		200	/* bytes of last_error kept */

int
mail_enqueue(sqlite3 *db, const char *to, const char *subject,
    const char *body, struct err *e)
{
	return mail_enqueue_with(db, to, subject, body, NULL, e);
}

int
mail_enqueue_with(sqlite3 *db, const char *to, const char *subject,
    const char *body, const struct mail_attachment *att, struct err *e)
{
	if (mail_check_address(to, e) < 0 || mail_check_subject(subject, e) < 0 ||
	    mail_check_body(body, e) < 0 || mail_check_attachment(att, e) < 0)
		return -1;
	sqlite3_stmt *st = db_prepare(db,
	    "INSERT INTO outbox(to_addr, subject, body, created_at, next_attempt_at,"
	    " attachment_type, attachment_name, attachment)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_int64 now = (sqlite3_int64)time(NULL);
	sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
	/* Unbound parameters are NULL: no attachment. */
	if (att) {
		sqlite3_bind_text(st, 6, att->content_type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, att->filename, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, att->data, -1, SQLITE_STATIC);
	}
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, e, "queueing mail");
	sqlite3_finalize(st);
	return rc;
}

int
mail_forget_recipient(sqlite3 *db, const char *to, struct err *e)
{
	if (to == NULL)
		return err_invalid(e, "to", "an email address is required");
	/* Addresses are ASCII (mail_check_address), so NOCASE is enough. */
	sqlite3_stmt *st = db_prepare(db,
	    "DELETE FROM outbox WHERE to_addr = ? COLLATE NOCASE", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, e, "forgetting mail");
	sqlite3_finalize(st);
	return rc;
}

static const char *
env_or_null(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

void
mail_config_from_env(struct mail_config *cfg, const char *db_path,
    char *maildir_buf, size_t maildir_buf_len)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->db_path = db_path;
	cfg->smtp_url = env_or_null("IMAGO_SMTP_URL");
	cfg->smtp_user = env_or_null("IMAGO_SMTP_USER");
	cfg->smtp_password = env_or_null("IMAGO_SMTP_PASSWORD");
	cfg->from = env_or_null("IMAGO_MAIL_FROM");
	if (cfg->from == NULL)
		cfg->from = MAIL_DEFAULT_FROM;
	cfg->poll_ms = 1000;

	const char *maildir = env_or_null("IMAGO_MAILDIR");
	int n;
	if (maildir)
		n = snprintf(maildir_buf, maildir_buf_len, "%s", maildir);
	else {
		/* "mail" beside the database: var/imago.db -> var/mail. */
		const char *slash = db_path ? strrchr(db_path, '/') : NULL;
		if (slash == NULL)
			n = snprintf(maildir_buf, maildir_buf_len, "mail");
		else
			n = snprintf(maildir_buf, maildir_buf_len, "%.*s/mail",
			    (int)(slash - db_path), db_path);
	}
	/* A truncated path would be some other directory: better none
	 * (delivery then reports the missing maildir). */
	if (n < 0 || (size_t)n >= maildir_buf_len) {
		if (maildir_buf_len > 0)
			maildir_buf[0] = '\0';
		cfg->maildir = NULL;
	} else
		cfg->maildir = maildir_buf;
}

/* One queued message, copied out of its row. */
struct queued {
	sqlite3_int64	 id;
	char		*to;
	char		*subject;
	char		*body;
	char		*attachment_type;	/* all three NULL: none */
	char		*attachment_name;
	char		*attachment;
	int		 attempts;
	sqlite3_int64	 next_attempt_at;
};

static char *
column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? xstrdup((const char *)t) : NULL;
}

/* The delay before attempt n+1 after n failures: a minute, doubling,
 * at most an hour. */
static long long
retry_delay(int failures)
{
	long long d = 60;
	for (int i = 1; i < failures && d < 3600; i++)
		d *= 2;
	return d > 3600 ? 3600 : d;
}

/* Records a failed attempt; permanent failures (a row no one could ever
 * send) give up at once. */
static int
record_failure(sqlite3 *db, const struct queued *q, const char *why,
    bool permanent, struct err *e)
{
	sqlite3_int64 now = (sqlite3_int64)time(NULL);
	int attempts = q->attempts + 1;
	bool give_up = permanent || attempts >= MAIL_MAX_ATTEMPTS;
	long long delay = retry_delay(attempts);
	char error[MAIL_ERROR_MAX + 1];
	snprintf(error, sizeof(error), "%s", why);

	/* One line, naming the message by id: no recipient, no body. */
	if (give_up)
		fprintf(stderr, "imago: mail %lld: %s (attempt %d, giving up)\n",
		    (long long)q->id, error, attempts);
	else
		fprintf(stderr, "imago: mail %lld: %s (attempt %d, next in %lld s)\n",
		    (long long)q->id, error, attempts, delay);

	sqlite3_stmt *st = db_prepare(db,
	    "UPDATE outbox SET attempts = ?1, last_error = ?2, next_attempt_at = ?3,"
	    " failed_at = ?4, body = CASE WHEN ?4 IS NULL THEN body ELSE '' END,"
	    " attachment = CASE WHEN ?4 IS NULL THEN attachment ELSE NULL END"
	    " WHERE id = ?5", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, attempts);
	sqlite3_bind_text(st, 2, error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now + delay);
	if (give_up)
		sqlite3_bind_int64(st, 4, now);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, q->id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, e, "recording a mail failure");
	sqlite3_finalize(st);
	return rc;
}

/* Takes the message for this deliverer: 1 when ours, 0 when another
 * deliverer got there first, -1 on error. */
static int
claim(sqlite3 *db, const struct queued *q, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND next_attempt_at = ?"
	    " AND sent_at IS NULL AND failed_at IS NULL", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL) + MAIL_LEASE_SECONDS);
	sqlite3_bind_int64(st, 2, q->id);
	sqlite3_bind_int64(st, 3, q->next_attempt_at);
	int rc = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(db) > 0
	    : db_fail(db, e, "claiming mail");
	sqlite3_finalize(st);
	return rc;
}

/* Gives a message back untouched (a pass cancelled mid-transfer). */
static int
release(sqlite3 *db, const struct queued *q, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "UPDATE outbox SET next_attempt_at = ? WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, q->next_attempt_at);
	sqlite3_bind_int64(st, 2, q->id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, e, "releasing mail");
	sqlite3_finalize(st);
	return rc;
}

static bool
cancelled(const struct mail_cancel *cancel)
{
	return cancel && cancel->stop && cancel->stop(cancel->arg);
}

static int
mark_sent(sqlite3 *db, sqlite3_int64 id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    /* The body goes once delivered: it may hold a live link (a
	     * password reset), and the database should not. The attachment
	     * goes too (an invitation holds links and personal details);
	     * its type and name stay, like the subject, as a record. */
	    "UPDATE outbox SET sent_at = ?, last_error = NULL, body = '',"
	    " attachment = NULL WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, e, "marking mail sent");
	sqlite3_finalize(st);
	return rc;
}

/* The next due message after after_id: 1 and q filled, 0 when none. */
static int
next_due(sqlite3 *db, sqlite3_int64 after_id, struct queued *q, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT id, to_addr, subject, body, attempts, next_attempt_at,"
	    " attachment_type, attachment_name, attachment FROM outbox"
	    " WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?"
	    " AND id > ? ORDER BY id LIMIT 1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 2, after_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		q->id = sqlite3_column_int64(st, 0);
		q->to = column_dup(st, 1);
		q->subject = column_dup(st, 2);
		q->body = column_dup(st, 3);
		q->attempts = sqlite3_column_int(st, 4);
		q->next_attempt_at = sqlite3_column_int64(st, 5);
		q->attachment_type = column_dup(st, 6);
		q->attachment_name = column_dup(st, 7);
		q->attachment = column_dup(st, 8);
		rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = db_fail(db, e, "reading the outbox");
	sqlite3_finalize(st);
	return rc;
}

static void
queued_free(struct queued *q)
{
	free(q->to);
	free(q->subject);
	free(q->body);
	free(q->attachment_type);
	free(q->attachment_name);
	free(q->attachment);
	memset(q, 0, sizeof(*q));
}

int
mail_deliver_pending(const struct mail_config *cfg, struct err *e)
{
	return mail_deliver_pending_cancellable(cfg, NULL, e);
}

int
mail_deliver_pending_cancellable(const struct mail_config *cfg,
    const struct mail_cancel *cancel, struct err *e)
{
	const char *from = cfg->from && *cfg->from ? cfg->from : MAIL_DEFAULT_FROM;
	char from_addr[MAIL_ADDRESS_MAX + 1];
	if (mail_from_address(from, from_addr, sizeof(from_addr), e) < 0)
		return -1;
	bool smtp = cfg->smtp_url && *cfg->smtp_url;
	if (!smtp && (cfg->maildir == NULL || *cfg->maildir == '\0'))
		return err_internal(e, "mail: neither an SMTP URL nor a maildir is configured");
	if (cfg->db_path == NULL)
		return err_internal(e, "mail: no database configured");
	sqlite3 *db = db_open(cfg->db_path, e);
	if (db == NULL)
		return -1;

	int sent = 0, rc = 0;
	sqlite3_int64 last_id = 0;
	struct buf msg = BUF_INIT;
	struct queued q = { 0 };
	while (!cancelled(cancel)) {
		int found = next_due(db, last_id, &q, e);
		if (found <= 0) {
			rc = found;
			break;
		}
		last_id = q.id;
		int mine = claim(db, &q, e);
		if (mine < 0) {
			rc = -1;
			break;
		}
		if (mine == 0) {
			queued_free(&q);
			continue;
		}

		/* Checked again: a row written by hand must not become a
		 * header it should not. Such a row can never be sent. */
		struct err why = ERR_INIT;
		struct mail_attachment att = {
			q.attachment_type, q.attachment_name, q.attachment,
		};
		bool has_att = q.attachment_type || q.attachment_name || q.attachment;
		if (q.to == NULL || q.subject == NULL || q.body == NULL ||
		    mail_check_address(q.to, &why) < 0 ||
		    mail_check_subject(q.subject, &why) < 0 ||
		    mail_check_body(q.body, &why) < 0 ||
		    (has_att && mail_check_attachment(&att, &why) < 0)) {
			char reason[sizeof(why.message) + 32];
			snprintf(reason, sizeof(reason), "invalid message: %s",
			    why.message[0] ? why.message : "a column is NULL");
			rc = record_failure(db, &q, reason, true, e);
			queued_free(&q);
			if (rc < 0)
				break;
			continue;
		}

		buf_reset(&msg);
		mail_format_with(&msg, from, q.to, q.subject, q.body,
		    has_att ? &att : NULL, time(NULL));
		int delivered = smtp
		    ? mail_smtp_deliver(cfg, from_addr, q.to, msg.data, msg.len, cancel, &why)
		    : mail_maildir_deliver(cfg->maildir, msg.data, msg.len, &why);
		/* Marked only now that the message is out of our hands: if we
		 * stop before this, it is sent again rather than lost. */
		if (delivered == 0) {
			rc = mark_sent(db, q.id, e);
			if (rc == 0)
				sent++;
		} else if (cancelled(cancel)) {
			/* Shutting down: not the message's fault. */
			rc = release(db, &q, e);
			queued_free(&q);
			break;
		} else
			rc = record_failure(db, &q, why.message, false, e);
		queued_free(&q);
		if (rc < 0)
			break;
	}
	queued_free(&q);
	buf_free(&msg);
	/* The bodies just cleared still sit in the write-ahead log's older
	 * frames; a truncating checkpoint takes them off the disk (best
	 * effort: a busy reader only postpones it to the next pass). */
	if (sent > 0)
		sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	db_close(db);
	return rc < 0 ? -1 : sent;
}
