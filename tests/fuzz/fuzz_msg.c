/* libFuzzer target for the SIP message parser: parse, walk every lazy
 * accessor, run the proxy checks, build a stateless reply and serialize the
 * message with edits. Besides the sanitizers, it aborts when a property the
 * proxy relies on does not hold (a parsed message serializes to bytes that
 * parse again to the same transaction keys; edits change the length by
 * exactly what they insert and delete). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "sip/msg.h"

#define FUZZ_OUT_SIZE (2 * SIP_MAX_MSG_SIZE + 4096)

static char fuzz_out[FUZZ_OUT_SIZE];
static char fuzz_out2[FUZZ_OUT_SIZE];

#define FUZZ_ASSERT(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

/* Touch every byte of a slice so ASan checks it lies inside live memory. */
static unsigned fuzz_touch(sip_str s)
{
	unsigned h = 0;

	for (size_t i = 0; i < s.len; i++)
		h = h * 31 + (unsigned char)s.s[i];
	return h;
}

static unsigned fuzz_touch_uri(const sip_uri *u)
{
	return fuzz_touch(u->scheme) + fuzz_touch(u->user) + fuzz_touch(u->password)
	       + fuzz_touch(u->host) + fuzz_touch(u->params) + fuzz_touch(u->headers)
	       + fuzz_touch(u->transport) + fuzz_touch(u->maddr) + fuzz_touch(u->opaque)
	       + (unsigned)u->port;
}

static unsigned fuzz_touch_naddrs(const sip_naddr *n)
{
	unsigned h = 0;

	for (; n; n = n->next)
		h += fuzz_touch(n->display) + fuzz_touch(n->uri_str) + fuzz_touch(n->tag)
		     + fuzz_touch(n->params) + fuzz_touch(n->raw) + fuzz_touch_uri(&n->uri);
	return h;
}

/* Every accessor a policy can reach. */
static unsigned fuzz_walk(sip_msg *m)
{
	static const char *names[] = { "v", "Via", "X-Unknown", "s", "Subject", "m", "CONTACT" };
	unsigned h = 0;
	sip_uri *u;
	sip_str unsup;

	if ((u = sip_msg_ruri(m)))
		h += fuzz_touch_uri(u);
	h += fuzz_touch_naddrs(sip_msg_from(m)) + fuzz_touch_naddrs(sip_msg_to(m));
	for (sip_via *v = sip_msg_vias(m); v; v = v->next)
		h += fuzz_touch(v->proto) + fuzz_touch(v->transport) + fuzz_touch(v->host)
		     + fuzz_touch(v->branch) + fuzz_touch(v->received) + fuzz_touch(v->rport)
		     + fuzz_touch(v->params) + fuzz_touch(v->raw) + (unsigned)v->port;
	for (sip_hdr *hd = m->hdrs; hd; hd = hd->next) {
		h += fuzz_touch(hd->name) + fuzz_touch(hd->body) + fuzz_touch(hd->raw);
		switch (hd->type) {
		case SIP_HDR_FROM:
		case SIP_HDR_TO:
		case SIP_HDR_CONTACT:
		case SIP_HDR_ROUTE:
		case SIP_HDR_RECORD_ROUTE:
		case SIP_HDR_PATH:
			h += fuzz_touch_naddrs(sip_hdr_naddrs(m, hd));
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		sip_hdr *hd = sip_msg_find_hdr(m, sip_str_make(names[i], strlen(names[i])));
		if (hd)
			h += fuzz_touch(hd->body);
	}
	h += fuzz_touch(m->body) + fuzz_touch(m->callid) + fuzz_touch(m->cseq.method_str);
	if (m->is_request) {
		int code = sip_msg_check_request(m, &unsup);
		FUZZ_ASSERT(code == 0 || (code >= 400 && code <= 599));
		h += fuzz_touch(unsup);
	} else {
		h += sip_msg_check_response(m);
	}
	return h;
}

/* Stateless replies, including one into a buffer too small for it. */
static void fuzz_reply(sip_msg *m)
{
	long n, small;

	n = sip_msg_build_reply(m, 400, SIP_STR_LIT("Bad Request"), SIP_STR_LIT("fz1"),
				SIP_STR_LIT("Warning: 399 fuzz \"x\""), SIP_STR_LIT("192.0.2.1"),
				5062, fuzz_out, sizeof(fuzz_out));
	if (!m->is_request) {
		FUZZ_ASSERT(n == SIP_EINVAL);
		return;
	}
	FUZZ_ASSERT(n > 0 && (size_t)n <= sizeof(fuzz_out));
	small = sip_msg_build_reply(m, 400, SIP_STR_LIT("Bad Request"), SIP_STR_LIT("fz1"),
				    SIP_STR_LIT("Warning: 399 fuzz \"x\""), SIP_STR_LIT("192.0.2.1"),
				    5062, fuzz_out2, (size_t)n - 1);
	FUZZ_ASSERT(small == SIP_ETOOBIG);
	n = sip_msg_build_reply(m, 100, SIP_STR_LIT("Trying"), SIP_STR_NULL, SIP_STR_NULL,
				SIP_STR_NULL, 0, fuzz_out, sizeof(fuzz_out));
	FUZZ_ASSERT(n > 0);
}

/* Serialize unchanged, reparse, then again with the edits a proxy makes
 * when it forwards (pop the top Via, add a Via and a Record-Route). */
static void fuzz_build(sip_msg *m)
{
	static const char via[] = "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKfz\r\n";
	static const char rr[] = "Record-Route: <sip:192.0.2.1;lr>\r\n";
	sip_arena a2;
	sip_msg m2;
	long n0, n1;
	long delta = 0;
	int rc;

	n0 = sip_msg_build(m, fuzz_out, sizeof(fuzz_out));
	FUZZ_ASSERT(n0 >= 0 && (size_t)n0 <= m->len);
	sip_arena_init(&a2, 256);
	rc = sip_msg_parse(&a2, fuzz_out, (size_t)n0, &m2);
	FUZZ_ASSERT(rc == SIP_OK);
	FUZZ_ASSERT(m2.is_request == m->is_request && m2.method == m->method
		    && m2.status == m->status && sip_str_eq(m2.callid, m->callid)
		    && m2.cseq.num == m->cseq.num && sip_str_eq(m2.body, m->body));
	sip_arena_destroy(&a2);

	if (m->via1 && sip_msg_remove_via1(m) == SIP_OK) {
		for (unsigned i = 0; i < m->n_edits; i++)
			delta -= (long)m->edits[i].del;
	}
	rc = sip_msg_insert(m, sip_msg_hdrs_start(m), SIP_STR_LIT(via));
	FUZZ_ASSERT(rc == SIP_OK);
	rc = sip_msg_insert(m, sip_msg_hdrs_start(m), SIP_STR_LIT(rr));
	FUZZ_ASSERT(rc == SIP_OK);
	delta += (long)(sizeof(via) - 1 + sizeof(rr) - 1);
	n1 = sip_msg_build(m, fuzz_out, sizeof(fuzz_out));
	FUZZ_ASSERT(n1 == n0 + delta);
	FUZZ_ASSERT(sip_msg_build(m, fuzz_out2, (size_t)n1 - 1) == SIP_ETOOBIG);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so reading one byte past the end is caught. */
	char *buf = malloc(size ? size : 1);
	sip_arena arena;
	sip_msg m;
	long framed;
	int rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	framed = sip_msg_frame(buf, size);
	FUZZ_ASSERT(framed == SIP_EINCOMPLETE || framed == SIP_EPARSE
		    || (framed > 0 && (size_t)framed <= size));

	sip_arena_init(&arena, 256);
	rc = sip_msg_parse(&arena, buf, size, &m);
	FUZZ_ASSERT(rc == SIP_OK || rc == SIP_EPARSE || rc == SIP_ETOOBIG || rc == SIP_ELIMIT);
	FUZZ_ASSERT(rc == SIP_OK || m.error);
	if (rc == SIP_OK) {
		fuzz_walk(&m);
		fuzz_reply(&m);
		fuzz_build(&m);
	} else if (rc == SIP_EPARSE && m.is_request) {
		fuzz_reply(&m);
	}
	sip_arena_destroy(&arena);
	free(buf);
	return 0;
}
