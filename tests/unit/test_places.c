/*
 * The places module against the real gazetteer: every input form the
 * search box accepts, ranking and alternatives, hostile input, suggestions,
 * nearest place and address placement. Values asserted are the data's own
 * (GeoNames ids and coordinates, the zipcodes package's centroids).
 *
 * Needs $IMAGO_TEST_GAZETTEER_DB (a database after `imago gazetteer
 * import`); without it every test here fails, saying so, rather than
 * passing vacuously.
 */
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/places/places.h"
#include "../../src/store/db.h"

#define ID_AUSTIN	4671654
#define ID_NYC		5128581
#define ID_PORTLAND_OR	5746545
#define ID_PORTLAND_ME	4975802
#define ID_PARIS	2988507
#define ID_PARIS_TX	4717560
#define ID_ZURICH	2657896
#define ID_SAO_PAULO	3448439
#define ID_LONDON	2643743
#define ID_LONDON_ON	6058560
#define ID_LABASA	2204582

static sqlite3 *gazetteer;

static void
close_gazetteer(void)
{
	db_close(gazetteer);
}

/* The fixture, or NULL after recording why the test cannot run. */
static sqlite3 *
gaz(void)
{
	if (gazetteer != NULL)
		return gazetteer;
	const char *path = test_gazetteer_db();
	if (path == NULL) {
		test_fail(__FILE__, __LINE__, "gazetteer fixture missing: set "
		    "IMAGO_TEST_GAZETTEER_DB to a database after `imago "
		    "gazetteer import`");
		return NULL;
	}
	struct err e = ERR_INIT;
	gazetteer = db_open_readonly(path, &e);
	if (gazetteer == NULL) {
		test_fail(__FILE__, __LINE__, "cannot open %s: %s", path, e.message);
		return NULL;
	}
	atexit(close_gazetteer);
	return gazetteer;
}

/* Resolves text, recording a failure unless it succeeds. */
static int
resolve_ok(const char *text, struct place_match *m, int line)
{
	struct err e = ERR_INIT;
	if (place_resolve(gaz(), text, m, &e) == 0)
		return 1;
	test_fail(__FILE__, line, "place_resolve(\"%s\"): %d %s: %s", text,
	    e.status, e.code, e.message);
	return 0;
}

#define RESOLVES_TO(text, want_id) do { struct place_match m_; \
	if (resolve_ok((text), &m_, __LINE__)) { \
		CHECK_INT(m_.best.kind, PLACE_CITY); \
		CHECK_INT(m_.best.id, (want_id)); \
	} } while (0)

/* Resolves text, expecting failure with status and code. */
static void
resolve_fails(const char *text, int status, const char *code, int line)
{
	struct place_match m;
	struct err e = ERR_INIT;
	int rc = place_resolve(gaz(), text, &m, &e);
	if (rc != -1 || e.status != status || strcmp(e.code, code) != 0 ||
	    strcmp(e.param, "near") != 0 || e.message[0] == '\0')
		test_fail(__FILE__, line, "place_resolve(\"%.40s\") = %d, %d %s "
		    "(param \"%s\"), want -1, %d %s (param \"near\")", text ? text :
		    "(null)", rc, e.status, e.code, e.param, status, code);
}

#define FAILS(text, status, code) resolve_fails((text), (status), (code), __LINE__)

TEST(places_fixture)
{
	sqlite3 *db = gaz();
	if (db == NULL)
		return;
	CHECK(place_gazetteer_loaded(db));
}

TEST(places_kind_names)
{
	CHECK_STR(place_kind_name(PLACE_ZIP), "zip");
	CHECK_STR(place_kind_name(PLACE_POSTAL_CODE), "postal_code");
	CHECK_STR(place_kind_name(PLACE_CITY), "city");
	CHECK_STR(place_kind_name(PLACE_COORDINATES), "coordinates");
}

TEST(places_us_zip)
{
	struct place_match m;
	if (gaz() == NULL)
		return;
	const char *forms[] = { "10001", " 10001 ", "10001-1234", "10001 1234",
	    "100011234", "10001 New York, NY, United States" };
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (!resolve_ok(forms[i], &m, __LINE__))
			continue;
		CHECK_INT(m.best.kind, PLACE_ZIP);
		CHECK_STR(m.best.name, "10001");
		CHECK_NEAR(m.best.lat, 40.7484, 1e-9);
		CHECK_NEAR(m.best.lon, -73.9967, 1e-9);
		CHECK_STR(m.best.country, "US");
		CHECK_STR(m.best.region, "US-NY");
		CHECK_STR(m.best.label, "10001 New York, NY, United States");
		CHECK_INT(m.alternative_count, 0);
	}
	if (resolve_ok("78701", &m, __LINE__)) {
		CHECK_STR(m.best.label, "78701 Austin, TX, United States");
		CHECK_NEAR(m.best.lat, 30.2713, 1e-9);
	}
	FAILS("00000", 422, "unknown_location");
	/* Overseas military ZIPs (APO/FPO) are not places. */
	FAILS("09001", 422, "unknown_location");
}

TEST(places_canadian_postal_code)
{
	struct place_match m;
	if (gaz() == NULL)
		return;
	const char *forms[] = { "M5V 2T6", "m5v 2t6", "M5V2T6", "m5v", "M5V",
	    "M5V-2T6", "  m5V  ", "M5V Toronto, Ontario, Canada" };
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (!resolve_ok(forms[i], &m, __LINE__))
			continue;
		CHECK_INT(m.best.kind, PLACE_POSTAL_CODE);
		CHECK_STR(m.best.name, "M5V");
		CHECK_NEAR(m.best.lat, 43.6525, 1e-9);
		CHECK_NEAR(m.best.lon, -79.3686, 1e-9);
		CHECK_STR(m.best.country, "CA");
		CHECK_STR(m.best.region, "CA-ON");
		CHECK_STR(m.best.label, "M5V Toronto, Ontario, Canada");
	}
	/* The province comes from the row's name or else the FSA's letter;
	 * the town from the area's text ("Eastern Alberta (st. Paul)"). */
	if (resolve_ok("T0A", &m, __LINE__)) {
		CHECK_STR(m.best.region, "CA-AB");
		CHECK_STR(m.best.label, "T0A St. Paul, Alberta, Canada");
	}
	if (resolve_ok("X1A 2P7", &m, __LINE__))
		CHECK_STR(m.best.region, "CA-NT");
	/* Accents lost to U+FFFD in the source are recovered. */
	if (resolve_ok("G6V", &m, __LINE__))
		CHECK_STR(m.best.label, "G6V Lévis, Quebec, Canada");
	/* Santa Claus's H0H sits at the pole in the data: not imported. */
	FAILS("H0H 0H0", 422, "unknown_location");
	FAILS("Z9Z", 422, "unknown_location");
}

TEST(places_city)
{
	struct place_match m;
	if (gaz() == NULL)
		return;
	if (resolve_ok("Austin", &m, __LINE__)) {
		CHECK_INT(m.best.kind, PLACE_CITY);
		CHECK_INT(m.best.id, ID_AUSTIN);
		CHECK_STR(m.best.name, "Austin");
		CHECK_STR(m.best.label, "Austin, Texas, United States");
		CHECK_STR(m.best.country, "US");
		CHECK_STR(m.best.region, "US-TX");
		CHECK_NEAR(m.best.lat, 30.26715, 1e-6);
		CHECK_NEAR(m.best.lon, -97.74306, 1e-6);
		CHECK(m.best.population > 900000);
	}
	RESOLVES_TO("austin", ID_AUSTIN);
	RESOLVES_TO("AUSTIN", ID_AUSTIN);
	RESOLVES_TO("  Austin  ", ID_AUSTIN);
	RESOLVES_TO("New York", ID_NYC);
	RESOLVES_TO("new york city", ID_NYC);
	RESOLVES_TO("NYC", ID_NYC);
	RESOLVES_TO("Portland", ID_PORTLAND_OR);
	RESOLVES_TO("London", ID_LONDON);
}

TEST(places_city_with_region)
{
	struct place_match m;
	if (gaz() == NULL)
		return;
	RESOLVES_TO("Austin, TX", ID_AUSTIN);
	RESOLVES_TO("Austin, Texas", ID_AUSTIN);
	RESOLVES_TO("austin,tx", ID_AUSTIN);
	RESOLVES_TO("Austin, US-TX", ID_AUSTIN);
	RESOLVES_TO("Portland, Oregon", ID_PORTLAND_OR);
	RESOLVES_TO("Portland, OR", ID_PORTLAND_OR);
	RESOLVES_TO("Portland, ME", ID_PORTLAND_ME);
	RESOLVES_TO("Portland, Maine", ID_PORTLAND_ME);
	RESOLVES_TO("New York, NY", ID_NYC);
	RESOLVES_TO("Paris, Texas", ID_PARIS_TX);
	RESOLVES_TO("Paris, TX", ID_PARIS_TX);
	RESOLVES_TO("London, Ontario", ID_LONDON_ON);
	RESOLVES_TO("London, ON", ID_LONDON_ON);
	/* Region by GeoNames admin1 code too ("08" is Ontario). */
	RESOLVES_TO("London, 08", ID_LONDON_ON);
	RESOLVES_TO("Zurich, ZH", ID_ZURICH);
	if (resolve_ok("Portland, ME", &m, __LINE__)) {
		CHECK_STR(m.best.label, "Portland, Maine, United States");
		CHECK_STR(m.best.region, "US-ME");
	}
	/* A region the city is not in matches nothing. */
	FAILS("Austin, Oregon", 422, "unknown_location");
}

TEST(places_city_with_country)
{
	struct place_match m;
	if (gaz() == NULL)
		return;
	RESOLVES_TO("Paris, France", ID_PARIS);
	RESOLVES_TO("Paris, FR", ID_PARIS);
	RESOLVES_TO("Paris, FRA", ID_PARIS);
	RESOLVES_TO("paris, fr", ID_PARIS);
	RESOLVES_TO("Paris, USA", ID_PARIS_TX);
	RESOLVES_TO("Paris, United States", ID_PARIS_TX);
	RESOLVES_TO("Paris, United States of America", ID_PARIS_TX);
	RESOLVES_TO("London, UK", ID_LONDON);
	RESOLVES_TO("London, United Kingdom", ID_LONDON);
	RESOLVES_TO("London, Great Britain", ID_LONDON);
	RESOLVES_TO("London, Canada", ID_LONDON_ON);
	RESOLVES_TO("London, CA", ID_LONDON_ON);
	RESOLVES_TO("Zurich, Switzerland", ID_ZURICH);
	RESOLVES_TO("Zurich, CH", ID_ZURICH);
	if (resolve_ok("Paris, FR", &m, __LINE__)) {
		CHECK_STR(m.best.country, "FR");
		CHECK_STR(m.best.label, "Paris, Île-de-France, France");
		/* Only places in France are alternatives. */
		for (int i = 0; i < m.alternative_count; i++)
			CHECK_STR(m.alternatives[i].country, "FR");
	}
	FAILS("Paris, Germany", 422, "unknown_location");
	FAILS("Paris, Xyzzyland", 422, "unknown_location");
}

TEST(places_city_region_country)
{
	if (gaz() == NULL)
		return;
	RESOLVES_TO("Austin, Texas, United States", ID_AUSTIN);
	RESOLVES_TO("Austin, TX, USA", ID_AUSTIN);
	RESOLVES_TO("Paris, TX, US", ID_PARIS_TX);
	RESOLVES_TO("Paris, Île-de-France, France", ID_PARIS);
	RESOLVES_TO("London, Ontario, Canada", ID_LONDON_ON);
	RESOLVES_TO("London, England, UK", ID_LONDON);
	/* A label pasted back in resolves to the same place. */
	RESOLVES_TO("Portland, Maine, United States", ID_PORTLAND_ME);
	/* Extra parts in the middle are ignored. */
	RESOLVES_TO("Austin, Travis County, TX, USA", ID_AUSTIN);
	RESOLVES_TO("Austin, a, b, c, d, e, f, g, h, i, j, TX, USA", ID_AUSTIN);
	/* Region and country must agree. */
	FAILS("Paris, Texas, France", 422, "unknown_location");
}

TEST(places_without_commas)
{
	if (gaz() == NULL)
		return;
	RESOLVES_TO("Portland Oregon", ID_PORTLAND_OR);
	RESOLVES_TO("Portland ME", ID_PORTLAND_ME);
	RESOLVES_TO("Paris France", ID_PARIS);
	RESOLVES_TO("Paris Texas", ID_PARIS_TX);
	RESOLVES_TO("Austin TX USA", ID_AUSTIN);
	RESOLVES_TO("Sao Paulo Brazil", ID_SAO_PAULO);
}

TEST(places_accents_and_case)
{
	struct place_match m;
	if (gaz() == NULL)
		return;
	const char *zurich[] = { "Zürich", "Zurich", "ZURICH", "zürich", "ZÜRICH",
	    "Zu\xcc\x88rich" /* u + combining diaeresis */ };
	for (size_t i = 0; i < sizeof(zurich) / sizeof(zurich[0]); i++) {
		if (!resolve_ok(zurich[i], &m, __LINE__))
			continue;
		CHECK_INT(m.best.id, ID_ZURICH);
		CHECK_STR(m.best.country, "CH");
		CHECK_STR(m.best.region, "CH-ZH");
		CHECK_STR(m.best.name, "Zürich");
	}
	RESOLVES_TO("São Paulo", ID_SAO_PAULO);
	RESOLVES_TO("Sao Paulo", ID_SAO_PAULO);
	RESOLVES_TO("SÃO PAULO", ID_SAO_PAULO);
	RESOLVES_TO("sao-paulo", ID_SAO_PAULO);
	if (resolve_ok("Sao Paulo", &m, __LINE__)) {
		/* The state repeats the city's name, so the label skips it. */
		CHECK_STR(m.best.label, "São Paulo, Brazil");
		CHECK_STR(m.best.region, "BR-SP");
	}
	/* Names in other scripts are GeoNames alternate names. */
	RESOLVES_TO("東京", 1850147);
	RESOLVES_TO("Москва", 524901);
}

TEST(places_ambiguous_alternatives)
{
	struct place_match m;
	if (gaz() == NULL)
		return;
	if (resolve_ok("Paris", &m, __LINE__)) {
		CHECK_INT(m.best.id, ID_PARIS);
		CHECK_INT(m.alternative_count, PLACE_MAX_ALTERNATIVES);
		bool texas = false;
		for (int i = 0; i < m.alternative_count; i++) {
			const struct place *a = &m.alternatives[i];
			CHECK(a->id != m.best.id);
			CHECK_INT(a->kind, PLACE_CITY);
			CHECK(a->label[0] != '\0');
			for (int j = 0; j < i; j++)
				CHECK(a->id != m.alternatives[j].id);
			texas |= a->id == ID_PARIS_TX;
		}
		CHECK(texas);
		/* Places called Paris come first, most populous first. */
		CHECK_INT(m.alternatives[0].id, ID_PARIS_TX);
		for (int i = 1; i < 3; i++)
			CHECK(m.alternatives[i - 1].population >=
			    m.alternatives[i].population);
		for (int i = 0; i < 3; i++)
			CHECK_STR(m.alternatives[i].name, "Paris");
	}
	if (resolve_ok("Portland", &m, __LINE__)) {
		CHECK_INT(m.best.id, ID_PORTLAND_OR);
		CHECK(m.alternative_count > 0);
		CHECK_INT(m.alternatives[0].id, ID_PORTLAND_ME);
	}
	/* An old name of a big city does not beat a city of that name:
	 * "Salem" is not Jerusalem, "Waterloo" not Austin. */
	if (resolve_ok("Salem, Oregon", &m, __LINE__))
		CHECK_STR(m.best.name, "Salem");
	if (resolve_ok("Waterloo", &m, __LINE__))
		CHECK_STR(m.best.name, "Waterloo");
	/* A unique name has no alternatives. */
	if (resolve_ok("Zürich", &m, __LINE__))
		CHECK(m.alternative_count <= PLACE_MAX_ALTERNATIVES);
}

TEST(places_coordinates)
{
	struct place_match m;
	if (gaz() == NULL)
		return;
	const char *forms[] = { "40.75,-73.99", "40.75, -73.99", " 40.75 , -73.99 ",
	    "40.750,-73.990" };
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (!resolve_ok(forms[i], &m, __LINE__))
			continue;
		CHECK_INT(m.best.kind, PLACE_COORDINATES);
		CHECK_NEAR(m.best.lat, 40.75, 1e-12);
		CHECK_NEAR(m.best.lon, -73.99, 1e-12);
		CHECK_STR(m.best.label, "40.75, -73.99");
		CHECK_STR(m.best.country, "US");
		CHECK_STR(m.best.region, "US-NY");
		CHECK_INT(m.best.id, 0);
		CHECK_INT(m.alternative_count, 0);
	}
	if (resolve_ok("47.37,8.54", &m, __LINE__)) {
		CHECK_STR(m.best.country, "CH");
		CHECK_STR(m.best.region, "CH-ZH");
	}
	if (resolve_ok("0,0", &m, __LINE__)) {
		CHECK_STR(m.best.label, "0, 0");
		CHECK_STR(m.best.country, "");	/* the Gulf of Guinea */
	}
	if (resolve_ok("-33.8688, 151.2093", &m, __LINE__))
		CHECK_STR(m.best.country, "AU");
	if (resolve_ok("90,180", &m, __LINE__))
		CHECK_STR(m.best.label, "90, 180");
	FAILS("91,0", 400, "invalid_parameter");
	FAILS("0,181", 400, "invalid_parameter");
	FAILS("-90.5,10", 400, "invalid_parameter");
	FAILS("1e3,5", 400, "invalid_parameter");
}

TEST(places_nearest)
{
	struct place p;
	struct err e = ERR_INIT;
	sqlite3 *db = gaz();
	if (db == NULL)
		return;
	CHECK_INT(place_nearest(db, 40.71427, -74.00597, &p, &e), 0);
	CHECK_INT(p.id, ID_NYC);
	CHECK_STR(p.region, "US-NY");
	CHECK_INT(place_nearest(db, 47.36667, 8.55, &p, &e), 0);
	CHECK_INT(p.id, ID_ZURICH);
	/* Across the antimeridian: Labasa, Fiji (179.36 E) is nearer to
	 * 179.9 W than Tubou (178.81 W) is. */
	CHECK_INT(place_nearest(db, -16.5, -179.9, &p, &e), 0);
	CHECK_INT(p.id, ID_LABASA);
	CHECK_STR(p.country, "FJ");
	/* Mid-Atlantic: nothing within a few hundred km. */
	CHECK_INT(place_nearest(db, 30.0, -40.0, &p, &e), 1);
	CHECK_INT(place_nearest(db, 95.0, 0.0, &p, &e), -1);
	CHECK_INT(e.status, 400);
}

TEST(places_unknown)
{
	if (gaz() == NULL)
		return;
	FAILS("Xyzzyville", 422, "unknown_location");
	FAILS("Xyzzyville, TX", 422, "unknown_location");
	FAILS("Austin, Xyzzy", 422, "unknown_location");
	FAILS("!!!", 422, "unknown_location");
	FAILS(",,,", 422, "unknown_location");
	FAILS("Austin, %", 422, "unknown_location");
}

TEST(places_invalid_input)
{
	char big[10240], edge[PLACE_QUERY_MAX + 2];
	if (gaz() == NULL)
		return;
	FAILS(NULL, 400, "invalid_parameter");
	FAILS("", 400, "invalid_parameter");
	FAILS("   ", 400, "invalid_parameter");
	FAILS("\t\n", 400, "invalid_parameter");
	FAILS("\xff", 400, "invalid_parameter");
	FAILS("Z\xc3", 400, "invalid_parameter");		/* truncated */
	FAILS("\xc0\xaf" "etc", 400, "invalid_parameter");	/* overlong */
	FAILS("\xed\xa0\x80", 400, "invalid_parameter");	/* surrogate */
	FAILS("Austin\x01", 400, "invalid_parameter");
	FAILS("Aus\x1btin", 400, "invalid_parameter");
	FAILS("\x7f", 400, "invalid_parameter");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	FAILS(big, 400, "invalid_parameter");
	/* Exactly the limit is read; one byte more is not. */
	memset(edge, 'q', sizeof(edge) - 1);
	edge[PLACE_QUERY_MAX] = '\0';
	FAILS(edge, 422, "unknown_location");
	edge[PLACE_QUERY_MAX] = 'q';
	edge[PLACE_QUERY_MAX + 1] = '\0';
	FAILS(edge, 400, "invalid_parameter");
}

TEST(places_hostile_input)
{
	static const char *const hostile[] = {
		"'; DROP TABLE places; --",
		"Austin' OR '1'='1",
		"\" OR 1=1 --",
		"Paris, FR' --",
		"%", "_", "%%%", "a%", "_ustin", "Aus%",
		"*", "?", "[a-z]", "\\", "\\%",
		"Austin; DELETE FROM place_names",
		"<script>alert(1)</script>",
		"Austin, TX, US, US, US, US, US, US, US, US, US, US",
		",,Austin,,", "Austin,", ",Austin",
		"-", "--", "0x10,0x20", "nan,nan", "inf,-inf", "1e999,1",
		"\xef\xbf\xbd", "\xf0\x9f\x98\x80",	/* U+FFFD, an emoji */
		"\xe2\x80\xae" "nitsuA",		/* right-to-left override */
	};
	sqlite3 *db = gaz();
	if (db == NULL)
		return;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct place_match m;
		struct err e = ERR_INIT;
		int rc = place_resolve(db, hostile[i], &m, &e);
		/* Either a place or a clean 4xx: never a 500. */
		if (rc != 0 && (e.status < 400 || e.status >= 500))
			test_fail(__FILE__, __LINE__, "\"%s\": %d %s", hostile[i],
			    e.status, e.message);
		struct place out[10];
		e = (struct err)ERR_INIT;
		rc = place_suggest(db, hostile[i], out, 10, &e);
		if (rc < 0 && e.status >= 500)
			test_fail(__FILE__, __LINE__, "suggest \"%s\": %s",
			    hostile[i], e.message);
	}
	/* LIKE and GLOB characters are not patterns. */
	FAILS("_ustin", 422, "unknown_location");
	FAILS("Austi%", 422, "unknown_location");
	FAILS("Aust*", 422, "unknown_location");
	/* Nothing was dropped. */
	RESOLVES_TO("Austin, TX", ID_AUSTIN);
	/* A trailing comma leaves just the city. */
	RESOLVES_TO("Austin,", ID_AUSTIN);
}

TEST(places_suggest)
{
	struct place out[10];
	struct err e = ERR_INIT;
	sqlite3 *db = gaz();
	if (db == NULL)
		return;
	int n = place_suggest(db, "zur", out, 10, &e);
	CHECK(n > 0 && n <= 10);
	if (n > 0)
		CHECK_INT(out[0].id, ID_ZURICH);
	for (int i = 1; i < n; i++) {
		CHECK(out[i - 1].population >= out[i].population);
		for (int j = 0; j < i; j++)
			CHECK(out[i].id != out[j].id);
	}
	n = place_suggest(db, "New Y", out, 10, &e);
	CHECK(n > 0);
	if (n > 0)
		CHECK_INT(out[0].id, ID_NYC);
	n = place_suggest(db, "sao pau", out, 3, &e);
	CHECK(n > 0 && n <= 3);
	if (n > 0)
		CHECK_INT(out[0].id, ID_SAO_PAULO);
	n = place_suggest(db, "Zür", out, 10, &e);
	CHECK(n > 0);
	if (n > 0)
		CHECK_INT(out[0].id, ID_ZURICH);
	/* Qualifiers after a comma do not stop suggestions. */
	n = place_suggest(db, "Austin, T", out, 5, &e);
	CHECK(n > 0);
	if (n > 0)
		CHECK_INT(out[0].id, ID_AUSTIN);
	/* ZIP prefixes suggest ZIPs, in order. */
	n = place_suggest(db, "1000", out, 3, &e);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(out[0].name, "10001");
		CHECK_STR(out[1].name, "10002");
		CHECK_INT(out[0].kind, PLACE_ZIP);
		CHECK_STR(out[0].label, "10001 New York, NY, United States");
	}
	/* One letter still answers, bounded. */
	n = place_suggest(db, "s", out, 10, &e);
	CHECK_INT(n, 10);
	CHECK_INT(place_suggest(db, "", out, 10, &e), 0);
	CHECK_INT(place_suggest(db, "   ", out, 10, &e), 0);
	CHECK_INT(place_suggest(db, NULL, out, 10, &e), 0);
	CHECK_INT(place_suggest(db, "zur", out, 0, &e), 0);
	CHECK_INT(place_suggest(db, "xqzxqzxqz", out, 10, &e), 0);
	CHECK_INT(place_suggest(db, "!!!", out, 10, &e), 0);
	CHECK_INT(place_suggest(db, "\xff", out, 10, &e), -1);
	CHECK_INT(e.status, 400);
}

TEST(places_locate_address)
{
	struct place p;
	struct err e = ERR_INIT;
	sqlite3 *db = gaz();
	if (db == NULL)
		return;
	CHECK_INT(place_locate_address(db, "10001", "", "", "US", &p, &e), 0);
	CHECK_INT(p.kind, PLACE_ZIP);
	CHECK_NEAR(p.lat, 40.7484, 1e-9);
	/* The country may be a name, and may be left out for a US ZIP. */
	CHECK_INT(place_locate_address(db, "10001-1234", NULL, NULL,
	    "United States", &p, &e), 0);
	CHECK_STR(p.name, "10001");
	CHECK_INT(place_locate_address(db, "10001", NULL, NULL, NULL, &p, &e), 0);
	CHECK_STR(p.name, "10001");
	CHECK_INT(place_locate_address(db, "m5v 2t6", "Toronto", "ON", "Canada",
	    &p, &e), 0);
	CHECK_INT(p.kind, PLACE_POSTAL_CODE);
	CHECK_STR(p.name, "M5V");
	/* No such ZIP: the city, region and country place it instead. */
	CHECK_INT(place_locate_address(db, "99999", "Austin", "Texas", "USA",
	    &p, &e), 0);
	CHECK_INT(p.id, ID_AUSTIN);
	CHECK_INT(place_locate_address(db, "", "Austin", "TX", "US", &p, &e), 0);
	CHECK_INT(p.id, ID_AUSTIN);
	CHECK_INT(place_locate_address(db, "", "Paris", "", "France", &p, &e), 0);
	CHECK_INT(p.id, ID_PARIS);
	CHECK_INT(place_locate_address(db, "", "Paris", "TX", "US", &p, &e), 0);
	CHECK_INT(p.id, ID_PARIS_TX);
	CHECK_INT(place_locate_address(db, "8001", "Zürich", "", "CH", &p, &e), 0);
	CHECK_INT(p.id, ID_ZURICH);
	/* A misspelt region falls back to city and country. */
	CHECK_INT(place_locate_address(db, "", "Portland", "Oregn", "US", &p, &e), 0);
	CHECK_INT(p.id, ID_PORTLAND_OR);
	/* The ZIP's shape names the country when the row does not. */
	CHECK_INT(place_locate_address(db, "00000", "Portland", "Maine", "", &p, &e), 0);
	CHECK_INT(p.id, ID_PORTLAND_ME);
	/* A Canadian-shaped code is not looked up as American, and back. */
	CHECK_INT(place_locate_address(db, "M5V", "", "", "US", &p, &e), 1);
	CHECK_INT(place_locate_address(db, "10001", "", "", "Canada", &p, &e), 1);
	/* A bare city is too ambiguous; nothing at all is not found. */
	CHECK_INT(place_locate_address(db, "", "Springfield", "", "", &p, &e), 1);
	CHECK_INT(place_locate_address(db, "", "", "", "", &p, &e), 1);
	CHECK_INT(place_locate_address(db, NULL, NULL, NULL, NULL, &p, &e), 1);
	CHECK_INT(place_locate_address(db, "", "Xyzzyville", "", "US", &p, &e), 1);
	CHECK_INT(place_locate_address(db, "", "Austin", "", "Xyzzyland", &p, &e), 1);
	CHECK_INT(place_locate_address(db, "\xff", "Aus\xfftin", "", "US", &p, &e), 1);
	CHECK_INT(e.status, 0);
}

TEST(places_names)
{
	char name[64];
	sqlite3 *db = gaz();
	if (db == NULL)
		return;
	CHECK_STR(place_country_name(db, "US", name, sizeof(name)), "United States");
	CHECK_STR(place_country_name(db, "us", name, sizeof(name)), "United States");
	CHECK_STR(place_country_name(db, "CH", name, sizeof(name)), "Switzerland");
	CHECK_STR(place_country_name(db, "CA", name, sizeof(name)), "Canada");
	CHECK(place_country_name(db, "XX", name, sizeof(name)) == NULL);
	CHECK(place_country_name(db, "", name, sizeof(name)) == NULL);
	CHECK(place_country_name(db, NULL, name, sizeof(name)) == NULL);
	CHECK(place_country_name(db, "' OR 1=1 --", name, sizeof(name)) == NULL);
	CHECK_STR(place_language_name(db, "en", name, sizeof(name)), "English");
	CHECK_STR(place_language_name(db, "DE", name, sizeof(name)), "German");
	CHECK(place_language_name(db, "zz", name, sizeof(name)) == NULL);
	/* Truncation never splits a character. */
	char tiny[6];
	CHECK_STR(place_country_name(db, "AX", tiny, sizeof(tiny)), "Ålan");
	CHECK_STR(place_country_name(db, "CI", tiny, sizeof(tiny)), "Ivory");
}

/* A database without a gazetteer says so (503), except for coordinates,
 * which need no gazetteer. Needs no fixture. */
TEST(places_without_gazetteer)
{
	char path[512];
	struct err e = ERR_INIT;
	struct place_match m;
	struct place p[4];
	snprintf(path, sizeof(path), "%s/empty-gazetteer.db", test_tmpdir());
	sqlite3 *db = db_open(path, &e);
	CHECK(db != NULL);
	if (db == NULL)
		return;
	CHECK(db_migrate(db, &e) >= 0);
	CHECK(!place_gazetteer_loaded(db));
	const char *inputs[] = { "Austin", "Austin, TX", "Paris, France",
	    "Austin, Texas, USA", "10001", "M5V" };
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		e = (struct err)ERR_INIT;
		CHECK_INT(place_resolve(db, inputs[i], &m, &e), -1);
		CHECK_INT(e.status, 503);
		CHECK_STR(e.code, "gazetteer_missing");
	}
	e = (struct err)ERR_INIT;
	CHECK_INT(place_resolve(db, "40.75,-73.99", &m, &e), 0);
	CHECK_STR(m.best.label, "40.75, -73.99");
	CHECK_STR(m.best.country, "");
	CHECK_INT(place_suggest(db, "aus", p, 4, &e), 0);
	CHECK_INT(place_nearest(db, 40.75, -73.99, p, &e), 1);
	char name[32];
	CHECK(place_country_name(db, "US", name, sizeof(name)) == NULL);
	db_close(db);
}

/* A resolve runs per search request: it must stay well under 1 ms. */
TEST(places_resolve_speed)
{
	static const char *const inputs[] = { "Austin, TX", "10001", "M5V 2T6",
	    "Paris", "New York", "Zürich", "40.75,-73.99", "Xyzzyville",
	    "Springfield", "San Jose" };
	sqlite3 *db = gaz();
	if (db == NULL)
		return;
	enum { ROUNDS = 20 };
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int r = 0; r < ROUNDS; r++)
		for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
			struct place_match m;
			struct err e = ERR_INIT;
			place_resolve(db, inputs[i], &m, &e);
		}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ms = ((double)(b.tv_sec - a.tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e6) /
	    (ROUNDS * (double)(sizeof(inputs) / sizeof(inputs[0])));
	/* Generous: this runs under ASan on a shared machine. */
	if (ms > 5.0)
		test_fail(__FILE__, __LINE__, "place_resolve takes %.3f ms", ms);
}
