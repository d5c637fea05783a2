/*
 * The therapist profile: its fields, the enumerations (certifications,
 * specialties, formats) with their slugs, validation, and storage. This is
 * the directory's domain model; the CSV importer, the demo generator, the
 * search index and the API all go through it.
 */
#ifndef IMAGO_THERAPIST_H
#define IMAGO_THERAPIST_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../util/arena.h"
#include "../util/err.h"
#include "../util/jw.h"

enum certification {
	CERT_CERTIFIED_IMAGO_THERAPIST,
	CERT_ADVANCED_CLINICIAN,
	CERT_WORKSHOP_PRESENTER,
	CERT_SUPERVISOR,
	CERT_CLINICAL_INSTRUCTOR,
	CERT_IMAGO_FACILITATOR,	/* not a licensed therapist: say so */
	CERT_COUNT
};

enum specialty {
	SPEC_RELATIONSHIP_ENHANCEMENT,
	SPEC_PREMARITAL,
	SPEC_CRISIS_INFIDELITY,
	SPEC_REPETITIVE_CONFLICT,
	SPEC_INDIVIDUAL_GROWTH,
	SPEC_DIVORCE_SEPARATION,
	SPEC_BLENDED_FAMILIES,
	SPEC_LGBTQ,
	SPEC_WORKSHOPS,
	SPEC_COUNT
};

enum session_format {
	FORMAT_IN_PERSON,
	FORMAT_ONLINE,
	FORMAT_COUNT
};

/* A fixed set of slugs with their human labels. */
struct slug_set {
	const char *const	*slugs;
	const char *const	*labels;
	int			 count;
	const char		*param;	/* the query/CSV name, for errors */
};

extern const struct slug_set therapist_certifications;
extern const struct slug_set therapist_specialties;
extern const struct slug_set therapist_formats;

/* Index of slug in set, or -1. */
int	slug_index(const struct slug_set *set, const char *slug);
/* Parses a ';'-separated list of slugs into a bit set; -1 and e on an
 * unknown slug (named in the message). Empty items are ignored. */
int	slug_list_parse(const struct slug_set *set, const char *list,
	    uint32_t *bits, struct err *e);
/* Writes the bit set back as a ';'-separated list (arena memory). */
char	*slug_list_format(const struct slug_set *set, uint32_t bits, struct arena *a);
/* Writes key: [slugs of the bits set] as JSON. */
void	slug_list_json(struct jw *j, const char *key, const struct slug_set *set,
	    uint32_t bits);

/* Limits on every text field, enforced by therapist_validate. */
#define THERAPIST_NAME_MAX	200
#define THERAPIST_SHORT_MAX	200	/* credentials, city, phone, ... */
#define THERAPIST_URL_MAX	500
#define THERAPIST_LONG_MAX	20000	/* bio, approach (Markdown) */
#define THERAPIST_LIST_MAX	32	/* languages, license regions */

struct therapist {
	int64_t		 id;		/* 0 until stored */
	const char	*external_id;	/* NULL for profiles created in the app */
	const char	*name;
	const char	*credentials;
	const char	*license_number;
	const char	*license_regions;	/* ';'-separated ISO 3166-2 or alpha-2 */
	uint32_t	 certifications;	/* bits of enum certification */
	uint32_t	 specialties;		/* bits of enum specialty */
	uint32_t	 formats;		/* bits of enum session_format */
	const char	*languages;		/* ';'-separated ISO 639-1 */
	int		 years_experience;	/* -1 unknown */
	bool		 accepting_new_clients;
	int		 fee_min;		/* -1 unknown; whole currency units */
	int		 fee_max;		/* -1 unknown */
	bool		 sliding_scale;
	const char	*address;
	const char	*city;
	const char	*region;
	const char	*postal_code;
	const char	*country;		/* ISO 3166-1 alpha-2 */
	bool		 has_location;
	double		 lat, lon;
	const char	*phone;
	const char	*email;
	/* Whether the public page and JSON show email: only when the
	 * therapist chose so (imports never do); otherwise people write
	 * through the contact relay (src/contact/). */
	bool		 show_email;
	const char	*website;
	const char	*bio;			/* Markdown */
	const char	*approach;		/* Markdown */
	bool		 verified;
	const char	*verified_at;
	bool		 hidden;
};

/* Sets every field to its empty value ("" strings, -1 numbers). */
void	therapist_init(struct therapist *t);
/* Checks every field (lengths, UTF-8, formats, ranges, list syntax);
 * normalises lists (upper/lower case, sorted, deduplicated) in arena
 * memory. -1 with e naming the field on the first problem. */
int	therapist_validate(struct therapist *t, struct arena *a, struct err *e);
/* Inserts, or updates the row with the same external_id (or id when
 * set). Sets t->id. Returns 1, writing nothing, when a row matched by
 * external_id is owned by an account (an import must not overwrite
 * what a therapist edited). The caller owns the transaction. A writer keeps its
 * statement prepared across rows, for bulk imports. */
struct therapist_writer;
struct therapist_writer *therapist_writer_open(sqlite3 *db, struct err *e);
int	therapist_writer_put(struct therapist_writer *w, struct therapist *t,
	    struct err *e);
void	therapist_writer_close(struct therapist_writer *w);
int	therapist_upsert(sqlite3 *db, struct therapist *t, struct err *e);
/* Loads one visible profile; 0 found, 1 not found, -1 error. Strings live
 * in the arena. */
int	therapist_get(sqlite3 *db, int64_t id, struct arena *a,
	    struct therapist *t, struct err *e);
/* The same, hidden profiles included (for their owner and admins). */
int	therapist_get_any(sqlite3 *db, int64_t id, struct arena *a,
	    struct therapist *t, struct err *e);
/* Writes the public fields of t as members of the JSON object the
 * caller has opened (the API's profile): "email" only when show_email. */
void	therapist_json_fields(struct jw *j, const struct therapist *t);
/* The same for the profile's owner and admins: "email" always, and
 * "show_email" (profile_json adds its own members before closing). */
void	therapist_json_owner_fields(struct jw *j, const struct therapist *t);
/* The profile phone rules (digits, spaces and + ( ) - . / x; at most 40
 * bytes on one line), for other forms that take a phone number; the
 * error names param. */
int	therapist_check_phone(const char *phone, const char *param, struct err *e);
/* Number of therapists stored. */
long long therapist_count(sqlite3 *db);

#endif
