/* sip_log_quote(): what a peer sent, made safe for a quoted field of a
 * log line (runtime/core/log.c), and the level names and numbers the
 * proxy's --log-level takes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "core/log.h"

static const char *q(char *buf, size_t sz, const char *s)
{
	return sip_log_quote(buf, sz, s, strlen(s));
}

static void test_quote(void **state)
{
	(void)state;
	char b[64];
	assert_string_equal(q(b, sizeof b, "alice"), "alice");
	assert_string_equal(q(b, sizeof b, "sip:bob@example.com;x=1"), "sip:bob@example.com;x=1");
	/* A quote or a backslash cannot end the field, a newline cannot
	 * start a forged line, control and non-ASCII bytes show as hex. */
	assert_string_equal(q(b, sizeof b, "a\" src=\"6.6.6.6"), "a\\x22 src=\\x226.6.6.6");
	assert_string_equal(q(b, sizeof b, "x\\y"), "x\\x5cy");
	assert_string_equal(q(b, sizeof b, "ok\r\nnotice: auth: failed"),
			    "ok\\x0d\\x0anotice: auth: failed");
	assert_string_equal(q(b, sizeof b, "\x1b[31m\xc3\xa9"), "\\x1b[31m\\xc3\\xa9");
	/* Embedded NUL bytes are data too. */
	assert_string_equal(sip_log_quote(b, sizeof b, "a\0b", 3), "a\\x00b");
	/* Cut to fit, never in the middle of an escape. */
	assert_string_equal(q(b, 4, "abcdef"), "abc");
	assert_string_equal(q(b, 6, "ab\ncd"), "ab");
	assert_string_equal(q(b, 1, "abc"), "");
}

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(sip_log_level_parse("notice"), SIP_LOG_NOTICE);
	assert_int_equal(sip_log_level_parse("2"), SIP_LOG_NOTICE);
	assert_int_equal(sip_log_level_parse("warning"), SIP_LOG_WARN);
	assert_int_equal(sip_log_level_parse("loud"), -1);
	/* notice is the default: failed logins and failed calls show. */
	assert_int_equal(sip_log_level, SIP_LOG_NOTICE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_levels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
