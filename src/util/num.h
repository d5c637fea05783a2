/*
 * Strict number parsing for untrusted input (after OpenBSD's strtonum):
 * the whole string must be a number within [min, max]. No atoi anywhere.
 */
#ifndef IMAGO_NUM_H
#define IMAGO_NUM_H

#include <stdbool.h>

/* 0 on success; -1 when s is empty, has trailing junk or is out of range. */
int	num_parse_long(const char *s, long long min, long long max, long long *out);
/* Plain decimal notation only ("12", "-3.5", "1e3" too); no nan/inf/hex. */
int	num_parse_double(const char *s, double min, double max, double *out);
/* true/false, yes/no, 1/0, case-insensitive. */
int	num_parse_bool(const char *s, bool *out);

#endif
