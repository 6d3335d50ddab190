/* ratelimit module tests (modules/ratelimit/rl_pipe.c) on a clock and a
 * random seed of their own: TAILDROP's fixed seconds, RED's spread of
 * refusals and its rate under overload, TOKEN_BUCKET's burst and refill,
 * a limit or an algorithm changed by a later check, the pipes' counters,
 * the bound on the pipes kept and names too long. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_taildrop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_red, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_bucket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_and_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
