/* pike module tests (modules/pike/pike_table.c) on a clock of their own:
 * the density within one window, the sliding estimate across a window's
 * edge, a steady rate under the density that never trips it, the reset
 * after a source is found hot (it is banned meanwhile) and the mode
 * without a ban, the bound on the sources kept and the sweep of quiet
 * ones; and two tables as two proxies sharing a store of window totals
 * (the merge of their counts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "pike/pike.h"

static tp_addr_key ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	tp_addr_key k = { .family = AF_INET, .len = 4, .b = { a, b, c, d } };
	return k;
}

/* Hits of k at now until one is refused; how many passed (at most max). */
static unsigned hits_until_hot(pike_table *p, const tp_addr_key *k, uint64_t now, unsigned max)
{
	for (unsigned i = 0; i < max; i++)
		if (!pike_table_hit(p, k, now, true))
			return i;
	return max;
}

static void test_density(void **state)
{
	(void)state;
	pike_table p;
	assert_int_equal(pike_table_init(&p, 1000, 10, 100), SIP_OK);
	tp_addr_key a = ip4(192, 0, 2, 1), b = ip4(192, 0, 2, 2);
	/* Ten requests within the window pass, the eleventh is refused. */
	assert_int_equal(hits_until_hot(&p, &a, 5000, 100), 10);
	/* Each source counts alone. */
	assert_int_equal(hits_until_hot(&p, &b, 5001, 100), 10);
	/* A source found hot starts again from zero (it was banned). */
	assert_int_equal(pike_table_load(&p, &a, 5002), 0);
	assert_int_equal(hits_until_hot(&p, &a, 5002, 100), 10);
	pike_table_destroy(&p);
}

/* The sliding window: ten requests at the end of one window still weigh
 * on the start of the next, by the part of the window they are within. */
static void test_sliding_edge(void **state)
{
	(void)state;
	pike_table p;
	assert_int_equal(pike_table_init(&p, 1000, 10, 100), SIP_OK);
	tp_addr_key a = ip4(198, 51, 100, 1);
	for (int i = 0; i < 10; i++)
		assert_true(pike_table_hit(&p, &a, 1900 + (uint64_t)i, true));
	/* At 2100 the previous window counts for 0.9 of ten: nine. */
	assert_int_equal(pike_table_load(&p, &a, 2100), 9);
	assert_true(pike_table_hit(&p, &a, 2100, true));       /* 9 + 1 */
	assert_false(pike_table_hit(&p, &a, 2100, true));      /* 9 + 2 */
	/* A single fixed window would have let twenty through across the
	 * edge; after a whole window of silence the count is empty. */
	assert_int_equal(pike_table_load(&p, &a, 4000), 0);
	pike_table_destroy(&p);
}

/* A steady rate just under the density never trips, however its requests
 * fall against the windows' edges; a little over it trips within two
 * windows. */
static void test_steady_rate(void **state)
{
	(void)state;
	pike_table p;
	assert_int_equal(pike_table_init(&p, 2000, 30, 100), SIP_OK);
	tp_addr_key a = ip4(203, 0, 113, 5), b = ip4(203, 0, 113, 6);
	/* 15 a second = 30 a window: one every 66.6 ms, for a minute. */
	for (uint64_t t = 0; t < 60000; t += 67)
		assert_true(pike_table_hit(&p, &a, 100000 + t, true));
	/* 20 a second = 40 a window. */
	uint64_t t = 0;
	while (pike_table_hit(&p, &b, 100000 + t, true))
		t += 50;
	assert_true(t < 4000);
	assert_true(t >= 1500);
	pike_table_destroy(&p);
}

/* Without a ban (blocking_time 0) a hot source stays hot, one request
 * after the other, until its rate comes down. */
static void test_no_reset(void **state)
{
	(void)state;
	pike_table p;
	assert_int_equal(pike_table_init(&p, 1000, 5, 100), SIP_OK);
	tp_addr_key a = ip4(192, 0, 2, 50);
	for (int i = 0; i < 5; i++)
		assert_true(pike_table_hit(&p, &a, 10000, false));
	for (int i = 0; i < 20; i++)
		assert_false(pike_table_hit(&p, &a, 10000 + (uint64_t)i, false));
	/* Two windows later the old requests no longer count. */
	assert_true(pike_table_hit(&p, &a, 12000, false));
	pike_table_destroy(&p);
}

/* At most max sources: the least recently seen is forgotten first (its
 * count with it); quiet sources are swept after two windows. */
static void test_bound_and_sweep(void **state)
{
	(void)state;
	pike_table p;
	assert_int_equal(pike_table_init(&p, 1000, 3, 3), SIP_OK);
	tp_addr_key a = ip4(10, 0, 0, 1), b = ip4(10, 0, 0, 2), c = ip4(10, 0, 0, 3),
		    d = ip4(10, 0, 0, 4);
	assert_true(pike_table_hit(&p, &a, 1000, true));
	assert_true(pike_table_hit(&p, &b, 1001, true));
	assert_true(pike_table_hit(&p, &c, 1002, true));
	assert_true(pike_table_hit(&p, &a, 1003, true));       /* a is the newest now */
	assert_int_equal(pike_table_count(&p), 3);
	assert_true(pike_table_hit(&p, &d, 1004, true));       /* b goes */
	assert_int_equal(pike_table_count(&p), 3);
	assert_int_equal(pike_table_load(&p, &b, 1004), 0);
	assert_int_equal(pike_table_load(&p, &a, 1004), 2);
	assert_int_equal(pike_table_load(&p, &c, 1004), 1);
	/* Nothing is quiet for two windows yet; then c (1002) and a (1003). */
	assert_int_equal(pike_table_sweep(&p, 2999), 0);
	assert_int_equal(pike_table_sweep(&p, 3003), 2);
	assert_int_equal(pike_table_count(&p), 1);
	assert_int_equal(pike_table_sweep(&p, 3004), 1);
	assert_int_equal(pike_table_count(&p), 0);
	pike_table_destroy(&p);
	assert_int_equal(pike_table_init(&p, 0, 3, 3), SIP_EINVAL);
	assert_int_equal(pike_table_init(&p, 1000, 3, 0), SIP_EINVAL);
	pike_table_destroy(&p);
}

/* IPv6 sources are keyed by their whole address. */
static void test_ipv6(void **state)
{
	(void)state;
	pike_table p;
	assert_int_equal(pike_table_init(&p, 1000, 2, 10), SIP_OK);
	tp_addr_key a = { .family = AF_INET6, .len = 16, .b = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	tp_addr_key b = a;
	b.b[15] = 2;
	assert_int_equal(hits_until_hot(&p, &a, 1000, 10), 2);
	assert_int_equal(hits_until_hot(&p, &b, 1000, 10), 2);
	pike_table_destroy(&p);
}

/* ---- two tables as two proxies sharing a store of window totals ---- */

/* Per window, for 192.0.2.7 and 192.0.2.8. */
static uint64_t store_cnt[2][64];

struct push_arg {
	pike_table *p;
	unsigned n;
};

/* As pike_fn.c does a round: push, and the totals back to the table. */
static void push_one(const tp_addr_key *k, const pike_push *ps, void *arg)
{
	struct push_arg *a = arg;
	assert_true(ps->win >= 1 && ps->win < 64 && (k->b[3] == 7 || k->b[3] == 8));
	uint64_t *c = store_cnt[k->b[3] - 7];
	c[ps->win] += ps->add;
	c[ps->win - 1] += ps->add_prev;
	pike_table_remote(a->p, k, ps, c[ps->win], c[ps->win - 1]);
	a->n++;
}

static unsigned sync_table(pike_table *p, uint64_t now, uint64_t since)
{
	struct push_arg a = { p, 0 };
	unsigned n = pike_table_push(p, now, since, 100, push_one, &a);
	assert_int_equal(n, a.n);
	return n;
}

/* A source sending to two proxies: each counts its own requests and
 * the other's as last read from the store; the density holds for the
 * sum; the other's counts slide into the window before, and are
 * forgotten when the store goes away. */
static void test_cluster_merge(void **state)
{
	(void)state;
	memset(store_cnt, 0, sizeof store_cnt);
	pike_table a, b;
	assert_int_equal(pike_table_init(&a, 1000, 10, 100), SIP_OK);
	assert_int_equal(pike_table_init(&b, 1000, 10, 100), SIP_OK);
	tp_addr_key k = ip4(192, 0, 2, 7), other = ip4(192, 0, 2, 8);
	for (int i = 0; i < 6; i++) {
		assert_true(pike_table_hit(&a, &k, 10100 + i, true));
		assert_true(pike_table_hit(&b, &k, 10100 + i, true));
	}
	assert_true(pike_table_hit(&b, &other, 10100, true));
	assert_int_equal(sync_table(&a, 10200, 0), 1);
	assert_int_equal(sync_table(&b, 10200, 0), 2);
	assert_int_equal(store_cnt[0][10], 12);
	assert_int_equal(store_cnt[1][10], 1);
	/* Nothing new: nothing pushed. */
	assert_int_equal(sync_table(&b, 10300, 10200), 0);
	/* b knows of a's 6; a read before b pushed. */
	assert_int_equal(pike_table_load(&b, &k, 10300), 12);
	assert_int_equal(pike_table_load(&a, &k, 10300), 6);
	/* 6 here and 6 there: the sum is over the density of 10. */
	assert_false(pike_table_hit(&b, &k, 10300, true));
	/* Found hot: counted again from zero here, and not the others'. */
	assert_int_equal(pike_table_load(&b, &k, 10300), 0);
	/* a learns of b's pushed requests at its next round (b's 7th is
	 * not pushed yet). */
	assert_true(pike_table_hit(&a, &k, 10400, true));
	assert_int_equal(sync_table(&a, 10500, 10200), 1);
	assert_int_equal(pike_table_load(&a, &k, 10500), 7 + 6);
	assert_false(pike_table_hit(&a, &k, 10500, false));
	/* The next window: the counts of window 10 slide into the one
	 * before (half of it left at 11500). */
	assert_int_equal(pike_table_load(&a, &k, 11500), (8 + 6) / 2);
	pike_table_forget_remote(&a);
	assert_int_equal(pike_table_load(&a, &k, 11500), 8 / 2);
	pike_table_destroy(&a);
	pike_table_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_density),
		cmocka_unit_test(test_sliding_edge),
		cmocka_unit_test(test_steady_rate),
		cmocka_unit_test(test_no_reset),
		cmocka_unit_test(test_bound_and_sweep),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_cluster_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
