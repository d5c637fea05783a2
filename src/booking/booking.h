/*
 * Booking: a therapist's availability (weekly hours in their own time
 * zone, dates off, appointment types, buffer, notice, horizon and
 * cancellation window), the free slots it yields, and appointments made
 * in them by signed-in clients or by guests who confirm their address.
 *
 * Rules that hold everywhere:
 * - Instants are Unix seconds (UTC); wall-clock hours belong to a zone
 *   and are turned into instants day by day (src/calendar), so slots stay
 *   at the therapist's 9:00 across daylight-saving changes.
 * - A slot can never be booked twice: an appointment claims every
 *   five-minute block from its start to its end plus the buffer, and the
 *   database lets a block belong to one appointment only.
 * - Every change is one transaction with its audit entry and its mail;
 *   mail carries an .ics (RFC 5545) and goes through the outbox, so it
 *   survives a crash and is retried.
 */
#ifndef IMAGO_BOOKING_H
#define IMAGO_BOOKING_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../accounts/accounts.h"
#include "../calendar/calendar.h"
#include "../util/jw.h"

#define BOOKING_BLOCK_SECONDS	300	/* the grid every time lies on */
#define BOOKING_TYPES_MAX	10
#define BOOKING_HOURS_MAX	70	/* weekly intervals */
#define BOOKING_DATES_OFF_MAX	400
#define BOOKING_HORIZON_MAX	365	/* days ahead one may book, at most */
#define BOOKING_LIST_DAYS_MAX	120	/* days of slots in one listing */
#define BOOKING_SLOTS_MAX	20000	/* slots in one listing */
#define BOOKING_HOLD_SECONDS	(30 * 60)	/* a guest's time to confirm */
#define BOOKING_NAME_MAX	100
#define BOOKING_NOTE_MAX	2000
#define BOOKING_TYPE_NAME_MAX	80

struct appointment_type {
	int64_t		 id;		/* 0: new */
	const char	*kind;		/* "consultation" or "trial" */
	const char	*name;		/* "Free consultation" */
	int		 minutes;	/* multiple of 5, 5..480 */
	int		 fee;		/* whole currency units; 0 free */
	const char	*currency;	/* ISO 4217 or "" when free */
	const char	*mode;		/* "video" or "in_person" */
	bool		 active;
};

/* One weekly interval: minutes after local midnight, end exclusive. */
struct weekly_hours {
	int	 weekday;		/* 1 Monday ... 7 Sunday */
	int	 start_minute;		/* multiple of 5 */
	int	 end_minute;		/* multiple of 5, <= 1440 */
};

struct availability {
	const char		*timezone;	/* IANA */
	int			 buffer_minutes;	/* between appointments */
	int			 min_notice_minutes;
	int			 max_days_ahead;
	int			 cancel_window_hours;	/* clients cancel until then */
	struct weekly_hours	*hours;
	size_t			 nhours;
	const char		**dates_off;	/* "YYYY-MM-DD", the therapist's zone */
	size_t			 ndates_off;
	struct appointment_type	*types;
	size_t			 ntypes;
	bool			 feed_enabled;	/* a calendar feed URL exists */
};

/* ---- slots (pure: no database) ------------------------------------------ */

struct busy {
	time_t	 start, end;		/* a claim: the appointment plus its buffer */
};

struct slot {
	time_t	 start, end;
};

struct slot_query {
	const struct availability *av;
	const struct tz		*zone;		/* av->timezone, found */
	int			 minutes;	/* the appointment type's length */
	time_t			 now;		/* slots start at now + notice */
	time_t			 from, to;	/* only slots starting in [from, to) */
	bool			 ignore_limits;	/* no notice or horizon (checking a time) */
	const struct busy	*busy;		/* sorted by start */
	size_t			 nbusy;
};

/* The free slots, in order, into an arena array of at most
 * BOOKING_SLOTS_MAX; *n set. av's hours must be sorted by weekday and
 * start, as availability_validate and the store leave them. Each working interval of each day yields
 * slots from its start, one every minutes + buffer, that end within it. */
int	slots_compute(const struct slot_query *q, struct arena *a,
	    struct slot **out, size_t *n);

/* Validates and normalises an availability (sorted hours without
 * overlaps, dates sorted and unique, types checked); -1 with e naming
 * the field ("hours[2].end", "types[0].minutes"...). */
int	availability_validate(struct availability *av, struct arena *a,
	    struct err *e);
/* One appointment type; param names start with prefix ("types[0]."). */
int	appointment_type_validate(struct appointment_type *t, const char *prefix,
	    struct err *e);
/* "mon 09:00-12:30" <-> struct weekly_hours ("24:00" ends a day). */
int	weekly_hours_parse(const char *s, struct weekly_hours *out);
void	weekly_hours_format(const struct weekly_hours *h, char out[20]);

/* ---- availability --------------------------------------------------------- */

/* The whole availability of the caller's profile (owner or admin); 1
 * when none is set yet (av filled with defaults in the profile's zone). */
int	booking_availability_get(const struct account_request *r,
	    int64_t therapist_id, struct availability *av, struct err *e);
/* Replaces the settings, weekly hours and dates off (not the types). */
int	booking_availability_put(const struct account_request *r,
	    int64_t therapist_id, struct availability *av, struct err *e);
/* Adds (t->id 0) or replaces an appointment type; sets t->id. */
int	booking_type_save(const struct account_request *r, int64_t therapist_id,
	    struct appointment_type *t, struct err *e);
/* Removes a type; existing appointments keep what they were booked as. */
int	booking_type_delete(const struct account_request *r, int64_t therapist_id,
	    int64_t type_id, struct err *e);
void	booking_availability_json(struct jw *j, const struct availability *av);
void	appointment_type_json(struct jw *j, const struct appointment_type *t);
/* The type with this id among av's, or NULL. */
const struct appointment_type *booking_find_type(const struct availability *av,
	    int64_t type_id);

/* What a visitor may book: 0 with av (active types only) when the
 * profile is listed, accepting new clients and has hours; 1 when
 * booking is not offered (off, no hours, no types); -1 error. */
int	booking_offer(const struct account_request *r, int64_t therapist_id,
	    struct availability *av, struct err *e);

/* Free slots of one type from date from_day (the visitor's zone's
 * midnight is the caller's business: from is an instant) for days days. */
int	booking_slots(const struct account_request *r, int64_t therapist_id,
	    int64_t type_id, time_t from, int days, struct slot **out, size_t *n,
	    struct err *e);

/* ---- appointments ----------------------------------------------------------- */

struct booking_request {
	int64_t		 type_id;
	time_t		 start;
	const char	*name;
	const char	*email;		/* ignored when signed in */
	const char	*phone;		/* optional */
	const char	*note;		/* optional, for the therapist */
	const char	*timezone;	/* the booker's, for their mail */
};

struct appointment {
	int64_t		 id;
	const char	*ref;
	int64_t		 therapist_id;
	int64_t		 type_id;	/* 0 when the type was deleted since */
	const char	*therapist_name;
	const char	*therapist_timezone;
	const char	*kind, *type_name, *mode;
	int		 fee;
	const char	*currency;
	time_t		 start, end;
	const char	*status;	/* "held", "booked", "cancelled" */
	const char	*name, *email, *phone, *note;
	const char	*timezone;	/* the booker's */
	int64_t		 client_user_id;
	time_t		 cancel_until;	/* clients may cancel or move it until then */
	const char	*cancelled_by;	/* NULL, "client", "therapist", "system" */
};

/*
 * Books a slot. Signed in: booked at once (201). A guest: the slot is
 * held for BOOKING_HOLD_SECONDS and a link is mailed; the booking stands
 * once it is opened (booking_confirm). Errors: 409 "slot_taken",
 * "slot_past", "consultation_pending"; 422 "outside_availability",
 * "too_soon", "too_far"; 404 when booking is not offered.
 */
int	booking_create(const struct account_request *r, int64_t therapist_id,
	    const struct booking_request *in, struct appointment *out,
	    struct err *e);
/* Opens a guest's emailed link: the hold becomes a booking. */
int	booking_confirm(const struct account_request *r, const char *token,
	    struct appointment *out, struct err *e);

/* Finds an appointment by a manage link (guests) or by ref for the
 * signed-in client or therapist it belongs to; 404 otherwise. Exactly
 * one of ref and token is non-NULL. */
int	booking_get(const struct account_request *r, const char *ref,
	    const char *token, struct appointment *out, struct err *e);
/* Cancels: the client until cancel_until (then 409
 * "cancellation_window"), the therapist at any time. */
int	booking_cancel(const struct account_request *r, const char *ref,
	    const char *token, struct err *e);
/* Moves to another free slot of the same type, with the same rules. */
int	booking_reschedule(const struct account_request *r, const char *ref,
	    const char *token, time_t new_start, struct appointment *out,
	    struct err *e);

/* Appointments of the caller: as a client (their bookings) or as a
 * therapist (their profile's), upcoming (end after now) or past, by
 * start time; at most limit. */
typedef void (*appointment_fn)(void *ctx, const struct appointment *a);
int	booking_list(const struct account_request *r, bool as_therapist,
	    bool upcoming, int limit, appointment_fn fn, void *ctx, struct err *e);
void	appointment_json(struct jw *j, const struct appointment *a,
	    bool for_therapist);
/* "Tuesday 8 December 2026, 09:00–09:15 (Europe/Berlin)" in the named
 * zone; without the end when end == start. */
void	booking_format_when(struct buf *b, const char *zone, time_t start,
	    time_t end);

/* The caller's own profile, for the therapist's side; 404 "no_profile"
 * when they have none yet. */
int	booking_own_profile(const struct account_request *r, int64_t *id,
	    struct err *e);

/* The therapist's private calendar feed: a new URL token (the old one
 * stops working), or off. */
int	booking_feed_token_new(const struct account_request *r,
	    char token[TOKEN_TEXT_LEN + 1], struct err *e);
int	booking_feed_disable(const struct account_request *r, struct err *e);
/* The feed for a token: 1 unknown token, 0 with the calendar in out. */
int	booking_feed(sqlite3 *db, const char *token, time_t now, struct buf *out,
	    struct err *e);

/* Periodic work: releases holds not confirmed in time and queues the
 * reminders due (24 hours ahead). Returns how many mails were queued. */
int	booking_sweep(sqlite3 *db, const char *base_url, time_t now,
	    struct err *e);

/* Demo availability for up to max demo profiles that accept new
 * clients (see demo.c); how many got it, or -1. */
long long booking_demo(sqlite3 *db, long long max, struct err *e);

/* The appointment a manage link belongs to: 0 with its id, therapist
 * and whether it has taken place; 1 unknown link. For recommendations. */
int	booking_link_appointment(sqlite3 *db, const char *token, time_t now,
	    int64_t *appointment_id, int64_t *therapist_id, bool *taken_place,
	    struct err *e);

#endif
