/*
 * `imago key status|rotate|reseal|retire`: the encryption key file (see
 * src/vault/vault.h) for operators. Never prints key material: only the
 * file's path, key ids and how many values each key seals. Options are
 * checked before anything is opened, so a usage error changes nothing.
 */
#include "cli.h"

#include <stdint.h>
#include <string.h>

#include "../store/db.h"
#include "../util/buf.h"
#include "../util/num.h"
#include "../vault/vault.h"

static void
key_usage(FILE *out)
{
	fprintf(out,
	    "usage: imago [--db PATH] key status\n"
	    "       imago [--db PATH] key rotate\n"
	    "       imago [--db PATH] key reseal\n"
	    "       imago [--db PATH] key retire ID\n\n"
	    "The key file that encrypts the workspace at rest: $IMAGO_KEY_FILE,\n"
	    "else the database path with .key for .db (var/imago.key).\n\n"
	    "  status   the key file, its key ids, which one is current, and how\n"
	    "           many values each key seals\n"
	    "  rotate   add a new key (creating the file if missing), then re-seal\n"
	    "           every value with it\n"
	    "  reseal   re-seal values sealed with older keys (after restarting\n"
	    "           the server that was running during a rotate)\n"
	    "  retire   remove an old key that no value needs any more\n\n"
	    "`imago key COMMAND --help` for a command.\n");
}

static const char *const sub_help[][2] = {
	{ "status", "usage: imago [--db PATH] key status\n\n"
	    "Prints the key file's path, its key ids oldest first with the\n"
	    "current one marked, and how many stored values each key seals.\n"
	    "Never prints a key.\n" },
	{ "rotate", "usage: imago [--db PATH] key rotate\n\n"
	    "Adds a fresh key to the key file (creating the file, 0600, if it is\n"
	    "missing); new values are sealed with it from the next start of the\n"
	    "server. Then re-seals every stored value with the new key, 500 rows\n"
	    "a transaction. A server running meanwhile still seals with the old\n"
	    "key until restarted: restart it, then run `imago key reseal`.\n" },
	{ "reseal", "usage: imago [--db PATH] key reseal\n\n"
	    "Re-seals every stored value that an older key sealed with the\n"
	    "current key, 500 rows a transaction. Safe to run at any time.\n" },
	{ "retire", "usage: imago [--db PATH] key retire ID\n\n"
	    "Removes key ID from the key file. Refuses the current key and a key\n"
	    "that still seals a stored value (run `imago key reseal` first).\n"
	    "Back up the key file first: values sealed with a retired key can\n"
	    "never be opened again.\n" },
};

/* Takes the options every subcommand shares (--db); the rest are left
 * as positional arguments in pos. -1 on a usage error. */
static int
key_args(struct cli *c, int argc, char **argv, const char **pos, int max_pos,
    int *npos)
{
	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (cli_option(argc, argv, &i, "--db", &v)) {
			if (v == NULL || *v == '\0')
				return -1;
			c->db_path = v;
		} else if (argv[i][0] != '-' && *npos < max_pos) {
			pos[(*npos)++] = argv[i];
		} else {
			fprintf(stderr, "imago key %s: unexpected argument '%s'\n",
			    argv[0], argv[i]);
			return -1;
		}
	}
	return 0;
}

static int
key_status(struct cli *c, const char *path)
{
	struct err e = ERR_INIT;
	struct vault *v = vault_open(path, false, &e);
	printf("key file: %s\n", path);
	if (v == NULL) {
		fprintf(stderr, "imago key status: %s\n", e.message);
		return 1;
	}
	size_t ncols;
	const struct vault_column *cols = vault_registry(&ncols);
	sqlite3 *db = ncols > 0 ? cli_open_db(c) : NULL;
	int rc = ncols > 0 && db == NULL ? 1 : 0;
	for (size_t i = 0; rc == 0 && i < vault_key_count(v); i++) {
		uint32_t id = vault_key_id(v, i);
		printf("key %u%s", (unsigned)id, id == vault_current_id(v) ?
		    " (current)" : "");
		long long count = 0;
		if (ncols > 0 && vault_key_in_use(db, cols, ncols, id, &count, &e) != 0) {
			fprintf(stderr, "\nimago key status: %s\n", e.message);
			rc = 1;
			break;
		}
		if (ncols > 0)
			printf(": seals %lld value%s", count, count == 1 ? "" : "s");
		printf("\n");
	}
	if (rc == 0 && ncols == 0)
		printf("no encrypted columns yet\n");
	db_close(db);
	vault_close(v);
	return rc;
}

/* Re-seals every registered column with the key file's current key. */
static int
key_reseal(struct cli *c, const char *path, const char *cmd)
{
	struct err e = ERR_INIT;
	size_t ncols;
	const struct vault_column *cols = vault_registry(&ncols);
	if (ncols == 0) {
		printf("no encrypted columns yet: nothing to re-seal\n");
		return 0;
	}
	struct vault *v = vault_open(path, false, &e);
	if (v == NULL) {
		fprintf(stderr, "imago key %s: %s\n", cmd, e.message);
		return 1;
	}
	sqlite3 *db = cli_open_db(c);
	long long changed = 0;
	int rc = db ? vault_reseal(db, v, cols, ncols, &changed, &e) : -1;
	if (rc == 0)
		printf("re-sealed %lld value%s with key %u\n", changed,
		    changed == 1 ? "" : "s", (unsigned)vault_current_id(v));
	else if (db)
		fprintf(stderr, "imago key %s: %s (%lld values re-sealed before)\n",
		    cmd, e.message, changed);
	db_close(db);
	vault_close(v);
	return rc == 0 ? 0 : 1;
}

static int
key_rotate(struct cli *c, const char *path)
{
	struct err e = ERR_INIT;
	uint32_t id;
	if (vault_add_key(path, &id, &e) != 0) {
		fprintf(stderr, "imago key rotate: %s\n", e.message);
		return 1;
	}
	printf("%s: added key %u, now the current key\n", path, (unsigned)id);
	return key_reseal(c, path, "rotate");
}

static int
key_retire(struct cli *c, const char *path, const char *arg)
{
	long long id;
	if (num_parse_long(arg, 1, 2147483647, &id) != 0) {
		fprintf(stderr, "imago key retire: ID must be a key id from `imago "
		    "key status`\n");
		return 2;
	}
	struct err e = ERR_INIT;
	size_t ncols;
	const struct vault_column *cols = vault_registry(&ncols);
	sqlite3 *db = ncols > 0 ? cli_open_db(c) : NULL;
	if (ncols > 0 && db == NULL)
		return 1;
	int rc = vault_retire(path, db, cols, ncols, (uint32_t)id, &e);
	db_close(db);
	if (rc != 0) {
		fprintf(stderr, "imago key retire: %s\n", e.message);
		return 1;
	}
	printf("%s: retired key %lld\n", path, id);
	return 0;
}

int
cmd_key(struct cli *c, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		key_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	int known = 0;
	for (size_t i = 0; i < sizeof(sub_help) / sizeof(sub_help[0]); i++)
		if (strcmp(sub, sub_help[i][0]) == 0) {
			known = 1;
			if (cli_wants_help(argc - 1, argv + 1)) {
				fputs(sub_help[i][1], stdout);
				return 0;
			}
		}
	if (!known) {
		fprintf(stderr, "imago key: unknown command '%s'\n", sub);
		key_usage(stderr);
		return 2;
	}
	const char *pos[1] = { NULL };
	int npos;
	int want = strcmp(sub, "retire") == 0 ? 1 : 0;
	if (key_args(c, argc - 1, argv + 1, pos, 1, &npos) != 0 || npos != want) {
		if (npos != want && want)
			fprintf(stderr, "imago key retire: which key? (ID)\n");
		else if (npos != want)
			fprintf(stderr, "imago key %s: takes no arguments\n", sub);
		return 2;
	}
	struct buf path = BUF_INIT;
	vault_key_path(c->db_path, &path);
	int rc;
	if (strcmp(sub, "status") == 0)
		rc = key_status(c, path.data);
	else if (strcmp(sub, "rotate") == 0)
		rc = key_rotate(c, path.data);
	else if (strcmp(sub, "reseal") == 0)
		rc = key_reseal(c, path.data, "reseal");
	else
		rc = key_retire(c, path.data, pos[0]);
	buf_free(&path);
	return rc;
}
