/* The JSON reader (runtime/core/json.c): values, escapes, the slices of
 * the input each node keeps, and what it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/status.h"

static sip_arena A;

static int setup(void **st)
{
	(void)st;
	sip_arena_init(&A, 1024);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	sip_arena_destroy(&A);
	return 0;
}

static sip_json *parse_ok(const char *s)
{
	sip_json *v = NULL;
	int rc = sip_json_parse(&A, s, strlen(s), &v, NULL);
	if (rc != SIP_OK)
		fail_msg("refused: %s", s);
	assert_non_null(v);
	return v;
}

static void expect_bad(const char *s, size_t off)
{
	sip_json *v = (sip_json *)1;
	size_t at = 9999;
	int rc = sip_json_parse(&A, s, strlen(s), &v, &at);
	if (rc != SIP_EPARSE)
		fail_msg("accepted: %s", s);
	assert_null(v);
	if (off != (size_t)-1 && at != off)
		fail_msg("%s: error at %zu, expected %zu", s, at, off);
}

static void test_request(void **st)
{
	(void)st;
	const char *s = " {\"jsonrpc\":\"2.0\", \"method\" : \"ul.show\",\n"
			"\"params\":[\"alice@example.com\", 12, -1.5e3, true, null], \"id\": \"a\\\"b\"} ";
	sip_json *v = parse_ok(s);
	assert_int_equal(v->type, SIP_JSON_OBJECT);
	assert_int_equal(v->n, 4);
	assert_true(v->raw.s == s + 1 && v->raw.len == strlen(s) - 2);
	const sip_json *m = sip_json_get(v, "method");
	assert_non_null(m);
	assert_int_equal(m->type, SIP_JSON_STRING);
	assert_string_equal(m->str.s, "ul.show");
	const sip_json *p = sip_json_get(v, "params");
	assert_int_equal(p->type, SIP_JSON_ARRAY);
	assert_int_equal(p->n, 5);
	const sip_json *e = p->child;
	assert_string_equal(e->str.s, "alice@example.com");
	e = e->next;
	assert_int_equal(e->type, SIP_JSON_NUMBER);
	assert_int_equal(e->str.len, 2);
	assert_memory_equal(e->str.s, "12", 2);
	e = e->next;
	assert_int_equal(e->type, SIP_JSON_NUMBER);
	assert_memory_equal(e->raw.s, "-1.5e3", 6);
	assert_int_equal(e->next->type, SIP_JSON_TRUE);
	assert_int_equal(e->next->next->type, SIP_JSON_NULL);
	assert_null(e->next->next->next);
	/* The id's raw text, to be echoed back verbatim. */
	const sip_json *id = sip_json_get(v, "id");
	assert_int_equal(id->raw.len, 6);
	assert_memory_equal(id->raw.s, "\"a\\\"b\"", 6);
	assert_string_equal(id->str.s, "a\"b");
	assert_null(sip_json_get(v, "nope"));
	assert_null(sip_json_get(p, "method"));
}

static void test_escapes(void **st)
{
	(void)st;
	sip_json *v = parse_ok("\"\\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \\u20ac \\ud83d\\ude00\"");
	assert_string_equal(v->str.s, "\\ / \b\f\n\r\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* An embedded NUL keeps its length. */
	v = parse_ok("\"a\\u0000b\"");
	assert_int_equal(v->str.len, 3);
	assert_memory_equal(v->str.s, "a\0b", 3);
	v = parse_ok("[]");
	assert_int_equal(v->n, 0);
	assert_null(v->child);
	v = parse_ok("{}");
	assert_int_equal(v->type, SIP_JSON_OBJECT);
	v = parse_ok("0");
	assert_int_equal(v->type, SIP_JSON_NUMBER);
	v = parse_ok("[[[]]]");
	assert_int_equal(v->child->child->type, SIP_JSON_ARRAY);
}

static void test_refused(void **st)
{
	(void)st;
	expect_bad("", 0);
	expect_bad("   ", 3);
	expect_bad("{", 1);
	expect_bad("{\"a\":1,}", 7);
	expect_bad("[1,]", 3);
	expect_bad("[1 2]", 3);
	expect_bad("{\"a\" 1}", 5);
	expect_bad("{a:1}", 1);
	expect_bad("01", 1);
	expect_bad("1.", 2);
	expect_bad("-", 1);
	expect_bad("1e", 2);
	expect_bad("tru", 0);
	expect_bad("nul", 0);
	expect_bad("\"abc", 4);
	expect_bad("\"a\nb\"", 2);
	expect_bad("\"\\x\"", (size_t)-1);
	expect_bad("\"\\u12\"", (size_t)-1);
	expect_bad("\"\\ud83d\"", (size_t)-1);         /* a lone high surrogate */
	expect_bad("\"\\ude00\"", (size_t)-1);         /* a lone low one */
	expect_bad("{} {}", 3);
	expect_bad("[1] x", 4);
	expect_bad("'a'", 0);
	/* Nesting is bounded. */
	char deep[2 * SIP_JSON_MAX_DEPTH + 8];
	size_t n = 0;
	for (unsigned i = 0; i <= SIP_JSON_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (unsigned i = 0; i <= SIP_JSON_MAX_DEPTH; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	expect_bad(deep, (size_t)-1);
	deep[n - 1] = '\0';
	memmove(deep, deep + 1, n - 1);                 /* one level less */
	parse_ok(deep);
}

/* Every truncation of a valid document is refused, never read past. */
static void test_truncated(void **st)
{
	(void)st;
	const char *s = "{\"a\":[1,-2.5e+3,\"x\\u00e9\\n\",true,false,null,{\"b\":{}}]}";
	size_t len = strlen(s);
	for (size_t i = 0; i < len; i++) {
		char *copy = sip_arena_memdup(&A, s, i);
		sip_json *v;
		assert_int_not_equal(sip_json_parse(&A, copy, i, &v, NULL), SIP_OK);
	}
	parse_ok(s);
}

static void test_nomem(void **st)
{
	(void)st;
	sip_arena a;
	sip_arena_init(&a, 64);
	sip_json *v;
	const char *s = "[\"a long enough string to need a new block\",1,2,3]";
	sip_mem_fail_after(1);          /* the arena's first block */
	int rc = sip_json_parse(&a, s, strlen(s), &v, NULL);
	sip_mem_fail_after(0);
	assert_int_equal(rc, SIP_NOMEM);
	sip_arena_destroy(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nomem, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
