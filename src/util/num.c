/* Strict number parsing: see num.h. */
#include "num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
num_parse_long(const char *s, long long min, long long max, long long *out)
{
	if (s == NULL || *s == '\0' || strlen(s) > 32)
		return -1;
	/* strtoll skips leading space and accepts a '+'; we do not. */
	if (!(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
num_parse_double(const char *s, double min, double max, double *out)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return -1;
	/* Only digits, sign, point and exponent: this keeps out "nan",
	 * "inf", hexadecimal floats and locale surprises. */
	for (const char *p = s; *p; p++)
		if (!strchr("0123456789+-.eE", *p))
			return -1;
	if (!(s[0] == '-' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
num_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "1" };
	static const char *const no[] = { "false", "no", "0" };
	if (s == NULL)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}
