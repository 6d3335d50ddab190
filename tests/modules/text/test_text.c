/* Tests of modules/text/text.c: prefix/suffix matching, POSIX regex match
 * and substitution with the per-pattern cache, CIDR membership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/log.h"
#include "proxy/policy_abi.h"
#include "text/text.h"

/* The real one allocates in the message arena; here a plain malloc the
 * tests free, counted so a test can see whether a copy was made. */
static int concat_calls;

void sipcc_str_concat(struct sip_ctx *ctx, sip_str *out,
		      const char *a, size_t alen, const char *b, size_t blen)
{
	char *p = malloc(alen + blen + 1);

	(void)ctx;
	concat_calls++;
	memcpy(p, a, alen);
	memcpy(p + alen, b, blen);
	p[alen + blen] = '\0';
	*out = sip_str_make(p, alen + blen);
}

#define S(lit) lit, sizeof(lit) - 1

static void test_prefix_suffix(void **state)
{
	(void)state;
	assert_true(sipcc_fn_starts_with(NULL, S("+4930123"), S("+49")));
	assert_false(sipcc_fn_starts_with(NULL, S("+4930123"), S("49")));
	assert_false(sipcc_fn_starts_with(NULL, S("+4"), S("+49")));
	assert_true(sipcc_fn_starts_with(NULL, S("abc"), S("")));
	assert_true(sipcc_fn_ends_with(NULL, S("alice@example.com"), S(".com")));
	assert_false(sipcc_fn_ends_with(NULL, S("alice@example.com"), S(".org")));
	assert_false(sipcc_fn_ends_with(NULL, S("om"), S(".com")));
	assert_true(sipcc_fn_contains(NULL, S("sip:alice@example.com"), S("@exa")));
	assert_false(sipcc_fn_contains(NULL, S("sip:alice"), S("bob")));
	/* not NUL-terminated: only len bytes count */
	assert_false(sipcc_fn_ends_with(NULL, "abcdef", 3, S("def")));
}

static void test_regex_match(void **state)
{
	(void)state;
	assert_true(sipcc_fn_regex_match(NULL, S("00491701234"), S("^00[1-9][0-9]+$")));
	assert_false(sipcc_fn_regex_match(NULL, S("0491701234"), S("^00[1-9][0-9]+$")));
	/* the subject is bounded by its length, not by a NUL */
	assert_false(sipcc_fn_regex_match(NULL, "112x", 3, S("x")));
	assert_true(sipcc_fn_regex_match(NULL, "112x", 3, S("^112$")));
	/* an invalid pattern never matches (and is logged once) */
	assert_false(sipcc_fn_regex_match(NULL, S("abc"), S("a(b")));
	assert_false(sipcc_fn_regex_match(NULL, S("abc"), S("a(b")));
}

/* The same pointer with new text must not reuse the old compilation. */
static void test_regex_cache_checks_text(void **state)
{
	char pat[8];

	(void)state;
	strcpy(pat, "^a+$");
	assert_true(sipcc_fn_regex_match(NULL, S("aaa"), pat, strlen(pat)));
	strcpy(pat, "^b+$");
	assert_false(sipcc_fn_regex_match(NULL, S("aaa"), pat, strlen(pat)));
	assert_true(sipcc_fn_regex_match(NULL, S("bb"), pat, strlen(pat)));
	text_regex_cache_clear();
	assert_true(sipcc_fn_regex_match(NULL, S("bb"), pat, strlen(pat)));
}

static void test_regex_subst(void **state)
{
	sip_str out;

	(void)state;
	concat_calls = 0;
	sipcc_fn_regex_subst(NULL, &out, S("00491701234"), S("^00"), S("+"));
	assert_int_equal(out.len, 10);
	assert_memory_equal(out.s, "+491701234", 10);
	assert_int_equal(concat_calls, 1);
	free((char *)out.s);

	/* groups and the whole match */
	sipcc_fn_regex_subst(NULL, &out, S("0301234"), S("^0([1-9][0-9]*)$"), S("+49\\1"));
	assert_int_equal(out.len, 9);
	assert_memory_equal(out.s, "+49301234", 9);
	free((char *)out.s);
	sipcc_fn_regex_subst(NULL, &out, S("alice"), S("li"), S("<\\0>"));
	assert_int_equal(out.len, 7);
	assert_memory_equal(out.s, "a<li>ce", 7);
	free((char *)out.s);

	/* no match, bad pattern: the input itself, no copy */
	concat_calls = 0;
	static const char in[] = "bob";
	sipcc_fn_regex_subst(NULL, &out, in, 3, S("^x"), S("y"));
	assert_ptr_equal(out.s, in);
	assert_int_equal(out.len, 3);
	sipcc_fn_regex_subst(NULL, &out, in, 3, S("(("), S("y"));
	assert_ptr_equal(out.s, in);
	assert_int_equal(concat_calls, 0);
}

static void test_regex_subst_too_long(void **state)
{
	static char big[1500];
	sip_str out;

	(void)state;
	memset(big, 'a', sizeof big);
	/* doubling 1500 bytes does not fit the 2048-byte bound */
	sipcc_fn_regex_subst(NULL, &out, big, sizeof big, S("^(a+)$"), S("\\1\\1"));
	assert_ptr_equal(out.s, big);
	assert_int_equal(out.len, sizeof big);
}

static void test_ip_in_net(void **state)
{
	(void)state;
	assert_true(sipcc_fn_ip_in_net(NULL, S("10.1.2.3"), S("10.0.0.0/8")));
	assert_false(sipcc_fn_ip_in_net(NULL, S("11.1.2.3"), S("10.0.0.0/8")));
	assert_true(sipcc_fn_ip_in_net(NULL, S("192.168.1.130"), S("192.168.1.128/25")));
	assert_false(sipcc_fn_ip_in_net(NULL, S("192.168.1.127"), S("192.168.1.128/25")));
	assert_true(sipcc_fn_ip_in_net(NULL, S("203.0.113.7"), S("203.0.113.7")));
	assert_false(sipcc_fn_ip_in_net(NULL, S("203.0.113.8"), S("203.0.113.7")));
	assert_true(sipcc_fn_ip_in_net(NULL, S("1.2.3.4"), S("0.0.0.0/0")));
	assert_true(sipcc_fn_ip_in_net(NULL, S("2001:db8::1"), S("2001:db8::/32")));
	assert_false(sipcc_fn_ip_in_net(NULL, S("2001:db9::1"), S("2001:db8::/32")));
	/* a v4-mapped source matches a v4 network */
	assert_true(sipcc_fn_ip_in_net(NULL, S("::ffff:10.0.0.1"), S("10.0.0.0/8")));
	/* malformed input is never a member */
	assert_false(sipcc_fn_ip_in_net(NULL, S("10.0.0.1"), S("10.0.0.0/33")));
	assert_false(sipcc_fn_ip_in_net(NULL, S("10.0.0.1"), S("10.0.0.0/")));
	assert_false(sipcc_fn_ip_in_net(NULL, S("10.0.0.1"), S("10.0.0.0/8x")));
	assert_false(sipcc_fn_ip_in_net(NULL, S("not-an-ip"), S("0.0.0.0/0")));
	assert_false(sipcc_fn_ip_in_net(NULL, S(""), S("0.0.0.0/0")));
	/* the address is bounded by its length */
	assert_true(sipcc_fn_ip_in_net(NULL, "10.0.0.1:5060", 8, S("10.0.0.0/8")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_suffix),
		cmocka_unit_test(test_regex_match),
		cmocka_unit_test(test_regex_cache_checks_text),
		cmocka_unit_test(test_regex_subst),
		cmocka_unit_test(test_regex_subst_too_long),
		cmocka_unit_test(test_ip_in_net),
	};
	sip_log_level = SIP_LOG_ERR;   /* the invalid-pattern warnings are expected */
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	text_regex_cache_clear();
	return rc;
}
