/* The timer wheel (core/timer.h): precise timers come due at their tick,
 * coarse ones at the first multiple of SIP_TIMER_COARSE_MS at least their
 * delay away, so that those armed within one tenth of a second share one
 * wakeup; the loop's timeout (sip_timer_next_ms) follows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/timer.h"

static sip_timer_wheel wheel;
static uint64_t fired_at[8];
static unsigned nfired;

static void on_fire(sip_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	fired_at[nfired++ % 8] = wheel.now_ms;
}

/* The clock moves to "to" tick by tick, as a loop woken every tick. */
static void run_to(uint64_t to)
{
	uint64_t ms = (wheel.now_ms / SIP_TIMER_TICK_MS + 1) * SIP_TIMER_TICK_MS;
	for (; ms <= to; ms += SIP_TIMER_TICK_MS)
		sip_timer_expire(&wheel, ms);
	sip_timer_expire(&wheel, to);
}

static int setup(void **state)
{
	(void)state;
	sip_timer_wheel_init(&wheel, 1000);
	nfired = 0;
	return 0;
}

static void test_precise(void **state)
{
	(void)state;
	sip_timer t;
	sip_timer_init(&t, on_fire, NULL);
	sip_timer_expire(&wheel, 1003);
	sip_timer_add(&wheel, &t, 25);          /* 1028: tick 103, 1030 */
	assert_int_equal(sip_timer_next_ms(&wheel), 27);
	run_to(1020);
	assert_int_equal(nfired, 0);
	run_to(1030);
	assert_int_equal(nfired, 1);
	assert_int_equal(fired_at[0], 1030);
	assert_int_equal(sip_timer_next_ms(&wheel), -1);
}

static void test_coarse_together(void **state)
{
	(void)state;
	sip_timer a, b, c;
	sip_timer_init(&a, on_fire, NULL);
	sip_timer_init(&b, on_fire, NULL);
	sip_timer_init(&c, on_fire, NULL);
	sip_timer_expire(&wheel, 1010);
	sip_timer_add_coarse(&wheel, &a, 0);    /* the next multiple: 1100 */
	sip_timer_expire(&wheel, 1040);
	sip_timer_add_coarse(&wheel, &b, 30);   /* 1070 -> 1100 */
	sip_timer_add_coarse(&wheel, &c, 60);   /* 1100 exactly */
	assert_int_equal(sip_timer_next_ms(&wheel), 60);
	run_to(1090);
	assert_int_equal(nfired, 0);
	run_to(1100);
	assert_int_equal(nfired, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(fired_at[i], 1100);
}

/* Never earlier than asked; 0 at a multiple is the next one, not now. */
static void test_coarse_not_early(void **state)
{
	(void)state;
	sip_timer a, b;
	sip_timer_init(&a, on_fire, NULL);
	sip_timer_init(&b, on_fire, NULL);
	sip_timer_expire(&wheel, 1100);
	sip_timer_add_coarse(&wheel, &a, 0);
	sip_timer_add_coarse(&wheel, &b, 5001);  /* 6101 -> 6200 */
	run_to(1190);
	assert_int_equal(nfired, 0);
	run_to(1200);
	assert_int_equal(nfired, 1);
	run_to(6190);
	assert_int_equal(nfired, 1);
	run_to(6200);
	assert_int_equal(nfired, 2);
	assert_int_equal(fired_at[1], 6200);
	/* re-arming moves a coarse timer like a precise one */
	sip_timer_add_coarse(&wheel, &a, 100);
	sip_timer_add_coarse(&wheel, &a, 300);
	run_to(6490);
	assert_int_equal(nfired, 2);
	run_to(6500);
	assert_int_equal(nfired, 3);
	assert_int_equal(fired_at[2], 6500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_precise, setup),
		cmocka_unit_test_setup(test_coarse_together, setup),
		cmocka_unit_test_setup(test_coarse_not_early, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
