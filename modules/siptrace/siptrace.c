/* Message tracing to a Homer-compatible collector over HEP v3 (the role
 * of Kamailio's siptrace and OpenSIPS's proto_hep/tracer).
 *
 * The capture hook of the transports (net/transport.h) sees every
 * message received and every message sent: the requests relayed, the
 * replies forwarded, the proxy's own replies (100 Trying, 407, 404) and
 * the requests it makes (uac, local route). With trace_all each one is
 * mirrored; otherwise only those of the transactions and dialogs a policy
 * named with sip_trace() and sip_trace_dialog(), looked up by Call-ID (and
 * CSeq number for a transaction) in a table kept here: the hook runs below
 * the transaction layer, and a relayed branch, a reply and the ACK of a
 * transaction all carry its Call-ID and CSeq number.
 *
 * Each message goes out as one HEP packet, with the Call-ID as correlation
 * id, on a connected UDP socket of its own or a TCP connection
 * (collector.h). A collector that is down or slow costs a failed send and
 * a counter: nothing waits.
 *
 * With several workers each mirrors what its own loop receives and sends,
 * on a collector socket of its own (collector.c keeps one per worker,
 * opened in siptrace_worker_start), so packets are never interleaved on a
 * TCP stream. The table of traced calls is one for every worker, under a
 * mutex held for one lookup and never across a send: a call traced by
 * its owner is seen by whichever worker sends one of its messages (a BYE
 * the proxy makes on a dialog's timeout). Entries end at a time of their
 * own, which a sweep on worker 0 checks each second, rather than with
 * timers on one worker's wheel. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include "core/hash.h"
#include "core/htable.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "net/loop.h"
#include "proxy/host.h"
#include "siptrace/collector.h"
#include "siptrace/hep.h"

/* After a final reply the entry lives this long, for the ACK and the
 * retransmissions (64*T1). */
#define TRACE_LINGER_MS 32000u
/* Traced transactions and dialogs at most: past it sip_trace() is false. */
#define TRACE_MAX 100000ul
/* How often the entries past their end are freed. */
#define TRACE_SWEEP_MS 1000u

typedef struct trace_ent {
	sip_hlink link;
	uint64_t end_ms;        /* forgotten after (sip_loop_clock_ms) */
	bool dialog;            /* every message of the Call-ID */
	bool confirmed;         /* dialog: a 2xx to its INVITE was seen */
	bool ending;            /* lingering after the end */
	uint32_t cseq;          /* transaction: its CSeq number */
	size_t callid_len;
	char callid[];
} trace_ent;

/* What init sets is read-only afterwards (on, all, server, capture_id,
 * auth_key, the lifetimes, the collector's address). */
static struct {
	bool on;                /* a collector is set and its socket open */
	bool all;
	char server[128];
	sip_addr addr;          /* the collector */
	bool tcp;
	uint32_t capture_id;
	sip_str auth_key;
	sip_timer_wheel *w;     /* worker 0's: the sweep */
	sip_timer sweep;
	pthread_mutex_t lock;   /* calls */
	sip_htable calls;
	unsigned long ncalls;   /* entries in calls (atomic: read without the lock) */
	uint64_t txn_life_ms;   /* a transaction before its final reply */
	uint64_t dlg_life_ms;   /* a confirmed dialog */
	hep_counters cnt;       /* every worker's (atomic) */
	int64_t dropped, refused;       /* atomic */
} T = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* One packet at a time on each worker. */
static SIP_PER_WORKER uint8_t T_buf[HEP_MAX];

static void stat_inc(int64_t *v)
{
	__atomic_fetch_add(v, 1, __ATOMIC_RELAXED);
}

static unsigned long traced_n(void)
{
	return __atomic_load_n(&T.ncalls, __ATOMIC_RELAXED);
}

struct trace_key {
	sip_str callid;
	uint32_t cseq;
	bool dialog_only;
};

static bool ent_eq(const sip_hlink *l, const void *key)
{
	const trace_ent *e = SIP_HTABLE_ENTRY(l, trace_ent, link);
	const struct trace_key *k = key;
	if (e->callid_len != k->callid.len || memcmp(e->callid, k->callid.s, k->callid.len) != 0)
		return false;
	return e->dialog || (!k->dialog_only && e->cseq == k->cseq);
}

/* The entry of callid (and cseq, unless dialog_only); T.lock held. */
static trace_ent *trace_find(sip_str callid, uint32_t cseq, bool dialog_only)
{
	if (!sip_htable_count(&T.calls))
		return NULL;
	struct trace_key k = { callid, cseq, dialog_only };
	sip_hlink *l = sip_htable_find(&T.calls, sip_hash_str(callid), ent_eq, &k);
	return l ? SIP_HTABLE_ENTRY(l, trace_ent, link) : NULL;
}

/* T.lock held, as in every ent_ function. */
static void ent_free(trace_ent *e)
{
	sip_htable_remove(&T.calls, &e->link);
	__atomic_store_n(&T.ncalls, sip_htable_count(&T.calls), __ATOMIC_RELAXED);
	sip_mem_free(e);
}

/* e ends ms from now. */
static void ent_arm(trace_ent *e, uint64_t ms)
{
	e->end_ms = sip_loop_clock_ms() + ms;
}

static trace_ent *ent_add(sip_str callid, uint32_t cseq, bool dialog)
{
	if (sip_htable_count(&T.calls) >= TRACE_MAX) {
		stat_inc(&T.refused);
		return NULL;
	}
	trace_ent *e = sip_mem_alloc(sizeof *e + callid.len);
	if (!e) {
		stat_inc(&T.refused);
		return NULL;
	}
	memset(e, 0, sizeof *e);
	e->dialog = dialog;
	e->cseq = cseq;
	e->callid_len = callid.len;
	memcpy(e->callid, callid.s, callid.len);
	sip_htable_insert(&T.calls, &e->link, sip_hash_str(callid));
	__atomic_store_n(&T.ncalls, sip_htable_count(&T.calls), __ATOMIC_RELAXED);
	ent_arm(e, T.txn_life_ms);
	return e;
}

/* Worker 0, each TRACE_SWEEP_MS: forget the entries past their end. The
 * table is small (the calls a policy chose to trace) and the walk is
 * under the lock, once a second. */
static void trace_on_sweep(sip_timer *tm, void *arg)
{
	(void)arg;
	uint64_t now = sip_loop_clock_ms();
	pthread_mutex_lock(&T.lock);
	if (sip_htable_count(&T.calls)) {
		sip_hiter it;
		sip_hiter_init(&it, &T.calls);
		/* The iterator has read l's successor already: l may go. */
		for (sip_hlink *l; (l = sip_hiter_next(&it));) {
			trace_ent *e = SIP_HTABLE_ENTRY(l, trace_ent, link);
			if (e->end_ms <= now)
				ent_free(e);
		}
	}
	pthread_mutex_unlock(&T.lock);
	sip_timer_add(T.w, tm, TRACE_SWEEP_MS);
}

/* A traced message of e went by: a final reply ends a transaction's
 * entry (after the linger); a 2xx to the INVITE confirms a dialog (its
 * lifetime starts), its BYE's final reply or a failure before it was
 * confirmed ends it. */
static void ent_seen(trace_ent *e, const hep_sip_info *in)
{
	if (e->ending || in->status < 200)
		return;
	if (!e->dialog) {
		if (in->cseq == e->cseq && !sip_str_eq_lit_case(in->cseq_method, "CANCEL")) {
			e->ending = true;
			ent_arm(e, TRACE_LINGER_MS);
		}
		return;
	}
	if (sip_str_eq_lit_case(in->cseq_method, "BYE") ||
	    (!e->confirmed && in->status >= 300 && sip_str_eq_lit_case(in->cseq_method, "INVITE"))) {
		e->ending = true;
		ent_arm(e, TRACE_LINGER_MS);
	} else if (!e->confirmed && in->status < 300 &&
		   sip_str_eq_lit_case(in->cseq_method, "INVITE")) {
		e->confirmed = true;
		ent_arm(e, T.dlg_life_ms);
	}
}

/* The address the socket received on or sent from: the bound one, or
 * the advertised one for a socket bound to the wildcard address. */
static void local_addr(const sip_socket *sock, sip_addr *out)
{
	*out = sock->local;
	bool any = (out->u.sa.sa_family == AF_INET && out->u.in.sin_addr.s_addr == 0) ||
		   (out->u.sa.sa_family == AF_INET6 &&
		    memcmp(&out->u.in6.sin6_addr, &in6addr_any, sizeof in6addr_any) == 0);
	if (any)
		sip_addr_from_ip(out, sock->ip_str, sock->port);
}

/* Send one message to the collector as a HEP packet: sent by the proxy to
 * peer, or received from it; callid is the correlation id. */
static void siptrace_emit(const sip_socket *sock, const sip_addr *peer, const char *buf,
			  size_t len, bool sent, sip_str callid)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	sip_addr local;
	local_addr(sock, &local);
	hep_msg m = {
		.src = sent ? &local : peer,
		.dst = sent ? peer : &local,
		.ip_proto = (sock->tp->caps & TP_CAP_DATAGRAM) ? 17 : 6,
		.ts_sec = (uint32_t)ts.tv_sec,
		.ts_usec = (uint32_t)(ts.tv_nsec / 1000),
		.capture_id = T.capture_id,
		.auth_key = T.auth_key,
		.correlation = callid,
		.payload = sip_str_make(buf, len),
	};
	size_t n = hep_encode(&m, T_buf, sizeof T_buf);
	if (!n) {
		stat_inc(&T.dropped);
		return;
	}
	hep_coll_send(T_buf, n);
}

/* The transports' capture hook (net/transport.h). */
static void trace_capture(const sip_socket *sock, const sip_addr *peer, const char *buf,
			  size_t len, bool sent)
{
	if (!T.all && !traced_n())
		return;
	hep_sip_info in;
	if (!hep_sip_scan(buf, len, &in))
		return;     /* a keep-alive, not a SIP message */
	if (!T.all) {
		pthread_mutex_lock(&T.lock);
		trace_ent *e = trace_find(in.callid, in.cseq, false);
		if (e)
			ent_seen(e, &in);
		pthread_mutex_unlock(&T.lock);
		if (!e)
			return;
	}
	siptrace_emit(sock, peer, buf, len, sent, in.callid);
}

static int64_t siptrace_traced(void)
{
	return (int64_t)traced_n();
}

static void siptrace_init(sip_timer_wheel *w)
{
	T.w = w;
	const char *srv = sipcc_setting_str("siptrace", "hep_server", "");
	T.all = sipcc_setting_int("siptrace", "trace_all", 0) != 0;
	int64_t id = sipcc_setting_int_range("siptrace", "capture_id", 1, 0, UINT32_MAX);
	T.capture_id = (uint32_t)id;
	const char *key = sipcc_setting_str("siptrace", "auth_key", "");
	T.auth_key = sip_str_make(key, strlen(key));
	int64_t fr = sipcc_setting_int("tm", "fr_inv_timer", 180000);
	T.txn_life_ms = (uint64_t)(fr > 0 ? fr : 180000) + TRACE_LINGER_MS;
	int64_t dl = sipcc_setting_int("dialog", "default_timeout", 43200);
	T.dlg_life_ms = (uint64_t)(dl > 0 ? dl : 43200) * 1000u + TRACE_LINGER_MS;
	sip_stat_counter("siptrace.sent", &T.cnt.sent);
	sip_stat_counter("siptrace.send_errors", &T.cnt.send_errors);
	sip_stat_counter("siptrace.dropped", &T.dropped);
	sip_stat_counter("siptrace.refused", &T.refused);
	sip_stat_gauge("siptrace.traced", siptrace_traced);
	if (!*srv) {
		LOG_INFO("siptrace: no hep_server: nothing is traced");
		return;
	}
	sip_addr a;
	bool tcp;
	if (!hep_parse_server(srv, &a, &tcp)) {
		LOG_ERR("siptrace: hep_server '%s' is not udp:IP:PORT or tcp:IP:PORT: nothing is"
			" traced", srv);
		return;
	}
	if (sip_htable_init(&T.calls, 6) != SIP_OK) {
		LOG_ERR("siptrace: out of memory");
		return;
	}
	T.addr = a;
	T.tcp = tcp;
	int rc = hep_coll_open(&a, tcp, proxy_host_loop(), &T.cnt);
	if (rc != SIP_OK) {
		LOG_ERR("siptrace: cannot use %s: %s", srv,
			rc == SIP_EIO ? strerror(errno) : sip_strerror(rc));
		sip_htable_destroy(&T.calls);
		return;
	}
	snprintf(T.server, sizeof T.server, "%s", srv);
	T.on = true;
	sip_timer_init(&T.sweep, trace_on_sweep, NULL);
	sip_timer_add(w, &T.sweep, TRACE_SWEEP_MS);
	tp_set_capture(trace_capture);
	LOG_INFO("siptrace: HEP v3 to %s, %s", T.server,
		 T.all ? "every message" : "the calls sip_trace() names");
}

static void siptrace_destroy(void)
{
	if (tp_capture == trace_capture)
		tp_set_capture(NULL);
	if (T.on && T.w)
		sip_timer_cancel(T.w, &T.sweep);
	pthread_mutex_lock(&T.lock);
	if (sip_htable_ready(&T.calls)) {
		sip_hiter it;
		sip_hiter_init(&it, &T.calls);
		for (sip_hlink *l; (l = sip_hiter_next(&it));)
			ent_free(SIP_HTABLE_ENTRY(l, trace_ent, link));
		sip_htable_destroy(&T.calls);
	}
	pthread_mutex_unlock(&T.lock);
	hep_coll_close();
	T.on = false;
}

/* Workers 1..n-1: a collector socket (or connection) of their own, on
 * their own loop. */
static void siptrace_worker_start(sip_timer_wheel *w)
{
	if (!T.on)
		return;
	sip_loop *loop = (sip_loop *)(void *)((char *)w - offsetof(sip_loop, timers));
	int rc = hep_coll_open(&T.addr, T.tcp, loop, &T.cnt);
	if (rc != SIP_OK)
		LOG_ERR("siptrace: worker %u cannot use %s: %s: its messages are not traced",
			sip_worker_id, T.server, rc == SIP_EIO ? strerror(errno) : sip_strerror(rc));
}

static void siptrace_worker_stop(void)
{
	hep_coll_close();
}

/* Trace ctx's message, and from now on the other messages of its
 * transaction (dialog false) or of its whole Call-ID. The message being
 * routed is sent at once in request and reply routes, where it is the one
 * just received, unless the hook already sent it (its call was traced
 * before it came); in failure and branch routes it is the stored request,
 * traced when it came or not at all. */
static bool trace_start(struct sip_ctx *ctx, bool dialog)
{
	if (!T.on || !ctx->msg || !ctx->msg->callid.len)
		return false;
	if (T.all)
		return true;
	sip_msg *m = ctx->msg;
	pthread_mutex_lock(&T.lock);
	if (trace_find(m->callid, m->cseq.num, dialog)) {
		pthread_mutex_unlock(&T.lock);
		return true;
	}
	bool seen = trace_find(m->callid, m->cseq.num, false) != NULL;
	bool added = ent_add(m->callid, m->cseq.num, dialog) != NULL;
	pthread_mutex_unlock(&T.lock);
	if (!added)
		return false;
	if (!seen && ctx->sock &&
	    (ctx->route_kind == SIPCC_ROUTE_REQUEST || ctx->route_kind == SIPCC_ROUTE_REPLY))
		siptrace_emit(ctx->sock, &ctx->src, m->buf, m->len, false, m->callid);
	return true;
}

int64_t sipcc_fn_sip_trace(struct sip_ctx *ctx)
{
	return trace_start(ctx, false);
}

int64_t sipcc_fn_sip_trace_dialog(struct sip_ctx *ctx)
{
	return trace_start(ctx, true);
}

sipcc_module sipcc_module_siptrace = {
	.name = "siptrace",
	.init = siptrace_init,
	.destroy = siptrace_destroy,
	.worker_start = siptrace_worker_start,
	.worker_stop = siptrace_worker_stop,
	.workers_safe = true,
};
