/*
 * What the workspace's files share and nobody else needs: the couple
 * look-ups, sealing JSON documents, loading an item row and asking the
 * policy about it.
 */
#ifndef IMAGO_WORKSPACE_INTERNAL_H
#define IMAGO_WORKSPACE_INTERNAL_H

#include "../couples/couples.h"
#include "workspace.h"

#include <sqlite3.h>

/* An item row as stored; body is the sealed BLOB (arena copy). */
struct ws_row {
	int64_t		 id;
	int64_t		 owner_id;
	int64_t		 couple_id;
	const char	*kind;
	bool		 shared_with_partner;
	int64_t		 version;
	time_t		 created_at, updated_at;
	const char	*owner_name;
	const void	*body;
	size_t		 body_len;
};

/* The signed-in caller's id (0 when anonymous). */
int64_t	ws_caller(const struct account_request *r);
/* 0 found, 1 none, -1 error. */
int	ws_row_load(const struct account_request *r, int64_t id, struct ws_row *out,
	    struct err *e);
/* How the caller may read row (policy_workspace_item), looking up the
 * couples and shares it needs. *couple_id: the caller's couple or 0. */
int	ws_row_access(const struct account_request *r, const struct ws_row *row,
	    int *access, int64_t *caller_couple, struct err *e);

/* Seals doc's JSON for "prefix:id" into table.column of row id. table
 * and column are compiled-in names. */
int	ws_store_sealed(const struct account_request *r, const char *table,
	    const char *column, const char *prefix, int64_t id, const json_t *doc,
	    struct err *e);
/* Opens a sealed JSON document (a new reference in *out). */
int	ws_open_sealed(const struct account_request *r, const char *prefix, int64_t id,
	    const void *blob, size_t n, json_t **out, struct err *e);

/* "workspace.item_read" for a read by someone other than the owner;
 * how: "partner", "joint", "therapist". */
int	ws_audit_read(const struct account_request *r, int64_t id, const char *how,
	    struct err *e);
/* 403 "joint_unavailable" with the neutral message. */
int	ws_joint_refused(struct err *e);

/* Therapists user_id has a booked appointment with (arena). */
int	ws_booked_therapists(const struct account_request *r, int64_t user_id,
	    struct ws_therapist **out, size_t *n, struct err *e);

/* Copies a column's text into the arena ("" for NULL). */
const char *ws_column_text(sqlite3_stmt *st, int col, struct arena *a);

#endif
