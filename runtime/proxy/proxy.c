/* The receive path and forwarding (RFC 3261 §16). */
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
#include "proxy/module.h"
#include "proxy/dns.h"
#include "proxy/routes.h"
#include "script/script.h"

struct proxy_conf proxy_conf;


#define PROXY_BUFSZ (SIP_MAX_MSG_SIZE + 4096)

#define PROXY_MAX_WAITING 1024  /* messages suspended at once */
#define PROXY_MCTX_SPARE  32    /* contexts the pool keeps */

static struct {
	struct proxy_mctx *cur;     /* the one the receive path uses */
	struct proxy_mctx *pool, *waiting;
	unsigned npool, nwaiting;
	char out[PROXY_BUFSZ];      /* outgoing requests and replies */
	uint64_t sl_salt;
} P;

static bool proxy_on_reply(txn *s, txn *c, sip_msg *resp);
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

int proxy_init(sip_timer_wheel *w)
{
	if (!(P.cur = proxy_mctx_take()))
		return SIP_NOMEM;
	static const struct txn_user user = { proxy_on_reply, proxy_on_failure, proxy_routes_local,
					      proxy_on_final };
	int rc = txn_layer_init(w, &user, 16);
	if (rc != SIP_OK)
		return rc;
	proxy_fork_init();
	proxy_counters_init();
	P.sl_salt = (uint64_t)(uintptr_t)&P ^ w->now_ms;
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
	txn_layer_destroy();
	mctx_free_list(&P.waiting, &P.nwaiting);
	if (P.cur)
		proxy_mctx_give(P.cur);
	P.cur = NULL;
	mctx_free_list(&P.pool, &P.npool);
}

/* Where a reply to m goes: §18.2.2 with RFC 3581; over a stream, back on
 * the connection the request came on. */
static void reply_dest(const sip_msg *m, const sip_socket *sock, const sip_addr *src, sip_addr *dst)
{
	*dst = *src;
	if (m->via1 && !m->via1->has_rport && !sock->tp->reliable) {
		int port = m->via1->port ? m->via1->port : 5060;
		if (dst->u.sa.sa_family == AF_INET6)
			dst->u.in6.sin6_port = htons((uint16_t)port);
		else
			dst->u.in.sin_port = htons((uint16_t)port);
	}
}

/* ---- replies ---- */

int proxy_reply(struct sip_ctx *ctx, int code, sip_str reason, bool stateful)
{
	sip_msg *m = ctx->msg;
	if (!m->is_request || m->method == SIP_METHOD_ACK)
		return SIP_EINVAL;
	/* A request that has a transaction (it waited, or was relayed or
	 * answered through one) is answered through it. */
	if (stateful || ctx->txn) {
		if (!ctx->txn) {
			ctx->txn = txn_server_create(m, ctx->sock, &ctx->src);
			if (!ctx->txn)
				return SIP_NOMEM;
		}
		int rc = txn_server_reply(ctx->txn, code, reason);
		if (rc == SIP_OK && code >= 200)
			ctx->replied = true;
		if (rc == SIP_OK)
			proxy_count_local_reply(code);
		return rc;
	}
	txn_rhdrs rh;
	int rc = txn_rhdrs_make(m, &ctx->src, ctx->arena, &rh);
	if (rc != SIP_OK)
		return rc;
	sip_str tag = rh.to_has_tag ? SIP_STR_NULL : txn_totag_make(m, ctx->arena);
	long n = txn_rhdrs_print(P.out, sizeof P.out, code, reason, &rh, tag);
	if (n < 0)
		return (int)n;
	sip_addr dst;
	reply_dest(m, ctx->sock, &ctx->src, &dst);
	rc = tp_send(ctx->sock, &dst, P.out, (size_t)n);
	if (rc == SIP_OK && code >= 200)
		ctx->replied = true;
	if (rc == SIP_OK)
		proxy_count_local_reply(code);
	return rc;
}

int proxy_reply_hdrs(struct sip_ctx *ctx, int code, sip_str reason, sip_str hdrs, bool stateful)
{
	static const char tail[] = "Content-Length: 0\r\n\r\n";
	const size_t tl = sizeof tail - 1;
	sip_msg *m = ctx->msg;
	if (!hdrs.len)
		return proxy_reply(ctx, code, reason, stateful);
	if (!m->is_request || m->method == SIP_METHOD_ACK || hdrs.len > sizeof P.out / 2)
		return SIP_EINVAL;
	txn_rhdrs rh;
	sip_str tag;
	stateful = stateful || ctx->txn;
	if (stateful) {
		if (!ctx->txn && !(ctx->txn = txn_server_create(m, ctx->sock, &ctx->src)))
			return SIP_NOMEM;
		rh = ctx->txn->rh;
		tag = ctx->txn->totag;
	} else {
		int rc = txn_rhdrs_make(m, &ctx->src, ctx->arena, &rh);
		if (rc != SIP_OK)
			return rc;
		tag = rh.to_has_tag ? SIP_STR_NULL : txn_totag_make(m, ctx->arena);
	}
	long n = txn_rhdrs_print(P.out, sizeof P.out - hdrs.len, code, reason, &rh, tag);
	if (n < 0)
		return (int)n;
	/* The extra lines go between the copied headers and the final
	 * Content-Length the printer always ends with. */
	if ((size_t)n < tl || memcmp(P.out + n - tl, tail, tl) != 0)
		return SIP_ESTATE;
	memmove(P.out + n - tl + hdrs.len, P.out + n - tl, tl);
	memcpy(P.out + n - tl, hdrs.s, hdrs.len);
	n += (long)hdrs.len;
	int rc;
	if (stateful) {
		rc = txn_server_send(ctx->txn, code, P.out, (size_t)n);
	} else {
		sip_addr dst;
		reply_dest(m, ctx->sock, &ctx->src, &dst);
		rc = tp_send(ctx->sock, &dst, P.out, (size_t)n);
	}
	if (rc == SIP_OK && code >= 200)
		ctx->replied = true;
	if (rc == SIP_OK)
		proxy_count_local_reply(code);
	return rc;
}

/* ---- forwarding requests ---- */

/* The URI the request goes to (§16.6 steps 6-7): $du, else the first
 * Route left once ours were removed (proxy_route_self; a request kept
 * for a DNS answer was built without them), else the Request-URI. */
static sip_str next_hop_uri(struct sip_ctx *ctx)
{
	if (ctx->du.len)
		return ctx->du;
	sip_msg *m = ctx->msg;
	if (ctx->routes_done) {
		if (ctx->route_next.len)
			return ctx->route_next;
	} else if (!ctx->prepared && m->first[SIP_HDR_ROUTE]) {
		sip_naddr *r = sip_hdr_naddrs(m, m->first[SIP_HDR_ROUTE]);
		if (r && r->uri_str.len)
			return r->uri_str;
	}
	return ctx->new_ruri.len ? ctx->new_ruri : m->ruri_str;
}

/* Next-hop URIs whose host is a literal IP, with their address: a policy
 * sends most requests to the same few URIs ($du from a constant, a
 * gateway), and this saves parsing each of them again. Names are not
 * cached: their address may change with DNS. */
#define DEST_CACHE_N    8
#define DEST_CACHE_URI  128
static struct dest_cache {
	char uri[DEST_CACHE_URI];
	size_t len;
	sip_addr addr;
	const sip_transport *tp;
} dest_cache[DEST_CACHE_N];
static unsigned dest_cache_next;

/* Resolve a SIP URI to an address: literal IP or getaddrinfo, port from
 * the URI or 5060 (sips: 5061). *tp is the URI's transport= (sips: TLS),
 * NULL when it names none; SIP_EINVAL for one the proxy does not have. */
static int uri_dest(sip_str uri_s, sip_addr *dst, const sip_transport **tp)
{
	proxy_dns_clear();
	for (unsigned i = 0; i < DEST_CACHE_N; i++) {
		struct dest_cache *e = &dest_cache[i];
		if (e->len && e->len == uri_s.len && memcmp(e->uri, uri_s.s, uri_s.len) == 0) {
			*dst = e->addr;
			*tp = e->tp;
			return SIP_OK;
		}
	}
	sip_uri u;
	if (sip_uri_parse(uri_s, &u) != SIP_OK || !u.is_sip || !u.host.len) {
		LOG_WARN("cannot route to '" SIP_STR_FMT "': not a SIP URI", SIP_STR_ARG(uri_s));
		return SIP_EINVAL;
	}
	*tp = u.secure ? &tp_tls : NULL;
	if (u.transport.len && !(*tp = tp_find_str(u.transport))) {
		LOG_WARN("cannot route to '" SIP_STR_FMT "': unknown transport", SIP_STR_ARG(uri_s));
		return SIP_EINVAL;
	}
	if (u.secure && *tp == &tp_ws)
		*tp = &tp_wss;      /* RFC 7118 §5.2: sips: with transport=ws */
	sip_str host = u.maddr.len ? u.maddr : u.host;
	int port = u.port ? u.port : (*tp == &tp_tls ? 5061 : 5060);
	if (sip_addr_from_ip(dst, host, port) == SIP_OK) {
		if (uri_s.len <= DEST_CACHE_URI) {
			struct dest_cache *e = &dest_cache[dest_cache_next++ % DEST_CACHE_N];
			memcpy(e->uri, uri_s.s, uri_s.len);
			e->len = uri_s.len;
			e->addr = *dst;
			e->tp = *tp;
		}
		return SIP_OK;
	}
	/* A name: RFC 3263 (proxy/dns.h); SIP_AGAIN while it is looked up. */
	int rc = proxy_dns_dest(host, u.port, u.secure, dst, tp);
	if (rc == SIP_OK && *tp && ((*tp)->caps & TP_CAP_SECURE))
		tls_peer_name(dst, host);
	return rc;
}

/* The socket a request to dst leaves from: of the URI's transport tp, or
 * without one UDP (RFC 3263 §4.1 for a numeric host), or the receiving
 * socket's transport when the proxy has no UDP socket for dst. */
static sip_socket *next_hop_socket(struct sip_ctx *ctx, const sip_transport *tp, const sip_addr *dst)
{
	sip_socket *s;
	ctx->hop_dst = *dst;
	if (tp) {
		s = tp_pick(ctx->sock, tp, dst);
		if (!s)
			LOG_WARN("cannot send over %s: the proxy does not listen on %s", tp->name, tp->name);
		return s;
	}
	if ((ctx->sock->tp->caps & TP_CAP_INTERNAL) || (s = tp_pick(ctx->sock, &tp_udp, dst)) == NULL)
		s = tp_pick(ctx->sock, NULL, dst);
	return s;
}

static bool sock_is_ws(const sip_socket *s)
{
	return (s->tp->caps & TP_CAP_FLOW) != 0;
}

/* The Record-Route entry of socket s, with the flow token of the
 * WebSocket connection to peer when s is a WebSocket socket. */
static sip_str rr_entry(struct sip_ctx *ctx, sip_socket *s, const sip_addr *peer)
{
	if (!sock_is_ws(s))
		return s->rr_hdr_str;
	char flow[128];
	if (!tp_flow_token(peer, flow, sizeof flow))
		return SIP_STR_NULL;
	return sip_arena_printf(ctx->arena, "Record-Route: <sip:%s:%d;transport=%s;lr;flow=%s>\r\n",
				s->ip, s->port, s->tp->name, flow);
}

/* The Record-Route lines of a request leaving on sock. One when it came
 * in on the same socket; else two, the leaving socket's above the
 * arriving one's (double record-routing, as Kamailio and OpenSIPS do), so
 * that each side of the dialog reaches the proxy over its own transport
 * and address. A WebSocket entry names its connection (rr_entry), and
 * an in-dialog request goes back over it (proxy_route_self): the client's
 * Contact has no address. Two WebSocket clients on one socket get both
 * entries too, one for each connection. */
static sip_str rr_lines(struct sip_ctx *ctx, sip_socket *sock)
{
	if (sock == ctx->sock && !sock_is_ws(sock))
		return sock->rr_hdr_str;
	sip_str out = rr_entry(ctx, sock, &ctx->hop_dst);
	sip_str in = rr_entry(ctx, ctx->sock, &ctx->src);
	if (!out.s || !in.s)
		return SIP_STR_NULL;
	return sip_arena_printf(ctx->arena, SIP_STR_FMT SIP_STR_FMT, SIP_STR_ARG(out), SIP_STR_ARG(in));
}

/* Record the hop-by-hop edits (the credentials of this proxy's realms
 * out, Request-URI, received/rport, Max-Forwards, Record-Route) that every
 * copy of the request carries. */
static int hop_edits(struct sip_ctx *ctx, sip_socket *sock)
{
	sip_msg *m = ctx->msg;
	int rc = proxy_strip_credentials(m);
	if (rc == SIP_OK && ctx->new_ruri.len)
		rc = sip_msg_edit(m, sip_msg_off(m, m->ruri_str.s), m->ruri_str.len, ctx->new_ruri);
	if (rc || ctx->prepared)
		return rc;
	struct txn_via_fix fix;
	txn_via_fix(m, &ctx->src, ctx->arena, &fix);
	if (fix.rport.len && (rc = sip_msg_insert(m, fix.rport_at, fix.rport)))
		return rc;
	if (fix.received.len && (rc = sip_msg_insert(m, fix.end_at, fix.received)))
		return rc;
	/* Over a stream the reply goes back on the connection: the Via says
	 * where it is (received and rport), for a stateless hop as well. */
	if (ctx->sock->tp->reliable && !m->via1->has_rport) {
		char ip[64];
		sip_addr_ip(&ctx->src, ip, sizeof ip);
		bool has_recv = fix.received.len || m->via1->received.len;
		sip_str fx = sip_arena_printf(ctx->arena, "%s%s;rport=%d",
					      has_recv ? "" : ";received=", has_recv ? "" : ip,
					      sip_addr_port(&ctx->src));
		if (!fx.s)
			return SIP_NOMEM;
		if ((rc = sip_msg_insert(m, sip_msg_off(m, m->via1->raw.s + m->via1->raw.len), fx)))
			return rc;
	}
	sip_hdr *mf = m->first[SIP_HDR_MAX_FORWARDS];
	int val = ctx->maxfwd;
	if (val < 0 && m->max_forwards >= 0)
		val = m->max_forwards > 0 ? m->max_forwards - 1 : 0;
	char *d = sip_arena_alloc(ctx->arena, 32);
	if (!d)
		return SIP_NOMEM;
	if (mf) {
		size_t n = sip_fmt_uint(d, (unsigned long)(val < 0 ? 0 : val));
		rc = sip_msg_edit(m, sip_msg_off(m, mf->body.s), mf->body.len, sip_str_make(d, n));
	} else {
		static const char name[] = "Max-Forwards: ";
		memcpy(d, name, sizeof name - 1);
		size_t n = sizeof name - 1;
		n += sip_fmt_uint(d + n, (unsigned long)(val < 0 ? 70 : val));
		d[n++] = '\r';
		d[n++] = '\n';
		rc = sip_msg_insert(m, sip_msg_hdrs_start(m), sip_str_make(d, n));
	}
	if (rc || !ctx->record_route || m->method == SIP_METHOD_ACK || m->method == SIP_METHOD_CANCEL)
		return rc;
	/* Our Record-Route goes above the existing ones (§16.6 step 4). When
	 * the request leaves by another socket than it came in on (IPv6 to
	 * IPv4, UDP to TCP or WebSocket), rr_lines() record-routes twice
	 * (RFC 5658), and proxy_route_self() removes both. */
	sip_str rr = rr_lines(ctx, sock);
	if (!rr.s)
		return SIP_NOMEM;
	sip_hdr *first_rr = m->first[SIP_HDR_RECORD_ROUTE];
	size_t at = first_rr ? sip_msg_off(m, first_rr->raw.s) : sip_msg_hdrs_start(m);
	return sip_msg_insert(m, at, rr);
}

/* Build ctx->msg with the hop edits and (if branch is set) our Via into
 * P.out; the message's own edits are left as they were. */
static long build_request(struct sip_ctx *ctx, sip_socket *sock, sip_str branch)
{
	sip_msg *m = ctx->msg;
	unsigned saved_n = m->n_edits;
	sip_edit *saved = NULL;
	if (saved_n) {
		saved = sip_arena_alloc(ctx->arena, saved_n * sizeof *saved);
		if (!saved)
			return SIP_NOMEM;
		memcpy(saved, m->edits, saved_n * sizeof *saved);
	}
	long n;
	int rc = SIP_OK;
	if (branch.len) {
		/* The socket's prefix, the branch and CRLF: edits may not overlap
		 * but may share an offset, so three inserts keep it copy-free. */
		size_t at = sip_msg_hdrs_start(m);
		rc = sip_msg_insert(m, at, sock->via_prefix_str);
		if (rc == SIP_OK)
			rc = sip_msg_insert(m, at, branch);
		if (rc == SIP_OK)
			rc = sip_msg_insert(m, at, SIP_STR_LIT("\r\n"));
		if (rc == SIP_OK)
			rc = proxy_fork_path_edit(ctx);
	}
	if (rc == SIP_OK)
		rc = hop_edits(ctx, sock);
	n = rc == SIP_OK ? sip_msg_build(m, P.out, sizeof P.out) : rc;
	if (saved_n)
		memcpy(m->edits, saved, saved_n * sizeof *saved);
	m->n_edits = saved_n;
	return n;
}

/* RFC 3261 §16.11: a stateless proxy's branch is a function of the
 * incoming one, so retransmissions (and the CANCEL of a stateless INVITE)
 * get the same. */
static sip_str stateless_branch(struct sip_ctx *ctx)
{
	sip_msg *m = ctx->msg;
	uint32_t h = txn_hash(m->via1->branch);
	uint32_t h2 = txn_hash(m->callid) ^ (uint32_t)P.sl_salt;
	if (m->method == SIP_METHOD_ACK)
		h2 ^= 0x5a5a5a5au;   /* an ACK for a 2xx is a new transaction */
	char *d = sip_arena_alloc(ctx->arena, 26);
	if (!d)
		return SIP_STR_NULL;
	memcpy(d, "z9hG4bKsl", 9);
	sip_fmt_hex(d + 9, h, 8);
	sip_fmt_hex(d + 17, h2, 8);
	d[25] = '\0';
	return sip_str_make(d, 25);
}

static int relay_branch(struct sip_ctx *ctx, txn *s, sip_socket *sock, const sip_addr *dst,
			const sip_transport *tp);
static int relay_branch_routed(struct sip_ctx *ctx, txn *s, sip_socket *sock, sip_addr *dst,
			       const sip_transport *tp);
static int relay_branch_send(struct sip_ctx *ctx, txn *s, sip_socket *sock, const sip_addr *dst);
static int relay_dset(struct sip_ctx *ctx, txn *s, int rc);
static bool relay_loops(struct sip_ctx *ctx, const sip_socket *sock, const sip_addr *dst);
static int relay_loop_reply(struct sip_ctx *ctx, bool stateful);

int proxy_relay(struct sip_ctx *ctx, bool stateful)
{
	sip_msg *m = ctx->msg;
	if (!m->is_request)
		return SIP_EINVAL;
	if (m->method == SIP_METHOD_ACK)
		stateful = false;
	if (m->method == SIP_METHOD_CANCEL && stateful) {
		/* §16.10: answer the CANCEL, cancel the pending branches. Without
		 * an INVITE context, forward it statelessly. */
		if (ctx->cancel_target) {
			int rc = proxy_reply(ctx, 200, SIP_STR_LIT("OK"), true);
			txn_server_cancel(ctx->cancel_target);
			ctx->relayed = true;
			return rc;
		}
		stateful = false;
	}
	sip_addr dst;
	const sip_transport *tp;
	int rc = uri_dest(next_hop_uri(ctx), &dst, &tp);
	/* A name being looked up suspends the relay (proxy/dns.h); with a
	 * parallel fork the branches go now and that one is skipped. */
	if (rc == SIP_AGAIN && stateful && !(ctx->fork && ctx->fork->dset)) {
		rc = proxy_dns_suspend(ctx);
		if (rc == SIP_OK)       /* t_set_fr() and serial contacts go with it */
			proxy_fork_bind(ctx, ctx->txn);
		return rc;
	}
	sip_socket *sock = rc == SIP_OK ? next_hop_socket(ctx, tp, &dst) : NULL;
	/* A fork goes on without a first destination it cannot reach. */
	while (!sock && stateful && proxy_fork_shift(ctx)) {
		rc = uri_dest(next_hop_uri(ctx), &dst, &tp);
		sock = rc == SIP_OK ? next_hop_socket(ctx, tp, &dst) : NULL;
	}
	if (rc != SIP_OK)
		return rc;
	if (!sock)
		return SIP_EINVAL;
	if (!stateful) {
		if (relay_loops(ctx, sock, &dst))
			return relay_loop_reply(ctx, false);
		long n = build_request(ctx, sock, stateless_branch(ctx));
		if (n < 0)
			return (int)n;
		rc = tp_send(sock, &dst, P.out, (size_t)n);
		if (rc == SIP_OK) {
			ctx->relayed = true;
			proxy_counters.fwd_requests++;
		}
		return rc;
	}
	bool created = false;
	if (!ctx->txn) {
		ctx->txn = txn_server_create(m, ctx->sock, &ctx->src);
		if (!ctx->txn)
			return SIP_NOMEM;
		created = true;
		if (m->method == SIP_METHOD_INVITE)
			txn_server_reply(ctx->txn, 100, SIP_STR_NULL);
	}
	txn *s = ctx->txn;
	if (s->final_sent)
		return SIP_ESTATE;
	/* §16.10: once the caller cancelled, no new branch (a failure route
	 * sending a cancelled call to voicemail would ring it after the
	 * caller hung up). */
	if (s->canceled) {
		LOG_NOTICE("t_relay: " SIP_STR_FMT " %s not relayed: the caller cancelled it",
			   SIP_STR_ARG(m->method_str), s->branch.s);
		return SIP_ESTATE;
	}
	proxy_fork_bind(ctx, s);
	ctx->looped = false;
	rc = relay_branch(ctx, s, sock, &dst, tp);
	if (rc == SIP_OK)
		proxy_counters.fwd_requests++;
	if (ctx->fork && ctx->fork->dset)
		rc = relay_dset(ctx, s, rc);
	(void)created;
	if (rc != SIP_OK && ctx->looped)
		return relay_loop_reply(ctx, true);
	return rc;
}

/* Whether the request of ctx, sent over sock to dst, would come back to
 * this proxy: a next hop that is one of our own sockets (a Route or $du
 * naming us that was not consumed, a binding or gateway with our
 * address). Such a request is not sent (Kamailio and OpenSIPS do the
 * same): it would be routed again, and again, until Max-Forwards ran out,
 * each pass challenged or forked anew. */
static bool relay_loops(struct sip_ctx *ctx, const sip_socket *sock, const sip_addr *dst)
{
	if (!proxy_addr_is_us(sock->tp, dst))
		return false;
	char ip[64];
	LOG_NOTICE("not relaying " SIP_STR_FMT " " SIP_STR_FMT " to %s:%s:%d: that is this proxy (loop)",
		   SIP_STR_ARG(ctx->msg->method_str), SIP_STR_ARG(next_hop_uri(ctx)), sock->tp->name,
		   sip_addr_ip(dst, ip, sizeof ip), sip_addr_port(dst));
	ctx->looped = true;
	return true;
}

/* The answer to a request of the request route none of whose branches
 * could be sent because each came back here: 482 Loop Detected (RFC 3261
 * §21.4.20), as Kamailio and OpenSIPS answer. An ACK gets nothing; in
 * other route kinds the policy decides. SIP_DECLINED: not relayed. */
static int relay_loop_reply(struct sip_ctx *ctx, bool stateful)
{
	if (ctx->route_kind == SIPCC_ROUTE_REQUEST && ctx->msg->method != SIP_METHOD_ACK && !ctx->replied)
		proxy_reply(ctx, 482, SIP_STR_LIT("Loop Detected"), stateful);
	return SIP_DECLINED;
}

/* Keep the request as routed so a failure route can re-route it. */
static void relay_keep_template(struct sip_ctx *ctx, txn *s, sip_socket *sock)
{
	if (!ctx->on_failure || ctx->prepared || s->tmpl_len)
		return;
	long n = build_request(ctx, sock, SIP_STR_NULL);
	if (n < 0 || txn_server_set_template(s, P.out, (size_t)n) != SIP_OK)
		LOG_WARN("cannot keep the request for failure routing");
}

/* Send one branch of s to dst over sock: the request as ctx has it now. */
static int relay_branch(struct sip_ctx *ctx, txn *s, sip_socket *sock, const sip_addr *dst_in,
			const sip_transport *tp)
{
	sip_msg *m = ctx->msg;
	sip_addr dst = *dst_in;
	int rc;
	if (s->final_sent)
		return SIP_ESTATE;
	/* t_on_branch: the branch route sees (and may change or drop) this
	 * branch before it is sent; a new destination takes effect. The
	 * header edits it makes go on this branch only (and not into the
	 * request a failure route starts from). */
	if (ctx->on_branch) {
		relay_keep_template(ctx, s, sock);
		unsigned saved_n = m->n_edits;
		sip_edit *saved = saved_n ? sip_arena_alloc(ctx->arena, saved_n * sizeof *saved) : NULL;
		if (saved_n && !saved)
			return SIP_NOMEM;
		if (saved_n)
			memcpy(saved, m->edits, saved_n * sizeof *saved);
		rc = relay_branch_routed(ctx, s, sock, &dst, tp);
		if (saved_n)
			memcpy(m->edits, saved, saved_n * sizeof *saved);
		m->n_edits = saved_n;
		return rc;
	}
	return relay_branch_send(ctx, s, sock, &dst);
}

/* relay_branch with a branch route armed: run it, then send. */
static int relay_branch_routed(struct sip_ctx *ctx, txn *s, sip_socket *sock, sip_addr *dst,
			       const sip_transport *tp)
{
	int rc;
	if (!proxy_routes_branch(ctx))
		return SIP_DECLINED;
	if ((rc = uri_dest(next_hop_uri(ctx), dst, &tp)) != SIP_OK)
		return rc;
	if (!(sock = next_hop_socket(ctx, tp, dst)))
		return SIP_EINVAL;
	return relay_branch_send(ctx, s, sock, dst);
}

/* Create the client transaction of a branch and send the request to it. */
static int relay_branch_send(struct sip_ctx *ctx, txn *s, sip_socket *sock, const sip_addr *dst)
{
	sip_msg *m = ctx->msg;
	int rc;
	if (relay_loops(ctx, sock, dst))
		return SIP_DECLINED;
	s->u_fail = (void *)ctx->on_failure;
	s->u_reply = (void *)ctx->on_reply;
	relay_keep_template(ctx, s, sock);
	txn *c = txn_client_create(s, m->method, sock, dst);
	if (!c) {
		LOG_WARN("cannot create a branch for " SIP_STR_FMT, SIP_STR_ARG(m->method_str));
		return SIP_ELIMIT;
	}
	script_branch_keep(ctx, c->idx);
	long n = build_request(ctx, sock, c->branch);
	rc = n < 0 ? (int)n : txn_client_send(c, P.out, (size_t)n);
	if (rc != SIP_OK) {
		txn_client_abort(c);
		return proxy_dns_send_failed(ctx, s) ? SIP_OK : rc;
	}
	ctx->relayed = true;
	proxy_dns_relayed(ctx, s);
	return SIP_OK;
}

/* Parallel forking: a branch of s for every destination appended to the
 * Request-URI's (rc is how that one went). SIP_OK when any was sent. The
 * set is used up; $ru and $du are left as they were. */
static int relay_dset(struct sip_ctx *ctx, txn *s, int rc)
{
	struct proxy_fork *f = ctx->fork;
	sip_str ru = ctx->new_ruri, du = ctx->du, path = f->path;
	uint64_t bflags = script_bflags(ctx);
	struct proxy_dest *e = f->dset;
	f->dset = NULL;
	for (; e; e = e->next) {
		sip_addr dst;
		const sip_transport *tp;
		sip_socket *sock;
		ctx->new_ruri = e->uri;
		ctx->du = e->du;
		f->path = e->path;
		script_bflags_set(ctx, e->bflags);
		int r = uri_dest(next_hop_uri(ctx), &dst, &tp);
		if (r == SIP_OK)
			r = (sock = next_hop_socket(ctx, tp, &dst)) ? relay_branch(ctx, s, sock, &dst, tp)
								   : SIP_EINVAL;
		if (r == SIP_OK)
			rc = SIP_OK;
		else if (r != SIP_DECLINED)
			LOG_INFO("branch to " SIP_STR_FMT " not sent: %s", SIP_STR_ARG(e->uri),
				 sip_strerror(r));
	}
	ctx->new_ruri = ru;
	ctx->du = du;
	f->path = path;
	script_bflags_set(ctx, bflags);
	return rc;
}

/* ---- receive path ---- */

void proxy_ctx_init(struct sip_ctx *ctx, sip_msg *m, sip_arena *a, sip_socket *sock,
		    const sip_addr *src, int kind)
{
	memset(ctx, 0, sizeof *ctx);
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
				     sip_str_make(ip, strlen(ip)), sip_addr_port(src), P.out, sizeof P.out);
	if (n < 0)
		return;
	sip_addr dst;
	reply_dest(m, sock, src, &dst);
	if (tp_send(sock, &dst, P.out, (size_t)n) == SIP_OK)
		proxy_count_local_reply(code);
}

/* A request route that returned SIPCC_RET_SUSPEND: its context is kept
 * (taken out of the receive path's reuse) until proxy_resume(), and a
 * request gets its server transaction now, so retransmissions are
 * absorbed while it waits. */
static void request_wait(struct sip_ctx *ctx)
{
	struct proxy_mctx *mc = mctx_of(ctx);
	sip_msg *m = ctx->msg;
	if (!ctx->waiting) {
		ctx->waiting = true;
		mc->next = P.waiting;
		P.waiting = mc;
		P.nwaiting++;
		if (P.cur == mc)
			P.cur = NULL;       /* the receive path takes another */
	}
	if (!ctx->txn && m->method != SIP_METHOD_ACK && m->method != SIP_METHOD_CANCEL) {
		ctx->txn = txn_server_create(m, ctx->sock, &ctx->src);
		if (ctx->txn && m->method == SIP_METHOD_INVITE)
			txn_server_reply(ctx->txn, 100, SIP_STR_NULL);
	}
}

/* Run (or go on with) the request route of ctx; after a run that did not
 * wait, the dialog hook and the counters see its outcome. */
static void request_route_run(struct sip_ctx *ctx)
{
	ctx->frame_i = 0;
	int64_t r = proxy_conf.request_route(ctx);
	if (ctx->suspended) {
		if (r != SIPCC_RET_SUSPEND)     /* a function waited outside a route that can */
			LOG_ERR("request route returned %lld while waiting; going on from the top "
				"when the result is in", (long long)r);
		request_wait(ctx);
		return;
	}
	proxy_modules_routed(ctx);
	if (!ctx->replied && !ctx->relayed)
		proxy_counters.drop_requests++;
	if (!ctx->replied && !ctx->relayed && r != SIPCC_RET_DROP)
		LOG_DEBUG("request " SIP_STR_FMT " from route dropped (no reply, no relay)",
			  SIP_STR_ARG(ctx->msg->method_str));
}

/* Remove the Route values that name this proxy (RFC 3261 §16.4), then run
 * the request route on ctx with the modules' hooks around it. */
static void route_request(struct sip_ctx *ctx)
{
	proxy_route_self(ctx);
	proxy_modules_request(ctx);
	request_route_run(ctx);
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
		proxy_counters.err_requests++;
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
	}
	if (m->method == SIP_METHOD_CANCEL)
		ctx->cancel_target = txn_server_match_cancel(m);
	if (!proxy_conf.request_route)
		return;
	route_request(ctx);
}

static void rx_response(sip_msg *m, sip_socket *sock)
{
	proxy_count_reply(m->status);
	if (!sip_msg_check_response(m)) {
		proxy_counters.drop_replies++;
		LOG_DEBUG("dropping malformed %d reply", m->status);
		return;
	}
	txn *c = txn_client_match(m);
	if (c) {
		txn_client_receive(c, m);
		return;
	}
	/* §16.11-style: not ours by transaction; pass on by Via if the top Via
	 * is ours. */
	if (!m->via1 || !proxy_is_us(m->via1->host, m->via1->port ? m->via1->port : 5060)) {
		LOG_DEBUG("dropping %d reply: top Via is not ours", m->status);
		proxy_counters.drop_replies++;
		return;
	}
	int rc = txn_fwd_response(m, sock);
	if (rc != SIP_OK)
		proxy_counters.drop_replies++;
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
			proxy_counters.err_requests++;
		else
			proxy_counters.drop_replies++;
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
	if (m->is_request)
		rx_request(mc, sock, src);
	else
		rx_response(m, sock);
}

/* ---- waiting requests (proxy.h) ---- */

unsigned proxy_waiting_count(void)
{
	return P.nwaiting;
}

int proxy_wait(struct sip_ctx *ctx)
{
	if (!ctx->can_wait || ctx->route_kind != SIPCC_ROUTE_REQUEST)
		return SIP_ESTATE;
	if (!ctx->waiting && P.nwaiting >= PROXY_MAX_WAITING)
		return SIP_ELIMIT;
	ctx->suspended = true;
	return SIP_OK;
}

void proxy_wait_cancel(struct sip_ctx *ctx)
{
	ctx->suspended = false;
}

void proxy_resume(struct sip_ctx *ctx)
{
	struct proxy_mctx *mc = mctx_of(ctx);
	if (!ctx->waiting || !ctx->suspended)
		return;
	ctx->suspended = false;
	request_route_run(ctx);
	if (ctx->suspended)
		return;             /* waits again */
	for (struct proxy_mctx **pp = &P.waiting; *pp; pp = &(*pp)->next)
		if (*pp == mc) {
			*pp = mc->next;
			P.nwaiting--;
			break;
		}
	proxy_mctx_give(mc);
}

/* ---- frames of routes that wait (policy_abi.h) ---- */

void *sipcc_frame_enter(struct sip_ctx *ctx, int64_t size)
{
	if (ctx->frame_i < ctx->nframes)
		return ctx->frames[ctx->frame_i++];
	if (ctx->nframes == ctx->frames_cap) {
		unsigned cap = ctx->frames_cap ? 2 * ctx->frames_cap : 8;
		void **f = sip_arena_alloc(ctx->arena, cap * sizeof *f);
		if (!f)
			abort();    /* the route cannot go on without its variables */
		if (ctx->nframes)
			memcpy(f, ctx->frames, ctx->nframes * sizeof *f);
		ctx->frames = f;
		ctx->frames_cap = cap;
	}
	void *frame = sip_arena_alloc(ctx->arena, (size_t)size);
	if (!frame)
		abort();
	memset(frame, 0, (size_t)size);
	ctx->frames[ctx->nframes++] = frame;
	ctx->frame_i++;
	return frame;
}

void sipcc_frame_leave(struct sip_ctx *ctx)
{
	if (ctx->nframes) {
		ctx->nframes--;
		ctx->frame_i = ctx->nframes;
	}
}

int64_t sipcc_suspended(struct sip_ctx *ctx)
{
	return ctx->suspended;
}

/* ---- transaction callbacks ---- */

/* A reply of branch c: the unnamed reply route runs for every reply,
 * then the one t_on_reply armed. Either may drop a provisional reply. */
static bool proxy_on_reply(txn *s, txn *c, sip_msg *resp)
{
	proxy_modules_reply(s, resp);
	if (!s->u_reply && !proxy_conf.reply_route)
		return true;
	struct sip_ctx ctx;
	proxy_ctx_init(&ctx, resp, resp->arena, c->sock, &c->peer, SIPCC_ROUTE_REPLY);
	ctx.txn = s;
	ctx.branch = c;
	proxy_modules_route_txn(&ctx, s);
	if (proxy_conf.reply_route && proxy_conf.reply_route(&ctx) == SIPCC_RET_DROP)
		return false;
	if (!s->u_reply)
		return true;
	int64_t r = ((sipcc_route_fn)s->u_reply)(&ctx);
	return r != SIPCC_RET_DROP;
}

/* Re-run routing on the stored request: a failure route may reply or
 * relay to new branches (t_relay re-applies only the Request-URI and Via). */
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
	ctx->txn = s;
	ctx->prepared = true;
	ctx->reply_code = code;
	proxy_modules_route_txn(ctx, s);
	script_failure_enter(ctx);
	fn(ctx);
	proxy_mctx_give(mc);
}

/* A call that failed, at notice: an INVITE transaction whose final
 * response upstream is 300 or above, whether relayed or made here. A
 * challenge (401, 407) is no failure: failed credentials have their own
 * line (auth_fn.c). From, To and Call-ID come from the response sent,
 * escaped; the format is documented in sipcc(1), LOGGING. */
static void proxy_log_failed_call(txn *s, int code)
{
	if (!s->is_invite || code < 300 || code == 401 || code == 407
	    || SIP_LOG_NOTICE > sip_log_level || !s->out_len)
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
	proxy_modules_final(s, code);
	proxy_log_failed_call(s, code);
}
