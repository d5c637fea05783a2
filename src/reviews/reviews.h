/*
 * Reviews: what people say about a therapist, and what therapists say
 * about each other.
 *
 * - Recommendations: a short text by a client whose consultation or
 *   session with the therapist has taken place (Zencare's model: only
 *   people who actually met the therapist through us), one per
 *   appointment. It shows once the therapist publishes it; the
 *   therapist may also decline it. We never ask clients for one on the
 *   therapist's behalf (ethics codes limit soliciting testimonials): the
 *   client decides to write it.
 * - Endorsements: a therapist whose own profile is verified vouches for
 *   another listed profile (Psychology Today's peer endorsements).
 *   Public counts include only endorsers who are verified and listed
 *   now, so a lapsed verification takes its endorsements with it.
 * - Referrals: a therapist sends a person (an email address) a link to
 *   another therapist's profile with a note.
 *
 * Every write is one BEGIN IMMEDIATE transaction with its audit entry
 * (never the text or an email address) and its mail. Access goes
 * through src/policy; someone else's recommendation is "not found".
 * Knows no HTTP.
 */
#ifndef IMAGO_REVIEWS_H
#define IMAGO_REVIEWS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../accounts/accounts.h"
#include "../util/jw.h"

#define RECOMMENDATION_BODY_MIN	20	/* characters, without surrounding spaces */
#define RECOMMENDATION_BODY_MAX	2000
#define RECOMMENDATION_NAME_MAX	60
#define REFERRAL_NOTE_MAX	1000
#define REVIEWS_LIST_MAX	100	/* items in one page of any list */

/* ---- the public summary ---------------------------------------------- */

struct reviews_summary {
	long long	 recommendations;	/* published */
	long long	 endorsements;		/* by verified, listed therapists */
};
/* Counts for profile therapist_id (zero for an unknown one). */
int	reviews_summary(sqlite3 *db, int64_t therapist_id, struct reviews_summary *s,
	    struct err *e);

/* ---- recommendations ------------------------------------------------- */

struct recommendation {
	int64_t		 id;
	int64_t		 therapist_id;
	const char	*author_name;
	const char	*body;
	const char	*status;	/* "pending", "published", "declined" */
	time_t		 created_at;
	time_t		 decided_at;	/* 0: not yet */
};

struct recommendation_list {
	struct recommendation *items;	/* arena */
	size_t		 n;
	int64_t		 next_before;	/* the before of the next page; 0: last page */
	long long	 pending, published, declined;	/* the whole profile's */
};

enum recommend_state {
	RECOMMEND_ELIGIBLE,		/* an appointment that took place waits for one */
	RECOMMEND_ALREADY,		/* every such appointment has one */
	RECOMMEND_NOT_ELIGIBLE,		/* no appointment has taken place */
};

/* What the caller could recommend. */
struct recommend_target {
	int64_t		 therapist_id;
	const char	*therapist_name;
	int64_t		 appointment_id;	/* ELIGIBLE: the one it would be for */
	const char	*booker_name;		/* ELIGIBLE: the name it was booked under */
	enum recommend_state state;
};

/*
 * Whether the caller may recommend therapist_id now. With manage_token
 * (a guest's emailed token for managing a booking) the appointment is
 * that token's, and therapist_id may be 0 to mean its therapist;
 * without one, the signed-in caller's own appointments count (the most
 * recent one that took place and has no recommendation yet). 0 with
 * out->state set; -1 with e: 401 "authentication_required" (nobody
 * signed in and no token), 400 "invalid_token" (param "manage_token":
 * malformed, unknown or expired), 404 (param "id": no such listed profile).
 */
int	recommendation_check(const struct account_request *r, int64_t therapist_id,
	    const char *manage_token, struct recommend_target *out, struct err *e);
/*
 * Writes a pending recommendation for the appointment recommendation_check
 * picks and mails the profile's owner that it waits for approval.
 * author_name 1..60 characters on one line, body 20..2000 characters,
 * both UTF-8. Errors besides the check's: 400 naming "author_name" or
 * "body", 403 "not_eligible", 409 "already_recommended". *out (may be
 * NULL) gets the new recommendation.
 */
int	recommendation_create(const struct account_request *r, int64_t therapist_id,
	    const char *author_name, const char *body, const char *manage_token,
	    struct recommendation *out, struct err *e);
/* The caller's own profile's recommendations, newest first; status NULL
 * for all. 404 when the caller has no profile. limit 1..REVIEWS_LIST_MAX;
 * before 0 or an id (the next page). */
int	recommendation_list_own(const struct account_request *r, const char *status,
	    int limit, int64_t before, struct recommendation_list *out, struct err *e);
/* Publishes (publish true) or declines one. Only the profile's owner; 404
 * to anyone else. Deciding what is already so changes nothing. */
int	recommendation_decide(const struct account_request *r, int64_t id, bool publish,
	    struct recommendation *out, struct err *e);
/* Published recommendations of a listed profile, newest first, with
 * out->published the total; 404 (param "id") for no such listed profile. */
int	recommendation_list_public(const struct account_request *r, int64_t therapist_id,
	    int limit, int64_t before, struct recommendation_list *out, struct err *e);
/* A recommendation as JSON. The public form has only id, author_name,
 * body and month ("2026-05": when it was written, no finer, so it cannot
 * be matched with someone's appointment); the owner's adds therapist_id,
 * status and the times. */
void	recommendation_json(struct jw *j, const struct recommendation *rec, bool owner_view);

/* ---- endorsements ---------------------------------------------------- */

struct endorser {
	int64_t		 id;		/* the endorsing profile */
	const char	*name;
	time_t		 created_at;
};

/* Where the caller stands towards profile therapist_id. */
struct endorse_state {
	int64_t		 own_id;	/* the caller's profile, 0: none */
	bool		 may_endorse;	/* verified and listed, and not this profile */
	bool		 endorsed;	/* has endorsed it */
};

/* Endorses a listed profile. Errors, in this order: 403
 * "profile_required" (the caller has no profile), 422 "self_endorsement"
 * (param "id"), 403 "not_verified" (the caller's profile is not verified
 * and listed), 404 (param "id"). Endorsing again changes nothing:
 * *created says whether this call did. */
int	endorsement_add(const struct account_request *r, int64_t to_therapist_id,
	    bool *created, struct err *e);
/* Withdraws the caller's endorsement of any existing profile; nothing to
 * withdraw is not an error (*removed false). 403 "profile_required", 404. */
int	endorsement_remove(const struct account_request *r, int64_t to_therapist_id,
	    bool *removed, struct err *e);
/* Who endorses a listed profile (verified, listed endorsers, newest
 * first): *count is their number, out at most limit of them from offset.
 * 404 (param "id") for no such listed profile. */
int	endorsement_list(const struct account_request *r, int64_t therapist_id,
	    int limit, int offset, struct endorser **out, size_t *n, long long *count,
	    struct err *e);
int	endorsement_state(const struct account_request *r, int64_t therapist_id,
	    struct endorse_state *out, struct err *e);

/* ---- referrals ------------------------------------------------------- */

struct referral {
	int64_t		 id;
	int64_t		 to_therapist_id;
	const char	*to_name;
	const char	*email;
	const char	*note;
	time_t		 created_at;
};

/*
 * The caller (a therapist with a listed profile) refers the person at
 * email to listed profile to_therapist_id, with a note of at most 1,000
 * characters (may be NULL); the person is mailed a link to that profile.
 * Errors: 400 naming "email" or "note"; 403 "profile_required" or
 * "profile_hidden"; 422 "self_referral" and 404, both naming
 * "to_therapist_id"; 429 (per referring profile, and per address).
 */
int	referral_create(const struct account_request *r, int64_t to_therapist_id,
	    const char *email, const char *note, struct referral *out, struct err *e);
/* The caller's referrals, newest first; 404 when the caller has no profile. */
int	referral_list_own(const struct account_request *r, int limit, int64_t before,
	    struct referral **out, size_t *n, int64_t *next_before, struct err *e);
void	referral_json(struct jw *j, const struct referral *rf);

/* A profile named by its number or by the address of its page
 * ("42", "/therapists/42", "https://imago.example/therapists/42?x#y"):
 * 0 with *id, -1 when text is neither. */
int	reviews_parse_profile_ref(const char *text, int64_t *id);

#endif
