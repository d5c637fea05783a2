/*
 * The places module's reads: every query the resolver runs against the
 * gazetteer, and turning a row into a struct place with a label that
 * reads well ("Austin, Texas, United States", "10001 New York, NY, United
 * States", "M5V Toronto, Ontario, Canada").
 *
 * These run once or twice per search request, so each is driven by an
 * index: place_names' primary key for names (an equality or a range on
 * the folded key), postal_codes' for codes, the R*Tree for coordinates,
 * places_population for short suggestion prefixes. Qualifiers ("TX",
 * "Oregon", "France", "USA") are checked per candidate row, never by
 * scanning regions or countries.
 *
 * Ranking. A name matches a place by its own name (GeoNames name or ASCII
 * name) or by one of its alternate names. Pure population order would
 * send "Salem" to Jerusalem, "Waterloo" to Austin and "Troy" to Macon,
 * old names of theirs; so a match by an alternate name counts a fiftieth
 * of the population. That still lets "New York" reach New York City and
 * "Bombay" Mumbai, which no place of that own name outweighs.
 */
#include "places.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/db.h"
#include "../util/buf.h"
#include "../util/geo.h"
#include "../util/mem.h"
#include "../util/text.h"
#include "extern.h"

#define ALTERNATE_DISCOUNT	50.0
/* Rows of a name that are ranked (most populous first); a few names
 * ("san jose", "santa maria") have a couple of hundred places. */
#define CANDIDATES_MAX		300
/* A suggestion prefix spanning more keys than this is served by walking
 * places from the most populous instead of reading every key. The walk
 * covers only this many of the biggest places (two random page reads
 * each), so a one- or two-letter prefix lists big places only, and may
 * list fewer than asked. */
#define PREFIX_RANGE_MAX	1500
#define PREFIX_WALK_MAX		500

/* The columns every full city row selects, in this order. */
#define CITY_COLUMNS \
	"p.id, p.name, p.lat, p.lon, p.population, p.country, r.iso, " \
	"r.name, c.name"
#define CITY_JOINS \
	"LEFT JOIN regions r ON r.country = p.country AND r.admin1 = p.admin1 " \
	"LEFT JOIN countries c ON c.code = p.country "

/* Whether a region row matches the folded qualifier ?N: by name, admin1
 * code, ISO 3166-2 suffix ("tx") or whole code ("us tx", folded). */
#define REGION_MATCHES(n) \
	"(r.name_key = ?" n " OR lower(r.admin1) = ?" n \
	" OR lower(substr(r.iso, 4)) = ?" n \
	" OR lower(replace(r.iso, '-', ' ')) = ?" n ")"
#define COUNTRY_MATCHES(n) \
	"p.country IN (SELECT code FROM country_names WHERE key = ?" n ")"

struct candidate {
	int64_t		 id;
	long long	 population;
	double		 score;
};

static const char *
column_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

/*
 * text_fold for ASCII without ICU: whether s folds to key (or, with
 * prefix, to something starting with key). -1 when s is not ASCII and
 * only text_fold can tell.
 */
static int
ascii_fold_match(const char *s, const char *key, bool prefix)
{
	const char *k = key;
	bool gap = false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x80)
			return -1;
		if (!isalnum(c)) {
			gap = k != key;
			continue;
		}
		if (prefix && *k == '\0')
			return 1;
		if (gap && *k++ != ' ')
			return 0;
		gap = false;
		if (prefix && *k == '\0')
			return 1;
		if (*k++ != (char)tolower(c))
			return 0;
	}
	return *k == '\0';
}

/* Whether name folds to key (or starts with it, for a prefix). */
static bool
fold_match(const char *name, const char *key, bool prefix, struct buf *scratch)
{
	int rc = ascii_fold_match(name, key, prefix);
	if (rc >= 0)
		return rc;
	const char *folded = places_fold(scratch, name, strlen(name));
	if (folded == NULL)
		return false;
	return prefix ? strncmp(folded, key, strlen(key)) == 0 :
	    strcmp(folded, key) == 0;
}

static double
score(const char *key, bool prefix, const char *name, const char *ascii,
    long long population, struct buf *scratch)
{
	if (fold_match(ascii, key, prefix, scratch) ||
	    fold_match(name, key, prefix, scratch))
		return (double)population;
	return (double)population / ALTERNATE_DISCOUNT;
}

static int
by_score(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	if (x->population != y->population)
		return x->population < y->population ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Reads rows of (id, name, ascii_name, population), most populous first,
 * keeping the want best by score in c: the count, or -1. A score never
 * exceeds the population, so reading stops once want kept candidates
 * score at least the population of the row at hand: a common name reads
 * a handful of rows, and text_fold (ICU) runs only for rows that could
 * still make the list.
 */
static int
top_candidates(sqlite3 *db, sqlite3_stmt *st, const char *key, bool prefix,
    struct candidate *c, int want, struct err *e)
{
	struct buf scratch = BUF_INIT;
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct candidate next = { sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 3), 0 };
		int ahead = 0, worst = 0;
		bool seen = false;
		for (int i = 0; i < n; i++) {
			ahead += c[i].score >= (double)next.population;
			seen |= c[i].id == next.id;
			if (by_score(&c[i], &c[worst]) > 0)
				worst = i;
		}
		if (ahead >= want)
			break;
		if (seen)	/* the same place by another of its names */
			continue;
		next.score = score(key, prefix, column_text(st, 1),
		    column_text(st, 2), next.population, &scratch);
		if (n < want)
			c[n++] = next;
		else if (by_score(&next, &c[worst]) < 0)
			c[worst] = next;
	}
	buf_free(&scratch);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, e, "places");
	qsort(c, (size_t)n, sizeof(*c), by_score);
	return n;
}

static void
label_part(struct buf *label, const char *s)
{
	if (*s == '\0')
		return;
	if (label->len > 0)
		buf_puts(label, ", ");
	buf_puts(label, s);
}

/* The region's name unless it only repeats the city's ("São Paulo, São
 * Paulo, Brazil" reads as a stutter). */
static bool
region_adds(const char *city, const char *region, struct buf *scratch)
{
	if (*region == '\0')
		return false;
	const char *key = places_fold(scratch, region, strlen(region));
	if (key == NULL)
		return true;
	char copy[PLACE_KEY_MAX + 1];
	snprintf(copy, sizeof(copy), "%s", key);
	return !fold_match(city, copy, false, scratch);
}

/* A row of CITY_COLUMNS starting at column 0. */
static void
fill_city(sqlite3_stmt *st, struct place *out)
{
	struct buf label = BUF_INIT, scratch = BUF_INIT;
	const char *name = column_text(st, 1);
	const char *region_name = column_text(st, 7);
	memset(out, 0, sizeof(*out));
	out->kind = PLACE_CITY;
	out->id = sqlite3_column_int64(st, 0);
	places_copy(out->name, sizeof(out->name), name);
	out->lat = sqlite3_column_double(st, 2);
	out->lon = sqlite3_column_double(st, 3);
	out->population = sqlite3_column_int64(st, 4);
	places_copy(out->country, sizeof(out->country), column_text(st, 5));
	places_copy(out->region, sizeof(out->region), column_text(st, 6));
	label_part(&label, name);
	if (region_adds(name, region_name, &scratch))
		label_part(&label, region_name);
	label_part(&label, column_text(st, 8));
	places_copy(out->label, sizeof(out->label), buf_cstr(&label));
	buf_free(&label);
	buf_free(&scratch);
}

/* Steps st, filling out with fill() per row: the count, or -1. */
static int
collect(sqlite3 *db, sqlite3_stmt *st, void (*fill)(sqlite3_stmt *,
    struct place *), struct place *out, int max, struct err *e)
{
	int n = 0, rc = SQLITE_DONE;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		fill(st, &out[n++]);
	if (n < max && rc != SQLITE_DONE)
		return db_fail(db, e, "places");
	return n;
}

/* The full rows of the first max candidates: the count, or -1. */
static int
fill_candidates(sqlite3 *db, const struct candidate *c, int n,
    struct place *out, int max, struct err *e)
{
	int found = 0;
	if (n <= 0 || max <= 0)
		return n < 0 ? -1 : 0;
	sqlite3_stmt *st = db_prepare(db, "SELECT " CITY_COLUMNS
	    " FROM places p " CITY_JOINS "WHERE p.id = ?", e);
	if (st == NULL)
		return -1;
	for (int i = 0; i < n && found < max; i++) {
		sqlite3_bind_int64(st, 1, c[i].id);
		int rc = collect(db, st, fill_city, &out[found], 1, e);
		sqlite3_reset(st);
		if (rc < 0) {
			found = -1;
			break;
		}
		found += rc;
	}
	sqlite3_finalize(st);
	return found;
}

/* Only the qualifiers q has go into the SQL: shorter to prepare. */
static void
candidates_sql(struct buf *sql, const struct place_query *q)
{
	buf_puts(sql, "SELECT p.id, p.name, p.ascii_name, p.population "
	    "FROM place_names n JOIN places p ON p.id = n.place_id ");
	if (q->region || q->either)
		buf_puts(sql, "LEFT JOIN regions r ON r.country = p.country "
		    "AND r.admin1 = p.admin1 ");
	buf_puts(sql, "WHERE n.key = ?1");
	if (q->region)
		buf_puts(sql, " AND " REGION_MATCHES("2"));
	if (q->country)
		buf_puts(sql, " AND " COUNTRY_MATCHES("3"));
	if (q->either)
		buf_puts(sql, " AND (" REGION_MATCHES("4") " OR "
		    COUNTRY_MATCHES("4") ")");
	buf_puts(sql, " ORDER BY p.population DESC, p.id LIMIT ?5");
}

int
places_store_cities(sqlite3 *db, const struct place_query *q,
    struct place *out, int max, struct err *e)
{
	struct candidate *c = NULL;
	struct buf sql = BUF_INIT;
	int n = -1;
	if (max <= 0)
		return 0;
	candidates_sql(&sql, q);
	sqlite3_stmt *st = db_prepare(db, buf_cstr(&sql), e);
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, q->key, -1, SQLITE_STATIC);
	if (q->region)
		sqlite3_bind_text(st, 2, q->region, -1, SQLITE_STATIC);
	if (q->country)
		sqlite3_bind_text(st, 3, q->country, -1, SQLITE_STATIC);
	if (q->either)
		sqlite3_bind_text(st, 4, q->either, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, CANDIDATES_MAX);
	c = xcalloc((size_t)max, sizeof(*c));
	n = top_candidates(db, st, q->key, false, c, max, e);
	sqlite3_finalize(st);
	n = fill_candidates(db, c, n, out, max, e);
out:
	free(c);
	buf_free(&sql);
	return n;
}

/* ---- suggestions ---- */

/* How many keys start with the prefix, counting no further than cap. */
static int
count_prefix(sqlite3 *db, const char *lo, const struct buf *hi, int cap,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT count(*) FROM (SELECT 1 "
	    "FROM place_names WHERE key >= ?1 AND key < ?2 LIMIT ?3)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi->data, (int)hi->len, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, cap);
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return n < 0 ? db_fail(db, e, "places") : n;
}

/*
 * The places with a key starting with the prefix, most populous first.
 * A rare prefix reads its keys and sorts their places; a common one
 * (thousands of keys) walks the biggest places, asking each whether it
 * has such a key.
 */
static const char prefix_walk_sql[] =
	"SELECT p.id, p.name, p.ascii_name, p.population FROM places p "
	"WHERE p.population >= coalesce((SELECT population FROM places "
	"  ORDER BY population DESC LIMIT 1 OFFSET ?3), 0) "
	"AND EXISTS (SELECT 1 FROM place_names n WHERE n.place_id = p.id "
	"  AND n.key >= ?1 AND n.key < ?2) "
	"ORDER BY p.population DESC";

static const char prefix_range_sql[] =
	"SELECT p.id, p.name, p.ascii_name, p.population FROM place_names n "
	"JOIN places p ON p.id = n.place_id WHERE n.key >= ?1 AND n.key < ?2 "
	"ORDER BY p.population DESC";

static int
prefix_candidates(sqlite3 *db, const char *lo, const struct buf *hi,
    bool common, struct candidate *c, int want, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, common ? prefix_walk_sql :
	    prefix_range_sql, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi->data, (int)hi->len, SQLITE_STATIC);
	if (common)
		sqlite3_bind_int(st, 3, PREFIX_WALK_MAX - 1);
	int n = top_candidates(db, st, lo, true, c, want, e);
	sqlite3_finalize(st);
	return n;
}

int
places_store_prefix(sqlite3 *db, const char *prefix, struct place *out,
    int max, struct err *e)
{
	struct buf hi = BUF_INIT;
	struct candidate *c = xcalloc((size_t)max, sizeof(*c));
	/* 0xF5 never occurs in UTF-8, so prefix+0xF5 is above every key
	 * that starts with the prefix (keys compare bytewise). */
	buf_puts(&hi, prefix);
	buf_putc(&hi, (char)0xf5);
	int n = count_prefix(db, prefix, &hi, PREFIX_RANGE_MAX + 1, e);
	if (n > 0)
		n = prefix_candidates(db, prefix, &hi, n > PREFIX_RANGE_MAX, c,
		    max, e);
	n = fill_candidates(db, c, n, out, max, e);
	free(c);
	buf_free(&hi);
	return n;
}

/* pc.code, pc.city, pc.region, pc.lat, pc.lon, region name, country
 * name, pc.country. */
static void
fill_postal(sqlite3_stmt *st, struct place *out)
{
	struct buf label = BUF_INIT;
	const char *code = column_text(st, 0);
	const char *iso = column_text(st, 2);
	const char *country = column_text(st, 7);
	bool us = strcmp(country, "US") == 0;
	memset(out, 0, sizeof(*out));
	out->kind = us ? PLACE_ZIP : PLACE_POSTAL_CODE;
	places_copy(out->name, sizeof(out->name), code);
	out->lat = sqlite3_column_double(st, 3);
	out->lon = sqlite3_column_double(st, 4);
	places_copy(out->country, sizeof(out->country), country);
	places_copy(out->region, sizeof(out->region), iso);
	/* "10001 New York, NY, United States": Americans write the state
	 * as its postal abbreviation; Canadians read the province's name. */
	buf_printf(&label, "%s %s", code, column_text(st, 1));
	const char *region = column_text(st, 5);
	if (us || *region == '\0')
		region = strlen(iso) > 3 ? iso + 3 : "";
	label_part(&label, region);
	label_part(&label, column_text(st, 6));
	places_copy(out->label, sizeof(out->label), buf_cstr(&label));
	buf_free(&label);
}

#define POSTAL_SELECT \
	"SELECT pc.code, pc.city, pc.region, pc.lat, pc.lon, r.name, " \
	"c.name, pc.country FROM postal_codes pc " \
	"LEFT JOIN regions r ON r.iso = pc.region " \
	"LEFT JOIN countries c ON c.code = pc.country "

int
places_store_postal(sqlite3 *db, const char *country, const char *code,
    struct place *out, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, POSTAL_SELECT
	    "WHERE pc.country = ? AND pc.code = ? LIMIT 1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, country, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
	int n = collect(db, st, fill_postal, out, 1, e);
	sqlite3_finalize(st);
	return n < 0 ? -1 : n == 1 ? 0 : 1;
}

int
places_store_zip_prefix(sqlite3 *db, const char *digits, struct place *out,
    int max, struct err *e)
{
	char end[8];
	snprintf(end, sizeof(end), "%s\x7f", digits);
	sqlite3_stmt *st = db_prepare(db, POSTAL_SELECT
	    "WHERE pc.country = 'US' AND pc.code >= ? AND pc.code < ? "
	    "ORDER BY pc.code LIMIT ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, digits, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, end, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, max);
	int n = collect(db, st, fill_postal, out, max, e);
	sqlite3_finalize(st);
	return n;
}

int
places_store_country(sqlite3 *db, const char *key, char code[3],
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT code FROM country_names WHERE key = ? LIMIT 2", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rows = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows++ == 0)
			places_copy(code, 3, column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "country");
	return rows == 1 ? 0 : 1;
}

/* ---- nearest place ---- */

#define KM_PER_DEGREE	(M_PI * GEO_EARTH_RADIUS_KM / 180.0)

struct nearest {
	int64_t	 id;
	double	 km;
};

/* Scans one box of the R*Tree, keeping the closest point. */
static int
scan_box(sqlite3 *db, sqlite3_stmt *st, double lat, double lon,
    const double box[4], struct nearest *best, struct err *e)
{
	for (int i = 0; i < 4; i++)
		sqlite3_bind_double(st, i + 1, box[i]);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		double km = geo_distance_km(lat, lon,
		    sqlite3_column_double(st, 1), sqlite3_column_double(st, 2));
		if (best->id == 0 || km < best->km) {
			best->id = sqlite3_column_int64(st, 0);
			best->km = km;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "nearest place");
}

/*
 * Every point within km of (lat, lon) is inside the box(es) scanned: the
 * longitude half-width is widened for the box's most poleward latitude,
 * and a box that crosses the antimeridian is scanned as two.
 */
static int
scan_radius(sqlite3 *db, sqlite3_stmt *st, double lat, double lon,
    double km, struct nearest *best, struct err *e)
{
	double dlat = km / KM_PER_DEGREE;
	double edge = fmin(fabs(lat) + dlat, 90.0);
	double dlon = edge >= 89.0 ? 180.0 :
	    fmin(180.0, dlat / cos(edge * M_PI / 180.0));
	double box[4] = { lat - dlat, lat + dlat, lon - dlon, lon + dlon };
	if (dlon >= 180.0) {
		box[2] = -180.0;
		box[3] = 180.0;
	}
	if (scan_box(db, st, lat, lon, box, best, e) < 0)
		return -1;
	if (box[2] < -180.0) {
		double wrap[4] = { box[0], box[1], box[2] + 360.0, 180.0 };
		return scan_box(db, st, lat, lon, wrap, best, e);
	}
	if (box[3] > 180.0) {
		double wrap[4] = { box[0], box[1], -180.0, box[3] - 360.0 };
		return scan_box(db, st, lat, lon, wrap, best, e);
	}
	return 0;
}

int
place_nearest(sqlite3 *db, double lat, double lon, struct place *out,
    struct err *e)
{
	/* Growing boxes: a city is usually within the first, and the last
	 * bounds the search to "a few hundred km". */
	static const double radii[] = { 10, 50, 150, 400 };
	struct nearest best = { 0, 0 };
	int rc = -1;
	if (!geo_valid(lat, lon))
		return err_invalid(e, "near", "Coordinates are out of range.");
	sqlite3_stmt *st = db_prepare(db, "SELECT id, min_lat, min_lon "
	    "FROM place_rtree WHERE max_lat >= ?1 AND min_lat <= ?2 "
	    "AND max_lon >= ?3 AND min_lon <= ?4", e);
	sqlite3_stmt *row = NULL;
	if (st == NULL)
		goto out;
	for (size_t i = 0; i < sizeof(radii) / sizeof(radii[0]); i++) {
		if (scan_radius(db, st, lat, lon, radii[i], &best, e) < 0)
			goto out;
		if (best.id != 0 && best.km <= radii[i])
			break;
	}
	rc = 1;
	if (best.id == 0 || best.km > radii[sizeof(radii) / sizeof(radii[0]) - 1])
		goto out;
	row = db_prepare(db, "SELECT " CITY_COLUMNS " FROM places p "
	    CITY_JOINS "WHERE p.id = ?", e);
	if (row == NULL) {
		rc = -1;
		goto out;
	}
	sqlite3_bind_int64(row, 1, best.id);
	int n = collect(db, row, fill_city, out, 1, e);
	rc = n < 0 ? -1 : n == 1 ? 0 : 1;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(row);
	return rc;
}

/* ---- names of countries and languages ---- */

static const char *
lookup_name(sqlite3 *db, const char *sql, const char *code, bool upper,
    char *out, size_t n)
{
	char norm[4];
	size_t len = code ? strlen(code) : 0;
	const char *found = NULL;
	if (len < 2 || len > 3 || n == 0)
		return NULL;
	for (size_t i = 0; i <= len; i++)
		norm[i] = (char)(upper ? toupper((unsigned char)code[i]) :
		    tolower((unsigned char)code[i]));
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, norm, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		places_copy(out, n, column_text(st, 0));
		found = out;
	}
out:
	sqlite3_finalize(st);
	return found;
}

const char *
place_country_name(sqlite3 *db, const char *code, char *out, size_t n)
{
	return lookup_name(db, "SELECT name FROM countries WHERE code = ?",
	    code, true, out, n);
}

const char *
place_language_name(sqlite3 *db, const char *code, char *out, size_t n)
{
	return lookup_name(db, "SELECT name FROM languages WHERE code = ?",
	    code, false, out, n);
}

int
place_gazetteer_loaded(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int loaded = 0;
	if (sqlite3_prepare_v2(db, "SELECT EXISTS (SELECT 1 FROM places) AND "
	    "EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'country_names')",
	    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		loaded = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return loaded;
}

/* ---- time zones ---- */

int
place_timezone(sqlite3 *db, int64_t place_id, char *out, size_t n,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT timezone FROM places"
	    " WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, place_id);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		const unsigned char *tz = sqlite3_column_text(st, 0);
		if (tz != NULL && *tz && strlen((const char *)tz) < n) {
			memcpy(out, tz, strlen((const char *)tz) + 1);
			ret = 0;
		}
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "a place's time zone");
	}
	sqlite3_finalize(st);
	return ret;
}
