/*
 * Resolving what a person types into the "near" box into a place, and
 * placing imported addresses. The input is untrusted: it is length- and
 * UTF-8-checked first, then recognised by shape, most specific first:
 *
 *   "40.75,-73.99"          coordinates (two numbers and one comma)
 *   "10001", "10001-1234"   a US ZIP
 *   "M5V 2T6", "m5v"        a Canadian postal code, by its FSA
 *   "Paris, Texas"          a city and qualifiers, split at commas
 *   "Portland Oregon"       the same without commas, tried only when the
 *                           whole text is not a name
 *
 * Names are compared folded (text_fold), so case and accents never
 * matter. An ambiguous name goes to its most populous place; the next
 * few are returned as alternatives for the page to offer.
 */
#include "places.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/geo.h"
#include "../util/num.h"
#include "../util/text.h"
#include "extern.h"

#define NEAR		"near"
#define MAX_PARTS	8
#define MATCH_MAX	(1 + PLACE_MAX_ALTERNATIVES)
#define SUGGEST_MAX	100

const char *
place_kind_name(enum place_kind kind)
{
	switch (kind) {
	case PLACE_ZIP:
		return "zip";
	case PLACE_POSTAL_CODE:
		return "postal_code";
	case PLACE_CITY:
		return "city";
	case PLACE_COORDINATES:
		return "coordinates";
	}
	return "unknown";
}

const char *
places_fold(struct buf *b, const char *s, size_t n)
{
	buf_reset(b);
	text_fold(b, s, n);
	if (b->len == 0 || b->len > PLACE_KEY_MAX)
		return NULL;
	return b->data;
}

void
places_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (size == 0)
		return;
	if (n >= size) {
		n = size - 1;
		/* Back up to the first byte of the sequence being cut. */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * Copies raw into text (PLACE_QUERY_MAX + 1 bytes), whitespace turned to
 * spaces and trimmed. 0 done, 1 empty, -1 unusable (e set). strnlen
 * bounds the work however long raw is.
 */
static int
take_input(const char *raw, char *text, struct err *e)
{
	size_t n = raw ? strnlen(raw, PLACE_QUERY_MAX + 1) : 0;
	if (n > PLACE_QUERY_MAX)
		return err_invalid(e, NEAR, "A place can be at most %d characters.",
		    PLACE_QUERY_MAX);
	if (!text_utf8_valid(raw ? raw : "", n, true))
		return err_invalid(e, NEAR,
		    "The place contains characters that are not text.");
	memcpy(text, raw ? raw : "", n);
	text[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (text[i] == '\t' || text[i] == '\n' || text[i] == '\r')
			text[i] = ' ';
	text_trim(text);
	return *text ? 0 : 1;
}

/* 0 coordinates, 1 not coordinates, -1 coordinates out of range. */
static int
parse_coordinates(const char *text, double *lat, double *lon)
{
	const char *comma = strchr(text, ',');
	char a[PLACE_QUERY_MAX + 1], b[PLACE_QUERY_MAX + 1];
	if (comma == NULL || strchr(comma + 1, ',') != NULL)
		return 1;
	snprintf(a, sizeof(a), "%.*s", (int)(comma - text), text);
	snprintf(b, sizeof(b), "%s", comma + 1);
	if (num_parse_double(text_trim(a), -1e300, 1e300, lat) < 0 ||
	    num_parse_double(text_trim(b), -1e300, 1e300, lon) < 0)
		return 1;
	return geo_valid(*lat, *lon) ? 0 : -1;
}

static size_t
digits(const char *s)
{
	return strspn(s, "0123456789");
}

/* "10001", "10001-1234", "10001 1234", "100011234", and a label pasted
 * back ("10001 New York, NY, United States"). */
static bool
parse_zip(const char *t, char zip[6])
{
	size_t n = digits(t);
	const char *rest = t + 5;
	bool ok = (n == 5 && *rest == '\0') || (n == 9 && t[9] == '\0') ||
	    (n == 5 && (*rest == '-' || *rest == ' ') &&
	    digits(rest + 1) == 4 && rest[5] == '\0') ||
	    (n == 5 && (*rest == ' ' || *rest == ',') && rest[1] != '\0' &&
	    !is_digit(rest[1]));
	if (ok)
		snprintf(zip, 6, "%.5s", t);
	return ok;
}

/* "M5V", "m5v 2t6", "M5V-2T6", and a label pasted back ("M5V Toronto,
 * Ontario, Canada"); the FSA, upper-cased, goes to fsa. */
static bool
parse_fsa(const char *t, char fsa[4])
{
	if (!is_letter(t[0]) || !is_digit(t[1]) || !is_letter(t[2]))
		return false;
	const char *rest = t + 3;
	const char *ldu = rest + (*rest == ' ' || *rest == '-');
	bool ok = *rest == '\0' ||
	    (is_digit(ldu[0]) && is_letter(ldu[1]) && is_digit(ldu[2]) &&
	    ldu[3] == '\0') ||
	    ((*rest == ' ' || *rest == ',') && is_letter(rest[1]) &&
	    !(is_digit(rest[2])));
	if (!ok)
		return false;
	for (int i = 0; i < 3; i++)
		fsa[i] = (char)toupper((unsigned char)t[i]);
	fsa[3] = '\0';
	return true;
}

/* 422 unknown_location, or 503 when there is no gazetteer to ask. */
static int
unknown(sqlite3 *db, const char *what, struct err *e)
{
	if (!place_gazetteer_loaded(db))
		return err_set(e, 503, "gazetteer_missing", NEAR,
		    "Places are not available yet: the gazetteer has not been "
		    "imported (imago gazetteer import).");
	return err_set(e, 422, "unknown_location", NEAR,
	    "%s Try a city (\"Austin, TX\" or \"Paris, France\"), a US ZIP "
	    "code, a Canadian postal code or coordinates (\"40.75,-73.99\").",
	    what);
}

/* "40.75", "-73.99", "0": up to five decimals, no trailing zeros. */
static void
format_degrees(double v, char *out, size_t n)
{
	snprintf(out, n, "%.5f", v);
	char *dot = strchr(out, '.');
	if (dot != NULL) {
		char *end = out + strlen(out);
		while (end > dot + 1 && end[-1] == '0')
			*--end = '\0';
		if (end == dot + 1)
			*dot = '\0';
	}
	if (strcmp(out, "-0") == 0)
		snprintf(out, n, "0");
}

static int
resolve_coordinates(sqlite3 *db, double lat, double lon,
    struct place_match *m, struct err *e)
{
	struct place *p = &m->best, near;
	char a[32], b[32];
	format_degrees(lat, a, sizeof(a));
	format_degrees(lon, b, sizeof(b));
	p->kind = PLACE_COORDINATES;
	p->lat = lat;
	p->lon = lon;
	snprintf(p->name, sizeof(p->name), "%s, %s", a, b);
	snprintf(p->label, sizeof(p->label), "%s, %s", a, b);
	int rc = place_nearest(db, lat, lon, &near, e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		memcpy(p->country, near.country, sizeof(p->country));
		memcpy(p->region, near.region, sizeof(p->region));
	}
	return 0;
}

static int
resolve_postal(sqlite3 *db, const char *country, const char *code,
    struct place_match *m, struct err *e)
{
	char what[96];
	int rc = places_store_postal(db, country, code, &m->best, e);
	if (rc <= 0)
		return rc;
	snprintf(what, sizeof(what), "There is no %s %s.",
	    strcmp(country, "US") == 0 ? "US ZIP code" : "Canadian postal code",
	    code);
	return unknown(db, what, e);
}

/* Splits text at commas in place into trimmed, non-empty parts. Past
 * MAX_PARTS the first and the last two are what count, so those stay. */
static int
split_parts(char *text, char *parts[MAX_PARTS])
{
	int n = 0;
	for (char *p = text; p != NULL;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (*text_trim(p) != '\0') {
			if (n == MAX_PARTS) {
				parts[MAX_PARTS - 2] = parts[MAX_PARTS - 1];
				n--;
			}
			parts[n++] = p;
		}
		p = comma ? comma + 1 : NULL;
	}
	return n;
}

/*
 * "Portland Oregon", "Paris France", "Austin TX USA": the last one to
 * three words as a qualifier (region or country), or as region then
 * country. Only tried when the whole text is no place's name.
 */
static int
split_words(sqlite3 *db, const char *key, struct place *found,
    struct err *e)
{
	size_t len = strlen(key), spaces[PLACE_KEY_MAX];
	size_t nspaces = 0;
	char city[PLACE_KEY_MAX + 1], qual[PLACE_KEY_MAX + 1];
	for (size_t i = 0; i < len; i++)
		if (key[i] == ' ')
			spaces[nspaces++] = i;
	for (size_t k = 1; k <= 3 && k <= nspaces; k++) {
		size_t cut = spaces[nspaces - k];
		snprintf(city, sizeof(city), "%.*s", (int)cut, key);
		snprintf(qual, sizeof(qual), "%s", key + cut + 1);
		struct place_query q = { .key = city, .either = qual };
		int n = places_store_cities(db, &q, found, MATCH_MAX, e);
		if (n != 0)
			return n;
		/* The qualifier's last word a country, the rest a region. */
		char *last = strrchr(qual, ' ');
		if (last == NULL)
			continue;
		*last = '\0';
		q = (struct place_query){ .key = city, .region = qual,
		    .country = last + 1 };
		if ((n = places_store_cities(db, &q, found, MATCH_MAX, e)) != 0)
			return n;
	}
	return 0;
}

static int
resolve_city(sqlite3 *db, char *text, const char *input,
    struct place_match *m, struct err *e)
{
	struct buf keys[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	struct place found[MATCH_MAX];
	struct place_query q = { NULL, NULL, NULL, NULL };
	char *parts[MAX_PARTS];
	int n = split_parts(text, parts), count = 0;
	bool usable = n > 0;

	if (usable)
		q.key = places_fold(&keys[0], parts[0], strlen(parts[0]));
	if (n == 2)
		q.either = places_fold(&keys[1], parts[1], strlen(parts[1]));
	else if (n >= 3) {
		/* "City, Region, Country"; parts in between are ignored. */
		const char *region = parts[n - 2], *country = parts[n - 1];
		q.region = places_fold(&keys[1], region, strlen(region));
		q.country = places_fold(&keys[2], country, strlen(country));
	}
	/* A qualifier that folds to nothing ("Austin, %") matches nothing,
	 * rather than being dropped. */
	usable = usable && q.key &&
	    (n < 2 || q.either || (q.region && q.country));
	if (usable)
		count = places_store_cities(db, &q, found, MATCH_MAX, e);
	if (usable && count == 0 && n == 1)
		count = split_words(db, q.key, found, e);
	for (int i = 0; i < 3; i++)
		buf_free(&keys[i]);
	/* Without a gazetteer even the query fails (no country_names). */
	if (count < 0 && !place_gazetteer_loaded(db))
		count = 0;
	if (count < 0)
		return -1;
	if (count == 0) {
		char what[PLACE_QUERY_MAX + 64];
		snprintf(what, sizeof(what), "No place called \"%s\" was found.",
		    input);
		return unknown(db, what, e);
	}
	m->best = found[0];
	m->alternative_count = count - 1;
	for (int i = 1; i < count; i++)
		m->alternatives[i - 1] = found[i];
	return 0;
}

static int
resolve_uncached(sqlite3 *db, const char *raw, struct place_match *m,
    struct err *e)
{
	char text[PLACE_QUERY_MAX + 1], input[PLACE_QUERY_MAX + 1];
	char code[8];
	double lat, lon;
	memset(m, 0, sizeof(*m));
	int rc = take_input(raw, text, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return err_invalid(e, NEAR, "Enter a place: a city, a ZIP or "
		    "postal code, or coordinates.");
	switch (parse_coordinates(text, &lat, &lon)) {
	case 0:
		return resolve_coordinates(db, lat, lon, m, e);
	case -1:
		return err_invalid(e, NEAR, "Coordinates need a latitude from "
		    "-90 to 90 and a longitude from -180 to 180, like "
		    "\"40.75,-73.99\".");
	}
	if (parse_zip(text, code))
		return resolve_postal(db, "US", code, m, e);
	if (parse_fsa(text, code))
		return resolve_postal(db, "CA", code, m, e);
	memcpy(input, text, sizeof(input));
	return resolve_city(db, text, input, m, e);
}

int
place_resolve(sqlite3 *db, const char *raw, struct place_match *m,
    struct err *e)
{
	if (raw != NULL && place_cache_get(db, raw, m))
		return 0;
	if (resolve_uncached(db, raw, m, e) < 0)
		return -1;
	place_cache_put(db, raw, m);	/* raw was checked by take_input */
	return 0;
}

int
place_suggest(sqlite3 *db, const char *prefix, struct place *out, int max,
    struct err *e)
{
	char text[PLACE_QUERY_MAX + 1];
	struct buf key = BUF_INIT;
	int rc = take_input(prefix, text, e);
	if (rc != 0 || max <= 0)
		return rc < 0 ? -1 : 0;
	if (max > SUGGEST_MAX)
		max = SUGGEST_MAX;
	/* What comes after a comma qualifies; suggest on the name. */
	char *comma = strchr(text, ',');
	if (comma)
		*comma = '\0';
	size_t n = digits(text);
	if (n >= 3 && n <= 5 && text[n] == '\0')
		return places_store_zip_prefix(db, text, out, max, e);
	const char *folded = places_fold(&key, text, strlen(text));
	rc = folded ? places_store_prefix(db, folded, out, max, e) : 0;
	buf_free(&key);
	return rc;
}

/* An address field, checked like typed input: NULL or unusable is "". */
static const char *
field(const char *raw, char *copy)
{
	struct err ignored = ERR_INIT;
	return take_input(raw, copy, &ignored) == 0 ? copy : "";
}

static int
locate_postal(sqlite3 *db, const char *postal, const char *country,
    struct place *out, struct err *e)
{
	char code[8];
	bool any = *country == '\0';
	int rc = 1;
	if ((any || strcmp(country, "US") == 0) && parse_zip(postal, code))
		rc = places_store_postal(db, "US", code, out, e);
	else if ((any || strcmp(country, "CA") == 0) && parse_fsa(postal, code))
		rc = places_store_postal(db, "CA", code, out, e);
	return rc;
}

/*
 * City with region and country, else city with country: a misspelt
 * region should not lose the row. A bare city name is too ambiguous to
 * place anyone by, so some qualifier is required; with no country given,
 * the postal code's shape may tell ("10001" is American).
 */
static int
locate_city(sqlite3 *db, const char *city, const char *region,
    const char *country_key, const char *postal, struct place *out,
    struct err *e)
{
	char name_text[PLACE_QUERY_MAX + 1], region_text[PLACE_QUERY_MAX + 1];
	char scratch[8];
	struct buf keys[2] = { BUF_INIT, BUF_INIT };
	const char *name = field(city, name_text);
	const char *r = field(region, region_text);
	struct place_query q = {
		.key = places_fold(&keys[0], name, strlen(name)),
		.region = places_fold(&keys[1], r, strlen(r)),
		.country = country_key,
	};
	if (country_key == NULL && parse_zip(postal, scratch))
		q.country = "us";
	else if (country_key == NULL && parse_fsa(postal, scratch))
		q.country = "ca";
	int count = 0;
	if (q.key && (q.region || q.country))
		count = places_store_cities(db, &q, out, 1, e);
	if (count == 0 && q.key && q.region && q.country) {
		q.region = NULL;
		count = places_store_cities(db, &q, out, 1, e);
	}
	buf_free(&keys[0]);
	buf_free(&keys[1]);
	return count < 0 ? -1 : count == 1 ? 0 : 1;
}

int
place_locate_address(sqlite3 *db, const char *postal_code, const char *city,
    const char *region, const char *country, struct place *out,
    struct err *e)
{
	char postal_text[PLACE_QUERY_MAX + 1], country_text[PLACE_QUERY_MAX + 1];
	char code[3] = "";
	struct buf key = BUF_INIT;
	int rc = 1;
	const char *postal = field(postal_code, postal_text);
	const char *c = field(country, country_text);
	const char *country_key = places_fold(&key, c, strlen(c));
	if (country_key && places_store_country(db, country_key, code, e) < 0) {
		rc = -1;
		goto out;
	}
	/* A country that names no known country allows no postal code. */
	if (*postal && (country_key == NULL || *code))
		rc = locate_postal(db, postal, code, out, e);
	if (rc == 1)
		rc = locate_city(db, city, region, country_key, postal, out, e);
out:
	buf_free(&key);
	return rc;
}
