#include "proxy/routes.h"
#include "proxy/proxy_int.h"

#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "proxy/event.h"
#include "proxy/policy.h"

void proxy_routes_reg(int64_t kind, const char *name, sipcc_route_fn fn)
{
	struct proxy_policy *p = proxy_policy_reg;
	if (kind == SIPCC_ROUTE_REQUEST && !p->request) {
		p->request = fn;
	} else if (kind == SIPCC_ROUTE_ERROR && !p->error) {
		p->error = fn;
	} else if (kind == SIPCC_ROUTE_LOCAL && !p->local) {
		p->local = fn;
	} else if (kind == SIPCC_ROUTE_REPLY && strcmp(name, "reply") == 0) {
		/* The unnamed reply route: named ones run only when armed. */
		if (!p->reply)
			p->reply = fn;
	} else if (kind == SIPCC_ROUTE_EVENT) {
		if (p->n_events < POLICY_MAX_EVENTS) {
			p->events[p->n_events].name = name;
			p->events[p->n_events].fn = fn;
			p->n_events++;
		} else {
			LOG_WARN("too many event routes; ignoring one for '%s'", name);
		}
	} else if (kind == SIPCC_ROUTE_STARTUP) {
		if (p->n_startup < POLICY_MAX_STARTUP)
			p->startup[p->n_startup++] = fn;
		else
			LOG_WARN("too many startup routes; ignoring '%s'", name);
	}
}

void sipcc_reg_timer(const char *name, sipcc_route_fn fn, int64_t every_ms)
{
	struct proxy_policy *p = proxy_policy_reg;
	if (p->n_timers >= POLICY_MAX_TIMERS) {
		LOG_WARN("too many timer routes; ignoring '%s'", name);
		return;
	}
	struct proxy_policy_timer *r = &p->timers[p->n_timers++];
	r->name = name;
	r->fn = fn;
	r->every_ms = every_ms > 0 ? (uint64_t)every_ms : 1000;
}

bool proxy_routes_local(txn *c, const char *buf, size_t len)
{
	sipcc_route_fn local_route = proxy_policy->local;
	if (!local_route)
		return true;
	struct proxy_mctx *mc = proxy_mctx_take();
	if (!mc)
		return true;
	char *copy = sip_arena_alloc(&mc->arena, len + 1);
	bool send = true;
	if (copy) {
		memcpy(copy, buf, len);
		copy[len] = '\0';
		if (sip_msg_parse(&mc->arena, copy, len, &mc->msg) == SIP_OK) {
			proxy_ctx_init(&mc->ctx, &mc->msg, &mc->arena, c->sock, &c->peer,
				       SIPCC_ROUTE_LOCAL);
			send = local_route(&mc->ctx) != SIPCC_RET_DROP;
		} else {
			LOG_WARN("cannot parse a generated request for the local route");
		}
	}
	proxy_mctx_give(mc);
	return send;
}

bool proxy_routes_branch(struct sip_ctx *ctx)
{
	int kind = ctx->route_kind;
	ctx->route_kind = SIPCC_ROUTE_BRANCH;
	int64_t r = ctx->on_branch(ctx);
	ctx->route_kind = kind;
	return r != SIPCC_RET_DROP;
}

bool proxy_routes_error(sip_msg *m, sip_arena *a, sip_socket *sock, const sip_addr *src,
			int code, const char *why)
{
	sipcc_route_fn error_route = proxy_policy->error;
	if (!error_route)
		return false;
	struct sip_ctx ctx;
	proxy_ctx_init(&ctx, m, a, sock, src, SIPCC_ROUTE_ERROR);
	ctx.err_code = code;
	ctx.err_reason = why;
	error_route(&ctx);
	return true;
}
