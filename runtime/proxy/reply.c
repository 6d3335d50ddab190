/* Replies the proxy makes itself, statelessly or through the request's
 * server transaction. */
#include "proxy/proxy.h"
#include "proxy/proxy_int.h"

#include <stdio.h>
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

/* Where a reply to m goes: §18.2.2 with RFC 3581; over a stream, back on
 * the connection the request came on. */
void proxy_reply_dest(const sip_msg *m, const sip_socket *sock, const sip_addr *src, sip_addr *dst)
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

/* The server transaction of ctx's request, created when it has none. */
static txn *reply_txn(struct sip_ctx *ctx)
{
	if (!ctx->txn) {
		proxy_txn_create(ctx);
		proxy_modules_txn_bind(ctx);    /* before its final reply goes */
	}
	return ctx->txn;
}

/* The copied headers of a stateless reply to ctx's request and the To
 * tag it adds (none when the request had one). */
static int reply_rhdrs(struct sip_ctx *ctx, txn_rhdrs *rh, sip_str *tag)
{
	int rc = txn_rhdrs_make(ctx->msg, &ctx->src, ctx->arena, rh);
	if (rc == SIP_OK)
		*tag = rh->to_has_tag ? SIP_STR_NULL : txn_totag_make(ctx->msg, ctx->arena);
	return rc;
}

/* Send the n bytes of proxy_out as a stateless reply to ctx's request. */
static int reply_send_stateless(struct sip_ctx *ctx, long n)
{
	sip_addr dst;
	proxy_reply_dest(ctx->msg, ctx->sock, &ctx->src, &dst);
	return tp_send(ctx->sock, &dst, proxy_out, (size_t)n);
}

/* A reply with code went out (rc): a final one answers the request; the
 * counters see it. Returns rc. */
static int reply_done(struct sip_ctx *ctx, int code, int rc)
{
	if (rc == SIP_OK && code >= 200)
		ctx->replied = true;
	if (rc == SIP_OK)
		proxy_count_local_reply(code);
	return rc;
}

int proxy_reply(struct sip_ctx *ctx, int code, sip_str reason, bool stateful)
{
	sip_msg *m = ctx->msg;
	if (ctx->reply_hdrs.len)
		return proxy_reply_hdrs(ctx, code, reason, SIP_STR_NULL, stateful);
	if (!m->is_request || m->method == SIP_METHOD_ACK)
		return SIP_EINVAL;
	/* A request that has a transaction (it waited, or was relayed or
	 * answered through one) is answered through it. */
	if (stateful || ctx->txn) {
		if (!reply_txn(ctx))
			return SIP_NOMEM;
		return reply_done(ctx, code, txn_server_reply(ctx->txn, code, reason));
	}
	txn_rhdrs rh;
	sip_str tag;
	int rc = reply_rhdrs(ctx, &rh, &tag);
	if (rc != SIP_OK)
		return rc;
	long n = txn_rhdrs_print(proxy_out, sizeof proxy_out, code, reason, &rh, tag);
	if (n < 0)
		return (int)n;
	return reply_done(ctx, code, reply_send_stateless(ctx, n));
}

int proxy_reply_hdrs(struct sip_ctx *ctx, int code, sip_str reason, sip_str hdrs, bool stateful)
{
	static const char tail[] = "Content-Length: 0\r\n\r\n";
	const size_t tl = sizeof tail - 1;
	sip_msg *m = ctx->msg;
	if (ctx->reply_hdrs.len) {      /* append_to_reply()'s lines first */
		hdrs = hdrs.len ? sip_arena_printf(ctx->arena, SIP_STR_FMT SIP_STR_FMT,
						   SIP_STR_ARG(ctx->reply_hdrs), SIP_STR_ARG(hdrs))
				: ctx->reply_hdrs;
		if (!hdrs.s)
			return SIP_NOMEM;
	}
	if (!hdrs.len)
		return proxy_reply(ctx, code, reason, stateful);
	if (!m->is_request || m->method == SIP_METHOD_ACK || hdrs.len > sizeof proxy_out / 2)
		return SIP_EINVAL;
	txn_rhdrs rh;
	sip_str tag;
	stateful = stateful || ctx->txn;
	if (stateful) {
		if (!reply_txn(ctx))
			return SIP_NOMEM;
		rh = ctx->txn->rh;
		tag = ctx->txn->totag;
	} else {
		int rc = reply_rhdrs(ctx, &rh, &tag);
		if (rc != SIP_OK)
			return rc;
	}
	long n = txn_rhdrs_print(proxy_out, sizeof proxy_out - hdrs.len, code, reason, &rh, tag);
	if (n < 0)
		return (int)n;
	/* The extra lines go between the copied headers and the final
	 * Content-Length the printer always ends with. */
	if ((size_t)n < tl || memcmp(proxy_out + n - tl, tail, tl) != 0)
		return SIP_ESTATE;
	memmove(proxy_out + n - tl + hdrs.len, proxy_out + n - tl, tl);
	memcpy(proxy_out + n - tl, hdrs.s, hdrs.len);
	n += (long)hdrs.len;
	int rc = stateful ? txn_server_send(ctx->txn, code, proxy_out, (size_t)n)
			  : reply_send_stateless(ctx, n);
	return reply_done(ctx, code, rc);
}
