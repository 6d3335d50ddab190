#include "proxy/routes.h"

#include <string.h>
#include "core/log.h"
#include "core/status.h"

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
static sip_arena route_arena;     /* startup, timer and local routes */
static bool arena_ready;

void proxy_routes_reg(int64_t kind, const char *name, sipcc_route_fn fn)
{
	if (kind == SIPCC_ROUTE_LOCAL && !local_route) {
		local_route = fn;
	} else if (kind == SIPCC_ROUTE_REPLY && strcmp(name, "reply") == 0) {
		/* The unnamed reply route: named ones run only when armed. */
		if (!proxy_conf.reply_route)
			proxy_conf.reply_route = fn;
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

static sip_arena *routes_arena(void)
{
	if (!arena_ready) {
		sip_arena_init(&route_arena, 16384);
		arena_ready = true;
	}
	sip_arena_reset(&route_arena);
	return &route_arena;
}

/* A context with no message: startup and timer routes. */
static void ctx_bare(struct sip_ctx *ctx, int kind)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->arena = routes_arena();
	ctx->route_kind = kind;
	ctx->maxfwd = -1;
}

/* Re-armed before the route runs, so a slow route does not make the
 * period drift by its own run time. */
static void timer_fire(sip_timer *t, void *arg)
{
	struct timer_route *r = arg;
	struct sip_ctx ctx;
	sip_timer_add(wheel, t, r->every_ms);
	ctx_bare(&ctx, SIPCC_ROUTE_TIMER);
	r->fn(&ctx);
}

void proxy_routes_start(sip_timer_wheel *w)
{
	struct sip_ctx ctx;

	wheel = w;
	for (unsigned i = 0; i < n_startup; i++) {
		ctx_bare(&ctx, SIPCC_ROUTE_STARTUP);
		startup[i](&ctx);
	}
	for (unsigned i = 0; i < n_timers; i++) {
		sip_timer_init(&timers[i].t, timer_fire, &timers[i]);
		sip_timer_add(w, &timers[i].t, timers[i].every_ms);
	}
}

void proxy_routes_stop(void)
{
	for (unsigned i = 0; wheel && i < n_timers; i++)
		sip_timer_cancel(wheel, &timers[i].t);
	if (arena_ready)
		sip_arena_destroy(&route_arena);
	arena_ready = false;
}

bool proxy_routes_local(txn *c, const char *buf, size_t len)
{
	if (!local_route)
		return true;
	sip_arena *a = routes_arena();
	char *copy = sip_arena_alloc(a, len + 1);
	sip_msg m;
	if (!copy)
		return true;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (sip_msg_parse(a, copy, len, &m) != SIP_OK) {
		LOG_WARN("cannot parse a generated request for the local route");
		return true;
	}
	struct sip_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.msg = &m;
	ctx.arena = a;
	ctx.sock = c->sock;
	ctx.src = c->peer;
	ctx.route_kind = SIPCC_ROUTE_LOCAL;
	ctx.maxfwd = -1;
	return local_route(&ctx) != SIPCC_RET_DROP;
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
	memset(&ctx, 0, sizeof ctx);
	ctx.msg = m;
	ctx.arena = a;
	ctx.sock = sock;
	ctx.src = *src;
	ctx.route_kind = SIPCC_ROUTE_ERROR;
	ctx.maxfwd = -1;
	ctx.err_code = code;
	ctx.err_reason = why;
	proxy_conf.error_route(&ctx);
	return true;
}
