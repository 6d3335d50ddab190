/* sst module tests (modules/sst/sst_hdr.c): Session-Expires with and
 * without its refresher, malformed values, Min-SE, the timer option tag
 * in Supported lists, and the deadline of RFC 4028 section 10. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "sst/sst.h"

static sip_str S(const char *s)
{
	return sip_str_make(s, strlen(s));
}

static void test_se(void **state)
{
	(void)state;
	uint32_t se = 0;
	enum sst_refresher who = SST_REFRESHER_UAS;
	assert_int_equal(sst_parse_se(S("1800"), &se, &who), SIP_OK);
	assert_int_equal(se, 1800);
	assert_int_equal(who, SST_REFRESHER_NONE);
	assert_int_equal(sst_parse_se(S("4000;refresher=uac"), &se, &who), SIP_OK);
	assert_int_equal(se, 4000);
	assert_int_equal(who, SST_REFRESHER_UAC);
	assert_string_equal(sst_refresher_name(who), "uac");
	assert_int_equal(sst_parse_se(S("90 ; foo ; Refresher = UAS;x=1"), &se, &who), SIP_OK);
	assert_int_equal(se, 90);
	assert_int_equal(who, SST_REFRESHER_UAS);
	/* Too large: the largest interval kept. */
	assert_int_equal(sst_parse_se(S("99999999999999999999"), &se, &who), SIP_OK);
	assert_int_equal(se, SST_MAX_SE);
}

static void test_se_bad(void **state)
{
	(void)state;
	uint32_t se;
	enum sst_refresher who;
	const char *bad[] = {
		"", " ", "abc", "0", "-5", "12abc", "1800;refresher=both", "1800;refresher=",
		"1800;", "1800 1900", "1800;;refresher=uac",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		se = 7;
		if (sst_parse_se(S(bad[i]), &se, &who) != SIP_EPARSE)
			fail_msg("'%s' was accepted", bad[i]);
	}
	assert_int_equal(sst_parse_se(SIP_STR_NULL, &se, &who), SIP_EPARSE);
}

static void test_min_se(void **state)
{
	(void)state;
	uint32_t v = 0;
	assert_int_equal(sst_parse_min_se(S("120"), &v), SIP_OK);
	assert_int_equal(v, 120);
	assert_int_equal(sst_parse_min_se(S(" 90;x=y"), &v), SIP_OK);
	assert_int_equal(v, 90);
	assert_int_equal(sst_parse_min_se(S("x"), &v), SIP_EPARSE);
	assert_int_equal(sst_parse_min_se(S("0"), &v), SIP_EPARSE);
}

static void test_timer_tag(void **state)
{
	(void)state;
	assert_true(sst_has_timer(S("timer")));
	assert_true(sst_has_timer(S("replaces, Timer")));
	assert_true(sst_has_timer(S("100rel ,timer ,path")));
	assert_false(sst_has_timer(S("timers, 100rel")));
	assert_false(sst_has_timer(S("replaces,xtimer")));
	assert_false(sst_has_timer(S("")));
	assert_false(sst_has_timer(SIP_STR_NULL));
}

/* se - min(32, se/3) seconds. */
static void test_deadline(void **state)
{
	(void)state;
	assert_int_equal(sst_deadline_ms(1800), 1768000);
	assert_int_equal(sst_deadline_ms(96), 64000);
	assert_int_equal(sst_deadline_ms(90), 60000);
	assert_int_equal(sst_deadline_ms(6), 4000);
	assert_int_equal(sst_deadline_ms(1), 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_se),
		cmocka_unit_test(test_se_bad),
		cmocka_unit_test(test_min_se),
		cmocka_unit_test(test_timer_tag),
		cmocka_unit_test(test_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
