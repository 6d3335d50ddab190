#include <arpa/inet.h>

#include "sip/sip_int.h"

/* Headers that may appear once only (RFC 3261 §7.3.1: no comma lists), so a
 * second occurrence is a 400. */
static const enum sip_hdr_type single_hdrs[] = {
	SIP_HDR_CALL_ID, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CSEQ, SIP_HDR_MAX_FORWARDS,
	SIP_HDR_CONTENT_LENGTH, SIP_HDR_CONTENT_TYPE,
};

/* The checks shared by requests and responses: SIP/2.0, the mandatory
 * headers present, single-value headers not repeated. Returns 0 or 400. */
static int msg_check_common(const sip_msg *m)
{
	static const enum sip_hdr_type mandatory[] = {
		SIP_HDR_VIA, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CALL_ID, SIP_HDR_CSEQ,
	};

	for (size_t i = 0; i < sizeof(mandatory) / sizeof(mandatory[0]); i++)
		if (!m->first[mandatory[i]])
			return 400;
	for (size_t i = 0; i < sizeof(single_hdrs) / sizeof(single_hdrs[0]); i++) {
		const sip_hdr *h = m->first[single_hdrs[i]];
		if (h && h->next_same) {
			/* The same Content-Length twice is harmless; the parser has
			 * already rejected differing values. */
			if (single_hdrs[i] == SIP_HDR_CONTENT_LENGTH)
				continue;
			return 400;
		}
	}
	if (!m->via1 || !m->from_parsed || !m->to_parsed || m->callid.len == 0)
		return 400;
	return 0;
}

/* Collect the option tags of every Proxy-Require header into one value for
 * the Unsupported header of a 420. A single header is returned as is; several
 * are joined in the message arena. */
static sip_str msg_proxy_require(const sip_msg *m)
{
	const sip_hdr *h = m->first[SIP_HDR_PROXY_REQUIRE];
	size_t n = 0;
	char *d, *p;

	if (!h->next_same)
		return h->body;
	for (const sip_hdr *x = h; x; x = x->next_same)
		n += x->body.len + 2;
	d = p = sip_arena_alloc(m->arena, n);
	if (!d)
		return h->body;
	for (const sip_hdr *x = h; x; x = x->next_same) {
		if (x->body.len == 0)
			continue;
		if (p != d) {
			*p++ = ',';
			*p++ = ' ';
		}
		memcpy(p, x->body.s, x->body.len);
		p += x->body.len;
	}
	return sip_str_make(d, (size_t)(p - d));
}

/* The checks a proxy applies to a parsed request before routing it
 * (RFC 3261 §16.3 steps 1 and 4, §8.2.2): 505 for a version other than
 * SIP/2.0; 400 for a missing or repeated mandatory header, a CSeq method
 * that differs from the request's, a malformed Request-URI or one carrying
 * headers; 416 for a Request-URI scheme other than sip, sips and tel; 420
 * when Proxy-Require lists anything (no extensions are supported there),
 * with *unsupported set to the option tags. Max-Forwards is left to the
 * policy. Returns 0 to accept. */
int sip_msg_check_request(sip_msg *m, sip_str *unsupported)
{
	sip_uri *u;
	int rc;

	if (unsupported)
		*unsupported = SIP_STR_NULL;
	if (!m->is_request)
		return 400;
	if (!sip_str_eq_lit_case(m->version, "SIP/2.0"))
		return 505;
	rc = msg_check_common(m);
	if (rc)
		return rc;
	if (!sip_str_eq(m->cseq.method_str, m->method_str))
		return 400;
	u = sip_msg_ruri(m);
	if (!u)
		return 400;
	if (!u->is_sip && !sip_str_eq_lit_case(u->scheme, "tel"))
		return 416;
	if (u->headers.len)
		return 400;
	if (m->first[SIP_HDR_PROXY_REQUIRE]) {
		sip_str tags = msg_proxy_require(m);
		if (tags.len) {
			if (unsupported)
				*unsupported = tags;
			return 420;
		}
	}
	return 0;
}

/* Addresses a response must never be sent to: broadcast, unspecified and
 * multicast (RFC 4475 §3.3.10). Hostnames are not resolved here. */
static bool host_is_forbidden(sip_str host)
{
	char buf[64];
	unsigned char a[16];

	if (host.len == 0 || host.len >= sizeof(buf))
		return false;
	if (host.s[0] == '[') {
		if (host.len < 3)
			return true;
		memcpy(buf, host.s + 1, host.len - 2);
		buf[host.len - 2] = '\0';
		if (inet_pton(AF_INET6, buf, a) != 1)
			return false;
		static const unsigned char zero[16];
		return a[0] == 0xff || memcmp(a, zero, 16) == 0;
	}
	if (!sip_ipv4_parse(host, a)) {
		memcpy(buf, host.s, host.len);
		buf[host.len] = '\0';
		if (inet_pton(AF_INET, buf, a) != 1)
			return false;
	}
	return (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
	       || (a[0] | a[1] | a[2] | a[3]) == 0 || (a[0] >= 224 && a[0] <= 239);
}

/* Whether a proxy may process a parsed response; false means drop it
 * silently (responses are never answered): a status outside 100..699, a
 * version other than SIP/2.0, missing or repeated mandatory headers, or a
 * Via that would send it to a broadcast or multicast address. */
bool sip_msg_check_response(sip_msg *m)
{
	sip_via *v;

	if (m->is_request || m->status < 100 || m->status > 699)
		return false;
	if (!sip_str_eq_lit_case(m->version, "SIP/2.0"))
		return false;
	if (msg_check_common(m))
		return false;
	v = sip_msg_vias(m);
	if (!v)
		return false;
	for (; v; v = v->next)
		if (host_is_forbidden(v->host))
			return false;
	return true;
}
