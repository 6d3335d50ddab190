/* The RFC 5118 IPv6 torture messages (tests/data/rfc5118, from the RFC's
 * archive; the SDP cases from wire-clfix/, whose Content-Length the data's
 * README explains) against the parser and the proxy checks: each verdict of
 * index.tsv, then what the parser must read from each message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sip_test.h"

#include "core/status.h"
#include "sip/msg.h"
#include "sip/sdp.h"

static char buf[65536];

static bool has_sdp(const char *name)
{
	return strstr(name, "sdp") || strcmp(name, "ipv4-mapped-ipv6") == 0;
}

/* Read and parse one message; returns the parse status. */
static int load(const char *name, sip_msg *m)
{
	char path[1024];
	FILE *f;
	size_t len;

	snprintf(path, sizeof path, "%s/tests/data/rfc5118/%s/%s.sip", TOP_SRCDIR,
		 has_sdp(name) ? "wire-clfix" : "wire", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return sip_msg_parse(&arena, buf, len, m);
}

static void test_verdicts(void **state)
{
	char path[1024], line[1024];
	FILE *idx;
	unsigned n = 0;

	(void)state;
	snprintf(path, sizeof path, "%s/tests/data/rfc5118/index.tsv", TOP_SRCDIR);
	idx = fopen(path, "r");
	assert_non_null(idx);
	assert_non_null(fgets(line, sizeof line, idx));       /* header */
	while (fgets(line, sizeof line, idx)) {
		char *name = strtok(line, "\t"), *sect = strtok(NULL, "\t");
		char *title = strtok(NULL, "\t"), *verdict = strtok(NULL, "\t");
		sip_msg m;
		int rc, code = -1;

		assert_non_null(verdict);
		(void)title;
		rc = load(name, &m);
		if (rc == SIP_OK)
			code = sip_msg_check_request(&m, NULL);
		if (strncmp(verdict, "ACCEPT", 6) == 0) {
			if (rc != SIP_OK || code != 0)
				fail_msg("%s (§%s): parse %d (%s), check %d; expected it accepted",
					 name, sect, rc, m.error ? m.error : "", code);
			assert_true(m.is_request);
		} else {
			assert_true(strncmp(verdict, "REJECT 400", 10) == 0);
			if (!(rc == SIP_EPARSE || code == 400))
				fail_msg("%s (§%s): parse %d, check %d; expected a 400", name, sect, rc, code);
		}
		n++;
	}
	fclose(idx);
	assert_int_equal(n, 12);
}

/* §4.1, §4.3, §4.4: IPv6 references in the Request-URI, Via and Contact. */
static void test_references(void **state)
{
	sip_msg m;
	sip_uri *u;
	sip_naddr *c;

	(void)state;
	assert_int_equal(load("ipv6-good", &m), SIP_OK);
	u = sip_msg_ruri(&m);
	assert_non_null(u);
	assert_str(u->host, "[2001:db8::10]");
	assert_int_equal(u->port, 0);
	assert_str(m.via1->host, "[2001:db8::9:1]");
	assert_int_equal(m.via1->port, 0);
	c = sip_hdr_naddrs(&m, m.first[SIP_HDR_CONTACT]);
	assert_non_null(c);
	assert_str(c->uri.host, "[2001:db8::1]");

	/* §4.3: one address, no port (what the sender meant is another matter). */
	assert_int_equal(load("port-ambiguous", &m), SIP_OK);
	u = sip_msg_ruri(&m);
	assert_str(u->host, "[2001:db8::10:5070]");
	assert_int_equal(u->port, 0);
	/* §4.4 */
	assert_int_equal(load("port-unambiguous", &m), SIP_OK);
	u = sip_msg_ruri(&m);
	assert_str(u->host, "[2001:db8::10]");
	assert_int_equal(u->port, 5070);

	/* §4.2: no brackets, so "2001" is the host and the rest no port. */
	assert_int_equal(load("ipv6-bad", &m), SIP_OK);
	assert_null(sip_msg_ruri(&m));
	assert_int_equal(sip_msg_check_request(&m, NULL), 400);
}

/* §4.5: received= with and without brackets; both are read, the value as
 * written (the transport layer takes either form). */
static void test_via_received(void **state)
{
	sip_msg m;

	(void)state;
	assert_int_equal(load("via-received-param-with-delim", &m), SIP_OK);
	assert_str(m.via1->host, "[2001:db8::9:1]");
	assert_str(m.via1->received, "[2001:db8::9:255]");
	assert_str(m.via1->branch, "z9hG4bKas3-111");
	assert_int_equal(load("via-received-param-no-delim", &m), SIP_OK);
	assert_str(m.via1->received, "2001:db8::9:255");
	assert_str(m.via1->branch, "z9hG4bKas3");
}

/* §4.7: IPv6 and IPv4 Vias mixed; §4.9: IPv4-mapped addresses. */
static void test_mixed(void **state)
{
	sip_msg m;
	sip_via *v;

	(void)state;
	assert_int_equal(load("mult-ip-in-header", &m), SIP_OK);
	v = sip_msg_vias(&m);
	assert_non_null(v);
	assert_str(v->host, "[2001:db8::9:1]");
	assert_int_equal(v->port, 6050);
	v = v->next;
	assert_non_null(v);
	assert_str(v->host, "192.0.2.1");
	v = v->next;
	assert_non_null(v);
	assert_str(v->transport, "TCP");
	assert_str(v->host, "[2001:db8::9:255]");
	assert_str(v->received, "192.0.2.200");
	assert_null(v->next);

	assert_int_equal(load("ipv4-mapped-ipv6", &m), SIP_OK);
	v = sip_msg_vias(&m);
	assert_str(v->host, "[::ffff:192.0.2.10]");
	assert_int_equal(v->port, 19823);
	assert_str(v->next->host, "[::ffff:192.0.2.2]");
	sip_naddr *c = sip_hdr_naddrs(&m, m.first[SIP_HDR_CONTACT]);
	assert_str(c->uri.host, "[::ffff:192.0.2.2]");
	sip_sdp *d = sip_msg_sdp(&m, NULL);
	assert_non_null(d);
	assert_str(d->o_addr, "::ffff:192.0.2.2");
}

/* §4.10: the RFC 3261 ABNF admits three colons; be robust and read both. */
static void test_abnf_bug(void **state)
{
	sip_msg m;
	sip_naddr *to;

	(void)state;
	assert_int_equal(load("ipv6-bug-abnf-3-colons", &m), SIP_OK);
	assert_str(sip_msg_ruri(&m)->host, "[2001:db8:::192.0.2.1]");
	to = sip_msg_to(&m);
	assert_str(to->uri.host, "[2001:db8:::192.0.2.1]");
	assert_int_equal(load("ipv6-correct-abnf-2-colons", &m), SIP_OK);
	assert_str(sip_msg_ruri(&m)->host, "[2001:db8::192.0.2.1]");
	assert_str(m.via1->host, "lab1.east.example.com");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_via_received),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_abnf_bug),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
