/* Events and the event routes that handle them (proxy/event.h). An event
 * raised is queued as one small block holding copies of its values until
 * a timer of the wheel runs it from the loop's top level: it then gets a
 * routing context of its own (a proxy_mctx without a message), whose
 * routes proxy.c runs and keeps while one waits. A queued event costs
 * its values, not a context, so a burst of them stays small. */
#include "proxy/event.h"
#include "proxy/proxy_int.h"

#include <string.h>
#include "core/log.h"
#include "core/worker.h"
#include "proxy/worker.h"
#include "core/stats.h"
#include "core/status.h"
#include "proxy/policy.h"
#include "proxy/routes.h"

/* Events raised and not run yet at most: beyond, a module raising in a
 * burst (a registrar whose contacts all expire at once) loses events
 * rather than memory. */
#define EVENT_MAX_QUEUED  4096
/* Events run per tick, so a burst does not hold up the loop. */
#define EVENT_RUN_BATCH   256

/* An event waiting to run: its values, their text right after them. */
struct event_item {
	struct event_item *next;
	const char *name;           /* the routes' own copy of the name */
	unsigned n;
	struct sipcc_event_val v[];
};

static struct {
	struct event_item *head, **tail;
	unsigned nqueued;
	int64_t dropped;
	unsigned long dropped_logged;
	sip_timer_wheel *w;
	sip_timer timer;
	bool stopped;               /* the proxy is going down: nothing runs any more */
} E = { .tail = &E.head };

void proxy_event_route_add(const char *name, sipcc_route_fn fn)
{
	proxy_routes_reg(SIPCC_ROUTE_EVENT, name, fn);
}

/* The running policy's route for event name (its copy of the name), NULL
 * when it has none. */
static const char *event_route_name(const char *name)
{
	const struct proxy_policy *p = proxy_policy;
	for (unsigned i = 0; i < p->n_events; i++)
		if (strcmp(p->events[i].name, name) == 0)
			return p->events[i].name;
	return NULL;
}

bool proxy_event_wanted(const char *name)
{
	return event_route_name(name) != NULL;
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

/* Append it to the queue (on worker 0); dropped when the queue is full
 * or the proxy is going down. */
static void event_enqueue(void *p)
{
	struct event_item *it = p;
	if (E.stopped || E.nqueued >= EVENT_MAX_QUEUED) {
		if (!E.stopped)
			E.dropped++;
		sip_mem_free(it);
		return;
	}
	*E.tail = it;
	E.tail = &it->next;
	E.nqueued++;
	events_arm();
}

int proxy_event_raise(const char *name, const struct sipcc_event_val *v, unsigned n)
{
	const char *rname = event_route_name(name);
	if (!rname)
		return SIP_DECLINED;
	if (sip_worker_id == 0) {
		if (E.stopped)
			return SIP_ESTATE;
		if (E.nqueued >= EVENT_MAX_QUEUED) {
			E.dropped++;
			return SIP_ELIMIT;
		}
	}
	size_t size = sizeof(struct event_item) + n * sizeof(struct sipcc_event_val);
	for (unsigned i = 0; i < n; i++)
		size += v[i].s.len + 1;
	struct event_item *it = sip_mem_alloc(size);
	if (!it)
		return SIP_NOMEM;
	char *text = (char *)&it->v[n];
	for (unsigned i = 0; i < n; i++) {
		it->v[i].i = v[i].i;
		if (v[i].s.len)
			memcpy(text, v[i].s.s, v[i].s.len);
		text[v[i].s.len] = '\0';
		it->v[i].s = sip_str_make(text, v[i].s.len);
		text += v[i].s.len + 1;
	}
	it->name = rname;
	it->n = n;
	it->next = NULL;
	/* The queue and the event routes are worker 0's: an event raised on
	 * another worker goes there (proxy/worker.h). */
	if (sip_worker_id != 0) {
		if (proxy_worker_post(0, event_enqueue, it) != SIP_OK) {
			sip_mem_free(it);
			return SIP_NOMEM;
		}
		return SIP_OK;
	}
	event_enqueue(it);
	return SIP_OK;
}

/* A context for the event of it, its values copied into the context's
 * arena (the block is freed); NULL when out of memory. */
static struct proxy_mctx *event_context(struct event_item *it)
{
	struct proxy_mctx *mc = proxy_mctx_take();
	struct sipcc_event_val *vals = NULL;
	if (mc && it->n && (vals = sip_arena_alloc(&mc->arena, it->n * sizeof *vals)))
		for (unsigned i = 0; i < it->n; i++) {
			vals[i].i = it->v[i].i;
			vals[i].s = sip_arena_strdup(&mc->arena, it->v[i].s);
			if (!vals[i].s.s)
				vals = NULL;
			if (!vals)
				break;
		}
	if (mc && it->n && !vals) {
		proxy_mctx_give(mc);
		mc = NULL;
	}
	if (mc) {
		mc->ev_name = it->name;
		mc->ev_vals = vals;
		mc->ev_n = it->n;
		mc->ev_next = 0;
		mc->next = NULL;
	}
	sip_mem_free(it);
	return mc;
}

/* The routes of the event of mc from mc->ev_next on, until one waits. */
void proxy_event_routes_run(struct proxy_mctx *mc)
{
	struct sip_ctx *ctx = &mc->ctx;
	const struct proxy_policy *p = ctx->policy;
	while (mc->ev_next < p->n_events) {
		unsigned i = mc->ev_next;
		if (strcmp(p->events[i].name, mc->ev_name) != 0) {
			mc->ev_next++;
			continue;
		}
		ctx->frame_i = 0;
		int64_t r = p->events[i].fn(ctx);
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
		struct event_item *it = E.head;
		if (!(E.head = it->next))
			E.tail = &E.head;
		E.nqueued--;
		const char *name = it->name;
		struct proxy_mctx *mc = event_context(it);
		if (mc)
			proxy_event_start(mc);
		else
			LOG_ERR("out of memory: the routes of event %s do not run", name);
	}
	events_arm_in(SIP_TIMER_TICK_MS);
}

void proxy_events_start(sip_timer_wheel *w)
{
	E.w = w;
	if (proxy_policy->n_events)
		sip_stat_counter("events.dropped", &E.dropped);
	sip_timer_init(&E.timer, events_run, NULL);
	events_arm();
}

void proxy_events_stop(void)
{
	if (E.w)
		sip_timer_cancel(E.w, &E.timer);
	while (E.head) {
		struct event_item *it = E.head;
		E.head = it->next;
		sip_mem_free(it);
	}
	E.tail = &E.head;
	E.nqueued = 0;
	E.w = NULL;
	E.stopped = true;
}
