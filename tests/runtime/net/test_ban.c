/* Ban list tests (runtime/net/ban.c) on a fake clock: entries added,
 * renewed, removed and expired; IPv4, IPv6 and IPv4-mapped addresses; the
 * list's bound; and the drop in tp_deliver(), before the upper layer's
 * receive callback sees a packet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "net/ban.h"
#include "net/transport.h"

static uint64_t now_ms;

static uint64_t fake_clock(void)
{
	return now_ms;
}

static int setup(void **state)
{
	(void)state;
	now_ms = 1000000;
	tp_ban_set_clock(fake_clock);
	tp_ban_dropped = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tp_ban_clear();
	tp_ban_set_clock(NULL);
	tp_set_recv(NULL, NULL);
	return 0;
}

static sip_addr addr(const char *ip, int port)
{
	sip_addr a;
	assert_int_equal(sip_addr_from_ip(&a, sip_str_make(ip, strlen(ip)), port), SIP_OK);
	return a;
}

static tp_addr_key key(const char *ip)
{
	sip_addr a = addr(ip, 0);
	tp_addr_key k;
	assert_true(tp_addr_key_of(&a, &k));
	return k;
}

static void test_add_check_rm(void **state)
{
	(void)state;
	tp_addr_key k = key("192.0.2.7");
	sip_addr src = addr("192.0.2.7", 5060), other_port = addr("192.0.2.7", 40000);
	sip_addr other = addr("192.0.2.8", 5060);
	assert_false(tp_ban_check(&src));
	assert_int_equal(tp_ban_add(&k, 0, "ctl"), SIP_OK);
	assert_int_equal(tp_ban_count(), 1);
	/* Every port of the address, no other address. */
	assert_true(tp_ban_check(&src));
	assert_true(tp_ban_check(&other_port));
	assert_false(tp_ban_check(&other));
	tp_ban_info info;
	assert_true(tp_ban_get(&k, &info));
	assert_string_equal(info.by, "ctl");
	assert_int_equal(info.dropped, 2);
	assert_int_equal(info.until_ms, 0);
	assert_int_equal(tp_ban_dropped, 2);
	/* No expiry: still banned a year later. */
	now_ms += 365ull * 86400 * 1000;
	assert_true(tp_ban_check(&src));
	assert_true(tp_ban_rm(&k));
	assert_false(tp_ban_rm(&k));
	assert_false(tp_ban_check(&src));
	assert_int_equal(tp_ban_count(), 0);
	char buf[64];
	assert_string_equal(tp_addr_key_str(&k, buf, sizeof buf), "192.0.2.7");
}

/* A ban for a time ends at its expiry: packets pass from then on, even
 * before the sweep removes the entry; the sweep removes only what ended. */
static void test_expiry(void **state)
{
	(void)state;
	tp_addr_key a = key("198.51.100.1"), b = key("198.51.100.2");
	sip_addr sa = addr("198.51.100.1", 5060), sb = addr("198.51.100.2", 5060);
	assert_int_equal(tp_ban_add(&a, 10, "pike"), SIP_OK);
	assert_int_equal(tp_ban_add(&b, 30, "ctl"), SIP_OK);
	now_ms += 9999;
	assert_true(tp_ban_check(&sa));
	assert_int_equal(tp_ban_expire(), 0);
	now_ms += 1;
	assert_false(tp_ban_check(&sa));
	assert_false(tp_ban_get(&a, NULL));
	assert_true(tp_ban_check(&sb));
	assert_int_equal(tp_ban_count(), 2);        /* not swept yet */
	assert_int_equal(tp_ban_expire(), 1);
	assert_int_equal(tp_ban_count(), 1);
	/* Banned again: a new end, the drops counted afresh. */
	assert_int_equal(tp_ban_add(&a, 5, "pike"), SIP_OK);
	assert_true(tp_ban_check(&sa));
	tp_ban_info info;
	assert_true(tp_ban_get(&a, &info));
	assert_int_equal(info.dropped, 1);
	assert_int_equal(info.until_ms, now_ms + 5000);
	/* Renewing a live ban moves its end and keeps its count. */
	now_ms += 4000;
	assert_int_equal(tp_ban_add(&a, 5, "ctl"), SIP_OK);
	assert_true(tp_ban_get(&a, &info));
	assert_int_equal(info.until_ms, now_ms + 5000);
	assert_int_equal(info.dropped, 1);
	assert_string_equal(info.by, "ctl");
	now_ms += 30000;
	assert_int_equal(tp_ban_expire(), 2);
	assert_int_equal(tp_ban_count(), 0);
	assert_false(tp_ban_check(&sb));
}

static void count_one(const tp_ban_info *info, void *arg)
{
	(void)info;
	(*(unsigned *)arg)++;
}

/* A listing shows the live entries and removes the ended ones. */
static void test_foreach(void **state)
{
	(void)state;
	for (int i = 1; i <= 20; i++) {
		char ip[32];
		snprintf(ip, sizeof ip, "203.0.113.%d", i);
		tp_addr_key k = key(ip);
		assert_int_equal(tp_ban_add(&k, i % 2 ? 5 : 0, "ctl"), SIP_OK);
	}
	unsigned n = 0;
	tp_ban_foreach(count_one, &n);
	assert_int_equal(n, 20);
	now_ms += 5000;
	n = 0;
	tp_ban_foreach(count_one, &n);
	assert_int_equal(n, 10);
	assert_int_equal(tp_ban_count(), 10);
}

static void test_ipv6_and_mapped(void **state)
{
	(void)state;
	tp_addr_key k6 = key("2001:db8::1"), k4 = key("192.0.2.99");
	assert_int_equal(k6.family, AF_INET6);
	assert_int_equal(tp_ban_add(&k6, 0, "ctl"), SIP_OK);
	assert_int_equal(tp_ban_add(&k4, 0, "ctl"), SIP_OK);
	sip_addr s6 = addr("[2001:db8::1]", 5060), s6b = addr("2001:db8::2", 5060);
	assert_true(tp_ban_check(&s6));
	assert_false(tp_ban_check(&s6b));
	/* A dual-stack socket sees an IPv4 peer as ::ffff:a.b.c.d. */
	sip_addr mapped = addr("::ffff:192.0.2.99", 5060);
	assert_true(tp_ban_check(&mapped));
	char buf[64];
	assert_string_equal(tp_addr_key_str(&k6, buf, sizeof buf), "2001:db8::1");
}

static void test_bound(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < TP_BAN_MAX; i++) {
		tp_addr_key k = { .family = AF_INET, .len = 4 };
		memcpy(k.b, &i, 4);
		assert_int_equal(tp_ban_add(&k, 60, "pike"), SIP_OK);
	}
	tp_addr_key extra = key("10.255.255.255");
	assert_int_equal(tp_ban_add(&extra, 60, "pike"), SIP_ELIMIT);
	/* An entry there already is renewed even when the list is full. */
	tp_addr_key first = { .family = AF_INET, .len = 4 };
	assert_int_equal(tp_ban_add(&first, 120, "ctl"), SIP_OK);
	now_ms += 60000;
	assert_int_equal(tp_ban_expire(), TP_BAN_MAX - 1);
	assert_int_equal(tp_ban_add(&extra, 60, "pike"), SIP_OK);
}

static unsigned delivered;

static void on_recv(sip_socket *sock, const sip_addr *src, char *buf, size_t len, void *arg)
{
	(void)sock; (void)src; (void)buf; (void)len; (void)arg;
	delivered++;
}

/* The transports hand packets up through tp_deliver(): one from a banned
 * address never reaches the receive callback. */
static void test_deliver_drops(void **state)
{
	(void)state;
	delivered = 0;
	tp_set_recv(on_recv, NULL);
	sip_socket *sock = tp_loopback_socket("127.0.0.1", 5060);
	sip_addr bad = addr("127.0.0.2", 5060), good = addr("127.0.0.1", 5070);
	char msg[] = "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n\r\n";
	tp_deliver(sock, &bad, msg, sizeof msg - 1);
	tp_deliver(sock, &good, msg, sizeof msg - 1);
	assert_int_equal(delivered, 2);
	tp_addr_key k = key("127.0.0.2");
	assert_int_equal(tp_ban_add(&k, 1, "pike"), SIP_OK);
	for (int i = 0; i < 1000; i++)
		tp_deliver(sock, &bad, msg, sizeof msg - 1);
	tp_deliver(sock, &good, msg, sizeof msg - 1);
	assert_int_equal(delivered, 3);
	assert_int_equal(tp_ban_dropped, 1000);
	now_ms += 1000;
	tp_deliver(sock, &bad, msg, sizeof msg - 1);
	assert_int_equal(delivered, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_check_rm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_and_mapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deliver_drops, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
