/*
 * UTF-8 validation and the name fold (src/util/text.h): the places module
 * stores and looks up every name by its fold, so "Zürich", "ZURICH" and
 * "zurich" must fold alike, and malformed bytes must never get through.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "../../src/util/buf.h"
#include "../../src/util/text.h"

static void
check_fold(const char *in, const char *want, int line)
{
	char *got = text_fold_dup(in);
	if (strcmp(got, want) != 0)
		test_fail(__FILE__, line, "text_fold(\"%s\") == \"%s\", want \"%s\"",
		    in, got, want);
	free(got);
}

#define FOLDS(in, want) check_fold((in), (want), __LINE__)

TEST(text_fold_case_and_accents)
{
	FOLDS("Zürich", "zurich");
	FOLDS("ZURICH", "zurich");
	FOLDS("ZÜRICH", "zurich");
	FOLDS("Zu\xcc\x88rich", "zurich");	/* decomposed ü */
	FOLDS("São Paulo", "sao paulo");
	FOLDS("Kraków", "krakow");
	FOLDS("Montréal", "montreal");
	FOLDS("e\xcc\x81", "e");
	/* Full case folding: ß is "ss", final sigma is sigma. */
	FOLDS("Straße", "strasse");
	FOLDS("ΣΊΣΥΦΟΣ", "σισυφοσ");
	FOLDS("İstanbul", "istanbul");
	/* Letters that are not accented forms stay (their ASCII spelling is
	 * a separate GeoNames name). */
	FOLDS("Łódź", "łodz");
	FOLDS("Ærø", "ærø");
	FOLDS("Đà Nẵng", "đa nang");
}

TEST(text_fold_compatibility_forms)
{
	FOLDS("ﬁnance", "finance");		/* ligature */
	FOLDS("１２３ＡＢＣ", "123abc");	/* full width */
	FOLDS("Ⅻ", "xii");			/* roman numeral */
	FOLDS("x²", "x2");
	FOLDS("Ⓐ", "a");
	FOLDS("Ǆ", "dz");
	FOLDS("㍿", "株式会社");
	/* A character whose decomposition is long (U+FDFA, eighteen code
	 * points) must not make the whole fold come out empty. */
	char *f = text_fold_dup("\xef\xb7\xba");
	CHECK(f[0] != '\0');
	free(f);
}

TEST(text_fold_separators)
{
	FOLDS("  Saint-Jean--sur  Richelieu! ", "saint jean sur richelieu");
	FOLDS("St. John's", "st john s");
	FOLDS("a_b", "a b");
	FOLDS("x-y_z", "x y z");
	FOLDS("a\tb\nc\r", "a b c");
	FOLDS("\xe2\x80\x8b" "a", "a");		/* zero-width space */
	FOLDS("北京", "北京");
	FOLDS("١٢٣", "١٢٣");			/* Arabic-Indic digits */
	FOLDS("!!!", "");
	FOLDS("   ", "");
	FOLDS("", "");
	FOLDS("'; DROP TABLE places; --", "drop table places");
	FOLDS("%_%", "");
}

TEST(text_fold_invalid_utf8)
{
	FOLDS("\xff", "");
	FOLDS("Z\xc3", "");
	FOLDS("abc\xc0\xaf", "");
	FOLDS("\xed\xa0\x80", "");
	FOLDS("a\x01" "b", "");
	/* Appending to a buffer keeps what was there. */
	struct buf b = BUF_INIT;
	buf_puts(&b, "x:");
	text_fold(&b, "Zürich", strlen("Zürich"));
	CHECK_STR(buf_cstr(&b), "x:zurich");
	text_fold(&b, "\xff", 1);
	CHECK_STR(buf_cstr(&b), "x:zurich");
	buf_free(&b);
	/* Long input is folded whole. */
	char big[4097];
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	char *f = text_fold_dup(big);
	CHECK_INT(strlen(f), 4096);
	CHECK(f[0] == 'a' && f[4095] == 'a');
	free(f);
}

TEST(text_utf8_valid_edges)
{
	CHECK(text_utf8_valid("", 0, false));
	CHECK(text_utf8_valid("Zürich", strlen("Zürich"), false));
	CHECK(text_utf8_valid("\xe2\x82\xac", 3, false));		/* € */
	CHECK(text_utf8_valid("\xf0\x9f\x98\x80", 4, false));		/* emoji */
	CHECK(text_utf8_valid("\xf4\x8f\xbf\xbf", 4, false));		/* U+10FFFF */
	CHECK(text_utf8_valid("\xef\xbf\xbd", 3, false));		/* U+FFFD */
	CHECK(!text_utf8_valid("\xf4\x90\x80\x80", 4, false));	/* > U+10FFFF */
	CHECK(!text_utf8_valid("\xc0\xaf", 2, false));		/* overlong / */
	CHECK(!text_utf8_valid("\xc1\xbf", 2, false));
	CHECK(!text_utf8_valid("\xe0\x80\xaf", 3, false));		/* overlong */
	CHECK(!text_utf8_valid("\xf0\x80\x80\xaf", 4, false));	/* overlong */
	CHECK(!text_utf8_valid("\xed\xa0\x80", 3, false));		/* surrogate */
	CHECK(!text_utf8_valid("\xed\xbf\xbf", 3, false));
	CHECK(!text_utf8_valid("\xe2\x82", 2, false));		/* truncated */
	CHECK(!text_utf8_valid("\x80", 1, false));			/* lone continuation */
	CHECK(!text_utf8_valid("\xf8\x88\x80\x80\x80", 5, false));	/* 5 bytes */
	CHECK(!text_utf8_valid("\xfe", 1, false));
	CHECK(!text_utf8_valid("\xff", 1, false));
	/* Only n bytes are read: a sequence cut by n is invalid. */
	CHECK(!text_utf8_valid("\xc3\xbc", 1, false));
	CHECK(text_utf8_valid("ab\xff", 2, false));
}

TEST(text_utf8_valid_controls)
{
	CHECK(!text_utf8_valid("a\0b", 3, true));	/* NUL inside */
	CHECK(!text_utf8_valid("\x01", 1, true));
	CHECK(!text_utf8_valid("\x1b[31m", 5, true));
	CHECK(!text_utf8_valid("\x7f", 1, true));
	CHECK(!text_utf8_valid("a\tb", 3, false));
	CHECK(!text_utf8_valid("a\nb", 3, false));
	CHECK(text_utf8_valid("a\tb", 3, true));
	CHECK(text_utf8_valid("a\r\nb", 4, true));
	/* C1 controls are valid UTF-8 code points. */
	CHECK(text_utf8_valid("\xc2\x85", 2, false));
}

TEST(text_utf8_length_and_trim)
{
	CHECK_INT(text_utf8_length("", 0), 0);
	CHECK_INT(text_utf8_length("Zürich", strlen("Zürich")), 6);
	CHECK_INT(text_utf8_length("北京", strlen("北京")), 2);
	CHECK_INT(text_utf8_length("\xf0\x9f\x98\x80", 4), 1);
	char a[] = "  \t Austin, TX \r\n", b[] = "   ", c[] = "x";
	CHECK_STR(text_trim(a), "Austin, TX");
	CHECK_STR(text_trim(b), "");
	CHECK_STR(text_trim(c), "x");
}
