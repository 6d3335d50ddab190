/* Module start-up and the shared database handle (see modules.h). */
#include "proxy/modules.h"

#include <stddef.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "net/loop.h"
#include "proxy/settings.h"

#include "proxy/module.h"
#include "proxy/policy_abi.h"

/* The modules the policy uses, in start order (sipcc_reg_module). */
#define PROXY_MAX_MODULES 32
static struct {
	sipcc_module *v[PROXY_MAX_MODULES];
	unsigned n;
} MOD;

void sipcc_reg_module(struct sipcc_module *m)
{
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i] == m)
			return;
	if (MOD.n == PROXY_MAX_MODULES) {
		LOG_ERR("too many modules: %s not started", m->name);
		return;
	}
	MOD.v[MOD.n++] = m;
}

const void *proxy_module_api(const char *name)
{
	for (unsigned i = 0; i < MOD.n; i++)
		if (strcmp(MOD.v[i]->name, name) == 0)
			return MOD.v[i]->api;
	return NULL;
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
#define PROXY_DB_RETRY_MS  1000

static struct {
	db *d;
	bool wanted, ready;
	void (*hooks[PROXY_DB_MAX_HOOKS])(db *d);
	unsigned n_hooks;
	sip_timer_wheel *w;
	sip_timer retry;
	sip_loop *loop;
	db_worker *worker;
	bool watching, stopping;
} M;

/* How many queries may wait for the worker; beyond, 503 at once. */
#define PROXY_DB_QUEUE   512
/* At shutdown, how long queued writes may still run. */
#define PROXY_DB_DRAIN_MS 2000

void proxy_db_use_loop(sip_loop *loop)
{
	M.loop = loop;
}

db_worker *proxy_db_worker(void)
{
	return M.worker;
}

bool proxy_db_stopping(void)
{
	return M.stopping;
}

/* The worker's descriptor is watched only while jobs are out: the loop's
 * single-socket fast path (net/loop.h) stays on the rest of the time. */
static void proxy_db_on_done(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)events;
	(void)arg;
	db_worker_complete(M.worker);
	if (!db_worker_pending(M.worker) && M.watching) {
		sip_loop_del_fd(loop, fd);
		M.watching = false;
	}
}

int proxy_db_submit(db_job_run run, db_job_done done, void *arg)
{
	if (!M.worker || !M.ready || M.stopping)
		return SIP_ESTATE;
	int rc = db_worker_submit(M.worker, run, done, arg);
	if (rc == SIP_OK && !M.watching) {
		if (sip_loop_add_fd(M.loop, db_worker_fd(M.worker), proxy_db_on_done, NULL) == SIP_OK)
			M.watching = true;
		else
			LOG_ERR("db: cannot watch the database worker");
	}
	return rc;
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

/* Bring the schema up to date; on success the modules load their state.
 * Until then, and whenever it fails, try again a second later. */
static void proxy_db_try(sip_timer *tm, void *arg)
{
	(void)arg;
	int rc = db_schema_migrate(M.d);
	if (rc == SIP_OK) {
		M.ready = true;
		LOG_NOTICE("db: %s database ready", db_backend(M.d));
		for (unsigned i = 0; i < M.n_hooks; i++)
			M.hooks[i](M.d);
		return;
	}
	if (!sip_timer_armed(tm))
		sip_timer_add(M.w, tm, PROXY_DB_RETRY_MS);
}

int proxy_modules_init(sip_timer_wheel *w, const char *url)
{
	M.w = w;
	sip_timer_init(&M.retry, proxy_db_try, NULL);
	for (unsigned i = 0; i < MOD.n; i++)
		if (MOD.v[i]->init)
			MOD.v[i]->init(w);
	if (!url)
		url = sipcc_database_url();     /* the policy's "database" line */
	if (!M.wanted && !url)
		return SIP_OK;
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
	return SIP_OK;
}

void proxy_modules_destroy(void)
{
	if (M.w)
		sip_timer_cancel(M.w, &M.retry);
	M.stopping = true;
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
	M.ready = M.wanted = M.stopping = false;
	M.n_hooks = 0;
}
