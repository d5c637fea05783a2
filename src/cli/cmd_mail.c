/*
 * `imago mail deliver`: one delivery pass over the outbox, from the
 * command line. The server's worker does the same in the background;
 * this is for cron jobs, for tests, and for sending at once after the
 * mail settings were fixed.
 */
#include "cli.h"

#include <signal.h>
#include <string.h>

#include "../mail/mail.h"
#include "../store/db.h"

static void
mail_usage(FILE *out)
{
	fprintf(out,
	    "usage: imago [--db PATH] mail deliver\n\n"
	    "Sends every message in the outbox that is due, once, and prints\n"
	    "\"N sent\". Messages that fail are retried later with growing delays\n"
	    "(a minute, doubling, at most an hour) and given up after %d attempts;\n"
	    "each failure is reported on stderr. `imago serve` delivers in the\n"
	    "background by itself.\n\n"
	    "Environment:\n"
	    "  IMAGO_SMTP_URL       smtp://host:587 (STARTTLS when offered) or\n"
	    "                       smtps://host:465; unset: write into the maildir\n"
	    "  IMAGO_SMTP_USER      SMTP user name (optional; then TLS is required)\n"
	    "  IMAGO_SMTP_PASSWORD  its password (never printed)\n"
	    "  IMAGO_MAIL_FROM      the From address (default \"%s\")\n"
	    "  IMAGO_MAILDIR        the maildir used without IMAGO_SMTP_URL\n"
	    "                       (default: mail/ beside the database, e.g. var/mail)\n",
	    MAIL_MAX_ATTEMPTS, MAIL_DEFAULT_FROM);
}

int
cmd_mail(struct cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		mail_usage(stdout);
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "imago mail: missing command (deliver)\n");
		mail_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "deliver") != 0) {
		fprintf(stderr, "imago mail: unknown command '%s'\n", argv[1]);
		mail_usage(stderr);
		return 2;
	}
	if (argc > 2) {
		fprintf(stderr, "imago mail deliver: unexpected argument '%s'\n", argv[2]);
		return 2;
	}
	/* Migrated first, so an older database has its outbox table. */
	sqlite3 *db = cli_open_db(c);
	if (db == NULL)
		return 1;
	db_close(db);

	/* libcurl runs with CURLOPT_NOSIGNAL: a server closing the
	 * connection must give an error, not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	struct mail_config cfg;
	char maildir[4096];
	mail_config_from_env(&cfg, c->db_path, maildir, sizeof(maildir));
	struct err e = ERR_INIT;
	int sent = mail_deliver_pending(&cfg, &e);
	if (sent < 0) {
		fprintf(stderr, "imago mail deliver: %s\n", e.message);
		return 1;
	}
	printf("%d sent\n", sent);
	return 0;
}
