/* HEP v3 encoding and the raw header scan (see hep.h). */
#include "siptrace/hep.h"

#include <string.h>
#include <sys/socket.h>
#include "core/status.h"

/* Append one chunk; false when it does not fit. */
static bool chunk(uint8_t *out, size_t cap, size_t *n, uint16_t type, const void *val,
		  size_t len)
{
	if (len > HEP_MAX - 6 || *n + 6 + len > cap)
		return false;
	uint8_t *p = out + *n;
	size_t clen = 6 + len;
	p[0] = 0;
	p[1] = 0;
	p[2] = (uint8_t)(type >> 8);
	p[3] = (uint8_t)type;
	p[4] = (uint8_t)(clen >> 8);
	p[5] = (uint8_t)clen;
	if (len)
		memcpy(p + 6, val, len);
	*n += clen;
	return true;
}

static bool chunk_u8(uint8_t *out, size_t cap, size_t *n, uint16_t type, uint8_t v)
{
	return chunk(out, cap, n, type, &v, 1);
}

static bool chunk_u16(uint8_t *out, size_t cap, size_t *n, uint16_t type, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	return chunk(out, cap, n, type, b, 2);
}

static bool chunk_u32(uint8_t *out, size_t cap, size_t *n, uint16_t type, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	return chunk(out, cap, n, type, b, 4);
}

/* The chunks in the order Kamailio's and OpenSIPS's agents write them
 * (collectors accept any order): addresses, ports, time, type, agent,
 * key, correlation, and the payload last. */
size_t hep_encode(const hep_msg *m, uint8_t *out, size_t cap)
{
	int fam = m->src->u.sa.sa_family;
	if (fam != m->dst->u.sa.sa_family || (fam != AF_INET && fam != AF_INET6))
		return 0;
	if (cap > HEP_MAX)
		cap = HEP_MAX;
	if (cap < 6)
		return 0;
	size_t n = 6;
	bool v4 = fam == AF_INET;
	bool ok = chunk_u8(out, cap, &n, HEP_CHUNK_IP_FAMILY, v4 ? 2 : 10) &&
		  chunk_u8(out, cap, &n, HEP_CHUNK_IP_PROTO, m->ip_proto);
	if (v4)
		ok = ok && chunk(out, cap, &n, HEP_CHUNK_SRC_IP4, &m->src->u.in.sin_addr, 4) &&
		     chunk(out, cap, &n, HEP_CHUNK_DST_IP4, &m->dst->u.in.sin_addr, 4);
	else
		ok = ok && chunk(out, cap, &n, HEP_CHUNK_SRC_IP6, &m->src->u.in6.sin6_addr, 16) &&
		     chunk(out, cap, &n, HEP_CHUNK_DST_IP6, &m->dst->u.in6.sin6_addr, 16);
	ok = ok && chunk_u16(out, cap, &n, HEP_CHUNK_SRC_PORT, (uint16_t)sip_addr_port(m->src)) &&
	     chunk_u16(out, cap, &n, HEP_CHUNK_DST_PORT, (uint16_t)sip_addr_port(m->dst)) &&
	     chunk_u32(out, cap, &n, HEP_CHUNK_TS_SEC, m->ts_sec) &&
	     chunk_u32(out, cap, &n, HEP_CHUNK_TS_USEC, m->ts_usec) &&
	     chunk_u8(out, cap, &n, HEP_CHUNK_PROTO_TYPE, HEP_PROTO_SIP) &&
	     chunk_u32(out, cap, &n, HEP_CHUNK_CAPTURE_ID, m->capture_id);
	if (ok && m->auth_key.len)
		ok = chunk(out, cap, &n, HEP_CHUNK_AUTH_KEY, m->auth_key.s, m->auth_key.len);
	if (ok && m->correlation.len)
		ok = chunk(out, cap, &n, HEP_CHUNK_CORRELATION, m->correlation.s, m->correlation.len);
	ok = ok && chunk(out, cap, &n, HEP_CHUNK_PAYLOAD, m->payload.s, m->payload.len);
	if (!ok)
		return 0;
	memcpy(out, "HEP3", 4);
	out[4] = (uint8_t)(n >> 8);
	out[5] = (uint8_t)n;
	return n;
}

/* collector = ("udp" / "tcp") ":" IP ":" port, IPv6 in brackets (the
 * form of the hep_server setting). */
bool hep_parse_server(const char *s, sip_addr *a, bool *tcp)
{
	if (strncmp(s, "udp:", 4) == 0)
		*tcp = false;
	else if (strncmp(s, "tcp:", 4) == 0)
		*tcp = true;
	else
		return false;
	s += 4;
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || !colon[1])
		return false;
	long port = 0;
	for (const char *p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return false;
		port = port * 10 + (*p - '0');
	}
	if (port <= 0 || port > 65535)
		return false;
	sip_str ip = sip_str_make(s, (size_t)(colon - s));
	/* An IPv6 address is written in brackets, so its last colon is the
	 * port's. */
	if (memchr(ip.s, ':', ip.len) && ip.s[0] != '[')
		return false;
	return sip_addr_from_ip(a, ip, (int)port) == SIP_OK;
}

static sip_str trim(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	return sip_str_make(p, (size_t)(e - p));
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
 * message-header = field-name ":" value CRLF (RFC 3261 section 7): the
 * first line says request or response; then each header line up to the
 * empty one, looking only at Call-ID ("i") and CSeq. Folded lines are
 * continuation whitespace and never start a header, so they are skipped. */
bool hep_sip_scan(const char *buf, size_t len, hep_sip_info *out)
{
	memset(out, 0, sizeof *out);
	const char *p = buf, *end = buf + len;
	const char *eol = memchr(p, '\n', len);
	if (!eol || len < 8)
		return false;
	if (memcmp(p, "SIP/2.0 ", 8) == 0) {
		int st = 0;
		for (const char *q = p + 8; q < eol && q < p + 11; q++) {
			if (*q < '0' || *q > '9')
				return false;
			st = st * 10 + (*q - '0');
		}
		if (st < 100 || st > 699)
			return false;
		out->status = st;
	}
	for (p = eol + 1; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (p == eol || (eol - p == 1 && *p == '\r'))
			break;  /* the empty line: the body follows */
		if (*p == ' ' || *p == '\t')
			continue;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon)
			continue;
		sip_str name = trim(p, colon);
		if (sip_str_eq_lit_case(name, "call-id") || sip_str_eq_lit_case(name, "i")) {
			if (!out->callid.len)
				out->callid = trim(colon + 1, eol);
		} else if (sip_str_eq_lit_case(name, "cseq") && !out->cseq_method.len) {
			sip_str v = trim(colon + 1, eol);
			size_t i = 0;
			uint64_t num = 0;
			while (i < v.len && v.s[i] >= '0' && v.s[i] <= '9' && num <= UINT32_MAX)
				num = num * 10 + (uint64_t)(v.s[i++] - '0');
			if (i == 0 || num > UINT32_MAX)
				continue;
			while (i < v.len && (v.s[i] == ' ' || v.s[i] == '\t'))
				i++;
			out->cseq = (uint32_t)num;
			out->cseq_method = sip_str_make(v.s + i, v.len - i);
		}
	}
	return out->callid.len > 0;
}
