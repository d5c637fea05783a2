/*
 * The CSV importer. One pass over the file: the header maps column names
 * to field positions; each row is turned into a struct therapist (numbers,
 * booleans and slug lists parsed here, everything else checked by
 * therapist_validate, the single gate), placed by its address when it has
 * no coordinates, and written with the therapist writer's prepared upsert.
 *
 * The whole import is one transaction: a million rows commit once, and
 * "all or nothing" is a ROLLBACK. Once a row has been rejected without
 * --skip-invalid nothing will be written, so later rows are only checked,
 * to report every problem in one run.
 *
 * Two hash tables keep it linear: the external_ids seen (a duplicate is an
 * error for its second row) and a cache of address lookups, since many
 * rows share a postal code or a city. For big files, bulk mode (see
 * import.h) indexes the rows for search in one pass at the end instead of
 * row by row.
 */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../places/places.h"
#include "../store/db.h"
#include "../util/arena.h"
#include "../util/buf.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "csv.h"
#include "therapist.h"

enum column {
	COL_EXTERNAL_ID, COL_NAME, COL_CREDENTIALS, COL_CERTIFICATIONS,
	COL_SPECIALTIES, COL_FORMATS, COL_LANGUAGES, COL_ACCEPTING,
	COL_FEE_MIN, COL_FEE_MAX, COL_SLIDING_SCALE, COL_EMAIL, COL_PHONE,
	COL_WEBSITE, COL_ADDRESS, COL_CITY, COL_REGION, COL_POSTAL_CODE,
	COL_COUNTRY, COL_LAT, COL_LON, COL_LICENSE_NUMBER, COL_LICENSE_REGIONS,
	COL_YEARS_EXPERIENCE, COL_BIO, COL_APPROACH,
	COL_COUNT
};

const char *const import_columns[COL_COUNT] = {
	"external_id", "name", "credentials", "certifications", "specialties",
	"formats", "languages", "accepting_new_clients", "fee_min", "fee_max",
	"sliding_scale", "email", "phone", "website", "address", "city",
	"region", "postal_code", "country", "lat", "lon", "license_number",
	"license_regions", "years_experience", "bio", "approach",
};
const int import_column_count = COL_COUNT;

/* The address cache is emptied when it reaches this many entries. */
#define PLACE_CACHE_MAX	(1 << 18)
/* Page cache for the import's one big transaction (KiB, as SQLite takes it). */
#define IMPORT_CACHE_KIB	(256 * 1024)

/* ---- A string-keyed hash table (open addressing, FNV-1a) ---- */

struct strmap_entry {
	const char	*key;		/* NULL: empty slot */
	uint64_t	 hash;
	long		 line;		/* external_ids: the row it was on */
	bool		 found;		/* addresses: placed or not */
	double		 lat, lon;
};

struct strmap {
	struct strmap_entry	*slots;
	size_t			 cap;	/* a power of two */
	size_t			 count;
	struct arena		*keys;
};

static uint64_t
hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static void
strmap_free(struct strmap *m)
{
	free(m->slots);
	arena_free(m->keys);
	memset(m, 0, sizeof(*m));
}

static void
strmap_grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	struct strmap_entry *slots = xcalloc(cap, sizeof(*slots));
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		size_t j = m->slots[i].hash & (cap - 1);
		while (slots[j].key)
			j = (j + 1) & (cap - 1);
		slots[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
}

/* The entry for key, added (zeroed, *added set) when it is new. */
static struct strmap_entry *
strmap_get(struct strmap *m, const char *key, bool *added)
{
	size_t n = strlen(key);
	uint64_t h = hash_bytes(key, n);
	if (m->keys == NULL)
		m->keys = arena_new();
	if ((m->count + 1) * 2 > m->cap)
		strmap_grow(m);
	size_t j = h & (m->cap - 1);
	for (; m->slots[j].key; j = (j + 1) & (m->cap - 1))
		if (m->slots[j].hash == h && strcmp(m->slots[j].key, key) == 0) {
			*added = false;
			return &m->slots[j];
		}
	m->slots[j].key = arena_strndup(m->keys, key, n);
	m->slots[j].hash = h;
	m->count++;
	*added = true;
	return &m->slots[j];
}

/* ---- Progress bar ---- */

static double
now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
progress_draw(struct import_progress *p, unsigned long long done)
{
	if (p->total > 0) {
		char bar[31];
		unsigned long long frac = done >= p->total ? 1000 : done * 1000 / p->total;
		size_t fill = (size_t)(frac * 30 / 1000);
		memset(bar, '#', fill);
		memset(bar + fill, '.', 30 - fill);
		bar[30] = '\0';
		fprintf(stderr, "\r%s [%s] %3llu%%  %llu rows\033[K", p->label,
		    bar, frac / 10, p->rows);
	} else
		fprintf(stderr, "\r%s %llu rows\033[K", p->label, p->rows);
	fflush(stderr);
	p->drawn = true;
}

void
import_progress_start(struct import_progress *p, bool enabled,
    const char *label, unsigned long long total)
{
	memset(p, 0, sizeof(*p));
	p->enabled = enabled;
	p->label = label;
	p->total = total;
	if (enabled) {
		p->last = now_seconds();
		progress_draw(p, 0);
	}
}

void
import_progress_update(struct import_progress *p, unsigned long long done,
    unsigned long long rows)
{
	if (!p->enabled)
		return;
	p->rows = rows;
	/* Look at the clock every 256 calls only: it is called per row. */
	if (++p->calls % 256 != 0)
		return;
	double t = now_seconds();
	if (t - p->last < 0.1)
		return;
	p->last = t;
	progress_draw(p, done);
}

void
import_progress_clear(struct import_progress *p)
{
	if (p->enabled && p->drawn) {
		fputs("\r\033[K", stderr);
		p->drawn = false;
	}
}

void
import_progress_finish(struct import_progress *p)
{
	if (!p->enabled)
		return;
	progress_draw(p, p->total);
	fputc('\n', stderr);
	p->enabled = false;
}

/* ---- Bulk mode ---- */

/* The triggers that index rows as they are written (see migrations.c). */
static const char *const bulk_triggers[2] = { "therapists_ai", "therapists_au" };

int
import_bulk_begin(struct import_bulk *b, sqlite3 *db, struct err *e)
{
	memset(b, 0, sizeof(*b));
	b->db = db;
	b->existing = therapist_count(db);
	return 0;
}

/* Saves the triggers' SQL; 1 when both exist, 0 when not (a schema this
 * code does not know: stay row by row), -1 on error. */
static int
bulk_save_triggers(struct import_bulk *b, struct err *e)
{
	sqlite3_stmt *st = db_prepare(b->db,
	    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", e);
	if (st == NULL)
		return -1;
	for (int i = 0; i < 2; i++) {
		sqlite3_bind_text(st, 1, bulk_triggers[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			b->trigger_sql[i] = xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return b->trigger_sql[0] && b->trigger_sql[1];
}

int
import_bulk_consider(struct import_bulk *b, long long written,
    long long remaining, struct err *e)
{
	/* Rebuilding costs about a third of indexing row by row, per row,
	 * but over the whole table: it pays when the rows to come are many
	 * next to those there already. */
	if (b->active || b->db == NULL || remaining < 1000 ||
	    2 * remaining <= b->existing + written)
		return 0;
	int rc = bulk_save_triggers(b, e);
	if (rc <= 0) {
		import_bulk_free(b);
		if (rc == 0)
			b->db = NULL;	/* a schema it does not know: never again */
		return rc;
	}
	for (int i = 0; i < 2; i++) {
		char sql[64];
		snprintf(sql, sizeof(sql), "DROP TRIGGER %s", bulk_triggers[i]);
		if (db_exec(b->db, sql, e) < 0)
			return -1;	/* the caller rolls back, which restores it */
	}
	b->active = true;
	return 0;
}

int
import_bulk_finish(struct import_bulk *b, struct err *e)
{
	if (!b->active)
		return 0;
	if (db_exec(b->db, "INSERT INTO therapist_fts(therapist_fts) VALUES ('rebuild')", e) < 0 ||
	    db_exec(b->db, b->trigger_sql[0], e) < 0 ||
	    db_exec(b->db, b->trigger_sql[1], e) < 0 ||
	    db_exec(b->db, "UPDATE meta SET value = value + 1"
	    " WHERE key = 'therapists_version'", e) < 0)
		return -1;
	b->active = false;
	return 0;
}

void
import_bulk_free(struct import_bulk *b)
{
	for (int i = 0; i < 2; i++) {
		free(b->trigger_sql[i]);
		b->trigger_sql[i] = NULL;
	}
	b->active = false;
}

/* ---- The import ---- */

struct import {
	sqlite3				*db;
	const char			*name;		/* the file, in messages */
	const struct import_options	*opt;
	FILE				*report;
	struct import_result		*res;
	struct csv_reader		*csv;
	int				 column[COL_COUNT];	/* field index, or -1 */
	size_t				 ncolumns;
	struct therapist_writer		*writer;
	long long			 written;
	struct import_bulk		 bulk;
	unsigned long long		 size;		/* of the file, 0 if unknown */
	struct strmap			 seen;		/* external_id -> line */
	struct strmap			 places;	/* address -> point */
	struct buf			 key;
	int				 gazetteer;	/* -1 not asked yet */
	struct import_progress		 progress;
};

/* Writes "FILE:LINE: message" to the report. */
static void __attribute__((format(printf, 3, 4)))
report(struct import *im, long line, const char *fmt, ...)
{
	import_progress_clear(&im->progress);
	va_list ap;
	va_start(ap, fmt);
	fprintf(im->report, "%s:%ld: ", im->name, line);
	vfprintf(im->report, fmt, ap);
	fputc('\n', im->report);
	va_end(ap);
}

/* A row error as the user reads it: naming the column when the message
 * does not already start with it. */
static void
report_rejected(struct import *im, long line, const struct err *e)
{
	size_t n = strlen(e->param);
	if (n > 0 && strncmp(e->message, e->param, n) != 0)
		report(im, line, "%s: %s", e->param, e->message);
	else
		report(im, line, "%s", e->message);
}

static int
column_index(const char *name)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (strcmp(import_columns[i], name) == 0)
			return i;
	return -1;
}

/* Trims spaces and tabs from a field, in place. */
static char *
trim_field(struct csv_field *f)
{
	char *s = f->data, *end = f->data + f->len;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	return s;
}

static int
read_header(struct import *im, struct err *e)
{
	struct csv_record rec;
	struct err csv_err = ERR_INIT;
	int rc = csv_next(im->csv, &rec, &csv_err);
	if (rc == 0) {
		report(im, 1, "the file is empty: the first line must name the columns");
		return err_invalid(e, NULL, "%s has no header row; nothing imported", im->name);
	}
	if (rc < 0) {
		report(im, rec.line, "%s", csv_err.message);
		return err_invalid(e, NULL, "%s: the header row is not valid CSV; nothing imported",
		    im->name);
	}
	int problems = 0;
	for (size_t i = 0; i < rec.count; i++) {
		const char *name = trim_field(&rec.fields[i]);
		int col = column_index(name);
		if (*name == '\0') {
			report(im, rec.line, "column %zu has no name (a trailing comma?)", i + 1);
			problems++;
		} else if (col < 0) {
			report(im, rec.line, "unknown column \"%s\" (column %zu); the columns"
			    " are listed by `imago import --help`", name, i + 1);
			problems++;
		} else if (im->column[col] >= 0) {
			report(im, rec.line, "duplicate column \"%s\" (columns %d and %zu)",
			    name, im->column[col] + 1, i + 1);
			problems++;
		} else
			im->column[col] = (int)i;
	}
	static const enum column required[] = { COL_EXTERNAL_ID, COL_NAME };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (im->column[required[i]] < 0) {
			report(im, rec.line, "missing required column \"%s\"",
			    import_columns[required[i]]);
			problems++;
		}
	im->ncolumns = rec.count;
	if (problems)
		return err_invalid(e, NULL, "%s: the header row has %d problem%s; nothing imported",
		    im->name, problems, problems == 1 ? "" : "s");
	return 0;
}

static int
parse_int(const char *column, const char *s, long long max, int *out,
    struct err *e)
{
	long long v;
	if (*s == '\0')
		return 0;	/* unset: stays -1 */
	if (num_parse_long(s, 0, max, &v) < 0)
		return err_invalid(e, column, "%s must be a whole number from 0 to %lld, not \"%.40s\"",
		    column, max, s);
	*out = (int)v;
	return 0;
}

static int
parse_bool(const char *column, const char *s, bool *out, struct err *e)
{
	if (*s == '\0')
		return 0;	/* unset: stays false */
	if (num_parse_bool(s, out) < 0)
		return err_invalid(e, column, "%s must be true or false (or yes/no, 1/0), not \"%.40s\"",
		    column, s);
	return 0;
}

static int
parse_slugs(const struct slug_set *set, const char *column, const char *s,
    uint32_t *bits, struct err *e)
{
	if (slug_list_parse(set, s, bits, e) == 0)
		return 0;
	struct buf allowed = BUF_INIT;
	for (int i = 0; i < set->count; i++)
		buf_printf(&allowed, "%s%s", i ? ", " : "", set->slugs[i]);
	char msg[sizeof(e->message)];
	snprintf(msg, sizeof(msg), "%s", e->message);
	err_invalid(e, column, "%s: %s (allowed: %s)", column, msg, buf_cstr(&allowed));
	buf_free(&allowed);
	return -1;
}

/* Latitude and longitude: both or neither. */
static int
parse_location(const char *lat, const char *lon, struct therapist *t,
    struct err *e)
{
	if (*lat == '\0' && *lon == '\0')
		return 0;
	if (*lat == '\0' || *lon == '\0')
		return err_invalid(e, *lat ? "lon" : "lat",
		    "%s is empty but %s is not: give both or neither",
		    *lat ? "lon" : "lat", *lat ? "lat" : "lon");
	if (num_parse_double(lat, -90, 90, &t->lat) < 0)
		return err_invalid(e, "lat", "lat must be a number from -90 to 90, not \"%.40s\"", lat);
	if (num_parse_double(lon, -180, 180, &t->lon) < 0)
		return err_invalid(e, "lon", "lon must be a number from -180 to 180, not \"%.40s\"", lon);
	t->has_location = true;
	return 0;
}

/* Fills t from the row; strings point into the record. */
static int
row_to_therapist(struct import *im, struct csv_record *rec,
    struct therapist *t, struct err *e)
{
	const char *v[COL_COUNT];
	for (int c = 0; c < COL_COUNT; c++) {
		int i = im->column[c];
		if (i < 0)
			v[c] = "";
		else if (c == COL_BIO || c == COL_APPROACH)
			v[c] = rec->fields[i].data;	/* Markdown: spaces matter */
		else
			v[c] = trim_field(&rec->fields[i]);
	}
	therapist_init(t);
	t->external_id = v[COL_EXTERNAL_ID];
	t->name = v[COL_NAME];
	t->credentials = v[COL_CREDENTIALS];
	t->languages = v[COL_LANGUAGES];
	t->email = v[COL_EMAIL];
	t->phone = v[COL_PHONE];
	t->website = v[COL_WEBSITE];
	t->address = v[COL_ADDRESS];
	t->city = v[COL_CITY];
	t->region = v[COL_REGION];
	t->postal_code = v[COL_POSTAL_CODE];
	t->country = v[COL_COUNTRY];
	t->license_number = v[COL_LICENSE_NUMBER];
	t->license_regions = v[COL_LICENSE_REGIONS];
	t->bio = v[COL_BIO];
	t->approach = v[COL_APPROACH];
	if (parse_slugs(&therapist_certifications, "certifications",
	    v[COL_CERTIFICATIONS], &t->certifications, e) < 0 ||
	    parse_slugs(&therapist_specialties, "specialties",
	    v[COL_SPECIALTIES], &t->specialties, e) < 0 ||
	    parse_slugs(&therapist_formats, "formats", v[COL_FORMATS],
	    &t->formats, e) < 0 ||
	    parse_bool("accepting_new_clients", v[COL_ACCEPTING],
	    &t->accepting_new_clients, e) < 0 ||
	    parse_bool("sliding_scale", v[COL_SLIDING_SCALE], &t->sliding_scale, e) < 0 ||
	    parse_int("fee_min", v[COL_FEE_MIN], 100000, &t->fee_min, e) < 0 ||
	    parse_int("fee_max", v[COL_FEE_MAX], 100000, &t->fee_max, e) < 0 ||
	    parse_int("years_experience", v[COL_YEARS_EXPERIENCE], 80,
	    &t->years_experience, e) < 0 ||
	    parse_location(v[COL_LAT], v[COL_LON], t, e) < 0)
		return -1;
	return 0;
}

/* An external_id already used by an earlier valid row is an error. */
static int
check_duplicate(struct import *im, const struct therapist *t, long line,
    struct err *e)
{
	bool added;
	struct strmap_entry *en = strmap_get(&im->seen, t->external_id, &added);
	if (!added)
		return err_invalid(e, "external_id",
		    "external_id \"%.60s\" is already used on line %ld", t->external_id, en->line);
	en->line = line;
	return 0;
}

static void
describe_address(struct buf *b, const struct therapist *t)
{
	const char *names[] = { "postal_code", "city", "region", "country" };
	const char *values[] = { t->postal_code, t->city, t->region, t->country };
	for (int i = 0; i < 4; i++) {
		if (*values[i] == '\0')
			continue;
		buf_printf(b, "%s%s \"%s\"", b->len ? ", " : "", names[i], values[i]);
	}
}

/*
 * Gives a row without coordinates the point of its postal code or city.
 * A row that cannot be placed is still imported (it can be found by name,
 * or as an online practice), with a warning. -1 only on a database error.
 */
static int
place_row(struct import *im, struct therapist *t, long line, struct err *e)
{
	if (*t->postal_code == '\0' && *t->city == '\0')
		return 0;	/* nothing to place by: an online-only practice */
	if (im->gazetteer < 0) {
		im->gazetteer = place_gazetteer_loaded(im->db) ? 1 : 0;
		if (!im->gazetteer) {
			report(im, line, "warning: the gazetteer is not imported, so rows"
			    " without lat and lon get no location (run `imago gazetteer"
			    " import` first)");
			im->res->warnings++;
		}
	}
	if (!im->gazetteer) {
		im->res->unplaced++;
		return 0;
	}
	buf_reset(&im->key);
	buf_printf(&im->key, "%s\x1f%s\x1f%s\x1f%s", t->postal_code, t->city,
	    t->region, t->country);
	if (im->places.count >= PLACE_CACHE_MAX)
		strmap_free(&im->places);
	bool added;
	struct strmap_entry *en = strmap_get(&im->places, buf_cstr(&im->key), &added);
	if (added) {
		struct place p;
		struct err pe = ERR_INIT;
		int rc = place_locate_address(im->db, t->postal_code, t->city,
		    t->region, t->country, &p, &pe);
		if (rc < 0 && pe.status >= 500) {
			*e = pe;
			return -1;
		}
		en->found = rc == 0;
		en->lat = p.lat;
		en->lon = p.lon;
	}
	if (en->found) {
		t->has_location = true;
		t->lat = en->lat;
		t->lon = en->lon;
		return 0;
	}
	struct buf where = BUF_INIT;
	describe_address(&where, t);
	report(im, line, "warning: could not place %s; imported without a location",
	    buf_cstr(&where));
	buf_free(&where);
	im->res->warnings++;
	im->res->unplaced++;
	return 0;
}

/* One data row: 0 accepted, -1 with e (status 400 rejected, 500 fatal). */
static int
import_row(struct import *im, struct csv_record *rec, struct err *e)
{
	struct arena *a = arena_new();
	struct therapist t;
	int rc = -1;
	if (rec->count != im->ncolumns) {
		err_invalid(e, NULL, "the row has %zu field%s but the header has %zu",
		    rec->count, rec->count == 1 ? "" : "s", im->ncolumns);
		goto out;
	}
	if (row_to_therapist(im, rec, &t, e) < 0 ||
	    therapist_validate(&t, a, e) < 0 ||
	    check_duplicate(im, &t, rec->line, e) < 0)
		goto out;
	rc = 0;
	if (im->res->rejected > 0 && !im->opt->skip_invalid)
		goto out;	/* nothing will be written: only check */
	if (!t.has_location && place_row(im, &t, rec->line, e) < 0) {
		rc = -1;
		goto out;
	}
	rc = therapist_writer_put(im->writer, &t, e);
	if (rc == 0) {
		im->written++;
	} else if (rc == 1) {
		im->res->kept++;
		rc = 0;
	}
out:
	arena_free(a);
	return rc;
}

/* Estimates the rows to come from the bytes read so far. */
static int
consider_bulk(struct import *im, struct err *e)
{
	unsigned long long offset = csv_offset(im->csv);
	if (im->size <= offset || offset == 0 ||
	    (im->res->rejected > 0 && !im->opt->skip_invalid))
		return 0;
	double per_row = (double)offset / (double)im->res->rows;
	long long remaining = (long long)((double)(im->size - offset) / per_row);
	return import_bulk_consider(&im->bulk, im->written, remaining, e);
}

static int
read_rows(struct import *im, struct err *e)
{
	struct csv_record rec;
	for (;;) {
		struct err row_err = ERR_INIT;
		int rc = csv_next(im->csv, &rec, &row_err);
		if (rc == 0)
			return 0;
		import_progress_update(&im->progress, csv_offset(im->csv),
		    (unsigned long long)im->res->rows);
		if (rc < 0 && csv_broken(im->csv)) {
			report(im, rec.line, "%s", row_err.message);
			return err_invalid(e, NULL, "%s is not valid CSV from line %ld on;"
			    " nothing imported", im->name, rec.line);
		}
		im->res->rows++;
		if (im->res->rows % 1024 == 0 && consider_bulk(im, e) < 0)
			return -1;
		if (rc > 0 && import_row(im, &rec, &row_err) == 0)
			continue;
		if (row_err.status >= 500) {
			*e = row_err;
			return -1;
		}
		report_rejected(im, rec.line, &row_err);
		im->res->rejected++;
	}
}

/* A bigger page cache for the one transaction; the old size comes back. */
static int
cache_size(sqlite3 *db, long long kib, long long *old, struct err *e)
{
	if (old) {
		sqlite3_stmt *st = db_prepare(db, "PRAGMA cache_size", e);
		if (st == NULL)
			return -1;
		*old = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -2000;
		sqlite3_finalize(st);
	}
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = %lld", kib);
	return db_exec(db, sql, e);
}

/* Opens the file (or standard input) and returns its size, 0 if unknown. */
static int
open_input(const char *path, unsigned long long *size, struct err *e)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_invalid(e, NULL, "cannot open %s: %s", path, strerror(errno));
	struct stat sb;
	*size = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? (unsigned long long)sb.st_size : 0;
	return fd;
}

static int
run_import(struct import *im, struct err *e)
{
	if (read_header(im, e) < 0)
		return -1;
	if (db_exec(im->db, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	long long before = therapist_count(im->db);
	im->writer = therapist_writer_open(im->db, e);
	if (im->writer == NULL || import_bulk_begin(&im->bulk, im->db, e) < 0 ||
	    read_rows(im, e) < 0)
		goto fail;
	if (im->res->rejected > 0 && !im->opt->skip_invalid) {
		err_invalid(e, NULL, "%lld invalid row%s in %s; nothing imported"
		    " (--skip-invalid imports the valid rows)", im->res->rejected,
		    im->res->rejected == 1 ? "" : "s", im->name);
		goto fail;
	}
	if (im->bulk.active && im->progress.enabled) {
		import_progress_clear(&im->progress);
		fputs("updating the search index...", stderr);
		im->progress.drawn = true;
	}
	if (import_bulk_finish(&im->bulk, e) < 0)
		goto fail;
	/* The file has no duplicate ids, so new rows are exactly the growth. */
	long long inserted = therapist_count(im->db) - before;
	therapist_writer_close(im->writer);
	im->writer = NULL;
	if (db_exec(im->db, "COMMIT", e) < 0)
		goto fail;
	im->res->inserted = inserted;
	im->res->updated = im->written - inserted;
	import_bulk_free(&im->bulk);
	return 0;
fail:
	therapist_writer_close(im->writer);
	im->writer = NULL;
	sqlite3_exec(im->db, "ROLLBACK", NULL, NULL, NULL);
	import_bulk_free(&im->bulk);
	return -1;
}

int
import_therapists(sqlite3 *db, const char *path,
    const struct import_options *opt, struct import_result *res,
    struct err *e)
{
	struct import im;
	memset(&im, 0, sizeof(im));
	memset(res, 0, sizeof(*res));
	im.db = db;
	im.name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	im.opt = opt;
	im.report = opt->report ? opt->report : stderr;
	im.res = res;
	im.gazetteer = -1;
	for (int c = 0; c < COL_COUNT; c++)
		im.column[c] = -1;

	int ret = -1;
	long long old_cache = 0;
	unsigned long long size = 0;
	int fd = open_input(path, &size, e);
	if (fd < 0)
		return -1;
	im.size = size;
	if (cache_size(db, -IMPORT_CACHE_KIB, &old_cache, e) < 0)
		goto out;
	im.csv = csv_open_fd(fd, NULL);
	import_progress_start(&im.progress, opt->progress, "importing", size);
	ret = run_import(&im, e);
	if (ret == 0)
		import_progress_finish(&im.progress);
	else
		import_progress_clear(&im.progress);
	struct err ignored = ERR_INIT;
	cache_size(db, old_cache, NULL, &ignored);
out:
	csv_close(im.csv);
	if (fd != STDIN_FILENO)
		close(fd);
	strmap_free(&im.seen);
	strmap_free(&im.places);
	buf_free(&im.key);
	return ret;
}
