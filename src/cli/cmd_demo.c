/*
 * `imago demo --therapists N [--seed S]`: fills the directory with
 * synthetic profiles (src/directory/demo.c) for trying and benchmarking.
 */
#include "cli.h"

#include <string.h>
#include <unistd.h>

#include "../directory/demo.h"
#include "../store/db.h"
#include "../util/num.h"

static void
usage(FILE *out)
{
	fprintf(out, "usage: imago [--db PATH] demo --therapists N [--seed S] [--db PATH]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "Generates N synthetic therapist profiles on real cities from the\n"
	    "gazetteer (run `imago gazetteer import` first), chosen by population\n"
	    "and jittered by a few km. The same N and seed always give the same\n"
	    "profiles; their external ids are demo-000001, demo-000002, ..., so\n"
	    "running again updates them instead of adding more. All contact\n"
	    "details are reserved for fiction (example.com, 555-01xx numbers).\n\n"
	    "Options:\n"
	    "  --therapists N  how many profiles, 0 to %d (required)\n"
	    "  --seed S        a non-negative whole number (default 1)\n"
	    "  --db PATH       the database (also accepted before `demo`)\n",
	    DEMO_MAX);
}

int
cmd_demo(struct cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		help();
		return 0;
	}
	struct demo_options opt = { -1, 1, false };
	for (int i = 1; i < argc; i++) {
		const char *v;
		long long n;
		if (cli_option(argc, argv, &i, "--therapists", &v)) {
			if (v == NULL || num_parse_long(v, 0, DEMO_MAX, &n) < 0) {
				fprintf(stderr, "imago demo: --therapists must be a whole"
				    " number from 0 to %d\n", DEMO_MAX);
				return 2;
			}
			opt.count = n;
		} else if (cli_option(argc, argv, &i, "--seed", &v)) {
			if (v == NULL || num_parse_long(v, 0, 9223372036854775807LL, &n) < 0) {
				fprintf(stderr, "imago demo: --seed must be a non-negative"
				    " whole number\n");
				return 2;
			}
			opt.seed = (uint64_t)n;
		} else if (cli_option(argc, argv, &i, "--db", &v)) {
			if (v == NULL || *v == '\0')
				return 2;
			c->db_path = v;
		} else {
			fprintf(stderr, "imago demo: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (opt.count < 0) {
		fprintf(stderr, "imago demo: --therapists N is required\n");
		usage(stderr);
		return 2;
	}

	sqlite3 *db = cli_open_db(c);
	if (db == NULL)
		return 1;
	opt.progress = isatty(STDERR_FILENO);
	struct demo_result res;
	struct err e = ERR_INIT;
	int rc = demo_generate(db, &opt, &res, &e);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "imago demo: %s\n", e.message);
		return 1;
	}
	printf("%lld demo therapist%s (seed %llu): %lld inserted, %lld updated\n",
	    opt.count, opt.count == 1 ? "" : "s", (unsigned long long)opt.seed,
	    res.inserted, res.updated);
	return 0;
}
