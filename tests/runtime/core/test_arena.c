#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"

static void test_alignment_and_isolation(void **state)
{
	sip_arena a;
	char *prev = NULL;

	(void)state;
	sip_arena_init(&a, 256);
	for (size_t n = 1; n < 300; n += 7) {
		char *p = sip_arena_alloc(&a, n);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 8, 0);
		memset(p, (int)(n & 0xff), n);
		if (prev)
			assert_int_equal((unsigned char)prev[0], (unsigned char)((n - 7) & 0xff));
		prev = p;
	}
	sip_arena_destroy(&a);
	assert_null(a.head);
}

static void test_large_allocation(void **state)
{
	sip_arena a;

	(void)state;
	sip_arena_init(&a, 1024);
	char *small = sip_arena_alloc(&a, 16);
	assert_non_null(small);
	char *big = sip_arena_alloc(&a, 100000);
	assert_non_null(big);
	memset(big, 'x', 100000);
	/* The current block keeps serving small allocations after a big one. */
	char *small2 = sip_arena_alloc(&a, 16);
	assert_non_null(small2);
	assert_int_equal(small2 - small, 16);
	assert_null(sip_arena_alloc(&a, SIZE_MAX - 4));
	sip_arena_destroy(&a);
}

/* After a reset the first block is reused: allocations that fit in it need
 * no malloc, which the failure hook proves. */
static void test_reset_keeps_first_block(void **state)
{
	sip_arena a;

	(void)state;
	sip_arena_init(&a, 4096);
	char *first = sip_arena_alloc(&a, 100);
	assert_non_null(first);
	for (int i = 0; i < 100; i++)
		assert_non_null(sip_arena_alloc(&a, 1000));
	sip_arena_reset(&a);
	assert_non_null(a.head);
	sip_mem_fail_after(1);
	char *again = sip_arena_alloc(&a, 100);
	assert_ptr_equal(again, first);
	assert_non_null(sip_arena_alloc(&a, 2000));
	/* Next block needed: the armed failure fires now. */
	assert_null(sip_arena_alloc(&a, 4000));
	sip_mem_fail_after(0);
	assert_non_null(sip_arena_alloc(&a, 4000));
	sip_arena_destroy(&a);

	/* Reset of an arena that never allocated. */
	sip_arena_init(&a, 64);
	sip_arena_reset(&a);
	assert_null(a.head);
	sip_arena_destroy(&a);
}

static void test_mem_hook(void **state)
{
	(void)state;
	sip_mem_fail_after(3);
	void *p1 = sip_mem_alloc(8), *p2 = sip_mem_alloc(8), *p3 = sip_mem_alloc(8);
	void *p4 = sip_mem_alloc(8);
	assert_non_null(p1);
	assert_non_null(p2);
	assert_null(p3);
	assert_non_null(p4);
	sip_mem_fail_after(1);
	assert_null(sip_mem_realloc(p1, 64));
	p1 = sip_mem_realloc(p1, 64);
	assert_non_null(p1);
	sip_mem_free(p1);
	sip_mem_free(p2);
	sip_mem_free(p4);
	sip_mem_free(NULL);
}

static void test_strings(void **state)
{
	sip_arena a;

	(void)state;
	sip_arena_init(&a, 256);
	sip_str s = sip_arena_strdup(&a, SIP_STR_LIT("hello"));
	assert_int_equal(s.len, 5);
	assert_string_equal(s.s, "hello");
	char *m = sip_arena_memdup(&a, "a\0b", 3);
	assert_memory_equal(m, "a\0b", 3);
	sip_str p = sip_arena_printf(&a, "%s-%d", "x", 42);
	assert_int_equal(p.len, 4);
	assert_string_equal(p.s, "x-42");
	char longer[600];
	memset(longer, 'z', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	sip_str q = sip_arena_printf(&a, "<%s>", longer);
	assert_int_equal(q.len, sizeof(longer) + 1);
	assert_int_equal(q.s[0], '<');
	assert_int_equal(q.s[q.len - 1], '>');
	assert_int_equal(q.s[q.len], '\0');
	/* Earlier strings are untouched. */
	assert_string_equal(p.s, "x-42");
	sip_mem_fail_after(1);
	sip_str r = sip_arena_printf(&a, "%s", longer);
	assert_null(r.s);
	sip_mem_fail_after(0);
	sip_arena_destroy(&a);

	sip_arena_init(&a, 256);
	p = sip_arena_printf(&a, "%d", 7);
	assert_string_equal(p.s, "7");
	sip_arena_destroy(&a);
}

/* An arena whose first block is the caller's buffer: small allocations
 * come from it, an overflow goes to the heap, reset keeps the buffer and
 * destroy never frees it (the buffer is on the stack here: freeing it
 * would crash). */
static void test_caller_block(void **state)
{
	_Alignas(16) char buf[512];
	sip_arena a;
	sip_arena_init_buf(&a, buf, sizeof buf, 1024);
	char *p = sip_arena_alloc(&a, 100);
	assert_true(p >= buf && p + 100 <= buf + sizeof buf);
	char *q = sip_arena_alloc(&a, 600);
	assert_non_null(q);
	assert_true(q < buf || q >= buf + sizeof buf);
	sip_arena_reset(&a);
	p = sip_arena_alloc(&a, 8);
	assert_true(p >= buf && p < buf + sizeof buf);
	sip_arena_destroy(&a);
}

/* The hand-written formatters agree with printf and the case-insensitive
 * compares are ASCII-only and length-exact. */
static void test_fmt_and_case(void **state)
{
	char b[32], ref[32];
	unsigned long vals[] = { 0, 7, 10, 99, 65535, 4294967295ul };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		size_t n = sip_fmt_uint(b, vals[i]);
		snprintf(ref, sizeof ref, "%lu", vals[i]);
		assert_int_equal(n, strlen(ref));
		assert_memory_equal(b, ref, n);
	}
	assert_int_equal(sip_fmt_hex(b, 0xab12ull, 8), 8);
	assert_memory_equal(b, "0000ab12", 8);
	assert_true(sip_str_eq_lit_case(SIP_STR_LIT("BrAnCh"), "branch"));
	assert_false(sip_str_eq_lit_case(SIP_STR_LIT("branc"), "branch"));
	assert_false(sip_str_caseeq(SIP_STR_LIT("a@"), SIP_STR_LIT("a`")));
	assert_false(sip_str_caseeq(SIP_STR_LIT("a\0x"), SIP_STR_LIT("a\0y")));
	unsigned char ip[4];
	assert_true(sip_ipv4_parse(SIP_STR_LIT("192.0.2.255"), ip));
	assert_int_equal(ip[0], 192);
	assert_int_equal(ip[3], 255);
	assert_false(sip_ipv4_parse(SIP_STR_LIT("192.0.2.256"), ip));
	assert_false(sip_ipv4_parse(SIP_STR_LIT("192.0.02.1"), ip));
	assert_false(sip_ipv4_parse(SIP_STR_LIT("192.0.2"), ip));
	assert_false(sip_ipv4_parse(SIP_STR_LIT("192.0.2.1."), ip));
}

static void test_status_and_log(void **state)
{
	(void)state;
	assert_string_equal(sip_strerror(SIP_OK), "success");
	assert_string_equal(sip_strerror(SIP_EPARSE), "malformed message");
	assert_string_equal(sip_strerror(SIP_EINCOMPLETE), "message incomplete");
	assert_string_equal(sip_strerror(12345), "unknown status");
	assert_int_equal(sip_log_level_parse("err"), SIP_LOG_ERR);
	assert_int_equal(sip_log_level_parse("WARN"), SIP_LOG_WARN);
	assert_int_equal(sip_log_level_parse("warning"), SIP_LOG_WARN);
	assert_int_equal(sip_log_level_parse("notice"), SIP_LOG_NOTICE);
	assert_int_equal(sip_log_level_parse("info"), SIP_LOG_INFO);
	assert_int_equal(sip_log_level_parse("debug"), SIP_LOG_DEBUG);
	assert_int_equal(sip_log_level_parse("3"), SIP_LOG_INFO);
	assert_int_equal(sip_log_level_parse("5"), -1);
	assert_int_equal(sip_log_level_parse("verbose"), -1);
	assert_int_equal(sip_log_level_parse(""), -1);
	assert_int_equal(sip_log_level_parse(NULL), -1);
	sip_log_level = SIP_LOG_DEBUG;
	LOG_DEBUG("log test %d", 1);
	sip_log_level = SIP_LOG_NOTICE;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_and_isolation),
		cmocka_unit_test(test_large_allocation),
		cmocka_unit_test(test_reset_keeps_first_block),
		cmocka_unit_test(test_mem_hook),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_status_and_log),
		cmocka_unit_test(test_caller_block),
		cmocka_unit_test(test_fmt_and_case),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
