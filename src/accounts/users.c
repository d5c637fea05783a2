/*
 * Users: the rules for an email address and a password, and the users
 * table. An email is stored lower-cased so "Ana@X.org" and "ana@x.org"
 * are one account; every look-up normalises first.
 */
#include "extern.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "../mail/mail.h"
#include "../store/db.h"
#include "../util/text.h"

int
account_email_normalize(const char *in, struct arena *a, const char **out,
    struct err *e)
{
	if (in == NULL || *in == '\0')
		return err_invalid(e, "email", "enter your email address");
	size_t n = strlen(in);
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	while (n > 0 && (*in == ' ' || *in == '\t')) {
		in++;
		n--;
	}
	if (n > ACCOUNT_EMAIL_MAX)
		return err_invalid(e, "email", "an email address has at most %d characters",
		    ACCOUNT_EMAIL_MAX);
	if (!text_utf8_valid(in, n, false))
		return err_invalid(e, "email", "the email address is not valid text");
	char *s = arena_strndup(a, in, n);
	const char *at = strrchr(s, '@');
	if (at == NULL || at == s || at - s > 64 || at[1] == '\0')
		return err_invalid(e, "email", "that does not look like an email address");
	for (char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7f || strchr("<>()[]\\,;:\"", c) != NULL ||
		    (c == '@' && p != at))
			return err_invalid(e, "email", "that does not look like an email address");
		*p = (char)tolower(c);
	}
	const char *domain = at + 1;
	size_t dlen = strlen(domain);
	if (strchr(domain, '.') == NULL || domain[0] == '.' || domain[dlen - 1] == '.' ||
	    strstr(domain, "..") != NULL)
		return err_invalid(e, "email", "that does not look like an email address");
	/* The same rules the mailer applies, so every account can be
	 * written to; its error would name the mailer's field. */
	struct err mail_err = ERR_INIT;
	if (mail_check_address(s, &mail_err) != 0)
		return err_invalid(e, "email", "that does not look like an email address");
	*out = s;
	return 0;
}

int
account_password_acceptable(const char *password, const char *email,
    const char *param, struct err *e)
{
	if (password == NULL || *password == '\0')
		return err_invalid(e, param, "enter a password");
	size_t n = strlen(password);
	if (n > ACCOUNT_PASSWORD_MAX)
		return err_invalid(e, param, "a password has at most %d bytes", ACCOUNT_PASSWORD_MAX);
	if (!text_utf8_valid(password, n, false))
		return err_invalid(e, param, "the password is not valid text");
	if (text_utf8_length(password, n) < ACCOUNT_PASSWORD_MIN)
		return err_invalid(e, param, "use at least %d characters: a few words make a "
		    "strong password that is easy to remember", ACCOUNT_PASSWORD_MIN);
	if (email != NULL && strcasecmp(password, email) == 0)
		return err_invalid(e, param, "the password must not be your email address");
	/* One character repeated is as weak as a short password. */
	bool same = true;
	for (size_t i = 1; i < n; i++)
		if (password[i] != password[0])
			same = false;
	if (same)
		return err_invalid(e, param, "choose a password that is not one character repeated");
	return 0;
}

#define USER_COLUMNS "id, email, display_name, roles, email_verified_at IS NOT NULL," \
	" totp_enabled_at IS NOT NULL, suspended_at IS NOT NULL, audit_ref, created_at"

static const char *
column_text(sqlite3_stmt *st, int i, struct arena *a)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return arena_strdup(a, s ? (const char *)s : "");
}

static void
read_user(sqlite3_stmt *st, struct arena *a, struct user *u)
{
	u->id = sqlite3_column_int64(st, 0);
	u->email = column_text(st, 1, a);
	u->display_name = column_text(st, 2, a);
	u->roles = (unsigned)sqlite3_column_int(st, 3);
	u->email_verified = sqlite3_column_int(st, 4);
	u->totp_enabled = sqlite3_column_int(st, 5);
	u->suspended = sqlite3_column_int(st, 6);
	u->audit_ref = column_text(st, 7, a);
	u->created_at = column_text(st, 8, a);
}

static int
user_query(sqlite3 *db, const char *sql, int64_t id, const char *email,
    struct arena *a, struct user *u, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, sql, e);
	if (st == NULL)
		return -1;
	if (email)
		sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	int ret = 1;
	if (rc == SQLITE_ROW) {
		read_user(st, a, u);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, e, "reading a user");
	}
	sqlite3_finalize(st);
	return ret;
}

int
user_by_id(sqlite3 *db, int64_t id, struct arena *a, struct user *u, struct err *e)
{
	return user_query(db, "SELECT " USER_COLUMNS " FROM users WHERE id = ?",
	    id, NULL, a, u, e);
}

int
user_by_email(sqlite3 *db, const char *email, struct arena *a, struct user *u,
    struct err *e)
{
	return user_query(db, "SELECT " USER_COLUMNS " FROM users WHERE email = ?",
	    0, email, a, u, e);
}

int
user_insert(sqlite3 *db, const char *email, const char *hash,
    const char *display_name, unsigned roles, bool verified, struct arena *a,
    struct user *u, struct err *e)
{
	/* The audit log's name for this person: random, so it says nothing
	 * once the account is gone. */
	unsigned char raw[12];
	char ref[32];
	randombytes_buf(raw, sizeof(raw));
	ref[0] = 'u';
	ref[1] = '_';
	sodium_bin2hex(ref + 2, sizeof(ref) - 2, raw, sizeof(raw));
	sqlite3_stmt *st = db_prepare(db,
	    "INSERT INTO users (email, password_hash, display_name, roles,"
	    " email_verified_at, audit_ref) VALUES (?, ?, ?, ?,"
	    " CASE WHEN ? THEN strftime('%Y-%m-%dT%H:%M:%SZ','now') END, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, display_name ? display_name : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, (int)roles);
	sqlite3_bind_int(st, 5, verified);
	sqlite3_bind_text(st, 6, ref, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return err_set(e, 409, "exists", "email", "an account with this email exists");
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "creating a user");
	return user_by_id(db, sqlite3_last_insert_rowid(db), a, u, e) == 0 ? 0 : -1;
}

/*
 * True when s holds an invisible or direction-changing character (zero
 * widths, bidi embeddings, overrides and isolates): in a name they let
 * one person look like another.
 */
static bool
has_deceptive_characters(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (p[0] != 0xe2 || p[1] == 0)
			continue;
		unsigned c = ((unsigned)(p[0] & 0x0f) << 12) | ((unsigned)(p[1] & 0x3f) << 6) |
		    (unsigned)(p[2] & 0x3f);
		if ((c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x2066 && c <= 0x2069) || c == 0x2060)
			return true;
	}
	return false;
}

int
account_display_name_acceptable(const char *name, struct err *e)
{
	if (name == NULL)
		return 0;
	size_t n = strlen(name);
	if (!text_utf8_valid(name, n, false) || text_utf8_length(name, n) > ACCOUNT_NAME_MAX)
		return err_invalid(e, "display_name", "a name is text of at most %d characters",
		    ACCOUNT_NAME_MAX);
	if (has_deceptive_characters(name))
		return err_invalid(e, "display_name",
		    "a name cannot contain invisible or text-direction characters");
	return 0;
}

int
user_create(sqlite3 *db, const char *email, const char *password,
    const char *display_name, unsigned roles, bool verified, struct arena *a,
    struct user *u, struct err *e)
{
	const char *norm;
	if (account_email_normalize(email, a, &norm, e) != 0 ||
	    account_password_acceptable(password, norm, "password", e) != 0 ||
	    account_display_name_acceptable(display_name, e) != 0)
		return -1;
	if ((roles & ~(unsigned)ROLES_ALL) != 0 || roles == 0)
		return err_invalid(e, "roles", "unknown role");
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(password, hash, sizeof(hash), e) != 0)
		return -1;
	int rc = user_insert(db, norm, hash, display_name, roles, verified, a, u, e);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

const char *
roles_format(unsigned roles, struct arena *a)
{
	static const char *const names[] = { "client", "therapist", "admin" };
	char out[40] = "";
	size_t o = 0;
	for (int i = 0; i < 3; i++)
		if (roles & (1u << i))
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s",
			    o ? "," : "", names[i]);
	return arena_strdup(a, out);
}

void
user_json(struct jw *j, const struct user *u)
{
	static const char *const names[] = { "client", "therapist", "admin" };
	jw_object_begin(j);
	jw_kv_int(j, "id", u->id);
	jw_kv_string(j, "email", u->email);
	jw_kv_string(j, "display_name", u->display_name);
	jw_key(j, "roles");
	jw_array_begin(j);
	for (int i = 0; i < 3; i++)
		if (u->roles & (1u << i))
			jw_string(j, names[i]);
	jw_array_end(j);
	jw_kv_bool(j, "email_verified", u->email_verified);
	jw_kv_bool(j, "two_step_enabled", u->totp_enabled);
	jw_kv_bool(j, "suspended", u->suspended);
	jw_kv_string(j, "created_at", u->created_at);
	jw_object_end(j);
}
