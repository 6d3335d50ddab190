/* modules/siptrace/hep.c: the HEP v3 packet of a known message byte for
 * byte (IPv4 with every chunk, IPv6, optional chunks left out), the
 * limits of the encoder, the raw scan of Call-ID, CSeq and status, and
 * the collector address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "siptrace/hep.h"

static const char PAYLOAD[] = "OPTIONS sip:b SIP/2.0\r\n\r\n";  /* 25 bytes */

static bool str_is(sip_str s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.s, lit, s.len) == 0;
}

static sip_addr addr(const char *ip, int port)
{
	sip_addr a;
	assert_int_equal(sip_addr_from_ip(&a, sip_str_make(ip, strlen(ip)), port), SIP_OK);
	return a;
}

/* The packet written out by hand from the chunk table of HEP v3
 * (vendor 0, type, length with the 6-byte chunk header, value). */
static void test_ipv4_every_chunk(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		'H', 'E', 'P', '3', 0x00, 0x8d,                       /* total 141 */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x02,             /* family AF_INET */
		0x00, 0x00, 0x00, 0x02, 0x00, 0x07, 0x11,             /* UDP */
		0x00, 0x00, 0x00, 0x03, 0x00, 0x0a, 192, 0, 2, 1,     /* src IPv4 */
		0x00, 0x00, 0x00, 0x04, 0x00, 0x0a, 198, 51, 100, 2,  /* dst IPv4 */
		0x00, 0x00, 0x00, 0x07, 0x00, 0x08, 0x13, 0xc4,       /* src port 5060 */
		0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x13, 0xd8,       /* dst port 5080 */
		0x00, 0x00, 0x00, 0x09, 0x00, 0x0a, 0x65, 0x53, 0xf1, 0x00, /* 1700000000 s */
		0x00, 0x00, 0x00, 0x0a, 0x00, 0x0a, 0x00, 0x01, 0xe2, 0x40, /* 123456 us */
		0x00, 0x00, 0x00, 0x0b, 0x00, 0x07, 0x01,             /* SIP */
		0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x00, 0x07, 0xd1, /* agent 2001 */
		0x00, 0x00, 0x00, 0x0e, 0x00, 0x09, 'k', 'e', 'y',    /* auth key */
		0x00, 0x00, 0x00, 0x11, 0x00, 0x08, 'c', '1',         /* correlation */
		0x00, 0x00, 0x00, 0x0f, 0x00, 0x1f,                   /* payload, 25 bytes */
		'O', 'P', 'T', 'I', 'O', 'N', 'S', ' ', 's', 'i', 'p', ':', 'b', ' ',
		'S', 'I', 'P', '/', '2', '.', '0', '\r', '\n', '\r', '\n',
	};
	sip_addr src = addr("192.0.2.1", 5060), dst = addr("198.51.100.2", 5080);
	hep_msg m = {
		.src = &src, .dst = &dst, .ip_proto = 17,
		.ts_sec = 1700000000u, .ts_usec = 123456u, .capture_id = 2001,
		.auth_key = SIP_STR_LIT("key"), .correlation = SIP_STR_LIT("c1"),
		.payload = sip_str_make(PAYLOAD, strlen(PAYLOAD)),
	};
	uint8_t out[512];
	size_t n = hep_encode(&m, out, sizeof out);
	assert_int_equal(n, sizeof want);
	assert_memory_equal(out, want, sizeof want);

	/* One byte short of room: nothing. */
	assert_int_equal(hep_encode(&m, out, sizeof want - 1), 0);
	assert_int_equal(hep_encode(&m, out, sizeof want), sizeof want);
}

/* IPv6 addresses in chunks 5 and 6, TCP, and no key or correlation:
 * those chunks are left out. */
static void test_ipv6_no_optional(void **state)
{
	(void)state;
	sip_addr src = addr("[2001:db8::1]", 5061), dst = addr("2001:db8::2", 443);
	hep_msg m = {
		.src = &src, .dst = &dst, .ip_proto = 6,
		.ts_sec = 1, .ts_usec = 2, .capture_id = 0x01020304,
		.payload = sip_str_make(PAYLOAD, strlen(PAYLOAD)),
	};
	uint8_t out[512];
	size_t n = hep_encode(&m, out, sizeof out);
	/* 6 + 7 + 7 + 22 + 22 + 8 + 8 + 10 + 10 + 7 + 10 + 31 */
	assert_int_equal(n, 148);
	assert_memory_equal(out, "HEP3\x00\x94", 6);
	static const uint8_t head[] = {
		0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x0a,
		0x00, 0x00, 0x00, 0x02, 0x00, 0x07, 0x06,
		0x00, 0x00, 0x00, 0x05, 0x00, 0x16,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x00, 0x00, 0x00, 0x06, 0x00, 0x16,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0x00, 0x00, 0x00, 0x07, 0x00, 0x08, 0x13, 0xc5,
		0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x01, 0xbb,
		0x00, 0x00, 0x00, 0x09, 0x00, 0x0a, 0, 0, 0, 1,
		0x00, 0x00, 0x00, 0x0a, 0x00, 0x0a, 0, 0, 0, 2,
		0x00, 0x00, 0x00, 0x0b, 0x00, 0x07, 0x01,
		0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x0f, 0x00, 0x1f,
	};
	assert_memory_equal(out + 6, head, sizeof head);
	assert_memory_equal(out + 6 + sizeof head, PAYLOAD, 25);
}

/* What cannot be a packet: families that differ, a message larger than
 * the 16-bit length allows. */
static void test_limits(void **state)
{
	(void)state;
	sip_addr v4 = addr("127.0.0.1", 1), v6 = addr("::1", 1);
	static uint8_t big[70000], out[70000];
	memset(big, 'x', sizeof big);
	hep_msg m = { .src = &v4, .dst = &v6, .ip_proto = 17,
		      .payload = sip_str_make((char *)big, 10) };
	assert_int_equal(hep_encode(&m, out, sizeof out), 0);
	m.dst = &v4;
	assert_int_not_equal(hep_encode(&m, out, sizeof out), 0);
	/* 6 + 7 + 7 + 10 + 10 + 8 + 8 + 10 + 10 + 7 + 10 = 93 bytes before
	 * the payload's 6-byte header: the largest payload is 65535 - 99. */
	m.payload.len = 65535 - 99;
	size_t n = hep_encode(&m, out, sizeof out);
	assert_int_equal(n, 65535);
	assert_int_equal(out[4], 0xff);
	assert_int_equal(out[5], 0xff);
	m.payload.len++;
	assert_int_equal(hep_encode(&m, out, sizeof out), 0);
}

static void test_scan(void **state)
{
	(void)state;
	static const char req[] =
		"INVITE sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
		"call-id :  abc@10.0.0.1 \r\n"
		"CSeq:\t 4711  INVITE\r\n"
		"Subject: folded\r\n"
		" Call-ID: not-this\r\n"
		"Content-Length: 18\r\n"
		"\r\n"
		"Call-ID: body-one\r\n";
	hep_sip_info in;
	assert_true(hep_sip_scan(req, strlen(req), &in));
	assert_int_equal(in.status, 0);
	assert_true(str_is(in.callid, "abc@10.0.0.1"));
	assert_int_equal(in.cseq, 4711);
	assert_true(str_is(in.cseq_method, "INVITE"));

	static const char resp[] =
		"SIP/2.0 180 Ringing\n"
		"i: compact-1\n"
		"CSeq: 2 BYE\n"
		"\n";
	assert_true(hep_sip_scan(resp, strlen(resp), &in));
	assert_int_equal(in.status, 180);
	assert_true(str_is(in.callid, "compact-1"));
	assert_int_equal(in.cseq, 2);
	assert_true(str_is(in.cseq_method, "BYE"));

	/* A keep-alive, a message without Call-ID, a bad status line. */
	assert_false(hep_sip_scan("\r\n\r\n", 4, &in));
	static const char none[] = "OPTIONS sip:a SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\ni: x\r\n";
	assert_false(hep_sip_scan(none, strlen(none), &in));
	static const char bad[] = "SIP/2.0 2x0 OK\r\nCall-ID: a\r\n\r\n";
	assert_false(hep_sip_scan(bad, strlen(bad), &in));
}

static void test_parse_server(void **state)
{
	(void)state;
	sip_addr a;
	bool tcp = true;
	assert_true(hep_parse_server("udp:127.0.0.1:9060", &a, &tcp));
	assert_false(tcp);
	assert_int_equal(a.u.sa.sa_family, AF_INET);
	assert_int_equal(sip_addr_port(&a), 9060);
	assert_true(hep_parse_server("tcp:[::1]:9061", &a, &tcp));
	assert_true(tcp);
	assert_int_equal(a.u.sa.sa_family, AF_INET6);
	assert_int_equal(sip_addr_port(&a), 9061);
	assert_false(hep_parse_server("", &a, &tcp));
	assert_false(hep_parse_server("sctp:127.0.0.1:9060", &a, &tcp));
	assert_false(hep_parse_server("udp:127.0.0.1", &a, &tcp));
	assert_false(hep_parse_server("udp:127.0.0.1:0", &a, &tcp));
	assert_false(hep_parse_server("udp:127.0.0.1:65536", &a, &tcp));
	assert_false(hep_parse_server("udp:::1:9060", &a, &tcp));
	assert_false(hep_parse_server("udp:collector:9060", &a, &tcp));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_every_chunk),
		cmocka_unit_test(test_ipv6_no_optional),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_parse_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
