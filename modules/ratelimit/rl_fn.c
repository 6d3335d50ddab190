/* The policy functions of the ratelimit module
 * (modules/ratelimit/ratelimit.sipi), its statistics and "rl status".
 *
 * With several workers the requests put through one pipe come from all
 * of them, so the pipes are one table for every worker under a mutex held
 * for one check: a limit of N a second holds for the sum of the workers'
 * requests, not N on each.
 *
 * With a Redis cluster.store the limit holds for the sum over the
 * proxies sharing it. No request waits for the store: each proxy counts
 * as before and, every ratelimit.sync_interval ms, worker 0 sends what
 * every pipe counted since (offered and passed requests, per second of
 * the wall clock) in one script that adds it to the keys
 * sipcc:rl:PIPE:SECOND (hashes with fields o and p, expiring after 3 s)
 * and answers the totals; the other proxies' part of them (the totals
 * less this proxy's) is what the pipes decide on besides their own
 * counts (ratelimit.h). One such round is out at a time. A proxy passes
 * at most what the others passed in the last two intervals (and the
 * store's round trip) beyond the limit: it has not heard of them yet. A
 * store that fails a round makes every proxy count alone (logged once,
 * ratelimit.store_errors counts the rounds) until a round succeeds. */
#include "ratelimit/ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
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
	/* Several proxies (set by init; the rest is worker 0's). */
	bool cluster;               /* a Redis store: windows on the wall clock, synced */
	struct proxy_store_sync sync;       /* its errors: ratelimit.store_errors */
	uint64_t sync_since;        /* the time of the last round: pipes checked since */
} R = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The caller's timer wheel: the clock of its loop. */
static SIP_PER_WORKER sip_timer_wheel *rl_wheel;

/* The pipes' clock, under R.lock: the loop's, or with several proxies the
 * wall clock, so that their seconds are the same ones; never going back. */
static uint64_t rl_now(const sip_timer_wheel *w)
{
	uint64_t t = w->now_ms;
	if (R.cluster) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		t = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	}
	return sip_timer_now_shared(&R.last_ms, t);
}

static bool rl_run(const char *name, size_t nlen, int64_t limit, int algo)
{
	if (!R.ready || !rl_wheel)
		return true;
	const char *err;
	uint32_t lim = limit < 0 ? 0 : limit > UINT32_MAX / 1000u ? UINT32_MAX / 1000u : (uint32_t)limit;
	pthread_mutex_lock(&R.lock);
	bool ok = rl_table_check(&R.t, sip_str_make(name, nlen), lim, algo, rl_now(rl_wheel), &err);
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
			 "\"refused\":%llu", rl_algo_name(p->algo), p->limit, rl_pipe_load(p, now),
			 (unsigned long long)p->passed, (unsigned long long)p->refused);
	if (R.cluster)
		proxy_ctl_printf(o, ",\"cluster_load\":%u", rl_pipe_load_all(&R.t, p, now));
	proxy_ctl_printf(o, "}");
}

/* "rl status [PIPE]": the pipes, most recently checked first; load is
 * the requests offered over the last second, refused ones included
 * (cluster_load: on every proxy sharing the store, as last read). */
static bool rl_ctl_status(int argc, char **argv, proxy_ctl_out *o)
{
	if (argc > 1)
		return proxy_ctl_error(o, "usage: rl status [PIPE]");
	/* The pipes are printed under the lock: a control command is rare
	 * and its output goes to a buffer, not to the socket. */
	pthread_mutex_lock(&R.lock);
	uint64_t now = R.w ? rl_now(R.w) : 0;
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

/* ---- several proxies (see the top of the file) ---- */

/* Pipes pushed in one round at most (the most recently checked). */
#define RL_SYNC_MAX 4096

/* One round: the pipes' pushes as the script's text ("LEN NAME SECOND
 * ADD_O ADD_P ADD_PREV_O ADD_PREV_P" lines, the name counted so that it
 * may hold anything), and the totals the store answers for each. */
struct rl_sync_rec {
	size_t name_off, name_len;  /* in text */
	rl_push ps;
	int64_t tot[4];             /* offered, passed; in the second before */
};
struct rl_sync {
	char *text;
	size_t len, cap;
	struct rl_sync_rec *rec;
	size_t n, cap_rec;
	bool nomem;
};

/* The store worker's statement. */
static struct proxy_store_stmt RS;

static void rl_sync_free(struct rl_sync *s)
{
	sip_mem_free(s->text);
	sip_mem_free(s->rec);
	sip_mem_free(s);
}

/* rl_table_push's callback, under R.lock: one pipe's line. */
static void rl_sync_add(sip_str name, const rl_push *ps, void *arg)
{
	struct rl_sync *s = arg;
	if (s->nomem)
		return;
	size_t need = s->len + name.len + 128;
	if (need > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		while (cap < need)
			cap *= 2;
		char *t = sip_mem_realloc(s->text, cap);
		if (!t) {
			s->nomem = true;
			return;
		}
		s->text = t;
		s->cap = cap;
	}
	if (s->n == s->cap_rec) {
		size_t cap = s->cap_rec ? s->cap_rec * 2 : 64;
		struct rl_sync_rec *r = sip_mem_realloc(s->rec, cap * sizeof *r);
		if (!r) {
			s->nomem = true;
			return;
		}
		s->rec = r;
		s->cap_rec = cap;
	}
	struct rl_sync_rec *r = &s->rec[s->n++];
	memset(r, 0, sizeof *r);
	r->ps = *ps;
	r->name_len = name.len;
	s->len += (size_t)snprintf(s->text + s->len, s->cap - s->len, "%zu ", name.len);
	r->name_off = s->len;
	memcpy(s->text + s->len, name.s, name.len);
	s->len += name.len;
	s->len += (size_t)snprintf(s->text + s->len, s->cap - s->len, " %llu %u %u %u %u\n",
				   (unsigned long long)ps->win, ps->add_o, ps->add_p, ps->add_prev_o,
				   ps->add_prev_p);
}

/* Store worker: add the round's counts and read the totals, in one
 * script (one line: HINCRBY, EXPIRE and HMGET per pipe). */
static int rl_sync_run(db *d, void *arg)
{
	struct rl_sync *s = arg;
	int rc = proxy_store_stmt(&RS, d, "EVAL 'local a, ttl, i, out = ARGV[1], tonumber(ARGV[2]), 1, {}"
			" while i <= #a do"
			" local sp = string.find(a, \" \", i, true)"
			" local n = tonumber(string.sub(a, i, sp - 1))"
			" local name = string.sub(a, sp + 1, sp + n)"
			" local e = string.find(a, \"\\n\", sp + n + 1, true)"
			" local f = {}"
			" for x in string.gmatch(string.sub(a, sp + n + 2, e - 1), \"%d+\") do f[#f + 1] = tonumber(x) end"
			" i = e + 1"
			" local k1 = \"sipcc:rl:\" .. name .. \":\" .. string.format(\"%d\", f[1])"
			" local k0 = \"sipcc:rl:\" .. name .. \":\" .. string.format(\"%d\", f[1] - 1)"
			" if f[2] > 0 then redis.call(\"HINCRBY\", k1, \"o\", f[2]) end"
			" if f[3] > 0 then redis.call(\"HINCRBY\", k1, \"p\", f[3]) end"
			" if f[4] > 0 then redis.call(\"HINCRBY\", k0, \"o\", f[4]) end"
			" if f[5] > 0 then redis.call(\"HINCRBY\", k0, \"p\", f[5]) end"
			" redis.call(\"EXPIRE\", k1, ttl) redis.call(\"EXPIRE\", k0, ttl)"
			" local c, b = redis.call(\"HMGET\", k1, \"o\", \"p\"), redis.call(\"HMGET\", k0, \"o\", \"p\")"
			" out[#out + 1] = { tonumber(c[1] or 0), tonumber(c[2] or 0), tonumber(b[1] or 0), tonumber(b[2] or 0) }"
			" end return out' 0 $1 $2");
	if (rc == SIP_OK)
		rc = db_bind_text(RS.st, 1, sip_str_make(s->text, s->len));
	if (rc == SIP_OK)
		rc = db_bind_int(RS.st, 2, 3);
	size_t row = 0;
	while (rc == SIP_OK && (rc = db_step(RS.st)) == DB_ROW) {
		if (row < s->n && db_column_count(RS.st) >= 4)
			for (int j = 0; j < 4; j++)
				s->rec[row].tot[j] = db_column_int(RS.st, j);
		row++;
		rc = SIP_OK;
	}
	if (RS.st)
		db_reset(RS.st);
	if (rc == SIP_OK && row != s->n)
		rc = SIP_EDB;
	return rc;
}

/* A round failed: every proxy limits alone until one succeeds. */
static void rl_forget_remote(void)
{
	pthread_mutex_lock(&R.lock);
	rl_table_forget_remote(&R.t);
	pthread_mutex_unlock(&R.lock);
}

/* Worker 0: the round is done; the other proxies' counts are in. */
static void rl_sync_done(int status, void *arg)
{
	struct rl_sync *s = arg;
	if (!proxy_store_sync_done(&R.sync, status, R.ready)) {
		rl_sync_free(s);
		return;
	}
	pthread_mutex_lock(&R.lock);
	for (size_t i = 0; i < s->n; i++) {
		struct rl_sync_rec *r = &s->rec[i];
		rl_pipe *p = rl_table_find(&R.t, sip_str_make(s->text + r->name_off, r->name_len));
		if (p)
			rl_pipe_remote(&R.t, p, &r->ps, (uint64_t)r->tot[0], (uint64_t)r->tot[1],
				       (uint64_t)r->tot[2], (uint64_t)r->tot[3]);
	}
	pthread_mutex_unlock(&R.lock);
	rl_sync_free(s);
}

/* Worker 0's timer, when no round is out: start one when a pipe was
 * checked since the last. */
static void rl_on_sync(void)
{
	struct rl_sync *s;
	if ((s = sip_mem_alloc(sizeof *s))) {
		memset(s, 0, sizeof *s);
		pthread_mutex_lock(&R.lock);
		uint64_t now = rl_now(R.w);
		rl_table_push(&R.t, now, R.sync_since, RL_SYNC_MAX, rl_sync_add, s);
		R.sync_since = now;
		pthread_mutex_unlock(&R.lock);
		if (!s->nomem && !s->n)
			rl_sync_free(s);
		else if (!proxy_store_sync_submit(&R.sync, s->nomem ? SIP_NOMEM : SIP_OK, rl_sync_run,
						  rl_sync_done, s))
			rl_sync_free(s);
	}
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
	int64_t max = sipcc_setting_int_range("ratelimit", "max_pipes", 10000, 1, 16777216);
	if (rl_table_init(&R.t, (uint32_t)max, sip_loop_clock_ms() ^ (uint64_t)(uintptr_t)&R) != SIP_OK) {
		LOG_ERR("ratelimit: out of memory; every request passes rl_check()");
		return;
	}
	R.ready = true;
	sip_stat_gauge("ratelimit.pipes", rl_pipes_stat);
	sip_stat_counter("ratelimit.passed", &R.passed);
	sip_stat_counter("ratelimit.refused", &R.refused);
	const char *store = proxy_store_configured() ? proxy_store_backend() : NULL;
	if (store && strcmp(store, "redis") == 0) {
		int64_t ms = sipcc_setting_int_range("ratelimit", "sync_interval", 100, 10, 1000);
		R.cluster = true;
		R.sync.outage = (struct proxy_store_outage){
			.down_pre = "ratelimit: the cluster store is unavailable (",
			.down_post = "): each proxy limits its own requests until it is back",
			.back = "ratelimit: the cluster store is back: limits hold over every proxy again",
			.forget = rl_forget_remote,
		};
		R.sync.round = rl_on_sync;
		sip_stat_counter("ratelimit.store_errors", &R.sync.outage.errors);
		proxy_store_sync_start(&R.sync, w, (uint32_t)ms);
	} else if (store) {
		LOG_NOTICE("ratelimit: the pipes are shared only through a Redis cluster.store; "
			   "each proxy limits its own requests");
	}
	proxy_ctl_register("rl status", "[PIPE]",
			   "the rate-limit pipes: algorithm, limit, load over the last second, "
			   "requests passed and refused", rl_ctl_status);
}

static void rl_module_destroy(void)
{
	proxy_store_sync_stop(&R.sync);
	R.cluster = false;
	RS.d = NULL;
	RS.st = NULL;
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
