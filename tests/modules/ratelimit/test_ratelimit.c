/* ratelimit module tests (modules/ratelimit/rl_pipe.c) on a clock and a
 * random seed of their own: TAILDROP's fixed seconds, RED's spread of
 * refusals and its rate under overload, TOKEN_BUCKET's burst and refill,
 * a limit or an algorithm changed by a later check, the pipes' counters,
 * the bound on the pipes kept and names too long; and two tables as two
 * proxies sharing a store of per-second totals: the merge of their
 * counts and each algorithm's total over both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "ratelimit/ratelimit.h"

static rl_table T;

static int setup(void **state)
{
	(void)state;
	return rl_table_init(&T, 100, 12345) == SIP_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rl_table_destroy(&T);
	return 0;
}

static bool check(const char *name, uint32_t limit, int algo, uint64_t now)
{
	const char *err;
	bool ok = rl_table_check(&T, sip_str_make(name, strlen(name)), limit, algo, now, &err);
	assert_null(err);
	return ok;
}

/* n requests spread evenly over [from, from + span) ms; how many passed. */
static unsigned offer(const char *name, uint32_t limit, int algo, uint64_t from, uint64_t span,
		      unsigned n)
{
	unsigned passed = 0;
	for (unsigned i = 0; i < n; i++)
		passed += check(name, limit, algo, from + span * i / n);
	return passed;
}

static void test_taildrop(void **state)
{
	(void)state;
	/* 30 requests in the first 300 ms of a second: 10 pass, then none
	 * until the next second, whose first 10 pass again. */
	unsigned passed = 0, first_refused = 0;
	for (unsigned i = 0; i < 30; i++) {
		bool ok = check("td", 10, RL_ALGO_TAILDROP, 5000 + i * 10);
		passed += ok;
		if (!ok && !first_refused)
			first_refused = i + 1;
	}
	assert_int_equal(passed, 10);
	assert_int_equal(first_refused, 11);
	assert_false(check("td", 10, RL_ALGO_TAILDROP, 5999));
	assert_int_equal(offer("td", 10, RL_ALGO_TAILDROP, 6000, 1000, 30), 10);
	/* The fixed window's weakness, as documented: 10 at the end of one
	 * second and 10 at the start of the next all pass. */
	assert_int_equal(offer("td", 10, RL_ALGO_TAILDROP, 8900, 100, 10), 10);
	assert_int_equal(offer("td", 10, RL_ALGO_TAILDROP, 9000, 100, 10), 10);
	rl_pipe *p = rl_table_find(&T, sip_str_make("td", 2));
	assert_non_null(p);
	assert_int_equal(p->passed, 40);
	assert_int_equal(p->refused, 41);
	assert_string_equal(rl_algo_name(p->algo), "TAILDROP");
}

/* RED under three times its limit for ten seconds: about the limit a
 * second passes, and the refusals are spread over each second (requests
 * at the end of a second pass too), which TAILDROP does not do. */
static void test_red(void **state)
{
	(void)state;
	unsigned passed = offer("red", 100, RL_ALGO_RED, 20000, 10000, 3000);
	assert_in_range(passed, 900, 1200);
	unsigned late = 0, late_td = 0;
	for (uint64_t s = 31000; s < 41000; s += 1000) {
		for (unsigned i = 0; i < 300; i++) {
			uint64_t t = s + i * 1000 / 300;
			bool ok = check("red", 100, RL_ALGO_RED, t);
			bool ok_td = check("td", 100, RL_ALGO_TAILDROP, t);
			if (i >= 200) {
				late += ok;
				late_td += ok_td;
			}
		}
	}
	assert_int_equal(late_td, 0);
	assert_in_range(late, 200, 500);        /* about a third of 1000 */
	/* Within the limit, RED refuses nothing. */
	assert_int_equal(offer("red2", 100, RL_ALGO_RED, 50000, 10000, 900), 900);
	assert_int_equal(rl_pipe_load(rl_table_find(&T, sip_str_make("red2", 4)), 60000), 90);
}

static void test_token_bucket(void **state)
{
	(void)state;
	/* A full bucket: a burst of 10 at once, then one token every 100 ms. */
	assert_int_equal(offer("tb", 10, RL_ALGO_TOKEN_BUCKET, 1000, 0, 20), 10);
	assert_false(check("tb", 10, RL_ALGO_TOKEN_BUCKET, 1099));
	assert_true(check("tb", 10, RL_ALGO_TOKEN_BUCKET, 1100));
	assert_false(check("tb", 10, RL_ALGO_TOKEN_BUCKET, 1150));
	assert_true(check("tb", 10, RL_ALGO_TOKEN_BUCKET, 1200));
	/* Under steady overload, exactly the rate: 50 in five seconds. */
	assert_int_equal(offer("tb", 10, RL_ALGO_TOKEN_BUCKET, 1210, 5000, 500), 50);
	/* A quiet minute refills the bucket to its size, not beyond. */
	assert_int_equal(offer("tb", 10, RL_ALGO_TOKEN_BUCKET, 70000, 0, 30), 10);
}

/* A later check with another limit changes it; with another algorithm,
 * the algorithm (its counting starts again); a limit of 0 refuses all. */
static void test_changes(void **state)
{
	(void)state;
	assert_int_equal(offer("p", 5, RL_ALGO_TAILDROP, 1000, 100, 10), 5);
	assert_int_equal(offer("p", 8, RL_ALGO_TAILDROP, 1100, 100, 10), 3);
	rl_pipe *p = rl_table_find(&T, sip_str_make("p", 1));
	assert_int_equal(p->limit, 8);
	assert_int_equal(offer("p", 8, RL_ALGO_TOKEN_BUCKET, 1200, 0, 10), 8);
	assert_int_equal(p->algo, RL_ALGO_TOKEN_BUCKET);
	/* A lower limit empties the bucket down to its new size. */
	assert_int_equal(offer("q", 10, RL_ALGO_TOKEN_BUCKET, 1000, 0, 1), 1);
	assert_int_equal(offer("q", 3, RL_ALGO_TOKEN_BUCKET, 1000, 0, 10), 3);
	assert_int_equal(offer("z", 0, RL_ALGO_TAILDROP, 1000, 1000, 10), 0);
	assert_int_equal(offer("z", 0, RL_ALGO_RED, 1000, 1000, 10), 0);
	assert_int_equal(offer("z", 0, RL_ALGO_TOKEN_BUCKET, 1000, 1000, 10), 0);
	assert_int_equal(rl_algo_parse("RED"), RL_ALGO_RED);
	assert_int_equal(rl_algo_parse("red"), 0);
}

/* At most max pipes: the one checked least recently goes. Names longer
 * than RL_NAME_MAX pass uncounted with an error. */
static void test_bound_and_names(void **state)
{
	(void)state;
	rl_table_destroy(&T);
	assert_int_equal(rl_table_init(&T, 2, 1), SIP_OK);
	check("a", 1, RL_ALGO_TAILDROP, 1000);
	check("b", 1, RL_ALGO_TAILDROP, 1000);
	check("a", 1, RL_ALGO_TAILDROP, 1001);
	check("c", 1, RL_ALGO_TAILDROP, 1002);
	assert_int_equal(T.n, 2);
	assert_null(rl_table_find(&T, sip_str_make("b", 1)));
	rl_pipe *a = rl_table_find(&T, sip_str_make("a", 1));
	assert_non_null(a);
	assert_int_equal(a->refused, 1);
	char longname[RL_NAME_MAX + 2];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	const char *err;
	for (int i = 0; i < 5; i++)
		assert_true(rl_table_check(&T, sip_str_make(longname, strlen(longname)), 0,
					   RL_ALGO_TAILDROP, 1000, &err));
	assert_non_null(err);
	assert_int_equal(T.n, 2);
	longname[RL_NAME_MAX] = '\0';
	assert_false(rl_table_check(&T, sip_str_make(longname, strlen(longname)), 0,
				    RL_ALGO_TAILDROP, 1000, &err));
	assert_null(err);
}

/* ---- several proxies: two tables and a store of per-second totals ---- */

/* The store's counts of one pipe: offered and passed per second. */
static struct {
	uint64_t o[64], p[64];
} S;
static rl_table T2;

struct sync_arg {
	rl_table *t;
	unsigned n;
	rl_push ps;
};

static void sync_one(sip_str name, const rl_push *ps, void *arg)
{
	struct sync_arg *a = arg;
	(void)name;
	assert_true(ps->win >= 1 && ps->win < 64);
	S.o[ps->win] += ps->add_o;
	S.p[ps->win] += ps->add_p;
	S.o[ps->win - 1] += ps->add_prev_o;
	S.p[ps->win - 1] += ps->add_prev_p;
	a->ps = *ps;
	a->n++;
}

/* One round of t with the store, as rl_fn.c does it: push, then the
 * totals back (the script answers them after the push). */
static unsigned sync_table(rl_table *t, uint64_t now, uint64_t since)
{
	struct sync_arg a = { t, 0, { 0 } };
	rl_table_push(t, now, since, 100, sync_one, &a);
	if (a.n) {
		rl_pipe *p = rl_table_find(t, sip_str_make("c", 1));
		assert_non_null(p);
		rl_pipe_remote(t, p, &a.ps, S.o[a.ps.win], S.p[a.ps.win], S.o[a.ps.win - 1],
			       S.p[a.ps.win - 1]);
	}
	return a.n;
}

static bool check2(rl_table *t, uint32_t limit, int algo, uint64_t now)
{
	const char *err;
	bool ok = rl_table_check(t, sip_str_make("c", 1), limit, algo, now, &err);
	assert_null(err);
	return ok;
}

/* Requests alternating between the two proxies every step_ms from from
 * to to, the proxies syncing every sync_ms (0: never); how many passed
 * on both. */
static unsigned offer2(uint32_t limit, int algo, uint64_t from, uint64_t to, uint64_t step_ms,
		       uint64_t sync_ms)
{
	unsigned passed = 0;
	uint64_t since1 = 0, since2 = 0, next = from + sync_ms;
	bool one = true;
	for (uint64_t t = from; t < to; t += step_ms, one = !one) {
		if (sync_ms && t >= next) {
			sync_table(&T, t, since1);
			since1 = t;
			sync_table(&T2, t, since2);
			since2 = t;
			next += sync_ms;
		}
		passed += check2(one ? &T : &T2, limit, algo, t);
	}
	return passed;
}

static int setup2(void **state)
{
	(void)state;
	memset(&S, 0, sizeof S);
	return rl_table_init(&T, 100, 12345) == SIP_OK && rl_table_init(&T2, 100, 777) == SIP_OK ? 0 : -1;
}

static int teardown2(void **state)
{
	(void)state;
	rl_table_destroy(&T);
	rl_table_destroy(&T2);
	return 0;
}

/* The merge of the counts: what is pushed is what was counted since
 * the last push, the totals less this proxy's part are the other
 * proxy's, they count in the decisions of the second they are of and as
 * the second before in the next one, and they are forgotten when the
 * store goes away. */
static void test_cluster_merge(void **state)
{
	(void)state;
	/* 3 passed on the first proxy, 4 on the second, in second 10. */
	for (int i = 0; i < 3; i++)
		assert_true(check2(&T, 10, RL_ALGO_TAILDROP, 10100 + i));
	for (int i = 0; i < 4; i++)
		assert_true(check2(&T2, 10, RL_ALGO_TAILDROP, 10100 + i));
	assert_int_equal(sync_table(&T, 10200, 0), 1);
	assert_int_equal(S.o[10], 3);
	assert_int_equal(S.p[10], 3);
	assert_int_equal(sync_table(&T2, 10200, 0), 1);
	assert_int_equal(S.p[10], 7);
	/* Nothing new: nothing pushed. */
	assert_int_equal(sync_table(&T2, 10250, 10200), 0);
	/* The first proxy has not heard of the second's 4 yet: it read its
	 * totals before they were added. */
	rl_pipe *p1 = rl_table_find(&T, sip_str_make("c", 1));
	assert_int_equal(rl_pipe_load_all(&T, p1, 10300), 3);
	assert_true(check2(&T, 10, RL_ALGO_TAILDROP, 10300));
	assert_int_equal(sync_table(&T, 10400, 10200), 1);
	assert_int_equal(S.p[10], 8);
	assert_int_equal(rl_pipe_load_all(&T, p1, 10400), 8);
	/* 4 + 4 of 10: two more pass, wherever they come. */
	assert_true(check2(&T, 10, RL_ALGO_TAILDROP, 10500));
	assert_true(check2(&T, 10, RL_ALGO_TAILDROP, 10501));
	assert_false(check2(&T, 10, RL_ALGO_TAILDROP, 10502));
	/* The next second: the first proxy's counts of second 10 go as the
	 * second before (pushed late), the other's stay known as such. */
	assert_true(check2(&T, 10, RL_ALGO_TAILDROP, 11000));
	assert_int_equal(sync_table(&T, 11000, 10400), 1);
	assert_int_equal(S.o[10], 4 + 7);   /* 3 + 1 + 3 offered here (1 refused) */
	assert_int_equal(S.p[10], 4 + 6);
	assert_int_equal(S.o[11], 1);
	/* Half of second 11 left: 1 + (7 + 4) / 2. */
	assert_int_equal(rl_pipe_load_all(&T, p1, 11500), 1 + 11 / 2);
	assert_int_equal(rl_pipe_load(p1, 11500), 1 + 7 / 2);
	/* The store goes away: local counts only. */
	rl_table_forget_remote(&T);
	assert_int_equal(rl_pipe_load_all(&T, p1, 11500), 1 + 7 / 2);
}

/* Load over two proxies: with the counts synced every 100 ms the
 * limit holds for the sum within the stated overshoot (what the other
 * passed in two intervals); without, each proxy passes its own limit. */
static void test_cluster_taildrop(void **state)
{
	(void)state;
	/* 100 requests a second on each proxy for 3 s, a limit of 20. */
	unsigned alone = offer2(20, RL_ALGO_TAILDROP, 20000, 23000, 5, 0);
	assert_int_equal(alone, 2 * 3 * 20);
	memset(&S, 0, sizeof S);
	rl_table_destroy(&T);
	rl_table_destroy(&T2);
	assert_int_equal(setup2(NULL), 0);
	unsigned shared = offer2(20, RL_ALGO_TAILDROP, 30000, 33000, 5, 100);
	/* Each second: at least the limit; at most what the other proxy
	 * got in two intervals (2 x 10) more. */
	assert_in_range(shared, 3 * 20, 3 * (20 + 20));
}

static void test_cluster_token_bucket(void **state)
{
	(void)state;
	unsigned alone = offer2(20, RL_ALGO_TOKEN_BUCKET, 20000, 24000, 5, 0);
	memset(&S, 0, sizeof S);
	rl_table_destroy(&T);
	rl_table_destroy(&T2);
	assert_int_equal(setup2(NULL), 0);
	unsigned shared = offer2(20, RL_ALGO_TOKEN_BUCKET, 30000, 34000, 5, 100);
	/* Alone: a bucket and 4 s of refill on each (2 x 100). Shared: one
	 * bucket's burst on each before they hear of each other, then the
	 * refill of one, with the overshoot of two intervals a second. */
	assert_in_range(alone, 2 * 95, 2 * 101);
	assert_in_range(shared, 4 * 20, 2 * 20 + 4 * 20 + 4 * 20);
	assert_true(shared < alone * 3 / 4);
}

static void test_cluster_red(void **state)
{
	(void)state;
	unsigned alone = offer2(20, RL_ALGO_RED, 20000, 24000, 5, 0);
	memset(&S, 0, sizeof S);
	rl_table_destroy(&T);
	rl_table_destroy(&T2);
	assert_int_equal(setup2(NULL), 0);
	unsigned shared = offer2(20, RL_ALGO_RED, 30000, 34000, 5, 100);
	/* RED passes about the limit a second of the load it sees (more
	 * in the first second, with no second before to measure). */
	assert_in_range(alone, 2 * 4 * 20 * 8 / 10, 2 * 4 * 20 * 13 / 10);
	assert_in_range(shared, 4 * 20 * 8 / 10, 4 * 20 * 17 / 10);
	assert_true(shared < alone * 3 / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_taildrop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_red, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_bucket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_and_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cluster_merge, setup2, teardown2),
		cmocka_unit_test_setup_teardown(test_cluster_taildrop, setup2, teardown2),
		cmocka_unit_test_setup_teardown(test_cluster_token_bucket, setup2, teardown2),
		cmocka_unit_test_setup_teardown(test_cluster_red, setup2, teardown2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
