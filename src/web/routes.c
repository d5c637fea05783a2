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
};

const size_t app_nroutes = sizeof(app_routes) / sizeof(app_routes[0]);
