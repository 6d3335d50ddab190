/* modules/rtpengine/rtpe_dlgset.c: the dialogs whose end deletes their
 * media session. Far more dialogs than the 3,072 a fixed table held are
 * all followed (each end finds its dialog), a re-offer adds nothing, a
 * dialog ended twice is taken once, a long churn of calls (dialogs
 * starting and ending, as on a busy proxy) leaves nothing behind, and
 * the dialogs of one worker are collected with their Call-IDs and tags
 * (what the media check queries). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "rtpengine/rtpe_dlgset.h"

/* Dialog ids as the dialog module makes them: distinct 64-bit numbers;
 * spread them over the whole range so the hash matters. */
static uint64_t dlg_id(uint64_t i)
{
	return (i + 1) * 0x9e3779b97f4a7c15ull;
}

/* Follow dialog i of worker w, Call-ID "call-I", From tag "tag-I" (none
 * for a multiple of 5). */
static int add(uint64_t i, unsigned w)
{
	char c[32], t[32];
	int n = snprintf(c, sizeof c, "call-%llu", (unsigned long long)i);
	int k = i % 5 ? snprintf(t, sizeof t, "tag-%llu", (unsigned long long)i) : 0;
	return rtpe_dlgset_add(dlg_id(i), w, sip_str_make(c, (size_t)n), sip_str_make(t, (size_t)k));
}

static int teardown(void **state)
{
	(void)state;
	rtpe_dlgset_clear();
	return 0;
}

/* 20,000 calls in progress at once: every one is followed, and each end
 * finds its dialog once. */
static void test_many_dialogs(void **state)
{
	enum { N = 20000 };
	(void)state;
	for (uint64_t i = 0; i < N; i++)
		assert_int_equal(add(i, 0), SIP_OK);
	assert_int_equal(rtpe_dlgset_count(), N);
	/* A re-INVITE offers again: still one entry per dialog. */
	for (uint64_t i = 0; i < N; i += 7)
		assert_int_equal(add(i, 0), SIP_OK);
	assert_int_equal(rtpe_dlgset_count(), N);
	assert_false(rtpe_dlgset_take(dlg_id(N)));
	for (uint64_t i = 0; i < N; i++)
		assert_true(rtpe_dlgset_take(dlg_id(i)));
	for (uint64_t i = 0; i < N; i++)
		assert_false(rtpe_dlgset_take(dlg_id(i)));
	assert_int_equal(rtpe_dlgset_count(), 0);
}

/* 4,000 calls up at any time, 400,000 calls in all: the dialog that ends
 * is always found, and the ended ones are gone. */
static void test_churn(void **state)
{
	enum { LIVE = 4000, TOTAL = 400000 };
	(void)state;
	for (uint64_t i = 0; i < TOTAL; i++) {
		assert_int_equal(add(i, 0), SIP_OK);
		if (i >= LIVE)
			assert_true(rtpe_dlgset_take(dlg_id(i - LIVE)));
	}
	assert_int_equal(rtpe_dlgset_count(), LIVE);
	for (uint64_t i = TOTAL - LIVE; i < TOTAL; i++)
		assert_true(rtpe_dlgset_take(dlg_id(i)));
	assert_int_equal(rtpe_dlgset_count(), 0);
}

/* The module's stop forgets everything; the set works again after it. */
static void test_clear(void **state)
{
	(void)state;
	for (uint64_t i = 0; i < 5000; i++)
		assert_int_equal(add(i, 0), SIP_OK);
	rtpe_dlgset_clear();
	assert_int_equal(rtpe_dlgset_count(), 0);
	assert_false(rtpe_dlgset_take(dlg_id(1)));
	assert_int_equal(add(1, 0), SIP_OK);
	assert_true(rtpe_dlgset_take(dlg_id(1)));
}

/* Each worker collects its own dialogs, with the Call-ID and tag they
 * were added with; a dialog taken is no longer collected. */
static void test_collect(void **state)
{
	(void)state;
	for (uint64_t i = 0; i < 300; i++)
		assert_int_equal(add(i, (unsigned)(i % 3)), SIP_OK);
	assert_true(rtpe_dlgset_take(dlg_id(4)));      /* worker 1 */
	assert_true(rtpe_dlgset_has(dlg_id(3)));
	assert_false(rtpe_dlgset_has(dlg_id(4)));
	sip_arena a;
	sip_arena_init(&a, 1024);
	for (unsigned w = 0; w < 4; w++) {
		struct rtpe_dlg_ref *v;
		unsigned n = rtpe_dlgset_collect(w, &a, &v);
		assert_int_equal(n, w == 3 ? 0 : w == 1 ? 99 : 100);
		bool seen[300] = { false };
		for (unsigned k = 0; k < n; k++) {
			unsigned long long i;
			assert_int_equal(sscanf(v[k].callid.s, "call-%llu", &i), 1);
			assert_true(i < 300 && i % 3 == w && !seen[i] && i != 4);
			seen[i] = true;
			assert_true(v[k].id == dlg_id(i));
			char t[32];
			int tl = i % 5 ? snprintf(t, sizeof t, "tag-%llu", i) : 0;
			assert_int_equal(v[k].from_tag.len, tl);
			if (tl)
				assert_memory_equal(v[k].from_tag.s, t, (size_t)tl);
		}
	}
	sip_arena_destroy(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_many_dialogs, teardown),
		cmocka_unit_test_teardown(test_churn, teardown),
		cmocka_unit_test_teardown(test_clear, teardown),
		cmocka_unit_test_teardown(test_collect, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
