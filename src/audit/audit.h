/*
 * The audit log: who viewed, changed or exported what, when and from
 * which address. Append-only (the schema's triggers refuse UPDATE and
 * DELETE) and hash-chained: each row's hash covers its fields and the
 * previous row's hash, so audit_verify finds a row edited or removed
 * outside the program. People appear only as their users.audit_ref, a
 * random id that identifies no one once the account is deleted. Entries
 * never hold secrets, email addresses or what people wrote.
 */
#ifndef IMAGO_AUDIT_H
#define IMAGO_AUDIT_H

#include <stdint.h>

#include <sqlite3.h>

#include "../util/err.h"
#include "../util/jw.h"

#define AUDIT_SYSTEM	"system"
#define AUDIT_ANONYMOUS	"anonymous"
#define AUDIT_DETAIL_MAX 500

struct audit_entry {
	const char	*actor;		/* users.audit_ref, AUDIT_SYSTEM or AUDIT_ANONYMOUS */
	const char	*ip;		/* "" when not from a request */
	const char	*action;	/* "user.sign_in", "therapist.update", ... */
	const char	*target_type;	/* "user", "therapist", "token", "" */
	const char	*target_id;	/* the target's id as text, or "" */
	const char	*detail;	/* short, no personal data; may be "" */
};

/* Appends one entry, in the caller's transaction when there is one (so
 * the entry commits or rolls back with the change it records); otherwise
 * in its own. Detail longer than AUDIT_DETAIL_MAX is cut on a character
 * boundary; control characters in it become spaces and invalid UTF-8
 * U+FFFD. The other fields must be valid UTF-8 without control
 * characters (action: 1-64 of [a-z0-9_.]; actor: 1-64 bytes; ip and
 * target_id: at most 64; target_type: at most 32; NULL counts as "" but
 * actor and action are required), else an internal error and nothing is
 * written.
 *
 * Callers appending in their own transaction must have opened it with
 * BEGIN IMMEDIATE: reading the last entry's hash and inserting the next
 * must hold the write lock throughout, or two connections could chain
 * to the same entry (and a deferred transaction that has read first
 * fails with SQLITE_BUSY when it tries to write). */
int	audit_append(sqlite3 *db, const struct audit_entry *entry, struct err *e);

struct audit_filter {
	const char	*actor;		/* NULL: any */
	const char	*action;	/* NULL: any; a trailing '.' matches a prefix */
	const char	*target_type;	/* NULL: any */
	const char	*target_id;	/* NULL: any */
	int64_t		 before_id;	/* 0: newest first from the end */
	int		 limit;		/* 1..500 */
};

/* Writes {"entries":[...],"next_before":N|null} newest first. */
int	audit_list_json(sqlite3 *db, const struct audit_filter *f, struct jw *j,
	    struct err *e);

/* Every entry matching f (f->limit and before_id are ignored) as one
 * JSON array, newest first: a person's data export. */
int	audit_entries_json(sqlite3 *db, const struct audit_filter *f, struct jw *j,
	    struct err *e);

/* Calls fn for each entry matching f, newest first (for the HTML page);
 * the strings fn gets live until it returns. *next_before (if not NULL)
 * is the id to pass as before_id for the next page, or 0 when there is
 * none. A limit of 0 means 50; others are clamped to 1..500. */
typedef void (*audit_row_fn)(void *ctx, int64_t id, const char *at,
	    const struct audit_entry *entry);
int	audit_list(sqlite3 *db, const struct audit_filter *f, audit_row_fn fn,
	    void *ctx, int64_t *next_before, struct err *e);

/* Checks the whole chain. Returns the number of rows checked, or -1 with
 * e naming the first row that does not match (status 500, code
 * "audit_chain_broken"). The chain cannot tell that entries were removed
 * from the end; it catches anything edited or removed before the last. */
long long audit_verify(sqlite3 *db, struct err *e);

#endif
