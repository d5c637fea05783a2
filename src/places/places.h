/*
 * Places: the gazetteer (GeoNames cities with 500+ people, state and
 * province names, US ZIP codes and Canadian postal areas, country and
 * language names) and resolving what a person types into a point.
 *
 * "10001", "10001-1234"    US ZIP (by its five digits)
 * "M5V 2T6", "m5v"         Canadian postal code (by its first three)
 * "Austin", "zurich"       a city, most populous first
 * "Austin, TX"             city and region (code or name)
 * "Paris, France"          city and country (name or code)
 * "40.75,-73.99"           coordinates
 */
#ifndef IMAGO_PLACES_H
#define IMAGO_PLACES_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../util/err.h"

#define PLACE_QUERY_MAX		200	/* bytes of input accepted */
#define PLACE_MAX_ALTERNATIVES	5

enum place_kind {
	PLACE_ZIP,		/* "zip" */
	PLACE_POSTAL_CODE,	/* "postal_code" (Canadian FSA) */
	PLACE_CITY,		/* "city" */
	PLACE_COORDINATES,	/* "coordinates" */
};

struct place {
	enum place_kind	 kind;
	int64_t		 id;		/* GeoNames id for cities, else 0 */
	char		 name[128];	/* "Austin", "10001", "M5V" */
	char		 label[256];	/* "Austin, Texas, United States" */
	double		 lat, lon;
	long long	 population;
	char		 country[3];	/* ISO 3166-1 alpha-2, "" if unknown */
	char		 region[16];	/* ISO 3166-2 ("US-TX"), "" if unknown */
};

struct place_match {
	char		 query[PLACE_QUERY_MAX + 1];	/* as typed (filled by the caller) */
	struct place	 best;
	struct place	 alternatives[PLACE_MAX_ALTERNATIVES];
	int		 alternative_count;
};

/* "zip", "postal_code", "city", "coordinates". */
const char *place_kind_name(enum place_kind kind);

/*
 * Resolves text to a place. 0 on success; -1 with e set: 400
 * invalid_parameter (param "near") for empty, overlong or non-UTF-8
 * input or impossible coordinates, 422 unknown_location when nothing
 * matches. For coordinates, country and region are those of the nearest
 * gazetteer place.
 */
int	place_resolve(sqlite3 *db, const char *text, struct place_match *m,
	    struct err *e);

/* Up to max places whose names start with prefix, most populous first
 * (for a search box); 3-5 digits suggest US ZIPs. Returns the count
 * (0 for an empty prefix), or -1 (400, param "near", for an overlong or
 * non-UTF-8 prefix). */
int	place_suggest(sqlite3 *db, const char *prefix, struct place *out,
	    int max, struct err *e);

/* The gazetteer place nearest to a point (within a few hundred km);
 * 0 found, 1 none, -1 error. */
int	place_nearest(sqlite3 *db, double lat, double lon, struct place *out,
	    struct err *e);
/* The IANA time zone of a gazetteer city ("America/Chicago"): 0, 1 when
 * unknown or longer than n - 1, -1 error. */
int	place_timezone(sqlite3 *db, int64_t place_id, char *out, size_t n,
	    struct err *e);

/*
 * Places a postal address, for imported profiles without coordinates:
 * by postal code when the country has them in the gazetteer, else by
 * city with region and country. 0 found, 1 not found (also for fields
 * that are not usable text, or a city with neither region nor country),
 * -1 database error.
 */
int	place_locate_address(sqlite3 *db, const char *postal_code,
	    const char *city, const char *region, const char *country,
	    struct place *out, struct err *e);

/* The English name of a country (alpha-2) or language (ISO 639-1), or
 * NULL; copies into out. */
const char *place_country_name(sqlite3 *db, const char *code, char *out, size_t n);
const char *place_language_name(sqlite3 *db, const char *code, char *out, size_t n);
/* Whether the gazetteer has been imported. */
int	place_gazetteer_loaded(sqlite3 *db);

/*
 * Imports the gazetteer from the pinned npm packages under data_dir
 * (normally "data/node_modules"), replacing what was there, in one
 * transaction. Reports progress on stderr when it is a terminal.
 */
int	gazetteer_import(sqlite3 *db, const char *data_dir, struct err *e);

/* Row counts, for `imago gazetteer import` to report (0 when a table
 * is missing). */
struct gazetteer_stats {
	long long	 places, names, regions, countries, languages;
	long long	 postal_codes;
};
void	gazetteer_stats(sqlite3 *db, struct gazetteer_stats *s);

#endif
