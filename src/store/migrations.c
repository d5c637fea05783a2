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


/*
 * Accounts and the security baseline. Secrets (session and access
 * tokens, one-time links, recovery codes) are stored only as SHA-256
 * hashes, so a copy of the database does not let anyone in. Times the
 * server compares (expiry, idle) are Unix seconds; times people read are
 * ISO 8601. The audit log is append-only: triggers refuse UPDATE and
 * DELETE, and each row carries a hash chained to the previous one so
 * `imago audit verify` detects rows changed or removed behind SQLite's
 * back. It names people only by users.audit_ref, a random id that means
 * nothing once the account is deleted.
 */
static const char m003_accounts[] =
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL UNIQUE,"		/* lower case */
	"  password_hash TEXT NOT NULL,"
	"  display_name TEXT NOT NULL DEFAULT '',"
	"  roles INTEGER NOT NULL DEFAULT 1,"		/* bits: 1 client, 2 therapist, 4 admin */
	"  email_verified_at TEXT,"
	"  totp_secret BLOB,"
	"  totp_enabled_at TEXT,"
	"  totp_last_step INTEGER NOT NULL DEFAULT 0,"	/* refuses a code used twice */
	"  suspended_at TEXT,"
	"  audit_ref TEXT NOT NULL UNIQUE,"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	");"
	"CREATE TABLE recovery_codes ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  code_hash BLOB NOT NULL,"
	"  used_at TEXT"
	");"
	"CREATE INDEX recovery_codes_user ON recovery_codes(user_id);"
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  token_hash BLOB NOT NULL UNIQUE,"
	"  stage INTEGER NOT NULL DEFAULT 0,"		/* 0 signed in, 1 awaiting a one-time code */
	"  created_at INTEGER NOT NULL,"
	"  last_seen_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  ip TEXT NOT NULL DEFAULT '',"
	"  user_agent TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE INDEX sessions_user ON sessions(user_id);"
	"CREATE TABLE access_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  token_hash BLOB NOT NULL UNIQUE,"
	"  prefix TEXT NOT NULL,"			/* first characters, to recognise it */
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  last_used_at TEXT,"
	"  expires_at INTEGER"
	");"
	"CREATE INDEX access_tokens_user ON access_tokens(user_id);"
	"CREATE TABLE email_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  purpose TEXT NOT NULL,"			/* verify, reset, email_change, claim */
	"  token_hash BLOB NOT NULL UNIQUE,"
	"  new_email TEXT,"
	"  therapist_id INTEGER REFERENCES therapists(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  used_at INTEGER"
	");"
	"CREATE INDEX email_tokens_user ON email_tokens(user_id, purpose);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  to_addr TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  sent_at INTEGER,"
	"  failed_at INTEGER,"
	"  last_error TEXT"
	");"
	"CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;"
	"CREATE TABLE audit_log ("
	"  id INTEGER PRIMARY KEY,"
	"  at TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"			/* users.audit_ref, or 'system', 'anonymous' */
	"  ip TEXT NOT NULL DEFAULT '',"
	"  action TEXT NOT NULL,"
	"  target_type TEXT NOT NULL DEFAULT '',"
	"  target_id TEXT NOT NULL DEFAULT '',"
	"  detail TEXT NOT NULL DEFAULT '',"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL"
	");"
	"CREATE INDEX audit_log_actor ON audit_log(actor, id);"
	"CREATE INDEX audit_log_target ON audit_log(target_type, target_id, id);"
	"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"ALTER TABLE therapists ADD COLUMN owner_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL;"
	"ALTER TABLE therapists ADD COLUMN verified_by TEXT;"	/* audit_ref of the admin */
	"CREATE INDEX therapists_owner ON therapists(owner_user_id) WHERE owner_user_id IS NOT NULL;";

static const struct migration migrations[] = {
	{ 1, "initial schema: gazetteer and therapist directory", m001_initial },
	{ 2, "country name aliases and places by population", m002_country_names },
	{ 3, "accounts, sessions, tokens, outbox and audit log", m003_accounts },
};

const struct migration *
migrations_list(size_t *count)
{
	*count = sizeof(migrations) / sizeof(migrations[0]);
	return migrations;
}
