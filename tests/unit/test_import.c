/*
 * The CSV importer and the demo generator, against real databases in the
 * test's temporary directory: columns in any order, header errors,
 * upserts, all or nothing against --skip-invalid, FILE:LINE reports, bulk
 * mode keeping the search index right, placement by postal code and by
 * city, and the demo's determinism and placement on real cities.
 *
 * Tests that place rows or make demo data copy the gazetteer fixture
 * ($IMAGO_TEST_GAZETTEER_DB); without it they fail, saying so, rather than
 * pass vacuously.
 */
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/directory/demo.h"
#include "../../src/directory/import.h"
#include "../../src/directory/therapist.h"
#include "../../src/store/db.h"
#include "../../src/util/buf.h"
#include "../../src/util/geo.h"

static char *
tmp_path(const char *name)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s/%s", test_tmpdir(), name);
	return buf_detach(&b);
}

/* A new, migrated database without the gazetteer. */
static sqlite3 *
fresh_db(const char *name)
{
	char *path = tmp_path(name);
	unlink(path);
	struct err e = ERR_INIT;
	sqlite3 *db = db_open(path, &e);
	if (db == NULL || db_migrate(db, &e) < 0) {
		test_fail(__FILE__, __LINE__, "cannot create %s: %s", path, e.message);
		db_close(db);
		db = NULL;
	}
	free(path);
	return db;
}

/* A private copy of the gazetteer fixture, or NULL (and a failure). */
static sqlite3 *
gazetteer_copy(const char *name)
{
	const char *src_path = test_gazetteer_db();
	if (src_path == NULL) {
		test_fail(__FILE__, __LINE__, "gazetteer fixture missing: set "
		    "IMAGO_TEST_GAZETTEER_DB to a database after `imago gazetteer import`");
		return NULL;
	}
	struct err e = ERR_INIT;
	sqlite3 *src = db_open_readonly(src_path, &e);
	sqlite3 *db = fresh_db(name);
	if (src == NULL || db == NULL) {
		db_close(src);
		db_close(db);
		return NULL;
	}
	sqlite3_backup *bk = sqlite3_backup_init(db, "main", src, "main");
	int rc = bk ? sqlite3_backup_step(bk, -1) : SQLITE_ERROR;
	sqlite3_backup_finish(bk);
	db_close(src);
	if (rc != SQLITE_DONE || db_migrate(db, &e) < 0) {
		test_fail(__FILE__, __LINE__, "cannot copy the gazetteer: %s",
		    sqlite3_errmsg(db));
		db_close(db);
		return NULL;
	}
	return db;
}

static char *
write_file(const char *name, const char *content)
{
	char *path = tmp_path(name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fputs(content, f) < 0 || fclose(f) != 0)
		test_fail(__FILE__, __LINE__, "cannot write %s", path);
	return path;
}

struct run {
	int			 rc;
	struct import_result	 res;
	struct err		 e;
	char			*report;	/* with the temp dir cut off */
};

/* Imports a file, capturing the report with paths made relative. */
static struct run
import_file(sqlite3 *db, const char *path, bool skip_invalid)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	char *text = NULL;
	size_t len = 0;
	FILE *report = open_memstream(&text, &len);
	struct import_options opt = { skip_invalid, false, report };
	r.rc = import_therapists(db, path, &opt, &r.res, &r.e);
	fclose(report);
	/* "/tmp/imago-unit-XXXXXX/a.csv:3: ..." -> "a.csv:3: ..." */
	struct buf b = BUF_INIT;
	size_t dir = strlen(test_tmpdir()) + 1;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line + 1) : strlen(line);
		if (strncmp(line, test_tmpdir(), dir - 1) == 0 && n > dir) {
			line += dir;
			n -= dir;
		}
		buf_put(&b, line, n);
		line += n;
	}
	free(text);
	r.report = buf_detach(&b);
	return r;
}

/* The rows of a query, columns joined by '|', rows by '\n'. */
static char *
query(sqlite3 *db, const char *sql)
{
	struct buf b = BUF_INIT;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		test_fail(__FILE__, __LINE__, "%s: %s", sql, sqlite3_errmsg(db));
		return buf_detach(&b);
	}
	for (int row = 0; sqlite3_step(st) == SQLITE_ROW; row++) {
		if (row)
			buf_putc(&b, '\n');
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *s = sqlite3_column_text(st, i);
			buf_printf(&b, "%s%s", i ? "|" : "", s ? (const char *)s : "NULL");
		}
	}
	sqlite3_finalize(st);
	return buf_detach(&b);
}

static long long
query_int(sqlite3 *db, const char *sql)
{
	char *s = query(db, sql);
	long long v = strtoll(s, NULL, 10);
	free(s);
	return v;
}

/* Summaries name the file by its full path: look for a part. */
static void
check_e_has(const struct run *r, const char *want, int line)
{
	if (strstr(r->e.message, want) == NULL)
		test_fail(__FILE__, line, "error \"%s\" lacks \"%s\"", r->e.message, want);
}

#define CHECK_QUERY(db, sql, want) do { char *q_ = query((db), (sql)); \
	CHECK_STR(q_, (want)); free(q_); } while (0)

TEST(import_columns_in_any_order)
{
	sqlite3 *db = fresh_db("order.db");
	char *path = write_file("order.csv",
	    "languages,lat,name,fee_max,external_id,lon,certifications,country,"
	    "accepting_new_clients,fee_min,sliding_scale,formats,years_experience\n"
	    "EN; es,40.5,  Ann Lee  ,150,t-1,-73.25,supervisor;certified_imago_therapist,us,"
	    "Yes,100,0,online;in_person,12\n"
	    "fr,,Bea,,t-2,,,,,,,,\n");
	struct run r = import_file(db, path, false);
	CHECK_INT(r.rc, 0);
	CHECK_STR(r.report, "");
	CHECK_INT(r.res.rows, 2);
	CHECK_INT(r.res.inserted, 2);
	CHECK_INT(r.res.updated, 0);
	CHECK_INT(r.res.rejected, 0);
	CHECK_QUERY(db, "SELECT external_id, name, languages, lat, lon, fee_min,"
	    " fee_max, certifications, country, accepting_new_clients,"
	    " sliding_scale, formats, years_experience FROM therapists ORDER BY id",
	    "t-1|Ann Lee|en;es|40.5|-73.25|100|150|certified_imago_therapist;supervisor|US|1|0|in_person;online|12\n"
	    "t-2|Bea|fr|NULL|NULL|NULL|NULL|||0|0||NULL");
	free(path);
	free(r.report);
	db_close(db);
}

TEST(import_header_problems)
{
	sqlite3 *db = fresh_db("header.db");
	char *path = write_file("header.csv", "name,nmae,city,name\nAnn,x,y,z\n");
	struct run r = import_file(db, path, true);
	CHECK_INT(r.rc, -1);
	CHECK_STR(r.report,
	    "header.csv:1: unknown column \"nmae\" (column 2); the columns are listed by `imago import --help`\n"
	    "header.csv:1: duplicate column \"name\" (columns 1 and 4)\n"
	    "header.csv:1: missing required column \"external_id\"\n");
	CHECK(strstr(r.e.message, "the header row has 3 problems; nothing imported") != NULL);
	CHECK_INT(therapist_count(db), 0);
	free(path);
	free(r.report);

	path = write_file("trailing.csv", "external_id,name,\nx,y,\n");
	r = import_file(db, path, false);
	CHECK_INT(r.rc, -1);
	CHECK_STR(r.report, "trailing.csv:1: column 3 has no name (a trailing comma?)\n");
	free(path);
	free(r.report);

	path = write_file("empty.csv", "");
	r = import_file(db, path, false);
	CHECK_INT(r.rc, -1);
	CHECK_STR(r.report, "empty.csv:1: the file is empty: the first line must name the columns\n");
	free(path);
	free(r.report);

	/* A BOM and CRLF line ends are fine; header names may have spaces. */
	path = write_file("bom.csv", "\xef\xbb\xbf" "external_id , name\r\nb-1,Bo\r\n");
	r = import_file(db, path, false);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.res.inserted, 1);
	CHECK_QUERY(db, "SELECT external_id, name FROM therapists", "b-1|Bo");
	free(path);
	free(r.report);

	r = import_file(db, "/nonexistent/x.csv", false);
	CHECK_INT(r.rc, -1);
	CHECK_STR(r.e.message, "cannot open /nonexistent/x.csv: No such file or directory");
	free(r.report);
	db_close(db);
}

TEST(import_upserts_by_external_id)
{
	sqlite3 *db = fresh_db("upsert.db");
	char *path = write_file("v1.csv",
	    "external_id,name,fee_min,bio\n"
	    "u-1,Ann,100,First text\n"
	    "u-2,Bob,90,\n");
	struct run r = import_file(db, path, false);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.res.inserted, 2);
	free(path);
	free(r.report);

	path = write_file("v2.csv",
	    "name,external_id,bio\n"
	    "Ann Lee,u-1,Second text about blended families\n"
	    "Bob,u-2,\n"
	    "Cy,u-3,\n");
	r = import_file(db, path, false);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.res.inserted, 1);
	CHECK_INT(r.res.updated, 2);
	/* Same ids; a column left out of the file is reset to unset. */
	CHECK_QUERY(db, "SELECT id, external_id, name, fee_min, bio FROM therapists ORDER BY id",
	    "1|u-1|Ann Lee|NULL|Second text about blended families\n"
	    "2|u-2|Bob|NULL|\n"
	    "3|u-3|Cy|NULL|");
	/* The search index follows the update. */
	CHECK_INT(query_int(db, "SELECT count(*) FROM therapist_fts WHERE therapist_fts MATCH 'blended'"), 1);
	CHECK_INT(query_int(db, "SELECT count(*) FROM therapist_fts WHERE therapist_fts MATCH 'first'"), 0);
	free(path);
	free(r.report);
	db_close(db);
}

static const char invalid_csv[] =
	"external_id,name,fee_min,fee_max,email,accepting_new_clients,specialties,lat,lon,bio\n"
	"r-1,Ann,100,150,ann@example.com,yes,premarital,,,\"two\n"
	"lines\"\n"
	"r-2,Bob,200,100,,,,,,\n"				/* line 4 */
	"r-3,Cy,,,not-an-email,,,,,\n"				/* line 5 */
	"r-4,Di,,,,maybe,,,,\n"					/* line 6 */
	"r-5,Ed,,,,,premarital;yoga,,,\n"			/* line 7 */
	"r-1,Fay,,,,,,,,\n"					/* line 8 */
	"r-6,Gus,,,,,,12.5,,\n"					/* line 9 */
	"r-7,Hal\n"						/* line 10 */
	"r-8,\xff\xfe,,,,,,,,\n"				/* line 11 */
	"r-9,,,,,,,,,\n"					/* line 12 */
	"r-10,Ida,x1,,,,,,,\n"					/* line 13 */
	"r-11,Jo,,,,,,95,10,\n"					/* line 14 */
	"r-12,Kim,,,,,,,,\n";					/* line 15 */

static const char invalid_report[] =
	"invalid.csv:4: fee_max must not be less than fee_min\n"
	"invalid.csv:5: email \"not-an-email\" is not an email address\n"
	"invalid.csv:6: accepting_new_clients must be true or false (or yes/no, 1/0), not \"maybe\"\n"
	"invalid.csv:7: specialties: unknown specialty \"yoga\" (allowed: relationship_enhancement,"
	" premarital, crisis_infidelity, repetitive_conflict, individual_growth, divorce_separation,"
	" blended_families, lgbtq, workshops)\n"
	"invalid.csv:8: external_id \"r-1\" is already used on line 2\n"
	"invalid.csv:9: lon is empty but lat is not: give both or neither\n"
	"invalid.csv:10: the row has 2 fields but the header has 10\n"
	"invalid.csv:11: field 2 is not valid UTF-8\n"
	"invalid.csv:12: name is required\n"
	"invalid.csv:13: fee_min must be a whole number from 0 to 100000, not \"x1\"\n"
	"invalid.csv:14: lat must be a number from -90 to 90, not \"95\"\n";

TEST(import_all_or_nothing)
{
	sqlite3 *db = fresh_db("strict.db");
	char *path = write_file("invalid.csv", invalid_csv);
	struct run r = import_file(db, path, false);
	CHECK_INT(r.rc, -1);
	CHECK_STR(r.report, invalid_report);
	check_e_has(&r, "11 invalid rows in ", __LINE__);
	check_e_has(&r, "invalid.csv; nothing imported (--skip-invalid imports the valid rows)",
	    __LINE__);
	CHECK_INT(r.res.rows, 13);
	CHECK_INT(r.res.rejected, 11);
	CHECK_INT(r.res.inserted, 0);
	CHECK_INT(therapist_count(db), 0);
	free(path);
	free(r.report);
	db_close(db);
}

TEST(import_skip_invalid)
{
	sqlite3 *db = fresh_db("skip.db");
	char *path = write_file("invalid.csv", invalid_csv);
	struct run r = import_file(db, path, true);
	CHECK_INT(r.rc, 0);
	CHECK_STR(r.report, invalid_report);
	CHECK_INT(r.res.rows, 13);
	CHECK_INT(r.res.rejected, 11);
	CHECK_INT(r.res.inserted, 2);
	CHECK_INT(r.res.updated, 0);
	CHECK_QUERY(db, "SELECT external_id, name, fee_min, fee_max, accepting_new_clients,"
	    " specialties, bio FROM therapists ORDER BY id",
	    "r-1|Ann|100|150|1|premarital|two\nlines\n"
	    "r-12|Kim|NULL|NULL|0||");
	free(path);
	free(r.report);
	db_close(db);
}

TEST(import_broken_csv_is_fatal)
{
	sqlite3 *db = fresh_db("broken.db");
	char *path = write_file("broken.csv",
	    "external_id,name\n"
	    "k-1,Ann\n"
	    "k-2,Bo\"b\n"
	    "k-3,Cy\n");
	struct run r = import_file(db, path, true);
	CHECK_INT(r.rc, -1);
	CHECK_STR(r.report, "broken.csv:3: stray quote in unquoted field 2 (a field"
	    " containing quotes must be quoted whole, with each quote inside written as \"\")\n");
	check_e_has(&r, "is not valid CSV from line 3 on; nothing imported", __LINE__);
	CHECK_INT(therapist_count(db), 0);
	free(path);
	free(r.report);

	path = write_file("unterminated.csv",
	    "external_id,name,bio\n"
	    "k-1,Ann,\"open\n"
	    "k-2,Bob,x\n");
	r = import_file(db, path, true);
	CHECK_INT(r.rc, -1);
	CHECK_STR(r.report, "unterminated.csv:2: unterminated quoted field 3"
	    " (the quote opened on line 2 is never closed)\n");
	CHECK_INT(therapist_count(db), 0);
	free(path);
	free(r.report);
	db_close(db);
}

TEST(import_without_gazetteer_warns_once)
{
	sqlite3 *db = fresh_db("nogaz.db");
	char *path = write_file("nogaz.csv",
	    "external_id,name,city,country,postal_code,lat,lon\n"
	    "n-1,Ann,Austin,US,,,\n"
	    "n-2,Bob,,US,10001,,\n"
	    "n-3,Cy,,,,,\n"
	    "n-4,Di,Paris,FR,,48.85,2.35\n");
	struct run r = import_file(db, path, false);
	CHECK_INT(r.rc, 0);
	CHECK_STR(r.report, "nogaz.csv:2: warning: the gazetteer is not imported, so rows"
	    " without lat and lon get no location (run `imago gazetteer import` first)\n");
	CHECK_INT(r.res.inserted, 4);
	CHECK_INT(r.res.unplaced, 2);	/* n-3 has nothing to place by */
	CHECK_INT(r.res.warnings, 1);
	CHECK_QUERY(db, "SELECT external_id, lat, lon FROM therapists ORDER BY id",
	    "n-1|NULL|NULL\nn-2|NULL|NULL\nn-3|NULL|NULL\nn-4|48.85|2.35");
	free(path);
	free(r.report);
	db_close(db);
}

/* Enough rows that bulk mode starts (after 1024), with one update among
 * them; the search index, the triggers and the counter must come out as
 * if every row had been written one by one. */
TEST(import_bulk_mode_keeps_the_index)
{
	sqlite3 *db = fresh_db("bulk.db");
	struct buf csv = BUF_INIT;
	buf_puts(&csv, "external_id,name,bio,lat,lon\n");
	for (int i = 1; i <= 3000; i++)
		buf_printf(&csv, "x-%d,Person %d,%s,%d.5,%d.25\n", i, i,
		    i % 3 == 0 ? "Works with blended families" : "Premarital counselling",
		    i % 80, i % 170);
	char *path = write_file("bulk.csv", csv.data);
	long long version = db_meta_get(db, "therapists_version");
	struct run r = import_file(db, path, false);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.res.inserted, 3000);
	CHECK_INT(query_int(db, "SELECT count(*) FROM therapist_fts WHERE therapist_fts MATCH 'blended'"), 1000);
	CHECK_INT(query_int(db, "SELECT count(*) FROM therapist_fts WHERE therapist_fts MATCH 'premarital'"), 2000);
	CHECK_INT(query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
	    " AND tbl_name = 'therapists'"), 3);
	CHECK(db_meta_get(db, "therapists_version") > version);
	free(path);

	/* Again, with every bio changed: updates through bulk mode. */
	buf_reset(&csv);
	buf_puts(&csv, "external_id,name,bio\n");
	for (int i = 1; i <= 3000; i++)
		buf_printf(&csv, "x-%d,Person %d,%s\n", i, i,
		    i % 2 ? "Crisis and infidelity" : "Premarital counselling");
	path = write_file("bulk2.csv", csv.data);
	free(r.report);
	r = import_file(db, path, false);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.res.updated, 3000);
	CHECK_INT(query_int(db, "SELECT count(*) FROM therapist_fts WHERE therapist_fts MATCH 'blended'"), 0);
	CHECK_INT(query_int(db, "SELECT count(*) FROM therapist_fts WHERE therapist_fts MATCH 'infidelity'"), 1500);
	CHECK_INT(query_int(db, "SELECT count(*) FROM therapist_fts WHERE therapist_fts MATCH 'premarital'"), 1500);
	free(path);
	free(r.report);

	/* An invalid last row after bulk mode began: everything rolls back,
	 * the triggers included. */
	buf_reset(&csv);
	buf_puts(&csv, "external_id,name\n");
	for (int i = 1; i <= 3000; i++)
		buf_printf(&csv, "y-%d,%s\n", i, i == 3000 ? "" : "Someone");
	path = write_file("bulk3.csv", csv.data);
	r = import_file(db, path, false);
	CHECK_INT(r.rc, -1);
	CHECK_STR(r.report, "bulk3.csv:3001: name is required\n");
	CHECK_INT(therapist_count(db), 3000);
	CHECK_INT(query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
	    " AND tbl_name = 'therapists'"), 3);
	free(path);
	free(r.report);
	buf_free(&csv);
	db_close(db);
}

TEST(import_places_rows_without_coordinates)
{
	sqlite3 *db = gazetteer_copy("place.db");
	if (db == NULL)
		return;
	char *path = write_file("place.csv",
	    "external_id,name,postal_code,city,region,country,lat,lon\n"
	    "p-1,By Zip,10001,,,US,,\n"
	    "p-2,By City,,Austin,TX,US,,\n"
	    "p-3,By City Abroad,,Zürich,,CH,,\n"
	    "p-4,Given,,Austin,TX,US,1.5,2.5\n"
	    "p-5,Lost,,Nowhereville,ZZ,US,,\n"
	    "p-6,Online only,,,,US,,\n"
	    "p-7,Same Zip,10001,,,US,,\n");
	struct run r = import_file(db, path, false);
	CHECK_INT(r.rc, 0);
	CHECK_STR(r.report, "place.csv:6: warning: could not place city \"Nowhereville\","
	    " region \"ZZ\", country \"US\"; imported without a location\n");
	CHECK_INT(r.res.inserted, 7);
	CHECK_INT(r.res.unplaced, 1);
	CHECK_INT(r.res.warnings, 1);
	/* The ZIP's centroid and the cities' GeoNames points. */
	CHECK_QUERY(db, "SELECT external_id, lat, lon FROM therapists ORDER BY id",
	    "p-1|40.7484|-73.9967\n"
	    "p-2|30.26715|-97.74306\n"
	    "p-3|47.36667|8.55\n"
	    "p-4|1.5|2.5\n"
	    "p-5|NULL|NULL\n"
	    "p-6|NULL|NULL\n"
	    "p-7|40.7484|-73.9967");
	free(path);
	free(r.report);
	db_close(db);
}

/* Every data column of the demo rows, in external_id order. */
static char *
demo_dump(sqlite3 *db, int limit)
{
	char sql[1024];
	snprintf(sql, sizeof(sql),
	    "SELECT external_id, name, name_key, credentials, license_number,"
	    " license_regions, certifications, specialties, formats, languages,"
	    " years_experience, accepting_new_clients, fee_min, fee_max,"
	    " sliding_scale, address, city, region, postal_code, country,"
	    " printf('%%.5f', lat), printf('%%.5f', lon), phone, email, website,"
	    " bio, approach, verified, verified_at"
	    " FROM therapists ORDER BY external_id LIMIT %d", limit);
	return query(db, sql);
}

static int
run_demo(sqlite3 *db, long long n, uint64_t seed, struct demo_result *res)
{
	struct demo_options opt = { n, seed, false };
	struct err e = ERR_INIT;
	int rc = demo_generate(db, &opt, res, &e);
	if (rc < 0)
		test_fail(__FILE__, __LINE__, "demo_generate: %s", e.message);
	return rc;
}

TEST(demo_is_deterministic)
{
	sqlite3 *a = gazetteer_copy("demo-a.db");
	sqlite3 *b = gazetteer_copy("demo-b.db");
	sqlite3 *c = gazetteer_copy("demo-c.db");
	if (a == NULL || b == NULL || c == NULL)
		goto out;
	struct demo_result res;
	CHECK_INT(run_demo(a, 300, 7, &res), 0);
	CHECK_INT(res.inserted, 300);
	CHECK_INT(run_demo(b, 300, 7, &res), 0);
	char *da = demo_dump(a, 1000), *db_ = demo_dump(b, 1000);
	CHECK(strlen(da) > 300 * 100);
	CHECK(strcmp(da, db_) == 0);
	free(db_);

	/* Profile K does not depend on N. */
	CHECK_INT(run_demo(c, 120, 7, &res), 0);
	char *dc = demo_dump(c, 1000), *da120 = demo_dump(a, 120);
	CHECK(strcmp(dc, da120) == 0);
	free(dc);
	free(da120);

	/* Another seed, other people; running again only updates. */
	CHECK_INT(run_demo(b, 300, 8, &res), 0);
	CHECK_INT(res.inserted, 0);
	CHECK_INT(res.updated, 300);
	CHECK_INT(therapist_count(b), 300);
	db_ = demo_dump(b, 1000);
	CHECK(strcmp(da, db_) != 0);
	CHECK(query_int(b, "SELECT count(*) FROM therapists WHERE external_id = 'demo-000001'") == 1);
	free(da);
	free(db_);
out:
	db_close(a);
	db_close(b);
	db_close(c);
}

/* Each profile is within the jitter of a real place of its name and
 * country, and the mix of fields is the one described in demo.c. */
TEST(demo_profiles_are_realistic)
{
	sqlite3 *db = gazetteer_copy("demo-real.db");
	if (db == NULL)
		return;
	struct demo_result res;
	if (run_demo(db, 2000, 1, &res) < 0)
		goto out;
	sqlite3_stmt *st = NULL, *near = NULL;
	sqlite3_prepare_v2(db, "SELECT city, country, lat, lon, email, phone,"
	    " website, certifications, credentials, license_regions FROM therapists", -1, &st, NULL);
	/* Places of that name within a box around the point (the R-tree). */
	sqlite3_prepare_v2(db, "SELECT p.lat, p.lon FROM place_rtree r"
	    " JOIN places p ON p.id = r.id"
	    " WHERE r.min_lat >= ?3 - 0.1 AND r.max_lat <= ?3 + 0.1"
	    " AND r.min_lon >= ?4 - ?5 AND r.max_lon <= ?4 + ?5"
	    " AND p.name = ?1 AND p.country = ?2", -1, &near, NULL);
	int far = 0, bad_contact = 0, facilitators = 0, bad_facilitator = 0, bad_region = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		double lat = sqlite3_column_double(st, 2), lon = sqlite3_column_double(st, 3);
		sqlite3_bind_text(near, 1, (const char *)sqlite3_column_text(st, 0), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(near, 2, (const char *)sqlite3_column_text(st, 1), -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(near, 3, lat);
		sqlite3_bind_double(near, 4, lon);
		sqlite3_bind_double(near, 5, 0.1 / fmax(cos(lat * M_PI / 180), 0.01));
		double best = 1e9;
		while (sqlite3_step(near) == SQLITE_ROW) {
			double km = geo_distance_km(lat, lon, sqlite3_column_double(near, 0),
			    sqlite3_column_double(near, 1));
			best = km < best ? km : best;
		}
		sqlite3_reset(near);
		far += best > 5.01;
		const char *email = (const char *)sqlite3_column_text(st, 4);
		const char *phone = (const char *)sqlite3_column_text(st, 5);
		const char *web = (const char *)sqlite3_column_text(st, 6);
		const char *at = strchr(email, '@');
		bad_contact += at == NULL || (strcmp(at, "@example.com") != 0 &&
		    strcmp(at, "@example.org") != 0 && strcmp(at, "@example.net") != 0);
		bad_contact += *phone && strstr(phone, "555-01") == NULL &&
		    strstr(phone, "+44 20 7946 0") == NULL && strstr(phone, "+61 2 5550 ") == NULL;
		bad_contact += *web && strstr(web, "example.") == NULL;
		const char *certs = (const char *)sqlite3_column_text(st, 7);
		if (strcmp(certs, "imago_facilitator") == 0) {
			facilitators++;
			bad_facilitator += *sqlite3_column_text(st, 8) != '\0';
		} else
			bad_facilitator += strstr(certs, "certified_imago_therapist") == NULL;
		const char *regions = (const char *)sqlite3_column_text(st, 9);
		const char *country = (const char *)sqlite3_column_text(st, 1);
		bad_region += *regions && strncmp(regions, country, 2) != 0;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(near);
	CHECK_INT(far, 0);
	CHECK_INT(bad_contact, 0);
	CHECK_INT(bad_facilitator, 0);
	CHECK_INT(bad_region, 0);
	/* About 5% facilitators, 70% accepting, 30% sliding scale. */
	CHECK(facilitators > 60 && facilitators < 140);
	long long accepting = query_int(db, "SELECT count(*) FROM therapists WHERE accepting_new_clients");
	CHECK(accepting > 1300 && accepting < 1500);
	long long sliding = query_int(db, "SELECT count(*) FROM therapists WHERE sliding_scale");
	CHECK(sliding > 500 && sliding < 700);
	/* Mostly North America, but worldwide. */
	long long us = query_int(db, "SELECT count(*) FROM therapists WHERE country = 'US'");
	CHECK(us > 600 && us < 1400);
	CHECK(query_int(db, "SELECT count(DISTINCT country) FROM therapists") > 30);
	/* Languages follow the place. */
	CHECK(query_int(db, "SELECT count(*) FROM therapists WHERE country = 'DE'"
	    " AND languages NOT LIKE '%de%'") == 0);
	/* Most US profiles get a nearby ZIP. */
	CHECK(query_int(db, "SELECT count(*) FROM therapists WHERE country = 'US'"
	    " AND length(postal_code) = 5") > us * 8 / 10);
	/* Fees in range, minimum not above maximum; bios short. */
	CHECK_INT(query_int(db, "SELECT count(*) FROM therapists WHERE fee_min > fee_max"
	    " OR fee_min < 80 OR fee_max > 250"), 0);
	CHECK_INT(query_int(db, "SELECT count(*) FROM therapists WHERE length(bio) > 300"
	    " OR length(bio) < 100 OR length(approach) > 200"), 0);
	/* The search index has them. */
	CHECK_INT(query_int(db, "SELECT count(*) FROM therapist_fts WHERE therapist_fts MATCH 'imago'"), 2000);
out:
	db_close(db);
}

TEST(demo_needs_the_gazetteer)
{
	sqlite3 *db = fresh_db("demo-nogaz.db");
	struct demo_options opt = { 10, 1, false };
	struct demo_result res;
	struct err e = ERR_INIT;
	CHECK_INT(demo_generate(db, &opt, &res, &e), -1);
	CHECK_STR(e.code, "no_gazetteer");
	CHECK(strstr(e.message, "imago gazetteer import") != NULL);
	CHECK_INT(therapist_count(db), 0);
	db_close(db);
}
