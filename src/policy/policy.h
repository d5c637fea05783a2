/*
 * Access decisions, in one place. Routes carry a required level
 * (policy_route, applied by the guard before any handler runs); each
 * resource has its own rule (who may read or change a therapist
 * profile, an account, the admin pages). Handlers and flows ask here and
 * never compare roles or ids themselves. Someone else's resource is
 * "not found" (404), never "forbidden", so ids cannot be probed.
 */
#ifndef IMAGO_POLICY_H
#define IMAGO_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "../accounts/accounts.h"
#include "../util/err.h"

/* What a route needs; the low byte is a level, the rest flags. */
enum route_access {
	ACCESS_PUBLIC		= 0,	/* anyone, signed in or not */
	ACCESS_CODE_PENDING	= 1,	/* a session waiting for its one-time code */
	ACCESS_TWO_STEP_SETUP	= 2,	/* signed in, even before required set-up */
	ACCESS_SIGNED_IN	= 3,	/* signed in and set up */
	ACCESS_THERAPIST	= 4,
	ACCESS_ADMIN		= 5,
	ACCESS_ANY_SESSION	= 6,	/* a session in either stage (signing out) */
	ACCESS_IDENTIFIED	= 7,	/* a session in either stage, or a token:
					   "who am I" */
	ACCESS_LEVEL_MASK	= 0xff,
	/* Flags. */
	ACCESS_SESSION_ONLY	= 0x100,	/* not with an access token:
						   account security itself */
};

/* 0 when auth may use a route needing access; else -1 with e:
 * 401 "authentication_required", 403 "two_step_required" or
 * "role_required", 404 for the admin area. */
int	policy_route(const struct auth *a, unsigned access, struct err *e);

/* Therapist profiles: the owner or an admin may edit. */
bool	policy_profile_edit(const struct auth *a, int64_t owner_user_id);
/* Whether a role may create or claim a profile. */
bool	policy_profile_own(const struct auth *a);
/* Admin actions (verify, hide, suspend, read the audit log). */
bool	policy_admin(const struct auth *a);
/* Whether a may read or change the account user_id (only its own). */
bool	policy_account(const struct auth *a, int64_t user_id);
/* Two-step sign-in may be turned off only where no role requires it. */
bool	policy_two_step_optional(unsigned roles);

/* Contact relay: messages sent to a profile are read, answered and
 * marked as spam by its owner only; not by admins either, since they
 * are private correspondence. */
bool	policy_contact_inbox(const struct auth *a, int64_t owner_user_id);

/* ---- Recommendations, endorsements, referrals ---- */
/* Whether a signed-in caller's own appointments may count towards
 * recommending the profile of owner_user_id: not their own profile.
 * (Guests go by a booking's manage token instead.) */
bool	policy_recommend(const struct auth *a, int64_t owner_user_id);
/* Publishing or declining a profile's recommendations: its owner only;
 * not admins either, since which testimonials show is the therapist's
 * own choice. */
bool	policy_recommendation_decide(const struct auth *a, int64_t owner_user_id);
/* Endorsing a colleague: a therapist whose own profile is verified and
 * listed. */
bool	policy_endorse(const struct auth *a, bool own_verified, bool own_listed);
/* Referring someone to a colleague: a therapist whose own profile is
 * listed (a hidden one sends no mail in our name). */
bool	policy_refer(const struct auth *a, bool own_listed);

/* ---- Appointments ---- */
/* The therapist side of an appointment: the profile's owner (not admins). */
bool	policy_appointment_therapist(const struct auth *a, int64_t owner_user_id);
/* The client side: the signed-in account that booked it. */
bool	policy_appointment_client(const struct auth *a, int64_t client_user_id);

/* ---- Couples ---- */
/* Accepting an invitation to a couple: the signed-in account whose
 * verified email is the address it was sent to. */
bool	policy_couple_accept(const struct auth *a, const char *invited_email);
/* Reading what a couple holds: one of its two members. */
bool	policy_couple_member(const struct auth *a, int64_t member_a, int64_t member_b);

/* ---- Workspace ---- */
/* What decides who reads a workspace item (src/workspace/). */
struct policy_item {
	int64_t		 owner_user_id;
	int64_t		 couple_id;		/* joint items: their couple; else 0 */
	bool		 shared_with_partner;
	int64_t		 owner_couple_id;	/* the owner's couple now, or 0 */
	int64_t		 reader_couple_id;	/* the reader's couple now, or 0 */
	bool		 shared_with_reader;	/* shared with the reader as a therapist */
	bool		 joint_allowed;		/* the safety screen lets the couple work together */
};
enum policy_item_read {
	POLICY_ITEM_NONE,	/* 404 */
	POLICY_ITEM_OWNER,
	POLICY_ITEM_JOINT,	/* a joint item of the reader's current couple */
	POLICY_ITEM_PARTNER,	/* shared with the partner, both in that couple now */
	POLICY_ITEM_THERAPIST,	/* shared with the reader, a therapist */
};
/* How a may read the item (the first that applies, in the order above);
 * admins get nothing: these are private records. A partner's access
 * (joint or shared) also needs the couple's safety screen to allow
 * working together: when either partner does not feel safe, nothing
 * passes between them. */
enum policy_item_read policy_workspace_item(const struct auth *a,
	    const struct policy_item *it);
/* Changing or deleting it: the owner, or either partner of a joint item
 * of their current couple. */
bool	policy_workspace_item_write(const struct auth *a, const struct policy_item *it);

#endif
