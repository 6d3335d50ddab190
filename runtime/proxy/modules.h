/* What the proxy main starts besides the core: the modules the policy
 * uses (proxy/module.h: the compiler registers them, in start order) and
 * the one database handle they share. The database is opened only when a
 * started module asked for it or --db was given. */
#ifndef SIPCC_PROXY_MODULES_H
#define SIPCC_PROXY_MODULES_H

#include <stdbool.h>
#include "core/timer.h"
#include "db/db.h"
#include "db/db_cache.h"
#include "db/db_worker.h"

struct sip_loop;
struct proxy_ctl_out;

#define PROXY_DB_DEFAULT_URL "sqlite:sipcc.db"

/* Start the registered modules with timers on w, then open the database at url
 * (the --db option; NULL: the policy's "database" line, else
 * PROXY_DB_DEFAULT_URL when a module needs a database). A
 * database that is down is retried in the background; SIP_EINVAL for a
 * malformed URL or a module that refused its settings
 * (proxy_module_refuse), the only fatal cases. */
int proxy_modules_init(sip_timer_wheel *w, const char *url);
/* Whether the running policy registered module m (it was started). */
struct sipcc_module;
bool proxy_module_running(const struct sipcc_module *m);
/* Apply the limits.* and tcp.* settings (proxy/limits.c); -1 (logged)
 * when one is out of range. */
int proxy_limits_configure(void);
void proxy_modules_destroy(void);
/* The name of the first module the policy uses (in start order) that is
 * not safe with several workers (sipcc_module.workers_safe), or NULL. */
const char *proxy_modules_unsafe(void);

/* For modules, from their init: a setting cannot be used (a file it
 * names cannot be read, settings that go together are not all set). The
 * module logs why, naming the setting; the proxy does not start:
 * proxy_modules_init returns SIP_EINVAL once every module's init ran. */
void proxy_module_refuse(void);
/* For modules, from their init: the database is needed; fn runs on the
 * loop once the database is reachable and the worker has migrated its
 * schema (at start-up, or later when it comes up). */
void proxy_db_want(void (*on_ready)(db *d));
/* The shared handle (NULL when no module wanted one), and whether its
 * schema has been put in place. A ready database may still be down: calls
 * then fail with SIP_EDBDOWN (answered 503 with Retry-After) and the
 * handle reconnects by itself. */
db *proxy_db(void);
bool proxy_db_ready(void);

/* Queries off the loop: besides the handle above (loading the location
 * table; synchronous fallbacks), the database has a
 * worker thread with its own connection (db/db_worker.h) that runs the
 * queries of request processing. The loop watches the worker's descriptor
 * while jobs are out, and runs their callbacks.
 *
 * The loop the worker's completions are delivered on; call before
 * proxy_modules_init (without it there is no worker and modules work
 * synchronously). */
void proxy_db_use_loop(struct sip_loop *loop);
/* The event loop, for modules that watch a descriptor of their own (the
 * answers of a media relay); NULL without one (tests, tools): the module
 * then works synchronously. */
struct sip_loop *proxy_host_loop(void);
/* The worker, NULL when there is none. */
db_worker *proxy_db_worker(void);
/* Queue a job (db_worker_submit) and make sure its callback will run.
 * SIP_OK, SIP_EDBDOWN, SIP_ELIMIT, SIP_NOMEM; SIP_ESTATE without a worker
 * or before the schema is ready. */
int proxy_db_submit(db_job_run run, db_job_done done, void *arg);
/* True while the proxy shuts down: job callbacks then only free. */
bool proxy_db_stopping(void);

/* Tables cached from the database (db/db_cache.h), for a module's init:
 * the proxy serves c. Its loads run on the worker; the first once the
 * schema is in place (at start-up the proxy waits a bounded time for it
 * before it serves), then every MODULE.reload_interval seconds (a setting
 * the module declares, 0: off; PROXY_DB_CACHE_INTERVAL_S when the policy's
 * program has none), on SIGHUP and on the module's control command (see
 * proxy_db_cache_ctl); an interval out of range (0..86400) is logged and
 * the default used. SIP_OK, or SIP_ELIMIT beyond 16 tables. */
#define PROXY_DB_CACHE_INTERVAL_S 10
int proxy_db_cache_serve(db_cache *c, const char *module);
/* Call fn on the loop whenever table's change serial (sipcc_change) moves:
 * for state read from the table that is not a db_cache (a cache of rows
 * read one at a time, to empty). From a module's init; at most 8. */
void proxy_db_on_change(const char *table, void (*fn)(void));
/* The body of a "... reload" control command (proxy/ctl.h): reload c and
 * answer when the load has ended, adding fields(snapshot, o) to the reply
 * when it succeeded (fields may be NULL). The loop does not wait: the
 * reply is deferred (proxy_ctl_defer). An error reply when the database is
 * not ready or the load failed; the tables loaded before stay in use. */
bool proxy_db_cache_ctl(db_cache *c, struct proxy_ctl_out *o,
			void (*fields)(const void *snap, struct proxy_ctl_out *o));

/* ---- the shared store: state several proxies share ----
 *
 * What proxies of one service must see of each other (bindings, dialogs,
 * counters) lives in the database named by the setting cluster.store:
 *
 *   redis://[:PASSWORD@]HOST[:PORT][/DB]   Redis (db/db.h: Redis commands
 *                                          are the statements)
 *   postgres://...  (or another SQL URL)   normally the policy's own
 *                                          PostgreSQL "database"
 *
 * "" (the default): no store; every proxy keeps its state to itself, as a
 * single proxy on SQLite does. The store has a worker thread and a
 * connection of its own (also when its URL is the database's); a SQL
 * store gets the schema migrated like the database. Jobs are submitted
 * and completed like proxy_db_submit's: the callback runs on the worker
 * that submitted. Down and full are answered at once (SIP_EDBDOWN,
 * SIP_ELIMIT), and the worker reconnects by itself.
 *
 * cluster.node names this proxy among those sharing the store (default:
 * the host name and the first listening port, "sip1:5060"). */
/* Whether cluster.store is set (readable from a module's init). */
bool proxy_store_configured(void);
/* The store's URL and its adapter name ("redis", "postgres", "mysql",
 * "sqlite"); NULL without a store. */
const char *proxy_store_url(void);
const char *proxy_store_backend(void);
/* From a module's init: fn runs on worker 0's loop each time the store
 * becomes usable: at start-up (before the proxy serves, when it answers
 * within the start-up wait) and after every outage the worker noticed. A
 * module reloads what it keeps from the store there. At most 8. */
void proxy_store_want(void (*on_ready)(void));
/* Queue a job on the store's worker. SIP_OK (done will be called),
 * SIP_EDBDOWN, SIP_ELIMIT, SIP_NOMEM; SIP_ESTATE without a store or
 * before it was first ready. */
int proxy_store_submit(db_job_run run, db_job_done done, void *arg);
/* Whether the store answered its last job (a down store fails fast). */
bool proxy_store_up(void);
/* This proxy's name in the cluster (cluster.node). */
const char *proxy_cluster_node(void);

#endif
