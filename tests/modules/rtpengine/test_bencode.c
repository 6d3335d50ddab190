/* modules/rtpengine/bencode.c: encoding, decoding (nested, malformed,
 * truncated, too deep); modules/rtpengine/rtpengine.c: the dictionary of
 * a command built from a flags string, and a relay that does not answer
 * (a bound socket that never replies: the bounded wait, then "down"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/status.h"
#include "rtpengine/bencode.h"
#include "rtpengine/rtpengine.h"

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

static int dec(const char *s, benc_node **n)
{
	size_t used = 0;
	int rc = benc_decode(&arena, s, strlen(s), n, &used);
	if (rc == SIP_OK)
		assert_int_equal(used, strlen(s));
	return rc;
}

static void assert_s(sip_str s, const char *want)
{
	assert_int_equal(s.len, strlen(want));
	assert_memory_equal(s.s, want, s.len);
}

static void test_encode(void **state)
{
	(void)state;
	char buf[256];
	benc_buf b;
	benc_init(&b, buf, sizeof buf);
	benc_dict(&b);
	benc_kv(&b, "command", SIP_STR_LIT("ping"));
	benc_cstr(&b, "n");
	benc_int(&b, -42);
	benc_cstr(&b, "l");
	benc_list(&b);
	benc_str(&b, SIP_STR_LIT(""));
	benc_int(&b, 0);
	benc_end(&b);
	benc_end(&b);
	assert_false(b.overflow);
	assert_int_equal(b.len, strlen("d7:command4:ping1:ni-42e1:ll0:i0eee"));
	assert_memory_equal(buf, "d7:command4:ping1:ni-42e1:ll0:i0eee", b.len);

	/* Too small: overflow is remembered, nothing is written past cap. */
	char small[8];
	benc_init(&b, small, sizeof small);
	benc_kv(&b, "command", SIP_STR_LIT("ping"));
	assert_true(b.overflow);
	assert_true(b.len <= sizeof small);
}

static void test_decode_nested(void **state)
{
	(void)state;
	benc_node *n;
	assert_int_equal(dec("d6:result2:ok3:sdp5:v=0\r\n4:listl1:ai7eld1:xi-1eeee5:emptydee", &n), SIP_OK);
	assert_int_equal(n->type, BENC_DICT);
	assert_s(benc_get_str(n, "result"), "ok");
	assert_s(benc_get_str(n, "sdp"), "v=0\r\n");
	benc_node *l = benc_get(n, "list");
	assert_non_null(l);
	assert_int_equal(l->type, BENC_LIST);
	assert_int_equal(l->child->type, BENC_STR);
	assert_int_equal(l->child->next->type, BENC_INT);
	assert_int_equal(l->child->next->i, 7);
	benc_node *inner = l->child->next->next;
	assert_int_equal(inner->type, BENC_LIST);
	assert_int_equal(benc_get(inner->child, "x")->i, -1);
	assert_int_equal(benc_get(n, "empty")->type, BENC_DICT);
	assert_null(benc_get(n, "empty")->child);
	assert_null(benc_get(n, "missing"));
	assert_null(benc_get_str(n, "list").s);      /* not a string */

	assert_int_equal(dec("0:", &n), SIP_OK);
	assert_int_equal(n->s.len, 0);
	assert_int_equal(dec("i9223372036854775807e", &n), SIP_OK);
	assert_int_equal(n->i, INT64_MAX);

	/* Trailing bytes are left to the caller: used says where it stopped. */
	size_t used;
	assert_int_equal(benc_decode(&arena, "i1eXYZ", 6, &n, &used), SIP_OK);
	assert_int_equal(used, 3);
}

static void test_decode_malformed(void **state)
{
	(void)state;
	benc_node *n;
	static const char *bad[] = {
		"", "x", "e", "i", "ie", "i-e", "i-0e", "i01e", "i1", "i12a",
		"i99999999999999999999e", "3:ab", "5", "-1:a", "01:a",
		"l", "li1e", "d", "d1:a", "d1:ai1e", "di1ei2ee", "d1:a1:b",
		"l1:a", "4294967296:x", "18446744073709551617:x",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (dec(bad[i], &n) != SIP_EPARSE)
			fail_msg("accepted '%s'", bad[i]);
	}
	/* A string length past the end of a bigger buffer must not read it:
	 * decode only a prefix of a valid buffer. */
	static const char full[] = "d3:sdp10:0123456789e";
	for (size_t k = 0; k + 1 < sizeof full - 1; k++)
		assert_int_equal(benc_decode(&arena, full, k, &n, NULL), SIP_EPARSE);
}

static void test_decode_depth(void **state)
{
	(void)state;
	char buf[2 * BENC_MAX_DEPTH + 8];
	benc_node *n;
	size_t k = 0;
	for (int i = 0; i < BENC_MAX_DEPTH; i++)
		buf[k++] = 'l';
	for (int i = 0; i < BENC_MAX_DEPTH; i++)
		buf[k++] = 'e';
	assert_int_equal(benc_decode(&arena, buf, k, &n, NULL), SIP_OK);
	k = 0;
	for (int i = 0; i <= BENC_MAX_DEPTH; i++)
		buf[k++] = 'l';
	for (int i = 0; i <= BENC_MAX_DEPTH; i++)
		buf[k++] = 'e';
	assert_int_equal(benc_decode(&arena, buf, k, &n, NULL), SIP_EPARSE);
}

static void test_build_offer(void **state)
{
	(void)state;
	char buf[1024];
	benc_buf b;
	benc_init(&b, buf, sizeof buf);
	struct rtpe_req r = {
		.command = "offer", .callid = SIP_STR_LIT("c1@h"), .from_tag = SIP_STR_LIT("ft"),
		.sdp = SIP_STR_LIT("v=0\r\n"), .recv_ip = SIP_STR_LIT("192.0.2.1"),
		.flags = SIP_STR_LIT(" trust-address  replace-origin replace-session-connection "
				     "ICE=remove direction=external direction=internal RTP/AVP symmetric"),
	};
	rtpe_build(&b, &r);
	assert_false(b.overflow);
	benc_node *d;
	assert_int_equal(benc_decode(&arena, buf, b.len, &d, NULL), SIP_OK);
	assert_s(benc_get_str(d, "command"), "offer");
	assert_s(benc_get_str(d, "call-id"), "c1@h");
	assert_s(benc_get_str(d, "from-tag"), "ft");
	assert_null(benc_get(d, "to-tag"));
	assert_s(benc_get_str(d, "sdp"), "v=0\r\n");
	assert_s(benc_get_str(d, "ICE"), "remove");
	assert_s(benc_get_str(d, "transport-protocol"), "RTP/AVP");
	benc_node *f = benc_get(d, "flags");
	assert_non_null(f);
	assert_s(f->child->s, "trust-address");
	assert_s(f->child->next->s, "symmetric");
	assert_null(f->child->next->next);
	benc_node *rep = benc_get(d, "replace");
	assert_s(rep->child->s, "origin");
	assert_s(rep->child->next->s, "session-connection");
	benc_node *dir = benc_get(d, "direction");
	assert_s(dir->child->s, "external");
	assert_s(dir->child->next->s, "internal");
	benc_node *rf = benc_get(d, "received-from");
	assert_s(rf->child->s, "IP4");
	assert_s(rf->child->next->s, "192.0.2.1");

	/* No flags: no empty lists. */
	benc_init(&b, buf, sizeof buf);
	struct rtpe_req del = { .command = "delete", .callid = SIP_STR_LIT("c1@h") };
	rtpe_build(&b, &del);
	assert_int_equal(benc_decode(&arena, buf, b.len, &d, NULL), SIP_OK);
	assert_null(benc_get(d, "flags"));
	assert_null(benc_get(d, "replace"));
}

/* A bound socket that never answers: the command gives up after its
 * tries, then fails at once while the relay counts as down. */
static void test_no_answer(void **state)
{
	(void)state;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t al = sizeof a;
	getsockname(s, (struct sockaddr *)&a, &al);
	snprintf(rtpe_conf.socket, sizeof rtpe_conf.socket, "udp:127.0.0.1:%u", ntohs(a.sin_port));
	rtpe_conf.timeout_ms = 50;
	rtpe_conf.retries = 1;
	rtpe_conf.disable_s = 60;
	assert_int_equal(rtpe_open(), SIP_OK);
	struct rtpe_req r = { .command = "ping" };
	benc_node *d;
	assert_true(rtpe_up());
	assert_int_equal(rtpe_command(&arena, &r, &d, NULL), SIP_ETIMEOUT);
	assert_false(rtpe_up());
	assert_int_equal(rtpe_command(&arena, &r, &d, NULL), SIP_ESTATE);
	/* Both sends arrived, with the same cookie. */
	char b1[256], b2[256];
	ssize_t n1 = recv(s, b1, sizeof b1, MSG_DONTWAIT), n2 = recv(s, b2, sizeof b2, MSG_DONTWAIT);
	assert_true(n1 > 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, (size_t)n1);
	assert_non_null(memmem(b1, (size_t)n1, " d7:command4:pinge", 18));
	rtpe_close();
	close(s);

	strcpy(rtpe_conf.socket, "udp:nowhere");
	assert_int_equal(rtpe_open(), SIP_EINVAL);
	strcpy(rtpe_conf.socket, "tcp:127.0.0.1:99999");
	assert_int_equal(rtpe_open(), SIP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_decode_nested),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_decode_depth),
		cmocka_unit_test(test_build_offer),
		cmocka_unit_test(test_no_answer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
