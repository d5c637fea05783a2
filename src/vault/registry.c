/*
 * The registry of sealed columns: every table column whose values the
 * vault seals, so `imago key rotate` can re-seal them and `imago key
 * retire` can tell whether a key is still needed. Names are compiled in,
 * never taken from input.
 */
#include "vault.h"

static const struct vault_column columns[] = {
	/* The workspace tables will be listed here as they are built, e.g.
	 * { "journal_entries", "id", "body", "journal.body" }, */
	{ NULL, NULL, NULL, NULL }	/* end marker: C has no empty arrays */
};

const struct vault_column *
vault_registry(size_t *n)
{
	*n = sizeof(columns) / sizeof(columns[0]) - 1;
	return columns;
}
