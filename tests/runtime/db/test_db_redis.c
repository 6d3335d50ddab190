/* The Redis adapter (runtime/db/db_redis.c) against a real redis-server
 * that test_db_redis.sh starts: DB_URL names it (with its password),
 * DB_TEST_STOP and DB_TEST_START stop it and start it again on the same
 * port. Skipped (77) without DB_URL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "db/db.h"

static const char *db_url;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static db *open_ok(void)
{
	db *d = NULL;
	int rc = db_open(db_url, &d);
	if (rc != SIP_OK)
		fail_msg("db_open(%s): %s: %s", db_url, sip_strerror(rc), d ? db_error(d) : "");
	assert_int_equal(db_exec(d, "FLUSHDB"), SIP_OK);
	return d;
}

static sip_str S(const char *s)
{
	return (sip_str){ s, strlen(s) };
}

static void test_url_errors(void **state)
{
	(void)state;
	static const char *bad[] = {
		"redis://", "redis://host:0", "redis://host:99999", "redis://host/x",
		"redis://host?foo=1", "redis://host?timeout=0", "redis://[::1", "redis://:%zz@host",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		db *d = NULL;
		int rc = db_open(bad[i], &d);
		if (rc != SIP_EINVAL)
			fail_msg("%s: %s, expected a malformed URL", bad[i], sip_strerror(rc));
		assert_null(d);
	}
	assert_null(db_store_url_problem("redis://127.0.0.1:6379/0"));
	assert_non_null(db_store_url_problem("rediss://127.0.0.1"));
	/* Not as the proxy's database: subscribers and CDRs need SQL. */
	assert_non_null(strstr(db_url_problem("redis://127.0.0.1:6379/0"), "cluster.store"));
	assert_null(db_url_problem("postgres://u@h/db"));
}

static void test_wrong_password(void **state)
{
	(void)state;
	/* Same server, password replaced. */
	char url[512];
	const char *at = strchr(db_url + 8, '@');
	assert_non_null(at);
	snprintf(url, sizeof url, "redis://:wrong%s", at);
	db *d = NULL;
	assert_int_equal(db_open(url, &d), SIP_EDBDOWN);
	assert_non_null(d);
	assert_non_null(strstr(db_error(d), "Redis"));
	db_close(d);
}

/* $n in and as words; values are single arguments whatever they hold. */
static void test_set_get(void **state)
{
	(void)state;
	db *d = open_ok();
	db_stmt *set, *get;
	assert_int_equal(db_prepare(d, "SET sipcc:t:$1 $2", &set), SIP_OK);
	assert_int_equal(db_bind_text(set, 1, S("a b")), SIP_OK);
	assert_int_equal(db_bind_text(set, 2, S("x 'y' \"z\" $1")), SIP_OK);
	assert_int_equal(db_step(set), DB_ROW);       /* +OK is one row */
	assert_int_equal(db_step(set), SIP_OK);
	db_finalize(set);
	assert_int_equal(db_prepare(d, "GET sipcc:t:$1", &get), SIP_OK);
	assert_int_equal(db_bind_text(get, 1, S("a b")), SIP_OK);
	assert_int_equal(db_step(get), DB_ROW);
	assert_int_equal(db_column_count(get), 1);
	sip_str v = db_column_text(get, 0);
	assert_int_equal(v.len, strlen("x 'y' \"z\" $1"));
	assert_memory_equal(v.s, "x 'y' \"z\" $1", v.len);
	assert_int_equal(db_step(get), SIP_OK);
	/* nil: no row */
	assert_int_equal(db_bind_text(get, 1, S("nothing")), SIP_OK);
	assert_int_equal(db_step(get), SIP_OK);
	db_finalize(get);
	db_close(d);
}

static void test_integer_and_changes(void **state)
{
	(void)state;
	db *d = open_ok();
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INCRBY sipcc:n $1", &st), SIP_OK);
	assert_int_equal(db_bind_int(st, 1, 5), SIP_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int(st, 0), 5);
	assert_int_equal(db_column_text(st, 0).len, 1);
	assert_int_equal(db_step(st), SIP_OK);
	assert_int_equal(db_changes(st), 5);
	db_reset(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int(st, 0), 10);
	db_finalize(st);
	assert_int_equal(db_prepare(d, "DEL sipcc:n sipcc:none", &st), SIP_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_step(st), SIP_OK);
	assert_int_equal(db_changes(st), 1);
	db_finalize(st);
	db_close(d);
}

/* A flat array is one row; an array of arrays is rows; nil inside is
 * NULL. */
static void test_rows(void **state)
{
	(void)state;
	db *d = open_ok();
	db_stmt *st;
	assert_int_equal(db_prepare(d, "HSET sipcc:h f1 v1 f2 v2", &st), SIP_OK);
	assert_int_equal(db_step(st), DB_ROW);
	db_finalize(st);
	assert_int_equal(db_prepare(d, "HMGET sipcc:h f1 nope f2", &st), SIP_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_count(st), 3);
	assert_false(db_column_null(st, 0));
	assert_true(db_column_null(st, 1));
	assert_int_equal(db_column_text(st, 2).len, 2);
	assert_memory_equal(db_column_text(st, 2).s, "v2", 2);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
	assert_int_equal(db_prepare(d, "EVAL 'return {{\"a\", 1}, {\"b\", 2}, {\"c\", 3}}' 0", &st),
			 SIP_OK);
	int n = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		assert_int_equal(db_column_count(st), 2);
		assert_int_equal(db_column_text(st, 0).s[0], 'a' + n);
		assert_int_equal(db_column_int(st, 1), n + 1);
		n++;
	}
	assert_int_equal(rc, SIP_OK);
	assert_int_equal(n, 3);
	db_finalize(st);
	/* An empty array: no row. */
	assert_int_equal(db_prepare(d, "LRANGE sipcc:nolist 0 -1", &st), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
	db_close(d);
}

/* A script with blanks in quotes, keys and values bound. */
static void test_script(void **state)
{
	(void)state;
	db *d = open_ok();
	db_stmt *st;
	assert_int_equal(db_prepare(d,
				    "EVAL 'local n = redis.call(\"INCR\", KEYS[1]) "
				    "if n > tonumber(ARGV[1]) then redis.call(\"DECR\", KEYS[1]) return 0 end "
				    "return n' 1 sipcc:lim:$1 $2",
				    &st),
			 SIP_OK);
	int64_t got[4];
	for (int i = 0; i < 4; i++) {
		assert_int_equal(db_bind_text(st, 1, S("alice")), SIP_OK);
		assert_int_equal(db_bind_int(st, 2, 2), SIP_OK);
		assert_int_equal(db_step(st), DB_ROW);
		got[i] = db_column_int(st, 0);
		db_reset(st);
	}
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 2);
	assert_int_equal(got[2], 0);
	assert_int_equal(got[3], 0);
	db_finalize(st);
	db_close(d);
}

static void test_errors(void **state)
{
	(void)state;
	db *d = open_ok();
	db_stmt *st;
	assert_int_equal(db_prepare(d, "NOSUCHCOMMAND x", &st), SIP_OK);
	assert_int_equal(db_step(st), SIP_EDB);
	assert_non_null(strstr(db_error(d), "unknown command"));
	db_finalize(st);
	/* An unclosed quote is the statement's error. */
	assert_int_equal(db_prepare(d, "EVAL 'return 1 0", &st), SIP_OK);
	assert_true(db_step(st) < 0);
	db_finalize(st);
	/* The handle still works. */
	assert_int_equal(db_exec(d, "PING"), SIP_OK);
	db_close(d);
}

/* Stopped: calls fail fast; started again: the handle comes back. */
static void test_down_and_back(void **state)
{
	(void)state;
	const char *stop = getenv("DB_TEST_STOP"), *start = getenv("DB_TEST_START");
	if (!stop || !start)
		skip();
	db *d = open_ok();
	db_set_backoff(d, 50, 200);
	assert_int_equal(system(stop), 0);
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INCR sipcc:c", &st), SIP_OK);
	int64_t t0 = now_ms();
	assert_int_equal(db_step(st), SIP_EDBDOWN);
	db_reset(st);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(db_step(st), SIP_EDBDOWN);
		db_reset(st);
	}
	/* Refused, not waited for: 101 calls well within one reply timeout
	 * each (a connection refused on loopback). */
	assert_true(now_ms() - t0 < 5000);
	assert_int_equal(system(start), 0);
	int rc = SIP_EDBDOWN;
	for (int i = 0; i < 100 && rc != DB_ROW; i++) {
		struct timespec ts = { 0, 50 * 1000000 };
		nanosleep(&ts, NULL);
		rc = db_step(st);
		db_reset(st);
	}
	assert_int_equal(rc, DB_ROW);
	db_finalize(st);
	db_close(d);
}

int main(void)
{
	db_url = getenv("DB_URL");
	if (!db_url || strncmp(db_url, "redis://", 8) != 0) {
		fprintf(stderr, "SKIP: DB_URL is not a Redis URL (run test_db_redis.sh)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_errors),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_set_get),
		cmocka_unit_test(test_integer_and_changes),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_down_and_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
