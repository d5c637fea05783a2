/* `imago search`: the directory search from the command line. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../directory/search.h"
#include "../directory/therapist.h"
#include "../store/db.h"
#include "../util/buf.h"

static void
search_usage(FILE *out)
{
	fprintf(out,
	    "usage: imago [--db PATH] search [NEAR] [OPTIONS]\n\n"
	    "Searches the directory with the same engine as the web API.\n"
	    "NEAR is a city (\"Austin, TX\"), a ZIP or postal code, or \"lat,lon\".\n\n"
	    "  --radius R           distance from NEAR (default 40, at most 1000 km / 620 mi)\n"
	    "  --unit km|mi         unit of --radius and of distances shown (default km)\n"
	    "  --specialty S        repeatable; all must match\n"
	    "  --certification C    repeatable; any may match\n"
	    "  --format F           in_person or online (online with NEAR: licensed there)\n"
	    "  --language L         ISO 639-1 code, e.g. es\n"
	    "  --accepting          only therapists accepting new clients\n"
	    "  --fee-max N          lowest fee at most N, or a sliding scale\n"
	    "  --q TEXT             words in the name, bio or approach\n"
	    "  --limit N            rows to show (1-100, default 20)\n"
	    "  --offset N           rows to skip\n"
	    "  --json               print the API's JSON instead of a table\n"
	    "  --db PATH            the database (also before the command)\n");
}

/* CLI options map one-to-one onto the API's query parameters. */
static const struct { const char *option, *param; } option_params[] = {
	{ "--radius", "radius" }, { "--unit", "unit" }, { "--specialty", "specialty" },
	{ "--certification", "certification" }, { "--format", "format" },
	{ "--language", "language" }, { "--fee-max", "fee_max" }, { "--q", "q" },
	{ "--limit", "limit" }, { "--offset", "offset" },
};

static void
print_table(const struct search_result *r, bool miles)
{
	if (r->has_location)
		printf("Near %s: %lld therapist%s\n\n", r->location.best.label, r->total,
		    r->total == 1 ? "" : "s");
	else
		printf("%lld therapist%s\n\n", r->total, r->total == 1 ? "" : "s");
	printf("%10s  %-8s  %-32s  %-14s  %-30s  %s\n", miles ? "DIST (mi)" : "DIST (km)",
	    "ID", "NAME", "CREDENTIALS", "PLACE", "FORMATS");
	for (int i = 0; i < r->count; i++) {
		const struct search_row *row = &r->rows[i];
		char dist[32] = "-";
		if (!isnan(row->distance_km))
			snprintf(dist, sizeof(dist), "%.1f", miles ? row->distance_km / 1.609344 : row->distance_km);
		char place[128];
		snprintf(place, sizeof(place), "%s%s%s%s%s", row->city, *row->region ? ", " : "",
		    row->region, *row->country ? ", " : "", row->country);
		printf("%10s  %-8lld  %-32.32s  %-14.14s  %-30.30s  %s%s%s\n", dist,
		    (long long)row->id, row->name, row->credentials, place,
		    row->formats & 1 ? "in person" : "", row->formats == 3 ? ", " : "",
		    row->formats & 2 ? "online" : "");
	}
	if (r->has_location && r->location.alternative_count > 0) {
		printf("\nAlso matching \"%s\":", r->location.query);
		for (int i = 0; i < r->location.alternative_count; i++)
			printf("%s %s", i ? ";" : "", r->location.alternatives[i].label);
		printf("\n");
	}
}

int
cmd_search(struct cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		search_usage(stdout);
		return 0;
	}
	struct param params[SEARCH_MAX_PARAMS];
	size_t n = 0;
	bool json = false, near_given = false;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		bool matched = false;
		if (n >= SEARCH_MAX_PARAMS) {
			fprintf(stderr, "imago search: too many options\n");
			return 2;
		}
		for (size_t k = 0; k < sizeof(option_params) / sizeof(option_params[0]); k++) {
			if (cli_option(argc, argv, &i, option_params[k].option, &v)) {
				if (v == NULL)
					return 2;
				params[n++] = (struct param){ option_params[k].param, v, strlen(v) };
				matched = true;
				break;
			}
		}
		if (matched)
			continue;
		if (cli_option(argc, argv, &i, "--db", &v)) {
			if (v == NULL)
				return 2;
			c->db_path = v;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--accepting") == 0) {
			params[n++] = (struct param){ "accepting", "true", 4 };
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "imago search: unknown option '%s'\n", argv[i]);
			search_usage(stderr);
			return 2;
		} else if (!near_given) {
			params[n++] = (struct param){ "near", argv[i], strlen(argv[i]) };
			near_given = true;
		} else {
			fprintf(stderr, "imago search: more than one place given ('%s'); quote a place with spaces\n", argv[i]);
			return 2;
		}
	}

	struct err e = ERR_INIT;
	struct search_query q;
	if (search_query_parse(&q, params, n, &e) < 0) {
		fprintf(stderr, "imago search: %s\n", e.message);
		return 2;
	}
	sqlite3 *db = cli_open_db(c);
	if (db == NULL)
		return 1;
	int rc = 1;
	struct search_result *r = calloc(1, sizeof(*r));
	struct search_engine *engine = search_engine_open(c->db_path, &e);
	if (r == NULL || engine == NULL || search_run(engine, db, &q, r, &e) < 0) {
		fprintf(stderr, "imago search: %s\n", e.message);
		goto out;
	}
	if (json) {
		struct buf out = BUF_INIT;
		search_result_json(r, "", &out);
		puts(buf_cstr(&out));
		buf_free(&out);
	} else {
		print_table(r, q.unit_miles);
	}
	search_result_release(r);
	rc = 0;
out:
	free(r);
	search_engine_close(engine);
	db_close(db);
	return rc;
}
