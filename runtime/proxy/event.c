/* Events and the event routes that handle them (proxy/event.h). An event
 * raised is a context of its own (a proxy_mctx without a message) holding
 * copies of its values, queued until a timer of the wheel runs it from
 * the loop's top level; proxy.c runs its routes and keeps it while one
 * waits. */
#include "proxy/event.h"
#include "proxy/proxy_int.h"

#include <string.h>
#include "core/log.h"
#include "core/stats.h"
#include "core/status.h"

#define EVENT_MAX_ROUTES  64
/* Events raised and not run yet at most: beyond, a module raising in a
 * burst (a registrar whose contacts all expire at once) loses events
 * rather than memory. */
#define EVENT_MAX_QUEUED  4096
/* Events run per tick, so a burst does not hold up the loop. */
#define EVENT_RUN_BATCH   256

static struct {
	struct { const char *name; sipcc_route_fn fn; } routes[EVENT_MAX_ROUTES];
	unsigned nroutes;
	struct proxy_mctx *head, **tail;
	unsigned nqueued;
	int64_t dropped;
	unsigned long dropped_logged;
	sip_timer_wheel *w;
	sip_timer timer;
	bool stopped;               /* the proxy is going down: nothing runs any more */
} E = { .tail = &E.head };

void proxy_event_route_add(const char *name, sipcc_route_fn fn)
{
	if (E.nroutes >= EVENT_MAX_ROUTES) {
		LOG_WARN("too many event routes; ignoring one for '%s'", name);
		return;
	}
	E.routes[E.nroutes].name = name;
	E.routes[E.nroutes].fn = fn;
	E.nroutes++;
}

bool proxy_event_wanted(const char *name)
{
	for (unsigned i = 0; i < E.nroutes; i++)
		if (strcmp(E.routes[i].name, name) == 0)
			return true;
	return false;
}

unsigned long proxy_event_dropped(void)
{
	return (unsigned long)E.dropped;
}

int sipcc_event_wanted(const char *name)
{
	return proxy_event_wanted(name);
}

int sipcc_event_raise(const char *name, const struct sipcc_event_val *v, unsigned n)
{
	return proxy_event_raise(name, v, n);
}

static void events_run(sip_timer *t, void *arg);

/* Run the queue on the next pass of the wheel; after a full batch, one
 * tick later, so the loop reads its sockets in between (a timer armed
 * for now would run again within the same expiry). */
static void events_arm_in(uint64_t ms)
{
	if (E.w && E.head && !sip_timer_armed(&E.timer))
		sip_timer_add(E.w, &E.timer, ms);
}

static void events_arm(void)
{
	events_arm_in(0);
}

int proxy_event_raise(const char *name, const struct sipcc_event_val *v, unsigned n)
{
	const char *rname = NULL;
	for (unsigned i = 0; i < E.nroutes && !rname; i++)
		if (strcmp(E.routes[i].name, name) == 0)
			rname = E.routes[i].name;
	if (!rname)
		return SIP_DECLINED;
	if (E.stopped)
		return SIP_ESTATE;
	if (E.nqueued >= EVENT_MAX_QUEUED) {
		E.dropped++;
		return SIP_ELIMIT;
	}
	struct proxy_mctx *mc = proxy_mctx_take();
	if (!mc)
		return SIP_NOMEM;
	struct sipcc_event_val *copy = NULL;
	if (n && !(copy = sip_arena_alloc(&mc->arena, n * sizeof *copy))) {
		proxy_mctx_give(mc);
		return SIP_NOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		copy[i].i = v[i].i;
		copy[i].s = v[i].s.len ? sip_arena_strdup(&mc->arena, v[i].s) : SIP_STR_LIT("");
		if (!copy[i].s.s) {
			proxy_mctx_give(mc);
			return SIP_NOMEM;
		}
	}
	mc->ev_name = rname;
	mc->ev_vals = copy;
	mc->ev_n = n;
	mc->ev_next = 0;
	mc->next = NULL;
	*E.tail = mc;
	E.tail = &mc->next;
	E.nqueued++;
	events_arm();
	return SIP_OK;
}

/* The routes of the event of mc from mc->ev_next on, until one waits. */
void proxy_event_routes_run(struct proxy_mctx *mc)
{
	struct sip_ctx *ctx = &mc->ctx;
	while (mc->ev_next < E.nroutes) {
		unsigned i = mc->ev_next;
		if (strcmp(E.routes[i].name, mc->ev_name) != 0) {
			mc->ev_next++;
			continue;
		}
		ctx->frame_i = 0;
		int64_t r = E.routes[i].fn(ctx);
		if (ctx->suspended) {
			if (r != SIPCC_RET_SUSPEND)
				LOG_ERR("event route %s returned %lld while waiting", mc->ev_name,
					(long long)r);
			return;
		}
		ctx->nframes = ctx->frame_i = 0;
		mc->ev_next++;
	}
}

/* The wheel: run the events queued, a batch per tick. */
static void events_run(sip_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	if ((unsigned long)E.dropped != E.dropped_logged) {
		LOG_WARN("%lu events were dropped: more than %u waited to run",
			 (unsigned long)E.dropped - E.dropped_logged, EVENT_MAX_QUEUED);
		E.dropped_logged = (unsigned long)E.dropped;
	}
	for (unsigned k = 0; k < EVENT_RUN_BATCH && E.head; k++) {
		struct proxy_mctx *mc = E.head;
		if (!(E.head = mc->next))
			E.tail = &E.head;
		E.nqueued--;
		mc->next = NULL;
		proxy_event_start(mc);
	}
	events_arm_in(SIP_TIMER_TICK_MS);
}

void proxy_events_start(sip_timer_wheel *w)
{
	E.w = w;
	if (E.nroutes)
		sip_stat_counter("events.dropped", &E.dropped);
	sip_timer_init(&E.timer, events_run, NULL);
	events_arm();
}

void proxy_events_stop(void)
{
	if (E.w)
		sip_timer_cancel(E.w, &E.timer);
	while (E.head) {
		struct proxy_mctx *mc = E.head;
		E.head = mc->next;
		proxy_mctx_give(mc);
	}
	E.tail = &E.head;
	E.nqueued = 0;
	E.w = NULL;
	E.stopped = true;
}
