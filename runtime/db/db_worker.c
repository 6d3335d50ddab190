/* The database worker thread and its queues (see db_worker.h). One mutex
 * guards both lists; the loop holds it only to link or unlink a job. */
#include "db/db_worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"

#define DB_WORKER_QUEUE_DEFAULT 1024
/* While down and idle, how often the thread looks whether the backoff
 * delay has run and a reconnect attempt is due. */
#define DB_WORKER_IDLE_MS 50

typedef struct db_job {
	db_job_run run;
	db_job_done done;
	void *arg;
	int status;
	struct db_job *next;
} db_job;

struct db_worker {
	db *d;
	const char *backend;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int efd;
	unsigned queue_max;
	db_job *q_head, *q_tail;     /* to run */
	db_job *d_head, *d_tail;     /* finished, callbacks not run yet */
	unsigned queued;             /* in q, plus the one running */
	unsigned pending;            /* accepted, callback not run */
	bool up, stop, started;
	uint64_t drain_until;        /* with stop: run queued jobs until then */
	void (*hook)(void *);
	void *hook_arg;
	db_worker_stats stats;
};

/* Hand a finished job to the loop. Called with the lock held. */
static void dbw_finish(db_worker *w, db_job *j)
{
	uint64_t one = 1;

	j->next = NULL;
	if (w->d_tail)
		w->d_tail->next = j;
	else
		w->d_head = j;
	w->d_tail = j;
	w->stats.completed++;
	if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		LOG_WARN("db worker: cannot signal the loop: %s", strerror(errno));
}

static void dbw_wait_ms(db_worker *w, unsigned ms)
{
	struct timespec ts = sip_realtime_after_us((uint64_t)ms * 1000u);

	pthread_cond_timedwait(&w->cv, &w->mu, &ts);
}

/* The thread: run jobs in order; while down and idle, reconnect when the
 * handle's backoff allows. */
static void *dbw_main(void *arg)
{
	db_worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->q_head && !w->stop) {
			if (w->up) {
				pthread_cond_wait(&w->cv, &w->mu);
				continue;
			}
			dbw_wait_ms(w, DB_WORKER_IDLE_MS);
			if (w->q_head || w->stop)
				break;
			pthread_mutex_unlock(&w->mu);
			bool up = db_ping(w->d) == SIP_OK;
			pthread_mutex_lock(&w->mu);
			w->up = up;
		}
		if (!w->q_head || (w->stop && sip_mono_ms() >= w->drain_until))
			break;
		db_job *j = w->q_head;
		w->q_head = j->next;
		if (!w->q_head)
			w->q_tail = NULL;
		void (*hook)(void *) = w->hook;
		void *hook_arg = w->hook_arg;
		pthread_mutex_unlock(&w->mu);
		if (hook)
			hook(hook_arg);
		j->status = j->run(w->d, j->arg);
		bool up = db_is_up(w->d);
		pthread_mutex_lock(&w->mu);
		w->up = up;
		w->queued--;
		dbw_finish(w, j);
	}
	/* Stopping: what did not run is reported as not stored. */
	while (w->q_head) {
		db_job *j = w->q_head;
		w->q_head = j->next;
		j->status = SIP_EDBDOWN;
		w->queued--;
		dbw_finish(w, j);
	}
	w->q_tail = NULL;
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int db_worker_start(const char *url, unsigned queue_max, db_worker **out)
{
	db_worker *w;
	int rc;

	*out = NULL;
	w = sip_mem_alloc(sizeof(*w));
	if (!w)
		return SIP_NOMEM;
	memset(w, 0, sizeof(*w));
	w->queue_max = queue_max ? queue_max : DB_WORKER_QUEUE_DEFAULT;
	rc = db_open(url, &w->d);
	if (rc == SIP_EINVAL || rc == SIP_NOMEM) {
		sip_mem_free(w);
		return rc;
	}
	w->up = rc == SIP_OK;
	w->backend = db_backend(w->d);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		db_close(w->d);
		sip_mem_free(w);
		return SIP_EIO;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, dbw_main, w) != 0) {
		LOG_ERR("db worker: cannot start a thread");
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		close(w->efd);
		db_close(w->d);
		sip_mem_free(w);
		return SIP_EIO;
	}
	w->started = true;
	*out = w;
	return SIP_OK;
}

void db_worker_stop(db_worker *w, unsigned wait_ms)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	w->drain_until = sip_mono_ms() + wait_ms;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	db_worker_complete(w);
	db_close(w->d);
	close(w->efd);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	sip_mem_free(w);
}

int db_worker_fd(const db_worker *w)
{
	return w->efd;
}

int db_worker_submit(db_worker *w, db_job_run run, db_job_done done, void *arg)
{
	db_job *j = sip_mem_alloc(sizeof(*j));
	int rc = SIP_OK;

	if (!j)
		return SIP_NOMEM;
	*j = (db_job){ run, done, arg, 0, NULL };
	pthread_mutex_lock(&w->mu);
	if (w->stop) {
		rc = SIP_EDBDOWN;
	} else if (!w->up) {
		w->stats.refused_down++;
		rc = SIP_EDBDOWN;
	} else if (w->queued >= w->queue_max) {
		w->stats.refused_full++;
		rc = SIP_ELIMIT;
	} else {
		if (w->q_tail)
			w->q_tail->next = j;
		else
			w->q_head = j;
		w->q_tail = j;
		w->queued++;
		w->pending++;
		w->stats.submitted++;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	if (rc != SIP_OK)
		sip_mem_free(j);
	return rc;
}

bool db_worker_ready(const db_worker *w)
{
	db_worker *mw = (db_worker *)w;
	bool ok;

	pthread_mutex_lock(&mw->mu);
	ok = w->up && !w->stop && w->queued < w->queue_max;
	pthread_mutex_unlock(&mw->mu);
	return ok;
}

unsigned db_worker_complete(db_worker *w)
{
	uint64_t n;
	db_job *list;
	unsigned ran = 0;

	if (read(w->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		LOG_WARN("db worker: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&w->mu);
	list = w->d_head;
	w->d_head = w->d_tail = NULL;
	pthread_mutex_unlock(&w->mu);
	while (list) {
		db_job *j = list;
		list = j->next;
		/* Under the lock: another thread may submit meanwhile (a proxy
		 * worker's job, whose completion is posted back to it). */
		pthread_mutex_lock(&w->mu);
		w->pending--;
		if (j->status == SIP_EDB || j->status == SIP_EDBDOWN || j->status == SIP_ETIMEOUT)
			w->stats.failed++;
		pthread_mutex_unlock(&w->mu);
		j->done(j->status, j->arg);
		sip_mem_free(j);
		ran++;
	}
	return ran;
}

bool db_worker_up(const db_worker *w)
{
	db_worker *mw = (db_worker *)w;
	bool up;

	pthread_mutex_lock(&mw->mu);
	up = w->up;
	pthread_mutex_unlock(&mw->mu);
	return up;
}

unsigned db_worker_pending(const db_worker *w)
{
	db_worker *mw = (db_worker *)w;
	unsigned n;

	pthread_mutex_lock(&mw->mu);
	n = w->pending;
	pthread_mutex_unlock(&mw->mu);
	return n;
}

void db_worker_get_stats(const db_worker *w, db_worker_stats *out)
{
	db_worker *mw = (db_worker *)w;

	pthread_mutex_lock(&mw->mu);
	*out = w->stats;
	out->queued = w->queued;
	pthread_mutex_unlock(&mw->mu);
}

const char *db_worker_backend(const db_worker *w)
{
	return w->backend;
}

void db_worker_set_hook(db_worker *w, void (*hook)(void *arg), void *arg)
{
	pthread_mutex_lock(&w->mu);
	w->hook = hook;
	w->hook_arg = arg;
	pthread_mutex_unlock(&w->mu);
}
