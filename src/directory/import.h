/*
 * Importing therapist profiles from CSV (`imago import therapists`): the
 * header maps columns in any order, each row becomes a struct therapist
 * that passes therapist_validate, rows without coordinates are placed by
 * their address, and everything is written through one prepared upsert in
 * one transaction, all or nothing unless invalid rows are to be skipped.
 * docs/csv-format.md is the user-facing description of the format.
 *
 * Also the progress bar the long-running directory commands draw on
 * stderr (the importer and the demo generator).
 */
#ifndef IMAGO_IMPORT_H
#define IMAGO_IMPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <sqlite3.h>

#include "../util/err.h"

struct import_options {
	bool	 skip_invalid;	/* import the valid rows, reject the others */
	bool	 progress;	/* draw a progress bar on stderr */
	FILE	*report;	/* where FILE:LINE lines go; NULL = stderr */
};

struct import_result {
	long long	 rows;		/* data rows read (the header excluded) */
	long long	 inserted;
	long long	 updated;
	long long	 rejected;
	long long	 unplaced;	/* imported without a location */
	long long	 kept;		/* managed by their therapists: left as they are */
	long long	 warnings;
};

/*
 * Imports path ("-" for standard input). Every rejected row and every
 * warning is written to the report as "FILE:LINE: reason". 0 when the
 * transaction committed (with skip_invalid, possibly with rows rejected);
 * -1 with e set to a one-line summary when nothing was imported: the file
 * could not be read, the header or the CSV syntax is wrong, a row is
 * invalid (without skip_invalid), or the database failed.
 */
int	import_therapists(sqlite3 *db, const char *path,
	    const struct import_options *opt, struct import_result *res,
	    struct err *e);

/* The column names, in the order docs/csv-format.md lists them. */
extern const char *const import_columns[];
extern const int import_column_count;

/*
 * Bulk mode, for writing many profiles in one transaction (the importer
 * and the demo generator). SQLite's FTS5 flushes its pending index data at
 * every statement savepoint, and each upsert (which has triggers) takes
 * one, so indexing row by row writes an index segment per row: most of
 * the cost of a large import. Once the rows still to come outnumber half
 * of those already in the table, the therapists' insert and update
 * triggers are dropped, inside the transaction so no other connection
 * ever sees it; import_bulk_finish rebuilds the search index in one pass,
 * puts the triggers back from their own saved SQL and bumps the
 * therapists_version counter they would have bumped. A rollback undoes
 * all of it.
 */
struct import_bulk {
	sqlite3		*db;
	long long	 existing;	/* rows in the table at the start */
	bool		 active;
	char		*trigger_sql[2];
};

/* Call inside the transaction, before the first row. */
int	import_bulk_begin(struct import_bulk *b, sqlite3 *db, struct err *e);
/* Call between rows: written so far, and an estimate of the rows to come
 * (0 if unknown). Switches to bulk mode when it pays. */
int	import_bulk_consider(struct import_bulk *b, long long written,
	    long long remaining, struct err *e);
/* Before COMMIT: the index and the triggers back in shape. */
int	import_bulk_finish(struct import_bulk *b, struct err *e);
/* Frees what begin allocated (after COMMIT or ROLLBACK). */
void	import_bulk_free(struct import_bulk *b);

/*
 * A progress bar on stderr, redrawn at most ten times a second. With a
 * total it shows a bar and a percentage of it, else only the count. All
 * calls do nothing unless enabled (normally isatty(STDERR_FILENO)).
 */
struct import_progress {
	bool			 enabled;
	bool			 drawn;
	const char		*label;
	unsigned long long	 total;
	unsigned long long	 rows;
	double			 last;		/* seconds, monotonic */
	unsigned		 calls;
};

void	import_progress_start(struct import_progress *p, bool enabled,
	    const char *label, unsigned long long total);
/* done counts toward total; rows is what the bar says was handled. */
void	import_progress_update(struct import_progress *p,
	    unsigned long long done, unsigned long long rows);
/* Clears the bar, so a message can be printed on a clean line. */
void	import_progress_clear(struct import_progress *p);
void	import_progress_finish(struct import_progress *p);

#endif
