/*
 * The CSV reader: RFC 4180 quoting, line ends, the BOM, line numbers of
 * records that span lines, limits, malformed input and invalid UTF-8. Each
 * case is read both from memory and from a file, and the two must agree,
 * so the refilling path is tested as much as the in-memory one.
 */
#include "harness.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../src/directory/csv.h"
#include "../../src/util/buf.h"

/*
 * Reads everything into one line of text: "LINE[f1|f2]" per record,
 * "!LINE:message" per error; reading goes on after an error until the
 * reader is broken. Caller frees.
 */
static char *
dump_reader(struct csv_reader *r)
{
	struct buf b = BUF_INIT;
	struct csv_record rec;
	for (int guard = 0; guard < 100000; guard++) {
		struct err e = ERR_INIT;
		int rc = csv_next(r, &rec, &e);
		if (rc == 0)
			break;
		if (rc < 0) {
			buf_printf(&b, "!%ld:%s", rec.line, e.message);
			if (csv_broken(r))
				break;
			continue;
		}
		buf_printf(&b, "%ld[", rec.line);
		for (size_t i = 0; i < rec.count; i++) {
			if (i)
				buf_putc(&b, '|');
			buf_put(&b, rec.fields[i].data, rec.fields[i].len);
			/* Fields are NUL-terminated. */
			if (rec.fields[i].data[rec.fields[i].len] != '\0')
				buf_puts(&b, "<no NUL>");
		}
		buf_putc(&b, ']');
	}
	return buf_detach(&b);
}

static char *
dump_mem(const char *in, size_t n, const struct csv_limits *lim)
{
	struct csv_reader *r = csv_open_mem(in, n, lim);
	char *s = dump_reader(r);
	csv_close(r);
	return s;
}

static char *
dump_file(const char *in, size_t n, const struct csv_limits *lim)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/csv-input", test_tmpdir());
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(in, 1, n, f) != n || fclose(f) != 0)
		return strdup("(cannot write temp file)");
	int fd = open(path, O_RDONLY);
	struct csv_reader *r = csv_open_fd(fd, lim);
	char *s = dump_reader(r);
	csv_close(r);
	close(fd);
	return s;
}

/* Parses in both ways and checks both against want. */
static void
check_parse(const char *in, size_t n, const struct csv_limits *lim,
    const char *want, int line)
{
	char *m = dump_mem(in, n, lim), *f = dump_file(in, n, lim);
	if (strcmp(m, want) != 0)
		test_fail(__FILE__, line, "memory: got \"%s\", want \"%s\"", m, want);
	if (strcmp(f, want) != 0)
		test_fail(__FILE__, line, "file: got \"%s\", want \"%s\"", f, want);
	free(m);
	free(f);
}

#define PARSE(in, want) check_parse((in), sizeof(in) - 1, NULL, (want), __LINE__)
#define PARSE_LIM(in, lim, want) check_parse((in), sizeof(in) - 1, (lim), (want), __LINE__)

TEST(csv_simple_records)
{
	PARSE("a,b,c\n1,2,3\n", "1[a|b|c]2[1|2|3]");
	PARSE("a,b", "1[a|b]");			/* no final line end */
	PARSE("a,b\r\nc,d\r\n", "1[a|b]2[c|d]");
	PARSE("a,b\r\nc,d", "1[a|b]2[c|d]");
	PARSE(" a , b \n", "1[ a | b ]");	/* spaces are data */
	PARSE("", "");
}

TEST(csv_empty_fields)
{
	PARSE(",,\n", "1[||]");
	PARSE("a,\n", "1[a|]");
	PARSE("a,", "1[a|]");
	PARSE("\"\"\n", "1[]");			/* one empty field, not a blank line */
	PARSE("\"\",\"\"", "1[|]");
}

TEST(csv_quoting)
{
	PARSE("\"a\"\"b\",\"c,d\"\n", "1[a\"b|c,d]");
	PARSE("\"\"\"\"\n", "1[\"]");
	PARSE("\"x\"\"\"", "1[x\"]");		/* escaped quote then the close, at EOF */
	PARSE("\"a\",b\r\n", "1[a|b]");
	PARSE("\"\xc3\xa9t\xc3\xa9\",caf\xc3\xa9\n", "1[\xc3\xa9t\xc3\xa9|caf\xc3\xa9]");
}

TEST(csv_embedded_line_breaks_keep_line_numbers)
{
	PARSE("x,\"line1\nline2\"\ny,z\n", "1[x|line1\nline2]3[y|z]");
	PARSE("h\n\"a\n\nb\",c\nd\n", "1[h]2[a\n\nb|c]5[d]");
	/* A CRLF inside quotes is data, kept as it is. */
	PARSE("\"a\r\nb\"\r\nc\r\n", "1[a\r\nb]3[c]");
}

TEST(csv_blank_lines_skipped)
{
	PARSE("a\n\n\nb\n", "1[a]4[b]");
	PARSE("\r\n\r\na\r\n\r\n", "3[a]");
	PARSE("\n", "");
}

TEST(csv_bom)
{
	PARSE("\xef\xbb\xbfid,name\n1,x\n", "1[id|name]2[1|x]");
	PARSE("\xef\xbb\xbf", "");
	PARSE("\xef\xbb\xbf\"q\"\n", "1[q]");
	/* Only at the start: later it is an ordinary (valid) character. */
	PARSE("a\n\xef\xbb\xbf" "b\n", "1[a]2[\xef\xbb\xbf" "b]");
}

TEST(csv_malformed_is_fatal)
{
	PARSE("ok\nab\"c\nnext\n",
	    "1[ok]!2:stray quote in unquoted field 1 (a field containing quotes"
	    " must be quoted whole, with each quote inside written as \"\")");
	PARSE("a,\"ab\"c\n",
	    "!1:unexpected character after the closing quote of field 2");
	PARSE("a,\"b\" \n",
	    "!1:unexpected character after the closing quote of field 2");
	PARSE("a\n\"b\nc\nd\n",
	    "1[a]!2:unterminated quoted field 1 (the quote opened on line 2 is never closed)");
	PARSE("a\rb\n",
	    "!1:carriage return not followed by a line feed (line ends must be LF or CRLF)");
	PARSE("a\r",
	    "!1:carriage return not followed by a line feed (line ends must be LF or CRLF)");
	PARSE("\"",
	    "!1:unterminated quoted field 1 (the quote opened on line 1 is never closed)");
}

TEST(csv_broken_reader_stays_broken)
{
	const char in[] = "a\"\nb\n";
	struct csv_reader *r = csv_open_mem(in, sizeof(in) - 1, NULL);
	struct csv_record rec;
	struct err e = ERR_INIT;
	CHECK_INT(csv_next(r, &rec, &e), -1);
	CHECK(csv_broken(r));
	CHECK_STR(e.code, "invalid_csv");
	struct err e2 = ERR_INIT;
	CHECK_INT(csv_next(r, &rec, &e2), -1);
	CHECK_INT(rec.line, 1);
	CHECK_STR(e2.message, e.message);
	csv_close(r);
}

TEST(csv_invalid_utf8_skips_the_record)
{
	PARSE("ok\n\xff\xfe,x\ngood\n", "1[ok]!2:field 1 is not valid UTF-8" "3[good]");
	PARSE("a,\xc0\xaf\n", "!1:field 2 is not valid UTF-8");	/* overlong */
	PARSE("a,\xed\xa0\x80\n", "!1:field 2 is not valid UTF-8");	/* surrogate */
	PARSE("a,\xe2\x82\n", "!1:field 2 is not valid UTF-8");	/* truncated */
	PARSE("x\x01y\nz\n", "!1:field 1 contains a control character" "2[z]");
	/* A NUL byte, and the record after it is still read. */
	check_parse("a\0b\nc\n", 6, NULL, "!1:field 1 contains a control character" "2[c]", __LINE__);
	/* A bad record spanning lines: the next record's line is right. */
	PARSE("\"a\n\xff\"\nb\n", "!1:field 1 is not valid UTF-8" "3[b]");
	/* Tabs are fine. */
	PARSE("a\tb\n", "1[a\tb]");
}

TEST(csv_field_limit)
{
	struct csv_limits lim = { 8, 256, 1024 };
	PARSE_LIM("12345678\n", &lim, "1[12345678]");
	PARSE_LIM("123456789\n", &lim, "!1:field 1 is longer than 8 bytes");
	PARSE_LIM("a,\"12345\"\"678\"\n", &lim, "!1:field 2 is longer than 8 bytes");
	PARSE_LIM("\"1234\n5678\"\n", &lim, "!2:field 1 is longer than 8 bytes");
}

TEST(csv_field_count_and_record_limits)
{
	struct csv_limits lim = { 100, 3, 1024 };
	PARSE_LIM("a,b,c\n", &lim, "1[a|b|c]");
	PARSE_LIM("a,b,c\nd,e,f,g\n", &lim, "1[a|b|c]!2:record has more than 3 fields");
	PARSE_LIM("a,b,c,\n", &lim, "!1:record has more than 3 fields");
	struct csv_limits small = { 100, 10, 12 };
	PARSE_LIM("abcd,efgh\n", &small, "1[abcd|efgh]");
	PARSE_LIM("abcd,efgh,ijkl\n", &small, "!1:record is longer than 12 bytes");
}

/* The default limits hold on a field far bigger than the read buffer,
 * without reading it whole. */
TEST(csv_default_limit_on_huge_field)
{
	size_t n = 3 * 1024 * 1024;
	char *in = malloc(n);
	memset(in, 'a', n);
	in[n - 1] = '\n';
	char *m = dump_mem(in, n, NULL);
	CHECK_STR(m, "!1:field 1 is longer than 65536 bytes");
	free(m);
	in[0] = '"';
	char *f = dump_file(in, n, NULL);
	CHECK_STR(f, "!1:field 1 is longer than 65536 bytes");
	free(f);
	free(in);

	struct buf b = BUF_INIT;
	for (int i = 0; i < CSV_FIELDS_MAX; i++)
		buf_puts(&b, i ? ",x" : "x");
	buf_putc(&b, '\n');
	struct csv_reader *r = csv_open_mem(b.data, b.len, NULL);
	struct csv_record rec;
	struct err e = ERR_INIT;
	CHECK_INT(csv_next(r, &rec, &e), 1);
	CHECK_INT(rec.count, CSV_FIELDS_MAX);
	CHECK_INT(csv_offset(r), b.len);
	csv_close(r);
	buf_free(&b);
}

/* A generated file of several read buffers with every construct, so the
 * window boundary falls in every state: file and memory must agree, and
 * the records and their lines must be the ones written. */
TEST(csv_stream_matches_memory)
{
	struct buf in = BUF_INIT, want = BUF_INIT;
	unsigned long long x = 42;
	long line = 1;
	for (int row = 0; in.len < 900 * 1024; row++) {
		buf_printf(&want, "%ld[", line);
		for (int col = 0; col < 4; col++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			unsigned kind = (unsigned)(x >> 60) % 4;
			if (col) {
				buf_putc(&in, ',');
				buf_putc(&want, '|');
			}
			if (kind == 0) {
				buf_printf(&in, "v%d_%d", row, col);
				buf_printf(&want, "v%d_%d", row, col);
			} else if (kind == 1) {
				buf_printf(&in, "\"q,%d\"\"\r\nz\"", row);
				buf_printf(&want, "q,%d\"\r\nz", row);
				line++;
			} else if (kind == 2) {
				buf_puts(&in, "\"\"");
			} else {
				buf_puts(&in, "caf\xc3\xa9");
				buf_puts(&want, "caf\xc3\xa9");
			}
		}
		buf_puts(&in, row % 2 ? "\r\n" : "\n");
		buf_putc(&want, ']');
		line++;
	}
	char *m = dump_mem(in.data, in.len, NULL);
	char *f = dump_file(in.data, in.len, NULL);
	CHECK(strcmp(m, want.data) == 0);
	CHECK(strcmp(f, want.data) == 0);
	free(m);
	free(f);
	buf_free(&in);
	buf_free(&want);
}

TEST(csv_offset_counts_bytes)
{
	const char in[] = "\xef\xbb\xbf" "a,b\nc\n";
	struct csv_reader *r = csv_open_mem(in, sizeof(in) - 1, NULL);
	struct csv_record rec;
	struct err e = ERR_INIT;
	CHECK_INT(csv_next(r, &rec, &e), 1);
	CHECK_INT(csv_offset(r), 7);
	CHECK_INT(csv_next(r, &rec, &e), 1);
	CHECK_INT(csv_next(r, &rec, &e), 0);
	CHECK_INT(csv_next(r, &rec, &e), 0);
	CHECK_INT(csv_offset(r), sizeof(in) - 1);
	csv_close(r);
}
