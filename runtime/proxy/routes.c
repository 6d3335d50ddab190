#include "proxy/routes.h"
#include "proxy/proxy_int.h"

#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "proxy/event.h"

#define ROUTES_MAX_STARTUP 16
#define ROUTES_MAX_TIMERS  32

static sipcc_route_fn startup[ROUTES_MAX_STARTUP];
static unsigned n_startup;
static sipcc_route_fn local_route;

static struct timer_route {
	const char *name;
	sipcc_route_fn fn;
	uint64_t every_ms;
	sip_timer t;
} timers[ROUTES_MAX_TIMERS];
static unsigned n_timers;

static sip_timer_wheel *wheel;

void proxy_routes_reg(int64_t kind, const char *name, sipcc_route_fn fn)
{
	if (kind == SIPCC_ROUTE_LOCAL && !local_route) {
		local_route = fn;
	} else if (kind == SIPCC_ROUTE_REPLY && strcmp(name, "reply") == 0) {
		/* The unnamed reply route: named ones run only when armed. */
		if (!proxy_conf.reply_route)
			proxy_conf.reply_route = fn;
	} else if (kind == SIPCC_ROUTE_EVENT) {
		proxy_event_route_add(name, fn);
	} else if (kind == SIPCC_ROUTE_STARTUP) {
		if (n_startup < ROUTES_MAX_STARTUP)
			startup[n_startup++] = fn;
		else
			LOG_WARN("too many startup routes; ignoring '%s'", name);
	}
}

void sipcc_reg_timer(const char *name, sipcc_route_fn fn, int64_t every_ms)
{
	if (n_timers >= ROUTES_MAX_TIMERS) {
		LOG_WARN("too many timer routes; ignoring '%s'", name);
		return;
	}
	struct timer_route *r = &timers[n_timers++];
	r->name = name;
	r->fn = fn;
	r->every_ms = every_ms > 0 ? (uint64_t)every_ms : 1000;
}

/* Run route fn of kind with no message (startup and timer routes) on a
 * context of its own. */
static void routes_run_bare(sipcc_route_fn fn, int kind)
{
	struct proxy_mctx *mc = proxy_mctx_take();
	if (!mc) {
		LOG_ERR("out of memory: a %s route does not run",
			kind == SIPCC_ROUTE_TIMER ? "timer" : "startup");
		return;
	}
	proxy_ctx_init(&mc->ctx, NULL, &mc->arena, NULL, NULL, kind);
	fn(&mc->ctx);
	proxy_mctx_give(mc);
}

/* Re-armed before the route runs, so a slow route does not make the
 * period drift by its own run time. */
static void timer_fire(sip_timer *t, void *arg)
{
	struct timer_route *r = arg;
	sip_timer_add(wheel, t, r->every_ms);
	routes_run_bare(r->fn, SIPCC_ROUTE_TIMER);
}

void proxy_routes_start(sip_timer_wheel *w)
{
	wheel = w;
	for (unsigned i = 0; i < n_startup; i++)
		routes_run_bare(startup[i], SIPCC_ROUTE_STARTUP);
	for (unsigned i = 0; i < n_timers; i++) {
		sip_timer_init(&timers[i].t, timer_fire, &timers[i]);
		sip_timer_add(w, &timers[i].t, timers[i].every_ms);
	}
	proxy_events_start(w);
}

void proxy_routes_stop(void)
{
	for (unsigned i = 0; wheel && i < n_timers; i++)
		sip_timer_cancel(wheel, &timers[i].t);
	proxy_events_stop();
}

bool proxy_routes_local(txn *c, const char *buf, size_t len)
{
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
	if (!proxy_conf.error_route)
		return false;
	struct sip_ctx ctx;
	proxy_ctx_init(&ctx, m, a, sock, src, SIPCC_ROUTE_ERROR);
	ctx.err_code = code;
	ctx.err_reason = why;
	proxy_conf.error_route(&ctx);
	return true;
}
