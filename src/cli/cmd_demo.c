/*
 * `imago demo --therapists N [--seed S]`: fills the directory with
 * synthetic profiles (src/directory/demo.c) for trying and benchmarking.
 */
#include "cli.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../accounts/accounts.h"
#include "../booking/booking.h"
#include "../directory/demo.h"
#include "../directory/profile.h"
#include "../store/db.h"
#include "../util/num.h"

#define DEMO_THERAPIST	"demo-therapist@example.com"
#define DEMO_CLIENT	"demo-client@example.com"
#define DEMO_PARTNER	"demo-partner@example.com"

/* A random password of 24 base64url characters. */
static void
demo_password(char out[TOKEN_TEXT_LEN + 1])
{
	token_new(out);
	out[24] = '\0';
}

static int
demo_user(sqlite3 *db, const char *email, const char *name, unsigned roles,
    const char *password, struct arena *a, struct user *u, struct err *e)
{
	int rc = user_by_email(db, email, a, u, e);
	if (rc <= 0)
		return rc == 0 ? 1 : -1;	/* 1: it existed already */
	return user_create(db, email, password, name, roles, true, a, u, e);
}

/*
 * The demo accounts: a therapist who owns the first demo profile
 * (demo-000001), so a booking made from `make run` reaches an account
 * that can sign in and see it, and two clients who can pair up as a
 * couple and try the workspace. Accounts that exist are left as they are
 * (their passwords were written the first time).
 */
static const struct demo_account {
	const char	*label;
	const char	*email;
	const char	*name;
	unsigned	 roles;
	const char	*note;
} demo_people[] = {
	{ "therapist", DEMO_THERAPIST, "Demo Therapist", ROLE_CLIENT | ROLE_THERAPIST,
	  "  (owns the profile demo-000001; asks you to set up two-step"
	  " sign-in:\n   scan the code with an authenticator app, or run\n"
	  "   oathtool --totp -b SECRET with the secret the page shows)\n" },
	{ "client", DEMO_CLIENT, "Demo Client", ROLE_CLIENT, "" },
	{ "partner", DEMO_PARTNER, "Demo Partner", ROLE_CLIENT,
	  "  (pair the two clients at /account/couple: invite "
	  DEMO_PARTNER " from\n   the client's account, then accept from the"
	  " link in the partner's mail:\n   with `make run`, a file in var/mail/new)\n" },
};
#define DEMO_PEOPLE (sizeof(demo_people) / sizeof(demo_people[0]))

static int
demo_accounts(sqlite3 *db, const char *path, struct err *e)
{
	char pw[DEMO_PEOPLE][TOKEN_TEXT_LEN + 1];
	int made[DEMO_PEOPLE];
	int64_t therapist_id = 0;
	if (accounts_init(e) != 0)
		return -1;
	struct arena *a = arena_new();
	bool any = false;
	for (size_t i = 0; i < DEMO_PEOPLE; i++) {
		struct user u;
		demo_password(pw[i]);
		made[i] = demo_user(db, demo_people[i].email, demo_people[i].name,
		    demo_people[i].roles, pw[i], a, &u, e);
		if (made[i] < 0) {
			arena_free(a);
			return -1;
		}
		any |= made[i] == 0;
		if (demo_people[i].roles & ROLE_THERAPIST)
			therapist_id = u.id;
	}
	arena_free(a);
	if (profile_assign_demo_owner(db, "demo-000001", therapist_id, e) < 0)
		return -1;
	if (!any)
		return 0;
	/* Appended: an account made before keeps the password written then. */
	mode_t old = umask(077);
	FILE *f = fopen(path, "a");
	umask(old);
	if (f == NULL)
		return err_internal(e, "cannot write %s", path);
	fprintf(f, "# imago demo accounts (sign in at /signin)\n");
	for (size_t i = 0; i < DEMO_PEOPLE; i++)
		if (made[i] == 0)
			fprintf(f, "%-10s %s  password: %s\n%s", demo_people[i].label,
			    demo_people[i].email, pw[i], demo_people[i].note);
	fclose(f);
	return 0;
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: imago [--db PATH] demo --therapists N [--seed S]"
	    " [--booking N] [--accounts FILE] [--db PATH]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "Generates N synthetic therapist profiles on real cities from the\n"
	    "gazetteer (run `imago gazetteer import` first), chosen by population\n"
	    "and jittered by a few km. The same N and seed always give the same\n"
	    "profiles; their external ids are demo-000001, demo-000002, ..., so\n"
	    "running again updates them instead of adding more. All contact\n"
	    "details are reserved for fiction (example.com, 555-01xx numbers).\n\n"
	    "Options:\n"
	    "  --therapists N  how many profiles, 0 to %d (required)\n"
	    "  --seed S        a non-negative whole number (default 1)\n"
	    "  --booking N     give the first N profiles that accept new clients\n"
	    "                  weekly hours in their city's time zone, a free\n"
	    "                  consultation and a trial session (default 500)\n"
	    "  --accounts FILE create a demo therapist account that owns the first\n"
	    "                  profile, and two demo clients who can pair up as a\n"
	    "                  couple; their random passwords\n"
	    "                  are written to FILE (mode 0600), never printed\n"
	    "  --db PATH       the database (also accepted before `demo`)\n",
	    DEMO_MAX);
}

int
cmd_demo(struct cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		help();
		return 0;
	}
	struct demo_options opt = { -1, 1, false };
	long long booking = 500;
	const char *accounts = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		long long n;
		if (cli_option(argc, argv, &i, "--therapists", &v)) {
			if (v == NULL || num_parse_long(v, 0, DEMO_MAX, &n) < 0) {
				fprintf(stderr, "imago demo: --therapists must be a whole"
				    " number from 0 to %d\n", DEMO_MAX);
				return 2;
			}
			opt.count = n;
		} else if (cli_option(argc, argv, &i, "--booking", &v)) {
			if (v == NULL || num_parse_long(v, 0, DEMO_MAX, &booking) < 0) {
				fprintf(stderr, "imago demo: --booking must be a whole"
				    " number from 0 to %d\n", DEMO_MAX);
				return 2;
			}
		} else if (cli_option(argc, argv, &i, "--accounts", &v)) {
			if (v == NULL || *v == '\0') {
				fprintf(stderr, "imago demo: --accounts needs a file name\n");
				return 2;
			}
			accounts = v;
		} else if (cli_option(argc, argv, &i, "--seed", &v)) {
			if (v == NULL || num_parse_long(v, 0, 9223372036854775807LL, &n) < 0) {
				fprintf(stderr, "imago demo: --seed must be a non-negative"
				    " whole number\n");
				return 2;
			}
			opt.seed = (uint64_t)n;
		} else if (cli_option(argc, argv, &i, "--db", &v)) {
			if (v == NULL || *v == '\0')
				return 2;
			c->db_path = v;
		} else {
			fprintf(stderr, "imago demo: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (opt.count < 0) {
		fprintf(stderr, "imago demo: --therapists N is required\n");
		usage(stderr);
		return 2;
	}

	sqlite3 *db = cli_open_db(c);
	if (db == NULL)
		return 1;
	opt.progress = isatty(STDERR_FILENO);
	struct demo_result res;
	struct err e = ERR_INIT;
	long long booked = 0;
	int rc = demo_generate(db, &opt, &res, &e);
	/* Accounts first: the demo therapist's profile then accepts new
	 * clients and is the first to get availability. */
	if (rc == 0 && accounts != NULL)
		rc = demo_accounts(db, accounts, &e);
	if (rc == 0)
		booked = booking_demo(db, booking, &e);
	db_close(db);
	if (rc < 0 || booked < 0) {
		fprintf(stderr, "imago demo: %s\n", e.message);
		return 1;
	}
	printf("%lld demo therapist%s (seed %llu): %lld inserted, %lld updated;"
	    " %lld take bookings\n", opt.count, opt.count == 1 ? "" : "s",
	    (unsigned long long)opt.seed, res.inserted, res.updated, booked);
	if (accounts != NULL)
		printf("demo accounts: see %s\n", accounts);
	return 0;
}
