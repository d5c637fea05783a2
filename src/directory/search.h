/*
 * The directory's search engine: one engine behind three faces (JSON API,
 * HTML pages, CLI). Queries are parsed from key/value parameters into a
 * typed, range-checked struct search_query; the engine answers from an
 * in-memory index of every visible therapist (a latitude/longitude grid
 * of unit vectors, filter bit sets, and the fields a result row shows),
 * which it rebuilds in the background whenever the therapists table
 * changes. SQLite stays the source of truth; full-text matching (q) goes
 * to its FTS5 index.
 */
#ifndef IMAGO_SEARCH_H
#define IMAGO_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../places/places.h"
#include "../util/buf.h"
#include "../util/err.h"
#include "../util/param.h"

#define SEARCH_DEFAULT_RADIUS		40.0
#define SEARCH_MAX_RADIUS_KM		1000.0
#define SEARCH_MAX_RADIUS_MI		620.0
#define SEARCH_DEFAULT_LIMIT		20
#define SEARCH_MAX_LIMIT		100
#define SEARCH_MAX_OFFSET		10000
#define SEARCH_Q_MAX			200	/* bytes */
#define SEARCH_MAX_PARAMS		64

struct search_query {
	bool		 has_near;
	char		 near[PLACE_QUERY_MAX + 1];
	double		 radius;	/* as given, in unit */
	bool		 unit_miles;
	double		 radius_km;
	uint32_t	 specialties;	/* all must match */
	int		 format;	/* enum session_format, or -1 */
	char		 language[3];	/* ISO 639-1 or "" */
	uint32_t	 certifications;/* any may match; 0 = no filter */
	bool		 accepting_only;
	int		 fee_max;	/* -1 = no filter */
	char		 q[SEARCH_Q_MAX + 1];
	int		 limit;
	int		 offset;
};

/*
 * Parses and validates parameters (near, radius, unit, specialty...,
 * format, language, certification..., accepting, fee_max, q, limit,
 * offset). Unknown keys are ignored (pages add their own, like "page").
 * -1 with a 400 invalid_parameter error naming the parameter.
 */
int	search_query_parse(struct search_query *q, const struct param *p,
	    size_t n, struct err *e);
/* Writes q back as a query string (for pagination links), with the
 * given offset; keys in a fixed order, values percent-encoded. */
void	search_query_format(const struct search_query *q, int offset, struct buf *out);

/* A result row: everything the list shows. Strings point into the
 * engine's snapshot and stay valid until search_result_release(). */
struct search_row {
	int64_t		 id;
	const char	*name;
	const char	*credentials;
	uint32_t	 certifications;
	uint32_t	 specialties;
	uint32_t	 formats;
	const char	*languages;	/* "en;es" */
	bool		 accepting_new_clients;
	int		 fee_min, fee_max;	/* -1 unknown */
	bool		 sliding_scale;
	const char	*city;
	const char	*region;
	const char	*postal_code;
	const char	*country;
	bool		 has_location;
	double		 lat, lon;
	double		 distance_km;	/* NAN without near or location */
	bool		 verified;
};

struct search_snapshot;

struct search_result {
	bool			 has_location;
	struct place_match	 location;
	bool			 online_by_license;	/* format=online with near */
	double			 radius_km;
	long long		 total;
	int			 limit, offset;
	int			 count;
	struct search_row	 rows[SEARCH_MAX_LIMIT];
	struct search_snapshot	*snapshot;	/* held until release */
};

struct search_engine;

/* The engine reads therapists from the database at db_path (it opens
 * its own read-only connection for loading). */
struct search_engine *search_engine_open(const char *db_path, struct err *e);
void	search_engine_close(struct search_engine *engine);
/* After a write in this process: starts reloading the index now (writes
 * by other processes are noticed within RELOAD_CHECK_MS by searches). */
void	search_engine_invalidate(struct search_engine *engine);
/* Blocks until an index is loaded; for the CLI and benchmarks. */
int	search_engine_load(struct search_engine *engine, struct err *e);
/* Number of therapists in the current index. */
size_t	search_engine_size(struct search_engine *engine);

/*
 * Runs a query. db is the caller's connection (used to resolve places and
 * for full-text matches). On success the result holds a reference to the
 * index; release it with search_result_release() (harmless after a
 * failure, which holds none).
 */
int	search_run(struct search_engine *engine, sqlite3 *db,
	    const struct search_query *q, struct search_result *r, struct err *e);
void	search_result_release(struct search_result *r);

/*
 * The lowest layer, for benchmarks and tests: the nearest matches within
 * radius_km of a point, with the exact total, on the current index.
 * Fills ids/distances (up to max) and returns the total, or -1.
 */
long long search_near_point(struct search_engine *engine, double lat, double lon,
	    double radius_km, const struct search_query *filters,
	    int64_t *ids, double *distances, int max);

/* The result as the API's JSON (GET /api/v1/therapists); url_prefix is
 * prepended to "/therapists/{id}" for each row's "url". */
void	search_result_json(const struct search_result *r, const char *url_prefix,
	    struct buf *out);

#endif
