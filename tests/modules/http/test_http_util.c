/* modules/http/http_util.c: JSON fields by path (kinds, nesting, arrays,
 * escapes, numbers, documents that are not JSON), response headers by
 * name (the last block after a 100 Continue), URL checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "http/http_util.h"

static sip_str S(const char *s)
{
	return sip_str_make(s, strlen(s));
}

static const char *DOC =
	"{ \"result\": { \"action\": \"deny\", \"score\": 87.9, \"ok\": false },\n"
	"  \"credit\": 1500, \"neg\": -42, \"big\": 99999999999999999999,\n"
	"  \"routes\": [ { \"uri\": \"sip:a@gw1\" }, { \"uri\": \"sip:b@gw2\", \"w\": [1, 2, 3] } ],\n"
	"  \"text\": \"line\\nnext \\\"q\\\" \\u00e9\\ud83d\\ude00\", \"nothing\": null,\n"
	"  \"num_str\": \"0049\", \"a.b\": 1, \"esc\\u0061ped\": \"yes\", \"empty\": {} }";

static void test_json_paths(void **state)
{
	(void)state;
	sip_arena a;
	sip_arena_init(&a, 1024);
	sip_str v;
	assert_int_equal(http_json_find(S(DOC), S("result.action"), &v), HTTP_JSON_STRING);
	assert_int_equal(v.len, 6);
	assert_memory_equal(v.s, "\"deny\"", 6);
	sip_str s = http_json_get_str(&a, S(DOC), S("result.action"));
	assert_int_equal(s.len, 4);
	assert_memory_equal(s.s, "deny", 4);
	/* arrays: by a dotted index or in brackets */
	s = http_json_get_str(&a, S(DOC), S("routes.1.uri"));
	assert_string_equal(s.s, "sip:b@gw2");
	s = http_json_get_str(&a, S(DOC), S("routes[0].uri"));
	assert_string_equal(s.s, "sip:a@gw1");
	assert_int_equal(http_json_get_int(S(DOC), S("routes[1].w[2]"), NULL), 3);
	/* out of range, missing keys, a key of a scalar */
	assert_int_equal(http_json_find(S(DOC), S("routes.2.uri"), &v), HTTP_JSON_NONE);
	assert_int_equal(http_json_find(S(DOC), S("result.nope"), &v), HTTP_JSON_NONE);
	assert_int_equal(http_json_find(S(DOC), S("credit.x"), &v), HTTP_JSON_NONE);
	assert_int_equal(http_json_find(S(DOC), S("empty.x"), &v), HTTP_JSON_NONE);
	assert_int_equal(http_json_find(S(DOC), S("routes.x"), &v), HTTP_JSON_NONE);
	/* an escaped key is matched by its value */
	s = http_json_get_str(&a, S(DOC), S("escaped"));
	assert_string_equal(s.s, "yes");
	/* a key with a dot cannot be named; bad paths find nothing */
	assert_int_equal(http_json_find(S(DOC), S("a.b"), &v), HTTP_JSON_NONE);
	assert_int_equal(http_json_find(S(DOC), S(".credit"), &v), HTTP_JSON_NONE);
	assert_int_equal(http_json_find(S(DOC), S("routes[0"), &v), HTTP_JSON_NONE);
	assert_int_equal(http_json_find(S(DOC), S("result..action"), &v), HTTP_JSON_NONE);
	/* the whole document, objects and arrays as their text */
	assert_int_equal(http_json_find(S(DOC), S(""), &v), HTTP_JSON_OBJECT);
	s = http_json_get_str(&a, S(DOC), S("routes.1.w"));
	assert_int_equal(s.len, 9);
	assert_memory_equal(s.s, "[1, 2, 3]", 9);
	/* null and missing are "" */
	assert_int_equal(http_json_find(S(DOC), S("nothing"), &v), HTTP_JSON_NULL);
	assert_int_equal(http_json_get_str(&a, S(DOC), S("nothing")).len, 0);
	assert_int_equal(http_json_get_str(&a, S(DOC), S("missing")).len, 0);
	sip_arena_destroy(&a);
}

static void test_json_values(void **state)
{
	(void)state;
	sip_arena a;
	sip_arena_init(&a, 1024);
	bool found;
	assert_int_equal(http_json_get_int(S(DOC), S("credit"), &found), 1500);
	assert_true(found);
	assert_int_equal(http_json_get_int(S(DOC), S("neg"), NULL), -42);
	assert_int_equal(http_json_get_int(S(DOC), S("result.score"), NULL), 87);
	assert_int_equal(http_json_get_int(S(DOC), S("big"), NULL), INT64_MAX);
	assert_int_equal(http_json_get_int(S(DOC), S("result.ok"), &found), 0);
	assert_true(found);
	assert_int_equal(http_json_get_int(S(DOC), S("num_str"), NULL), 49);
	assert_int_equal(http_json_get_int(S(DOC), S("result.action"), &found), 0);
	assert_false(found);
	assert_int_equal(http_json_get_int(S(DOC), S("missing"), &found), 0);
	assert_false(found);
	/* numbers and literals as written */
	sip_str sc = http_json_get_str(&a, S(DOC), S("result.score"));
	assert_int_equal(sc.len, 4);
	assert_memory_equal(sc.s, "87.9", 4);
	sip_str f = http_json_get_str(&a, S(DOC), S("result.ok"));
	assert_int_equal(f.len, 5);
	assert_memory_equal(f.s, "false", 5);
	/* escapes, \u to UTF-8, a surrogate pair */
	sip_str t = http_json_get_str(&a, S(DOC), S("text"));
	const char want[] = "line\nnext \"q\" \xC3\xA9\xF0\x9F\x98\x80";
	assert_int_equal(t.len, sizeof want - 1);
	assert_memory_equal(t.s, want, sizeof want - 1);
	sip_arena_destroy(&a);
}

static void test_json_not_json(void **state)
{
	(void)state;
	sip_str v;
	static const char *bad[] = {
		"", "nope", "{", "{\"a\" 1}", "{\"a\": }", "{\"b\": 1,, \"a\": 2}", "[1 2]", "{\"a\": tru}",
		"{\"a\": \"x\\q\"}", "{\"a\": \"open}", "{\"a\": -}", "<html>oops</html>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(http_json_find(S(bad[i]), S("a"), &v), HTTP_JSON_NONE);
	/* nesting deeper than the scanner goes */
	char deep[300];
	size_t n = 0;
	deep[n++] = '{';
	memcpy(deep + n, "\"a\":", 4);
	n += 4;
	for (int i = 0; i < 100; i++)
		deep[n++] = '[';
	for (int i = 0; i < 100; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	assert_int_equal(http_json_find(S(deep), S("a"), &v), HTTP_JSON_NONE);
	/* what follows the value found is not read */
	assert_int_equal(http_json_find(S("{\"a\": 5, garbage"), S("a"), &v), HTTP_JSON_NUMBER);
	assert_int_equal(http_json_find(sip_str_make(NULL, 0), S("a"), &v), HTTP_JSON_NONE);
}

static void test_headers(void **state)
{
	(void)state;
	const char *h = "HTTP/1.1 100 Continue\r\nX-Step: one\r\n\r\n"
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"X-Route:   gw1  \r\nx-route: gw2\r\n\r\n";
	sip_str v;
	assert_true(http_hdr_find(S(h), S("content-type"), &v));
	assert_int_equal(v.len, 16);
	assert_memory_equal(v.s, "application/json", 16);
	assert_true(http_hdr_find(S(h), S("X-ROUTE"), &v));
	assert_int_equal(v.len, 3);
	assert_memory_equal(v.s, "gw1", 3);
	/* only the last block counts */
	assert_false(http_hdr_find(S(h), S("X-Step"), &v));
	assert_false(http_hdr_find(S(h), S("X-Rout"), &v));
	assert_false(http_hdr_find(S(h), S(""), &v));
	assert_false(http_hdr_find(sip_str_make(NULL, 0), S("a"), &v));
}

static void test_urls(void **state)
{
	(void)state;
	sip_arena a;
	sip_arena_init(&a, 256);
	sip_str e = http_url_encode(&a, S("+49 30/1&x=é~a.b_c-d"));
	assert_string_equal(e.s, "%2B49%2030%2F1%26x%3D%C3%A9~a.b_c-d");
	assert_int_equal(http_url_encode(&a, S("")).len, 0);
	sip_str q = http_json_quote(&a, S("a\"b\\c\nd\x01\xc3\xa9"));
	assert_string_equal(q.s, "\"a\\\"b\\\\c\\nd\\u0001\xc3\xa9\"");
	/* and back */
	sip_str u = http_json_unescape(&a, q);
	assert_int_equal(u.len, 10);
	assert_memory_equal(u.s, "a\"b\\c\nd\x01\xc3\xa9", 10);
	assert_string_equal(http_json_quote(&a, S("")).s, "\"\"");
	sip_arena_destroy(&a);
	assert_true(http_url_ok(S("http://127.0.0.1:8080/check?user=alice")));
	assert_true(http_url_ok(S("HTTPS://billing.example.com/")));
	assert_false(http_url_ok(S("ftp://example.com/")));
	assert_false(http_url_ok(S("file:///etc/passwd")));
	assert_false(http_url_ok(S("http://")));
	assert_false(http_url_ok(S("http:///path")));
	assert_false(http_url_ok(S("http://a b/")));
	assert_false(http_url_ok(S("http://a/\r\nX: y")));
	assert_false(http_url_ok(S("example.com")));
	char long_url[5000];
	memcpy(long_url, "http://a/", 9);
	memset(long_url + 9, 'x', sizeof long_url - 10);
	long_url[sizeof long_url - 1] = '\0';
	assert_false(http_url_ok(S(long_url)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_paths),
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_not_json),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
