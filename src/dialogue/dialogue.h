/* CONTRACT READY */
/*
 * The Imago Dialogue, guided: two partners take turns through its steps
 * (sending, mirroring, summary, validation, empathy, closing), one round
 * a topic, switching roles if they like. This module is the dialogue's
 * state machine (steps.c, pure: no database, no clock of its own) and
 * its store (dialogue.c: start, act, read, list, keep a record, sweep).
 *
 * Rules that hold everywhere:
 * - Every action carries the version the client saw; each accepted
 *   action bumps it, so of two simultaneous actions based on version N
 *   the second is refused (409 "stale_version") and nobody's turn is
 *   lost silently.
 * - The topic and every text are sealed with the vault
 *   ("dialogues.topic:ID", "dialogue_turns.text:ID"); audit entries
 *   carry action names, never text.
 * - Only the two members of the dialogue's couple, while they are a
 *   couple, see or touch it; anyone else gets 404 "not_found".
 * - Turns of an ended or stopped dialogue are deleted 24 hours after
 *   its end (dialogue_sweep); a dialogue idle for 7 days is stopped.
 *
 * Errors the state machine answers (dialogue_transition, dialogue_act):
 *   409 "dialogue_ended"   the dialogue is ended or stopped
 *   409 "wrong_step"       the action does not belong to this step; the
 *                          message says whose turn it is and what they do
 *   409 "not_your_turn"    the right action, by the wrong role
 *   409 "too_early"        begin before proposed_at - 10 minutes
 *   409 "already_appreciated"  one appreciation a person a round
 *   400 "invalid_parameter" param "text"  text missing, empty or not UTF-8
 *   422 "text_too_long"    param "text"   over DIALOGUE_TEXT_MAX characters
 *   422 "invalid_parameter" param "proposed_at"  missing, unparsable, in
 *                          the past or more than 24 hours ahead
 * and the store adds 409 "stale_version", 404 "not_found".
 */
#ifndef IMAGO_DIALOGUE_H
#define IMAGO_DIALOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "../accounts/accounts.h"
#include "../util/err.h"
#include "../util/jw.h"

#define DIALOGUE_TOPIC_MAX	200	/* characters */
#define DIALOGUE_TEXT_MAX	1000	/* characters a turn */
#define DIALOGUE_NOTES_MAX	4000	/* characters of a kept record's notes */
#define DIALOGUE_TIMER_MIN	30	/* timer_seconds: 0, or MIN..MAX */
#define DIALOGUE_TIMER_MAX	1800
#define DIALOGUE_PROPOSE_AHEAD	(24 * 60 * 60)	/* proposed_at within now..now+this */
#define DIALOGUE_BEGIN_EARLY	(10 * 60)	/* begin from proposed_at - this */
#define DIALOGUE_TURNS_KEEP	(24 * 60 * 60)	/* turns kept after the end */
#define DIALOGUE_IDLE_STOP	(7 * 24 * 60 * 60)	/* idle dialogues stopped */
#define DIALOGUE_LIST_MAX	100	/* dialogues a list shows */
#define DIALOGUE_STEMS_MAX	8	/* sentence stems a prompt holds */

/* Steps, in order; API and database values by dialogue_step_name. */
enum dialogue_step {
	DIALOGUE_APPOINTMENT,	/* the receiver says whether now is a good time */
	DIALOGUE_SCHEDULED,	/* a time within 24 h was proposed */
	DIALOGUE_SENDING,
	DIALOGUE_MIRRORING,
	DIALOGUE_MIRROR_CHECK,
	DIALOGUE_SUMMARY,
	DIALOGUE_SUMMARY_CHECK,
	DIALOGUE_VALIDATION,
	DIALOGUE_EMPATHY,
	DIALOGUE_EMPATHY_CHECK,
	DIALOGUE_CLOSING,
	DIALOGUE_ENDED,		/* finished */
	DIALOGUE_STOPPED,	/* someone needed a break, or it sat idle */
	DIALOGUE_STEP_COUNT
};

enum dialogue_role {
	DIALOGUE_SENDER,
	DIALOGUE_RECEIVER,
	DIALOGUE_ROLE_COUNT
};

/* Actions; API values by dialogue_action_name ("no_more", "switch"...). */
enum dialogue_action {
	DIALOGUE_ACCEPT,	/* "Yes, now is a good time" */
	DIALOGUE_PROPOSE,	/* another time, within 24 h (proposed_at) */
	DIALOGUE_BEGIN,		/* the scheduled time has come */
	DIALOGUE_SEND,		/* text */
	DIALOGUE_MIRROR,	/* text */
	DIALOGUE_MORE,		/* text: "Yes, and there is more..." */
	DIALOGUE_CORRECT,	/* text: "Not quite..." */
	DIALOGUE_NO_MORE,
	DIALOGUE_SUMMARIZE,	/* text */
	DIALOGUE_CONFIRM,
	DIALOGUE_VALIDATE,	/* text */
	DIALOGUE_EMPATHIZE,	/* text */
	DIALOGUE_APPRECIATE,	/* text; once a person a round */
	DIALOGUE_SWITCH,	/* roles swap, round + 1 */
	DIALOGUE_FINISH,
	DIALOGUE_STOP,		/* "We need a break": any open step, either */
	DIALOGUE_ACTION_COUNT
};

/* Whose turn a step is. */
enum dialogue_turn {
	DIALOGUE_TURN_NONE,	/* ended or stopped */
	DIALOGUE_TURN_SENDER,
	DIALOGUE_TURN_RECEIVER,
	DIALOGUE_TURN_EITHER,
};

enum dialogue_mode {
	DIALOGUE_TWO_DEVICES,	/* each account acts in its own role */
	DIALOGUE_ONE_DEVICE,	/* the starter's account acts for both */
};

enum dialogue_variant {
	DIALOGUE_STANDARD,
	DIALOGUE_DEEPENING,	/* the sender is offered the deeper frustration stems */
};

/* ---- the pure state machine (steps.c) ---------------------------------- */

/* Names as the API and the database spell them; NULL for out of range.
 * parse: 0 and *out, or -1 for an unknown name (NULL included). */
const char *dialogue_step_name(enum dialogue_step s);
int	dialogue_step_parse(const char *name, enum dialogue_step *out);
const char *dialogue_role_name(enum dialogue_role r);
int	dialogue_role_parse(const char *name, enum dialogue_role *out);
const char *dialogue_action_name(enum dialogue_action a);
int	dialogue_action_parse(const char *name, enum dialogue_action *out);
/* How a turn reads to people, before its text: "mirrors", "adds". */
const char *dialogue_action_verb(enum dialogue_action a);
/* "sender", "receiver", "either", or NULL for DIALOGUE_TURN_NONE. */
const char *dialogue_turn_name(enum dialogue_turn t);
const char *dialogue_mode_name(enum dialogue_mode m);
int	dialogue_mode_parse(const char *name, enum dialogue_mode *out);
const char *dialogue_variant_name(enum dialogue_variant v);
int	dialogue_variant_parse(const char *name, enum dialogue_variant *out);

/* Whether a step is over (ended or stopped). */
bool	dialogue_step_closed(enum dialogue_step s);
/* Whose turn step s is. */
enum dialogue_turn dialogue_whose_turn(enum dialogue_step s);
/* Whether action a takes a text (send, mirror, more, correct, summarize,
 * validate, empathize, appreciate). Others ignore any text given. */
bool	dialogue_action_takes_text(enum dialogue_action a);
/* The table: whether a is an action of step s at all (by someone), and
 * if so who may take it and where it leads. */
bool	dialogue_rule(enum dialogue_step s, enum dialogue_action a,
	    enum dialogue_turn *who, enum dialogue_step *next);

/* What the state machine needs to know of a dialogue. */
struct dialogue_state {
	enum dialogue_step step;
	int64_t		 round;		/* 1, +1 a switch */
	time_t		 proposed_at;	/* 0: none */
	/* Bit (1u << role): who appreciated in this round's closing. */
	unsigned	 appreciated;
};

/* Checks that who may take action a (with text / proposed_at, both may
 * be NULL / 0 where not needed) in state s at time now, and if so
 * writes the state after it to next (which may be s itself). 0, or -1
 * with e as listed at the top; the checks run in that order: ended,
 * wrong step, wrong role, then the action's own rules. */
int	dialogue_transition(const struct dialogue_state *s, enum dialogue_role who,
	    enum dialogue_action a, const char *text, time_t proposed_at,
	    time_t now, struct dialogue_state *next, struct err *e);

/* What to say now: one instruction and the sentence stems to start from
 * (the sender's in DIALOGUE_SENDING hold the deeper frustration stems in
 * the deepening variant). Static strings. For the role whose turn it is
 * not, the instruction says what to do meanwhile (listen, wait). */
struct dialogue_prompt {
	const char	*instruction;
	const char	*stems[DIALOGUE_STEMS_MAX];
	size_t		 n_stems;
};
void	dialogue_prompt_for(enum dialogue_step s, enum dialogue_role role,
	    enum dialogue_variant v, struct dialogue_prompt *out);

/* Parses proposed_at: ISO 8601 with "Z" or a numeric offset, seconds and
 * a fraction of a second optional ("2026-03-08T14:30:00.000Z"). 0 or -1. */
int	dialogue_parse_time(const char *s, time_t *out);

/* ---- the store (dialogue.c) ------------------------------------------- */

/* Starting a dialogue: strings as they came in (NULL: the default). */
struct dialogue_start_input {
	const char	*mode;		/* "two_devices" (default) | "one_device" */
	const char	*variant;	/* "standard" (default) | "deepening" */
	const char	*topic;		/* 1..DIALOGUE_TOPIC_MAX characters, required */
	int64_t		 timer_seconds;	/* 0, or DIALOGUE_TIMER_MIN..MAX */
};

/* Starts a dialogue in the caller's couple with the caller as sender, in
 * step appointment. 400/422 naming "mode", "variant", "topic",
 * "timer_seconds"; 404 "not_in_couple"; 403 "joint_unavailable" (a
 * neutral message: it never says which partner the gate waits for); 409
 * "dialogue_open" (one open dialogue a couple). *id set. */
int	dialogue_start(const struct account_request *r,
	    const struct dialogue_start_input *in, int64_t *id, struct err *e);

/* Takes an action, in one transaction: access (404 "not_found"), version
 * (409 "stale_version"), the transition, the turn (text sealed), the
 * dialogue (version + 1) and an audit entry "dialogue.act" whose detail
 * is the action name. as_role: NULL, "sender" or "receiver": the role the
 * caller acts as. In two_devices mode it may only be the caller's own
 * (else 409 "not_your_turn", param "as"); in one_device mode the
 * starter's account may act as either, and NULL means the role whose turn
 * it is (the caller's own when either may act). proposed_at: ISO 8601,
 * for propose only. 400 "invalid_parameter" naming "action" or "as" for
 * unknown names. *new_version (may be NULL) gets the version after it. */
int	dialogue_act(const struct account_request *r, int64_t id, int64_t version,
	    const char *as_role, const char *action, const char *text,
	    const char *proposed_at, int64_t *new_version, struct err *e);

/* 0 when the caller may see dialogue id (a member of its couple now),
 * else -1 with 404 "not_found". For the web layer's event stream
 * ("dialogue:ID"), which must check before it watches. */
int	dialogue_check_access(const struct account_request *r, int64_t id,
	    struct err *e);

/* The caller's couple's open dialogue: *id, or 0 when there is none (or
 * no couple). */
int	dialogue_open_id(const struct account_request *r, int64_t *id,
	    struct err *e);

/* The dialogue as its caller sees it (dialogue_get, arena memory). */
struct dialogue_choice {
	enum dialogue_action action;
	enum dialogue_role as;		/* the role the caller acts as */
	bool		 takes_text;
};

struct dialogue_turn_view {
	enum dialogue_role role;
	enum dialogue_step step;	/* the step it was taken in */
	enum dialogue_action action;
	const char	*text;		/* NULL: none */
	time_t		 at;
};

struct dialogue_view {
	int64_t		 id;
	enum dialogue_step step;
	int64_t		 round;
	int64_t		 version;
	enum dialogue_mode mode;
	enum dialogue_variant variant;
	int		 timer_seconds;
	time_t		 proposed_at;	/* 0: none */
	const char	*topic;		/* plain text: wipe with dialogue_view_wipe */
	enum dialogue_role you;		/* the caller's own role this round */
	bool		 acts_for_both;	/* one_device, and the caller started it */
	const char	*sender_name;	/* display names ("" when unset) */
	const char	*receiver_name;
	enum dialogue_turn turn;
	/* What the caller may do now: every action of this step the caller
	 * may take, as each role they may act as (stop: once, as "you"). */
	struct dialogue_choice choices[2 * DIALOGUE_ACTION_COUNT];
	size_t		 n_choices;
	/* The prompt for the role the caller acts as now: the role whose
	 * turn it is when they may act as it, else their own. */
	enum dialogue_role prompt_role;
	struct dialogue_prompt prompt;
	struct dialogue_turn_view *turns;	/* this round's, oldest first */
	size_t		 n_turns;
	time_t		 created_at;
	time_t		 ended_at;	/* 0: open */
};

/* Reads dialogue id for the caller (404 "not_found"), opening the sealed
 * topic and this round's texts into the arena. */
int	dialogue_get(const struct account_request *r, int64_t id,
	    struct dialogue_view *out, struct err *e);
/* Zeroes the plain text v holds (topic, turn texts) once written out. */
void	dialogue_view_wipe(struct dialogue_view *v);
/* Writes v as one JSON object: id, step, round, version, mode, variant,
 * timer_seconds, proposed_at, topic, you, acts_for_both, sender
 * {display_name}, receiver {display_name}, turn, actions [{action, as,
 * text}], prompt {role, instruction, stems}, turns [{role, step, action,
 * text, at}], created_at, ended_at. Times ISO 8601 UTC or null. */
void	dialogue_view_json(struct jw *j, const struct dialogue_view *v);
/* dialogue_get + dialogue_view_json + dialogue_view_wipe. */
int	dialogue_json(const struct account_request *r, int64_t id, struct jw *j,
	    struct err *e);

/* The caller's couple's dialogues, newest first, at most
 * DIALOGUE_LIST_MAX: writes {"dialogues": [{id, step, round, topic,
 * started, ended}]} (started/ended ISO 8601, ended null while open). No
 * couple: an empty list. */
int	dialogue_list_json(const struct account_request *r, struct jw *j,
	    struct err *e);

/* Keeps a private record of an ended or stopped dialogue the caller took
 * part in: a workspace item of kind dialogue_record with the topic, the
 * date, the sender's name, the caller's role and notes (0..
 * DIALOGUE_NOTES_MAX characters, NULL as ""). 404 "not_found", 409
 * "dialogue_not_ended", 422 "text_too_long" naming "notes". *item_id set. */
int	dialogue_keep_record(const struct account_request *r, int64_t id,
	    const char *notes, int64_t *item_id, struct err *e);

/* Housekeeping: deletes the turns of dialogues ended DIALOGUE_TURNS_KEEP
 * ago or more, and stops dialogues idle for DIALOGUE_IDLE_STOP. One
 * transaction. */
int	dialogue_sweep(sqlite3 *db, time_t now, struct err *e);

/* For account export: writes "dialogues" (the caller's dialogues, with
 * topics and the caller's own turns still kept) into an open object. */
int	dialogue_export_json(const struct account_request *r, struct jw *j,
	    struct err *e);

#endif
