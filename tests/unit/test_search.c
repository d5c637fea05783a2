/*
 * The search engine against a brute-force scan of the same data: random
 * therapists all over the globe (with clusters at the antimeridian and
 * the poles), random filters, random radii. The index must return exactly
 * the same total and the same first rows in the same order.
 */
#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "../../src/directory/search.h"
#include "../../src/directory/therapist.h"
#include "../../src/store/db.h"
#include "../../src/util/geo.h"

#define N_THERAPISTS 6000

struct fixture_row {
	int64_t		id;
	double		lat, lon;
	uint32_t	specialties, formats, certifications;
	char		languages[8];
	bool		accepting, sliding;
	int		fee_min;
	char		name[32];
};

static struct fixture_row rows[N_THERAPISTS];
static char db_path[512];
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
uniform(double lo, double hi)
{
	return lo + (hi - lo) * ((double)(rng() >> 11) / 9007199254740992.0);
}

static void
random_point(double *lat, double *lon)
{
	switch (rng() % 5) {
	case 0:	/* antimeridian */
		*lat = uniform(-20, 20);
		*lon = rng() % 2 ? uniform(179.0, 180.0) : uniform(-180.0, -179.0);
		break;
	case 1:	/* near a pole */
		*lat = rng() % 2 ? uniform(88.5, 90.0) : uniform(-90.0, -88.5);
		*lon = uniform(-180, 180);
		break;
	case 2:	/* a dense city */
		*lat = 40.75 + uniform(-0.3, 0.3);
		*lon = -73.99 + uniform(-0.3, 0.3);
		break;
	default:
		*lat = asin(uniform(-1, 1)) * 180 / M_PI;
		*lon = uniform(-180, 180);
	}
}

static const char *const langs[] = { "en", "es", "de", "fr", "zu", "en;es", "de;en", "" };

static void
build_fixture(void)
{
	if (db_path[0])
		return;
	snprintf(db_path, sizeof(db_path), "%s/search.db", test_tmpdir());
	struct err e = ERR_INIT;
	sqlite3 *db = db_open(db_path, &e);
	if (db == NULL || db_migrate(db, &e) < 0) {
		test_fail(__FILE__, __LINE__, "fixture: %s", e.message);
		return;
	}
	db_exec(db, "BEGIN", &e);
	struct therapist_writer *w = therapist_writer_open(db, &e);
	for (int i = 0; i < N_THERAPISTS; i++) {
		struct fixture_row *r = &rows[i];
		random_point(&r->lat, &r->lon);
		r->specialties = (uint32_t)(rng() % (1u << SPEC_COUNT));
		r->formats = 1 + (uint32_t)(rng() % 3);
		r->certifications = 1u << (rng() % CERT_COUNT);
		snprintf(r->languages, sizeof(r->languages), "%s", langs[rng() % 8]);
		r->accepting = rng() % 2;
		r->sliding = rng() % 4 == 0;
		r->fee_min = rng() % 5 == 0 ? -1 : 50 + (int)(rng() % 200);
		/* Names repeat, so name order must fall back to id. */
		snprintf(r->name, sizeof(r->name), "Therapist %03d", (int)(rng() % 500));
		struct therapist t;
		therapist_init(&t);
		char ext[32];
		snprintf(ext, sizeof(ext), "t%d", i);
		t.external_id = ext;
		t.name = r->name;
		t.has_location = true;
		t.lat = r->lat;
		t.lon = r->lon;
		t.specialties = r->specialties;
		t.formats = r->formats;
		t.certifications = r->certifications;
		t.languages = r->languages;
		t.accepting_new_clients = r->accepting;
		t.sliding_scale = r->sliding;
		t.fee_min = r->fee_min;
		t.fee_max = r->fee_min < 0 ? -1 : r->fee_min + 50;
		if (therapist_writer_put(w, &t, &e) < 0) {
			test_fail(__FILE__, __LINE__, "insert: %s", e.message);
			break;
		}
		r->id = t.id;
	}
	therapist_writer_close(w);
	db_exec(db, "COMMIT", &e);
	db_close(db);
}

static bool
brute_match(const struct fixture_row *r, const struct search_query *q)
{
	if ((r->specialties & q->specialties) != q->specialties)
		return false;
	if (q->format >= 0 && !(r->formats & (1u << q->format)))
		return false;
	if (q->certifications && !(r->certifications & q->certifications))
		return false;
	if (q->accepting_only && !r->accepting)
		return false;
	if (q->fee_max >= 0 && !r->sliding && !(r->fee_min >= 0 && r->fee_min <= q->fee_max))
		return false;
	if (q->language[0] && !strstr(r->languages, q->language))
		return false;
	return true;
}

struct expected { double d; int64_t id; };

static int
cmp_expected(const void *a, const void *b)
{
	const struct expected *x = a, *y = b;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static void
random_filters(struct search_query *q)
{
	memset(q, 0, sizeof(*q));
	q->format = -1;
	q->fee_max = -1;
	q->limit = 20;
	switch (rng() % 6) {
	case 0: q->specialties = 1u << (rng() % SPEC_COUNT); break;
	case 1: q->format = (int)(rng() % 2); q->accepting_only = true; break;
	case 2: q->certifications = (1u << (rng() % CERT_COUNT)) | (1u << (rng() % CERT_COUNT)); break;
	case 3: snprintf(q->language, 3, "%s", (const char *[]){ "en", "es", "de", "zu" }[rng() % 4]); break;
	case 4: q->fee_max = 60 + (int)(rng() % 100); break;
	default: break;	/* no filter */
	}
}

TEST(search_near_point_matches_brute_force)
{
	build_fixture();
	struct err e = ERR_INIT;
	struct search_engine *engine = search_engine_open(db_path, &e);
	CHECK(engine != NULL);
	CHECK(search_engine_load(engine, &e) == 0);
	CHECK_INT((long long)search_engine_size(engine), N_THERAPISTS);
	static struct expected exp[N_THERAPISTS];
	int mismatches = 0;
	for (int iter = 0; iter < 400 && mismatches < 5; iter++) {
		double lat, lon;
		random_point(&lat, &lon);
		if (iter % 10 == 0) { lat = 90; lon = 0; }
		if (iter % 10 == 1) { lat = 0; lon = 180; }
		double radius = iter % 3 == 0 ? uniform(0.5, 50) : uniform(1, 1000);
		struct search_query q;
		random_filters(&q);
		size_t n = 0;
		bool ambiguous = false;
		for (int i = 0; i < N_THERAPISTS; i++) {
			double d = geo_distance_km(lat, lon, rows[i].lat, rows[i].lon);
			if (fabs(d - radius) < 1e-7)
				ambiguous = true;
			if (d <= radius && brute_match(&rows[i], &q))
				exp[n++] = (struct expected){ d, rows[i].id };
		}
		if (ambiguous)
			continue;
		qsort(exp, n, sizeof(exp[0]), cmp_expected);
		int64_t ids[20];
		double dist[20];
		long long total = search_near_point(engine, lat, lon, radius, &q, ids, dist, 20);
		bool ok = total == (long long)n;
		for (size_t i = 0; ok && i < n && i < 20; i++)
			ok = ids[i] == exp[i].id && fabs(dist[i] - exp[i].d) < 1e-9;
		if (!ok) {
			mismatches++;
			test_fail(__FILE__, __LINE__, "query (%.5f,%.5f) r=%.3f: total %lld want %zu",
			    lat, lon, radius, total, n);
		}
	}
	search_engine_close(engine);
}

TEST(search_listing_by_name_then_id)
{
	build_fixture();
	struct err e = ERR_INIT;
	struct search_engine *engine = search_engine_open(db_path, &e);
	sqlite3 *db = db_open(db_path, &e);
	struct param p[] = { { "specialty", "lgbtq", 5 }, { "limit", "100", 3 }, { "offset", "7", 1 } };
	struct search_query q;
	CHECK(search_query_parse(&q, p, 3, &e) == 0);
	struct search_result *r = calloc(1, sizeof(*r));
	CHECK(search_run(engine, db, &q, r, &e) == 0);
	long long want = 0;
	for (int i = 0; i < N_THERAPISTS; i++)
		want += (rows[i].specialties & (1u << SPEC_LGBTQ)) != 0;
	CHECK_INT(r->total, want);
	CHECK_INT(r->count, 100);
	for (int i = 1; i < r->count; i++) {
		int c = strcmp(r->rows[i - 1].name, r->rows[i].name);
		CHECK(c < 0 || (c == 0 && r->rows[i - 1].id < r->rows[i].id));
		CHECK(r->rows[i].specialties & (1u << SPEC_LGBTQ));
		CHECK(isnan(r->rows[i].distance_km));
	}
	search_result_release(r);
	free(r);
	db_close(db);
	search_engine_close(engine);
}

TEST(search_index_reloads_after_a_write)
{
	build_fixture();
	struct err e = ERR_INIT;
	struct search_engine *engine = search_engine_open(db_path, &e);
	sqlite3 *db = db_open(db_path, &e);
	CHECK(search_engine_load(engine, &e) == 0);
	size_t before = search_engine_size(engine);
	struct therapist t;
	therapist_init(&t);
	t.external_id = "late-arrival";
	t.name = "Zed Late Arrival";
	CHECK(therapist_upsert(db, &t, &e) == 0);
	search_engine_invalidate(engine);
	struct search_query q;
	struct param p[] = { { "q", "Late Arrival", 12 } };
	CHECK(search_query_parse(&q, p, 1, &e) == 0);
	/* The reload runs in the background; poll for up to 5 seconds. */
	bool seen = false;
	for (int i = 0; i < 500 && !seen; i++) {
		struct search_result *r = calloc(1, sizeof(*r));
		if (search_run(engine, db, &q, r, &e) == 0)
			seen = r->total == 1 && r->count == 1 && strcmp(r->rows[0].name, "Zed Late Arrival") == 0;
		search_result_release(r);
		free(r);
		if (!seen) {
			struct timespec ts = { 0, 10 * 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	CHECK(seen);
	CHECK_INT((long long)search_engine_size(engine), (long long)before + 1);
	db_exec(db, "DELETE FROM therapists WHERE external_id = 'late-arrival'", &e);
	db_close(db);
	search_engine_close(engine);
}

TEST(search_query_parse_rejects_bad_values)
{
	struct { const char *key, *value, *param; } bad[] = {
		{ "radius", "0", "radius" }, { "radius", "-3", "radius" }, { "radius", "1001", "radius" },
		{ "radius", "nan", "radius" }, { "radius", "abc", "radius" }, { "unit", "ft", "unit" },
		{ "limit", "0", "limit" }, { "limit", "101", "limit" }, { "limit", "", "limit" },
		{ "offset", "-1", "offset" }, { "offset", "10001", "offset" },
		{ "specialty", "astrology", "specialty" }, { "format", "phone", "format" },
		{ "certification", "guru", "certification" }, { "language", "eng", "language" },
		{ "accepting", "maybe", "accepting" }, { "fee_max", "1.5", "fee_max" },
		{ "near", "\xff\xfe", "near" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct param p = { bad[i].key, bad[i].value, strlen(bad[i].value) };
		struct search_query q;
		struct err e = ERR_INIT;
		CHECK(search_query_parse(&q, &p, 1, &e) == -1);
		CHECK_INT(e.status, 400);
		CHECK_STR(e.param, bad[i].param);
	}
	/* Miles: 620 is the most; 621 is too far. */
	struct param mi[] = { { "unit", "mi", 2 }, { "radius", "621", 3 } };
	struct search_query q;
	struct err e = ERR_INIT;
	CHECK(search_query_parse(&q, mi, 2, &e) == -1);
	mi[1].value = "620";
	CHECK(search_query_parse(&q, mi, 2, &e) == 0);
	CHECK_NEAR(q.radius_km, 620 * 1.609344, 1e-9);
	/* A NUL inside a value, and a repeated scalar. */
	struct param nul = { "near", "Austin\0x", 8 };
	CHECK(search_query_parse(&q, &nul, 1, &e) == -1);
	struct param twice[] = { { "limit", "5", 1 }, { "limit", "6", 1 } };
	CHECK(search_query_parse(&q, twice, 2, &e) == -1);
	CHECK_STR(e.param, "limit");
	/* An overlong q. */
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct param longq = { "q", big, strlen(big) };
	CHECK(search_query_parse(&q, &longq, 1, &e) == -1);
	CHECK_STR(e.param, "q");
}

TEST(search_query_defaults_and_round_trip)
{
	struct search_query q;
	struct err e = ERR_INIT;
	CHECK(search_query_parse(&q, NULL, 0, &e) == 0);
	CHECK_NEAR(q.radius_km, 40, 0);
	CHECK_INT(q.limit, 20);
	CHECK_INT(q.offset, 0);
	CHECK_INT(q.format, -1);
	struct param p[] = { { "near", "Austin, TX", 10 }, { "specialty", "lgbtq", 5 },
	    { "specialty", "premarital", 10 }, { "format", "online", 6 }, { "unit", "mi", 2 },
	    { "radius", "25", 2 }, { "language", "ES", 2 }, { "fee_max", "120", 3 } };
	CHECK(search_query_parse(&q, p, 8, &e) == 0);
	CHECK_STR(q.language, "es");
	struct buf b = BUF_INIT;
	search_query_format(&q, 40, &b);
	CHECK_STR(buf_cstr(&b), "near=Austin%2C%20TX&radius=25&unit=mi&specialty=premarital&specialty=lgbtq&format=online&language=es&fee_max=120&offset=40");
	buf_free(&b);
}
