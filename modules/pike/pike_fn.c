/* The policy function of the pike module (modules/pike/pike.sipi), its
 * statistics and the timer that forgets quiet sources.
 *
 * With several workers the requests of one source address are spread
 * over all of them (by Call-ID), so the table is one for every worker,
 * under a mutex held for one lookup (and the ban of a source found over
 * the density): a source's count is its requests on every worker
 * together, and the density holds for their sum. */
#include "pike/pike.h"

#include <pthread.h>
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "proxy/host.h"

static struct {
	pike_table t;
	pthread_mutex_t lock;       /* t and last_ms */
	uint64_t last_ms;           /* the latest time counted: never goes back */
	bool ready;
	uint32_t blocking_s;
	sip_timer_wheel *w;         /* worker 0's: the sweep */
	sip_timer sweep;
	int64_t blocked;            /* bans made (pike.blocked; atomic) */
} P = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The caller's timer wheel: its loop's clock ("now" of the request). */
static SIP_PER_WORKER sip_timer_wheel *pike_wheel;

static int64_t pike_sources_stat(void)
{
	pthread_mutex_lock(&P.lock);
	unsigned n = pike_table_count(&P.t);
	pthread_mutex_unlock(&P.lock);
	return (int64_t)n;
}

static void pike_on_sweep(sip_timer *t, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&P.lock);
	pike_table_sweep(&P.t, sip_timer_now_shared(&P.last_ms, P.w->now_ms));
	pthread_mutex_unlock(&P.lock);
	sip_timer_add(P.w, t, P.t.window_ms);
}

int64_t sipcc_fn_pike_check_req(struct sip_ctx *ctx)
{
	tp_addr_key k;
	if (!P.ready || !pike_wheel || !tp_addr_key_of(&ctx->src, &k))
		return 1;
	bool ban = P.blocking_s > 0;
	/* The ban check, the count and the ban are one step under the lock:
	 * once a worker finds the source over the density (its count starts
	 * again from zero), no other worker counts it afresh before it is on
	 * the ban list. A request of a banned source found here was read
	 * before the ban and handed to this worker since (the transport
	 * drops the others): refused, not counted. */
	pthread_mutex_lock(&P.lock);
	if (ban && tp_ban_check(&ctx->src)) {
		pthread_mutex_unlock(&P.lock);
		return 0;
	}
	bool ok = pike_table_hit(&P.t, &k, sip_timer_now_shared(&P.last_ms, pike_wheel->now_ms), ban);
	int rc = !ok && ban ? tp_ban_add(&k, P.blocking_s, "pike") : SIP_OK;
	pthread_mutex_unlock(&P.lock);
	if (ok)
		return 1;
	if (!ban)
		return 0;
	char ip[64];
	tp_addr_key_str(&k, ip, sizeof ip);
	if (rc != SIP_OK) {
		LOG_WARN("pike: %s sent more than %u requests in %u ms; cannot ban it: %s", ip,
			 P.t.density, P.t.window_ms,
			 rc == SIP_ELIMIT ? "the ban list is full" : sip_strerror(rc));
		return 0;
	}
	__atomic_fetch_add(&P.blocked, 1, __ATOMIC_RELAXED);
	LOG_NOTICE("pike: %s sent more than %u requests in %u ms: its packets are dropped for %u s",
		   ip, P.t.density, P.t.window_ms, P.blocking_s);
	return 0;
}

/* Settings out of range are brought into it with a warning, rather than
 * refusing to start. */
static int64_t pike_setting(const char *key, int64_t dflt, int64_t lo, int64_t hi)
{
	int64_t v = sipcc_setting_int("pike", key, dflt);
	if (v < lo || v > hi) {
		int64_t fit = v < lo ? lo : hi;
		LOG_WARN("pike: pike.%s = %lld is out of %lld..%lld; using %lld", key, (long long)v,
			 (long long)lo, (long long)hi, (long long)fit);
		v = fit;
	}
	return v;
}

static void pike_module_init(sip_timer_wheel *w)
{
	uint32_t unit = (uint32_t)pike_setting("sampling_time_unit", 2, 1, 3600);
	uint32_t density = (uint32_t)pike_setting("reqs_density_per_unit", 30, 1, 100000000);
	P.blocking_s = (uint32_t)pike_setting("blocking_time", 120, 0, 31536000);
	uint32_t max = (uint32_t)pike_setting("max_sources", 65536, 1, 16777216);
	P.w = w;
	pike_wheel = w;
	if (pike_table_init(&P.t, unit * 1000u, density, max) != SIP_OK) {
		LOG_ERR("pike: out of memory; every request passes pike_check_req()");
		return;
	}
	P.ready = true;
	sip_stat_gauge("pike.sources", pike_sources_stat);
	sip_stat_counter("pike.blocked", &P.blocked);
	sip_timer_init(&P.sweep, pike_on_sweep, NULL);
	sip_timer_add(w, &P.sweep, P.t.window_ms);
}

static void pike_module_destroy(void)
{
	if (!P.ready)
		return;
	sip_timer_cancel(P.w, &P.sweep);
	pike_table_destroy(&P.t);
	P.ready = false;
	pike_wheel = NULL;
}

static void pike_worker_start(sip_timer_wheel *w)
{
	pike_wheel = w;
}

static void pike_worker_stop(void)
{
	pike_wheel = NULL;
}

sipcc_module sipcc_module_pike = {
	.name = "pike",
	.init = pike_module_init,
	.destroy = pike_module_destroy,
	.worker_start = pike_worker_start,
	.worker_stop = pike_worker_stop,
	.workers_safe = true,
};
