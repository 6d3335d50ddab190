/* Forwarding requests (RFC 3261 §16.6): the next hop, the copy each
 * branch gets, parallel forking over the destination set. */
#include "proxy/proxy.h"
#include "proxy/proxy_int.h"

#include <stdio.h>
#include <string.h>
#include "core/log.h"
#include "core/worker.h"
#include "core/status.h"
#include "net/tls.h"
#include "proxy/counters.h"
#include "proxy/fork.h"
#include "proxy/module.h"
#include "proxy/dns.h"
#include "proxy/routes.h"
#include "script/script.h"

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
static SIP_PER_WORKER struct dest_cache {
	char uri[DEST_CACHE_URI];
	size_t len;
	sip_addr addr;
	const sip_transport *tp;
} dest_cache[DEST_CACHE_N];
static SIP_PER_WORKER unsigned dest_cache_next;

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

/* Whether c may stand in a URI parameter's name or value unescaped
 * (RFC 3261 §25.1 paramchar without escapes: unreserved and
 * param-unreserved). */
static bool rr_param_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-_.!~*'()[]/:&+$", c) != NULL;
}

int proxy_rr_param_add(struct sip_ctx *ctx, sip_str param)
{
	size_t eq = 0;
	if (!param.len || param.len > 512)
		return SIP_EINVAL;
	for (size_t i = 0; i < param.len; i++) {
		if (param.s[i] == '=' && !eq && i)
			eq = i;
		else if (!rr_param_char(param.s[i]))
			return SIP_EINVAL;
	}
	sip_str cur = ctx->rr_params.len ? ctx->rr_params : SIP_STR_LIT("");
	sip_str n = sip_arena_printf(ctx->arena, SIP_STR_FMT ";" SIP_STR_FMT, SIP_STR_ARG(cur),
				     SIP_STR_ARG(param));
	if (!n.s)
		return SIP_NOMEM;
	ctx->rr_params = n;
	return SIP_OK;
}

/* The Record-Route entry of socket s, with the flow token of the
 * WebSocket connection to peer when s is a WebSocket socket, and the
 * parameters of proxy_rr_param_add() after ";lr". */
static sip_str rr_entry(struct sip_ctx *ctx, sip_socket *s, const sip_addr *peer)
{
	if (!sock_is_ws(s)) {
		if (!ctx->rr_params.len)
			return s->rr_hdr_str;
		sip_str e = s->rr_hdr_str;          /* "Record-Route: <...;lr>\r\n" */
		size_t gt = e.len - 3;
		return sip_arena_printf(ctx->arena, "%.*s" SIP_STR_FMT "%.*s", (int)gt, e.s,
					SIP_STR_ARG(ctx->rr_params), (int)(e.len - gt), e.s + gt);
	}
	char flow[128];
	if (!tp_flow_token(peer, flow, sizeof flow))
		return SIP_STR_NULL;
	sip_str params = ctx->rr_params.len ? ctx->rr_params : SIP_STR_LIT("");
	return sip_arena_printf(ctx->arena, "Record-Route: <sip:%s:%d;transport=%s;lr;flow=%s"
				SIP_STR_FMT ">\r\n", s->ip, s->port, s->tp->name, flow,
				SIP_STR_ARG(params));
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
	/* One entry naming the service (record_route_preset): each side
	 * reaches it by that name, whatever proxy and socket it comes to. A
	 * WebSocket side must come back over its connection: its flow is in
	 * the socket's entry. */
	if (ctx->rr_preset.len && !sock_is_ws(sock) && !sock_is_ws(ctx->sock))
		return sip_arena_printf(ctx->arena, "Record-Route: <" SIP_STR_FMT SIP_STR_FMT ">\r\n",
					SIP_STR_ARG(ctx->rr_preset), SIP_STR_ARG(ctx->rr_params));
	if (sock == ctx->sock && !sock_is_ws(sock))
		return rr_entry(ctx, sock, &ctx->src);
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
 * proxy_out; the message's own edits are left as they were. */
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
	n = rc == SIP_OK ? sip_msg_build(m, proxy_out, sizeof proxy_out) : rc;
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
	uint32_t h2 = txn_hash(m->callid) ^ (uint32_t)proxy_sl_salt;
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
		if (ctx->cancel_target || ctx->cancel_done) {
			int rc = proxy_reply(ctx, 200, SIP_STR_LIT("OK"), true);
			if (ctx->cancel_target)
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
		rc = tp_send(sock, &dst, proxy_out, (size_t)n);
		if (rc == SIP_OK) {
			ctx->relayed = true;
			proxy_count_inc(&proxy_cnt->fwd_requests);
		}
		return rc;
	}
	bool created = false;
	if (!ctx->txn) {
		proxy_txn_create(ctx);
		if (!ctx->txn)
			return SIP_NOMEM;
		created = true;
		proxy_modules_txn_bind(ctx);
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
		proxy_count_inc(&proxy_cnt->fwd_requests);
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
	if (n < 0 || txn_server_set_template(s, proxy_out, (size_t)n) != SIP_OK)
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
	rc = n < 0 ? (int)n : txn_client_send(c, proxy_out, (size_t)n);
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
