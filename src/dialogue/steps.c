/*
 * The Imago Dialogue's state machine (dialogue.h): the steps, who acts in
 * each and where each action leads, as one table; the checks an action
 * must pass; and the sentence stems shown at each step.
 *
 * Pure: no database and no clock of its own (the caller passes now), so
 * the unit tests can walk every step, action and role.
 */
#include "dialogue.h"

#include <string.h>

#include "../calendar/calendar.h"
#include "../util/text.h"

static const char *const step_names[DIALOGUE_STEP_COUNT] = {
	"appointment", "scheduled", "sending", "mirroring", "mirror_check",
	"summary", "summary_check", "validation", "empathy", "empathy_check",
	"closing", "ended", "stopped",
};

static const char *const action_names[DIALOGUE_ACTION_COUNT] = {
	"accept", "propose", "begin", "send", "mirror", "more", "correct",
	"no_more", "summarize", "confirm", "validate", "empathize", "appreciate",
	"switch", "finish", "stop",
};

static const char *const role_names[DIALOGUE_ROLE_COUNT] = { "sender", "receiver" };

static int
parse_name(const char *const *names, int n, const char *name, int *out)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

const char *
dialogue_step_name(enum dialogue_step s)
{
	return (unsigned)s < DIALOGUE_STEP_COUNT ? step_names[s] : NULL;
}

int
dialogue_step_parse(const char *name, enum dialogue_step *out)
{
	int i;
	if (parse_name(step_names, DIALOGUE_STEP_COUNT, name, &i) != 0)
		return -1;
	*out = (enum dialogue_step)i;
	return 0;
}

const char *
dialogue_role_name(enum dialogue_role r)
{
	return (unsigned)r < DIALOGUE_ROLE_COUNT ? role_names[r] : NULL;
}

int
dialogue_role_parse(const char *name, enum dialogue_role *out)
{
	int i;
	if (parse_name(role_names, DIALOGUE_ROLE_COUNT, name, &i) != 0)
		return -1;
	*out = (enum dialogue_role)i;
	return 0;
}

const char *
dialogue_action_name(enum dialogue_action a)
{
	return (unsigned)a < DIALOGUE_ACTION_COUNT ? action_names[a] : NULL;
}

int
dialogue_action_parse(const char *name, enum dialogue_action *out)
{
	int i;
	if (parse_name(action_names, DIALOGUE_ACTION_COUNT, name, &i) != 0)
		return -1;
	*out = (enum dialogue_action)i;
	return 0;
}

/* Indexed by enum dialogue_action, like action_names. */
static const char *const action_verbs[DIALOGUE_ACTION_COUNT] = {
	"accepts", "proposes a time", "begins", "says", "mirrors", "adds",
	"corrects", "has no more", "sums up", "confirms", "validates",
	"empathizes", "appreciates", "switches roles", "finishes", "stops",
};

const char *
dialogue_action_verb(enum dialogue_action a)
{
	return (unsigned)a < DIALOGUE_ACTION_COUNT ? action_verbs[a] : NULL;
}

const char *
dialogue_turn_name(enum dialogue_turn t)
{
	switch (t) {
	case DIALOGUE_TURN_SENDER:	return "sender";
	case DIALOGUE_TURN_RECEIVER:	return "receiver";
	case DIALOGUE_TURN_EITHER:	return "either";
	case DIALOGUE_TURN_NONE:	break;
	}
	return NULL;
}

const char *
dialogue_mode_name(enum dialogue_mode m)
{
	return m == DIALOGUE_ONE_DEVICE ? "one_device" : "two_devices";
}

int
dialogue_mode_parse(const char *name, enum dialogue_mode *out)
{
	if (name != NULL && strcmp(name, "one_device") == 0)
		*out = DIALOGUE_ONE_DEVICE;
	else if (name != NULL && strcmp(name, "two_devices") == 0)
		*out = DIALOGUE_TWO_DEVICES;
	else
		return -1;
	return 0;
}

const char *
dialogue_variant_name(enum dialogue_variant v)
{
	return v == DIALOGUE_DEEPENING ? "deepening" : "standard";
}

int
dialogue_variant_parse(const char *name, enum dialogue_variant *out)
{
	if (name != NULL && strcmp(name, "deepening") == 0)
		*out = DIALOGUE_DEEPENING;
	else if (name != NULL && strcmp(name, "standard") == 0)
		*out = DIALOGUE_STANDARD;
	else
		return -1;
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

/* One row a step and action; stop is not listed: it is open to either
 * partner in every open step. */
static const struct rule {
	enum dialogue_step	 from;
	enum dialogue_action	 action;
	enum dialogue_turn	 who;
	enum dialogue_step	 to;
} rules[] = {
	{ DIALOGUE_APPOINTMENT,   DIALOGUE_ACCEPT,     DIALOGUE_TURN_RECEIVER, DIALOGUE_SENDING },
	{ DIALOGUE_APPOINTMENT,   DIALOGUE_PROPOSE,    DIALOGUE_TURN_RECEIVER, DIALOGUE_SCHEDULED },
	{ DIALOGUE_SCHEDULED,     DIALOGUE_BEGIN,      DIALOGUE_TURN_EITHER,   DIALOGUE_SENDING },
	{ DIALOGUE_SENDING,       DIALOGUE_SEND,       DIALOGUE_TURN_SENDER,   DIALOGUE_MIRRORING },
	{ DIALOGUE_MIRRORING,     DIALOGUE_MIRROR,     DIALOGUE_TURN_RECEIVER, DIALOGUE_MIRROR_CHECK },
	{ DIALOGUE_MIRROR_CHECK,  DIALOGUE_MORE,       DIALOGUE_TURN_SENDER,   DIALOGUE_MIRRORING },
	{ DIALOGUE_MIRROR_CHECK,  DIALOGUE_CORRECT,    DIALOGUE_TURN_SENDER,   DIALOGUE_MIRRORING },
	{ DIALOGUE_MIRROR_CHECK,  DIALOGUE_NO_MORE,    DIALOGUE_TURN_SENDER,   DIALOGUE_SUMMARY },
	{ DIALOGUE_SUMMARY,       DIALOGUE_SUMMARIZE,  DIALOGUE_TURN_RECEIVER, DIALOGUE_SUMMARY_CHECK },
	{ DIALOGUE_SUMMARY_CHECK, DIALOGUE_CONFIRM,    DIALOGUE_TURN_SENDER,   DIALOGUE_VALIDATION },
	{ DIALOGUE_SUMMARY_CHECK, DIALOGUE_CORRECT,    DIALOGUE_TURN_SENDER,   DIALOGUE_SUMMARY },
	{ DIALOGUE_VALIDATION,    DIALOGUE_VALIDATE,   DIALOGUE_TURN_RECEIVER, DIALOGUE_EMPATHY },
	{ DIALOGUE_EMPATHY,       DIALOGUE_EMPATHIZE,  DIALOGUE_TURN_RECEIVER, DIALOGUE_EMPATHY_CHECK },
	{ DIALOGUE_EMPATHY_CHECK, DIALOGUE_CONFIRM,    DIALOGUE_TURN_SENDER,   DIALOGUE_CLOSING },
	{ DIALOGUE_EMPATHY_CHECK, DIALOGUE_CORRECT,    DIALOGUE_TURN_SENDER,   DIALOGUE_EMPATHY },
	{ DIALOGUE_CLOSING,       DIALOGUE_APPRECIATE, DIALOGUE_TURN_EITHER,   DIALOGUE_CLOSING },
	{ DIALOGUE_CLOSING,       DIALOGUE_SWITCH,     DIALOGUE_TURN_EITHER,   DIALOGUE_SENDING },
	{ DIALOGUE_CLOSING,       DIALOGUE_FINISH,     DIALOGUE_TURN_EITHER,   DIALOGUE_ENDED },
};

/* Whose turn each step is, and what they do, for the wrong_step message. */
static const struct step_info {
	enum dialogue_turn	 turn;
	const char		*doing;
} step_info[DIALOGUE_STEP_COUNT] = {
	[DIALOGUE_APPOINTMENT]	= { DIALOGUE_TURN_RECEIVER,
	    "It is the receiver's turn to accept now or propose a time" },
	[DIALOGUE_SCHEDULED]	= { DIALOGUE_TURN_EITHER,
	    "The dialogue is scheduled: either of you may begin at the agreed time" },
	[DIALOGUE_SENDING]	= { DIALOGUE_TURN_SENDER, "It is the sender's turn to send" },
	[DIALOGUE_MIRRORING]	= { DIALOGUE_TURN_RECEIVER, "It is the receiver's turn to mirror" },
	[DIALOGUE_MIRROR_CHECK]	= { DIALOGUE_TURN_SENDER,
	    "It is the sender's turn to say whether the mirror got it (more, correct or no more)" },
	[DIALOGUE_SUMMARY]	= { DIALOGUE_TURN_RECEIVER, "It is the receiver's turn to summarize" },
	[DIALOGUE_SUMMARY_CHECK] = { DIALOGUE_TURN_SENDER,
	    "It is the sender's turn to confirm or correct the summary" },
	[DIALOGUE_VALIDATION]	= { DIALOGUE_TURN_RECEIVER, "It is the receiver's turn to validate" },
	[DIALOGUE_EMPATHY]	= { DIALOGUE_TURN_RECEIVER, "It is the receiver's turn to empathize" },
	[DIALOGUE_EMPATHY_CHECK] = { DIALOGUE_TURN_SENDER,
	    "It is the sender's turn to confirm or correct the empathy" },
	[DIALOGUE_CLOSING]	= { DIALOGUE_TURN_EITHER,
	    "It is time to close: either of you may appreciate, switch roles or finish" },
	[DIALOGUE_ENDED]	= { DIALOGUE_TURN_NONE, "The dialogue has ended" },
	[DIALOGUE_STOPPED]	= { DIALOGUE_TURN_NONE, "The dialogue was stopped" },
};

bool
dialogue_step_closed(enum dialogue_step s)
{
	return s == DIALOGUE_ENDED || s == DIALOGUE_STOPPED;
}

enum dialogue_turn
dialogue_whose_turn(enum dialogue_step s)
{
	return (unsigned)s < DIALOGUE_STEP_COUNT ? step_info[s].turn : DIALOGUE_TURN_NONE;
}

bool
dialogue_action_takes_text(enum dialogue_action a)
{
	switch (a) {
	case DIALOGUE_SEND: case DIALOGUE_MIRROR: case DIALOGUE_MORE:
	case DIALOGUE_CORRECT: case DIALOGUE_SUMMARIZE: case DIALOGUE_VALIDATE:
	case DIALOGUE_EMPATHIZE: case DIALOGUE_APPRECIATE:
		return true;
	default:
		return false;
	}
}

bool
dialogue_rule(enum dialogue_step s, enum dialogue_action a,
    enum dialogue_turn *who, enum dialogue_step *next)
{
	if ((unsigned)s >= DIALOGUE_STEP_COUNT || dialogue_step_closed(s))
		return false;
	if (a == DIALOGUE_STOP) {
		*who = DIALOGUE_TURN_EITHER;
		*next = DIALOGUE_STOPPED;
		return true;
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].from == s && rules[i].action == a) {
			*who = rules[i].who;
			*next = rules[i].to;
			return true;
		}
	return false;
}

/* ---- the checks --------------------------------------------------------- */

static bool
role_may(enum dialogue_turn who, enum dialogue_role role)
{
	return who == DIALOGUE_TURN_EITHER ||
	    (who == DIALOGUE_TURN_SENDER && role == DIALOGUE_SENDER) ||
	    (who == DIALOGUE_TURN_RECEIVER && role == DIALOGUE_RECEIVER);
}

/* Text is what someone says to their partner: required, UTF-8 (new lines
 * allowed), not only white space, at most DIALOGUE_TEXT_MAX characters. */
static int
check_text(enum dialogue_action a, const char *text, struct err *e)
{
	const char *act = dialogue_action_name(a);
	if (text == NULL)
		return err_invalid(e, "text", "write what you say to %s", act);
	size_t n = strlen(text);
	if (!text_utf8_valid(text, n, true))
		return err_invalid(e, "text", "the text must be valid UTF-8");
	if (strspn(text, " \t\r\n") == n)
		return err_invalid(e, "text", "write what you say to %s", act);
	if (text_utf8_length(text, n) > DIALOGUE_TEXT_MAX)
		return err_set(e, 422, "text_too_long", "text",
		    "say it in at most %d characters: one or two sentences at a time",
		    DIALOGUE_TEXT_MAX);
	return 0;
}

static int
check_proposed(time_t proposed_at, time_t now, struct err *e)
{
	if (proposed_at == 0)
		return err_set(e, 422, "invalid_parameter", "proposed_at",
		    "propose a time within the next 24 hours");
	if (proposed_at < now)
		return err_set(e, 422, "invalid_parameter", "proposed_at",
		    "that time has passed; propose a time within the next 24 hours");
	if (proposed_at - now > DIALOGUE_PROPOSE_AHEAD)
		return err_set(e, 422, "invalid_parameter", "proposed_at",
		    "propose a time within the next 24 hours");
	return 0;
}

static int
check_begin(time_t proposed_at, time_t now, struct err *e)
{
	if (proposed_at == 0 || now >= proposed_at - DIALOGUE_BEGIN_EARLY)
		return 0;
	char when[32];
	utc_format_iso(proposed_at, when);
	return err_set(e, 409, "too_early", "",
	    "the dialogue is set for %s; you may begin from 10 minutes before", when);
}

int
dialogue_transition(const struct dialogue_state *s, enum dialogue_role who,
    enum dialogue_action a, const char *text, time_t proposed_at, time_t now,
    struct dialogue_state *next, struct err *e)
{
	enum dialogue_turn may;
	enum dialogue_step to;
	if ((unsigned)s->step >= DIALOGUE_STEP_COUNT || (unsigned)who >= DIALOGUE_ROLE_COUNT ||
	    (unsigned)a >= DIALOGUE_ACTION_COUNT)
		return err_internal(e, "a dialogue state out of range");
	if (dialogue_step_closed(s->step))
		return err_set(e, 409, "dialogue_ended", "", "%s.",
		    step_info[s->step].doing);
	if (!dialogue_rule(s->step, a, &may, &to))
		return err_set(e, 409, "wrong_step", "action", "%s.",
		    step_info[s->step].doing);
	if (!role_may(may, who))
		return err_set(e, 409, "not_your_turn", "", "only the %s may %s now",
		    dialogue_turn_name(may), dialogue_action_name(a));
	if (dialogue_action_takes_text(a) && check_text(a, text, e) != 0)
		return -1;
	if (a == DIALOGUE_PROPOSE && check_proposed(proposed_at, now, e) != 0)
		return -1;
	if (a == DIALOGUE_BEGIN && check_begin(s->proposed_at, now, e) != 0)
		return -1;
	if (a == DIALOGUE_APPRECIATE && (s->appreciated & (1u << who)) != 0)
		return err_set(e, 409, "already_appreciated", "",
		    "you have said your appreciation for this round; switch roles or finish");
	struct dialogue_state out = *s;
	out.step = to;
	if (a == DIALOGUE_PROPOSE)
		out.proposed_at = proposed_at;
	if (a == DIALOGUE_APPRECIATE)
		out.appreciated |= 1u << who;
	if (a == DIALOGUE_SWITCH) {
		out.round++;
		out.appreciated = 0;
	}
	*next = out;
	return 0;
}

/* ---- what to say -------------------------------------------------------- */

#define WAIT(what)	{ what, { NULL }, 0 }

/* [step][role]: the sender's sending prompt is the standard variant's. */
static const struct dialogue_prompt prompts[DIALOGUE_STEP_COUNT][DIALOGUE_ROLE_COUNT] = {
	[DIALOGUE_APPOINTMENT] = {
		{ "You asked for a dialogue. Wait for your partner to say whether now is a"
		  " good time.", { "I would like to have a dialogue. Is now a good time?" }, 1 },
		{ "Your partner would like a dialogue. Is now a good time? If not, propose a"
		  " time within the next 24 hours.",
		  { "Yes, now is a good time.", "Not now; can we talk at\xe2\x80\xa6" }, 2 },
	},
	[DIALOGUE_SCHEDULED] = {
		WAIT("You agreed on a time. When it comes, either of you may begin."),
		WAIT("You agreed on a time. When it comes, either of you may begin."),
	},
	[DIALOGUE_SENDING] = {
		{ "Say what you want your partner to hear, one or two sentences at a time."
		  " Speak about yourself: use I-statements, not blame.",
		  { "What I would like to share with you is\xe2\x80\xa6",
		    "I feel\xe2\x80\xa6", "When that happens, I\xe2\x80\xa6" }, 3 },
		WAIT("Listen. Your partner is sending; next you mirror what you hear."),
	},
	[DIALOGUE_MIRRORING] = {
		WAIT("Wait while your partner mirrors what you said."),
		{ "Mirror what you heard, as closely as you can, without adding to it or"
		  " answering it.",
		  { "If I got it, you said\xe2\x80\xa6", "Did I get it?" }, 2 },
	},
	[DIALOGUE_MIRROR_CHECK] = {
		{ "Did your partner get it? Add more, correct what they missed, or tell them"
		  " there is no more.",
		  { "Yes, and there is more\xe2\x80\xa6", "Not quite: \xe2\x80\xa6",
		    "You got it; there is no more." }, 3 },
		WAIT("Ask \"Is there more?\" and wait for your partner."),
	},
	[DIALOGUE_SUMMARY] = {
		WAIT("Wait while your partner sums up everything you said."),
		{ "Sum up everything your partner said.",
		  { "So, in summary\xe2\x80\xa6", "Did I get it all?" }, 2 },
	},
	[DIALOGUE_SUMMARY_CHECK] = {
		{ "Did the summary get it all? Confirm it, or say what else you want heard.",
		  { "Yes, you got it all.", "The part I want you to also hear is\xe2\x80\xa6" }, 2 },
		WAIT("Wait for your partner to say whether you got it all."),
	},
	[DIALOGUE_VALIDATION] = {
		WAIT("Wait while your partner tells you how what you said makes sense."),
		{ "Tell your partner how what they said makes sense from where they stand."
		  " You need not agree.",
		  { "You make sense, because\xe2\x80\xa6",
		    "It makes sense to me that you\xe2\x80\xa6 because\xe2\x80\xa6" }, 2 },
	},
	[DIALOGUE_EMPATHY] = {
		WAIT("Wait while your partner imagines how you feel."),
		{ "Imagine how your partner feels about it, and say it.",
		  { "I imagine you might be feeling\xe2\x80\xa6", "Is that what you feel?" }, 2 },
	},
	[DIALOGUE_EMPATHY_CHECK] = {
		{ "Is that how you feel? Confirm it, or say what you feel.",
		  { "Yes, that's how I feel.", "What I feel is\xe2\x80\xa6" }, 2 },
		WAIT("Wait for your partner to say whether that is how they feel."),
	},
	[DIALOGUE_CLOSING] = {
		{ "Thank each other: each of you may say one appreciation. Then switch roles"
		  " so your partner can send, or finish.",
		  { "One thing I appreciate about you is\xe2\x80\xa6",
		    "Thank you for listening." }, 2 },
		{ "Thank each other: each of you may say one appreciation. Then switch roles"
		  " so you can send, or finish.",
		  { "One thing I appreciate about you is\xe2\x80\xa6",
		    "Thank you for sharing this with me." }, 2 },
	},
	[DIALOGUE_ENDED] = {
		WAIT("The dialogue is over. Each of you may keep a private record of it."),
		WAIT("The dialogue is over. Each of you may keep a private record of it."),
	},
	[DIALOGUE_STOPPED] = {
		WAIT("You took a break. Start a new dialogue when you are both ready."),
		WAIT("You took a break. Start a new dialogue when you are both ready."),
	},
};

/* The deeper frustration stems, for the sender of the deepening variant. */
static const struct dialogue_prompt deepening_sender = {
	"Go deeper into the frustration, one or two sentences at a time, about"
	" yourself. Take the stems one by one.",
	{
		"What I'm concerned about is\xe2\x80\xa6",
		"When that happens, I feel\xe2\x80\xa6",
		"And then I react by\xe2\x80\xa6",
		"And the story I tell myself is\xe2\x80\xa6",
		"What hurts me about this is\xe2\x80\xa6",
		"What I'm afraid of is\xe2\x80\xa6",
		"What this reminds me of from childhood is\xe2\x80\xa6",
		"What I desire is\xe2\x80\xa6",
	}, 8,
};

void
dialogue_prompt_for(enum dialogue_step s, enum dialogue_role role,
    enum dialogue_variant v, struct dialogue_prompt *out)
{
	if ((unsigned)s >= DIALOGUE_STEP_COUNT || (unsigned)role >= DIALOGUE_ROLE_COUNT) {
		memset(out, 0, sizeof(*out));
		out->instruction = "";
		return;
	}
	if (s == DIALOGUE_SENDING && role == DIALOGUE_SENDER && v == DIALOGUE_DEEPENING)
		*out = deepening_sender;
	else
		*out = prompts[s][role];
}

/* ---- times -------------------------------------------------------------- */

int
dialogue_parse_time(const char *s, time_t *out)
{
	char copy[40];
	size_t n, k;
	if (s == NULL || (n = strlen(s)) >= sizeof(copy))
		return -1;
	/* Drop a fraction of a second (JavaScript's toISOString writes one). */
	const char *dot = strchr(s, '.');
	if (dot != NULL) {
		size_t at = (size_t)(dot - s);
		k = strspn(dot + 1, "0123456789");
		if (k == 0 || k > 9 || at != 19)
			return -1;
		memcpy(copy, s, at);
		memcpy(copy + at, dot + 1 + k, n - at - 1 - k + 1);
	} else {
		memcpy(copy, s, n + 1);
	}
	return utc_parse_iso(copy, out);
}
