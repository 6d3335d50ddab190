/* The compiled-pattern cache (runtime/core/re_cache.c): a pattern is
 * compiled once and found again; anchored means the whole subject;
 * a bad pattern is NULL and reported fresh only the first time; a ninth
 * pattern replaces the oldest, which is then compiled again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/re_cache.h"

static bool matches(const regex_t *rx, const char *s)
{
	return regexec(rx, s, 0, NULL, 0) == 0;
}

static void test_found_again(void **state)
{
	(void)state;
	struct sip_re_cache c;
	memset(&c, 0, sizeof c);
	bool fresh;
	const regex_t *a = sip_re_cache_get(&c, "48[0-9]|503", 11, true, &fresh);
	assert_non_null(a);
	assert_true(fresh);
	assert_ptr_equal(sip_re_cache_get(&c, "48[0-9]|503", 11, true, &fresh), a);
	assert_false(fresh);
	assert_true(matches(a, "486"));
	assert_true(matches(a, "503"));
	assert_false(matches(a, "4860"));     /* anchored: the whole code */
	const regex_t *u = sip_re_cache_get(&c, "lr", 2, false, NULL);
	assert_non_null(u);
	assert_true(matches(u, "transport=udp;lr"));
	sip_re_cache_clear(&c);
	assert_null(c.e[0].pat);
}

static void test_bad_pattern(void **state)
{
	(void)state;
	struct sip_re_cache c;
	memset(&c, 0, sizeof c);
	bool fresh;
	assert_null(sip_re_cache_get(&c, "4(8", 3, true, &fresh));
	assert_true(fresh);
	assert_null(sip_re_cache_get(&c, "4(8", 3, true, &fresh));
	assert_false(fresh);
	sip_re_cache_clear(&c);
}

static void test_replaced_round_robin(void **state)
{
	(void)state;
	struct sip_re_cache c;
	memset(&c, 0, sizeof c);
	char pat[SIP_RE_CACHE_SIZE + 1][8];
	bool fresh;
	for (int i = 0; i <= SIP_RE_CACHE_SIZE; i++) {
		snprintf(pat[i], sizeof pat[i], "%d", 100 + i);
		assert_non_null(sip_re_cache_get(&c, pat[i], strlen(pat[i]), true, &fresh));
		assert_true(fresh);
	}
	/* The first one was replaced by the ninth: compiled again. */
	assert_non_null(sip_re_cache_get(&c, pat[0], strlen(pat[0]), true, &fresh));
	assert_true(fresh);
	assert_non_null(sip_re_cache_get(&c, pat[SIP_RE_CACHE_SIZE],
					 strlen(pat[SIP_RE_CACHE_SIZE]), true, &fresh));
	assert_false(fresh);
	sip_re_cache_clear(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_again),
		cmocka_unit_test(test_bad_pattern),
		cmocka_unit_test(test_replaced_round_robin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
