/* Inside the workers (worker.c: ownership, hand-off, set-up; worker_run.c:
 * the threads). Split so that what only queues (proxy_worker_post, used
 * by the database and event code) links without the proxy's receive path. */
#ifndef SIPCC_PROXY_WORKER_INT_H
#define SIPCC_PROXY_WORKER_INT_H

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include "core/mpsc.h"
#include "proxy/worker.h"

/* A message read by one worker for another: a copy, since the receive
 * buffer is reused as soon as the reader returns; or a call to run there
 * (proxy_worker_post). */
struct handoff {
	sip_mpsc_node node;
	void (*fn)(void *arg);
	void *arg;
	sip_socket *sock;
	sip_addr src;
	size_t len;
	char buf[];
};

struct worker {
	sip_mpsc q;                 /* messages for this worker */
	unsigned id;
	int efd;                    /* wakes its loop when q is no longer empty */
	sip_loop own;               /* the loop of workers 1..n-1 */
	sip_loop *loop;
	pthread_t thread;
	bool started;
	int init_rc;
	int64_t handed;             /* messages this worker handed to others */
	int64_t dropped;            /* ... and dropped: the owner was too far behind */
	int64_t backlog;            /* messages queued for this worker (atomic) */
} __attribute__((aligned(64)));

struct proxy_workers {
	struct worker *w;           /* n of them; NULL with one worker */
	unsigned n;
	const char *dns;
	sem_t ready;
};
extern struct proxy_workers W;

/* Make w's loop readable. */
void worker_wake(struct worker *w);
/* Empty w's queue at exit: messages dropped, calls run. */
void worker_drain(struct worker *w);
/* Undo proxy_workers_setup() once the threads are joined. */
void worker_teardown(void);

#endif
