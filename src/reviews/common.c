/*
 * What recommendations, endorsements and referrals share: looking up a
 * profile and the caller's own, checking typed text, the public summary
 * and reading a profile's number out of its address.
 */
#include "extern.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../store/db.h"
#include "../util/num.h"
#include "../util/text.h"

static int
profile_row(sqlite3 *db, sqlite3_stmt *st, struct arena *a, struct reviews_profile *p,
    struct err *e)
{
	memset(p, 0, sizeof(*p));
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		p->id = sqlite3_column_int64(st, 0);
		p->owner_user_id = sqlite3_column_int64(st, 1);
		const unsigned char *name = sqlite3_column_text(st, 2);
		p->name = arena_strdup(a, name ? (const char *)name : "");
		p->verified = sqlite3_column_int(st, 3) != 0;
		p->hidden = sqlite3_column_int(st, 4) != 0;
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "loading a profile");
	}
	sqlite3_finalize(st);
	return ret;
}

int
reviews_profile_by_id(sqlite3 *db, int64_t id, struct arena *a, struct reviews_profile *p,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT id, owner_user_id, name, verified, hidden"
	    " FROM therapists WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return profile_row(db, st, a, p, e);
}

int
reviews_profile_own(const struct account_request *r, struct reviews_profile *p,
    struct err *e)
{
	memset(p, 0, sizeof(*p));
	if (r->auth == NULL || r->auth->kind == AUTH_NONE)
		return 1;
	/* The same profile profile_find_own picks when there were several. */
	sqlite3_stmt *st = db_prepare(r->db, "SELECT id, owner_user_id, name, verified, hidden"
	    " FROM therapists WHERE owner_user_id = ? ORDER BY id LIMIT 1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->auth->user.id);
	return profile_row(r->db, st, r->arena, p, e);
}

int
reviews_no_profile(struct err *e, const char *param, int64_t id)
{
	return err_set(e, 404, "not_found", param, "no therapist with id %lld is listed",
	    (long long)id);
}

int
reviews_text(const char *text, const char *param, const char *what, size_t min,
    size_t max, bool multiline, struct arena *a, const char **out, struct err *e)
{
	*out = NULL;
	if (text == NULL)
		text = "";
	size_t n = strlen(text);
	if (!text_utf8_valid(text, n, multiline))
		return err_invalid(e, param, multiline ? "%s must be UTF-8 text" :
		    "%s must be UTF-8 text on one line", what);
	while (n > 0 && isspace((unsigned char)*text)) {
		text++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	size_t chars = text_utf8_length(text, n);
	if (chars == 0 && min > 0)
		return err_invalid(e, param, "%s is required", what);
	if (chars < min)
		return err_invalid(e, param, "%s must be at least %zu characters (it has %zu)",
		    what, min, chars);
	if (chars > max)
		return err_invalid(e, param, "%s must be at most %zu characters (it has %zu)",
		    what, max, chars);
	*out = arena_strndup(a, text, n);
	return 0;
}

int
reviews_limit(int limit)
{
	return limit < 1 ? 1 : limit > REVIEWS_LIST_MAX ? REVIEWS_LIST_MAX : limit;
}

void
reviews_iso_time(time_t t, char *out, size_t n)
{
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "1970-01-01T00:00:00Z");
}

static long long
count_of(sqlite3 *db, const char *sql, int64_t id, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, sql, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	long long n = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		db_fail(db, e, "counting reviews");
	sqlite3_finalize(st);
	return n;
}

int
reviews_summary(sqlite3 *db, int64_t therapist_id, struct reviews_summary *s,
    struct err *e)
{
	s->recommendations = count_of(db, "SELECT count(*) FROM recommendations"
	    " WHERE therapist_id = ? AND status = 'published'", therapist_id, e);
	if (s->recommendations < 0)
		return -1;
	/* An endorsement counts while its author is verified and listed. */
	s->endorsements = count_of(db, "SELECT count(*) FROM endorsements en"
	    " JOIN therapists f ON f.id = en.from_therapist_id"
	    " WHERE en.to_therapist_id = ? AND f.verified = 1 AND f.hidden = 0",
	    therapist_id, e);
	return s->endorsements < 0 ? -1 : 0;
}

int
reviews_parse_profile_ref(const char *text, int64_t *id)
{
	static const char marker[] = "/therapists/";
	*id = 0;
	if (text == NULL)
		return -1;
	while (*text == ' ' || *text == '\t')
		text++;
	/* The address without its query and fragment, trailing spaces. */
	size_t n = strcspn(text, "?#");
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	/* A bare number, or the digits after the last "/therapists/" (a
	 * trailing '/' allowed). */
	const char *digits = text;
	for (size_t i = 0; i + sizeof(marker) - 1 <= n; i++)
		if (memcmp(text + i, marker, sizeof(marker) - 1) == 0)
			digits = text + i + sizeof(marker) - 1;
	size_t len = n - (size_t)(digits - text);
	if (digits != text && len > 0 && digits[len - 1] == '/')
		len--;
	char num[24];
	if (len == 0 || len >= sizeof(num))
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)digits[i]))
			return -1;
	memcpy(num, digits, len);
	num[len] = '\0';
	long long v;
	if (num_parse_long(num, 1, INT64_MAX, &v) != 0)
		return -1;
	*id = v;
	return 0;
}
