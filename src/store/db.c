/*
 * Opening the database and migrating it. Every connection gets the same
 * pragmas: WAL so readers never block the writer, synchronous=FULL so a
 * committed transaction survives the process (or the machine) dying, and
 * foreign keys on. A busy timeout lets concurrent writers queue.
 */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "migrations.h"

/* Creates the parent directory of path ("var/" for the default). */
static void
ensure_parent_dir(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return;
	*slash = '\0';
	mkdir(dir, 0700);
}

int
db_fail(sqlite3 *db, struct err *e, const char *what)
{
	return err_internal(e, "%s: %s", what, db ? sqlite3_errmsg(db) : "no database");
}

int
db_exec(sqlite3 *db, const char *sql, struct err *e)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_internal(e, "database: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
db_prepare(sqlite3 *db, const char *sql, struct err *e)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, e, "prepare");
		return NULL;
	}
	return st;
}

static sqlite3 *
open_with_flags(const char *path, int flags, struct err *e)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_internal(e, "cannot open database %s: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	sqlite3_extended_result_codes(db, 1);
	const char *pragmas =
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA temp_store = MEMORY;"
	    /* Deleted rows (a delivered mail's link, a deleted account) are
	     * overwritten, not left readable in free pages. */
	    "PRAGMA secure_delete = ON;"
	    /* 8 MiB of page cache: the gazetteer's name index stays warm. */
	    "PRAGMA cache_size = -8192;";
	if (db_exec(db, pragmas, e) < 0) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

sqlite3 *
db_open(const char *path, struct err *e)
{
	ensure_parent_dir(path);
	sqlite3 *db = open_with_flags(path,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, e);
	if (db == NULL)
		return NULL;
	/* journal_mode is persistent, but setting it needs a write lock, so
	 * only ask when it is not WAL already. */
	sqlite3_stmt *st = db_prepare(db, "PRAGMA journal_mode", e);
	int is_wal = 0;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		is_wal = strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
	sqlite3_finalize(st);
	if (!is_wal && db_exec(db, "PRAGMA journal_mode = WAL", e) < 0) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

sqlite3 *
db_open_readonly(const char *path, struct err *e)
{
	return open_with_flags(path, SQLITE_OPEN_READONLY, e);
}

void
db_close(sqlite3 *db)
{
	if (db)
		sqlite3_close_v2(db);
}

int
db_latest_version(void)
{
	size_t n;
	const struct migration *m = migrations_list(&n);
	return n ? m[n - 1].version : 0;
}

int
db_schema_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = 0;
	if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_migrations",
	    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
db_migrate(sqlite3 *db, struct err *e)
{
	if (db_exec(db,
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "  version INTEGER PRIMARY KEY,"
	    "  description TEXT NOT NULL,"
	    "  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))",
	    e) < 0)
		return -1;
	size_t n;
	const struct migration *m = migrations_list(&n);
	int applied = 0;
	for (size_t i = 0; i < n; i++) {
		/* BEGIN IMMEDIATE, then re-read the version: two processes
		 * migrating at once must not both apply the same step. */
		if (db_exec(db, "BEGIN IMMEDIATE", e) < 0)
			return -1;
		if (db_schema_version(db) >= m[i].version) {
			db_exec(db, "COMMIT", e);
			continue;
		}
		if (db_exec(db, m[i].sql, e) < 0) {
			char msg[sizeof(e->message)];
			snprintf(msg, sizeof(msg), "%s", e->message);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return err_internal(e, "migration %d failed: %s", m[i].version, msg);
		}
		sqlite3_stmt *st = db_prepare(db,
		    "INSERT INTO schema_migrations(version, description) VALUES (?, ?)", e);
		if (st == NULL) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		sqlite3_bind_int(st, 1, m[i].version);
		sqlite3_bind_text(st, 2, m[i].description, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE || db_exec(db, "COMMIT", e) < 0) {
			db_fail(db, e, "recording migration");
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		applied++;
	}
	return applied;
}

long long
db_meta_get(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st = NULL;
	long long v = 0;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}
