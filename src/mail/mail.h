/*
 * Outgoing email. A request never sends mail itself: it adds a message
 * to the outbox table inside its own transaction (so the message exists
 * exactly when the change that caused it was committed), and a delivery
 * worker thread sends what is pending. Delivery is by SMTP through
 * libcurl when a URL is configured, otherwise into a maildir (var/mail/
 * by default) where a developer or a test can read what would have been
 * sent. A message is marked sent only after delivery succeeded, so a
 * process that stops in between sends it again on restart (at least
 * once, never lost). Failures are retried with growing delays.
 */
#ifndef IMAGO_MAIL_H
#define IMAGO_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <sqlite3.h>

#include "../util/buf.h"
#include "../util/err.h"

#define MAIL_SUBJECT_MAX	200
#define MAIL_BODY_MAX		20000
#define MAIL_MAX_ATTEMPTS	8	/* then the message is marked failed */
#define MAIL_ADDRESS_MAX	254	/* RFC 5321's limit on a forward path */
#define MAIL_DEFAULT_FROM	"imago <no-reply@localhost>"
#define MAIL_ATTACHMENT_MAX	(1024 * 1024)	/* bytes of data */
#define MAIL_ATTACHMENT_TYPE_MAX 64	/* "Content-Type: " + 64 is 78 */
#define MAIL_ATTACHMENT_NAME_MAX 64

struct mail_config {
	const char	*db_path;
	const char	*maildir;	/* used when smtp_url is NULL */
	const char	*smtp_url;	/* "smtp://host:25", "smtps://host:465" */
	const char	*smtp_user;	/* optional */
	const char	*smtp_password;	/* optional; never logged */
	const char	*from;		/* "imago <no-reply@example.org>" */
	unsigned	 poll_ms;	/* how often the worker looks, at most */
};

/* Fills cfg from the environment (IMAGO_SMTP_URL, IMAGO_SMTP_USER,
 * IMAGO_SMTP_PASSWORD, IMAGO_MAIL_FROM, IMAGO_MAILDIR); maildir defaults
 * to "mail" beside the database file (arena-free: strings are static or
 * from getenv, except maildir which is written into maildir_buf). */
void	mail_config_from_env(struct mail_config *cfg, const char *db_path,
	    char *maildir_buf, size_t maildir_buf_len);

/* One file sent along with the text (an .ics invitation). Its type and
 * name become headers, so they are checked like the subject is. */
struct mail_attachment {
	const char	*content_type;	/* "text/calendar; charset=UTF-8; method=PUBLISH" */
	const char	*filename;	/* "invitation.ics": [A-Za-z0-9._-] only */
	const char	*data;		/* at most MAIL_ATTACHMENT_MAX bytes */
};

/* Adds a plain-text UTF-8 message to the outbox, in the caller's
 * transaction. Refuses a recipient or subject with control characters
 * (header injection) or a body over MAIL_BODY_MAX. */
int	mail_enqueue(sqlite3 *db, const char *to, const char *subject,
	    const char *body, struct err *e);
/* mail_enqueue with an attachment (att NULL: none, as mail_enqueue);
 * also refuses an attachment mail_check_attachment refuses. */
int	mail_enqueue_with(sqlite3 *db, const char *to, const char *subject,
	    const char *body, const struct mail_attachment *att, struct err *e);

/* Delivers every message that is due, once; returns how many were sent
 * or -1. Used by the worker and by `imago mail deliver`. */
int	mail_deliver_pending(const struct mail_config *cfg, struct err *e);

/* The background worker for `serve`. mail_wake() makes it look now
 * (called after a commit that enqueued mail). The worker copies cfg;
 * start returns NULL with e set when no thread could be made; wake and
 * stop accept NULL (no worker) and do nothing. */
struct mail_worker;
struct mail_worker *mail_worker_start(const struct mail_config *cfg, struct err *e);
void	mail_wake(struct mail_worker *w);
void	mail_worker_stop(struct mail_worker *w);

/* Deletes every message to an address, sent or not (account deletion:
 * the bodies are personal data too). */
int	mail_forget_recipient(sqlite3 *db, const char *to, struct err *e);

/* ---- building blocks (exposed for the tests and for each other) ------ */

/* The checks mail_enqueue makes, also made again at delivery (a row may
 * have been written by hand). 0, or -1 with e (400, param "to",
 * "subject" or "body"). */
int	mail_check_address(const char *addr, struct err *e);
int	mail_check_subject(const char *subject, struct err *e);
int	mail_check_body(const char *body, struct err *e);
/* A content type "type/subtype" with "; name=value" parameters, all
 * tokens (no quotes, no spaces but after ';', at most
 * MAIL_ATTACHMENT_TYPE_MAX bytes); a filename of letters, digits, '.',
 * '_' and '-' not starting with '.'; data present and at most
 * MAIL_ATTACHMENT_MAX bytes. 0, or -1 with e (400, param
 * "attachment_type", "attachment_name" or "attachment"). */
int	mail_check_attachment(const struct mail_attachment *att, struct err *e);

/* Checks a From value ("Name <a@b>" or "a@b") and copies its address
 * part into addr. 0, or -1 with e. */
int	mail_from_address(const char *from, char *addr, size_t addr_len,
	    struct err *e);

/* Appends a whole RFC 5322 message: headers, a blank line and the body
 * as quoted-printable, every line ending in CRLF. The arguments must have
 * passed the checks above. */
void	mail_format(struct buf *out, const char *from, const char *to,
	    const char *subject, const char *body, time_t now);
/* mail_format with an attachment (att NULL: exactly mail_format): a
 * multipart/mixed message whose first part is the text as mail_format
 * writes it and whose second is the attachment in base64, lines of 76.
 * att must have passed mail_check_attachment. */
void	mail_format_with(struct buf *out, const char *from, const char *to,
	    const char *subject, const char *body,
	    const struct mail_attachment *att, time_t now);
/* Quoted-printable (RFC 2045): encoded lines of at most 76 characters;
 * every line end in s (LF, CR or CRLF) becomes CRLF, and the result
 * ends with CRLF unless s is empty. */
void	mail_qp_encode(struct buf *out, const char *s, size_t n);
/* An unstructured header value (a subject) starting at column `column`:
 * as is when plain ASCII, else RFC 2047 encoded-words (base64 UTF-8);
 * folded to lines of at most 78 characters where it can be. */
void	mail_encode_header(struct buf *out, const char *text, size_t column);

/* A way to stop a delivery pass early (the worker's shutdown): stop(arg)
 * is asked between messages and, during an SMTP transfer, about once a
 * second. NULL means never. */
struct mail_cancel {
	bool	(*stop)(void *arg);
	void	*arg;
};

/* mail_deliver_pending that ends early once cancel says so; a message
 * interrupted mid-transfer is left due, its attempt not counted. */
int	mail_deliver_pending_cancellable(const struct mail_config *cfg,
	    const struct mail_cancel *cancel, struct err *e);

/* Delivery of one formatted message; 0, or -1 with a short message in e
 * that is safe to log and to store (no password, no body). */
int	mail_maildir_deliver(const char *maildir, const char *msg, size_t len,
	    struct err *e);
int	mail_smtp_deliver(const struct mail_config *cfg, const char *from_addr,
	    const char *to, const char *msg, size_t len,
	    const struct mail_cancel *cancel, struct err *e);

#endif
