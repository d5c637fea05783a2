/*
 * Therapist profile fields from a JSON body or an HTML form. The names
 * are those of the public JSON (GET /api/v1/therapists/{id}), so a
 * client can send back what it read.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../directory/therapist.h"
#include "input.h"

const char *const profile_input_fields[] = {
	"name", "credentials", "license_number", "license_regions", "certifications",
	"specialties", "formats", "languages", "years_experience",
	"accepting_new_clients", "fee_min", "fee_max", "sliding_scale", "address",
	"city", "region", "postal_code", "country", "phone", "email", "show_email",
	"website", "bio", "approach", NULL
};

struct text_field {
	const char	*key;
	size_t		 offset;
	size_t		 max;
};

#define TEXT(k, max) { #k, offsetof(struct therapist, k), max }
static const struct text_field text_fields[] = {
	TEXT(name, THERAPIST_NAME_MAX),
	TEXT(credentials, THERAPIST_SHORT_MAX),
	TEXT(license_number, THERAPIST_SHORT_MAX),
	TEXT(address, THERAPIST_SHORT_MAX),
	TEXT(city, THERAPIST_SHORT_MAX),
	TEXT(region, THERAPIST_SHORT_MAX),
	TEXT(postal_code, THERAPIST_SHORT_MAX),
	TEXT(country, THERAPIST_SHORT_MAX),
	TEXT(phone, THERAPIST_SHORT_MAX),
	TEXT(email, THERAPIST_SHORT_MAX),
	TEXT(website, THERAPIST_URL_MAX),
	TEXT(bio, THERAPIST_LONG_MAX),
	TEXT(approach, THERAPIST_LONG_MAX),
};

static int
slug_field(const struct input *in, const char *key, const struct slug_set *set,
    uint32_t *bits, struct err *e)
{
	const char *list;
	if (input_list(in, key, &list, e) != 0)
		return -1;
	if (list == NULL)
		return 0;
	if (slug_list_parse(set, list, bits, e) != 0) {
		snprintf(e->param, sizeof(e->param), "%s", key);
		return -1;
	}
	return 0;
}

static int
int_field(const struct input *in, const char *key, long long max, int *out, struct err *e)
{
	bool present;
	long long v;
	if (input_int(in, key, 0, max, &present, &v, e) != 0)
		return -1;
	if (present)
		*out = (int)v;
	else if (input_has(in, key))
		*out = -1;	/* null or an empty field: unknown */
	return 0;
}

int
profile_from_input(const struct input *in, struct therapist *t, struct err *e)
{
	for (size_t i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++) {
		const char *v;
		if (input_text(in, text_fields[i].key, false, text_fields[i].max, &v, e) != 0)
			return -1;
		if (v != NULL)
			*(const char **)((char *)t + text_fields[i].offset) = v;
	}
	const char *list;
	if (input_list(in, "license_regions", &list, e) != 0)
		return -1;
	if (list)
		t->license_regions = list;
	if (input_list(in, "languages", &list, e) != 0)
		return -1;
	if (list)
		t->languages = list;
	if (slug_field(in, "certifications", &therapist_certifications, &t->certifications, e) != 0 ||
	    slug_field(in, "specialties", &therapist_specialties, &t->specialties, e) != 0 ||
	    slug_field(in, "formats", &therapist_formats, &t->formats, e) != 0 ||
	    int_field(in, "years_experience", 80, &t->years_experience, e) != 0 ||
	    int_field(in, "fee_min", 100000, &t->fee_min, e) != 0 ||
	    int_field(in, "fee_max", 100000, &t->fee_max, e) != 0 ||
	    input_bool(in, "accepting_new_clients", t->accepting_new_clients,
	    &t->accepting_new_clients, e) != 0 ||
	    input_bool(in, "sliding_scale", t->sliding_scale, &t->sliding_scale, e) != 0 ||
	    input_bool(in, "show_email", t->show_email, &t->show_email, e) != 0)
		return -1;
	return 0;
}
