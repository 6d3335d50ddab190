/* Tables cached from the database (runtime/db/db_cache.c), loaded by a
 * real database worker on a SQLite file: the snapshot is built on the
 * worker's thread and swapped in on the caller's when the job completes;
 * a load that fails keeps the last good snapshot (and is counted); a
 * reload asked for while one runs is followed by exactly one more load
 * that every such request completes with; the timer reloads; a cache
 * destroyed while its load runs frees the result later; snapshots swapped
 * 20,000 times under two reader threads acting as workers are never freed
 * while one of them holds it. A gate in the
 * worker's test hook holds the database "stuck" while the test asks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/qsbr.h"
#include "core/worker.h"
#include "core/stats.h"
#include "db/db.h"
#include "db/db_cache.h"
#include "db/db_rows.h"
#include "db/db_worker.h"

static char dir[256];
static char url[300];
static db_worker *W;
static db *D;                   /* the test's own handle, for writes */
static pthread_t main_thread;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the worker's finished jobs until none is pending (at most 5 s). */
static void complete_all(void)
{
	struct pollfd p = { .fd = db_worker_fd(W), .events = POLLIN };
	int64_t end = now_ms() + 5000;

	while (now_ms() < end && db_worker_pending(W)) {
		if (poll(&p, 1, (int)(end - now_ms())) > 0)
			db_worker_complete(W);
	}
	assert_int_equal(db_worker_pending(W), 0);
}

/* The worker's hook blocks it until released: a stuck database. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open = true;
static int gate_entered, gate_passes;

static void gate_hook(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate_mu);
	gate_entered++;
	pthread_cond_broadcast(&gate_cv);
	while (!gate_open && !gate_passes)
		pthread_cond_wait(&gate_cv, &gate_mu);
	if (!gate_open)
		gate_passes--;
	pthread_mutex_unlock(&gate_mu);
}

/* Let one job through a closed gate. */
static void gate_pass_one(void)
{
	pthread_mutex_lock(&gate_mu);
	gate_passes++;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

static void gate_set(bool open)
{
	pthread_mutex_lock(&gate_mu);
	gate_open = open;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

/* Wait until the worker sits in the gate n times in all. */
static void gate_wait_entered(int n)
{
	pthread_mutex_lock(&gate_mu);
	while (gate_entered < n)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

/* The snapshot: the rows of t, and where it was built. */
struct snap {
	int64_t n, sum;
	pthread_t built_on;
};

static int loads, frees, loaded_calls;

static int snap_load(db *d, void **out)
{
	db_stmt *st;
	int rc;

	__atomic_add_fetch(&loads, 1, __ATOMIC_SEQ_CST);
	if ((rc = db_prepare(d, "SELECT v FROM t", &st)) != SIP_OK)
		return rc;
	struct snap *s = calloc(1, sizeof *s);
	if (!s) {
		db_finalize(st);
		return SIP_NOMEM;
	}
	s->built_on = pthread_self();
	while ((rc = db_step(st)) == DB_ROW) {
		s->n++;
		s->sum += db_column_int(st, 0);
	}
	db_finalize(st);
	if (rc != SIP_OK) {
		free(s);
		return rc;
	}
	*out = s;
	return SIP_OK;
}

static void snap_free(void *p)
{
	__atomic_add_fetch(&frees, 1, __ATOMIC_SEQ_CST);
	free(p);
}

static void snap_loaded(db_cache *c, const void *snap)
{
	assert_ptr_equal(db_cache_get(c), snap);
	assert_true(pthread_equal(pthread_self(), main_thread));
	loaded_calls++;
}

static const db_cache_def def = {
	.name = "test", .load = snap_load, .free = snap_free, .loaded = snap_loaded,
};

static int submit(db_job_run run, db_job_done done, void *arg)
{
	return db_worker_submit(W, run, done, arg);
}

static int submit_down(db_job_run run, db_job_done done, void *arg)
{
	(void)run;
	(void)done;
	(void)arg;
	return SIP_EDBDOWN;
}

/* What a request's completion saw. */
struct req {
	int calls, status;
	int64_t n;                  /* rows of the snapshot in use then */
};

static void req_done(db_cache *c, int status, void *arg)
{
	struct req *r = arg;
	const struct snap *s = db_cache_get(c);

	assert_true(pthread_equal(pthread_self(), main_thread));
	r->calls++;
	r->status = status;
	r->n = s ? s->n : -1;
}

static void insert(int v)
{
	db_stmt *st;

	assert_int_equal(db_prepare(D, "INSERT INTO t (v) VALUES ($1)", &st), SIP_OK);
	assert_int_equal(db_bind_int(st, 1, v), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

static int setup(void **state)
{
	static int seq;

	(void)state;
	snprintf(url, sizeof url, "sqlite:%s/c%d.db", dir, ++seq);
	if (db_open(url, &D) != SIP_OK || db_exec(D, "CREATE TABLE t (v INTEGER)") != SIP_OK)
		return -1;
	if (db_worker_start(url, 16, &W) != SIP_OK)
		return -1;
	db_worker_set_hook(W, gate_hook, NULL);
	gate_set(true);
	gate_entered = gate_passes = 0;
	loads = frees = loaded_calls = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	gate_set(true);
	db_worker_stop(W, 1000);
	db_close(D);
	W = NULL;
	D = NULL;
	return 0;
}

/* A reload builds the snapshot on the worker; the caller sees the old one
 * (here none) until the job completes on its thread, then the new one;
 * the old one is freed at the swap. */
static void test_swap(void **state)
{
	db_cache *c;
	struct req r1 = { 0 }, r2 = { 0 };
	db_cache_stats st;

	(void)state;
	insert(1);
	insert(2);
	assert_int_equal(db_cache_create(&def, &c), SIP_OK);
	db_cache_start(c, submit, NULL, 0);
	assert_null(db_cache_get(c));
	gate_set(false);
	assert_int_equal(db_cache_reload(c, req_done, &r1), SIP_OK);
	gate_wait_entered(1);
	assert_true(db_cache_loading(c));
	assert_null(db_cache_get(c));          /* nothing swapped in while it runs */
	gate_set(true);
	complete_all();
	assert_int_equal(r1.calls, 1);
	assert_int_equal(r1.status, SIP_OK);
	assert_int_equal(r1.n, 2);
	const struct snap *s1 = db_cache_get(c);
	assert_non_null(s1);
	assert_false(pthread_equal(s1->built_on, main_thread));
	assert_int_equal(s1->sum, 3);
	assert_false(db_cache_loading(c));

	insert(4);
	assert_int_equal(db_cache_reload(c, req_done, &r2), SIP_OK);
	complete_all();
	const struct snap *s2 = db_cache_get(c);
	assert_int_equal(r2.status, SIP_OK);
	assert_int_equal(s2->n, 3);
	assert_int_equal(s2->sum, 7);
	assert_int_equal(frees, 1);             /* the first snapshot */
	assert_int_equal(loaded_calls, 2);
	db_cache_get_stats(c, &st);
	assert_int_equal(st.reloads, 2);
	assert_int_equal(st.failures, 0);
	db_cache_destroy(c);
	assert_int_equal(frees, 2);
}

/* A load that fails, or cannot start because the database is down, keeps
 * the last good snapshot in use and is counted. */
static void test_keep_last_good(void **state)
{
	db_cache *c;
	struct req r = { 0 };
	db_cache_stats st;

	(void)state;
	insert(5);
	assert_int_equal(db_cache_create(&def, &c), SIP_OK);
	db_cache_start(c, submit, NULL, 0);
	assert_int_equal(db_cache_reload(c, NULL, NULL), SIP_OK);
	complete_all();
	const struct snap *good = db_cache_get(c);
	assert_non_null(good);
	assert_int_equal(good->n, 1);

	assert_int_equal(db_exec(D, "DROP TABLE t"), SIP_OK);
	assert_int_equal(db_cache_reload(c, req_done, &r), SIP_OK);
	complete_all();
	assert_int_equal(r.calls, 1);
	assert_int_not_equal(r.status, SIP_OK);
	assert_int_equal(r.n, 1);               /* still the good one */
	assert_ptr_equal(db_cache_get(c), good);
	assert_non_null(strstr(db_cache_error(c), "no such table"));   /* the worker's error */
	db_cache_get_stats(c, &st);
	assert_int_equal(st.reloads, 1);
	assert_int_equal(st.failures, 1);

	/* The database is down: refused at once, done not called. */
	struct req r2 = { 0 };
	db_cache_start(c, submit_down, NULL, 0);
	assert_int_equal(db_cache_reload(c, req_done, &r2), SIP_EDBDOWN);
	assert_int_equal(r2.calls, 0);
	assert_ptr_equal(db_cache_get(c), good);
	db_cache_get_stats(c, &st);
	assert_int_equal(st.failures, 2);
	assert_int_equal(frees, 0);

	/* Synchronously too (tools, no worker). */
	assert_int_not_equal(db_cache_load_now(c, D), SIP_OK);
	assert_ptr_equal(db_cache_get(c), good);
	db_cache_destroy(c);
	assert_int_equal(frees, 1);
}

/* Requests made while a load runs are not lost and do not start loads in
 * parallel: exactly one more load follows, it sees the row written after
 * the first one started, and each request completes once, with the load
 * that began after it. */
static void test_reload_while_running(void **state)
{
	db_cache *c;
	struct req a = { 0 }, b = { 0 }, d = { 0 };

	(void)state;
	insert(1);
	assert_int_equal(db_cache_create(&def, &c), SIP_OK);
	db_cache_start(c, submit, NULL, 0);
	gate_set(false);
	assert_int_equal(db_cache_reload(c, req_done, &a), SIP_OK);
	gate_wait_entered(1);
	/* The running load has not read yet, but it may have: the change
	 * below must be seen by the load the next requests get. */
	assert_int_equal(db_cache_reload(c, req_done, &b), SIP_OK);
	assert_int_equal(db_cache_reload(c, NULL, NULL), SIP_OK);
	assert_int_equal(db_cache_reload(c, req_done, &d), SIP_OK);
	db_worker_stats ws;
	db_worker_get_stats(W, &ws);
	assert_int_equal(ws.submitted, 1);      /* one load at a time */
	/* The first load finishes before the write: it sees one row. */
	gate_pass_one();
	int64_t end = now_ms() + 5000;
	while (a.calls == 0 && now_ms() < end) {
		struct pollfd p = { .fd = db_worker_fd(W), .events = POLLIN };
		if (poll(&p, 1, 100) > 0)
			db_worker_complete(W);
	}
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.calls, 0);           /* waits for the second load */
	gate_wait_entered(2);                   /* which is queued, not run yet */
	insert(2);
	gate_set(true);
	complete_all();
	assert_int_equal(loads, 2);
	assert_int_equal(b.calls, 1);
	assert_int_equal(d.calls, 1);
	assert_int_equal(b.status, SIP_OK);
	assert_int_equal(b.n, 2);
	assert_int_equal(d.n, 2);
	assert_int_equal(a.calls, 1);
	db_cache_destroy(c);
}

/* The timer starts a reload every interval; a statistic counts them. */
static void test_timer(void **state)
{
	db_cache *c;
	sip_timer_wheel w;
	bool found;

	(void)state;
	sip_stat_clear();
	sip_timer_wheel_init(&w, 1000);
	assert_int_equal(db_cache_create(&def, &c), SIP_OK);
	db_cache_start(c, submit, &w, 200);
	sip_timer_expire(&w, 1100);
	assert_int_equal(db_worker_pending(W), 0);
	sip_timer_expire(&w, 1300);
	assert_int_equal(db_worker_pending(W), 1);
	complete_all();
	assert_non_null(db_cache_get(c));
	sip_timer_expire(&w, 1600);
	complete_all();
	assert_int_equal(loads, 2);
	assert_int_equal(sip_stat_get((sip_str){ "test.reloads", 12 }, &found), 2);
	assert_true(found);
	assert_int_equal(sip_stat_get((sip_str){ "test.reload_failures", 20 }, &found), 0);
	assert_true(found);
	db_cache_destroy(c);
	sip_timer_expire(&w, 5000);             /* the timer went with it */
	assert_int_equal(db_worker_pending(W), 0);
	sip_stat_clear();
}

/* A cache destroyed while its load runs: its requests end at once, the
 * load's result is freed when the job completes. */
static void test_destroy_while_running(void **state)
{
	db_cache *c;
	struct req r = { 0 };

	(void)state;
	assert_int_equal(db_cache_create(&def, &c), SIP_OK);
	db_cache_start(c, submit, NULL, 0);
	gate_set(false);
	assert_int_equal(db_cache_reload(c, req_done, &r), SIP_OK);
	gate_wait_entered(1);
	db_cache_destroy(c);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.status, SIP_ESTATE);
	gate_set(true);
	complete_all();
	assert_int_equal(loads, 1);
	assert_int_equal(frees, 1);
}

/* The pieces of a snapshot (db_rows.h): buckets sized from the count,
 * the bad rows, and a report that speaks on the first snapshot and then
 * only when the count or a bad row changed. */
static void test_rows(void **state)
{
	(void)state;
	struct snap {
		sip_arena arena;
		void **buckets;
		uint32_t mask;
	} *c = db_snap_new(sizeof *c, 1024);
	assert_non_null(c);
	static const struct { int64_t n; uint32_t mask; } sizes[] = {
		{ 0, 63 }, { 64, 63 }, { 65, 127 }, { 1000, 1023 }, { 1024, 1023 },
		{ 1025, 2047 },
	};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		c->buckets = db_snap_buckets(&c->arena, sizes[i].n, &c->mask);
		assert_non_null(c->buckets);
		assert_int_equal(c->mask, sizes[i].mask);
		for (uint32_t b = 0; b <= c->mask; b++)
			assert_null(c->buckets[b]);
	}
	db_bad_row *bad = db_bad_rows_new(&c->arena, 2);
	unsigned n_bad = 0;
	assert_non_null(bad);
	db_bad_row_add(bad, &n_bad, 7, "bad prefix");
	assert_int_equal(n_bad, 1);
	assert_int_equal(bad[0].id, 7);
	assert_string_equal(bad[0].why.s, "bad prefix");
	assert_int_equal(bad[0].why.len, 10);

	db_rows_report r = { 0 };
	assert_true(db_rows_report_bad(&r, "t: row", "skipped", 3, bad, n_bad));
	assert_false(db_rows_report_bad(&r, "t: row", "skipped", 3, bad, n_bad));
	assert_true(db_rows_report_bad(&r, "t: row", "skipped", 4, bad, n_bad));
	bad[0].why = sip_str_make("other", 5);
	assert_true(db_rows_report_bad(&r, "t: row", "skipped", 4, bad, n_bad));
	assert_false(db_rows_report_bad(&r, "t: row", "skipped", 4, bad, n_bad));
	assert_true(db_rows_report_bad(&r, "t: row", "skipped", 4, bad, 0));
	db_rows_report none = { 0 };
	assert_true(db_rows_report_bad(&none, NULL, NULL, 0, NULL, 0));
	assert_false(db_rows_report_bad(&none, NULL, NULL, 0, NULL, 0));
	db_snap_free(c);
	db_snap_free(NULL);
}

/* ---- several workers reading while worker 0 swaps ---- */

#define WSNAP_MAGIC 0x600dcafeu
#define WSNAP_SWAPS 20000

struct wsnap {
	uint32_t magic;
	uint32_t gen[8];
};

static uint32_t wsnap_gen;
static long wsnap_bad;                  /* atomic */
static int wsnap_stop;                  /* atomic */

static int wsnap_load(db *d, void **out)
{
	(void)d;
	struct wsnap *s = malloc(sizeof *s);
	if (!s)
		return SIP_NOMEM;
	s->magic = WSNAP_MAGIC;
	wsnap_gen++;
	for (int i = 0; i < 8; i++)
		s->gen[i] = wsnap_gen;
	*out = s;
	return SIP_OK;
}

/* Poisoned, and kept (not given back to malloc, which would hand the
 * same memory to the next load) until the end of the test: a reader that
 * still held it sees the poison. */
static void *wsnap_grave[WSNAP_SWAPS + 2];
static unsigned wsnap_graves;           /* atomic */
static int wsnap_readers;               /* atomic: readers online */

static void wsnap_free(void *p)
{
	memset(p, 0xdd, sizeof(struct wsnap));
	wsnap_grave[__atomic_fetch_add(&wsnap_graves, 1, __ATOMIC_SEQ_CST)] = p;
}

static void *wsnap_reader(void *arg)
{
	db_cache *c = arg;
	static unsigned next_id = 1;
	sip_worker_id = __atomic_fetch_add(&next_id, 1, __ATOMIC_SEQ_CST);
	sip_qsbr_online();
	__atomic_fetch_add(&wsnap_readers, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&wsnap_stop, __ATOMIC_SEQ_CST)) {
		const struct wsnap *s = db_cache_get(c);
		if (!s)
			continue;
		uint32_t g = s->gen[0];
		for (volatile int k = 0; k < 20; k++)
			;
		for (int i = 0; i < 8; i++)
			if (s->magic != WSNAP_MAGIC || s->gen[i] != g)
				__atomic_fetch_add(&wsnap_bad, 1, __ATOMIC_SEQ_CST);
		sip_qsbr_quiescent();       /* the worker's loop turns */
	}
	sip_qsbr_offline();
	return NULL;
}

static void test_swap_under_workers(void **state)
{
	(void)state;
	static const db_cache_def def = { .name = "wsnap", .load = wsnap_load,
					  .free = wsnap_free };
	db_cache *c;
	assert_int_equal(db_cache_create(&def, &c), SIP_OK);
	assert_int_equal(db_cache_load_now(c, NULL), SIP_OK);
	sip_workers_n = 3;
	sip_worker_id = 0;
	wsnap_bad = 0;
	wsnap_stop = 0;
	pthread_t r1, r2;
	pthread_create(&r1, NULL, wsnap_reader, c);
	pthread_create(&r2, NULL, wsnap_reader, c);
	while (__atomic_load_n(&wsnap_readers, __ATOMIC_SEQ_CST) < 2)
		;
	sip_qsbr_online();
	for (int i = 0; i < WSNAP_SWAPS; i++) {
		assert_int_equal(db_cache_load_now(c, NULL), SIP_OK);
		sip_qsbr_quiescent();
	}
	__atomic_store_n(&wsnap_stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(r1, NULL);
	pthread_join(r2, NULL);
	sip_qsbr_quiescent();
	assert_int_equal(wsnap_bad, 0);
	assert_int_equal(sip_qsbr_pending(), 0);
	const struct wsnap *last = db_cache_get(c);
	assert_int_equal(last->gen[0], wsnap_gen);
	sip_qsbr_offline();
	sip_workers_n = 1;
	db_cache_destroy(c);
	assert_int_equal(wsnap_graves, WSNAP_SWAPS + 1);
	for (unsigned i = 0; i < wsnap_graves; i++)
		free(wsnap_grave[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_swap_under_workers),
		cmocka_unit_test_setup_teardown(test_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_last_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_while_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_while_running, setup, teardown),
	};
	int rc;

	main_thread = pthread_self();
	snprintf(dir, sizeof dir, "%s/test_db_cache.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return rc;
}
