/* The unit-test runner: see harness.h. `unit-tests [NAME-SUBSTRING]`. */
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#define MAX_TESTS 1024

static struct { const char *name; test_fn fn; } tests[MAX_TESTS];
static int ntests;
static int current_failed;
static const char *current_name;
static char tmpdir[256];

void
test_register(const char *name, test_fn fn)
{
	if (ntests < MAX_TESTS) {
		tests[ntests].name = name;
		tests[ntests].fn = fn;
		ntests++;
	}
}

void
test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stdout, "FAIL %s (%s:%d): ", current_name, file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	current_failed = 1;
}

const char *
test_gazetteer_db(void)
{
	const char *p = getenv("IMAGO_TEST_GAZETTEER_DB");
	return p && *p && access(p, R_OK) == 0 ? p : NULL;
}

static void
remove_tmpdir(void)
{
	if (tmpdir[0]) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

const char *
test_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/imago-unit-XXXXXX");
		if (mkdtemp(tmpdir) == NULL)
			abort();
		atexit(remove_tmpdir);
	}
	return tmpdir;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	int passed = 0, failed = 0;
	for (int i = 0; i < ntests; i++) {
		if (argc > 1 && strstr(tests[i].name, argv[1]) == NULL)
			continue;
		current_name = tests[i].name;
		current_failed = 0;
		tests[i].fn();
		if (current_failed)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
