/*
 * `imago user add EMAIL [--admin] [--therapist]`: creates an account from
 * the command line, above all the first admin, who cannot sign up
 * through the web (nobody there may grant the role). The password is
 * read from standard input, never from the command line, where other
 * users of the machine could see it in the process list.
 */
#include "cli.h"

#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "../accounts/accounts.h"
#include "../audit/audit.h"
#include "../store/db.h"

static void
usage(FILE *out)
{
	fprintf(out, "usage: imago [--db PATH] user add EMAIL [--admin] [--therapist] [--name NAME]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "Creates an account with a verified email address. Every account is a\n"
	    "client; --therapist and --admin add those roles. Therapists and admins\n"
	    "must set up two-step sign-in at their first sign-in.\n\n"
	    "The password is read from standard input: typed (without echo) on a\n"
	    "terminal, or the first line of a pipe, e.g.\n"
	    "  printf '%%s\\n' \"$PASSWORD\" | imago user add admin@example.org --admin\n\n"
	    "Options:\n"
	    "  --admin        the account may verify therapists and manage users\n"
	    "  --therapist    the account may create or claim a directory profile\n"
	    "  --name NAME    the name shown to others (optional)\n"
	    "  --db PATH      the database (also accepted before `user`)\n");
}

/* One line from stdin without its newline; no echo on a terminal. */
static int
read_password(char *out, size_t n)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fprintf(stderr, "Password: ");
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *line = fgets(out, (int)n, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (line == NULL)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static int
user_add(struct cli *c, int argc, char **argv)
{
	const char *email = NULL, *name = "";
	unsigned roles = ROLE_CLIENT;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (strcmp(argv[i], "--admin") == 0) {
			roles |= ROLE_ADMIN;
		} else if (strcmp(argv[i], "--therapist") == 0) {
			roles |= ROLE_THERAPIST;
		} else if (cli_option(argc, argv, &i, "--name", &v)) {
			if (v == NULL)
				return 2;
			name = v;
		} else if (cli_option(argc, argv, &i, "--db", &v)) {
			if (v == NULL)
				return 2;
			c->db_path = v;
		} else if (argv[i][0] != '-' && email == NULL) {
			email = argv[i];
		} else {
			fprintf(stderr, "imago user add: unexpected '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (email == NULL) {
		usage(stderr);
		return 2;
	}
	char password[ACCOUNT_PASSWORD_MAX + 2];
	if (read_password(password, sizeof(password)) != 0) {
		fprintf(stderr, "imago user add: no password on standard input\n");
		return 2;
	}
	sqlite3 *db = cli_open_db(c);
	if (db == NULL) {
		sodium_memzero(password, sizeof(password));
		return 1;
	}
	struct err e = ERR_INIT;
	struct arena *a = arena_new();
	struct user u;
	int rc = 1;
	if (accounts_init(&e) == 0 &&
	    user_create(db, email, password, name, roles, true, a, &u, &e) == 0) {
		struct audit_entry entry = { AUDIT_SYSTEM, "", "user.create", "user",
		    arena_printf(a, "%lld", (long long)u.id), roles_format(roles, a) };
		if (audit_append(db, &entry, &e) == 0) {
			printf("created user %lld <%s> (%s)\n", (long long)u.id, u.email,
			    roles_format(roles, a));
			rc = 0;
		}
	}
	if (rc != 0)
		fprintf(stderr, "imago user add: %s%s%s\n", e.param[0] ? e.param : "",
		    e.param[0] ? ": " : "", e.message);
	sodium_memzero(password, sizeof(password));
	arena_free(a);
	db_close(db);
	return rc;
}

int
cmd_user(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0) {
		if (cli_wants_help(argc - 1, argv + 1)) {
			help();
			return 0;
		}
		return user_add(c, argc - 1, argv + 1);
	}
	if (cli_wants_help(argc, argv)) {
		help();
		return 0;
	}
	usage(stderr);
	return 2;
}
