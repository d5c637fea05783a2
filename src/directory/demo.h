/*
 * Synthetic demo profiles (`imago demo --therapists N --seed S`): realistic
 * therapists on real gazetteer cities, so the directory can be tried and
 * benchmarked without anyone's personal data. The output is a function of
 * the seed, the row number and the gazetteer only: the same N and seed
 * give byte-identical profiles, and profile K is the same whatever N is.
 * Profiles have external ids demo-000001, ..., so a second run updates
 * them instead of adding more.
 */
#ifndef IMAGO_DEMO_H
#define IMAGO_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../util/err.h"

#define DEMO_MAX	10000000	/* profiles in one run */

struct demo_options {
	long long	 count;
	uint64_t	 seed;
	bool		 progress;	/* a progress bar on stderr */
};

struct demo_result {
	long long	 inserted;
	long long	 updated;
};

/*
 * Writes count profiles in one transaction. -1 with e when the gazetteer
 * is missing (status 409, code "no_gazetteer") or the database fails.
 */
int	demo_generate(sqlite3 *db, const struct demo_options *opt,
	    struct demo_result *res, struct err *e);

#endif
