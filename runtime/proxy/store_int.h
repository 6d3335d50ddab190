/* Inside the host (modules.c, store.c): the shared store's life and the
 * submission both database workers use. */
#ifndef SIPCC_PROXY_STORE_INT_H
#define SIPCC_PROXY_STORE_INT_H

#include "core/timer.h"
#include "db/db_worker.h"

struct sip_loop;

/* Queue a job on worker w: its callback runs on the worker thread that
 * submitted it; watch(NULL) runs on worker 0 to watch w's descriptor. */
int proxy_dbw_submit(db_worker *w, void (*watch)(void *), db_job_run run, db_job_done done,
		     void *arg);
/* Worker w's descriptor, watched on loop (worker 0's) while jobs are out:
 * proxy_dbw_watch (a job's watch) adds it with on_done, logging failed
 * when it cannot; proxy_dbw_done (on_done's body) runs the completions
 * and unwatches it once no job is out, when it is all that keeps the loop
 * from its single-socket fast path (net/loop.h): beside other
 * descriptors it stays watched (no epoll_ctl twice a job). */
void proxy_dbw_watch(db_worker *w, struct sip_loop *loop, bool *watching,
		     void (*on_done)(struct sip_loop *, int, uint32_t, void *), const char *failed);
void proxy_dbw_done(db_worker *w, struct sip_loop *loop, int fd, bool *watching);
/* Before the loop serves: let worker w finish what was queued (the
 * migration, the first loads of tables and shared state), for at most
 * PROXY_DB_STARTUP_MS, so that the first call already sees them (OpenSIPS
 * and Kamailio likewise load their tables in mod_init/child_init, before
 * the SIP workers start). Nothing is served yet, so this wait stalls no
 * SIP processing; a database that is down is not waited for at all
 * (nothing was queued), and one slower than the bound finishes in the
 * background once the loop runs (slow is logged; w stays watched on loop
 * while jobs are out). */
void proxy_dbw_startup_wait(db_worker *w, struct sip_loop *loop, bool *watching,
			    const char *slow);
/* After the modules' init: start the store's worker when cluster.store is
 * set and a loop delivers its completions (SIP_EINVAL, logged, for a URL
 * no adapter takes). */
int proxy_store_start(sip_timer_wheel *w, struct sip_loop *loop);
/* Before serving: let the store's first check and the modules' first
 * loads finish, for a bounded time. */
void proxy_store_startup_wait(void);
/* At exit, before the modules' destroy. */
void proxy_store_stop(void);

#endif
