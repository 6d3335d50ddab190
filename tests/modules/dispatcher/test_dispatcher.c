/* The dispatcher's destination cache, loaded from a database migrated to
 * the current schema (sets, priority order, a bad row left out, a reload
 * that sees a change), and its algorithms: the shares of the call-id
 * hash, round robin and weighted, priority order, inactive destinations
 * skipped, a hash moving only the calls of a destination that is down.
 * With DB_URL unset it runs on a temporary SQLite file;
 * test_dispatcher_pgsql.sh sets DB_URL to a PostgreSQL server it started. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "core/hash.h"
#include "core/status.h"
#include "dispatcher/dispatcher.h"

static char path[256];
static db *d;

static void dst(int64_t setid, const char *uri, int flags, int prio, int weight)
{
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INSERT INTO dispatcher (setid, destination, flags, priority,"
				    " weight, attrs) VALUES ($1, $2, $3, $4, $5, 'a=1')", &st), SIP_OK);
	assert_int_equal(db_bind_int(st, 1, setid), SIP_OK);
	assert_int_equal(db_bind_text(st, 2, sip_str_make(uri, strlen(uri))), SIP_OK);
	assert_int_equal(db_bind_int(st, 3, flags), SIP_OK);
	assert_int_equal(db_bind_int(st, 4, prio), SIP_OK);
	assert_int_equal(db_bind_int(st, 5, weight), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

static int setup(void **state)
{
	(void)state;
	char url[4096];
	const char *env = getenv("DB_URL");
	if (env && *env) {
		snprintf(url, sizeof url, "%s", env);
		path[0] = '\0';
	} else {
		snprintf(path, sizeof path, "/tmp/test_dispatcher.%ld.db", (long)getpid());
		unlink(path);
		snprintf(url, sizeof url, "sqlite:%s", path);
	}
	if (db_open(url, &d) != SIP_OK)
		return -1;
	if (db_schema_drop(d) != SIP_OK || db_schema_migrate(d) != SIP_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ds_cache_clear();
	db_close(d);
	if (path[0])
		unlink(path);
	return 0;
}

static void test_load(void **state)
{
	(void)state;
	dst(2, "sip:10.0.0.1:5060", 0, 0, 1);
	dst(1, "sip:10.0.0.2", 0, 1, 1);
	dst(1, "sip:10.0.0.3;transport=tcp", 0, 9, 2);
	dst(1, "tel:+49301234", 0, 0, 1);          /* left out: not sip: */
	assert_int_equal(ds_refresh(d), SIP_OK);
	assert_int_equal(ds_set_count(), 2);
	assert_int_equal(ds_dst_count(), 3);
	const ds_set *s = ds_set_find(1);
	assert_non_null(s);
	assert_int_equal(s->n, 2);
	/* Highest priority first. */
	assert_true(sip_str_eq(s->dsts[0].uri, SIP_STR_LIT("sip:10.0.0.3;transport=tcp")));
	assert_int_equal(s->dsts[0].weight, 2);
	assert_true(sip_str_eq(s->dsts[0].attrs, SIP_STR_LIT("a=1")));
	assert_null(ds_set_find(3));
	assert_int_equal(ds_set_at(0)->id, 1);
	assert_int_equal(ds_set_at(1)->id, 2);
	/* A change is seen at the next load. */
	dst(3, "sip:h.example.com", 1, 0, 1);
	assert_int_equal(ds_refresh(d), SIP_OK);
	assert_non_null(ds_set_find(3));
	assert_int_equal(ds_set_find(3)->dsts[0].flags, DS_FLAG_DISABLED);
}

static void test_uri_check(void **state)
{
	(void)state;
	assert_null(ds_uri_check(SIP_STR_LIT("sip:10.0.0.1:5060")));
	assert_null(ds_uri_check(SIP_STR_LIT("sips:gw.example.com")));
	assert_non_null(ds_uri_check(SIP_STR_LIT("")));
	assert_non_null(ds_uri_check(SIP_STR_LIT("tel:+4930")));
	assert_non_null(ds_uri_check(SIP_STR_LIT("foo bar")));
	assert_true(ds_alg_valid(DS_ALG_WEIGHTED));
	assert_false(ds_alg_valid(5));
	assert_false(ds_alg_valid(-1));
}

/* A set of n destinations, all usable, weight 1, no table. */
static ds_dst dsts[8];
static ds_set mkset(unsigned n)
{
	memset(dsts, 0, sizeof dsts);
	for (unsigned i = 0; i < n; i++) {
		dsts[i].id = i + 1;
		dsts[i].weight = 1;
	}
	return (ds_set){ .id = 1, .dsts = dsts, .n = n };
}

static void test_round_robin(void **state)
{
	(void)state;
	ds_set s = mkset(3);
	bool up[3] = { true, true, true };
	unsigned out[8], hits[3] = { 0 };
	for (uint32_t rr = 0; rr < 30; rr++) {
		assert_int_equal(ds_order(&s, DS_ALG_ROUND_ROBIN, up, 0, rr, 0, out, 8), 3);
		hits[out[0]]++;
		/* The failover order follows the set. */
		assert_int_equal(out[1], (out[0] + 1) % 3);
	}
	assert_int_equal(hits[0], 10);
	assert_int_equal(hits[1], 10);
	assert_int_equal(hits[2], 10);
	/* One down: the other two take turns, half each. */
	up[0] = false;
	memset(hits, 0, sizeof hits);
	for (uint32_t rr = 0; rr < 30; rr++) {
		assert_int_equal(ds_order(&s, DS_ALG_ROUND_ROBIN, up, 0, rr, 0, out, 8), 2);
		hits[out[0]]++;
	}
	assert_int_equal(hits[0], 0);
	assert_int_equal(hits[1], 15);
	assert_int_equal(hits[2], 15);
}

static void test_hash(void **state)
{
	(void)state;
	ds_set s = mkset(3);
	bool up[3] = { true, true, true };
	unsigned out[8], hits[3] = { 0 }, first[3000];
	char callid[64];
	for (unsigned i = 0; i < 3000; i++) {
		snprintf(callid, sizeof callid, "%u-%x@host.example.com", i, i * 7919u);
		uint32_t key = sip_hash_str(sip_str_make(callid, strlen(callid)));
		assert_int_equal(ds_order(&s, DS_ALG_HASH_CALLID, up, key, 0, 0, out, 8), 3);
		hits[out[0]]++;
		first[i] = out[0];
		/* The same key, the same destination. */
		assert_int_equal(ds_order(&s, DS_ALG_HASH_CALLID, up, key, 99, 12345, out, 8), 3);
		assert_int_equal(out[0], first[i]);
	}
	for (int i = 0; i < 3; i++)
		assert_in_range(hits[i], 850, 1150);
	/* Destination 1 down: only its calls move (to the next one). */
	up[1] = false;
	for (unsigned i = 0; i < 3000; i++) {
		snprintf(callid, sizeof callid, "%u-%x@host.example.com", i, i * 7919u);
		uint32_t key = sip_hash_str(sip_str_make(callid, strlen(callid)));
		assert_int_equal(ds_order(&s, DS_ALG_HASH_CALLID, up, key, 0, 0, out, 8), 2);
		assert_int_not_equal(out[0], 1);
		assert_int_not_equal(out[1], 1);
		assert_int_equal(out[0], first[i] == 1 ? 2 : first[i]);
	}
}

static void test_weighted(void **state)
{
	(void)state;
	ds_set s = mkset(3);
	dsts[0].weight = 1;
	dsts[1].weight = 3;
	dsts[2].weight = 0;         /* failover only */
	bool up[3] = { true, true, true };
	unsigned out[8], hits[3] = { 0 };
	for (uint32_t seed = 1; seed <= 4000; seed++) {
		assert_int_equal(ds_order(&s, DS_ALG_WEIGHTED, up, 0, 0, seed * 2654435761u, out, 8), 3);
		hits[out[0]]++;
		assert_int_equal(out[2], 2);        /* weight 0: last */
	}
	assert_int_equal(hits[2], 0);
	assert_in_range(hits[0], 850, 1150);
	assert_in_range(hits[1], 2850, 3150);
	/* The heavy one down: the light one takes every call. */
	up[1] = false;
	for (uint32_t seed = 1; seed <= 100; seed++) {
		assert_int_equal(ds_order(&s, DS_ALG_WEIGHTED, up, 0, 0, seed, out, 8), 2);
		assert_int_equal(out[0], 0);
		assert_int_equal(out[1], 2);
	}
}

static void test_priority_and_inactive(void **state)
{
	(void)state;
	/* The set is sorted by the loader: index 0 has the highest priority. */
	ds_set s = mkset(4);
	bool up[4] = { true, true, true, true };
	unsigned out[8];
	assert_int_equal(ds_order(&s, DS_ALG_PRIORITY, up, 77, 5, 9, out, 8), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(out[i], i);
	up[0] = up[2] = false;
	assert_int_equal(ds_order(&s, DS_ALG_PRIORITY, up, 77, 5, 9, out, 8), 2);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 3);
	/* max bounds the order. */
	assert_int_equal(ds_order(&s, DS_ALG_PRIORITY, up, 0, 0, 0, out, 1), 1);
	/* Nothing usable: nothing chosen, whatever the algorithm. */
	memset(up, 0, sizeof up);
	int algs[] = { DS_ALG_HASH_CALLID, DS_ALG_HASH_FROM, DS_ALG_HASH_TO, DS_ALG_HASH_RURI,
		       DS_ALG_ROUND_ROBIN, DS_ALG_RANDOM, DS_ALG_PRIORITY, DS_ALG_WEIGHTED };
	for (unsigned i = 0; i < sizeof algs / sizeof algs[0]; i++)
		assert_int_equal(ds_order(&s, algs[i], up, 1, 2, 3, out, 8), 0);
	/* Random: each usable one in turn over many seeds, never an unusable one. */
	up[1] = up[3] = true;
	unsigned hits[4] = { 0 };
	for (uint32_t seed = 0; seed < 1000; seed++) {
		assert_int_equal(ds_order(&s, DS_ALG_RANDOM, up, 0, 0, seed, out, 8), 2);
		hits[out[0]]++;
	}
	assert_int_equal(hits[0] + hits[2], 0);
	assert_in_range(hits[1], 400, 600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test(test_uri_check),
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_weighted),
		cmocka_unit_test(test_priority_and_inactive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
