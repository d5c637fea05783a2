/*
 * A tiny unit-test harness. A test is `TEST(name) { ... }`; CHECK(cond)
 * records a failure (with file and line) and carries on; CHECK_STR and
 * CHECK_NEAR print both sides. Tests register themselves at load time, so
 * a new file in tests/unit/ needs no list to be edited. The runner prints
 * one line per failure and ends with "N passed, N failed".
 */
#ifndef IMAGO_TEST_HARNESS_H
#define IMAGO_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);
void	test_register(const char *name, test_fn fn);
void	test_fail(const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* A path to a database with the gazetteer imported (from
 * $IMAGO_TEST_GAZETTEER_DB), or NULL when the run has none. */
const char *test_gazetteer_db(void);
/* A fresh temporary directory for this test (removed at exit). */
const char *test_tmpdir(void);

#define TEST(name) \
	static void test_##name(void); \
	__attribute__((constructor)) static void register_##name(void) \
	{ test_register(#name, test_##name); } \
	static void test_##name(void)

#define CHECK(cond) do { if (!(cond)) \
	test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); } while (0)
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); \
	if (g_ == NULL || w_ == NULL || strcmp(g_, w_) != 0) \
		test_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", #got, \
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)
#define CHECK_INT(got, want) do { long long g_ = (got), w_ = (want); \
	if (g_ != w_) test_fail(__FILE__, __LINE__, "%s == %lld, want %lld", \
	    #got, g_, w_); } while (0)
#define CHECK_NEAR(got, want, tol) do { double g_ = (got), w_ = (want); \
	if (!(fabs(g_ - w_) <= (tol))) test_fail(__FILE__, __LINE__, \
	    "%s == %.9g, want %.9g (+/- %g)", #got, g_, w_, (double)(tol)); } while (0)

#endif
