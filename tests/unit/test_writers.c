/* The JSON and HTML writers, strict numbers, and the router. */
#include "harness.h"

#include <math.h>

#include "../../src/http/http.h"
#include "../../src/util/html.h"
#include "../../src/util/jw.h"
#include "../../src/util/num.h"
#include "../../src/util/geo.h"

TEST(html_text_escapes_markup)
{
	struct buf b = BUF_INIT;
	html_text(&b, "<script>alert('x') & \"y\"</script>");
	CHECK_STR(buf_cstr(&b), "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
	buf_free(&b);
}

TEST(html_text_drops_control_bytes_keeps_utf8)
{
	struct buf b = BUF_INIT;
	html_text(&b, "Z\xc3\xbcrich\x01\x1b line\nnext");
	CHECK_STR(buf_cstr(&b), "Z\xc3\xbcrich line\nnext");
	buf_free(&b);
}

TEST(html_attr_cannot_break_out)
{
	struct buf b = BUF_INIT;
	html_attr(&b, "value", "\" onmouseover=\"alert(1)");
	CHECK_STR(buf_cstr(&b), " value=\"&quot; onmouseover=&quot;alert(1)\"");
	buf_free(&b);
}

TEST(html_url_attr_refuses_dangerous_schemes)
{
	const char *bad[] = { "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x",
	    "//evil.example/x", "vbscript:x", " javascript:x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf b = BUF_INIT;
		html_url_attr(&b, "href", bad[i]);
		CHECK_STR(buf_cstr(&b), " href=\"#\"");
		buf_free(&b);
	}
	struct buf b = BUF_INIT;
	html_url_attr(&b, "href", "https://example.com/a b?x=\"1\"");
	CHECK_STR(buf_cstr(&b), " href=\"https://example.com/a%20b?x=&quot;1&quot;\"");
	buf_free(&b);
}

TEST(html_query_escape_encodes_reserved)
{
	struct buf b = BUF_INIT;
	html_query_escape(&b, "Austin, TX & more=1/Z\xc3\xbc");
	CHECK_STR(buf_cstr(&b), "Austin%2C%20TX%20%26%20more%3D1%2FZ%C3%BC");
	buf_free(&b);
}

TEST(json_writer_commas_and_escapes)
{
	struct buf b = BUF_INIT;
	struct jw j;
	jw_init(&j, &b);
	jw_object_begin(&j);
	jw_kv_string(&j, "a", "line\n\"quoted\"\\ \x01");
	jw_key(&j, "list");
	jw_array_begin(&j);
	jw_int(&j, 1);
	jw_double(&j, 2.5, 3);
	jw_double(&j, NAN, 3);
	jw_bool(&j, false);
	jw_string(&j, NULL);
	jw_array_end(&j);
	jw_key(&j, "empty");
	jw_object_begin(&j);
	jw_object_end(&j);
	jw_object_end(&j);
	CHECK_STR(buf_cstr(&b),
	    "{\"a\":\"line\\n\\\"quoted\\\"\\\\ \\u0001\",\"list\":[1,2.5,null,false,null],\"empty\":{}}");
	buf_free(&b);
}

TEST(json_double_keeps_precision)
{
	struct buf b = BUF_INIT;
	struct jw j;
	jw_init(&j, &b);
	jw_double(&j, 12.3456789, 6);
	CHECK_STR(buf_cstr(&b), "12.345679");
	buf_reset(&b);
	jw_init(&j, &b);
	jw_double(&j, -0.0000001, 3);
	CHECK_STR(buf_cstr(&b), "0");
	buf_free(&b);
}

TEST(num_parse_long_is_strict)
{
	long long v;
	CHECK(num_parse_long("42", 0, 100, &v) == 0 && v == 42);
	CHECK(num_parse_long("-5", -10, 10, &v) == 0 && v == -5);
	const char *bad[] = { "", " 5", "5 ", "+5", "5x", "0x10", "101", "99999999999999999999", "1e2", NULL };
	for (int i = 0; bad[i]; i++)
		CHECK(num_parse_long(bad[i], 0, 100, &v) == -1);
}

TEST(num_parse_double_is_strict)
{
	double v;
	CHECK(num_parse_double("40.5", 0, 100, &v) == 0 && v == 40.5);
	CHECK(num_parse_double("1e2", 0, 1000, &v) == 0 && v == 100);
	const char *bad[] = { "", "nan", "NaN", "inf", "-inf", "0x1p3", " 1", "1,5", "1e999", "--1", NULL };
	for (int i = 0; bad[i]; i++)
		CHECK(num_parse_double(bad[i], -1e9, 1e9, &v) == -1);
}

TEST(num_parse_bool_forms)
{
	bool b;
	CHECK(num_parse_bool("TRUE", &b) == 0 && b);
	CHECK(num_parse_bool("yes", &b) == 0 && b);
	CHECK(num_parse_bool("1", &b) == 0 && b);
	CHECK(num_parse_bool("No", &b) == 0 && !b);
	CHECK(num_parse_bool("0", &b) == 0 && !b);
	CHECK(num_parse_bool("y", &b) == -1);
	CHECK(num_parse_bool("", &b) == -1);
}

TEST(route_patterns_capture_segments)
{
	struct arena *a = arena_new();
	const char *args[HTTP_MAX_PATH_ARGS] = { 0 };
	CHECK(http_route_match("/therapists/{id}", "/therapists/42", args, a));
	CHECK_STR(args[0], "42");
	CHECK(!http_route_match("/therapists/{id}", "/therapists/", args, a));
	CHECK(!http_route_match("/therapists/{id}", "/therapists/1/2", args, a));
	CHECK(!http_route_match("/therapists", "/therapists/", args, a));
	CHECK(http_route_match("/", "/", args, a));
	CHECK(!http_route_match("/", "", args, a));
	CHECK(http_method_parse("GET") == HTTP_GET);
	CHECK(http_method_parse("get") == 0);
	arena_free(a);
}

TEST(haversine_known_distances)
{
	/* New York (40.7128,-74.0060) to London (51.5074,-0.1278): ~5570 km. */
	CHECK_NEAR(geo_distance_km(40.7128, -74.0060, 51.5074, -0.1278), 5570.2, 1.0);
	/* A quarter of the meridian. */
	CHECK_NEAR(geo_distance_km(0, 0, 90, 0), M_PI / 2 * GEO_EARTH_RADIUS_KM, 1e-6);
	/* Across the antimeridian is short. */
	CHECK_NEAR(geo_distance_km(0, 179.9, 0, -179.9), 0.2 * M_PI / 180 * GEO_EARTH_RADIUS_KM, 1e-6);
	CHECK_NEAR(geo_distance_km(10, 20, 10, 20), 0, 0);
}
