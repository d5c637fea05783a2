/* Helpers shared by the subcommands, and `imago migrate`. */
#include "cli.h"

#include <string.h>

#include "../store/db.h"

sqlite3 *
cli_open_db(struct cli *c)
{
	struct err e = ERR_INIT;
	sqlite3 *db = db_open(c->db_path, &e);
	if (db == NULL || db_migrate(db, &e) < 0) {
		fprintf(stderr, "imago: %s\n", e.message);
		db_close(db);
		return NULL;
	}
	return db;
}

int
cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

int
cli_option(int argc, char **argv, int *i, const char *name, const char **value)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*value = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "imago: %s needs a value\n", name);
		*value = NULL;
		return 1;
	}
	*value = argv[++*i];
	return 1;
}

int
cmd_migrate(struct cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		printf("usage: imago [--db PATH] migrate\n\n"
		    "Creates the database if needed and applies every pending schema\n"
		    "migration, in order, each in its own transaction.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "imago migrate: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	struct err e = ERR_INIT;
	sqlite3 *db = db_open(c->db_path, &e);
	int applied = db ? db_migrate(db, &e) : -1;
	if (applied < 0) {
		fprintf(stderr, "imago migrate: %s\n", e.message);
		db_close(db);
		return 1;
	}
	printf("%s: schema version %d (%d migration%s applied)\n", c->db_path,
	    db_schema_version(db), applied, applied == 1 ? "" : "s");
	db_close(db);
	return 0;
}
