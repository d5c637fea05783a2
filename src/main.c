/*
 * imago: find an Imago therapist, and (in later issues) practise the Imago
 * Dialogue between sessions. One program: a web server and a command line.
 * This file only dispatches to the subcommands in src/cli/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>

#include "cli/cli.h"
#include "store/db.h"
#include "util/mem.h"

static const struct command {
	const char	*name;
	int		(*run)(struct cli *, int, char **);
	const char	*summary;
} commands[] = {
	{ "serve", cmd_serve, "run the web server (HTML pages and JSON API)" },
	{ "migrate", cmd_migrate, "create the database and apply schema migrations" },
	{ "gazetteer", cmd_gazetteer, "import the place data (gazetteer import)" },
	{ "import", cmd_import, "import therapists from CSV (import therapists FILE.csv)" },
	{ "demo", cmd_demo, "generate synthetic demo therapists" },
	{ "search", cmd_search, "search the directory from the command line" },
	{ "user", cmd_user, "create an account, e.g. the first admin (user add)" },
	{ "routes", cmd_routes, "list the routes the server answers, with access levels" },
	{ "audit", cmd_audit, "check or list the audit log (audit verify|list)" },
	{ "mail", cmd_mail, "deliver pending email now (mail deliver)" },
	{ "key", cmd_key, "the encryption key file (key status|rotate|reseal|retire)" },
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: imago [--db PATH] COMMAND [OPTIONS]\n\n"
	    "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
	    "\nGlobal options:\n"
	    "  --db PATH   the SQLite database (default: $IMAGO_DB, else %s)\n"
	    "  --help      this text; `imago COMMAND --help` for a command\n"
	    "\nEnvironment:\n"
	    "  IMAGO_DB        database path\n"
	    "  IMAGO_KEY_FILE  encryption key file (default: the database's .key)\n"
	    "  IMAGO_DATA      pinned npm data packages (default data/node_modules)\n"
	    "  IMAGO_STATIC    static assets (default static)\n",
	    DB_DEFAULT_PATH);
}

int
main(int argc, char **argv)
{
	/* Everything imago creates (the database, its journal, the maildir)
	 * will hold personal data: readable by its owner only. */
	umask(077);
	if (sodium_init() < 0) {
		fprintf(stderr, "imago: libsodium failed to initialise\n");
		return 1;
	}
	/* Opened workspace documents live in jansson values: zeroed when
	 * freed, like every buffer of ours (util/mem.h). */
	json_set_alloc_funcs(malloc, mem_free_wiped);
	struct cli c = {
		.db_path = getenv("IMAGO_DB") ? getenv("IMAGO_DB") : DB_DEFAULT_PATH,
		.data_dir = getenv("IMAGO_DATA") ? getenv("IMAGO_DATA") : "data/node_modules",
		.static_dir = getenv("IMAGO_STATIC") ? getenv("IMAGO_STATIC") : "static",
	};
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *v;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (cli_option(argc, argv, &i, "--db", &v)) {
			if (v == NULL || *v == '\0')
				return 2;
			c.db_path = v;
		} else {
			fprintf(stderr, "imago: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			return commands[k].run(&c, argc - i, argv + i);
	fprintf(stderr, "imago: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}
