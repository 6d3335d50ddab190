/* The database worker (runtime/db/db_worker.c) on real SQLite files: jobs
 * run off the calling thread in submission order, results come back
 * through the descriptor and run on the caller's thread, a full queue and
 * a database that is down are refused at once, the worker reconnects by
 * itself, and stopping reports every job. A test hook makes the database
 * slow (the worker sleeps or blocks before each job). */
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
#include <sys/stat.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/db_worker.h"

static char dir[256];

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to ms for finished jobs and run their callbacks. */
static unsigned complete_within(db_worker *w, int ms)
{
	struct pollfd p = { .fd = db_worker_fd(w), .events = POLLIN };
	unsigned n = 0;
	int64_t end = now_ms() + ms;

	while (now_ms() < end && db_worker_pending(w)) {
		if (poll(&p, 1, (int)(end - now_ms())) > 0)
			n += db_worker_complete(w);
	}
	return n;
}

/* One job: insert value v (or read the count), with what happened. */
struct job {
	int v;
	bool read;
	pthread_t ran_on, done_on;
	int64_t count;
	int status;
	int order;          /* when its callback ran */
	bool done;
};
static int done_seq;

static int job_run(db *d, void *arg)
{
	struct job *j = arg;
	db_stmt *st;
	int rc;

	j->ran_on = pthread_self();
	if (j->read) {
		if ((rc = db_prepare(d, "SELECT count(*) FROM t", &st)) != SIP_OK)
			return rc;
		rc = db_step(st);
		if (rc == DB_ROW) {
			j->count = db_column_int(st, 0);
			rc = SIP_OK;
		}
		db_finalize(st);
		return rc;
	}
	if ((rc = db_prepare(d, "INSERT INTO t (v) VALUES ($1)", &st)) != SIP_OK)
		return rc;
	if ((rc = db_bind_int(st, 1, j->v)) == SIP_OK)
		rc = db_step(st);
	db_finalize(st);
	return rc;
}

static void job_done(int status, void *arg)
{
	struct job *j = arg;

	assert_false(j->done);
	j->done = true;
	j->status = status;
	j->order = done_seq++;
	j->done_on = pthread_self();
}

static void make_db(const char *url)
{
	db *d;

	assert_int_equal(db_open(url, &d), SIP_OK);
	assert_int_equal(db_exec(d, "CREATE TABLE IF NOT EXISTS t (v INTEGER NOT NULL)"), SIP_OK);
	assert_int_equal(db_exec(d, "DELETE FROM t"), SIP_OK);
	db_close(d);
}

static void test_order_and_threads(void **state)
{
	char url[300];
	struct job jobs[50];
	db_worker *w;

	(void)state;
	snprintf(url, sizeof url, "sqlite:%s/order.db", dir);
	make_db(url);
	assert_int_equal(db_worker_start(url, 0, &w), SIP_OK);
	assert_true(db_worker_up(w));
	assert_string_equal(db_worker_backend(w), "sqlite");
	done_seq = 0;
	memset(jobs, 0, sizeof jobs);
	for (int i = 0; i < 50; i++) {
		jobs[i].v = i;
		jobs[i].read = i == 49;
		assert_int_equal(db_worker_submit(w, job_run, job_done, &jobs[i]), SIP_OK);
	}
	assert_int_equal(complete_within(w, 10000), 50);
	assert_int_equal(db_worker_pending(w), 0);
	for (int i = 0; i < 50; i++) {
		assert_true(jobs[i].done);
		assert_int_equal(jobs[i].status, SIP_OK);
		/* Callbacks in submission order, work on another thread. */
		assert_int_equal(jobs[i].order, i);
		assert_false(pthread_equal(jobs[i].ran_on, pthread_self()));
		assert_true(pthread_equal(jobs[i].done_on, pthread_self()));
	}
	/* The read queued last saw every insert queued before it. */
	assert_int_equal(jobs[49].count, 49);
	db_worker_stop(w, 0);
}

/* A database the worker cannot reach yet: submissions are refused at once,
 * and once it can be reached the worker connects by itself. */
static void test_down_then_up(void **state)
{
	char sub[300], url[340];
	struct job j = { .read = true };
	db_worker *w;
	db_worker_stats s;
	int64_t t0;

	(void)state;
	snprintf(sub, sizeof sub, "%s/later", dir);
	snprintf(url, sizeof url, "sqlite:%s/x.db", sub);
	assert_int_equal(db_worker_start(url, 4, &w), SIP_OK);
	assert_false(db_worker_up(w));
	assert_false(db_worker_ready(w));
	t0 = now_ms();
	assert_int_equal(db_worker_submit(w, job_run, job_done, &j), SIP_EDBDOWN);
	assert_true(now_ms() - t0 < 50);
	assert_false(j.done);

	assert_int_equal(mkdir(sub, 0700), 0);
	t0 = now_ms();
	while (!db_worker_up(w) && now_ms() - t0 < 10000)
		usleep(20000);
	assert_true(db_worker_up(w));
	make_db(url);
	assert_int_equal(db_worker_submit(w, job_run, job_done, &j), SIP_OK);
	assert_int_equal(complete_within(w, 5000), 1);
	assert_int_equal(j.status, SIP_OK);
	assert_int_equal(j.count, 0);
	db_worker_get_stats(w, &s);
	assert_int_equal(s.refused_down, 1);
	assert_int_equal(s.completed, 1);
	db_worker_stop(w, 0);
}

/* The hook blocks the worker until released: a stuck database. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int gate_entered;

static void gate_hook(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate_mu);
	gate_entered++;
	pthread_cond_broadcast(&gate_cv);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

static void gate_set(bool open)
{
	pthread_mutex_lock(&gate_mu);
	gate_open = open;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

/* A stuck database does not stall the submitter: the queue fills, the next
 * submission is refused at once, and everything runs once it moves. */
static void test_full_queue(void **state)
{
	char url[300];
	struct job jobs[5], extra = { .v = 99 };
	db_worker *w;
	int64_t t0;

	(void)state;
	snprintf(url, sizeof url, "sqlite:%s/full.db", dir);
	make_db(url);
	assert_int_equal(db_worker_start(url, 4, &w), SIP_OK);
	gate_set(false);
	db_worker_set_hook(w, gate_hook, NULL);
	memset(jobs, 0, sizeof jobs);
	done_seq = 0;
	t0 = now_ms();
	for (int i = 0; i < 4; i++) {
		jobs[i].v = i;
		assert_int_equal(db_worker_submit(w, job_run, job_done, &jobs[i]), SIP_OK);
	}
	assert_false(db_worker_ready(w));
	assert_int_equal(db_worker_submit(w, job_run, job_done, &extra), SIP_ELIMIT);
	assert_true(now_ms() - t0 < 50);
	/* Nothing finished while the database is stuck. */
	assert_int_equal(complete_within(w, 200), 0);
	assert_int_equal(db_worker_pending(w), 4);
	gate_set(true);
	assert_int_equal(complete_within(w, 5000), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(jobs[i].status, SIP_OK);
	assert_false(extra.done);
	assert_true(db_worker_ready(w));
	db_worker_stop(w, 0);
}

/* Stopping with jobs queued behind a stuck one: the queued jobs that did
 * not get to run are reported as not done (SIP_EDBDOWN), each once. */
static void *open_gate_later(void *arg)
{
	(void)arg;
	usleep(300000);
	gate_set(true);
	return NULL;
}

static void test_stop_reports_all(void **state)
{
	char url[300];
	struct job jobs[6];
	db_worker *w;
	pthread_t th;
	int ok = 0, down = 0;

	(void)state;
	snprintf(url, sizeof url, "sqlite:%s/stop.db", dir);
	make_db(url);
	assert_int_equal(db_worker_start(url, 0, &w), SIP_OK);
	gate_set(false);
	db_worker_set_hook(w, gate_hook, NULL);
	memset(jobs, 0, sizeof jobs);
	gate_entered = 0;
	for (int i = 0; i < 6; i++)
		assert_int_equal(db_worker_submit(w, job_run, job_done, &jobs[i]), SIP_OK);
	/* The first job is running (stuck in the hook) before stop comes. */
	pthread_mutex_lock(&gate_mu);
	while (!gate_entered)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	assert_int_equal(pthread_create(&th, NULL, open_gate_later, NULL), 0);
	db_worker_stop(w, 0);
	pthread_join(th, NULL);
	for (int i = 0; i < 6; i++) {
		assert_true(jobs[i].done);
		if (jobs[i].status == SIP_OK)
			ok++;
		else if (jobs[i].status == SIP_EDBDOWN)
			down++;
	}
	/* The job running when stop came finished; the rest never ran. */
	assert_int_equal(ok, 1);
	assert_int_equal(down, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_threads),
		cmocka_unit_test(test_down_then_up),
		cmocka_unit_test(test_full_queue),
		cmocka_unit_test(test_stop_reports_all),
	};
	int failed;
	char cmd[300];

	snprintf(dir, sizeof dir, "%s/sipcc-test-dbw-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	failed = cmocka_run_group_tests_name("db worker", tests, NULL, NULL);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return failed;
}
