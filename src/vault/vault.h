/*
 * The vault: encryption at rest for what people write in the workspace.
 *
 * Keys live in a key file outside the database (beside it by default), so
 * a copied database file reveals nothing. The file holds one key a line,
 * "imago-key v1 ID BASE64KEY"; the last line seals new values, older lines
 * only open old ones until `imago key retire` removes them.
 *
 * A sealed value is a BLOB:
 *   version (1 byte, 1) | key id (4 bytes, big-endian) | nonce (24) |
 *   ciphertext + Poly1305 tag (16)
 * sealed with XChaCha20-Poly1305 (libsodium's AEAD: the secretbox cipher
 * plus associated data). The associated data is the header and a context
 * naming where the value lives ("journal.body:42"), so a value copied to
 * another row or column does not open. Errors never name a secret.
 */
#ifndef IMAGO_VAULT_H
#define IMAGO_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../util/buf.h"
#include "../util/err.h"

#define VAULT_VERSION		1
#define VAULT_HEADER_BYTES	5	/* version + key id */
#define VAULT_OVERHEAD		(VAULT_HEADER_BYTES + 24 + 16)
#define VAULT_MAX_PLAIN		(64u << 20)	/* 64 MiB a value */
#define VAULT_MAX_CONTEXT	200
#define VAULT_MAX_KEYS		64
#define VAULT_RESEAL_BATCH	500

/* The loaded keys. Read-only once loaded, so one vault can be shared by
 * every thread. */
struct vault;

/* A sealed column: every value of table.column is sealed with the context
 * "context_prefix:ID", ID being the row's INTEGER id_column. The registry
 * (vault_registry) lists them all, compiled in; names never come from
 * input. */
struct vault_column {
	const char	*table;
	const char	*id_column;
	const char	*column;
	const char	*context_prefix;
};

/* The key file for a database: $IMAGO_KEY_FILE, else the database path
 * with ".db" replaced by ".key" (var/imago.db -> var/imago.key), else the
 * database path plus ".key". Replaces out's contents. */
void	vault_key_path(const char *db_path, struct buf *out);

/* Loads the key file at path. With create, a missing file is created
 * (0600, exclusively) with one fresh key. A file that group or others may
 * read, a malformed line (named by number) or a missing file without
 * create is an error. NULL on failure. */
struct vault *vault_open(const char *path, bool create, struct err *e);
void	vault_close(struct vault *v);

/* The key that seals new values, and every key id, oldest first. */
uint32_t vault_current_id(const struct vault *v);
size_t	vault_key_count(const struct vault *v);
uint32_t vault_key_id(const struct vault *v, size_t i);

/* The context for a registered column's row, "prefix:id"; replaces out. */
void	vault_context(struct buf *out, const char *prefix, long long id);

/* Seals n bytes of plain under the current key, bound to context
 * (printable ASCII, 1 to VAULT_MAX_CONTEXT bytes). Replaces out's contents
 * with the sealed BLOB. 0, or -1 with e (500 "vault_error"). */
int	vault_seal(const struct vault *v, const char *context, const void *plain,
	    size_t n, struct buf *out, struct err *e);
/* Opens a sealed value; out's previous contents are wiped and replaced by
 * the plain text (NUL-terminated, out->len bytes). A tampered, truncated,
 * wrong-context or unknown-key value is -1 with e (500 "vault_error").
 * Free out with vault_buf_wipe. */
int	vault_open_sealed(const struct vault *v, const char *context,
	    const void *sealed, size_t n, struct buf *out, struct err *e);
/* The key id a sealed value names; -1 when it is not a sealed value. */
int	vault_sealed_key_id(const void *sealed, size_t n, uint32_t *id);
/* Zeroes every byte b holds, then frees it: for plain text. */
void	vault_buf_wipe(struct buf *b);

/* Appends a fresh key to the key file (creating the file if missing):
 * written to a temporary file beside it, fsynced, renamed over it, under
 * an exclusive lock. The new key seals from the next vault_open on. */
int	vault_add_key(const char *path, uint32_t *new_id, struct err *e);

/* Re-seals, with the current key, every value of the listed columns that
 * another key sealed, VAULT_RESEAL_BATCH rows a transaction. *changed
 * counts the values re-sealed. A value that does not open stops it with
 * an error naming the table, column and row. */
int	vault_reseal(sqlite3 *db, const struct vault *v,
	    const struct vault_column *cols, size_t n, long long *changed,
	    struct err *e);
/* How many values of the listed columns key id seals. */
int	vault_key_in_use(sqlite3 *db, const struct vault_column *cols, size_t n,
	    uint32_t id, long long *count, struct err *e);
/* Removes key id from the key file. Refuses (409 "key_in_use") the
 * current key and a key that still seals a value of the listed columns;
 * the check and the removal happen inside one write transaction, so no
 * value can be written in between by another connection. db may be NULL
 * when n is 0. */
int	vault_retire(const char *path, sqlite3 *db,
	    const struct vault_column *cols, size_t n, uint32_t id,
	    struct err *e);

/* The compiled-in registry of sealed columns (src/vault/registry.c). */
const struct vault_column *vault_registry(size_t *n);

#endif
