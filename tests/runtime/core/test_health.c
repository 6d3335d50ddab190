/* The peer health state machine (core/health.h): N failed probes in a row
 * make a peer inactive, M answered ones active again, a broken run starts
 * over, a failed call marks it at once, the operator sets it; the accepted
 * reply codes; the weighted order's shares; several threads marking,
 * probing and counting one peer at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include "core/health.h"

static const sip_health_cfg cfg = { 3, 2 };

static void test_down_after_n_failures(void **state)
{
	(void)state;
	sip_health h;
	sip_health_init(&h);
	assert_false(sip_health_down(&h));
	assert_false(sip_health_probe_result(&h, &cfg, false));
	assert_false(sip_health_probe_result(&h, &cfg, false));
	/* An answer breaks the run: three more failures are needed. */
	assert_false(sip_health_probe_result(&h, &cfg, true));
	assert_false(sip_health_probe_result(&h, &cfg, false));
	assert_false(sip_health_probe_result(&h, &cfg, false));
	assert_false(sip_health_down(&h));
	assert_true(sip_health_probe_result(&h, &cfg, false));
	assert_true(sip_health_down(&h));
	assert_string_equal(sip_health_state_name(&h), "inactive");
	/* Further failures change nothing. */
	assert_false(sip_health_probe_result(&h, &cfg, false));
	assert_true(sip_health_down(&h));
	sip_health_view v;
	sip_health_get(&h, &v);
	assert_int_equal(v.probes_failed, 6);
	assert_int_equal(v.fail_run, 4);
	assert_int_equal(v.ok_run, 0);
}

static void test_up_after_m_answers(void **state)
{
	(void)state;
	sip_health h;
	sip_health_init(&h);
	for (int i = 0; i < 3; i++)
		sip_health_probe_result(&h, &cfg, false);
	assert_true(sip_health_down(&h));
	assert_false(sip_health_probe_result(&h, &cfg, true));
	assert_false(sip_health_probe_result(&h, &cfg, false));   /* run broken */
	assert_false(sip_health_probe_result(&h, &cfg, true));
	assert_true(sip_health_down(&h));
	assert_true(sip_health_probe_result(&h, &cfg, true));
	assert_false(sip_health_down(&h));
	assert_string_equal(sip_health_state_name(&h), "active");
	assert_false(sip_health_probe_result(&h, &cfg, true));
}

static void test_call_failed_and_admin(void **state)
{
	(void)state;
	sip_health h;
	sip_health_init(&h);
	assert_true(sip_health_call_failed(&h));
	assert_true(sip_health_down(&h));
	assert_false(sip_health_call_failed(&h));
	sip_health_view v;
	sip_health_get(&h, &v);
	assert_int_equal(v.timeouts, 2);
	/* Probes bring it back. */
	assert_false(sip_health_probe_result(&h, &cfg, true));
	assert_true(sip_health_probe_result(&h, &cfg, true));
	assert_false(sip_health_down(&h));
	assert_false(sip_health_set(&h, false));
	assert_true(sip_health_set(&h, true));
	assert_true(sip_health_down(&h));
	/* Setting resets the runs: one answer is not enough. */
	assert_false(sip_health_probe_result(&h, &cfg, true));
	assert_true(sip_health_set(&h, false));
	/* Thresholds of 0 count as 1. */
	sip_health_cfg one = { 0, 0 };
	assert_true(sip_health_probe_result(&h, &one, false));
	assert_true(sip_health_probe_result(&h, &one, true));
}

static void test_codes(void **state)
{
	(void)state;
	assert_true(sip_health_code_ok(200, ""));
	assert_true(sip_health_code_ok(202, NULL));
	assert_false(sip_health_code_ok(404, ""));
	assert_false(sip_health_code_ok(408, "403,404"));
	assert_true(sip_health_code_ok(404, "403,404"));
	assert_true(sip_health_code_ok(404, "403, 404"));
	assert_true(sip_health_code_ok(486, "4xx"));
	assert_false(sip_health_code_ok(503, "4xx"));
	assert_false(sip_health_code_ok(404, "40"));
	assert_true(sip_health_codes_valid(""));
	assert_true(sip_health_codes_valid("501,4xx"));
	assert_false(sip_health_codes_valid("4x"));
	assert_false(sip_health_codes_valid("abc"));
	assert_false(sip_health_codes_valid("999"));
}

/* The first pick of a 1:3 weighting over many seeds: a quarter and three
 * quarters (within 10 %); every order is a permutation. */
static void test_weighted_order(void **state)
{
	(void)state;
	unsigned w[3] = { 1, 3, 0 }, out[3], first[3] = { 0 };
	for (uint32_t seed = 1; seed <= 8000; seed++) {
		sip_health_weighted_order(w, 3, seed, out);
		assert_int_not_equal(out[0], out[1]);
		assert_int_not_equal(out[1], out[2]);
		assert_int_not_equal(out[0], out[2]);
		first[out[0]]++;
	}
	/* weights 1, 3 and 0 (as 1): shares 1/5, 3/5, 1/5. */
	assert_in_range(first[0], 1440, 1760);
	assert_in_range(first[1], 4320, 5280);
	assert_in_range(first[2], 1440, 1760);
	/* The same seed, the same order. */
	unsigned a[3], b[3];
	sip_health_weighted_order(w, 3, 42, a);
	sip_health_weighted_order(w, 3, 42, b);
	assert_memory_equal(a, b, sizeof a);
}

/* Workers marking failures, probes answering and calls counted on one
 * peer at once: every flip is reported exactly once (the flips to
 * inactive and back alternate, so their counts differ by the final
 * state) and no count is lost. */
#define RACE_THREADS 4
#define RACE_ROUNDS 200000
static sip_health race_h;
static const sip_health_cfg race_cfg = { 1, 1 };

struct race_arg {
	int kind;                   /* 0: calls fail, 1: probes answer, 2: probes fail */
	unsigned long downs, ups;
};

static void *race_thread(void *p)
{
	struct race_arg *a = p;
	for (int i = 0; i < RACE_ROUNDS; i++) {
		bool changed;
		sip_health_call_sent(&race_h);
		if (a->kind == 0)
			changed = sip_health_call_failed(&race_h);
		else
			changed = sip_health_probe_result(&race_h, &race_cfg, a->kind == 1);
		if (changed) {
			/* Whoever flipped it saw the state it made, or a later one. */
			if (a->kind == 1)
				a->ups++;
			else
				a->downs++;
		}
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	(void)state;
	sip_health_init(&race_h);
	pthread_t t[RACE_THREADS];
	struct race_arg a[RACE_THREADS] = { { 0, 0, 0 }, { 1, 0, 0 }, { 0, 0, 0 }, { 2, 0, 0 } };
	for (int i = 0; i < RACE_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_thread, &a[i]), 0);
	unsigned long downs = 0, ups = 0;
	for (int i = 0; i < RACE_THREADS; i++) {
		pthread_join(t[i], NULL);
		downs += a[i].downs;
		ups += a[i].ups;
	}
	sip_health_view v;
	sip_health_get(&race_h, &v);
	/* How often it went down and up depends on how the threads were
	 * scheduled (run one after the other, it may never come back); each
	 * change is reported once, so the changes add up to the state. */
	assert_int_equal(downs - ups, v.down ? 1 : 0);
	assert_int_equal(v.calls_sent, (uint64_t)RACE_THREADS * RACE_ROUNDS);
	assert_int_equal(v.timeouts, 2u * RACE_ROUNDS);
	assert_int_equal(v.probes_failed, RACE_ROUNDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_after_n_failures),
		cmocka_unit_test(test_up_after_m_answers),
		cmocka_unit_test(test_call_failed_and_admin),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_weighted_order),
		cmocka_unit_test(test_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
