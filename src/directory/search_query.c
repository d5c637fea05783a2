/*
 * Parsing search parameters into a struct search_query: the edge where
 * untrusted query strings (or CLI options) become typed, range-checked
 * values. Everything the engine sees has been through here.
 */
#include "search.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../util/geo.h"
#include "../util/html.h"
#include "../util/num.h"
#include "../util/text.h"
#include "therapist.h"

/* Parameters that may appear once only; a second value is an error,
 * because silently picking one hides a caller's bug. */
static const char *const scalar_keys[] = {
	"near", "radius", "unit", "format", "language", "accepting",
	"fee_max", "q", "limit", "offset",
};

static int
check_text(const struct param *p, size_t max, struct err *e)
{
	if (memchr(p->value, '\0', p->value_len) != NULL)
		return err_invalid(e, p->key, "%s must not contain NUL bytes", p->key);
	if (p->value_len > max)
		return err_invalid(e, p->key, "%s is longer than %zu bytes", p->key, max);
	if (!text_utf8_valid(p->value, p->value_len, false))
		return err_invalid(e, p->key, "%s must be UTF-8 text without control characters", p->key);
	return 0;
}

static int
parse_slug(const struct slug_set *set, const struct param *p, uint32_t *bits,
    struct err *e)
{
	int i = slug_index(set, p->value);
	if (i < 0) {
		struct buf allowed = BUF_INIT;
		for (int k = 0; k < set->count; k++)
			buf_printf(&allowed, "%s%s", k ? ", " : "", set->slugs[k]);
		err_invalid(e, p->key, "unknown %s \"%.60s\"; expected one of: %s",
		    p->key, p->value, buf_cstr(&allowed));
		buf_free(&allowed);
		return -1;
	}
	*bits |= 1u << i;
	return 0;
}

static int
parse_one(struct search_query *q, const struct param *p, double *radius,
    bool *has_radius, struct err *e)
{
	const char *k = p->key, *v = p->value;
	long long n;
	if (strcmp(k, "near") == 0) {
		if (check_text(p, PLACE_QUERY_MAX, e) < 0)
			return -1;
		snprintf(q->near, sizeof(q->near), "%s", v);
		text_trim(q->near);
		q->has_near = q->near[0] != '\0';
	} else if (strcmp(k, "radius") == 0) {
		if (*v == '\0')
			return 0;	/* an empty form field means the default */
		if (num_parse_double(v, -1e9, 1e9, radius) < 0)
			return err_invalid(e, "radius", "radius must be a number, e.g. 40");
		*has_radius = true;
	} else if (strcmp(k, "unit") == 0) {
		if (strcmp(v, "km") == 0)
			q->unit_miles = false;
		else if (strcmp(v, "mi") == 0)
			q->unit_miles = true;
		else
			return err_invalid(e, "unit", "unit must be km or mi");
	} else if (strcmp(k, "specialty") == 0) {
		if (*v && parse_slug(&therapist_specialties, p, &q->specialties, e) < 0)
			return -1;
	} else if (strcmp(k, "certification") == 0) {
		if (*v && parse_slug(&therapist_certifications, p, &q->certifications, e) < 0)
			return -1;
	} else if (strcmp(k, "format") == 0) {
		uint32_t bits = 0;
		if (*v == '\0')
			return 0;
		if (parse_slug(&therapist_formats, p, &bits, e) < 0)
			return -1;
		q->format = __builtin_ctz(bits);
	} else if (strcmp(k, "language") == 0) {
		if (*v == '\0')
			return 0;
		if (p->value_len != 2 || !isalpha((unsigned char)v[0]) || !isalpha((unsigned char)v[1]))
			return err_invalid(e, "language", "language must be a two-letter ISO 639-1 code such as en");
		q->language[0] = (char)tolower((unsigned char)v[0]);
		q->language[1] = (char)tolower((unsigned char)v[1]);
		q->language[2] = '\0';
	} else if (strcmp(k, "accepting") == 0) {
		bool b;
		if (*v == '\0')
			return 0;
		if (num_parse_bool(v, &b) < 0)
			return err_invalid(e, "accepting", "accepting must be true or false");
		q->accepting_only = b;
	} else if (strcmp(k, "fee_max") == 0) {
		if (*v == '\0')
			return 0;
		if (num_parse_long(v, 0, 100000, &n) < 0)
			return err_invalid(e, "fee_max", "fee_max must be a whole number from 0 to 100000");
		q->fee_max = (int)n;
	} else if (strcmp(k, "q") == 0) {
		if (check_text(p, SEARCH_Q_MAX, e) < 0)
			return -1;
		snprintf(q->q, sizeof(q->q), "%s", v);
		text_trim(q->q);
	} else if (strcmp(k, "limit") == 0) {
		if (num_parse_long(v, 1, SEARCH_MAX_LIMIT, &n) < 0)
			return err_invalid(e, "limit", "limit must be a whole number from 1 to %d", SEARCH_MAX_LIMIT);
		q->limit = (int)n;
	} else if (strcmp(k, "offset") == 0) {
		if (num_parse_long(v, 0, SEARCH_MAX_OFFSET, &n) < 0)
			return err_invalid(e, "offset", "offset must be a whole number from 0 to %d", SEARCH_MAX_OFFSET);
		q->offset = (int)n;
	}
	return 0;
}

int
search_query_parse(struct search_query *q, const struct param *p, size_t n,
    struct err *e)
{
	memset(q, 0, sizeof(*q));
	q->format = -1;
	q->fee_max = -1;
	q->limit = SEARCH_DEFAULT_LIMIT;
	if (n > SEARCH_MAX_PARAMS)
		return err_invalid(e, "", "too many parameters (at most %d)", SEARCH_MAX_PARAMS);

	for (size_t i = 0; i < n; i++)
		for (size_t s = 0; s < sizeof(scalar_keys) / sizeof(scalar_keys[0]); s++)
			if (strcmp(p[i].key, scalar_keys[s]) == 0)
				for (size_t j = 0; j < i; j++)
					if (strcmp(p[j].key, p[i].key) == 0)
						return err_invalid(e, p[i].key, "%s may be given only once", p[i].key);

	double radius = SEARCH_DEFAULT_RADIUS;
	bool has_radius = false;
	for (size_t i = 0; i < n; i++) {
		/* Every value is checked for NUL bytes and encoding, even of
		 * keys we go on to ignore, so nothing malformed slips past. */
		if (memchr(p[i].value, '\0', p[i].value_len) != NULL)
			return err_invalid(e, p[i].key, "%s must not contain NUL bytes", p[i].key);
		if (parse_one(q, &p[i], &radius, &has_radius, e) < 0)
			return -1;
	}
	double max = q->unit_miles ? SEARCH_MAX_RADIUS_MI : SEARCH_MAX_RADIUS_KM;
	/* The default is 40 in whichever unit was asked for. */
	if (!has_radius)
		radius = SEARCH_DEFAULT_RADIUS;
	if (!(radius > 0) || radius > max)
		return err_invalid(e, "radius", "radius must be greater than 0 and at most %g %s",
		    max, q->unit_miles ? "mi" : "km");
	q->radius = radius;
	q->radius_km = q->unit_miles ? radius * GEO_KM_PER_MILE : radius;
	return 0;
}

static void
add_pair(struct buf *out, const char *key, const char *value)
{
	if (out->len)
		buf_putc(out, '&');
	buf_puts(out, key);
	buf_putc(out, '=');
	html_query_escape(out, value);
}

void
search_query_format(const struct search_query *q, int offset, struct buf *out)
{
	char num[32];
	if (q->has_near)
		add_pair(out, "near", q->near);
	snprintf(num, sizeof(num), "%g", q->radius);
	add_pair(out, "radius", num);
	add_pair(out, "unit", q->unit_miles ? "mi" : "km");
	for (int i = 0; i < SPEC_COUNT; i++)
		if (q->specialties & (1u << i))
			add_pair(out, "specialty", therapist_specialties.slugs[i]);
	for (int i = 0; i < CERT_COUNT; i++)
		if (q->certifications & (1u << i))
			add_pair(out, "certification", therapist_certifications.slugs[i]);
	if (q->format >= 0)
		add_pair(out, "format", therapist_formats.slugs[q->format]);
	if (q->language[0])
		add_pair(out, "language", q->language);
	if (q->accepting_only)
		add_pair(out, "accepting", "true");
	if (q->fee_max >= 0) {
		snprintf(num, sizeof(num), "%d", q->fee_max);
		add_pair(out, "fee_max", num);
	}
	if (q->q[0])
		add_pair(out, "q", q->q);
	if (q->limit != SEARCH_DEFAULT_LIMIT) {
		snprintf(num, sizeof(num), "%d", q->limit);
		add_pair(out, "limit", num);
	}
	if (offset > 0) {
		snprintf(num, sizeof(num), "%d", offset);
		add_pair(out, "offset", num);
	}
}
