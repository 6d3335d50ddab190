/* Local UAC tests (runtime/proxy/uac.c): the request the proxy builds on
 * its own, its one callback with the final response, the timeout and
 * transport outcomes, and a new request sent from inside a callback. The
 * loop transport records what is sent; responses are fed to the
 * transaction layer as the receive path would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "proxy/uac.h"
#include "txn/txn_int.h"

static sip_timer_wheel wheel;
static uint64_t now;
static sip_socket *sock;
static const struct txn_user user = { 0 };

static int calls, last_code;
static char last_hdr[256];
static bool again;              /* the callback sends a second request */

static void done(void *arg, int code, const sip_msg *resp)
{
	calls++;
	last_code = code;
	last_hdr[0] = '\0';
	if (resp && resp->first[SIP_HDR_WWW_AUTHENTICATE]) {
		sip_str b = resp->first[SIP_HDR_WWW_AUTHENTICATE]->body;
		snprintf(last_hdr, sizeof last_hdr, "%.*s", (int)b.len, b.s);
	}
	if (arg && again) {
		again = false;
		struct proxy_uac_req r = { .method = SIP_STR_LIT("REGISTER"),
					   .ruri = SIP_STR_LIT("sip:10.0.0.2:5070"),
					   .cseq = 2,
					   .headers = SIP_STR_LIT("Authorization: Digest x\r\n") };
		assert_int_equal(proxy_uac_send(&r, done, NULL), SIP_OK);
	}
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

/* A response to sent request i: its headers under a status line. */
static void respond(size_t i, int code, const char *extra)
{
	static char buf[4096];
	static sip_arena a;
	const char *req = sent_buf(i);
	const char *hdrs = strstr(req, "\r\n") + 2;
	const char *end = strstr(req, "\r\n\r\n");
	int n = snprintf(buf, sizeof buf, "SIP/2.0 %d X\r\n%.*s\r\n%s\r\n", code,
			 (int)(end - hdrs), hdrs, extra ? extra : "");
	/* Content-Length of the request said 0 and the response has no body. */
	sip_arena_destroy(&a);
	sip_arena_init(&a, 4096);
	sip_msg m;
	assert_int_equal(sip_msg_parse(&a, buf, (size_t)n, &m), SIP_OK);
	txn *c = txn_client_match(&m);
	assert_non_null(c);
	txn_client_receive(c, &m);
}

static int setup(void **state)
{
	(void)state;
	now = 0;
	sip_timer_wheel_init(&wheel, 0);
	assert_int_equal(txn_layer_init(&wheel, &user, 8), SIP_OK);
	proxy_uac_init(&wheel);
	if (!sock)
		sock = tp_loopback_socket("192.0.2.1", 5060);
	tp_loopback_clear();
	calls = last_code = 0;
	again = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	proxy_uac_destroy();
	txn_layer_destroy();
	tp_loopback_clear();
	return 0;
}

static bool has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* The request as built, and one callback with the final response; a
 * provisional response is absorbed. */
static void test_options_200(void **state)
{
	(void)state;
	struct proxy_uac_req r = { .method = SIP_STR_LIT("OPTIONS"),
				   .ruri = SIP_STR_LIT("sip:gw@10.0.0.2:5070") };
	assert_int_equal(proxy_uac_send(&r, done, NULL), SIP_OK);
	assert_int_equal(proxy_uac_pending(), 1);
	assert_int_equal(sent(), 1);
	const char *q = sent_buf(0);
	sip_addr want;
	sip_addr_from_ip(&want, SIP_STR_LIT("10.0.0.2"), 5070);
	assert_true(sip_addr_eq(&tp_loopback_get(0)->dst, &want));
	assert_true(!strncmp(q, "OPTIONS sip:gw@10.0.0.2:5070 SIP/2.0\r\nVia: SIP/2.0/", 49));
	assert_true(has(q, ";branch=z9hG4bK"));
	assert_true(has(q, "\r\nFrom: <sip:sipcc@192.0.2.1:5060>;tag="));
	assert_true(has(q, "\r\nTo: <sip:gw@10.0.0.2:5070>\r\n"));
	assert_true(has(q, "\r\nCSeq: 1 OPTIONS\r\n"));
	assert_true(has(q, "\r\nMax-Forwards: 70\r\n"));
	assert_true(has(q, "\r\nContent-Length: 0\r\n\r\n"));
	respond(0, 100, NULL);
	assert_int_equal(calls, 0);
	respond(0, 200, NULL);
	assert_int_equal(calls, 1);
	assert_int_equal(last_code, 200);
	assert_int_equal(proxy_uac_pending(), 0);
	/* A retransmitted 200 finds the completed transaction: no second call. */
	respond(0, 200, NULL);
	assert_int_equal(calls, 1);
}

/* What the caller gives is used as given; the next hop may differ from
 * the Request-URI. A 401 reaches the callback with its challenge, and a
 * request sent from inside the callback goes out. */
static void test_given_fields_and_reentry(void **state)
{
	(void)state;
	struct proxy_uac_req r = {
		.method = SIP_STR_LIT("REGISTER"), .ruri = SIP_STR_LIT("sip:example.com"),
		.dst = SIP_STR_LIT("sip:10.0.0.3:5080"),
		.from = SIP_STR_LIT("<sip:trunk@example.com>;tag=t1"),
		.to = SIP_STR_LIT("<sip:trunk@example.com>"),
		.callid = SIP_STR_LIT("reg-1@sipcc"), .cseq = 7,
		.headers = SIP_STR_LIT("Contact: <sip:trunk@192.0.2.1>\r\nExpires: 300\r\n"),
	};
	again = true;
	assert_int_equal(proxy_uac_send(&r, done, &r), SIP_OK);
	const char *q = sent_buf(0);
	sip_addr want;
	sip_addr_from_ip(&want, SIP_STR_LIT("10.0.0.3"), 5080);
	assert_true(sip_addr_eq(&tp_loopback_get(0)->dst, &want));
	assert_true(!strncmp(q, "REGISTER sip:example.com SIP/2.0\r\n", 34));
	assert_true(has(q, "\r\nFrom: <sip:trunk@example.com>;tag=t1\r\n"));
	assert_true(has(q, "\r\nCall-ID: reg-1@sipcc\r\n"));
	assert_true(has(q, "\r\nCSeq: 7 REGISTER\r\n"));
	assert_true(has(q, "\r\nContact: <sip:trunk@192.0.2.1>\r\nExpires: 300\r\n"));
	respond(0, 401, "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n1\"\r\n");
	assert_int_equal(calls, 1);
	assert_int_equal(last_code, 401);
	assert_string_equal(last_hdr, "Digest realm=\"example.com\", nonce=\"n1\"");
	/* The callback's REGISTER went out and ends on its own. */
	assert_int_equal(sent(), 2);
	assert_true(has(sent_buf(1), "\r\nCSeq: 2 REGISTER\r\nAuthorization: Digest x\r\n"));
	respond(1, 200, NULL);
	assert_int_equal(calls, 2);
	assert_int_equal(last_code, 200);
}

/* No answer: retransmitted over UDP, then 408 when its own timeout runs
 * out, once. */
static void test_timeout(void **state)
{
	(void)state;
	struct proxy_uac_req r = { .method = SIP_STR_LIT("OPTIONS"),
				   .ruri = SIP_STR_LIT("sip:10.0.0.2"), .timeout_ms = 2000 };
	assert_int_equal(proxy_uac_send(&r, done, NULL), SIP_OK);
	advance(1900);
	assert_int_equal(calls, 0);
	assert_true(sent() >= 3);       /* 0, 500, 1500 ms */
	advance(2200);
	assert_int_equal(calls, 1);
	assert_int_equal(last_code, 408);
	advance(40000);
	assert_int_equal(calls, 1);
	assert_int_equal(proxy_uac_pending(), 0);
}

/* Refused at once, without a callback: INVITE/ACK/CANCEL, a URI that is
 * not SIP, a transport the proxy has no socket for. */
static void test_refused(void **state)
{
	(void)state;
	struct proxy_uac_req r = { .method = SIP_STR_LIT("INVITE"), .ruri = SIP_STR_LIT("sip:10.0.0.2") };
	assert_int_not_equal(proxy_uac_send(&r, done, NULL), SIP_OK);
	r.method = SIP_STR_LIT("OPTIONS");
	r.ruri = SIP_STR_LIT("mailto:x@example.com");
	assert_int_not_equal(proxy_uac_send(&r, done, NULL), SIP_OK);
	r.ruri = SIP_STR_LIT("sip:10.0.0.2;transport=bogus");
	assert_int_not_equal(proxy_uac_send(&r, done, NULL), SIP_OK);
	r.ruri = SIP_STR_LIT("sip:10.0.0.2");
	assert_int_not_equal(proxy_uac_send(&r, NULL, NULL), SIP_OK);
	assert_int_equal(sent(), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(proxy_uac_pending(), 0);
}

/* A transport error for the request (an ICMP port unreachable) ends it
 * with 503 at once. */
static void test_transport_error(void **state)
{
	(void)state;
	struct proxy_uac_req r = { .method = SIP_STR_LIT("OPTIONS"), .ruri = SIP_STR_LIT("sip:10.0.0.2") };
	assert_int_equal(proxy_uac_send(&r, done, NULL), SIP_OK);
	const tp_sent *t = tp_loopback_get(0);
	txn_on_send_error(sock, &t->dst, t->buf, t->len, NULL);
	assert_int_equal(calls, 1);
	assert_int_equal(last_code, 503);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_options_200, setup, teardown),
		cmocka_unit_test_setup_teardown(test_given_fields_and_reentry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transport_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
