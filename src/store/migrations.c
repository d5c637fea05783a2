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


/* Issue 4: contact, booking, recommendations. Times are Unix seconds
 * (UTC) so that ordering and arithmetic need no parsing; a therapist's
 * weekly hours are wall-clock minutes in their own IANA time zone. */
static const char m004_booking[] =
	/* Whether the public page shows the profile's email address: never
	 * unless its therapist says so (the contact form relays instead). */
	"ALTER TABLE therapists ADD COLUMN show_email INTEGER NOT NULL DEFAULT 0;"

	/* ---- Contact relay ---- */
	"CREATE TABLE contact_messages ("
	"  id INTEGER PRIMARY KEY,"
	"  therapist_id INTEGER NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  email TEXT NOT NULL,"			/* lower case */
	"  phone TEXT NOT NULL DEFAULT '',"
	"  preferred TEXT NOT NULL CHECK (preferred IN ('email','phone')),"
	"  body TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('unconfirmed','delivered','spam')),"
	"  confirm_token_hash BLOB UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  confirmed_at INTEGER,"
	"  read_at INTEGER,"
	"  replied_at INTEGER"
	");"
	"CREATE INDEX contact_messages_inbox ON contact_messages(therapist_id, status, id);"
	"CREATE INDEX contact_messages_unconfirmed ON contact_messages(created_at) WHERE status = 'unconfirmed';"
	"CREATE TABLE contact_replies ("
	"  id INTEGER PRIMARY KEY,"
	"  message_id INTEGER NOT NULL REFERENCES contact_messages(id) ON DELETE CASCADE,"
	"  body TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE INDEX contact_replies_message ON contact_replies(message_id);"

	/* ---- Availability ---- */
	"CREATE TABLE booking_settings ("
	"  therapist_id INTEGER PRIMARY KEY REFERENCES therapists(id) ON DELETE CASCADE,"
	"  timezone TEXT NOT NULL,"			/* IANA, e.g. Europe/Berlin */
	"  buffer_minutes INTEGER NOT NULL DEFAULT 10,"
	"  min_notice_minutes INTEGER NOT NULL DEFAULT 1440,"
	"  max_days_ahead INTEGER NOT NULL DEFAULT 30,"
	"  cancel_window_hours INTEGER NOT NULL DEFAULT 24,"
	"  feed_token_hash BLOB UNIQUE,"		/* the private iCalendar feed */
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE TABLE availability_hours ("
	"  therapist_id INTEGER NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,"
	"  weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),"	/* ISO: 1 Monday */
	"  start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1435),"
	"  end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 5 AND 1440),"
	"  CHECK (end_minute > start_minute),"
	"  PRIMARY KEY (therapist_id, weekday, start_minute)"
	") WITHOUT ROWID;"
	"CREATE TABLE dates_off ("
	"  therapist_id INTEGER NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,"
	"  day TEXT NOT NULL,"				/* YYYY-MM-DD in the therapist's zone */
	"  PRIMARY KEY (therapist_id, day)"
	") WITHOUT ROWID;"
	"CREATE TABLE appointment_types ("
	"  id INTEGER PRIMARY KEY,"
	"  therapist_id INTEGER NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('consultation','trial')),"
	"  name TEXT NOT NULL,"
	"  minutes INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 480 AND minutes % 5 = 0),"
	"  fee INTEGER NOT NULL DEFAULT 0 CHECK (fee >= 0),"	/* whole currency units */
	"  currency TEXT NOT NULL DEFAULT '',"
	"  mode TEXT NOT NULL CHECK (mode IN ('video','in_person')),"
	"  active INTEGER NOT NULL DEFAULT 1"
	");"
	"CREATE INDEX appointment_types_therapist ON appointment_types(therapist_id);"

	/* ---- Appointments ---- */
	"CREATE TABLE appointments ("
	"  id INTEGER PRIMARY KEY,"
	"  ref TEXT NOT NULL UNIQUE,"			/* random, public: links and iCalendar UID */
	"  therapist_id INTEGER NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,"
	"  type_id INTEGER REFERENCES appointment_types(id) ON DELETE SET NULL,"
	"  kind TEXT NOT NULL,"				/* copied from the type when booked */
	"  type_name TEXT NOT NULL,"
	"  mode TEXT NOT NULL,"
	"  fee INTEGER NOT NULL DEFAULT 0,"
	"  currency TEXT NOT NULL DEFAULT '',"
	"  starts_at INTEGER NOT NULL,"
	"  ends_at INTEGER NOT NULL,"
	"  buffer_minutes INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL CHECK (status IN ('held','booked','cancelled')),"
	"  client_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	"  name TEXT NOT NULL,"
	"  email TEXT NOT NULL,"			/* lower case */
	"  phone TEXT NOT NULL DEFAULT '',"
	"  note TEXT NOT NULL DEFAULT '',"
	"  timezone TEXT NOT NULL,"			/* the booker's, for their mail */
	"  manage_token_hash BLOB UNIQUE,"
	"  confirm_token_hash BLOB UNIQUE,"		/* a guest's emailed link */
	"  hold_expires_at INTEGER,"
	"  sequence INTEGER NOT NULL DEFAULT 0,"	/* iCalendar SEQUENCE */
	"  reminder_sent INTEGER NOT NULL DEFAULT 0,"
	"  cancelled_by TEXT,"				/* client, therapist, system */
	"  created_at INTEGER NOT NULL,"
	"  confirmed_at INTEGER,"
	"  cancelled_at INTEGER,"
	"  CHECK (ends_at > starts_at)"
	");"
	"CREATE INDEX appointments_therapist ON appointments(therapist_id, starts_at);"
	"CREATE INDEX appointments_client ON appointments(client_user_id) WHERE client_user_id IS NOT NULL;"
	"CREATE INDEX appointments_person ON appointments(therapist_id, email);"
	"CREATE INDEX appointments_reminders ON appointments(starts_at) WHERE status = 'booked' AND reminder_sent = 0;"
	"CREATE INDEX appointments_holds ON appointments(hold_expires_at) WHERE status = 'held';"
	/* What makes double booking impossible: an appointment claims every
	 * five-minute block from its start to its end plus the buffer, and
	 * a block can belong to one appointment only. Two requests for the
	 * same or overlapping times cannot both commit. */
	"CREATE TABLE appointment_blocks ("
	"  therapist_id INTEGER NOT NULL,"
	"  block INTEGER NOT NULL,"			/* Unix time / 300 */
	"  appointment_id INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (therapist_id, block)"
	") WITHOUT ROWID;"
	"CREATE INDEX appointment_blocks_appointment ON appointment_blocks(appointment_id);"
	/* Links to manage an appointment (cancel, reschedule, recommend):
	 * every mail about it carries a fresh one, valid until 60 days after
	 * it ends (time to recommend the therapist); stored as SHA-256 like every other secret. */
	"CREATE TABLE appointment_links ("
	"  token_hash BLOB PRIMARY KEY,"
	"  appointment_id INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX appointment_links_appointment ON appointment_links(appointment_id);"

	/* ---- Recommendations, endorsements, referrals ---- */
	"CREATE TABLE recommendations ("
	"  id INTEGER PRIMARY KEY,"
	"  therapist_id INTEGER NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,"
	"  appointment_id INTEGER UNIQUE REFERENCES appointments(id) ON DELETE SET NULL,"
	"  author_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	"  author_name TEXT NOT NULL,"		/* as the author wants it shown */
	"  body TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('pending','published','declined')),"
	"  created_at INTEGER NOT NULL,"
	"  decided_at INTEGER"
	");"
	"CREATE INDEX recommendations_therapist ON recommendations(therapist_id, status, id);"
	"CREATE TABLE endorsements ("
	"  from_therapist_id INTEGER NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,"
	"  to_therapist_id INTEGER NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  CHECK (from_therapist_id <> to_therapist_id),"
	"  PRIMARY KEY (from_therapist_id, to_therapist_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX endorsements_to ON endorsements(to_therapist_id);"
	"CREATE TABLE referrals ("
	"  id INTEGER PRIMARY KEY,"
	"  from_therapist_id INTEGER NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,"
	"  to_therapist_id INTEGER NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,"
	"  email TEXT NOT NULL,"
	"  note TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE INDEX referrals_from ON referrals(from_therapist_id, id);"
	/* Mail may carry one attachment (an .ics invitation). */
	"ALTER TABLE outbox ADD COLUMN attachment_type TEXT;"
	"ALTER TABLE outbox ADD COLUMN attachment_name TEXT;"
	"ALTER TABLE outbox ADD COLUMN attachment TEXT;";

/* Issue 5, first part: couples. Two accounts form a couple once the
 * invited partner accepts; either may leave. A person is in at most one
 * couple (the primary key on user_id). */
static const char m005_couples[] =
	"CREATE TABLE couples ("
	"  id INTEGER PRIMARY KEY,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE couple_members ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  couple_id INTEGER NOT NULL REFERENCES couples(id) ON DELETE CASCADE,"
	"  joined_at INTEGER NOT NULL"
	");"
	"CREATE INDEX couple_members_couple ON couple_members(couple_id);"
	"CREATE TABLE couple_invites ("
	"  id INTEGER PRIMARY KEY,"
	"  inviter_user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  email TEXT NOT NULL,"			/* lower case */
	"  token_hash BLOB NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  accepted_at INTEGER,"
	"  revoked_at INTEGER"
	");"
	"CREATE INDEX couple_invites_inviter ON couple_invites(inviter_user_id);";

/* Issue 5: the couples' workspace. Every BLOB column named "sealed" holds
 * a value sealed by the vault (src/vault/vault.h, listed in
 * src/vault/registry.c): what people write never reaches the file in
 * clear. */
static const char m006_workspace[] =
	/* The private safety screen: one per person per couple. The answers
	 * and the verdict are sealed; only the person sees them. */
	"CREATE TABLE safety_screens ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  couple_id INTEGER NOT NULL REFERENCES couples(id) ON DELETE CASCADE,"
	"  answers BLOB NOT NULL,"			/* sealed JSON */
	"  answered_at INTEGER NOT NULL,"
	"  UNIQUE (user_id, couple_id)"
	");"
	/* Exercise records and journal entries: a JSON document per item,
	 * sealed. couple_id is set for joint items (both partners write). */
	"CREATE TABLE workspace_items ("
	"  id INTEGER PRIMARY KEY,"
	"  owner_user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  couple_id INTEGER REFERENCES couples(id) ON DELETE SET NULL,"
	"  kind TEXT NOT NULL,"
	"  body BLOB NOT NULL,"				/* sealed JSON */
	"  shared_with_partner INTEGER NOT NULL DEFAULT 0,"
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE INDEX workspace_items_owner ON workspace_items(owner_user_id, kind, updated_at);"
	"CREATE INDEX workspace_items_couple ON workspace_items(couple_id) WHERE couple_id IS NOT NULL;"
	/* A partner's answer to an item shared with them (the request they
	 * chose, the behaviours they will not do, a mirror). */
	"CREATE TABLE workspace_responses ("
	"  id INTEGER PRIMARY KEY,"
	"  item_id INTEGER NOT NULL REFERENCES workspace_items(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  body BLOB NOT NULL,"				/* sealed JSON */
	"  updated_at INTEGER NOT NULL,"
	"  UNIQUE (item_id, user_id)"
	");"
	/* Items shared with a therapist, item by item. */
	"CREATE TABLE workspace_shares ("
	"  item_id INTEGER NOT NULL REFERENCES workspace_items(id) ON DELETE CASCADE,"
	"  therapist_user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  shared_at INTEGER NOT NULL,"
	"  PRIMARY KEY (item_id, therapist_user_id)"
	");"
	"CREATE INDEX workspace_shares_therapist ON workspace_shares(therapist_user_id, shared_at);"
	/* The guided Imago Dialogue: one open dialogue per couple. */
	"CREATE TABLE dialogues ("
	"  id INTEGER PRIMARY KEY,"
	"  couple_id INTEGER NOT NULL REFERENCES couples(id) ON DELETE CASCADE,"
	"  started_by INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  sender_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  receiver_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  mode TEXT NOT NULL CHECK (mode IN ('one_device','two_devices')),"
	"  variant TEXT NOT NULL CHECK (variant IN ('standard','deepening')),"
	"  step TEXT NOT NULL,"
	"  round INTEGER NOT NULL DEFAULT 1,"
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  topic BLOB NOT NULL,"			/* sealed */
	"  proposed_at INTEGER,"			/* the receiver's time, within 24 h */
	"  timer_seconds INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  ended_at INTEGER"
	");"
	"CREATE UNIQUE INDEX dialogues_one_open ON dialogues(couple_id) WHERE ended_at IS NULL;"
	"CREATE TABLE dialogue_turns ("
	"  id INTEGER PRIMARY KEY,"
	"  dialogue_id INTEGER NOT NULL REFERENCES dialogues(id) ON DELETE CASCADE,"
	"  round INTEGER NOT NULL,"
	"  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	"  role TEXT NOT NULL,"
	"  step TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  text BLOB,"					/* sealed, or NULL */
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE INDEX dialogue_turns_dialogue ON dialogue_turns(dialogue_id, id);";

static const struct migration migrations[] = {
	{ 1, "initial schema: gazetteer and therapist directory", m001_initial },
	{ 2, "country name aliases and places by population", m002_country_names },
	{ 3, "accounts, sessions, tokens, outbox and audit log", m003_accounts },
	{ 4, "contact relay, availability, appointments, recommendations", m004_booking },
	{ 5, "couples and partner invitations", m005_couples },
	{ 6, "the couples' workspace: safety screens, items, shares, dialogues", m006_workspace },
};

const struct migration *
migrations_list(size_t *count)
{
	*count = sizeof(migrations) / sizeof(migrations[0]);
	return migrations;
}
