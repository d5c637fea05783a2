/*
 * The couples' workspace: the Imago exercises and the journal, each a
 * record ("item") owned by one person, private until they share it with
 * their partner or with a therapist they have booked with; the partner's
 * responses to shared items; the joint relationship vision; and the
 * private safety screen that decides whether joint exercises are offered.
 */
/* CONTRACT READY */
/*
 * Kinds are a table (kinds.c): the pages render their forms from it, the
 * API validates against it and GET /api/v1/workspace/kinds publishes it,
 * so there is one definition of every exercise.
 *
 * An item's document is a JSON object of its fields (the kind's), sealed
 * as a whole in workspace_items.body with the context
 * "workspace_items.body:ID". Responses are sealed in
 * workspace_responses.body ("workspace_responses.body:ID") and safety
 * answers in safety_screens.answers ("safety_screens.answers:ID").
 *
 * Who may read what is policy_workspace_item (src/policy/policy.h): the
 * owner; both current partners for a joint item; the partner while the
 * item is shared with them and both are in the same couple now; a
 * therapist while it is shared with them. Every read by someone other
 * than the owner writes an audit entry "workspace.item_read" (target
 * workspace_item:ID, no content). Anything else is 404.
 *
 * Flows follow src/accounts/accounts.h: writes are one BEGIN IMMEDIATE
 * transaction with their audit entry; errors name the parameter.
 */
#ifndef IMAGO_WORKSPACE_H
#define IMAGO_WORKSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "../accounts/accounts.h"
#include "../util/arena.h"
#include "../util/err.h"
#include "../util/jw.h"

/* ---- limits ----------------------------------------------------------- */

#define WS_DOC_MAX		(64 * 1024)	/* an item's or response's JSON, bytes */
#define WS_TEXT_MAX		500		/* one-line text, characters (default) */
#define WS_LONGTEXT_MAX		20000		/* longtext, characters (default) */
#define WS_LIST_MAX		50		/* items in a list (default) */
#define WS_RATING_MIN		1		/* 1 = most important (Imago convention) */
#define WS_RATING_MAX		5
#define WS_DAYS			30		/* the zero-negativity calendar */
#define WS_DAY_NOTE_MAX		200
#define WS_LIST_PAGE_MAX	500		/* items a list answer holds at most */

/* The sentence the workspace says about itself, wherever it is shown. */
#define WS_DISCLAIMER \
	"This workspace supports your work with a therapist; it does not" \
	" replace therapy, and it is not for emergencies."

/* ---- kinds ------------------------------------------------------------ */

enum ws_field_type {
	WS_TEXT,	/* one line of text */
	WS_LONGTEXT,	/* several lines; Markdown where markdown is set */
	WS_LIST,	/* array of one-line texts */
	WS_RATED_LIST,	/* array of {"text": "...", "rating": 1..5} */
	WS_ENTRIES,	/* array of objects whose members are sub (text/longtext) */
	WS_DATE,	/* "YYYY-MM-DD" */
	WS_DAYS30,	/* array of exactly WS_DAYS {"mark": "kept"|"slipped"|"",
			   "note": "..."} */
	WS_CHOICE,	/* one of choices */
	WS_NUMBER,	/* whole number in [min, max] */
	WS_REFS,	/* array of "field:N" naming entries of the item's own
			   rated lists (1-based): the caring response's wont_do */
};

struct ws_field {
	const char	*name;		/* API key: "requests" */
	const char	*label;		/* "Three requests" */
	const char	*hint;		/* the sentence stem or help: "I would like…" */
	enum ws_field_type type;
	size_t		 max_chars;	/* per text (and per list entry) */
	size_t		 min_items;	/* lists: at least (when present or required) */
	size_t		 max_items;	/* lists: at most */
	bool		 required;
	bool		 markdown;	/* longtext rendered as Markdown (safe mode) */
	const char *const *choices;	/* WS_CHOICE: NULL-terminated */
	long long	 min, max;	/* WS_NUMBER */
	const struct ws_field *sub;	/* WS_ENTRIES: the members of each entry */
	size_t		 nsub;
};

enum ws_kind_flags {
	WS_KIND_JOINT		= 1,	/* belongs to the couple: both partners write */
	WS_KIND_INTERNAL	= 2,	/* made by another module only (not POST) */
	WS_KIND_MERGED		= 4,	/* made by ws_vision_merge only (not POST) */
	WS_KIND_STATEMENT	= 8,	/* the item JSON adds a generated statement */
};

struct ws_kind {
	const char	*name;		/* API value: "frustration" */
	const char	*title;		/* "Frustration and requests" */
	const char	*intro;		/* one paragraph: what the exercise is for */
	const struct ws_field *fields;
	size_t		 nfields;
	const struct ws_field *response;	/* what the partner fills in; NULL: none */
	size_t		 nresponse;
	const char	*response_intro;
	unsigned	 flags;		/* enum ws_kind_flags */
	const char	*label_field;	/* the field naming an item in lists, or NULL */
};

/* The table, in the order pages list it. */
const struct ws_kind *ws_kinds(size_t *n);
/* The kind called name, or NULL. */
const struct ws_kind *ws_kind_find(const char *name);
/* The field of k called name (fields, not response), or NULL. */
const struct ws_field *ws_kind_field(const struct ws_kind *k, const char *name);

/* Checks doc (a JSON object) against k's fields: unknown members, types,
 * required fields, lengths, list sizes, ratings, dates, choices, valid
 * UTF-8, and the whole at most WS_DOC_MAX bytes. Errors are 400/422
 * naming the parameter as prefix + path: "fields.requests[2]",
 * "fields.days[4].mark". prefix may be "" (then "requests[2]"). */
int	ws_validate(const struct ws_kind *k, const json_t *doc, const char *prefix,
	    struct err *e);
/* The same for a response (k->response) to an item whose document is
 * item_doc (WS_REFS must name entries that exist there). 422
 * "no_response" when k takes none. */
int	ws_validate_response(const struct ws_kind *k, const json_t *item_doc,
	    const json_t *response, const char *prefix, struct err *e);
/* The imago statement for an imago_workup document (arena), or NULL when
 * the kind has none. Empty lists read as "…". */
const char *ws_imago_statement(const struct ws_kind *k, const json_t *doc,
	    struct arena *a);
/* A short label for an item in lists (arena): its label_field's text cut
 * to 80 characters, or the kind's title. */
const char *ws_item_label(const struct ws_kind *k, const json_t *doc, struct arena *a);
/* Every kind as JSON: {"kinds":[{name,title,intro,joint,creatable,
 * statement,fields:[...],response:{intro,fields:[...]}|null}],
 * "disclaimer":"..."}. */
void	ws_kinds_json(struct jw *j);
/* Writes a jansson value through the one JSON writer. */
void	ws_json_write(struct jw *j, const json_t *v);

/* ---- items ------------------------------------------------------------ */

/* How the caller came to read an item (policy_workspace_item decides). */
enum ws_access {
	WS_ACCESS_OWNER,	/* their own */
	WS_ACCESS_JOINT,	/* a joint item of their current couple */
	WS_ACCESS_PARTNER,	/* shared with them by their partner */
	WS_ACCESS_THERAPIST,	/* shared with them as a therapist */
};

/* A therapist someone may share with (booked with) or has shared with. */
struct ws_therapist {
	int64_t		 profile_id;	/* therapists.id: the public directory id */
	int64_t		 user_id;	/* the therapist's account */
	const char	*name;		/* the profile's name */
	bool		 shared;	/* ws_share_targets_for_item: this item is shared */
};

/* One item as the caller may see it. Strings in the request arena; the
 * json_t documents are owned by the item: release with ws_item_release
 * (ws_items_release for arrays). */
struct ws_item {
	int64_t		 id;
	const struct ws_kind *kind;
	int64_t		 owner_id;
	const char	*owner_name;	/* display name ("" when none set) */
	int64_t		 couple_id;	/* joint items; 0 otherwise */
	enum ws_access	 access;
	bool		 shared_with_partner;
	int64_t		 version;
	time_t		 created_at, updated_at;
	const char	*label;		/* ws_item_label (lists: owner's and joint only) */
	json_t		*fields;	/* the document; NULL in lists */
	const char	*statement;	/* imago_workup; NULL otherwise or in lists */
	/* The partner's response (for the owner: what the partner answered;
	 * for the partner: their own), or NULL. */
	json_t		*response;
	time_t		 response_at;
	/* What the caller may do now. */
	bool		 can_edit;	/* owner, or a partner of a joint item */
	bool		 can_share;	/* owner of a non-joint item */
	bool		 can_respond;	/* partner of a shared item with response
					   fields, while joint work is allowed */
	/* Owner only: the therapists it is shared with. */
	struct ws_therapist *therapists;
	size_t		 ntherapists;
	time_t		 shared_at;	/* therapist lists: when it was shared */
};

void	ws_item_release(struct ws_item *it);
void	ws_items_release(struct ws_item *items, size_t n);

/* Creates an item of kind for the caller from fields (validated, params
 * "fields..."). 422 "kind_not_creatable" for dialogue_record (the
 * dialogue makes it) and shared_vision (ws_vision_merge makes it); 400
 * naming "kind" for an unknown kind. */
int	ws_item_create(const struct account_request *r, const char *kind,
	    const json_t *fields, int64_t *id, struct err *e);
/* Creates a private item of kind for owner_id from a JSON document
 * (validated against the kind). Call inside the caller's open
 * transaction (does not begin/commit). *id set. */
int	ws_item_insert(const struct account_request *r, int64_t owner_id,
	    const char *kind, json_t *doc, int64_t *id, struct err *e);
/* Replaces the item's fields when version is the stored one (else 409
 * "stale_version"); *new_version set. Owner, or a partner of a joint
 * item; anyone else 404. */
int	ws_item_update(const struct account_request *r, int64_t id, int64_t version,
	    const json_t *fields, int64_t *new_version, struct err *e);
/* Deletes the item (its responses and shares go with it). Owner, or a
 * partner of a joint item; anyone else 404. */
int	ws_item_delete(const struct account_request *r, int64_t id, struct err *e);
/* The item as the caller may see it (404 "not_found" otherwise), with
 * its fields, statement, response and (for the owner) therapists.
 * Audits a read by anyone but the owner. */
int	ws_item_get(const struct account_request *r, int64_t id, struct ws_item *out,
	    struct err *e);
/* The caller's own items and joint items, and the items their partner
 * shares with them now, newest first; kind NULL for all (400 naming
 * "kind" when unknown). Without fields (no content is read, so nothing
 * is audited); own and joint items carry their label. */
int	ws_items_list(const struct account_request *r, const char *kind,
	    struct ws_item **out, size_t *n, struct err *e);
/* The partner's response to a shared item (replaces their previous one).
 * 404 unless the item is shared with the caller by their partner; 403
 * "joint_unavailable" when joint work is not allowed; 422 "no_response"
 * when the kind takes none; validation names "response...". */
int	ws_response_set(const struct account_request *r, int64_t id,
	    const json_t *response, struct err *e);
/* Makes a joint shared_vision for the caller's couple from both partners'
 * latest vision items shared with the partner: sentences deduplicated
 * case-insensitively (keeping the more important rating, the lower
 * number). 404 "not_in_couple"; 403 "joint_unavailable"; 422
 * "no_visions" when neither has shared a vision. The new item is owned
 * by the caller, shared with the partner; *id set. */
int	ws_vision_merge(const struct account_request *r, int64_t *id, struct err *e);

/* One item as JSON: {id, kind, title, owner:{display_name, me}, joint,
 * access, shared_with_partner, version, created_at, updated_at, label,
 * fields, statement?, response:{fields, updated_at}|null,
 * therapists:[{id, name}] (owner), can_edit, can_share, can_respond}. */
void	ws_item_json(struct jw *j, const struct ws_item *it);
/* {"items":[...]} for a list (without fields). */
void	ws_items_json(struct jw *j, const struct ws_item *items, size_t n);

/* ---- sharing ---------------------------------------------------------- */

/* Shares the caller's item with their partner (shared) or stops. Sharing
 * needs a couple (404 "not_in_couple") and joint work allowed (403
 * "joint_unavailable"); stopping always works. Joint items 422
 * "joint_item". Not the caller's: 404. */
int	ws_share_partner(const struct account_request *r, int64_t id, bool shared,
	    struct err *e);
/* Shares the caller's item with the therapist whose directory profile is
 * profile_id, or stops. Sharing needs a booked appointment between the
 * caller and that profile (else 404 "therapist_not_found", param
 * "therapist_id": the same answer as an unknown profile); stopping
 * always works. */
int	ws_share_therapist(const struct account_request *r, int64_t id,
	    int64_t profile_id, bool shared, struct err *e);
/* The therapists the caller may share with: profiles with an owner that
 * the caller has a booked appointment with (arena). */
int	ws_share_targets(const struct account_request *r, struct ws_therapist **out,
	    size_t *n, struct err *e);
/* The same, each marked shared when item id (the caller's) is shared
 * with them. */
int	ws_share_targets_for_item(const struct account_request *r, int64_t id,
	    struct ws_therapist **out, size_t *n, struct err *e);
/* {"therapists":[{id, name}]} */
void	ws_share_targets_json(struct jw *j, const struct ws_therapist *t, size_t n);

/* The therapist's view: items shared with the caller, newest share first
 * (without fields; label NULL: reading the list reads no content). */
int	ws_therapist_shared(const struct account_request *r, struct ws_item **out,
	    size_t *n, struct err *e);
/* One item shared with the calling therapist (404 otherwise), audited. */
int	ws_therapist_item(const struct account_request *r, int64_t id,
	    struct ws_item *out, struct err *e);

/* ---- safety ----------------------------------------------------------- */

/* A yes/no question of the private safety screen. */
struct ws_safety_question {
	const char	*name;		/* API key: "afraid" */
	const char	*text;		/* "Do you ever feel afraid of your partner?" */
	bool		 safe_answer;	/* the answer that counts as safe */
};
const struct ws_safety_question *ws_safety_questions(size_t *n);

/* A way to get help. */
struct ws_help_line {
	const char	*region;	/* "EU", "US", "UK", "" (everywhere) */
	const char	*name;		/* "National Domestic Violence Hotline" */
	const char	*contact;	/* "1-800-799-7233" */
	const char	*how;		/* "call", "call or text", "text START to 88788" */
};
const struct ws_help_line *ws_help_lines(size_t *n);

/* What the caller may know: nothing about the partner's answers or
 * whether the partner has answered. */
struct ws_safety_status {
	bool		 in_couple;
	bool		 answered_by_me;
	bool		 my_answer_safe;	/* false when not answered */
	bool		 joint_allowed;
	/* When the caller answered "not safe": the therapists they booked
	 * with (arena); the help lines come from ws_help_lines. */
	struct ws_therapist *therapists;
	size_t		 ntherapists;
};

/* Stores the caller's answers for their current couple (replacing
 * earlier ones): yes[i] answers question i of ws_safety_questions, all
 * n of them. 404 "not_in_couple". Sealed; the audit entry holds no
 * answer. */
int	ws_safety_answer(const struct account_request *r, const bool *yes, size_t n,
	    struct err *e);
int	ws_safety_status(const struct account_request *r, struct ws_safety_status *out,
	    struct err *e);
/* {in_couple, answered_by_me, my_answer_safe, joint_allowed, questions,
 * disclaimer, help: {therapists, lines}|null}. */
void	ws_safety_status_json(struct jw *j, const struct ws_safety_status *st);

/* 0 and *allowed set, or -1 with e. Safe outside and inside a
 * transaction. */
int	ws_joint_allowed(const struct account_request *r, int64_t couple_id,
	    bool *allowed, struct err *e);

/* ---- account export --------------------------------------------------- */

/* "workspace": {items (own, with fields and responses), responses (the
 * caller's answers to others' items), safety (own answers)} into an open
 * object. Account deletion needs nothing here: every row cascades with
 * the user (joint items the deleted person owned go too). */
int	ws_export_json(const struct account_request *r, struct jw *j, struct err *e);

#endif
