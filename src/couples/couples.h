/*
 * Couples: two accounts that practise together. A person invites their
 * partner by email; the link works for the account whose verified
 * address it was sent to, and accepting it makes the couple. Either
 * partner may leave, which ends the couple for both (a couple of one is
 * no couple: the row and both memberships go). A person is in at most
 * one couple and has at most one open invitation.
 *
 * Like every account flow (src/accounts/accounts.h): one BEGIN IMMEDIATE
 * transaction per write with its audit entry (no email address in it)
 * and its mail; nothing an invitation answers tells whether the address
 * has an account. A partner is shown by display name only, never by
 * email address.
 */
#ifndef IMAGO_COUPLES_H
#define IMAGO_COUPLES_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../accounts/accounts.h"
#include "../util/err.h"
#include "../util/jw.h"

#define COUPLE_INVITE_SECONDS	(7 * 24 * 60 * 60)

/* The caller's own open invitation. */
struct couple_invitation {
	int64_t		 id;
	const char	*email;		/* the address it went to (the inviter's to see) */
	time_t		 created_at;
	time_t		 expires_at;
};

/* The caller's couple, as they may see it. */
struct couple_view {
	int64_t		 couple_id;	/* 0: not in a couple */
	time_t		 since;		/* when the couple formed */
	const char	*partner_name;	/* display name; "" when they set none */
	bool		 has_invitation;
	struct couple_invitation invitation;
};

/* Invites email to form a couple with the caller and mails them a link
 * valid COUPLE_INVITE_SECONDS. Replaces the caller's open invitation.
 * 400 naming "email", 409 "already_in_couple", 422 "self_invite", 422
 * "display_name_required" (the mail says who invites), 429. */
int	couple_invite(const struct account_request *r, const char *email,
	    struct couple_invitation *out, struct err *e);
/* Accepts the invitation behind token for the signed-in caller. 404
 * "invalid_token" (unknown or withdrawn), 410 "invitation_expired" or
 * "invitation_used", 403 "wrong_account" (sent to another address), 409
 * "already_in_couple" or "inviter_in_couple". Mails the inviter. */
int	couple_accept(const struct account_request *r, const char *token,
	    struct err *e);
/* Ends the caller's couple for both partners and mails the other one.
 * 404 "not_in_couple". */
int	couple_leave(const struct account_request *r, struct err *e);
/* Withdraws the caller's open invitation. 404 "no_invitation". */
int	couple_revoke_invite(const struct account_request *r, struct err *e);
/* The caller's couple and open invitation (arena memory). */
int	couple_get(const struct account_request *r, struct couple_view *out,
	    struct err *e);
/* The couple user_id is in now and when it formed (since may be NULL):
 * 0 found, 1 none (*couple_id 0), -1 error. For the modules that build
 * on couples (the workspace, the dialogue). */
int	couple_of(sqlite3 *db, int64_t user_id, int64_t *couple_id, time_t *since,
	    struct err *e);
/* The other member of couple_id: 0 with *partner set (0 when there is
 * none), -1 error. */
int	couple_partner_of(sqlite3 *db, int64_t couple_id, int64_t user_id,
	    int64_t *partner, struct err *e);
/* Writes v as a JSON object (the partner's name, never an address). */
void	couple_view_json(struct jw *j, const struct couple_view *v);
/* For account deletion, inside its transaction: ends user_id's couple
 * (mailing the partner) so no couple of one is left behind. */
int	couple_forget_user(const struct account_request *r, int64_t user_id,
	    struct err *e);

#endif
