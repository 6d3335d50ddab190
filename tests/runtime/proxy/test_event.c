/* Events and event routes (runtime/proxy/event.c, proxy.c): a raise with
 * no route does nothing; the routes of an event run later, from the
 * wheel, in the policy's order, with copies of the values; a route that
 * waits holds the next ones until it is resumed; events run in the order
 * raised; too many waiting to run are dropped; nothing is queued once the
 * proxy stops. The routes are C functions standing for generated ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "proxy/event.h"
#include "proxy/proxy.h"

static sip_timer_wheel wheel;
static uint64_t now;
static char trace[1024];
static unsigned nother;
static struct sip_ctx *waiting;
static bool wait_once;

static void trace_add(const char *s)
{
	strncat(trace, s, sizeof trace - strlen(trace) - 1);
}

static void run_wheel(void)
{
	now += 20;
	sip_timer_expire(&wheel, now);
}

/* route event t.ev (first): records its values. */
static int64_t route_first(struct sip_ctx *ctx)
{
	sip_str s;
	char buf[128];
	sipcc_event_arg_str(ctx, &s, 0);
	snprintf(buf, sizeof buf, "first(%.*s,%lld)", (int)s.len, s.s,
		 (long long)sipcc_event_arg_int(ctx, 1));
	trace_add(buf);
	/* past the values raised: "" and 0 */
	sipcc_event_arg_str(ctx, &s, 7);
	assert_int_equal(s.len, 0);
	assert_int_equal(sipcc_event_arg_int(ctx, -1), 0);
	assert_null(ctx->msg);
	assert_int_equal(ctx->route_kind, SIPCC_ROUTE_EVENT);
	if (wait_once) {
		wait_once = false;
		waiting = ctx;
		assert_int_equal(proxy_wait(ctx), SIP_OK);
		trace_add("wait;");
		return SIPCC_RET_SUSPEND;
	}
	trace_add(";");
	return SIPCC_RET_CONTINUE;
}

/* route event t.other */
static int64_t route_other(struct sip_ctx *ctx)
{
	(void)ctx;
	nother++;
	trace_add("other;");
	return SIPCC_RET_CONTINUE;
}

/* route event t.ev (second) */
static int64_t route_second(struct sip_ctx *ctx)
{
	sip_str s;
	sipcc_event_arg_str(ctx, &s, 0);
	char buf[64];
	snprintf(buf, sizeof buf, "second(%.*s);", (int)s.len, s.s);
	trace_add(buf);
	return SIPCC_RET_EXIT;
}

static int setup(void **state)
{
	(void)state;
	sip_timer_wheel_init(&wheel, now);
	/* As sipcc_policy_init registers them, in the policy's order. */
	proxy_event_route_add("t.ev", route_first);
	proxy_event_route_add("t.other", route_other);
	proxy_event_route_add("t.ev", route_second);
	return 0;
}

static int raise_ev(const char *name, const char *s, int64_t i)
{
	struct sipcc_event_val v[2] = { { .s = sip_str_make(s, strlen(s)) }, { .i = i } };
	return proxy_event_raise(name, v, 2);
}

static void test_no_route(void **state)
{
	(void)state;
	assert_false(proxy_event_wanted("t.none"));
	assert_true(proxy_event_wanted("t.ev"));
	assert_int_equal(raise_ev("t.none", "x", 1), SIP_DECLINED);
	assert_int_equal(sipcc_event_wanted("t.other"), 1);
}

static void test_routes_run_later_in_order(void **state)
{
	(void)state;
	char val[8] = "alice";
	trace[0] = '\0';
	/* raised before the proxy runs: kept until it does */
	assert_int_equal(raise_ev("t.ev", val, 60), SIP_OK);
	memcpy(val, "XXXXX", 5);       /* the values were copied */
	assert_int_equal(raise_ev("t.other", "", 0), SIP_OK);
	assert_int_equal(raise_ev("t.ev", "bob", 5), SIP_OK);
	assert_string_equal(trace, "");
	proxy_events_start(&wheel);
	assert_string_equal(trace, "");
	run_wheel();
	assert_string_equal(trace, "first(alice,60);second(alice);other;first(bob,5);second(bob);");
	trace[0] = '\0';
	run_wheel();
	assert_string_equal(trace, "");
}

static void test_route_waits(void **state)
{
	(void)state;
	trace[0] = '\0';
	wait_once = true;
	assert_int_equal(raise_ev("t.ev", "carol", 1), SIP_OK);
	assert_int_equal(raise_ev("t.other", "", 0), SIP_OK);
	run_wheel();
	/* the second route of carol's event waits for the first; the next
	 * event runs meanwhile */
	assert_string_equal(trace, "first(carol,1)wait;other;");
	assert_non_null(waiting);
	assert_int_equal(proxy_waiting_count(), 1);
	trace[0] = '\0';
	proxy_resume(waiting);
	assert_string_equal(trace, "first(carol,1);second(carol);");
	assert_int_equal(proxy_waiting_count(), 0);
}

static void test_too_many_then_stop(void **state)
{
	(void)state;
	unsigned long dropped = proxy_event_dropped();
	int ok = 0, limit = 0;
	for (int i = 0; i < 5000; i++) {
		int rc = raise_ev("t.other", "", i);
		ok += rc == SIP_OK;
		limit += rc == SIP_ELIMIT;
	}
	assert_int_equal(ok, 4096);
	assert_int_equal(limit, 5000 - 4096);
	assert_int_equal(proxy_event_dropped() - dropped, 5000 - 4096);
	nother = 0;
	run_wheel();    /* a batch per tick */
	assert_int_equal(nother, 256);
	for (int i = 0; i < 20; i++)
		run_wheel();
	assert_int_equal(nother, 4096);
	proxy_events_stop();
	assert_int_equal(raise_ev("t.ev", "late", 0), SIP_ESTATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_route),
		cmocka_unit_test(test_routes_run_later_in_order),
		cmocka_unit_test(test_route_waits),
		cmocka_unit_test(test_too_many_then_stop),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
