/*
 * The command line: one function per subcommand, each parsing its own
 * options (every one answers --help) and returning the process exit code:
 * 0 success, 1 failure, 2 usage error.
 */
#ifndef IMAGO_CLI_H
#define IMAGO_CLI_H

#include <stdio.h>

#include <sqlite3.h>

struct cli {
	const char	*db_path;	/* --db, else $IMAGO_DB, else var/imago.db */
	const char	*data_dir;	/* pinned npm packages: data/node_modules */
	const char	*static_dir;	/* static assets: static */
};

int	cmd_serve(struct cli *c, int argc, char **argv);
int	cmd_migrate(struct cli *c, int argc, char **argv);
int	cmd_gazetteer(struct cli *c, int argc, char **argv);
int	cmd_import(struct cli *c, int argc, char **argv);
int	cmd_demo(struct cli *c, int argc, char **argv);
int	cmd_search(struct cli *c, int argc, char **argv);
int	cmd_user(struct cli *c, int argc, char **argv);
int	cmd_routes(struct cli *c, int argc, char **argv);
int	cmd_audit(struct cli *c, int argc, char **argv);
int	cmd_mail(struct cli *c, int argc, char **argv);
int	cmd_key(struct cli *c, int argc, char **argv);

/* Opens and migrates the database named by c; prints the error and
 * returns NULL on failure. */
sqlite3	*cli_open_db(struct cli *c);
/* True when argv has -h or --help. */
int	cli_wants_help(int argc, char **argv);
/* Takes "--name value" or "--name=value" at argv[*i]; advances *i. */
int	cli_option(int argc, char **argv, int *i, const char *name, const char **value);

#endif
