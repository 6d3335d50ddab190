/* "Myself": whether a host, a URI or an address names this proxy, and
 * what the proxy does with the parts of a request that are meant for it
 * alone before the request goes on: the Route values that name it (RFC
 * 3261 §16.4) and the credentials of its own realms. */
#include "proxy/proxy.h"

#include <string.h>
#include "core/log.h"
#include "core/status.h"

/* What the domain module (its table) and the authentication module (which
 * credentials are this proxy's) give the host when the policy uses them. */
static bool (*domain_table_has)(sip_str host);
static bool (*creds_ours)(sip_str hdr_body);

void proxy_set_domain_table(bool (*is_local)(sip_str host))
{
	domain_table_has = is_local;
}

bool proxy_domain_table_has(sip_str host)
{
	return domain_table_has && domain_table_has(host);
}

void proxy_set_credentials_filter(bool (*ours)(sip_str hdr_body))
{
	creds_ours = ours;
}

/* ---- myself ---- */

static bool addr_is_any(const sip_addr *a)
{
	static const unsigned char zero[16];
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in.sin_addr.s_addr == htonl(INADDR_ANY);
	return a->u.sa.sa_family == AF_INET6 && memcmp(&a->u.in6.sin6_addr, zero, 16) == 0;
}

static bool addr_is_loopback(const sip_addr *a)
{
	if (a->u.sa.sa_family == AF_INET)
		return (ntohl(a->u.in.sin_addr.s_addr) >> 24) == 127;
	return a->u.sa.sa_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&a->u.in6.sin6_addr);
}

/* Whether socket s has the IP address a (the port is not compared). A
 * socket bound to the wildcard address has every local address; only the
 * loopback ones are known without asking the kernel. */
static bool sock_has_ip(const sip_socket *s, const sip_addr *a)
{
	const sip_addr *l = &s->local;
	if (l->u.sa.sa_family != a->u.sa.sa_family)
		return false;
	if (addr_is_any(l))
		return addr_is_loopback(a);
	if (a->u.sa.sa_family == AF_INET)
		return l->u.in.sin_addr.s_addr == a->u.in.sin_addr.s_addr;
	return memcmp(&l->u.in6.sin6_addr, &a->u.in6.sin6_addr, 16) == 0;
}

bool proxy_is_us(sip_str host, int port)
{
	sip_addr a;
	bool ip = sip_addr_from_ip(&a, host, 0) == SIP_OK;
	for (sip_socket *s = tp_sockets(); s; s = s->next) {
		if (port && port != s->port)
			continue;
		/* An IP literal by its address ("[::1]" is "[0:0::1]"); the
		 * advertised name as written otherwise. */
		if (ip ? sock_has_ip(s, &a) : sip_str_caseeq(host, s->ip_str))
			return true;
	}
	return false;
}

bool proxy_is_domain(sip_str host)
{
	for (unsigned i = 0; i < proxy_conf.n_domains; i++)
		if (sip_str_eq_lit_case(host, proxy_conf.domains[i]))
			return true;
	return false;
}

int proxy_uri_port(const sip_uri *u)
{
	if (u->port)
		return u->port;
	return u->secure || sip_str_eq_lit_case(u->transport, "tls") ? 5061 : 5060;
}

/* OpenSIPS's "myself" (check_self): a listening socket's address matches
 * by host and port, an alias (here: a domain this proxy serves) by host,
 * whatever the port. */
bool proxy_host_is_us(sip_str host, int port, bool domain_table)
{
	if (!host.len)
		return false;
	if (proxy_is_domain(host) || (domain_table && proxy_domain_table_has(host)))
		return true;
	return proxy_is_us(host, port);
}

bool proxy_uri_is_us(const sip_uri *u)
{
	return u->is_sip && proxy_host_is_us(u->host, proxy_uri_port(u), true);
}

bool proxy_addr_is_us(const sip_transport *tp, const sip_addr *dst)
{
	for (sip_socket *s = tp_sockets(); s; s = s->next)
		if (s->tp == tp && s->port == sip_addr_port(dst) && sock_has_ip(s, dst))
			return true;
	return false;
}

/* ---- §16.4: the Route values of this proxy ---- */

/* One Route value with its header. */
struct route_ref {
	sip_hdr *h;
	sip_naddr *r, *first;
};

/* Remove one Route value: the whole header line when it is the only value
 * in it, else the value and its comma. */
static int route_remove(sip_msg *m, const struct route_ref *v)
{
	sip_naddr *r = v->r, *first = v->first;
	if (r == first && !r->next)
		return sip_msg_remove_hdr(m, v->h);
	if (r->next) {
		size_t a = sip_msg_off(m, r->raw.s), b = sip_msg_off(m, r->next->raw.s);
		return sip_msg_delete(m, a, b - a);
	}
	/* last value of several: remove from the end of the previous one */
	sip_naddr *prev = first;
	while (prev->next != r)
		prev = prev->next;
	size_t a = sip_msg_off(m, prev->raw.s + prev->raw.len);
	size_t b = sip_msg_off(m, r->raw.s + r->raw.len);
	return sip_msg_delete(m, a, b - a);
}

/* Remove the first k of the n Route values v, with one edit per header
 * (two edits in one header would overlap): a header whose values all go
 * is removed, else its leading values up to the first that stays. */
static void route_remove_first(sip_msg *m, const struct route_ref *v, unsigned n, unsigned k)
{
	for (unsigned a = 0; a < k;) {
		unsigned b = a;
		while (b < k && v[b].h == v[a].h)
			b++;
		if (b < n && v[b].h == v[a].h) {
			size_t x = sip_msg_off(m, v[a].r->raw.s), y = sip_msg_off(m, v[b].r->raw.s);
			sip_msg_delete(m, x, y - x);
		} else {
			sip_msg_remove_hdr(m, v[a].h);
		}
		a = b;
	}
}

/* The destination a Route of ours with a flow token (";flow=") names:
 * "sip:IP:PORT;transport=ws" of the connection, or empty. */
static sip_str route_flow(struct sip_ctx *ctx, const sip_uri *u)
{
	sip_str p = u->params;
	for (size_t i = 0; i + 5 <= p.len; i++) {
		if ((i && p.s[i - 1] != ';') || !sip_mem_caseeq(p.s + i, "flow=", 5))
			continue;
		size_t j = i + 5;
		while (j < p.len && p.s[j] != ';')
			j++;
		sip_addr a;
		char ip[64];
		if (tp_flow_parse(sip_str_make(p.s + i + 5, j - i - 5), &a) != SIP_OK) {
			LOG_INFO("ignoring a Route with an invalid flow token");
			return SIP_STR_NULL;
		}
		sip_addr_ip(&a, ip, sizeof ip);
		bool v6 = a.u.sa.sa_family == AF_INET6;
		return sip_arena_printf(ctx->arena, "sip:%s%s%s:%d;transport=" SIP_STR_FMT,
					v6 ? "[" : "", ip, v6 ? "]" : "", sip_addr_port(&a),
					SIP_STR_ARG(u->transport.len ? u->transport : SIP_STR_LIT("ws")));
	}
	return SIP_STR_NULL;
}

/* A Request-URI that is one of our Record-Route entries: a strict router
 * put it there. Our entries are socket addresses with ;lr, so a domain
 * name or a URI without ;lr (an OPTIONS ping to the proxy, a REGISTER to
 * its address) is not one. */
static bool ruri_is_our_rr(const sip_uri *u)
{
	return u->is_sip && u->lr && !u->user.len && proxy_is_us(u->host, proxy_uri_port(u));
}

#define ROUTE_MAX 32

/* RFC 3261 §16.4, before the request route decides anything, for every
 * request (initial or in a dialog): a Request-URI that is our own
 * Record-Route (a strict router sent it) is replaced by the last Route,
 * then the topmost Route values naming this proxy are removed (all of
 * them: two sockets of a double Record-Route, a phone that preloads its
 * outbound proxy). What remains decides where the request goes when the
 * policy does not set $du: ctx->route_next. The removals are edits of the
 * message, so every copy that leaves (branches, the template of a failure
 * route, the CANCEL and ACK the transaction layer builds) goes without
 * them. */
void proxy_route_self(struct sip_ctx *ctx)
{
	sip_msg *m = ctx->msg;
	if (ctx->routes_done || !m->is_request || ctx->prepared)
		return;
	ctx->routes_done = true;
	struct route_ref v[ROUTE_MAX];
	unsigned n = 0;
	for (sip_hdr *h = m->first[SIP_HDR_ROUTE]; h; h = h->next_same) {
		sip_naddr *first = sip_hdr_naddrs(m, h);
		for (sip_naddr *r = first; r && n < ROUTE_MAX; r = r->next)
			v[n++] = (struct route_ref){ h, r, first };
	}
	if (!n)
		return;
	sip_uri *ru = sip_msg_ruri(m);
	if (ru && ruri_is_our_rr(ru)) {
		ctx->route_params = ru->params;
		ctx->new_ruri = v[n - 1].r->uri_str;
		route_remove(m, &v[n - 1]);
		n--;
		ctx->routes_ours++;
	}
	unsigned i = 0;
	while (i < n && proxy_uri_is_us(&v[i].r->uri))
		i++;
	if (i) {
		ctx->route_params = v[0].r->uri.params;
		route_remove_first(m, v, n, i);
		ctx->routes_ours += i;
		/* The last of ours names the WebSocket connection the request
		 * goes on (proxy.c, rr_lines). */
		ctx->route_next = route_flow(ctx, &v[i - 1].r->uri);
	}
	if (!ctx->route_next.len && i < n)
		ctx->route_next = v[i].r->uri_str;
}

/* ---- credentials ---- */

/* Whether an edit of m removes the header line h already
 * (consume_credentials()). */
static bool hdr_removed(const sip_msg *m, const sip_hdr *h)
{
	size_t off = sip_msg_off(m, h->raw.s);
	for (unsigned i = 0; i < m->n_edits; i++) {
		const sip_edit *e = &m->edits[i];
		if (e->del && e->off <= off && e->off + e->del >= off + h->raw.len)
			return true;
	}
	return false;
}

int proxy_strip_credentials(sip_msg *m)
{
	static const int types[] = { SIP_HDR_AUTHORIZATION, SIP_HDR_PROXY_AUTHORIZATION };
	/* A proxy that never authenticates leaves every credential to the hop
	 * that asked for it. */
	if (!creds_ours)
		return SIP_OK;
	for (unsigned t = 0; t < 2; t++)
		for (sip_hdr *h = m->first[types[t]]; h; h = h->next_same) {
			if (!creds_ours(h->body) || hdr_removed(m, h))
				continue;
			int rc = sip_msg_remove_hdr(m, h);
			if (rc != SIP_OK)
				return rc;
		}
	return SIP_OK;
}
