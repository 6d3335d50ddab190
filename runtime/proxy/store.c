/* The shared store (proxy/modules.h): a database worker of its own for
 * the state proxies share, on the URL of cluster.store.
 *
 * It is usable once a first job succeeded: the schema migration on a SQL
 * store, a PING on Redis. A timer looks every second: until then it
 * tries again; afterwards it pings the store, and when the store comes
 * back after an outage the modules' on_ready hooks run again (they reload
 * what may have changed meanwhile). */
#include "proxy/modules.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "db/db.h"
#include "net/loop.h"
#include "proxy/proxy.h"
#include "proxy/settings.h"
#include "proxy/store_int.h"
#include "proxy/worker.h"

#define PROXY_STORE_HOOKS   8
#define PROXY_STORE_QUEUE   2048
#define PROXY_STORE_TICK_MS 1000
#define PROXY_STORE_DRAIN_MS 2000

static struct {
	char url[512];
	bool configured;
	db_worker *worker;
	sip_loop *loop;
	sip_timer_wheel *w;
	sip_timer tick;
	bool watching, ready, checking, stopping, down;
	void (*hooks[PROXY_STORE_HOOKS])(void);
	unsigned n_hooks;
	char node[160];
} S;

static void store_read_setting(void)
{
	if (S.configured || S.url[0])
		return;
	const char *u = sipcc_setting_str("cluster", "store", "");
	if (u && *u) {
		snprintf(S.url, sizeof S.url, "%s", u);
		S.configured = true;
	}
}

bool proxy_store_configured(void)
{
	store_read_setting();
	return S.configured;
}

const char *proxy_store_url(void)
{
	store_read_setting();
	return S.configured ? S.url : NULL;
}

const char *proxy_store_backend(void)
{
	store_read_setting();
	if (!S.configured)
		return NULL;
	if (S.worker)
		return db_worker_backend(S.worker);
	if (strncmp(S.url, "redis:", 6) == 0)
		return "redis";
	if (strncmp(S.url, "postgres", 8) == 0)
		return "postgres";
	if (strncmp(S.url, "mysql:", 6) == 0 || strncmp(S.url, "mariadb:", 8) == 0)
		return "mysql";
	return "sqlite";
}

void proxy_store_want(void (*on_ready)(void))
{
	if (on_ready && S.n_hooks < PROXY_STORE_HOOKS)
		S.hooks[S.n_hooks++] = on_ready;
}

bool proxy_store_up(void)
{
	return S.worker && S.ready && db_worker_up(S.worker);
}

const char *proxy_cluster_node(void)
{
	if (S.node[0])
		return S.node;
	const char *n = sipcc_setting_str("cluster", "node", "");
	if (n && *n) {
		snprintf(S.node, sizeof S.node, "%s", n);
		return S.node;
	}
	char host[128] = "";
	if (gethostname(host, sizeof host - 1) != 0 || !host[0])
		snprintf(host, sizeof host, "localhost");
	int port = proxy_conf.n_listen ? proxy_conf.listen[0].port : 5060;
	snprintf(S.node, sizeof S.node, "%s:%d", host, port);
	return S.node;
}

static void store_on_done(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)events;
	(void)arg;
	if (S.worker)
		proxy_dbw_done(S.worker, loop, fd, &S.watching);
}

static void store_watch(void *arg)
{
	(void)arg;
	proxy_dbw_watch(S.worker, S.loop, &S.watching, store_on_done,
			"cluster: cannot watch the store's worker");
}

int proxy_store_submit(db_job_run run, db_job_done done, void *arg)
{
	if (!S.worker || !S.ready || S.stopping)
		return SIP_ESTATE;
	return proxy_dbw_submit(S.worker, store_watch, run, done, arg);
}

static void store_run_hooks(void)
{
	for (unsigned i = 0; i < S.n_hooks; i++)
		S.hooks[i]();
}

/* On the worker: is the store there? A SQL store gets the schema at the
 * first check (arg not NULL), later a query; Redis is pinged. */
static int store_check_run(db *d, void *arg)
{
	if (strcmp(db_backend(d), "redis") == 0)
		return db_exec(d, "PING");
	if (arg)
		return db_schema_migrate(d);
	int64_t one;
	return db_query_int(d, "SELECT 1", &one);
}

/* The store answered (or not): ready the first time, back after an
 * outage; either runs the modules' hooks. */
static void store_check_done(int status, void *arg)
{
	(void)arg;
	S.checking = false;
	if (S.stopping)
		return;
	if (status != SIP_OK) {
		if (!S.down && S.ready)
			LOG_WARN("cluster: the store (%s) is down (%s); shared state waits for it",
				 db_worker_backend(S.worker), sip_strerror(status));
		else if (!S.down)
			LOG_WARN("cluster: the store (%s) is not usable yet (%s); retrying every %d ms",
				 db_worker_backend(S.worker), sip_strerror(status), PROXY_STORE_TICK_MS);
		S.down = true;
		return;
	}
	bool first = !S.ready, back = S.down;
	S.ready = true;
	S.down = false;
	if (first)
		LOG_NOTICE("cluster: %s store ready (node %s)", db_worker_backend(S.worker),
			   proxy_cluster_node());
	else if (back)
		LOG_NOTICE("cluster: the store (%s) is back", db_worker_backend(S.worker));
	else
		return;
	store_run_hooks();
}

/* Every second: the first check until it succeeded, then a ping (the
 * worker only notices an outage when it runs a job). A job refused at
 * once means the worker knows the store is down. */
static void store_tick(sip_timer *tm, void *arg)
{
	(void)arg;
	if (S.stopping)
		return;
	if (!S.checking) {
		int rc = proxy_dbw_submit(S.worker, store_watch, store_check_run, store_check_done,
					  S.ready ? NULL : &S);
		if (rc == SIP_OK)
			S.checking = true;
		else if (S.ready && rc == SIP_EDBDOWN)
			store_check_done(rc, NULL);
	}
	sip_timer_add(S.w, tm, PROXY_STORE_TICK_MS);
}

int proxy_store_start(sip_timer_wheel *w, sip_loop *loop)
{
	store_read_setting();
	if (!S.configured)
		return SIP_OK;
	const char *why = db_store_url_problem(S.url);
	if (why) {
		LOG_ERR("cannot use cluster.store '%s': %s", S.url, why);
		return SIP_EINVAL;
	}
	if (!loop) {
		LOG_WARN("cluster: no event loop; the store is not used");
		return SIP_OK;
	}
	S.w = w;
	S.loop = loop;
	int rc = db_worker_start(S.url, PROXY_STORE_QUEUE, &S.worker);
	if (rc != SIP_OK) {
		LOG_ERR("cannot use cluster.store '%s': %s", S.url, sip_strerror(rc));
		return rc == SIP_EINVAL ? rc : SIP_OK;
	}
	sip_timer_init(&S.tick, store_tick, NULL);
	if (proxy_dbw_submit(S.worker, store_watch, store_check_run, store_check_done, &S) ==
	    SIP_OK)
		S.checking = true;
	sip_timer_add(w, &S.tick, PROXY_STORE_TICK_MS);
	return SIP_OK;
}

void proxy_store_startup_wait(void)
{
	if (S.worker)
		proxy_dbw_startup_wait(S.worker, S.loop, &S.watching,
				       "cluster: the store is slow; serving before its state is loaded");
}

void proxy_store_stop(void)
{
	S.stopping = true;
	if (S.w)
		sip_timer_cancel(S.w, &S.tick);
	if (S.worker) {
		if (S.watching)
			sip_loop_del_fd(S.loop, db_worker_fd(S.worker));
		db_worker_stop(S.worker, PROXY_STORE_DRAIN_MS);
	}
	memset(&S, 0, sizeof S);
}
