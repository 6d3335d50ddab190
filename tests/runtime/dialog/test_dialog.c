/* Dialog layer tests: creation from an initial INVITE, early and
 * confirmed states, matching of in-dialog requests in both directions,
 * the ways a dialog ends (BYE, negative final reply, lifetime) with the
 * callbacks and durations an accounting module sees, dialog variables,
 * the active count, and the recycling of ended dialogs, on a fake clock;
 * the state changes an observer hears; dialog profiles (membership,
 * sizes per value and in all, leaving them however a dialog ends); the
 * state kept to reach each side (legs, CSeqs) and lookups by id and
 * Call-ID; a profile limit checked and taken in one step
 * (dlg_profile_add_max), and held by three worker threads admitting
 * dialogs at once while the main thread lists them; a dialog taken over
 * from another proxy (dlg_adopt). */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "core/timer.h"
#include "core/worker.h"
#include "dialog/dialog.h"
#include "dialog/profile.h"
#include "sip/msg.h"

static sip_timer_wheel wheel;
static uint64_t now;

#define MAX_MSGS 32
static sip_arena arenas[MAX_MSGS];
static sip_msg msgs[MAX_MSGS];
static char *bufs[MAX_MSGS];
static unsigned n_msgs;

/* What the callbacks saw (worker 0's: test_workers's threads are not
 * counted). */
static int starts, ends;
static enum dlg_end_reason last_why;
static uint64_t last_duration;
static uint64_t last_start_id;

static void on_start(dlg *d, void *arg)
{
	(void)arg;
	if (sip_worker_id)
		return;
	starts++;
	last_start_id = d->id;
}

static void on_end(dlg *d, enum dlg_end_reason why, uint64_t ms, void *arg)
{
	(void)d;
	(void)arg;
	if (sip_worker_id)
		return;
	ends++;
	last_why = why;
	last_duration = ms;
}

/* The state changes heard, as a string of letters: u(nconfirmed),
 * e(arly), c(onfirmed), x (ended). */
static char changes[64];

static void on_state(dlg *d, enum dlg_state from, void *arg)
{
	(void)arg;
	(void)from;
	if (sip_worker_id)
		return;
	size_t n = strlen(changes);
	static const char letter[] = { '?', 'u', 'e', 'c', 'x' };
	if (n + 1 < sizeof changes)
		changes[n] = letter[d->state];
}

static int setup(void **state)
{
	(void)state;
	now = 1000000;
	sip_timer_wheel_init(&wheel, now);
	assert_int_equal(dlg_layer_init(&wheel, 4), SIP_OK);
	static const struct dlg_callbacks cb = { .on_start = on_start, .on_end = on_end,
						 .on_state = on_state };
	assert_int_equal(dlg_callbacks_add(&cb), SIP_OK);
	memset(changes, 0, sizeof changes);
	dlg_profile_reset();
	starts = ends = 0;
	last_duration = 0;
	n_msgs = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dlg_layer_destroy();
	for (unsigned i = 0; i < n_msgs; i++) {
		sip_arena_destroy(&arenas[i]);
		free(bufs[i]);
	}
	return 0;
}

static void advance(uint64_t ms)
{
	now += ms;
	sip_timer_expire(&wheel, now);
}

static sip_msg *parse(const char *fmt, ...)
{
	assert_true(n_msgs < MAX_MSGS);
	unsigned i = n_msgs++;
	char tmp[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	bufs[i] = strdup(tmp);
	sip_arena_init(&arenas[i], 4096);
	assert_int_equal(sip_msg_parse(&arenas[i], bufs[i], (size_t)n, &msgs[i]), SIP_OK);
	return &msgs[i];
}

/* A request of call callid with From tag ftag and To tag ttag (NULL:
 * none), from alice to bob. */
static sip_msg *request(const char *method, const char *callid, const char *ftag,
			const char *ttag)
{
	return parse("%s sip:bob@example.com SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK%s%s\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:alice@example.com>;tag=%s\r\n"
		     "To: <sip:bob@example.com>%s%s\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: 1 %s\r\n"
		     "Content-Length: 0\r\n\r\n",
		     method, method, ftag, ftag, ttag ? ";tag=" : "", ttag ? ttag : "",
		     callid, method);
}

/* The same from bob (the callee) to alice: the tags swap sides. */
static sip_msg *request_back(const char *method, const char *callid, const char *ftag,
			     const char *ttag)
{
	return parse("%s sip:alice@10.0.0.1 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKback%s\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:bob@example.com>;tag=%s\r\n"
		     "To: <sip:alice@example.com>;tag=%s\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: 1 %s\r\n"
		     "Content-Length: 0\r\n\r\n",
		     method, ftag, ftag, ttag, callid, method);
}

static void test_create_confirm_bye(void **state)
{
	(void)state;
	sip_msg *inv = request("INVITE", "c1@a", "ft1", NULL);
	dlg *d = dlg_create(inv, 0);
	assert_non_null(d);
	assert_int_equal(d->state, DLG_UNCONFIRMED);
	assert_int_equal(d->timeout_s, DLG_DEFAULT_TIMEOUT_S);
	assert_true(sip_str_eq(d->caller_uri, SIP_STR_LIT("sip:alice@example.com")));
	assert_true(sip_str_eq(d->callee_uri, SIP_STR_LIT("sip:bob@example.com")));
	assert_int_equal(dlg_active(), 1);
	/* A retransmitted or re-parsed INVITE gets the same dialog. */
	assert_ptr_equal(dlg_create(request("INVITE", "c1@a", "ft1", NULL), 0), d);
	assert_int_equal(dlg_active(), 1);

	/* 100 has no effect, a 180 with a tag makes it early. */
	dlg_response(d, 100, SIP_STR_NULL);
	assert_int_equal(d->state, DLG_UNCONFIRMED);
	dlg_response(d, 180, SIP_STR_LIT("tt1"));
	assert_int_equal(d->state, DLG_EARLY);
	assert_int_equal(starts, 0);

	advance(1000);
	dlg_response(d, 200, SIP_STR_LIT("tt1"));
	assert_int_equal(d->state, DLG_CONFIRMED);
	assert_int_equal(starts, 1);
	assert_int_equal(last_start_id, d->id);
	/* A second 2xx (another fork) does not restart it. */
	dlg_response(d, 200, SIP_STR_LIT("tt2"));
	assert_int_equal(starts, 1);
	assert_true(sip_str_eq(d->callee_tag, SIP_STR_LIT("tt1")));

	/* In-dialog requests match in both directions, not with wrong tags. */
	bool down = false;
	assert_ptr_equal(dlg_match(request("BYE", "c1@a", "ft1", "tt1"), &down), d);
	assert_true(down);
	assert_ptr_equal(dlg_match(request_back("BYE", "c1@a", "tt1", "ft1"), &down), d);
	assert_false(down);
	assert_null(dlg_match(request("BYE", "c1@a", "ft1", "tt2"), NULL));
	assert_null(dlg_match(request("BYE", "c2@a", "ft1", "tt1"), NULL));
	assert_null(dlg_match(request("INVITE", "c1@a", "ft1", NULL), NULL));

	advance(5000);
	dlg_end(d, DLG_END_BYE);
	assert_int_equal(d->state, DLG_ENDED);
	assert_int_equal(ends, 1);
	assert_int_equal(last_why, DLG_END_BYE);
	/* From the 200, not from the INVITE. */
	assert_true(last_duration >= 5000 && last_duration <= 5010);
	assert_int_equal(dlg_active(), 0);
	/* Ending twice reports once; an ended dialog matches nothing. */
	dlg_end(d, DLG_END_BYE);
	assert_int_equal(ends, 1);
	assert_null(dlg_match(request("BYE", "c1@a", "ft1", "tt1"), NULL));
}

static void test_rejected(void **state)
{
	(void)state;
	dlg *d = dlg_create(request("INVITE", "c3@a", "ft3", NULL), 0);
	assert_non_null(d);
	dlg_response(d, 183, SIP_STR_LIT("tt3"));
	dlg_response(d, 486, SIP_STR_LIT("tt3"));
	assert_int_equal(d->state, DLG_ENDED);
	assert_int_equal(ends, 1);
	assert_int_equal(last_why, DLG_END_REJECTED);
	assert_int_equal(last_duration, 0);
	assert_int_equal(starts, 0);
	assert_int_equal(dlg_active(), 0);

	/* A negative reply after the 2xx (a late fork) does not end it. */
	dlg *e = dlg_create(request("INVITE", "c4@a", "ft4", NULL), 0);
	dlg_response(e, 200, SIP_STR_LIT("tt4"));
	dlg_response(e, 487, SIP_STR_NULL);
	assert_int_equal(e->state, DLG_CONFIRMED);
	assert_int_equal(dlg_active(), 1);
}

static void test_not_initial(void **state)
{
	(void)state;
	assert_null(dlg_create(request("OPTIONS", "c5@a", "ft5", NULL), 0));
	assert_null(dlg_create(request("INVITE", "c5@a", "ft5", "tt5"), 0));
	assert_int_equal(dlg_active(), 0);
}

static void test_lifetime(void **state)
{
	(void)state;
	dlg *d = dlg_create(request("INVITE", "c6@a", "ft6", NULL), 2);
	assert_non_null(d);
	dlg_response(d, 200, SIP_STR_LIT("tt6"));
	uint64_t id = d->id;
	advance(1500);
	assert_int_equal(d->state, DLG_CONFIRMED);
	/* A new timeout counts from now. */
	dlg_set_timeout(d, 3);
	advance(2000);
	assert_int_equal(d->state, DLG_CONFIRMED);
	advance(1100);
	assert_int_equal(d->state, DLG_ENDED);
	assert_int_equal(last_why, DLG_END_TIMEOUT);
	assert_true(last_duration >= 4500 && last_duration <= 4700);
	assert_int_equal(dlg_active(), 0);
	/* Still readable while it lingers, recycled after. */
	assert_true(dlg_valid(d, id));
	advance(DLG_LINGER_MS + 100);
	assert_false(dlg_valid(d, id));
	/* The memory comes back for the next dialog, with a new id. */
	dlg *e = dlg_create(request("INVITE", "c7@a", "ft7", NULL), 0);
	assert_ptr_equal(e, d);
	assert_int_not_equal(e->id, id);
	assert_false(dlg_valid(e, id));
	assert_true(dlg_valid(e, e->id));
	assert_false(dlg_var_get(e, 0) != NULL);
}

static void test_vars(void **state)
{
	(void)state;
	dlg *d = dlg_create(request("INVITE", "c8@a", "ft8", NULL), 0);
	assert_null(dlg_var_get(d, 0));
	char caller[16] = "alice";
	assert_int_equal(dlg_var_set_str(d, 0, sip_str_make(caller, 5)), SIP_OK);
	memset(caller, 'x', 5);      /* the dialog keeps its own copy */
	assert_int_equal(dlg_var_set_int(d, 1, 42), SIP_OK);
	assert_true(sip_str_eq(dlg_var_get(d, 0)->sval, SIP_STR_LIT("alice")));
	assert_int_equal(dlg_var_get(d, 1)->ival, 42);
	assert_int_equal(dlg_var_set_str(d, 0, SIP_STR_LIT("bob")), SIP_OK);
	assert_true(sip_str_eq(dlg_var_get(d, 0)->sval, SIP_STR_LIT("bob")));
	assert_int_equal(dlg_var_set_int(d, DLG_MAX_VARS, 1), SIP_EINVAL);
	assert_null(dlg_var_get(d, DLG_MAX_VARS));
}

static void test_many_and_destroy(void **state)
{
	(void)state;
	char cid[32];
	for (int i = 0; i < 200; i++) {
		snprintf(cid, sizeof cid, "many-%d@a", i);
		sip_msg m;
		sip_arena a;
		char buf[512];
		int n = snprintf(buf, sizeof buf,
				 "INVITE sip:bob@example.com SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKm%d\r\n"
				 "From: <sip:alice@example.com>;tag=f%d\r\n"
				 "To: <sip:bob@example.com>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
				 "Content-Length: 0\r\n\r\n", i, i, cid);
		sip_arena_init(&a, 2048);
		assert_int_equal(sip_msg_parse(&a, buf, (size_t)n, &m), SIP_OK);
		dlg *d = dlg_create(&m, 0);
		assert_non_null(d);
		/* The dialog copied what it keeps: the message can go. */
		sip_arena_destroy(&a);
		dlg_response(d, 200, SIP_STR_LIT("t"));
		assert_true(sip_str_eq(d->callid, sip_str_make(cid, strlen(cid))));
	}
	assert_int_equal(dlg_active(), 200);
	assert_int_equal(starts, 200);
	/* Shutdown ends every live dialog once. */
	dlg_layer_destroy();
	assert_int_equal(ends, 200);
	assert_int_equal(last_why, DLG_END_SHUTDOWN);
	assert_int_equal(dlg_active(), 0);
	assert_int_equal(dlg_layer_init(&wheel, 4), SIP_OK);
}

/* A dialog of call callid confirmed with To tag "t" + callid. */
static dlg *confirmed(const char *callid)
{
	dlg *d = dlg_create(request("INVITE", callid, "f", NULL), 0);
	assert_non_null(d);
	char tag[64];
	snprintf(tag, sizeof tag, "t%s", callid);
	dlg_response(d, 200, sip_str_make(tag, strlen(tag)));
	assert_int_equal(d->state, DLG_CONFIRMED);
	return d;
}

static void test_state_changes(void **state)
{
	(void)state;
	dlg *d = dlg_create(request("INVITE", "s1@a", "f", NULL), 0);
	dlg_response(d, 180, SIP_STR_LIT("t"));
	dlg_response(d, 200, SIP_STR_LIT("t"));
	dlg_end(d, DLG_END_BYE);
	assert_string_equal(changes, "uecx");
	memset(changes, 0, sizeof changes);
	d = dlg_create(request("INVITE", "s2@a", "f", NULL), 0);
	dlg_response(d, 486, SIP_STR_NULL);
	assert_string_equal(changes, "ux");
}

static void test_profiles(void **state)
{
	(void)state;
	const sip_str alice = SIP_STR_LIT("sip:alice@example.com");
	const sip_str bob = SIP_STR_LIT("sip:bob@example.com");
	assert_int_equal(dlg_profile_register(0, "calls", true), SIP_OK);
	assert_int_equal(dlg_profile_register(2, "all", false), SIP_OK);
	assert_int_equal(dlg_profile_register(DLG_MAX_PROFILES, "x", false), SIP_EINVAL);
	assert_int_equal(dlg_profile_count(), 3);
	assert_null(dlg_profile_name(1));
	assert_int_equal(dlg_profile_find(SIP_STR_LIT("all")), 2);
	assert_int_equal(dlg_profile_find(SIP_STR_LIT("al")), -1);
	assert_true(dlg_profile_has_value(0));
	assert_false(dlg_profile_has_value(2));

	dlg *a1 = confirmed("p1@a"), *a2 = confirmed("p2@a");
	dlg *b1 = dlg_create(request("INVITE", "p3@a", "f", NULL), 0);
	assert_int_equal(dlg_profile_add(a1, 0, alice), SIP_OK);
	assert_int_equal(dlg_profile_add(a1, 0, alice), SIP_OK);   /* once per value */
	assert_int_equal(dlg_profile_add(a2, 0, alice), SIP_OK);
	assert_int_equal(dlg_profile_add(b1, 0, bob), SIP_OK);
	assert_int_equal(dlg_profile_add(a1, 2, SIP_STR_NULL), SIP_OK);
	assert_int_equal(dlg_profile_add(b1, 2, SIP_STR_LIT("ignored")), SIP_OK);
	assert_int_equal(dlg_profile_add(b1, 1, SIP_STR_NULL), SIP_EINVAL);   /* not declared */
	assert_int_equal(dlg_profile_size(0, alice, false), 2);
	assert_int_equal(dlg_profile_size(0, bob, false), 1);
	assert_int_equal(dlg_profile_size(0, SIP_STR_LIT("sip:carol@example.com"), false), 0);
	assert_int_equal(dlg_profile_size(0, SIP_STR_NULL, true), 3);
	assert_int_equal(dlg_profile_size(2, SIP_STR_NULL, true), 2);
	assert_true(dlg_profile_is_in(a1, 0, alice, false));
	assert_false(dlg_profile_is_in(a1, 0, bob, false));
	assert_true(dlg_profile_is_in(b1, 0, SIP_STR_NULL, true));
	assert_false(dlg_profile_is_in(a2, 2, SIP_STR_NULL, true));

	/* Two values per dialog; removing one value, then all. */
	assert_int_equal(dlg_profile_add(a2, 0, bob), SIP_OK);
	assert_int_equal(dlg_profile_size(0, bob, false), 2);
	assert_true(dlg_profile_remove(a2, 0, bob, false));
	assert_false(dlg_profile_remove(a2, 0, bob, false));
	assert_int_equal(dlg_profile_size(0, bob, false), 1);
	assert_true(dlg_profile_remove(a2, 0, SIP_STR_NULL, true));
	assert_int_equal(dlg_profile_size(0, alice, false), 1);
	assert_int_equal(dlg_profile_add(a2, 0, alice), SIP_OK);

	/* Every way of ending leaves the profiles: a BYE, a rejection (the
	 * call failed), the lifetime. */
	dlg_end(a1, DLG_END_BYE);
	assert_int_equal(dlg_profile_size(0, alice, false), 1);
	assert_int_equal(dlg_profile_size(2, SIP_STR_NULL, true), 1);
	assert_null(a1->profiles);
	assert_int_equal(dlg_profile_add(a1, 0, alice), SIP_EINVAL);   /* ended */
	dlg_response(b1, 486, SIP_STR_NULL);
	assert_int_equal(dlg_profile_size(0, bob, false), 0);
	assert_int_equal(dlg_profile_size(2, SIP_STR_NULL, true), 0);
	dlg_set_timeout(a2, 1);
	advance(1100);
	assert_int_equal(a2->state, DLG_ENDED);
	assert_int_equal(dlg_profile_size(0, SIP_STR_NULL, true), 0);

	/* A value's counter goes when its last member does, and comes back. */
	dlg *c = confirmed("p4@a");
	assert_int_equal(dlg_profile_add(c, 0, bob), SIP_OK);
	assert_int_equal(dlg_profile_size(0, bob, false), 1);
	dlg_end(c, DLG_END_POLICY);
	assert_int_equal(dlg_profile_size(0, bob, false), 0);
	/* Shutdown with members: nothing leaks (ASan). */
	dlg *e = confirmed("p5@a");
	assert_int_equal(dlg_profile_add(e, 0, alice), SIP_OK);
}

static void count_end(dlg *x, void *arg)
{
	(*(unsigned *)arg)++;
	dlg_end(x, DLG_END_OPERATOR);
}

static void test_legs_and_lookup(void **state)
{
	(void)state;
	dlg *d = confirmed("l1@a");
	assert_int_equal(dlg_set_leg(d, DLG_CALLER, SIP_STR_LIT("sip:alice@10.0.0.1"),
				     SIP_STR_LIT("Route: <sip:p1;lr>\r\n"), SIP_STR_LIT("sip:p1;lr")),
			 SIP_OK);
	assert_int_equal(dlg_set_leg(d, DLG_CALLEE, SIP_STR_LIT("sip:bob@10.0.0.9"), SIP_STR_NULL,
				     SIP_STR_NULL), SIP_OK);
	/* An empty field keeps what was there (a target refresh). */
	assert_int_equal(dlg_set_leg(d, DLG_CALLER, SIP_STR_LIT("sip:alice@10.0.0.2"), SIP_STR_NULL,
				     SIP_STR_NULL), SIP_OK);
	assert_true(sip_str_eq(d->leg[DLG_CALLER].target, SIP_STR_LIT("sip:alice@10.0.0.2")));
	assert_true(sip_str_eq(d->leg[DLG_CALLER].next_hop, SIP_STR_LIT("sip:p1;lr")));
	assert_int_equal(d->leg[DLG_CALLEE].routes.len, 0);
	dlg_seen_cseq(d, DLG_CALLER, 5);
	dlg_seen_cseq(d, DLG_CALLER, 3);
	assert_int_equal(d->leg[DLG_CALLER].cseq, 5);
	assert_false(d->leg[DLG_CALLEE].cseq_seen);

	assert_ptr_equal(dlg_by_id(d->id), d);
	assert_null(dlg_by_id(d->id + 100));
	dlg *e = confirmed("l2@a");
	unsigned n = 0;
	dlg_by_callid(SIP_STR_LIT("l2@a"), count_end, &n);
	assert_int_equal(n, 1);
	assert_int_equal(e->state, DLG_ENDED);
	assert_string_equal(dlg_end_reason_name(e->end_reason), "ended");
	assert_string_equal(dlg_ended_by(e), "operator");
	assert_null(dlg_by_id(e->id));
	assert_string_equal(dlg_ended_by(d), "");
	dlg_end(d, DLG_END_TIMEOUT);
	assert_string_equal(dlg_ended_by(d), "proxy");
}

/* A limit: admitted below it, refused at it (not added), a dialog in
 * already is fine, an ended one makes room; per value for a profile with
 * values. */
static void test_profile_max(void **state)
{
	(void)state;
	const sip_str alice = SIP_STR_LIT("sip:alice@example.com");
	const sip_str bob = SIP_STR_LIT("sip:bob@example.com");
	assert_int_equal(dlg_profile_register(0, "calls", true), SIP_OK);
	assert_int_equal(dlg_profile_register(1, "all", false), SIP_OK);
	dlg *a = confirmed("m1@a"), *b = confirmed("m2@a"), *c = confirmed("m3@a");
	assert_int_equal(dlg_profile_add_max(a, 0, alice, 2), SIP_OK);
	assert_int_equal(dlg_profile_add_max(b, 0, alice, 2), SIP_OK);
	assert_int_equal(dlg_profile_add_max(c, 0, alice, 2), SIP_ELIMIT);
	assert_false(dlg_profile_is_in(c, 0, alice, false));
	assert_int_equal(dlg_profile_add_max(b, 0, alice, 2), SIP_OK);   /* in already */
	assert_int_equal(dlg_profile_add_max(c, 0, bob, 2), SIP_OK);     /* another value */
	assert_int_equal(dlg_profile_size(0, alice, false), 2);
	assert_int_equal(dlg_profile_size(0, SIP_STR_NULL, true), 3);
	assert_int_equal(dlg_profile_add_max(a, 0, bob, 0), SIP_ELIMIT);
	/* Without values: every member counts. */
	assert_int_equal(dlg_profile_add_max(a, 1, SIP_STR_NULL, 1), SIP_OK);
	assert_int_equal(dlg_profile_add_max(b, 1, SIP_STR_NULL, 1), SIP_ELIMIT);
	dlg_end(a, DLG_END_BYE);
	assert_int_equal(dlg_profile_add_max(b, 1, SIP_STR_NULL, 1), SIP_OK);
	assert_int_equal(dlg_profile_add_max(c, 0, alice, 2), SIP_OK);
	assert_int_equal(dlg_profile_add_max(a, 0, alice, 5), SIP_EINVAL);   /* ended */
	assert_int_equal(dlg_profile_add_max(c, 7, alice, 5), SIP_EINVAL);   /* not declared */
}

/* Three workers, each with its own table and wheel, admit dialogs into
 * one profile at once (dlg_profile_add_max) while the main thread (the
 * control socket's, worker 0) lists them: exactly the limit gets in. */
#define W_THREADS 3
#define W_DIALOGS 200
#define W_LIMIT   250

struct w_arg {
	unsigned id;
	unsigned admitted;
	sip_timer_wheel wheel;
	sip_arena arena;
};

static void *w_admit(void *p)
{
	struct w_arg *w = p;
	sip_worker_id = w->id;
	sip_timer_wheel_init(&w->wheel, now);
	if (dlg_layer_worker_start(&w->wheel) != SIP_OK)
		return NULL;
	sip_arena_init(&w->arena, 4096);
	for (unsigned i = 0; i < W_DIALOGS; i++) {
		char buf[512];
		int n = snprintf(buf, sizeof buf,
				 "INVITE sip:bob@example.com SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKw%u-%u\r\n"
				 "From: <sip:alice@example.com>;tag=f\r\n"
				 "To: <sip:bob@example.com>\r\n"
				 "Call-ID: w%u-%u@a\r\n"
				 "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
				 w->id, i, w->id, i);
		sip_msg m;
		sip_arena_reset(&w->arena);
		if (sip_msg_parse(&w->arena, buf, (size_t)n, &m) != SIP_OK)
			continue;
		dlg *d = dlg_create(&m, 0);
		if (!d)
			continue;
		dlg_response(d, 200, SIP_STR_LIT("t"));
		if (dlg_profile_add_max(d, 0, SIP_STR_NULL, W_LIMIT) == SIP_OK)
			w->admitted++;
	}
	sip_arena_destroy(&w->arena);
	return NULL;
}

static void *w_stop(void *p)
{
	struct w_arg *w = p;
	sip_worker_id = w->id;
	dlg_layer_worker_stop();
	return NULL;
}

static void w_count(const dlg *d, void *arg)
{
	unsigned *per = arg;
	if (d->worker < W_THREADS + 1)
		per[d->worker]++;
}

static void test_workers(void **state)
{
	(void)state;
	assert_int_equal(dlg_profile_register(0, "all", false), SIP_OK);
	struct w_arg w[W_THREADS];
	pthread_t t[W_THREADS];
	memset(w, 0, sizeof w);
	for (unsigned i = 0; i < W_THREADS; i++) {
		w[i].id = i + 1;
		assert_int_equal(pthread_create(&t[i], NULL, w_admit, &w[i]), 0);
	}
	/* The control socket reads meanwhile. */
	for (unsigned k = 0; k < 200; k++) {
		unsigned per[W_THREADS + 1] = { 0 };
		dlg_foreach(w_count, per);
		assert_true(dlg_profile_size(0, SIP_STR_NULL, true) <= W_LIMIT);
	}
	unsigned admitted = 0;
	for (unsigned i = 0; i < W_THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		admitted += w[i].admitted;
	}
	assert_int_equal(admitted, W_LIMIT);
	assert_int_equal(dlg_profile_size(0, SIP_STR_NULL, true), W_LIMIT);
	assert_int_equal(dlg_active(), W_THREADS * W_DIALOGS);
	unsigned per[W_THREADS + 1] = { 0 };
	dlg_foreach(w_count, per);
	assert_int_equal(per[0], 0);
	for (unsigned i = 1; i <= W_THREADS; i++)
		assert_int_equal(per[i], W_DIALOGS);
	/* A dialog is found on its worker by id from any thread. */
	assert_int_equal(dlg_worker_of_id(1000000000), -1);
	for (unsigned i = 0; i < W_THREADS; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, w_stop, &w[i]), 0);
		assert_int_equal(pthread_join(t[i], NULL), 0);
	}
	assert_int_equal(dlg_active(), 0);
	assert_int_equal(dlg_profile_size(0, SIP_STR_NULL, true), 0);
	sip_worker_id = 0;
}

/* A dialog taken over from another proxy (dlg_adopt): confirmed at once
 * without the start callbacks, matched in both directions, its duration
 * counted from the confirmation elsewhere, its lifetime what was left of
 * it (at least a second), the same dialog for a second take-over of the
 * same call; empty tags are refused. */
static void test_adopt(void **state)
{
	(void)state;
	dlg *d = dlg_adopt(SIP_STR_LIT("ad1@a"), SIP_STR_LIT("fa1"), SIP_STR_LIT("ta1"), 5000, 8);
	assert_non_null(d);
	assert_int_equal(d->state, DLG_CONFIRMED);
	assert_int_equal(starts, 0);
	assert_string_equal(changes, "");
	assert_int_equal(dlg_active(), 1);
	assert_ptr_equal(dlg_adopt(SIP_STR_LIT("ad1@a"), SIP_STR_LIT("fa1"), SIP_STR_LIT("ta1"), 0, 8),
			 d);
	assert_int_equal(dlg_active(), 1);
	bool from_caller = false;
	assert_ptr_equal(dlg_match(request("BYE", "ad1@a", "fa1", "ta1"), &from_caller), d);
	assert_true(from_caller);
	assert_ptr_equal(dlg_match(request_back("BYE", "ad1@a", "ta1", "fa1"), &from_caller), d);
	assert_false(from_caller);
	assert_null(dlg_match(request("BYE", "ad1@a", "fa1", "other"), NULL));
	/* Ended by a BYE: the duration counts the 5 s before the take-over. */
	advance(1000);
	dlg_end(d, DLG_END_BYE);
	assert_int_equal(ends, 1);
	assert_true(last_duration >= 6000 && last_duration <= 6100);
	assert_string_equal(changes, "x");
	/* What was left of an 8 s lifetime after 5 s: 3 s. */
	dlg *e = dlg_adopt(SIP_STR_LIT("ad2@a"), SIP_STR_LIT("fa2"), SIP_STR_LIT("ta2"), 5000, 8);
	assert_non_null(e);
	advance(2900);
	assert_int_equal(e->state, DLG_CONFIRMED);
	advance(200);
	assert_int_equal(e->state, DLG_ENDED);
	assert_int_equal(last_why, DLG_END_TIMEOUT);
	/* Past its lifetime already: a second left. */
	dlg *f = dlg_adopt(SIP_STR_LIT("ad3@a"), SIP_STR_LIT("fa3"), SIP_STR_LIT("ta3"), 60000, 8);
	assert_non_null(f);
	advance(900);
	assert_int_equal(f->state, DLG_CONFIRMED);
	advance(200);
	assert_int_equal(f->state, DLG_ENDED);
	assert_null(dlg_adopt(SIP_STR_LIT("ad4@a"), SIP_STR_LIT("fa4"), SIP_STR_NULL, 0, 8));
	assert_null(dlg_adopt(SIP_STR_LIT("ad4@a"), SIP_STR_NULL, SIP_STR_LIT("ta4"), 0, 8));
	assert_int_equal(dlg_active(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_confirm_bye, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_initial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_and_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legs_and_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
