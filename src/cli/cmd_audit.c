/*
 * `imago audit verify|list`: the audit log from the command line, for
 * operators. verify walks the whole hash chain (exit 1 naming the first
 * bad entry); list prints the same JSON as the admin API, newest first.
 * Options are checked before the database is opened, so a usage error
 * never creates one.
 */
#include "cli.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../audit/audit.h"
#include "../store/db.h"
#include "../util/buf.h"
#include "../util/jw.h"
#include "../util/num.h"

static void
audit_usage(FILE *out)
{
	fprintf(out,
	    "usage: imago [--db PATH] audit verify\n"
	    "       imago [--db PATH] audit list [OPTIONS]\n\n"
	    "The audit log: who viewed, changed or exported what, and when.\n\n"
	    "  verify   check every entry's hash and its link to the one before;\n"
	    "           exit 1 naming the first entry that does not match\n"
	    "  list     print entries as JSON, newest first\n\n"
	    "`imago audit COMMAND --help` for a command's options.\n");
}

static void
verify_usage(FILE *out)
{
	fprintf(out,
	    "usage: imago [--db PATH] audit verify\n\n"
	    "Recomputes the hash of every audit log entry, in order, and checks\n"
	    "that each links to the one before it. Prints \"audit log intact: N\n"
	    "entries\" and exits 0, or names the first entry edited or removed\n"
	    "behind the program's back and exits 1.\n");
}

static void
list_usage(FILE *out)
{
	fprintf(out,
	    "usage: imago [--db PATH] audit list [OPTIONS]\n\n"
	    "Prints audit log entries as JSON, newest first:\n"
	    "{\"entries\":[...],\"next_before\":ID|null}. Pass next_before to\n"
	    "--before for the next page.\n\n"
	    "  --limit N            entries to print (1-500, default 50)\n"
	    "  --actor REF          only this actor (an audit_ref, system or anonymous)\n"
	    "  --action A           only this action; a trailing '.' matches a prefix\n"
	    "                       (--action user. for every user.* action)\n"
	    "  --target-type T      only entries about this kind of target\n"
	    "  --target-id ID       only entries about this target id\n"
	    "  --before ID          only entries older than entry ID\n"
	    "  --db PATH            the database (also before the command)\n");
}

static int
audit_verify_cmd(struct cli *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (cli_option(argc, argv, &i, "--db", &v)) {
			if (v == NULL || *v == '\0')
				return 2;
			c->db_path = v;
		} else {
			fprintf(stderr, "imago audit verify: unexpected argument '%s'\n",
			    argv[i]);
			verify_usage(stderr);
			return 2;
		}
	}
	sqlite3 *db = cli_open_db(c);
	if (db == NULL)
		return 1;
	struct err e = ERR_INIT;
	long long n = audit_verify(db, &e);
	db_close(db);
	if (n < 0) {
		fprintf(stderr, "imago audit verify: %s\n", e.message);
		return 1;
	}
	printf("audit log intact: %lld entr%s\n", n, n == 1 ? "y" : "ies");
	return 0;
}

/* A text filter: at most max bytes, no control characters. */
static int
filter_text(const char *option, const char *v, size_t max, const char **out)
{
	size_t n = strlen(v);
	bool ok = n > 0 && n <= max;
	for (size_t i = 0; ok && i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			ok = false;
	if (!ok) {
		fprintf(stderr, "imago audit list: %s must be 1-%zu characters "
		    "without control characters\n", option, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
audit_list_cmd(struct cli *c, int argc, char **argv)
{
	struct audit_filter f = { .limit = 0 };
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		long long n;
		if (cli_option(argc, argv, &i, "--limit", &v)) {
			if (v == NULL)
				return 2;
			if (num_parse_long(v, 1, 500, &n) < 0) {
				fprintf(stderr, "imago audit list: --limit must be 1-500\n");
				return 2;
			}
			f.limit = (int)n;
		} else if (cli_option(argc, argv, &i, "--before", &v)) {
			if (v == NULL)
				return 2;
			if (num_parse_long(v, 1, INT64_MAX, &n) < 0) {
				fprintf(stderr, "imago audit list: --before must be an entry id\n");
				return 2;
			}
			f.before_id = n;
		} else if (cli_option(argc, argv, &i, "--actor", &v)) {
			if (v == NULL || filter_text("--actor", v, 64, &f.actor) < 0)
				return 2;
		} else if (cli_option(argc, argv, &i, "--action", &v)) {
			if (v == NULL || filter_text("--action", v, 64, &f.action) < 0)
				return 2;
		} else if (cli_option(argc, argv, &i, "--target-type", &v)) {
			if (v == NULL || filter_text("--target-type", v, 32, &f.target_type) < 0)
				return 2;
		} else if (cli_option(argc, argv, &i, "--target-id", &v)) {
			if (v == NULL || filter_text("--target-id", v, 64, &f.target_id) < 0)
				return 2;
		} else if (cli_option(argc, argv, &i, "--db", &v)) {
			if (v == NULL || *v == '\0')
				return 2;
			c->db_path = v;
		} else {
			fprintf(stderr, "imago audit list: unknown option '%s'\n", argv[i]);
			list_usage(stderr);
			return 2;
		}
	}
	sqlite3 *db = cli_open_db(c);
	if (db == NULL)
		return 1;
	struct err e = ERR_INIT;
	struct buf out = BUF_INIT;
	struct jw j;
	jw_init(&j, &out);
	int rc = audit_list_json(db, &f, &j, &e);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "imago audit list: %s\n", e.message);
		buf_free(&out);
		return 1;
	}
	printf("%s\n", buf_cstr(&out));
	buf_free(&out);
	return 0;
}

int
cmd_audit(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0) {
		if (cli_wants_help(argc - 1, argv + 1)) {
			verify_usage(stdout);
			return 0;
		}
		return audit_verify_cmd(c, argc - 1, argv + 1);
	}
	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		if (cli_wants_help(argc - 1, argv + 1)) {
			list_usage(stdout);
			return 0;
		}
		return audit_list_cmd(c, argc - 1, argv + 1);
	}
	if (cli_wants_help(argc, argv)) {
		audit_usage(stdout);
		return 0;
	}
	if (argc < 2)
		fprintf(stderr, "imago audit: which command? (verify or list)\n");
	else
		fprintf(stderr, "imago audit: unknown command '%s'\n", argv[1]);
	audit_usage(stderr);
	return 2;
}
