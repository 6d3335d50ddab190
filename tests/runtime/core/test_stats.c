#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/stats.h"
#include "core/status.h"

static int64_t gauge_value;
static int64_t test_gauge(void) { return gauge_value; }

static int reset(void **state)
{
	(void)state;
	sip_stat_clear();
	return 0;
}

static void test_counter_and_gauge(void **state)
{
	(void)state;
	static int64_t rx;
	bool found = true;
	assert_int_equal(sip_stat_counter("core.rx", &rx), SIP_OK);
	assert_int_equal(sip_stat_gauge("dialog.active", test_gauge), SIP_OK);
	rx += 3;
	gauge_value = 7;
	assert_int_equal(sip_stat_get(SIP_STR_LIT("core.rx"), &found), 3);
	assert_true(found);
	assert_int_equal(sip_stat_get(SIP_STR_LIT("dialog.active"), NULL), 7);
	gauge_value = 2;
	assert_int_equal(sip_stat_get(SIP_STR_LIT("dialog.active"), NULL), 2);
	/* Unknown names read 0. */
	assert_int_equal(sip_stat_get(SIP_STR_LIT("core.nothing"), &found), 0);
	assert_false(found);
	assert_int_equal(sip_stat_get(SIP_STR_LIT("bad name!"), &found), 0);
	assert_false(found);
	assert_int_equal(sip_stat_count(), 2);
	/* A name registered again points at the new counter. */
	static int64_t rx2 = 11;
	assert_int_equal(sip_stat_counter("core.rx", &rx2), SIP_OK);
	assert_int_equal(sip_stat_get(SIP_STR_LIT("core.rx"), NULL), 11);
	assert_int_equal(sip_stat_count(), 2);
}

static void test_policy_counters(void **state)
{
	(void)state;
	static int64_t layer;
	sip_stat_counter("core.relayed", &layer);
	sip_stat_gauge("tm.active", test_gauge);
	assert_int_equal(sip_stat_update(SIP_STR_LIT("policy.calls"), 1), SIP_OK);
	assert_int_equal(sip_stat_update(SIP_STR_LIT("policy.calls"), 4), SIP_OK);
	assert_int_equal(sip_stat_update(SIP_STR_LIT("policy.calls"), -2), SIP_OK);
	assert_int_equal(sip_stat_get(SIP_STR_LIT("policy.calls"), NULL), 3);
	/* The name is copied: the caller's buffer may change. */
	char buf[32];
	strcpy(buf, "policy.tmp");
	assert_int_equal(sip_stat_update(sip_str_make(buf, strlen(buf)), 5), SIP_OK);
	memset(buf, 'x', sizeof buf - 1);
	assert_int_equal(sip_stat_get(SIP_STR_LIT("policy.tmp"), NULL), 5);
	/* The policy cannot change what a layer owns. */
	assert_int_equal(sip_stat_update(SIP_STR_LIT("core.relayed"), 1), SIP_EINVAL);
	assert_int_equal(sip_stat_update(SIP_STR_LIT("tm.active"), 1), SIP_EINVAL);
	assert_int_equal(layer, 0);
	/* Bad names. */
	assert_int_equal(sip_stat_update(SIP_STR_LIT(""), 1), SIP_EINVAL);
	assert_int_equal(sip_stat_update(SIP_STR_LIT("a b"), 1), SIP_EINVAL);
	char longname[SIP_STAT_NAME_MAX + 1];
	memset(longname, 'a', sizeof longname);
	assert_int_equal(sip_stat_update(sip_str_make(longname, SIP_STAT_NAME_MAX), 1), SIP_EINVAL);
	assert_int_equal(sip_stat_update(sip_str_make(longname, SIP_STAT_NAME_MAX - 1), 1), SIP_OK);
	assert_int_equal(sip_stat_counter("bad name", &layer), SIP_EINVAL);
	assert_int_equal(sip_stat_counter("core.x", NULL), SIP_EINVAL);
}

static void test_full_registry(void **state)
{
	(void)state;
	char name[32];
	for (unsigned i = 0; i < SIP_STAT_MAX; i++) {
		snprintf(name, sizeof name, "policy.c%u", i);
		assert_int_equal(sip_stat_update(sip_str_make(name, strlen(name)), i), SIP_OK);
	}
	assert_int_equal(sip_stat_update(SIP_STR_LIT("policy.one_more"), 1), SIP_ELIMIT);
	static int64_t v;
	assert_int_equal(sip_stat_counter("core.late", &v), SIP_ELIMIT);
	/* Every one still found, through collisions. */
	for (unsigned i = 0; i < SIP_STAT_MAX; i++) {
		snprintf(name, sizeof name, "policy.c%u", i);
		assert_int_equal(sip_stat_get(sip_str_make(name, strlen(name)), NULL), i);
	}
	/* Existing names still update when full. */
	assert_int_equal(sip_stat_update(SIP_STR_LIT("policy.c0"), 9), SIP_OK);
	assert_int_equal(sip_stat_get(SIP_STR_LIT("policy.c0"), NULL), 9);
}

struct walk {
	char names[256];
	int64_t sum;
	unsigned n;
};

static void walk_fn(const char *name, int64_t v, void *arg)
{
	struct walk *w = arg;
	strcat(w->names, name);
	strcat(w->names, " ");
	w->sum += v;
	w->n++;
}

static void test_foreach_prefix(void **state)
{
	(void)state;
	static int64_t a = 1, b = 2, c = 4;
	sip_stat_counter("core.a", &a);
	sip_stat_counter("tm.b", &b);
	sip_stat_counter("core.c", &c);
	struct walk w = { "", 0, 0 };
	sip_stat_foreach(SIP_STR_LIT("core."), walk_fn, &w);
	assert_string_equal(w.names, "core.a core.c ");
	assert_int_equal(w.sum, 5);
	memset(&w, 0, sizeof w);
	sip_stat_foreach(SIP_STR_NULL, walk_fn, &w);
	assert_string_equal(w.names, "core.a tm.b core.c ");
	assert_int_equal(w.n, 3);
	memset(&w, 0, sizeof w);
	sip_stat_foreach(SIP_STR_LIT("nothing"), walk_fn, &w);
	assert_int_equal(w.n, 0);
}

/* A counter kept once per worker reads as the sum of the copies. */
static void test_counter_array(void **state)
{
	(void)state;
	static struct { int64_t a, b; } per[3];
	assert_int_equal(sip_stat_counter_array("core.per", &per[0].b, sizeof per[0], 3), SIP_OK);
	per[0].b = 1;
	per[1].b = 20;
	per[2].b = 300;
	per[1].a = 5000;        /* another field: not counted */
	assert_int_equal(sip_stat_get(SIP_STR_LIT("core.per"), NULL), 321);
	assert_int_equal(sip_stat_counter_array("core.bad", NULL, sizeof per[0], 3), SIP_EINVAL);
	assert_int_equal(sip_stat_counter_array("core.bad", &per[0].a, sizeof per[0], 0), SIP_EINVAL);
	/* Registered again as a plain counter: one copy. */
	assert_int_equal(sip_stat_counter("core.per", &per[2].b), SIP_OK);
	assert_int_equal(sip_stat_get(SIP_STR_LIT("core.per"), NULL), 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_counter_and_gauge, reset),
		cmocka_unit_test_setup(test_counter_array, reset),
		cmocka_unit_test_setup(test_policy_counters, reset),
		cmocka_unit_test_setup(test_full_registry, reset),
		cmocka_unit_test_setup(test_foreach_prefix, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
