/*
 * The private safety screen (workspace.h). Before any joint exercise
 * each partner answers a few yes/no questions about feeling safe with
 * the other. Joint work is offered only when both answered and both are
 * safe; when it is not, nobody is told why: the status a person sees is
 * made only of their own answer and the verdict for the couple, so it
 * reads the same whether the partner answered "not safe" or has not
 * answered yet. A person who is not safe is shown where to get help.
 *
 * The answers are sealed (safety_screens.answers) and kept per couple:
 * a new couple starts a new screen.
 */
#include "internal.h"

#include <string.h>

#include "../store/db.h"

static const struct ws_safety_question questions[] = {
	{ "afraid", "Do you ever feel afraid of your partner?", false },
	{ "hurt", "Has your partner ever hurt you, threatened you, or forced you to do something"
	    " you did not want to do?", false },
	{ "controlled", "Does your partner control where you go, whom you see, your money or"
	    " your phone?", false },
	{ "speak_freely", "Can you say what you think and feel to your partner without fear of"
	    " what happens afterwards?", true },
	{ "want_joint", "Do you want to do exercises together with your partner now?", true },
};

static const struct ws_help_line lines[] = {
	{ "EU", "Emergency services", "112", "call" },
	{ "US, Canada", "Emergency services", "911", "call" },
	{ "UK", "Emergency services", "999", "call" },
	{ "US", "National Domestic Violence Hotline", "1-800-799-7233", "call" },
	{ "US", "National Domestic Violence Hotline", "88788", "text START to 88788" },
	{ "US", "988 Suicide & Crisis Lifeline", "988", "call or text" },
	{ "UK", "National Domestic Abuse Helpline", "0808 2000 247", "call" },
	{ "", "Your local emergency number", "", "elsewhere, call your local emergency number" },
};

#define NQUESTIONS	(sizeof(questions) / sizeof(questions[0]))

const struct ws_safety_question *
ws_safety_questions(size_t *n)
{
	*n = NQUESTIONS;
	return questions;
}

const struct ws_help_line *
ws_help_lines(size_t *n)
{
	*n = sizeof(lines) / sizeof(lines[0]);
	return lines;
}

/* The verdict stored with the answers, recomputed from them on reading
 * would tie old screens to today's questions; storing it keeps what the
 * person was asked. */
int
ws_safety_answer(const struct account_request *r, const bool *yes, size_t n, struct err *e)
{
	int64_t couple;
	if (n != NQUESTIONS)
		return err_invalid(e, "answers", "answer all %zu questions", NQUESTIONS);
	bool safe = true;
	json_t *answers = json_object();
	for (size_t i = 0; i < n; i++) {
		json_object_set_new(answers, questions[i].name, json_boolean(yes[i]));
		if (yes[i] != questions[i].safe_answer)
			safe = false;
	}
	json_t *doc = json_pack("{s:o, s:b}", "answers", answers, "safe", safe);
	if (account_tx_begin(r->db, e) != 0) {
		json_decref(doc);
		return -1;
	}
	int rc = couple_of(r->db, ws_caller(r), &couple, NULL, e);
	if (rc != 0) {
		if (rc > 0)
			err_set(e, 404, "not_in_couple", "",
			    "the safety screen is for a couple; invite your partner first");
		goto fail;
	}
	sqlite3_stmt *st = db_prepare(r->db, "INSERT INTO safety_screens (user_id, couple_id,"
	    " answers, answered_at) VALUES (?1, ?2, X'', ?3) ON CONFLICT (user_id, couple_id)"
	    " DO UPDATE SET answered_at = ?3 RETURNING id", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, ws_caller(r));
	sqlite3_bind_int64(st, 2, couple);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->now);
	rc = sqlite3_step(st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || id == 0) {
		db_fail(r->db, e, "storing the safety screen");
		goto fail;
	}
	/* The audit entry says that, not what, they answered. */
	if (ws_store_sealed(r, "safety_screens", "answers", "safety_screens.answers", id, doc, e) != 0 ||
	    account_audit(r, "workspace.safety_answer", "couple", couple, "", e) != 0 ||
	    account_tx_commit(r->db, e) != 0)
		goto fail;
	json_decref(doc);
	return 0;
fail:
	json_decref(doc);
	account_tx_rollback(r->db);
	return -1;
}

/* Reads a screen's verdict. */
static int
screen_safe(const struct account_request *r, int64_t id, const void *blob, size_t n,
    bool *safe, struct err *e)
{
	json_t *doc;
	if (ws_open_sealed(r, "safety_screens.answers", id, blob, n, &doc, e) != 0)
		return -1;
	*safe = json_is_true(json_object_get(doc, "safe"));
	json_decref(doc);
	return 0;
}

int
ws_joint_allowed(const struct account_request *r, int64_t couple_id, bool *allowed,
    struct err *e)
{
	*allowed = false;
	if (couple_id == 0)
		return 0;
	/* Only the couple's current members count (a screen outlives nobody:
	 * it goes with the couple, but be exact). */
	sqlite3_stmt *st = db_prepare(r->db, "SELECT s.id, s.answers FROM safety_screens s"
	    " JOIN couple_members m ON m.user_id = s.user_id AND m.couple_id = s.couple_id"
	    " WHERE s.couple_id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, couple_id);
	int rc, safe_count = 0, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool safe;
		if (screen_safe(r, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), &safe, e) != 0) {
			ret = -1;
			break;
		}
		safe_count += safe;
	}
	sqlite3_finalize(st);
	if (ret != 0)
		return -1;
	if (rc != SQLITE_DONE)
		return db_fail(r->db, e, "reading safety screens");
	*allowed = safe_count == 2;
	return 0;
}

int
ws_safety_status(const struct account_request *r, struct ws_safety_status *out,
    struct err *e)
{
	int64_t couple;
	memset(out, 0, sizeof(*out));
	int rc = couple_of(r->db, ws_caller(r), &couple, NULL, e);
	if (rc < 0)
		return -1;
	out->in_couple = rc == 0;
	if (rc == 0) {
		sqlite3_stmt *st = db_prepare(r->db, "SELECT id, answers FROM safety_screens"
		    " WHERE user_id = ? AND couple_id = ?", e);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, ws_caller(r));
		sqlite3_bind_int64(st, 2, couple);
		rc = sqlite3_step(st);
		int ret = 0;
		if (rc == SQLITE_ROW) {
			out->answered_by_me = true;
			ret = screen_safe(r, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
			    (size_t)sqlite3_column_bytes(st, 1), &out->my_answer_safe, e);
		} else if (rc != SQLITE_DONE) {
			ret = db_fail(r->db, e, "reading the safety screen");
		}
		sqlite3_finalize(st);
		if (ret != 0 || ws_joint_allowed(r, couple, &out->joint_allowed, e) != 0)
			return -1;
	}
	if (out->answered_by_me && !out->my_answer_safe)
		return ws_booked_therapists(r, ws_caller(r), &out->therapists, &out->ntherapists, e);
	return 0;
}

void
ws_safety_status_json(struct jw *j, const struct ws_safety_status *st)
{
	size_t n;
	jw_object_begin(j);
	jw_kv_bool(j, "in_couple", st->in_couple);
	jw_kv_bool(j, "answered_by_me", st->answered_by_me);
	jw_kv_bool(j, "my_answer_safe", st->my_answer_safe);
	jw_kv_bool(j, "joint_allowed", st->joint_allowed);
	jw_key(j, "questions");
	jw_array_begin(j);
	const struct ws_safety_question *q = ws_safety_questions(&n);
	for (size_t i = 0; i < n; i++) {
		jw_object_begin(j);
		jw_kv_string(j, "name", q[i].name);
		jw_kv_string(j, "text", q[i].text);
		jw_object_end(j);
	}
	jw_array_end(j);
	jw_kv_string(j, "disclaimer", WS_DISCLAIMER);
	jw_key(j, "help");
	if (!st->answered_by_me || st->my_answer_safe) {
		jw_null(j);
	} else {
		jw_object_begin(j);
		jw_key(j, "therapists");
		jw_array_begin(j);
		for (size_t i = 0; i < st->ntherapists; i++) {
			jw_object_begin(j);
			jw_kv_int(j, "id", st->therapists[i].profile_id);
			jw_kv_string(j, "name", st->therapists[i].name);
			jw_object_end(j);
		}
		jw_array_end(j);
		jw_key(j, "lines");
		jw_array_begin(j);
		const struct ws_help_line *l = ws_help_lines(&n);
		for (size_t i = 0; i < n; i++) {
			jw_object_begin(j);
			jw_kv_string(j, "region", l[i].region);
			jw_kv_string(j, "name", l[i].name);
			jw_kv_string(j, "contact", l[i].contact);
			jw_kv_string(j, "how", l[i].how);
			jw_object_end(j);
		}
		jw_array_end(j);
		jw_object_end(j);
	}
	jw_object_end(j);
}
