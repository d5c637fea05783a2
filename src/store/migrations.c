/*
 * The schema, as an ordered list of migrations. A migration is never edited
 * once it has shipped: changes go in a new entry at the end. db_migrate()
 * applies each pending one in its own transaction and records it in
 * schema_migrations, so a crash mid-way leaves the database at a known
 * version.
 */
#include "migrations.h"

#include <stddef.h>

static const char m001_initial[] =
	/* Counters the server watches to know when its in-memory search
	 * index is stale (bumped by triggers, so no writer can forget). */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"INSERT INTO meta(key, value) VALUES ('therapists_version', 1);"

	/* ---- Gazetteer (GeoNames cities500, admin1 names, ZIP codes) ---- */
	"CREATE TABLE countries ("
	"  code TEXT PRIMARY KEY,"		/* ISO 3166-1 alpha-2 */
	"  alpha3 TEXT NOT NULL DEFAULT '',"
	"  name TEXT NOT NULL,"
	"  name_key TEXT NOT NULL"		/* folded, see text_fold */
	") WITHOUT ROWID;"
	"CREATE INDEX countries_name_key ON countries(name_key);"
	"CREATE TABLE regions ("
	"  country TEXT NOT NULL,"
	"  admin1 TEXT NOT NULL,"		/* GeoNames admin1 code */
	"  iso TEXT,"				/* ISO 3166-2, e.g. US-NY */
	"  name TEXT NOT NULL,"
	"  name_key TEXT NOT NULL,"
	"  PRIMARY KEY (country, admin1)"
	") WITHOUT ROWID;"
	"CREATE INDEX regions_iso ON regions(iso);"
	"CREATE TABLE places ("
	"  id INTEGER PRIMARY KEY,"		/* GeoNames id */
	"  name TEXT NOT NULL,"
	"  ascii_name TEXT NOT NULL,"
	"  country TEXT NOT NULL,"
	"  admin1 TEXT NOT NULL,"
	"  lat REAL NOT NULL,"
	"  lon REAL NOT NULL,"
	"  population INTEGER NOT NULL,"
	"  timezone TEXT NOT NULL"
	");"
	"CREATE TABLE place_names ("
	"  key TEXT NOT NULL,"			/* folded name or alternate name */
	"  place_id INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (key, place_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX place_names_place ON place_names(place_id);"
	"CREATE VIRTUAL TABLE place_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon);"
	"CREATE TABLE languages ("
	"  code TEXT PRIMARY KEY,"		/* ISO 639-1 */
	"  name TEXT NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE postal_codes ("
	"  country TEXT NOT NULL,"		/* US or CA */
	"  code TEXT NOT NULL,"			/* 5-digit ZIP or 3-char FSA */
	"  city TEXT NOT NULL,"
	"  region TEXT NOT NULL,"		/* ISO 3166-2 */
	"  lat REAL NOT NULL,"
	"  lon REAL NOT NULL,"
	"  PRIMARY KEY (country, code)"
	") WITHOUT ROWID;"

	/* ---- Therapist directory ---- */
	/* Enumerated fields (certifications, specialties, formats,
	 * languages, license regions) are ';'-separated slugs: readable in
	 * the database, and decoded into bit sets by the search index. */
	"CREATE TABLE therapists ("
	"  id INTEGER PRIMARY KEY,"
	"  external_id TEXT UNIQUE,"
	"  name TEXT NOT NULL,"
	"  name_key TEXT NOT NULL,"
	"  credentials TEXT NOT NULL DEFAULT '',"
	"  license_number TEXT NOT NULL DEFAULT '',"
	"  license_regions TEXT NOT NULL DEFAULT '',"
	"  certifications TEXT NOT NULL DEFAULT '',"
	"  specialties TEXT NOT NULL DEFAULT '',"
	"  formats TEXT NOT NULL DEFAULT '',"
	"  languages TEXT NOT NULL DEFAULT '',"
	"  years_experience INTEGER,"
	"  accepting_new_clients INTEGER NOT NULL DEFAULT 0,"
	"  fee_min INTEGER,"
	"  fee_max INTEGER,"
	"  sliding_scale INTEGER NOT NULL DEFAULT 0,"
	"  address TEXT NOT NULL DEFAULT '',"
	"  city TEXT NOT NULL DEFAULT '',"
	"  region TEXT NOT NULL DEFAULT '',"
	"  postal_code TEXT NOT NULL DEFAULT '',"
	"  country TEXT NOT NULL DEFAULT '',"
	"  lat REAL,"
	"  lon REAL,"
	"  phone TEXT NOT NULL DEFAULT '',"
	"  email TEXT NOT NULL DEFAULT '',"
	"  website TEXT NOT NULL DEFAULT '',"
	"  bio TEXT NOT NULL DEFAULT '',"
	"  approach TEXT NOT NULL DEFAULT '',"
	"  verified INTEGER NOT NULL DEFAULT 0,"
	"  verified_at TEXT,"
	"  hidden INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  CHECK (fee_min IS NULL OR fee_max IS NULL OR fee_min <= fee_max),"
	"  CHECK (lat IS NULL OR (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180))"
	");"
	"CREATE INDEX therapists_name_key ON therapists(name_key, id);"
	"CREATE VIRTUAL TABLE therapist_fts USING fts5("
	"  name, bio, approach,"
	"  content='therapists', content_rowid='id',"
	"  tokenize='unicode61 remove_diacritics 2'"
	");"
	"CREATE TRIGGER therapists_ai AFTER INSERT ON therapists BEGIN"
	"  INSERT INTO therapist_fts(rowid, name, bio, approach)"
	"    VALUES (new.id, new.name, new.bio, new.approach);"
	"  UPDATE meta SET value = value + 1 WHERE key = 'therapists_version';"
	"END;"
	"CREATE TRIGGER therapists_ad AFTER DELETE ON therapists BEGIN"
	"  INSERT INTO therapist_fts(therapist_fts, rowid, name, bio, approach)"
	"    VALUES ('delete', old.id, old.name, old.bio, old.approach);"
	"  UPDATE meta SET value = value + 1 WHERE key = 'therapists_version';"
	"END;"
	"CREATE TRIGGER therapists_au AFTER UPDATE ON therapists BEGIN"
	"  INSERT INTO therapist_fts(therapist_fts, rowid, name, bio, approach)"
	"    VALUES ('delete', old.id, old.name, old.bio, old.approach);"
	"  INSERT INTO therapist_fts(rowid, name, bio, approach)"
	"    VALUES (new.id, new.name, new.bio, new.approach);"
	"  UPDATE meta SET value = value + 1 WHERE key = 'therapists_version';"
	"END;";

/* Country names and aliases ("USA", "UK", "Czechia") for "City, Country"
 * qualifiers, and the population order that keeps suggestions for short
 * prefixes fast. IF NOT EXISTS: early gazetteer imports created both. */
static const char m002_country_names[] =
	"CREATE TABLE IF NOT EXISTS country_names ("
	"  key TEXT NOT NULL,"
	"  code TEXT NOT NULL,"
	"  PRIMARY KEY (key, code)"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS places_population ON places(population);";

static const struct migration migrations[] = {
	{ 1, "initial schema: gazetteer and therapist directory", m001_initial },
	{ 2, "country name aliases and places by population", m002_country_names },
};

const struct migration *
migrations_list(size_t *count)
{
	*count = sizeof(migrations) / sizeof(migrations[0]);
	return migrations;
}
