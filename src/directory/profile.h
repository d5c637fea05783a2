/*
 * Profiles owned by accounts: a therapist creates a directory profile or
 * claims an imported one (the link goes to the email address on that
 * profile, proving they receive its mail), then edits it; an admin marks
 * it verified (licence and Imago certification checked, with the date)
 * or hides it. Each function checks access through src/policy/, writes
 * its change with an audit entry in one transaction, and leaves the
 * search index to the caller (search_engine_invalidate).
 */
#ifndef IMAGO_PROFILE_H
#define IMAGO_PROFILE_H

#include <stdint.h>

#include "../accounts/accounts.h"
#include "therapist.h"

/* A profile with its owner and state, for the owner and admins. */
struct profile {
	struct therapist t;
	int64_t		 owner_user_id;	/* 0: nobody */
	const char	*verified_by;	/* audit_ref of the admin, or NULL */
};

/* The caller's own profile id: 0 found, 1 none, -1 error. */
int	profile_find_own(const struct account_request *r, int64_t *id, struct err *e);
/* Loads a profile for its owner or an admin, hidden ones included; 404
 * for anyone else. */
int	profile_get(const struct account_request *r, int64_t id, struct profile *p,
	    struct err *e);
/* Creates the caller's profile (therapists only; one each: 409
 * "profile_exists"). t is validated here; location comes from the
 * address through the gazetteer when t has none. Sets t->id. */
int	profile_create(const struct account_request *r, struct therapist *t,
	    struct err *e);
/* Replaces the fields of profile id with t (the whole new state). A
 * change of licence number, licence regions or certifications clears
 * the verification: it vouched for the old ones. A point other than the
 * stored one is kept as given; otherwise a changed address is placed
 * again and an unchanged one keeps its point. An update that changes
 * nothing writes and records nothing. */
int	profile_update(const struct account_request *r, int64_t id, struct therapist *t,
	    struct err *e);
/* Mails a claim link to the address on an unowned profile. 409 when it
 * has an owner, 422 "no_email" when it has no address to send to. The
 * answer never shows the address. */
int	profile_claim_request(const struct account_request *r, int64_t id,
	    struct err *e);
/* Opens a claim link; the signed-in caller must be the one who asked. */
int	profile_claim_confirm(const struct account_request *r, const char *token,
	    int64_t *id, struct err *e);
/* Admin only. */
int	profile_verify(const struct account_request *r, int64_t id, bool verified,
	    struct err *e);
int	profile_set_hidden(const struct account_request *r, int64_t id, bool hidden,
	    struct err *e);
/* Owned profiles not yet verified, oldest first:
 * {"profiles":[{id,name,owner_email,license_number,license_regions,
 * certifications,updated_at}]} */
int	profile_pending_json(const struct account_request *r, struct jw *j,
	    struct err *e);
/* The same profiles one at a time (for the HTML page); the strings live
 * until fn returns; lists are ';'-separated as stored. */
struct profile_pending {
	int64_t		 id;
	const char	*name;
	const char	*owner_email;
	const char	*license_number;
	const char	*license_regions;
	const char	*certifications;	/* slugs */
	const char	*updated_at;
};
typedef void (*profile_pending_fn)(void *ctx, const struct profile_pending *p);
int	profile_pending_list(const struct account_request *r, profile_pending_fn fn,
	    void *ctx, struct err *e);
/* Whether a claim of profile id could go ahead: 1 it is listed and has
 * no owner, 0 not, -1 error. Says nothing else about the profile. */
int	profile_claimable(const struct account_request *r, int64_t id,
	    struct err *e);
/* `imago demo --accounts`: gives the profile with this external id to
 * user_id and opens it to new clients, so it can be booked (nothing
 * when it has another owner). */
int	profile_assign_demo_owner(sqlite3 *db, const char *external_id,
	    int64_t user_id, struct err *e);
/* Writes a profile for its owner or an admin (the public fields plus
 * owner, hidden, verified_by). */
void	profile_json(struct jw *j, const struct profile *p);

#endif
