/* A module's jobs on the shared store (proxy/modules.h): its statement,
 * kept per connection; its outage, logged once and its end, the failed
 * jobs counted; and a timer that starts a round every interval unless
 * one is out.
 *
 * struct proxy_store_outage is the outage alone, usable from any worker:
 * a job failed with a status (proxy_store_outage_failed: counted, the
 * module's warning logged the first time, its forget hook run every
 * time) or succeeded (proxy_store_outage_ok: the module's notice logged
 * the first time after an outage). The warning is down_pre, the status's
 * text and down_post; back is the notice.
 *
 * struct proxy_store_sync adds the rounds of worker 0: its timer calls
 * round every ms unless a round is out; round hands its job to
 * proxy_store_sync_submit, and the job's done callback asks
 * proxy_store_sync_done whether its result is to be merged. */
#ifndef SIPCC_PROXY_STORE_SYNC_H
#define SIPCC_PROXY_STORE_SYNC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/timer.h"
#include "db/db.h"
#include "db/db_worker.h"

/* A statement a module keeps on the store's worker, prepared on the
 * first job of each connection (d is another one after a reconnect):
 * SIP_OK with c->st set, or db_prepare's failure. sql is a literal, as
 * db_prepare's. */
struct proxy_store_stmt {
	db *d;
	db_stmt *st;
};
int proxy_store_stmt_sql(struct proxy_store_stmt *c, db *d, const char *sql);
#define proxy_store_stmt(c, d, sql) proxy_store_stmt_sql((c), (d), "" sql "")

struct proxy_store_outage {
	const char *down_pre, *down_post;   /* the warning, around the status */
	const char *back;                   /* the notice when a job succeeds again */
	void (*forget)(void);               /* at every failure, or NULL */
	int64_t errors;                     /* jobs failed (a statistic; atomic) */
	atomic_bool down;                   /* the last job failed (logged once) */
};

/* A job failed with status: count it, warn the first time, forget. */
void proxy_store_outage_failed(struct proxy_store_outage *o, int status);
/* A job succeeded: the notice, the first time after an outage. */
void proxy_store_outage_ok(struct proxy_store_outage *o);

struct proxy_store_sync {
	struct proxy_store_outage outage;
	void (*round)(void);                /* start one: proxy_store_sync_submit */
	sip_timer_wheel *w;                 /* worker 0's */
	sip_timer tm;
	uint32_t ms;
	bool busy;                          /* a round is out on the store's worker */
	bool armed;
};

/* From the module's init on worker 0: rounds every ms (outage, round set
 * by the caller). */
void proxy_store_sync_start(struct proxy_store_sync *s, sip_timer_wheel *w, uint32_t ms);
/* From the module's destroy: no more rounds. */
void proxy_store_sync_stop(struct proxy_store_sync *s);
/* From round: submit the job unless rc (the round's preparation) failed.
 * true when it is out (done will be called); false when it failed,
 * counted and logged: the caller frees arg. */
bool proxy_store_sync_submit(struct proxy_store_sync *s, int rc, db_job_run run, db_job_done done,
			     void *arg);
/* From the job's done callback: the round is no longer out. true when
 * its result is to be merged; false at shutdown, when the module is not
 * ready, or when the round failed (counted and logged): the caller frees
 * the round. */
bool proxy_store_sync_done(struct proxy_store_sync *s, int status, bool ready);

#endif
