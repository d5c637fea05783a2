/*
 * The store: opening the SQLite database with the settings every connection
 * needs (WAL, foreign keys, synchronous=FULL, a busy timeout) and applying
 * the versioned schema migrations. Domain modules keep their own SQL in
 * their *_store.c files; nothing here knows about HTTP.
 */
#ifndef IMAGO_DB_H
#define IMAGO_DB_H

#include <sqlite3.h>

#include "../util/err.h"

#define DB_DEFAULT_PATH "var/imago.db"

/* Opens (creating if needed) the database at path. NULL on failure. */
sqlite3	*db_open(const char *path, struct err *e);
/* Opens read-only (for the search engine's loader and read-only tools). */
sqlite3	*db_open_readonly(const char *path, struct err *e);
void	 db_close(sqlite3 *db);
/* Applies pending migrations in order, each in its own transaction.
 * Returns the number applied, or -1. */
int	 db_migrate(sqlite3 *db, struct err *e);
/* The schema version the database is at, and the newest this build knows. */
int	 db_schema_version(sqlite3 *db);
int	 db_latest_version(void);
/* Runs SQL without results (DDL, BEGIN/COMMIT). */
int	 db_exec(sqlite3 *db, const char *sql, struct err *e);
/* Prepares a statement; on failure fills e with an internal error. */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql, struct err *e);
/* Records the database's last error in e as an internal error. */
int	 db_fail(sqlite3 *db, struct err *e, const char *what);
/* The value of a meta counter, e.g. "therapists_version"; 0 if absent. */
long long db_meta_get(sqlite3 *db, const char *key);

#endif
