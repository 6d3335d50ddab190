/* Transaction layer tests: matching (§17.1.3, §17.2.3), timers on a fake
 * clock, retransmission absorption, CANCEL fan-out, hop-by-hop ACK and
 * best-response selection, over the loop transport. */
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
#include "net/transport.h"
#include "sip/msg.h"
#include "txn/txn.h"

static sip_timer_wheel wheel;
static sip_socket *sock;
static sip_addr up;                 /* the upstream client */
static sip_addr down;               /* the next hop */
static uint64_t now;

#define MAX_MSGS 512
static sip_arena arenas[MAX_MSGS];
static sip_msg msgs[MAX_MSGS];
static char *bufs[MAX_MSGS];
static unsigned n_msgs;

/* What the callbacks saw. */
static int replies_seen;
static int failure_code;
static int failure_calls;
static bool failure_reroute;
static bool failure_hold;

static bool reply_hold;
static int reply_held_kind;
static sip_msg *reply_held_msg;

static bool on_reply(txn *s, txn *c, sip_msg *resp)
{
	replies_seen++;
	if (reply_hold) {
		reply_held_kind = txn_reply_hold(c);
		reply_held_msg = resp;
	}
	return true;
}

static void on_failure(txn *s, int code)
{
	failure_calls++;
	failure_code = code;
	if (failure_hold) {
		txn_server_hold(s);
		return;
	}
	if (failure_reroute) {
		txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
		assert_non_null(c);
		char req[512];
		snprintf(req, sizeof req, "INVITE sip:b@10.0.0.9 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
			 "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKup1\r\n\r\n", c->branch.s);
		assert_int_equal(txn_client_send(c, req, strlen(req)), SIP_OK);
	}
}

static const struct txn_user user = { .on_reply = on_reply, .on_failure = on_failure };

/* Parse a message kept alive until teardown. */
static sip_msg *parse(const char *fmt, ...)
{
	assert_true(n_msgs < MAX_MSGS);
	unsigned i = n_msgs++;
	char tmp[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	bufs[i] = strdup(tmp);
	sip_arena_init(&arenas[i], 4096);
	assert_int_equal(sip_msg_parse(&arenas[i], bufs[i], (size_t)n, &msgs[i]), SIP_OK);
	return &msgs[i];
}

/* A request from the upstream client with branch br and sent-by host:port. */
static sip_msg *request(const char *method, const char *br, const char *sentby, const char *totag)
{
	return parse("%s sip:bob@example.com SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP %s;branch=%s\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:alice@example.com>;tag=ft1\r\n"
		     "To: <sip:bob@example.com>%s%s\r\n"
		     "Call-ID: call-1@10.0.0.1\r\n"
		     "CSeq: 1 %s\r\n"
		     "Content-Length: 0\r\n\r\n",
		     method, sentby, br, totag ? ";tag=" : "", totag ? totag : "",
		     !strcmp(method, "ACK") || !strcmp(method, "CANCEL") ? method : method);
}

/* The forwarded copy of an INVITE for branch c. */
static void send_branch(txn *c, const char *method)
{
	char req[1024];
	snprintf(req, sizeof req,
		 "%s sip:bob@10.0.0.9 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKup1\r\n"
		 "Route: <sip:10.0.0.9;lr>\r\n"
		 "Max-Forwards: 69\r\n"
		 "From: <sip:alice@example.com>;tag=ft1\r\n"
		 "To: <sip:bob@example.com>\r\n"
		 "Call-ID: call-1@10.0.0.1\r\n"
		 "CSeq: 1 %s\r\n"
		 "Content-Length: 0\r\n\r\n", method, c->branch.s, method);
	assert_int_equal(txn_client_send(c, req, strlen(req)), SIP_OK);
}

/* A response from downstream on branch c. */
static sip_msg *response(txn *c, int code, const char *method, const char *totag)
{
	return parse("SIP/2.0 %d %s\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
		     "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKup1\r\n"
		     "From: <sip:alice@example.com>;tag=ft1\r\n"
		     "To: <sip:bob@example.com>%s%s\r\n"
		     "Call-ID: call-1@10.0.0.1\r\n"
		     "CSeq: 1 %s\r\n"
		     "Content-Length: 0\r\n\r\n",
		     code, txn_reason(code), c->branch.s, totag ? ";tag=" : "", totag ? totag : "", method);
}

static void advance(uint64_t to)
{
	while (now < to) {
		now += SIP_TIMER_TICK_MS;
		sip_timer_expire(&wheel, now);
	}
}

static size_t sent(void) { return tp_loopback_count(); }
static const char *sent_buf(size_t i) { return tp_loopback_get(i)->buf; }
static const char *last_sent(void) { return sent() ? sent_buf(sent() - 1) : ""; }
static bool sent_to(size_t i, const sip_addr *a) { return sip_addr_eq(&tp_loopback_get(i)->dst, a); }

/* How many recorded messages start with prefix. */
static int count_prefix(const char *prefix)
{
	int n = 0;
	for (size_t i = 0; i < sent(); i++)
		if (!strncmp(sent_buf(i), prefix, strlen(prefix)))
			n++;
	return n;
}

static int setup(void **state)
{
	now = 0;
	sip_timer_wheel_init(&wheel, 0);
	assert_int_equal(txn_layer_init(&wheel, &user, 8), SIP_OK);
	if (!sock)
		sock = tp_loopback_socket("192.0.2.1", 5060);
	assert_non_null(sock);
	sip_addr_from_ip(&up, SIP_STR_LIT("10.0.0.1"), 5060);
	sip_addr_from_ip(&down, SIP_STR_LIT("10.0.0.9"), 5060);
	tp_loopback_clear();
	replies_seen = failure_calls = failure_code = 0;
	failure_reroute = false;
	failure_hold = false;
	reply_hold = false;
	reply_held_kind = 0;
	reply_held_msg = NULL;
	return 0;
}

static int teardown(void **state)
{
	txn_layer_destroy();
	for (unsigned i = 0; i < n_msgs; i++) {
		sip_arena_destroy(&arenas[i]);
		free(bufs[i]);
	}
	n_msgs = 0;
	tp_loopback_clear();
	return 0;
}

/* §17.2.3: branch + sent-by + method; ACK finds the INVITE; CANCEL is its
 * own transaction but finds the INVITE as "INVITE". */
static void test_server_matching(void **state)
{
	sip_msg *inv = request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL);
	txn *s = txn_server_create(inv, sock, &up);
	assert_non_null(s);
	assert_ptr_equal(txn_server_match(request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL)), s);
	assert_ptr_equal(txn_server_match(request("INVITE", "z9hG4bKa1", "10.0.0.1", NULL)), s); /* default port */
	assert_ptr_equal(txn_server_match(request("ACK", "z9hG4bKa1", "10.0.0.1:5060", "x")), s);
	/* same branch, different method */
	assert_null(txn_server_match(request("BYE", "z9hG4bKa1", "10.0.0.1:5060", NULL)));
	sip_msg *cancel = request("CANCEL", "z9hG4bKa1", "10.0.0.1:5060", NULL);
	assert_null(txn_server_match(cancel));
	assert_ptr_equal(txn_server_match_cancel(cancel), s);
	/* different sent-by: another client reusing the branch */
	assert_null(txn_server_match(request("INVITE", "z9hG4bKa1", "10.0.0.2:5060", NULL)));
	assert_null(txn_server_match(request("INVITE", "z9hG4bKa1", "10.0.0.1:5070", NULL)));
	assert_null(txn_server_match_cancel(request("CANCEL", "z9hG4bKa1", "10.0.0.2:5060", NULL)));
	/* different branch */
	assert_null(txn_server_match(request("INVITE", "z9hG4bKa2", "10.0.0.1:5060", NULL)));
	/* the CANCEL's own transaction */
	txn *sc = txn_server_create(cancel, sock, &up);
	assert_ptr_equal(txn_server_match(request("CANCEL", "z9hG4bKa1", "10.0.0.1:5060", NULL)), sc);
	assert_ptr_equal(txn_server_match(request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL)), s);
}

/* §17.1.3: branch + CSeq method. */
static void test_client_matching(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	assert_non_null(c);
	assert_memory_equal(c->branch.s, "z9hG4bK", 7);
	send_branch(c, "INVITE");
	assert_ptr_equal(txn_client_match(response(c, 180, "INVITE", "tt")), c);
	assert_null(txn_client_match(response(c, 200, "CANCEL", "tt")));
	assert_null(txn_client_match(parse("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKother\r\n"
					   "From: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n")));
	/* a second branch has a different key */
	txn *c2 = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	assert_false(sip_str_eq(c->branch, c2->branch));
	send_branch(c2, "INVITE");
	assert_ptr_equal(txn_client_match(response(c2, 180, "INVITE", "tt")), c2);
}

/* A retransmitted request is answered with the last response; a new
 * server transaction in Trying (non-INVITE) stays silent. */
static void test_retransmission_absorbed(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL), sock, &up);
	assert_int_equal(txn_server_reply(s, 100, SIP_STR_NULL), SIP_OK);
	assert_int_equal(sent(), 1);
	assert_true(sent_to(0, &up));
	txn_server_retransmit(txn_server_match(request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL)));
	assert_int_equal(sent(), 2);
	assert_string_equal(sent_buf(1), sent_buf(0));
	assert_int_equal(txn_server_reply(s, 486, SIP_STR_NULL), SIP_OK);
	txn_server_retransmit(s);
	assert_int_equal(sent(), 4);
	assert_non_null(strstr(last_sent(), "SIP/2.0 486 Busy Here\r\n"));
	assert_non_null(strstr(last_sent(), "To: <sip:bob@example.com>;tag="));   /* local final gets a tag */

	tp_loopback_clear();
	txn *r = txn_server_create(request("REGISTER", "z9hG4bKr1", "10.0.0.1:5060", NULL), sock, &up);
	txn_server_retransmit(r);
	assert_int_equal(sent(), 0);
	txn_server_reply(r, 200, SIP_STR_NULL);
	txn_server_retransmit(r);
	assert_int_equal(sent(), 2);
	/* Timer J ends it after 64*T1 (and H the INVITE). */
	advance(31990);
	assert_int_equal(txn_count(), 2);
	advance(32000);
	assert_int_equal(txn_count(), 0);
	assert_null(txn_server_match(request("REGISTER", "z9hG4bKr1", "10.0.0.1:5060", NULL)));
}

/* Timer A doubles from T1 without bound (RFC 3261 §17.1.1.2); timer B ends
 * the branch with a local 408 that goes upstream. */
static void test_timer_a_b(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	assert_int_equal(sent(), 1);
	static const uint64_t at[] = { 500, 1500, 3500, 7500, 15500, 31500 };
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		advance(at[i] - 10);
		assert_int_equal(sent(), 1 + i);
		advance(at[i]);
		assert_int_equal(sent(), 2 + i);
		assert_true(sent_to(sent() - 1, &down));
		assert_string_equal(last_sent(), sent_buf(0));
	}
	advance(31990);
	assert_int_equal(count_prefix("SIP/2.0 408"), 0);
	advance(32000);
	assert_int_equal(count_prefix("SIP/2.0 408"), 1);
	assert_true(sent_to(sent() - 1, &up));
	assert_null(txn_client_match(response(c, 180, "INVITE", NULL)));   /* gone */
}

/* Timer E doubles up to T2; timer F gives 408. */
static void test_timer_e_f(void **state)
{
	txn *s = txn_server_create(request("OPTIONS", "z9hG4bKo1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_OPTIONS, sock, &down);
	send_branch(c, "OPTIONS");
	static const uint64_t at[] = { 500, 1500, 3500, 7500, 11500, 15500 };
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		advance(at[i] - 10);
		assert_int_equal(sent(), 1 + i);
		advance(at[i]);
		assert_int_equal(sent(), 2 + i);
	}
	advance(32000);
	assert_int_equal(count_prefix("SIP/2.0 408"), 1);
}

/* Timer G retransmits a non-2xx final doubling to T2; H gives up. */
static void test_timer_g_h(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL), sock, &up);
	txn_server_reply(s, 486, SIP_STR_NULL);
	static const uint64_t at[] = { 500, 1500, 3500, 7500, 11500, 15500 };
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		advance(at[i] - 10);
		assert_int_equal(sent(), 1 + i);
		advance(at[i]);
		assert_int_equal(sent(), 2 + i);
		assert_string_equal(last_sent(), sent_buf(0));
	}
	unsigned long live = txn_count();
	advance(32000);
	assert_int_equal(txn_count(), live - 1);
	assert_null(txn_server_match(request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL)));
}

/* The ACK for a non-2xx stops G and starts I; an ACK after 2xx is not
 * absorbed. */
static void test_ack_absorbed(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL), sock, &up);
	txn_server_reply(s, 404, SIP_STR_NULL);
	txn *m = txn_server_match(request("ACK", "z9hG4bKa1", "10.0.0.1:5060", "x"));
	assert_ptr_equal(m, s);
	assert_true(txn_server_ack(m));
	assert_int_equal(s->state, TXN_CONFIRMED);
	advance(4990);
	assert_int_equal(sent(), 1);            /* no G retransmission */
	/* Confirmed, as a record: ACK and INVITE retransmissions absorbed. */
	assert_true(txn_rec_request(request("ACK", "z9hG4bKa1", "10.0.0.1:5060", "x")));
	assert_true(txn_rec_request(request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL)));
	assert_int_equal(sent(), 1);
	advance(5000);                          /* timer I */
	assert_null(txn_server_match(request("ACK", "z9hG4bKa1", "10.0.0.1:5060", "x")));
	assert_false(txn_rec_request(request("ACK", "z9hG4bKa1", "10.0.0.1:5060", "x")));

	txn *s2 = txn_server_create(request("INVITE", "z9hG4bKa2", "10.0.0.1:5060", NULL), sock, &up);
	txn_server_reply(s2, 200, SIP_STR_NULL);
	assert_false(txn_server_ack(s2));
	assert_int_equal(s2->state, TXN_ACCEPTED);
}

/* A non-INVITE server transaction in Completed (timer J) is a compact
 * record from the next coarse tick on: a retransmitted request gets the same
 * final response again, another sent-by does not match, and the record
 * costs its key and that response, well under 1 KiB. */
static void test_rec_server_non_invite(void **state)
{
	txn *r = txn_server_create(request("REGISTER", "z9hG4bKr1", "10.0.0.1:5060", NULL), sock, &up);
	assert_int_equal(txn_server_reply(r, 200, SIP_STR_NULL), SIP_OK);
	assert_int_equal(sent(), 1);
	char *first = strdup(sent_buf(0));
	advance(SIP_TIMER_COARSE_MS);
	assert_int_equal(txn_rec_count(), 1);
	assert_int_equal(txn_count(), 1);               /* still a transaction */
	assert_null(txn_server_match(request("REGISTER", "z9hG4bKr1", "10.0.0.1:5060", NULL)));
	assert_true(txn_rec_request(request("REGISTER", "z9hG4bKr1", "10.0.0.1:5060", NULL)));
	assert_int_equal(sent(), 2);
	assert_string_equal(sent_buf(1), first);
	assert_true(sent_to(1, &up));
	assert_false(txn_rec_request(request("REGISTER", "z9hG4bKr1", "10.0.0.2:5060", NULL)));
	assert_false(txn_rec_request(request("OPTIONS", "z9hG4bKr1", "10.0.0.1:5060", NULL)));
	assert_false(txn_rec_request(request("REGISTER", "z9hG4bKr2", "10.0.0.1:5060", NULL)));
	assert_int_equal(sent(), 2);
	/* the key, the sent-by host and the response, and a fixed part */
	size_t want = strlen(first) + strlen("z9hG4bKr1") + strlen("10.0.0.1") + 160;
	assert_true(txn_rec_bytes() <= want);
	assert_true(txn_rec_bytes() <= 1024);
	free(first);
	advance(31990);                                 /* timer J from the reply */
	assert_int_equal(txn_rec_count(), 1);
	advance(32000 + SIP_TIMER_COARSE_MS);
	assert_int_equal(txn_rec_count(), 0);
	assert_int_equal(txn_count(), 0);
	assert_int_equal(txn_rec_bytes(), 0);
	assert_false(txn_rec_request(request("REGISTER", "z9hG4bKr1", "10.0.0.1:5060", NULL)));
}

/* A client INVITE in Completed (timer D) as a record sends the same ACK
 * for each retransmitted non-2xx and forwards nothing upstream; a client
 * non-INVITE in Completed (timer K) absorbs its retransmitted finals. */
static void test_rec_client(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	char br[64];
	snprintf(br, sizeof br, "%s", c->branch.s);
	sip_msg *busy = response(c, 486, "INVITE", "tt9");
	tp_loopback_clear();
	txn_client_receive(c, busy);
	assert_int_equal(count_prefix("ACK "), 1);
	assert_int_equal(count_prefix("SIP/2.0 486"), 1);
	char *ack = NULL;
	for (size_t i = 0; i < sent(); i++)
		if (!strncmp(sent_buf(i), "ACK ", 4))
			ack = strdup(sent_buf(i));
	assert_non_null(ack);
	advance(SIP_TIMER_COARSE_MS);
	assert_int_equal(txn_rec_count(), 1);           /* the branch; s waits in Completed */
	tp_loopback_clear();
	sip_msg *again = parse("SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
			       "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKup1\r\n"
			       "From: <sip:alice@example.com>;tag=ft1\r\nTo: <sip:bob@example.com>;tag=tt9\r\n"
			       "Call-ID: call-1@10.0.0.1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", br);
	assert_null(txn_client_match(again));
	assert_true(txn_rec_response(again));
	assert_int_equal(sent(), 1);
	assert_string_equal(sent_buf(0), ack);
	assert_true(sent_to(0, &down));
	free(ack);
	/* a 1xx or a 2xx for that branch is absorbed, not acknowledged */
	sip_msg *ok = parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
			    "From: <sip:alice@example.com>;tag=ft1\r\nTo: <sip:bob@example.com>;tag=tt9\r\n"
			    "Call-ID: call-1@10.0.0.1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", br);
	assert_true(txn_rec_response(ok));
	assert_int_equal(sent(), 1);

	txn *so = txn_server_create(request("OPTIONS", "z9hG4bKo1", "10.0.0.1:5060", NULL), sock, &up);
	txn *co = txn_client_create(so, SIP_METHOD_OPTIONS, sock, &down);
	send_branch(co, "OPTIONS");
	char bro[64];
	snprintf(bro, sizeof bro, "%s", co->branch.s);
	txn_client_receive(co, response(co, 200, "OPTIONS", "tt1"));
	advance(now + SIP_TIMER_COARSE_MS);
	tp_loopback_clear();
	sip_msg *ok2 = parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
			     "From: <sip:alice@example.com>;tag=ft1\r\nTo: <sip:bob@example.com>;tag=tt1\r\n"
			     "Call-ID: call-1@10.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", bro);
	assert_null(txn_client_match(ok2));
	assert_true(txn_rec_response(ok2));
	assert_int_equal(sent(), 0);                    /* absorbed, not forwarded */
	assert_int_equal(replies_seen, 2);
	advance(now + 5000 + SIP_TIMER_COARSE_MS);                            /* timer K */
	assert_false(txn_rec_response(ok2));
	advance(33000 + SIP_TIMER_COARSE_MS);                                 /* timer D */
	assert_false(txn_rec_response(again));
}

/* An INVITE answered 2xx through one branch (RFC 6026 Accepted, timers L
 * and M) is two records from the next tick on: a retransmitted 2xx of
 * that dialog goes upstream as the same bytes that were forwarded the
 * first time (the reply routes are not run again), a 2xx with another To
 * tag is not the record's, a 1xx or non-2xx is absorbed; a retransmitted
 * INVITE is absorbed, the 2xx's ACK is not (it is routed end to end), a
 * late CANCEL finds its response context. A forked INVITE with a branch
 * still pending stays whole. */
static void test_rec_accepted(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	char br[64];
	snprintf(br, sizeof br, "%s", c->branch.s);
	tp_loopback_clear();
	txn_client_receive(c, response(c, 200, "INVITE", "tt7"));
	assert_int_equal(sent(), 1);
	assert_true(sent_to(0, &up));
	char *first = strdup(sent_buf(0));
	int seen = replies_seen;
	advance(SIP_TIMER_COARSE_MS);
	assert_int_equal(txn_rec_count(), 2);
	assert_int_equal(txn_count(), 2);               /* live, as records */
	assert_true(txn_rec_bytes() <= 2 * strlen(first) + 400);
	tp_loopback_clear();
	sip_msg *again = parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
			       "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKup1\r\n"
			       "From: <sip:alice@example.com>;tag=ft1\r\nTo: <sip:bob@example.com>;tag=tt7\r\n"
			       "Call-ID: call-1@10.0.0.1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", br);
	assert_null(txn_client_match(again));
	assert_true(txn_rec_response(again));
	assert_int_equal(sent(), 1);
	assert_string_equal(sent_buf(0), first);
	assert_true(sent_to(0, &up));
	assert_int_equal(replies_seen, seen);
	sip_msg *other = parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
			       "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKup1\r\n"
			       "From: <sip:alice@example.com>;tag=ft1\r\nTo: <sip:bob@example.com>;tag=tt8\r\n"
			       "Call-ID: call-1@10.0.0.1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", br);
	assert_false(txn_rec_response(other));
	sip_msg *ring = parse("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
			      "From: <sip:alice@example.com>;tag=ft1\r\nTo: <sip:bob@example.com>;tag=tt7\r\n"
			      "Call-ID: call-1@10.0.0.1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", br);
	assert_true(txn_rec_response(ring));
	assert_int_equal(sent(), 1);
	assert_true(txn_rec_request(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL)));
	assert_false(txn_rec_request(request("ACK", "z9hG4bKup1", "10.0.0.1:5060", "tt7")));
	assert_int_equal(sent(), 1);
	assert_true(txn_rec_match_cancel(request("CANCEL", "z9hG4bKup1", "10.0.0.1:5060", NULL)));
	free(first);
	advance(32000 + SIP_TIMER_COARSE_MS);                                 /* timers L and M */
	assert_int_equal(txn_rec_count(), 0);
	assert_int_equal(txn_count(), 0);
	assert_false(txn_rec_response(again));

	/* Forked, one branch still ringing: s and the answered branch stay
	 * whole (the pending one still reports to s). */
	txn *s2 = txn_server_create(request("INVITE", "z9hG4bKup2", "10.0.0.1:5060", NULL), sock, &up);
	txn *a = txn_client_create(s2, SIP_METHOD_INVITE, sock, &down);
	txn *b = txn_client_create(s2, SIP_METHOD_INVITE, sock, &down);
	send_branch(a, "INVITE");
	send_branch(b, "INVITE");
	txn_client_receive(b, response(b, 180, "INVITE", "tb"));
	txn_client_receive(a, response(a, 200, "INVITE", "ta"));
	advance(now + SIP_TIMER_COARSE_MS);
	assert_int_equal(txn_rec_count(), 0);
	assert_int_equal(s2->state, TXN_ACCEPTED);
}

/* An INVITE that ended in Confirmed is still a response context for a
 * late CANCEL (§16.10: answered 200, nothing to cancel). */
static void test_rec_cancel_late(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKa1", "10.0.0.1:5060", NULL), sock, &up);
	txn_server_reply(s, 404, SIP_STR_NULL);
	assert_true(txn_server_ack(txn_server_match(request("ACK", "z9hG4bKa1", "10.0.0.1:5060", "x"))));
	advance(SIP_TIMER_COARSE_MS);
	sip_msg *cancel = request("CANCEL", "z9hG4bKa1", "10.0.0.1:5060", NULL);
	assert_null(txn_server_match_cancel(cancel));
	assert_true(txn_rec_match_cancel(cancel));
	assert_false(txn_rec_request(cancel));          /* not the CANCEL's own */
	assert_false(txn_rec_match_cancel(request("CANCEL", "z9hG4bKa1", "10.0.0.2:5060", NULL)));
	advance(5000 + SIP_TIMER_COARSE_MS);
	assert_false(txn_rec_match_cancel(cancel));
}

/* A transaction a waiting route pins stays whole through its wait state
 * and, once ended, stays valid until the last unpin. */
static void test_pinned_not_compacted(void **state)
{
	txn *r = txn_server_create(request("MESSAGE", "z9hG4bKm1", "10.0.0.1:5060", NULL), sock, &up);
	txn_pin(r);
	txn_server_reply(r, 200, SIP_STR_NULL);
	advance(SIP_TIMER_COARSE_MS);
	assert_int_equal(txn_rec_count(), 0);
	assert_ptr_equal(txn_server_match(request("MESSAGE", "z9hG4bKm1", "10.0.0.1:5060", NULL)), r);
	unsigned long nfree = txn_free_count();
	advance(32000 + SIP_TIMER_COARSE_MS);
	assert_int_equal(txn_count(), 0);
	assert_int_equal(r->state, TXN_TERMINATED);     /* ended, memory still valid */
	assert_int_equal(txn_free_count(), nfree);
	txn_unpin(r);
	assert_int_equal(txn_free_count(), nfree + 1);
}

/* A burst of transactions leaves at most TXN_FREE_MAX of them for reuse
 * once the sweep ran; the rest is freed. */
static void test_free_list_cap(void **state)
{
	enum { N = TXN_FREE_MAX + 100 };
	char br[32];
	for (unsigned i = 0; i < N; i++) {
		snprintf(br, sizeof br, "z9hG4bKb%u", i);
		txn *r = txn_server_create(request("OPTIONS", br, "10.0.0.1:5060", NULL), sock, &up);
		assert_non_null(r);
		assert_int_equal(txn_server_reply(r, 200, SIP_STR_NULL), SIP_OK);
	}
	advance(SIP_TIMER_COARSE_MS);
	assert_int_equal(txn_rec_count(), N);
	assert_int_equal(txn_free_count(), N);          /* compacted, not yet swept */
	assert_true(txn_rec_bytes() / N <= 1024);
	advance(1100);
	assert_int_equal(txn_free_count(), TXN_FREE_MAX);
	/* the records still answer */
	tp_loopback_clear();
	assert_true(txn_rec_request(request("OPTIONS", "z9hG4bKb7", "10.0.0.1:5060", NULL)));
	assert_int_equal(count_prefix("SIP/2.0 200"), 1);
	advance(33200);
	assert_int_equal(txn_count(), 0);
	assert_int_equal(txn_rec_count(), 0);
}

/* A 487 on a client INVITE is acknowledged hop by hop (§17.1.1.3) and
 * forwarded upstream without our Via; a retransmitted 487 is ACKed again
 * but not forwarded again. */
static void test_hop_ack_on_487(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	txn_client_receive(c, response(c, 180, "INVITE", "tt9"));
	assert_int_equal(count_prefix("SIP/2.0 180"), 1);
	assert_true(sent_to(sent() - 1, &up));
	assert_null(strstr(last_sent(), c->branch.s));          /* our Via removed */
	assert_non_null(strstr(last_sent(), "branch=z9hG4bKup1"));
	tp_loopback_clear();
	txn_client_receive(c, response(c, 487, "INVITE", "tt9"));
	assert_int_equal(count_prefix("ACK sip:bob@10.0.0.9 SIP/2.0\r\n"), 1);
	assert_int_equal(count_prefix("SIP/2.0 487"), 1);
	for (size_t i = 0; i < sent(); i++) {
		if (strncmp(sent_buf(i), "ACK", 3))
			continue;
		const char *a = sent_buf(i);
		assert_true(sent_to(i, &down));
		assert_non_null(strstr(a, c->branch.s));         /* same branch */
		assert_null(strstr(a, "z9hG4bKup1"));             /* only our Via */
		assert_non_null(strstr(a, "To: <sip:bob@example.com>;tag=tt9\r\n"));
		assert_non_null(strstr(a, "CSeq: 1 ACK\r\n"));
		assert_non_null(strstr(a, "Route: <sip:10.0.0.9;lr>\r\n"));
	}
	tp_loopback_clear();
	txn_client_receive(c, response(c, 487, "INVITE", "tt9"));
	assert_int_equal(count_prefix("ACK "), 1);
	assert_int_equal(count_prefix("SIP/2.0 487"), 0);
	assert_int_equal(replies_seen, 2);
}

/* CANCEL goes at once to branches with a provisional, and to the others
 * when theirs comes; a branch without a provisional counts as 487 at
 * once, so the 487 of the ringing one is enough for the one 487 that
 * goes upstream. */
static void test_cancel_fanout(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c1 = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c1, "INVITE");
	txn *c2 = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c2, "INVITE");
	txn_client_receive(c1, response(c1, 180, "INVITE", "t1"));
	tp_loopback_clear();
	txn_server_cancel(s);
	assert_int_equal(count_prefix("CANCEL "), 1);
	assert_non_null(strstr(sent_buf(0), c1->branch.s));
	assert_non_null(strstr(sent_buf(0), "CSeq: 1 CANCEL\r\n"));
	assert_null(strstr(sent_buf(0), "z9hG4bKup1"));
	/* the CANCEL is a client transaction of its own: its 200 is absorbed */
	sip_msg *ok = response(c1, 200, "CANCEL", "t1");
	txn *k = txn_client_match(ok);
	assert_non_null(k);
	assert_ptr_not_equal(k, c1);
	txn_client_receive(k, ok);
	assert_int_equal(count_prefix("SIP/2.0 200"), 0);
	tp_loopback_clear();
	txn_client_receive(c1, response(c1, 487, "INVITE", "t1"));
	assert_int_equal(count_prefix("SIP/2.0 487"), 1);    /* c2 counted as 487 */
	assert_true(s->final_sent);
	tp_loopback_clear();
	txn_client_receive(c2, response(c2, 183, "INVITE", "t2"));
	assert_int_equal(count_prefix("CANCEL "), 1);
	assert_non_null(strstr(sent_buf(0), c2->branch.s));
	assert_int_equal(count_prefix("SIP/2.0 "), 0);       /* the 183 stays here */
	txn_client_receive(c2, response(c2, 487, "INVITE", "t2"));
	assert_int_equal(count_prefix("SIP/2.0 487"), 0);
	assert_int_equal(count_prefix("ACK "), 1);
}

/* §9.1 with an impatient caller: CANCEL before any reply. The caller gets
 * 487 at once (nothing goes to the callee yet); the INVITE goes on being
 * retransmitted; the callee's late 180 brings the CANCEL and is not
 * forwarded; its 487 is acknowledged and goes nowhere. */
static void test_cancel_before_provisional(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	tp_loopback_clear();
	txn_server_cancel(s);
	assert_int_equal(count_prefix("SIP/2.0 487"), 1);
	assert_true(sent_to(0, &up));
	assert_int_equal(count_prefix("CANCEL "), 0);
	assert_true(s->final_sent);
	/* the branch is alive: timer A still retransmits the INVITE */
	tp_loopback_clear();
	advance(600);
	assert_int_equal(count_prefix("INVITE "), 1);
	tp_loopback_clear();
	txn_client_receive(c, response(c, 180, "INVITE", "t1"));
	assert_int_equal(count_prefix("CANCEL "), 1);
	assert_true(sent_to(0, &down));
	assert_int_equal(count_prefix("SIP/2.0 "), 0);
	assert_int_equal(replies_seen, 0);
	tp_loopback_clear();
	txn_client_receive(c, response(c, 487, "INVITE", "t1"));
	assert_int_equal(count_prefix("ACK "), 1);
	assert_int_equal(count_prefix("SIP/2.0 "), 0);
	/* the timers end everything without another reply upstream */
	tp_loopback_clear();
	advance(70000);
	assert_int_equal(count_prefix("SIP/2.0 "), count_prefix("SIP/2.0 487")); /* timer G */
	assert_int_equal(count_prefix("INVITE "), 0);
	assert_int_equal(failure_calls, 0);
}

/* A 2xx on a branch cancelled before any reply: the proxy acknowledges it
 * and ends the call with BYE, both built from the 2xx (Contact as the
 * Request-URI, the Record-Route values the callee's side added as the
 * Route set, its To tag); neither the 2xx nor anything else goes up. */
static void test_cancel_before_provisional_late_2xx(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	/* The INVITE as sent carries our Record-Route. */
	char req[1024];
	snprintf(req, sizeof req,
		 "INVITE sip:bob@10.0.0.9 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKup1\r\n"
		 "Record-Route: <sip:192.0.2.1:5060;lr>\r\n"
		 "Max-Forwards: 69\r\n"
		 "From: <sip:alice@example.com>;tag=ft1\r\n"
		 "To: <sip:bob@example.com>\r\n"
		 "Call-ID: call-1@10.0.0.1\r\n"
		 "CSeq: 7 INVITE\r\n"
		 "Content-Length: 0\r\n\r\n", c->branch.s);
	assert_int_equal(txn_client_send(c, req, strlen(req)), SIP_OK);
	txn_server_cancel(s);
	assert_true(s->final_sent);
	tp_loopback_clear();
	const char *ok_fmt =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKup1\r\n"
		"Record-Route: <sip:10.0.0.20:5070;lr;ftag=x>, <sip:192.0.2.1:5060;lr>\r\n"
		"From: <sip:alice@example.com>;tag=ft1\r\n"
		"To: <sip:bob@example.com>;tag=tb\r\n"
		"Call-ID: call-1@10.0.0.1\r\n"
		"CSeq: 7 INVITE\r\n"
		"Contact: <sip:bob@10.0.0.30:5090>\r\n"
		"Content-Length: 0\r\n\r\n";
	txn_client_receive(c, parse(ok_fmt, c->branch.s));
	assert_int_equal(count_prefix("SIP/2.0 "), 0);
	assert_int_equal(replies_seen, 0);
	assert_int_equal(count_prefix("ACK sip:bob@10.0.0.30:5090 SIP/2.0\r\n"), 1);
	assert_int_equal(count_prefix("BYE sip:bob@10.0.0.30:5090 SIP/2.0\r\n"), 1);
	sip_addr rr;
	sip_addr_from_ip(&rr, SIP_STR_LIT("10.0.0.20"), 5070);
	const char *bye = NULL;
	for (size_t i = 0; i < sent(); i++) {
		const char *m = sent_buf(i);
		assert_true(sent_to(i, &rr));                   /* the first route */
		assert_non_null(strstr(m, "Route: <sip:10.0.0.20:5070;lr;ftag=x>\r\n"));
		assert_null(strstr(m, "Route: <sip:192.0.2.1"));   /* not ourselves */
		assert_null(strstr(m, "z9hG4bKup1"));
		assert_non_null(strstr(m, "To: <sip:bob@example.com>;tag=tb\r\n"));
		assert_non_null(strstr(m, "From: <sip:alice@example.com>;tag=ft1\r\n"));
		assert_non_null(strstr(m, "Call-ID: call-1@10.0.0.1\r\n"));
		if (!strncmp(m, "ACK", 3))
			assert_non_null(strstr(m, "CSeq: 7 ACK\r\n"));
		else
			bye = m;
	}
	assert_non_null(bye);
	assert_non_null(strstr(bye, "CSeq: 8 BYE\r\n"));
	/* a retransmitted 2xx (our ACK was lost) is acknowledged again; one BYE */
	tp_loopback_clear();
	txn_client_receive(c, parse(ok_fmt, c->branch.s));
	assert_int_equal(count_prefix("ACK "), 1);
	assert_int_equal(count_prefix("BYE "), 0);
	assert_int_equal(count_prefix("SIP/2.0 "), 0);
	/* the BYE is a client transaction: retransmitted until its 200, which
	 * is absorbed */
	tp_loopback_clear();
	advance(now + 600);
	assert_int_equal(count_prefix("BYE "), 1);
	const char *br = NULL;
	for (size_t i = 0; i < sent(); i++)
		if (!strncmp(sent_buf(i), "BYE ", 4))
			br = strstr(sent_buf(i), "branch=") + 7;
	char brbuf[64];
	size_t bl = strcspn(br, "\r\n;");
	memcpy(brbuf, br, bl);
	brbuf[bl] = '\0';
	sip_msg *bok = parse("SIP/2.0 200 OK\r\n"
			     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
			     "From: <sip:alice@example.com>;tag=ft1\r\n"
			     "To: <sip:bob@example.com>;tag=tb\r\n"
			     "Call-ID: call-1@10.0.0.1\r\n"
			     "CSeq: 8 BYE\r\n"
			     "Content-Length: 0\r\n\r\n", brbuf);
	txn *k = txn_client_match(bok);
	assert_non_null(k);
	txn_client_receive(k, bok);
	tp_loopback_clear();
	advance(now + 40000);
	assert_int_equal(count_prefix("BYE "), 0);
	assert_int_equal(count_prefix("SIP/2.0 200"), 0);
}

/* After the caller's CANCEL no branch can be added: a failure route that
 * relays gets nothing (t_relay() is false), and the caller gets the 487. */
static void test_no_branch_after_cancel(void **state)
{
	failure_reroute = false;
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	txn_client_receive(c, response(c, 180, "INVITE", "t1"));
	txn_server_cancel(s);
	assert_null(txn_client_create(s, SIP_METHOD_INVITE, sock, &down));
	tp_loopback_clear();
	txn_client_receive(c, response(c, 487, "INVITE", "t1"));
	assert_int_equal(count_prefix("SIP/2.0 487"), 1);
	assert_int_equal(count_prefix("INVITE "), 0);
}

/* §16.7: lowest class wins; 6xx beats everything and cancels the rest;
 * a lone 503 goes up as 500. */
static void test_best_response(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c[3];
	for (int i = 0; i < 3; i++) {
		c[i] = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
		send_branch(c[i], "INVITE");
	}
	tp_loopback_clear();
	txn_client_receive(c[0], response(c[0], 503, "INVITE", "a"));
	txn_client_receive(c[1], response(c[1], 404, "INVITE", "b"));
	assert_int_equal(count_prefix("SIP/2.0 "), 0);
	txn_client_receive(c[2], response(c[2], 302, "INVITE", "c"));
	assert_int_equal(count_prefix("SIP/2.0 "), 1);
	assert_int_equal(count_prefix("SIP/2.0 302"), 1);
	teardown(state);
	setup(state);

	s = txn_server_create(request("INVITE", "z9hG4bKup2", "10.0.0.1:5060", NULL), sock, &up);
	for (int i = 0; i < 3; i++) {
		c[i] = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
		send_branch(c[i], "INVITE");
	}
	txn_client_receive(c[2], response(c[2], 180, "INVITE", "c"));
	tp_loopback_clear();
	txn_client_receive(c[0], response(c[0], 486, "INVITE", "a"));
	txn_client_receive(c[1], response(c[1], 603, "INVITE", "b"));
	assert_int_equal(count_prefix("CANCEL "), 1);          /* the ringing branch */
	assert_null(txn_client_create(s, SIP_METHOD_INVITE, sock, &down));  /* no new branches */
	assert_int_equal(count_prefix("SIP/2.0 "), 0);
	txn_client_receive(c[2], response(c[2], 487, "INVITE", "c"));
	assert_int_equal(count_prefix("SIP/2.0 603"), 1);
	assert_int_equal(count_prefix("SIP/2.0 4"), 0);
	teardown(state);
	setup(state);

	s = txn_server_create(request("INVITE", "z9hG4bKup3", "10.0.0.1:5060", NULL), sock, &up);
	c[0] = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c[0], "INVITE");
	tp_loopback_clear();
	txn_client_receive(c[0], response(c[0], 503, "INVITE", "a"));
	assert_int_equal(count_prefix("SIP/2.0 500 "), 1);
}

/* §16.9: a forwarded request the transport reports as unsendable after
 * queueing it counts as a 503: with no other branch the upstream gets a
 * 500, the branch is gone and its timers no longer retransmit. A failed
 * response (no client transaction) changes nothing. */
static void test_send_error_is_503(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKse1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	const tp_sent *req = tp_loopback_get(0);
	char *copy = strdup(req->buf);
	size_t len = req->len;
	tp_loopback_clear();
	tp_send_error(sock, &down, "SIP/2.0 180 Ringing\r\n\r\n", 23);
	assert_int_equal(sent(), 0);
	tp_send_error(sock, &down, copy, len);
	assert_int_equal(count_prefix("SIP/2.0 500 "), 1);
	assert_true(sent_to(sent() - 1, &up));
	free(copy);
	tp_loopback_clear();
	advance(4000);
	assert_int_equal(count_prefix("INVITE "), 0);       /* no timer A */
	assert_int_equal(failure_code, 0);                  /* no failure route armed */
}

/* An ICMP unreachable quotes only the start of the datagram: the branch
 * is found by the top Via of what is quoted (and only when it went to
 * that address); a quote too short for the branch fails every branch to
 * that address that has had no response. The failure route sees 503. */
static void test_icmp_error_is_503(void **state)
{
	sip_addr other;
	sip_addr_from_ip(&other, SIP_STR_LIT("10.0.0.99"), 5060);
	txn *s = txn_server_create(request("INVITE", "z9hG4bKse1", "10.0.0.1:5060", NULL), sock, &up);
	s->u_fail = (void *)1;
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	char *copy = strdup(tp_loopback_get(0)->buf);
	char *cut = strstr(copy, "branch=") + 7 + strlen(c->branch.s) + 2;
	size_t len = (size_t)(cut - copy);
	tp_loopback_clear();
	tp_send_error(sock, &other, copy, len);             /* not where it went */
	assert_int_equal(failure_calls, 0);
	tp_send_error(sock, &down, copy, 20);               /* no Via: by address... */
	assert_int_equal(failure_calls, 1);
	assert_int_equal(failure_code, 503);
	assert_int_equal(count_prefix("SIP/2.0 500 "), 1);
	free(copy);

	/* ...and the branch of a quote that has it, the others to the same
	 * address staying */
	tp_loopback_clear();
	txn *s2 = txn_server_create(request("INVITE", "z9hG4bKse2", "10.0.0.1:5060", NULL), sock, &up);
	txn *c1 = txn_client_create(s2, SIP_METHOD_INVITE, sock, &down);
	send_branch(c1, "INVITE");
	txn *c2 = txn_client_create(s2, SIP_METHOD_INVITE, sock, &down);
	send_branch(c2, "INVITE");
	copy = strdup(tp_loopback_get(0)->buf);
	cut = strstr(copy, "branch=") + 7 + strlen(c1->branch.s) + 2;
	tp_loopback_clear();
	tp_send_error(sock, &down, copy, (size_t)(cut - copy));
	assert_int_equal(s2->br_code[0], 503);
	assert_int_equal(s2->br_code[1], 0);
	assert_int_equal(count_prefix("SIP/2.0 "), 0);
	free(copy);
}

/* A 2xx goes up at once (other ringing branches are cancelled), and its
 * retransmissions too (RFC 6026). */
static void test_2xx_forwarded(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c1 = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c1, "INVITE");
	txn *c2 = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c2, "INVITE");
	txn_client_receive(c2, response(c2, 180, "INVITE", "t2"));
	tp_loopback_clear();
	txn_client_receive(c1, response(c1, 200, "INVITE", "t1"));
	assert_int_equal(count_prefix("SIP/2.0 200"), 1);
	assert_int_equal(count_prefix("CANCEL "), 1);
	assert_int_equal(count_prefix("ACK "), 0);             /* 2xx ACK is end to end */
	txn_client_receive(c1, response(c1, 200, "INVITE", "t1"));
	assert_int_equal(count_prefix("SIP/2.0 200"), 2);
	txn_client_receive(c2, response(c2, 487, "INVITE", "t2"));
	assert_int_equal(count_prefix("SIP/2.0 487"), 0);
}

/* The failure callback sees the best code and may re-route; then the best
 * response is not sent. */
static void test_failure_reroute(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	s->u_fail = (void *)1;
	failure_reroute = true;
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	tp_loopback_clear();
	txn_client_receive(c, response(c, 486, "INVITE", "a"));
	assert_int_equal(failure_calls, 1);
	assert_int_equal(failure_code, 486);
	assert_int_equal(count_prefix("SIP/2.0 486"), 0);
	assert_int_equal(count_prefix("INVITE "), 1);           /* the new branch */
	assert_int_equal(s->n_branches, 2);
	/* not re-armed: the new branch's failure goes upstream (408 from B) */
	advance(32000);
	assert_int_equal(failure_calls, 1);
	assert_int_equal(count_prefix("SIP/2.0 486"), 1);       /* 4xx ties: first kept */
}

/* A failure route that waits holds the transaction: nothing goes upstream
 * until it is released, then the best response (once); the failure route
 * does not run again meanwhile. Released after the caller's CANCEL, the
 * caller gets 487. */
static void test_failure_hold(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	s->u_fail = (void *)1;
	failure_hold = true;
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	tp_loopback_clear();
	txn_client_receive(c, response(c, 486, "INVITE", "a"));
	assert_int_equal(failure_calls, 1);
	assert_int_equal(count_prefix("SIP/2.0 486"), 0);
	assert_false(s->final_sent);
	advance(5000);
	assert_int_equal(count_prefix("SIP/2.0 4"), 0);
	txn_client_receive(c, response(c, 486, "INVITE", "a"));    /* retransmitted */
	assert_int_equal(failure_calls, 1);
	txn_server_release(s);
	assert_int_equal(count_prefix("SIP/2.0 486"), 1);
	txn_server_release(s);                                     /* no second time */
	assert_int_equal(count_prefix("SIP/2.0 486"), 1);

	txn *s2 = txn_server_create(request("INVITE", "z9hG4bKup2", "10.0.0.1:5060", NULL), sock, &up);
	s2->u_fail = (void *)1;
	txn *c2 = txn_client_create(s2, SIP_METHOD_INVITE, sock, &down);
	send_branch(c2, "INVITE");
	tp_loopback_clear();
	txn_client_receive(c2, response(c2, 486, "INVITE", "b"));
	assert_int_equal(failure_calls, 2);
	txn_server_cancel(s2);
	assert_int_equal(count_prefix("SIP/2.0 "), 0);
	txn_server_release(s2);
	assert_int_equal(count_prefix("SIP/2.0 487"), 1);
	assert_int_equal(count_prefix("SIP/2.0 486"), 0);
}

/* A reply route that waits holds its reply: a provisional goes upstream,
 * a final counts for its branch, only on release; meanwhile the branch's
 * end (timer K over TCP would be at once) does not free it. */
static void test_reply_hold(void **state)
{
	txn *s = txn_server_create(request("INVITE", "z9hG4bKup1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	tp_loopback_clear();
	reply_hold = true;
	txn_client_receive(c, response(c, 180, "INVITE", "a"));
	assert_int_equal(reply_held_kind, TXN_REPLY_PROVISIONAL);
	assert_int_equal(count_prefix("SIP/2.0 180"), 0);
	sip_msg *r180 = reply_held_msg;
	txn_client_receive(c, response(c, 486, "INVITE", "a"));
	assert_int_equal(reply_held_kind, TXN_REPLY_FINAL);
	sip_msg *r486 = reply_held_msg;
	assert_int_equal(c->replies_held, 2);
	advance(40000);                                 /* timer D and more */
	assert_int_equal(count_prefix("SIP/2.0 486"), 0);
	assert_false(s->final_sent);
	assert_int_equal(c->state, TXN_COMPLETED);      /* alive while held */
	reply_hold = false;
	txn_reply_release(c, r180, TXN_REPLY_PROVISIONAL, true);
	assert_int_equal(count_prefix("SIP/2.0 180"), 1);
	txn_reply_release(c, r486, TXN_REPLY_FINAL, true);
	assert_int_equal(count_prefix("SIP/2.0 486"), 1);
	assert_true(s->final_sent);
	assert_int_equal(c->replies_held, 0);
	advance(80000);
	assert_int_equal(txn_count(), 0);
}

/* Final-response timers: the layer's fr_timer replaces timer B; a server
 * transaction's own value wins; fr_inv_timer replaces timer C, which
 * CANCELs the ringing branch and ends it with a local 408 at once (the
 * failure callback sees 408); the 487 the CANCEL brings is acknowledged
 * and not counted again. */
static void test_fr_timers(void **state)
{
	txn_set_timers(2000, 5000);
	txn *s = txn_server_create(request("INVITE", "z9hG4bKfr1", "10.0.0.1:5060", NULL), sock, &up);
	txn *c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	advance(1990);
	assert_int_equal(count_prefix("SIP/2.0 408"), 0);
	advance(2000);
	assert_int_equal(count_prefix("SIP/2.0 408"), 1);

	/* Per transaction: 1 s for B; C from the layer (5 s). */
	tp_loopback_clear();
	s = txn_server_create(request("INVITE", "z9hG4bKfr2", "10.0.0.1:5060", NULL), sock, &up);
	s->fr_ms = 1000;
	s->u_fail = (void *)1;
	c = txn_client_create(s, SIP_METHOD_INVITE, sock, &down);
	send_branch(c, "INVITE");
	uint64_t t0 = now;
	advance(t0 + 990);
	assert_int_equal(failure_calls, 0);
	txn_client_receive(c, response(c, 180, "INVITE", "r1"));   /* B stops, C runs */
	advance(t0 + 1500);
	assert_int_equal(failure_calls, 0);
	tp_loopback_clear();
	advance(t0 + 990 + 4990);
	assert_int_equal(count_prefix("CANCEL "), 0);
	advance(t0 + 990 + 5000);
	assert_int_equal(count_prefix("CANCEL "), 1);
	assert_int_equal(failure_calls, 1);
	assert_int_equal(failure_code, 408);
	/* nobody re-routed: the 408 goes up (the first transaction's 408 is
	 * retransmitted meanwhile, so look for this one's branch) */
	assert_int_equal(count_prefix("SIP/2.0 408"), 1 + count_prefix("SIP/2.0 408 Request Timeout\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKfr1"));
	assert_non_null(strstr(last_sent(), "z9hG4bKfr2"));
	tp_loopback_clear();
	txn_client_receive(c, response(c, 487, "INVITE", "r1"));
	assert_int_equal(count_prefix("ACK "), 1);
	assert_int_equal(count_prefix("SIP/2.0 487"), 0);
	assert_int_equal(failure_calls, 1);
	txn_set_timers(0, 0);
}

/* Timer wheel: ordering, cancel, far timers beyond one revolution. */
static int fired[4];
static void tm_cb(sip_timer *t, void *arg) { fired[(intptr_t)arg]++; }

static void test_timer_wheel(void **state)
{
	sip_timer_wheel w;
	sip_timer a, b, c;
	sip_timer_wheel_init(&w, 1000);
	sip_timer_init(&a, tm_cb, (void *)0);
	sip_timer_init(&b, tm_cb, (void *)1);
	sip_timer_init(&c, tm_cb, (void *)2);
	memset(fired, 0, sizeof fired);
	sip_timer_add(&w, &a, 100);
	sip_timer_add(&w, &b, 100);
	sip_timer_add(&w, &c, 60000);                /* more than one revolution */
	assert_int_equal(sip_timer_next_ms(&w), 100);
	sip_timer_cancel(&w, &b);
	assert_false(sip_timer_armed(&b));
	assert_int_equal(sip_timer_expire(&w, 1090), 0);
	assert_int_equal(sip_timer_expire(&w, 1100), 1);
	assert_int_equal(fired[0], 1);
	assert_int_equal(fired[1], 0);
	sip_timer_expire(&w, 1000 + 41960);          /* c's slot comes round once */
	assert_int_equal(fired[2], 0);
	sip_timer_expire(&w, 61000);
	assert_int_equal(fired[2], 1);
	assert_int_equal(sip_timer_next_ms(&w), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_wheel),
		cmocka_unit_test_setup_teardown(test_server_matching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_matching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmission_absorbed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_a_b, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_e_f, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_g_h, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_absorbed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hop_ack_on_487, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_fanout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_before_provisional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_before_provisional_late_2xx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_branch_after_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_best_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_2xx_forwarded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_reroute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_error_is_503, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_error_is_503, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fr_timers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rec_server_non_invite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rec_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rec_cancel_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rec_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_not_compacted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_list_cap, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
