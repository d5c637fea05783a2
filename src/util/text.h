/*
 * Text handling for untrusted input and for matching names: UTF-8
 * validation and the "fold" that makes "Zürich", "ZURICH" and "zurich"
 * the same key (Unicode compatibility decomposition, accents dropped,
 * case folded, punctuation turned into single spaces). ICU does the
 * Unicode work; we never hand-roll tables of accented letters.
 */
#ifndef IMAGO_TEXT_H
#define IMAGO_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* True when s[0..n) is well-formed UTF-8 without NUL or other C0 controls
 * (tab, newline and carriage return allowed when allow_newlines). */
bool	text_utf8_valid(const char *s, size_t n, bool allow_newlines);
/* Number of code points in valid UTF-8. */
size_t	text_utf8_length(const char *s, size_t n);
/* Appends the folded form of s to out. Invalid UTF-8 folds to "". */
void	text_fold(struct buf *out, const char *s, size_t n);
/* Convenience: folded copy (caller frees). */
char	*text_fold_dup(const char *s);
/* Trims ASCII whitespace from both ends, in place; returns s. */
char	*text_trim(char *s);

#endif
