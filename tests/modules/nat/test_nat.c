/* modules/nat/nat.c: private address ranges, each nat_test() bit, the
 * Contact and SDP rewrites; and the body replacement of
 * runtime/sip/body.c they rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "nat/nat.h"
#include "sip/msg.h"

static sip_arena arena;

static int setup(void **state)
{
	(void)state;
	sip_arena_init(&arena, 4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sip_arena_destroy(&arena);
	return 0;
}

static bool priv(const char *s)
{
	return nat_ip_private(sip_str_make(s, strlen(s)));
}

static void test_private_ranges(void **state)
{
	(void)state;
	assert_true(priv("10.0.0.5"));
	assert_true(priv("10.255.255.255"));
	assert_true(priv("172.16.0.1"));
	assert_true(priv("172.31.255.254"));
	assert_false(priv("172.15.255.255"));
	assert_false(priv("172.32.0.1"));
	assert_true(priv("192.168.1.20"));
	assert_false(priv("192.169.0.1"));
	assert_true(priv("100.64.0.1"));      /* RFC 6598 */
	assert_true(priv("100.127.255.255"));
	assert_false(priv("100.128.0.1"));
	assert_false(priv("100.63.255.255"));
	assert_true(priv("169.254.3.4"));
	assert_false(priv("127.0.0.1"));      /* loopback is not NAT */
	assert_false(priv("203.0.113.7"));
	assert_false(priv("8.8.8.8"));
	assert_true(priv("fd00::1"));
	assert_true(priv("[fc00::5]"));
	assert_true(priv("fe80::1"));
	assert_false(priv("::1"));
	assert_false(priv("2001:db8::1"));
	assert_false(priv("phone.example.com"));
	assert_false(priv(""));
	assert_false(priv("10.0.0"));
	assert_false(priv("010.0.0.1"));
	assert_false(priv("[10.0.0.1"));
}

/* A REGISTER-like request as a NATed phone writes it, with a body. */
static char *make_msg(const char *via, const char *contact, const char *c_addr)
{
	static char buf[2048];
	char body[512] = "";
	if (c_addr)
		snprintf(body, sizeof body,
			 "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
			 "m=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\nc=IN IP4 %s\r\n",
			 c_addr, c_addr, c_addr);
	snprintf(buf, sizeof buf,
		 "INVITE sip:bob@example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP %s;branch=z9hG4bK1;rport\r\n"
		 "From: <sip:alice@example.com>;tag=1\r\n"
		 "To: <sip:bob@example.com>\r\n"
		 "Call-ID: nat-1\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "%s%s%s"
		 "%s"
		 "Content-Length: %zu\r\n\r\n%s",
		 via, contact ? "Contact: <" : "", contact ? contact : "", contact ? ">\r\n" : "",
		 c_addr ? "Content-Type: application/sdp\r\n" : "", strlen(body), body);
	return buf;
}

static sip_msg parse(const char *s)
{
	sip_msg m;
	assert_int_equal(sip_msg_parse(&arena, s, strlen(s), &m), SIP_OK);
	return m;
}

static sip_addr addr(const char *ip, int port)
{
	sip_addr a;
	assert_int_equal(sip_addr_from_ip(&a, sip_str_make(ip, strlen(ip)), port), SIP_OK);
	return a;
}

static void test_uac_bits_natted(void **state)
{
	(void)state;
	sip_msg m = parse(make_msg("10.0.0.5:5060", "sip:alice@10.0.0.5:5060", "192.168.1.2"));
	sip_addr src = addr("203.0.113.7", 40000);
	assert_true(nat_test(&m, &src, NAT_TEST_CONTACT_PRIVATE));
	assert_true(nat_test(&m, &src, NAT_TEST_VIA_RECEIVED));
	assert_true(nat_test(&m, &src, NAT_TEST_VIA_PRIVATE));
	assert_true(nat_test(&m, &src, NAT_TEST_SDP_PRIVATE));
	assert_true(nat_test(&m, &src, NAT_TEST_VIA_RPORT));
	assert_false(nat_test(&m, &src, NAT_TEST_SRC_PRIVATE));
	sip_addr lan = addr("192.168.7.1", 5060);
	assert_true(nat_test(&m, &lan, NAT_TEST_SRC_PRIVATE));
	assert_false(nat_test(&m, &lan, NAT_TEST_VIA_RPORT));
}

static void test_uac_bits_public(void **state)
{
	(void)state;
	/* Everything says where it came from: no test fires. */
	sip_msg m = parse(make_msg("203.0.113.7", "sip:alice@203.0.113.7", "203.0.113.7"));
	sip_addr src = addr("203.0.113.7", 5060);
	assert_false(nat_test(&m, &src, NAT_TEST_ALL));
	/* Only the port differs: 16 and nothing else. */
	sip_addr other = addr("203.0.113.7", 5071);
	assert_true(nat_test(&m, &other, NAT_TEST_VIA_RPORT));
	assert_false(nat_test(&m, &other, NAT_TEST_ALL & ~NAT_TEST_VIA_RPORT));
	/* A host name in Via differs from any address. */
	sip_msg n = parse(make_msg("phone.example.com:5060", NULL, NULL));
	assert_true(nat_test(&n, &src, NAT_TEST_VIA_RECEIVED));
	assert_false(nat_test(&n, &src, NAT_TEST_CONTACT_PRIVATE | NAT_TEST_SDP_PRIVATE));
	/* Only the media of the second stream is private. */
	sip_msg s = parse("OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.7;branch=z9hG4bK2\r\n"
			  "From: <sip:a@example.com>;tag=1\r\nTo: <sip:x@example.com>\r\nCall-ID: 2\r\n"
			  "CSeq: 1 OPTIONS\r\nContent-Type: application/sdp\r\nContent-Length: 88\r\n\r\n"
			  "v=0\r\no=- 1 1 IN IP4 203.0.113.7\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 10.1.2.3\r\n");
	assert_true(nat_test(&s, &src, NAT_TEST_SDP_PRIVATE));
}

static const char *build(sip_msg *m)
{
	static char out[4096];
	long n = sip_msg_build(m, out, sizeof out - 1);
	assert_true(n > 0);
	out[n] = '\0';
	return out;
}

/* The body of a built message and whether Content-Length matches it. */
static void assert_cl_consistent(const char *msg)
{
	const char *b = strstr(msg, "\r\n\r\n");
	const char *cl = strstr(msg, "Content-Length: ");
	assert_non_null(b);
	assert_non_null(cl);
	assert_int_equal(strtoul(cl + 16, NULL, 10), strlen(b + 4));
}

static void test_fix_contact(void **state)
{
	(void)state;
	sip_msg m = parse(make_msg("10.0.0.5:5060", "sip:alice@10.0.0.5:5060;transport=udp", NULL));
	sip_addr src = addr("203.0.113.7", 40000);
	assert_int_equal(nat_fix_contact(&m, &src, &arena), SIP_OK);
	assert_non_null(strstr(build(&m), "Contact: <sip:alice@203.0.113.7:40000;transport=udp>\r\n"));

	sip_msg n = parse(make_msg("10.0.0.5", "sip:alice@10.0.0.5", NULL));
	sip_addr v6 = addr("2001:db8::7", 5062);
	assert_int_equal(nat_fix_contact(&n, &v6, &arena), SIP_OK);
	assert_non_null(strstr(build(&n), "Contact: <sip:alice@[2001:db8::7]:5062>\r\n"));

	sip_msg none = parse(make_msg("10.0.0.5", NULL, NULL));
	assert_int_equal(nat_fix_contact(&none, &src, &arena), SIP_ENOTFOUND);
}

static void test_fix_sdp(void **state)
{
	(void)state;
	sip_msg m = parse(make_msg("10.0.0.5", "sip:a@10.0.0.5", "192.168.1.2"));
	sip_addr src = addr("203.0.113.77", 40000);
	assert_int_equal(nat_fix_sdp(&m, &src, &arena), SIP_OK);
	const char *out = build(&m);
	assert_non_null(strstr(out, "\r\nc=IN IP4 203.0.113.77\r\nt=0 0\r\n"));
	assert_non_null(strstr(out, "m=video 4002 RTP/AVP 96\r\nc=IN IP4 203.0.113.77\r\n"));
	assert_non_null(strstr(out, "o=- 1 1 IN IP4 192.168.1.2"));   /* o= is left alone */
	assert_null(strstr(out, "c=IN IP4 192.168.1.2"));
	assert_cl_consistent(out);

	/* IPv6 source: the address type follows. */
	sip_msg v = parse(make_msg("10.0.0.5", "sip:a@10.0.0.5", "10.0.0.5"));
	sip_addr s6 = addr("2001:db8::9", 5060);
	assert_int_equal(nat_fix_sdp(&v, &s6, &arena), SIP_OK);
	out = build(&v);
	assert_non_null(strstr(out, "\r\nc=IN IP6 2001:db8::9\r\n"));
	assert_cl_consistent(out);

	sip_msg none = parse(make_msg("10.0.0.5", NULL, NULL));
	assert_int_equal(nat_fix_sdp(&none, &src, &arena), SIP_ENOTFOUND);
}

/* sip_msg_set_body() after other body edits: they are folded in, and the
 * second replacement wins; header edits stay. */
static void test_body_replace(void **state)
{
	(void)state;
	sip_msg m = parse(make_msg("10.0.0.5", "sip:a@10.0.0.5", "192.168.1.2"));
	sip_addr src = addr("203.0.113.7", 40000);
	assert_int_equal(nat_fix_contact(&m, &src, &arena), SIP_OK);
	assert_int_equal(nat_fix_sdp(&m, &src, &arena), SIP_OK);
	sip_str cur = sip_msg_body_current(&m);
	assert_non_null(memmem(cur.s, cur.len, "c=IN IP4 203.0.113.7", 20));
	static const char nb[] = "v=0\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n";
	assert_int_equal(sip_msg_set_body(&m, SIP_STR_LIT(nb)), SIP_OK);
	const char *out = build(&m);
	assert_string_equal(strstr(out, "\r\n\r\n") + 4, nb);
	assert_non_null(strstr(out, "Contact: <sip:a@203.0.113.7:40000>"));
	assert_cl_consistent(out);

	/* Without Content-Length one is added. */
	static const char raw[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK3\r\n"
				  "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\n"
				  "Call-ID: 3\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\n";
	sip_msg r = parse(raw);
	assert_int_equal(sip_msg_set_body(&r, SIP_STR_LIT(nb)), SIP_OK);
	out = build(&r);
	assert_string_equal(strstr(out, "\r\n\r\n") + 4, nb);
	assert_cl_consistent(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_ranges),
		cmocka_unit_test(test_uac_bits_natted),
		cmocka_unit_test(test_uac_bits_public),
		cmocka_unit_test(test_fix_contact),
		cmocka_unit_test(test_fix_sdp),
		cmocka_unit_test(test_body_replace),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
