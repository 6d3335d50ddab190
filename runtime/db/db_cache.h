/* A table cached from the database: the in-memory copy of one or more
 * tables that routing reads without ever waiting for a query (domains,
 * gateways and rules, and the like).
 *
 * The module describes its table with a db_cache_def:
 *
 *   load(d, &snap)  runs on the database worker's thread: it queries d and
 *                   builds a new, complete snapshot in memory it allocates
 *                   itself (an arena is the usual choice). It touches only
 *                   d and what it allocates. SIP_OK with *snap set, or a
 *                   status (the snapshot, if any, is then not used).
 *   free(snap)      releases a snapshot (any thread).
 *   loaded(c, snap) optional, on the loop's thread right after a new
 *                   snapshot took over (a log line, a gauge).
 *
 * The cache swaps a new snapshot in on the loop's thread when the load's
 * job completes, so code on the loop sees either the old snapshot or the
 * new one, each complete; a snapshot is never changed once loaded. The
 * pointer db_cache_get() returns is valid until the caller's loop next
 * turns: use it within one event, do not keep it. Every worker reads the
 * same snapshot without a lock; the one replaced is freed once no worker
 * can hold it any more (core/qsbr.h).
 *
 * A load that fails (database down, a query error, no memory) changes
 * nothing: the last good snapshot stays in use. The failure is logged
 * (once until a load succeeds again) and counted (NAME.reload_failures;
 * successful loads are NAME.reloads).
 *
 * Reloads come from db_cache_reload() (the host calls it once the
 * database is ready, on SIGHUP and from the control command) and from the
 * timer of db_cache_start(). A reload asked for while one runs is not
 * lost, nor run twice in parallel: one more load follows the running one
 * (the running one may have read the tables before the change that
 * prompted the request), and every request made meanwhile completes with
 * that second load.
 *
 * db_cache_get() may be called on any worker; every other function here
 * is called on worker 0's loop (module init, timers, control commands,
 * the database worker's completions).
 *
 * A module adds a table so (modules/drouting/dr_table.c is one):
 *
 *   static int my_load(db *d, void **out);      queries, then *out = snap
 *   static void my_free(void *snap);
 *   static const db_cache_def my_def = { .name = "my", .load = my_load,
 *                                        .free = my_free };
 *   module init:  db_cache_create(&my_def, &my_cache);
 *                 proxy_db_cache_serve(my_cache, "my");   (proxy/modules.h)
 *   readers:      const struct my_snap *s = db_cache_get(my_cache);
 *   "my reload":  return proxy_db_cache_ctl(my_cache, o, NULL);
 *   module destroy: db_cache_destroy(my_cache);
 *
 * and declares "setting my.reload_interval: int = 10" in its .sipi. With
 * .tables = (const char *const[]){ "my_table", NULL } in the def, a change
 * to my_table (sipcc-ctl, a web panel, plain SQL) is loaded within
 * db.change_interval milliseconds without any reload command: the
 * migration adds my_table to sipcc_change and gives it the triggers that
 * bump its serial (runtime/db/schema.c, v5). db_rows.h has the pieces
 * every such snapshot repeats (its arena, buckets, bad rows, the log). */
#ifndef SIPCC_DB_DB_CACHE_H
#define SIPCC_DB_DB_CACHE_H

#include <stdbool.h>
#include "core/timer.h"
#include "db/db.h"
#include "db/db_worker.h"

typedef struct db_cache db_cache;

typedef struct db_cache_def {
	/* For logs and statistics ("drouting": drouting.reloads). A
	 * constant string. */
	const char *name;
	int (*load)(db *d, void **snap);
	void (*free)(void *snap);
	void (*loaded)(db_cache *c, const void *snap);
	/* The tables the snapshot is built from, NULL-terminated (or NULL):
	 * when the change serial of one of them moves (sipcc_change, bumped
	 * by a trigger on every write), the host reloads the cache. */
	const char *const *tables;
	/* The control command that reloads this cache on its own ("dp
	 * reload"), if any: "db reload" (and SIGHUP through it) leaves the
	 * cache to that command. NULL: "NAME reload", when there is one. */
	const char *reload_cmd;
} db_cache_def;

/* How a load reaches the worker: proxy_db_submit() in the proxy, or a
 * function over db_worker_submit() (db_worker.h contract: SIP_OK and done
 * is called later, or a status and it is not). */
typedef int (*db_cache_submit_fn)(db_job_run run, db_job_done done, void *arg);
/* On the loop's thread when the load a request started or joined has
 * ended: SIP_OK (its snapshot is in use) or the load's status. */
typedef void (*db_cache_done_fn)(db_cache *c, int status, void *arg);

typedef struct db_cache_stats {
	int64_t reloads;            /* snapshots swapped in */
	int64_t failures;           /* loads that failed or could not start */
} db_cache_stats;

/* An empty cache for def (kept, not copied). SIP_OK or SIP_NOMEM. */
int db_cache_create(const db_cache_def *def, db_cache **out);
/* Free the snapshot and stop the timer. A load still running is
 * forgotten: its result is freed when it completes; the requests waiting
 * for it are completed at once with SIP_ESTATE. */
void db_cache_destroy(db_cache *c);

/* The current snapshot; NULL before the first load succeeded. */
const void *db_cache_get(const db_cache *c);
const char *db_cache_name(const db_cache *c);
/* def->reload_cmd. */
const char *db_cache_reload_cmd(const db_cache *c);
/* Why the last load that failed did ("" before any failure). */
const char *db_cache_error(const db_cache *c);
void db_cache_get_stats(const db_cache *c, db_cache_stats *out);

/* Load now on the caller's thread with d and swap the result in (tests,
 * tools, a proxy without a worker thread). SIP_OK or the load's status;
 * on failure the snapshot in use stays. */
int db_cache_load_now(db_cache *c, db *d);

/* Serve the cache: loads go through submit, and when interval_ms is not
 * 0 a reload is started every interval_ms on w. Registers the
 * statistics. Starts no load by itself (the host does, once the schema is
 * in place). */
void db_cache_start(db_cache *c, db_cache_submit_fn submit, sip_timer_wheel *w,
		    unsigned interval_ms);
/* Ask for a reload (see above). SIP_OK: done (when not NULL) will be
 * called once, on the loop, possibly before this returns when submit runs
 * jobs synchronously. Otherwise the status why no load could start
 * (SIP_EDBDOWN, SIP_ESTATE before db_cache_start or before the database
 * is ready, SIP_ELIMIT, SIP_NOMEM); done is not called, the failure is
 * counted, the snapshot in use stays. */
int db_cache_reload(db_cache *c, db_cache_done_fn done, void *arg);
/* Whether the cache is built from table tbl (def->tables). */
bool db_cache_watches(const db_cache *c, const char *tbl);
/* Whether a load is running now. */
bool db_cache_loading(const db_cache *c);

#endif
