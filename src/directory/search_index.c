/*
 * Building the in-memory search index from the therapists table.
 *
 * Rows are read in rowid order (sequential pages: reading through the
 * name index instead cost a random page read per row, seconds for a
 * million), sorted by (name_key, id) in memory for the by-name listing,
 * then placed by a counting sort on their grid cell so that a
 * cell's therapists sit next to each other in memory: a radius search
 * reads a few contiguous runs of 40-byte records instead of chasing
 * pointers. Strings live in one pool and are referred to by offset.
 */
#include "search_index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../store/db.h"
#include "../util/buf.h"
#include "../util/mem.h"
#include "therapist.h"

/* Growable arrays of the rows as read, before the cell sort. */
struct loading {
	struct index_hot	*hot;
	struct index_cold	*cold;
	uint32_t		*cell;	/* cell, or GRID_CELLS for no location */
	size_t			 n, cap;
	struct buf		 pool;
	struct buf		 names;	/* name keys, freed after sorting */
	uint32_t		*name_key;	/* offset into names, per row */
	uint32_t		 lang_count[26 * 26];
	struct license_pair { uint32_t code; uint32_t row; } *pairs;
	size_t			 npairs, pairs_cap;
};

static uint32_t
pool_add(struct buf *pool, const unsigned char *s)
{
	uint32_t off = (uint32_t)pool->len;
	buf_puts(pool, s ? (const char *)s : "");
	buf_putc(pool, '\0');
	return off;
}

static void
loading_grow(struct loading *l)
{
	if (l->n < l->cap)
		return;
	l->cap = l->cap ? l->cap * 2 : 4096;
	l->hot = xrealloc(l->hot, l->cap * sizeof(*l->hot));
	l->cold = xrealloc(l->cold, l->cap * sizeof(*l->cold));
	l->cell = xrealloc(l->cell, l->cap * sizeof(*l->cell));
	l->name_key = xrealloc(l->name_key, l->cap * sizeof(*l->name_key));
}

/* Collects (region code, row) pairs for therapists who work online. */
static void
add_license_pairs(struct loading *l, const char *regions, uint32_t row)
{
	const char *p = regions;
	while (*p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > 0 && n < 16) {
			if (l->npairs == l->pairs_cap) {
				l->pairs_cap = l->pairs_cap ? l->pairs_cap * 2 : 1024;
				l->pairs = xrealloc(l->pairs, l->pairs_cap * sizeof(*l->pairs));
			}
			char code[16];
			memcpy(code, p, n);
			code[n] = '\0';
			l->pairs[l->npairs].code = pool_add(&l->pool, (const unsigned char *)code);
			l->pairs[l->npairs].row = row;
			l->npairs++;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
}

static void
count_languages(struct loading *l, const char *langs)
{
	for (const char *p = langs; p[0] && p[1]; ) {
		int code = index_lang_code(p);
		if (code >= 0)
			l->lang_count[code]++;
		const char *next = strchr(p, ';');
		if (next == NULL)
			break;
		p = next + 1;
	}
}

static int
read_rows(sqlite3 *db, struct loading *l, long long *version, struct err *e)
{
	int rc = -1;
	if (db_exec(db, "BEGIN", e) < 0)
		return -1;
	*version = db_meta_get(db, "therapists_version");
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT id, name, credentials, certifications, specialties, formats,"
	    " languages, license_regions, accepting_new_clients, fee_min, fee_max,"
	    " sliding_scale, city, region, postal_code, country, lat, lon, verified,"
	    " name_key FROM therapists WHERE hidden = 0", e);
	if (st == NULL)
		goto out;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		loading_grow(l);
		struct index_hot *h = &l->hot[l->n];
		struct index_cold *c = &l->cold[l->n];
		memset(h, 0, sizeof(*h));
		memset(c, 0, sizeof(*c));
		struct err ignored = ERR_INIT;
		uint32_t certs = 0, specs = 0, formats = 0;
		slug_list_parse(&therapist_certifications, (const char *)sqlite3_column_text(st, 3), &certs, &ignored);
		slug_list_parse(&therapist_specialties, (const char *)sqlite3_column_text(st, 4), &specs, &ignored);
		slug_list_parse(&therapist_formats, (const char *)sqlite3_column_text(st, 5), &formats, &ignored);
		h->bits = specs | (formats << 9) | (certs << CERT_SHIFT);
		if (sqlite3_column_int(st, 8))
			h->bits |= BIT_ACCEPTING;
		if (sqlite3_column_int(st, 11))
			h->bits |= BIT_SLIDING;
		if (sqlite3_column_int(st, 18))
			h->bits |= BIT_VERIFIED;
		h->fee_min = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 9);
		c->fee_max = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 10);
		c->id = sqlite3_column_int64(st, 0);
		c->name = pool_add(&l->pool, sqlite3_column_text(st, 1));
		c->credentials = pool_add(&l->pool, sqlite3_column_text(st, 2));
		c->languages = pool_add(&l->pool, sqlite3_column_text(st, 6));
		c->city = pool_add(&l->pool, sqlite3_column_text(st, 12));
		c->region = pool_add(&l->pool, sqlite3_column_text(st, 13));
		c->postal_code = pool_add(&l->pool, sqlite3_column_text(st, 14));
		c->country = pool_add(&l->pool, sqlite3_column_text(st, 15));
		l->name_key[l->n] = pool_add(&l->names, sqlite3_column_text(st, 19));
		count_languages(l, (const char *)sqlite3_column_text(st, 6));
		if (formats & (1u << FORMAT_ONLINE))
			add_license_pairs(l, (const char *)sqlite3_column_text(st, 7), (uint32_t)l->n);
		l->cell[l->n] = GRID_CELLS;
		if (sqlite3_column_type(st, 16) != SQLITE_NULL) {
			double lat = sqlite3_column_double(st, 16), lon = sqlite3_column_double(st, 17);
			double phi = lat * M_PI / 180.0, lambda = lon * M_PI / 180.0;
			c->lat = lat;
			c->lon = lon;
			h->x = cos(phi) * cos(lambda);
			h->y = cos(phi) * sin(lambda);
			h->z = sin(phi);
			h->bits |= BIT_LOCATED;
			l->cell[l->n] = index_cell(lat, lon);
		}
		l->n++;
		if (l->n >= UINT32_MAX / 2) {
			err_internal(e, "too many therapists for the search index");
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		db_fail(db, e, "reading therapists");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* Gives the 63 most common languages a bit each; the rest share one. */
static void
assign_language_bits(struct search_snapshot *s, const struct loading *l)
{
	memset(s->lang_bit, -1, sizeof(s->lang_bit));
	for (int bit = 0; bit < LANG_OTHER_BIT; bit++) {
		int best = -1;
		for (int code = 0; code < 26 * 26; code++)
			if (s->lang_bit[code] < 0 && l->lang_count[code] > 0 &&
			    (best < 0 || l->lang_count[code] > l->lang_count[best]))
				best = code;
		if (best < 0)
			break;
		s->lang_bit[best] = (int8_t)bit;
	}
}

static uint64_t
language_mask(const struct search_snapshot *s, const char *langs)
{
	uint64_t mask = 0;
	for (const char *p = langs; p[0] && p[1]; ) {
		int code = index_lang_code(p);
		if (code >= 0)
			mask |= 1ull << (s->lang_bit[code] >= 0 ? s->lang_bit[code] : LANG_OTHER_BIT);
		const char *next = strchr(p, ';');
		if (next == NULL)
			break;
		p = next + 1;
	}
	return mask;
}

static int
compare_pairs(const void *a, const void *b, void *pool)
{
	const struct license_pair *x = a, *y = b;
	int c = strcmp((const char *)pool + x->code, (const char *)pool + y->code);
	if (c)
		return c;
	return (x->row > y->row) - (x->row < y->row);
}

static int
compare_names(const void *a, const void *b, void *arg)
{
	const struct loading *l = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = strcmp(l->names.data + l->name_key[x], l->names.data + l->name_key[y]);
	if (c)
		return c;
	return (l->cold[x].id > l->cold[y].id) - (l->cold[x].id < l->cold[y].id);
}

static int
compare_ids(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	return (*x > *y) - (*x < *y);
}

/* Groups the (code, entry) pairs into one sorted list per code. */
static void
build_licenses(struct search_snapshot *s, struct loading *l, const uint32_t *position)
{
	for (size_t i = 0; i < l->npairs; i++)
		l->pairs[i].row = position[l->pairs[i].row];
	if (l->npairs > 0)
		qsort_r(l->pairs, l->npairs, sizeof(*l->pairs), compare_pairs, s->pool);
	s->licenses = xcalloc(l->npairs + 1, sizeof(*s->licenses));
	for (size_t i = 0; i < l->npairs; ) {
		size_t j = i;
		while (j < l->npairs && strcmp(s->pool + l->pairs[j].code, s->pool + l->pairs[i].code) == 0)
			j++;
		struct license_list *ll = &s->licenses[s->nlicenses++];
		ll->code = l->pairs[i].code;
		ll->indices = xmalloc((j - i) * sizeof(uint32_t));
		for (size_t k = i; k < j; k++)
			if (ll->count == 0 || ll->indices[ll->count - 1] != l->pairs[k].row)
				ll->indices[ll->count++] = l->pairs[k].row;
		i = j;
	}
}

static void
count_crowded_cells(struct search_snapshot *s)
{
	size_t cap = 0;
	for (uint32_t cell = 0; cell < GRID_CELLS; cell++) {
		uint32_t from = s->cell_start[cell], to = s->cell_start[cell + 1];
		if (to - from < INDEX_CROWDED_MIN)
			continue;
		if (s->ncrowded == cap) {
			cap = cap ? cap * 2 : 1024;
			s->crowded = xrealloc(s->crowded, cap * sizeof(*s->crowded));
		}
		struct cell_counts *c = &s->crowded[s->ncrowded++];
		memset(c, 0, sizeof(*c));
		c->cell = cell;
		for (uint32_t i = from; i < to; i++)
			for (uint32_t bits = s->hot[i].bits; bits; bits &= bits - 1)
				c->count[__builtin_ctz(bits)]++;
	}
}

struct search_snapshot *
index_build(sqlite3 *db, struct err *e)
{
	struct loading l;
	memset(&l, 0, sizeof(l));
	long long version = 0;
	if (read_rows(db, &l, &version, e) < 0) {
		free(l.hot); free(l.cold); free(l.cell); free(l.pairs);
		free(l.name_key);
		buf_free(&l.pool);
		buf_free(&l.names);
		return NULL;
	}
	struct search_snapshot *s = xcalloc(1, sizeof(*s));
	atomic_init(&s->refs, 1);
	s->version = version;
	s->n = l.n;
	s->pool_len = l.pool.len;
	s->pool = buf_detach(&l.pool);
	assign_language_bits(s, &l);

	/* Counting sort by cell; rows without a location go last. */
	s->cell_start = xcalloc(GRID_CELLS + 2, sizeof(uint32_t));
	for (size_t i = 0; i < l.n; i++)
		s->cell_start[l.cell[i] + 1]++;
	for (size_t c = 0; c < GRID_CELLS + 1; c++)
		s->cell_start[c + 1] += s->cell_start[c];
	s->nlocated = s->cell_start[GRID_CELLS];
	uint32_t *fill = xmalloc((GRID_CELLS + 1) * sizeof(uint32_t));
	memcpy(fill, s->cell_start, (GRID_CELLS + 1) * sizeof(uint32_t));
	uint32_t *position = xmalloc((l.n + 1) * sizeof(uint32_t));
	s->hot = xmalloc((l.n + 1) * sizeof(*s->hot));
	s->cold = xmalloc((l.n + 1) * sizeof(*s->cold));
	s->by_name = xmalloc((l.n + 1) * sizeof(uint32_t));
	for (size_t i = 0; i < l.n; i++) {
		uint32_t p = fill[l.cell[i]]++;
		position[i] = p;
		s->hot[p] = l.hot[i];
		s->hot[p].langs = language_mask(s, s->pool + l.cold[i].languages);
		s->cold[p] = l.cold[i];
		s->by_name[i] = (uint32_t)i;
	}
	free(fill);
	/* Rows by (name_key, id), then mapped to their places in the grid. */
	if (l.n > 0)
		qsort_r(s->by_name, l.n, sizeof(uint32_t), compare_names, &l);
	for (size_t i = 0; i < l.n; i++)
		s->by_name[i] = position[s->by_name[i]];
	buf_free(&l.names);
	free(l.name_key);

	s->by_id = xmalloc((l.n + 1) * sizeof(*s->by_id));
	for (size_t i = 0; i < l.n; i++) {
		s->by_id[i].id = s->cold[i].id;
		s->by_id[i].index = (uint32_t)i;
	}
	if (l.n > 0)
		qsort(s->by_id, l.n, sizeof(*s->by_id), compare_ids);

	build_licenses(s, &l, position);
	count_crowded_cells(s);
	free(position);
	free(l.hot); free(l.cold); free(l.cell); free(l.pairs);
	return s;
}

void
index_free(struct search_snapshot *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nlicenses; i++)
		free(s->licenses[i].indices);
	free(s->licenses);
	free(s->crowded);
	free(s->hot);
	free(s->cold);
	free(s->cell_start);
	free(s->by_name);
	free(s->by_id);
	free(s->pool);
	free(s);
}

/* The three look-ups are exact matches in sorted arrays: libc's bsearch. */

static int
id_matches(const void *key, const void *entry)
{
	int64_t id = *(const int64_t *)key, other = *(const int64_t *)entry;	/* by_id[].id is first */
	return (id > other) - (id < other);
}

long
index_find_id(const struct search_snapshot *s, int64_t id)
{
	const struct { int64_t id; uint32_t index; } *hit =
	    s->n ? bsearch(&id, s->by_id, s->n, sizeof(*s->by_id), id_matches) : NULL;
	return hit ? (long)hit->index : -1;
}

static int
license_matches(const void *key, const void *entry)
{
	const char *const *k = key;
	const struct license_list *l = entry;
	/* The key carries the pool right after the code, see index_licenses. */
	return strcmp(k[0], k[1] + l->code);
}

const struct license_list *
index_licenses(const struct search_snapshot *s, const char *code)
{
	const char *key[2] = { code, s->pool };
	return s->nlicenses ? bsearch(key, s->licenses, s->nlicenses,
	    sizeof(*s->licenses), license_matches) : NULL;
}

static int
cell_matches(const void *key, const void *entry)
{
	uint32_t cell = *(const uint32_t *)key, other = ((const struct cell_counts *)entry)->cell;
	return (cell > other) - (cell < other);
}

const struct cell_counts *
index_cell_counts(const struct search_snapshot *s, uint32_t cell)
{
	return s->ncrowded ? bsearch(&cell, s->crowded, s->ncrowded,
	    sizeof(*s->crowded), cell_matches) : NULL;
}
