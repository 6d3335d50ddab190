/* The acc module's write queue (modules/acc/acc_fn.c) with the host's
 * database worker on a temporary SQLite file: records made close
 * together go as one job, one transaction (acc_rows_insert), when
 * ACC_FLUSH_MS has passed since the first of them, or at once when
 * ACC_BATCH wait; the module's flush (proxy_modules_flush) sends what
 * waits without waiting for the interval; a batch the database could not
 * take goes again as soon as that is known.
 *
 * The module's timers run on a wheel whose clock the test moves (the
 * loop's real clock never fires them), so "not before the interval" is
 * exact and does not depend on how fast the machine is; the database
 * worker's completions come through a real loop. What went to the
 * database is read off the worker: jobs submitted (its statistics) and
 * jobs run (its hook, before each job); the rows are read back with a
 * handle of the test's own. The assertions use ACC_FLUSH_MS and ACC_BATCH
 * (acc.h), never their values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "acc/acc.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "db/db_worker.h"
#include "net/loop.h"
#include "proxy/host.h"
#include "test/tmpdb.h"

extern sipcc_module sipcc_module_acc;

static char path[256];
static sip_loop loop;            /* the database worker's completions */
static sip_timer_wheel wheel;    /* the module's timers, on the test's clock */
static uint64_t now_ms;
static db *rd;                   /* the test's handle, to read the rows */
static sip_arena ar;
static sip_msg req;
static atomic_uint jobs_run;     /* jobs the database worker started */

static const char options[] =
	"OPTIONS sip:bob@voip.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-q1\r\n"
	"Max-Forwards: 70\r\n"
	"To: <sip:bob@voip.example.com>\r\n"
	"From: <sip:alice@atlanta.example.com>;tag=q1\r\n"
	"Call-ID: acc-queue@192.0.2.10\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n\r\n";

/* On the worker's thread, before each job. */
static void count_job(void *arg)
{
	(void)arg;
	atomic_fetch_add(&jobs_run, 1);
}

static unsigned long submitted(void)
{
	db_worker_stats st;
	db_worker_get_stats(proxy_db_worker(), &st);
	return st.submitted;
}

static double real_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Move the module's clock ms ahead, running its timers that are due. */
static void advance(uint64_t ms)
{
	now_ms += ms;
	sip_timer_expire(&wheel, now_ms);
}

/* Run the loop until every job out has completed (at most 20 s). */
static void drain(void)
{
	double until = real_s() + 20;
	while (db_worker_pending(proxy_db_worker()) && real_s() < until)
		sip_loop_once(&loop, 20);
	assert_int_equal(db_worker_pending(proxy_db_worker()), 0);
}

/* Rows of acc whose reason starts with prefix. */
static int64_t rows(const char *prefix)
{
	char sql[256];
	int64_t n = -1;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM acc WHERE sip_reason LIKE '%s%%'", prefix);
	assert_int_equal(db_query_int_sql(rd, sql, &n), SIP_OK);
	return n;
}

/* A record of the request (acc_db_request() in a request route) with
 * reason "PREFIX-i". */
static void record(const char *prefix, int i)
{
	char reason[64];
	sip_arena_reset(&ar);
	struct sip_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	assert_int_equal(sip_msg_parse(&ar, options, sizeof options - 1, &req), SIP_OK);
	ctx.msg = &req;
	ctx.arena = &ar;
	ctx.route_kind = SIPCC_ROUTE_REQUEST;
	ctx.maxfwd = -1;
	int n = snprintf(reason, sizeof reason, "%s-%d", prefix, i);
	assert_int_equal(sipcc_fn_acc_db_request(&ctx, reason, (size_t)n, "acc", 3), 1);
}

static int group_setup(void **state)
{
	(void)state;
	char url[300];
	const char *tmp = getenv("TMPDIR");
	snprintf(path, sizeof path, "%s/test_acc_queue.%ld.db", tmp && *tmp ? tmp : "/tmp",
		 (long)getpid());
	unlink(path);
	snprintf(url, sizeof url, "sqlite:%s", path);
	if (sip_loop_init(&loop) != SIP_OK)
		return -1;
	now_ms = 1000000;
	sip_timer_wheel_init(&wheel, now_ms);
	proxy_db_use_loop(&loop);
	sipcc_reg_module(&sipcc_module_acc);
	if (proxy_modules_init(&wheel, url) != SIP_OK || !proxy_db_worker())
		return -1;
	/* The schema migrated by the worker (bounded). */
	double until = real_s() + 20;
	while (!proxy_db_ready() && real_s() < until) {
		sip_loop_once(&loop, 20);
		advance(SIP_TIMER_TICK_MS);
	}
	if (!proxy_db_ready())
		return -1;
	db_worker_set_hook(proxy_db_worker(), count_job, NULL);
	if (db_open(url, &rd) != SIP_OK)
		return -1;
	sip_arena_init(&ar, 4096);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	proxy_modules_destroy();
	db_close(rd);
	sip_loop_destroy(&loop);
	sip_arena_destroy(&ar);
	sipt_sqlite_unlink(path);
	return 0;
}

/* Every test starts with nothing waiting: a timer left armed by the test
 * before has fired, and its job is done. */
static int setup(void **state)
{
	(void)state;
	advance(2 * ACC_FLUSH_MS + SIP_TIMER_TICK_MS);
	drain();
	return 0;
}

/* Several records made close together: nothing goes until the interval
 * has passed, then one job carries them all (one transaction), in the
 * order they were made. */
static void test_one_transaction(void **state)
{
	(void)state;
	const int n = ACC_BATCH > 5 ? 5 : ACC_BATCH - 1;
	assert_true(n >= 2);
	unsigned long sub0 = submitted();
	unsigned jobs0 = atomic_load(&jobs_run);
	for (int i = 0; i < n; i++)
		record("one", i);
	assert_int_equal(submitted(), sub0);
	advance(ACC_FLUSH_MS + SIP_TIMER_TICK_MS);
	assert_int_equal(submitted(), sub0 + 1);
	drain();
	assert_int_equal(atomic_load(&jobs_run) - jobs0, 1);
	assert_int_equal(rows("one-"), n);
	db_stmt *st;
	assert_int_equal(db_prepare_sql(rd, "SELECT sip_reason, method, callid FROM acc"
					" WHERE sip_reason LIKE 'one-%' ORDER BY id", &st), SIP_OK);
	for (int i = 0; i < n; i++) {
		char want[32];
		snprintf(want, sizeof want, "one-%d", i);
		assert_int_equal(db_step(st), DB_ROW);
		sip_str r = db_column_text(st, 0);
		assert_int_equal(r.len, strlen(want));
		assert_memory_equal(r.s, want, r.len);
		sip_str m = db_column_text(st, 1);
		assert_int_equal(m.len, 7);
		assert_memory_equal(m.s, "OPTIONS", 7);
	}
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

/* One record waits for the interval: not sent a moment before it (the
 * loop may run meanwhile), sent once it has passed. */
static void test_waits_for_interval(void **state)
{
	(void)state;
	unsigned long sub0 = submitted();
	record("wait", 0);
	assert_int_equal(submitted(), sub0);
	advance(ACC_FLUSH_MS - 1);
	for (int i = 0; i < 5; i++)
		sip_loop_once(&loop, 10);
	assert_int_equal(submitted(), sub0);
	assert_int_equal(rows("wait-"), 0);
	advance(1 + SIP_TIMER_TICK_MS);
	assert_int_equal(submitted(), sub0 + 1);
	drain();
	assert_int_equal(rows("wait-"), 1);
}

/* The module's flush sends what waits at once, the interval not passed;
 * the timer that then fires finds nothing more to send. */
static void test_flush(void **state)
{
	(void)state;
	unsigned long sub0 = submitted();
	record("flush", 0);
	record("flush", 1);
	assert_int_equal(submitted(), sub0);
	assert_true(proxy_modules_flush());
	assert_int_equal(submitted(), sub0 + 1);
	drain();
	assert_int_equal(rows("flush-"), 2);
	advance(ACC_FLUSH_MS + SIP_TIMER_TICK_MS);
	drain();
	assert_int_equal(submitted(), sub0 + 1);
	/* Nothing waiting: flushing submits nothing. */
	assert_true(proxy_modules_flush());
	assert_int_equal(submitted(), sub0 + 1);
}

/* ACC_BATCH records waiting go at once, the interval not passed, as one
 * job; beyond, each further ACC_BATCH another, and the rest waits for
 * the interval. */
static void test_full_batch(void **state)
{
	(void)state;
	unsigned long sub0 = submitted();
	unsigned jobs0 = atomic_load(&jobs_run);
	for (int i = 0; i < ACC_BATCH - 1; i++)
		record("full", i);
	assert_int_equal(submitted(), sub0);
	record("full", ACC_BATCH - 1);
	assert_int_equal(submitted(), sub0 + 1);
	drain();
	assert_int_equal(atomic_load(&jobs_run) - jobs0, 1);
	assert_int_equal(rows("full-"), ACC_BATCH);

	for (int i = 0; i < 2 * ACC_BATCH + 1; i++)
		record("more", i);
	assert_int_equal(submitted(), sub0 + 3);
	drain();
	assert_int_equal(rows("more-"), 2 * ACC_BATCH);
	advance(ACC_FLUSH_MS + SIP_TIMER_TICK_MS);
	assert_int_equal(submitted(), sub0 + 4);
	drain();
	assert_int_equal(rows("more-"), 2 * ACC_BATCH + 1);
	assert_int_equal(atomic_load(&jobs_run) - jobs0, 4);
}

/* The database away (the test's handle holds SQLite's write lock, so
 * the batch's insert times out): the batch is put back and sent again
 * as soon as its failure is known, the clock not moved; once the lock
 * is let go its records are written. */
static void test_put_back_goes_again(void **state)
{
	(void)state;
	unsigned long sub0 = submitted();
	assert_int_equal(db_exec_sql(rd, "BEGIN IMMEDIATE"), SIP_OK);
	for (int i = 0; i < 3; i++)
		record("back", i);
	advance(ACC_FLUSH_MS + SIP_TIMER_TICK_MS);
	assert_int_equal(submitted(), sub0 + 1);
	double until = real_s() + 30;
	while (submitted() < sub0 + 2 && real_s() < until)
		sip_loop_once(&loop, 20);
	assert_true(submitted() >= sub0 + 2);
	assert_int_equal(rows("back-"), 0);
	assert_int_equal(db_exec_sql(rd, "COMMIT"), SIP_OK);
	until = real_s() + 30;
	while (rows("back-") < 3 && real_s() < until)
		sip_loop_once(&loop, 20);
	assert_int_equal(rows("back-"), 3);
	drain();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_one_transaction, setup),
		cmocka_unit_test_setup(test_waits_for_interval, setup),
		cmocka_unit_test_setup(test_flush, setup),
		cmocka_unit_test_setup(test_full_batch, setup),
		cmocka_unit_test_setup(test_put_back_goes_again, setup),
	};
	sip_log_level = SIP_LOG_ERR;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
