/*
 * `imago routes`: the route table as JSON lines (methods, pattern, body
 * limit, access level), so the access-control matrix test can check that
 * every route has a row, and people can see what the server answers.
 */
#include "cli.h"

#include <string.h>

#include "../policy/policy.h"
#include "../util/buf.h"
#include "../util/jw.h"
#include "../web/app.h"

static const char *
level_name(unsigned access)
{
	static const char *const names[] = { "public", "code_pending", "two_step_setup",
		"signed_in", "therapist", "admin", "any_session", "identified" };
	unsigned level = access & ACCESS_LEVEL_MASK;
	return level < sizeof(names) / sizeof(names[0]) ? names[level] : "unknown";
}

int
cmd_routes(struct cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv) || argc > 1) {
		fprintf(argc > 1 && !cli_wants_help(argc, argv) ? stderr : stdout,
		    "usage: imago routes\n\n"
		    "Prints every route the server answers, one JSON object a line:\n"
		    "{\"methods\":[...],\"pattern\":...,\"max_body\":N,\"access\":LEVEL,\n"
		    "\"session_only\":BOOL}. Levels: public, code_pending, two_step_setup,\n"
		    "signed_in, therapist, admin, any_session, identified (docs/security.md).\n");
		return cli_wants_help(argc, argv) ? 0 : 2;
	}
	static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH",
		"DELETE", "OPTIONS" };
	for (size_t i = 0; i < app_nroutes; i++) {
		const struct http_route *r = &app_routes[i];
		struct buf b = BUF_INIT;
		struct jw j;
		jw_init(&j, &b);
		jw_object_begin(&j);
		jw_key(&j, "methods");
		jw_array_begin(&j);
		for (int m = 0; m < 7; m++)
			if (r->methods & (1u << m))
				jw_string(&j, methods[m]);
		jw_array_end(&j);
		jw_kv_string(&j, "pattern", r->pattern);
		jw_kv_int(&j, "max_body", (int64_t)r->max_body);
		jw_kv_string(&j, "access", level_name(r->access));
		jw_kv_bool(&j, "session_only", (r->access & ACCESS_SESSION_ONLY) != 0);
		jw_object_end(&j);
		printf("%s\n", buf_cstr(&b));
		buf_free(&b);
	}
	return 0;
}
