/*
 * The contact relay (src/contact/), against real databases with real
 * users and profiles: what a message must hold (each refusal names its
 * field), where it goes (an owner's account address and inbox, or the
 * address on an unowned listing, or nowhere: 422), that nothing reaches
 * the therapist before the sender confirms, the link's life (once, then
 * "already delivered"; unknown 404; expired 410), the honeypot, the
 * inbox's access rule (the owner only: everyone else 404), replies,
 * spam, the sweep, the export, the scam marks, and that no audit entry
 * holds an address or a word of a message.
 *
 * The abuse limits live for the whole process and hold a profile's id,
 * an address and an email as keys: each fixture gets profile ids of its
 * own and each send its own address, so tests do not spend each other's
 * budgets.
 */
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/accounts/accounts.h"
#include "../../src/contact/contact.h"
#include "../../src/directory/therapist.h"
#include "../../src/store/db.h"
#include "../../src/util/buf.h"
#include "../../src/util/jw.h"

#define PASSWORD	"correct horse battery staple"
#define NOW		1700000000	/* 2023-11-14T22:13:20Z */

extern double accounts_rate_limit_scale;

/* ---- fixture ------------------------------------------------------------- */

struct fixture {
	sqlite3		*db;
	struct arena	*arena;
	struct user	 therapist, other, client, admin;
	struct auth	 as_therapist, as_other, as_client, as_admin, anonymous;
	int64_t		 owned;		/* the therapist's profile */
	int64_t		 others;	/* the other therapist's profile */
	int64_t		 unowned;	/* imported, with an address */
	int64_t		 no_email;	/* imported, no address: unreachable */
	int64_t		 hidden;	/* imported with an address, hidden */
	const char	*name;
};

static int64_t next_profile_id = 5000;
static int ip_seq;

static struct auth
signed_in(const struct user *u)
{
	struct auth a;
	memset(&a, 0, sizeof(a));
	a.kind = AUTH_SESSION;
	a.stage = SESSION_SIGNED_IN;
	a.user = *u;
	return a;
}

static void
add_user(struct fixture *f, const char *who, unsigned roles, struct user *u)
{
	struct err e = ERR_INIT;
	char email[128];
	snprintf(email, sizeof(email), "%s.%s@example.org", who, f->name);
	if (user_create(f->db, email, PASSWORD, who, roles, true, f->arena, u, &e) < 0)
		test_fail(__FILE__, __LINE__, "user_create %s: %s", email, e.message);
}

static void
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		test_fail(__FILE__, __LINE__, "%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
}

/* A profile with an id of its own; owner 0: none. */
static int64_t
add_profile(struct fixture *f, const char *name, const char *email, int64_t owner,
    bool hidden, bool show_email)
{
	struct therapist t;
	therapist_init(&t);
	t.id = next_profile_id++;
	t.name = name;
	t.email = email;
	t.hidden = hidden;
	t.show_email = show_email;
	struct err e = ERR_INIT;
	if (therapist_validate(&t, f->arena, &e) < 0 || therapist_upsert(f->db, &t, &e) < 0)
		test_fail(__FILE__, __LINE__, "profile %s: %s", name, e.message);
	if (owner) {
		char sql[120];
		snprintf(sql, sizeof(sql), "UPDATE therapists SET owner_user_id = %lld"
		    " WHERE id = %lld", (long long)owner, (long long)t.id);
		exec(f->db, sql);
	}
	return t.id;
}

static bool
fixture_open(struct fixture *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	setenv("IMAGO_PWHASH_OPSLIMIT", "1", 0);
	setenv("IMAGO_PWHASH_MEMLIMIT", "8192", 0);
	struct err e = ERR_INIT;
	if (accounts_init(&e) < 0) {
		test_fail(__FILE__, __LINE__, "accounts_init: %s", e.message);
		return false;
	}
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/contact-%s.db", test_tmpdir(), name);
	unlink(buf_cstr(&path));
	f->db = db_open(buf_cstr(&path), &e);
	buf_free(&path);
	if (f->db == NULL || db_migrate(f->db, &e) < 0) {
		test_fail(__FILE__, __LINE__, "database: %s", e.message);
		db_close(f->db);
		return false;
	}
	f->arena = arena_new();
	next_profile_id += 100;
	add_user(f, "therapist", ROLE_THERAPIST, &f->therapist);
	add_user(f, "other", ROLE_THERAPIST, &f->other);
	add_user(f, "client", ROLE_CLIENT, &f->client);
	add_user(f, "admin", ROLE_ADMIN, &f->admin);
	f->as_therapist = signed_in(&f->therapist);
	f->as_other = signed_in(&f->other);
	f->as_client = signed_in(&f->client);
	f->as_admin = signed_in(&f->admin);
	f->owned = add_profile(f, "Tara Owner", "tara.public@practice.example", f->therapist.id,
	    false, false);
	f->others = add_profile(f, "Otto Other", "otto@practice.example", f->other.id, false, false);
	f->unowned = add_profile(f, "Ulla Unowned", "ulla@listing.example", 0, false, false);
	f->no_email = add_profile(f, "Nils Nomail", "", 0, false, false);
	f->hidden = add_profile(f, "Hanna Hidden", "hanna@listing.example", 0, true, false);
	return true;
}

static void
fixture_close(struct fixture *f)
{
	db_close(f->db);
	arena_free(f->arena);
}

/* A request from a new address each time (see the top of the file). */
static struct account_request
request(struct fixture *f, const struct auth *auth)
{
	ip_seq++;
	struct account_request r = {
		.db = f->db, .arena = f->arena,
		.ip = arena_printf(f->arena, "198.51.%d.%d", ip_seq / 250, ip_seq % 250 + 1),
		.base_url = "http://test", .auth = auth, .now = NOW,
	};
	return r;
}

static struct contact_input
message(const char *email, const char *text)
{
	struct contact_input in = {
		.name = "Sam Sender", .email = email, .phone = "", .preferred = NULL,
		.message = text, .website = "",
	};
	return in;
}

/* ---- reading the database -------------------------------------------------- */

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

#define CHECK_QUERY(db, sql, want) do { char *q_ = query((db), (sql)); \
	CHECK_STR(q_, (want)); free(q_); } while (0)

#define CHECK_ERR(e, want_status, want_code, want_param) do { \
	CHECK_INT((e).status, (want_status)); CHECK_STR((e).code, (want_code)); \
	CHECK_STR((e).param, (want_param)); err_clear(&(e)); } while (0)

/* Every mail to `to`, bodies joined (malloc). */
static char *
mail_to(sqlite3 *db, const char *to)
{
	struct buf b = BUF_INIT;
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(db, "SELECT subject, body FROM outbox WHERE to_addr = ? ORDER BY id",
	    -1, &st, NULL);
	sqlite3_bind_text(st, 1, to, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_printf(&b, "Subject: %s\n%s\n=====\n", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return buf_detach(&b);
}

static long long
count(sqlite3 *db, const char *sql)
{
	char *s = query(db, sql);
	long long n = strtoll(s, NULL, 10);
	free(s);
	return n;
}

static long long
mails_to(sqlite3 *db, const char *to)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox WHERE to_addr = ?", -1, &st, NULL);
	sqlite3_bind_text(st, 1, to, -1, SQLITE_TRANSIENT);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return n;
}

/* The token of the last confirmation mail to `to` (static), or "". */
static const char *
mailed_token(sqlite3 *db, const char *to)
{
	static char token[TOKEN_TEXT_LEN + 1];
	char *all = mail_to(db, to);
	const char *last = NULL;
	for (const char *p = all; (p = strstr(p, "/contact/confirm?token=")) != NULL; p++)
		last = p;
	token[0] = '\0';
	if (last && strlen(last + 23) >= TOKEN_TEXT_LEN) {
		memcpy(token, last + 23, TOKEN_TEXT_LEN);
		token[TOKEN_TEXT_LEN] = '\0';
	}
	free(all);
	return token;
}

/* Sends and confirms a message; its id, or 0. */
static int64_t
delivered(struct fixture *f, int64_t therapist_id, const char *email, const char *text)
{
	struct account_request r = request(f, &f->anonymous);
	struct contact_input in = message(email, text);
	struct err e = ERR_INIT;
	if (contact_send(&r, therapist_id, &in, &e) != 0) {
		test_fail(__FILE__, __LINE__, "send: %s", e.message);
		return 0;
	}
	bool already = true;
	r = request(f, &f->anonymous);
	if (contact_confirm(&r, mailed_token(f->db, email), &already, &e) != 0 || already) {
		test_fail(__FILE__, __LINE__, "confirm: %s", e.message);
		return 0;
	}
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT max(id) FROM contact_messages WHERE email = '%s'",
	    email);
	return count(f->db, sql);
}

/* ---- what a message must hold ---------------------------------------------------- */

TEST(contact_send_refusals_name_their_field)
{
	struct fixture f;
	if (!fixture_open(&f, "refusals"))
		return;
	struct err e = ERR_INIT;
	struct account_request r = request(&f, &f.anonymous);
	char long_name[CONTACT_NAME_MAX + 2];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	struct buf big = BUF_INIT;
	for (int i = 0; i <= CONTACT_MESSAGE_MAX; i++)
		buf_puts(&big, "\xc3\xa9");	/* é: characters are counted, not bytes */
	static const struct {
		const char *name, *email, *phone, *preferred, *message, *param;
	} cases[] = {
		{ NULL, "a@example.org", "", NULL, "Hello", "name" },
		{ "   ", "a@example.org", "", NULL, "Hello", "name" },
		{ "Two\nlines", "a@example.org", "", NULL, "Hello", "name" },
		{ "Line\xe2\x80\xa8separator", "a@example.org", "", NULL, "Hello", "name" },
		{ "Sam", NULL, "", NULL, "Hello", "email" },
		{ "Sam", "not an address", "", NULL, "Hello", "email" },
		{ "Sam", "a@b", "", NULL, "Hello", "email" },
		{ "Sam", "a@example.org", "call me maybe", NULL, "Hello", "phone" },
		{ "Sam", "a@example.org", "", "carrier pigeon", "Hello", "preferred" },
		{ "Sam", "a@example.org", "", "phone", "Hello", "phone" },
		{ "Sam", "a@example.org", "", NULL, NULL, "message" },
		{ "Sam", "a@example.org", "", NULL, " \n\t ", "message" },
		{ "Sam", "a@example.org", "", NULL, "bad \x01 byte", "message" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct contact_input in = { cases[i].name, cases[i].email, cases[i].phone,
		    cases[i].preferred, cases[i].message, "" };
		CHECK_INT(contact_send(&r, f.owned, &in, &e), -1);
		if (strcmp(e.param, cases[i].param) != 0)
			test_fail(__FILE__, __LINE__, "case %zu: param %s, want %s (%s)", i,
			    e.param, cases[i].param, e.message);
		CHECK_INT(e.status, 400);
		err_clear(&e);
	}
	struct contact_input in = message("a@example.org", "Hello");
	in.name = long_name;
	CHECK_INT(contact_send(&r, f.owned, &in, &e), -1);
	CHECK_ERR(e, 400, "invalid_parameter", "name");
	in = message("a@example.org", buf_cstr(&big));
	CHECK_INT(contact_send(&r, f.owned, &in, &e), -1);
	CHECK_ERR(e, 400, "invalid_parameter", "message");

	/* Where it cannot go. */
	in = message("a@example.org", "Hello");
	CHECK_INT(contact_send(&r, 999999, &in, &e), -1);
	CHECK_ERR(e, 404, "not_found", "id");
	CHECK_INT(contact_send(&r, f.hidden, &in, &e), -1);
	CHECK_ERR(e, 404, "not_found", "id");
	CHECK_INT(contact_send(&r, f.no_email, &in, &e), -1);
	CHECK_ERR(e, 422, "no_contact", "");
	CHECK_INT(contact_reachable(f.db, f.owned, &e), 1);
	CHECK_INT(contact_reachable(f.db, f.unowned, &e), 1);
	CHECK_INT(contact_reachable(f.db, f.no_email, &e), 0);
	CHECK_INT(contact_reachable(f.db, f.hidden, &e), 0);
	CHECK_INT(contact_reachable(f.db, 999999, &e), 0);

	CHECK_QUERY(f.db, "SELECT count(*) FROM contact_messages", "0");
	CHECK_QUERY(f.db, "SELECT count(*) FROM outbox", "0");
	buf_free(&big);
	fixture_close(&f);
}

TEST(contact_send_accepts_the_longest_and_phone)
{
	struct fixture f;
	if (!fixture_open(&f, "longest"))
		return;
	struct err e = ERR_INIT;
	struct buf big = BUF_INIT;
	for (int i = 0; i < CONTACT_MESSAGE_MAX; i++)
		buf_puts(&big, "\xf0\x9f\x92\xac");	/* 4 bytes each: 20000 bytes */
	char name[4 * CONTACT_NAME_MAX + 1] = "";
	for (int i = 0; i < CONTACT_NAME_MAX; i++)
		memcpy(name + 4 * i, "\xf0\x9f\x98\x80", 5);
	struct account_request r = request(&f, &f.anonymous);
	struct contact_input in = { name, "  Long.Sender@Example.ORG ", " +1 (555) 010-0000 ",
	    "phone", buf_cstr(&big), NULL };
	CHECK_INT(contact_send(&r, f.owned, &in, &e), 0);
	CHECK_QUERY(f.db, "SELECT email, phone, preferred, length(body), status"
	    " FROM contact_messages", "long.sender@example.org|+1 (555) 010-0000|phone|5000|unconfirmed");
	bool already;
	r = request(&f, &f.anonymous);
	CHECK_INT(contact_confirm(&r, mailed_token(f.db, "long.sender@example.org"), &already, &e), 0);
	CHECK(!already);
	/* The whole message fits in no mail: the mail says it was cut. */
	char *mail = mail_to(f.db, f.therapist.email);
	CHECK(strstr(mail, "shortened for this email") != NULL);
	CHECK(strstr(mail, "They would like a call at: +1 (555) 010-0000") != NULL);
	CHECK(strstr(mail, "Subject: New message via imago") != NULL ||
	    strstr(mail, "Subject: New message from \xf0\x9f\x98\x80") != NULL);
	free(mail);
	buf_free(&big);
	fixture_close(&f);
}

/* ---- sending and confirming -------------------------------------------------------- */

TEST(contact_flow_to_an_owned_profile)
{
	struct fixture f;
	if (!fixture_open(&f, "owned"))
		return;
	struct err e = ERR_INIT;
	struct account_request r = request(&f, &f.anonymous);
	struct contact_input in = message("sam@example.org", "We would like couples therapy.");
	in.phone = "+41 44 000 00 00";
	CHECK_INT(contact_send(&r, f.owned, &in, &e), 0);

	/* Stored unconfirmed; the sender has a link; the therapist nothing. */
	CHECK_QUERY(f.db, "SELECT name, email, phone, preferred, status, confirmed_at IS NULL,"
	    " length(confirm_token_hash) FROM contact_messages",
	    "Sam Sender|sam@example.org|+41 44 000 00 00|email|unconfirmed|1|32");
	CHECK_INT(mails_to(f.db, f.therapist.email), 0);
	char *mail = mail_to(f.db, "sam@example.org");
	CHECK(strstr(mail, "Subject: Confirm your message to Tara Owner") != NULL);
	CHECK(strstr(mail, "http://test/contact/confirm?token=") != NULL);
	CHECK(strstr(mail, "within 24 hours") != NULL);
	/* Nothing the sender typed is repeated to the address they gave. */
	CHECK(strstr(mail, "Sam Sender") == NULL);
	CHECK(strstr(mail, "couples therapy") == NULL);
	CHECK(strstr(mail, "tara") == NULL);
	free(mail);
	/* The inbox does not show it yet. */
	struct account_request owner = request(&f, &f.as_therapist);
	struct contact_filter all = { NULL, 20, 0 };
	struct contact_page page;
	CHECK_INT(contact_inbox(&owner, &all, &page, &e), 0);
	CHECK_INT(page.therapist_id, f.owned);
	CHECK_INT(page.total, 0);
	int64_t id = count(f.db, "SELECT id FROM contact_messages");
	struct contact_message m;
	CHECK_INT(contact_get(&owner, id, &m, &e), -1);
	CHECK_ERR(e, 404, "not_found", "id");

	/* Confirmed: to the owner's account address, once. */
	const char *token = mailed_token(f.db, "sam@example.org");
	bool already = true;
	r = request(&f, &f.anonymous);
	CHECK_INT(contact_confirm(&r, token, &already, &e), 0);
	CHECK(!already);
	CHECK_QUERY(f.db, "SELECT status, confirmed_at FROM contact_messages", "delivered|1700000000");
	CHECK_INT(mails_to(f.db, f.therapist.email), 1);
	CHECK_INT(mails_to(f.db, "tara.public@practice.example"), 0);
	mail = mail_to(f.db, f.therapist.email);
	CHECK(strstr(mail, "Subject: New message from Sam Sender via imago") != NULL);
	CHECK(strstr(mail, "We would like couples therapy.") != NULL);
	CHECK(strstr(mail, "Their phone: +41 44 000 00 00") != NULL);
	CHECK(strstr(mail, "They would like an answer by email.") != NULL);
	char want[80];
	snprintf(want, sizeof(want), "http://test/therapist/messages/%lld", (long long)id);
	CHECK(strstr(mail, want) != NULL);
	/* The answer belongs in the app: the mail does not give the address. */
	CHECK(strstr(mail, "sam@example.org") == NULL);
	free(mail);

	r = request(&f, &f.anonymous);
	CHECK_INT(contact_confirm(&r, token, &already, &e), 0);
	CHECK(already);
	CHECK_INT(mails_to(f.db, f.therapist.email), 1);

	/* Unknown and malformed links. */
	r = request(&f, &f.anonymous);
	CHECK_INT(contact_confirm(&r, "x", &already, &e), -1);
	CHECK_ERR(e, 404, "invalid_token", "token");
	char bogus[TOKEN_TEXT_LEN + 1];
	memset(bogus, 'A', TOKEN_TEXT_LEN);
	bogus[TOKEN_TEXT_LEN] = '\0';
	CHECK_INT(contact_confirm(&r, bogus, &already, &e), -1);
	CHECK_ERR(e, 404, "invalid_token", "token");
	CHECK_INT(contact_confirm(&r, NULL, &already, &e), -1);
	CHECK_ERR(e, 404, "invalid_token", "token");

	/* The audit trail: actions only, no address, no words. */
	CHECK_QUERY(f.db, "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit_log"
	    " WHERE action LIKE 'contact.%' ORDER BY id)", "contact.sent contact.delivered");
	CHECK_QUERY(f.db, "SELECT count(*) FROM audit_log WHERE detail LIKE '%@%'"
	    " OR detail LIKE '%couples%' OR detail LIKE '%Sam%'", "0");
	fixture_close(&f);
}

TEST(contact_flow_to_an_unowned_listing)
{
	struct fixture f;
	if (!fixture_open(&f, "unowned"))
		return;
	struct err e = ERR_INIT;
	int64_t id = delivered(&f, f.unowned, "una@example.org", "Do you see couples online?");
	CHECK(id > 0);
	/* Mail to the listing's address, with the sender's: no inbox to
	 * answer from until the listing is claimed. */
	char *mail = mail_to(f.db, "ulla@listing.example");
	CHECK(strstr(mail, "to the listing \"Ulla Unowned\"") != NULL);
	CHECK(strstr(mail, "Their email address: una@example.org") != NULL);
	CHECK(strstr(mail, "Do you see couples online?") != NULL);
	CHECK(strstr(mail, "http://test/account/profile") != NULL);
	CHECK(strstr(mail, "/therapist/messages/") == NULL);
	free(mail);
	/* Nobody's inbox holds it. */
	struct contact_message m;
	struct account_request r = request(&f, &f.as_therapist);
	CHECK_INT(contact_get(&r, id, &m, &e), -1);
	CHECK_ERR(e, 404, "not_found", "id");
	r = request(&f, &f.as_admin);
	CHECK_INT(contact_get(&r, id, &m, &e), -1);
	CHECK_ERR(e, 404, "not_found", "id");
	fixture_close(&f);
}

TEST(contact_link_expires_after_a_day_and_the_sweep_deletes)
{
	struct fixture f;
	if (!fixture_open(&f, "expiry"))
		return;
	struct err e = ERR_INIT;
	struct account_request r = request(&f, &f.anonymous);
	struct contact_input in = message("late@example.org", "Hello");
	CHECK_INT(contact_send(&r, f.owned, &in, &e), 0);
	in = message("fresh@example.org", "Hello");
	r.now = NOW + 100;
	CHECK_INT(contact_send(&r, f.owned, &in, &e), 0);
	CHECK(delivered(&f, f.owned, "kept@example.org", "Hello") > 0);

	bool already;
	r = request(&f, &f.anonymous);
	r.now = NOW + CONTACT_CONFIRM_SECONDS;
	CHECK_INT(contact_confirm(&r, mailed_token(f.db, "late@example.org"), &already, &e), -1);
	CHECK_ERR(e, 410, "link_expired", "token");
	CHECK_INT(mails_to(f.db, f.therapist.email), 1);	/* only "kept" */

	CHECK_INT(contact_sweep(f.db, NOW + CONTACT_CONFIRM_SECONDS - 1, &e), 0);
	CHECK_INT(contact_sweep(f.db, NOW + CONTACT_CONFIRM_SECONDS, &e), 1);
	CHECK_QUERY(f.db, "SELECT email, status FROM contact_messages ORDER BY id",
	    "fresh@example.org|unconfirmed\nkept@example.org|delivered");
	CHECK_QUERY(f.db, "SELECT actor, detail FROM audit_log WHERE action = 'contact.sweep'",
	    "system|deleted 1 unconfirmed");
	/* The deleted message's link is simply unknown now. */
	CHECK_INT(contact_confirm(&r, mailed_token(f.db, "late@example.org"), &already, &e), -1);
	CHECK_ERR(e, 404, "invalid_token", "token");
	fixture_close(&f);
}

TEST(contact_honeypot_stores_and_sends_nothing)
{
	struct fixture f;
	if (!fixture_open(&f, "honeypot"))
		return;
	struct err e = ERR_INIT;
	struct account_request r = request(&f, &f.anonymous);
	struct contact_input in = message("robot@example.org", "Buy now");
	in.website = "http://spam.example";
	CHECK_INT(contact_send(&r, f.owned, &in, &e), 0);
	CHECK_QUERY(f.db, "SELECT count(*) FROM contact_messages", "0");
	CHECK_QUERY(f.db, "SELECT count(*) FROM outbox", "0");
	char want[120];
	snprintf(want, sizeof(want), "anonymous|therapist|%lld|", (long long)f.owned);
	CHECK_QUERY(f.db, "SELECT actor, target_type, target_id, detail FROM audit_log"
	    " WHERE action = 'contact.honeypot'", want);
	fixture_close(&f);
}

TEST(contact_sender_limit)
{
	if (accounts_rate_limit_scale != 1.0)
		return;		/* limits scaled up for this run: nothing to see */
	struct fixture f;
	if (!fixture_open(&f, "limit"))
		return;
	struct err e = ERR_INIT;
	for (int i = 0; i < 5; i++) {
		struct account_request r = request(&f, &f.anonymous);
		struct contact_input in = message("limited@example.org", "Hello");
		CHECK_INT(contact_send(&r, f.owned, &in, &e), 0);
	}
	struct account_request r = request(&f, &f.anonymous);
	struct contact_input in = message("limited@example.org", "Hello");
	CHECK_INT(contact_send(&r, f.owned, &in, &e), -1);
	CHECK(e.retry_after > 0);
	CHECK_ERR(e, 429, "rate_limited", "");
	CHECK_QUERY(f.db, "SELECT count(*) FROM contact_messages", "5");
	fixture_close(&f);
}

/* ---- the inbox ------------------------------------------------------------------------ */

TEST(contact_inbox_only_for_the_owner)
{
	struct fixture f;
	if (!fixture_open(&f, "inbox"))
		return;
	struct err e = ERR_INIT;
	int64_t first = delivered(&f, f.owned, "one@example.org", "First");
	int64_t second = delivered(&f, f.owned, "two@example.org", "Second: can you refund a deposit?");
	int64_t elsewhere = delivered(&f, f.others, "three@example.org", "For Otto");
	struct account_request r = request(&f, &f.anonymous);
	struct contact_input in = message("four@example.org", "Never confirmed");
	CHECK_INT(contact_send(&r, f.owned, &in, &e), 0);

	struct account_request owner = request(&f, &f.as_therapist);
	struct contact_filter all = { NULL, 20, 0 };
	struct contact_page page;
	CHECK_INT(contact_inbox(&owner, &all, &page, &e), 0);
	CHECK_INT(page.total, 2);
	CHECK_INT(page.unread, 2);
	CHECK_INT(page.n, 2);
	CHECK_INT(page.messages[0].id, second);	/* newest first */
	CHECK_INT(page.messages[1].id, first);
	CHECK(page.messages[0].scam_warning);
	CHECK(!page.messages[1].scam_warning);
	struct contact_filter one = { "all", 1, 1 };
	CHECK_INT(contact_inbox(&owner, &one, &page, &e), 0);
	CHECK_INT(page.n, 1);
	CHECK_INT(page.messages[0].id, first);
	struct contact_filter bad = { "archived", 20, 0 };
	CHECK_INT(contact_inbox(&owner, &bad, &page, &e), -1);
	CHECK_ERR(e, 400, "invalid_parameter", "status");
	struct contact_filter big = { NULL, CONTACT_PAGE_MAX + 1, 0 };
	CHECK_INT(contact_inbox(&owner, &big, &page, &e), -1);
	CHECK_ERR(e, 400, "invalid_parameter", "limit");

	/* Everyone else: another therapist, an admin, a client, nobody. */
	const struct auth *strangers[] = { &f.as_other, &f.as_admin, &f.as_client, &f.anonymous };
	for (size_t i = 0; i < 4; i++) {
		struct account_request s = request(&f, strangers[i]);
		struct contact_message m;
		CHECK_INT(contact_get(&s, first, &m, &e), -1);
		CHECK_ERR(e, 404, "not_found", "id");
		CHECK_INT(contact_reply(&s, first, "Hi", &e), -1);
		CHECK_ERR(e, 404, "not_found", "id");
		CHECK_INT(contact_mark_spam(&s, first, true, &e), -1);
		CHECK_ERR(e, 404, "not_found", "id");
		CHECK_INT(contact_inbox(&s, &all, &page, &e), 0);
		CHECK(page.n == 0 || page.messages[0].id == elsewhere);
	}
	CHECK_QUERY(f.db, "SELECT count(*) FROM contact_messages WHERE read_at IS NOT NULL"
	    " OR replied_at IS NOT NULL OR status = 'spam'", "0");

	/* Reading marks read, once. */
	struct contact_message m;
	CHECK_INT(contact_get(&owner, first, &m, &e), 0);
	CHECK_STR(m.body, "First");
	CHECK_STR(m.email, "one@example.org");
	CHECK_INT(m.read_at, NOW);
	CHECK_INT(m.nreplies, 0);
	CHECK(m.replies != NULL);
	CHECK_INT(contact_get(&owner, first, &m, &e), 0);
	CHECK_QUERY(f.db, "SELECT count(*) FROM audit_log WHERE action = 'contact.read'", "1");
	CHECK_INT(contact_inbox(&owner, &all, &page, &e), 0);
	CHECK_INT(page.unread, 1);
	fixture_close(&f);
}

TEST(contact_reply_and_spam)
{
	struct fixture f;
	if (!fixture_open(&f, "reply"))
		return;
	struct err e = ERR_INIT;
	int64_t id = delivered(&f, f.owned, "rita@example.org", "Line one\nLine two");
	struct account_request owner = request(&f, &f.as_therapist);
	CHECK_INT(contact_reply(&owner, id, "  ", &e), -1);
	CHECK_ERR(e, 400, "invalid_parameter", "message");
	CHECK_INT(contact_reply(&owner, id, "Happy to talk.\nCall me on Monday.", &e), 0);
	char *mail = mail_to(f.db, "rita@example.org");
	CHECK(strstr(mail, "Subject: Tara Owner answered your message") != NULL);
	CHECK(strstr(mail, "Happy to talk.\nCall me on Monday.") != NULL);
	CHECK(strstr(mail, "> Line one\n> Line two") != NULL);
	CHECK(strstr(mail, "use the form on their page:\n\nhttp://test/therapists/") != NULL);
	/* Neither the account's address nor the profile's (not shown). */
	CHECK(strstr(mail, f.therapist.email) == NULL);
	CHECK(strstr(mail, "tara.public@practice.example") == NULL);
	free(mail);
	CHECK_QUERY(f.db, "SELECT body FROM contact_replies", "Happy to talk.\nCall me on Monday.");
	CHECK_QUERY(f.db, "SELECT replied_at, read_at FROM contact_messages", "1700000000|1700000000");

	/* A profile that shows its address says so in the next reply. */
	exec(f.db, "UPDATE therapists SET show_email = 1");
	CHECK_INT(contact_reply(&owner, id, "Second answer", &e), 0);
	mail = mail_to(f.db, "rita@example.org");
	CHECK(strstr(mail, "To write back, email tara.public@practice.example") != NULL);
	CHECK(strstr(mail, f.therapist.email) == NULL);
	free(mail);
	struct contact_message m;
	CHECK_INT(contact_get(&owner, id, &m, &e), 0);
	CHECK_INT(m.nreplies, 2);
	CHECK_STR(m.replies[1].body, "Second answer");

	/* Spam: no replies while marked; later messages from the sender go
	 * straight to spam, without mail. */
	CHECK_INT(contact_mark_spam(&owner, id, true, &e), 0);
	CHECK_INT(contact_mark_spam(&owner, id, true, &e), 0);	/* no change, no entry */
	CHECK_INT(contact_reply(&owner, id, "Third", &e), -1);
	CHECK_ERR(e, 409, "message_is_spam", "");
	long long before = mails_to(f.db, f.therapist.email);
	int64_t again = delivered(&f, f.owned, "rita@example.org", "Again");
	CHECK(again > 0);
	CHECK_INT(mails_to(f.db, f.therapist.email), before);
	char sql[120];
	snprintf(sql, sizeof(sql), "SELECT status FROM contact_messages WHERE id = %lld",
	    (long long)again);
	CHECK_QUERY(f.db, sql, "spam");
	struct contact_filter spam = { "spam", 20, 0 };
	struct contact_page page;
	CHECK_INT(contact_inbox(&owner, &spam, &page, &e), 0);
	CHECK_INT(page.total, 2);
	CHECK_INT(contact_mark_spam(&owner, id, false, &e), 0);
	CHECK_INT(contact_reply(&owner, id, "Third", &e), 0);
	CHECK_QUERY(f.db, "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit_log"
	    " WHERE action IN ('contact.reply', 'contact.spam', 'contact.not_spam') ORDER BY id)",
	    "contact.reply contact.reply contact.spam contact.not_spam contact.reply");

	/* The export holds the inbox with its replies. */
	struct buf out = BUF_INIT;
	struct jw j;
	jw_init(&j, &out);
	jw_object_begin(&j);
	CHECK_INT(contact_export_json(&owner, &j, &e), 0);
	jw_object_end(&j);
	CHECK(strstr(buf_cstr(&out), "{\"contact_messages\":[{\"id\":") != NULL);
	CHECK(strstr(buf_cstr(&out), "\"message\":\"Second answer\"") != NULL);
	CHECK(strstr(buf_cstr(&out), "\"message\":\"Again\"") != NULL);
	buf_free(&out);
	struct account_request other = request(&f, &f.as_client);
	jw_init(&j, &out);
	jw_object_begin(&j);
	CHECK_INT(contact_export_json(&other, &j, &e), 0);
	jw_object_end(&j);
	CHECK_STR(buf_cstr(&out), "{\"contact_messages\":[]}");
	buf_free(&out);

	/* Deleting the profile takes its messages and replies along. */
	CHECK_QUERY(f.db, "SELECT count(*) FROM contact_messages", "2");
	exec(f.db, "DELETE FROM therapists WHERE owner_user_id IS NOT NULL");
	CHECK_QUERY(f.db, "SELECT count(*) FROM contact_messages", "0");
	CHECK_QUERY(f.db, "SELECT count(*) FROM contact_replies", "0");
	fixture_close(&f);
}

/* ---- the public view and the scam marks -------------------------------------------------- */

TEST(contact_public_json_shows_email_only_when_chosen)
{
	struct therapist t;
	therapist_init(&t);
	t.id = 7;
	t.name = "Pia Public";
	t.email = "pia@practice.example";
	struct buf out = BUF_INIT;
	struct jw j;
	jw_init(&j, &out);
	jw_object_begin(&j);
	therapist_json_fields(&j, &t);
	jw_object_end(&j);
	CHECK(strstr(buf_cstr(&out), "pia@practice.example") == NULL);
	CHECK(strstr(buf_cstr(&out), "\"email\"") == NULL);
	CHECK(strstr(buf_cstr(&out), "show_email") == NULL);
	buf_reset(&out);
	jw_init(&j, &out);
	jw_object_begin(&j);
	therapist_json_owner_fields(&j, &t);
	jw_object_end(&j);
	CHECK(strstr(buf_cstr(&out), "\"email\":\"pia@practice.example\",\"show_email\":false") != NULL);
	t.show_email = true;
	buf_reset(&out);
	jw_init(&j, &out);
	jw_object_begin(&j);
	therapist_json_fields(&j, &t);
	jw_object_end(&j);
	CHECK(strstr(buf_cstr(&out), "\"email\":\"pia@practice.example\"") != NULL);
	buf_free(&out);
}

TEST(contact_scam_signs)
{
	static const char *const yes[] = {
		"I will send a cashier's check for the first 10 sessions.",
		"My assistant OVERPAID you, please refund the rest",
		"Can you accept payment by Western Union?",
		"I'll pay with gift cards",
		"Please send the difference back to my cousin",
		"Cashier\xe2\x80\x99s check attached",
	};
	static const char *const no[] = {
		"We have been married ten years and argue a lot.",
		"Do you take insurance? What is your fee?",
		"",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!contact_scam_signs(yes[i]))
			test_fail(__FILE__, __LINE__, "not flagged: %s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (contact_scam_signs(no[i]))
			test_fail(__FILE__, __LINE__, "flagged: %s", no[i]);
	CHECK(!contact_scam_signs(NULL));
}
