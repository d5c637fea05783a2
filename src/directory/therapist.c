/*
 * Therapist profiles: enumerations, validation and storage. Validation is
 * the single gate every write passes (CSV import, demo data, and later the
 * profile editor), so the rest of the program can trust what it reads back.
 */
#include "therapist.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/db.h"
#include "../util/buf.h"
#include "../util/geo.h"
#include "../util/mem.h"
#include "../util/text.h"

static const char *const cert_slugs[CERT_COUNT] = {
	"certified_imago_therapist", "advanced_clinician", "workshop_presenter",
	"supervisor", "clinical_instructor", "imago_facilitator",
};
static const char *const cert_labels[CERT_COUNT] = {
	"Certified Imago Therapist", "Advanced Clinician", "Workshop Presenter",
	"Supervisor", "Clinical Instructor", "Imago Facilitator",
};
static const char *const spec_slugs[SPEC_COUNT] = {
	"relationship_enhancement", "premarital", "crisis_infidelity",
	"repetitive_conflict", "individual_growth", "divorce_separation",
	"blended_families", "lgbtq", "workshops",
};
static const char *const spec_labels[SPEC_COUNT] = {
	"Relationship enhancement", "Premarital", "Crisis and infidelity",
	"Repetitive conflict", "Individual growth", "Divorce and separation",
	"Blended families", "LGBTQ+ couples", "Couples' workshops",
};
static const char *const format_slugs[FORMAT_COUNT] = { "in_person", "online" };
static const char *const format_labels[FORMAT_COUNT] = { "In person", "Online" };

const struct slug_set therapist_certifications = {
	cert_slugs, cert_labels, CERT_COUNT, "certification" };
const struct slug_set therapist_specialties = {
	spec_slugs, spec_labels, SPEC_COUNT, "specialty" };
const struct slug_set therapist_formats = {
	format_slugs, format_labels, FORMAT_COUNT, "format" };

int
slug_index(const struct slug_set *set, const char *slug)
{
	for (int i = 0; i < set->count; i++)
		if (strcmp(set->slugs[i], slug) == 0)
			return i;
	return -1;
}

int
slug_list_parse(const struct slug_set *set, const char *list, uint32_t *bits,
    struct err *e)
{
	*bits = 0;
	const char *p = list ? list : "";
	while (*p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char item[64];
		/* Trim spaces around each item: "a; b" is a common way to write it. */
		while (n > 0 && *p == ' ')
			p++, n--;
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n >= sizeof(item))
			return err_invalid(e, set->param, "unknown %s \"%.40s...\"", set->param, p);
		memcpy(item, p, n);
		item[n] = '\0';
		if (n > 0) {
			int i = slug_index(set, item);
			if (i < 0)
				return err_invalid(e, set->param, "unknown %s \"%s\"", set->param, item);
			*bits |= 1u << i;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

char *
slug_list_format(const struct slug_set *set, uint32_t bits, struct arena *a)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < set->count; i++) {
		if (!(bits & (1u << i)))
			continue;
		if (b.len)
			buf_putc(&b, ';');
		buf_puts(&b, set->slugs[i]);
	}
	char *s = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return s;
}

void
slug_list_json(struct jw *j, const char *key, const struct slug_set *set, uint32_t bits)
{
	jw_key(j, key);
	jw_array_begin(j);
	for (int i = 0; i < set->count; i++)
		if (bits & (1u << i))
			jw_string(j, set->slugs[i]);
	jw_array_end(j);
}

void
therapist_init(struct therapist *t)
{
	memset(t, 0, sizeof(*t));
	t->name = t->credentials = t->license_number = t->license_regions = "";
	t->languages = t->address = t->city = t->region = t->postal_code = "";
	t->country = t->phone = t->email = t->website = t->bio = t->approach = "";
	t->years_experience = t->fee_min = t->fee_max = -1;
}

/* A single-line text field: valid UTF-8, no control characters. */
static int
check_line(const char *field, const char *s, size_t max, struct err *e)
{
	size_t n = strlen(s);
	if (n > max)
		return err_invalid(e, field, "%s is longer than %zu bytes", field, max);
	if (!text_utf8_valid(s, n, false))
		return err_invalid(e, field, "%s must be UTF-8 text on one line", field);
	return 0;
}

static int
check_email(const char *s, struct err *e)
{
	if (check_line("email", s, 254, e) < 0)
		return -1;
	if (*s == '\0')
		return 0;
	const char *at = strchr(s, '@');
	if (at == NULL || at == s || strchr(at + 1, '@') || strchr(at, '.') == NULL ||
	    at[1] == '.' || s[strlen(s) - 1] == '.' || strpbrk(s, " ,;<>()[]\\\"") != NULL)
		return err_invalid(e, "email", "email \"%s\" is not an email address", s);
	return 0;
}

static int
check_website(const char *s, struct err *e)
{
	if (check_line("website", s, THERAPIST_URL_MAX, e) < 0)
		return -1;
	if (*s == '\0')
		return 0;
	if ((strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) ||
	    strpbrk(s, " <>\"'\\") != NULL)
		return err_invalid(e, "website", "website must be an http:// or https:// address");
	return 0;
}

int
therapist_check_phone(const char *s, const char *param, struct err *e)
{
	if (check_line(param, s, 40, e) < 0)
		return -1;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p) && !strchr(" +()-./x", *p))
			return err_invalid(e, param, "%s may contain only digits, spaces and + ( ) - . /",
			    param);
	return 0;
}

/*
 * Normalises a ';'-separated list of codes: each item trimmed, case
 * changed, checked by `valid`, duplicates dropped, sorted.
 */
static int
normalize_codes(const char *field, const char **list, int upper,
    int (*valid)(const char *), struct arena *a, struct err *e)
{
	char *items[THERAPIST_LIST_MAX];
	int count = 0;
	char *copy = arena_strdup(a, *list);
	for (char *p = copy, *next; p; p = next) {
		next = strchr(p, ';');
		if (next)
			*next++ = '\0';
		text_trim(p);
		if (*p == '\0')
			continue;
		for (char *q = p; *q; q++)
			*q = (char)(upper ? toupper((unsigned char)*q) : tolower((unsigned char)*q));
		if (!valid(p))
			return err_invalid(e, field, "%s: \"%.40s\" is not a valid code", field, p);
		int dup = 0;
		for (int i = 0; i < count; i++)
			dup |= strcmp(items[i], p) == 0;
		if (dup)
			continue;
		if (count == THERAPIST_LIST_MAX)
			return err_invalid(e, field, "%s has more than %d items", field, THERAPIST_LIST_MAX);
		items[count++] = p;
	}
	/* Insertion sort: lists are short. */
	for (int i = 1; i < count; i++)
		for (int j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
			char *t = items[j]; items[j] = items[j - 1]; items[j - 1] = t;
		}
	struct buf b = BUF_INIT;
	for (int i = 0; i < count; i++) {
		if (i)
			buf_putc(&b, ';');
		buf_puts(&b, items[i]);
	}
	*list = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return 0;
}

static int
valid_language(const char *s)
{
	return strlen(s) == 2 && islower((unsigned char)s[0]) && islower((unsigned char)s[1]);
}

/* "US-NY", "CA-ON", "GB-ENG", or a bare country "DE". */
static int
valid_region(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || !isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1]))
		return 0;
	if (n == 2)
		return 1;
	if (s[2] != '-' || n < 4 || n > 6)
		return 0;
	for (size_t i = 3; i < n; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int
therapist_validate(struct therapist *t, struct arena *a, struct err *e)
{
	struct { const char *field; const char *value; size_t max; } lines[] = {
		{ "name", t->name, THERAPIST_NAME_MAX },
		{ "credentials", t->credentials, THERAPIST_SHORT_MAX },
		{ "license_number", t->license_number, 64 },
		{ "address", t->address, THERAPIST_SHORT_MAX },
		{ "city", t->city, THERAPIST_SHORT_MAX },
		{ "region", t->region, THERAPIST_SHORT_MAX },
		{ "postal_code", t->postal_code, 16 },
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (check_line(lines[i].field, lines[i].value, lines[i].max, e) < 0)
			return -1;
	if (t->external_id && (check_line("external_id", t->external_id, 128, e) < 0))
		return -1;
	if (t->external_id && *t->external_id == '\0')
		return err_invalid(e, "external_id", "external_id must not be empty");

	char *name = arena_strdup(a, t->name);
	t->name = text_trim(name);
	if (*t->name == '\0')
		return err_invalid(e, "name", "name is required");

	if (check_email(t->email, e) < 0 || check_website(t->website, e) < 0 ||
	    therapist_check_phone(t->phone, "phone", e) < 0)
		return -1;

	struct { const char *field; const char *value; } longs[] = {
		{ "bio", t->bio }, { "approach", t->approach },
	};
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(longs[i].value);
		if (n > THERAPIST_LONG_MAX)
			return err_invalid(e, longs[i].field, "%s is longer than %d bytes",
			    longs[i].field, THERAPIST_LONG_MAX);
		if (!text_utf8_valid(longs[i].value, n, true))
			return err_invalid(e, longs[i].field, "%s must be UTF-8 text", longs[i].field);
	}

	if (*t->country) {
		char *c = arena_strdup(a, t->country);
		for (char *q = c; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		if (strlen(c) != 2 || !isupper((unsigned char)c[0]) || !isupper((unsigned char)c[1]))
			return err_invalid(e, "country", "country must be an ISO 3166-1 alpha-2 code such as US");
		t->country = c;
	}
	if (normalize_codes("languages", &t->languages, 0, valid_language, a, e) < 0 ||
	    normalize_codes("license_regions", &t->license_regions, 1, valid_region, a, e) < 0)
		return -1;

	if (t->years_experience < -1 || t->years_experience > 80)
		return err_invalid(e, "years_experience", "years_experience must be between 0 and 80");
	if (t->fee_min < -1 || t->fee_min > 100000)
		return err_invalid(e, "fee_min", "fee_min must be between 0 and 100000");
	if (t->fee_max < -1 || t->fee_max > 100000)
		return err_invalid(e, "fee_max", "fee_max must be between 0 and 100000");
	if (t->fee_min >= 0 && t->fee_max >= 0 && t->fee_min > t->fee_max)
		return err_invalid(e, "fee_max", "fee_max must not be less than fee_min");
	if (t->has_location && !geo_valid(t->lat, t->lon))
		return err_invalid(e, "lat", "lat must be within -90..90 and lon within -180..180");
	if (t->certifications >> CERT_COUNT || t->specialties >> SPEC_COUNT ||
	    t->formats >> FORMAT_COUNT)
		return err_invalid(e, "certifications", "unknown enumeration bits");
	return 0;
}

struct therapist_writer {
	sqlite3		*db;
	sqlite3_stmt	*upsert;
	struct arena	*scratch;
};

/* One statement for both cases: a row with an external_id upserts by it;
 * a row without one inserts, or updates by id when the id is given. */
static const char upsert_sql[] =
	"INSERT INTO therapists (id, external_id, name, name_key, credentials,"
	" license_number, license_regions, certifications, specialties, formats,"
	" languages, years_experience, accepting_new_clients, fee_min, fee_max,"
	" sliding_scale, address, city, region, postal_code, country, lat, lon,"
	" phone, email, website, bio, approach, verified, verified_at, hidden,"
	" show_email)"
	" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,"
	" ?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32)"
	" ON CONFLICT DO UPDATE SET"
	" name=excluded.name, name_key=excluded.name_key,"
	" credentials=excluded.credentials, license_number=excluded.license_number,"
	" license_regions=excluded.license_regions,"
	" certifications=excluded.certifications, specialties=excluded.specialties,"
	" formats=excluded.formats, languages=excluded.languages,"
	" years_experience=excluded.years_experience,"
	" accepting_new_clients=excluded.accepting_new_clients,"
	" fee_min=excluded.fee_min, fee_max=excluded.fee_max,"
	" sliding_scale=excluded.sliding_scale, address=excluded.address,"
	" city=excluded.city, region=excluded.region,"
	" postal_code=excluded.postal_code, country=excluded.country,"
	" lat=excluded.lat, lon=excluded.lon, phone=excluded.phone,"
	" email=excluded.email, show_email=excluded.show_email,"
	" website=excluded.website, bio=excluded.bio,"
	" approach=excluded.approach,"
	" updated_at=strftime('%Y-%m-%dT%H:%M:%SZ','now')"
	/* A profile its therapist manages is theirs to edit: an import
	 * (which names rows by external_id, not id) leaves it alone. */
	" WHERE therapists.owner_user_id IS NULL OR ?1 IS NOT NULL"
	" RETURNING id";

struct therapist_writer *
therapist_writer_open(sqlite3 *db, struct err *e)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db, upsert_sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st, NULL) != SQLITE_OK) {
		db_fail(db, e, "prepare therapist upsert");
		return NULL;
	}
	struct therapist_writer *w = xcalloc(1, sizeof(*w));
	w->db = db;
	w->upsert = st;
	return w;
}

void
therapist_writer_close(struct therapist_writer *w)
{
	if (w == NULL)
		return;
	sqlite3_finalize(w->upsert);
	free(w);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

static void
bind_optional_int(sqlite3_stmt *st, int i, int v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int(st, i, v);
}

int
therapist_writer_put(struct therapist_writer *w, struct therapist *t, struct err *e)
{
	sqlite3_stmt *st = w->upsert;
	struct arena *a = arena_new();
	struct buf key = BUF_INIT;
	text_fold(&key, t->name, strlen(t->name));

	if (t->id > 0)
		sqlite3_bind_int64(st, 1, t->id);
	else
		sqlite3_bind_null(st, 1);
	if (t->external_id)
		bind_text(st, 2, t->external_id);
	else
		sqlite3_bind_null(st, 2);
	bind_text(st, 3, t->name);
	bind_text(st, 4, buf_cstr(&key));
	bind_text(st, 5, t->credentials);
	bind_text(st, 6, t->license_number);
	bind_text(st, 7, t->license_regions);
	bind_text(st, 8, slug_list_format(&therapist_certifications, t->certifications, a));
	bind_text(st, 9, slug_list_format(&therapist_specialties, t->specialties, a));
	bind_text(st, 10, slug_list_format(&therapist_formats, t->formats, a));
	bind_text(st, 11, t->languages);
	bind_optional_int(st, 12, t->years_experience);
	sqlite3_bind_int(st, 13, t->accepting_new_clients);
	bind_optional_int(st, 14, t->fee_min);
	bind_optional_int(st, 15, t->fee_max);
	sqlite3_bind_int(st, 16, t->sliding_scale);
	bind_text(st, 17, t->address);
	bind_text(st, 18, t->city);
	bind_text(st, 19, t->region);
	bind_text(st, 20, t->postal_code);
	bind_text(st, 21, t->country);
	if (t->has_location) {
		sqlite3_bind_double(st, 22, t->lat);
		sqlite3_bind_double(st, 23, t->lon);
	} else {
		sqlite3_bind_null(st, 22);
		sqlite3_bind_null(st, 23);
	}
	bind_text(st, 24, t->phone);
	bind_text(st, 25, t->email);
	bind_text(st, 26, t->website);
	bind_text(st, 27, t->bio);
	bind_text(st, 28, t->approach);
	sqlite3_bind_int(st, 29, t->verified);
	if (t->verified_at)
		bind_text(st, 30, t->verified_at);
	else
		sqlite3_bind_null(st, 30);
	sqlite3_bind_int(st, 31, t->hidden);
	sqlite3_bind_int(st, 32, t->show_email);

	int rc = sqlite3_step(st);
	int ret = 0;
	if (rc == SQLITE_ROW)
		t->id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		ret = 1;	/* an owned profile, kept as its owner left it */
	else
		ret = db_fail(w->db, e, "storing therapist");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	buf_free(&key);
	arena_free(a);
	return ret;
}

int
therapist_upsert(sqlite3 *db, struct therapist *t, struct err *e)
{
	struct therapist_writer *w = therapist_writer_open(db, e);
	if (w == NULL)
		return -1;
	int rc = therapist_writer_put(w, t, e);
	therapist_writer_close(w);
	return rc;
}

static const char *
column_text(sqlite3_stmt *st, int i, struct arena *a)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return arena_strdup(a, s ? (const char *)s : "");
}

static int
column_optional_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int(st, i);
}

/* One reader for every loader, so the column list exists once. ?2 set:
 * hidden rows too (for their owner and admins). */
static int
therapist_load(sqlite3 *db, int64_t id, bool include_hidden, struct arena *a,
    struct therapist *t, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT id, external_id, name, credentials, license_number,"
	    " license_regions, certifications, specialties, formats, languages,"
	    " years_experience, accepting_new_clients, fee_min, fee_max,"
	    " sliding_scale, address, city, region, postal_code, country, lat, lon,"
	    " phone, email, website, bio, approach, verified, verified_at, hidden,"
	    " show_email"
	    " FROM therapists WHERE id = ?1 AND (hidden = 0 OR ?2)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, include_hidden);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? 1 : db_fail(db, e, "loading therapist");
	}
	therapist_init(t);
	t->id = sqlite3_column_int64(st, 0);
	t->external_id = sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL : column_text(st, 1, a);
	t->name = column_text(st, 2, a);
	t->credentials = column_text(st, 3, a);
	t->license_number = column_text(st, 4, a);
	t->license_regions = column_text(st, 5, a);
	/* Stored lists were validated on the way in; an unknown slug here
	 * would mean a newer schema, so it is skipped rather than fatal. */
	struct err ignored = ERR_INIT;
	slug_list_parse(&therapist_certifications, (const char *)sqlite3_column_text(st, 6), &t->certifications, &ignored);
	slug_list_parse(&therapist_specialties, (const char *)sqlite3_column_text(st, 7), &t->specialties, &ignored);
	slug_list_parse(&therapist_formats, (const char *)sqlite3_column_text(st, 8), &t->formats, &ignored);
	t->languages = column_text(st, 9, a);
	t->years_experience = column_optional_int(st, 10);
	t->accepting_new_clients = sqlite3_column_int(st, 11);
	t->fee_min = column_optional_int(st, 12);
	t->fee_max = column_optional_int(st, 13);
	t->sliding_scale = sqlite3_column_int(st, 14);
	t->address = column_text(st, 15, a);
	t->city = column_text(st, 16, a);
	t->region = column_text(st, 17, a);
	t->postal_code = column_text(st, 18, a);
	t->country = column_text(st, 19, a);
	t->has_location = sqlite3_column_type(st, 20) != SQLITE_NULL;
	t->lat = sqlite3_column_double(st, 20);
	t->lon = sqlite3_column_double(st, 21);
	t->phone = column_text(st, 22, a);
	t->email = column_text(st, 23, a);
	t->website = column_text(st, 24, a);
	t->bio = column_text(st, 25, a);
	t->approach = column_text(st, 26, a);
	t->verified = sqlite3_column_int(st, 27);
	t->verified_at = sqlite3_column_type(st, 28) == SQLITE_NULL ? NULL : column_text(st, 28, a);
	t->hidden = sqlite3_column_int(st, 29);
	t->show_email = sqlite3_column_int(st, 30);
	sqlite3_finalize(st);
	return 0;
}

int
therapist_get(sqlite3 *db, int64_t id, struct arena *a, struct therapist *t,
    struct err *e)
{
	return therapist_load(db, id, false, a, t, e);
}

int
therapist_get_any(sqlite3 *db, int64_t id, struct arena *a, struct therapist *t,
    struct err *e)
{
	return therapist_load(db, id, true, a, t, e);
}

/* One writer for both views, so the field list exists once; the owner's
 * view adds what only the owner decides or may see. */
static void
json_fields(struct jw *j, const struct therapist *t, bool owner)
{
	jw_kv_int(j, "id", t->id);
	jw_kv_string(j, "name", t->name);
	jw_kv_string(j, "credentials", t->credentials);
	slug_list_json(j, "certifications", &therapist_certifications, t->certifications);
	/* A facilitator leads Imago education but is not a licensed therapist. */
	jw_kv_bool(j, "licensed_therapist", t->certifications != (1u << CERT_IMAGO_FACILITATOR));
	slug_list_json(j, "specialties", &therapist_specialties, t->specialties);
	slug_list_json(j, "formats", &therapist_formats, t->formats);
	jw_kv_list(j, "languages", t->languages);
	jw_kv_string(j, "license_number", t->license_number);
	jw_kv_list(j, "license_regions", t->license_regions);
	jw_kv_optional_int(j, "years_experience", t->years_experience);
	jw_kv_bool(j, "accepting_new_clients", t->accepting_new_clients);
	jw_kv_optional_int(j, "fee_min", t->fee_min);
	jw_kv_optional_int(j, "fee_max", t->fee_max);
	jw_kv_bool(j, "sliding_scale", t->sliding_scale);
	jw_kv_string(j, "address", t->address);
	jw_kv_string(j, "city", t->city);
	jw_kv_string(j, "region", t->region);
	jw_kv_string(j, "postal_code", t->postal_code);
	jw_kv_string(j, "country", t->country);
	jw_key(j, "lat");
	if (t->has_location) jw_double(j, t->lat, 6); else jw_null(j);
	jw_key(j, "lon");
	if (t->has_location) jw_double(j, t->lon, 6); else jw_null(j);
	jw_kv_string(j, "phone", t->phone);
	/* The address is the therapist's to publish: the relay stands in. */
	if (owner || t->show_email)
		jw_kv_string(j, "email", t->email);
	if (owner)
		jw_kv_bool(j, "show_email", t->show_email);
	jw_kv_string(j, "website", t->website);
	jw_kv_string(j, "bio", t->bio);
	jw_kv_string(j, "approach", t->approach);
	jw_kv_bool(j, "verified", t->verified);
	jw_kv_string(j, "verified_at", t->verified_at);
}

void
therapist_json_fields(struct jw *j, const struct therapist *t)
{
	json_fields(j, t, false);
}

void
therapist_json_owner_fields(struct jw *j, const struct therapist *t)
{
	json_fields(j, t, true);
}

long long
therapist_count(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	long long n = 0;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM therapists", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}
