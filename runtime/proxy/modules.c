/* Module start-up and the shared database handle (see modules.h). */
#include "proxy/modules.h"

#include <stddef.h>
#include "core/log.h"
#include "core/status.h"
#include "net/loop.h"
#include "proxy/settings.h"

/* Defined by the modules; NULL when the policy did not link them. */
void reg_module_init(sip_timer_wheel *w) __attribute__((weak));
void reg_module_destroy(void) __attribute__((weak));
void auth_module_init(sip_timer_wheel *w) __attribute__((weak));
void auth_module_destroy(void) __attribute__((weak));
void domain_module_init(sip_timer_wheel *w) __attribute__((weak));
void domain_module_destroy(void) __attribute__((weak));
void dlg_module_init(sip_timer_wheel *w) __attribute__((weak));
void dlg_module_destroy(void) __attribute__((weak));
void dr_module_init(sip_timer_wheel *w) __attribute__((weak));
void dr_module_destroy(void) __attribute__((weak));
void nat_module_init(sip_timer_wheel *w) __attribute__((weak));
void nat_module_destroy(void) __attribute__((weak));
void rtpe_module_init(sip_timer_wheel *w) __attribute__((weak));
void rtpe_module_destroy(void) __attribute__((weak));
void acc_module_init(sip_timer_wheel *w) __attribute__((weak));
void acc_module_destroy(void) __attribute__((weak));

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
	if (domain_module_init)
		domain_module_init(w);
	if (auth_module_init)
		auth_module_init(w);
	if (reg_module_init)
		reg_module_init(w);
	if (dlg_module_init)
		dlg_module_init(w);
	if (dr_module_init)
		dr_module_init(w);
	if (nat_module_init)
		nat_module_init(w);
	if (rtpe_module_init)
		rtpe_module_init(w);    /* after the dialog layer: it follows dialogs */
	if (acc_module_init)
		acc_module_init(w);     /* after dialog: it follows dialogs */
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
	if (reg_module_destroy)
		reg_module_destroy();
	if (auth_module_destroy)
		auth_module_destroy();
	if (domain_module_destroy)
		domain_module_destroy();
	if (dlg_module_destroy)
		dlg_module_destroy();
	if (dr_module_destroy)
		dr_module_destroy();
	if (nat_module_destroy)
		nat_module_destroy();
	if (rtpe_module_destroy)
		rtpe_module_destroy();
	if (acc_module_destroy)
		acc_module_destroy();
	if (M.d)
		db_close(M.d);
	M.d = NULL;
	M.ready = M.wanted = M.stopping = false;
	M.n_hooks = 0;
}
