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
	/* Workspace (src/workspace/). */
	{ "workspace_items", "id", "body", "workspace_items.body" },
	{ "workspace_responses", "id", "body", "workspace_responses.body" },
	{ "safety_screens", "id", "answers", "safety_screens.answers" },
	/* The guided dialogue (src/dialogue/). */
	{ "dialogues", "id", "topic", "dialogues.topic" },
	{ "dialogue_turns", "id", "text", "dialogue_turns.text" },
	{ NULL, NULL, NULL, NULL }	/* end marker: C has no empty arrays */
};

const struct vault_column *
vault_registry(size_t *n)
{
	*n = sizeof(columns) / sizeof(columns[0]) - 1;
	return columns;
}
