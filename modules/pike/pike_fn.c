/* The policy function of the pike module (modules/pike/pike.sipi), its
 * statistics and the timer that forgets quiet sources.
 *
 * With several workers the requests of one source address are spread
 * over all of them (by Call-ID), so the table is one for every worker,
 * under a mutex held for one lookup (and the ban of a source found over
 * the density): a source's count is its requests on every worker
 * together, and the density holds for their sum.
 *
 * With a Redis cluster.store the density holds for a source's requests
 * to every proxy sharing it, and a ban made by one is made by all. No
 * request waits for the store: every pike.sync_interval ms worker 0 sends
 * what each source counted since (per window of the wall clock) in one
 * script that adds it to the keys sipcc:pike:IP:WINDOW (expiring after
 * two windows and a second) and answers the totals, which the table
 * merges (pike.h); the same script records the bans made here since the
 * last round (sipcc:pike:ban:IP, expiring with the ban, and the sorted
 * set sipcc:pike:bans in the order they were made) and answers those
 * the other proxies made, which go on this proxy's ban list for the
 * time they have left. A store that fails a round makes every proxy
 * count alone (logged once, pike.store_errors counts the rounds) until a
 * round succeeds; bans made meanwhile are sent then. */
#include "pike/pike.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "proxy/host.h"

/* Bans made here waiting for the next round, at most. */
#define PIKE_BANS_OUT 256

static struct {
	pike_table t;
	pthread_mutex_t lock;       /* t and last_ms */
	uint64_t last_ms;           /* the latest time counted: never goes back */
	bool ready;
	uint32_t blocking_s;
	sip_timer_wheel *w;         /* worker 0's: the sweep */
	sip_timer sweep;
	int64_t blocked;            /* bans made (pike.blocked; atomic) */
	/* Several proxies (set by init; the rest is worker 0's, but for the
	 * bans to send, under the lock). */
	bool cluster;
	struct proxy_store_sync sync;       /* its errors: pike.store_errors */
	uint64_t sync_since;        /* the time of the last round */
	int64_t ban_seen;           /* the last ban of the store's order seen */
	int64_t cluster_bans;       /* bans taken from the store (pike.cluster_bans; atomic) */
	tp_addr_key bans[PIKE_BANS_OUT];    /* made here, not sent yet */
	unsigned nbans;
} P = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The caller's timer wheel: its loop's clock ("now" of the request). */
static SIP_PER_WORKER sip_timer_wheel *pike_wheel;

/* The table's clock, under P.lock: the loop's, or with several proxies
 * the wall clock, so that their windows are the same ones; never going
 * back. */
static uint64_t pike_now(const sip_timer_wheel *w)
{
	uint64_t t = w->now_ms;
	if (P.cluster) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		t = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	}
	return sip_timer_now_shared(&P.last_ms, t);
}

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
	pike_table_sweep(&P.t, pike_now(P.w));
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
	bool ok = pike_table_hit(&P.t, &k, pike_now(pike_wheel), ban);
	int rc = !ok && ban ? tp_ban_add(&k, P.blocking_s, "pike") : SIP_OK;
	if (!ok && ban && rc == SIP_OK && P.cluster && P.nbans < PIKE_BANS_OUT)
		P.bans[P.nbans++] = k;
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

/* ---- several proxies (see the top of the file) ---- */

/* Sources pushed in one round at most (the most recently seen). */
#define PIKE_SYNC_MAX 4096

/* One round: the sources' pushes as the script's text ("LEN IP WINDOW
 * ADD ADD_PREV" lines), the bans to send ("IP IP ..."), and what the
 * store answers: the totals of each source, the bans made elsewhere. */
struct pike_sync_rec {
	tp_addr_key k;
	pike_push ps;
	int64_t tot[2];
};
struct pike_ban_in {
	tp_addr_key k;
	int64_t ttl_s, seq;
};
struct pike_sync {
	char *text;
	size_t len, cap;
	struct pike_sync_rec *rec;
	size_t n, cap_rec;
	char bans[PIKE_BANS_OUT * 48];
	unsigned nbans;
	int64_t since;              /* ban_seen when the round started */
	struct pike_ban_in *in;     /* filled by the store's worker */
	size_t nin, cap_in;
	bool nomem;
};

/* The store worker's statement. */
static struct proxy_store_stmt PS;

static void pike_sync_free(struct pike_sync *s)
{
	sip_mem_free(s->text);
	sip_mem_free(s->rec);
	sip_mem_free(s->in);
	sip_mem_free(s);
}

/* pike_table_push's callback, under P.lock: one source's line. */
static void pike_sync_add(const tp_addr_key *k, const pike_push *ps, void *arg)
{
	struct pike_sync *s = arg;
	if (s->nomem)
		return;
	if (s->len + 128 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8192;
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
		struct pike_sync_rec *r = sip_mem_realloc(s->rec, cap * sizeof *r);
		if (!r) {
			s->nomem = true;
			return;
		}
		s->rec = r;
		s->cap_rec = cap;
	}
	char ip[64];
	tp_addr_key_str(k, ip, sizeof ip);
	struct pike_sync_rec *r = &s->rec[s->n++];
	memset(r, 0, sizeof *r);
	r->k = *k;
	r->ps = *ps;
	s->len += (size_t)snprintf(s->text + s->len, s->cap - s->len, "%zu %s %llu %u %u\n",
				   strlen(ip), ip, (unsigned long long)ps->win, ps->add, ps->add_prev);
}

/* "1.2.3.4" or "2001:db8::1" back into a key. */
static bool pike_key_parse(sip_str s, tp_addr_key *k)
{
	char ip[64];
	if (!s.len || s.len >= sizeof ip)
		return false;
	memcpy(ip, s.s, s.len);
	ip[s.len] = '\0';
	memset(k, 0, sizeof *k);
	if (inet_pton(AF_INET, ip, k->b) == 1) {
		k->family = AF_INET;
		k->len = 4;
		return true;
	}
	if (inet_pton(AF_INET6, ip, k->b) == 1) {
		k->family = AF_INET6;
		k->len = 16;
		return true;
	}
	return false;
}

/* Store worker: add the round's counts, record its bans, read the
 * totals and the bans made since, in one script. Its rows: one per
 * source (total, total of the window before), then one per ban (IP,
 * seconds left, its place in the order). */
static int pike_sync_run(db *d, void *arg)
{
	struct pike_sync *s = arg;
	int rc = proxy_store_stmt(&PS, d, "EVAL 'local a, ttl, i, out = ARGV[1], tonumber(ARGV[2]), 1, {}"
			" while i <= #a do"
			" local sp = string.find(a, \" \", i, true)"
			" local n = tonumber(string.sub(a, i, sp - 1))"
			" local ip = string.sub(a, sp + 1, sp + n)"
			" local e = string.find(a, \"\\n\", sp + n + 1, true)"
			" local f = {}"
			" for x in string.gmatch(string.sub(a, sp + n + 2, e - 1), \"%d+\") do f[#f + 1] = tonumber(x) end"
			" i = e + 1"
			" local k1 = \"sipcc:pike:\" .. ip .. \":\" .. string.format(\"%d\", f[1])"
			" local k0 = \"sipcc:pike:\" .. ip .. \":\" .. string.format(\"%d\", f[1] - 1)"
			" if f[2] > 0 then redis.call(\"INCRBY\", k1, f[2]) redis.call(\"EXPIRE\", k1, ttl) end"
			" if f[3] > 0 then redis.call(\"INCRBY\", k0, f[3]) redis.call(\"EXPIRE\", k0, ttl) end"
			" out[#out + 1] = { tonumber(redis.call(\"GET\", k1) or 0), tonumber(redis.call(\"GET\", k0) or 0) }"
			" end"
			" local z = \"sipcc:pike:bans\""
			" for ip in string.gmatch(ARGV[3], \"%S+\") do"
			" local q = redis.call(\"INCR\", \"sipcc:pike:banseq\")"
			" redis.call(\"SET\", \"sipcc:pike:ban:\" .. ip, ARGV[4], \"EX\", ARGV[4])"
			" redis.call(\"ZADD\", z, q, ip)"
			" if redis.call(\"ZCARD\", z) > 65536 then redis.call(\"ZREMRANGEBYRANK\", z, 0, -65537) end"
			" end"
			" local b = redis.call(\"ZRANGEBYSCORE\", z, \"(\" .. ARGV[5], \"+inf\", \"WITHSCORES\")"
			" for j = 1, #b, 2 do"
			" local t = redis.call(\"TTL\", \"sipcc:pike:ban:\" .. b[j])"
			" if t > 0 then out[#out + 1] = { b[j], t, tonumber(b[j + 1]) }"
			" else redis.call(\"ZREM\", z, b[j]) end"
			" end return out' 0 $1 $2 $3 $4 $5");
	int64_t ttl = (int64_t)(P.t.window_ms * 2u + 999u) / 1000 + 1;
	if (rc == SIP_OK)
		rc = db_bind_text(PS.st, 1, sip_str_make(s->text ? s->text : "", s->len));
	if (rc == SIP_OK)
		rc = db_bind_int(PS.st, 2, ttl);
	if (rc == SIP_OK)
		rc = db_bind_text(PS.st, 3, sip_str_make(s->bans, strlen(s->bans)));
	if (rc == SIP_OK)
		rc = db_bind_int(PS.st, 4, P.blocking_s ? P.blocking_s : 1);
	if (rc == SIP_OK)
		rc = db_bind_int(PS.st, 5, s->since);
	size_t row = 0;
	while (rc == SIP_OK && (rc = db_step(PS.st)) == DB_ROW) {
		rc = SIP_OK;
		if (row < s->n) {
			if (db_column_count(PS.st) >= 2) {
				s->rec[row].tot[0] = db_column_int(PS.st, 0);
				s->rec[row].tot[1] = db_column_int(PS.st, 1);
			}
		} else if (db_column_count(PS.st) >= 3) {
			struct pike_ban_in b;
			if (pike_key_parse(db_column_text(PS.st, 0), &b.k)) {
				b.ttl_s = db_column_int(PS.st, 1);
				b.seq = db_column_int(PS.st, 2);
				if (s->nin == s->cap_in) {
					size_t cap = s->cap_in ? s->cap_in * 2 : 16;
					struct pike_ban_in *in = sip_mem_realloc(s->in, cap * sizeof *in);
					if (!in) {
						rc = SIP_NOMEM;
						break;
					}
					s->in = in;
					s->cap_in = cap;
				}
				s->in[s->nin++] = b;
			}
		}
		row++;
	}
	if (PS.st)
		db_reset(PS.st);
	if (rc == SIP_OK && row < s->n)
		rc = SIP_EDB;
	return rc;
}

/* A round failed: every proxy counts alone until one succeeds. */
static void pike_forget_remote(void)
{
	pthread_mutex_lock(&P.lock);
	pike_table_forget_remote(&P.t);
	pthread_mutex_unlock(&P.lock);
}

/* Worker 0: the round is done; the totals and the others' bans are in. */
static void pike_sync_done(int status, void *arg)
{
	struct pike_sync *s = arg;
	if (!proxy_store_sync_done(&P.sync, status, P.ready)) {
		pike_sync_free(s);
		return;
	}
	pthread_mutex_lock(&P.lock);
	for (size_t i = 0; i < s->n; i++)
		pike_table_remote(&P.t, &s->rec[i].k, &s->rec[i].ps, (uint64_t)s->rec[i].tot[0],
				  (uint64_t)s->rec[i].tot[1]);
	for (size_t i = 0; i < s->nin; i++) {
		struct pike_ban_in *b = &s->in[i];
		if (b->seq > P.ban_seen)
			P.ban_seen = b->seq;
		if (tp_ban_get(&b->k, NULL) || b->ttl_s <= 0 || !P.blocking_s)
			continue;
		uint32_t ttl = b->ttl_s > (int64_t)P.blocking_s ? P.blocking_s : (uint32_t)b->ttl_s;
		if (tp_ban_add(&b->k, ttl, "pike") == SIP_OK) {
			__atomic_fetch_add(&P.cluster_bans, 1, __ATOMIC_RELAXED);
			char ip[64];
			tp_addr_key_str(&b->k, ip, sizeof ip);
			LOG_NOTICE("pike: %s was banned by another proxy: its packets are dropped for %u s",
				   ip, ttl);
		}
	}
	pthread_mutex_unlock(&P.lock);
	pike_sync_free(s);
}

/* Worker 0's timer, when no round is out: start one. Every round also
 * asks for the bans made elsewhere, so it runs with nothing to push. */
static void pike_on_sync(void)
{
	struct pike_sync *s;
	if ((s = sip_mem_alloc(sizeof *s))) {
		memset(s, 0, sizeof *s);
		pthread_mutex_lock(&P.lock);
		uint64_t now = pike_now(P.w);
		pike_table_push(&P.t, now, P.sync_since, PIKE_SYNC_MAX, pike_sync_add, s);
		P.sync_since = now;
		size_t bl = 0;
		for (unsigned i = 0; i < P.nbans; i++) {
			char ip[64];
			tp_addr_key_str(&P.bans[i], ip, sizeof ip);
			bl += (size_t)snprintf(s->bans + bl, sizeof s->bans - bl, "%s%s", i ? " " : "", ip);
		}
		s->nbans = P.nbans;
		s->since = P.ban_seen;
		pthread_mutex_unlock(&P.lock);
		unsigned nbans = s->nbans;
		if (proxy_store_sync_submit(&P.sync, s->nomem ? SIP_NOMEM : SIP_OK, pike_sync_run,
					    pike_sync_done, s)) {
			/* Sent: the bans made since stay for the next round. */
			pthread_mutex_lock(&P.lock);
			memmove(P.bans, P.bans + nbans, (P.nbans - nbans) * sizeof P.bans[0]);
			P.nbans -= nbans;
			pthread_mutex_unlock(&P.lock);
		} else {
			pike_sync_free(s);
		}
	}
}

/* Settings out of range are brought into it with a warning, rather than
 * refusing to start. Not sipcc_setting_int_range: the nearest bound keeps
 * what the operator meant (a stricter or looser limit), the default may not. */
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
	const char *store = proxy_store_configured() ? proxy_store_backend() : NULL;
	if (store && strcmp(store, "redis") == 0) {
		P.cluster = true;
		P.ban_seen = 0;
		P.nbans = 0;
		P.sync.outage = (struct proxy_store_outage){
			.down_pre = "pike: the cluster store is unavailable (",
			.down_post = "): each proxy counts the requests it gets alone until it is back",
			.back = "pike: the cluster store is back: sources are counted over every proxy again",
			.forget = pike_forget_remote,
		};
		P.sync.round = pike_on_sync;
		sip_stat_counter("pike.store_errors", &P.sync.outage.errors);
		sip_stat_counter("pike.cluster_bans", &P.cluster_bans);
		proxy_store_sync_start(&P.sync, w, (uint32_t)pike_setting("sync_interval", 100, 10, 1000));
	} else if (store) {
		LOG_NOTICE("pike: sources are counted over several proxies only through a Redis "
			   "cluster.store; each proxy counts its own");
	}
}

static void pike_module_destroy(void)
{
	if (!P.ready)
		return;
	sip_timer_cancel(P.w, &P.sweep);
	proxy_store_sync_stop(&P.sync);
	P.cluster = false;
	PS.d = NULL;
	PS.st = NULL;
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
