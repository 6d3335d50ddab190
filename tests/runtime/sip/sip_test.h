/* What the cmocka drivers of the SIP layer share: the arena a group's
 * setup makes and its teardown frees (SIP_TEST_ARENA bytes a block,
 * 4096 unless the driver defines it first), and an assertion that a slice
 * holds exactly a string. Include after <cmocka.h>. */
#ifndef SIPCC_TESTS_RUNTIME_SIP_TEST_H
#define SIPCC_TESTS_RUNTIME_SIP_TEST_H

#include <stdio.h>
#include <string.h>
#include "core/arena.h"
#include "core/str.h"

#ifndef SIP_TEST_ARENA
#define SIP_TEST_ARENA 4096
#endif

static sip_arena arena;

static __attribute__((unused)) int setup(void **state)
{
	(void)state;
	sip_arena_init(&arena, SIP_TEST_ARENA);
	return 0;
}

static __attribute__((unused)) int teardown(void **state)
{
	(void)state;
	sip_arena_destroy(&arena);
	return 0;
}

/* s holds exactly want (a NULL slice counts as ""). */
static __attribute__((unused)) void assert_str(sip_str s, const char *want)
{
	char b[512];

	snprintf(b, sizeof(b), "%.*s", (int)s.len, s.s ? s.s : "");
	assert_string_equal(b, want);
	assert_int_equal(s.len, strlen(want));
}

#endif
