/*
 * The guided dialogue (src/dialogue/): the pure state machine walked over
 * every step, action and role against a table written here from the
 * design (not copied from steps.c), the checks of each action (text,
 * proposed_at, begin's time, one appreciation a person a round), the
 * prompts; then the store against a real database: start and its gates,
 * acting with versions, roles on one and two devices, a switch, the
 * state JSON, the list, keeping a record, the sweep, access (404 for
 * anyone outside the couple), and that no topic or text is found in
 * clear in the database files or the audit log.
 */
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/accounts/accounts.h"
#include "../../src/dialogue/dialogue.h"
#include "../../src/store/db.h"
#include "../../src/util/buf.h"
#include "../../src/util/jw.h"
#include "../../src/vault/vault.h"
#include "../../src/workspace/workspace.h"

#define NOW	1700000000	/* 2023-11-14T22:13:20Z */
#define PASSWORD "correct horse battery staple"

/* ---- the expected table, from DESIGN.md ---------------------------------- */

static const char *const steps[] = {
	"appointment", "scheduled", "sending", "mirroring", "mirror_check",
	"summary", "summary_check", "validation", "empathy", "empathy_check",
	"closing", "ended", "stopped",
};
#define NSTEPS	(sizeof(steps) / sizeof(steps[0]))

static const char *const actions[] = {
	"accept", "propose", "begin", "send", "mirror", "more", "correct",
	"no_more", "summarize", "confirm", "validate", "empathize", "appreciate",
	"switch", "finish", "stop",
};
#define NACTIONS	(sizeof(actions) / sizeof(actions[0]))

/* "step action who next"; stop is added for every open step below. */
static const char *const expected_rows[] = {
	"appointment accept receiver sending",
	"appointment propose receiver scheduled",
	"scheduled begin either sending",
	"sending send sender mirroring",
	"mirroring mirror receiver mirror_check",
	"mirror_check more sender mirroring",
	"mirror_check correct sender mirroring",
	"mirror_check no_more sender summary",
	"summary summarize receiver summary_check",
	"summary_check confirm sender validation",
	"summary_check correct sender summary",
	"validation validate receiver empathy",
	"empathy empathize receiver empathy_check",
	"empathy_check confirm sender closing",
	"empathy_check correct sender empathy",
	"closing appreciate either closing",
	"closing switch either sending",
	"closing finish either ended",
};

static const char *const text_actions[] = {
	"send", "mirror", "more", "correct", "summarize", "validate", "empathize",
	"appreciate",
};

/* Who may take action in step and where it leads, from expected_rows:
 * false when it is no action of that step. */
static bool
expected(const char *step, const char *action, char who[16], char next[16])
{
	bool open = strcmp(step, "ended") != 0 && strcmp(step, "stopped") != 0;
	if (strcmp(action, "stop") == 0) {
		snprintf(who, 16, "either");
		snprintf(next, 16, "stopped");
		return open;
	}
	for (size_t i = 0; i < sizeof(expected_rows) / sizeof(expected_rows[0]); i++) {
		char s[32], a[32], w[16], n[16];
		if (sscanf(expected_rows[i], "%31s %31s %15s %15s", s, a, w, n) != 4)
			abort();
		if (strcmp(s, step) == 0 && strcmp(a, action) == 0) {
			memcpy(who, w, 16);
			memcpy(next, n, 16);
			return true;
		}
	}
	return false;
}

static bool
takes_text(const char *action)
{
	for (size_t i = 0; i < sizeof(text_actions) / sizeof(text_actions[0]); i++)
		if (strcmp(text_actions[i], action) == 0)
			return true;
	return false;
}

static enum dialogue_step
step_of(const char *name)
{
	enum dialogue_step s = DIALOGUE_STEP_COUNT;
	if (dialogue_step_parse(name, &s) != 0)
		test_fail(__FILE__, __LINE__, "step %s does not parse", name);
	return s;
}

static enum dialogue_action
action_of(const char *name)
{
	enum dialogue_action a = DIALOGUE_ACTION_COUNT;
	if (dialogue_action_parse(name, &a) != 0)
		test_fail(__FILE__, __LINE__, "action %s does not parse", name);
	return a;
}

static struct dialogue_state
state_at(const char *step)
{
	struct dialogue_state s = { step_of(step), 1, 0, 0 };
	if (s.step == DIALOGUE_SCHEDULED)
		s.proposed_at = NOW;	/* begin is due */
	return s;
}

/* ---- names -------------------------------------------------------------- */

TEST(dialogue_names)
{
	CHECK_INT(NSTEPS, DIALOGUE_STEP_COUNT);
	CHECK_INT(NACTIONS, DIALOGUE_ACTION_COUNT);
	for (size_t i = 0; i < NSTEPS; i++)
		CHECK_STR(dialogue_step_name(step_of(steps[i])), steps[i]);
	for (size_t i = 0; i < NACTIONS; i++)
		CHECK_STR(dialogue_action_name(action_of(actions[i])), actions[i]);
	enum dialogue_step s;
	enum dialogue_action a;
	enum dialogue_role r;
	enum dialogue_mode m;
	enum dialogue_variant v;
	CHECK(dialogue_step_parse("Sending", &s) != 0);
	CHECK(dialogue_step_parse(NULL, &s) != 0);
	CHECK(dialogue_action_parse("", &a) != 0);
	CHECK(dialogue_action_parse("stopp", &a) != 0);
	CHECK(dialogue_role_parse("sender", &r) == 0 && r == DIALOGUE_SENDER);
	CHECK(dialogue_role_parse("receiver", &r) == 0 && r == DIALOGUE_RECEIVER);
	CHECK(dialogue_role_parse("either", &r) != 0);
	CHECK(dialogue_mode_parse("one_device", &m) == 0 && m == DIALOGUE_ONE_DEVICE);
	CHECK(dialogue_mode_parse("two_devices", &m) == 0 && m == DIALOGUE_TWO_DEVICES);
	CHECK(dialogue_mode_parse("three", &m) != 0);
	CHECK(dialogue_variant_parse("deepening", &v) == 0 && v == DIALOGUE_DEEPENING);
	CHECK(dialogue_variant_parse("standard", &v) == 0 && v == DIALOGUE_STANDARD);
	CHECK(dialogue_variant_parse("deep", &v) != 0);
	CHECK(dialogue_step_name(DIALOGUE_STEP_COUNT) == NULL);
	CHECK(dialogue_action_name(DIALOGUE_ACTION_COUNT) == NULL);
	CHECK(dialogue_turn_name(DIALOGUE_TURN_NONE) == NULL);
	CHECK_STR(dialogue_turn_name(DIALOGUE_TURN_EITHER), "either");
}

/* ---- the whole table ---------------------------------------------------- */

TEST(dialogue_every_step_action_role)
{
	int allowed = 0, refused = 0;
	for (size_t si = 0; si < NSTEPS; si++)
		for (size_t ai = 0; ai < NACTIONS; ai++)
			for (int ri = 0; ri < 2; ri++) {
				const char *role = ri ? "receiver" : "sender";
				char who[16], next[16];
				bool is_action = expected(steps[si], actions[ai], who, next);
				bool may = is_action && (strcmp(who, "either") == 0 ||
				    strcmp(who, role) == 0);
				struct dialogue_state s = state_at(steps[si]), out;
				memset(&out, 0, sizeof(out));
				struct err e = ERR_INIT;
				int rc = dialogue_transition(&s, (enum dialogue_role)ri,
				    action_of(actions[ai]), "I feel heard.", NOW + 3600, NOW,
				    &out, &e);
				bool closed = strcmp(steps[si], "ended") == 0 ||
				    strcmp(steps[si], "stopped") == 0;
				if (may) {
					allowed++;
					if (rc != 0) {
						test_fail(__FILE__, __LINE__, "%s %s as %s: %s %s",
						    steps[si], actions[ai], role, e.code, e.message);
						continue;
					}
					CHECK_STR(dialogue_step_name(out.step), next);
					CHECK_INT(out.round, strcmp(actions[ai], "switch") == 0 ? 2 : 1);
					continue;
				}
				refused++;
				const char *want = closed ? "dialogue_ended" :
				    !is_action ? "wrong_step" : "not_your_turn";
				if (rc != -1 || e.status != 409 || strcmp(e.code, want) != 0)
					test_fail(__FILE__, __LINE__, "%s %s as %s: rc %d %d %s, want 409 %s",
					    steps[si], actions[ai], role, rc, e.status, e.code, want);
				/* wrong_step says whose turn it is and what they do. */
				if (strcmp(want, "wrong_step") == 0) {
					enum dialogue_turn t = dialogue_whose_turn(s.step);
					CHECK(strstr(e.message, dialogue_turn_name(t)) != NULL);
				}
			}
	/* 18 rows, 4 of them for either (x2 roles), 11 stops x 2 roles. */
	CHECK_INT(allowed, 14 + 4 * 2 + 11 * 2);
	CHECK_INT(allowed + refused, NSTEPS * NACTIONS * 2);
}

TEST(dialogue_rule_matches_expected)
{
	for (size_t si = 0; si < NSTEPS; si++)
		for (size_t ai = 0; ai < NACTIONS; ai++) {
			char who[16], next[16];
			enum dialogue_turn t;
			enum dialogue_step n;
			bool want = expected(steps[si], actions[ai], who, next);
			bool got = dialogue_rule(step_of(steps[si]), action_of(actions[ai]), &t, &n);
			CHECK(want == got);
			if (want && got) {
				CHECK_STR(dialogue_turn_name(t), who);
				CHECK_STR(dialogue_step_name(n), next);
			}
		}
	for (size_t ai = 0; ai < NACTIONS; ai++)
		CHECK(dialogue_action_takes_text(action_of(actions[ai])) == takes_text(actions[ai]));
	CHECK(dialogue_whose_turn(DIALOGUE_MIRRORING) == DIALOGUE_TURN_RECEIVER);
	CHECK(dialogue_whose_turn(DIALOGUE_MIRROR_CHECK) == DIALOGUE_TURN_SENDER);
	CHECK(dialogue_whose_turn(DIALOGUE_CLOSING) == DIALOGUE_TURN_EITHER);
	CHECK(dialogue_whose_turn(DIALOGUE_ENDED) == DIALOGUE_TURN_NONE);
	CHECK(dialogue_whose_turn(DIALOGUE_STOPPED) == DIALOGUE_TURN_NONE);
}

TEST(dialogue_wrong_step_message)
{
	struct dialogue_state s = state_at("mirroring"), out;
	struct err e = ERR_INIT;
	CHECK(dialogue_transition(&s, DIALOGUE_SENDER, DIALOGUE_SEND, "x", 0, NOW, &out, &e) == -1);
	CHECK_STR(e.code, "wrong_step");
	CHECK(strstr(e.message, "receiver's turn to mirror") != NULL);
	err_clear(&e);
	CHECK(dialogue_transition(&s, DIALOGUE_SENDER, DIALOGUE_MIRROR, "x", 0, NOW, &out, &e) == -1);
	CHECK_STR(e.code, "not_your_turn");
	CHECK(strstr(e.message, "receiver") != NULL);
}

/* ---- one action's own rules ---------------------------------------------- */

static int
try(const char *step, enum dialogue_role who, const char *action, const char *text,
    time_t proposed_at, time_t now, struct dialogue_state *out, struct err *e)
{
	struct dialogue_state s = state_at(step);
	err_clear(e);
	return dialogue_transition(&s, who, action_of(action), text, proposed_at, now, out, e);
}

TEST(dialogue_text_rules)
{
	char who[16], next[16];
	struct dialogue_state out;
	struct err e = ERR_INIT;
	/* 1000 characters of 3 bytes each pass; 1001 do not. */
	struct buf max = BUF_INIT, over = BUF_INIT;
	for (int i = 0; i < DIALOGUE_TEXT_MAX; i++)
		buf_puts(&max, "\xe2\x82\xac");
	buf_puts(&over, buf_cstr(&max));
	buf_puts(&over, "x");
	for (size_t si = 0; si < NSTEPS; si++)
		for (size_t ai = 0; ai < NACTIONS; ai++) {
			if (!expected(steps[si], actions[ai], who, next))
				continue;
			enum dialogue_role r = strcmp(who, "receiver") == 0 ?
			    DIALOGUE_RECEIVER : DIALOGUE_SENDER;
			time_t p = NOW + 60;
			if (!takes_text(actions[ai])) {
				/* Text is ignored where none is taken. */
				CHECK(try(steps[si], r, actions[ai], NULL, p, NOW, &out, &e) == 0);
				continue;
			}
			const char *bad[] = { NULL, "", "  \n\t ", "bad \xff utf-8" };
			for (size_t b = 0; b < 4; b++) {
				CHECK(try(steps[si], r, actions[ai], bad[b], p, NOW, &out, &e) == -1);
				CHECK_INT(e.status, 400);
				CHECK_STR(e.param, "text");
			}
			CHECK(try(steps[si], r, actions[ai], buf_cstr(&over), p, NOW, &out, &e) == -1);
			CHECK_INT(e.status, 422);
			CHECK_STR(e.code, "text_too_long");
			CHECK_STR(e.param, "text");
			CHECK(try(steps[si], r, actions[ai], buf_cstr(&max), p, NOW, &out, &e) == 0);
			CHECK(try(steps[si], r, actions[ai], "Zürich, 日本, line\nbreak", p, NOW,
			    &out, &e) == 0);
		}
	buf_free(&max);
	buf_free(&over);
}

TEST(dialogue_proposed_at_bounds)
{
	struct dialogue_state out;
	struct err e = ERR_INIT;
	time_t bad[] = { 0, NOW - 1, NOW - 86400, NOW + 86401, NOW + 7 * 86400 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(try("appointment", DIALOGUE_RECEIVER, "propose", NULL, bad[i], NOW, &out,
		    &e) == -1);
		CHECK_INT(e.status, 422);
		CHECK_STR(e.param, "proposed_at");
	}
	time_t good[] = { NOW, NOW + 1, NOW + 3600, NOW + 86400 };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(try("appointment", DIALOGUE_RECEIVER, "propose", NULL, good[i], NOW, &out,
		    &e) == 0);
		CHECK(out.step == DIALOGUE_SCHEDULED);
		CHECK_INT(out.proposed_at, good[i]);
	}
	/* The sender cannot propose, even a good time. */
	CHECK(try("appointment", DIALOGUE_SENDER, "propose", NULL, NOW + 60, NOW, &out, &e) == -1);
	CHECK_STR(e.code, "not_your_turn");
}

TEST(dialogue_begin_time)
{
	struct dialogue_state s = { DIALOGUE_SCHEDULED, 1, NOW + 3600, 0 }, out;
	struct err e = ERR_INIT;
	CHECK(dialogue_transition(&s, DIALOGUE_SENDER, DIALOGUE_BEGIN, NULL, 0,
	    NOW + 3600 - 601, &out, &e) == -1);
	CHECK_INT(e.status, 409);
	CHECK_STR(e.code, "too_early");
	CHECK(strstr(e.message, "2023-11-14T23:13:20Z") != NULL);
	for (int r = 0; r < 2; r++) {
		err_clear(&e);
		CHECK(dialogue_transition(&s, (enum dialogue_role)r, DIALOGUE_BEGIN, NULL, 0,
		    NOW + 3600 - 600, &out, &e) == 0);
		CHECK(out.step == DIALOGUE_SENDING);
		CHECK(dialogue_transition(&s, (enum dialogue_role)r, DIALOGUE_BEGIN, NULL, 0,
		    NOW + 86400 * 3, &out, &e) == 0);
	}
}

TEST(dialogue_appreciate_once_a_round)
{
	struct dialogue_state s = { DIALOGUE_CLOSING, 1, 0, 0 }, a, b, c, sw;
	struct err e = ERR_INIT;
	CHECK(dialogue_transition(&s, DIALOGUE_SENDER, DIALOGUE_APPRECIATE, "You listened.",
	    0, NOW, &a, &e) == 0);
	CHECK(a.step == DIALOGUE_CLOSING);
	CHECK(dialogue_transition(&a, DIALOGUE_SENDER, DIALOGUE_APPRECIATE, "Again.", 0, NOW,
	    &b, &e) == -1);
	CHECK_INT(e.status, 409);
	CHECK_STR(e.code, "already_appreciated");
	err_clear(&e);
	CHECK(dialogue_transition(&a, DIALOGUE_RECEIVER, DIALOGUE_APPRECIATE, "You shared.",
	    0, NOW, &b, &e) == 0);
	CHECK(dialogue_transition(&b, DIALOGUE_RECEIVER, DIALOGUE_APPRECIATE, "Again.", 0,
	    NOW, &c, &e) == -1);
	CHECK_STR(e.code, "already_appreciated");
	/* A new round, a new appreciation each. */
	err_clear(&e);
	CHECK(dialogue_transition(&b, DIALOGUE_RECEIVER, DIALOGUE_SWITCH, NULL, 0, NOW, &sw,
	    &e) == 0);
	CHECK_INT(sw.round, 2);
	CHECK_INT(sw.appreciated, 0);
	CHECK(sw.step == DIALOGUE_SENDING);
}

TEST(dialogue_stop_from_every_open_step)
{
	for (size_t si = 0; si < NSTEPS; si++)
		for (int r = 0; r < 2; r++) {
			struct dialogue_state s = state_at(steps[si]), out;
			struct err e = ERR_INIT;
			int rc = dialogue_transition(&s, (enum dialogue_role)r, DIALOGUE_STOP, NULL,
			    0, NOW, &out, &e);
			if (dialogue_step_closed(s.step)) {
				CHECK(rc == -1);
				CHECK_STR(e.code, "dialogue_ended");
			} else {
				CHECK(rc == 0);
				CHECK(out.step == DIALOGUE_STOPPED);
			}
		}
}

/* A whole dialogue: appointment by proposal, a round with more and
 * corrections, appreciations, a switch, a second round, finish. Roles
 * are those of each round (the store swaps who holds them). */
TEST(dialogue_whole_with_switch)
{
	static const struct { const char *action; enum dialogue_role who; const char *after; }
	walk[] = {
		{ "propose", DIALOGUE_RECEIVER, "scheduled" },
		{ "begin", DIALOGUE_SENDER, "sending" },
		{ "send", DIALOGUE_SENDER, "mirroring" },
		{ "mirror", DIALOGUE_RECEIVER, "mirror_check" },
		{ "more", DIALOGUE_SENDER, "mirroring" },
		{ "mirror", DIALOGUE_RECEIVER, "mirror_check" },
		{ "correct", DIALOGUE_SENDER, "mirroring" },
		{ "mirror", DIALOGUE_RECEIVER, "mirror_check" },
		{ "no_more", DIALOGUE_SENDER, "summary" },
		{ "summarize", DIALOGUE_RECEIVER, "summary_check" },
		{ "correct", DIALOGUE_SENDER, "summary" },
		{ "summarize", DIALOGUE_RECEIVER, "summary_check" },
		{ "confirm", DIALOGUE_SENDER, "validation" },
		{ "validate", DIALOGUE_RECEIVER, "empathy" },
		{ "empathize", DIALOGUE_RECEIVER, "empathy_check" },
		{ "correct", DIALOGUE_SENDER, "empathy" },
		{ "empathize", DIALOGUE_RECEIVER, "empathy_check" },
		{ "confirm", DIALOGUE_SENDER, "closing" },
		{ "appreciate", DIALOGUE_RECEIVER, "closing" },
		{ "appreciate", DIALOGUE_SENDER, "closing" },
		{ "switch", DIALOGUE_SENDER, "sending" },
		{ "send", DIALOGUE_SENDER, "mirroring" },
		{ "mirror", DIALOGUE_RECEIVER, "mirror_check" },
		{ "no_more", DIALOGUE_SENDER, "summary" },
		{ "summarize", DIALOGUE_RECEIVER, "summary_check" },
		{ "confirm", DIALOGUE_SENDER, "validation" },
		{ "validate", DIALOGUE_RECEIVER, "empathy" },
		{ "empathize", DIALOGUE_RECEIVER, "empathy_check" },
		{ "confirm", DIALOGUE_SENDER, "closing" },
		{ "appreciate", DIALOGUE_SENDER, "closing" },
		{ "finish", DIALOGUE_RECEIVER, "ended" },
	};
	struct dialogue_state s = { DIALOGUE_APPOINTMENT, 1, 0, 0 }, next;
	for (size_t i = 0; i < sizeof(walk) / sizeof(walk[0]); i++) {
		struct err e = ERR_INIT;
		if (dialogue_transition(&s, walk[i].who, action_of(walk[i].action), "Some words.",
		    NOW + 300, NOW, &next, &e) != 0) {
			test_fail(__FILE__, __LINE__, "step %zu %s: %s", i, walk[i].action, e.message);
			return;
		}
		CHECK_STR(dialogue_step_name(next.step), walk[i].after);
		s = next;
	}
	CHECK_INT(s.round, 2);
	CHECK_INT(s.proposed_at, NOW + 300);
	struct err e = ERR_INIT;
	CHECK(dialogue_transition(&s, DIALOGUE_SENDER, DIALOGUE_STOP, NULL, 0, NOW, &next, &e) == -1);
	CHECK_STR(e.code, "dialogue_ended");
}

/* ---- prompts and times -------------------------------------------------- */

TEST(dialogue_prompts)
{
	struct dialogue_prompt p;
	for (int s = 0; s < DIALOGUE_STEP_COUNT; s++)
		for (int r = 0; r < 2; r++)
			for (int v = 0; v < 2; v++) {
				dialogue_prompt_for((enum dialogue_step)s, (enum dialogue_role)r,
				    (enum dialogue_variant)v, &p);
				CHECK(p.instruction != NULL && *p.instruction != '\0');
				CHECK(p.n_stems <= DIALOGUE_STEMS_MAX);
				for (size_t i = 0; i < p.n_stems; i++)
					CHECK(p.stems[i] != NULL && *p.stems[i] != '\0');
			}
	dialogue_prompt_for(DIALOGUE_SENDING, DIALOGUE_SENDER, DIALOGUE_DEEPENING, &p);
	CHECK_INT(p.n_stems, 8);
	CHECK(strncmp(p.stems[0], "What I'm concerned about is", 27) == 0);
	CHECK(strncmp(p.stems[6], "What this reminds me of from childhood is", 41) == 0);
	CHECK(strncmp(p.stems[7], "What I desire is", 16) == 0);
	dialogue_prompt_for(DIALOGUE_SENDING, DIALOGUE_SENDER, DIALOGUE_STANDARD, &p);
	CHECK(p.n_stems > 0 && strncmp(p.stems[0], "What I'm concerned", 18) != 0);
	/* The receiver's prompt is the same in both variants. */
	struct dialogue_prompt q;
	dialogue_prompt_for(DIALOGUE_MIRRORING, DIALOGUE_RECEIVER, DIALOGUE_DEEPENING, &p);
	dialogue_prompt_for(DIALOGUE_MIRRORING, DIALOGUE_RECEIVER, DIALOGUE_STANDARD, &q);
	CHECK_STR(p.instruction, q.instruction);
	CHECK(strncmp(p.stems[0], "If I got it, you said", 21) == 0);
	dialogue_prompt_for(DIALOGUE_CLOSING, DIALOGUE_RECEIVER, DIALOGUE_STANDARD, &p);
	CHECK(strncmp(p.stems[0], "One thing I appreciate about you is", 35) == 0);
}

TEST(dialogue_parse_time)
{
	time_t t = 0;
	CHECK(dialogue_parse_time("2023-11-14T22:13:20Z", &t) == 0 && t == NOW);
	CHECK(dialogue_parse_time("2023-11-14T22:13:20.123Z", &t) == 0 && t == NOW);
	CHECK(dialogue_parse_time("2023-11-14T23:13:20+01:00", &t) == 0 && t == NOW);
	CHECK(dialogue_parse_time("2023-11-14T22:13Z", &t) == 0 && t == NOW - 20);
	CHECK(dialogue_parse_time("2023-11-14T22:13:20", &t) != 0);	/* no zone */
	CHECK(dialogue_parse_time("2023-11-14T22:13:20.Z", &t) != 0);
	CHECK(dialogue_parse_time("2023-11-14 22:13:20Z", &t) != 0);
	CHECK(dialogue_parse_time("tomorrow", &t) != 0);
	CHECK(dialogue_parse_time("", &t) != 0);
	CHECK(dialogue_parse_time(NULL, &t) != 0);
	CHECK(dialogue_parse_time("2023-11-14T22:13:20.1234567890123456789012345Z", &t) != 0);
}

/* ---- the store ------------------------------------------------------------ */

struct fixture {
	sqlite3		*db;
	struct arena	*arena;
	struct vault	*vault;
	struct user	 alice, bob, eve;	/* alice and bob a couple; eve alone */
	struct auth	 as_alice, as_bob, as_eve;
	char		 db_path[512];
	char		 key_path[600];
	time_t		 now;
};

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
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		test_fail(__FILE__, __LINE__, "%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
}

static long long
count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		test_fail(__FILE__, __LINE__, "%s: %s", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
add_user(struct fixture *f, const char *name, const char *who, struct user *u)
{
	struct err e = ERR_INIT;
	char email[128];
	snprintf(email, sizeof(email), "%s.%s@example.org", who, name);
	if (user_create(f->db, email, PASSWORD, who, ROLE_CLIENT, true, f->arena, u, &e) < 0)
		test_fail(__FILE__, __LINE__, "user_create %s: %s", email, e.message);
}

static bool
fixture_open(struct fixture *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->now = NOW;
	setenv("IMAGO_PWHASH_OPSLIMIT", "1", 0);
	setenv("IMAGO_PWHASH_MEMLIMIT", "8192", 0);
	struct err e = ERR_INIT;
	if (accounts_init(&e) < 0) {
		test_fail(__FILE__, __LINE__, "accounts_init: %s", e.message);
		return false;
	}
	snprintf(f->db_path, sizeof(f->db_path), "%s/dialogue-%s.db", test_tmpdir(), name);
	unlink(f->db_path);
	snprintf(f->key_path, sizeof(f->key_path), "%s/dialogue-%s.key", test_tmpdir(), name);
	unlink(f->key_path);
	f->vault = vault_open(f->key_path, true, &e);
	f->db = db_open(f->db_path, &e);
	if (f->vault == NULL || f->db == NULL || db_migrate(f->db, &e) < 0) {
		test_fail(__FILE__, __LINE__, "set-up: %s", e.message);
		return false;
	}
	f->arena = arena_new();
	add_user(f, name, "Alice", &f->alice);
	add_user(f, name, "Bob", &f->bob);
	add_user(f, name, "Eve", &f->eve);
	f->as_alice = signed_in(&f->alice);
	f->as_bob = signed_in(&f->bob);
	f->as_eve = signed_in(&f->eve);
	char sql[300];
	exec(f->db, "INSERT INTO couples (created_at) VALUES (1)");
	snprintf(sql, sizeof(sql), "INSERT INTO couple_members (user_id, couple_id, joined_at)"
	    " VALUES (%lld, last_insert_rowid(), 1), (%lld, last_insert_rowid(), 1)",
	    (long long)f->alice.id, (long long)f->bob.id);
	exec(f->db, sql);
	return true;
}

static void
fixture_close(struct fixture *f)
{
	db_close(f->db);
	vault_close(f->vault);
	arena_free(f->arena);
}

static struct account_request
request(struct fixture *f, const struct auth *auth)
{
	struct account_request r = {
		.db = f->db, .arena = f->arena, .ip = "192.0.2.1",
		.base_url = "http://test", .auth = auth, .now = f->now, .vault = f->vault,
	};
	return r;
}

/* Answers the safety questions safely for who. */
static void
answer_safe(struct fixture *f, const struct auth *who)
{
	size_t n;
	const struct ws_safety_question *q = ws_safety_questions(&n);
	bool yes[64];
	for (size_t i = 0; i < n && i < 64; i++)
		yes[i] = q[i].safe_answer;
	struct account_request r = request(f, who);
	struct err e = ERR_INIT;
	if (ws_safety_answer(&r, yes, n, &e) != 0)
		test_fail(__FILE__, __LINE__, "ws_safety_answer: %s", e.message);
}

static int64_t
start(struct fixture *f, const struct auth *who, const char *mode, const char *topic)
{
	struct account_request r = request(f, who);
	struct dialogue_start_input in = { mode, NULL, topic, 0 };
	struct err e = ERR_INIT;
	int64_t id = 0;
	if (dialogue_start(&r, &in, &id, &e) != 0)
		test_fail(__FILE__, __LINE__, "dialogue_start: %s %s", e.code, e.message);
	return id;
}

/* Acts with the version the dialogue has now; returns 0 or -1 with e. */
static int
act(struct fixture *f, const struct auth *who, int64_t id, const char *as,
    const char *action, const char *text, struct err *e)
{
	struct account_request r = request(f, who);
	struct dialogue_view v;
	err_clear(e);
	if (dialogue_get(&r, id, &v, e) != 0)
		return -1;
	dialogue_view_wipe(&v);
	return dialogue_act(&r, id, v.version, as, action, text, NULL, NULL, e);
}

#define ACT_OK(f, who, id, as, action, text) do { struct err e_ = ERR_INIT; \
	if (act((f), (who), (id), (as), (action), (text), &e_) != 0) \
		test_fail(__FILE__, __LINE__, "%s: %s %s", (action), e_.code, e_.message); \
	} while (0)

static char *
state_json(struct fixture *f, const struct auth *who, int64_t id, struct err *e)
{
	struct account_request r = request(f, who);
	struct buf b = BUF_INIT;
	struct jw j;
	jw_init(&j, &b);
	if (dialogue_json(&r, id, &j, e) != 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* Whether needle occurs anywhere in the file's bytes (missing file: no). */
static bool
file_contains(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return false;
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_put(&b, chunk, n);
	fclose(fp);
	bool found = b.len > 0 && memmem(b.data, b.len, needle, strlen(needle)) != NULL;
	buf_free(&b);
	return found;
}

TEST(dialogue_store_start_gates)
{
	struct fixture f;
	if (!fixture_open(&f, "gates"))
		return;
	struct err e = ERR_INIT;
	int64_t id = 0;
	struct account_request r = request(&f, &f.as_eve);
	struct dialogue_start_input in = { NULL, NULL, "Money", 0 };
	CHECK(dialogue_start(&r, &in, &id, &e) == -1);
	CHECK_INT(e.status, 404);
	CHECK_STR(e.code, "not_in_couple");

	/* Not until both answered, and the same words either way. */
	r = request(&f, &f.as_alice);
	err_clear(&e);
	CHECK(dialogue_start(&r, &in, &id, &e) == -1);
	CHECK_INT(e.status, 403);
	CHECK_STR(e.code, "joint_unavailable");
	char before[512];
	snprintf(before, sizeof(before), "%s", e.message);
	answer_safe(&f, &f.as_alice);
	err_clear(&e);
	CHECK(dialogue_start(&r, &in, &id, &e) == -1);
	CHECK_STR(e.code, "joint_unavailable");
	CHECK_STR(e.message, before);
	answer_safe(&f, &f.as_bob);

	/* Each input names itself. */
	static const struct { struct dialogue_start_input in; int status; const char *param; }
	bad[] = {
		{ { "three_devices", NULL, "Money", 0 }, 400, "mode" },
		{ { NULL, "deeper", "Money", 0 }, 400, "variant" },
		{ { NULL, NULL, NULL, 0 }, 400, "topic" },
		{ { NULL, NULL, "   ", 0 }, 400, "topic" },
		{ { NULL, NULL, "two\nlines", 0 }, 400, "topic" },
		{ { NULL, NULL, "Money", 29 }, 422, "timer_seconds" },
		{ { NULL, NULL, "Money", 1801 }, 422, "timer_seconds" },
		{ { NULL, NULL, "Money", -1 }, 422, "timer_seconds" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		CHECK(dialogue_start(&r, &bad[i].in, &id, &e) == -1);
		CHECK_INT(e.status, bad[i].status);
		CHECK_STR(e.param, bad[i].param);
	}
	struct buf long_topic = BUF_INIT;
	for (int i = 0; i < DIALOGUE_TOPIC_MAX + 1; i++)
		buf_puts(&long_topic, "\xc3\xa9");
	in.topic = buf_cstr(&long_topic);
	err_clear(&e);
	CHECK(dialogue_start(&r, &in, &id, &e) == -1);
	CHECK_INT(e.status, 422);
	CHECK_STR(e.param, "topic");
	long_topic.data[--long_topic.len] = '\0';
	long_topic.data[--long_topic.len] = '\0';	/* 200 characters */
	in.timer_seconds = 1800;
	err_clear(&e);
	CHECK(dialogue_start(&r, &in, &id, &e) == 0);
	buf_free(&long_topic);

	/* One open dialogue a couple, whoever asks. */
	int64_t again = 0;
	r = request(&f, &f.as_bob);
	in.topic = "Another";
	CHECK(dialogue_start(&r, &in, &again, &e) == -1);
	CHECK_INT(e.status, 409);
	CHECK_STR(e.code, "dialogue_open");
	int64_t open = 0;
	CHECK(dialogue_open_id(&r, &open, &e) == 0 && open == id);
	r = request(&f, &f.as_eve);
	CHECK(dialogue_open_id(&r, &open, &e) == 0 && open == 0);
	fixture_close(&f);
}

TEST(dialogue_store_flow)
{
	struct fixture f;
	if (!fixture_open(&f, "flow"))
		return;
	answer_safe(&f, &f.as_alice);
	answer_safe(&f, &f.as_bob);
	int64_t id = start(&f, &f.as_alice, NULL, "Dishes \xf0\x9f\x8d\xbd");
	struct err e = ERR_INIT;
	struct account_request ra = request(&f, &f.as_alice), rb = request(&f, &f.as_bob),
	    re = request(&f, &f.as_eve);

	/* Bob sees whose turn it is and what he may do. */
	struct dialogue_view v;
	CHECK(dialogue_get(&rb, id, &v, &e) == 0);
	CHECK(v.you == DIALOGUE_RECEIVER && v.turn == DIALOGUE_TURN_RECEIVER);
	CHECK_INT(v.version, 1);
	CHECK_STR(v.topic, "Dishes \xf0\x9f\x8d\xbd");
	CHECK_STR(v.sender_name, "Alice");
	CHECK_STR(v.receiver_name, "Bob");
	CHECK_INT(v.n_choices, 3);	/* accept, propose, stop */
	CHECK(v.n_choices == 3 && v.choices[0].action == DIALOGUE_ACCEPT &&
	    v.choices[1].action == DIALOGUE_PROPOSE && v.choices[2].action == DIALOGUE_STOP);
	dialogue_view_wipe(&v);
	CHECK(dialogue_get(&ra, id, &v, &e) == 0);
	CHECK_INT(v.n_choices, 1);	/* stop */
	dialogue_view_wipe(&v);

	/* Outsiders get 404 for everything. */
	CHECK(dialogue_get(&re, id, &v, &e) == -1 && e.status == 404);
	err_clear(&e);
	CHECK(dialogue_check_access(&re, id, &e) == -1 && e.status == 404);
	CHECK(dialogue_check_access(&rb, id, &e) == 0);
	err_clear(&e);
	CHECK(dialogue_act(&re, id, 1, NULL, "stop", NULL, NULL, NULL, &e) == -1);
	CHECK_INT(e.status, 404);
	CHECK_STR(e.code, "not_found");
	err_clear(&e);
	CHECK(dialogue_act(&ra, id + 100, 1, NULL, "stop", NULL, NULL, NULL, &e) == -1);
	CHECK_INT(e.status, 404);

	/* Bad names, a proposal outside 24 h, and the version. */
	err_clear(&e);
	CHECK(dialogue_act(&rb, id, 1, NULL, "shout", NULL, NULL, NULL, &e) == -1);
	CHECK(e.status == 400 && strcmp(e.param, "action") == 0);
	err_clear(&e);
	CHECK(dialogue_act(&rb, id, 1, "both", "accept", NULL, NULL, NULL, &e) == -1);
	CHECK(e.status == 400 && strcmp(e.param, "as") == 0);
	err_clear(&e);
	CHECK(dialogue_act(&rb, id, 1, NULL, "propose", NULL, "next week", NULL, &e) == -1);
	CHECK(e.status == 422 && strcmp(e.param, "proposed_at") == 0);
	err_clear(&e);
	CHECK(dialogue_act(&rb, id, 1, NULL, "propose", NULL, "2023-11-16T22:13:20Z", NULL,
	    &e) == -1);
	CHECK(e.status == 422 && strcmp(e.param, "proposed_at") == 0);
	/* Two-device mode: bob cannot act as the sender. */
	err_clear(&e);
	CHECK(dialogue_act(&rb, id, 1, "sender", "stop", NULL, NULL, NULL, &e) == -1);
	CHECK(e.status == 409 && strcmp(e.code, "not_your_turn") == 0);
	err_clear(&e);
	CHECK(dialogue_act(&ra, id, 1, NULL, "accept", NULL, NULL, NULL, &e) == -1);
	CHECK_STR(e.code, "not_your_turn");
	int64_t nv = 0;
	err_clear(&e);
	CHECK(dialogue_act(&rb, id, 1, NULL, "propose", NULL, "2023-11-14T23:13:20.000Z", &nv,
	    &e) == 0);
	CHECK_INT(nv, 2);
	/* Both acted on version 2: the second is refused. */
	f.now = NOW + 3600;
	ra = request(&f, &f.as_alice);
	rb = request(&f, &f.as_bob);
	CHECK(dialogue_act(&ra, id, 2, NULL, "begin", NULL, NULL, &nv, &e) == 0);
	CHECK(dialogue_act(&rb, id, 2, NULL, "begin", NULL, NULL, NULL, &e) == -1);
	CHECK_INT(e.status, 409);
	CHECK_STR(e.code, "stale_version");
	CHECK(count(f.db, "SELECT count(*) FROM dialogue_turns WHERE action = 'begin'") == 1);

	ACT_OK(&f, &f.as_alice, id, NULL, "send", "I feel MANGO-SECRET-TEXT when the dishes wait.");
	ACT_OK(&f, &f.as_bob, id, NULL, "mirror", "If I got it, you feel lonely.");
	err_clear(&e);
	CHECK(act(&f, &f.as_alice, id, NULL, "mirror", "x", &e) == -1);
	CHECK_STR(e.code, "wrong_step");
	CHECK(strstr(e.message, "sender") != NULL);
	ACT_OK(&f, &f.as_alice, id, NULL, "no_more", "ignored text");
	ACT_OK(&f, &f.as_bob, id, NULL, "summarize", "So, in summary, lonely.");
	ACT_OK(&f, &f.as_alice, id, NULL, "confirm", NULL);
	ACT_OK(&f, &f.as_bob, id, NULL, "validate", "You make sense.");
	ACT_OK(&f, &f.as_bob, id, NULL, "empathize", "I imagine sad.");
	ACT_OK(&f, &f.as_alice, id, NULL, "confirm", NULL);
	ACT_OK(&f, &f.as_alice, id, NULL, "appreciate", "You listened.");
	err_clear(&e);
	CHECK(act(&f, &f.as_alice, id, NULL, "appreciate", "Again.", &e) == -1);
	CHECK_STR(e.code, "already_appreciated");

	/* The state JSON: this round's turns, with texts; the text-less no_more
	 * kept no text. */
	char *json = state_json(&f, &f.as_bob, id, &e);
	CHECK(json != NULL);
	if (json != NULL) {
		CHECK(strstr(json, "\"step\":\"closing\"") != NULL);
		CHECK(strstr(json, "\"turn\":\"either\"") != NULL);
		CHECK(strstr(json, "\"you\":\"receiver\"") != NULL);
		CHECK(strstr(json, "MANGO-SECRET-TEXT") != NULL);
		CHECK(strstr(json, "ignored text") == NULL);
		CHECK(strstr(json, "\"proposed_at\":\"2023-11-14T23:13:20Z\"") != NULL);
		CHECK(strstr(json, "{\"action\":\"appreciate\",\"as\":\"receiver\",\"text\":true}")
		    != NULL);
		CHECK(strstr(json, "One thing I appreciate about you is") != NULL);
		CHECK(strstr(json, "\"ended_at\":null") != NULL);
		free(json);
	}
	json = state_json(&f, &f.as_alice, id, &e);
	CHECK(json != NULL && strstr(json, "{\"action\":\"appreciate\",\"as\"") == NULL);
	free(json);

	/* Keeping a record waits for the end. */
	int64_t item = 0;
	rb = request(&f, &f.as_bob);
	err_clear(&e);
	CHECK(dialogue_keep_record(&rb, id, "notes", &item, &e) == -1);
	CHECK_INT(e.status, 409);
	CHECK_STR(e.code, "dialogue_not_ended");

	/* The switch: bob sends in round 2. */
	ACT_OK(&f, &f.as_bob, id, NULL, "switch", NULL);
	rb = request(&f, &f.as_bob);
	CHECK(dialogue_get(&rb, id, &v, &e) == 0);
	CHECK(v.you == DIALOGUE_SENDER && v.step == DIALOGUE_SENDING);
	CHECK_INT(v.round, 2);
	CHECK_INT(v.n_turns, 0);
	CHECK_STR(v.sender_name, "Bob");
	dialogue_view_wipe(&v);
	err_clear(&e);
	CHECK(act(&f, &f.as_alice, id, NULL, "send", "mine", &e) == -1);
	CHECK_STR(e.code, "not_your_turn");
	ACT_OK(&f, &f.as_bob, id, NULL, "send", "I'd like to share something.");
	ACT_OK(&f, &f.as_alice, id, NULL, "stop", NULL);
	err_clear(&e);
	CHECK(act(&f, &f.as_bob, id, NULL, "stop", NULL, &e) == -1);
	CHECK_STR(e.code, "dialogue_ended");

	/* A record for bob, private to him, made by the workspace. */
	rb = request(&f, &f.as_bob);
	struct buf notes = BUF_INIT;
	for (int i = 0; i < DIALOGUE_NOTES_MAX + 1; i++)
		buf_putc(&notes, 'n');
	err_clear(&e);
	CHECK(dialogue_keep_record(&rb, id, buf_cstr(&notes), &item, &e) == -1);
	CHECK(e.status == 422 && strcmp(e.param, "notes") == 0);
	buf_free(&notes);
	re = request(&f, &f.as_eve);
	err_clear(&e);
	CHECK(dialogue_keep_record(&re, id, NULL, &item, &e) == -1 && e.status == 404);
	err_clear(&e);
	CHECK(dialogue_keep_record(&rb, id, "We got somewhere.", &item, &e) == 0);
	CHECK(item > 0);
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM workspace_items WHERE id = %lld"
	    " AND owner_user_id = %lld AND kind = 'dialogue_record'", (long long)item,
	    (long long)f.bob.id);
	CHECK_INT(count(f.db, sql), 1);

	/* The list, newest first. */
	struct buf b = BUF_INIT;
	struct jw j;
	jw_init(&j, &b);
	CHECK(dialogue_list_json(&rb, &j, &e) == 0);
	CHECK(strstr(buf_cstr(&b), "\"topic\":\"Dishes") != NULL);
	CHECK(strstr(buf_cstr(&b), "\"step\":\"stopped\"") != NULL);
	CHECK(strstr(buf_cstr(&b), "\"ended\":\"2023-11-14T23:13:20Z\"") != NULL);
	buf_reset(&b);
	jw_init(&j, &b);
	CHECK(dialogue_list_json(&re, &j, &e) == 0);
	CHECK_STR(buf_cstr(&b), "{\"dialogues\":[]}");
	buf_free(&b);

	/* No text in the audit log; one entry an action. */
	CHECK_INT(count(f.db, "SELECT count(*) FROM audit_log WHERE detail LIKE '%MANGO%'"
	    " OR detail LIKE '%Dishes%' OR detail LIKE '%lonely%'"), 0);
	CHECK(count(f.db, "SELECT count(*) FROM audit_log WHERE action = 'dialogue.act'"
	    " AND detail = 'no_more'") == 1);
	fixture_close(&f);
}

TEST(dialogue_store_one_device)
{
	struct fixture f;
	if (!fixture_open(&f, "onedevice"))
		return;
	answer_safe(&f, &f.as_alice);
	answer_safe(&f, &f.as_bob);
	int64_t id = start(&f, &f.as_alice, "one_device", "Holidays");
	struct err e = ERR_INIT;
	struct account_request ra = request(&f, &f.as_alice);
	struct dialogue_view v;
	CHECK(dialogue_get(&ra, id, &v, &e) == 0);
	CHECK(v.acts_for_both && v.you == DIALOGUE_SENDER);
	CHECK(v.prompt_role == DIALOGUE_RECEIVER);	/* hand the device over */
	CHECK(v.n_choices == 3 && v.choices[0].as == DIALOGUE_RECEIVER &&
	    v.choices[2].action == DIALOGUE_STOP && v.choices[2].as == DIALOGUE_SENDER);
	dialogue_view_wipe(&v);
	/* The starter acts for the receiver (as named, or as whose turn it is). */
	ACT_OK(&f, &f.as_alice, id, "receiver", "accept", NULL);
	ACT_OK(&f, &f.as_alice, id, NULL, "send", "I would like more time together.");
	ACT_OK(&f, &f.as_alice, id, NULL, "mirror", "If I got it, more time.");
	err_clear(&e);
	CHECK(act(&f, &f.as_alice, id, "receiver", "more", "x", &e) == -1);
	CHECK_STR(e.code, "not_your_turn");
	ACT_OK(&f, &f.as_alice, id, "sender", "more", "And weekends.");
	/* The partner's own account still acts in its own role only. */
	ACT_OK(&f, &f.as_bob, id, NULL, "mirror", "And weekends.");
	err_clear(&e);
	CHECK(act(&f, &f.as_bob, id, "sender", "no_more", NULL, &e) == -1);
	CHECK(e.status == 409 && strcmp(e.param, "as") == 0);
	struct account_request rb = request(&f, &f.as_bob);
	CHECK(dialogue_get(&rb, id, &v, &e) == 0);
	CHECK(!v.acts_for_both && v.n_choices == 1);	/* stop */
	dialogue_view_wipe(&v);
	ACT_OK(&f, &f.as_alice, id, NULL, "no_more", NULL);
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM dialogue_turns WHERE user_id = %lld"
	    " AND role = 'receiver'", (long long)f.alice.id);
	CHECK_INT(count(f.db, sql), 2);	/* accept, mirror */
	/* Closing: the starter may appreciate as both. */
	ACT_OK(&f, &f.as_alice, id, NULL, "summarize", "So, time together.");
	ACT_OK(&f, &f.as_alice, id, NULL, "confirm", NULL);
	ACT_OK(&f, &f.as_alice, id, NULL, "validate", "Makes sense.");
	ACT_OK(&f, &f.as_alice, id, NULL, "empathize", "Lonely?");
	ACT_OK(&f, &f.as_alice, id, NULL, "confirm", NULL);
	ra = request(&f, &f.as_alice);
	CHECK(dialogue_get(&ra, id, &v, &e) == 0);
	size_t appreciations = 0;
	for (size_t i = 0; i < v.n_choices; i++)
		appreciations += v.choices[i].action == DIALOGUE_APPRECIATE;
	CHECK_INT(appreciations, 2);
	CHECK_INT(v.n_choices, 5);	/* appreciate x2, switch, finish, stop */
	dialogue_view_wipe(&v);
	ACT_OK(&f, &f.as_alice, id, "receiver", "appreciate", "Thanks.");
	ACT_OK(&f, &f.as_alice, id, "sender", "appreciate", "Thanks too.");
	ACT_OK(&f, &f.as_alice, id, NULL, "finish", NULL);
	fixture_close(&f);
}

TEST(dialogue_store_sealed)
{
	struct fixture f;
	if (!fixture_open(&f, "sealed"))
		return;
	answer_safe(&f, &f.as_alice);
	answer_safe(&f, &f.as_bob);
	int64_t id = start(&f, &f.as_alice, NULL, "ZEBRA-TOPIC-SECRET");
	ACT_OK(&f, &f.as_bob, id, NULL, "accept", NULL);
	ACT_OK(&f, &f.as_alice, id, NULL, "send", "KIWI-TURN-SECRET is what I feel");
	CHECK_INT(count(f.db, "SELECT count(*) FROM dialogues WHERE length(topic) > 40"), 1);
	CHECK_INT(count(f.db, "SELECT count(*) FROM dialogue_turns WHERE text IS NOT NULL"), 1);
	char wal[600];
	snprintf(wal, sizeof(wal), "%s-wal", f.db_path);
	const char *secrets[] = { "ZEBRA-TOPIC-SECRET", "KIWI-TURN-SECRET" };
	for (int i = 0; i < 2; i++) {
		CHECK(!file_contains(f.db_path, secrets[i]));
		CHECK(!file_contains(wal, secrets[i]));
	}
	exec(f.db, "PRAGMA wal_checkpoint(TRUNCATE)");
	for (int i = 0; i < 2; i++)
		CHECK(!file_contains(f.db_path, secrets[i]));
	/* A check the test can fail: the database does hold the name in clear. */
	CHECK(file_contains(f.db_path, "Alice") || file_contains(wal, "Alice"));
	struct err e = ERR_INIT;
	char *json = state_json(&f, &f.as_alice, id, &e);
	CHECK(json != NULL && strstr(json, "ZEBRA-TOPIC-SECRET") != NULL);
	free(json);
	/* The registry names these columns with the contexts used: a rotation
	 * re-seals the topic and the text, and they still open. */
	uint32_t new_id;
	size_t ncols;
	long long changed = 0;
	const struct vault_column *cols = vault_registry(&ncols);
	CHECK(vault_add_key(f.key_path, &new_id, &e) == 0);
	struct vault *v2 = vault_open(f.key_path, false, &e);
	CHECK(v2 != NULL);
	if (v2 != NULL) {
		CHECK(vault_reseal(f.db, v2, cols, ncols, &changed, &e) == 0);
		CHECK(changed >= 2);
		vault_close(f.vault);
		f.vault = v2;
		json = state_json(&f, &f.as_alice, id, &e);
		CHECK(json != NULL && strstr(json, "KIWI-TURN-SECRET") != NULL);
		free(json);
	}
	/* A sealed value moved to another column does not open. */
	exec(f.db, "UPDATE dialogue_turns SET text = (SELECT topic FROM dialogues)"
	    " WHERE text IS NOT NULL");
	err_clear(&e);
	json = state_json(&f, &f.as_alice, id, &e);
	CHECK(json == NULL);
	CHECK_INT(e.status, 500);
	free(json);
	fixture_close(&f);
}

TEST(dialogue_store_sweep)
{
	struct fixture f;
	if (!fixture_open(&f, "sweep"))
		return;
	answer_safe(&f, &f.as_alice);
	answer_safe(&f, &f.as_bob);
	int64_t id = start(&f, &f.as_alice, NULL, "Chores");
	ACT_OK(&f, &f.as_bob, id, NULL, "accept", NULL);
	ACT_OK(&f, &f.as_alice, id, NULL, "send", "Words.");
	ACT_OK(&f, &f.as_bob, id, NULL, "stop", NULL);
	struct err e = ERR_INIT;
	CHECK(dialogue_sweep(f.db, NOW + DIALOGUE_TURNS_KEEP - 1, &e) == 0);
	CHECK_INT(count(f.db, "SELECT count(*) FROM dialogue_turns"), 3);
	CHECK(dialogue_sweep(f.db, NOW + DIALOGUE_TURNS_KEEP, &e) == 0);
	CHECK_INT(count(f.db, "SELECT count(*) FROM dialogue_turns"), 0);
	CHECK_INT(count(f.db, "SELECT count(*) FROM dialogues"), 1);

	/* An idle open dialogue is stopped after 7 days, its turns a day later. */
	f.now = NOW + 10;
	int64_t idle = start(&f, &f.as_bob, NULL, "Idle");
	ACT_OK(&f, &f.as_alice, idle, NULL, "accept", NULL);
	CHECK(dialogue_sweep(f.db, NOW + 10 + DIALOGUE_IDLE_STOP - 1, &e) == 0);
	CHECK_INT(count(f.db, "SELECT count(*) FROM dialogues WHERE ended_at IS NULL"), 1);
	CHECK(dialogue_sweep(f.db, NOW + 10 + DIALOGUE_IDLE_STOP, &e) == 0);
	CHECK_INT(count(f.db, "SELECT count(*) FROM dialogues WHERE ended_at IS NULL"
	    " OR step <> 'stopped'"), 0);
	CHECK_INT(count(f.db, "SELECT count(*) FROM dialogue_turns"), 1);
	CHECK(dialogue_sweep(f.db, NOW + 10 + DIALOGUE_IDLE_STOP + DIALOGUE_TURNS_KEEP, &e) == 0);
	CHECK_INT(count(f.db, "SELECT count(*) FROM dialogue_turns"), 0);
	/* A new dialogue may start once the idle one stopped. */
	f.now = NOW + 10 + DIALOGUE_IDLE_STOP;
	CHECK(start(&f, &f.as_alice, NULL, "Fresh") > 0);
	fixture_close(&f);
}

TEST(dialogue_store_couple_ends)
{
	struct fixture f;
	if (!fixture_open(&f, "ends"))
		return;
	answer_safe(&f, &f.as_alice);
	answer_safe(&f, &f.as_bob);
	int64_t id = start(&f, &f.as_alice, NULL, "Us");
	char sql[120];
	snprintf(sql, sizeof(sql), "DELETE FROM couple_members WHERE user_id = %lld",
	    (long long)f.bob.id);
	exec(f.db, sql);
	struct err e = ERR_INIT;
	struct account_request rb = request(&f, &f.as_bob);
	CHECK(dialogue_check_access(&rb, id, &e) == -1 && e.status == 404);
	fixture_close(&f);
}
