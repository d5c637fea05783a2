/*
 * The route table: every URL the server answers, its methods, the
 * largest body it accepts and who may use it (src/policy/policy.h; the
 * guard applies it before the handler runs). tests/http/access.test.mjs
 * holds the expected status of every route for every kind of caller and
 * fails when a route here has no row there.
 */
#include "app.h"

#include "../policy/policy.h"

#define NO_BODY		0
#define SMALL_BODY	(16 * 1024)	/* account forms */
#define PROFILE_BODY	(256 * 1024)	/* two 20,000-character texts, 4 bytes each */

/* Routes that hash a password run on the HTTP layer's worker pool. */
#define SLOW		true
#define FAST		false

#define PUBLIC		ACCESS_PUBLIC
#define PENDING		ACCESS_CODE_PENDING
#define SETUP		(ACCESS_TWO_STEP_SETUP | ACCESS_SESSION_ONLY)
#define SIGNED_IN	ACCESS_SIGNED_IN
#define SECURITY	(ACCESS_SIGNED_IN | ACCESS_SESSION_ONLY)
#define THERAPIST	ACCESS_THERAPIST
#define ADMIN		ACCESS_ADMIN

const struct http_route app_routes[] = {
	/* The directory. */
	{ HTTP_GET, "/", page_home, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/therapists", page_results, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/therapists/{id}", page_profile, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/static/{name}", asset_serve, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/static/leaflet/{name}", asset_serve, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/static/leaflet/images/{name}", asset_serve, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/healthz", health, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/api/v1/therapists", api_therapists, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/api/v1/therapists/{id}", api_therapist, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/api/v1/places", api_places, NO_BODY, PUBLIC, FAST },

	/* Accounts. */
	{ HTTP_POST, "/api/v1/accounts", api_account_create, SMALL_BODY, PUBLIC, SLOW },
	{ HTTP_POST, "/api/v1/accounts/verify", api_account_verify, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/api/v1/session", api_session_create, SMALL_BODY, PUBLIC, SLOW },
	{ HTTP_DELETE, "/api/v1/session", api_session_delete, SMALL_BODY, ACCESS_ANY_SESSION, FAST },
	{ HTTP_POST, "/api/v1/session/code", api_session_code, SMALL_BODY, PENDING, FAST },
	{ HTTP_GET | HTTP_DELETE, "/api/v1/sessions", api_sessions, SMALL_BODY, SECURITY, FAST },
	{ HTTP_DELETE, "/api/v1/sessions/{id}", api_session_revoke, SMALL_BODY, SECURITY, FAST },
	{ HTTP_POST, "/api/v1/password-resets", api_password_reset, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/api/v1/password-resets/confirm", api_password_reset_confirm, SMALL_BODY, PUBLIC, SLOW },
	{ HTTP_GET, "/api/v1/me", api_me, NO_BODY, ACCESS_IDENTIFIED, FAST },
	{ HTTP_PATCH, "/api/v1/me", api_me, SMALL_BODY, ACCESS_TWO_STEP_SETUP, FAST },
	{ HTTP_POST, "/api/v1/me/password", api_me_password, SMALL_BODY, SECURITY, SLOW },
	{ HTTP_POST, "/api/v1/me/email", api_me_email, SMALL_BODY, SECURITY, SLOW },
	{ HTTP_POST, "/api/v1/me/email/confirm", api_me_email_confirm, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_POST | HTTP_DELETE, "/api/v1/me/two-step", api_two_step, SMALL_BODY, SETUP, SLOW },
	{ HTTP_POST, "/api/v1/me/two-step/enable", api_two_step_enable, SMALL_BODY, SETUP, FAST },
	{ HTTP_POST, "/api/v1/me/recovery-codes", api_recovery_codes, SMALL_BODY, SECURITY, SLOW },
	{ HTTP_GET, "/api/v1/me/export", api_me_export, NO_BODY, SECURITY, FAST },
	{ HTTP_DELETE, "/api/v1/me", api_me_delete, SMALL_BODY, SECURITY, SLOW },
	{ HTTP_GET | HTTP_POST, "/api/v1/tokens", api_tokens, SMALL_BODY, SECURITY, FAST },
	{ HTTP_DELETE, "/api/v1/tokens/{id}", api_token_revoke, SMALL_BODY, SECURITY, FAST },

	/* Therapists' own profiles. */
	{ HTTP_GET, "/api/v1/me/therapist", api_my_profile, NO_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/api/v1/therapists", api_profile_create, PROFILE_BODY, THERAPIST, FAST },
	{ HTTP_PATCH, "/api/v1/therapists/{id}", api_profile_update, PROFILE_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/api/v1/therapists/{id}/claim", api_profile_claim, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/api/v1/claims/confirm", api_claim_confirm, SMALL_BODY, THERAPIST, FAST },

	/* Admins. */
	{ HTTP_GET, "/api/v1/admin/verifications", api_admin_verifications, NO_BODY, ADMIN, FAST },
	{ HTTP_POST | HTTP_DELETE, "/api/v1/admin/therapists/{id}/verification", api_admin_verify, SMALL_BODY, ADMIN, FAST },
	{ HTTP_POST | HTTP_DELETE, "/api/v1/admin/therapists/{id}/hidden", api_admin_hide, SMALL_BODY, ADMIN, FAST },
	{ HTTP_GET, "/api/v1/admin/users", api_admin_users, NO_BODY, ADMIN, FAST },
	{ HTTP_POST | HTTP_DELETE, "/api/v1/admin/users/{id}/suspension", api_admin_suspend, SMALL_BODY, ADMIN, FAST },
	{ HTTP_GET, "/api/v1/admin/audit", api_admin_audit, NO_BODY, ADMIN, FAST },

	/* Account pages. */
	{ HTTP_GET | HTTP_POST, "/signup", page_signup, SMALL_BODY, PUBLIC, SLOW },
	{ HTTP_GET | HTTP_POST, "/verify", page_verify, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_GET | HTTP_POST, "/signin", page_signin, SMALL_BODY, PUBLIC, SLOW },
	{ HTTP_GET | HTTP_POST, "/signin/code", page_signin_code, SMALL_BODY, PENDING, FAST },
	{ HTTP_POST, "/signout", page_signout, SMALL_BODY, ACCESS_ANY_SESSION, FAST },
	{ HTTP_GET | HTTP_POST, "/reset", page_reset, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_GET | HTTP_POST, "/reset/confirm", page_reset_confirm, SMALL_BODY, PUBLIC, SLOW },
	{ HTTP_GET, "/account", page_account, NO_BODY, SECURITY, FAST },
	{ HTTP_POST, "/account/name", page_account_name, SMALL_BODY, SECURITY, FAST },
	{ HTTP_POST, "/account/password", page_account_password, SMALL_BODY, SECURITY, SLOW },
	{ HTTP_POST, "/account/email", page_account_email, SMALL_BODY, SECURITY, SLOW },
	{ HTTP_GET | HTTP_POST, "/account/email/confirm", page_account_email_confirm, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/account/sessions/{id}/revoke", page_session_revoke, SMALL_BODY, SECURITY, FAST },
	{ HTTP_POST, "/account/sessions/signout-all", page_signout_everywhere, SMALL_BODY, SECURITY, FAST },
	{ HTTP_POST, "/account/tokens", page_token_create, SMALL_BODY, SECURITY, FAST },
	{ HTTP_POST, "/account/tokens/{id}/revoke", page_token_revoke, SMALL_BODY, SECURITY, FAST },
	{ HTTP_GET, "/account/export", api_me_export, NO_BODY, SECURITY, FAST },
	{ HTTP_POST, "/account/delete", page_account_delete, SMALL_BODY, SECURITY, SLOW },
	{ HTTP_GET | HTTP_POST, "/account/two-step", page_two_step, SMALL_BODY, SETUP, FAST },
	{ HTTP_POST, "/account/two-step/disable", page_two_step_disable, SMALL_BODY, SECURITY, SLOW },
	{ HTTP_POST, "/account/recovery-codes", page_recovery_codes, SMALL_BODY, SECURITY, SLOW },

	/* Therapists' profile pages. */
	{ HTTP_GET, "/account/profile", page_my_profile, NO_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/account/profile", page_my_profile_save, PROFILE_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/account/profile/claim", page_claim_request, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_GET, "/account/claim", page_claim_confirm, NO_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/account/claim", page_claim_confirm_post, SMALL_BODY, THERAPIST, FAST },

	/* Admin pages. */
	{ HTTP_GET, "/admin", page_admin, NO_BODY, ADMIN, FAST },
	{ HTTP_GET, "/admin/verifications", page_admin_verifications, NO_BODY, ADMIN, FAST },
	{ HTTP_GET, "/admin/therapists/{id}", page_admin_therapist, NO_BODY, ADMIN, FAST },
	{ HTTP_POST, "/admin/therapists/{id}/verify", page_admin_verify, SMALL_BODY, ADMIN, FAST },
	{ HTTP_POST, "/admin/therapists/{id}/unverify", page_admin_unverify, SMALL_BODY, ADMIN, FAST },
	{ HTTP_POST, "/admin/therapists/{id}/hide", page_admin_hide, SMALL_BODY, ADMIN, FAST },
	{ HTTP_POST, "/admin/therapists/{id}/unhide", page_admin_unhide, SMALL_BODY, ADMIN, FAST },
	{ HTTP_GET, "/admin/users", page_admin_users, NO_BODY, ADMIN, FAST },
	{ HTTP_POST, "/admin/users/{id}/suspend", page_admin_suspend, SMALL_BODY, ADMIN, FAST },
	{ HTTP_POST, "/admin/users/{id}/unsuspend", page_admin_unsuspend, SMALL_BODY, ADMIN, FAST },
	{ HTTP_GET, "/admin/audit", page_admin_audit, NO_BODY, ADMIN, FAST },

	/* Contact relay. */
#define CONTACT_BODY	(96 * 1024)	/* 5,000 characters of 4 bytes, form-encoded: 60 KB */
	{ HTTP_POST, "/api/v1/therapists/{id}/messages", api_contact_send, CONTACT_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/api/v1/contact/confirm", api_contact_confirm, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/api/v1/me/messages", api_my_messages, NO_BODY, THERAPIST, FAST },
	{ HTTP_GET, "/api/v1/me/messages/{id}", api_my_message, NO_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/api/v1/me/messages/{id}/reply", api_my_message_reply, CONTACT_BODY, THERAPIST, FAST },
	{ HTTP_POST | HTTP_DELETE, "/api/v1/me/messages/{id}/spam", api_my_message_spam, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_GET | HTTP_POST, "/therapists/{id}/message", page_contact_message, CONTACT_BODY, PUBLIC, FAST },
	{ HTTP_GET | HTTP_POST, "/contact/confirm", page_contact_confirm, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/therapist/messages", page_inbox, NO_BODY, THERAPIST, FAST },
	{ HTTP_GET, "/therapist/messages/{id}", page_inbox_message, NO_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/therapist/messages/{id}/reply", page_inbox_reply, CONTACT_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/therapist/messages/{id}/spam", page_inbox_spam, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/therapist/messages/{id}/not-spam", page_inbox_not_spam, SMALL_BODY, THERAPIST, FAST },

	/* Recommendations, endorsements, referrals. */
#define REVIEW_BODY	(64 * 1024)	/* 2,000 characters escaped in JSON or a form: 12 bytes each at worst */
	{ HTTP_GET | HTTP_POST, "/api/v1/therapists/{id}/recommendations", api_recommendations, REVIEW_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/api/v1/me/recommendations", api_my_recommendations, NO_BODY, THERAPIST, FAST },
	{ HTTP_POST | HTTP_DELETE, "/api/v1/me/recommendations/{id}/publication", api_recommendation_publication, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_POST | HTTP_DELETE, "/api/v1/therapists/{id}/endorsement", api_endorsement, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_GET, "/api/v1/therapists/{id}/endorsements", api_endorsements, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET | HTTP_POST, "/api/v1/me/referrals", api_referrals, REVIEW_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/therapists/{id}/recommend", page_recommend, REVIEW_BODY, SIGNED_IN, FAST },
	{ HTTP_GET | HTTP_POST, "/recommend", page_recommend_link, REVIEW_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/therapists/{id}/endorse", page_endorse, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/therapists/{id}/unendorse", page_unendorse, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_GET, "/therapist/recommendations", page_my_recommendations, NO_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/therapist/recommendations/{id}/publish", page_recommendation_publish, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/therapist/recommendations/{id}/decline", page_recommendation_decline, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_GET | HTTP_POST, "/therapist/referrals", page_my_referrals, REVIEW_BODY, THERAPIST, FAST },

	/* Booking. */
	{ HTTP_GET, "/api/v1/therapists/{id}/availability", api_booking_offer, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/api/v1/therapists/{id}/slots", api_booking_slots, NO_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/api/v1/therapists/{id}/bookings", api_booking_create, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/api/v1/bookings/confirm", api_booking_confirm, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/api/v1/appointments/manage", api_appointment_manage, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/api/v1/appointments/manage/cancel", api_appointment_manage_cancel, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/api/v1/appointments/manage/reschedule", api_appointment_manage_move, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/api/v1/me/appointments", api_my_appointments, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/api/v1/me/appointments/{ref}/cancel", api_my_appointment_cancel, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/api/v1/me/appointments/{ref}/reschedule", api_my_appointment_move, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_GET | HTTP_PUT, "/api/v1/me/availability", api_my_availability, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/api/v1/me/appointment-types", api_my_types, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_PATCH | HTTP_DELETE, "/api/v1/me/appointment-types/{id}", api_my_type, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_POST | HTTP_DELETE, "/api/v1/me/calendar-feed", api_my_calendar_feed, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_GET, "/calendar/{name}", calendar_feed, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/therapists/{id}/book", page_book, NO_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/therapists/{id}/book", page_book_submit, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_GET | HTTP_POST, "/appointments/confirm", page_booking_confirm, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/appointments/manage", page_manage, NO_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/appointments/manage/cancel", page_manage_cancel, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_POST, "/appointments/manage/move", page_manage_move, SMALL_BODY, PUBLIC, FAST },
	{ HTTP_GET, "/account/appointments", page_my_appointments, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/therapist/appointments", page_therapist_appointments, NO_BODY, THERAPIST, FAST },
	{ HTTP_GET, "/appointments/{ref}", page_appointment, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/appointments/{ref}/cancel", page_appointment_cancel, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/appointments/{ref}/move", page_appointment_move, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_GET | HTTP_POST, "/therapist/availability", page_availability, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/therapist/availability/types", page_type_add, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/therapist/availability/types/{id}/delete", page_type_delete, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/therapist/availability/accepting", page_accepting, SMALL_BODY, THERAPIST, FAST },
	{ HTTP_POST, "/therapist/availability/feed", page_feed, SMALL_BODY, THERAPIST, FAST },

	/* Couples. */
	{ HTTP_GET | HTTP_DELETE, "/api/v1/me/couple", api_my_couple, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_POST | HTTP_DELETE, "/api/v1/me/couple/invitations", api_couple_invitations, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/api/v1/couple/accept", api_couple_accept, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/account/couple", page_couple, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/account/couple/invite", page_couple_invite, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/account/couple/revoke", page_couple_revoke, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/account/couple/leave", page_couple_leave, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/couple/accept", page_couple_accept, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/couple/accept", page_couple_accept_post, SMALL_BODY, SIGNED_IN, FAST },

	/* Workspace. */
#define WORKSPACE_BODY	(256 * 1024)	/* a 64 KiB document (checked as stored) sent with escapes */
	{ HTTP_GET, "/api/v1/workspace/kinds", api_workspace_kinds, NO_BODY, PUBLIC, FAST },
	{ HTTP_GET | HTTP_POST, "/api/v1/me/items", api_my_items, WORKSPACE_BODY, SIGNED_IN, FAST },
	{ HTTP_GET | HTTP_PUT | HTTP_DELETE, "/api/v1/me/items/{id}", api_my_item, WORKSPACE_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/api/v1/me/items/{id}/share", api_my_item_share, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/api/v1/me/items/{id}/response", api_my_item_response, WORKSPACE_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/api/v1/me/couple/vision/merge", api_couple_vision_merge, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_GET | HTTP_POST, "/api/v1/me/safety", api_my_safety, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/api/v1/me/share-targets", api_share_targets, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/api/v1/therapist/shared", api_therapist_shared, NO_BODY, THERAPIST, FAST },
	{ HTTP_GET, "/api/v1/therapist/shared/{id}", api_therapist_shared_item, NO_BODY, THERAPIST, FAST },

	/* Dialogue. */
#define DIALOGUE_BODY	(64 * 1024)	/* 4,000 characters of notes, form-encoded: 12 bytes each at worst */
	{ HTTP_GET | HTTP_POST, "/api/v1/me/dialogues", api_my_dialogues, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/api/v1/dialogues/{id}", api_dialogue, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/api/v1/dialogues/{id}/actions", api_dialogue_actions, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/api/v1/dialogues/{id}/events", api_dialogue_events, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/api/v1/dialogues/{id}/record", api_dialogue_record, DIALOGUE_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/couple/dialogue", page_dialogues, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/couple/dialogue", page_dialogue_start, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/couple/dialogue/{id}", page_dialogue, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/couple/dialogue/{id}/act", page_dialogue_act, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/couple/dialogue/{id}/record", page_dialogue_record, DIALOGUE_BODY, SIGNED_IN, FAST },

	/* Workspace pages. */
#define WS_PAGE_BODY	(256 * 1024)	/* 64 KiB of JSON as a form: 3 bytes per escaped byte */
	{ HTTP_GET, "/workspace", page_workspace, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_GET | HTTP_POST, "/workspace/safety", page_workspace_safety, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/workspace/new/{kind}", page_workspace_new, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/workspace/new/{kind}", page_workspace_create, WS_PAGE_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/workspace/items/{id}", page_workspace_item, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/workspace/items/{id}/edit", page_workspace_edit, NO_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/workspace/items/{id}/edit", page_workspace_save, WS_PAGE_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/workspace/items/{id}/delete", page_workspace_delete, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/workspace/items/{id}/share/partner", page_workspace_share_partner, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/workspace/items/{id}/share/therapist", page_workspace_share_therapist, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/workspace/items/{id}/response", page_workspace_response, WS_PAGE_BODY, SIGNED_IN, FAST },
	{ HTTP_POST, "/workspace/vision/merge", page_workspace_merge, SMALL_BODY, SIGNED_IN, FAST },
	{ HTTP_GET, "/therapist/shared", page_therapist_shared, NO_BODY, THERAPIST, FAST },
	{ HTTP_GET, "/therapist/shared/{id}", page_therapist_shared_item, NO_BODY, THERAPIST, FAST },
};

const size_t app_nroutes = sizeof(app_routes) / sizeof(app_routes[0]);
