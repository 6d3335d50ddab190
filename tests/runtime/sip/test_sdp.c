#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#define SIP_TEST_ARENA 1024
#include "sip_test.h"

#include "core/status.h"
#include "sip/msg.h"
#include "sip/sdp.h"


static int parse(const char *s, sip_sdp **d, const char **err)
{
	return sip_sdp_parse(&arena, sip_str_make(s, strlen(s)), d, err);
}

/* RFC 4566 §5 example. */
static const char rfc4566[] =
	"v=0\r\n"
	"o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\n"
	"s=SDP Seminar\r\n"
	"i=A Seminar on the session description protocol\r\n"
	"u=http://www.example.com/seminars/sdp.pdf\r\n"
	"e=j.doe@example.com (Jane Doe)\r\n"
	"c=IN IP4 224.2.17.12/127\r\n"
	"t=2873397496 2873404696\r\n"
	"a=recvonly\r\n"
	"m=audio 49170 RTP/AVP 0\r\n"
	"m=video 51372 RTP/AVP 99\r\n"
	"a=rtpmap:99 h263-1998/90000\r\n";

static void test_rfc4566_example(void **state)
{
	sip_sdp *d;
	sip_sdp_rtpmap rm;
	const sip_sdp_conn *c;

	(void)state;
	assert_int_equal(parse(rfc4566, &d, NULL), SIP_OK);
	assert_str(d->version, "0");
	assert_str(d->o_user, "jdoe");
	assert_str(d->o_sess_id, "2890844526");
	assert_str(d->o_sess_version, "2890842807");
	assert_str(d->o_addrtype, "IP4");
	assert_str(d->o_addr, "10.47.16.5");
	assert_str(d->session_name, "SDP Seminar");
	assert_true(d->conn.present);
	assert_str(d->conn.addr, "224.2.17.12");
	assert_str(d->conn.raw, "IN IP4 224.2.17.12/127");
	assert_str(d->timing, "2873397496 2873404696");
	assert_int_equal(d->dir, SIP_SDP_RECVONLY);
	assert_int_equal(d->n_attrs, 1);
	assert_int_equal(d->n_media, 2);

	sip_sdp_media *a = d->media, *v = a->next;
	assert_str(a->type, "audio");
	assert_int_equal(a->port, 49170);
	assert_str(a->port_str, "49170");
	assert_str(a->proto, "RTP/AVP");
	assert_str(a->fmts, "0");
	assert_false(a->conn.present);
	c = sip_sdp_media_conn(d, a);
	assert_non_null(c);
	assert_str(c->addr, "224.2.17.12");
	assert_int_equal(a->dir, SIP_SDP_RECVONLY);
	assert_str(a->section, "m=audio 49170 RTP/AVP 0\r\n");
	assert_int_equal(sip_sdp_rtpmap_find(a, 0, &rm), SIP_ENOTFOUND);

	assert_str(v->type, "video");
	assert_int_equal(v->port, 51372);
	assert_int_equal(sip_sdp_rtpmap_find(v, 99, &rm), SIP_OK);
	assert_str(rm.encoding, "h263-1998");
	assert_int_equal(rm.clock_rate, 90000);
	assert_int_equal(rm.params.len, 0);
	assert_null(v->next);
	assert_ptr_equal(sip_sdp_find_media(d, "video"), v);
	assert_null(sip_sdp_find_media(d, "text"));
	/* Slices point into the body. */
	assert_true(v->port_str.s > rfc4566 && v->port_str.s < rfc4566 + sizeof rfc4566);
}

static void test_media_attributes(void **state)
{
	static const char s[] =
		"v=0\n"
		"o=- 1 1 IN IP6 2001:db8::1\n"
		"s=-\n"
		"t=0 0\n"
		"a=sendonly\n"
		"a=ice-ufrag:F7gI\n"
		"m=audio 5004/2 UDP/TLS/RTP/SAVPF 111 0  8 101\n"
		"c=IN IP6 2001:db8::2\n"
		"a=rtpmap:111 opus/48000/2\n"
		"a=rtpmap:101 telephone-event/8000\n"
		"a=candidate:1 1 UDP 2130706431 2001:db8::2 5004 typ host\n"
		"a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 10.0.1.1 rport 8998\n"
		"a=rtcp-mux\n"
		"m=video 0 RTP/AVP 96\n"
		"a=inactive\n"
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
		"a=recvonly";
	sip_sdp *d;
	sip_sdp_rtpmap rm;
	sip_str f;
	size_t pos = 0;
	const char *want[] = { "111", "0", "8", "101" };
	unsigned n = 0;

	(void)state;
	assert_int_equal(parse(s, &d, NULL), SIP_OK);
	assert_false(d->conn.present);
	assert_int_equal(d->dir, SIP_SDP_SENDONLY);
	assert_int_equal(d->n_media, 3);
	sip_sdp_media *a = d->media;
	assert_int_equal(a->port, 5004);
	assert_int_equal(a->nports, 2);
	assert_str(a->proto, "UDP/TLS/RTP/SAVPF");
	assert_int_equal(a->dir, SIP_SDP_SENDONLY);
	assert_str(sip_sdp_media_conn(d, a)->addr, "2001:db8::2");
	assert_str(a->conn.addrtype, "IP6");
	while (sip_sdp_fmt_next(a, &pos, &f)) {
		assert_true(n < 4);
		assert_str(f, want[n++]);
	}
	assert_int_equal(n, 4);
	assert_int_equal(sip_sdp_rtpmap_find(a, 111, &rm), SIP_OK);
	assert_str(rm.encoding, "opus");
	assert_int_equal(rm.clock_rate, 48000);
	assert_str(rm.params, "2");
	assert_int_equal(sip_sdp_rtpmap_find(a, 101, &rm), SIP_OK);
	assert_str(rm.encoding, "telephone-event");

	sip_sdp_attr *c1 = sip_sdp_attr_find(a->attrs, "candidate");
	assert_non_null(c1);
	assert_str(c1->value, "1 1 UDP 2130706431 2001:db8::2 5004 typ host");
	sip_sdp_attr *c2 = sip_sdp_attr_find(c1->next, "candidate");
	assert_non_null(c2);
	assert_null(sip_sdp_attr_find(c2->next, "candidate"));
	sip_sdp_attr *mux = sip_sdp_attr_find(a->attrs, "rtcp-mux");
	assert_non_null(mux);
	assert_false(mux->has_value);
	assert_str(mux->line, "a=rtcp-mux\n");
	assert_int_equal(a->n_attrs, 5);
	assert_non_null(sip_sdp_attr_find(d->attrs, "ice-ufrag"));
	assert_null(sip_sdp_attr_find(a->attrs, "ice-ufrag"));

	sip_sdp_media *v = a->next;
	assert_int_equal(v->port, 0);
	assert_int_equal(v->dir, SIP_SDP_INACTIVE);
	assert_null(sip_sdp_media_conn(d, v));
	sip_sdp_media *dc = v->next;
	assert_str(dc->fmts, "webrtc-datachannel");
	assert_int_equal(dc->dir, SIP_SDP_RECVONLY);
	assert_string_equal(sip_sdp_dir_name(dc->dir), "recvonly");
	/* The last line has no line end. */
	assert_str(dc->section, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\na=recvonly");
}

static void test_bad_rtpmap(void **state)
{
	static const char s[] =
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0 8 9\r\n"
		"a=rtpmap:0 PCMU\r\n"
		"a=rtpmap:8 PCMA/0\r\n"
		"a=rtpmap:x PCMA/8000\r\n";
	sip_sdp *d;
	sip_sdp_rtpmap rm;

	(void)state;
	assert_int_equal(parse(s, &d, NULL), SIP_OK);
	assert_int_equal(sip_sdp_rtpmap_find(d->media, 0, &rm), SIP_EPARSE);
	assert_int_equal(sip_sdp_rtpmap_find(d->media, 8, &rm), SIP_EPARSE);
	assert_int_equal(sip_sdp_rtpmap_find(d->media, 9, &rm), SIP_ENOTFOUND);
}

static void test_garbage(void **state)
{
	static const struct { const char *sdp, *why; } bad[] = {
		{ "", "empty SDP" },
		{ "\r\n\r\n", "empty SDP" },
		{ "o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", "SDP does not start with v=0" },
		{ "v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n", "SDP does not start with v=0" },
		{ "v=0\r\nv=0\r\n", "repeated v= line" },
		{ "v=0\r\no=- 1 1 IN IP4\r\ns=-\r\nt=0 0\r\n", "bad o= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4 x\r\ns=-\r\nt=0 0\r\n", "bad o= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nt=0 0\r\n", "SDP without s= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n", "SDP without t= line" },
		{ "v=0\r\ns=-\r\nt=0 0\r\n", "SDP without o= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nx=1\r\n", "unknown SDP line type" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm audio\r\n", "SDP line is not <type>=<value>" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nc=IN IP4\r\n", "bad c= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nc=IN IP4 /1\r\n", "bad c= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n", "repeated c= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n", "bad m= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP\r\n", "bad m= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000/0 RTP/AVP 0\r\n", "bad m= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio -1 RTP/AVP 0\r\n", "bad m= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nt=0 0\r\n", "t= line in a media section" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\na=:x\r\n", "bad a= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\na=a b\r\n", "bad a= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=sendonly\r\na=recvonly\r\n", "two direction attributes in a media section" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=a\rb\r\nt=0 0\r\n", "control character in SDP line" },
	};
	sip_sdp *d;
	const char *err;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = NULL;
		d = (sip_sdp *)1;
		int rc = parse(bad[i].sdp, &d, &err);
		if (rc != SIP_EPARSE || !err || strcmp(err, bad[i].why) != 0)
			fail_msg("case %zu: rc %d, \"%s\", want \"%s\"", i, rc, err ? err : "", bad[i].why);
		assert_null(d);
	}
	/* A NUL inside a line. */
	static const char nul[] = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=a\0b\r\nt=0 0\r\n";
	assert_int_equal(sip_sdp_parse(&arena, sip_str_make(nul, sizeof nul - 1), &d, &err), SIP_EPARSE);
	assert_string_equal(err, "control character in SDP line");
}

/* Every prefix of a valid description, each in an exact-size heap copy
 * (the sanitizer build catches a read past the end): an error or a
 * description, never more. */
static void test_every_prefix(void **state)
{
	size_t n = strlen(rfc4566);
	unsigned ok = 0;

	(void)state;
	for (size_t len = 0; len <= n; len++) {
		char *buf = malloc(len ? len : 1);
		sip_sdp *d;
		assert_non_null(buf);
		memcpy(buf, rfc4566, len);
		int rc = sip_sdp_parse(&arena, sip_str_make(buf, len), &d, NULL);
		assert_true(rc == SIP_OK || rc == SIP_EPARSE);
		if (rc == SIP_OK) {
			ok++;
			assert_true(d->n_media <= 2);
		}
		free(buf);
	}
	/* From the end of the t= line on, every prefix is a description. */
	assert_true(ok > 0 && ok < n);
}

static void test_limits(void **state)
{
	char buf[8192];
	size_t n;
	sip_sdp *d;
	const char *err;

	(void)state;
	n = (size_t)snprintf(buf, sizeof buf, "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n");
	for (int i = 0; i < SIP_SDP_MAX_MEDIA; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "m=audio %d RTP/AVP 0\r\n", 1000 + i);
	assert_int_equal(sip_sdp_parse(&arena, sip_str_make(buf, n), &d, &err), SIP_OK);
	assert_int_equal(d->n_media, SIP_SDP_MAX_MEDIA);
	n += (size_t)snprintf(buf + n, sizeof buf - n, "m=audio 9 RTP/AVP 0\r\n");
	assert_int_equal(sip_sdp_parse(&arena, sip_str_make(buf, n), &d, &err), SIP_ELIMIT);
	assert_string_equal(err, "too many media sections");
}

static char *read_file(const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;

	snprintf(path, sizeof path, "%s/%s", TOP_SRCDIR, rel);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	buf = malloc(65536);
	assert_non_null(buf);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

/* RFC 5118 §4.6, §4.8, §4.9: IPv6 and IPv4-mapped addresses in SDP, read
 * through the message (with the Content-Length corrected, see the data's
 * README). */
static void test_rfc5118_sdp(void **state)
{
	static const struct { const char *file, *sess, *audio, *atype; int port; } cases[] = {
		{ "tests/data/rfc5118/wire-clfix/ipv6-in-sdp.sip", "2001:db8::20", "2001:db8::20", "IP6", 6000 },
		{ "tests/data/rfc5118/wire-clfix/mult-ip-in-sdp.sip", NULL, "192.0.2.1", "IP4", 22334 },
		{ "tests/data/rfc5118/wire-clfix/ipv4-mapped-ipv6.sip", "::ffff:192.0.2.2", "::ffff:192.0.2.2", "IP6", 6000 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		char *buf = read_file(cases[i].file, &len);
		sip_msg m;
		int st;
		assert_int_equal(sip_msg_parse(&arena, buf, len, &m), SIP_OK);
		sip_sdp *d = sip_msg_sdp(&m, &st);
		if (!d)
			fail_msg("%s: status %d", cases[i].file, st);
		assert_int_equal(st, SIP_OK);
		assert_ptr_equal(sip_msg_sdp(&m, NULL), d);
		if (cases[i].sess)
			assert_str(sip_sdp_media_conn(d, NULL)->addr, cases[i].sess);
		else
			assert_null(sip_sdp_media_conn(d, NULL));
		sip_sdp_media *a = sip_sdp_find_media(d, "audio");
		assert_non_null(a);
		const sip_sdp_conn *c = sip_sdp_media_conn(d, a);
		assert_str(c->addr, cases[i].audio);
		assert_str(c->addrtype, cases[i].atype);
		assert_int_equal(a->port, cases[i].port);
		if (!cases[i].sess) {
			/* §4.8: the video stream is on IPv6. */
			c = sip_sdp_media_conn(d, sip_sdp_find_media(d, "video"));
			assert_str(c->addr, "2001:db8::1");
			assert_str(c->addrtype, "IP6");
		}
		free(buf);
	}
}

static void test_msg_content_type(void **state)
{
	static const char hdrs[] =
		"INVITE sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
		"From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
		"Call-ID: c1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n";
	static const char body[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
				   "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 192.0.2.9\r\n";
	char buf[2048];
	sip_msg m;
	int st;
	size_t n;

	(void)state;
	/* application/sdp with parameters, any case. */
	n = (size_t)snprintf(buf, sizeof buf, "%sContent-Type: Application/SDP ; charset=utf-8\r\n"
			     "Content-Length: %zu\r\n\r\n%s", hdrs, strlen(body), body);
	assert_int_equal(sip_msg_parse(&arena, buf, n, &m), SIP_OK);
	sip_sdp *d = sip_msg_sdp(&m, &st);
	assert_non_null(d);
	assert_str(sip_sdp_media_conn(d, d->media)->addr, "192.0.2.9");
	/* Another type. */
	n = (size_t)snprintf(buf, sizeof buf, "%sContent-Type: text/plain\r\n"
			     "Content-Length: %zu\r\n\r\n%s", hdrs, strlen(body), body);
	assert_int_equal(sip_msg_parse(&arena, buf, n, &m), SIP_OK);
	assert_null(sip_msg_sdp(&m, &st));
	assert_int_equal(st, SIP_ENOTFOUND);
	/* No body. */
	n = (size_t)snprintf(buf, sizeof buf, "%sContent-Type: application/sdp\r\n"
			     "Content-Length: 0\r\n\r\n", hdrs);
	assert_int_equal(sip_msg_parse(&arena, buf, n, &m), SIP_OK);
	assert_null(sip_msg_sdp(&m, &st));
	assert_int_equal(st, SIP_ENOTFOUND);
	/* A broken body. */
	n = (size_t)snprintf(buf, sizeof buf, "%sContent-Type: application/sdp\r\n"
			     "Content-Length: 5\r\n\r\nhello", hdrs);
	assert_int_equal(sip_msg_parse(&arena, buf, n, &m), SIP_OK);
	assert_null(sip_msg_sdp(&m, &st));
	assert_int_equal(st, SIP_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4566_example),
		cmocka_unit_test(test_media_attributes),
		cmocka_unit_test(test_bad_rtpmap),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_rfc5118_sdp),
		cmocka_unit_test(test_msg_content_type),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
