/*
 * The web application: the context every handler receives (through
 * req->app), the route table, and the handlers, which translate between
 * HTTP (src/http) and the domain modules (directory, places). Handlers
 * hold no SQL and build no markup by hand: JSON goes through
 * util/jw.h, HTML through util/html.h and the layout in pages.h.
 */
#ifndef IMAGO_APP_H
#define IMAGO_APP_H

#include <sqlite3.h>

#include "../accounts/accounts.h"
#include "../directory/search.h"
#include "../http/http.h"
#include "../mail/mail.h"
#include "../util/jw.h"

struct app {
	const char		*db_path;
	const char		*static_dir;	/* our own CSS/JS */
	const char		*leaflet_dir;	/* data/node_modules/leaflet/dist */
	const char		*tile_url;	/* map tiles, {z}/{x}/{y} template */
	const char		*tile_attribution;
	struct search_engine	*engine;
	const char		*base_url;	/* for links in mail: "http://127.0.0.1:8080" */
	struct mail_worker	*mail;		/* woken after a commit that queued mail */
	struct vault		*vault;		/* the workspace's keys (src/vault/vault.h) */
	struct http_events	*events;	/* live updates (server-sent events) */
};

/*
 * What the guard (auth.c) learns about a request before its handler
 * runs: who is asking, and for pages the decoded form (read early
 * because the CSRF token travels in it). Lives in the request arena;
 * req->auth points here.
 */
struct web_session {
	struct auth	 auth;
	const char	*cookie_token;	/* the session cookie, when it named a live session */
	struct param	 form[HTTP_MAX_PARAMS];
	size_t		 nform;
	bool		 form_read;
};

/* The guard: authentication, CSRF, the general write limit and the
 * route's access level (policy_route). */
int	app_guard(struct http_request *req, struct http_response *res, struct err *e);
/* This request's session state (never NULL once the guard ran). */
struct web_session *web_session(struct http_request *req);
/* An account_request for the flows: this thread's DB, the arena, the
 * address, the base URL and who is asking. NULL db: e is set (503). */
int	web_account_request(struct http_request *req, struct account_request *r,
	    struct err *e);
/* Sets (or with NULL clears) the session cookie. */
void	web_set_session_cookie(struct http_request *req, struct http_response *res,
	    const char *token);
/* path when it is a page of this site under prefix ("/", "/admin") that
 * a redirect may go to: no "//" (another host to a browser), no
 * backslash or control character (a split header), at most
 * WEB_LOCAL_PATH_MAX bytes; otherwise NULL. */
#define WEB_LOCAL_PATH_MAX	1000
const char *web_local_path(const char *path, const char *prefix);
/* Tells the mail worker there is mail to send. */
void	web_mail_sent(struct http_request *req);

/* This thread's connection to the database (opened on first use). */
sqlite3	*app_db(struct app *app);

/* The route table (routes.c). */
extern const struct http_route app_routes[];
extern const size_t app_nroutes;

/* Errors: JSON {"error":{code,param,message}} under /api/, else a page. */
void	app_render_error(struct http_request *req, const struct err *e,
	    struct http_response *res);

/* JSON API (api.c) */
int	api_therapists(struct http_request *, struct http_response *, struct err *);
int	api_therapist(struct http_request *, struct http_response *, struct err *);
int	api_places(struct http_request *, struct http_response *, struct err *);
int	health(struct http_request *, struct http_response *, struct err *);

/* Accounts API (api_accounts.c) */
int	api_account_create(struct http_request *, struct http_response *, struct err *);
int	api_account_verify(struct http_request *, struct http_response *, struct err *);
int	api_session_create(struct http_request *, struct http_response *, struct err *);
int	api_session_code(struct http_request *, struct http_response *, struct err *);
int	api_session_delete(struct http_request *, struct http_response *, struct err *);
int	api_sessions(struct http_request *, struct http_response *, struct err *);
int	api_session_revoke(struct http_request *, struct http_response *, struct err *);
int	api_password_reset(struct http_request *, struct http_response *, struct err *);
int	api_password_reset_confirm(struct http_request *, struct http_response *, struct err *);
int	api_me(struct http_request *, struct http_response *, struct err *);
int	api_me_password(struct http_request *, struct http_response *, struct err *);
int	api_me_email(struct http_request *, struct http_response *, struct err *);
int	api_me_email_confirm(struct http_request *, struct http_response *, struct err *);
int	api_two_step(struct http_request *, struct http_response *, struct err *);
int	api_two_step_enable(struct http_request *, struct http_response *, struct err *);
int	api_recovery_codes(struct http_request *, struct http_response *, struct err *);
int	api_tokens(struct http_request *, struct http_response *, struct err *);
int	api_token_revoke(struct http_request *, struct http_response *, struct err *);
int	api_me_export(struct http_request *, struct http_response *, struct err *);
int	api_me_delete(struct http_request *, struct http_response *, struct err *);

/* Profiles and admin API (api_profiles.c) */
int	api_my_profile(struct http_request *, struct http_response *, struct err *);
int	api_profile_create(struct http_request *, struct http_response *, struct err *);
int	api_profile_update(struct http_request *, struct http_response *, struct err *);
int	api_profile_claim(struct http_request *, struct http_response *, struct err *);
int	api_claim_confirm(struct http_request *, struct http_response *, struct err *);
int	api_admin_verifications(struct http_request *, struct http_response *, struct err *);
int	api_admin_verify(struct http_request *, struct http_response *, struct err *);
int	api_admin_hide(struct http_request *, struct http_response *, struct err *);
int	api_admin_users(struct http_request *, struct http_response *, struct err *);
int	api_admin_suspend(struct http_request *, struct http_response *, struct err *);
int	api_admin_audit(struct http_request *, struct http_response *, struct err *);
/* The caller's profile as "therapist_profile" in their data export. */
int	export_profile_json(const struct account_request *r, struct jw *j, struct err *e);

/* HTML pages (pages.c) */
int	page_home(struct http_request *, struct http_response *, struct err *);
int	page_results(struct http_request *, struct http_response *, struct err *);
int	page_profile(struct http_request *, struct http_response *, struct err *);
int	page_not_found(struct http_request *, struct http_response *, struct err *);

/* Account pages (pages_account.c) */
int	page_signup(struct http_request *, struct http_response *, struct err *);
int	page_verify(struct http_request *, struct http_response *, struct err *);
int	page_signin(struct http_request *, struct http_response *, struct err *);
int	page_signin_code(struct http_request *, struct http_response *, struct err *);
int	page_signout(struct http_request *, struct http_response *, struct err *);
int	page_reset(struct http_request *, struct http_response *, struct err *);
int	page_reset_confirm(struct http_request *, struct http_response *, struct err *);
int	page_account(struct http_request *, struct http_response *, struct err *);
int	page_account_name(struct http_request *, struct http_response *, struct err *);
int	page_account_password(struct http_request *, struct http_response *, struct err *);
int	page_account_email(struct http_request *, struct http_response *, struct err *);
int	page_account_email_confirm(struct http_request *, struct http_response *, struct err *);
int	page_session_revoke(struct http_request *, struct http_response *, struct err *);
int	page_signout_everywhere(struct http_request *, struct http_response *, struct err *);
int	page_token_create(struct http_request *, struct http_response *, struct err *);
int	page_token_revoke(struct http_request *, struct http_response *, struct err *);
int	page_account_delete(struct http_request *, struct http_response *, struct err *);
int	page_two_step(struct http_request *, struct http_response *, struct err *);
int	page_two_step_disable(struct http_request *, struct http_response *, struct err *);
int	page_recovery_codes(struct http_request *, struct http_response *, struct err *);

/* Static assets (assets.c): our CSS/JS and Leaflet, loaded at start. */
int	assets_load(struct app *app, struct err *e);
int	asset_serve(struct http_request *, struct http_response *, struct err *);

/* Therapists' own profile pages (pages_profile.c) */
int	page_my_profile(struct http_request *, struct http_response *, struct err *);
int	page_my_profile_save(struct http_request *, struct http_response *, struct err *);
int	page_claim_request(struct http_request *, struct http_response *, struct err *);
int	page_claim_confirm(struct http_request *, struct http_response *, struct err *);
int	page_claim_confirm_post(struct http_request *, struct http_response *, struct err *);

/* Admin pages (pages_admin.c) */
int	page_admin(struct http_request *, struct http_response *, struct err *);
int	page_admin_verifications(struct http_request *, struct http_response *, struct err *);
int	page_admin_therapist(struct http_request *, struct http_response *, struct err *);
int	page_admin_verify(struct http_request *, struct http_response *, struct err *);
int	page_admin_unverify(struct http_request *, struct http_response *, struct err *);
int	page_admin_hide(struct http_request *, struct http_response *, struct err *);
int	page_admin_unhide(struct http_request *, struct http_response *, struct err *);
int	page_admin_users(struct http_request *, struct http_response *, struct err *);
int	page_admin_suspend(struct http_request *, struct http_response *, struct err *);
int	page_admin_unsuspend(struct http_request *, struct http_response *, struct err *);
int	page_admin_audit(struct http_request *, struct http_response *, struct err *);

/* Contact relay: API (api_contact.c) and pages (pages_contact.c). */
int	api_contact_send(struct http_request *, struct http_response *, struct err *);
int	api_contact_confirm(struct http_request *, struct http_response *, struct err *);
int	api_my_messages(struct http_request *, struct http_response *, struct err *);
int	api_my_message(struct http_request *, struct http_response *, struct err *);
int	api_my_message_reply(struct http_request *, struct http_response *, struct err *);
int	api_my_message_spam(struct http_request *, struct http_response *, struct err *);
int	page_contact_message(struct http_request *, struct http_response *, struct err *);
int	page_contact_confirm(struct http_request *, struct http_response *, struct err *);
int	page_inbox(struct http_request *, struct http_response *, struct err *);
int	page_inbox_message(struct http_request *, struct http_response *, struct err *);
int	page_inbox_reply(struct http_request *, struct http_response *, struct err *);
int	page_inbox_spam(struct http_request *, struct http_response *, struct err *);
int	page_inbox_not_spam(struct http_request *, struct http_response *, struct err *);
/* A message's fields from a JSON body or a form (api_contact.c). */
struct input;
struct contact_input;
extern const char *const contact_input_fields[];
int	contact_from_input(const struct input *in, struct contact_input *out,
	    struct err *e);

/* Recommendations, endorsements, referrals: API (api_reviews.c) and
 * pages (pages_recommend.c). */
int	api_recommendations(struct http_request *, struct http_response *, struct err *);
int	api_my_recommendations(struct http_request *, struct http_response *, struct err *);
int	api_recommendation_publication(struct http_request *, struct http_response *, struct err *);
int	api_endorsement(struct http_request *, struct http_response *, struct err *);
int	api_endorsements(struct http_request *, struct http_response *, struct err *);
int	api_referrals(struct http_request *, struct http_response *, struct err *);
int	page_recommend(struct http_request *, struct http_response *, struct err *);
int	page_recommend_link(struct http_request *, struct http_response *, struct err *);
int	page_endorse(struct http_request *, struct http_response *, struct err *);
int	page_unendorse(struct http_request *, struct http_response *, struct err *);
int	page_my_recommendations(struct http_request *, struct http_response *, struct err *);
int	page_recommendation_publish(struct http_request *, struct http_response *, struct err *);
int	page_recommendation_decline(struct http_request *, struct http_response *, struct err *);
int	page_my_referrals(struct http_request *, struct http_response *, struct err *);


/* Booking: API (api_booking.c) and pages (pages_booking.c). */
int	api_booking_offer(struct http_request *, struct http_response *, struct err *);
int	api_booking_slots(struct http_request *, struct http_response *, struct err *);
int	api_booking_create(struct http_request *, struct http_response *, struct err *);
int	api_booking_confirm(struct http_request *, struct http_response *, struct err *);
int	api_appointment_manage(struct http_request *, struct http_response *, struct err *);
int	api_appointment_manage_cancel(struct http_request *, struct http_response *, struct err *);
int	api_appointment_manage_move(struct http_request *, struct http_response *, struct err *);
int	api_my_appointments(struct http_request *, struct http_response *, struct err *);
int	api_my_appointment_cancel(struct http_request *, struct http_response *, struct err *);
int	api_my_appointment_move(struct http_request *, struct http_response *, struct err *);
int	api_my_availability(struct http_request *, struct http_response *, struct err *);
int	api_my_types(struct http_request *, struct http_response *, struct err *);
int	api_my_type(struct http_request *, struct http_response *, struct err *);
int	api_my_calendar_feed(struct http_request *, struct http_response *, struct err *);
int	calendar_feed(struct http_request *, struct http_response *, struct err *);
int	page_book(struct http_request *, struct http_response *, struct err *);
int	page_book_submit(struct http_request *, struct http_response *, struct err *);
int	page_booking_confirm(struct http_request *, struct http_response *, struct err *);
int	page_manage(struct http_request *, struct http_response *, struct err *);
int	page_manage_cancel(struct http_request *, struct http_response *, struct err *);
int	page_manage_move(struct http_request *, struct http_response *, struct err *);
int	page_my_appointments(struct http_request *, struct http_response *, struct err *);
int	page_therapist_appointments(struct http_request *, struct http_response *, struct err *);
int	page_appointment(struct http_request *, struct http_response *, struct err *);
int	page_appointment_cancel(struct http_request *, struct http_response *, struct err *);
int	page_appointment_move(struct http_request *, struct http_response *, struct err *);
int	page_availability(struct http_request *, struct http_response *, struct err *);
int	page_type_add(struct http_request *, struct http_response *, struct err *);
int	page_type_delete(struct http_request *, struct http_response *, struct err *);
int	page_accepting(struct http_request *, struct http_response *, struct err *);
int	page_feed(struct http_request *, struct http_response *, struct err *);
/* "appointments" in the caller's data export (api_booking.c). */
int	booking_export_json(const struct account_request *r, struct jw *j,
	    struct err *e);
/* The visitor's zone (?tz=, else zone_default) and the instant their
 * day ?from= (else today) begins; for the slot listings. */
struct tz;
int	web_slot_window(struct http_request *req, const char *zone_default,
	    time_t now, const struct tz **zone, time_t *from, struct err *e);

/* Couples: API (api_couples.c) and pages (pages_couples.c). */
int	api_my_couple(struct http_request *, struct http_response *, struct err *);
int	api_couple_invitations(struct http_request *, struct http_response *, struct err *);
int	api_couple_accept(struct http_request *, struct http_response *, struct err *);
int	page_couple(struct http_request *, struct http_response *, struct err *);
int	page_couple_invite(struct http_request *, struct http_response *, struct err *);
int	page_couple_revoke(struct http_request *, struct http_response *, struct err *);
int	page_couple_leave(struct http_request *, struct http_response *, struct err *);
int	page_couple_accept(struct http_request *, struct http_response *, struct err *);
int	page_couple_accept_post(struct http_request *, struct http_response *, struct err *);
/* "couple" in the caller's data export (api_couples.c). */
int	couples_export_json(const struct account_request *r, struct jw *j,
	    struct err *e);

/* Workspace API (api_workspace.c). */
int	api_workspace_kinds(struct http_request *, struct http_response *, struct err *);
int	api_my_items(struct http_request *, struct http_response *, struct err *);
int	api_my_item(struct http_request *, struct http_response *, struct err *);
int	api_my_item_share(struct http_request *, struct http_response *, struct err *);
int	api_my_item_response(struct http_request *, struct http_response *, struct err *);
int	api_couple_vision_merge(struct http_request *, struct http_response *, struct err *);
int	api_my_safety(struct http_request *, struct http_response *, struct err *);
int	api_share_targets(struct http_request *, struct http_response *, struct err *);
int	api_therapist_shared(struct http_request *, struct http_response *, struct err *);
int	api_therapist_shared_item(struct http_request *, struct http_response *, struct err *);

/* Dialogue: API (api_dialogue.c) and pages (pages_dialogue.c). */
int	api_my_dialogues(struct http_request *, struct http_response *, struct err *);
int	api_dialogue(struct http_request *, struct http_response *, struct err *);
int	api_dialogue_actions(struct http_request *, struct http_response *, struct err *);
int	api_dialogue_events(struct http_request *, struct http_response *, struct err *);
int	api_dialogue_record(struct http_request *, struct http_response *, struct err *);
int	page_dialogues(struct http_request *, struct http_response *, struct err *);
int	page_dialogue_start(struct http_request *, struct http_response *, struct err *);
int	page_dialogue(struct http_request *, struct http_response *, struct err *);
int	page_dialogue_act(struct http_request *, struct http_response *, struct err *);
int	page_dialogue_record(struct http_request *, struct http_response *, struct err *);
/* The path's {id} as a dialogue id, 0 when it names none. */
int64_t	web_dialogue_id(struct http_request *req);
/* Publishes "dialogue:ID" on the event hub: call after the commit of
 * every accepted action, so the partner's page re-reads it. */
void	web_dialogue_changed(struct http_request *req, int64_t id);

/* Workspace pages (pages_workspace.c). */
int	page_workspace(struct http_request *, struct http_response *, struct err *);
int	page_workspace_safety(struct http_request *, struct http_response *, struct err *);
int	page_workspace_new(struct http_request *, struct http_response *, struct err *);
int	page_workspace_create(struct http_request *, struct http_response *, struct err *);
int	page_workspace_item(struct http_request *, struct http_response *, struct err *);
int	page_workspace_edit(struct http_request *, struct http_response *, struct err *);
int	page_workspace_save(struct http_request *, struct http_response *, struct err *);
int	page_workspace_delete(struct http_request *, struct http_response *, struct err *);
int	page_workspace_share_partner(struct http_request *, struct http_response *, struct err *);
int	page_workspace_share_therapist(struct http_request *, struct http_response *, struct err *);
int	page_workspace_response(struct http_request *, struct http_response *, struct err *);
int	page_workspace_merge(struct http_request *, struct http_response *, struct err *);
int	page_therapist_shared(struct http_request *, struct http_response *, struct err *);
int	page_therapist_shared_item(struct http_request *, struct http_response *, struct err *);

#endif
