/* Functions shared by the files of the reviews module, not its API. */
#ifndef IMAGO_REVIEWS_EXTERN_H
#define IMAGO_REVIEWS_EXTERN_H

#include "reviews.h"

/* What the reviews rules need to know of a profile. */
struct reviews_profile {
	int64_t		 id;
	int64_t		 owner_user_id;	/* 0: nobody */
	const char	*name;
	bool		 verified;
	bool		 hidden;
};

/* 0 found, 1 no such profile (hidden ones are found), -1 error. */
int	reviews_profile_by_id(sqlite3 *db, int64_t id, struct arena *a,
	    struct reviews_profile *p, struct err *e);
/* The signed-in caller's own profile: 0, 1 none, -1. */
int	reviews_profile_own(const struct account_request *r, struct reviews_profile *p,
	    struct err *e);
/* 404 naming param for a profile that is not listed. */
int	reviews_no_profile(struct err *e, const char *param, int64_t id);
/* Checks text as typed into a form: UTF-8 (newlines only when
 * multiline), surrounding spaces dropped (arena copy in *out), between
 * min and max characters. 400 naming param. */
int	reviews_text(const char *text, const char *param, const char *what,
	    size_t min, size_t max, bool multiline, struct arena *a, const char **out,
	    struct err *e);
/* A page of a list: the limit clamped to 1..REVIEWS_LIST_MAX. */
int	reviews_limit(int limit);
/* Unix seconds as ISO 8601 UTC into out (at least 21 bytes). */
void	reviews_iso_time(time_t t, char *out, size_t n);

#endif
