/*
 * The dialogue's store (dialogue.h): starting one, taking actions, reading
 * it back for one partner, listing, keeping a record, the sweep.
 *
 * A dialogue row holds where the couple is (step, round, who sends now:
 * sender_id and receiver_id swap on a switch) and a version bumped by
 * every action; each action is a row of dialogue_turns in the round and
 * step it was taken in. The appreciations of a round are read back from
 * the turns, so the state machine's input is never stored twice.
 *
 * What people write (the topic, every turn's text) is sealed: a row is
 * inserted first for its id, then its sealed value written with the
 * context "table.column:ID" in the same transaction, so the plain text
 * never reaches the database file.
 */
#include "dialogue.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "../calendar/calendar.h"
#include "../policy/policy.h"
#include "../store/db.h"
#include "../util/text.h"
#include "../vault/vault.h"
#include "../workspace/workspace.h"

#define TOPIC_CONTEXT	"dialogues.topic"
#define TEXT_CONTEXT	"dialogue_turns.text"

/* A dialogues row, as loaded for a member of its couple. */
struct row {
	int64_t		 id, couple_id, started_by, sender_id, receiver_id;
	enum dialogue_mode mode;
	enum dialogue_variant variant;
	enum dialogue_step step;
	int64_t		 round, version;
	const void	*topic;		/* sealed (arena copy) */
	size_t		 topic_len;
	time_t		 proposed_at;
	int		 timer_seconds;
	time_t		 created_at, updated_at, ended_at;
};

static int64_t
caller_id(const struct account_request *r)
{
	return r->auth != NULL && r->auth->kind != AUTH_NONE ? r->auth->user.id : 0;
}

static int
not_found(struct err *e)
{
	return err_set(e, 404, "not_found", "", "no such dialogue");
}

static void
kv_time(struct jw *j, const char *key, time_t t)
{
	char s[32];
	jw_key(j, key);
	if (t == 0) {
		jw_null(j);
		return;
	}
	utc_format_iso(t, s);
	jw_string(j, s);
}

/* A read that sees one snapshot: a deferred transaction. */
static int
read_begin(sqlite3 *db, struct err *e)
{
	return db_exec(db, "BEGIN", e);
}

static void
read_end(sqlite3 *db)
{
	struct err ignored = ERR_INIT;
	(void)db_exec(db, "COMMIT", &ignored);
}

/* ---- sealing ------------------------------------------------------------ */

/* Seals plain for row id of a registered column and stores it with sql
 * ("UPDATE t SET c = ?1 WHERE id = ?2"). */
static int
seal_store(const struct account_request *r, const char *sql, const char *prefix,
    int64_t id, const char *plain, struct err *e)
{
	struct buf ctx = BUF_INIT, sealed = BUF_INIT;
	int ret = -1;
	if (r->vault == NULL)
		return err_internal(e, "no vault to seal with");
	vault_context(&ctx, prefix, (long long)id);
	if (vault_seal(r->vault, buf_cstr(&ctx), plain, strlen(plain), &sealed, e) != 0)
		goto out;
	sqlite3_stmt *st = db_prepare(r->db, sql, e);
	if (st == NULL)
		goto out;
	sqlite3_bind_blob(st, 1, sealed.data, (int)sealed.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	ret = rc == SQLITE_DONE ? 0 : db_fail(r->db, e, "storing sealed text");
out:
	buf_free(&ctx);
	buf_free(&sealed);
	return ret;
}

/* Opens a sealed value into the arena (NUL-terminated); the vault's own
 * copy is wiped at once. */
static int
unseal(const struct account_request *r, const char *prefix, int64_t id,
    const void *sealed, size_t n, const char **out, struct err *e)
{
	struct buf ctx = BUF_INIT, plain = BUF_INIT;
	if (r->vault == NULL)
		return err_internal(e, "no vault to open with");
	vault_context(&ctx, prefix, (long long)id);
	int rc = vault_open_sealed(r->vault, buf_cstr(&ctx), sealed, n, &plain, e);
	buf_free(&ctx);
	if (rc == 0)
		*out = arena_strndup(r->arena, plain.data ? plain.data : "", plain.len);
	vault_buf_wipe(&plain);
	return rc;
}

static void
wipe_string(const char *s)
{
	if (s != NULL)
		sodium_memzero((char *)s, strlen(s));
}

/* ---- loading ------------------------------------------------------------ */

#define ROW_COLUMNS "d.id, d.couple_id, d.started_by, d.sender_id, d.receiver_id," \
	" d.mode, d.variant, d.step, d.round, d.version, d.topic, d.proposed_at," \
	" d.timer_seconds, d.created_at, d.updated_at, d.ended_at"

static int
row_read(sqlite3_stmt *st, struct arena *a, struct row *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->couple_id = sqlite3_column_int64(st, 1);
	out->started_by = sqlite3_column_int64(st, 2);
	out->sender_id = sqlite3_column_int64(st, 3);
	out->receiver_id = sqlite3_column_int64(st, 4);
	if (dialogue_mode_parse((const char *)sqlite3_column_text(st, 5), &out->mode) != 0 ||
	    dialogue_variant_parse((const char *)sqlite3_column_text(st, 6), &out->variant) != 0 ||
	    dialogue_step_parse((const char *)sqlite3_column_text(st, 7), &out->step) != 0)
		return err_internal(e, "dialogue %lld has an unknown mode, variant or step",
		    (long long)out->id);
	out->round = sqlite3_column_int64(st, 8);
	out->version = sqlite3_column_int64(st, 9);
	out->topic_len = (size_t)sqlite3_column_bytes(st, 10);
	const void *blob = sqlite3_column_blob(st, 10);
	void *copy = arena_alloc(a, out->topic_len + 1);
	if (blob != NULL && out->topic_len > 0)
		memcpy(copy, blob, out->topic_len);
	out->topic = copy;
	out->proposed_at = (time_t)sqlite3_column_int64(st, 11);
	out->timer_seconds = sqlite3_column_int(st, 12);
	out->created_at = (time_t)sqlite3_column_int64(st, 13);
	out->updated_at = (time_t)sqlite3_column_int64(st, 14);
	out->ended_at = (time_t)sqlite3_column_int64(st, 15);
	return 0;
}

/*
 * Dialogue id if the caller may see it: a member of its couple now (the
 * couple's membership is read, not the dialogue's own ids, so a couple
 * that ended takes its dialogues out of reach at once even before the
 * cascade). Anyone else, and an unknown id, get the same 404.
 */
static int
load(const struct account_request *r, int64_t id, struct row *out, struct err *e)
{
	int64_t me = caller_id(r);
	if (me == 0)
		return err_set(e, 401, "authentication_required", "", "sign in first");
	sqlite3_stmt *st = db_prepare(r->db, "SELECT " ROW_COLUMNS " FROM dialogues d"
	    " JOIN couple_members m ON m.couple_id = d.couple_id AND m.user_id = ?2"
	    " WHERE d.id = ?1", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, me);
	int rc = sqlite3_step(st), ret;
	if (rc == SQLITE_ROW)
		ret = row_read(st, r->arena, out, e);
	else if (rc == SQLITE_DONE)
		ret = not_found(e);
	else
		ret = db_fail(r->db, e, "reading a dialogue");
	sqlite3_finalize(st);
	if (ret == 0 && !policy_couple_member(r->auth, out->sender_id, out->receiver_id))
		ret = not_found(e);
	return ret;
}

/* Who appreciated in this round: bits (1u << role). */
static int
appreciated(sqlite3 *db, const struct row *d, unsigned *mask, struct err *e)
{
	*mask = 0;
	sqlite3_stmt *st = db_prepare(db, "SELECT role FROM dialogue_turns"
	    " WHERE dialogue_id = ? AND round = ? AND action = 'appreciate'", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, d->id);
	sqlite3_bind_int64(st, 2, d->round);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		enum dialogue_role role;
		if (dialogue_role_parse((const char *)sqlite3_column_text(st, 0), &role) == 0)
			*mask |= 1u << role;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "reading appreciations");
}

static int
state_of(sqlite3 *db, const struct row *d, struct dialogue_state *s, struct err *e)
{
	s->step = d->step;
	s->round = d->round;
	s->proposed_at = d->proposed_at;
	return appreciated(db, d, &s->appreciated, e);
}

static enum dialogue_role
own_role(const struct row *d, int64_t me)
{
	return me == d->sender_id ? DIALOGUE_SENDER : DIALOGUE_RECEIVER;
}

static bool
acts_for_both(const struct row *d, int64_t me)
{
	return d->mode == DIALOGUE_ONE_DEVICE && d->started_by == me;
}

/* The caller's couple and partner: 0, 1 when not in a couple, -1 error. */
static int
couple_and_partner(sqlite3 *db, int64_t me, int64_t *couple_id, int64_t *partner,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT m.couple_id, p.user_id"
	    " FROM couple_members m JOIN couple_members p"
	    " ON p.couple_id = m.couple_id AND p.user_id <> m.user_id"
	    " WHERE m.user_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, me);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		*couple_id = sqlite3_column_int64(st, 0);
		*partner = sqlite3_column_int64(st, 1);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "finding a couple");
	}
	sqlite3_finalize(st);
	return ret;
}

/* The couple's open dialogue, or 0. */
static int
open_of(sqlite3 *db, int64_t couple_id, int64_t *id, struct err *e)
{
	*id = 0;
	sqlite3_stmt *st = db_prepare(db, "SELECT id FROM dialogues"
	    " WHERE couple_id = ? AND ended_at IS NULL", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, couple_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(db, e, "finding a dialogue");
}

/* ---- starting ----------------------------------------------------------- */

/* A one-line text people write: required, UTF-8, not blank, at most max
 * characters. */
static int
check_line(const char *param, const char *s, size_t max, struct err *e)
{
	if (s == NULL || strspn(s, " \t\r\n") == strlen(s))
		return err_invalid(e, param, "this field is required");
	size_t n = strlen(s);
	if (!text_utf8_valid(s, n, false))
		return err_invalid(e, param, "must be valid UTF-8 text on one line");
	if (text_utf8_length(s, n) > max)
		return err_set(e, 422, "text_too_long", param,
		    "must be at most %zu characters", max);
	return 0;
}

static int
check_start(const struct dialogue_start_input *in, enum dialogue_mode *mode,
    enum dialogue_variant *variant, struct err *e)
{
	*mode = DIALOGUE_TWO_DEVICES;
	*variant = DIALOGUE_STANDARD;
	if (in->mode != NULL && dialogue_mode_parse(in->mode, mode) != 0)
		return err_invalid(e, "mode", "mode is \"two_devices\" or \"one_device\"");
	if (in->variant != NULL && dialogue_variant_parse(in->variant, variant) != 0)
		return err_invalid(e, "variant", "variant is \"standard\" or \"deepening\"");
	if (check_line("topic", in->topic, DIALOGUE_TOPIC_MAX, e) != 0)
		return -1;
	if (in->timer_seconds != 0 && (in->timer_seconds < DIALOGUE_TIMER_MIN ||
	    in->timer_seconds > DIALOGUE_TIMER_MAX))
		return err_set(e, 422, "invalid_parameter", "timer_seconds",
		    "the timer is 0 (none) or %d to %d seconds", DIALOGUE_TIMER_MIN,
		    DIALOGUE_TIMER_MAX);
	return 0;
}

static int
insert_dialogue(const struct account_request *r, int64_t couple_id, int64_t partner,
    enum dialogue_mode mode, enum dialogue_variant variant, int timer, int64_t *id,
    struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO dialogues (couple_id, started_by,"
	    " sender_id, receiver_id, mode, variant, step, round, version, topic,"
	    " timer_seconds, created_at, updated_at)"
	    " VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, 1, 1, X'', ?7, ?8, ?8)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, couple_id);
	sqlite3_bind_int64(st, 2, caller_id(r));
	sqlite3_bind_int64(st, 3, partner);
	sqlite3_bind_text(st, 4, dialogue_mode_name(mode), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, dialogue_variant_name(variant), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, dialogue_step_name(DIALOGUE_APPOINTMENT), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, timer);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)	/* the one-open index, in a race we lost */
		return err_set(e, 409, "dialogue_open", "",
		    "your couple already has an open dialogue; finish or stop it first");
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "starting a dialogue");
	*id = sqlite3_last_insert_rowid(r->db);
	return 0;
}

/* The safety check-in gates every step, not only the start: when a
 * partner stops feeling safe mid-dialogue, it holds for both (only
 * stopping stays open). Neutral on purpose: never which partner the gate is
 * waiting for. */
static int
joint_gate(const struct account_request *r, int64_t couple_id, struct err *e)
{
	bool allowed;
	if (ws_joint_allowed(r, couple_id, &allowed, e) != 0)
		return -1;
	if (!allowed)
		return err_set(e, 403, "joint_unavailable", "",
		    "the dialogue is not available for your couple right now; your"
		    " workspace's safety questions say more");
	return 0;
}

int
dialogue_start(const struct account_request *r, const struct dialogue_start_input *in,
    int64_t *id, struct err *e)
{
	enum dialogue_mode mode;
	enum dialogue_variant variant;
	int64_t couple_id = 0, partner = 0, open_id, me = caller_id(r);
	if (me == 0)
		return err_set(e, 401, "authentication_required", "", "sign in first");
	if (check_start(in, &mode, &variant, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	int rc = couple_and_partner(r->db, me, &couple_id, &partner, e);
	if (rc != 0) {
		if (rc > 0)
			err_set(e, 404, "not_in_couple", "",
			    "a dialogue is for a couple: invite your partner first");
		goto fail;
	}
	if (joint_gate(r, couple_id, e) != 0)
		goto fail;
	if (open_of(r->db, couple_id, &open_id, e) != 0)
		goto fail;
	if (open_id != 0) {
		err_set(e, 409, "dialogue_open", "",
		    "your couple already has an open dialogue; finish or stop it first");
		goto fail;
	}
	if (insert_dialogue(r, couple_id, partner, mode, variant, (int)in->timer_seconds,
	    id, e) != 0 ||
	    seal_store(r, "UPDATE dialogues SET topic = ?1 WHERE id = ?2", TOPIC_CONTEXT,
	    *id, in->topic, e) != 0 ||
	    account_audit(r, "dialogue.start", "dialogue", *id,
	    arena_printf(r->arena, "%s %s", dialogue_mode_name(mode),
	    dialogue_variant_name(variant)), e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* ---- acting ------------------------------------------------------------- */

/* The role the caller acts as (see dialogue_act in dialogue.h). */
static int
acting_role(const struct row *d, int64_t me, const char *as_role,
    enum dialogue_role *who, struct err *e)
{
	enum dialogue_role own = own_role(d, me);
	if (as_role == NULL || *as_role == '\0') {
		enum dialogue_turn t = dialogue_whose_turn(d->step);
		*who = own;
		if (acts_for_both(d, me) && t == DIALOGUE_TURN_SENDER)
			*who = DIALOGUE_SENDER;
		else if (acts_for_both(d, me) && t == DIALOGUE_TURN_RECEIVER)
			*who = DIALOGUE_RECEIVER;
		return 0;
	}
	if (dialogue_role_parse(as_role, who) != 0)
		return err_invalid(e, "as", "as is \"sender\" or \"receiver\"");
	if (*who != own && !acts_for_both(d, me))
		return err_set(e, 409, "not_your_turn", "as",
		    "you act in your own role, the %s", dialogue_role_name(own));
	return 0;
}

static int
insert_turn(const struct account_request *r, const struct row *d,
    enum dialogue_role who, enum dialogue_action a, const char *text, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO dialogue_turns (dialogue_id,"
	    " round, user_id, role, step, action, text, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, NULL, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, d->id);
	sqlite3_bind_int64(st, 2, d->round);
	sqlite3_bind_int64(st, 3, caller_id(r));
	sqlite3_bind_text(st, 4, dialogue_role_name(who), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, dialogue_step_name(d->step), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, dialogue_action_name(a), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)r->now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "storing a turn");
	if (!dialogue_action_takes_text(a))
		return 0;
	return seal_store(r, "UPDATE dialogue_turns SET text = ?1 WHERE id = ?2",
	    TEXT_CONTEXT, sqlite3_last_insert_rowid(r->db), text, e);
}

/* Writes the new state; a switch swaps who sends (SQLite reads the old
 * row on the right of every assignment). */
static int
update_dialogue(const struct account_request *r, const struct row *d,
    const struct dialogue_state *next, bool swap, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "UPDATE dialogues SET step = ?1, round = ?2,"
	    " proposed_at = ?3, version = version + 1, updated_at = ?4,"
	    " ended_at = CASE WHEN ?5 THEN ?4 ELSE NULL END,"
	    " sender_id = CASE WHEN ?6 THEN receiver_id ELSE sender_id END,"
	    " receiver_id = CASE WHEN ?6 THEN sender_id ELSE receiver_id END"
	    " WHERE id = ?7 AND version = ?8", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dialogue_step_name(next->step), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, next->round);
	if (next->proposed_at != 0)
		sqlite3_bind_int64(st, 3, (sqlite3_int64)next->proposed_at);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->now);
	sqlite3_bind_int(st, 5, dialogue_step_closed(next->step));
	sqlite3_bind_int(st, 6, swap);
	sqlite3_bind_int64(st, 7, d->id);
	sqlite3_bind_int64(st, 8, d->version);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "updating a dialogue");
	if (sqlite3_changes(r->db) != 1)
		return err_set(e, 409, "stale_version", "version",
		    "the dialogue changed meanwhile; reload it");
	return 0;
}

static int
parse_proposed(enum dialogue_action a, const char *s, time_t *out, struct err *e)
{
	*out = 0;
	if (a != DIALOGUE_PROPOSE || s == NULL || *s == '\0')
		return 0;
	if (dialogue_parse_time(s, out) != 0 || *out == 0)
		return err_set(e, 422, "invalid_parameter", "proposed_at",
		    "a time like 2026-03-08T14:30:00Z (ISO 8601 with a time zone)");
	return 0;
}

int
dialogue_act(const struct account_request *r, int64_t id, int64_t version,
    const char *as_role, const char *action, const char *text,
    const char *proposed_at, int64_t *new_version, struct err *e)
{
	enum dialogue_action a;
	enum dialogue_role who;
	struct dialogue_state state, next;
	struct row d;
	time_t proposed;
	if (dialogue_action_parse(action, &a) != 0)
		return err_invalid(e, "action", "not an action of the dialogue");
	if (parse_proposed(a, proposed_at, &proposed, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (load(r, id, &d, e) != 0)
		goto fail;
	if (version != d.version) {
		err_set(e, 409, "stale_version", "version",
		    "the dialogue changed meanwhile; reload it");
		goto fail;
	}
	if ((a != DIALOGUE_STOP && joint_gate(r, d.couple_id, e) != 0) ||
	    acting_role(&d, caller_id(r), as_role, &who, e) != 0 ||
	    state_of(r->db, &d, &state, e) != 0 ||
	    dialogue_transition(&state, who, a, text, proposed, r->now, &next, e) != 0 ||
	    insert_turn(r, &d, who, a, text, e) != 0 ||
	    update_dialogue(r, &d, &next, a == DIALOGUE_SWITCH, e) != 0 ||
	    account_audit(r, "dialogue.act", "dialogue", d.id, dialogue_action_name(a), e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	if (new_version != NULL)
		*new_version = d.version + 1;
	return 0;
fail:
	account_tx_rollback(r->db);
	return -1;
}

/* ---- reading ------------------------------------------------------------ */

int
dialogue_check_access(const struct account_request *r, int64_t id, struct err *e)
{
	struct row d;
	return load(r, id, &d, e);
}

int
dialogue_open_id(const struct account_request *r, int64_t *id, struct err *e)
{
	int64_t couple_id, partner;
	*id = 0;
	int rc = couple_and_partner(r->db, caller_id(r), &couple_id, &partner, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return open_of(r->db, couple_id, id, e);
}

static const char *
display_name(const struct account_request *r, int64_t user_id, struct err *e)
{
	struct user u;
	int rc = user_by_id(r->db, user_id, r->arena, &u, e);
	if (rc < 0)
		return NULL;
	return rc == 0 && u.display_name != NULL ? u.display_name : "";
}

static int
read_turns(const struct account_request *r, const struct row *d,
    struct dialogue_view *v, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT id, role, step, action, text, created_at"
	    " FROM dialogue_turns WHERE dialogue_id = ? AND round = ? ORDER BY id", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, d->id);
	sqlite3_bind_int64(st, 2, d->round);
	size_t cap = 0;
	int rc, ret = 0;
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (v->n_turns == cap) {
			cap = cap ? cap * 2 : 16;
			struct dialogue_turn_view *t = arena_alloc(r->arena, cap * sizeof(*t));
			if (v->n_turns)
				memcpy(t, v->turns, v->n_turns * sizeof(*t));
			v->turns = t;
		}
		struct dialogue_turn_view *t = &v->turns[v->n_turns];
		memset(t, 0, sizeof(*t));
		if (dialogue_role_parse((const char *)sqlite3_column_text(st, 1), &t->role) != 0 ||
		    dialogue_step_parse((const char *)sqlite3_column_text(st, 2), &t->step) != 0 ||
		    dialogue_action_parse((const char *)sqlite3_column_text(st, 3), &t->action) != 0) {
			ret = err_internal(e, "a turn of dialogue %lld is malformed", (long long)d->id);
			break;
		}
		t->at = (time_t)sqlite3_column_int64(st, 5);
		if (sqlite3_column_type(st, 4) == SQLITE_BLOB)
			ret = unseal(r, TEXT_CONTEXT, sqlite3_column_int64(st, 0),
			    sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4),
			    &t->text, e);
		v->n_turns++;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(r->db, e, "reading turns");
	sqlite3_finalize(st);
	return ret;
}

static void
add_choice(struct dialogue_view *v, enum dialogue_action a, enum dialogue_role as)
{
	if (v->n_choices < sizeof(v->choices) / sizeof(v->choices[0])) {
		v->choices[v->n_choices].action = a;
		v->choices[v->n_choices].as = as;
		v->choices[v->n_choices].takes_text = dialogue_action_takes_text(a);
		v->n_choices++;
	}
}

/* What the caller may do now: each action of the step, as each role they
 * may act as that may take it. Actions open to either partner are listed
 * once, as the caller's own role, except appreciations (one a person). */
static void
fill_choices(struct dialogue_view *v, unsigned appreciated_mask)
{
	for (int ai = 0; ai < DIALOGUE_ACTION_COUNT; ai++) {
		enum dialogue_action a = (enum dialogue_action)ai;
		enum dialogue_turn may;
		enum dialogue_step to;
		if (!dialogue_rule(v->step, a, &may, &to))
			continue;
		for (int ri = 0; ri < DIALOGUE_ROLE_COUNT; ri++) {
			enum dialogue_role role = (enum dialogue_role)ri;
			if (role != v->you && !v->acts_for_both)
				continue;
			if (may == DIALOGUE_TURN_EITHER && a != DIALOGUE_APPRECIATE &&
			    role != v->you)
				continue;
			if ((may == DIALOGUE_TURN_SENDER && role != DIALOGUE_SENDER) ||
			    (may == DIALOGUE_TURN_RECEIVER && role != DIALOGUE_RECEIVER))
				continue;
			if (a == DIALOGUE_APPRECIATE && (appreciated_mask & (1u << role)))
				continue;
			add_choice(v, a, role);
		}
	}
}

int
dialogue_get(const struct account_request *r, int64_t id, struct dialogue_view *out,
    struct err *e)
{
	struct row d;
	unsigned mask = 0;
	int64_t me = caller_id(r);
	memset(out, 0, sizeof(*out));
	if (read_begin(r->db, e) != 0)
		return -1;
	if (load(r, id, &d, e) != 0 || appreciated(r->db, &d, &mask, e) != 0)
		goto fail;
	out->id = d.id;
	out->step = d.step;
	out->round = d.round;
	out->version = d.version;
	out->mode = d.mode;
	out->variant = d.variant;
	out->timer_seconds = d.timer_seconds;
	out->proposed_at = d.proposed_at;
	out->created_at = d.created_at;
	out->ended_at = d.ended_at;
	out->you = own_role(&d, me);
	out->acts_for_both = acts_for_both(&d, me);
	out->turn = dialogue_whose_turn(d.step);
	if (unseal(r, TOPIC_CONTEXT, d.id, d.topic, d.topic_len, &out->topic, e) != 0 ||
	    (out->sender_name = display_name(r, d.sender_id, e)) == NULL ||
	    (out->receiver_name = display_name(r, d.receiver_id, e)) == NULL ||
	    read_turns(r, &d, out, e) != 0)
		goto fail;
	read_end(r->db);
	fill_choices(out, mask);
	out->prompt_role = out->you;
	if (out->acts_for_both && out->turn == DIALOGUE_TURN_SENDER)
		out->prompt_role = DIALOGUE_SENDER;
	else if (out->acts_for_both && out->turn == DIALOGUE_TURN_RECEIVER)
		out->prompt_role = DIALOGUE_RECEIVER;
	dialogue_prompt_for(out->step, out->prompt_role, out->variant, &out->prompt);
	return 0;
fail:
	read_end(r->db);
	dialogue_view_wipe(out);
	return -1;
}

void
dialogue_view_wipe(struct dialogue_view *v)
{
	wipe_string(v->topic);
	for (size_t i = 0; i < v->n_turns; i++)
		wipe_string(v->turns[i].text);
}

static void
person_json(struct jw *j, const char *key, const char *name)
{
	jw_key(j, key);
	jw_object_begin(j);
	jw_kv_string(j, "display_name", name ? name : "");
	jw_object_end(j);
}

void
dialogue_view_json(struct jw *j, const struct dialogue_view *v)
{
	jw_object_begin(j);
	jw_kv_int(j, "id", v->id);
	jw_kv_string(j, "step", dialogue_step_name(v->step));
	jw_kv_int(j, "round", v->round);
	jw_kv_int(j, "version", v->version);
	jw_kv_string(j, "mode", dialogue_mode_name(v->mode));
	jw_kv_string(j, "variant", dialogue_variant_name(v->variant));
	jw_kv_int(j, "timer_seconds", v->timer_seconds);
	kv_time(j, "proposed_at", v->proposed_at);
	jw_kv_string(j, "topic", v->topic ? v->topic : "");
	jw_kv_string(j, "you", dialogue_role_name(v->you));
	jw_kv_bool(j, "acts_for_both", v->acts_for_both);
	person_json(j, "sender", v->sender_name);
	person_json(j, "receiver", v->receiver_name);
	jw_key(j, "turn");
	if (v->turn == DIALOGUE_TURN_NONE)
		jw_null(j);
	else
		jw_string(j, dialogue_turn_name(v->turn));
	jw_key(j, "actions");
	jw_array_begin(j);
	for (size_t i = 0; i < v->n_choices; i++) {
		jw_object_begin(j);
		jw_kv_string(j, "action", dialogue_action_name(v->choices[i].action));
		jw_kv_string(j, "as", dialogue_role_name(v->choices[i].as));
		jw_kv_bool(j, "text", v->choices[i].takes_text);
		jw_object_end(j);
	}
	jw_array_end(j);
	jw_key(j, "prompt");
	jw_object_begin(j);
	jw_kv_string(j, "role", dialogue_role_name(v->prompt_role));
	jw_kv_string(j, "instruction", v->prompt.instruction ? v->prompt.instruction : "");
	jw_key(j, "stems");
	jw_array_begin(j);
	for (size_t i = 0; i < v->prompt.n_stems; i++)
		jw_string(j, v->prompt.stems[i]);
	jw_array_end(j);
	jw_object_end(j);
	jw_key(j, "turns");
	jw_array_begin(j);
	for (size_t i = 0; i < v->n_turns; i++) {
		const struct dialogue_turn_view *t = &v->turns[i];
		jw_object_begin(j);
		jw_kv_string(j, "role", dialogue_role_name(t->role));
		jw_kv_string(j, "step", dialogue_step_name(t->step));
		jw_kv_string(j, "action", dialogue_action_name(t->action));
		jw_kv_string(j, "verb", dialogue_action_verb(t->action));
		jw_key(j, "text");
		if (t->text == NULL)
			jw_null(j);
		else
			jw_string(j, t->text);
		kv_time(j, "at", t->at);
		jw_object_end(j);
	}
	jw_array_end(j);
	kv_time(j, "created_at", v->created_at);
	kv_time(j, "ended_at", v->ended_at);
	jw_object_end(j);
}

int
dialogue_json(const struct account_request *r, int64_t id, struct jw *j, struct err *e)
{
	struct dialogue_view v;
	if (dialogue_get(r, id, &v, e) != 0)
		return -1;
	dialogue_view_json(j, &v);
	dialogue_view_wipe(&v);
	return 0;
}

/* ---- lists and export --------------------------------------------------- */

/* The caller's own turns of dialogue id, for the export. */
static int
own_turns_json(const struct account_request *r, int64_t id, struct jw *j, struct err *e)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT id, round, role, step, action, text,"
	    " created_at FROM dialogue_turns WHERE dialogue_id = ? AND user_id = ?"
	    " ORDER BY id", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, caller_id(r));
	int rc, ret = 0;
	jw_key(j, "turns");
	jw_array_begin(j);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *text = NULL;
		if (sqlite3_column_type(st, 5) == SQLITE_BLOB &&
		    unseal(r, TEXT_CONTEXT, sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 5), (size_t)sqlite3_column_bytes(st, 5),
		    &text, e) != 0) {
			ret = -1;
			break;
		}
		jw_object_begin(j);
		jw_kv_int(j, "round", sqlite3_column_int64(st, 1));
		jw_kv_string(j, "role", (const char *)sqlite3_column_text(st, 2));
		jw_kv_string(j, "step", (const char *)sqlite3_column_text(st, 3));
		jw_kv_string(j, "action", (const char *)sqlite3_column_text(st, 4));
		jw_key(j, "text");
		if (text == NULL)
			jw_null(j);
		else
			jw_string(j, text);
		kv_time(j, "at", (time_t)sqlite3_column_int64(st, 6));
		jw_object_end(j);
		wipe_string(text);
	}
	jw_array_end(j);
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(r->db, e, "reading turns");
	sqlite3_finalize(st);
	return ret;
}

/* {"dialogues": [...]} of the caller's couple, newest first; with_turns
 * adds the caller's own turns (the export). */
static int
dialogues_json(const struct account_request *r, bool with_turns, struct jw *j,
    struct err *e)
{
	int64_t couple_id = 0, partner;
	int rc = couple_and_partner(r->db, caller_id(r), &couple_id, &partner, e);
	if (rc < 0)
		return -1;
	sqlite3_stmt *st = db_prepare(r->db, "SELECT " ROW_COLUMNS " FROM dialogues d"
	    " WHERE d.couple_id = ? ORDER BY d.id DESC LIMIT ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, couple_id);
	sqlite3_bind_int(st, 2, with_turns ? -1 : DIALOGUE_LIST_MAX);
	int ret = 0;
	jw_key(j, "dialogues");
	jw_array_begin(j);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct row d;
		const char *topic = NULL;
		if (row_read(st, r->arena, &d, e) != 0 ||
		    unseal(r, TOPIC_CONTEXT, d.id, d.topic, d.topic_len, &topic, e) != 0) {
			ret = -1;
			break;
		}
		jw_object_begin(j);
		jw_kv_int(j, "id", d.id);
		jw_kv_string(j, "step", dialogue_step_name(d.step));
		jw_kv_int(j, "round", d.round);
		jw_kv_string(j, "topic", topic);
		kv_time(j, "started", d.created_at);
		kv_time(j, "ended", d.ended_at);
		wipe_string(topic);
		if (with_turns && own_turns_json(r, d.id, j, e) != 0)
			ret = -1;
		jw_object_end(j);
	}
	jw_array_end(j);
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(r->db, e, "listing dialogues");
	sqlite3_finalize(st);
	return ret;
}

int
dialogue_list_json(const struct account_request *r, struct jw *j, struct err *e)
{
	if (caller_id(r) == 0)
		return err_set(e, 401, "authentication_required", "", "sign in first");
	if (read_begin(r->db, e) != 0)
		return -1;
	jw_object_begin(j);
	int rc = dialogues_json(r, false, j, e);
	jw_object_end(j);
	read_end(r->db);
	return rc;
}

int
dialogue_export_json(const struct account_request *r, struct jw *j, struct err *e)
{
	return dialogues_json(r, true, j, e);
}

/* ---- keeping a record --------------------------------------------------- */

static int
check_notes(const char *notes, struct err *e)
{
	size_t n = strlen(notes);
	if (!text_utf8_valid(notes, n, true))
		return err_invalid(e, "notes", "must be valid UTF-8 text");
	if (text_utf8_length(notes, n) > DIALOGUE_NOTES_MAX)
		return err_set(e, 422, "text_too_long", "notes",
		    "must be at most %d characters", DIALOGUE_NOTES_MAX);
	return 0;
}

/* The record's document (the dialogue_record kind's fields). The first
 * sender is the one who started it; the caller's role is the one they
 * had then. */
static json_t *
record_doc(const struct account_request *r, const struct row *d, const char *topic,
    const char *sender_name, const char *notes)
{
	char date[32];
	utc_format_iso(d->created_at, date);
	date[10] = '\0';
	const char *role = caller_id(r) == d->started_by ? "sender" : "receiver";
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "topic", topic, "date", date,
	    "sender", sender_name, "role", role, "notes", notes);
}

static void
wipe_doc(json_t *doc)
{
	const char *key;
	json_t *value;
	json_object_foreach(doc, key, value)
		if (json_is_string(value))
			wipe_string(json_string_value(value));
	json_decref(doc);
}

int
dialogue_keep_record(const struct account_request *r, int64_t id, const char *notes,
    int64_t *item_id, struct err *e)
{
	struct row d;
	const char *topic = NULL, *sender_name;
	json_t *doc = NULL;
	if (notes == NULL)
		notes = "";
	if (check_notes(notes, e) != 0)
		return -1;
	if (account_tx_begin(r->db, e) != 0)
		return -1;
	if (load(r, id, &d, e) != 0)
		goto fail;
	if (!dialogue_step_closed(d.step)) {
		err_set(e, 409, "dialogue_not_ended", "",
		    "keep a record once the dialogue has ended or stopped");
		goto fail;
	}
	if (unseal(r, TOPIC_CONTEXT, d.id, d.topic, d.topic_len, &topic, e) != 0 ||
	    (sender_name = display_name(r, d.started_by, e)) == NULL)
		goto fail;
	if ((doc = record_doc(r, &d, topic, sender_name, notes)) == NULL) {
		err_internal(e, "cannot build a dialogue record");
		goto fail;
	}
	if (ws_item_insert(r, caller_id(r), "dialogue_record", doc, item_id, e) != 0 ||
	    account_audit(r, "dialogue.keep_record", "dialogue", d.id,
	    arena_printf(r->arena, "workspace_item %lld", (long long)*item_id), e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	wipe_doc(doc);
	wipe_string(topic);
	return 0;
fail:
	account_tx_rollback(r->db);
	if (doc != NULL)
		wipe_doc(doc);
	wipe_string(topic);
	return -1;
}

/* ---- housekeeping ------------------------------------------------------- */

/* Runs sql with the times ?1 and ?2. */
static int
sweep_exec(sqlite3 *db, const char *sql, time_t a, time_t b, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, sql, e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)b);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "sweeping dialogues");
}

int
dialogue_sweep(sqlite3 *db, time_t now, struct err *e)
{
	if (account_tx_begin(db, e) != 0)
		return -1;
	/* Stopping first: a dialogue stopped now keeps its turns a day more. */
	if (sweep_exec(db, "UPDATE dialogues SET step = 'stopped', ended_at = ?1,"
	    " updated_at = ?1, version = version + 1"
	    " WHERE ended_at IS NULL AND updated_at <= ?2", now, now - DIALOGUE_IDLE_STOP, e) != 0 ||
	    sweep_exec(db, "DELETE FROM dialogue_turns WHERE dialogue_id IN"
	    " (SELECT id FROM dialogues WHERE ended_at IS NOT NULL AND ended_at <= ?1)", now - DIALOGUE_TURNS_KEEP, 0, e) != 0 ||
	    account_tx_commit(db, e) != 0) {
		account_tx_rollback(db);
		return -1;
	}
	return 0;
}
