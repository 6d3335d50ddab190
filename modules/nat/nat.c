/* NAT detection and rewriting (see nat.h). */
#include "nat/nat.h"

#include <arpa/inet.h>
#include <string.h>
#include "core/status.h"
#include "sip/sdp.h"

bool nat_ip_private(sip_str host)
{
	if (host.len >= 2 && host.s[0] == '[' && host.s[host.len - 1] == ']') {
		host.s++;
		host.len -= 2;
	}
	unsigned char b[16];
	if (sip_ipv4_parse(host, b))
		return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
		       (b[0] == 192 && b[1] == 168) || (b[0] == 100 && (b[1] & 0xc0) == 64) ||
		       (b[0] == 169 && b[1] == 254);
	char buf[64];
	if (!host.len || host.len >= sizeof buf || !memchr(host.s, ':', host.len))
		return false;
	memcpy(buf, host.s, host.len);
	buf[host.len] = '\0';
	if (inet_pton(AF_INET6, buf, b) != 1)
		return false;
	return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

/* The source's address as text, without brackets. */
static sip_str src_ip(const sip_addr *src, char *buf, size_t sz)
{
	sip_addr_ip(src, buf, sz);
	return sip_str_make(buf, strlen(buf));
}

/* Whether two IP literals name the same address (IPv6 spellings differ). */
static bool ip_same(sip_str a, sip_str b)
{
	sip_addr x, y;
	if (sip_addr_from_ip(&x, a, 0) != SIP_OK || sip_addr_from_ip(&y, b, 0) != SIP_OK)
		return false;
	return sip_addr_eq(&x, &y);
}

static sip_uri *first_contact(sip_msg *m, sip_naddr **na)
{
	sip_hdr *h = m->first[SIP_HDR_CONTACT];
	sip_naddr *n = h ? sip_hdr_naddrs(m, h) : NULL;
	if (!n || n->star || !n->uri.is_sip || !n->uri.host.len)
		return NULL;
	if (na)
		*na = n;
	return &n->uri;
}

static bool sdp_private(sip_msg *m)
{
	sip_sdp *sdp = sip_msg_sdp(m, NULL);
	if (!sdp)
		return false;
	if (sdp->conn.present && nat_ip_private(sdp->conn.addr))
		return true;
	for (sip_sdp_media *md = sdp->media; md; md = md->next)
		if (md->conn.present && nat_ip_private(md->conn.addr))
			return true;
	return false;
}

bool nat_test(sip_msg *m, const sip_addr *src, int flags)
{
	char ipb[64];
	sip_str ip = src_ip(src, ipb, sizeof ipb);
	const sip_via *v = m->via1;
	if ((flags & NAT_TEST_CONTACT_PRIVATE)) {
		sip_uri *u = first_contact(m, NULL);
		if (u && nat_ip_private(u->host))
			return true;
	}
	if ((flags & NAT_TEST_VIA_RECEIVED) && v && v->host.len && !ip_same(v->host, ip))
		return true;
	if ((flags & NAT_TEST_VIA_PRIVATE) && v && nat_ip_private(v->host))
		return true;
	if ((flags & NAT_TEST_SDP_PRIVATE) && sdp_private(m))
		return true;
	if ((flags & NAT_TEST_VIA_RPORT) && v) {
		bool tls = sip_str_eq_lit_case(v->transport, "TLS");
		int port = v->port ? v->port : (tls ? 5061 : 5060);
		if (port != sip_addr_port(src))
			return true;
	}
	if ((flags & NAT_TEST_SRC_PRIVATE) && nat_ip_private(ip))
		return true;
	return false;
}

int nat_fix_contact(sip_msg *m, const sip_addr *src, sip_arena *a)
{
	sip_hdr *h = m->first[SIP_HDR_CONTACT];
	if (!h)
		return SIP_ENOTFOUND;
	sip_naddr *na = NULL;
	sip_uri *u = first_contact(m, &na);
	if (!u)
		return sip_hdr_naddrs(m, h) ? SIP_ENOTFOUND : SIP_EPARSE;
	char ipb[64];
	sip_str ip = src_ip(src, ipb, sizeof ipb);
	bool v6 = memchr(ip.s, ':', ip.len) != NULL;
	sip_str hp = sip_arena_printf(a, "%s" SIP_STR_FMT "%s:%d", v6 ? "[" : "", SIP_STR_ARG(ip),
				      v6 ? "]" : "", sip_addr_port(src));
	if (!hp.s)
		return SIP_NOMEM;
	/* host[:port] as written: the port's digits follow the host and ':' */
	const char *end = u->port_str.len ? u->port_str.s + u->port_str.len : u->host.s + u->host.len;
	return sip_msg_edit(m, sip_msg_off(m, u->host.s), (size_t)(end - u->host.s), hp);
}

int nat_fix_sdp(sip_msg *m, const sip_addr *src, sip_arena *a)
{
	int st = SIP_OK;
	if (!sip_msg_sdp(m, &st))
		return st == SIP_OK ? SIP_ENOTFOUND : st;
	sip_str body = sip_msg_body_current(m);
	if (!body.s)
		return SIP_NOMEM;
	sip_sdp *sdp;
	if ((st = sip_sdp_parse(a, body, &sdp, NULL)) != SIP_OK)
		return st;
	char ipb[64];
	sip_str ip = src_ip(src, ipb, sizeof ipb);
	sip_str af = memchr(ip.s, ':', ip.len) ? SIP_STR_LIT("IP6") : SIP_STR_LIT("IP4");
	/* The c= lines in body order: the session's comes before the media. */
	const sip_sdp_conn *conns[SIP_SDP_MAX_MEDIA + 1];
	unsigned n = 0;
	if (sdp->conn.present)
		conns[n++] = &sdp->conn;
	for (sip_sdp_media *md = sdp->media; md && n < SIP_SDP_MAX_MEDIA + 1; md = md->next)
		if (md->conn.present)
			conns[n++] = &md->conn;
	if (!n)
		return SIP_ENOTFOUND;
	size_t cap = body.len + n * (ip.len + 8) + 1;
	char *d = sip_arena_alloc(a, cap);
	if (!d)
		return SIP_NOMEM;
	size_t o = 0;
	const char *pos = body.s;
	for (unsigned i = 0; i < n; i++) {
		const sip_sdp_conn *c = conns[i];
		/* "<addrtype> <addr>": the type is rewritten with the address */
		const char *from = c->addrtype.len ? c->addrtype.s : c->addr.s;
		memcpy(d + o, pos, (size_t)(from - pos));
		o += (size_t)(from - pos);
		if (c->addrtype.len) {
			memcpy(d + o, af.s, af.len);
			o += af.len;
			const char *gap = c->addrtype.s + c->addrtype.len;
			memcpy(d + o, gap, (size_t)(c->addr.s - gap));
			o += (size_t)(c->addr.s - gap);
		}
		memcpy(d + o, ip.s, ip.len);
		o += ip.len;
		pos = c->addr.s + c->addr.len;
	}
	memcpy(d + o, pos, (size_t)(body.s + body.len - pos));
	o += (size_t)(body.s + body.len - pos);
	d[o] = '\0';
	return sip_msg_set_body(m, sip_str_make(d, o));
}
