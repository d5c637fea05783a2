/*
 * Private to the places module (after kcgi's extern.h): what the importer,
 * the SQL in places_store.c and the resolver share. Nothing outside
 * src/places/ includes this; the public API is places.h.
 */
#ifndef IMAGO_PLACES_EXTERN_H
#define IMAGO_PLACES_EXTERN_H

#include <stddef.h>

#include <sqlite3.h>

#include "../util/buf.h"
#include "../util/err.h"
#include "places.h"

/* The resolution cache (cache.c): 1 and a copy when text was resolved
 * recently in the same database file, else 0. */
int	place_cache_get(sqlite3 *db, const char *text, struct place_match *out);
void	place_cache_put(sqlite3 *db, const char *text, const struct place_match *m);
void	place_cache_clear(void);

/* Folded names longer than this are not indexed (nobody types them). */
#define PLACE_KEY_MAX	100

/*
 * What a city lookup is qualified by, each a folded key or NULL: region
 * must match the place's region (ISO 3166-2 suffix, GeoNames admin1 code
 * or name), country its country (name, alias, alpha-2 or alpha-3), and
 * either may match one or the other ("Paris, FR", "Austin, TX").
 */
struct place_query {
	const char	*key;
	const char	*region;
	const char	*country;
	const char	*either;
};

/* The folded key of s[0..n) in b, or NULL when it folds to nothing or is
 * longer than PLACE_KEY_MAX. */
const char *places_fold(struct buf *b, const char *s, size_t n);
/* snprintf-like copy that never cuts a UTF-8 sequence in half. */
void	places_copy(char *dst, size_t size, const char *src);

/* Cities matching q, most populous first: the count (up to max), or -1. */
int	places_store_cities(sqlite3 *db, const struct place_query *q,
	    struct place *out, int max, struct err *e);
/* A US ZIP or Canadian FSA (country "US"/"CA"): 0 found, 1 not, -1 error. */
int	places_store_postal(sqlite3 *db, const char *country, const char *code,
	    struct place *out, struct err *e);
/* Places with a name starting with the folded prefix: count or -1. */
int	places_store_prefix(sqlite3 *db, const char *prefix, struct place *out,
	    int max, struct err *e);
/* ZIP codes starting with digits: count or -1. */
int	places_store_zip_prefix(sqlite3 *db, const char *digits,
	    struct place *out, int max, struct err *e);
/* The single country a folded name or code denotes: 0 found (code filled),
 * 1 unknown or ambiguous, -1 error. */
int	places_store_country(sqlite3 *db, const char *key, char code[3],
	    struct err *e);

#endif
