/* Module start-up and the shared database handle (see modules.h). */
#include "proxy/modules.h"

#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "net/loop.h"
#include "net/transport.h"
#include "proxy/ctl.h"
#include "proxy/settings.h"

#include "proxy/module.h"
#include "proxy/proxy.h"
#include "proxy/worker.h"
#include "core/worker.h"
#include "proxy/policy_abi.h"
#include "proxy/policy.h"
#include "proxy/store_int.h"

/* The modules the policy uses, in start order (sipcc_reg_module). */
#define PROXY_MAX_MODULES 32
static struct {
	sipcc_module *v[PROXY_MAX_MODULES];
	unsigned n;
} MOD;

bool proxy_module_running(const sipcc_module *m)
{
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i] == m)
			return true;
	return false;
}

void sipcc_reg_module(struct sipcc_module *m)
{
	if (proxy_policy_staging()) {
		proxy_policy_stage_module(m);
		return;
	}
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i] == m)
			return;
	if (MOD.n == PROXY_MAX_MODULES || MOD.n + 1 >= TXN_MOD_SLOTS) {
		LOG_ERR("too many modules: %s not started", m->name);
		return;
	}
	MOD.v[MOD.n++] = m;
	m->slot = MOD.n;        /* 0 is left to modules not registered (tests) */
}

const char *proxy_modules_unsafe(void)
{
	for (unsigned i = 0; i < MOD.n; i++)
		if (!MOD.v[i]->workers_safe)
			return MOD.v[i]->name;
	return NULL;
}

void **proxy_ctx_slot(struct sip_ctx *ctx, const sipcc_module *m)
{
	return &ctx->mod[m->slot < TXN_MOD_SLOTS ? m->slot : 0];
}

void **proxy_txn_slot(txn *s, const sipcc_module *m)
{
	return &s->u_mod[m->slot < TXN_MOD_SLOTS ? m->slot : 0];
}

/* Give s the copy of m's state from ctx's slot, unless s has its own. */
static void call_bind(struct sip_ctx *ctx, txn *s, const sipcc_module *m)
{
	void **ts = proxy_txn_slot(s, m);
	void *cs = *proxy_ctx_slot(ctx, m);
	if (*ts || !cs || !m->call_copy)
		return;
	if (!(*ts = m->call_copy(cs, &s->arena)))
		LOG_WARN("%s: no memory to keep the call's state in its transaction", m->name);
}

void **proxy_call_slot(struct sip_ctx *ctx, const sipcc_module *m, sip_arena **a)
{
	if (ctx->txn) {
		call_bind(ctx, ctx->txn, m);
		if (a)
			*a = &ctx->txn->arena;
		return proxy_txn_slot(ctx->txn, m);
	}
	if (a)
		*a = ctx->arena;
	return proxy_ctx_slot(ctx, m);
}

void proxy_modules_txn_bind(struct sip_ctx *ctx)
{
	if (!ctx->txn)
		return;
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i]->call_copy)
			call_bind(ctx, ctx->txn, MOD.v[i]);
}

const void *proxy_module_api(const char *name)
{
	for (unsigned i = 0; i < MOD.n; i++)
		if (strcmp(MOD.v[i]->name, name) == 0)
			return MOD.v[i]->api;
	return NULL;
}

void proxy_modules_worker_start(sip_timer_wheel *w)
{
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i]->worker_start)
			MOD.v[i]->worker_start(w);
}

bool proxy_modules_flush(void)
{
	bool any = false;
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i]->flush) {
			MOD.v[i]->flush();
			any = true;
		}
	return any;
}

void proxy_modules_worker_stop(void)
{
	for (unsigned i = MOD.n; i-- > 0;)
		if (MOD.v[i]->worker_stop)
			MOD.v[i]->worker_stop();
}

void proxy_modules_request(struct sip_ctx *ctx)
{
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i]->request)
			MOD.v[i]->request(ctx);
}

void proxy_modules_routed(struct sip_ctx *ctx)
{
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i]->routed)
			MOD.v[i]->routed(ctx);
}

void proxy_modules_route_txn(struct sip_ctx *ctx, txn *s)
{
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i]->route_txn)
			MOD.v[i]->route_txn(ctx, s);
}

void proxy_modules_reply(txn *s, sip_msg *resp)
{
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i]->reply)
			MOD.v[i]->reply(s, resp);
}

void proxy_modules_final(txn *s, int code)
{
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i]->final)
			MOD.v[i]->final(s, code);
}

#define PROXY_DB_MAX_HOOKS 8
#define PROXY_DB_MAX_CACHES 16
/* Most tables whose change serials are followed (rows of sipcc_change). */
#define PROXY_DB_MAX_TABLES 32
/* Default of db.change_interval: how often sipcc_change is read. */
#define PROXY_DB_CHANGE_MS 1000
#define PROXY_DB_RETRY_MS  1000
/* At start-up, how long the proxy waits for the worker to migrate the
 * schema and load the cached tables before it serves anyway. */
#define PROXY_DB_STARTUP_MS 5000

static struct {
	db *d;
	bool wanted, ready, migrating, warned;
	void (*hooks[PROXY_DB_MAX_HOOKS])(db *d);
	unsigned n_hooks;
	db_cache *caches[PROXY_DB_MAX_CACHES];
	const char *cache_module[PROXY_DB_MAX_CACHES];
	unsigned n_caches;
	sip_timer_wheel *w;
	sip_timer retry;
	sip_loop *loop;
	db_worker *worker;
	bool watching, stopping;
	bool refused;                   /* a module's init refused its settings */
	sip_timer change_tm;            /* polls sipcc_change */
	unsigned change_ms;
	bool change_polling;            /* a poll is out */
	bool change_known;              /* serials below are a baseline */
	unsigned n_serials;
	struct { char tbl[64]; int64_t serial; } serials[PROXY_DB_MAX_TABLES];
	struct proxy_db_sync *syncs;    /* "db sync" commands waiting */
	struct { const char *tbl; void (*fn)(void); } on_change[8];
	unsigned n_on_change;
} M;

/* How many queries may wait for the worker; beyond, 503 at once. */
#define PROXY_DB_QUEUE   512
/* At shutdown, how long queued writes may still run. */
#define PROXY_DB_DRAIN_MS 2000

void proxy_db_use_loop(sip_loop *loop)
{
	M.loop = loop;
}

sip_loop *proxy_host_loop(void)
{
	return M.loop;
}

db_worker *proxy_db_worker(void)
{
	return M.worker;
}

bool proxy_db_stopping(void)
{
	return M.stopping;
}

void proxy_dbw_done(db_worker *w, sip_loop *loop, int fd, bool *watching)
{
	/* The replies of requests that waited for these jobs (a batch of
	 * registrations written in one transaction) leave in one sendmmsg. */
	bool batched = tp_udp_batch_begin();
	db_worker_complete(w);
	tp_udp_batch_end(batched);
	if (!db_worker_pending(w) && *watching && loop->nwatch <= 2) {
		sip_loop_del_fd(loop, fd);
		*watching = false;
	}
}

void proxy_dbw_watch(db_worker *w, sip_loop *loop, bool *watching, sip_loop_fn on_done,
		     const char *failed)
{
	if (*watching || !w || !loop)
		return;
	if (sip_loop_add_fd(loop, db_worker_fd(w), on_done, NULL) == SIP_OK)
		*watching = true;
	else
		LOG_ERR("%s", failed);
}

static void proxy_db_on_done(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)events;
	(void)arg;
	proxy_dbw_done(M.worker, loop, fd, &M.watching);
}

/* Watch the database worker's descriptor on the host loop (worker 0's). */
static void proxy_db_watch(void *arg)
{
	(void)arg;
	proxy_dbw_watch(M.worker, M.loop, &M.watching, proxy_db_on_done,
			"db: cannot watch the database worker");
}

/* A job submitted by another worker than the first: its completion, read
 * on worker 0, is run on the worker that submitted it (proxy/worker.h),
 * where the request that waits for it lives. */
struct db_relay {
	db_job_run run;
	db_job_done done;
	void *arg;
	int status;
	unsigned worker;
};

static int db_relay_job(db *d, void *p)
{
	struct db_relay *r = p;
	return r->run(d, r->arg);
}

static void db_relay_run(void *p)
{
	struct db_relay *r = p;
	r->done(r->status, r->arg);
	sip_mem_free(r);
}

static void db_relay_done(int status, void *p)
{
	struct db_relay *r = p;
	r->status = status;
	if (proxy_worker_post(r->worker, db_relay_run, r) != SIP_OK) {
		LOG_ERR("db: out of memory: a result is handled on the wrong worker");
		db_relay_run(r);
	}
}

/* Queue a job on worker w; its completion runs on the submitting worker
 * (db_relay). watch(NULL) makes worker 0 watch w's descriptor. */
int proxy_dbw_submit(db_worker *w, void (*watch)(void *), db_job_run run, db_job_done done,
		     void *arg)
{
	struct db_relay *r = NULL;
	if (sip_worker_id != 0 && done) {
		if (!(r = sip_mem_alloc(sizeof *r)))
			return SIP_NOMEM;
		*r = (struct db_relay){ run, done, arg, 0, sip_worker_id };
		run = db_relay_job;
		done = db_relay_done;
		arg = r;
	}
	int rc = db_worker_submit(w, run, done, arg);
	if (rc != SIP_OK) {
		sip_mem_free(r);
		return rc;
	}
	if (sip_worker_id == 0)
		watch(NULL);
	else if (proxy_worker_post(0, watch, NULL) != SIP_OK)
		LOG_ERR("db: cannot watch the database worker");
	return rc;
}

/* Queue a job, also before the schema is ready (the migration itself). */
static int proxy_db_submit_any(db_job_run run, db_job_done done, void *arg)
{
	if (!M.worker || M.stopping)
		return SIP_ESTATE;
	return proxy_dbw_submit(M.worker, proxy_db_watch, run, done, arg);
}

int proxy_db_submit(db_job_run run, db_job_done done, void *arg)
{
	if (!M.ready)
		return SIP_ESTATE;
	return proxy_db_submit_any(run, done, arg);
}

void proxy_db_want(void (*on_ready)(db *d))
{
	M.wanted = true;
	if (on_ready && M.n_hooks < PROXY_DB_MAX_HOOKS)
		M.hooks[M.n_hooks++] = on_ready;
}

db *proxy_db(void)
{
	return M.d;
}

bool proxy_db_ready(void)
{
	/* Not db_is_up(): a lost connection is only re-established by the
	 * next call, so callers must keep calling and map SIP_EDBDOWN. */
	return M.d && M.ready;
}

/* ---- tables cached from the database ---- */

/* How the caches' loads reach the worker: refused as "down" until the
 * schema is in place. Without a worker thread (no loop) a load runs at
 * once on the loop's handle. */
static int proxy_db_cache_submit(db_job_run run, db_job_done done, void *arg)
{
	if (!M.ready)
		return SIP_EDBDOWN;
	if (!M.worker) {
		done(run(M.d, arg), arg);
		return SIP_OK;
	}
	return proxy_db_submit_any(run, done, arg);
}

int proxy_db_cache_serve(db_cache *c, const char *module)
{
	int64_t s = sipcc_setting_int_range(module, "reload_interval", PROXY_DB_CACHE_INTERVAL_S, 0,
					    86400);
	if (M.n_caches == PROXY_DB_MAX_CACHES)
		return SIP_ELIMIT;
	M.cache_module[M.n_caches] = module;
	M.caches[M.n_caches++] = c;
	M.wanted = true;
	db_cache_start(c, proxy_db_cache_submit, M.w, (unsigned)s * 1000);
	/* Served before the database came up: loaded when it does. */
	if (M.ready)
		db_cache_reload(c, NULL, NULL);
	return SIP_OK;
}

struct proxy_db_cache_req {
	proxy_ctl_later *later;
	void (*fields)(const void *snap, proxy_ctl_out *o);
};

static void proxy_db_cache_ctl_done(db_cache *c, int status, void *arg)
{
	struct proxy_db_cache_req *r = arg;
	proxy_ctl_out *o = proxy_ctl_later_out(r->later);
	bool ok = status == SIP_OK;
	if (ok && r->fields)
		r->fields(db_cache_get(c), o);
	else if (!ok)
		proxy_ctl_error(o, "cannot reload (%s); the tables loaded before stay in use",
				db_cache_error(c));
	proxy_ctl_finish(r->later, ok);
	sip_mem_free(r);
}

bool proxy_db_cache_ctl(db_cache *c, proxy_ctl_out *o,
			void (*fields)(const void *snap, proxy_ctl_out *o))
{
	if (!M.ready)
		return proxy_ctl_error(o, "the database is not ready");
	if (!M.worker) {
		int rc = db_cache_load_now(c, M.d);
		if (rc != SIP_OK)
			return proxy_ctl_error(o, "cannot reload: %s: %s", sip_strerror(rc), db_error(M.d));
		if (fields)
			fields(db_cache_get(c), o);
		return true;
	}
	struct proxy_db_cache_req *r = sip_mem_alloc(sizeof *r);
	if (!r || !(r->later = proxy_ctl_defer(o))) {
		sip_mem_free(r);
		return proxy_ctl_error(o, "out of memory");
	}
	r->fields = fields;
	int rc = db_cache_reload(c, proxy_db_cache_ctl_done, r);
	if (rc != SIP_OK) {
		sip_mem_free(r);       /* the deferred reply is dropped by the caller */
		return proxy_ctl_error(o, "cannot reload (%s); the tables loaded before stay in use",
				       db_cache_error(c));
	}
	return true;
}

/* ---- changes: sipcc_change ----
 *
 * Every table a cache is built from has a row in sipcc_change whose serial
 * a trigger bumps on every write, whoever writes. Every db.change_interval
 * ms the worker reads the serials (one small query); a cache whose table's
 * serial moved is reloaded. "sipcc-ctl" asks for the same poll at once
 * ("db sync") after it wrote, and gets its answer once the reloads it
 * caused are in: a provisioning change is in use when sipcc-ctl returns. */

struct proxy_db_change_job {
	unsigned n;
	struct { char tbl[64]; int64_t serial; } rows[PROXY_DB_MAX_TABLES];
};

/* A "db sync" command waiting for a poll and the reloads it started. */
struct proxy_db_sync {
	proxy_ctl_later *later;
	unsigned pending;               /* reloads not yet done */
	unsigned reloaded;              /* reloads started */
	bool polled;
	int failed;
	struct proxy_db_sync *next;
};

static void proxy_db_change_poll(void);

/* On the worker's thread. */
static int proxy_db_change_run(db *d, void *arg)
{
	struct proxy_db_change_job *j = arg;
	db_stmt *st;
	int rc = db_prepare(d, "SELECT tbl, serial FROM sipcc_change", &st);
	if (rc != SIP_OK)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		sip_str t = db_column_text(st, 0);
		if (j->n == PROXY_DB_MAX_TABLES || t.len >= sizeof j->rows[0].tbl)
			continue;
		memcpy(j->rows[j->n].tbl, t.s, t.len);
		j->rows[j->n].tbl[t.len] = '\0';
		j->rows[j->n].serial = db_column_int(st, 1);
		j->n++;
	}
	db_finalize(st);
	return rc;
}

static void proxy_db_sync_finish(struct proxy_db_sync *s)
{
	if (!s->later) {                /* nobody waits for the answer */
		sip_mem_free(s);
		return;
	}
	proxy_ctl_out *o = proxy_ctl_later_out(s->later);
	if (s->failed)
		proxy_ctl_error(o, "%d table(s) could not be reloaded; the copies loaded before stay in use",
				s->failed);
	else
		proxy_ctl_printf(o, ",\"reloaded\":%u", s->reloaded);
	proxy_ctl_finish(s->later, !s->failed);
	sip_mem_free(s);
}

static void proxy_db_sync_reloaded(db_cache *c, int status, void *arg)
{
	(void)c;
	struct proxy_db_sync *s = arg;
	if (status != SIP_OK)
		s->failed++;
	if (--s->pending == 0)
		proxy_db_sync_finish(s);
}

/* The serials read: reload what changed and answer the "db sync"
 * commands that waited for this poll. */
static void proxy_db_change_done(int status, void *arg)
{
	struct proxy_db_change_job *j = arg;
	bool reload[PROXY_DB_MAX_CACHES] = { false };
	struct proxy_db_sync *syncs = M.syncs;

	M.syncs = NULL;
	M.change_polling = false;
	if (status == SIP_OK && !M.stopping) {
		for (unsigned r = 0; r < j->n; r++) {
			unsigned k;
			for (k = 0; k < M.n_serials; k++)
				if (strcmp(M.serials[k].tbl, j->rows[r].tbl) == 0)
					break;
			if (k == M.n_serials) {
				if (k == PROXY_DB_MAX_TABLES)
					continue;
				memcpy(M.serials[k].tbl, j->rows[r].tbl, sizeof M.serials[k].tbl);
				M.serials[k].serial = j->rows[r].serial;
				M.n_serials++;
				if (!M.change_known)
					continue;
			} else if (M.serials[k].serial == j->rows[r].serial) {
				continue;
			}
			M.serials[k].serial = j->rows[r].serial;
			for (unsigned i = 0; i < M.n_on_change; i++)
				if (strcmp(M.on_change[i].tbl, j->rows[r].tbl) == 0)
					M.on_change[i].fn();
			for (unsigned i = 0; i < M.n_caches; i++)
				if (db_cache_watches(M.caches[i], j->rows[r].tbl))
					reload[i] = true;
		}
		M.change_known = true;
	}
	sip_mem_free(j);
	/* Every waiting "db sync" joins each reload started now. */
	for (unsigned i = 0; i < M.n_caches; i++) {
		if (!reload[i])
			continue;
		LOG_INFO("db: %s changed; reloading", db_cache_name(M.caches[i]));
		if (!syncs) {
			db_cache_reload(M.caches[i], NULL, NULL);
			continue;
		}
		for (struct proxy_db_sync *s = syncs; s; s = s->next) {
			s->pending++;
			s->reloaded++;
			if (db_cache_reload(M.caches[i], proxy_db_sync_reloaded, s) != SIP_OK) {
				s->pending--;
				s->failed++;
			}
		}
	}
	while (syncs) {
		struct proxy_db_sync *s = syncs;
		syncs = s->next;
		if (status != SIP_OK)
			s->failed++;
		if (s->pending == 0)
			proxy_db_sync_finish(s);
	}
}

void proxy_db_on_change(const char *table, void (*fn)(void))
{
	if (M.n_on_change < sizeof M.on_change / sizeof M.on_change[0]) {
		M.on_change[M.n_on_change].tbl = table;
		M.on_change[M.n_on_change++].fn = fn;
	}
}

static void proxy_db_change_poll(void)
{
	if (M.change_polling || !M.ready || M.stopping)
		return;
	struct proxy_db_change_job *j = sip_mem_alloc(sizeof *j);
	if (!j)
		return;
	memset(j, 0, sizeof *j);
	M.change_polling = true;
	int rc = proxy_db_cache_submit(proxy_db_change_run, proxy_db_change_done, j);
	if (rc != SIP_OK) {
		M.change_polling = false;
		sip_mem_free(j);
	}
}

static void proxy_db_change_tick(sip_timer *tm, void *arg)
{
	(void)arg;
	if (M.n_caches || M.n_on_change)
		proxy_db_change_poll();
	if (M.change_ms && !M.stopping)
		sip_timer_add(M.w, tm, M.change_ms);
}

/* "db sync": read the change serials now, reload what changed, answer
 * when the new copies are in use. */
static bool proxy_db_sync_cmd(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argc;
	(void)argv;
	if (!M.ready)
		return proxy_ctl_error(o, "the database is not ready");
	if (!M.n_caches && !M.n_on_change) {
		proxy_ctl_printf(o, ",\"reloaded\":0");
		return true;
	}
	struct proxy_db_sync *s = sip_mem_alloc(sizeof *s);
	if (!s || !(s->later = proxy_ctl_defer(o))) {
		sip_mem_free(s);
		return proxy_ctl_error(o, "out of memory");
	}
	memset(&s->pending, 0, sizeof *s - offsetof(struct proxy_db_sync, pending));
	/* A poll already out may have read the serials before the change
	 * that prompted this command: wait for the next one. */
	s->next = M.syncs;
	M.syncs = s;
	if (!M.change_polling)
		proxy_db_change_poll();
	if (!M.change_polling && M.syncs == s) {
		/* could not start (queue full, database down) */
		M.syncs = s->next;
		proxy_ctl_error(o, "cannot read the change serials: %s", db_error(M.d));
		proxy_ctl_finish(s->later, false);
		sip_mem_free(s);
	}
	return true;
}

/* "db reload": load every cached table whose module has no reload
 * command of its own ("dr reload" and the like, which SIGHUP runs too),
 * changed or not; answers when the new copies are in use. SIGHUP runs it
 * with the other "... reload" commands. */
static bool proxy_db_reload_cmd(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argc;
	(void)argv;
	if (!M.ready)
		return proxy_ctl_error(o, "the database is not ready");
	struct proxy_db_sync *s = sip_mem_alloc(sizeof *s);
	if (!s)
		return proxy_ctl_error(o, "out of memory");
	memset(s, 0, sizeof *s);
	/* Held at 1 while the reloads are asked for: one that completes at
	 * once (no worker thread) must not answer before the reply is
	 * deferred, and the reply is deferred only when a reload is still
	 * running (a finished deferred reply is freed by its finish). */
	s->pending = 1;
	for (unsigned i = 0; i < M.n_caches; i++) {
		char own[64];
		const char *cmd = db_cache_reload_cmd(M.caches[i]);
		if (!cmd) {
			snprintf(own, sizeof own, "%s reload", db_cache_name(M.caches[i]));
			cmd = own;
		}
		if (proxy_ctl_has(cmd))
			continue;
		s->pending++;
		s->reloaded++;
		if (db_cache_reload(M.caches[i], proxy_db_sync_reloaded, s) != SIP_OK) {
			s->pending--;
			s->failed++;
		}
	}
	if (s->pending == 1) {
		bool ok = !s->failed;
		if (ok)
			proxy_ctl_printf(o, ",\"reloaded\":%u", s->reloaded);
		else
			proxy_ctl_error(o, "%d table(s) could not be reloaded; the copies loaded before"
					" stay in use", s->failed);
		sip_mem_free(s);
		return ok;
	}
	if (!(s->later = proxy_ctl_defer(o))) {
		/* Cannot answer later: the reloads go on, their waiter is
		 * forgotten by answering now. */
		s->pending--;
		return proxy_ctl_error(o, "out of memory");
	}
	s->pending--;
	return true;
}

/* ---- start-up: schema and first loads ---- */

/* The schema is in place: the modules load their state. */
static void proxy_db_now_ready(void)
{
	M.ready = true;
	M.warned = false;
	LOG_NOTICE("db: %s database ready", db_backend(M.d));
	for (unsigned i = 0; i < M.n_hooks; i++)
		M.hooks[i](M.d);
	/* The worker runs jobs in order: the serials are read before the
	 * tables, so a change made after the loads is seen by the next poll. */
	if (M.n_caches || M.n_on_change)
		proxy_db_change_poll();
	for (unsigned i = 0; i < M.n_caches; i++)
		db_cache_reload(M.caches[i], NULL, NULL);
	if (M.change_ms && !sip_timer_armed(&M.change_tm))
		sip_timer_add(M.w, &M.change_tm, M.change_ms);
}

/* On the worker's thread. */
static int proxy_db_migrate_run(db *d, void *arg)
{
	(void)arg;
	return db_schema_migrate(d);
}

static void proxy_db_migrate_done(int status, void *arg)
{
	(void)arg;
	M.migrating = false;
	if (M.stopping)
		return;
	if (status == SIP_OK) {
		proxy_db_now_ready();
		return;
	}
	if (!M.warned)
		LOG_WARN("db: cannot bring the schema up to date (%s); retrying every %d ms",
			 sip_strerror(status), PROXY_DB_RETRY_MS);
	M.warned = true;
	if (!sip_timer_armed(&M.retry))
		sip_timer_add(M.w, &M.retry, PROXY_DB_RETRY_MS);
}

/* Bring the schema up to date; on success the modules load their state.
 * Until then, and whenever it fails, try again a second later.
 *
 * The migration runs on the database worker, like every query of the
 * running proxy: a database that is slow, frozen or unreachable when the
 * proxy starts, or comes up only later, never holds up the event loop;
 * while the worker has no connection this only looks whether it has one
 * again. Only a proxy without a worker thread migrates on the loop. */
static void proxy_db_try(sip_timer *tm, void *arg)
{
	(void)arg;
	if (M.ready || M.migrating || M.stopping)
		return;
	if (!M.worker) {
		if (db_schema_migrate(M.d) == SIP_OK) {
			proxy_db_now_ready();
			return;
		}
	} else if (proxy_db_submit_any(proxy_db_migrate_run, proxy_db_migrate_done, NULL) == SIP_OK) {
		M.migrating = true;
		return;
	}
	if (!sip_timer_armed(tm))
		sip_timer_add(M.w, tm, PROXY_DB_RETRY_MS);
}

static uint64_t proxy_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void proxy_dbw_startup_wait(db_worker *w, sip_loop *loop, bool *watching, const char *slow)
{
	uint64_t until = proxy_now_ms() + PROXY_DB_STARTUP_MS;
	while (w && db_worker_pending(w)) {
		uint64_t now = proxy_now_ms();
		if (now >= until) {
			LOG_WARN("%s", slow);
			return;
		}
		struct pollfd p = { db_worker_fd(w), POLLIN, 0 };
		if (poll(&p, 1, (int)(until - now)) > 0)
			db_worker_complete(w);
	}
	if (*watching) {
		sip_loop_del_fd(loop, db_worker_fd(w));
		*watching = false;
	}
}

void proxy_module_refuse(void)
{
	M.refused = true;
}

int proxy_modules_init(sip_timer_wheel *w, const char *url)
{
	M.w = w;
	sip_timer_init(&M.retry, proxy_db_try, NULL);
	sip_timer_init(&M.change_tm, proxy_db_change_tick, NULL);
	int64_t cms = sipcc_setting_int_range("db", "change_interval", PROXY_DB_CHANGE_MS, 0,
					      3600000);
	M.change_ms = (unsigned)cms;
	M.refused = false;
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i]->init)
			MOD.v[i]->init(w);
	if (M.refused)
		return SIP_EINVAL;      /* each module said why */
	if (M.n_caches)
		proxy_ctl_register("db reload", "",
				   "load every cached table now (those without a reload command of"
				   " their own); answers when in use", proxy_db_reload_cmd);
	if (M.n_caches || M.n_on_change)
		proxy_ctl_register("db sync", "",
				   "load the tables changed in the database now; answers when in use",
				   proxy_db_sync_cmd);
	if (!url)
		url = sipcc_database_url();     /* the policy's "database" line */
	if (url && db_url_problem(url)) {
		LOG_ERR("cannot use the database '%s': %s", url, db_url_problem(url));
		return SIP_EINVAL;
	}
	int src = proxy_store_start(w, M.loop);
	if (src != SIP_OK)
		return src;
	if (!M.wanted && !url) {
		proxy_store_startup_wait();
		return SIP_OK;
	}
	if (!url)
		url = PROXY_DB_DEFAULT_URL;
	int rc = db_open(url, &M.d);
	if (rc == SIP_EINVAL || rc == SIP_NOMEM) {
		const char *why = rc == SIP_EINVAL ? db_url_problem(url) : NULL;
		LOG_ERR("cannot use the database '%s': %s", url, why ? why : sip_strerror(rc));
		return rc;
	}
	if (rc == SIP_EDBDOWN)
		LOG_WARN("db: %s is down at start-up (%s); retrying in the background",
			 db_backend(M.d), db_error(M.d));
	if (M.loop && (rc = db_worker_start(url, PROXY_DB_QUEUE, &M.worker)) != SIP_OK)
		LOG_WARN("db: no worker thread (%s); queries run on the event loop",
			 sip_strerror(rc));
	proxy_db_try(&M.retry, NULL);
	proxy_dbw_startup_wait(M.worker, M.loop, &M.watching,
			       "db: the database is slow; serving before the tables are loaded");
	proxy_store_startup_wait();
	return SIP_OK;
}

void proxy_modules_destroy(void)
{
	if (M.w) {
		sip_timer_cancel(M.w, &M.retry);
		sip_timer_cancel(M.w, &M.change_tm);
	}
	for (unsigned i = MOD.n; i-- > 0;)
		if (MOD.v[i]->stop)
			MOD.v[i]->stop();
	M.stopping = true;
	proxy_store_stop();
	if (M.worker) {
		if (M.watching)
			sip_loop_del_fd(M.loop, db_worker_fd(M.worker));
		db_worker_stop(M.worker, PROXY_DB_DRAIN_MS);
	}
	M.worker = NULL;
	M.watching = false;
	for (unsigned i = MOD.n; i-- > 0;)
		if (MOD.v[i]->destroy)
			MOD.v[i]->destroy();
	if (M.d)
		db_close(M.d);
	M.d = NULL;
	M.ready = M.wanted = M.stopping = M.migrating = M.warned = false;
	M.n_hooks = 0;
	M.n_caches = 0;
	M.n_serials = 0;
	M.n_on_change = 0;
	M.change_known = M.change_polling = false;
	while (M.syncs) {
		struct proxy_db_sync *sy = M.syncs;
		M.syncs = sy->next;
		sip_mem_free(sy);
	}
}
