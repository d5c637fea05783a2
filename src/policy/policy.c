/*
 * The access rules of docs/security.md, as code. Kept small and free of
 * I/O so the access-control matrix test and a reader can check them at
 * a glance.
 */
#include "policy.h"

#include <string.h>

static bool
signed_in(const struct auth *a)
{
	return a != NULL && a->kind != AUTH_NONE && a->stage == SESSION_SIGNED_IN;
}

int
policy_route(const struct auth *a, unsigned access, struct err *e)
{
	unsigned level = access & ACCESS_LEVEL_MASK;
	if (level == ACCESS_PUBLIC)
		return 0;
	if (level == ACCESS_CODE_PENDING) {
		if (a != NULL && a->kind == AUTH_SESSION && a->stage == SESSION_AWAITING_CODE)
			return 0;
		return err_set(e, 401, "authentication_required", "",
		    "sign in with your email and password first");
	}
	if (level == ACCESS_ANY_SESSION || level == ACCESS_IDENTIFIED) {
		if (a == NULL || a->kind == AUTH_NONE)
			return err_set(e, 401, "authentication_required", "", "you are not signed in");
		if (a->kind == AUTH_TOKEN && level == ACCESS_ANY_SESSION)
			return err_set(e, 403, "session_required", "",
			    "an access token has no session to end; revoke the token instead");
		return 0;
	}
	if (!signed_in(a))
		return err_set(e, 401, "authentication_required", "",
		    "you need to sign in");
	if ((access & ACCESS_SESSION_ONLY) && a->kind != AUTH_SESSION)
		return err_set(e, 403, "session_required", "",
		    "access tokens cannot manage account security; sign in instead");
	if (level == ACCESS_TWO_STEP_SETUP)
		return 0;
	if (a->needs_two_step)
		return err_set(e, 403, "two_step_required", "",
		    "set up two-step sign-in first: your role requires it");
	if (level == ACCESS_THERAPIST && !(a->user.roles & (ROLE_THERAPIST | ROLE_ADMIN)))
		return err_set(e, 403, "role_required", "",
		    "this is for therapists' accounts");
	if (level == ACCESS_ADMIN && !(a->user.roles & ROLE_ADMIN))
		return err_set(e, 404, "not_found", "", "there is nothing at this address");
	return 0;
}

bool
policy_profile_edit(const struct auth *a, int64_t owner_user_id)
{
	if (!signed_in(a) || a->needs_two_step)
		return false;
	if (a->user.roles & ROLE_ADMIN)
		return true;
	return owner_user_id != 0 && owner_user_id == a->user.id;
}

bool
policy_profile_own(const struct auth *a)
{
	return signed_in(a) && !a->needs_two_step && (a->user.roles & ROLE_THERAPIST);
}

bool
policy_admin(const struct auth *a)
{
	return signed_in(a) && !a->needs_two_step && (a->user.roles & ROLE_ADMIN);
}

bool
policy_account(const struct auth *a, int64_t user_id)
{
	return a != NULL && a->kind != AUTH_NONE && a->user.id == user_id;
}

bool
policy_two_step_optional(unsigned roles)
{
	return (roles & ROLES_NEEDING_TWO_STEP) == 0;
}

bool
policy_contact_inbox(const struct auth *a, int64_t owner_user_id)
{
	return signed_in(a) && !a->needs_two_step && owner_user_id != 0 &&
	    owner_user_id == a->user.id;
}

/* ---- Recommendations, endorsements, referrals ---- */

bool
policy_recommend(const struct auth *a, int64_t owner_user_id)
{
	return signed_in(a) && !a->needs_two_step && a->user.id != owner_user_id;
}

bool
policy_recommendation_decide(const struct auth *a, int64_t owner_user_id)
{
	return signed_in(a) && !a->needs_two_step && owner_user_id != 0 &&
	    owner_user_id == a->user.id;
}

bool
policy_endorse(const struct auth *a, bool own_verified, bool own_listed)
{
	return signed_in(a) && !a->needs_two_step && (a->user.roles & ROLE_THERAPIST) &&
	    own_verified && own_listed;
}

bool
policy_refer(const struct auth *a, bool own_listed)
{
	return signed_in(a) && !a->needs_two_step && (a->user.roles & ROLE_THERAPIST) &&
	    own_listed;
}

/* ---- Appointments ---- */

/* Not admins: who booked with whom is the two parties' business. */
bool
policy_appointment_therapist(const struct auth *a, int64_t owner_user_id)
{
	return signed_in(a) && !a->needs_two_step && owner_user_id != 0 &&
	    a->user.id == owner_user_id;
}

bool
policy_appointment_client(const struct auth *a, int64_t client_user_id)
{
	return signed_in(a) && !a->needs_two_step && client_user_id != 0 &&
	    a->user.id == client_user_id;
}

/* ---- Couples ---- */

/* The invitation names an address; only the account that proved it owns
 * that address (verified) may take it, so a forwarded link pairs no one
 * else. Not admins either. */
bool
policy_couple_accept(const struct auth *a, const char *invited_email)
{
	return signed_in(a) && !a->needs_two_step && a->user.email_verified &&
	    invited_email != NULL && a->user.email != NULL &&
	    strcmp(a->user.email, invited_email) == 0;
}

/* What a couple holds is for its two members only; not admins. */
bool
policy_couple_member(const struct auth *a, int64_t member_a, int64_t member_b)
{
	return signed_in(a) && a->user.id != 0 &&
	    (a->user.id == member_a || a->user.id == member_b);
}

/* ---- Workspace ---- */

/* Sharing is with a person in a relationship, not with an account
 * forever: a partner reads only while both are in the same couple now,
 * so leaving the couple hides everything at once. */
enum policy_item_read
policy_workspace_item(const struct auth *a, const struct policy_item *it)
{
	if (!signed_in(a) || a->needs_two_step || a->user.id == 0)
		return POLICY_ITEM_NONE;
	if (a->user.id == it->owner_user_id)
		return POLICY_ITEM_OWNER;
	if (it->couple_id != 0 && it->reader_couple_id == it->couple_id &&
	    it->joint_allowed)
		return POLICY_ITEM_JOINT;
	if (it->shared_with_partner && it->joint_allowed && it->owner_couple_id != 0 &&
	    it->owner_couple_id == it->reader_couple_id)
		return POLICY_ITEM_PARTNER;
	if (it->shared_with_reader && (a->user.roles & ROLE_THERAPIST))
		return POLICY_ITEM_THERAPIST;
	return POLICY_ITEM_NONE;
}

bool
policy_workspace_item_write(const struct auth *a, const struct policy_item *it)
{
	enum policy_item_read r = policy_workspace_item(a, it);
	return r == POLICY_ITEM_OWNER || r == POLICY_ITEM_JOINT;
}
