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

#endif
