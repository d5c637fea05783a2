/* Shared between the booking module's files; not part of its API. */
#ifndef IMAGO_BOOKING_INTERNAL_H
#define IMAGO_BOOKING_INTERNAL_H

#include "booking.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

/* Days a manage link stays valid after the appointment ends (long
 * enough to recommend the therapist). */
#define BOOKING_LINK_DAYS_AFTER	60

/* The profile's owner (0: none) and whether it is listed: 0, 1 no such
 * profile, -1 error. */
int	booking_profile_owner(sqlite3 *db, int64_t therapist_id, int64_t *owner,
	    bool *listed, struct err *e);
int	booking_not_found(struct err *e);
/* The caller owns the profile (or is an admin), else 404. */
int	booking_require_editor(const struct account_request *r,
	    int64_t therapist_id, struct err *e);
/* The availability in the store (active types only when asked): 0, 1
 * when none was set (defaults filled in), -1. */
int	booking_load(const struct account_request *r, int64_t id,
	    bool active_only, struct availability *av, struct err *e);
/* Claims (appointment plus buffer) overlapping [from, to), by start. */
int	booking_busy(sqlite3 *db, int64_t therapist_id, time_t from, time_t to,
	    time_t now, struct arena *a, struct busy **out, size_t *n,
	    struct err *e);

/* Cancels holds not confirmed in time (one profile's, or all for 0),
 * freeing their blocks; in the caller's transaction. */
int	booking_release_expired(sqlite3 *db, int64_t therapist_id, time_t now,
	    struct err *e);

/* Mail about an appointment (notify.c), in the caller's transaction. */
enum booking_event {
	BOOKING_HELD,		/* to a guest: confirm by the link */
	BOOKING_BOOKED,		/* to both: the invitation */
	BOOKING_MOVED,		/* to both: the new time */
	BOOKING_CANCELLED,	/* to both */
	BOOKING_REMINDER,	/* to both, a day ahead */
};
/* confirm_token: for BOOKING_HELD only. Queues one mail to the client
 * and (except HELD) one to the therapist. */
int	booking_notify(const struct account_request *r,
	    const struct appointment *a, enum booking_event ev,
	    const char *confirm_token, struct err *e);
/* Loads an appointment by id (with the therapist's name and zone). */
int	booking_load_appointment(sqlite3 *db, int64_t id, struct arena *a,
	    struct appointment *out, struct err *e);
/* A fresh manage link for an appointment: the token, stored hashed. */
int	booking_link_new(sqlite3 *db, int64_t appointment_id, time_t now,
	    char token[TOKEN_TEXT_LEN + 1], struct err *e);

#endif
