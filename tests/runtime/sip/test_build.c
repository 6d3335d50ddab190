#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "sip_test.h"

#include "core/status.h"
#include "sip/msg.h"

static sip_msg msg;
static char out[4096];

static void parse_ok(const char *s)
{
	sip_arena_reset(&arena);
	assert_int_equal(sip_msg_parse(&arena, s, strlen(s), &msg), SIP_OK);
}

/* Build into out, NUL-terminate and check the result is what we want. */
static void assert_built(const char *want)
{
	long n = sip_msg_build(&msg, out, sizeof(out) - 1);

	assert_true(n >= 0);
	out[n] = '\0';
	assert_string_equal(out, want);
}

static const char req[] =
	"INVITE sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP c.example.com;branch=z9hG4bKc\r\n"
	"Via: SIP/2.0/TCP d.example.com;branch=z9hG4bKd\r\n"
	"From: <sip:alice@example.org>;tag=a1\r\n"
	"To: <sip:bob@example.com>\r\n"
	"Call-ID: c1\r\n"
	"CSeq: 1 INVITE\r\n"
	"X-Remove: me\r\n"
	"Content-Length: 2\r\n"
	"\r\n"
	"hi";

static void test_no_edits(void **state)
{
	(void)state;
	parse_ok(req);
	assert_built(req);
	assert_int_equal(sip_msg_build(&msg, out, 10), SIP_ETOOBIG);
	assert_int_equal(sip_msg_build(&msg, out, sizeof(req) - 2), SIP_ETOOBIG);
	assert_int_equal(sip_msg_build(&msg, out, sizeof(req) - 1), (long)sizeof(req) - 1);
}

static void test_insert_via_and_replace_ruri(void **state)
{
	(void)state;
	parse_ok(req);
	assert_int_equal(sip_msg_hdrs_start(&msg), strlen("INVITE sip:bob@example.com SIP/2.0\r\n"));
	assert_int_equal(sip_msg_insert(&msg, sip_msg_hdrs_start(&msg),
					SIP_STR_LIT("Via: SIP/2.0/UDP proxy.example.net;branch=z9hG4bKx\r\n")), SIP_OK);
	assert_int_equal(sip_msg_edit(&msg, sip_msg_off(&msg, msg.ruri_str.s), msg.ruri_str.len,
				      SIP_STR_LIT("sip:bob@192.0.2.9:5070")), SIP_OK);
	assert_int_equal(sip_msg_remove_hdr(&msg, sip_msg_find_hdr(&msg, SIP_STR_LIT("X-Remove"))), SIP_OK);
	assert_built("INVITE sip:bob@192.0.2.9:5070 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP proxy.example.net;branch=z9hG4bKx\r\n"
		     "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP c.example.com;branch=z9hG4bKc\r\n"
		     "Via: SIP/2.0/TCP d.example.com;branch=z9hG4bKd\r\n"
		     "From: <sip:alice@example.org>;tag=a1\r\n"
		     "To: <sip:bob@example.com>\r\n"
		     "Call-ID: c1\r\n"
		     "CSeq: 1 INVITE\r\n"
		     "Content-Length: 2\r\n"
		     "\r\n"
		     "hi");
}

static void test_remove_via1_multi_value(void **state)
{
	(void)state;
	parse_ok(req);
	assert_int_equal(sip_msg_remove_via1(&msg), SIP_OK);
	assert_built("INVITE sip:bob@example.com SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP c.example.com;branch=z9hG4bKc\r\n"
		     "Via: SIP/2.0/TCP d.example.com;branch=z9hG4bKd\r\n"
		     "From: <sip:alice@example.org>;tag=a1\r\n"
		     "To: <sip:bob@example.com>\r\n"
		     "Call-ID: c1\r\n"
		     "CSeq: 1 INVITE\r\n"
		     "X-Remove: me\r\n"
		     "Content-Length: 2\r\n"
		     "\r\n"
		     "hi");
	/* The same value cannot be removed twice. */
	assert_int_equal(sip_msg_remove_via1(&msg), SIP_EINVAL);
}

static void test_remove_via1_single(void **state)
{
	(void)state;
	parse_ok("SIP/2.0 200 OK\r\n"
		 "v: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1\r\n"
		 "Via: SIP/2.0/UDP c.example.com;branch=z9hG4bKc;received=192.0.2.1\r\n"
		 "From: <sip:alice@example.org>;tag=a1\r\n"
		 "To: <sip:bob@example.com>;tag=b1\r\n"
		 "Call-ID: c1\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "\r\n");
	assert_int_equal(sip_msg_remove_via1(&msg), SIP_OK);
	assert_built("SIP/2.0 200 OK\r\n"
		     "Via: SIP/2.0/UDP c.example.com;branch=z9hG4bKc;received=192.0.2.1\r\n"
		     "From: <sip:alice@example.org>;tag=a1\r\n"
		     "To: <sip:bob@example.com>;tag=b1\r\n"
		     "Call-ID: c1\r\n"
		     "CSeq: 1 INVITE\r\n"
		     "\r\n");
}

static void test_edit_rules(void **state)
{
	(void)state;
	parse_ok(req);
	size_t to = sip_msg_off(&msg, msg.first[SIP_HDR_TO]->raw.s);
	size_t tolen = msg.first[SIP_HDR_TO]->raw.len;

	assert_int_equal(sip_msg_delete(&msg, to, tolen), SIP_OK);
	assert_int_equal(sip_msg_delete(&msg, to + 2, 1), SIP_EINVAL);
	assert_int_equal(sip_msg_delete(&msg, to - 1, 2), SIP_EINVAL);
	assert_int_equal(sip_msg_insert(&msg, to + 1, SIP_STR_LIT("x")), SIP_EINVAL);
	assert_int_equal(sip_msg_delete(&msg, msg.len, 1), SIP_EINVAL);
	assert_int_equal(sip_msg_insert(&msg, msg.len + 1, SIP_STR_LIT("x")), SIP_EINVAL);
	/* Insertions at both ends of a deleted range are fine, and several
	 * insertions at one offset keep their order. */
	assert_int_equal(sip_msg_insert(&msg, to + tolen, SIP_STR_LIT("B: 2\r\n")), SIP_OK);
	assert_int_equal(sip_msg_insert(&msg, to, SIP_STR_LIT("A: 1\r\n")), SIP_OK);
	assert_int_equal(sip_msg_insert(&msg, to, SIP_STR_LIT("A: 1b\r\n")), SIP_OK);
	assert_built("INVITE sip:bob@example.com SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP c.example.com;branch=z9hG4bKc\r\n"
		     "Via: SIP/2.0/TCP d.example.com;branch=z9hG4bKd\r\n"
		     "From: <sip:alice@example.org>;tag=a1\r\n"
		     "A: 1\r\nA: 1b\r\nB: 2\r\n"
		     "Call-ID: c1\r\n"
		     "CSeq: 1 INVITE\r\n"
		     "X-Remove: me\r\n"
		     "Content-Length: 2\r\n"
		     "\r\n"
		     "hi");
}

static void test_many_edits(void **state)
{
	(void)state;
	parse_ok(req);
	/* More edits than the initial capacity, recorded back to front. */
	for (int i = 19; i >= 0; i--) {
		sip_str s = sip_arena_printf(&arena, "%c", 'a' + i);
		assert_non_null(s.s);
		assert_int_equal(sip_msg_edit(&msg, (size_t)i, 1, s), SIP_OK);
	}
	long n = sip_msg_build(&msg, out, sizeof(out));
	assert_int_equal(n, (long)sizeof(req) - 1);
	assert_memory_equal(out, "abcdefghijklmnopqrst", 20);
	assert_memory_equal(out + 20, req + 20, sizeof(req) - 21);
}

static void test_trailing_junk_not_forwarded(void **state)
{
	(void)state;
	parse_ok("\r\nOPTIONS sip:a@b SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		 "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
		 "Content-Length: 0\r\n\r\nINVITE junk");
	assert_built("OPTIONS sip:a@b SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		     "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
		     "Content-Length: 0\r\n\r\n");
}

static long reply(int code, const char *reason, const char *tag, const char *extra,
		  const char *ip, int port)
{
	long n = sip_msg_build_reply(&msg, code, sip_str_make(reason, strlen(reason)),
				     sip_str_make(tag, strlen(tag)), sip_str_make(extra, strlen(extra)),
				     sip_str_make(ip, strlen(ip)), port, out, sizeof(out) - 1);
	if (n >= 0)
		out[n] = '\0';
	return n;
}

static void test_reply_rport_received_totag(void **state)
{
	(void)state;
	parse_ok("INVITE sip:bob@example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.5:5062;rport;branch=z9hG4bK1, SIP/2.0/UDP x.example.com\r\n"
		 "Max-Forwards: 70\r\n"
		 "Via: SIP/2.0/UDP y.example.com;branch=z9hG4bK2\r\n"
		 "f: <sip:alice@example.org>;tag=a1\r\n"
		 "To: Bob <sip:bob@example.com>  \r\n"
		 "Call-ID: c1\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "Content-Type: application/sdp\r\n"
		 "Content-Length: 3\r\n"
		 "\r\n"
		 "v=0");
	assert_true(reply(486, "Busy Here", "srv1", "Retry-After: 60", "203.0.113.7", 40000) > 0);
	assert_string_equal(out,
		"SIP/2.0 486 Busy Here\r\n"
		"Via: SIP/2.0/UDP 10.0.0.5:5062;rport=40000;branch=z9hG4bK1;received=203.0.113.7, SIP/2.0/UDP x.example.com\r\n"
		"Via: SIP/2.0/UDP y.example.com;branch=z9hG4bK2\r\n"
		"f: <sip:alice@example.org>;tag=a1\r\n"
		"To: Bob <sip:bob@example.com>;tag=srv1  \r\n"
		"Call-ID: c1\r\n"
		"CSeq: 1 INVITE\r\n"
		"Retry-After: 60\r\n"
		"Content-Length: 0\r\n"
		"\r\n");

	/* The reply parses and matches the request. */
	sip_msg r;
	sip_arena a2;
	sip_arena_init(&a2, 1024);
	assert_int_equal(sip_msg_parse(&a2, out, strlen(out), &r), SIP_OK);
	assert_int_equal(r.status, 486);
	assert_true(sip_str_eq(r.via1->branch, msg.via1->branch));
	assert_true(sip_str_eq(r.via1->received, SIP_STR_LIT("203.0.113.7")));
	assert_true(sip_str_eq(r.via1->rport, SIP_STR_LIT("40000")));
	assert_true(sip_str_eq(r.to_tag, SIP_STR_LIT("srv1")));
	assert_true(sip_msg_check_response(&r));
	sip_arena_destroy(&a2);

	/* 100 Trying gets no To tag. */
	assert_true(reply(100, "Trying", "srv1", "", "203.0.113.7", 40000) > 0);
	assert_non_null(strstr(out, "To: Bob <sip:bob@example.com>  \r\n"));
	/* Without a source address the top Via is copied unchanged. */
	long n = reply(486, "Busy", "t", "", "", 0);
	assert_int_equal(n, (long)strlen(out));
	assert_non_null(strstr(out, "\r\nVia: SIP/2.0/UDP 10.0.0.5:5062;rport;branch=z9hG4bK1, SIP/2.0/UDP x.example.com\r\n"));
	assert_int_equal(reply(42, "Bad", "t", "", "", 0), SIP_EINVAL);
	assert_int_equal(sip_msg_build_reply(&msg, 486, SIP_STR_LIT("Busy"), SIP_STR_NULL, SIP_STR_NULL,
					     SIP_STR_NULL, 0, out, 20), SIP_ETOOBIG);
}

static void test_reply_received_only_when_needed(void **state)
{
	(void)state;
	parse_ok("OPTIONS sip:a@b SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
		 "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
	assert_true(reply(200, "OK", "ignored", "", "192.0.2.1", 5060) > 0);
	assert_non_null(strstr(out, "\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"));
	assert_non_null(strstr(out, "\r\nTo: <sip:b@x>;tag=2\r\n"));
	assert_null(strstr(out, "ignored"));
	assert_true(reply(200, "OK", "", "", "192.0.2.2", 5060) > 0);
	assert_non_null(strstr(out, "\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;received=192.0.2.2\r\n"));
}

/* A request that failed to parse after its headers were read still gets a 400. */
static void test_reply_to_bad_request(void **state)
{
	static const char bad[] =
		"INVITE sip:a@b SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK9;rport\r\n"
		"From: <sip:a@x>;tag=1\r\n"
		"To: <sip:b@x>\r\n"
		"Call-ID: bad1\r\n"
		"CSeq: 99999999999 INVITE\r\n"
		"Content-Length: 0\r\n"
		"\r\n";

	(void)state;
	sip_arena_reset(&arena);
	assert_int_equal(sip_msg_parse(&arena, bad, sizeof(bad) - 1, &msg), SIP_EPARSE);
	assert_true(reply(400, "Bad Request", "x9", "", "198.51.100.1", 5999) > 0);
	assert_string_equal(out,
		"SIP/2.0 400 Bad Request\r\n"
		"Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK9;rport=5999;received=198.51.100.1\r\n"
		"From: <sip:a@x>;tag=1\r\n"
		"To: <sip:b@x>;tag=x9\r\n"
		"Call-ID: bad1\r\n"
		"CSeq: 99999999999 INVITE\r\n"
		"Content-Length: 0\r\n"
		"\r\n");

	/* A response cannot be replied to. */
	parse_ok("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n\r\n");
	assert_int_equal(reply(400, "Bad", "", "", "", 0), SIP_EINVAL);
}

/* Lines ended by a bare LF are refused (RFC 3261 §7); the 400 that says so
 * is all CRLF, even where it copies the request's header lines. */
static void test_reply_to_bare_lf(void **state)
{
	static const char bad[] =
		"OPTIONS sip:a@b SIP/2.0\n"
		"Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK9;rport\n"
		"From: <sip:a@x>;tag=1\r\n"
		"To: <sip:b@x>\n"
		"Call-ID: lf1\n"
		"CSeq: 1 OPTIONS\n"
		"Content-Length: 0\n"
		"\n";

	(void)state;
	sip_arena_reset(&arena);
	assert_int_equal(sip_msg_parse(&arena, bad, sizeof(bad) - 1, &msg), SIP_EPARSE);
	assert_string_equal(msg.error, "line not terminated by CRLF");
	assert_true(reply(400, msg.error, "x9", "", "198.51.100.1", 5999) > 0);
	assert_string_equal(out,
		"SIP/2.0 400 line not terminated by CRLF\r\n"
		"Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK9;rport=5999;received=198.51.100.1\r\n"
		"From: <sip:a@x>;tag=1\r\n"
		"To: <sip:b@x>;tag=x9\r\n"
		"Call-ID: lf1\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n"
		"\r\n");
}

/* A request line or a Via that is malformed past the sent-by still gets a
 * 400 back to the sender (RFC 4475 §3.1.2.1 and §3.1.2.8). */
static void test_reply_to_bad_start_and_via(void **state)
{
	static const char lws[] =
		"INVITE sip:user@example.com; lr SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395\r\n"
		"From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: l1\r\nCSeq: 2 INVITE\r\n\r\n";
	static const char via[] =
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n"
		"From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: v1\r\nCSeq: 8 INVITE\r\n\r\n";

	(void)state;
	sip_arena_reset(&arena);
	assert_int_equal(sip_msg_parse(&arena, lws, sizeof(lws) - 1, &msg), SIP_EPARSE);
	assert_true(msg.is_request);
	assert_int_equal(msg.method, SIP_METHOD_INVITE);
	assert_true(reply(400, "Bad Request", "t", "", "127.0.0.1", 4000) > 0);
	assert_non_null(strstr(out, "\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395;received=127.0.0.1\r\n"));
	assert_non_null(strstr(out, "\r\nCall-ID: l1\r\n"));

	sip_arena_reset(&arena);
	assert_int_equal(sip_msg_parse(&arena, via, sizeof(via) - 1, &msg), SIP_EPARSE);
	assert_non_null(msg.via1);
	assert_true(sip_str_eq(msg.via1->host, SIP_STR_LIT("192.0.2.15")));
	assert_int_equal(msg.via1->port, 0);
	assert_int_equal(msg.via1->branch.len, 0);
	assert_true(reply(400, "Bad Request", "t", "", "127.0.0.1", 4000) > 0);
	assert_non_null(strstr(out, "\r\nVia: SIP/2.0/UDP 192.0.2.15;received=127.0.0.1;;,;,,\r\n"));
	/* The message is still refused as a whole. */
	assert_null(sip_msg_vias(&msg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_edits),
		cmocka_unit_test(test_insert_via_and_replace_ruri),
		cmocka_unit_test(test_remove_via1_multi_value),
		cmocka_unit_test(test_remove_via1_single),
		cmocka_unit_test(test_edit_rules),
		cmocka_unit_test(test_many_edits),
		cmocka_unit_test(test_trailing_junk_not_forwarded),
		cmocka_unit_test(test_reply_rport_received_totag),
		cmocka_unit_test(test_reply_received_only_when_needed),
		cmocka_unit_test(test_reply_to_bad_request),
		cmocka_unit_test(test_reply_to_bare_lf),
		cmocka_unit_test(test_reply_to_bad_start_and_via),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
