/* The policy functions of the ratelimit module
 * (modules/ratelimit/ratelimit.sipi), its statistics and "rl status".
 *
 * With several workers the requests put through one pipe come from all
 * of them, so the pipes are one table for every worker under a mutex held
 * for one check: a limit of N a second holds for the sum of the workers'
 * requests, not N on each. */
#include "ratelimit/ratelimit.h"

#include <pthread.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "net/loop.h"
#include "proxy/host.h"

static struct {
	rl_table t;
	pthread_mutex_t lock;       /* t (its pipes and their counts), last_ms */
	uint64_t last_ms;           /* the latest time checked: never goes back */
	bool ready;
	int algo;                   /* ratelimit.algorithm */
	sip_timer_wheel *w;         /* worker 0's */
	int64_t passed, refused;    /* every pipe's (ratelimit.passed, .refused; atomic) */
} R = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The caller's timer wheel: the clock of its loop. */
static SIP_PER_WORKER sip_timer_wheel *rl_wheel;

static bool rl_run(const char *name, size_t nlen, int64_t limit, int algo)
{
	if (!R.ready || !rl_wheel)
		return true;
	const char *err;
	uint32_t lim = limit < 0 ? 0 : limit > UINT32_MAX / 1000u ? UINT32_MAX / 1000u : (uint32_t)limit;
	pthread_mutex_lock(&R.lock);
	bool ok = rl_table_check(&R.t, sip_str_make(name, nlen), lim, algo,
				 sip_timer_now_shared(&R.last_ms, rl_wheel->now_ms), &err);
	pthread_mutex_unlock(&R.lock);
	if (err)
		LOG_WARN("ratelimit: pipe %.*s...: %s; the request passes uncounted",
			 (int)(nlen < 40 ? nlen : 40), name, err);
	else if (ok)
		__atomic_fetch_add(&R.passed, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&R.refused, 1, __ATOMIC_RELAXED);
	return ok;
}

int64_t sipcc_fn_rl_check(struct sip_ctx *ctx, const char *pipe, size_t pipe_len, int64_t limit)
{
	(void)ctx;
	return rl_run(pipe, pipe_len, limit, R.algo);
}

int64_t sipcc_fn_rl_check_algo(struct sip_ctx *ctx, const char *pipe, size_t pipe_len,
			       int64_t limit, int64_t algorithm)
{
	(void)ctx;
	return rl_run(pipe, pipe_len, limit, (int)algorithm);
}

static void rl_status_one(proxy_ctl_out *o, const rl_pipe *p, uint64_t now, bool comma)
{
	proxy_ctl_printf(o, "%s{\"name\":", comma ? "," : "");
	proxy_ctl_json_str(o, p->name, p->name_len);
	proxy_ctl_printf(o, ",\"algorithm\":\"%s\",\"limit\":%u,\"load\":%u,\"passed\":%llu,"
			 "\"refused\":%llu}", rl_algo_name(p->algo), p->limit, rl_pipe_load(p, now),
			 (unsigned long long)p->passed, (unsigned long long)p->refused);
}

/* "rl status [PIPE]": the pipes, most recently checked first; load is
 * the requests offered over the last second, refused ones included. */
static bool rl_ctl_status(int argc, char **argv, proxy_ctl_out *o)
{
	if (argc > 1)
		return proxy_ctl_error(o, "usage: rl status [PIPE]");
	/* The pipes are printed under the lock: a control command is rare
	 * and its output goes to a buffer, not to the socket. */
	pthread_mutex_lock(&R.lock);
	uint64_t now = R.w ? sip_timer_now_shared(&R.last_ms, R.w->now_ms) : 0;
	if (argc == 1) {
		const rl_pipe *p = R.ready ? rl_table_find(&R.t, sip_str_make(argv[0], strlen(argv[0]))) : NULL;
		if (!p) {
			pthread_mutex_unlock(&R.lock);
			return proxy_ctl_error(o, "no pipe %s", argv[0]);
		}
		proxy_ctl_printf(o, ",\"pipes\":[");
		rl_status_one(o, p, now, false);
		proxy_ctl_printf(o, "]");
		pthread_mutex_unlock(&R.lock);
		return true;
	}
	proxy_ctl_printf(o, ",\"pipes\":[");
	bool comma = false;
	for (const rl_pipe *p = R.ready ? R.t.newest : NULL; p; p = p->older) {
		rl_status_one(o, p, now, comma);
		comma = true;
	}
	pthread_mutex_unlock(&R.lock);
	proxy_ctl_printf(o, "],\"passed\":%lld,\"refused\":%lld",
			 (long long)__atomic_load_n(&R.passed, __ATOMIC_RELAXED),
			 (long long)__atomic_load_n(&R.refused, __ATOMIC_RELAXED));
	return true;
}

static int64_t rl_pipes_stat(void)
{
	pthread_mutex_lock(&R.lock);
	unsigned n = R.t.n;
	pthread_mutex_unlock(&R.lock);
	return (int64_t)n;
}

static void rl_module_init(sip_timer_wheel *w)
{
	R.w = w;
	rl_wheel = w;
	const char *a = sipcc_setting_str("ratelimit", "algorithm", "TAILDROP");
	if (!(R.algo = rl_algo_parse(a))) {
		LOG_WARN("ratelimit: unknown ratelimit.algorithm '%s'; using TAILDROP", a);
		R.algo = RL_ALGO_TAILDROP;
	}
	int64_t max = sipcc_setting_int("ratelimit", "max_pipes", 10000);
	if (max < 1 || max > 16777216) {
		LOG_WARN("ratelimit: ratelimit.max_pipes = %lld is out of 1..16777216; using 10000",
			 (long long)max);
		max = 10000;
	}
	if (rl_table_init(&R.t, (uint32_t)max, sip_loop_clock_ms() ^ (uint64_t)(uintptr_t)&R) != SIP_OK) {
		LOG_ERR("ratelimit: out of memory; every request passes rl_check()");
		return;
	}
	R.ready = true;
	sip_stat_gauge("ratelimit.pipes", rl_pipes_stat);
	sip_stat_counter("ratelimit.passed", &R.passed);
	sip_stat_counter("ratelimit.refused", &R.refused);
	proxy_ctl_register("rl status", "[PIPE]",
			   "the rate-limit pipes: algorithm, limit, load over the last second, "
			   "requests passed and refused", rl_ctl_status);
}

static void rl_module_destroy(void)
{
	if (R.ready)
		rl_table_destroy(&R.t);
	R.ready = false;
	rl_wheel = NULL;
}

static void rl_worker_start(sip_timer_wheel *w)
{
	rl_wheel = w;
}

static void rl_worker_stop(void)
{
	rl_wheel = NULL;
}

sipcc_module sipcc_module_ratelimit = {
	.name = "ratelimit",
	.init = rl_module_init,
	.destroy = rl_module_destroy,
	.worker_start = rl_worker_start,
	.worker_stop = rl_worker_stop,
	.workers_safe = true,
};
