/* A database worker: one thread with its own handle (db.h) that runs
 * jobs from a bounded FIFO queue, so that the event loop never waits for
 * the database. The loop submits a job (a function the worker runs on its
 * handle, and a callback for the result); the worker runs jobs one at a
 * time in submission order, so two writes of one key are applied in the
 * order they were submitted; finished jobs are handed back through an
 * eventfd that the loop watches, and their callbacks run on the loop's
 * thread when it calls db_worker_complete().
 *
 * Down and full are answered at once, never by waiting: while the
 * worker's handle has no connection (it failed, or was lost and the
 * backoff of db.c runs) db_worker_submit() refuses with SIP_EDBDOWN, and
 * with SIP_ELIMIT when the queue holds its maximum. Meanwhile the worker
 * tries to reconnect by itself, spaced by the handle's backoff, and
 * db_worker_up() turns true again when it succeeded. A job already queued
 * when the database goes away fails as fast as the handle does: the one
 * running waits at most the adapter's bounded wait, the ones behind it
 * fail at once while the backoff runs.
 *
 * Ownership: arg belongs to the caller; done(status, arg) is called
 * exactly once per accepted job (also at db_worker_stop(), with
 * SIP_EDBDOWN for jobs that never ran), on the loop's thread, and is where
 * the caller frees arg. run(d, arg) runs on the worker's thread and must
 * touch nothing but d and arg. */
#ifndef SIPCC_DB_DB_WORKER_H
#define SIPCC_DB_DB_WORKER_H

#include <stdbool.h>
#include "db/db.h"

typedef struct db_worker db_worker;

/* In the worker thread: the job's work on the worker's handle. Returns a
 * status (SIP_OK, or a status of db.h) passed on to done. */
typedef int (*db_job_run)(db *d, void *arg);
/* On the loop's thread, from db_worker_complete(). */
typedef void (*db_job_done)(int status, void *arg);

typedef struct db_worker_stats {
	unsigned long submitted, completed;
	unsigned long refused_down, refused_full;
	unsigned long failed;       /* jobs that ended with a database error or
				       timeout (counted on the loop's thread) */
	unsigned queued;            /* now, running job included */
} db_worker_stats;

/* Open a handle for url and start the thread. The first connection is
 * made by the thread; until it succeeds the worker is down. queue_max
 * bounds the jobs queued or running (0: 1024). SIP_OK; SIP_EINVAL for a
 * malformed URL; SIP_NOMEM or SIP_EIO (no thread or eventfd). */
int db_worker_start(const char *url, unsigned queue_max, db_worker **out);
/* Finish the running job, give the queued ones at most wait_ms to run
 * (writes the loop still wants stored), then report the rest as
 * SIP_EDBDOWN, stop the thread, close the handle and run every pending
 * callback. */
void db_worker_stop(db_worker *w, unsigned wait_ms);

/* The descriptor that becomes readable when jobs have finished. */
int db_worker_fd(const db_worker *w);
/* Queue a job. SIP_OK (done will be called), SIP_EDBDOWN (the database
 * is down now), SIP_ELIMIT (the queue is full), SIP_NOMEM. */
int db_worker_submit(db_worker *w, db_job_run run, db_job_done done, void *arg);
/* Whether a job could be queued now (up and not full). */
bool db_worker_ready(const db_worker *w);
/* Run the callbacks of the finished jobs; returns how many ran. */
unsigned db_worker_complete(db_worker *w);
/* Whether the worker's handle is connected (as of its last job or
 * reconnect attempt). */
bool db_worker_up(const db_worker *w);
/* Jobs accepted whose callback has not run yet. */
unsigned db_worker_pending(const db_worker *w);
void db_worker_get_stats(const db_worker *w, db_worker_stats *out);
/* The worker's adapter name ("sqlite", "postgres", "mysql"). */
const char *db_worker_backend(const db_worker *w);
/* For tests: the worker runs hook(arg) before each job (a slow database
 * without a server that can be made slow). */
void db_worker_set_hook(db_worker *w, void (*hook)(void *arg), void *arg);

#endif
