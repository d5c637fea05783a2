/*
 * The search engine: keeps the current index snapshot, reloads it in the
 * background when the therapists table changes, and answers queries.
 *
 * Radius search. A query point and radius define a spherical cap. The
 * cap's bounding rows and columns of the grid are exact (the longitude
 * half-width of a cap is asin(sin θ / cos φ)), with the antimeridian
 * handled by wrapping columns and the poles by taking whole rows. Inside
 * those cells a point is tested with a dot product of unit vectors
 * (chord length); only points within a hair of the boundary, or good
 * enough to enter the top k, get the haversine formula, so the answer is
 * exactly "haversine distance <= radius", sorted by (distance, id).
 */
#include "search.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../store/db.h"
#include "../util/geo.h"
#include "../util/jw.h"
#include "../util/mem.h"
#include "../util/text.h"
#include "search_index.h"
#include "therapist.h"

#define RELOAD_CHECK_MS	200	/* how stale the index may be across processes */
#define BOUNDARY_EPS	1e-12	/* haversine h units: where the chord test defers */

struct search_engine {
	char			*db_path;
	pthread_mutex_t		 lock;
	struct search_snapshot	*current;
	bool			 reloading;
	bool			 stale;		/* invalidated in this process */
	long long		 last_check_ms;
};

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
snapshot_release(struct search_snapshot *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		index_free(s);
}

struct search_engine *
search_engine_open(const char *db_path, struct err *e)
{
	struct search_engine *engine = xcalloc(1, sizeof(*engine));
	engine->db_path = xstrdup(db_path);
	pthread_mutex_init(&engine->lock, NULL);
	return engine;
}

void
search_engine_close(struct search_engine *engine)
{
	if (engine == NULL)
		return;
	/* Wait for a background reload to finish before freeing. */
	for (;;) {
		pthread_mutex_lock(&engine->lock);
		bool busy = engine->reloading;
		pthread_mutex_unlock(&engine->lock);
		if (!busy)
			break;
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
	snapshot_release(engine->current);
	pthread_mutex_destroy(&engine->lock);
	free(engine->db_path);
	free(engine);
}

static struct search_snapshot *
build_from_path(const char *path, struct err *e)
{
	sqlite3 *db = db_open_readonly(path, e);
	if (db == NULL)
		return NULL;
	struct search_snapshot *s = index_build(db, e);
	db_close(db);
	return s;
}

static void
install(struct search_engine *engine, struct search_snapshot *s)
{
	pthread_mutex_lock(&engine->lock);
	struct search_snapshot *old = engine->current;
	engine->current = s;
	engine->reloading = false;
	pthread_mutex_unlock(&engine->lock);
	snapshot_release(old);
}

static void *
reload_thread(void *arg)
{
	struct search_engine *engine = arg;
	struct err e = ERR_INIT;
	struct search_snapshot *s = build_from_path(engine->db_path, &e);
	if (s == NULL) {
		fprintf(stderr, "imago: search index reload failed: %s\n", e.message);
		pthread_mutex_lock(&engine->lock);
		engine->reloading = false;
		pthread_mutex_unlock(&engine->lock);
		return NULL;
	}
	install(engine, s);
	return NULL;
}

int
search_engine_load(struct search_engine *engine, struct err *e)
{
	struct search_snapshot *s = build_from_path(engine->db_path, e);
	if (s == NULL)
		return -1;
	pthread_mutex_lock(&engine->lock);
	engine->stale = false;
	engine->reloading = true;	/* install() clears it */
	pthread_mutex_unlock(&engine->lock);
	install(engine, s);
	return 0;
}

/* Starts a background reload unless one runs; the caller holds the lock. */
static void
start_reload_locked(struct search_engine *engine)
{
	if (engine->reloading)
		return;
	engine->reloading = true;
	engine->stale = false;
	pthread_t t;
	if (pthread_create(&t, NULL, reload_thread, engine) == 0)
		pthread_detach(t);
	else
		engine->reloading = false;
}

/*
 * After a write in this process (a therapist saving their profile) the
 * reload starts now rather than at the next search, so the edit is in
 * the results by the time the person looks. A reload already running
 * may have read the table before the write: stale stays set and the
 * next search starts another.
 */
void
search_engine_invalidate(struct search_engine *engine)
{
	pthread_mutex_lock(&engine->lock);
	engine->stale = true;
	engine->last_check_ms = 0;
	if (engine->current != NULL)
		start_reload_locked(engine);
	pthread_mutex_unlock(&engine->lock);
}

/*
 * Returns a referenced snapshot, loading the first one synchronously and
 * starting a background reload when the table has changed since.
 */
static struct search_snapshot *
acquire(struct search_engine *engine, sqlite3 *db, struct err *e)
{
	long long now = now_ms();
	pthread_mutex_lock(&engine->lock);
	bool check = engine->current != NULL && !engine->reloading &&
	    now - engine->last_check_ms >= RELOAD_CHECK_MS;
	if (check)
		engine->last_check_ms = now;
	pthread_mutex_unlock(&engine->lock);

	if (check) {
		long long version = db_meta_get(db, "therapists_version");
		pthread_mutex_lock(&engine->lock);
		if (version != engine->current->version || engine->stale)
			start_reload_locked(engine);
		pthread_mutex_unlock(&engine->lock);
	}

	pthread_mutex_lock(&engine->lock);
	struct search_snapshot *s = engine->current;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&engine->lock);
	if (s)
		return s;
	if (search_engine_load(engine, e) < 0)
		return NULL;
	return acquire(engine, db, e);
}

size_t
search_engine_size(struct search_engine *engine)
{
	pthread_mutex_lock(&engine->lock);
	size_t n = engine->current ? engine->current->n : 0;
	pthread_mutex_unlock(&engine->lock);
	return n;
}

/* ---- Filters ---- */

struct filter {
	uint32_t	all_bits;	/* every one of these must be set */
	uint32_t	any_certs;	/* at least one, when non-zero */
	bool		has_language;
	uint64_t	lang_mask;	/* the language's bit */
	char		language[3];
	bool		lang_other;	/* language has no bit of its own */
	int		fee_max;	/* -1 none */
	const uint8_t	*allowed;	/* bitmap of entries from q, or NULL */
	int		single_bit;	/* the filter is this one bit, or -1 */
};

static void
filter_compile(const struct search_snapshot *s, const struct search_query *q,
    struct filter *f)
{
	memset(f, 0, sizeof(*f));
	f->all_bits = q->specialties;
	if (q->format >= 0)
		f->all_bits |= BIT_FORMAT(q->format);
	if (q->accepting_only)
		f->all_bits |= BIT_ACCEPTING;
	f->any_certs = q->certifications << CERT_SHIFT;
	f->fee_max = q->fee_max;
	if (q->language[0]) {
		f->has_language = true;
		memcpy(f->language, q->language, 3);
		int code = index_lang_code(q->language);
		int bit = code >= 0 ? s->lang_bit[code] : -1;
		f->lang_other = bit < 0;
		f->lang_mask = 1ull << (bit >= 0 ? bit : LANG_OTHER_BIT);
	}
	/* One specialty, one format, "accepting" or one certification:
	 * crowded cells can then be counted from their per-bit counts. */
	f->single_bit = -1;
	uint32_t one = f->all_bits ? f->all_bits : f->any_certs;
	if (!(f->all_bits && f->any_certs) && one && !(one & (one - 1)) &&
	    f->fee_max < 0 && !f->has_language)
		f->single_bit = __builtin_ctz(one);
}

/* Whether a ';'-list such as "de;en" contains a two-letter code. */
static bool
list_has_code(const char *list, const char *code)
{
	for (const char *p = list; *p; ) {
		if (p[0] == code[0] && p[1] == code[1] && (p[2] == ';' || p[2] == '\0'))
			return true;
		const char *next = strchr(p, ';');
		if (next == NULL)
			break;
		p = next + 1;
	}
	return false;
}

static inline bool
filter_match(const struct search_snapshot *s, const struct filter *f, uint32_t i)
{
	const struct index_hot *h = &s->hot[i];
	if ((h->bits & f->all_bits) != f->all_bits)
		return false;
	if (f->any_certs && !(h->bits & f->any_certs))
		return false;
	if (f->fee_max >= 0 && !(h->bits & BIT_SLIDING) &&
	    !(h->fee_min >= 0 && h->fee_min <= f->fee_max))
		return false;
	if (f->has_language) {
		if (!(h->langs & f->lang_mask))
			return false;
		if (f->lang_other && !list_has_code(index_str(s, s->cold[i].languages), f->language))
			return false;
	}
	if (f->allowed && !(f->allowed[i >> 3] & (1u << (i & 7))))
		return false;
	return true;
}

/* ---- Top k by (distance, id): a bounded max-heap ---- */

struct hit {
	double		distance;	/* km; INFINITY without a location */
	double		h;		/* approximate haversine term, for pruning */
	int64_t		id;
	uint32_t	index;
};

struct topk {
	struct hit	*heap;
	int		 k, n;
};

static inline bool
hit_after(const struct hit *a, const struct hit *b)
{
	return a->distance > b->distance || (a->distance == b->distance && a->id > b->id);
}

static void
topk_push(struct topk *t, const struct hit *x)
{
	if (t->k == 0)
		return;
	if (t->n < t->k) {
		int i = t->n++;
		while (i > 0) {
			int parent = (i - 1) / 2;
			if (!hit_after(x, &t->heap[parent]))
				break;
			t->heap[i] = t->heap[parent];
			i = parent;
		}
		t->heap[i] = *x;
		return;
	}
	if (!hit_after(&t->heap[0], x))
		return;
	int i = 0;
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		const struct hit *big = x;
		if (l < t->n && hit_after(&t->heap[l], big)) {
			m = l;
			big = &t->heap[l];
		}
		if (r < t->n && hit_after(&t->heap[r], big))
			m = r;
		if (m == i)
			break;
		t->heap[i] = t->heap[m];
		i = m;
	}
	t->heap[i] = *x;
}

static int
compare_hits(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (hit_after(x, y))
		return 1;
	if (hit_after(y, x))
		return -1;
	return 0;
}

/* ---- Radius scan ---- */

struct cap {
	double	lat, lon;
	double	x, y, z;
	double	radius_km;
	double	h_max;		/* sin^2(theta/2): the haversine term at the radius */
};

static void
cap_init(struct cap *c, double lat, double lon, double radius_km)
{
	double phi = lat * M_PI / 180.0, lambda = lon * M_PI / 180.0;
	c->lat = lat;
	c->lon = lon;
	c->x = cos(phi) * cos(lambda);
	c->y = cos(phi) * sin(lambda);
	c->z = sin(phi);
	c->radius_km = radius_km;
	double half = sin(radius_km / GEO_EARTH_RADIUS_KM / 2.0);
	c->h_max = half * half;
}

struct scan {
	const struct search_snapshot	*s;
	const struct filter		*f;
	const struct cap		*cap;
	struct topk			*top;
	long long			 total;
};

static inline void
scan_entry(struct scan *sc, uint32_t i)
{
	const struct index_hot *p = &sc->s->hot[i];
	const struct cap *c = sc->cap;
	/* (chord/2)^2 equals the haversine term h; compare it with h_max. */
	double dot = p->x * c->x + p->y * c->y + p->z * c->z;
	double h = (1.0 - dot) * 0.5;
	if (h > c->h_max + BOUNDARY_EPS)
		return;
	if (!filter_match(sc->s, sc->f, i))
		return;
	const struct index_cold *cold = &sc->s->cold[i];
	double d = NAN;
	if (h >= c->h_max - BOUNDARY_EPS) {
		d = geo_distance_km(c->lat, c->lon, cold->lat, cold->lon);
		if (d > c->radius_km)
			return;
	}
	sc->total++;
	struct topk *t = sc->top;
	if (t->n == t->k && h > t->heap[0].h + BOUNDARY_EPS)
		return;		/* cannot enter the top k */
	if (isnan(d))
		d = geo_distance_km(c->lat, c->lon, cold->lat, cold->lon);
	struct hit x = { d, h, cold->id, i };
	topk_push(t, &x);
}

/* A non-empty grid cell the cap may touch, with its distance bounds. */
struct cell_visit {
	uint32_t	cell;
	double		near_km;	/* no point of the cell is closer */
	double		far_km;		/* no point of the cell is farther */
};

/* Cells with fewer entries than this are scanned point by point without
 * working out their bounds: the bounds cost more than the points. */
#define CELL_BOUNDS_MIN	INDEX_CROWDED_MIN

static double
cell_lat(int row, double frac)
{
	return -90.0 + ((double)row + frac) * GRID_DEG;
}

static double
cell_lon(int col, double frac)
{
	return -180.0 + ((double)col + frac) * GRID_DEG;
}

/*
 * Per-row and per-column tables, computed once: the sine and cosine of
 * each cell centre's latitude and longitude, and each row's "radius":
 * the distance from a cell's centre to its farthest point, which depends
 * on the latitude only. The farthest point of a latitude/longitude
 * rectangle from its centre is a corner (distance grows monotonically
 * along each edge away from the centre), so the triangle inequality with
 * this radius bounds every point of the cell.
 */
static struct {
	double	row_sin[GRID_ROWS], row_cos[GRID_ROWS], row_radius_km[GRID_ROWS];
	double	col_sin[GRID_COLS], col_cos[GRID_COLS];
} grid;
static pthread_once_t grid_once = PTHREAD_ONCE_INIT;

static void
grid_init(void)
{
	for (int r = 0; r < GRID_ROWS; r++) {
		double lat = cell_lat(r, 0.5);
		grid.row_sin[r] = sin(lat * M_PI / 180.0);
		grid.row_cos[r] = cos(lat * M_PI / 180.0);
		double half = 0;
		for (int k = 0; k < 4; k++) {
			double d = geo_distance_km(lat, 0.5 * GRID_DEG,
			    cell_lat(r, k & 1), (k >> 1) * GRID_DEG);
			if (d > half)
				half = d;
		}
		/* Rounding must never shrink a cell. */
		grid.row_radius_km[r] = half * (1 + 1e-6) + 1e-6;
	}
	for (int c = 0; c < GRID_COLS; c++) {
		grid.col_sin[c] = sin(cell_lon(c, 0.5) * M_PI / 180.0);
		grid.col_cos[c] = cos(cell_lon(c, 0.5) * M_PI / 180.0);
	}
}

/* Bounds on the distance from the query point to any point of a cell. */
static void
cell_bounds(const struct cap *c, int row, int col, struct cell_visit *v)
{
	double dot = grid.row_cos[row] * (grid.col_cos[col] * c->x + grid.col_sin[col] * c->y) +
	    grid.row_sin[row] * c->z;
	double h = (1.0 - dot) * 0.5;
	double centre = 2.0 * GEO_EARTH_RADIUS_KM * asin(sqrt(h < 0 ? 0 : h > 1 ? 1 : h));
	/* The chord formula loses a few metres near zero; pad for it. */
	double half = grid.row_radius_km[row] + 1e-3;
	v->near_km = centre - half;
	v->far_km = centre + half;
}

static void
scan_points(struct scan *sc, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++)
		scan_entry(sc, i);
}

/* All of a cell's points are within the radius: count them without the
 * distance test, and look at them for the top k only if they can enter. */
static void
take_inside_cell(struct scan *sc, const struct cell_visit *v, uint32_t from, uint32_t to,
    bool filtered)
{
	struct topk *t = sc->top;
	bool can_enter = t->n < t->k || v->near_km <= t->heap[0].distance;
	if (!filtered && !can_enter) {
		sc->total += to - from;
		return;
	}
	const struct cell_counts *counts = NULL;
	if (filtered && sc->f->single_bit >= 0 && sc->f->allowed == NULL &&
	    (counts = index_cell_counts(sc->s, v->cell)) != NULL) {
		sc->total += counts->count[sc->f->single_bit];
		if (!can_enter)
			return;
	}
	const struct cap *c = sc->cap;
	for (uint32_t i = from; i < to; i++) {
		if (filtered && !filter_match(sc->s, sc->f, i))
			continue;
		if (counts == NULL)
			sc->total++;	/* else counted above */
		if (!can_enter)
			continue;
		const struct index_hot *p = &sc->s->hot[i];
		double h = (1.0 - (p->x * c->x + p->y * c->y + p->z * c->z)) * 0.5;
		if (t->n == t->k && h > t->heap[0].h + BOUNDARY_EPS)
			continue;
		const struct index_cold *cold = &sc->s->cold[i];
		struct hit x = { geo_distance_km(c->lat, c->lon, cold->lat, cold->lon), h, cold->id, i };
		topk_push(t, &x);
	}
}

static int
compare_visits(const void *a, const void *b)
{
	const struct cell_visit *x = a, *y = b;
	return (x->near_km > y->near_km) - (x->near_km < y->near_km);
}

static void
add_visit(struct scan *sc, struct cell_visit **visits, size_t *n, size_t *cap,
    int row, int col)
{
	uint32_t cell = (uint32_t)row * GRID_COLS + (uint32_t)col;
	uint32_t count = sc->s->cell_start[cell + 1] - sc->s->cell_start[cell];
	if (count == 0)
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*visits = xrealloc(*visits, *cap * sizeof(**visits));
	}
	struct cell_visit *v = &(*visits)[(*n)++];
	v->cell = cell;
	if (count >= CELL_BOUNDS_MIN) {
		cell_bounds(sc->cap, row, col, v);
	} else {
		/* Small cells are visited last, point by point. */
		v->near_km = INFINITY;
		v->far_km = INFINITY;
	}
}

/*
 * Visits the cells the cap may touch, nearest first, so the top k fills
 * with close points early; a crowded cell wholly inside the radius is
 * then counted without testing its points, and skipped entirely when
 * none of it can enter the top k.
 */
static void
scan_cells(struct scan *sc, int row_lo, int row_hi, int col_lo, int col_hi)
{
	struct cell_visit *visits = NULL;
	size_t n = 0, cap = 0;
	for (int r = row_lo; r <= row_hi; r++)
		for (int col = col_lo; col <= col_hi; col++)
			add_visit(sc, &visits, &n, &cap, r, (col % GRID_COLS + GRID_COLS) % GRID_COLS);
	if (n > 1)
		qsort(visits, n, sizeof(*visits), compare_visits);
	const struct filter *f = sc->f;
	bool filtered = f->all_bits || f->any_certs || f->fee_max >= 0 ||
	    f->has_language || f->allowed;
	double r = sc->cap->radius_km;
	for (size_t k = 0; k < n; k++) {
		const struct cell_visit *v = &visits[k];
		uint32_t from = sc->s->cell_start[v->cell], to = sc->s->cell_start[v->cell + 1];
		if (v->near_km > r && !isinf(v->near_km))
			continue;			/* wholly outside */
		if (v->far_km < r * (1 - 1e-9) - 1e-9)
			take_inside_cell(sc, v, from, to, filtered);
		else
			scan_points(sc, from, to);
	}
	free(visits);
}

static void
scan_cap(struct scan *sc)
{
	pthread_once(&grid_once, grid_init);
	const struct cap *c = sc->cap;
	double theta_deg = c->radius_km / GEO_EARTH_RADIUS_KM * 180.0 / M_PI + 1e-9;
	double lat_lo = c->lat - theta_deg, lat_hi = c->lat + theta_deg;
	bool all_cols = lat_lo <= -90.0 || lat_hi >= 90.0;
	double half_width = 180.0;
	if (!all_cols) {
		double ratio = sin(c->radius_km / GEO_EARTH_RADIUS_KM) / cos(c->lat * M_PI / 180.0);
		if (ratio >= 1.0)
			all_cols = true;
		else
			half_width = asin(ratio) * 180.0 / M_PI + 1e-9;
	}
	int row_lo = (int)((fmax(lat_lo, -90.0) + 90.0) / GRID_DEG);
	int row_hi = (int)((fmin(lat_hi, 90.0) + 90.0) / GRID_DEG);
	if (row_hi >= GRID_ROWS)
		row_hi = GRID_ROWS - 1;
	/* Columns may run past either edge: scan_cells wraps them across
	 * the antimeridian. */
	int col_lo = (int)floor((c->lon - half_width + 180.0) / GRID_DEG);
	int col_hi = (int)floor((c->lon + half_width + 180.0) / GRID_DEG);
	if (all_cols || col_hi - col_lo + 1 >= GRID_COLS) {
		col_lo = 0;
		col_hi = GRID_COLS - 1;
	}
	scan_cells(sc, row_lo, row_hi, col_lo, col_hi);
}

/* Sorts the heap's contents into result order; returns the count. */
static int
topk_sorted(struct topk *t)
{
	qsort(t->heap, (size_t)t->n, sizeof(*t->heap), compare_hits);
	return t->n;
}

long long
search_near_point(struct search_engine *engine, double lat, double lon,
    double radius_km, const struct search_query *filters, int64_t *ids,
    double *distances, int max)
{
	pthread_mutex_lock(&engine->lock);
	struct search_snapshot *s = engine->current;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&engine->lock);
	if (s == NULL)
		return -1;
	struct filter f;
	filter_compile(s, filters, &f);
	struct cap c;
	cap_init(&c, lat, lon, radius_km);
	struct hit heap[SEARCH_MAX_LIMIT];
	struct topk top = { heap, max < SEARCH_MAX_LIMIT ? max : SEARCH_MAX_LIMIT, 0 };
	struct scan sc = { s, &f, &c, &top, 0 };
	scan_cap(&sc);
	int n = topk_sorted(&top);
	for (int i = 0; i < n; i++) {
		ids[i] = heap[i].id;
		distances[i] = heap[i].distance;
	}
	snapshot_release(s);
	return sc.total;
}

/* ---- Full text ---- */

/*
 * Turns what a person typed into an FTS5 query that cannot be a syntax
 * error: each word quoted, the last one a prefix. Returns false when
 * nothing searchable is left.
 */
static bool
fts_expression(const char *q, struct buf *out)
{
	struct buf folded = BUF_INIT;
	text_fold(&folded, q, strlen(q));
	const char *p = buf_cstr(&folded);
	int words = 0;
	while (*p) {
		const char *end = strchr(p, ' ');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (words++)
			buf_putc(out, ' ');
		buf_putc(out, '"');
		buf_put(out, p, n);	/* folded text has no quotes */
		buf_putc(out, '"');
		if (end == NULL) {
			buf_putc(out, '*');
			break;
		}
		p = end + 1;
	}
	buf_free(&folded);
	return words > 0;
}

/* Entry indices matching q, in relevance order. */
static int
fts_matches(sqlite3 *db, const struct search_snapshot *s, const char *q,
    uint32_t **out, size_t *count, struct err *e)
{
	*out = NULL;
	*count = 0;
	struct buf expr = BUF_INIT;
	if (!fts_expression(q, &expr)) {
		buf_free(&expr);
		return 0;
	}
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT rowid FROM therapist_fts WHERE therapist_fts MATCH ?"
	    " ORDER BY rank, rowid", e);
	if (st == NULL) {
		buf_free(&expr);
		return -1;
	}
	sqlite3_bind_text(st, 1, buf_cstr(&expr), -1, SQLITE_TRANSIENT);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long i = index_find_id(s, sqlite3_column_int64(st, 0));
		if (i < 0)
			continue;	/* hidden, or newer than the index */
		if (*count == cap) {
			cap = cap ? cap * 2 : 256;
			*out = xrealloc(*out, cap * sizeof(uint32_t));
		}
		(*out)[(*count)++] = (uint32_t)i;
	}
	sqlite3_finalize(st);
	buf_free(&expr);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		return db_fail(db, e, "full-text search");
	}
	return 0;
}

/* ---- Running a query ---- */

static void
fill_row(const struct search_snapshot *s, uint32_t i, double distance,
    struct search_row *row)
{
	const struct index_hot *h = &s->hot[i];
	const struct index_cold *c = &s->cold[i];
	row->id = c->id;
	row->name = index_str(s, c->name);
	row->credentials = index_str(s, c->credentials);
	row->specialties = h->bits & ((1u << SPEC_COUNT) - 1);
	row->formats = (h->bits >> 9) & 3;
	row->certifications = (h->bits >> CERT_SHIFT) & ((1u << CERT_COUNT) - 1);
	row->languages = index_str(s, c->languages);
	row->accepting_new_clients = h->bits & BIT_ACCEPTING;
	row->fee_min = h->fee_min;
	row->fee_max = c->fee_max;
	row->sliding_scale = h->bits & BIT_SLIDING;
	row->city = index_str(s, c->city);
	row->region = index_str(s, c->region);
	row->postal_code = index_str(s, c->postal_code);
	row->country = index_str(s, c->country);
	row->has_location = h->bits & BIT_LOCATED;
	row->lat = c->lat;
	row->lon = c->lon;
	row->distance_km = distance;
	row->verified = h->bits & BIT_VERIFIED;
}

static void
emit_page(struct search_result *r, const struct search_snapshot *s,
    struct topk *top)
{
	int n = topk_sorted(top);
	/* The page's rows are scattered over the cold array and the string
	 * pool; asking for them all at once overlaps the cache misses that
	 * would otherwise come one by one. */
	for (int i = r->offset; i < n && i < r->offset + r->limit; i++)
		__builtin_prefetch(&s->cold[top->heap[i].index]);
	for (int i = r->offset; i < n && i < r->offset + r->limit; i++)
		__builtin_prefetch(s->pool + s->cold[top->heap[i].index].name);
	for (int i = r->offset; i < n && r->count < r->limit; i++)
		fill_row(s, top->heap[i].index, isinf(top->heap[i].distance) ?
		    NAN : top->heap[i].distance, &r->rows[r->count++]);
}

/* Online therapists licensed where the searcher is, at any distance. */
static void
run_online_by_license(struct search_result *r, const struct search_snapshot *s,
    const struct filter *f, const struct cap *c, struct topk *top)
{
	const struct place *where = &r->location.best;
	const struct license_list *lists[2] = {
		where->region[0] ? index_licenses(s, where->region) : NULL,
		where->country[0] ? index_licenses(s, where->country) : NULL,
	};
	/* Merge the two ascending lists, skipping entries in both. */
	uint32_t a = 0, b = 0;
	uint32_t na = lists[0] ? lists[0]->count : 0, nb = lists[1] ? lists[1]->count : 0;
	while (a < na || b < nb) {
		uint32_t i;
		if (b >= nb || (a < na && lists[0]->indices[a] < lists[1]->indices[b]))
			i = lists[0]->indices[a++];
		else if (a >= na || lists[1]->indices[b] < lists[0]->indices[a])
			i = lists[1]->indices[b++];
		else {
			i = lists[0]->indices[a++];
			b++;
		}
		if (!filter_match(s, f, i))
			continue;
		r->total++;
		const struct index_cold *cold = &s->cold[i];
		struct hit x = { INFINITY, 0, cold->id, i };
		if (s->hot[i].bits & BIT_LOCATED)
			x.distance = geo_distance_km(c->lat, c->lon, cold->lat, cold->lon);
		topk_push(top, &x);
	}
}

/* Without near: by name, or by relevance when q matched. */
static void
run_listing(struct search_result *r, const struct search_snapshot *s,
    const struct filter *f, const uint32_t *order, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint32_t i = order[k];
		if (!filter_match(s, f, i))
			continue;
		if (r->total >= r->offset && r->count < r->limit)
			fill_row(s, i, NAN, &r->rows[r->count++]);
		r->total++;
	}
}

int
search_run(struct search_engine *engine, sqlite3 *db, const struct search_query *q,
    struct search_result *r, struct err *e)
{
	/* Only the header is cleared: rows are written before they are read,
	 * and the 100-row array is most of the struct. */
	memset(r, 0, offsetof(struct search_result, rows));
	r->snapshot = NULL;
	r->limit = q->limit;
	r->offset = q->offset;
	r->radius_km = q->radius_km;
	if (q->has_near) {
		if (place_resolve(db, q->near, &r->location, e) < 0)
			return -1;
		snprintf(r->location.query, sizeof(r->location.query), "%s", q->near);
		r->has_location = true;
	}
	struct search_snapshot *s = acquire(engine, db, e);
	if (s == NULL)
		return -1;
	r->snapshot = s;

	struct filter f;
	filter_compile(s, q, &f);
	uint32_t *matches = NULL;
	size_t nmatches = 0;
	uint8_t *allowed = NULL;
	bool has_q = q->q[0] != '\0';
	if (has_q) {
		if (fts_matches(db, s, q->q, &matches, &nmatches, e) < 0) {
			search_result_release(r);
			return -1;
		}
		if (r->has_location) {
			allowed = xcalloc(s->n / 8 + 1, 1);
			for (size_t k = 0; k < nmatches; k++)
				allowed[matches[k] >> 3] |= (uint8_t)(1u << (matches[k] & 7));
			f.allowed = allowed;
		}
	}

	if (r->has_location) {
		struct cap c;
		cap_init(&c, r->location.best.lat, r->location.best.lon, q->radius_km);
		struct topk top = { xmalloc(sizeof(struct hit) * (size_t)(q->offset + q->limit)),
		    q->offset + q->limit, 0 };
		if (q->format == FORMAT_ONLINE) {
			r->online_by_license = true;
			run_online_by_license(r, s, &f, &c, &top);
		} else {
			struct scan sc = { s, &f, &c, &top, 0 };
			scan_cap(&sc);
			r->total = sc.total;
		}
		emit_page(r, s, &top);
		free(top.heap);
	} else if (has_q) {
		run_listing(r, s, &f, matches, nmatches);
	} else {
		run_listing(r, s, &f, s->by_name, s->n);
	}
	free(matches);
	free(allowed);
	return 0;
}

void
search_result_release(struct search_result *r)
{
	snapshot_release(r->snapshot);
	r->snapshot = NULL;
}

/* ---- JSON ---- */

static void
jw_place(struct jw *j, const struct place *p)
{
	jw_kv_string(j, "label", p->label);
	jw_kv_string(j, "name", p->name);
	jw_kv_string(j, "kind", place_kind_name(p->kind));
	jw_key(j, "lat");
	jw_double(j, p->lat, 6);
	jw_key(j, "lon");
	jw_double(j, p->lon, 6);
	jw_kv_string(j, "country", p->country);
	jw_kv_string(j, "region", p->region);
}

static void
jw_row(struct jw *j, const struct search_row *row, const char *url_prefix)
{
	jw_object_begin(j);
	jw_kv_int(j, "id", row->id);
	jw_kv_string(j, "name", row->name);
	jw_kv_string(j, "credentials", row->credentials);
	slug_list_json(j, "certifications", &therapist_certifications, row->certifications);
	slug_list_json(j, "specialties", &therapist_specialties, row->specialties);
	slug_list_json(j, "formats", &therapist_formats, row->formats);
	jw_kv_list(j, "languages", row->languages);
	jw_kv_bool(j, "accepting_new_clients", row->accepting_new_clients);
	jw_kv_optional_int(j, "fee_min", row->fee_min);
	jw_kv_optional_int(j, "fee_max", row->fee_max);
	jw_kv_bool(j, "sliding_scale", row->sliding_scale);
	jw_kv_string(j, "city", row->city);
	jw_kv_string(j, "region", row->region);
	jw_kv_string(j, "postal_code", row->postal_code);
	jw_kv_string(j, "country", row->country);
	jw_key(j, "lat");
	if (row->has_location)
		jw_double(j, row->lat, 6);
	else
		jw_null(j);
	jw_key(j, "lon");
	if (row->has_location)
		jw_double(j, row->lon, 6);
	else
		jw_null(j);
	jw_key(j, "distance_km");
	jw_double(j, row->distance_km, 6);	/* NAN -> null */
	jw_kv_bool(j, "verified", row->verified);
	jw_key(j, "url");
	char url[160], id[24];
	snprintf(url, sizeof(url), "%.100s/therapists/%s", url_prefix, jw_format_int(id, row->id));
	jw_string(j, url);
	jw_object_end(j);
}

void
search_result_json(const struct search_result *r, const char *url_prefix,
    struct buf *out)
{
	struct jw j;
	jw_init(&j, out);
	jw_object_begin(&j);
	jw_key(&j, "location");
	if (r->has_location) {
		const struct place_match *m = &r->location;
		jw_object_begin(&j);
		jw_kv_string(&j, "query", m->query);
		jw_place(&j, &m->best);
		jw_key(&j, "alternatives");
		jw_array_begin(&j);
		for (int i = 0; i < m->alternative_count; i++) {
			jw_object_begin(&j);
			jw_place(&j, &m->alternatives[i]);
			jw_object_end(&j);
		}
		jw_array_end(&j);
		jw_object_end(&j);
	} else {
		jw_null(&j);
	}
	jw_key(&j, "radius_km");
	if (r->has_location && !r->online_by_license)
		jw_double(&j, r->radius_km, 6);
	else
		jw_null(&j);
	jw_kv_int(&j, "total", r->total);
	jw_kv_int(&j, "limit", r->limit);
	jw_kv_int(&j, "offset", r->offset);
	jw_key(&j, "results");
	jw_array_begin(&j);
	for (int i = 0; i < r->count; i++)
		jw_row(&j, &r->rows[i], url_prefix);
	jw_array_end(&j);
	jw_object_end(&j);
}
