/* Which worker owns a message (proxy/worker.h): requests by Call-ID, so a
 * call's transactions and its ACK and CANCEL meet on one worker; replies by
 * the worker id the proxy wrote in its branch (txn/txn.h); and the number
 * of workers a policy may run with. */
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/stats.h"
#include "core/status.h"
#include "core/worker.h"
#include "net/transport.h"
#include "proxy/module.h"
#include "proxy/modules.h"
#include "proxy/policy_abi.h"
#include "proxy/worker.h"
#include "txn/txn.h"

static int owner(const char *msg, unsigned n)
{
	return proxy_msg_owner(msg, strlen(msg), n);
}

static int cid_owner(const char *cid, unsigned n)
{
	return (int)proxy_callid_owner(sip_str_make(cid, strlen(cid)), n);
}

#define REQ(m, cid) m " sip:bob@example.com SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKc1\r\n" \
	"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n" \
	"Call-ID: " cid "\r\nCSeq: 1 " m "\r\nContent-Length: 0\r\n\r\n"

/* A call's requests, whatever their method, belong to its Call-ID's
 * worker; the compact form, case and spaces do not change that. */
static void test_requests_by_callid(void **state)
{
	(void)state;
	for (unsigned n = 2; n <= 8; n++) {
		int w = cid_owner("a84b4c76e66710@pc33.example.com", n);
		assert_in_range(w, 0, (int)n - 1);
		assert_int_equal(owner(REQ("INVITE", "a84b4c76e66710@pc33.example.com"), n), w);
		assert_int_equal(owner(REQ("ACK", "a84b4c76e66710@pc33.example.com"), n), w);
		assert_int_equal(owner(REQ("CANCEL", "a84b4c76e66710@pc33.example.com"), n), w);
		assert_int_equal(owner(REQ("BYE", "a84b4c76e66710@pc33.example.com"), n), w);
		assert_int_equal(owner("BYE sip:b@x SIP/2.0\nv: SIP/2.0/UDP h;branch=z9hG4bK1\n"
				       "i:   a84b4c76e66710@pc33.example.com  \ncall-id: other\n\n", n), w);
		assert_int_equal(owner("\r\n\r\nOPTIONS sip:b@x SIP/2.0\r\nCALL-ID\t:a84b4c76e66710@pc33.example.com\r\n\r\n", n), w);
	}
	/* One worker owns everything; no Call-ID: handled where it was read. */
	assert_int_equal(owner(REQ("INVITE", "x"), 1), 0);
	assert_int_equal(owner("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\nCall-ID: body\r\n", 2), -1);
	assert_int_equal(owner("OPTIONS sip:b@x SIP/2.0\r\nX-Call-ID: a\r\n Call-ID: folded\r\n\r\n", 2), -1);
	assert_int_equal(owner("", 2), -1);
	assert_int_equal(owner("\r\n\r\n", 2), -1);
}

/* Call-IDs spread evenly: no worker idles while another is saturated. */
static void test_callid_spread(void **state)
{
	(void)state;
	for (unsigned n = 2; n <= 4; n++) {
		unsigned count[4] = { 0 };
		char cid[64];
		for (unsigned i = 0; i < 4000; i++) {
			snprintf(cid, sizeof cid, "%u-12345@192.0.2.%u", i, i % 7);
			count[cid_owner(cid, n)]++;
		}
		for (unsigned w = 0; w < n; w++)
			assert_in_range(count[w], 4000 / n * 8 / 10, 4000 / n * 12 / 10);
	}
}

/* The branch of a client transaction names the worker that made it, and
 * a reply goes back to that worker whatever its Call-ID. */
static void test_branch_names_worker(void **state)
{
	(void)state;
	static const struct txn_user user = { 0 };
	sip_timer_wheel wheel;
	sip_timer_wheel_init(&wheel, 0);
	assert_int_equal(txn_layer_init(&wheel, &user, 8), SIP_OK);
	sip_socket *sock = tp_loopback_socket("192.0.2.1", 5060);
	assert_non_null(sock);
	sip_addr dst;
	assert_int_equal(sip_addr_from_ip(&dst, SIP_STR_LIT("192.0.2.9"), 5060), SIP_OK);
	unsigned ids[] = { 0, 1, 7, 42, SIP_WORKERS_MAX - 1 };
	for (unsigned k = 0; k < sizeof ids / sizeof ids[0]; k++) {
		sip_worker_id = ids[k];
		txn *c = txn_client_create(NULL, SIP_METHOD_OPTIONS, sock, &dst);
		assert_non_null(c);
		assert_int_equal(txn_branch_worker(c->branch), (int)ids[k]);
		char reply[512];
		/* A Call-ID whose own worker differs from the branch's. */
		const char *cid = "worker-test-call";
		snprintf(reply, sizeof reply, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;"
			 "branch=%.*s;received=192.0.2.1\r\nVia: SIP/2.0/UDP 192.0.2.7\r\n"
			 "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\n\r\n", (int)c->branch.len, c->branch.s, cid);
		unsigned n = ids[k] + 2;
		assert_int_equal(owner(reply, n), (int)ids[k]);
		/* The request as sent, quoted by an ICMP error read on another
		 * worker's socket, goes back to the worker that sent it. */
		char req[512];
		snprintf(req, sizeof req, "OPTIONS sip:b@192.0.2.9 SIP/2.0\r\nVia: SIP/2.0/UDP "
			 "192.0.2.1:5060;branch=%.*s\r\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK1\r\n"
			 "Call-ID: %s\r\n", (int)c->branch.len, c->branch.s, cid);
		assert_int_equal(proxy_sent_owner(req, strlen(req), n), (int)ids[k]);
		/* Truncated before the Call-ID: the branch is enough. */
		assert_int_equal(proxy_sent_owner(req, strstr(req, "Call-ID") - req, n), (int)ids[k]);
		/* A reply as sent: by its Call-ID. */
		assert_int_equal(proxy_sent_owner(reply, strlen(reply), n), cid_owner(cid, n));
		/* With fewer workers than the id (a restart): by Call-ID. */
		if (ids[k] >= 2)
			assert_int_equal(owner(reply, 2), cid_owner(cid, 2));
	}
	sip_worker_id = 0;
	txn_layer_destroy();
	tp_close_all();
}

/* Branches the proxy did not make fall back to the Call-ID. */
static void test_foreign_branch(void **state)
{
	(void)state;
	assert_int_equal(txn_branch_worker(SIP_STR_LIT("z9hG4bK01a1b2c3d4e5f6a7b8.0")), 1);
	assert_int_equal(txn_branch_worker(SIP_STR_LIT("z9hG4bK03a1b2c3d4e5f6a7b8.12")), 3);
	assert_int_equal(txn_branch_worker(SIP_STR_LIT("z9hG4bK776asdhds")), -1);
	assert_int_equal(txn_branch_worker(SIP_STR_LIT("z9hG4bKsl0123456789abcdef")), -1);
	assert_int_equal(txn_branch_worker(SIP_STR_LIT("z9hG4bK01a1b2c3d4e5f6a7b8.")), -1);
	assert_int_equal(txn_branch_worker(SIP_STR_LIT("z9hG4bK01a1b2c3d4e5f6a7bX.1")), -1);
	assert_int_equal(txn_branch_worker(SIP_STR_LIT("z9hG4bK01a1b2c3d4e5f6a7b8.1x")), -1);
	assert_int_equal(txn_branch_worker(SIP_STR_NULL), -1);
	const char *cid = "foreign-branch-call";
	char reply[512];
	snprintf(reply, sizeof reply, "SIP/2.0 180 Ringing\r\nv: SIP/2.0/UDP h;branch=z9hG4bK776asdhds,"
		 " SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK01a1b2c3d4e5f6a7b8.0\r\ni: %s\r\n\r\n", cid);
	for (unsigned n = 2; n <= 5; n++)
		assert_int_equal(owner(reply, n), cid_owner(cid, n));
	/* The branch parameter of the top Via only, in any case and spacing. */
	snprintf(reply, sizeof reply, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h ; rport ; BRANCH = "
		 "z9hG4bK01a1b2c3d4e5f6a7b8.3 ;received=1.2.3.4\r\nCall-ID: %s\r\n\r\n", cid);
	assert_int_equal(owner(reply, 4), 1);
}

static sipcc_module mod_safe = { .name = "safe_one", .workers_safe = true };
static sipcc_module mod_unsafe = { .name = "unsafe_one" };

/* How many workers: the default follows the CPUs unless a module keeps
 * the proxy on one; asking for more is refused with the module's name. */
static void test_plan(void **state)
{
	(void)state;
	assert_int_equal(proxy_workers_plan(0, 4), 4);
	assert_int_equal(proxy_workers_plan(0, 1), 1);
	assert_int_equal(proxy_workers_plan(1, 4), 1);
	assert_int_equal(proxy_workers_plan(3, 1), 3);
	assert_int_equal(proxy_workers_plan(SIP_WORKERS_MAX + 1, 4), -1);
	assert_int_equal(proxy_workers_plan(0, 1000), SIP_WORKERS_MAX);
	sipcc_reg_module(&mod_safe);
	assert_int_equal(proxy_workers_plan(0, 4), 4);
	assert_int_equal(proxy_workers_plan(2, 4), 2);
	sipcc_reg_module(&mod_unsafe);
	assert_string_equal(proxy_modules_unsafe(), "unsafe_one");
	assert_int_equal(proxy_workers_plan(0, 4), 1);
	assert_int_equal(proxy_workers_plan(2, 4), -1);
	assert_int_equal(proxy_workers_plan(1, 4), 1);
}

/* ---- the hand-off between two workers' loops ---- */

static struct {
	unsigned n;
	unsigned worker[8];
	char cid[8][32];
	sip_socket *sock[8];
} got;

static void on_recv(sip_socket *sock, const sip_addr *src, char *buf, size_t len, void *arg)
{
	(void)src;
	(void)arg;
	assert_true(got.n < 8);
	const char *c = strstr(buf, "Call-ID: ");
	assert_non_null(c);
	assert_int_equal(buf[len], '\0');
	snprintf(got.cid[got.n], sizeof got.cid[0], "%.*s", (int)strcspn(c + 9, "\r"), c + 9);
	got.worker[got.n] = sip_worker_id;
	got.sock[got.n] = sock;
	got.n++;
}

static int posted;
static void on_post(void *arg)
{
	posted += *(int *)arg;
	assert_int_equal(sip_worker_id, 0);
}

/* Call-IDs owned by worker 0 and by worker 1 of two. */
static void two_callids(char *c0, char *c1, size_t sz)
{
	bool have0 = false, have1 = false;
	for (unsigned i = 0; !(have0 && have1); i++) {
		char cid[32];
		snprintf(cid, sizeof cid, "call-%u", i);
		if (cid_owner(cid, 2) == 0 && !have0) {
			snprintf(c0, sz, "%s", cid);
			have0 = true;
		} else if (cid_owner(cid, 2) == 1 && !have1) {
			snprintf(c1, sz, "%s", cid);
			have1 = true;
		}
	}
}

/* A message read on worker 1 that worker 0 owns reaches worker 0's loop,
 * in order, on the socket the layers above know; one worker 1 owns stays
 * there; a call posted to worker 0 runs on its loop. No threads: the test
 * plays each worker in turn on its loop (the ids are thread-local). */
static void test_handoff(void **state)
{
	(void)state;
	sip_loop main_loop;
	assert_int_equal(sip_loop_init(&main_loop), SIP_OK);
	assert_int_equal(proxy_workers_setup(&main_loop, 2), SIP_OK);
	tp_set_recv(on_recv, NULL);
	sip_socket *s = NULL;
	assert_int_equal(tp_listen(&main_loop, &tp_udp, "127.0.0.1", 0, &s), SIP_OK);
	assert_int_equal(proxy_workers_listen(s), SIP_OK);
	assert_int_equal(s->n_twins, 2);
	assert_ptr_equal(s->twins[0], s);
	sip_addr src;
	assert_int_equal(sip_addr_from_ip(&src, SIP_STR_LIT("192.0.2.5"), 5060), SIP_OK);
	char c0[32], c1[32], msg[3][256];
	two_callids(c0, c1, sizeof c0);
	const char *cids[3] = { c0, c1, c0 };
	for (unsigned i = 0; i < 3; i++)
		snprintf(msg[i], sizeof msg[i], "OPTIONS sip:x@192.0.2.1 SIP/2.0\r\nCall-ID: %s\r\n"
			 "CSeq: %u OPTIONS\r\n\r\n", cids[i], i + 1);

	memset(&got, 0, sizeof got);
	sip_worker_id = 1;
	for (unsigned i = 0; i < 3; i++)
		tp_deliver(s, &src, msg[i], strlen(msg[i]));  /* as udp.c does */
	/* c1's message stayed on worker 1; c0's two wait for worker 0. */
	assert_int_equal(got.n, 1);
	assert_string_equal(got.cid[0], c1);
	assert_int_equal(got.worker[0], 1);
	int two = 2;
	assert_int_equal(proxy_worker_post(0, on_post, &two), SIP_OK);
	assert_int_equal(posted, 0);
	assert_int_equal(proxy_workers_handed(), 2);

	sip_worker_id = 0;
	assert_int_equal(sip_loop_once(&main_loop, 1000), SIP_OK);
	assert_int_equal(got.n, 3);
	for (unsigned i = 1; i < 3; i++) {
		assert_string_equal(got.cid[i], c0);
		assert_int_equal(got.worker[i], 0);
		assert_ptr_equal(got.sock[i], s);
	}
	assert_int_equal(posted, 2);
	/* Posting to oneself runs at once. */
	assert_int_equal(proxy_worker_post(0, on_post, &two), SIP_OK);
	assert_int_equal(posted, 4);

	/* A worker that does not keep up: beyond 65536 waiting messages the
	 * others drop what they read for it (and count it), and it gets them
	 * in order, a batch a wakeup, once it runs again. */
	tp_set_recv(NULL, NULL);
	sip_worker_id = 1;
	for (unsigned i = 0; i < 65536 + 3; i++)
		tp_deliver(s, &src, msg[0], strlen(msg[0]));
	assert_int_equal(sip_stat_get(SIP_STR_LIT("core.handoff_dropped"), NULL), 3);
	assert_int_equal(sip_stat_get(SIP_STR_LIT("core.handoff_messages"), NULL), 2 + 65536);
	sip_worker_id = 0;
	for (unsigned i = 0; i < 65536 / 256; i++)
		assert_int_equal(sip_loop_once(&main_loop, 1000), SIP_OK);
	/* Drained: room again. */
	sip_worker_id = 1;
	tp_deliver(s, &src, msg[0], strlen(msg[0]));
	assert_int_equal(sip_stat_get(SIP_STR_LIT("core.handoff_dropped"), NULL), 3);
	sip_worker_id = 0;

	proxy_workers_stop();
	tp_set_recv(NULL, NULL);
	tp_close_all();
	sip_loop_destroy(&main_loop);
	tp_udp_worker_done();
}

/* A pattern literal of the policy has one cache shared by every worker
 * (sipcc_regex_match): two threads matching it for the first time at once
 * both get their answer and one compiled pattern stays, the other freed.
 * Under ThreadSanitizer a plain read or write of the cache fails this
 * test (a data race ends the program with a non-zero status). */
#define RE_LIT "^sip:[0-9]+@"

struct re_arg {
	void **cache;
	const char *subject;
	int64_t got;
};

static void *re_match_thread(void *p)
{
	struct re_arg *a = p;
	a->got = sipcc_regex_match(NULL, a->cache, RE_LIT, strlen(RE_LIT), a->subject,
				   strlen(a->subject));
	return NULL;
}

static void test_regex_cache_shared(void **state)
{
	(void)state;
	for (int round = 0; round < 200; round++) {
		void *cache = NULL;
		struct re_arg a = { &cache, "sip:123@example.com", -1 };
		struct re_arg b = { &cache, "sip:bob@example.com", -1 };
		pthread_t ta, tb;
		assert_int_equal(pthread_create(&ta, NULL, re_match_thread, &a), 0);
		assert_int_equal(pthread_create(&tb, NULL, re_match_thread, &b), 0);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		assert_int_equal(a.got, 1);
		assert_int_equal(b.got, 0);
		assert_non_null(cache);
		void *kept = cache;
		const char *again = "sip:42@example.net";
		assert_int_equal(sipcc_regex_match(NULL, &cache, RE_LIT, strlen(RE_LIT), again,
						   strlen(again)), 1);
		assert_ptr_equal(cache, kept);
		regfree(cache);
		free(cache);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_by_callid),
		cmocka_unit_test(test_callid_spread),
		cmocka_unit_test(test_branch_names_worker),
		cmocka_unit_test(test_foreign_branch),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_handoff),
		cmocka_unit_test(test_regex_cache_shared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
