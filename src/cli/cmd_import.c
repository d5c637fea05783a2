/*
 * `imago import therapists FILE.csv [--skip-invalid]`: the command-line
 * face of the CSV importer (src/directory/import.c). Problems go to stderr
 * as FILE:LINE lines, the summary to stdout.
 */
#include "cli.h"

#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "../directory/import.h"
#include "../store/db.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: imago [--db PATH] import therapists FILE.csv [--skip-invalid] [--db PATH]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "Imports therapist profiles from a CSV file (RFC 4180, UTF-8, with a\n"
	    "header row; FILE \"-\" reads standard input). Columns may come in any\n"
	    "order; only external_id and name are required:\n\n");
	size_t width = 0;
	for (int i = 0; i < import_column_count; i++) {
		size_t n = strlen(import_columns[i]) + 2;
		if (width > 0 && width + n > 72) {
			printf(",\n");
			width = 0;
		}
		printf("%s%s", width ? ", " : "  ", import_columns[i]);
		width += n;
	}
	printf("\n");
	printf("\n"
	    "An unknown or repeated column is an error. Lists are separated by ';'\n"
	    "(certifications, specialties, formats, languages, license_regions);\n"
	    "booleans are true/false, yes/no or 1/0; an empty cell means unset.\n"
	    "Rows without lat and lon are placed by postal_code, else by city,\n"
	    "region and country; a row that cannot be placed is imported without\n"
	    "a location, with a warning. Rows upsert by external_id, so importing\n"
	    "again updates them.\n\n"
	    "All or nothing: any invalid row means nothing is imported (exit 1).\n"
	    "Every problem is reported as FILE:LINE: reason.\n\n"
	    "Options:\n"
	    "  --skip-invalid  import the valid rows and report the others\n"
	    "  --db PATH       the database (also accepted before `import`)\n\n"
	    "The full format, with the allowed values: docs/csv-format.md\n");
}

int
cmd_import(struct cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		help();
		return 0;
	}
	struct import_options opt = { false, false, NULL };
	const char *positional[2] = { NULL, NULL };
	int npositional = 0;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (strcmp(argv[i], "--skip-invalid") == 0)
			opt.skip_invalid = true;
		else if (cli_option(argc, argv, &i, "--db", &v)) {
			if (v == NULL || *v == '\0')
				return 2;
			c->db_path = v;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "imago import: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else if (npositional < 2)
			positional[npositional++] = argv[i];
		else {
			fprintf(stderr, "imago import: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (npositional != 2 || strcmp(positional[0], "therapists") != 0) {
		if (npositional > 0 && strcmp(positional[0], "therapists") != 0)
			fprintf(stderr, "imago import: can only import 'therapists', not '%s'\n",
			    positional[0]);
		usage(stderr);
		return 2;
	}

	sqlite3 *db = cli_open_db(c);
	if (db == NULL)
		return 1;
	opt.progress = isatty(STDERR_FILENO);
	struct import_result res;
	struct err e = ERR_INIT;
	int rc = import_therapists(db, positional[1], &opt, &res, &e);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "imago import: %s\n", e.message);
		return 1;
	}
	printf("%s: %lld row%s: %lld inserted, %lld updated, %lld rejected",
	    positional[1], res.rows, res.rows == 1 ? "" : "s", res.inserted,
	    res.updated, res.rejected);
	if (res.unplaced)
		printf("; %lld without a location", res.unplaced);
	if (res.kept)
		printf("; %lld kept as their therapists edited them", res.kept);
	printf("\n");
	return 0;
}
