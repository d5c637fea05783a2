/*
 * The contact relay: people write to a therapist through a form on the
 * profile instead of reading an address off the page, and the therapist
 * answers from the app without showing theirs.
 *
 * A message is stored "unconfirmed" and its sender gets a link; only
 * when they open it (proving the address is theirs) does the message
 * become "delivered": then it reaches the therapist by email and, for a
 * profile with an owner account, in the app's inbox. Unconfirmed
 * messages are deleted after CONTACT_CONFIRM_SECONDS (contact_sweep).
 *
 * Where a message goes:
 * - a profile with an owner: the owner's account email (never shown to
 *   anyone) and the inbox. The mail does not carry the sender's address:
 *   answering from the app keeps the therapist's own address private
 *   and the answer on record; the inbox shows the address.
 * - an imported profile nobody has claimed: the email address on the
 *   profile. There is no inbox to answer from, so that mail carries the
 *   sender's address and the therapist answers directly.
 * - neither: the profile cannot be reached (422 "no_contact").
 *
 * Abuse controls: a honeypot field, rate limits per address, per sender
 * email and per profile, confirmation mails that repeat nothing the
 * sender typed (so they cannot carry spam to someone else's address),
 * spam marking (later messages from a sender this therapist marked as
 * spam go straight to spam), and a warning on messages with the marks
 * of overpayment and refund scams.
 *
 * Every flow writes in one BEGIN IMMEDIATE transaction with its audit
 * entry (no message text, no email address) and its mail.
 */
#ifndef IMAGO_CONTACT_H
#define IMAGO_CONTACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "../accounts/accounts.h"
#include "../util/err.h"
#include "../util/jw.h"

#define CONTACT_NAME_MAX	100	/* characters */
#define CONTACT_MESSAGE_MAX	5000	/* characters, of a message or a reply */
#define CONTACT_PHONE_MAX	40	/* bytes, as on profiles */
#define CONTACT_CONFIRM_SECONDS	(24 * 60 * 60)
#define CONTACT_PAGE_DEFAULT	20
#define CONTACT_PAGE_MAX	100	/* messages per page of the inbox */
#define CONTACT_OFFSET_MAX	1000000

/* What a sender sent, as text; NULL is absent. */
struct contact_input {
	const char	*name;
	const char	*email;
	const char	*phone;
	const char	*preferred;	/* "email" (the default) or "phone" */
	const char	*message;
	const char	*website;	/* the honeypot: people leave it empty */
};

/* Whether listed profile therapist_id can receive messages: 1 yes, 0
 * no (not listed, or nowhere to deliver), -1 error. */
int	contact_reachable(sqlite3 *db, int64_t therapist_id, struct err *e);

/*
 * Stores a message to listed profile therapist_id and mails its sender
 * the confirmation link. Anyone may call it. 0 also when the honeypot
 * was filled in (then nothing is stored or sent). Errors: 400 naming
 * the field, 404 "not_found" (no such listed profile), 422
 * "no_contact", 429 from a limit.
 */
int	contact_send(const struct account_request *r, int64_t therapist_id,
	    const struct contact_input *in, struct err *e);

/* Opens a confirmation link: delivers the message (once). *already is
 * true when it had been delivered before. 404 "invalid_token" for an
 * unknown link, 410 "link_expired" after CONTACT_CONFIRM_SECONDS. */
int	contact_confirm(const struct account_request *r, const char *token,
	    bool *already, struct err *e);

struct contact_reply {
	int64_t		 id;
	const char	*body;
	time_t		 created_at;
};

struct contact_message {
	int64_t		 id;
	int64_t		 therapist_id;
	const char	*name;
	const char	*email;		/* the sender's */
	const char	*phone;		/* "" when not given */
	const char	*preferred;	/* "email" or "phone" */
	const char	*body;
	const char	*status;	/* "delivered" or "spam" */
	time_t		 created_at;
	time_t		 confirmed_at;
	time_t		 read_at;	/* 0: not yet */
	time_t		 replied_at;	/* 0: not yet */
	bool		 scam_warning;	/* contact_scam_signs(body) */
	struct contact_reply *replies;	/* oldest first; contact_get only */
	size_t		 nreplies;
};

/* A page of the caller's inbox, newest first. status NULL: delivered
 * and spam; else "delivered" or "spam" (400 naming "status"). */
struct contact_filter {
	const char	*status;
	int		 limit;		/* 1..CONTACT_PAGE_MAX */
	int		 offset;	/* 0..CONTACT_OFFSET_MAX */
};

struct contact_page {
	int64_t		 therapist_id;	/* the caller's profile; 0: none */
	struct contact_message *messages;	/* arena */
	size_t		 n;
	long long	 total;		/* matching the filter, all pages */
	long long	 unread;	/* delivered and not yet read */
};

/* The messages to the caller's profile (none without one). */
int	contact_inbox(const struct account_request *r, const struct contact_filter *f,
	    struct contact_page *out, struct err *e);
/* One message to the caller's profile, with its replies; marks it read.
 * 404 for anyone but the profile's owner (policy_contact_inbox). */
int	contact_get(const struct account_request *r, int64_t id,
	    struct contact_message *m, struct err *e);
/* Emails body to the sender, from imago with the therapist's name and
 * the message quoted; records it. 409 "message_is_spam" while marked as
 * spam. 404 as contact_get. */
int	contact_reply(const struct account_request *r, int64_t id, const char *body,
	    struct err *e);
/* Marks a message as spam, or back as delivered. 404 as contact_get. */
int	contact_mark_spam(const struct account_request *r, int64_t id, bool spam,
	    struct err *e);
/* Deletes unconfirmed messages older than CONTACT_CONFIRM_SECONDS;
 * returns how many, or -1. For the server's periodic sweep. */
int	contact_sweep(sqlite3 *db, time_t now, struct err *e);

/* Writes a message as a JSON object (replies when it has them). */
void	contact_message_json(struct jw *j, const struct contact_message *m);
/* The caller's inbox, every delivered message with its replies, as the
 * key "contact_messages" of the data export's open object. */
int	contact_export_json(const struct account_request *r, struct jw *j,
	    struct err *e);
/* Whether text has the marks of scams aimed at therapists (overpayment
 * and refund schemes, unusual payment methods). */
bool	contact_scam_signs(const char *text);

#endif
