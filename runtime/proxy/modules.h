/* What the proxy main starts besides the core: the modules the policy
 * uses (proxy/module.h: the compiler registers them, in start order) and
 * the one database handle they share. The database is opened only when a
 * started module asked for it or --db was given. */
#ifndef SIPCC_PROXY_MODULES_H
#define SIPCC_PROXY_MODULES_H

#include <stdbool.h>
#include "core/timer.h"
#include "db/db.h"
#include "db/db_worker.h"

struct sip_loop;

#define PROXY_DB_DEFAULT_URL "sqlite:sipcc.db"

/* Start the registered modules with timers on w, then open the database at url
 * (the --db option; NULL: the policy's "database" line, else
 * PROXY_DB_DEFAULT_URL when a module needs a database). A
 * database that is down is retried in the background; SIP_EINVAL for a
 * malformed URL, the only fatal case. */
int proxy_modules_init(sip_timer_wheel *w, const char *url);
/* Apply the limits.* and tcp.* settings (proxy/limits.c); -1 (logged)
 * when one is out of range. */
int proxy_limits_configure(void);
void proxy_modules_destroy(void);

/* For modules, from their init: the database is needed; fn runs once the
 * database is reachable and its schema migrated (at start-up, or later when
 * it comes up). */
void proxy_db_want(void (*on_ready)(db *d));
/* The shared handle (NULL when no module wanted one), and whether its
 * schema has been put in place. A ready database may still be down: calls
 * then fail with SIP_EDBDOWN (answered 503 with Retry-After) and the
 * handle reconnects by itself. */
db *proxy_db(void);
bool proxy_db_ready(void);

/* Queries off the loop: besides the handle above (start-up work: schema,
 * loading the location table; synchronous fallbacks), the database has a
 * worker thread with its own connection (db/db_worker.h) that runs the
 * queries of request processing. The loop watches the worker's descriptor
 * while jobs are out, and runs their callbacks.
 *
 * The loop the worker's completions are delivered on; call before
 * proxy_modules_init (without it there is no worker and modules work
 * synchronously). */
void proxy_db_use_loop(struct sip_loop *loop);
/* The worker, NULL when there is none. */
db_worker *proxy_db_worker(void);
/* Queue a job (db_worker_submit) and make sure its callback will run.
 * SIP_OK, SIP_EDBDOWN, SIP_ELIMIT, SIP_NOMEM; SIP_ESTATE without a worker
 * or before the schema is ready. */
int proxy_db_submit(db_job_run run, db_job_done done, void *arg);
/* True while the proxy shuts down: job callbacks then only free. */
bool proxy_db_stopping(void);

#endif
