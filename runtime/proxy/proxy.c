/* The receive path: parsing, the request and reply routes, requests that
 * wait, and the transaction layer's callbacks. Forwarding is in relay.c,
 * local replies in reply.c. */
#include "proxy/proxy.h"
#include "proxy/proxy_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "net/tls.h"
#include "proxy/counters.h"
#include "proxy/fork.h"
#include "proxy/metrics.h"
#include "proxy/module.h"
#include "proxy/dns.h"
#include "proxy/routes.h"
#include "proxy/uac.h"
#include "script/script.h"

struct proxy_conf proxy_conf;
SIP_PER_WORKER char proxy_out[PROXY_BUFSZ];
uint64_t proxy_sl_salt;


#define PROXY_MCTX_SPARE  32    /* contexts the pool keeps */

/* The message contexts of the calling worker: each worker's receive path,
 * waiting requests and pool are its own. */
static SIP_PER_WORKER struct {
	struct proxy_mctx *cur;     /* the one the receive path uses */
	struct proxy_mctx *pool, *waiting;
	unsigned npool, nwaiting;
	/* While rx_response() runs: the reply it handles and where it came
	 * from (proxy_reply_source). */
	const sip_msg *rx_resp;
	const sip_addr *rx_src;
	sip_socket *rx_sock;
} P;

static bool proxy_on_reply(txn *s, txn *c, sip_msg *resp);
static void mctx_free_list(struct proxy_mctx **list, unsigned *n);
static void mctx_unpin(struct proxy_mctx *mc);
static void proxy_on_failure(txn *s, int code);
static void proxy_on_final(txn *s, int code);

struct proxy_mctx *proxy_mctx_take(void)
{
	struct proxy_mctx *mc = P.pool;
	if (mc) {
		P.pool = mc->next;
		P.npool--;
		sip_arena_reset(&mc->arena);
		return mc;
	}
	if (!(mc = sip_mem_alloc(sizeof *mc)))
		return NULL;
	memset(mc, 0, sizeof *mc);
	sip_arena_init(&mc->arena, 32768);
	return mc;
}

void proxy_mctx_give(struct proxy_mctx *mc)
{
	if (P.npool >= PROXY_MCTX_SPARE) {
		sip_arena_destroy(&mc->arena);
		sip_mem_free(mc);
		return;
	}
	sip_arena_reset(&mc->arena);
	mc->next = P.pool;
	P.pool = mc;
	P.npool++;
}

static struct proxy_mctx *mctx_of(struct sip_ctx *ctx)
{
	return (struct proxy_mctx *)((char *)ctx - offsetof(struct proxy_mctx, ctx));
}

int proxy_init_worker(sip_timer_wheel *w)
{
	if (!(P.cur = proxy_mctx_take()))
		return SIP_NOMEM;
	static const struct txn_user user = { proxy_on_reply, proxy_on_failure, proxy_routes_local,
					      proxy_on_final };
	int rc = txn_layer_init(w, &user, 16);
	if (rc != SIP_OK)
		return rc;
	proxy_fork_init();
	proxy_uac_init(w);
	return SIP_OK;
}

void proxy_destroy_worker(void)
{
	proxy_uac_destroy();
	for (struct proxy_mctx *mc = P.waiting; mc; mc = mc->next)
		mctx_unpin(mc);
	txn_layer_destroy();
	mctx_free_list(&P.waiting, &P.nwaiting);
	if (P.cur)
		proxy_mctx_give(P.cur);
	P.cur = NULL;
	mctx_free_list(&P.pool, &P.npool);
	proxy_fork_worker_done();
	proxy_rr_worker_done();
}

int proxy_init(sip_timer_wheel *w)
{
	int rc = proxy_init_worker(w);
	if (rc != SIP_OK)
		return rc;
	proxy_counters_init();
	proxy_ban_init(w);
	proxy_sl_salt = (uint64_t)(uintptr_t)&P ^ w->now_ms;
	tp_set_recv(proxy_receive, NULL);
	return SIP_OK;
}

/* Free a list of contexts (the pool, or the requests still waiting at
 * exit) and empty it. */
static void mctx_free_list(struct proxy_mctx **list, unsigned *n)
{
	while (*list) {
		struct proxy_mctx *mc = *list;
		*list = mc->next;
		sip_arena_destroy(&mc->arena);
		sip_mem_free(mc);
	}
	*n = 0;
}

void proxy_destroy(void)
{
	proxy_ban_destroy();
	proxy_destroy_worker();
}

/* ---- receive path ---- */

void proxy_ctx_init(struct sip_ctx *ctx, sip_msg *m, sip_arena *a, sip_socket *sock,
		    const sip_addr *src, int kind)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->policy = proxy_policy;
	ctx->msg = m;
	ctx->arena = a;
	ctx->sock = sock;
	if (src)
		ctx->src = *src;
	ctx->route_kind = kind;
	ctx->maxfwd = -1;
}

/* A stateless rejection of a request the sanity checks or the parser
 * refused (the parser's builder copes with a partly parsed request). */
static void reject(sip_msg *m, sip_socket *sock, const sip_addr *src, int code,
		   const char *why, sip_str unsupported)
{
	if (m->method == SIP_METHOD_ACK || !m->via1)
		return;
	char ip[64];
	sip_addr_ip(src, ip, sizeof ip);
	sip_str extra = SIP_STR_NULL;
	if (unsupported.len)
		extra = sip_arena_printf(&P.cur->arena, "Unsupported: " SIP_STR_FMT "\r\n", SIP_STR_ARG(unsupported));
	sip_str reason = why ? sip_str_make(why, strlen(why)) : sip_str_make(txn_reason(code), strlen(txn_reason(code)));
	long n = sip_msg_build_reply(m, code, reason, txn_totag_make(m, &P.cur->arena), extra,
				     sip_str_make(ip, strlen(ip)), sip_addr_port(src), proxy_out, sizeof proxy_out);
	if (n < 0)
		return;
	sip_addr dst;
	proxy_reply_dest(m, sock, src, &dst);
	if (tp_send(sock, &dst, proxy_out, (size_t)n) == SIP_OK)
		proxy_count_local_reply(code);
}

/* Keep the context of ctx, whose route waits (SIPCC_RET_SUSPEND, or a
 * relay waiting for DNS), out of the pool and out of the receive path's
 * reuse until it is done. */
static void mctx_keep(struct sip_ctx *ctx)
{
	struct proxy_mctx *mc = mctx_of(ctx);
	if (ctx->waiting)
		return;
	ctx->waiting = true;
	mc->next = P.waiting;
	P.waiting = mc;
	P.nwaiting++;
	if (P.cur == mc)
		P.cur = NULL;       /* the receive path takes another */
}

/* A waiting context keeps pointers to transactions across loop turns:
 * pin them (txn_pin), so they stay whole and their memory valid until it
 * is done, even when they end meanwhile. */
static void mctx_pin(struct proxy_mctx *mc)
{
	struct sip_ctx *ctx = &mc->ctx;
	txn *want[3] = { ctx->txn, ctx->branch, ctx->cancel_target };
	for (unsigned i = 0; i < 3; i++) {
		bool have = !want[i];
		for (unsigned k = 0; k < mc->npinned && !have; k++)
			have = mc->pinned[k] == want[i];
		if (have || mc->npinned >= 3)
			continue;
		txn_pin(want[i]);
		mc->pinned[mc->npinned++] = want[i];
	}
}

static void mctx_unpin(struct proxy_mctx *mc)
{
	for (unsigned k = 0; k < mc->npinned; k++)
		txn_unpin(mc->pinned[k]);
	mc->npinned = 0;
}

txn *proxy_txn_create(struct sip_ctx *ctx)
{
	ctx->txn = txn_server_create(ctx->msg, ctx->sock, &ctx->src);
	if (ctx->txn)
		ctx->txn->u_policy = ctx->policy;
	return ctx->txn;
}

const struct proxy_policy *proxy_txn_policy(const txn *s)
{
	return s && s->u_policy ? s->u_policy : proxy_policy;
}

/* A request that waits gets its server transaction now, so
 * retransmissions are absorbed meanwhile (an INVITE its 100 Trying). */
static void request_txn(struct sip_ctx *ctx)
{
	sip_msg *m = ctx->msg;
	if (!ctx->txn && m->method != SIP_METHOD_ACK && m->method != SIP_METHOD_CANCEL) {
		proxy_txn_create(ctx);
		proxy_modules_txn_bind(ctx);
		if (ctx->txn && m->method == SIP_METHOD_INVITE)
			txn_server_reply(ctx->txn, 100, SIP_STR_NULL);
	}
}

/* Run (or go on with) the request route of ctx; after a run that did not
 * wait, the dialog hook and the counters see its outcome. */
static void request_route_run(struct sip_ctx *ctx)
{
	ctx->frame_i = 0;
	int64_t r = ctx->policy->request(ctx);
	if (ctx->suspended) {
		if (r != SIPCC_RET_SUSPEND)     /* a function waited outside a route that can */
			LOG_ERR("request route returned %lld while waiting; going on from the top "
				"when the result is in", (long long)r);
		return;
	}
	proxy_modules_txn_bind(ctx);
	proxy_modules_routed(ctx);
	if (!ctx->replied && !ctx->relayed)
		proxy_count_inc(&proxy_cnt->drop_requests);
	if (!ctx->replied && !ctx->relayed && r != SIPCC_RET_DROP)
		LOG_DEBUG("request " SIP_STR_FMT " from route dropped (no reply, no relay)",
			  SIP_STR_ARG(ctx->msg->method_str));
}

/* Run (or go on with) the failure route of the context of ctx. */
static void failure_route_run(struct sip_ctx *ctx)
{
	ctx->frame_i = 0;
	int64_t r = mctx_of(ctx)->route(ctx);
	if (ctx->suspended && r != SIPCC_RET_SUSPEND)
		LOG_ERR("failure route returned %lld while waiting; going on from the top "
			"when the result is in", (long long)r);
}

/* Run (or go on with) the reply routes of the context of ctx: the unnamed
 * one, then the one t_on_reply armed unless the first dropped the reply. */
static void reply_routes_run(struct sip_ctx *ctx)
{
	struct proxy_mctx *mc = mctx_of(ctx);
	while (mc->stage < 2) {
		sipcc_route_fn fn = mc->stage == 0 ? ctx->policy->reply
						   : (sipcc_route_fn)ctx->txn->u_reply;
		if (!fn || (mc->stage == 1 && !mc->fwd)) {
			mc->stage++;
			continue;
		}
		ctx->frame_i = 0;
		int64_t r = fn(ctx);
		if (ctx->suspended) {
			if (r != SIPCC_RET_SUSPEND)
				LOG_ERR("reply route returned %lld while waiting; going on from the "
					"top when the result is in", (long long)r);
			return;
		}
		if (r == SIPCC_RET_DROP)
			mc->fwd = false;
		mc->stage++;
	}
}

/* After a run of ctx's route (the first or a resumed one): a context that
 * waits is kept (a failure route's holds its transaction: no final
 * response goes meanwhile); a relay's lookup that ended while the route
 * waited for something else goes on now; a context that is done leaves the
 * waiting list and, unless it is the receive path's, goes back to the
 * pool. */
static void mctx_settle(struct sip_ctx *ctx)
{
	struct proxy_mctx *mc = mctx_of(ctx);
	bool failure = ctx->route_kind == SIPCC_ROUTE_FAILURE;
	bool reply = ctx->route_kind == SIPCC_ROUTE_REPLY;
	bool event = ctx->route_kind == SIPCC_ROUTE_EVENT;
	while (!ctx->suspended && ctx->then && ctx->then_ready) {
		void (*then)(struct sip_ctx *) = ctx->then;
		ctx->then = NULL;
		ctx->then_ready = false;
		then(ctx);
	}
	if (ctx->suspended || ctx->then) {
		bool first = !ctx->waiting;
		mctx_keep(ctx);
		if (failure)
			txn_server_hold(ctx->txn);
		else if (reply && first)
			mc->held_kind = txn_reply_hold(ctx->branch);
		else if (first && ctx->suspended && !event)
			request_txn(ctx);
		mctx_pin(mc);
		return;
	}
	bool waited = ctx->waiting;
	if (waited) {
		for (struct proxy_mctx **pp = &P.waiting; *pp; pp = &(*pp)->next)
			if (*pp == mc) {
				*pp = mc->next;
				P.nwaiting--;
				break;
			}
		ctx->waiting = false;
	}
	txn *s = ctx->txn;
	if (failure) {
		txn_server_release(s);
	} else if (reply) {
		if (waited)
			txn_reply_release(ctx->branch, ctx->msg, mc->held_kind, mc->fwd);
	} else if (waited && s && s->canceled && !s->final_sent && !ctx->replied &&
		   !ctx->relayed && s->state != TXN_TERMINATED) {
		/* CANCELled while it waited, and not relayed since (t_relay
		 * refuses): the caller still gets its final response. */
		txn_server_reply(s, 487, SIP_STR_NULL);
	}
	mctx_unpin(mc);
	if (failure || waited || event)
		proxy_mctx_give(mc);
}

void proxy_event_start(struct proxy_mctx *mc)
{
	struct sip_ctx *ctx = &mc->ctx;
	proxy_ctx_init(ctx, NULL, &mc->arena, NULL, NULL, SIPCC_ROUTE_EVENT);
	ctx->can_wait = true;
	proxy_event_routes_run(mc);
	mctx_settle(ctx);
}

/* An event route's parameters (policy_abi.h): "" and 0 outside one, or
 * past the values the event was raised with. */
void sipcc_event_arg_str(struct sip_ctx *ctx, sip_str *out, int64_t i)
{
	struct proxy_mctx *mc = mctx_of(ctx);
	if (ctx->route_kind == SIPCC_ROUTE_EVENT && i >= 0 && (uint64_t)i < mc->ev_n)
		*out = mc->ev_vals[i].s;
	else
		*out = SIP_STR_LIT("");
}

int64_t sipcc_event_arg_int(struct sip_ctx *ctx, int64_t i)
{
	struct proxy_mctx *mc = mctx_of(ctx);
	if (ctx->route_kind == SIPCC_ROUTE_EVENT && i >= 0 && (uint64_t)i < mc->ev_n)
		return mc->ev_vals[i].i;
	return 0;
}

/* Remove the Route values that name this proxy (RFC 3261 §16.4), then run
 * the request route on ctx with the modules' hooks around it. */
static void route_request(struct sip_ctx *ctx)
{
	proxy_route_self(ctx);
	proxy_modules_request(ctx);
	request_route_run(ctx);
	mctx_settle(ctx);
}

static void rx_request(struct proxy_mctx *mc, sip_socket *sock, const sip_addr *src)
{
	sip_msg *m = &mc->msg;
	struct sip_ctx *ctx = &mc->ctx;
	proxy_ctx_init(ctx, m, &mc->arena, sock, src, SIPCC_ROUTE_REQUEST);
	ctx->can_wait = true;
	proxy_count_request(m->method);
	sip_str unsupported = SIP_STR_NULL;
	int code = sip_msg_check_request(m, &unsupported);
	if (code) {
		proxy_count_inc(&proxy_cnt->err_requests);
		char ip[64];
		LOG_INFO("rejecting " SIP_STR_FMT " from %s:%d with %d%s%s", SIP_STR_ARG(m->method_str),
			 sip_addr_ip(src, ip, sizeof ip), sip_addr_port(src), code,
			 m->error ? ": " : "", m->error ? m->error : "");
		if (proxy_routes_error(m, &mc->arena, sock, src, code, m->error))
			return;
		reject(m, sock, src, code, NULL, unsupported);
		return;
	}
	/* Retransmissions and ACKs for non-2xx never reach the policy. */
	txn *t = txn_server_match(m);
	if (t) {
		if (m->method == SIP_METHOD_ACK) {
			if (txn_server_ack(t))
				return;
			ctx->matched = t;
		} else {
			txn_server_retransmit(t);
			return;
		}
	} else if (txn_rec_request(m)) {
		return;         /* a finished transaction's record answered it */
	}
	if (m->method == SIP_METHOD_CANCEL) {
		ctx->cancel_target = txn_server_match_cancel(m);
		ctx->cancel_done = !ctx->cancel_target && txn_rec_match_cancel(m);
	}
	if (!ctx->policy->request)
		return;
	route_request(ctx);
}

static void rx_response(sip_msg *m, sip_socket *sock)
{
	proxy_count_reply(m->status);
	if (!sip_msg_check_response(m)) {
		proxy_count_inc(&proxy_cnt->drop_replies);
		LOG_DEBUG("dropping malformed %d reply", m->status);
		return;
	}
	txn *c = txn_client_match(m);
	if (c) {
		txn_client_receive(c, m);
		return;
	}
	if (txn_rec_response(m))
		return;
	/* §16.11-style: not ours by transaction; pass on by Via if the top Via
	 * is ours. */
	if (!m->via1 || !proxy_is_us(m->via1->host, m->via1->port ? m->via1->port : 5060)) {
		LOG_DEBUG("dropping %d reply: top Via is not ours", m->status);
		proxy_count_inc(&proxy_cnt->drop_replies);
		return;
	}
	int rc = txn_fwd_response(m, sock);
	if (rc != SIP_OK)
		proxy_count_inc(&proxy_cnt->drop_replies);
	if (rc == SIP_DECLINED)
		LOG_DEBUG("dropping %d reply: no second Via", m->status);
	else if (rc != SIP_OK)
		LOG_DEBUG("cannot forward %d reply: %s", m->status, sip_strerror(rc));
}

/* The transport callback: parse, reply 400 to unparsable requests when a
 * reply can be built, then route. The message arena is reused. */
void proxy_receive(sip_socket *sock, const sip_addr *src, char *buf, size_t len, void *arg)
{
	size_t i = 0;
	while (i < len && (buf[i] == '\r' || buf[i] == '\n' || buf[i] == ' ' || buf[i] == '\0'))
		i++;
	if (i == len)
		return;     /* keepalive */
	if (!P.cur && !(P.cur = proxy_mctx_take())) {
		LOG_ERR("out of memory: message of %zu bytes dropped", len);
		return;
	}
	struct proxy_mctx *mc = P.cur;
	sip_arena_reset(&mc->arena);
	/* The message lives in its own arena: a route that waits keeps it
	 * (and every slice of it its variables hold) until it resumes. */
	char *copy = sip_arena_alloc(&mc->arena, len + 1);
	if (!copy) {
		LOG_ERR("out of memory: message of %zu bytes dropped", len);
		return;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	buf = copy;
	sip_msg *m = &mc->msg;
	int rc = sip_msg_parse(&mc->arena, buf, len, m);
	if (rc != SIP_OK) {
		char ip[64];
		const char *why = m->error ? m->error : sip_strerror(rc);
		int code = rc == SIP_ETOOBIG ? 513 : 400;
		const char *what = m->is_request ? "request" : "message";
		if (m->is_request)
			proxy_count_inc(&proxy_cnt->err_requests);
		else
			proxy_count_inc(&proxy_cnt->drop_replies);
		const char *then = m->is_request ? (code == 513 ? "replying 513" : "replying 400") : "dropped";
		sip_addr_ip(src, ip, sizeof ip);
		if (rc == SIP_ETOOBIG)
			LOG_WARN("%s from %s:%d of %zu bytes is over limits.max_message_size (%zu); %s",
				 what, ip, sip_addr_port(src), len, sip_limits.max_msg_size, then);
		else if (rc == SIP_ELIMIT)
			LOG_WARN("%s from %s:%d has more than limits.max_headers (%u) header lines; %s",
				 what, ip, sip_addr_port(src), sip_limits.max_headers, then);
		else
			LOG_INFO("malformed %s from %s:%d: %s", what, ip, sip_addr_port(src), why);
		if (m->is_request && !proxy_routes_error(m, &mc->arena, sock, src, code, why))
			reject(m, sock, src, code, rc == SIP_EPARSE ? why : NULL, SIP_STR_NULL);
		return;
	}
	if (m->is_request) {
		rx_request(mc, sock, src);
		return;
	}
	P.rx_resp = m;
	P.rx_src = src;
	P.rx_sock = sock;
	rx_response(m, sock);
	P.rx_resp = NULL;
}

bool proxy_reply_source(const sip_msg *resp, sip_addr *src, sip_socket **sock)
{
	if (!resp || resp != P.rx_resp)
		return false;
	*src = *P.rx_src;
	*sock = P.rx_sock;
	return true;
}

/* ---- waiting requests (proxy.h) ---- */

unsigned proxy_waiting_count(void)
{
	return P.nwaiting;
}

void proxy_resume(struct sip_ctx *ctx)
{
	if (!ctx->waiting || !ctx->suspended)
		return;
	ctx->suspended = false;
	if (ctx->route_kind == SIPCC_ROUTE_FAILURE)
		failure_route_run(ctx);
	else if (ctx->route_kind == SIPCC_ROUTE_REPLY)
		reply_routes_run(ctx);
	else if (ctx->route_kind == SIPCC_ROUTE_EVENT)
		proxy_event_routes_run(mctx_of(ctx));
	else
		request_route_run(ctx);
	mctx_settle(ctx);
}

void proxy_resume_then(struct sip_ctx *ctx)
{
	if (!ctx->waiting || !ctx->then)
		return;
	ctx->then_ready = true;
	if (!ctx->suspended)        /* else once the route is done */
		mctx_settle(ctx);
}

/* ---- transaction callbacks ---- */

/* A reply of branch c: the unnamed reply route runs for every reply,
 * then the one t_on_reply armed. Either may drop a provisional reply.
 * A reply received on the receive path's context may wait (proxy_wait):
 * the context is kept and the transaction layer holds the reply
 * (txn_reply_hold) until its routes are done. */
static bool proxy_on_reply(txn *s, txn *c, sip_msg *resp)
{
	proxy_modules_reply(s, resp);
	const struct proxy_policy *pol = proxy_txn_policy(s);
	if (!s->u_reply && !pol->reply)
		return true;
	/* Replies come from the receive path (rx_response), in its context;
	 * another one (none today) gets a pooled context that cannot wait. */
	struct proxy_mctx *mc = P.cur;
	bool own = !mc || resp != &mc->msg;
	if (own && !(mc = proxy_mctx_take())) {
		LOG_ERR("out of memory: the reply routes do not run");
		return true;
	}
	struct sip_ctx *ctx = &mc->ctx;
	proxy_ctx_init(ctx, resp, resp->arena, c->sock, &c->peer, SIPCC_ROUTE_REPLY);
	ctx->policy = pol;
	ctx->txn = s;
	ctx->branch = c;
	ctx->can_wait = !own;
	mc->stage = 0;
	mc->fwd = true;
	proxy_modules_route_txn(ctx, s);
	reply_routes_run(ctx);
	mctx_settle(ctx);
	bool fwd = ctx->waiting || mc->fwd;
	if (own)
		proxy_mctx_give(mc);
	return fwd;
}

/* Re-run routing on the stored request: a failure route may reply or
 * relay to new branches (t_relay re-applies only the Request-URI and Via).
 * A failure route that waits keeps its context and holds s until it is
 * done (proxy_resume). */
static void proxy_on_failure(txn *s, int code)
{
	if (proxy_dns_failover(s, code))
		return;
	sipcc_route_fn fn = (sipcc_route_fn)s->u_fail_run;
	if (!fn || fn == proxy_dns_failover_route || !s->tmpl_len)
		return;
	struct proxy_mctx *mc = proxy_mctx_take();
	if (!mc) {
		LOG_ERR("out of memory: the failure route does not run");
		return;
	}
	if (sip_msg_parse(&mc->arena, s->tmpl, s->tmpl_len, &mc->msg) != SIP_OK) {
		LOG_WARN("cannot re-parse the request for the failure route");
		proxy_mctx_give(mc);
		return;
	}
	struct sip_ctx *ctx = &mc->ctx;
	proxy_ctx_init(ctx, &mc->msg, &mc->arena, s->sock, &s->src, SIPCC_ROUTE_FAILURE);
	ctx->policy = proxy_txn_policy(s);
	ctx->txn = s;
	ctx->prepared = true;
	ctx->reply_code = code;
	ctx->can_wait = true;
	mc->route = fn;
	proxy_modules_route_txn(ctx, s);
	script_failure_enter(ctx);
	failure_route_run(ctx);
	mctx_settle(ctx);
}

/* A call that failed, at notice: an INVITE transaction whose final
 * response upstream is 300 or above, whether relayed or made here. A
 * challenge (401, 407) is no failure: failed credentials have their own
 * line (auth_fn.c). From, To and Call-ID come from the response sent,
 * escaped; the format is documented in sipcc(1), LOGGING. */
static void proxy_log_failed_call(txn *s, int code)
{
	if (!s->is_invite || code < 300 || code == 401 || code == 407
	    || SIP_LOG_NOTICE > sip_log_level_get() || !s->out_len)
		return;
	_Alignas(16) char abuf[2048];
	char ip[64], from[256], to[256], cid[160], reason[96];
	sip_arena a;
	sip_msg r;
	sip_arena_init_buf(&a, abuf, sizeof abuf, 2048);
	from[0] = to[0] = cid[0] = reason[0] = '\0';
	if (sip_msg_parse(&a, s->out, s->out_len, &r) == SIP_OK && !r.is_request) {
		sip_naddr *f = sip_msg_from(&r), *t = sip_msg_to(&r);
		if (f)
			sip_log_quote(from, sizeof from, f->uri_str.s, f->uri_str.len);
		if (t)
			sip_log_quote(to, sizeof to, t->uri_str.s, t->uri_str.len);
		sip_log_quote(cid, sizeof cid, r.callid.s, r.callid.len);
		sip_log_quote(reason, sizeof reason, r.reason.s, r.reason.len);
	}
	sip_arena_destroy(&a);
	sip_addr_ip(&s->src, ip, sizeof ip);
	bool v6 = strchr(ip, ':') != NULL;
	LOG_NOTICE("call failed: src=%s%s%s:%d transport=%s method=INVITE status=%d reason=\"%s\""
		   " from=\"%s\" to=\"%s\" call-id=\"%s\"", v6 ? "[" : "", ip, v6 ? "]" : "",
		   sip_addr_port(&s->src), s->sock && s->sock->tp ? s->sock->tp->name : "?", code,
		   reason, from, to, cid);
}

static void proxy_on_final(txn *s, int code)
{
	proxy_metrics_final(s, code);
	proxy_modules_final(s, code);
	proxy_log_failed_call(s, code);
}
