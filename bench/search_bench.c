/*
 * The in-process half of `make bench`: how long one search takes inside
 * the engine, without HTTP, JSON or place resolution, measured the same
 * way as the reference (bench/geokdbush.mjs) on the same points and
 * queries.
 *
 *   search_bench pick DB N SEED QUERIES
 *	chooses N distinct US ZIP centroids from DB's postal_codes with a
 *	fixed-seed generator and writes them as "zip lat lon" lines; the
 *	reference, the HTTP run and this program all read that file.
 *
 *   search_bench run DB QUERIES OUTDIR [PASSES]
 *	loads the index (timed), writes OUTDIR/points.f64 (lon, lat of every
 *	located, visible therapist), OUTDIR/lgbtq.u8 (1 where that therapist
 *	has the filter's specialty) and OUTDIR/ids.f64 (their ids), then
 *	times every query one by one over PASSES passes after a warm-up
 *	pass, with and without the filter. The top 20 of each query go to
 *	OUTDIR/results-{all,lgbtq}.txt so the reference can check that it
 *	found the same therapists, and OUTDIR/timings-{all,lgbtq}.txt has
 *	each query's total and fastest time ("zip total ms"), to see what
 *	makes the tail. Prints "key value" lines.
 *
 * Each query is timed on its own with CLOCK_MONOTONIC (about 20 ns per
 * reading here, small beside a search), so the median and p99 are over
 * single queries, not averages of batches that would hide the tail.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "directory/search.h"

#define TOP		20
#define RADIUS_KM	40.0
#define MAX_QUERIES	100000
#define MAX_PASSES	1000

/* The filtered case: a specialty that about one therapist in nine has. */
#define FILTER_KEY	"specialty"
#define FILTER_VALUE	"lgbtq"

struct query_point {
	char	zip[16];
	double	lat, lon;
};

static double
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL) {
		fprintf(stderr, "search_bench: out of memory\n");
		exit(1);
	}
	return p;
}

static long
parse_long(const char *s, long min, long max, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "search_bench: %s must be %ld-%ld, not '%s'\n",
		    what, min, max, s);
		exit(2);
	}
	return v;
}

/* Resident set size in kB from /proc/self/status, or -1. */
static long
rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return -1;
	char line[256];
	long kb = -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* splitmix64: a tiny generator whose sequence is the same everywhere. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static sqlite3 *
open_readonly(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "search_bench: %s: %s\n", path,
		    db ? sqlite3_errmsg(db) : "cannot open");
		exit(1);
	}
	return db;
}

static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "search_bench: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	return st;
}

static int
cmd_pick(const char *db_path, long n, long seed, const char *out_path)
{
	sqlite3 *db = open_readonly(db_path);
	/* Ordered by code so the draw does not depend on the table's layout. */
	sqlite3_stmt *st = prepare(db, "SELECT code, lat, lon FROM postal_codes"
	    " WHERE country = 'US' ORDER BY code");
	size_t cap = 1024, count = 0;
	struct query_point *all = xcalloc(cap, sizeof *all);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (count == cap) {
			cap *= 2;
			all = realloc(all, cap * sizeof *all);
			if (all == NULL) {
				fprintf(stderr, "search_bench: out of memory\n");
				return 1;
			}
		}
		const char *code = (const char *)sqlite3_column_text(st, 0);
		snprintf(all[count].zip, sizeof all[count].zip, "%s", code ? code : "");
		all[count].lat = sqlite3_column_double(st, 1);
		all[count].lon = sqlite3_column_double(st, 2);
		count++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (count < (size_t)n) {
		fprintf(stderr, "search_bench: %s has %zu US postal codes, fewer than %ld"
		    " (run `imago gazetteer import` first)\n", db_path, count, n);
		return 1;
	}
	/* A partial Fisher-Yates shuffle: n distinct ZIPs. */
	uint64_t state = (uint64_t)seed;
	for (size_t i = 0; i < (size_t)n; i++) {
		size_t j = i + (size_t)(next_random(&state) % (count - i));
		struct query_point t = all[i];
		all[i] = all[j];
		all[j] = t;
	}
	FILE *f = fopen(out_path, "w");
	if (f == NULL) {
		fprintf(stderr, "search_bench: %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	for (long i = 0; i < n; i++)
		fprintf(f, "%s %.6f %.6f\n", all[i].zip, all[i].lat, all[i].lon);
	free(all);
	if (fclose(f) != 0) {
		fprintf(stderr, "search_bench: %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	return 0;
}

static struct query_point *
read_queries(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "search_bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	struct query_point *q = xcalloc(MAX_QUERIES, sizeof *q);
	size_t count = 0;
	char line[128];
	while (fgets(line, sizeof line, f) && count < MAX_QUERIES) {
		if (sscanf(line, "%15s %lf %lf", q[count].zip, &q[count].lat,
		    &q[count].lon) == 3)
			count++;
	}
	fclose(f);
	if (count == 0) {
		fprintf(stderr, "search_bench: %s has no queries\n", path);
		exit(1);
	}
	*n = count;
	return q;
}

static FILE *
open_out(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL) {
		fprintf(stderr, "search_bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return f;
}

static void
close_out(FILE *f, const char *name)
{
	if (ferror(f) || fclose(f) != 0) {
		fprintf(stderr, "search_bench: writing %s failed\n", name);
		exit(1);
	}
}

/*
 * The reference's input: the same rows the index holds (visible and
 * located), as flat native-endian arrays a Float64Array reads directly.
 */
static size_t
write_points(const char *db_path, const char *dir)
{
	sqlite3 *db = open_readonly(db_path);
	sqlite3_stmt *st = prepare(db, "SELECT id, lon, lat,"
	    " (';' || specialties || ';') LIKE '%;" FILTER_VALUE ";%'"
	    " FROM therapists WHERE hidden = 0 AND lat IS NOT NULL AND lon IS NOT NULL"
	    " ORDER BY id");
	FILE *points = open_out(dir, "points.f64");
	FILE *ids = open_out(dir, "ids.f64");
	FILE *flags = open_out(dir, FILTER_VALUE ".u8");
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		double id = (double)sqlite3_column_int64(st, 0);
		double lonlat[2] = { sqlite3_column_double(st, 1), sqlite3_column_double(st, 2) };
		unsigned char flag = (unsigned char)sqlite3_column_int(st, 3);
		fwrite(lonlat, sizeof lonlat, 1, points);
		fwrite(&id, sizeof id, 1, ids);
		fwrite(&flag, 1, 1, flags);
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	close_out(points, "points.f64");
	close_out(ids, "ids.f64");
	close_out(flags, FILTER_VALUE ".u8");
	return n;
}

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The nearest-rank percentile of sorted values. */
static double
percentile(const double *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	return sorted[rank > 0 ? rank - 1 : 0];
}

struct run_stats {
	double		median_ms, p99_ms, max_ms, mean_ms;
	double		best_p99_ms;	/* p99 of each query's fastest pass */
	double		mean_total;
};

/*
 * One warm-up pass, then `passes` timed ones. The results of the warm-up
 * pass are written out for the reference to compare with.
 */
static void
time_queries(struct search_engine *engine, const struct query_point *q,
    size_t nq, const struct search_query *filters, int passes,
    const char *dir, const char *results_name, struct run_stats *stats)
{
	int64_t ids[TOP];
	double distances[TOP];
	FILE *out = open_out(dir, results_name);
	for (size_t i = 0; i < nq; i++) {
		long long total = search_near_point(engine, q[i].lat, q[i].lon,
		    RADIUS_KM, filters, ids, distances, TOP);
		if (total < 0) {
			fprintf(stderr, "search_bench: search failed\n");
			exit(1);
		}
		int k = total < TOP ? (int)total : TOP;
		fprintf(out, "%s %lld", q[i].zip, total);
		for (int j = 0; j < k; j++)
			fprintf(out, " %" PRId64 ":%.6f", ids[j], distances[j]);
		fputc('\n', out);
	}
	close_out(out, results_name);

	size_t n = nq * (size_t)passes;
	double *t = xcalloc(n, sizeof *t);
	double *best = xcalloc(nq, sizeof *best);
	long long *totals = xcalloc(nq, sizeof *totals);
	double sum_total = 0, sum_ms = 0;
	size_t at = 0;
	for (int p = 0; p < passes; p++)
		for (size_t i = 0; i < nq; i++) {
			double t0 = now_ns();
			long long total = search_near_point(engine, q[i].lat,
			    q[i].lon, RADIUS_KM, filters, ids, distances, TOP);
			double t1 = now_ns();
			double ms = (t1 - t0) / 1e6;
			t[at++] = ms;
			sum_total += (double)total;
			sum_ms += ms;
			totals[i] = total;
			if (p == 0 || ms < best[i])
				best[i] = ms;
		}

	/* Per query, the fastest pass: which queries make the tail. */
	char name[64];
	snprintf(name, sizeof name, "timings-%s", results_name + strlen("results-"));
	out = open_out(dir, name);
	for (size_t i = 0; i < nq; i++)
		fprintf(out, "%s %lld %.5f\n", q[i].zip, totals[i], best[i]);
	close_out(out, name);
	/* The p99 of those: less at the mercy of other processes than the
	 * p99 of all timings, on a machine shared with other work. */
	qsort(best, nq, sizeof *best, compare_double);
	stats->best_p99_ms = percentile(best, nq, 99);
	free(best);
	free(totals);
	qsort(t, n, sizeof *t, compare_double);
	stats->median_ms = percentile(t, n, 50);
	stats->p99_ms = percentile(t, n, 99);
	stats->max_ms = t[n - 1];
	stats->mean_ms = sum_ms / (double)n;
	stats->mean_total = sum_total / (double)n;
	free(t);
}

static void
print_stats(const char *prefix, const struct run_stats *s)
{
	printf("%s_median_ms %.5f\n", prefix, s->median_ms);
	printf("%s_p99_ms %.5f\n", prefix, s->p99_ms);
	printf("%s_max_ms %.5f\n", prefix, s->max_ms);
	printf("%s_best_p99_ms %.5f\n", prefix, s->best_p99_ms);
	printf("%s_mean_ms %.5f\n", prefix, s->mean_ms);
	printf("%s_mean_total %.1f\n", prefix, s->mean_total);
}

static int
cmd_run(const char *db_path, const char *queries_path, const char *dir, int passes)
{
	struct err e = ERR_INIT;
	size_t nq;
	struct query_point *q = read_queries(queries_path, &nq);
	size_t npoints = write_points(db_path, dir);

	long rss_before = rss_kb();
	double t0 = now_ns();
	struct search_engine *engine = search_engine_open(db_path, &e);
	if (engine == NULL || search_engine_load(engine, &e) < 0) {
		fprintf(stderr, "search_bench: %s: %s\n", db_path, e.message);
		return 1;
	}
	double load_s = (now_ns() - t0) / 1e9;
	long rss_after = rss_kb();

	struct search_query all, filtered;
	if (search_query_parse(&all, NULL, 0, &e) < 0) {
		fprintf(stderr, "search_bench: %s\n", e.message);
		return 1;
	}
	struct param filter = { FILTER_KEY, FILTER_VALUE, sizeof FILTER_VALUE - 1 };
	if (search_query_parse(&filtered, &filter, 1, &e) < 0) {
		fprintf(stderr, "search_bench: %s\n", e.message);
		return 1;
	}

	struct run_stats s_all, s_filtered;
	time_queries(engine, q, nq, &all, passes, dir, "results-all.txt", &s_all);
	time_queries(engine, q, nq, &filtered, passes, dir,
	    "results-" FILTER_VALUE ".txt", &s_filtered);

	printf("therapists %zu\n", search_engine_size(engine));
	printf("located %zu\n", npoints);
	printf("queries %zu\n", nq);
	printf("passes %d\n", passes);
	printf("filter %s=%s\n", FILTER_KEY, FILTER_VALUE);
	printf("load_s %.3f\n", load_s);
	printf("rss_before_load_kb %ld\n", rss_before);
	printf("rss_after_load_kb %ld\n", rss_after);
	print_stats("all", &s_all);
	print_stats("filtered", &s_filtered);
	search_engine_close(engine);
	free(q);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: search_bench pick DB N SEED QUERIES\n"
	    "       search_bench run DB QUERIES OUTDIR [PASSES]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "pick") == 0)
		return cmd_pick(argv[2], parse_long(argv[3], 1, MAX_QUERIES, "N"),
		    parse_long(argv[4], 0, 0x7fffffffL, "SEED"), argv[5]);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "run") == 0)
		return cmd_run(argv[2], argv[3], argv[4], argc == 6 ?
		    (int)parse_long(argv[5], 1, MAX_PASSES, "PASSES") : 5);
	usage();
	return 2;
}
